//! The browser side of the fake identity provider: the authorization request
//! (`GET /oidc/authorize`), its login page, the sign-in form (`POST /oidc/authorize`), and
//! the authorization codes later exchanged at the token endpoint (with PKCE when the client
//! used it). `login_hint` signs in at once without a page, with the `claims` query parameter
//! (a JSON object) in the token: what the Playwright kit's `signInUrl` builds.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

/// How many distinct sign-ins' code counts are remembered, per outstanding code allowed;
/// beyond it the counts of sign-ins without an outstanding code are forgotten.
const SIGN_INS_PER_CODE: usize = 10;

/// The parameters of an authorization request (query of GET, form of POST).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AuthorizeParams {
    /// `code` or `id_token`.
    #[serde(default)]
    pub response_type: String,
    /// The relying party; becomes the token's `aud`.
    #[serde(default)]
    pub client_id: String,
    /// Where the browser goes back to.
    #[serde(default)]
    pub redirect_uri: String,
    /// Requested scopes (echoed).
    #[serde(default)]
    pub scope: String,
    /// Opaque value echoed to the client.
    pub state: Option<String>,
    /// Copied into the id token.
    pub nonce: Option<String>,
    /// Email to sign in as without showing the page.
    pub login_hint: Option<String>,
    /// PKCE challenge.
    pub code_challenge: Option<String>,
    /// `S256` or `plain`.
    pub code_challenge_method: Option<String>,
    /// From the login page: the email to sign in as.
    pub email: Option<String>,
    /// From the login page: the display name.
    pub name: Option<String>,
    /// From the login page, or the query with `login_hint`: extra claims as a JSON object.
    pub claims: Option<String>,
    /// From the login page: `deny` sends the client an `access_denied` error.
    pub action: Option<String>,
}

/// A request that cannot be sent back to the client (bad `redirect_uri`, …) or whose error
/// goes back to it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{error}: {description}")]
pub struct AuthorizeError {
    /// OAuth error code.
    pub error: &'static str,
    /// Why.
    pub description: String,
}

fn invalid(description: impl Into<String>) -> AuthorizeError {
    AuthorizeError {
        error: "invalid_request",
        description: description.into(),
    }
}

impl AuthorizeParams {
    /// Checks what every authorization request needs.
    pub fn validate(&self) -> Result<(), AuthorizeError> {
        self.validate_client()?;
        if self.action.as_deref() == Some("deny") {
            return Err(AuthorizeError {
                error: "access_denied",
                description: "the user denied the sign-in".into(),
            });
        }
        if !matches!(self.response_type.as_str(), "code" | "id_token") {
            return Err(AuthorizeError {
                error: "unsupported_response_type",
                description: format!(
                    "response_type `{}` is not supported (code, id_token)",
                    self.response_type
                ),
            });
        }
        match self.code_challenge_method.as_deref() {
            None | Some("S256") | Some("plain") => Ok(()),
            Some(other) => Err(invalid(format!(
                "code_challenge_method `{other}` is not supported (S256, plain)"
            ))),
        }
    }

    /// Checks what must hold before any answer can go back to the client: without a client id
    /// and an absolute redirect URI, errors are shown to the browser instead (RFC 6749 4.1.2.1).
    pub fn validate_client(&self) -> Result<(), AuthorizeError> {
        if self.client_id.is_empty() {
            return Err(invalid("client_id is required"));
        }
        if !(self.redirect_uri.starts_with("http://") || self.redirect_uri.starts_with("https://"))
        {
            return Err(invalid(
                "redirect_uri is required and must be an absolute http(s) URL",
            ));
        }
        Ok(())
    }

    /// Where to send the browser with an error (`error`, `error_description`, `state`).
    pub fn error_redirect(&self, err: &AuthorizeError) -> String {
        self.redirect(vec![
            ("error", err.error.to_string()),
            ("error_description", err.description.clone()),
        ])
    }

    /// The claims the signed-in user gets: email (and name) from the page or the hint, the
    /// page's extra claims, and the nonce.
    pub fn claims(&self) -> Result<Map<String, Value>, AuthorizeError> {
        let mut claims = match self
            .claims
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            None => Map::new(),
            Some(text) => match serde_json::from_str(text) {
                Ok(Value::Object(map)) => map,
                _ => return Err(invalid("claims must be a JSON object")),
            },
        };
        if let Some(email) = self
            .email
            .as_ref()
            .or(self.login_hint.as_ref())
            .filter(|e| !e.is_empty())
        {
            claims.insert("email".into(), json!(email));
        }
        if let Some(name) = self.name.as_ref().filter(|n| !n.is_empty()) {
            claims.insert("name".into(), json!(name));
        }
        if let Some(nonce) = &self.nonce {
            claims.insert("nonce".into(), json!(nonce));
        }
        claims.insert("aud".into(), json!(self.client_id));
        Ok(claims)
    }

    /// Where to send the browser with `params` (query for codes, fragment for id tokens).
    pub fn redirect(&self, mut params: Vec<(&str, String)>) -> String {
        if let Some(state) = &self.state {
            params.push(("state", state.clone()));
        }
        let encoded = serde_urlencoded::to_string(&params).unwrap_or_default();
        let separator = if self.response_type == "id_token" {
            "#"
        } else if self.redirect_uri.contains('?') {
            "&"
        } else {
            "?"
        };
        format!("{}{separator}{encoded}", self.redirect_uri)
    }
}

