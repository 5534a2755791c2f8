//! Answering a Dfns request through the scenario engine: read the body, verify the idToken
//! (for claim matchers and claim-selected scenarios/sessions), let the selected scenario
//! decide, then either answer as scripted or run the endpoint's normal logic and patch it.

use std::time::Duration;

use bytes::Bytes;
use serde_json::{json, Value};
use warp::http::{HeaderName, HeaderValue, StatusCode};
use warp::reply::Response;

use super::body::parse_json;
use super::completion::MOCK_CLAIM;
use super::error::{json_response, ApiError};
use super::DfnsApi;
use crate::body::BodyError;
use crate::context::RequestContext;
use crate::journal::Answered;
use crate::oidc::verify::{IdTokenError, VerifiedIdToken};
use crate::scenario::engine::{decide, merge_patch, RequestFacts};
use crate::scenario::model::Fault;
use crate::scenario::{SCENARIO_CLAIM, SESSION_CLAIM};
use crate::session::SessionKey;

/// Longest a `no_answer` fault holds a request before the mock closes it.
pub const NO_ANSWER_HOLD: Duration = Duration::from_secs(600);

/// What an endpoint's normal logic gets.
pub struct Incoming {
    /// The JSON body, or why it is not usable.
    pub body: Result<Value, ApiError>,
    /// The idToken's verification, when the body has one.
    pub id_token: Option<Result<VerifiedIdToken, IdTokenError>>,
    /// The session the request reads and writes.
    pub session: SessionKey,
    /// The `Authorization: Bearer` token, if any.
    pub bearer: Option<String>,
    /// The scenario's merge patch for the 200 body (applied again after `normal`; a merge
    /// patch is idempotent, so an endpoint may apply it early to derive fields from it).
    pub patch: Option<Value>,
}

impl DfnsApi {
    /// Answers `endpoint` (`METHOD /path`) as the selected scenario says, with `normal` as the
    /// endpoint's own logic.
    pub async fn scripted(
        &self,
        endpoint: &str,
        ctx: &RequestContext,
        content_type: Option<&str>,
        raw: &Result<Bytes, BodyError>,
        normal: impl FnOnce(&DfnsApi, &Incoming) -> Result<Value, ApiError>,
    ) -> Response {
        let body = parse_json(content_type, raw);
        let id_token = body
            .as_ref()
            .ok()
            .and_then(|b| b.get("idToken"))
            .and_then(Value::as_str)
            .map(|token| self.issuer.verify(token, &ctx.base_url));
        let claims = match &id_token {
            Some(Ok(token)) => Some(&token.claims),
            _ => None,
        };
        let claim = |name: &str| claims.and_then(|c| c.get(name)).and_then(Value::as_str);
        let bearer = ctx
            .headers
            .get("authorization")
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(|t| t.trim().to_string());
        // The session: the header, else the idToken's claim, else the one a mock token
        // (temporary token, login challenge) was issued in.
        let token_session = || {
            let token = bearer.as_deref().or_else(|| {
                body.as_ref()
                    .ok()
                    .and_then(|b| b.get("challengeIdentifier"))
                    .and_then(Value::as_str)
            })?;
            let claims = self.signer.verify(token, self.clock.unix()).ok()?;
            let key = claims
                .get(MOCK_CLAIM)?
                .get("session")?
                .as_str()?
                .to_string();
            Some(SessionKey(key))
        };
        let session = match (ctx.session_from_header, claim(SESSION_CLAIM)) {
            (true, _) => ctx.session.clone(),
            (false, Some(key)) if !key.is_empty() => SessionKey(key.to_string()),
            _ => token_session().unwrap_or_else(|| ctx.session.clone()),
        };
        let active = self
            .sessions
            .snapshot(&session)
            .and_then(|s| s.active_scenario);
        let scenario = match self.scenarios.select(
            ctx.scenario.as_deref(),
            claim(SCENARIO_CLAIM),
            active.as_deref(),
        ) {
            Ok(scenario) => scenario,
            Err(unknown) => {
                let error = ApiError::new(StatusCode::BAD_REQUEST, unknown.to_string())
                    .detail("scenario", unknown.name.clone())
                    .detail("known", unknown.known.clone());
                return error.into_response(&ctx.request_id);
            }
        };
        let org_id = body
            .as_ref()
            .ok()
            .and_then(|b| b.get("orgId"))
            .and_then(Value::as_str)
            .unwrap_or(&self.auth.org_id)
            .to_string();
        let facts = RequestFacts {
            endpoint,
            body: body.as_ref().ok(),
            headers: &ctx.headers,
            claims,
            org_id: &org_id,
        };
        let decision = self.sessions.with(&session, |state| {
            decide(&scenario, &facts, state, &self.seed, session.as_str())
        });
        if decision.delay_ms > 0 {
            tokio::time::sleep(Duration::from_millis(decision.delay_ms)).await;
        }
        let then = &decision.then;
        let mut response = match (then.fault, &then.error, &then.body) {
            (Some(Fault::NoAnswer), _, _) => {
                tokio::time::sleep(NO_ANSWER_HOLD).await;
                fault_response(Fault::EmptyReply)
            }
            (Some(Fault::MalformedJson), _, _) => {
                let mut response = Response::new(r#"{"user":{"id":"us-"#.into());
                response
                    .headers_mut()
                    .insert("content-type", HeaderValue::from_static("application/json"));
                response
            }
            (Some(fault), _, _) => fault_response(fault),
            (None, Some(error), _) => ApiError {
                status: StatusCode::from_u16(error.status)
                    .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                message: error.message.clone(),
                details: error.details.clone(),
            }
            .into_response(&ctx.request_id),
            (None, None, Some(body)) => json_response(
                StatusCode::from_u16(then.status.unwrap_or(200)).unwrap_or(StatusCode::OK),
                body,
            ),
            (None, None, None) => {
                let incoming = Incoming {
                    body,
                    id_token,
                    session: session.clone(),
                    bearer,
                    patch: then.patch.clone(),
                };
                match normal(self, &incoming) {
                    Ok(mut answer) => {
                        if let Some(patch) = &then.patch {
                            merge_patch(&mut answer, patch);
                        }
                        json_response(StatusCode::OK, &answer)
                    }
                    Err(error) => error.into_response(&ctx.request_id),
                }
            }
        };
        for (name, value) in &then.headers {
            if let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(value),
            ) {
                response.headers_mut().insert(name, value);
            }
        }
        response.extensions_mut().insert(Answered {
            session: session.0.clone(),
            scenario: decision.scenario.clone(),
            rule: decision.rule,
        });
        response
    }
}

/// A response the serving stack turns into a dropped connection.
fn fault_response(fault: Fault) -> Response {
    let mut response = json_response(StatusCode::INTERNAL_SERVER_ERROR, &json!({}));
    response.extensions_mut().insert(fault);
    response
}
