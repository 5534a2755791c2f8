//! Credential public keys: read from a COSE key (WebAuthn), a PEM SubjectPublicKeyInfo or
//! PKCS#1 RSA key (Dfns `Key` credentials, fixtures) or an X.509 certificate (packed
//! attestation), and verification of signatures with them.

use coset::iana::{Algorithm as CoseAlg, EllipticCurve, KeyType};
use coset::{CborSerializable, CoseKey, KeyType as CoseKeyType, Label, RegisteredLabelWithPrivate};
use ed25519_dalek::Verifier as _;
use p256::pkcs8::DecodePublicKey;
use rsa::pkcs1v15::VerifyingKey as RsaVerifyingKey;
use sha2::{Digest, Sha256, Sha512};

/// COSE algorithm numbers the mock verifies.
pub(crate) const ES256: i64 = -7;
/// RSASSA-PKCS1-v1_5 with SHA-256.
pub(crate) const RS256: i64 = -257;
/// EdDSA (Ed25519).
pub(crate) const EDDSA: i64 = -8;

/// The digest a key credential signs with: its `algorithm` (`SHA256`, `RSA-SHA256` or
/// `SHA512`, per the Dfns docs on credential data), SHA-256 when absent. Ed25519 signs the
/// message itself whatever the digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KeyDigest {
    /// SHA-256 (ECDSA-SHA256, RSA PKCS#1 v1.5 SHA-256).
    #[default]
    Sha256,
    /// SHA-512.
    Sha512,
}

impl KeyDigest {
    /// The digest an `algorithm` field names; `None` (absent) is SHA-256.
    pub fn from_algorithm(algorithm: Option<&str>) -> Result<KeyDigest, String> {
        match algorithm {
            None | Some("SHA256" | "RSA-SHA256") => Ok(KeyDigest::Sha256),
            Some("SHA512") => Ok(KeyDigest::Sha512),
            Some(other) => Err(format!(
                "algorithm `{other}` is not one of RSA-SHA256, SHA256, SHA512"
            )),
        }
    }
}

/// A public key that verifies a credential's signatures.
#[derive(Debug, Clone, PartialEq)]
pub enum CredentialKey {
    /// ECDSA P-256 with SHA-256.
    Es256(p256::ecdsa::VerifyingKey),
    /// RSA PKCS#1 v1.5 with SHA-256.
    Rs256(rsa::RsaPublicKey),
    /// Ed25519.
    EdDsa(ed25519_dalek::VerifyingKey),
}

impl CredentialKey {
    /// The COSE algorithm number.
    pub(crate) fn alg(&self) -> i64 {
        match self {
            CredentialKey::Es256(_) => ES256,
            CredentialKey::Rs256(_) => RS256,
            CredentialKey::EdDsa(_) => EDDSA,
        }
    }

    /// Reads a COSE_Key (the `credentialPublicKey` of attested credential data).
    pub(crate) fn from_cose(bytes: &[u8]) -> Result<CredentialKey, String> {
        let key = CoseKey::from_slice(bytes).map_err(|e| format!("not a COSE key: {e}"))?;
        let param = |label: i64| {
            key.params
                .iter()
                .find(|(l, _)| *l == Label::Int(label))
                .map(|(_, v)| v)
        };
        let bytes_param = |label: i64, name: &str| {
            param(label)
                .and_then(|v| v.as_bytes())
                .cloned()
                .ok_or_else(|| format!("COSE key has no `{name}`"))
        };
        let alg = match &key.alg {
            Some(RegisteredLabelWithPrivate::Assigned(a)) => Some(*a as i64),
            _ => None,
        };
        match key.kty {
            CoseKeyType::Assigned(KeyType::EC2) => {
                let crv = param(-1).and_then(|v| v.as_integer()).map(i128::from);
                if crv != Some(EllipticCurve::P_256 as i128) {
                    return Err("only the P-256 curve is supported for EC2 keys".into());
                }
                if alg.is_some_and(|a| a != ES256) {
                    return Err(format!(
                        "EC2 P-256 key with alg {} (expected -7)",
                        alg.unwrap_or(0)
                    ));
                }
                let (x, y) = (bytes_param(-2, "x")?, bytes_param(-3, "y")?);
                let mut sec1 = vec![4u8];
                sec1.extend_from_slice(&x);
                sec1.extend_from_slice(&y);
                p256::ecdsa::VerifyingKey::from_sec1_bytes(&sec1)
                    .map(CredentialKey::Es256)
                    .map_err(|e| format!("invalid P-256 point: {e}"))
            }
            CoseKeyType::Assigned(KeyType::RSA) => {
                if alg.is_some_and(|a| a != RS256) {
                    return Err(format!(
                        "RSA key with alg {} (only -257 is supported)",
                        alg.unwrap_or(0)
                    ));
                }
                let n = rsa::BigUint::from_bytes_be(&bytes_param(-1, "n")?);
                let e = rsa::BigUint::from_bytes_be(&bytes_param(-2, "e")?);
                rsa::RsaPublicKey::new(n, e)
                    .map(CredentialKey::Rs256)
                    .map_err(|e| format!("invalid RSA key: {e}"))
            }
            CoseKeyType::Assigned(KeyType::OKP) => {
                let crv = param(-1).and_then(|v| v.as_integer()).map(i128::from);
                if crv != Some(EllipticCurve::Ed25519 as i128) {
                    return Err("only the Ed25519 curve is supported for OKP keys".into());
                }
                let x = bytes_param(-2, "x")?;
                let x: [u8; 32] = x
                    .try_into()
                    .map_err(|_| "Ed25519 key is not 32 bytes".to_string())?;
                ed25519_dalek::VerifyingKey::from_bytes(&x)
                    .map(CredentialKey::EdDsa)
                    .map_err(|e| format!("invalid Ed25519 key: {e}"))
            }
            ref other => Err(format!("unsupported COSE key type {other:?}")),
        }
    }

