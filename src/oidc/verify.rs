//! Verifying an idToken the way a real relying party does (OIDC Core §3.1.3.7, RFC 8725):
//! structure, no `crit` extension (none is understood), algorithm allowlist, key by `kid`,
//! signature, then `iss`, `aud` (every audience trusted), `azp`, and `exp`, `nbf`, `iat`
//! range-checked and compared with the mock's clock. Every failure says which check failed
//! and why. Trusted RSA keys under 2048 bits are refused when their JWKS is loaded.

use std::collections::HashSet;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{decode, Algorithm, DecodingKey, Validation};
use serde_json::{json, Map, Value};

use super::keys::{self, SigningKey};
use super::numeric_date::{self, OutOfRange};
use super::ISSUER_PATH;
use crate::clock::rfc3339;
use crate::config::{IssuerConfig, TrustedIssuerConfig};

/// The provider name of tokens from the built-in issuer.
pub const BUILTIN_PROVIDER: &str = "dfns-mock";

/// The `iss` values the built-in issuer answers to.
#[derive(Debug, Clone)]
pub enum BuiltinNames {
    /// Exactly these (`issuer.strict_iss`).
    Exact(Vec<String>),
    /// Any `http(s)://HOST[:PORT]/oidc`: the names one issuer is reached by from a host, a
    /// container network, a remapped port or behind a proxy. The signature by the built-in
    /// key is what vouches for the token.
    AnyHost,
}

impl BuiltinNames {
    fn accepts(&self, iss: &str) -> bool {
        match self {
            BuiltinNames::Exact(names) => names.iter().any(|n| n == iss),
            BuiltinNames::AnyHost => has_builtin_form(iss),
        }
    }

    fn describe(&self) -> Vec<String> {
        match self {
            BuiltinNames::Exact(names) => names.clone(),
            BuiltinNames::AnyHost => vec![format!("http(s)://HOST[:PORT]{ISSUER_PATH}")],
        }
    }
}

/// Whether `iss` has the built-in issuer's form: `http` or `https`, a host (no user
/// info), an optional port, the path [`ISSUER_PATH`] and nothing else.
pub fn has_builtin_form(iss: &str) -> bool {
    let Ok(uri) = iss.parse::<http::Uri>() else {
        return false;
    };
    matches!(uri.scheme_str(), Some("http" | "https"))
        && uri
            .authority()
            .is_some_and(|a| !a.as_str().contains('@') && !a.host().is_empty())
        && uri.path() == ISSUER_PATH
        && uri.query().is_none()
        && !iss.contains('#')
}

/// A public key an idToken may be signed with.
#[derive(Clone)]
struct VerificationKey {
    kid: Option<String>,
    algorithm: Algorithm,
    key: DecodingKey,
}

/// An issuer whose tokens are accepted, with its keys.
#[derive(Clone)]
struct TrustedIssuer {
    /// Expected `iss`; `None` for the built-in issuer, whose URL depends on the request.
    issuer: Option<String>,
    keys: Vec<VerificationKey>,
}

/// Checks idTokens against the built-in issuer and any configured extra issuers.
#[derive(Clone)]
pub struct IdTokenVerifier {
    issuers: Vec<TrustedIssuer>,
    audiences: Vec<String>,
    allowed_algorithms: Vec<String>,
    leeway: i64,
}

/// A token that passed every check.
#[derive(Debug, Clone)]
pub struct VerifiedIdToken {
    /// All claims of the payload.
    pub claims: Map<String, Value>,
    /// `iss`.
    pub issuer: String,
    /// Which trusted provider issued it: [`BUILTIN_PROVIDER`] for the built-in issuer
    /// (whatever URL alias it was reached by), else the configured issuer URL.
    pub provider: String,
    /// `sub`.
    pub subject: String,
}

impl VerifiedIdToken {
    /// A string claim, if present.
    pub fn claim_str(&self, name: &str) -> Option<&str> {
        self.claims.get(name).and_then(Value::as_str)
    }
}

