//! HTTPS beside HTTP: the generated certificate (written where a trust store can take it)
//! or the user's own, the `https` scheme in what the issuer publishes, and a trusted
//! issuer's JWKS loaded over `https://`.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;
use dfns_mock::config::{Config, TlsConfig};
use serde_json::json;

fn tls_config(dir: &Path) -> Config {
    Config {
        tls: TlsConfig {
            enabled: true,
            port: 0,
            dir: dir.join("tls"),
            ..TlsConfig::default()
        },
        ..config()
    }
}

/// A client that trusts only the PEM certificate at `cert`.
fn trusting(cert: &Path) -> reqwest::Client {
    let pem = std::fs::read(cert).unwrap();
    reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).unwrap())
        .build()
        .unwrap()
}

#[tokio::test]
async fn https_serves_with_the_generated_certificate_beside_http() {
    let dir = tempfile::tempdir().unwrap();
    let mock = Mock::start(tls_config(dir.path())).await;
    let server = mock.server.as_ref().unwrap();
    let cert = server.tls_cert.clone().unwrap();
    assert_eq!(cert, dir.path().join("tls/cert.pem"));
    let https = format!("https://localhost:{}", server.tls_addr.unwrap().port());
    let client = trusting(&cert);

    let doc = send_json(client.get(format!("{https}/oidc/.well-known/openid-configuration"))).await;
    assert_eq!(doc["issuer"], format!("{https}/oidc"));

    // A token minted over HTTPS registers over HTTP, and HTTP still answers.
    let token_request = client.post(format!("{https}/oidc/token"));
    let minted = send_json(token_request.json(&json!({ "email": "tls@example.com" }))).await;
    let token = minted["id_token"].as_str().unwrap();
    assert_eq!(jwt_part(token, 1)["iss"], format!("{https}/oidc"));
    assert_eq!(mock.register(token, &[]).await.0, 200);

    // 127.0.0.1 is in the certificate too; a client that does not trust it is refused.
    let by_ip = format!("https://127.0.0.1:{}", server.tls_addr.unwrap().port());
    let status = client
        .get(format!("{by_ip}/__mock/health"))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 200);
    let untrusting = reqwest::Client::new();
    assert!(untrusting
        .get(format!("{https}/__mock/health"))
        .send()
        .await
        .is_err());
    mock.stop().await;
}

#[tokio::test]
async fn https_serves_the_users_own_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let own = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let (cert, key) = (dir.path().join("own.pem"), dir.path().join("own-key.pem"));
    std::fs::write(&cert, own.cert.pem()).unwrap();
    std::fs::write(&key, own.signing_key.serialize_pem()).unwrap();
    let mut config = tls_config(dir.path());
    config.tls.cert = Some(cert.clone());
    config.tls.key = Some(key);
    let mock = Mock::start(config).await;
    let server = mock.server.as_ref().unwrap();
    assert_eq!(server.tls_cert.as_deref(), Some(cert.as_path()));
    assert!(!dir.path().join("tls").exists(), "nothing generated");
    let status = trusting(&cert)
        .get(format!(
            "https://localhost:{}/__mock/health",
            server.tls_addr.unwrap().port()
        ))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 200);
    mock.stop().await;
}

// Multi-threaded: the test blocks on the child while the in-process server answers it.
#[tokio::test(flavor = "multi_thread")]
async fn a_trusted_issuers_jwks_loads_over_https() {
    let dir = tempfile::tempdir().unwrap();
    let idp = Mock::start(tls_config(dir.path())).await;
    let server = idp.server.as_ref().unwrap();
    let cert = server.tls_cert.clone().unwrap();
    let jwks = format!(
        "https://localhost:{}/oidc/jwks",
        server.tls_addr.unwrap().port()
    );
    let file = dir.path().join("trusting.toml");
    std::fs::write(
        &file,
        format!("[[issuer.trusted]]\nissuer = \"https://idp.test\"\njwks = \"{jwks}\"\n"),
    )
    .unwrap();
    let token = |trust: Option<&Path>| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_dfns-mock"));
        command
            .current_dir(repo())
            .arg("token")
            .arg("--config")
            .arg(&file);
        command
            .env_remove("SSL_CERT_FILE")
            .env_remove("SSL_CERT_DIR");
        if let Some(cert) = trust {
            command.env("SSL_CERT_FILE", cert);
        }
        command.output().unwrap()
    };
    // The certificate is the machine's to trust (SSL_CERT_FILE, or the system store).
    let refused = token(None);
    assert!(!refused.status.success());
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(
        err.contains("cannot load JWKS") && err.contains(&jwks),
        "{err}"
    );
    let trusted = token(Some(&cert));
    assert!(
        trusted.status.success(),
        "{}",
        String::from_utf8_lossy(&trusted.stderr)
    );
    idp.stop().await;
}
