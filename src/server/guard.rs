//! Protection of the control plane (`/__mock/…`) from web pages and foreign networks: the
//! `Host` must be a name the mock is reached by (against DNS rebinding), CORS allows only
//! `control_origins` there (never `*`), a state-changing request must carry a JSON content
//! type or an `X-Dfns-Mock-*` header (so a cross-site form or `text/plain` fetch, which a
//! browser sends without asking, cannot run), and with `admin_token` set it must carry the
//! token. `/__mock/health` is open to any caller (probes send any `Host`).
//!
//! The Dfns and issuer endpoints pass untouched under the configured `cors_origins`.

use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::{Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use tower::{Layer, Service};
use tower_http::cors::{Cors, CorsLayer};

use super::{cors, BoxError, ResponseBody};
use crate::config::Config;
use crate::context::REQUEST_ID_HEADER;
use crate::dfns::error::ApiError;
use crate::session::{MAX_SESSION_KEY_BYTES, SESSION_HEADER};

/// The path prefix of the control plane.
pub const CONTROL_PREFIX: &str = "/__mock/";
/// The header that carries `admin_token` (besides `Authorization: Bearer`).
pub const ADMIN_TOKEN_HEADER: &str = "x-dfns-mock-admin-token";
/// A header with no meaning but "sent by a program": enough for a state-changing request.
pub const CONTROL_HEADER: &str = "x-dfns-mock-control";
/// Headers of this prefix mark a request as sent by a program, not a cross-site page.
pub const MOCK_HEADER_PREFIX: &str = "x-dfns-mock-";

/// Who may use the control plane.
#[derive(Debug, Clone)]
pub struct ControlPolicy {
    any_host: bool,
    hosts: Vec<String>,
    bind: IpAddr,
    admin_token: Option<String>,
}

impl ControlPolicy {
    /// The policy of `config`.
    pub fn new(config: &Config) -> ControlPolicy {
        let public_host = config
            .public_url
            .as_deref()
            .and_then(|url| url.parse::<http::Uri>().ok())
            .and_then(|uri| uri.host().map(normalize));
        let hosts = config
            .allowed_hosts
            .iter()
            .chain(config.tls.hosts.iter())
            .map(|h| normalize(h))
            .chain(public_host)
            .collect();
        ControlPolicy {
            any_host: config.allowed_hosts.iter().any(|h| h == "*"),
            hosts,
            bind: config.bind,
            admin_token: config.admin_token.clone(),
        }
    }

    /// Whether `host` (without its port) is a name the mock is reached by.
    pub fn host_allowed(&self, host: &str) -> bool {
        let host = normalize(host);
        if self.any_host || host == "localhost" || host.ends_with(".localhost") {
            return true;
        }
        let ip_allowed = host
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback() || (!self.bind.is_unspecified() && ip == self.bind));
        ip_allowed || self.hosts.contains(&host)
    }

    /// Why `request` may not use the control plane, if it may not.
    fn refusal<B>(&self, request: &Request<B>) -> Option<ApiError> {
        let host = request
            .uri()
            .host()
            .map(str::to_string)
            .or_else(|| {
                let value = request.headers().get(http::header::HOST)?.to_str().ok()?;
                let authority = value.parse::<http::uri::Authority>().ok()?;
                Some(authority.host().to_string())
            })
            .unwrap_or_default();
        if !self.host_allowed(&host) {
            return Some(
                ApiError::new(
                    StatusCode::FORBIDDEN,
                    format!(
                        "the control plane answers only the names the mock is reached by, not `{host}`; add it to allowed_hosts (DFNS_MOCK_ALLOWED_HOSTS)"
                    ),
                )
                .detail("host", host),
            );
        }
        if let Some(expected) = &self.admin_token {
            let headers = request.headers();
            let given = headers
                .get(ADMIN_TOKEN_HEADER)
                .and_then(|v| v.to_str().ok())
                .or_else(|| {
                    headers
                        .get(http::header::AUTHORIZATION)?
                        .to_str()
                        .ok()?
                        .strip_prefix("Bearer ")
                });
            if !given.is_some_and(|g| constant_time_eq(g.trim().as_bytes(), expected.as_bytes())) {
                return Some(ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "the control plane needs the admin token: `Authorization: Bearer <admin_token>` or `X-Dfns-Mock-Admin-Token: <admin_token>`",
                ));
            }
        }
        let safe = matches!(
            *request.method(),
            Method::GET | Method::HEAD | Method::OPTIONS
        );
        let headers = request.headers();
        let json = crate::body::is_json_content_type(
            headers
                .get(http::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok()),
        );
        let own_header = headers
            .keys()
            .any(|k| k.as_str().starts_with(MOCK_HEADER_PREFIX));
        if !safe && !json && !own_header {
            return Some(ApiError::new(
                StatusCode::FORBIDDEN,
                "a state-changing control-plane request needs `Content-Type: application/json` or an `X-Dfns-Mock-*` header (e.g. `X-Dfns-Mock-Control: 1`), so that no web page can send it",
            ));
        }
        None
    }
}

/// `host` lower-cased, without IPv6 brackets or a trailing dot.
fn normalize(host: &str) -> String {
    host.trim_matches(['[', ']'])
        .trim_end_matches('.')
        .to_ascii_lowercase()
}

