//! Tokens the mock issues as Dfns (temporary authentication tokens now; session tokens
//! later): EdDSA JWTs with the Dfns claim shape, signed by a key derived from the seed,
//! so the same seed always yields the same key and the same tokens.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ed25519_dalek::pkcs8::EncodePrivateKey;
use jsonwebtoken::{encode, Algorithm, DecodingKey, EncodingKey, Header};
use serde_json::{json, Value};

use crate::seed::Seed;

/// The `tokenKind` values of `https://custom/app_metadata`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// Temporary authentication token of a registration.
    Temp,
    /// User session token.
    Token,
}

impl TokenKind {
    fn as_str(self) -> &'static str {
        match self {
            TokenKind::Temp => "Temp",
            TokenKind::Token => "Token",
        }
    }
}

/// What a token says about whom.
#[derive(Debug, Clone)]
pub struct TokenSubject<'a> {
    /// `sub` and `app_metadata.orgId`.
    pub org_id: &'a str,
    /// `app_metadata.userId`.
    pub user_id: &'a str,
    /// `https://custom/username`.
    pub username: &'a str,
}

/// Signs Dfns tokens.
#[derive(Clone)]
pub struct DfnsTokenSigner {
    issuer: String,
    kid: String,
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl DfnsTokenSigner {
    /// The signer whose key is derived from `seed`.
    pub fn new(seed: &Seed, issuer: &str) -> DfnsTokenSigner {
        let key = ed25519_dalek::SigningKey::from_bytes(&seed.bytes("dfns-token-key", &[]));
        let der = key.to_pkcs8_der().expect("an Ed25519 key always encodes");
        let x = URL_SAFE_NO_PAD.encode(key.verifying_key().to_bytes());
        DfnsTokenSigner {
            issuer: issuer.to_string(),
            kid: URL_SAFE_NO_PAD.encode(&seed.bytes("dfns-token-kid", &[])[..12]),
            encoding: EncodingKey::from_ed_der(der.as_bytes()),
            decoding: DecodingKey::from_ed_components(&x).expect("32-byte key"),
        }
    }

    /// A signed token: the Dfns claims plus `extra` (merged at the top level).
    /// `jti` comes from the caller so that it is deterministic.
    pub fn sign(
        &self,
        kind: TokenKind,
        who: &TokenSubject,
        iat: i64,
        ttl_secs: u64,
        jti: &str,
        extra: Value,
    ) -> String {
        let mut claims = json!({
            "iss": self.issuer,
            "aud": "dfns:auth:user",
            "sub": who.org_id,
            "iat": iat,
            "exp": iat + ttl_secs as i64,
            "jti": jti,
            "https://custom/username": who.username,
            "https://custom/app_metadata": {
                "orgId": who.org_id,
                "userId": who.user_id,
                "tokenKind": kind.as_str(),
            },
        });
        if let (Some(map), Value::Object(extra)) = (claims.as_object_mut(), extra) {
            map.extend(extra);
        }
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(self.kid.clone());
        encode(&header, &claims, &self.encoding).expect("signing with a derived key cannot fail")
    }

    /// The public key that verifies these tokens.
    pub fn decoding(&self) -> &DecodingKey {
        &self.decoding
    }
}
