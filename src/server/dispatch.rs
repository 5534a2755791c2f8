//! The innermost service: a Dfns request (one the facts layer resolved to an [`Endpoint`])
//! goes straight to the Dfns API and its scenario step; every other request goes through
//! the warp filters of the issuer, the control plane and the 404/405 fallback.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::{Request, StatusCode};
use tower::Service;
use warp::reply::Response;

use crate::dfns::error::ApiError;
use crate::dfns::facts::Facts;
use crate::dfns::handlers::normal;
use crate::dfns::DfnsApi;
use crate::endpoint::Endpoint;

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
            None => match Endpoint::find(request.method(), request.uri().path()) {
                // The facts layer resolves every Dfns request; reaching here without is a
                // wiring bug, said as such (not a 404 or 405 of the fallback).
                Some(endpoint) => {
                    let error = ApiError::new(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        format!("{endpoint}: request facts were not resolved"),
                    );
                    Box::pin(std::future::ready(Ok(error.into_response("0"))))
                }
                None => Box::pin(self.other.call(request)),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_dfns_request_without_facts_is_a_wiring_error_not_a_404() {
        let config = crate::config::Config::default();
        let app = crate::app::App::new(config)
            .await
            .expect("the default app builds");
        let mut dispatch = Dispatch {
            dfns: app.dfns.clone(),
            other: tower::service_fn(|_: Request<()>| async {
                Ok::<_, Infallible>(Response::new("other".into()))
            }),
        };
        let request = Request::post("/auth/registration/social").body(()).unwrap();
        let response = dispatch.call(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let request = Request::get("/oidc/jwks").body(()).unwrap();
        let response = dispatch.call(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }
}
