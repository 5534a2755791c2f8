//! Tokens the mock issues as Dfns (temporary authentication tokens now; session tokens
//! later): EdDSA JWTs with the Dfns claim shape, signed by a key derived from the seed,
//! so the same seed always yields the same key and the same tokens.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ed25519_dalek::pkcs8::EncodePrivateKey;
use jsonwebtoken::{encode, Algorithm, DecodingKey, EncodingKey, Header};
use serde_json::{json, Value};

use crate::seed::Seed;

/// Why a token the mock issued is not accepted back.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TokenError {
    /// Not a JWT of ours (structure, issuer, audience).
    #[error("token is not a valid dfns-mock token: {0}")]
    Malformed(String),
    /// The signature does not verify.
    #[error("token signature is invalid")]
    Signature,
    /// `exp` has passed.
    #[error("token expired at {expired} (now {now})")]
    Expired {
        /// `exp` as RFC 3339.
        expired: String,
        /// The mock's now.
        now: String,
    },
}

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

    /// Verifies a token this signer issued: signature, `aud`, and `exp` against `now`.
    /// Returns its claims.
    pub fn verify(
        &self,
        token: &str,
        now: i64,
    ) -> Result<serde_json::Map<String, Value>, TokenError> {
        let mut validation = jsonwebtoken::Validation::new(Algorithm::EdDSA);
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.required_spec_claims.clear();
        validation.set_audience(&["dfns:auth:user"]);
        validation.set_issuer(&[&self.issuer]);
        let claims = jsonwebtoken::decode::<serde_json::Map<String, Value>>(
            token,
            &self.decoding,
            &validation,
        )
        .map_err(|e| match e.kind() {
            jsonwebtoken::errors::ErrorKind::InvalidSignature => TokenError::Signature,
            _ => TokenError::Malformed(e.to_string()),
        })?
        .claims;
        let exp = claims.get("exp").and_then(Value::as_i64).unwrap_or(0);
        if now > exp {
            return Err(TokenError::Expired {
                expired: crate::clock::rfc3339(exp),
                now: crate::clock::rfc3339(now),
            });
        }
        Ok(claims)
    }

    /// The public key that verifies these tokens.
    pub fn decoding(&self) -> &DecodingKey {
        &self.decoding
    }
}
