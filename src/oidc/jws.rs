//! Compact JWS (RFC 7515) with keys parsed once, when they are loaded: signing the issuer's
//! id tokens and the mock's Dfns tokens, and checking idToken and Dfns token signatures.
//! `ring` signs RS256 and checks every algorithm; `aws-lc-rs` signs EdDSA (14 µs a
//! signature of a Dfns token here, where `ed25519-dalek` takes 25 and `ring` 37). The protected header of a signer is
//! encoded once too. Both signature schemes that sign (RSASSA-PKCS1-v1_5, Ed25519) are
//! deterministic, and a token is laid out as `jsonwebtoken::encode` lays it out, so the same
//! key and claims give the same bytes.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk};
use jsonwebtoken::{Algorithm, Header};
use ring::signature::{self, RsaKeyPair, RsaParameters, VerificationAlgorithm};
use serde::Serialize;

/// A private key that signs compact JWS under one protected header.
pub(crate) struct JwsSigner {
    key: PrivateKey,
    /// The base64url protected header: `{"typ":"JWT","alg":…,"kid":…}`.
    header: String,
}

enum PrivateKey {
    /// RS256. The generator only blinds the private-key operation; the signature is
    /// determined by the key and the message.
    Rsa(RsaKeyPair, ring::rand::SystemRandom),
    /// EdDSA (Ed25519, RFC 8032: deterministic).
    Ed25519(aws_lc_rs::signature::Ed25519KeyPair),
}

impl JwsSigner {
    /// An RS256 signer from a PKCS#8 DER private key.
    pub(crate) fn rs256(pkcs8_der: &[u8], kid: &str) -> Result<JwsSigner, String> {
        let key = RsaKeyPair::from_pkcs8(pkcs8_der).map_err(|e| e.to_string())?;
        let rng = ring::rand::SystemRandom::new();
        Ok(JwsSigner::new(
            PrivateKey::Rsa(key, rng),
            Algorithm::RS256,
            kid,
        ))
    }

    /// An EdDSA signer from an Ed25519 private key (its 32-byte seed).
    pub(crate) fn ed25519(seed: &[u8; 32], kid: &str) -> JwsSigner {
        let key = aws_lc_rs::signature::Ed25519KeyPair::from_seed_unchecked(seed)
            .expect("every 32-byte string is an Ed25519 seed");
        JwsSigner::new(PrivateKey::Ed25519(key), Algorithm::EdDSA, kid)
    }

    fn new(key: PrivateKey, algorithm: Algorithm, kid: &str) -> JwsSigner {
        let mut header = Header::new(algorithm);
        header.kid = Some(kid.to_string());
        let header = serde_json::to_vec(&header).expect("a header serializes");
        JwsSigner {
            key,
            header: URL_SAFE_NO_PAD.encode(header),
        }
    }

    /// `header.payload.signature` with `claims` as the JSON payload.
    pub(crate) fn sign(&self, claims: &impl Serialize) -> String {
        let payload = serde_json::to_vec(claims).expect("claims serialize to JSON");
        let mut token = String::with_capacity(self.header.len() + payload.len() * 4 / 3 + 350);
        token.push_str(&self.header);
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(payload, &mut token);
        let signature = match &self.key {
            PrivateKey::Rsa(key, rng) => {
                let mut signature = vec![0; key.public().modulus_len()];
                key.sign(
                    &signature::RSA_PKCS1_SHA256,
                    rng,
                    token.as_bytes(),
                    &mut signature,
                )
                .expect("a buffer of the modulus length holds the signature");
                signature
            }
            PrivateKey::Ed25519(key) => key.sign(token.as_bytes()).as_ref().to_vec(),
        };
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(signature, &mut token);
        token
    }
}

/// A public key that checks signatures of one JWS algorithm.
#[derive(Clone)]
pub(crate) struct JwsVerifier {
    algorithm: Algorithm,
    key: PublicKey,
}

#[derive(Clone)]
enum PublicKey {
    /// RSA modulus and exponent, big-endian without leading zeros.
    Rsa {
        n: Vec<u8>,
        e: Vec<u8>,
        scheme: &'static RsaParameters,
    },
    /// An uncompressed EC point or an Ed25519 key.
    Point {
        bytes: Vec<u8>,
        scheme: &'static dyn VerificationAlgorithm,
    },
    /// A key that cannot check this algorithm (an HMAC secret, another key type or curve):
    /// it verifies nothing.
    Unusable,
}

