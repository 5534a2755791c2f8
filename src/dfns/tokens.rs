//! Tokens the mock issues as Dfns (temporary authentication tokens, login and user action
//! challenge identifiers, session tokens, user actions): EdDSA JWTs with the Dfns claim
//! shape ([`DfnsClaims`]) plus what the mock binds into them ([`MockClaim`]), signed by a
//! key derived from the seed, so the same seed always yields the same key and the same
//! tokens. The key is made once; signing and checking use it parsed (`oidc::jws`).

use std::sync::Arc;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::errors::{Error as JwtError, ErrorKind};
use jsonwebtoken::{Algorithm, DecodingKey};
use serde::{Deserialize, Serialize};

use crate::oidc::jws::{CompactJws, JwsSigner, JwsVerifier};
use crate::seed::Seed;

/// The `aud` of every Dfns token.
const AUDIENCE: &str = "dfns:auth:user";

/// Why a token the mock issued is not accepted back.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub(crate) enum TokenError {
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

impl TokenError {
    /// The check that failed, as `details.check` names it.
    pub(crate) fn check(&self) -> &'static str {
        match self {
            TokenError::Malformed(_) => "format",
            TokenError::Signature => "signature",
            TokenError::Expired { .. } => "exp",
        }
    }
}

/// The `tokenKind` values of `https://custom/app_metadata`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TokenKind {
    /// Temporary authentication token of a registration.
    Temp,
    /// User session token.
    Token,
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

/// What a mock token is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Purpose {
    /// A registration's temporary authentication token.
    Registration,
    /// A login's `challengeIdentifier`.
    Login,
    /// A session token.
    Session,
    /// A user action challenge's `challengeIdentifier`.
    #[serde(rename = "action-challenge")]
    ActionChallenge,
    /// A user action (`X-DFNS-USERACTION`).
    #[serde(rename = "user-action")]
    UserAction,
    /// A `challengeIdentifier` of `POST /auth/credentials/init`.
    Credential,
    /// A recovery's temporary authentication token.
    Recovery,
}

impl Purpose {
    /// Whether a token for this purpose is spent once, so recorded in its session's
    /// ledger when issued (credential and recovery challenges are recorded as pending
    /// challenges instead).
    pub(crate) fn is_single_use(self) -> bool {
        matches!(
            self,
            Purpose::Registration | Purpose::Login | Purpose::ActionChallenge | Purpose::UserAction
        )
    }

    /// Its wire name.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Purpose::Registration => "registration",
            Purpose::Login => "login",
            Purpose::Session => "session",
            Purpose::ActionChallenge => "action-challenge",
            Purpose::UserAction => "user-action",
            Purpose::Credential => "credential",
            Purpose::Recovery => "recovery",
        }
    }
}

/// What the mock binds into its own tokens (claim `https://custom/dfns_mock`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MockClaim {
    /// The challenge the token answers (none for session tokens).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub challenge: Option<String>,
    /// What it is for.
    pub purpose: Purpose,
    /// The session it was issued in.
    pub session: String,
    /// The request a user action challenge or user action is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<ActionBinding>,
}

/// The request a user action signs: what `/auth/action/init` was told, and what the
/// protected call must match.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionBinding {
    /// `userActionHttpMethod`.
    pub method: String,
    /// `userActionHttpPath`.
    pub path: String,
    /// Hex SHA-256 of the payload: of its canonical JSON when it is JSON, else of its bytes.
    pub payload_hash: String,
}

/// `https://custom/app_metadata`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AppMetadata {
    /// The org.
    pub(crate) org_id: String,
    /// Which kind of Dfns token.
    pub(crate) token_kind: TokenKind,
    /// The user (empty for a login challenge without a username).
    pub(crate) user_id: String,
}

/// Every claim of a token the mock issues. Fields are in the order their names sort, the
/// order the payload has always been written in (determinism: same bytes for the same
/// seed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct DfnsClaims {
    /// Audience, always `dfns:auth:user`.
    pub(crate) aud: String,
    /// Expiry (unix seconds).
    pub(crate) exp: i64,
    /// Org and user.
    #[serde(rename = "https://custom/app_metadata")]
    pub(crate) app_metadata: AppMetadata,
    /// What the mock binds into it.
    #[serde(rename = "https://custom/dfns_mock", default)]
    pub(crate) mock: Option<MockClaim>,
    /// The user's name.
    #[serde(rename = "https://custom/username")]
    pub(crate) username: String,
    /// Issued at (unix seconds).
    pub(crate) iat: i64,
    /// Issuer.
    pub(crate) iss: String,
    /// Token id, single-use where it matters.
    pub(crate) jti: String,
    /// The org.
    pub(crate) sub: String,
}

/// Signs Dfns tokens.
#[derive(Clone)]
pub struct DfnsTokenSigner {
    issuer: String,
    signer: Arc<JwsSigner>,
    verifier: JwsVerifier,
    decoding: DecodingKey,
}

impl DfnsTokenSigner {
    /// The signer whose key is derived from `seed`.
    pub(crate) fn new(seed: &Seed, issuer: &str) -> DfnsTokenSigner {
        let secret = seed.bytes("dfns-token-key", &[]);
        let public = ed25519_dalek::SigningKey::from_bytes(&secret)
            .verifying_key()
            .to_bytes();
        let kid = URL_SAFE_NO_PAD.encode(&seed.bytes("dfns-token-kid", &[])[..12]);
        let x = URL_SAFE_NO_PAD.encode(public);
        DfnsTokenSigner {
            issuer: issuer.to_string(),
            signer: Arc::new(JwsSigner::ed25519(&secret, &kid)),
            verifier: JwsVerifier::ed25519(&public),
            decoding: DecodingKey::from_ed_components(&x).expect("32-byte key"),
        }
    }

