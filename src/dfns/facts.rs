//! What a Dfns request is, worked out once by the serving stack before any endpoint runs
//! (see `server::facts`): its endpoint, method and path (with its parameters), request id,
//! headers, raw and JSON body, verified idToken, bearer token and, above all, its session. The journal, the scenario step and the
//! endpoint's handler all read the same [`Facts`] from the request's extensions; the one thing
//! written back is the handler's [annotations](Facts::annotate) for the request's journal entry.

use std::sync::Mutex;

use bytes::Bytes;
use http::{HeaderMap, Method};
use serde_json::{Map, Value};

use super::body::FromBody;
use super::error::ApiError;
use super::DfnsApi;
use crate::context::RequestContext;
use crate::endpoint::Endpoint;
use crate::oidc::verify::{IdTokenError, VerifiedIdToken};
use crate::scenario::SESSION_CLAIM;
use crate::session::{SessionKey, SessionPin, MAX_SESSION_KEY_BYTES};

/// One Dfns request, resolved.
#[derive(Debug)]
pub(crate) struct Facts {
    /// The endpoint asked.
    pub(crate) endpoint: Endpoint,
    /// The request method.
    pub(crate) method: Method,
    /// The URL path as received (percent-encoded, no query).
    pub(crate) path: String,
    /// Request id, headers, scenario header and base URL.
    pub(crate) ctx: RequestContext,
    /// The session the request reads and writes: the `X-Dfns-Mock-Session` header, else
    /// the idToken's session claim, else the session a mock token (temporary token, login
    /// challenge) was issued in, else the default session.
    pub(crate) session: SessionKey,
    /// Keeps `session` from being evicted until the request is answered.
    _pin: Option<SessionPin>,
    /// The body's bytes as received (what a user action's payload is compared with).
    pub(crate) raw_body: Bytes,
    /// The JSON body, or why it is not usable.
    pub(crate) body: Result<Value, ApiError>,
    /// The idToken's verification, when the body has one.
    pub(crate) id_token: Option<Result<std::sync::Arc<VerifiedIdToken>, IdTokenError>>,
    /// The `Authorization: Bearer` token, if any.
    pub(crate) bearer: Option<String>,
    /// What the handler noted for the journal entry (see [`Facts::annotate`]).
    annotations: Mutex<Map<String, Value>>,
}

impl Facts {
    /// Claims of the verified idToken, if there is one.
    pub(crate) fn claims(&self) -> Option<&serde_json::Map<String, Value>> {
        match &self.id_token {
            Some(Ok(token)) => Some(&token.claims),
            _ => None,
        }
    }

    /// A string claim of the verified idToken.
    pub(crate) fn claim(&self, name: &str) -> Option<&str> {
        self.claims()?.get(name)?.as_str()
    }

    /// The path parameter `name` (see [`Endpoint::param`]); empty when absent, which the
    /// routing never lets happen.
    pub(crate) fn param(&self, name: &str) -> &str {
        self.endpoint.param(&self.path, name).unwrap_or_default()
    }

    /// The JSON body, or the error saying why it is not usable.
    pub(crate) fn json(&self) -> Result<&Value, ApiError> {
        self.body.as_ref().map_err(Clone::clone)
    }

    /// The body as `T`, or the error naming every violation.
    pub(crate) fn body<T: FromBody>(&self) -> Result<T, ApiError> {
        T::from_body(self.json()?)
    }

    /// The JSON body, or `None` when the request has no body (an optional body).
    pub(crate) fn optional_json(&self) -> Result<Option<&Value>, ApiError> {
        if self.raw_body.iter().all(u8::is_ascii_whitespace) {
            Ok(None)
        } else {
            self.json().map(Some)
        }
    }

    /// A string field of the JSON body.
    pub(crate) fn body_str(&self, field: &str) -> Option<&str> {
        self.body.as_ref().ok()?.get(field)?.as_str()
    }

    /// Notes `value` as `name` on the request's journal entry (`annotations`), for what the
    /// answer does not show, e.g. the one-time code a call "sent".
    pub(crate) fn annotate(&self, name: &str, value: Value) {
        let mut annotations = self.annotations.lock().unwrap_or_else(|e| e.into_inner());
        annotations.insert(name.to_string(), value);
    }

    /// The annotations noted so far, taken out (the journal reads them once, answered).
    pub(crate) fn take_annotations(&self) -> Map<String, Value> {
        std::mem::take(&mut *self.annotations.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

impl DfnsApi {
    /// Resolves a request to `endpoint` from its method, path, headers and whole
    /// (size-limited) body.
    pub(crate) fn resolve(
        &self,
        endpoint: Endpoint,
        method: &Method,
        path: &str,
        headers: &HeaderMap,
        body: &Bytes,
    ) -> Facts {
        let ctx = RequestContext::from_headers(headers);
        let content_type = headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok());
        let json = crate::body::parse_json(content_type, &Ok(body.clone())).map_err(ApiError::from);
        let bearer = ctx
            .header("authorization")
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(|t| t.trim().to_string());
        let mut facts = Facts {
            endpoint,
            method: method.clone(),
            path: path.to_string(),
            session: ctx.session.clone(),
            _pin: None,
            ctx,
            raw_body: body.clone(),
            body: json,
            id_token: None,
            bearer,
            annotations: Mutex::default(),
        };
        facts.id_token = facts
            .body_str("idToken")
            .map(|token| self.issuer.verify(token, &facts.ctx.base_url));
        if !facts.ctx.session_from_header {
            let claimed = (facts.claim(SESSION_CLAIM).filter(|k| !k.is_empty())).map(String::from);
            if let Some(key) = claimed {
                if key.len() > MAX_SESSION_KEY_BYTES {
                    // Refused like an over-long header: the request keeps the default session
                    // and its body reads as this error, so no state is kept under the key.
                    facts.body = Err(ApiError::invalid_field(
                        "idToken",
                        format!(
                            "its {SESSION_CLAIM} claim is {} bytes long; a session key has at most {MAX_SESSION_KEY_BYTES}",
                            key.len()
                        ),
                    ));
                } else {
                    facts.session = SessionKey(key);
                }
            } else if let Some(key) = self.token_session(&facts) {
                facts.session = key;
            }
        }
        facts._pin = Some(self.sessions.pin(&facts.session));
        facts
    }

    /// The session a mock token of the request (the bearer, else `challengeIdentifier`) was
    /// issued in.
    fn token_session(&self, facts: &Facts) -> Option<SessionKey> {
        let token = facts
            .bearer
            .as_deref()
            .or_else(|| facts.body_str("challengeIdentifier"))?;
        let claims = self.signer.verify(token, self.clock.unix()).ok()?;
        Some(SessionKey(claims.mock?.session))
    }
}
