//! Minting id tokens as the fake identity provider: default claims filled around the
//! caller's, signed with the issuer key (parsed once, see `oidc::jws`). Used by
//! `POST /oidc/token` and `dfns-mock token`.

use serde_json::{json, Map, Value};

use super::keys::SigningKey;
use super::numeric_date::{self, OutOfRange};
use crate::seed::Seed;

/// What a minted token gets when the caller does not say otherwise.
#[derive(Debug, Clone)]
pub struct MintDefaults {
    /// `iss`.
    pub issuer: String,
    /// `aud`.
    pub audience: String,
    /// Seconds from `iat` to `exp` (negative for an already expired token).
    pub ttl_secs: i64,
    /// `iat`.
    pub now: i64,
}

/// A claim set that cannot become a token.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum MintError {
    /// A registered claim has the wrong JSON type.
    #[error("claim `{claim}` must be {expected}")]
    ClaimType {
        /// The claim.
        claim: String,
        /// What it must be.
        expected: &'static str,
    },
    /// A time claim, given or computed (`iat + ttl`), is not a representable instant.
    #[error(transparent)]
    TimeRange(#[from] OutOfRange),
}

/// Fills the default claims around `claims` and signs the result.
///
/// Defaults: `sub` derived from the email (Google-like 21 digits), `email`
/// `jane.doe@example.com` (or `<sub>@example.com` when only `sub` is given),
/// `email_verified: true`, `name` from the email's local part, `iat` now, `exp`
/// `iat + ttl`, `iss` and `aud` from `defaults`. Given claims always win. Time claims, given
/// or computed, must lie in the [`numeric_date`] range.
pub fn mint_id_token(
    key: &SigningKey,
    seed: &Seed,
    mut claims: Map<String, Value>,
    defaults: &MintDefaults,
) -> Result<String, MintError> {
    for claim in ["iat", "exp", "nbf"] {
        if let Some(value) = claims.get(claim) {
            numeric_date::seconds(claim, value).ok_or_else(|| MintError::ClaimType {
                claim: claim.into(),
                expected: "a number",
            })??;
        }
    }
    for claim in ["sub", "email", "iss", "name", "nonce"] {
        if claims.get(claim).is_some_and(|v| !v.is_string()) {
            return Err(MintError::ClaimType {
                claim: claim.into(),
                expected: "a string",
            });
        }
    }
    if claims
        .get("aud")
        .is_some_and(|v| !(v.is_string() || v.is_array()))
    {
        return Err(MintError::ClaimType {
            claim: "aud".into(),
            expected: "a string or an array of strings",
        });
    }
    let str_claim = |claims: &Map<String, Value>, name: &str| {
        claims.get(name).and_then(Value::as_str).map(String::from)
    };
    let email = match (str_claim(&claims, "email"), str_claim(&claims, "sub")) {
        (Some(email), _) => email,
        (None, Some(sub)) => format!("{sub}@example.com"),
        (None, None) => "jane.doe@example.com".to_string(),
    };
    let sub = str_claim(&claims, "sub").unwrap_or_else(|| seed.digits("subject", &[&email], 21));
    let name = email.split('@').next().unwrap_or(&email).to_string();
    let iat = match claims.get("iat").and_then(Value::as_i64) {
        Some(iat) => iat,
        None => numeric_date::check("iat", defaults.now)?,
    };
    let exp = match claims.get("exp").and_then(Value::as_i64) {
        Some(exp) => exp,
        None => numeric_date::add("exp", iat, defaults.ttl_secs)?,
    };
    let defaults = json!({
        "iss": defaults.issuer,
        "aud": defaults.audience,
        "sub": sub,
        "email": email,
        "email_verified": true,
        "name": name,
        "iat": iat,
        "exp": exp,
    });
    for (k, v) in defaults.as_object().expect("object literal") {
        claims.entry(k.clone()).or_insert_with(|| v.clone());
    }
    Ok(key.signer().sign(&claims))
}