impl JwsVerifier {
    /// The RSA key `(n, e)` (big-endian) for `algorithm`.
    pub(crate) fn rsa(algorithm: Algorithm, n: &[u8], e: &[u8]) -> JwsVerifier {
        let scheme = match algorithm {
            Algorithm::RS256 => Some(&signature::RSA_PKCS1_2048_8192_SHA256),
            Algorithm::RS384 => Some(&signature::RSA_PKCS1_2048_8192_SHA384),
            Algorithm::RS512 => Some(&signature::RSA_PKCS1_2048_8192_SHA512),
            Algorithm::PS256 => Some(&signature::RSA_PSS_2048_8192_SHA256),
            Algorithm::PS384 => Some(&signature::RSA_PSS_2048_8192_SHA384),
            Algorithm::PS512 => Some(&signature::RSA_PSS_2048_8192_SHA512),
            _ => None,
        };
        let key = match scheme {
            Some(scheme) => PublicKey::Rsa {
                n: without_leading_zeros(n).to_vec(),
                e: without_leading_zeros(e).to_vec(),
                scheme,
            },
            None => PublicKey::Unusable,
        };
        JwsVerifier { algorithm, key }
    }

    /// The Ed25519 public key `x` (EdDSA).
    pub(crate) fn ed25519(x: &[u8]) -> JwsVerifier {
        JwsVerifier {
            algorithm: Algorithm::EdDSA,
            key: PublicKey::Point {
                bytes: x.to_vec(),
                scheme: &signature::ED25519,
            },
        }
    }

    /// The key of a JWK, for `algorithm` (the JWK's `alg`). A key of another type or curve
    /// loads but verifies nothing; a component that is not base64url is an error.
    pub(crate) fn from_jwk(jwk: &Jwk, algorithm: Algorithm) -> Result<JwsVerifier, String> {
        let decode = |name: &str, value: &str| {
            URL_SAFE_NO_PAD
                .decode(value)
                .map_err(|e| format!("`{name}` is not base64url: {e}"))
        };
        let point = |bytes: Vec<u8>, scheme: &'static dyn VerificationAlgorithm| JwsVerifier {
            algorithm,
            key: PublicKey::Point { bytes, scheme },
        };
        Ok(match (&jwk.algorithm, algorithm) {
            (AlgorithmParameters::RSA(rsa), _) => {
                JwsVerifier::rsa(algorithm, &decode("n", &rsa.n)?, &decode("e", &rsa.e)?)
            }
            (AlgorithmParameters::EllipticCurve(ec), Algorithm::ES256 | Algorithm::ES384) => {
                let mut bytes = vec![0x04];
                bytes.extend(decode("x", &ec.x)?);
                bytes.extend(decode("y", &ec.y)?);
                match (&ec.curve, algorithm) {
                    (EllipticCurve::P256, Algorithm::ES256) => {
                        point(bytes, &signature::ECDSA_P256_SHA256_FIXED)
                    }
                    (EllipticCurve::P384, Algorithm::ES384) => {
                        point(bytes, &signature::ECDSA_P384_SHA384_FIXED)
                    }
                    _ => JwsVerifier::unusable(algorithm),
                }
            }
            (AlgorithmParameters::OctetKeyPair(okp), Algorithm::EdDSA)
                if okp.curve == EllipticCurve::Ed25519 =>
            {
                JwsVerifier::ed25519(&decode("x", &okp.x)?)
            }
            _ => JwsVerifier::unusable(algorithm),
        })
    }

    fn unusable(algorithm: Algorithm) -> JwsVerifier {
        JwsVerifier {
            algorithm,
            key: PublicKey::Unusable,
        }
    }

    /// The algorithm the key checks.
    pub(crate) fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// Whether `signature` is this key's signature of `signing_input`.
    pub(crate) fn verify(&self, signing_input: &[u8], signature: &[u8]) -> bool {
        match &self.key {
            PublicKey::Rsa { n, e, scheme } => signature::RsaPublicKeyComponents { n, e }
                .verify(scheme, signing_input, signature)
                .is_ok(),
            PublicKey::Point { bytes, scheme } => signature::UnparsedPublicKey::new(*scheme, bytes)
                .verify(signing_input, signature)
                .is_ok(),
            PublicKey::Unusable => false,
        }
    }
}

