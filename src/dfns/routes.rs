//! HTTP surface of the Dfns API under `/auth`. Each route matches by path and method
//! only, then answers through the scenario engine, every outcome in the Dfns error shape.

use std::sync::Arc;

use bytes::Bytes;
use warp::http::StatusCode;
use warp::reply::Response;
use warp::{Filter, Rejection};

use serde_json::Value;

use super::error::ApiError;
use super::registration::SocialRequest;
use super::scripted::Incoming;
use super::DfnsApi;
use crate::body::{raw_body, BodyError};
use crate::context::{request_context, RequestContext};
use crate::oidc::verify::IdTokenError;

/// Every Dfns route.
pub fn filter(api: Arc<DfnsApi>) -> impl Filter<Extract = (Response,), Error = Rejection> + Clone {
    let with_api = warp::any().map(move || api.clone());
    warp::path!("auth" / "registration" / "social")
        .and(warp::post())
        .and(with_api)
        .and(request_context())
        .and(raw_body())
        .then(
            |api: Arc<DfnsApi>,
             ctx: RequestContext,
             content_type: Option<String>,
             body: Result<Bytes, BodyError>| async move {
                api.scripted(
                    "POST /auth/registration/social",
                    &ctx,
                    content_type.as_deref(),
                    &body,
                    social_registration,
                )
                .await
            },
        )
}

/// `POST /auth/registration/social`.
fn social_registration(api: &DfnsApi, incoming: &Incoming) -> Result<Value, ApiError> {
    let request = SocialRequest::parse(incoming.body.as_ref().map_err(Clone::clone)?)?;
    let token = match &incoming.id_token {
        Some(Ok(token)) => token,
        Some(Err(err)) => return Err(id_token_error(err)),
        None => return Err(ApiError::invalid_field("idToken", "is required")),
    };
    let who = api.identity(token, request.org_id.as_deref());
    Ok(api.social_registration_challenge(
        &incoming.session,
        &who,
        api.clock.unix(),
        incoming.patch.as_ref(),
    ))
}

/// A rejected idToken as the Dfns API answers it: 401 naming the failed check.
fn id_token_error(err: &IdTokenError) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, err.to_string())
        .detail("field", "idToken")
        .detail("check", err.check())
}
