//! Answering a Dfns request through the scenario engine: from the request's [`Facts`], let
//! the selected scenario decide under the session's lock, then either answer as scripted or
//! run the endpoint's normal logic and patch it.

use std::time::Duration;

use serde::Serialize;
use serde_json::{json, Value};
use warp::http::{HeaderValue, StatusCode};
use warp::reply::Response;

use super::error::{json_response, ApiError};
use super::facts::Facts;
use super::DfnsApi;
use crate::journal::Answered;
use crate::scenario::engine::{decide, merge_patch, RequestFacts};
use crate::scenario::model::{Answer, Fault};
use crate::scenario::SCENARIO_CLAIM;

/// Longest a `no_answer` fault holds a request before the mock closes it.
pub(crate) const NO_ANSWER_HOLD: Duration = Duration::from_secs(600);

/// The normal logic of an endpoint: the request's facts and the scenario's merge patch
/// for the 200 body (applied again after it returns; a merge patch is idempotent, so an
/// endpoint may apply it early to derive fields from it).
pub(crate) type Normal = fn(&DfnsApi, &Facts, Option<&Value>) -> Result<NormalAnswer, ApiError>;

/// The 200 body of an endpoint's normal logic: JSON text when no patch applies (written
/// straight from the typed answer), else a value for the patch.
#[derive(Debug)]
pub(crate) enum NormalAnswer {
    /// The answer's JSON.
    Json(Vec<u8>),
    /// The answer as a value, to be patched.
    Value(Value),
}

impl NormalAnswer {
    /// `answer`, as [`NormalAnswer::Value`] when a `patch` will apply, else as JSON text.
    /// Both write the same bytes: answer structs declare their fields in the order of
    /// their names, the order a [`Value`]'s objects keep (checked on every answer of the
    /// debug build).
    pub(crate) fn of(answer: impl Serialize, patch: Option<&Value>) -> Result<Self, ApiError> {
        let failed = |e: serde_json::Error| {
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("the answer does not serialize: {e}"),
            )
        };
        if patch.is_some() {
            return serde_json::to_value(answer)
                .map(NormalAnswer::Value)
                .map_err(failed);
        }
        let json = serde_json::to_vec(&answer).map_err(failed)?;
        #[cfg(debug_assertions)]
        {
            let value = serde_json::to_value(&answer).map_err(failed)?;
            let via_value = serde_json::to_vec(&value).map_err(failed)?;
            assert_eq!(
                String::from_utf8_lossy(&json),
                String::from_utf8_lossy(&via_value),
                "an answer struct's fields are not in the order of their names"
            );
        }
        Ok(NormalAnswer::Json(json))
    }
}

impl DfnsApi {
    /// Answers a request as the selected scenario says, with `normal` as the endpoint's own
    /// logic.
    pub(crate) async fn scripted(&self, facts: &Facts, normal: Normal) -> Response {
        let ctx = &facts.ctx;
        let session = &facts.session;
        let active = self.sessions.read(session, |s| s.active_scenario.clone());
        let scenario = match self.scenarios.select(
            ctx.scenario.as_deref(),
            facts.claim(SCENARIO_CLAIM),
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
        let org_id = facts.body_str("orgId").unwrap_or(&self.auth.org_id);
        let engine_facts = RequestFacts {
            endpoint: facts.endpoint,
            body: facts.body.as_ref().ok(),
            headers: &ctx.headers,
            claims: facts.claims(),
            org_id,
        };
        let decision = self.sessions.with(session, |state| {
            decide(
                &scenario,
                &engine_facts,
                state,
                &self.seed,
                session.as_str(),
            )
        });
        if decision.delay_ms > 0 {
            tokio::time::sleep(Duration::from_millis(decision.delay_ms)).await;
        }
        let mut response = match decision.answer {
            Answer::Fault(Fault::NoAnswer) => {
                tokio::time::sleep(NO_ANSWER_HOLD).await;
                fault_response(Fault::EmptyReply)
            }
            Answer::Fault(Fault::MalformedJson) => {
                let mut response = Response::new(r#"{"user":{"id":"us-"#.into());
                response
                    .headers_mut()
                    .insert("content-type", HeaderValue::from_static("application/json"));
                response
            }
            Answer::Fault(fault) => fault_response(fault),
            Answer::Error {
                status,
                message,
                details,
            } => ApiError {
                status,
                message,
                details,
            }
            .into_response(&ctx.request_id),
            Answer::Body { status, body } => json_response(status, &body),
            Answer::Normal { patch } => match normal(self, facts, patch.as_ref()) {
                Ok(NormalAnswer::Json(json)) => {
                    let mut response = Response::new(json.into());
                    response.headers_mut().insert(
                        warp::http::header::CONTENT_TYPE,
                        HeaderValue::from_static("application/json"),
                    );
                    response
                }
                Ok(NormalAnswer::Value(mut answer)) => {
                    if let Some(patch) = &patch {
                        merge_patch(&mut answer, patch);
                    }
                    json_response(StatusCode::OK, &answer)
                }
                Err(error) => error.into_response(&ctx.request_id),
            },
        };
        for (name, value) in decision.headers {
            response.headers_mut().insert(name, value);
        }
        response.extensions_mut().insert(Answered {
            scenario: decision.scenario,
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
