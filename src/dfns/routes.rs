//! HTTP surface of the Dfns API under `/auth`. Each route matches by path and method
//! only, then answers every outcome itself in the Dfns error shape.

use std::sync::Arc;

use bytes::Bytes;
use warp::http::StatusCode;
use warp::reply::Response;
use warp::{Filter, Rejection};

use super::body::parse_json;
use super::error::{json_response, ApiError};
use super::registration::SocialRequest;
use super::DfnsApi;
use crate::body::{raw_body, BodyError};
use crate::context::{request_context, RequestContext};

/// Every Dfns route.
pub fn filter(api: Arc<DfnsApi>) -> impl Filter<Extract = (Response,), Error = Rejection> + Clone {
    let with_api = warp::any().map(move || api.clone());
    warp::path!("auth" / "registration" / "social")
        .and(warp::post())
        .and(with_api)
        .and(request_context())
        .and(raw_body())
        .map(
            |api: Arc<DfnsApi>,
             ctx: RequestContext,
             content_type: Option<String>,
             body: Result<Bytes, BodyError>| {
                let result = social_registration(&api, &ctx, content_type.as_deref(), &body);
                respond(&ctx, result)
            },
        )
}

/// `POST /auth/registration/social`.
fn social_registration(
    api: &DfnsApi,
    ctx: &RequestContext,
    content_type: Option<&str>,
    body: &Result<Bytes, BodyError>,
) -> Result<serde_json::Value, ApiError> {
    let request = SocialRequest::parse(&parse_json(content_type, body)?)?;
    let token = api
        .issuer
        .verify(&request.id_token, &ctx.base_url)
        .map_err(|err| {
            ApiError::new(StatusCode::UNAUTHORIZED, err.to_string())
                .detail("field", "idToken")
                .detail("check", err.check())
        })?;
    let who = api.identity(&token, request.org_id.as_deref());
    Ok(api.social_registration_challenge(&ctx.session, &who, api.clock.unix()))
}

fn respond(ctx: &RequestContext, result: Result<serde_json::Value, ApiError>) -> Response {
    match result {
        Ok(body) => json_response(StatusCode::OK, &body),
        Err(err) => err.into_response(&ctx.request_id),
    }
}