/// A digest of one sign-in (client, redirect, claims, state): what codes are counted by.
type SignIn = [u8; 32];

/// What a code stands for until it is exchanged.
#[derive(Debug, Clone)]
struct Grant {
    sign_in: SignIn,
    claims: Map<String, Value>,
    client_id: String,
    redirect_uri: String,
    code_challenge: Option<(String, String)>,
    expires: i64,
}

/// Outstanding grants, and how many codes each distinct sign-in got.
#[derive(Debug, Default)]
struct CodeState {
    issued: HashMap<SignIn, u64>,
    grants: HashMap<String, Grant>,
}

/// Issued, not yet exchanged authorization codes: they expire `ttl_secs` after issue by the
/// mock's clock, expired ones are purged when the table is full (`max` codes; beyond it a
/// sign-in is answered `temporarily_unavailable`, so unexchanged codes cannot grow memory),
/// and all are dropped by [`Codes::clear`].
#[derive(Debug, Clone)]
pub struct Codes {
    grants: Arc<Mutex<CodeState>>,
    ttl_secs: i64,
    max: usize,
}

/// The token request of the authorization code grant.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TokenRequest {
    /// Must be `authorization_code`.
    #[serde(default)]
    pub grant_type: String,
    /// The code.
    #[serde(default)]
    pub code: String,
    /// Must equal the authorization request's.
    #[serde(default)]
    pub redirect_uri: String,
    /// Must equal the authorization request's (when sent).
    pub client_id: Option<String>,
    /// PKCE verifier.
    pub code_verifier: Option<String>,
}

impl Codes {
    /// An empty table of at most `max` codes that live `ttl_secs` seconds.
    pub fn new(ttl_secs: u64, max: usize) -> Codes {
        Codes {
            grants: Arc::default(),
            ttl_secs: i64::try_from(ttl_secs).unwrap_or(i64::MAX),
            max,
        }
    }

    /// A new single-use code for the signed-in user. It derives from the seed, the sign-in
    /// (client, redirect, claims, state) and how many times that same sign-in happened since
    /// start or the last [`Codes::clear`], so it does not depend on what other tests do
    /// meanwhile. Refused with `temporarily_unavailable` while the table is full of unexpired
    /// codes.
    pub fn issue(
        &self,
        seed: &crate::seed::Seed,
        params: &AuthorizeParams,
        claims: Map<String, Value>,
        now: i64,
    ) -> Result<String, AuthorizeError> {
        let sign_in_text = format!(
            "{}\n{}\n{}\n{}",
            params.client_id,
            params.redirect_uri,
            Value::Object(claims.clone()),
            params.state.as_deref().unwrap_or("")
        );
        let sign_in: SignIn = Sha256::digest(sign_in_text.as_bytes()).into();
        let mut guard = self.grants.lock().unwrap_or_else(|e| e.into_inner());
        let state = &mut *guard;
        if state.grants.len() >= self.max {
            state.grants.retain(|_, grant| now <= grant.expires);
        }
        if state.grants.len() >= self.max {
            return Err(AuthorizeError {
                error: "temporarily_unavailable",
                description: format!(
                    "{} authorization codes are outstanding: exchange them, wait until they \
                     expire ({} s after issue) or POST /__mock/reset",
                    self.max, self.ttl_secs
                ),
            });
        }
        if state.issued.len() >= self.max.saturating_mul(SIGN_INS_PER_CODE) {
            let live: std::collections::HashSet<SignIn> =
                state.grants.values().map(|g| g.sign_in).collect();
            state.issued.retain(|sign_in, _| live.contains(sign_in));
        }
        let n = state.issued.entry(sign_in).or_insert(0);
        *n += 1;
        let n = n.to_string();
        let code =
            URL_SAFE_NO_PAD.encode(&seed.bytes("authorization-code", &[&sign_in_text, &n])[..24]);
        state.grants.insert(
            code.clone(),
            Grant {
                sign_in,
                claims,
                client_id: params.client_id.clone(),
                redirect_uri: params.redirect_uri.clone(),
                code_challenge: params.code_challenge.clone().map(|c| {
                    (
                        c,
                        params
                            .code_challenge_method
                            .clone()
                            .unwrap_or_else(|| "plain".into()),
                    )
                }),
                expires: now.saturating_add(self.ttl_secs),
            },
        );
        Ok(code)
    }

    /// Forgets every outstanding code and every sign-in count.
    pub fn clear(&self) {
        let mut guard = self.grants.lock().unwrap_or_else(|e| e.into_inner());
        *guard = CodeState::default();
    }

