//! Reading a JSON request body: the content-type check, then parsing with the parser's
//! line and column. Shared by the Dfns API and the issuer; each maps [`BodyError`] into
//! its own error shape.

use std::convert::Infallible;

use bytes::Bytes;
use serde_json::Value;
use warp::Filter;

/// Largest request body accepted (answered by a JSON 413 above it).
pub(crate) const MAX_BODY_BYTES: usize = 64 * 1024;

/// A body that is not usable JSON.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub(crate) enum BodyError {
    /// The content type is not JSON.
    #[error("content-type must be application/json, got {0}")]
    UnsupportedMediaType(String),
    /// The body is over [`MAX_BODY_BYTES`] or could not be read.
    #[error("request body is larger than {MAX_BODY_BYTES} bytes or could not be read")]
    TooLarge,
    /// The JSON does not parse.
    #[error("request body is not valid JSON: {message}")]
    Malformed {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What serde_json said.
        message: String,
    },
}

/// The request's content type and its whole body; never rejects, so a route that
/// matched by path and method always answers itself.
pub(crate) fn raw_body(
) -> impl Filter<Extract = (Option<String>, Result<Bytes, BodyError>), Error = Infallible> + Clone {
    warp::header::optional::<String>("content-type")
        .or_else(|_| async { Ok::<_, Infallible>((None,)) })
        .and(
            warp::body::bytes()
                .map(Ok)
                .or_else(|_| async { Ok::<_, Infallible>((Err(BodyError::TooLarge),)) }),
        )
}

/// True for `application/json` and `application/*+json`, parameters ignored.
pub(crate) fn is_json_content_type(content_type: Option<&str>) -> bool {
    let essence = content_type
        .map(|ct| {
            ct.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Parses a JSON request body.
pub(crate) fn parse_json(
    content_type: Option<&str>,
    body: &Result<Bytes, BodyError>,
) -> Result<Value, BodyError> {
    let body = body.as_ref().map_err(Clone::clone)?;
    if !is_json_content_type(content_type) {
        return Err(BodyError::UnsupportedMediaType(
            content_type.unwrap_or("(none)").to_string(),
        ));
    }
    serde_json::from_slice(body).map_err(|e| BodyError::Malformed {
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })
}
