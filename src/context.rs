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
    /// Request headers, names lowercased (for scenario matchers).
    pub(crate) headers: std::collections::BTreeMap<String, String>,
    /// `X-Dfns-Mock-Scenario`, when given.
    pub(crate) scenario: Option<String>,
    /// `scheme://host[:port]` the client used, from `X-Forwarded-Proto`,
    /// `X-Forwarded-Host` and `Host`.
    pub(crate) base_url: String,
}

impl RequestContext {
    /// Reads the context from headers.
    pub(crate) fn from_headers(headers: &HeaderMap) -> RequestContext {
        let get = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(|v| v.split(',').next().unwrap_or("").trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let proto = get("x-forwarded-proto").unwrap_or_else(|| "http".into());
        let host = get("x-forwarded-host")
            .or_else(|| get("host"))
            .unwrap_or_else(|| "localhost".into());
        RequestContext {
            request_id: get(REQUEST_ID_HEADER).unwrap_or_else(|| "0".into()),
            session: SessionKey::from_header(get(SESSION_HEADER).as_deref()),
            session_from_header: get(SESSION_HEADER).is_some(),
            headers: headers
                .iter()
                .filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string())))
                .collect(),
            scenario: get(SCENARIO_HEADER),
            base_url: format!("{proto}://{host}"),
        }
    }
}

/// A filter extracting the [`RequestContext`]; it never rejects.
pub(crate) fn request_context(
) -> impl Filter<Extract = (RequestContext,), Error = std::convert::Infallible> + Clone {
    warp::header::headers_cloned().map(|headers: HeaderMap| RequestContext::from_headers(&headers))
}
