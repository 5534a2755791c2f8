//! HTTP surface of the Dfns API under `/auth`. Each route matches by path and method
//! only, then answers through the scenario engine, every outcome in the Dfns error shape.

use std::sync::Arc;

use bytes::Bytes;
use warp::http::StatusCode;
use warp::reply::Response;
use warp::{Filter, Rejection};

use serde_json::Value;

use super::error::ApiError;
use super::scripted::Incoming;
use super::DfnsApi;
use crate::body::{raw_body, BodyError};
use crate::context::{request_context, RequestContext};

/// The normal logic of one endpoint.
type Normal = fn(&DfnsApi, &Incoming) -> Result<Value, ApiError>;

/// Every Dfns route.
pub fn filter(api: Arc<DfnsApi>) -> impl Filter<Extract = (Response,), Error = Rejection> + Clone {
    let social = warp::path!("auth" / "registration" / "social")
        .and(warp::post())
        .and(answer(
            api.clone(),
            "POST /auth/registration/social",
            social_registration,
        ));
    let enduser = warp::path!("auth" / "registration" / "enduser")
        .and(warp::post())
        .and(answer(
            api.clone(),
            "POST /auth/registration/enduser",
            |api, incoming| api.complete_registration(incoming, true),
        ));
    let register = warp::path!("auth" / "registration")
        .and(warp::post())
        .and(answer(
            api.clone(),
            "POST /auth/registration",
            |api, incoming| api.complete_registration(incoming, false),
        ));
    let social_login = warp::path!("auth" / "login" / "social")
        .and(warp::post())
        .and(answer(
            api.clone(),
            "POST /auth/login/social",
            DfnsApi::social_login,
        ));
    let login_init = warp::path!("auth" / "login" / "init")
        .and(warp::post())
        .and(answer(
            api.clone(),
            "POST /auth/login/init",
            DfnsApi::login_init,
        ));
    let login = warp::path!("auth" / "login").and(warp::post()).and(answer(
        api,
        "POST /auth/login",
        DfnsApi::login,
    ));
    social
        .or(enduser)
        .unify()
        .or(register)
        .unify()
        .or(social_login)
        .unify()
        .or(login_init)
        .unify()
        .or(login)
        .unify()
}

/// Reads the request and answers `endpoint` through the scenario engine with `normal`.
fn answer(
    api: Arc<DfnsApi>,
    endpoint: &'static str,
    normal: Normal,
) -> impl Filter<Extract = (Response,), Error = std::convert::Infallible> + Clone {
    warp::any()
        .map(move || api.clone())
        .and(request_context())
        .and(raw_body())
        .then(
            move |api: Arc<DfnsApi>,
                  ctx: RequestContext,
                  content_type: Option<String>,
                  body: Result<Bytes, BodyError>| async move {
                api.scripted(endpoint, &ctx, content_type.as_deref(), &body, normal)
                    .await
            },
        )
}

/// `POST /auth/registration/social`.
fn social_registration(api: &DfnsApi, incoming: &Incoming) -> Result<Value, ApiError> {
    let who = api.social_identity(incoming)?;
    if api
        .sessions
        .view(&incoming.session)
        .users
        .contains_key(&who.user_id)
    {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "User already exists.",
        ));
    }
    Ok(api.social_registration_challenge(
        &incoming.session,
        &who,
        api.clock.unix(),
        incoming.patch.as_ref(),
    ))
}
