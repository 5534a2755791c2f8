//! The innermost service: a Dfns request (one the facts layer resolved to an [`Endpoint`](crate::endpoint::Endpoint))
//! goes straight to the Dfns API and its scenario step; every other request goes through
//! the warp filters of the issuer, the control plane and the 404/405 fallback.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::Request;
use tower::Service;
use warp::reply::Response;

use crate::dfns::facts::Facts;
use crate::dfns::handlers::normal;
use crate::dfns::DfnsApi;

/// Answers Dfns requests with `dfns`, the rest with `other`.
#[derive(Clone)]
pub(crate) struct Dispatch<S> {
    /// The Dfns API.
    pub(crate) dfns: Arc<DfnsApi>,
    /// The warp filters of every other route.
    pub(crate) other: S,
}

impl<S, B> Service<Request<B>> for Dispatch<S>
where
    S: Service<Request<B>, Response = Response, Error = Infallible>,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.other.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        match request.extensions().get::<Arc<Facts>>().cloned() {
            Some(facts) => {
                let dfns = self.dfns.clone();
                Box::pin(async move { Ok(dfns.scripted(&facts, normal(facts.endpoint)).await) })
            }
            None => Box::pin(self.other.call(request)),
        }
    }
}
