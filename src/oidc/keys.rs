//! The built-in issuer's signing key: loading it (the fixture key from the fixtures folder
//! or the copy compiled into the binary, a PEM file, or a fresh one), its JWK with a `kid` (RFC 7638 thumbprint) and an `x5c` self-signed certificate
//! made with rcgen. RSA keys under [`MIN_RSA_BITS`] are refused, here and in trusted JWKS.
//! The key is parsed here, once: signing and checking use the parsed key (`oidc::jws`).

use std::path::Path;
use std::sync::Arc;

use super::jws::{JwsSigner, JwsVerifier};
use crate::bundled::Origin;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use jsonwebtoken::jwk::{
    AlgorithmParameters, CommonParameters, EllipticCurve, Jwk, KeyAlgorithm,
    OctetKeyPairParameters, OctetKeyPairType, PublicKeyUse, ThumbprintHash,
};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding};
use rsa::traits::PublicKeyParts;

/// The smallest RSA modulus accepted, in bits (RFC 7518 §3.3).
pub const MIN_RSA_BITS: usize = 2048;

/// Refuses an RSA key whose modulus is under [`MIN_RSA_BITS`]; other key types pass.
pub fn check_key_size(jwk: &Jwk) -> Result<(), String> {
    let AlgorithmParameters::RSA(rsa) = &jwk.algorithm else {
        return Ok(());
    };
    let n = URL_SAFE_NO_PAD
        .decode(rsa.n.trim_end_matches('='))
        .map_err(|e| format!("its RSA modulus `n` is not base64url: {e}"))?;
    let bits = n.iter().position(|b| *b != 0).map_or(0, |first| {
        (n.len() - first) * 8 - n[first].leading_zeros() as usize
    });
    check_rsa_bits(bits)
}

fn check_rsa_bits(bits: usize) -> Result<(), String> {
    if bits < MIN_RSA_BITS {
        return Err(format!(
            "its RSA modulus is {bits} bits; at least {MIN_RSA_BITS} are required (RFC 7518 §3.3)"
        ));
    }
    Ok(())
}

/// Why a PEM is not a usable signing key.
#[derive(Debug, thiserror::Error)]
pub enum PemKeyError {
    /// Not a private key of the algorithm.
    #[error("{0}")]
    Invalid(String),
    /// An RSA key under [`MIN_RSA_BITS`].
    #[error("{0}")]
    Weak(String),
}

impl From<String> for PemKeyError {
    fn from(why: String) -> Self {
        PemKeyError::Invalid(why)
    }
}

/// A private key that signs id tokens, with everything needed to publish and check it.
#[derive(Clone)]
pub struct SigningKey {
    /// JWS algorithm (`RS256` or `EdDSA`).
    pub algorithm: Algorithm,
    /// Key id, the RFC 7638 SHA-256 thumbprint of the public JWK.
    pub kid: String,
    /// The public JWK as published in the JWKS (with `kid`, `alg`, `use`, `x5c`).
    pub jwk: Jwk,
    encoding: EncodingKey,
    decoding: DecodingKey,
    signer: Arc<JwsSigner>,
    verifier: JwsVerifier,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("algorithm", &self.algorithm)
            .field("kid", &self.kid)
            .finish()
    }
}

/// Why a key could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The PEM file could not be read.
    #[error("cannot read signing key {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The PEM does not hold a key of the configured algorithm.
    #[error("signing key {path} is not a {algorithm} private key (PKCS#8 PEM): {why}")]
    Parse {
        /// The file, or `generated`.
        path: String,
        /// The configured algorithm.
        algorithm: String,
        /// What the parser said.
        why: String,
    },
    /// The key is too weak to sign with.
    #[error("signing key {path} is refused: {why}")]
    Weak {
        /// The file, or `generated`.
        path: String,
        /// Why.
        why: String,
    },
}