    /// Reads a PEM `PUBLIC KEY` (SubjectPublicKeyInfo) of any supported type.
    pub(crate) fn from_spki_pem(pem: &str) -> Result<CredentialKey, String> {
        if let Ok(key) = p256::ecdsa::VerifyingKey::from_public_key_pem(pem) {
            return Ok(CredentialKey::Es256(key));
        }
        if let Ok(key) = ed25519_dalek::VerifyingKey::from_public_key_pem(pem) {
            return Ok(CredentialKey::EdDsa(key));
        }
        rsa::RsaPublicKey::from_public_key_pem(pem)
            .map(CredentialKey::Rs256)
            .map_err(|_| {
                "not a P-256, Ed25519 or RSA public key in PEM (SubjectPublicKeyInfo)".to_string()
            })
    }

    /// Reads a PEM `PUBLIC KEY` (SubjectPublicKeyInfo) of any supported type, or an RSA
    /// `RSA PUBLIC KEY` (PKCS#1, as the Dfns docs' RSA example exports it).
    pub fn from_pem(pem: &str) -> Result<CredentialKey, String> {
        use rsa::pkcs1::DecodeRsaPublicKey;
        CredentialKey::from_spki_pem(pem).or_else(|e| {
            rsa::RsaPublicKey::from_pkcs1_pem(pem)
                .map(CredentialKey::Rs256)
                .map_err(|_| e)
        })
    }

    /// The key as a PEM `PUBLIC KEY` (SubjectPublicKeyInfo, LF line endings).
    pub(crate) fn to_spki_pem(&self) -> String {
        use p256::pkcs8::{EncodePublicKey, LineEnding};
        match self {
            CredentialKey::Es256(key) => key.to_public_key_pem(LineEnding::LF),
            CredentialKey::Rs256(key) => key.to_public_key_pem(LineEnding::LF),
            CredentialKey::EdDsa(key) => key.to_public_key_pem(LineEnding::LF),
        }
        .expect("a valid public key always encodes")
    }

    /// Reads the public key of a DER X.509 certificate.
    pub(crate) fn from_certificate(der: &[u8]) -> Result<CredentialKey, String> {
        let (_, cert) = x509_parser::parse_x509_certificate(der)
            .map_err(|e| format!("not an X.509 certificate: {e}"))?;
        let spki = cert.public_key().raw;
        p256::ecdsa::VerifyingKey::from_public_key_der(spki)
            .map(CredentialKey::Es256)
            .or_else(|_| rsa::RsaPublicKey::from_public_key_der(spki).map(CredentialKey::Rs256))
            .or_else(|_| {
                ed25519_dalek::VerifyingKey::from_public_key_der(spki).map(CredentialKey::EdDsa)
            })
            .map_err(|_| "certificate key is not P-256, RSA or Ed25519".to_string())
    }

