//! Connection limits of both listeners: the cap on open connections, the back-off after a
//! failed `accept` (EMFILE), the deadline of a request body, and the idle timeout of a
//! connection. The header timeout and the HTTP/2 limits are hyper's, set in [`builder`].
//!
//! Knows nothing of routes or answers: a body past its deadline fails with [`BodyTimeout`],
//! which the journal layer answers as a 408.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::Request;
use http_body::{Body, Frame, SizeHint};
use hyper_util::rt::{TokioExecutor, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};
use tower::Service;

use super::BoxError;
use crate::config::ConnectionsConfig;

/// Streams an HTTP/2 client may open at once on one connection.
pub const HTTP2_MAX_STREAMS: u32 = 200;
/// Bytes of headers one HTTP/2 request may carry (hyper's HTTP/1 head limit is similar).
pub const HTTP2_MAX_HEADER_LIST: u32 = 64 * 1024;

/// The connection builder: HTTP/1 header timeout, HTTP/2 stream and header limits, and
/// keep-alive pings that drop HTTP/2 peers that went away.
pub fn builder(limits: &ConnectionsConfig) -> auto::Builder<TokioExecutor> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(Duration::from_millis(limits.header_timeout_ms));
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_concurrent_streams(HTTP2_MAX_STREAMS)
        .max_header_list_size(HTTP2_MAX_HEADER_LIST)
        .max_pending_accept_reset_streams(Some(20))
        .keep_alive_interval(Some(Duration::from_secs(20)))
        .keep_alive_timeout(Duration::from_secs(20));
    builder
}

/// Waits between failed `accept` calls: 10 ms doubling to 1 s, back to the start on success.
#[derive(Debug, Default)]
pub struct AcceptBackoff {
    failures: u32,
}

impl AcceptBackoff {
    /// Notes a successful accept.
    pub fn succeeded(&mut self) {
        self.failures = 0;
    }

    /// Logs a failed accept (once per streak) and sleeps before the next try.
    pub async fn failed(&mut self, error: &std::io::Error) {
        if self.failures == 0 {
            tracing::warn!(%error, "accept failed; backing off until connections close");
        }
        let wait = Duration::from_millis(10u64 << self.failures.min(7)).min(Duration::from_secs(1));
        self.failures = self.failures.saturating_add(1);
        tokio::time::sleep(wait).await;
    }
}

/// The error of a request body that did not arrive within `connections.body_timeout_ms`.
#[derive(Debug, thiserror::Error)]
#[error("the request body did not arrive within {0:?}")]
pub struct BodyTimeout(pub Duration);

/// A request body that fails with [`BodyTimeout`] once its deadline has passed.
pub struct DeadlineBody<B> {
    inner: B,
    deadline: Pin<Box<Sleep>>,
    limit: Duration,
}

impl<B> Body for DeadlineBody<B>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Into<BoxError>,
{
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = &mut *self;
        if let Poll::Ready(frame) = Pin::new(&mut this.inner).poll_frame(cx) {
            return Poll::Ready(frame.map(|f| f.map_err(Into::into)));
        }
        match this.deadline.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Some(Err(Box::new(BodyTimeout(this.limit))))),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// Gives every request body a deadline counted from the moment its head arrived.
#[derive(Clone)]
pub struct BodyDeadline<S> {
    /// The wrapped service.
    pub inner: S,
    /// How long a body may take.
    pub limit: Duration,
}

impl<S, B> Service<Request<B>> for BodyDeadline<S>
where
    S: Service<Request<DeadlineBody<B>>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> S::Future {
        let limit = self.limit;
        self.inner.call(request.map(|inner| DeadlineBody {
            inner,
            deadline: Box::pin(tokio::time::sleep(limit)),
            limit,
        }))
    }
}

/// When a connection last moved a byte, and how many of its requests are being answered.
#[derive(Clone)]
pub struct Activity {
    started: Instant,
    last_ms: Arc<AtomicU64>,
    in_flight: Arc<AtomicUsize>,
}

impl Default for Activity {
    fn default() -> Self {
        Activity {
            started: Instant::now(),
            last_ms: Arc::default(),
            in_flight: Arc::default(),
        }
    }
}

impl Activity {
    fn touch(&self) {
        let ms = self.started.elapsed().as_millis() as u64;
        self.last_ms.fetch_max(ms, Ordering::Relaxed);
    }

    /// Marks one request as being answered until the returned guard is dropped.
    pub fn request(&self) -> InFlight {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight(self.in_flight.clone())
    }

    /// Completes once the connection has had no traffic and no request in flight for `limit`.
    pub async fn idle_for(&self, limit: Duration) {
        loop {
            let last = self.started + Duration::from_millis(self.last_ms.load(Ordering::Relaxed));
            if self.in_flight.load(Ordering::Relaxed) == 0 && last.elapsed() >= limit {
                return;
            }
            tokio::time::sleep_until((last + limit).max(Instant::now() + limit / 10)).await;
        }
    }
}

/// Counts the requests of one connection in its [`Activity`] while they are answered.
#[derive(Clone)]
pub struct Counted<S> {
    /// The wrapped service.
    pub inner: S,
    /// The connection's activity.
    pub activity: Activity,
}

impl<S, R> Service<R> for Counted<S>
where
    S: Service<R>,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<S::Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: R) -> Self::Future {
        let in_flight = self.activity.request();
        let future = self.inner.call(request);
        Box::pin(async move {
            let response = future.await;
            drop(in_flight);
            response
        })
    }
}

/// A request being answered; see [`Activity::request`].
pub struct InFlight(Arc<AtomicUsize>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A stream that records its traffic in an [`Activity`].
pub struct Tracked<T> {
    /// The stream.
    pub inner: T,
    /// Where traffic is recorded.
    pub activity: Activity,
}

impl<T: AsyncRead + Unpin> AsyncRead for Tracked<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let poll = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.touch();
        }
        poll
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Tracked<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(poll, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        poll
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(poll, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        poll
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}
