//! What every handler learns from the request's headers: its id, its session, the
//! scenario it asks for, and the public base URL it was addressed to.

use warp::http::HeaderMap;
use warp::Filter;

use crate::session::{SessionKey, SESSION_HEADER};

/// Header that selects the scenario answering a request.
pub(crate) const SCENARIO_HEADER: &str = "x-dfns-mock-scenario";
/// Header carrying the request id (set by the serving stack, echoed in responses).
pub(crate) const REQUEST_ID_HEADER: &str = "x-request-id";

/// Per-request facts taken from headers.
#[derive(Debug, Clone)]
pub(crate) struct RequestContext {
    /// `X-Request-ID`, also the `error.id` of error bodies.
    pub(crate) request_id: String,
    /// `X-Dfns-Mock-Session`, or the default session.
    pub(crate) session: SessionKey,
    /// Whether the session came from the header (else an idToken claim may name it).
    pub(crate) session_from_header: bool,
    /// The request's headers (for scenario matchers and handlers: see [`RequestContext::header`]).
    pub(crate) headers: HeaderMap,
    /// `X-Dfns-Mock-Scenario`, when given.
    pub(crate) scenario: Option<String>,
    /// `scheme://host[:port]` the client used, from `X-Forwarded-Proto`,
    /// `X-Forwarded-Host` and `Host`.
    pub(crate) base_url: String,
}

impl RequestContext {
    /// Reads the context from headers.
    pub(crate) fn from_headers(headers: &HeaderMap) -> RequestContext {
        RequestContext::of(headers.clone())
    }

    /// Reads the context from headers it keeps.
    fn of(headers: HeaderMap) -> RequestContext {
        let get = |name: &str| {
            let value = headers.get(name)?.to_str().ok()?;
            Some(value.split(',').next().unwrap_or("").trim()).filter(|v| !v.is_empty())
        };
        let proto = get("x-forwarded-proto").unwrap_or("http");
        let host = get("x-forwarded-host")
            .or_else(|| get("host"))
            .unwrap_or("localhost");
        let session = get(SESSION_HEADER);
        RequestContext {
            request_id: get(REQUEST_ID_HEADER).unwrap_or("0").to_string(),
            session: SessionKey::from_header(session),
            session_from_header: session.is_some(),
            scenario: get(SCENARIO_HEADER).map(String::from),
            base_url: format!("{proto}://{host}"),
            headers,
        }
    }

    /// The header `name` (lowercase), its last value that is text when it is repeated.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        header_value(&self.headers, name)
    }
}

/// The header `name` (lowercase) of `headers`, its last value that is text when it is
/// repeated.
pub(crate) fn header_value<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    (headers.get_all(name).iter())
        .filter_map(|v| v.to_str().ok())
        .next_back()
}

/// A filter extracting the [`RequestContext`]; it never rejects.
pub(crate) fn request_context(
) -> impl Filter<Extract = (RequestContext,), Error = std::convert::Infallible> + Clone {
    warp::header::headers_cloned().map(RequestContext::of)
}

#[cfg(test)]
mod tests {
    use super::*;
    use warp::http::HeaderValue;

    #[test]
    fn a_repeated_header_reads_as_its_last_text_value() {
        let mut headers = HeaderMap::new();
        headers.append("x-team", HeaderValue::from_static("first"));
        headers.append("x-team", HeaderValue::from_static("last"));
        headers.append("x-team", HeaderValue::from_bytes(b"\xff").unwrap());
        let ctx = RequestContext::from_headers(&headers);
        assert_eq!(ctx.header("x-team"), Some("last"));
        assert_eq!(ctx.header("x-other"), None);
        assert_eq!(ctx.header("not a header name"), None);
    }
}
