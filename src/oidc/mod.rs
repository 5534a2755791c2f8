//! The built-in fake OIDC identity provider: its signing key, minting of id tokens,
//! discovery and JWKS documents, the browser login (authorization codes), and the
//! relying-party verification of id tokens.
//!
//! Owns everything about id tokens; it knows nothing of Dfns.

pub mod authorize;
pub(crate) mod jws;
pub mod keys;
pub mod mint;
pub mod numeric_date;
pub mod routes;
mod token_cache;
pub mod verify;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Map, Value};

use crate::bundled::Origin;
use crate::clock::Clock;
use crate::config::Config;
use crate::seed::Seed;
use keys::SigningKey;
use mint::{MintDefaults, MintError};
use verify::{BuiltinNames, IdTokenError, IdTokenVerifier, VerifiedIdToken};

/// Path under which the issuer is served.
pub const ISSUER_PATH: &str = "/oidc";

/// The fake identity provider.
#[derive(Clone)]
pub struct Issuer {
    key: SigningKey,
    verifier: IdTokenVerifier,
    seed: Seed,
    clock: Clock,
    client_id: String,
    token_ttl_secs: u64,
    public_url: Option<String>,
    default_url: String,
    strict_iss: bool,
    codes: authorize::Codes,
}

/// Why the issuer could not start.
#[derive(Debug, thiserror::Error)]
pub enum IssuerError {
    /// The signing key.
    #[error(transparent)]
    Key(#[from] keys::KeyError),
    /// A trusted issuer's JWKS.
    #[error(transparent)]
    Trusted(#[from] verify::TrustedIssuerError),
}

impl Issuer {
    /// Loads the key (the fixture key from `fixtures`) and the trusted issuers named by
    /// `config`.
    pub async fn new(
        config: &Config,
        clock: Clock,
        fixtures: &Origin,
    ) -> Result<Issuer, IssuerError> {
        let key = SigningKey::load(&config.issuer.key, &config.issuer.algorithm, fixtures)?;
        let verifier = IdTokenVerifier::new(&key, &config.issuer).await?;
        Ok(Issuer {
            key,
            verifier,
            seed: Seed::new(&config.seed),
            clock,
            client_id: config.issuer.client_id.clone(),
            token_ttl_secs: config.issuer.token_ttl_secs,
            public_url: config.public_url.clone(),
            default_url: config.default_issuer_url(),
            strict_iss: config.issuer.strict_iss,
            codes: authorize::Codes::new(config.issuer.code_ttl_secs, config.issuer.max_codes),
        })
    }

    /// The issuer URL (`iss`) for a request addressed to `base_url`.
    pub fn issuer_url(&self, base_url: &str) -> String {
        match &self.public_url {
            Some(url) => format!("{}{ISSUER_PATH}", url.trim_end_matches('/')),
            None => format!("{base_url}{ISSUER_PATH}"),
        }
    }

    /// The issuer URL when no request is at hand (the `token` command).
    pub fn default_issuer_url(&self) -> &str {
        &self.default_url
    }

    /// Every `iss` the built-in issuer goes by for a request to `base_url` under
    /// `issuer.strict_iss`: the request's own, the configured/default one, and the loopback
    /// aliases of a loopback host.
    pub fn accepted_issuers(&self, base_url: &str) -> Vec<String> {
        let mut accepted = vec![self.issuer_url(base_url), self.default_url.clone()];
        if let Some((scheme, host)) = base_url.split_once("://") {
            let port = host
                .rsplit_once(':')
                .map(|(_, p)| p)
                .filter(|p| p.chars().all(|c| c.is_ascii_digit()));
            let loopback = ["localhost", "127.0.0.1", "[::1]"];
            let name = host.rsplit_once(':').map_or(host, |(h, _)| h);
            if loopback.contains(&name) {
                for alias in loopback {
                    let host = port.map_or(alias.to_string(), |p| format!("{alias}:{p}"));
                    accepted.push(format!("{scheme}://{host}{ISSUER_PATH}"));
                }
            }
        }
        accepted.dedup();
        let mut seen = std::collections::HashSet::new();
        accepted.retain(|a| seen.insert(a.clone()));
        accepted
    }

    /// Mints an id token from `claims` with `issuer` as the default `iss`.
    pub fn mint(&self, claims: Map<String, Value>, issuer: &str) -> Result<String, MintError> {
        let ttl_secs = i64::try_from(self.token_ttl_secs).unwrap_or(i64::MAX);
        self.mint_with_ttl(claims, issuer, ttl_secs)
    }

    /// Mints an id token whose default `exp` is `iat + ttl_secs` (negative: already expired).
    pub fn mint_with_ttl(
        &self,
        claims: Map<String, Value>,
        issuer: &str,
        ttl_secs: i64,
    ) -> Result<String, MintError> {
        mint::mint_id_token(
            &self.key,
            &self.seed,
            claims,
            &MintDefaults {
                issuer: issuer.to_string(),
                audience: self.client_id.clone(),
                ttl_secs,
                now: self.clock.unix(),
            },
        )
    }

    /// Signs in the user of an authorization request (page form or `login_hint`): the URL
    /// the browser is sent back to, with a code or an id token.
    pub fn sign_in(
        &self,
        params: &authorize::AuthorizeParams,
        base_url: &str,
    ) -> Result<String, authorize::AuthorizeError> {
        params.validate()?;
        let claims = params.claims()?;
        let issuer = self.issuer_url(base_url);
        if params.response_type == "id_token" {
            let id_token = self
                .mint(claims, &issuer)
                .map_err(|e| authorize::AuthorizeError {
                    error: "invalid_request",
                    description: e.to_string(),
                })?;
            return Ok(params.redirect(vec![
                ("id_token", id_token),
                ("token_type", "Bearer".into()),
            ]));
        }
        let code = self
            .codes
            .issue(&self.seed, params, claims, self.clock.unix())?;
        Ok(params.redirect(vec![("code", code)]))
    }

    /// Exchanges an authorization code for `{access_token, id_token, token_type, expires_in}`.
    pub fn exchange_code(
        &self,
        request: &authorize::TokenRequest,
        base_url: &str,
    ) -> Result<Value, authorize::AuthorizeError> {
        let claims = self.codes.exchange(request, self.clock.unix())?;
        let id_token = self.mint(claims, &self.issuer_url(base_url)).map_err(|e| {
            authorize::AuthorizeError {
                error: "invalid_request",
                description: e.to_string(),
            }
        })?;
        let access_token =
            URL_SAFE_NO_PAD.encode(&self.seed.bytes("access-token", &[&id_token])[..24]);
        Ok(json!({
            "access_token": access_token,
            "id_token": id_token,
            "token_type": "Bearer",
            "expires_in": self.token_ttl_secs,
            "scope": "openid email profile",
        }))
    }

    /// Forgets every outstanding authorization code (`POST /__mock/reset`).
    pub fn reset(&self) {
        self.codes.clear();
    }

    /// Seconds a minted token lives by default.
    pub fn token_ttl_secs(&self) -> u64 {
        self.token_ttl_secs
    }

    /// Verifies an idToken presented with a request to `base_url`: signed by the built-in
    /// key with an `iss` of its form (any host), or exactly one of
    /// [`Issuer::accepted_issuers`] under `issuer.strict_iss`; or by a trusted issuer.
    pub fn verify(
        &self,
        token: &str,
        base_url: &str,
    ) -> Result<std::sync::Arc<VerifiedIdToken>, IdTokenError> {
        let names = if self.strict_iss {
            BuiltinNames::Exact(self.accepted_issuers(base_url))
        } else {
            BuiltinNames::AnyHost
        };
        self.verifier.verify(token, &names, self.clock.unix())
    }

    /// The JWKS document.
    pub fn jwks(&self) -> Value {
        json!({ "keys": [self.key.jwk] })
    }

    /// The discovery document for a request to `base_url`.
    pub fn discovery(&self, base_url: &str) -> Value {
        let iss = self.issuer_url(base_url);
        json!({
            "issuer": iss,
            "authorization_endpoint": format!("{iss}/authorize"),
            "token_endpoint": format!("{iss}/token"),
            "jwks_uri": format!("{iss}/jwks"),
            "response_types_supported": ["code", "id_token"],
            "response_modes_supported": ["query", "fragment"],
            "code_challenge_methods_supported": ["S256", "plain"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": [format!("{:?}", self.key.algorithm)],
            "scopes_supported": ["openid", "email", "profile"],
            "token_endpoint_auth_methods_supported": ["none", "client_secret_post", "client_secret_basic"],
            "claims_supported": ["iss", "sub", "aud", "exp", "iat", "nbf", "nonce", "email", "email_verified", "name"],
            "grant_types_supported": ["authorization_code"],
        })
    }
}
