//! The serving stack: the Dfns API ([`dispatch`]) beside warp filters composed into one
//! tree (the issuer, the control plane, 404/405), wrapped in tower-http layers (request id,
//! CORS, body limit, panic catching) and a log line per request ([`request_log`]), and
//! served by hyper-util with graceful shutdown, over HTTP and, beside it on its own port,
//! HTTPS ([`tls`]).
//!
//! Owns every HTTP concern that is not an endpoint: unknown paths, wrong methods, and
//! plain-text answers of the layers, all turned into the Dfns error shape here; resolving
//! a Dfns request's facts, the journal layer and connection faults live in its submodules.

mod dispatch;
mod facts;
mod faults;
pub mod guard;
mod journaling;
pub mod limits;
mod redaction;
mod request_log;
pub mod tls;

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};

use tokio::sync::{oneshot, watch, OwnedSemaphorePermit, Semaphore};
use tower::{Service, ServiceBuilder};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::map_response_body::MapResponseBodyLayer;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use warp::filters::BoxedFilter;
use warp::Filter;

use crate::app::App;
use crate::body::MAX_BODY_BYTES;
use crate::config::Config;
use crate::context::{request_context, RequestContext, REQUEST_ID_HEADER, SCENARIO_HEADER};
use crate::dfns::error::ApiError;
use crate::endpoint::Endpoint;
use crate::session::{SessionKey, Sessions, SESSION_HEADER};
use facts::ResolveFacts;
use faults::{ConnectionControl, Faults, ResettableStream};
use journaling::Journaling;
use request_log::RequestLog;

pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The inner service of the body-reading layers ([`facts`], [`journaling`]): it takes a
/// whole body and is cloned per call (tower's ready-service rule).
trait WholeBodyService:
    Service<Request<Full<Bytes>>, Error = BoxError, Future: Send + 'static> + Clone + Send + 'static
{
    /// The ready service for this call, leaving a fresh clone in its place.
    fn take_ready(&mut self) -> Self {
        let clone = self.clone();
        std::mem::replace(self, clone)
    }
}

impl<S> WholeBodyService for S where
    S: Service<Request<Full<Bytes>>, Error = BoxError, Future: Send + 'static>
        + Clone
        + Send
        + 'static
{
}

type ResponseBody = UnsyncBoxBody<Bytes, BoxError>;

fn boxed_body<B>(body: B) -> ResponseBody
where
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    body.map_err(Into::into).boxed_unsync()
}

/// Every route besides the Dfns [`Endpoint`]s, for telling a wrong method (405) from an
/// unknown path (404).
const OTHER_ROUTES: &[(&str, &str)] = &[
    ("GET", "/oidc/.well-known/openid-configuration"),
    ("GET", "/oidc/jwks"),
    ("POST", "/oidc/token"),
    ("GET", "/oidc/authorize"),
    ("POST", "/oidc/authorize"),
    ("GET", "/__mock/health"),
    ("GET", "/__mock/openapi.json"),
    ("GET", "/__mock/scenarios"),
    ("POST", "/__mock/scenarios/reload"),
    ("GET", "/__mock/sessions"),
    ("GET", "/__mock/sessions/{key}"),
    ("PUT", "/__mock/sessions/{key}/scenario"),
    ("PUT", "/__mock/sessions/{key}/states"),
    ("POST", "/__mock/sessions/{key}/reset"),
    ("POST", "/__mock/reset"),
    ("GET", "/__mock/journal"),
    ("DELETE", "/__mock/journal"),
];

/// Request headers a browser may send cross-origin: the SDK's and the mock's own.
pub const CORS_ALLOWED_HEADERS: &[&str] = &[
    "content-type",
    "authorization",
    "x-dfns-sdk-version",
    "x-dfns-useraction",
    "x-dfns-appid",
    "x-dfns-nonce",
    "x-dfns-appsecret",
    SCENARIO_HEADER,
    SESSION_HEADER,
    guard::ADMIN_TOKEN_HEADER,
    guard::CONTROL_HEADER,
];