    /// A signed token with the Dfns claims and what the mock binds (`mock`).
    /// `jti` comes from the caller so that it is deterministic.
    pub fn sign(
        &self,
        kind: TokenKind,
        who: &TokenSubject,
        iat: i64,
        ttl_secs: u64,
        jti: &str,
        mock: MockClaim,
    ) -> String {
        let claims = DfnsClaims {
            aud: AUDIENCE.into(),
            exp: iat + ttl_secs as i64,
            app_metadata: AppMetadata {
                org_id: who.org_id.into(),
                token_kind: kind,
                user_id: who.user_id.into(),
            },
            mock: Some(mock),
            username: who.username.into(),
            iat,
            iss: self.issuer.clone(),
            jti: jti.into(),
            sub: who.org_id.into(),
        };
        self.signer.sign(&claims)
    }

    /// Verifies a token this signer issued: signature, `iss`, `aud`, the claim shape, and
    /// `exp` against `now`. Malformed tokens are described in `jsonwebtoken`'s words.
    pub(crate) fn verify(&self, token: &str, now: i64) -> Result<DfnsClaims, TokenError> {
        let claims = self.verified_claims(token).map_err(|e| match e.kind() {
            ErrorKind::InvalidSignature => TokenError::Signature,
            _ => TokenError::Malformed(e.to_string()),
        })?;
        if now > claims.exp {
            return Err(TokenError::Expired {
                expired: crate::clock::rfc3339(claims.exp),
                now: crate::clock::rfc3339(now),
            });
        }
        Ok(claims)
    }

    /// The claims of a token signed by this signer for `aud` and `iss`, checked in
    /// `jsonwebtoken::decode`'s order: the header, its `alg`, the signature, the claims.
    fn verified_claims(&self, token: &str) -> Result<DfnsClaims, JwtError> {
        let header = jsonwebtoken::decode_header(token)?;
        if header.alg != Algorithm::EdDSA {
            return Err(ErrorKind::InvalidAlgorithm.into());
        }
        let jws = CompactJws::split(token).map_err(|_| JwtError::from(ErrorKind::InvalidToken))?;
        let signature = URL_SAFE_NO_PAD.decode(jws.signature)?;
        if !self
            .verifier
            .verify(jws.signing_input.as_bytes(), &signature)
        {
            return Err(ErrorKind::InvalidSignature.into());
        }
        let claims: DfnsClaims = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(jws.payload)?)?;
        if claims.iss != self.issuer {
            return Err(ErrorKind::InvalidIssuer.into());
        }
        if claims.aud != AUDIENCE {
            return Err(ErrorKind::InvalidAudience.into());
        }
        Ok(claims)
    }

    /// The public key that verifies these tokens.
    pub fn decoding(&self) -> &DecodingKey {
        &self.decoding
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::pkcs8::EncodePrivateKey;

    fn token(signer: &DfnsTokenSigner) -> String {
        let who = TokenSubject {
            org_id: "or-1",
            user_id: "us-1",
            username: "jane@example.com",
        };
        let mock = MockClaim {
            challenge: Some("c".into()),
            purpose: Purpose::Registration,
            session: "s".into(),
            action: None,
        };
        signer.sign(TokenKind::Temp, &who, 1_000, 600, "to-1", mock)
    }

    #[test]
    fn tokens_are_the_bytes_jsonwebtoken_signed_with_the_seed_key() {
        let seed = Seed::new("tokens");
        let signer = DfnsTokenSigner::new(&seed, "auth.test");
        let signed = token(&signer);
        let key = ed25519_dalek::SigningKey::from_bytes(&seed.bytes("dfns-token-key", &[]));
        let der = key.to_pkcs8_der().unwrap();
        let encoding = jsonwebtoken::EncodingKey::from_ed_der(der.as_bytes());
        let claims = signer.verify(&signed, 1_600).unwrap();
        let mut header = jsonwebtoken::Header::new(Algorithm::EdDSA);
        header.kid = Some(URL_SAFE_NO_PAD.encode(&seed.bytes("dfns-token-kid", &[])[..12]));
        assert_eq!(
            signed,
            jsonwebtoken::encode(&header, &claims, &encoding).unwrap()
        );
    }

    #[test]
    fn verification_refuses_another_signer_issuer_or_a_late_clock() {
        let signer = DfnsTokenSigner::new(&Seed::new("tokens"), "auth.test");
        let signed = token(&signer);
        let other_key = DfnsTokenSigner::new(&Seed::new("other"), "auth.test");
        let other_issuer = DfnsTokenSigner::new(&Seed::new("tokens"), "auth.other");
        assert_eq!(other_key.verify(&signed, 1_000), Err(TokenError::Signature));
        assert_eq!(
            other_issuer.verify(&signed, 1_000),
            Err(TokenError::Malformed("InvalidIssuer".into()))
        );
        assert_eq!(signer.verify(&signed, 1_601).unwrap_err().check(), "exp");
        assert_eq!(signer.verify("a.b", 1_000).unwrap_err().check(), "format");
    }
}