/// Why an idToken was rejected. `check()` names the failed check for error details.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum IdTokenError {
    /// Not three base64url parts with a JSON header and payload.
    #[error("idToken is malformed: {0}")]
    Malformed(String),
    /// The header has `crit`: it names extensions that must be understood, and none is.
    #[error(
        "idToken header `crit` is {0}: no critical header extension is understood here \
         (RFC 7515 §4.1.11)"
    )]
    Critical(String),
    /// `alg` is not in the allowlist, or does not match the key.
    #[error("idToken algorithm `{alg}` is not allowed (allowed: {allowed})")]
    Algorithm {
        /// The header's alg.
        alg: String,
        /// The allowlist.
        allowed: String,
    },
    /// No trusted key has this `kid`.
    #[error("idToken is signed with an unknown key id `{0}`")]
    UnknownKey(String),
    /// The signature does not verify.
    #[error("idToken signature is invalid")]
    Signature,
    /// A required claim is missing or has the wrong type.
    #[error("idToken claim `{0}` is missing or has the wrong type")]
    MissingClaim(&'static str),
    /// `iss` is not a trusted issuer.
    #[error("idToken issuer `{issuer}` is not trusted (trusted: {trusted})")]
    Issuer {
        /// The token's issuer.
        issuer: String,
        /// Accepted issuers.
        trusted: String,
    },
    /// `aud` has none of the accepted audiences.
    #[error("idToken audience {audience} is not accepted (accepted: {accepted})")]
    Audience {
        /// The token's audience.
        audience: String,
        /// Accepted audiences.
        accepted: String,
    },
    /// `aud` lists audiences besides the accepted ones (OIDC Core §3.1.3.7).
    #[error(
        "idToken audience {audience} includes {untrusted}, which is not a trusted audience \
         (accepted: {accepted})"
    )]
    UntrustedAudience {
        /// The token's audience.
        audience: String,
        /// The audiences not trusted.
        untrusted: String,
        /// Accepted audiences.
        accepted: String,
    },
    /// Several audiences without `azp`, or an `azp` that is not an accepted client.
    #[error("idToken {0} (OIDC Core §3.1.3.7)")]
    AuthorizedParty(String),
    /// `exp`, `nbf` or `iat` is not a representable instant.
    #[error("idToken {0}")]
    TimeRange(OutOfRange),
    /// `exp` is in the past.
    #[error("idToken expired at {expired} (now {now}, leeway {leeway}s)")]
    Expired {
        /// `exp` as RFC 3339.
        expired: String,
        /// The mock's now.
        now: String,
        /// Leeway in seconds.
        leeway: i64,
    },
    /// `nbf` is in the future.
    #[error("idToken is not valid before {not_before} (now {now}, leeway {leeway}s)")]
    NotYetValid {
        /// `nbf` as RFC 3339.
        not_before: String,
        /// The mock's now.
        now: String,
        /// Leeway in seconds.
        leeway: i64,
    },
    /// `iat` is in the future.
    #[error("idToken was issued in the future at {issued_at} (now {now}, leeway {leeway}s)")]
    IssuedInFuture {
        /// `iat` as RFC 3339.
        issued_at: String,
        /// The mock's now.
        now: String,
        /// Leeway in seconds.
        leeway: i64,
    },
}

impl IdTokenError {
    /// The name of the failed check, for `error.details.check`.
    pub fn check(&self) -> &'static str {
        match self {
            IdTokenError::Malformed(_) => "format",
            IdTokenError::Critical(_) => "crit",
            IdTokenError::Algorithm { .. } => "alg",
            IdTokenError::UnknownKey(_) => "kid",
            IdTokenError::Signature => "signature",
            IdTokenError::MissingClaim(_) => "claims",
            IdTokenError::Issuer { .. } => "iss",
            IdTokenError::Audience { .. } | IdTokenError::UntrustedAudience { .. } => "aud",
            IdTokenError::AuthorizedParty(_) => "azp",
            IdTokenError::TimeRange(e) => e.claim,
            IdTokenError::Expired { .. } => "exp",
            IdTokenError::NotYetValid { .. } => "nbf",
            IdTokenError::IssuedInFuture { .. } => "iat",
        }
    }
}

/// A trusted issuer whose JWKS could not be loaded at start-up.
#[derive(Debug, thiserror::Error)]
#[error("trusted issuer {issuer}: cannot load JWKS {jwks}: {why}")]
pub struct TrustedIssuerError {
    issuer: String,
    jwks: String,
    why: String,
}

impl IdTokenVerifier {
    /// A verifier trusting the built-in key and every issuer in `config.trusted`
    /// (JWKS files are read, URLs fetched once, here).
    pub async fn new(
        builtin: &SigningKey,
        config: &IssuerConfig,
    ) -> Result<IdTokenVerifier, TrustedIssuerError> {
        let mut issuers = vec![TrustedIssuer {
            issuer: None,
            keys: vec![VerificationKey {
                kid: Some(builtin.kid.clone()),
                algorithm: builtin.algorithm,
                key: builtin.decoding().clone(),
            }],
        }];
        for trusted in &config.trusted {
            issuers.push(load_trusted(trusted).await?);
        }
        Ok(IdTokenVerifier {
            issuers,
            audiences: config.audiences.clone(),
            allowed_algorithms: config.allowed_algorithms.clone(),
            leeway: i64::try_from(config.leeway_secs).unwrap_or(i64::MAX),
        })
    }