impl SigningKey {
    /// Loads the key named by `setting`: `fixture` (from `fixtures`), `generate` or a PEM path.
    pub fn load(setting: &str, algorithm: &str, fixtures: &Origin) -> Result<SigningKey, KeyError> {
        let alg = match algorithm {
            "EdDSA" => Algorithm::EdDSA,
            _ => Algorithm::RS256,
        };
        let (pem, origin) = match setting {
            "generate" => (generate_pem(alg)?, "generated".to_string()),
            "fixture" => {
                let file = match alg {
                    Algorithm::EdDSA => "issuer-ed25519.pem",
                    _ => "issuer-rs256.pem",
                };
                let origin = fixtures.label(file).display().to_string();
                match fixtures.read(file) {
                    Ok(Some(pem)) => (pem, origin),
                    Ok(None) => {
                        return Err(KeyError::Read {
                            path: origin,
                            source: std::io::ErrorKind::NotFound.into(),
                        })
                    }
                    Err(source) => {
                        return Err(KeyError::Read {
                            path: origin,
                            source,
                        })
                    }
                }
            }
            path => read_pem(Path::new(path))?,
        };
        SigningKey::from_pem(&pem, alg).map_err(|err| match err {
            PemKeyError::Invalid(why) => KeyError::Parse {
                path: origin,
                algorithm: algorithm.to_string(),
                why,
            },
            PemKeyError::Weak(why) => KeyError::Weak { path: origin, why },
        })
    }

    /// A key from a PEM private key (PKCS#8, or PKCS#1 for RSA of at least [`MIN_RSA_BITS`]).
    pub fn from_pem(pem: &str, algorithm: Algorithm) -> Result<SigningKey, PemKeyError> {
        let parsed = match algorithm {
            Algorithm::EdDSA => ParsedKey::ed25519(pem)?,
            _ => ParsedKey::rsa(pem)?,
        };
        let mut jwk = Jwk {
            common: CommonParameters::default(),
            algorithm: parsed.params,
        };
        let kid = jwk.thumbprint(ThumbprintHash::SHA256);
        jwk.common = CommonParameters {
            public_key_use: Some(PublicKeyUse::Signature),
            key_algorithm: Some(match algorithm {
                Algorithm::EdDSA => KeyAlgorithm::EdDSA,
                _ => KeyAlgorithm::RS256,
            }),
            key_id: Some(kid.clone()),
            x509_chain: Some(vec![self_signed_certificate(&parsed.pkcs8_pem, &kid)?]),
            ..CommonParameters::default()
        };
        let signer = match &parsed.secret {
            Secret::Rsa { pkcs8_der } => JwsSigner::rs256(pkcs8_der, &kid)?,
            Secret::Ed25519 { seed } => JwsSigner::ed25519(seed, &kid),
        };
        Ok(SigningKey {
            algorithm,
            kid,
            jwk,
            encoding: parsed.encoding,
            decoding: parsed.decoding,
            signer: Arc::new(signer),
            verifier: parsed.verifier,
        })
    }

    /// The key that signs.
    pub fn encoding(&self) -> &EncodingKey {
        &self.encoding
    }

    /// The public key that verifies.
    pub fn decoding(&self) -> &DecodingKey {
        &self.decoding
    }

    /// The parsed key that signs tokens.
    pub(crate) fn signer(&self) -> &JwsSigner {
        &self.signer
    }

    /// The parsed public key that checks them.
    pub(crate) fn verifier(&self) -> &JwsVerifier {
        &self.verifier
    }
}

/// A private key read from its PEM, in every form the issuer needs it.
struct ParsedKey {
    /// PKCS#8 PEM, for the self-signed certificate.
    pkcs8_pem: String,
    /// The public JWK parameters.
    params: AlgorithmParameters,
    secret: Secret,
    verifier: JwsVerifier,
    encoding: EncodingKey,
    decoding: DecodingKey,
}

/// What `ring` signs with.
enum Secret {
    Rsa { pkcs8_der: Vec<u8> },
    Ed25519 { seed: [u8; 32] },
}