/// The filter tree of every route but the Dfns endpoints (answered by [`dispatch`]): the
/// issuer, the control plane, then a fallback that answers 404/405 as Dfns errors.
/// Each area is boxed: the tree is cloned for every request (the tower stack is, and `or`
/// clones its second branch), and a boxed filter clones as one reference count where the
/// areas' filters would clone every value their routes captured.
pub fn routes(app: &App) -> BoxedFilter<(warp::reply::Response,)> {
    let fallback = warp::method()
        .and(warp::path::full())
        .and(request_context())
        .map(no_route);
    crate::oidc::routes::filter(app.issuer.clone())
        .boxed()
        .or(crate::control::filter(Arc::new(app.clone())).boxed())
        .unify()
        .or(fallback.boxed())
        .unify()
        .boxed()
}

/// Every route the server answers, `(METHOD, /path)`, a `{name}` segment standing for any one
/// segment: the Dfns [`Endpoint`]s, the issuer's and the control plane's.
pub fn served_routes() -> impl Iterator<Item = (&'static str, &'static str)> {
    let dfns = Endpoint::ALL.iter().map(|e| (e.method_name(), e.path()));
    dfns.chain(OTHER_ROUTES.iter().copied())
}

fn no_route(
    method: Method,
    path: warp::path::FullPath,
    ctx: RequestContext,
) -> warp::reply::Response {
    let allowed: Vec<&str> = served_routes()
        .filter(|(_, p)| crate::endpoint::path_matches(p, path.as_str()))
        .map(|(m, _)| m)
        .collect();
    if allowed.is_empty() {
        ApiError::new(
            StatusCode::NOT_FOUND,
            format!("No route for {method} {}", path.as_str()),
        )
        .detail("path", path.as_str())
        .into_response(&ctx.request_id)
    } else {
        let mut response = ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            format!(
                "Method {method} is not allowed on {}; use {}",
                path.as_str(),
                allowed.join(", ")
            ),
        )
        .detail("allowed", allowed.clone())
        .into_response(&ctx.request_id);
        if let Ok(allow) = HeaderValue::from_str(&allowed.join(", ")) {
            response.headers_mut().insert(http::header::ALLOW, allow);
        }
        response
    }
}

/// A CORS policy: the given origins (`*` for any), the SDK's headers, `X-Request-ID` exposed.
fn cors(origins: &[String]) -> CorsLayer {
    let allow_origin = if origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()))
    };
    CorsLayer::new()
        .allow_origin(allow_origin)
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
            Method::OPTIONS,
        ])
        .allow_headers(
            CORS_ALLOWED_HEADERS
                .iter()
                .map(|h| http::HeaderName::from_static(h))
                .collect::<Vec<_>>(),
        )
        .expose_headers([
            http::HeaderName::from_static(REQUEST_ID_HEADER),
            http::header::RETRY_AFTER,
        ])
        .max_age(Duration::from_secs(600))
}

/// Request ids from the session's deterministic sequence (shared: cloned per request).
#[derive(Clone)]
struct SessionRequestIds(Arc<Sessions>);

impl MakeRequestId for SessionRequestIds {
    fn make_request_id<B>(&mut self, request: &Request<B>) -> Option<RequestId> {
        let session = request
            .headers()
            .get(SESSION_HEADER)
            .and_then(|v| v.to_str().ok());
        let id = self.0.next_request_id(&SessionKey::from_header(session));
        HeaderValue::from_str(&id).ok().map(RequestId::new)
    }
}