    /// Verifies `token`; `builtin_issuers` are the `iss` values the built-in issuer goes by
    /// for this request, `now` the mock's clock in Unix seconds.
    pub fn verify(
        &self,
        token: &str,
        builtin_issuers: &BuiltinNames,
        now: i64,
    ) -> Result<VerifiedIdToken, IdTokenError> {
        let parts: Vec<&str> = token.split('.').collect();
        if parts.len() != 3 {
            return Err(IdTokenError::Malformed(format!(
                "expected three dot-separated parts, found {}",
                parts.len()
            )));
        }
        let header = decode_part(parts[0], "header")?;
        let payload = decode_part(parts[1], "payload")?;
        if let Some(crit) = header.get("crit") {
            return Err(IdTokenError::Critical(crit.to_string()));
        }
        let alg = header
            .get("alg")
            .and_then(Value::as_str)
            .ok_or_else(|| IdTokenError::Malformed("header has no `alg`".into()))?;
        let allowed = || self.allowed_algorithms.join(", ");
        if !self.allowed_algorithms.iter().any(|a| a == alg) {
            return Err(IdTokenError::Algorithm {
                alg: alg.into(),
                allowed: allowed(),
            });
        }
        let algorithm: Algorithm = alg.parse().map_err(|_| IdTokenError::Algorithm {
            alg: alg.into(),
            allowed: allowed(),
        })?;
        let kid = header.get("kid").and_then(Value::as_str);
        let iss = payload
            .get("iss")
            .and_then(Value::as_str)
            .ok_or(IdTokenError::MissingClaim("iss"))?;

        // Pick the issuer by `iss` (a configured one by its exact name first), then the key
        // by `kid` (or the only key of that alg).
        let issuer = self
            .issuers
            .iter()
            .find(|i| i.issuer.as_deref() == Some(iss))
            .or_else(|| {
                self.issuers
                    .iter()
                    .find(|i| i.issuer.is_none() && builtin_issuers.accepts(iss))
            })
            .ok_or_else(|| IdTokenError::Issuer {
                issuer: iss.into(),
                trusted: self.trusted_issuers(builtin_issuers),
            })?;
        let key = match kid {
            Some(kid) => issuer
                .keys
                .iter()
                .find(|k| k.kid.as_deref() == Some(kid))
                .ok_or_else(|| IdTokenError::UnknownKey(kid.into()))?,
            None => {
                let mut candidates = issuer.keys.iter().filter(|k| k.algorithm == algorithm);
                match (candidates.next(), candidates.next()) {
                    (Some(only), None) => only,
                    _ => return Err(IdTokenError::UnknownKey("(none)".into())),
                }
            }
        };
        if key.algorithm != algorithm {
            return Err(IdTokenError::Algorithm {
                alg: alg.into(),
                allowed: format!(
                    "{:?} for key `{}`",
                    key.algorithm,
                    key.kid.as_deref().unwrap_or("")
                ),
            });
        }
        let mut validation = Validation::new(algorithm);
        validation.required_spec_claims = HashSet::new();
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        let claims = decode::<Map<String, Value>>(token, &key.key, &validation)
            .map_err(|_| IdTokenError::Signature)?
            .claims;

        self.check_audience(&claims)?;
        self.check_times(&claims, now)?;
        let subject = claims
            .get("sub")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or(IdTokenError::MissingClaim("sub"))?
            .to_string();
        Ok(VerifiedIdToken {
            provider: issuer
                .issuer
                .clone()
                .unwrap_or_else(|| BUILTIN_PROVIDER.to_string()),
            issuer: iss.to_string(),
            subject,
            claims,
        })
    }

