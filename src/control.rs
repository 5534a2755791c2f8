//! The control plane under `/__mock`: health, the scenario list and reload, per-session
//! scenario selection and states, resets, the request journal, and the OpenAPI document of
//! everything the mock serves. Reads and resets state; never answers as Dfns. Errors use the
//! same JSON error shape as the API.

use std::collections::HashMap;
use std::fmt::Display;
use std::sync::Arc;

use bytes::Bytes;
use serde::{Serialize, Serializer};
use serde_json::{json, Value};
use warp::http::StatusCode;
use warp::reply::Response;
use warp::{Filter, Rejection, Reply};

use crate::app::App;
use crate::body::{raw_body, BodyError};
use crate::context::{request_context, RequestContext};
use crate::dfns::body::parse_json;
use crate::dfns::error::{json_response, ApiError};
use crate::scenario::model::STARTED;
use crate::session::SessionKey;

/// OpenAPI 3.1 of every route the mock serves (`GET /__mock/openapi.json`), compiled in;
/// `tests/openapi.rs` keeps it and the routes in step.
const OPENAPI: &str = include_str!("../openapi/openapi.json");

/// Every control-plane route.
pub(crate) fn filter(
    app: Arc<App>,
) -> impl Filter<Extract = (Response,), Error = Rejection> + Clone {
    let app_filter = app.clone();
    let with_app = warp::any().map(move || app.clone());
    let health = warp::path!("__mock" / "health")
        .and(warp::get())
        .and(with_app.clone())
        .map(|app: Arc<App>| json_response(StatusCode::OK, &health(&app)));
    let openapi = warp::path!("__mock" / "openapi.json")
        .and(warp::get())
        .map(|| {
            warp::reply::with_header(OPENAPI, "content-type", "application/json").into_response()
        });
    let scenarios = warp::path!("__mock" / "scenarios")
        .and(warp::get())
        .and(with_app.clone())
        .map(|app: Arc<App>| json_response(StatusCode::OK, &list_scenarios(&app)));
    let reload = warp::path!("__mock" / "scenarios" / "reload")
        .and(warp::post())
        .and(with_app.clone())
        .and(request_context())
        .then(|app: Arc<App>, ctx: RequestContext| async move {
            match app.scenarios.reload().await {
                Ok(_) => json_response(StatusCode::OK, &list_scenarios(&app)),
                Err(problems) => {
                    let problems: Vec<String> = problems.iter().map(ToString::to_string).collect();
                    ApiError::new(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        format!(
                            "scenario files have errors; the last good set stays: {}",
                            problems.join("; ")
                        ),
                    )
                    .detail("problems", problems)
                    .into_response(&ctx.request_id)
                }
            }
        });
    let sessions = warp::path!("__mock" / "sessions")
        .and(warp::get())
        .and(with_app.clone())
        .map(|app: Arc<App>| {
            let keys: Vec<String> = app.sessions.keys().into_iter().map(|k| k.0).collect();
            json_response(StatusCode::OK, &json!({ "sessions": keys }))
        });
    let session = warp::path!("__mock" / "sessions" / String)
        .and(warp::get())
        .and(with_app.clone())
        .and(request_context())
        .map(|key: String, app: Arc<App>, ctx: RequestContext| {
            respond(&ctx, path_key(&key).map(|key| session_view(&app, &key)))
        });
    let set_scenario = session_update(
        warp::path!("__mock" / "sessions" / String / "scenario"),
        app_filter.clone(),
        set_active_scenario,
    );
    let set_state = session_update(
        warp::path!("__mock" / "sessions" / String / "states"),
        app_filter,
        set_scenario_state,
    );
    let reset_session = warp::path!("__mock" / "sessions" / String / "reset")
        .and(warp::post())
        .and(with_app.clone())
        .and(request_context())
        .map(|key: String, app: Arc<App>, ctx: RequestContext| {
            let reset = path_key(&key).map(|key| {
                app.sessions.reset(&key);
                session_view(&app, &key)
            });
            respond(&ctx, reset)
        });
    let reset_all = warp::path!("__mock" / "reset")
        .and(warp::post())
        .and(with_app.clone())
        .map(|app: Arc<App>| {
            app.sessions.reset_all();
            app.issuer.reset();
            app.journal.clear(None);
            json_response(StatusCode::OK, &json!({ "reset": true }))
        });
    let journal = warp::path!("__mock" / "journal")
        .and(warp::get())
        .and(with_app.clone())
        .and(warp::query::<HashMap<String, String>>())
        .and(request_context())
        .map(
            |app: Arc<App>, query: HashMap<String, String>, ctx: RequestContext| {
                let limit = match query.get("limit").map(|l| l.parse::<usize>()) {
                    None => None,
                    Some(Ok(n)) => Some(n),
                    Some(Err(_)) => {
                        return ApiError::new(
                            StatusCode::BAD_REQUEST,
                            "limit: must be a non-negative integer",
                        )
                        .detail("field", "limit")
                        .into_response(&ctx.request_id)
                    }
                };
                let entries = app
                    .journal
                    .list(query.get("session").map(String::as_str), limit);
                json_response(StatusCode::OK, &json!({ "entries": entries }))
            },
        );
    let clear_journal = warp::path!("__mock" / "journal")
        .and(warp::delete())
        .and(with_app)
        .and(warp::query::<HashMap<String, String>>())
        .map(|app: Arc<App>, query: HashMap<String, String>| {
            app.journal.clear(query.get("session").map(String::as_str));
            json_response(StatusCode::OK, &json!({ "cleared": true }))
        });
    health
        .or(openapi)
        .unify()
        .or(scenarios)
        .unify()
        .or(reload)
        .unify()
        .or(sessions)
        .unify()
        .or(session)
        .unify()
        .or(set_scenario)
        .unify()
        .or(set_state)
        .unify()
        .or(reset_session)
        .unify()
        .or(reset_all)
        .unify()
        .or(journal)
        .unify()
        .or(clear_journal)
        .unify()
}