impl ParsedKey {
    fn ed25519(pem: &str) -> Result<ParsedKey, PemKeyError> {
        let key = ed25519_dalek::SigningKey::from_pkcs8_pem(pem).map_err(|e| e.to_string())?;
        let public = key.verifying_key().to_bytes();
        let x = URL_SAFE_NO_PAD.encode(public);
        Ok(ParsedKey {
            pkcs8_pem: pem.to_string(),
            params: AlgorithmParameters::OctetKeyPair(OctetKeyPairParameters {
                key_type: OctetKeyPairType::OctetKeyPair,
                curve: EllipticCurve::Ed25519,
                x: x.clone(),
            }),
            secret: Secret::Ed25519 {
                seed: key.to_bytes(),
            },
            verifier: JwsVerifier::ed25519(&public),
            encoding: EncodingKey::from_ed_pem(pem.as_bytes()).map_err(|e| e.to_string())?,
            decoding: DecodingKey::from_ed_components(&x).map_err(|e| e.to_string())?,
        })
    }

    fn rsa(pem: &str) -> Result<ParsedKey, PemKeyError> {
        let key = rsa::RsaPrivateKey::from_pkcs8_pem(pem)
            .or_else(|_| rsa::RsaPrivateKey::from_pkcs1_pem(pem))
            .map_err(|e| e.to_string())?;
        check_rsa_bits(key.n().bits()).map_err(PemKeyError::Weak)?;
        let pkcs8_der = key.to_pkcs8_der().map_err(|e| e.to_string())?;
        let pkcs8_pem = key
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(|e| e.to_string())?
            .to_string();
        let (n, e) = (key.n().to_bytes_be(), key.e().to_bytes_be());
        let (n64, e64) = (URL_SAFE_NO_PAD.encode(&n), URL_SAFE_NO_PAD.encode(&e));
        Ok(ParsedKey {
            params: AlgorithmParameters::RSA(jsonwebtoken::jwk::RSAKeyParameters {
                key_type: jsonwebtoken::jwk::RSAKeyType::RSA,
                n: n64.clone(),
                e: e64.clone(),
            }),
            secret: Secret::Rsa {
                pkcs8_der: pkcs8_der.as_bytes().to_vec(),
            },
            verifier: JwsVerifier::rsa(Algorithm::RS256, &n, &e),
            encoding: EncodingKey::from_rsa_pem(pkcs8_pem.as_bytes()).map_err(|e| e.to_string())?,
            decoding: DecodingKey::from_rsa_components(&n64, &e64).map_err(|e| e.to_string())?,
            pkcs8_pem,
        })
    }
}

fn read_pem(path: &Path) -> Result<(String, String), KeyError> {
    let origin = path.display().to_string();
    std::fs::read_to_string(path)
        .map(|pem| (pem, origin.clone()))
        .map_err(|source| KeyError::Read {
            path: origin,
            source,
        })
}

fn generate_pem(alg: Algorithm) -> Result<String, KeyError> {
    let failed = |why: String| KeyError::Parse {
        path: "generated".into(),
        algorithm: format!("{alg:?}"),
        why,
    };
    match alg {
        Algorithm::EdDSA => rcgen::KeyPair::generate_for(&rcgen::PKCS_ED25519)
            .map(|kp| kp.serialize_pem())
            .map_err(|e| failed(e.to_string())),
        _ => {
            let key = rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048)
                .map_err(|e| failed(e.to_string()))?;
            key.to_pkcs8_pem(LineEnding::LF)
                .map(|pem| pem.to_string())
                .map_err(|e| failed(e.to_string()))
        }
    }
}

/// A self-signed certificate for the key, base64 (standard) DER as `x5c` wants it. Its
/// fields are fixed (dates, serial from the kid) and both signature schemes are
/// deterministic, so the same key always yields the same certificate.
fn self_signed_certificate(pkcs8_pem: &str, kid: &str) -> Result<String, String> {
    let key_pair = rcgen::KeyPair::from_pem(pkcs8_pem).map_err(|e| e.to_string())?;
    let mut params =
        rcgen::CertificateParams::new(Vec::<String>::new()).map_err(|e| e.to_string())?;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "dfns-mock test issuer");
    params.not_before = rcgen::date_time_ymd(2024, 1, 1);
    params.not_after = rcgen::date_time_ymd(2049, 12, 31);
    let serial = URL_SAFE_NO_PAD.decode(kid).unwrap_or_default();
    params.serial_number = Some(rcgen::SerialNumber::from_slice(
        &serial[..16.min(serial.len())],
    ));
    let cert = params.self_signed(&key_pair).map_err(|e| e.to_string())?;
    Ok(STANDARD.encode(cert.der()))
}