    /// Spends a code: the claims to mint, or the OAuth error.
    pub fn exchange(
        &self,
        request: &TokenRequest,
        now: i64,
    ) -> Result<Map<String, Value>, AuthorizeError> {
        if request.grant_type != "authorization_code" {
            return Err(AuthorizeError {
                error: "unsupported_grant_type",
                description: format!(
                    "grant_type `{}` is not supported (authorization_code)",
                    request.grant_type
                ),
            });
        }
        // Checked under the lock and removed only when the exchange succeeds: a failed
        // attempt (wrong verifier, redirect_uri) leaves the code usable.
        let mut guard = self.grants.lock().unwrap_or_else(|e| e.into_inner());
        let grant = guard.grants.get(&request.code).cloned();
        let invalid_grant = |description: &str| AuthorizeError {
            error: "invalid_grant",
            description: description.into(),
        };
        let grant =
            grant.ok_or_else(|| invalid_grant("the code is unknown or was already used"))?;
        if now > grant.expires {
            guard.grants.remove(&request.code);
            return Err(invalid_grant("the code has expired"));
        }
        if request.redirect_uri != grant.redirect_uri {
            return Err(invalid_grant(
                "redirect_uri differs from the authorization request's",
            ));
        }
        if request
            .client_id
            .as_ref()
            .is_some_and(|c| *c != grant.client_id)
        {
            return Err(invalid_grant(
                "client_id differs from the authorization request's",
            ));
        }
        if let Some((challenge, method)) = &grant.code_challenge {
            let verifier = request
                .code_verifier
                .as_deref()
                .ok_or_else(|| invalid_grant("code_verifier is required (PKCE)"))?;
            let computed = match method.as_str() {
                "S256" => URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())),
                _ => verifier.to_string(),
            };
            if computed != *challenge {
                return Err(invalid_grant(
                    "code_verifier does not match the code_challenge",
                ));
            }
        }
        guard.grants.remove(&request.code);
        Ok(grant.claims)
    }
}

/// The login page for an authorization request.
pub fn login_page(params: &AuthorizeParams, issuer: &str) -> String {
    let hidden: String = [
        ("response_type", Some(params.response_type.as_str())),
        ("client_id", Some(params.client_id.as_str())),
        ("redirect_uri", Some(params.redirect_uri.as_str())),
        ("scope", Some(params.scope.as_str())),
        ("state", params.state.as_deref()),
        ("nonce", params.nonce.as_deref()),
        ("code_challenge", params.code_challenge.as_deref()),
        (
            "code_challenge_method",
            params.code_challenge_method.as_deref(),
        ),
    ]
    .iter()
    .filter_map(|(name, value)| {
        value.map(|v| {
            format!(
                r#"<input type="hidden" name="{name}" value="{}">"#,
                escape(v)
            )
        })
    })
    .collect::<Vec<_>>()
    .join("\n      ");
    format!(
        r#"<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>dfns-mock: sign in</title>
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <style>
    body {{ font-family: system-ui, sans-serif; background: #f4f5f7; display: grid; place-items: center; min-height: 100vh; margin: 0; }}
    form {{ background: #fff; padding: 2rem; border-radius: 12px; box-shadow: 0 2px 12px #0002; width: 22rem; }}
    h1 {{ font-size: 1.25rem; margin: 0 0 .25rem; }}
    p {{ color: #555; font-size: .85rem; margin: 0 0 1.25rem; }}
    label {{ display: block; font-size: .85rem; margin: .75rem 0 .25rem; }}
    input, textarea {{ width: 100%; box-sizing: border-box; padding: .5rem; font: inherit; border: 1px solid #ccc; border-radius: 6px; }}
    button {{ margin-top: 1.25rem; width: 100%; padding: .6rem; font: inherit; border: 0; border-radius: 6px; background: #2754c5; color: #fff; cursor: pointer; }}
  </style>
</head>
<body>
  <form method="post" action="authorize">
      {hidden}
    <h1>Sign in to the fake identity provider</h1>
    <p>dfns-mock test issuer {issuer}, for client <code>{client}</code>. No password: any email signs in.</p>
    <label for="email">Email</label>
    <input id="email" name="email" type="email" value="jane.doe@example.com" required autofocus>
    <label for="name">Name (optional)</label>
    <input id="name" name="name" type="text">
    <label for="claims">Extra claims, JSON (optional), e.g. {{"dfns_mock_scenario": "slow"}}</label>
    <textarea id="claims" name="claims" rows="3"></textarea>
    <button type="submit" id="sign-in" name="action" value="sign-in">Sign in</button>
    <button type="submit" id="deny" name="action" value="deny" formnovalidate style="background:#888">Deny</button>
  </form>
</body>
</html>
"#,
        issuer = escape(issuer),
        client = escape(&params.client_id),
    )
}

/// Escapes text for HTML content and attribute values.
fn escape(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '&' => "&amp;".to_string(),
            '<' => "&lt;".to_string(),
            '>' => "&gt;".to_string(),
            '"' => "&quot;".to_string(),
            '\'' => "&#39;".to_string(),
            c => c.to_string(),
        })
        .collect()
}
