//! Connection-level faults that scenarios inject: a response marked with a
//! [`Fault`] becomes a service error, so hyper drops the connection without an answer
//! (`empty_reply`); for `connection_reset` the socket is also closed with SO_LINGER 0,
//! which sends a TCP reset.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use http::{Request, Response};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tower::Service;

use crate::journal::Answered;
use crate::scenario::model::Fault;

/// Shared between a connection's socket and its requests: set to reset on close.
#[derive(Debug, Clone, Default)]
pub(crate) struct ConnectionControl(Arc<AtomicBool>);

impl ConnectionControl {
    /// Close this connection with a reset.
    pub(crate) fn reset_on_close(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// A TCP stream that sends a reset instead of a FIN when its connection asked for one.
pub(crate) struct ResettableStream {
    inner: TcpStream,
    control: ConnectionControl,
}

impl ResettableStream {
    /// Wraps `inner`, watching `control`.
    pub(crate) fn new(inner: TcpStream, control: ConnectionControl) -> ResettableStream {
        ResettableStream { inner, control }
    }
}

impl Drop for ResettableStream {
    fn drop(&mut self) {
        if self.control.0.load(Ordering::SeqCst) {
            let _ = self.inner.set_zero_linger();
        }
    }
}

impl AsyncRead for ResettableStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for ResettableStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// The error that makes hyper drop a connection on purpose.
#[derive(Debug, thiserror::Error)]
#[error("scenario fault {0:?}: connection dropped without an answer")]
pub(crate) struct InjectedFault(pub Fault, pub Option<Answered>);

/// Turns fault-marked responses into [`InjectedFault`] errors.
#[derive(Clone)]
pub(crate) struct Faults<S>(pub S);

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for Faults<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    S::Future: Send + 'static,
    S::Error: Into<super::BoxError>,
{
    type Response = Response<ResBody>;
    type Error = super::BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Response<ResBody>, super::BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.0.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let control = request.extensions().get::<ConnectionControl>().cloned();
        let future = self.0.call(request);
        Box::pin(async move {
            let response = future.await.map_err(Into::into)?;
            match response.extensions().get::<Fault>().copied() {
                None => Ok(response),
                Some(fault) => {
                    if fault == Fault::ConnectionReset {
                        if let Some(control) = control {
                            control.reset_on_close();
                        }
                    }
                    let answered = response.extensions().get::<Answered>().cloned();
                    Err(Box::new(InjectedFault(fault, answered)) as super::BoxError)
                }
            }
        })
    }
}