/// Turns the plain-text error answers of the layers (413 from the body limit, 500 from a
/// caught panic) into the Dfns error shape, carrying the request id.
#[derive(Clone)]
struct JsonErrors<S>(S);

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for JsonErrors<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    S::Future: Send + 'static,
    ResBody: http_body::Body<Data = Bytes> + Send + 'static,
    ResBody::Error: Into<BoxError>,
{
    type Response = Response<ResponseBody>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let id = request
            .headers()
            .get(REQUEST_ID_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("0")
            .to_string();
        let future = self.0.call(request);
        Box::pin(async move {
            let response = future.await?;
            let is_json = crate::body::is_json_content_type(
                response
                    .headers()
                    .get(http::header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok()),
            );
            let status = response.status();
            if is_json || !(status.is_client_error() || status.is_server_error()) {
                return Ok(response.map(boxed_body));
            }
            let message = match status {
                StatusCode::PAYLOAD_TOO_LARGE => {
                    format!("request body is larger than {MAX_BODY_BYTES} bytes")
                }
                StatusCode::INTERNAL_SERVER_ERROR => "Internal Server Error".to_string(),
                other => other.canonical_reason().unwrap_or("Error").to_string(),
            };
            let body = serde_json::to_vec(&ApiError::new(status, message).body(&id))
                .expect("JSON value serializes");
            let (mut parts, _) = response.into_parts();
            parts.headers.remove(http::header::CONTENT_LENGTH);
            parts.headers.insert(
                http::header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            Ok(Response::from_parts(
                parts,
                Full::new(Bytes::from(body))
                    .map_err(|never| match never {})
                    .boxed_unsync(),
            ))
        })
    }
}

/// A running server.
pub struct RunningServer {
    /// The address it listens on (the real port when 0 was asked for).
    pub addr: SocketAddr,
    /// The HTTPS address, with `tls.enabled`.
    pub tls_addr: Option<SocketAddr>,
    /// The certificate HTTPS serves, with `tls.enabled`.
    pub tls_cert: Option<std::path::PathBuf>,
    shutdown: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl RunningServer {
    /// Stops accepting, lets in-flight requests finish (up to `connections.shutdown_grace_ms`),
    /// closes idle connections, and returns.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.task).await;
    }

    /// Waits until the server stops (after a shutdown signal).
    pub async fn wait(mut self) {
        let _ = (&mut self.task).await;
    }

    /// Stops the server when `signal` completes.
    pub fn shutdown_on(&mut self, signal: impl Future<Output = ()> + Send + 'static) {
        if let Some(tx) = self.shutdown.take() {
            tokio::spawn(async move {
                signal.await;
                let _ = tx.send(());
            });
        }
    }
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// A port could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// HTTPS could not be set up.
    #[error(transparent)]
    Tls(#[from] tls::TlsError),
}

/// The sockets of a server, bound before the app is built so that the real ports of
/// `--port 0` are known to the configuration (and so to the issuer URL).
pub struct Listeners {
    http: TcpListener,
    https: Option<TcpListener>,
}

impl Listeners {
    /// Binds `bind:port`, and `bind:tls.port` with `tls.enabled`.
    pub async fn bind(config: &Config) -> Result<Listeners, StartError> {
        async fn one(addr: SocketAddr) -> Result<TcpListener, StartError> {
            TcpListener::bind(addr)
                .await
                .map_err(|source| StartError::Bind { addr, source })
        }
        let http = one(SocketAddr::new(config.bind, config.port)).await?;
        let https = match config.tls.enabled {
            true => Some(one(SocketAddr::new(config.bind, config.tls.port)).await?),
            false => None,
        };
        Ok(Listeners { http, https })
    }

    /// The HTTP address (the real port when 0 was asked for).
    pub fn http_addr(&self) -> SocketAddr {
        self.http
            .local_addr()
            .expect("a bound socket has an address")
    }

    /// The HTTPS address, when enabled.
    pub fn https_addr(&self) -> Option<SocketAddr> {
        self.https
            .as_ref()
            .map(|l| l.local_addr().expect("a bound socket has an address"))
    }

    /// Writes the real ports into `config`.
    pub fn record_ports(&self, config: &mut Config) {
        config.port = self.http_addr().port();
        if let Some(addr) = self.https_addr() {
            config.tls.port = addr.port();
        }
    }
}

/// Binds the configured addresses and serves `app` until shut down.
pub async fn start(app: App) -> Result<RunningServer, StartError> {
    let listeners = Listeners::bind(&app.config).await?;
    serve(app, listeners)
}

/// Serves `app` on `listeners` until shut down.
pub fn serve(app: App, listeners: Listeners) -> Result<RunningServer, StartError> {
    let addr = listeners.http_addr();
    let tls_addr = listeners.https_addr();
    let tls = match tls_addr {
        Some(_) => Some(tls::load(&app.config)?),
        None => None,
    };
    let tls_cert = tls.as_ref().map(|t| t.cert.clone());
    let Listeners { http, https } = listeners;
    let https = https.zip(tls.map(|t| t.acceptor));
    let limits = app.config.connections.clone();

    let service = ServiceBuilder::new()
        .layer(SetRequestIdLayer::x_request_id(SessionRequestIds(
            Arc::new(app.sessions.clone()),
        )))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer_fn(RequestLog)
        .layer(tower::layer::layer_fn(JsonErrors))
        .layer(CatchPanicLayer::new())
        .layer(guard::PlanesLayer::new(&app.config))
        .layer(MapResponseBodyLayer::new(boxed_body))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer_fn(|inner| limits::BodyDeadline {
            inner,
            limit: Duration::from_millis(limits.body_timeout_ms),
        })
        .service(ResolveFacts {
            inner: Journaling {
                inner: Faults(dispatch::Dispatch {
                    dfns: app.dfns.clone(),
                    other: warp::service(routes(&app)),
                }),
                journal: app.journal.clone(),
                redact: app.config.redacts_journal(),
            },
            dfns: app.dfns.clone(),
        });
    let watcher = (app.config.reload_interval_ms > 0)
        .then(|| {
            app.scenarios
                .watch(Duration::from_millis(app.config.reload_interval_ms))
        })
        .flatten();

    let (tx, mut rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let builder = limits::builder(&limits);
        let idle = Duration::from_millis(limits.idle_timeout_ms);
        // Every connection holds a receiver: `true` asks it to finish; all dropped, all closed.
        let (closing, _) = watch::channel(false);
        let slots = Arc::new(Semaphore::new(limits.max));
        // One connection: the fault control, and over TLS the handshake and the scheme.
        let connect = |stream: TcpStream,
                       tls: Option<tokio_rustls::TlsAcceptor>,
                       slot: OwnedSemaphorePermit| {
            let control = ConnectionControl::default();
            let activity = limits::Activity::default();
            let stream = limits::Tracked {
                inner: ResettableStream::new(stream, control.clone()),
                activity: activity.clone(),
            };
            let over_tls = tls.is_some();
            let counted = activity.clone();
            let service = ServiceBuilder::new()
                .map_request(move |mut request: Request<hyper::body::Incoming>| {
                    request.extensions_mut().insert(control.clone());
                    // The TLS port terminates TLS like a proxy in front of the mock would.
                    if over_tls && !request.headers().contains_key("x-forwarded-proto") {
                        request
                            .headers_mut()
                            .insert("x-forwarded-proto", HeaderValue::from_static("https"));
                    }
                    request
                })
                .layer_fn(|inner| limits::Counted {
                    inner,
                    activity: counted.clone(),
                })
                .service(service.clone());
            let (builder, closing) = (builder.clone(), closing.subscribe());
            let header_timeout = Duration::from_millis(limits.header_timeout_ms);
            tokio::spawn(async move {
                let _slot = slot;
                let conn = Connection {
                    closing,
                    activity,
                    idle,
                };
                match tls {
                    None => conn.serve(&builder, stream, service).await,
                    Some(acceptor) => {
                        let handshake =
                            tokio::time::timeout(header_timeout, acceptor.accept(stream));
                        if let Ok(Ok(stream)) = handshake.await {
                            conn.serve(&builder, stream, service).await;
                        }
                    }
                }
            });
        };
        let mut http_backoff = limits::AcceptBackoff::default();
        let mut https_backoff = limits::AcceptBackoff::default();
        loop {
            // Beyond `connections.max`, new clients wait in the listen backlog.
            let slot = tokio::select! {
                slot = slots.clone().acquire_owned() => slot.expect("the semaphore is never closed"),
                _ = &mut rx => break,
            };
            tokio::select! {
                accepted = http.accept() => match accepted {
                    Ok((stream, _peer)) => {
                        http_backoff.succeeded();
                        connect(stream, None, slot);
                    }
                    Err(error) => http_backoff.failed(&error).await,
                },
                accepted = accept_tls(&https) => match accepted {
                    Ok((stream, acceptor)) => {
                        https_backoff.succeeded();
                        connect(stream, Some(acceptor), slot);
                    }
                    Err(error) => https_backoff.failed(&error).await,
                },
                _ = &mut rx => break,
            }
        }
        drop(http);
        drop(https);
        if let Some(watcher) = watcher {
            watcher.abort();
        }
        let _ = closing.send(true);
        let grace = Duration::from_millis(limits.shutdown_grace_ms);
        if tokio::time::timeout(grace, closing.closed()).await.is_err() {
            tracing::warn!(
                ?grace,
                "in-flight requests did not finish within the grace period"
            );
        }
    });
    Ok(RunningServer {
        addr,
        tls_addr,
        tls_cert,
        shutdown: Some(tx),
        task,
    })
}

/// The next connection of the HTTPS port; never, without one.
async fn accept_tls(
    https: &Option<(TcpListener, tokio_rustls::TlsAcceptor)>,
) -> std::io::Result<(TcpStream, tokio_rustls::TlsAcceptor)> {
    match https {
        Some((listener, acceptor)) => Ok((listener.accept().await?.0, acceptor.clone())),
        None => std::future::pending().await,
    }
}

/// One accepted connection's ties to the server: the shutdown signal and its idle clock.
struct Connection {
    closing: watch::Receiver<bool>,
    activity: limits::Activity,
    idle: Duration,
}

impl Connection {
    /// Serves HTTP/1 or HTTP/2 until the client closes, the connection has been idle for
    /// `idle`, or the server shuts down; the last two finish in-flight requests first.
    async fn serve<I, S, B>(mut self, builder: &auto::Builder<TokioExecutor>, io: I, service: S)
    where
        I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
        S: Service<Request<hyper::body::Incoming>, Response = Response<B>> + Clone + Send + 'static,
        S::Future: Send + 'static,
        S::Error: Into<BoxError>,
        B: http_body::Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<BoxError>,
    {
        let connection = builder
            .serve_connection_with_upgrades(TokioIo::new(io), TowerToHyperService::new(service))
            .into_owned();
        tokio::pin!(connection);
        let idle = self.activity.idle_for(self.idle);
        tokio::pin!(idle);
        let mut finishing = false;
        loop {
            tokio::select! {
                _ = connection.as_mut() => return,
                _ = asked_to_close(&mut self.closing), if !finishing => {
                    connection.as_mut().graceful_shutdown();
                    finishing = true;
                }
                _ = &mut idle, if !finishing => {
                    connection.as_mut().graceful_shutdown();
                    finishing = true;
                }
            }
        }
    }
}

/// Completes once the server asks its connections to finish.
async fn asked_to_close(closing: &mut watch::Receiver<bool>) {
    while !*closing.borrow_and_update() {
        if closing.changed().await.is_err() {
            return;
        }
    }
}

/// Completes on SIGINT or SIGTERM. The handlers are installed when this is called, not when
/// the future is first polled, so a signal sent as soon as the server says it is listening
/// already shuts it down cleanly.
pub fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    let (interrupt, terminate) = {
        use tokio::signal::unix::{signal, SignalKind};
        (
            signal(SignalKind::interrupt()).ok(),
            signal(SignalKind::terminate()).ok(),
        )
    };
    async move {
        #[cfg(unix)]
        {
            let wait = |s: Option<tokio::signal::unix::Signal>| async move {
                match s {
                    Some(mut s) => {
                        s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                _ = wait(interrupt) => {},
                _ = wait(terminate) => {},
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
        tracing::info!("shutting down: finishing in-flight requests");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_panicking_handler_becomes_a_json_500_with_the_request_id() {
        let service = ServiceBuilder::new()
            .layer(tower::layer::layer_fn(JsonErrors))
            .layer(CatchPanicLayer::new())
            .service_fn(|_: Request<Full<Bytes>>| async move {
                if true {
                    panic!("handler bug");
                }
                Ok::<_, std::convert::Infallible>(Response::new(Full::new(Bytes::new())))
            });
        let request = Request::builder()
            .header(REQUEST_ID_HEADER, "42")
            .body(Full::new(Bytes::new()))
            .unwrap();
        let response = tower::ServiceExt::oneshot(service, request).await.unwrap();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(
            response.headers()[http::header::CONTENT_TYPE],
            "application/json"
        );
        let body = response.into_body().collect().await.unwrap().to_bytes();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            body,
            serde_json::json!({ "error": { "id": "42", "status": 500, "message": "Internal Server Error", "details": {} } })
        );
    }
}
