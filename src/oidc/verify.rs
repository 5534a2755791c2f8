//! Verifying an idToken the way a real relying party does (OIDC Core §3.1.3.7, RFC 8725):
//! structure, no `crit` extension (none is understood), algorithm allowlist, key by `kid`,
//! signature, then `iss`, `aud` (every audience trusted), `azp`, and `exp`, `nbf`, `iat`
//! range-checked and compared with the mock's clock. Every failure says which check failed
//! and why. Trusted RSA keys under 2048 bits are refused when their JWKS is loaded; every
//! key is parsed then, once.
//!
//! A token that passed is remembered (`TokenCache`, `CACHE_ENTRIES` tokens at most): sent
//! again, it skips decoding and the signature, and only what depends on the request or the
//! clock is checked again, on every use: the built-in issuer's name under
//! `issuer.strict_iss`, then `exp`, `nbf` and `iat` against the clock. The memory belongs to
//! the verifier, which holds the key sets: they never change while it lives, and new key
//! sets come with a new, empty memory.

use std::num::NonZeroUsize;
use std::sync::Arc;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::Algorithm;
use serde_json::{json, Map, Value};

use super::jws::{CompactJws, JwsVerifier};
use super::keys::{self, SigningKey};
use super::numeric_date::{self, OutOfRange};
use super::token_cache::TokenCache;
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
        self.accepts_with_form(iss, || has_builtin_form(iss))
    }

    /// [`BuiltinNames::accepts`], with `has_form` saying whether `iss` has the built-in
    /// issuer's form (worked out once for a remembered token).
    fn accepts_with_form(&self, iss: &str, has_form: impl FnOnce() -> bool) -> bool {
        match self {
            BuiltinNames::Exact(names) => names.iter().any(|n| n == iss),
            BuiltinNames::AnyHost => has_form(),
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

/// How many verified idTokens are remembered at most.
pub(crate) const CACHE_ENTRIES: usize = 16_384;

/// How many bytes (tokens and their claims, estimated) the remembered idTokens hold at most.
const CACHE_BYTES: usize = 32 << 20;

/// A public key an idToken may be signed with.
#[derive(Clone)]
struct VerificationKey {
    kid: Option<String>,
    key: JwsVerifier,
}

/// An issuer whose tokens are accepted, with its keys.
#[derive(Clone)]
struct TrustedIssuer {
    /// Expected `iss`; `None` for the built-in issuer, whose URL depends on the request.
    issuer: Option<String>,
    keys: Vec<VerificationKey>,
}

/// Checks idTokens against the built-in issuer and any configured extra issuers. Clones
/// share the memory of verified tokens.
#[derive(Clone)]
pub struct IdTokenVerifier {
    issuers: Vec<TrustedIssuer>,
    audiences: Vec<String>,
    allowed_algorithms: Vec<String>,
    leeway: i64,
    verified: Arc<TokenCache<Verified>>,
}

/// A token that passed every check, as remembered.
struct Verified {
    /// Shared with every request that presents the token again.
    token: Arc<VerifiedIdToken>,
    /// Signed by the built-in issuer, whose accepted names depend on the request.
    builtin: bool,
    /// Whether `iss` has the built-in issuer's form ([`has_builtin_form`]); read only when
    /// `builtin`.
    builtin_form: bool,
    times: TimeClaims,
}

/// `exp`, `iat` and `nbf`, range-checked.
#[derive(Debug, Clone, Copy)]
struct TimeClaims {
    exp: i64,
    iat: i64,
    nbf: Option<i64>,
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
                key: builtin.verifier().clone(),
            }],
        }];
        for trusted in &config.trusted {
            issuers.push(load_trusted(trusted).await?);
        }
        let entries = NonZeroUsize::new(CACHE_ENTRIES).expect("not zero");
        Ok(IdTokenVerifier {
            issuers,
            audiences: config.audiences.clone(),
            allowed_algorithms: config.allowed_algorithms.clone(),
            leeway: i64::try_from(config.leeway_secs).unwrap_or(i64::MAX),
            verified: Arc::new(TokenCache::new(entries, CACHE_BYTES)),
        })
    }

    /// Verifies `token`; `builtin_issuers` are the `iss` values the built-in issuer goes by
    /// for this request, `now` the mock's clock in Unix seconds. A token verified before
    /// has its issuer name (built-in issuer) and its times checked again.
    pub fn verify(
        &self,
        token: &str,
        builtin_issuers: &BuiltinNames,
        now: i64,
    ) -> Result<Arc<VerifiedIdToken>, IdTokenError> {
        if let Some(known) = self.verified.get(token) {
            let iss = &known.token.issuer;
            if known.builtin && !builtin_issuers.accepts_with_form(iss, || known.builtin_form) {
                return Err(self.untrusted(&known.token.issuer, builtin_issuers));
            }
            self.check_times(known.times, now)?;
            return Ok(known.token.clone());
        }
        let verified = self.verify_signed(token, builtin_issuers, now)?;
        let token_now = verified.token.clone();
        // The claims take about as many bytes in memory as in the token.
        self.verified.insert(token, verified, token.len());
        Ok(token_now)
    }

    /// Every check, from the token's bytes.
    fn verify_signed(
        &self,
        token: &str,
        builtin_issuers: &BuiltinNames,
        now: i64,
    ) -> Result<Verified, IdTokenError> {
        let jws = CompactJws::split(token).map_err(|found| {
            IdTokenError::Malformed(format!("expected three dot-separated parts, found {found}"))
        })?;
        let header = decode_part(jws.header, "header")?;
        let claims = decode_part(jws.payload, "payload")?;
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
        let iss = claims
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
            .ok_or_else(|| self.untrusted(iss, builtin_issuers))?;
        let key = match kid {
            Some(kid) => issuer
                .keys
                .iter()
                .find(|k| k.kid.as_deref() == Some(kid))
                .ok_or_else(|| IdTokenError::UnknownKey(kid.into()))?,
            None => {
                let mut candidates = issuer
                    .keys
                    .iter()
                    .filter(|k| k.key.algorithm() == algorithm);
                match (candidates.next(), candidates.next()) {
                    (Some(only), None) => only,
                    _ => return Err(IdTokenError::UnknownKey("(none)".into())),
                }
            }
        };
        if key.key.algorithm() != algorithm {
            return Err(IdTokenError::Algorithm {
                alg: alg.into(),
                allowed: format!(
                    "{:?} for key `{}`",
                    key.key.algorithm(),
                    key.kid.as_deref().unwrap_or("")
                ),
            });
        }
        // The header must also read as a JWS header (typed members), as it always has.
        if jsonwebtoken::decode_header(token).is_err() || !jws.is_signed_by(&key.key) {
            return Err(IdTokenError::Signature);
        }
        let (iss, builtin) = (iss.to_string(), issuer.issuer.is_none());
        let provider = issuer.issuer.as_deref().unwrap_or(BUILTIN_PROVIDER).into();

        self.check_audience(&claims)?;
        let times = time_claims(&claims)?;
        self.check_times(times, now)?;
        let subject = claims
            .get("sub")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or(IdTokenError::MissingClaim("sub"))?
            .to_string();
        Ok(Verified {
            builtin_form: builtin && has_builtin_form(&iss),
            token: Arc::new(VerifiedIdToken {
                provider,
                issuer: iss,
                subject,
                claims,
            }),
            builtin,
            times,
        })
    }

    /// `iss` is no issuer trusted for this request.
    fn untrusted(&self, iss: &str, builtin: &BuiltinNames) -> IdTokenError {
        let trusted = builtin
            .describe()
            .into_iter()
            .chain(self.issuers.iter().filter_map(|i| i.issuer.clone()))
            .collect::<Vec<_>>()
            .join(", ");
        IdTokenError::Issuer {
            issuer: iss.into(),
            trusted,
        }
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

    /// The times against `now`, with the leeway.
    fn check_times(&self, times: TimeClaims, now: i64) -> Result<(), IdTokenError> {
        let TimeClaims { exp, iat, nbf } = times;
        let leeway = self.leeway;
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

/// `exp` and `iat` (required) and `nbf`: integers in the [`numeric_date`] range.
fn time_claims(claims: &Map<String, Value>) -> Result<TimeClaims, IdTokenError> {
    let number = |name: &'static str| match claims.get(name) {
        None => Ok(None),
        Some(v) => match numeric_date::seconds(name, v) {
            None => Err(IdTokenError::MissingClaim(name)),
            Some(secs) => secs.map(Some).map_err(IdTokenError::TimeRange),
        },
    };
    Ok(TimeClaims {
        exp: number("exp")?.ok_or(IdTokenError::MissingClaim("exp"))?,
        iat: number("iat")?.ok_or(IdTokenError::MissingClaim("iat"))?,
        nbf: number("nbf")?,
    })
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
        let key = JwsVerifier::from_jwk(jwk, algorithm)
            .map_err(|why| failed(format!("key `{}`: {why}", kid(jwk))))?;
        keys.push(VerificationKey {
            kid: jwk.common.key_id.clone(),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundled::{Origin, FIXTURES};
    use crate::oidc::mint::{mint_id_token, MintDefaults};
    use crate::seed::Seed;

    /// 2026-06-08T12:00:00Z.
    const NOW: i64 = 1_780_920_000;
    const ISSUER: &str = "http://localhost:8080/oidc";

    async fn verifier(algorithm: &str) -> (SigningKey, IdTokenVerifier) {
        let fixtures = Origin::Bundled {
            set: "fixtures",
            files: FIXTURES,
        };
        let key = SigningKey::load("fixture", algorithm, &fixtures).unwrap();
        let verifier = IdTokenVerifier::new(&key, &IssuerConfig::default())
            .await
            .unwrap();
        (key, verifier)
    }

    fn mint(key: &SigningKey, email: &str, ttl_secs: i64) -> String {
        let claims = json!({ "email": email }).as_object().unwrap().clone();
        let defaults = MintDefaults {
            issuer: ISSUER.into(),
            audience: "dfns-mock-client".into(),
            ttl_secs,
            now: NOW,
        };
        mint_id_token(key, &Seed::new("cache"), claims, &defaults).unwrap()
    }

    impl IdTokenVerifier {
        fn remembered(&self) -> usize {
            self.verified.len()
        }
    }

    #[tokio::test]
    async fn a_remembered_token_is_refused_once_the_clock_passes_exp() {
        let (key, verifier) = verifier("RS256").await;
        let token = mint(&key, "jane@example.com", 60);
        assert!(verifier.verify(&token, &BuiltinNames::AnyHost, NOW).is_ok());
        assert_eq!(verifier.remembered(), 1);
        // exp = NOW + 60, leeway 30 s: valid up to NOW + 90, then refused although remembered.
        let later = verifier.verify(&token, &BuiltinNames::AnyHost, NOW + 90);
        assert_eq!(later.unwrap().subject, verifier_subject(&key, &token).await);
        let expired = verifier.verify(&token, &BuiltinNames::AnyHost, NOW + 91);
        assert_eq!(expired.unwrap_err().check(), "exp");
        let early = verifier.verify(&token, &BuiltinNames::AnyHost, NOW - 31);
        assert_eq!(early.unwrap_err().check(), "iat");
        assert_eq!(verifier.remembered(), 1, "still remembered, still checked");
    }

    /// The subject a fresh verifier finds, for comparison.
    async fn verifier_subject(key: &SigningKey, token: &str) -> String {
        let fresh = IdTokenVerifier::new(key, &IssuerConfig::default())
            .await
            .unwrap();
        fresh
            .verify(token, &BuiltinNames::AnyHost, NOW)
            .unwrap()
            .subject
            .clone()
    }

    #[tokio::test]
    async fn a_remembered_token_answers_as_a_fresh_verification_at_every_time_and_name() {
        let (key, remembering) = verifier("RS256").await;
        let token = mint(&key, "jane@example.com", 60);
        remembering
            .verify(&token, &BuiltinNames::AnyHost, NOW)
            .unwrap();
        let names = [
            BuiltinNames::AnyHost,
            BuiltinNames::Exact(vec![ISSUER.into()]),
            BuiltinNames::Exact(vec!["http://dfns-mock:8080/oidc".into()]),
        ];
        for names in &names {
            for now in [NOW - 31, NOW - 30, NOW, NOW + 90, NOW + 91, i64::MAX] {
                let fresh = IdTokenVerifier::new(&key, &IssuerConfig::default())
                    .await
                    .unwrap();
                let expected = fresh.verify(&token, names, now).map(|t| t.claims.clone());
                let got = remembering
                    .verify(&token, names, now)
                    .map(|t| t.claims.clone());
                assert_eq!(got, expected, "{names:?} at {now}");
            }
        }
        assert_eq!(remembering.remembered(), 1);
    }

    #[tokio::test]
    async fn the_memory_of_verified_tokens_is_bounded() {
        let (key, verifier) = verifier("EdDSA").await;
        let tokens: Vec<String> = (0..CACHE_ENTRIES + 10)
            .map(|i| mint(&key, &format!("user-{i}@example.com"), 3600))
            .collect();
        for token in &tokens {
            verifier.verify(token, &BuiltinNames::AnyHost, NOW).unwrap();
        }
        assert_eq!(verifier.remembered(), CACHE_ENTRIES);
        // The first ones were evicted, and still verify (and are remembered again).
        let first = verifier.verify(&tokens[0], &BuiltinNames::AnyHost, NOW + 3630);
        assert!(first.is_ok());
        assert_eq!(verifier.remembered(), CACHE_ENTRIES);
        let expired = verifier.verify(&tokens[0], &BuiltinNames::AnyHost, NOW + 3631);
        assert_eq!(expired.unwrap_err().check(), "exp");
    }
}