/// Compares without stopping at the first difference.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The layer of [`Planes`].
#[derive(Clone)]
pub struct PlanesLayer {
    api: CorsLayer,
    control: CorsLayer,
    policy: Arc<ControlPolicy>,
}

impl PlanesLayer {
    /// `cors_origins` for the API, `control_origins` and the [`ControlPolicy`] for `/__mock`.
    pub fn new(config: &Config) -> PlanesLayer {
        PlanesLayer {
            api: cors(&config.cors_origins),
            control: cors(&config.control_origins),
            policy: Arc::new(ControlPolicy::new(config)),
        }
    }
}

impl<S: Clone> Layer<S> for PlanesLayer {
    type Service = Planes<S>;

    fn layer(&self, inner: S) -> Planes<S> {
        let guarded = Guarded {
            inner,
            policy: self.policy.clone(),
        };
        Planes {
            api: self.api.layer(guarded.clone()),
            control: self.control.layer(guarded),
        }
    }
}

/// Sends `/__mock/…` through the control plane's CORS and guard, the rest through the API's.
#[derive(Clone)]
pub struct Planes<S> {
    api: Cors<Guarded<S>>,
    control: Cors<Guarded<S>>,
}

impl<S, B> Service<Request<B>> for Planes<S>
where
    S: Service<Request<B>, Response = Response<ResponseBody>> + Clone,
    S::Future: Send + 'static,
{
    type Response = Response<ResponseBody>;
    type Error = S::Error;
    type Future = <Cors<Guarded<S>> as Service<Request<B>>>::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        match self.api.poll_ready(cx)? {
            Poll::Ready(()) => self.control.poll_ready(cx),
            Poll::Pending => Poll::Pending,
        }
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        if is_control(request.uri().path()) {
            self.control.call(request)
        } else {
            self.api.call(request)
        }
    }
}

/// 400 for a request whose session key, in `X-Dfns-Mock-Session` or in a control-plane
/// path `/__mock/sessions/{key}/…`, is longer than a session key may be, on every plane,
/// before any state is kept for it.
fn session_key_refusal<B>(request: &Request<B>) -> Option<ApiError> {
    let too_long = |len: usize, name: &str| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            format!(
                "{name} is {len} bytes long; a session key has at most {MAX_SESSION_KEY_BYTES}"
            ),
        )
    };
    if let Some(header) = request.headers().get(SESSION_HEADER) {
        if header.len() > MAX_SESSION_KEY_BYTES {
            return Some(
                too_long(header.len(), "X-Dfns-Mock-Session").detail("header", SESSION_HEADER),
            );
        }
    }
    let segment = request.uri().path().strip_prefix("/__mock/sessions/")?;
    let segment = segment.split('/').next().unwrap_or_default();
    // The key is the segment percent-decoded (see `control::path_key`).
    let len = percent_encoding::percent_decode_str(segment).count();
    (len > MAX_SESSION_KEY_BYTES)
        .then(|| too_long(len, "The session key in the path").detail("parameter", "key"))
}

fn is_control(path: &str) -> bool {
    path.starts_with(CONTROL_PREFIX) || path == "/__mock"
}

/// Refuses control-plane requests the [`ControlPolicy`] does not allow.
#[derive(Clone)]
pub struct Guarded<S> {
    inner: S,
    policy: Arc<ControlPolicy>,
}

impl<S, B> Service<Request<B>> for Guarded<S>
where
    S: Service<Request<B>, Response = Response<ResponseBody>>,
    S::Future: Send + 'static,
{
    type Response = Response<ResponseBody>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let path = request.uri().path();
        let checked = is_control(path) && path != "/__mock/health";
        let refusal = session_key_refusal(&request)
            .or_else(|| checked.then(|| self.policy.refusal(&request)).flatten());
        if let Some(error) = refusal {
            let id = request
                .headers()
                .get(REQUEST_ID_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("0");
            let response = error.into_response(id);
            let (parts, body) = response.into_parts();
            return Box::pin(async move {
                let bytes = body
                    .collect()
                    .await
                    .map(|c| c.to_bytes())
                    .unwrap_or_default();
                Ok(Response::from_parts(
                    parts,
                    Full::new(bytes)
                        .map_err(|never| -> BoxError { match never {} })
                        .boxed_unsync(),
                ))
            });
        }
        let future = self.inner.call(request);
        Box::pin(future)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_names_configured_names_and_the_public_host_are_allowed() {
        let config = Config {
            allowed_hosts: vec!["dfns-mock".into()],
            public_url: Some("https://mock.example.test".into()),
            ..Config::default()
        };
        let policy = ControlPolicy::new(&config);
        for host in [
            "localhost",
            "app.localhost",
            "127.0.0.1",
            "127.1.2.3",
            "[::1]",
            "dfns-mock",
            "DFNS-MOCK",
            "mock.example.test",
        ] {
            assert!(policy.host_allowed(host), "{host}");
        }
        for host in ["evil.test", "10.0.0.7", "", "localhost.evil.test"] {
            assert!(!policy.host_allowed(host), "{host}");
        }
    }
}