/// A change to one session's state from a JSON body; the path gave the session key.
type SessionUpdate = fn(&App, SessionKey, Value) -> Result<Value, ApiError>;

/// `PUT` on `path` (which extracts the session key): reads the body and answers `update`.
fn session_update(
    path: impl Filter<Extract = (String,), Error = Rejection> + Clone,
    app: Arc<App>,
    update: SessionUpdate,
) -> impl Filter<Extract = (Response,), Error = Rejection> + Clone {
    path.and(warp::put())
        .and(warp::any().map(move || app.clone()))
        .and(request_context())
        .and(raw_body())
        .map(
            move |key: String,
                  app: Arc<App>,
                  ctx: RequestContext,
                  ct: Option<String>,
                  body: Result<Bytes, BodyError>| {
                let body = parse_json(ct.as_deref(), &body);
                respond(
                    &ctx,
                    path_key(&key).and_then(|key| body.and_then(|body| update(&app, key, body))),
                )
            },
        )
}

/// `GET /__mock/health`, serialized straight from the parts (fields in the order their
/// names sort, as the answer has always been written).
#[derive(Serialize)]
struct Health<'a> {
    clock: &'a crate::clock::Clock,
    issuer: &'a str,
    now: String,
    #[serde(serialize_with = "scenario_names")]
    scenarios: Arc<crate::scenario::load::ScenarioSet>,
    sources: Sources<'a>,
    status: &'static str,
    version: &'static str,
}

/// Where fixtures and scenarios came from.
#[derive(Serialize)]
struct Sources<'a> {
    #[serde(serialize_with = "displayed")]
    fixtures: &'a crate::bundled::Origin,
    #[serde(serialize_with = "displayed")]
    scenarios: &'a crate::bundled::Origin,
}

fn scenario_names<S: Serializer>(
    set: &Arc<crate::scenario::load::ScenarioSet>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_seq(set.iter_names())
}

fn displayed<S: Serializer>(
    value: &&crate::bundled::Origin,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_str(*value as &dyn Display)
}

fn health(app: &App) -> Health<'_> {
    Health {
        clock: &app.config.clock,
        issuer: app.issuer.default_issuer_url(),
        now: crate::clock::rfc3339(app.clock.unix()),
        scenarios: app.scenarios.current(),
        sources: Sources {
            fixtures: &app.fixtures,
            scenarios: app.scenarios.origin(),
        },
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
    }
}

fn list_scenarios(app: &App) -> Value {
    let set = app.scenarios.current();
    let scenarios: Vec<Value> = set
        .iter()
        .map(|s| json!({ "name": s.name, "description": s.description, "file": s.file, "rules": s.rules.len() }))
        .collect();
    json!({ "scenarios": scenarios })
}