    fn trusted_issuers(&self, builtin: &BuiltinNames) -> String {
        builtin
            .describe()
            .into_iter()
            .chain(self.issuers.iter().filter_map(|i| i.issuer.clone()))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Every audience must be accepted; several need an `azp`, and an `azp` must be accepted.
    fn check_audience(&self, claims: &Map<String, Value>) -> Result<(), IdTokenError> {
        let audiences: Vec<&str> = match claims.get("aud") {
            Some(Value::String(a)) => vec![a.as_str()],
            Some(Value::Array(list)) if !list.is_empty() => list
                .iter()
                .map(Value::as_str)
                .collect::<Option<_>>()
                .ok_or(IdTokenError::MissingClaim("aud"))?,
            _ => return Err(IdTokenError::MissingClaim("aud")),
        };
        let accepted = |a: &str| self.audiences.iter().any(|ok| ok == a);
        let untrusted: Vec<&str> = audiences.iter().copied().filter(|a| !accepted(a)).collect();
        if untrusted.len() == audiences.len() {
            return Err(IdTokenError::Audience {
                audience: json!(audiences).to_string(),
                accepted: self.audiences.join(", "),
            });
        }
        if !untrusted.is_empty() {
            return Err(IdTokenError::UntrustedAudience {
                audience: json!(audiences).to_string(),
                untrusted: json!(untrusted).to_string(),
                accepted: self.audiences.join(", "),
            });
        }
        match claims.get("azp") {
            None if audiences.len() > 1 => Err(IdTokenError::AuthorizedParty(format!(
                "has several audiences {} and no `azp` naming the client it was issued to",
                json!(audiences)
            ))),
            None => Ok(()),
            Some(Value::String(azp)) if accepted(azp) => Ok(()),
            Some(Value::String(azp)) => Err(IdTokenError::AuthorizedParty(format!(
                "authorized party (`azp`) `{azp}` is not an accepted client (accepted: {})",
                self.audiences.join(", ")
            ))),
            Some(_) => Err(IdTokenError::MissingClaim("azp")),
        }
    }

    fn check_times(&self, claims: &Map<String, Value>, now: i64) -> Result<(), IdTokenError> {
        let number = |name: &'static str| match claims.get(name) {
            None => Ok(None),
            Some(v) => match numeric_date::seconds(name, v) {
                None => Err(IdTokenError::MissingClaim(name)),
                Some(secs) => secs.map(Some).map_err(IdTokenError::TimeRange),
            },
        };
        let leeway = self.leeway;
        let exp = number("exp")?.ok_or(IdTokenError::MissingClaim("exp"))?;
        let iat = number("iat")?.ok_or(IdTokenError::MissingClaim("iat"))?;
        let nbf = number("nbf")?;
        // Saturating: the leeway is configured, `now` comes from the clock setting.
        if now > exp.saturating_add(leeway) {
            return Err(IdTokenError::Expired {
                expired: rfc3339(exp),
                now: rfc3339(now),
                leeway,
            });
        }
        if let Some(nbf) = nbf {
            if now.saturating_add(leeway) < nbf {
                return Err(IdTokenError::NotYetValid {
                    not_before: rfc3339(nbf),
                    now: rfc3339(now),
                    leeway,
                });
            }
        }
        if now.saturating_add(leeway) < iat {
            return Err(IdTokenError::IssuedInFuture {
                issued_at: rfc3339(iat),
                now: rfc3339(now),
                leeway,
            });
        }
        Ok(())
    }
}

fn decode_part(part: &str, what: &str) -> Result<Map<String, Value>, IdTokenError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part.trim_end_matches('='))
        .map_err(|e| IdTokenError::Malformed(format!("{what} is not base64url: {e}")))?;
    serde_json::from_slice(&bytes)
        .map_err(|e| IdTokenError::Malformed(format!("{what} is not a JSON object: {e}")))
}

async fn load_trusted(config: &TrustedIssuerConfig) -> Result<TrustedIssuer, TrustedIssuerError> {
    let failed = |why: String| TrustedIssuerError {
        issuer: config.issuer.clone(),
        jwks: config.jwks.clone(),
        why,
    };
    let text = if config.jwks.starts_with("http://") || config.jwks.starts_with("https://") {
        let response = reqwest::get(&config.jwks)
            .await
            .map_err(|e| failed(e.to_string()))?;
        response.text().await.map_err(|e| failed(e.to_string()))?
    } else {
        std::fs::read_to_string(&config.jwks).map_err(|e| failed(e.to_string()))?
    };
    let set: JwkSet = serde_json::from_str(&text).map_err(|e| failed(e.to_string()))?;
    let mut keys = Vec::new();
    for jwk in &set.keys {
        let Some(algorithm) = jwk
            .common
            .key_algorithm
            .and_then(|a| serde_json::to_value(a).ok())
            .and_then(|a| a.as_str().and_then(|a| a.parse::<Algorithm>().ok()))
        else {
            return Err(failed(format!("key `{}` has no supported `alg`", kid(jwk))));
        };
        keys::check_key_size(jwk).map_err(|why| failed(format!("key `{}`: {why}", kid(jwk))))?;
        let key = DecodingKey::from_jwk(jwk).map_err(|e| failed(e.to_string()))?;
        keys.push(VerificationKey {
            kid: jwk.common.key_id.clone(),
            algorithm,
            key,
        });
    }
    Ok(TrustedIssuer {
        issuer: Some(config.issuer.clone()),
        keys,
    })
}

/// A JWK's `kid` for messages (empty when it has none).
fn kid(jwk: &Jwk) -> &str {
    jwk.common.key_id.as_deref().unwrap_or("")
}
