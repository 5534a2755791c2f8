//! The layer that resolves a Dfns request once: it reads the whole (already size-limited)
//! body, and when the method and path name an [`Endpoint`], puts the request's
//! [`Facts`](crate::dfns::facts::Facts) (session, request id, parsed body, verified idToken) into its extensions for
//! the journal, the scenario step and the handler.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use tower::Service;

use super::limits::BodyTimeout;
use super::{BoxError, WholeBodyService};
use crate::dfns::DfnsApi;
use crate::endpoint::Endpoint;

/// Reads the body and resolves the facts of Dfns requests.
#[derive(Clone)]
pub(crate) struct ResolveFacts<S> {
    /// The wrapped service.
    pub(crate) inner: S,
    /// What resolves them.
    pub(crate) dfns: Arc<DfnsApi>,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for ResolveFacts<S>
where
    S: WholeBodyService + Service<Request<Full<Bytes>>, Response = Response<ResBody>>,
    ReqBody: http_body::Body<Data = Bytes> + Send + 'static,
    ReqBody::Error: Into<BoxError>,
    ResBody: Default + Send + 'static,
{
    type Response = Response<ResBody>;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Response<ResBody>, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let mut inner = self.inner.take_ready();
        let dfns = self.dfns.clone();
        Box::pin(async move {
            let (mut parts, body) = request.into_parts();
            let bytes = match body.collect().await {
                Ok(collected) => collected.to_bytes(),
                Err(error) => {
                    let error: BoxError = error.into();
                    // Over the body limit (413) or its deadline (408); made JSON further out.
                    let mut response = Response::new(ResBody::default());
                    *response.status_mut() = match error.downcast_ref::<BodyTimeout>() {
                        Some(_) => StatusCode::REQUEST_TIMEOUT,
                        None => StatusCode::PAYLOAD_TOO_LARGE,
                    };
                    return Ok(response);
                }
            };
            if let Some(endpoint) = Endpoint::find(&parts.method, parts.uri.path()) {
                let facts = dfns.resolve(
                    endpoint,
                    &parts.method,
                    parts.uri.path(),
                    &parts.headers,
                    &bytes,
                );
                parts.extensions.insert(Arc::new(facts));
            }
            inner
                .call(Request::from_parts(parts, Full::new(bytes)))
                .await
        })
    }
}
