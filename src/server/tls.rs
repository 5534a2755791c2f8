//! HTTPS: the rustls acceptor the serving stack wraps connections of the TLS port in.
//!
//! The certificate is the user's (`tls.cert` and `tls.key`), or one generated with rcgen for
//! `localhost`, `127.0.0.1`, `::1`, the host of `public_url` and `tls.hosts`, written to
//! `tls.dir` so it can be added to a trust store, and reused from there on the next start
//! while it covers the same names. Knows nothing of the routes.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;

use crate::config::Config;

/// The file names of a generated certificate and its key inside `tls.dir`.
pub const GENERATED_CERT: &str = "cert.pem";
/// See [`GENERATED_CERT`].
pub const GENERATED_KEY: &str = "key.pem";

/// A ready acceptor and where its certificate is.
#[derive(Clone)]
pub struct Tls {
    /// Accepts TLS connections (ALPN `h2` and `http/1.1`).
    pub acceptor: TlsAcceptor,
    /// The certificate served: the user's, or the generated one (trust this file).
    pub cert: PathBuf,
}

/// Why HTTPS could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// Only one of `tls.cert` and `tls.key`.
    #[error("tls.cert and tls.key go together: set both, or neither for a generated certificate")]
    Incomplete,
    /// A certificate or key file that cannot be read or parsed.
    #[error("{}: {why}", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        why: String,
    },
    /// rustls refused the certificate and key, or rcgen could not make them.
    #[error("TLS: {0}")]
    Setup(String),
}

/// The names a generated certificate covers.
pub fn certificate_names(config: &Config) -> Vec<String> {
    let mut names: Vec<String> = ["localhost", "127.0.0.1", "::1"]
        .into_iter()
        .map(String::from)
        .collect();
    let public_host = config
        .public_url
        .as_deref()
        .and_then(|url| url.parse::<http::Uri>().ok())
        .and_then(|uri| uri.host().map(|h| h.trim_matches(['[', ']']).to_string()));
    for name in public_host
        .into_iter()
        .chain(config.tls.hosts.iter().cloned())
    {
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// The acceptor for `config.tls`: the user's certificate, or a generated one.
pub fn load(config: &Config) -> Result<Tls, TlsError> {
    let (cert, key) = match (&config.tls.cert, &config.tls.key) {
        (Some(cert), Some(key)) => (cert.clone(), key.clone()),
        (None, None) => generated(&config.tls.dir, &certificate_names(config))?,
        _ => return Err(TlsError::Incomplete),
    };
    let file_error = |path: &Path| {
        let path = path.to_path_buf();
        move |e: rustls::pki_types::pem::Error| TlsError::File {
            path,
            why: e.to_string(),
        }
    };
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&cert)
        .map_err(file_error(&cert))?
        .collect::<Result<_, _>>()
        .map_err(file_error(&cert))?;
    if chain.is_empty() {
        return Err(TlsError::File {
            path: cert,
            why: "no PEM certificate in the file".into(),
        });
    }
    let private_key = PrivateKeyDer::from_pem_file(&key).map_err(file_error(&key))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut server = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Setup(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(chain, private_key)
        .map_err(|e| TlsError::Setup(e.to_string()))?;
    server.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Tls {
        acceptor: TlsAcceptor::from(Arc::new(server)),
        cert,
    })
}

/// The generated certificate and key in `dir`: reused when they exist and cover `names`,
/// else made anew and written there.
fn generated(dir: &Path, names: &[String]) -> Result<(PathBuf, PathBuf), TlsError> {
    let cert = dir.join(GENERATED_CERT);
    let key = dir.join(GENERATED_KEY);
    if key.is_file() && covers(&cert, names) {
        return Ok((cert, key));
    }
    let setup = |e: rcgen::Error| TlsError::Setup(e.to_string());
    let mut params = rcgen::CertificateParams::new(names.to_vec()).map_err(setup)?;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "dfns-mock local HTTPS");
    params.not_before = rcgen::date_time_ymd(2024, 1, 1);
    params.not_after = rcgen::date_time_ymd(2049, 12, 31);
    let key_pair = rcgen::KeyPair::generate().map_err(setup)?;
    let certificate = params.self_signed(&key_pair).map_err(setup)?;
    let write = |path: &Path, text: String| {
        std::fs::write(path, text).map_err(|e| TlsError::File {
            path: path.to_path_buf(),
            why: format!("cannot write: {e}"),
        })
    };
    std::fs::create_dir_all(dir).map_err(|e| TlsError::File {
        path: dir.to_path_buf(),
        why: format!("cannot create: {e}"),
    })?;
    write(&key, key_pair.serialize_pem())?;
    write(&cert, certificate.pem())?;
    Ok((cert, key))
}

/// Whether the PEM certificate at `path` names every one of `names` (DNS or IP).
fn covers(path: &Path, names: &[String]) -> bool {
    let Ok(bytes) = std::fs::read(path) else {
        return false;
    };
    let Ok((_, pem)) = x509_parser::pem::parse_x509_pem(&bytes) else {
        return false;
    };
    let Ok(cert) = pem.parse_x509() else {
        return false;
    };
    let Ok(Some(san)) = cert.subject_alternative_name() else {
        return false;
    };
    names.iter().all(|name| {
        san.value.general_names.iter().any(|general| match general {
            x509_parser::extensions::GeneralName::DNSName(dns) => dns == name,
            x509_parser::extensions::GeneralName::IPAddress(bytes) => {
                let ip = match bytes.len() {
                    4 => <[u8; 4]>::try_from(*bytes).ok().map(IpAddr::from),
                    16 => <[u8; 16]>::try_from(*bytes).ok().map(IpAddr::from),
                    _ => None,
                };
                ip.is_some_and(|ip| name.parse::<IpAddr>().ok() == Some(ip))
            }
            _ => false,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_certificate_is_reused_while_it_covers_the_names() {
        let dir = tempfile::tempdir().unwrap();
        let names = vec!["localhost".to_string(), "127.0.0.1".to_string()];
        let (cert, _) = generated(dir.path(), &names).unwrap();
        let first = std::fs::read(&cert).unwrap();
        assert!(covers(&cert, &names));
        generated(dir.path(), &names).unwrap();
        assert_eq!(std::fs::read(&cert).unwrap(), first, "reused");
        let more = vec!["localhost".to_string(), "mock.test".to_string()];
        assert!(!covers(&cert, &more));
        generated(dir.path(), &more).unwrap();
        assert_ne!(std::fs::read(&cert).unwrap(), first, "made anew");
        assert!(covers(&cert, &more));
    }

    #[test]
    fn a_cert_without_its_key_is_an_error() {
        let config = Config {
            tls: crate::config::TlsConfig {
                cert: Some("c.pem".into()),
                ..Default::default()
            },
            ..Config::default()
        };
        assert!(matches!(load(&config), Err(TlsError::Incomplete)));
    }
}
