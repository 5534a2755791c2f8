//! HTTP surface of the issuer under `/oidc`: discovery, JWKS, the token endpoint (JSON
//! claims for tests, the authorization code grant for browsers) and the login page.
//! Errors here use the OAuth 2.0 shape `{"error","error_description"}` that OIDC clients read.

use std::sync::Arc;

use bytes::Bytes;
use serde_json::{json, Value};
use warp::http::StatusCode;
use warp::reply::Response;
use warp::{Filter, Rejection, Reply};

use super::authorize::{self, AuthorizeParams, TokenRequest};
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
        .and(with_issuer.clone())
        .and(request_context())
        .and(raw_body())
        .map(token);
    let authorize_page = warp::path!("oidc" / "authorize")
        .and(warp::get())
        .and(with_issuer.clone())
        .and(request_context())
        .and(raw_query())
        .map(|issuer: Arc<Issuer>, ctx: RequestContext, query: String| {
            authorize_get(&issuer, &ctx, &query)
        });
    let authorize_form = warp::path!("oidc" / "authorize")
        .and(warp::post())
        .and(with_issuer)
        .and(request_context())
        .and(raw_body())
        .map(
            |issuer: Arc<Issuer>,
             ctx: RequestContext,
             _ct: Option<String>,
             body: Result<Bytes, BodyError>| {
                match body {
                    Ok(body) => match serde_urlencoded::from_bytes::<AuthorizeParams>(&body) {
                        Ok(params) => sign_in(&issuer, &ctx, &params),
                        Err(e) => oauth_error(
                            StatusCode::BAD_REQUEST,
                            "invalid_request",
                            &format!("form: {e}"),
                        ),
                    },
                    Err(e) => oauth_error(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "invalid_request",
                        &e.to_string(),
                    ),
                }
            },
        );
    discovery
        .or(jwks)
        .unify()
        .or(token)
        .unify()
        .or(authorize_page)
        .unify()
        .or(authorize_form)
        .unify()
}

/// The raw query string (empty when there is none); never rejects.
fn raw_query() -> impl Filter<Extract = (String,), Error = std::convert::Infallible> + Clone {
    warp::query::raw().or_else(|_| async { Ok::<_, std::convert::Infallible>((String::new(),)) })
}

/// `GET /oidc/authorize`: the login page, or straight back to the client with `login_hint`.
fn authorize_get(issuer: &Issuer, ctx: &RequestContext, query: &str) -> Response {
    let params: AuthorizeParams = match serde_urlencoded::from_str(query) {
        Ok(params) => params,
        Err(e) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                &format!("query: {e}"),
            )
        }
    };
    if params.login_hint.as_deref().is_some_and(|h| !h.is_empty()) || params.validate().is_err() {
        // Signs in at once, or sends the client its error (or shows a 400 without a client).
        return sign_in(issuer, ctx, &params);
    }
    let page = authorize::login_page(&params, &issuer.issuer_url(&ctx.base_url));
    warp::reply::with_header(warp::reply::html(page), "cache-control", "no-store").into_response()
}

fn sign_in(issuer: &Issuer, ctx: &RequestContext, params: &AuthorizeParams) -> Response {
    // Errors go back to the client once its redirect_uri is known to be usable.
    if let Err(err) = params.validate_client() {
        return oauth_error(StatusCode::BAD_REQUEST, err.error, &err.description);
    }
    let location = issuer
        .sign_in(params, &ctx.base_url)
        .unwrap_or_else(|err| params.error_redirect(&err));
    match warp::http::HeaderValue::from_str(&location) {
        Ok(location) => {
            let mut response =
                warp::reply::with_status(warp::reply(), StatusCode::SEE_OTHER).into_response();
            response.headers_mut().insert("location", location);
            response.headers_mut().insert(
                "cache-control",
                warp::http::HeaderValue::from_static("no-store"),
            );
            response
        }
        Err(_) => oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "redirect_uri is not a valid URL",
        ),
    }
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
        Ok(_) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "body must be a JSON object of claims",
            )
        }
        Err(BodyError::UnsupportedMediaType(ct))
            if ct.starts_with("application/x-www-form-urlencoded") =>
        {
            let request = match body
                .as_ref()
                .map(|b| serde_urlencoded::from_bytes::<TokenRequest>(b))
            {
                Ok(Ok(request)) => request,
                _ => {
                    return oauth_error(
                        StatusCode::BAD_REQUEST,
                        "invalid_request",
                        "the form is not a token request",
                    )
                }
            };
            return match issuer.exchange_code(&request, &ctx.base_url) {
                Ok(answer) => json_reply(StatusCode::OK, &answer),
                Err(err) => oauth_error(StatusCode::BAD_REQUEST, err.error, &err.description),
            };
        }
        Err(BodyError::TooLarge) => {
            return oauth_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "invalid_request",
                &BodyError::TooLarge.to_string(),
            )
        }
        Err(err @ BodyError::UnsupportedMediaType(_)) => {
            return oauth_error(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "invalid_request",
                &err.to_string(),
            )
        }
        Err(err) => {
            return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", &err.to_string())
        }
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