    /// Whether `signature` signs `message` (SHA-256 for ECDSA and RSA). ECDSA signatures
    /// may be DER (WebAuthn) or raw `r‖s`.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        self.verify_with(message, signature, KeyDigest::Sha256)
    }

    /// [`CredentialKey::verify`] with the given digest for ECDSA and RSA.
    pub fn verify_with(&self, message: &[u8], signature: &[u8], digest: KeyDigest) -> bool {
        match self {
            CredentialKey::Es256(key) => {
                use p256::ecdsa::signature::hazmat::PrehashVerifier;
                let signature = p256::ecdsa::Signature::from_der(signature)
                    .or_else(|_| p256::ecdsa::Signature::from_slice(signature));
                let prehash = match digest {
                    KeyDigest::Sha256 => Sha256::digest(message).to_vec(),
                    KeyDigest::Sha512 => Sha512::digest(message).to_vec(),
                };
                signature.is_ok_and(|s| key.verify_prehash(&prehash, &s).is_ok())
            }
            CredentialKey::Rs256(key) => {
                use rsa::signature::Verifier;
                let Ok(signature) = rsa::pkcs1v15::Signature::try_from(signature) else {
                    return false;
                };
                match digest {
                    KeyDigest::Sha256 => RsaVerifyingKey::<Sha256>::new(key.clone())
                        .verify(message, &signature)
                        .is_ok(),
                    KeyDigest::Sha512 => RsaVerifyingKey::<Sha512>::new(key.clone())
                        .verify(message, &signature)
                        .is_ok(),
                }
            }
            CredentialKey::EdDsa(key) => ed25519_dalek::Signature::from_slice(signature)
                .is_ok_and(|s| key.verify(message, &s).is_ok()),
        }
    }
}

/// Encodes a key as a COSE_Key (for fixtures and tests that build authenticators).
pub fn to_cose(key: &CredentialKey) -> Vec<u8> {
    use coset::CoseKeyBuilder;
    let cose = match key {
        CredentialKey::Es256(k) => {
            let point = k.to_encoded_point(false);
            CoseKeyBuilder::new_ec2_pub_key(
                EllipticCurve::P_256,
                point.x().expect("uncompressed").to_vec(),
                point.y().expect("uncompressed").to_vec(),
            )
            .algorithm(CoseAlg::ES256)
            .build()
        }
        CredentialKey::Rs256(k) => {
            use rsa::traits::PublicKeyParts;
            CoseKeyBuilder::new()
                .key_type(KeyType::RSA)
                .param(-1, ciborium::Value::Bytes(k.n().to_bytes_be()))
                .param(-2, ciborium::Value::Bytes(k.e().to_bytes_be()))
                .algorithm(CoseAlg::RS256)
                .build()
        }
        CredentialKey::EdDsa(k) => CoseKeyBuilder::new_okp_key()
            .param(-1, ciborium::Value::from(EllipticCurve::Ed25519 as i64))
            .param(-2, ciborium::Value::Bytes(k.to_bytes().to_vec()))
            .algorithm(CoseAlg::EdDSA)
            .build(),
    };
    cose.to_vec().expect("a COSE key encodes")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(key: &CredentialKey, sign: impl Fn(&[u8]) -> Vec<u8>) {
        let parsed = CredentialKey::from_cose(&to_cose(key)).expect("COSE round trip");
        assert_eq!(&parsed, key);
        let pem = key.to_spki_pem();
        assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----\n"), "{pem}");
        assert_eq!(
            &CredentialKey::from_spki_pem(&pem).expect("PEM round trip"),
            key
        );
        let signature = sign(b"authenticator data and client data hash");
        assert!(parsed.verify(b"authenticator data and client data hash", &signature));
        assert!(!parsed.verify(b"something else", &signature));
    }

    #[test]
    fn es256_rs256_and_eddsa_keys_round_trip_through_cose_and_verify() {
        use p256::ecdsa::signature::Signer;
        let ec = p256::ecdsa::SigningKey::from_slice(&[7u8; 32]).unwrap();
        round_trip(&CredentialKey::Es256(*ec.verifying_key()), |m| {
            let sig: p256::ecdsa::DerSignature = ec.sign(m);
            sig.as_bytes().to_vec()
        });

        let ed = ed25519_dalek::SigningKey::from_bytes(&[9u8; 32]);
        round_trip(&CredentialKey::EdDsa(ed.verifying_key()), |m| {
            ed.sign(m).to_bytes().to_vec()
        });

        let rsa_key = rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 1024).unwrap();
        let signer = rsa::pkcs1v15::SigningKey::<Sha256>::new(rsa_key.clone());
        round_trip(&CredentialKey::Rs256(rsa_key.to_public_key()), |m| {
            use rsa::signature::{SignatureEncoding, Signer};
            signer.sign(m).to_vec()
        });
    }

    #[test]
    fn unsupported_cose_keys_are_errors() {
        use coset::CoseKeyBuilder;
        let p384 =
            CoseKeyBuilder::new_ec2_pub_key(EllipticCurve::P_384, vec![1; 48], vec![2; 48]).build();
        assert!(CredentialKey::from_cose(&p384.to_vec().unwrap())
            .unwrap_err()
            .contains("P-256"));
        assert!(CredentialKey::from_cose(b"not cbor").is_err());
    }
}