fn without_leading_zeros(bytes: &[u8]) -> &[u8] {
    let first = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    &bytes[first..]
}

/// A compact JWS split at its dots: `header.payload.signature`, each part still base64url.
pub(crate) struct CompactJws<'a> {
    /// `header.payload`, what the signature covers.
    pub(crate) signing_input: &'a str,
    /// The base64url header.
    pub(crate) header: &'a str,
    /// The base64url payload.
    pub(crate) payload: &'a str,
    /// The base64url signature.
    pub(crate) signature: &'a str,
}

impl<'a> CompactJws<'a> {
    /// The parts of `token`, or how many dot-separated parts it has when not three.
    pub(crate) fn split(token: &'a str) -> Result<CompactJws<'a>, usize> {
        let mut parts = token.split('.');
        match (parts.next(), parts.next(), parts.next(), parts.next()) {
            (Some(header), Some(payload), Some(signature), None) => Ok(CompactJws {
                signing_input: &token[..header.len() + 1 + payload.len()],
                header,
                payload,
                signature,
            }),
            _ => Err(token.split('.').count()),
        }
    }

    /// Whether `key` signed it. Parts are strict base64url (no padding), as RFC 7515 says.
    pub(crate) fn is_signed_by(&self, key: &JwsVerifier) -> bool {
        !self.header.ends_with('=')
            && !self.payload.ends_with('=')
            && URL_SAFE_NO_PAD
                .decode(self.signature)
                .is_ok_and(|signature| key.verify(self.signing_input.as_bytes(), &signature))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ed25519_token_verifies_with_its_key_and_not_another() {
        let signer = JwsSigner::ed25519(&[7; 32], "k1");
        let token = signer.sign(&serde_json::json!({ "sub": "a" }));
        let public = |seed| ed25519_dalek::SigningKey::from_bytes(seed).verifying_key();
        let jws = CompactJws::split(&token).unwrap();
        assert!(jws.is_signed_by(&JwsVerifier::ed25519(public(&[7; 32]).as_bytes())));
        assert!(!jws.is_signed_by(&JwsVerifier::ed25519(public(&[8; 32]).as_bytes())));
        assert_eq!(token, signer.sign(&serde_json::json!({ "sub": "a" })));
    }

    #[test]
    fn the_issuer_keys_sign_the_bytes_jsonwebtoken_signed() {
        let fixtures = crate::bundled::Origin::Bundled {
            set: "fixtures",
            files: crate::bundled::FIXTURES,
        };
        let claims = serde_json::json!({ "sub": "1", "email": "jane@example.com", "iat": 1 });
        for algorithm in ["RS256", "EdDSA"] {
            let key = crate::oidc::keys::SigningKey::load("fixture", algorithm, &fixtures).unwrap();
            let mut header = Header::new(key.algorithm);
            header.kid = Some(key.kid.clone());
            let expected = jsonwebtoken::encode(&header, &claims, key.encoding()).unwrap();
            assert_eq!(key.signer().sign(&claims), expected, "{algorithm}");
            let jws = CompactJws::split(&expected).unwrap();
            assert!(jws.is_signed_by(key.verifier()), "{algorithm}");
        }
    }

    #[test]
    fn split_counts_the_parts_of_a_token_that_has_not_three() {
        assert_eq!(CompactJws::split("a.b").err(), Some(2));
        assert_eq!(CompactJws::split("a.b.c.d").err(), Some(4));
        let jws = CompactJws::split("a.b.c").unwrap();
        assert_eq!(jws.signing_input, "a.b");
    }

    #[test]
    fn leading_zeros_of_a_modulus_are_dropped() {
        assert_eq!(without_leading_zeros(&[0, 0, 1, 0]), &[1, 0]);
        assert_eq!(without_leading_zeros(&[0]), &[] as &[u8]);
    }
}