fn session_view(app: &App, key: &SessionKey) -> Value {
    app.sessions.read(key, |state| json!({
        "session": key.0,
        "activeScenario": state.active_scenario,
        "scenarioStates": state.scenario_states,
        "ruleHits": state.rule_hits,
        "challenges": state.challenges,
        "users": state.users.values().map(|u| json!({
            "id": u.id,
            "username": u.username,
            "orgId": u.org_id,
            "credentials": u.credentials.iter().map(|c| json!({
                "uuid": c.uuid, "kind": c.kind(), "name": c.name, "credId": c.cred_id(), "signCount": c.sign_count(),
                "isActive": c.active,
            })).collect::<Vec<_>>(),
            "wallets": u.wallets.iter().map(|w| json!({
                "id": w.id, "network": w.chain.network, "address": w.chain.address(),
                "publicKey": w.chain.key.public_key_hex(),
                "signatures": state.signatures.get(&w.id).into_iter().flat_map(|k| k.iter()).map(|s| json!({
                    "id": s.id, "requestBody": s.request_body, "signature": s.signature,
                    "date": crate::clock::rfc3339(s.date),
                })).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "pendingCodes": state.pending_codes,
    }))
}

/// The scenario `name`, or a 400 on `field` listing the known ones.
fn find_scenario(
    app: &App,
    field: &str,
    name: &str,
) -> Result<std::sync::Arc<crate::scenario::model::Scenario>, ApiError> {
    app.scenarios.get(name).map_err(|unknown| {
        ApiError::invalid_field(field, unknown.to_string()).detail("known", unknown.known)
    })
}

/// `PUT /__mock/sessions/{key}/scenario` with `{"name": "…"}` (or `null` to clear).
fn set_active_scenario(app: &App, key: SessionKey, body: Value) -> Result<Value, ApiError> {
    let name = match body.get("name") {
        Some(Value::String(name)) => Some(name.clone()),
        Some(Value::Null) => None,
        _ => {
            return Err(ApiError::invalid_field(
                "name",
                "must be a scenario name or null",
            ))
        }
    };
    if let Some(name) = &name {
        find_scenario(app, "name", name)?;
    }
    app.sessions
        .with(&key, |state| state.active_scenario = name);
    Ok(session_view(app, &key))
}

/// `PUT /__mock/sessions/{key}/states` with `{"scenario": "…", "state": "…"}`.
fn set_scenario_state(app: &App, key: SessionKey, body: Value) -> Result<Value, ApiError> {
    let Some(scenario) = body.get("scenario").and_then(Value::as_str) else {
        return Err(ApiError::invalid_field("scenario", "is required"));
    };
    let Some(state) = body.get("state").and_then(Value::as_str) else {
        return Err(ApiError::invalid_field("state", "is required"));
    };
    let found = find_scenario(app, "scenario", scenario)?;
    let known: Vec<&str> = std::iter::once(STARTED)
        .chain(
            found
                .rules
                .iter()
                .filter_map(|r| r.new_scenario_state.as_deref()),
        )
        .collect();
    if !known.contains(&state) {
        return Err(ApiError::invalid_field(
            "state",
            format!(
                "`{state}` is not a state of `{scenario}` (states: {})",
                known.join(", ")
            ),
        ));
    }
    app.sessions.with(&key, |s| {
        s.scenario_states
            .insert(scenario.to_string(), state.to_string());
    });
    Ok(session_view(app, &key))
}

/// The session key of a `/__mock/sessions/{key}` path: the segment percent-decoded, so
/// that `encodeURIComponent(key)` reaches the session of `X-Dfns-Mock-Session: key`.
fn path_key(segment: &str) -> Result<SessionKey, ApiError> {
    match percent_encoding::percent_decode_str(segment).decode_utf8() {
        Ok(key) => Ok(SessionKey(key.into_owned())),
        Err(_) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "the session key in the path is not UTF-8 once percent-decoded",
        )
        .detail("parameter", "key")),
    }
}

fn respond(ctx: &RequestContext, result: Result<Value, ApiError>) -> Response {
    match result {
        Ok(body) => json_response(StatusCode::OK, &body),
        Err(err) => err.into_response(&ctx.request_id),
    }
}
