//! HTTP surface of the issuer under `/oidc`: discovery, JWKS and the token endpoint.
//! Errors here use the OAuth 2.0 shape `{"error","error_description"}` that OIDC clients read.

use std::sync::Arc;

use bytes::Bytes;
use serde_json::{json, Value};
use warp::http::StatusCode;
use warp::reply::Response;
use warp::{Filter, Rejection, Reply};

use super::Issuer;
use crate::body::{parse_json, raw_body, BodyError};
use crate::context::{request_context, RequestContext};

/// Every issuer route.
pub fn filter(
    issuer: Arc<Issuer>,
) -> impl Filter<Extract = (Response,), Error = Rejection> + Clone {
    let with_issuer = warp::any().map(move || issuer.clone());
    let discovery = warp::path!("oidc" / ".well-known" / "openid-configuration")
        .and(warp::get())
        .and(with_issuer.clone())
        .and(request_context())
        .map(|issuer: Arc<Issuer>, ctx: RequestContext| {
            json_reply(StatusCode::OK, &issuer.discovery(&ctx.base_url))
        });
    let jwks = warp::path!("oidc" / "jwks")
        .and(warp::get())
        .and(with_issuer.clone())
        .map(|issuer: Arc<Issuer>| json_reply(StatusCode::OK, &issuer.jwks()));
    let token = warp::path!("oidc" / "token")
        .and(warp::post())
        .and(with_issuer)
        .and(request_context())
        .and(raw_body())
        .map(token);
    discovery.or(jwks).unify().or(token).unify()
}

/// `POST /oidc/token`: a JSON object of claims in, `{id_token, token_type, expires_in}` out.
fn token(
    issuer: Arc<Issuer>,
    ctx: RequestContext,
    content_type: Option<String>,
    body: Result<Bytes, BodyError>,
) -> Response {
    let claims = match parse_json(content_type.as_deref(), &body) {
        Ok(Value::Object(claims)) => claims,
        Ok(_) => return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "body must be a JSON object of claims"),
        Err(BodyError::UnsupportedMediaType(ct)) if ct.starts_with("application/x-www-form-urlencoded") => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "the authorization code exchange is not available yet; POST a JSON object of claims",
            )
        }
        Err(BodyError::TooLarge) => return oauth_error(StatusCode::PAYLOAD_TOO_LARGE, "invalid_request", &BodyError::TooLarge.to_string()),
        Err(err @ BodyError::UnsupportedMediaType(_)) => return oauth_error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "invalid_request", &err.to_string()),
        Err(err) => return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", &err.to_string()),
    };
    match issuer.mint(claims, &issuer.issuer_url(&ctx.base_url)) {
        Ok(id_token) => json_reply(
            StatusCode::OK,
            &json!({ "id_token": id_token, "token_type": "Bearer", "expires_in": issuer.token_ttl_secs() }),
        ),
        Err(err) => oauth_error(StatusCode::BAD_REQUEST, "invalid_request", &err.to_string()),
    }
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    json_reply(
        status,
        &json!({ "error": error, "error_description": description }),
    )
}

fn json_reply(status: StatusCode, body: &Value) -> Response {
    warp::reply::with_status(warp::reply::json(body), status).into_response()
}
