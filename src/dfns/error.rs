//! The one error type of the Dfns API boundary and its JSON body:
//! `{"error":{"id","status","message","details"}}` (a superset of the 2024
//! `{"error":{"message"}}` that the SDK reads).

use serde_json::{json, Map, Value};

use crate::oidc::verify::IdTokenError;
use warp::http::StatusCode;
use warp::reply::Response;
use warp::Reply;

/// An error as the Dfns API answers it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ApiError {
    /// HTTP status.
    pub(crate) status: StatusCode,
    /// `error.message`, what `DfnsError.message` becomes in the SDK.
    pub(crate) message: String,
    /// `error.details`: which field or check failed, and how.
    pub(crate) details: Map<String, Value>,
}

impl ApiError {
    /// An error with empty details.
    pub(crate) fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
            details: Map::new(),
        }
    }

    /// 400 for a request body field, with `details.field` and `details.reason`.
    pub(crate) fn invalid_field(field: &str, reason: impl Into<String>) -> ApiError {
        let reason = reason.into();
        ApiError::new(StatusCode::BAD_REQUEST, format!("{field}: {reason}"))
            .detail("field", field)
            .detail("reason", reason)
    }

    /// Adds one entry to `details`.
    pub(crate) fn detail(mut self, key: &str, value: impl Into<Value>) -> ApiError {
        self.details.insert(key.to_string(), value.into());
        self
    }

    /// The JSON body, with `id` the request's id.
    pub(crate) fn body(&self, request_id: &str) -> Value {
        json!({
            "error": {
                "id": request_id,
                "status": self.status.as_u16(),
                "message": self.message,
                "details": self.details,
            }
        })
    }

    /// The HTTP response.
    pub(crate) fn into_response(self, request_id: &str) -> Response {
        warp::reply::with_status(warp::reply::json(&self.body(request_id)), self.status)
            .into_response()
    }
}

/// A JSON 200 (or other status) reply.
pub(crate) fn json_response(status: StatusCode, body: &impl serde::Serialize) -> Response {
    warp::reply::with_status(warp::reply::json(body), status).into_response()
}

impl From<crate::body::BodyError> for ApiError {
    /// 415 for a non-JSON content type, 413 for an oversized body, 400 with
    /// `details.line`/`details.column` for malformed JSON.
    fn from(err: crate::body::BodyError) -> ApiError {
        use crate::body::BodyError;
        match &err {
            BodyError::UnsupportedMediaType(shown) => {
                ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, err.to_string())
                    .detail("contentType", shown.clone())
            }
            BodyError::TooLarge => ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, err.to_string()),
            BodyError::Malformed {
                line,
                column,
                message,
            } => ApiError::new(StatusCode::BAD_REQUEST, err.to_string())
                .detail("line", *line)
                .detail("column", *column)
                .detail("reason", message.clone()),
        }
    }
}

/// A rejected idToken as the Dfns API answers it: 401 naming the failed check.
pub(crate) fn id_token_error(err: &IdTokenError) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, err.to_string())
        .detail("field", "idToken")
        .detail("check", err.check())
}

/// 401 when no registered user fits the request.
pub(crate) fn user_not_found() -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "User not found")
}

/// 401 when the user has no credential that answers the request.
pub(crate) fn no_usable_credential() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "User does not have a credential that can be used for the application.",
    )
}

/// 401 `Not Authorized.` (the Dfns message for a missing or invalid token): `reason` says
/// which token the request lacks.
pub(crate) fn not_authorized(reason: &str) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "Not Authorized.")
        .detail("field", "authorization")
        .detail("reason", reason)
}
