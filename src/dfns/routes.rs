//! HTTP surface of the Dfns API under `/auth`: a request whose method and path name an
//! [`Endpoint`] is answered through the scenario engine, every outcome in the Dfns error
//! shape.

use std::sync::Arc;

use warp::http::{Method, StatusCode};
use warp::path::FullPath;
use warp::reply::Response;
use warp::{Filter, Rejection};

use super::error::ApiError;
use super::facts::Facts;
use super::handlers::normal;
use super::DfnsApi;
use crate::endpoint::Endpoint;

/// Every Dfns route: the [`Endpoint`] of the request's method and path, answered through
/// the scenario engine. Rejects (for the next filter) when no endpoint serves the request.
pub(crate) fn filter(
    api: Arc<DfnsApi>,
) -> impl Filter<Extract = (Response,), Error = Rejection> + Clone {
    warp::method()
        .and(warp::path::full())
        .and_then(|method: Method, path: FullPath| async move {
            Endpoint::find(&method, path.as_str()).ok_or_else(warp::reject::not_found)
        })
        .and(warp::any().map(move || api.clone()))
        .and(warp::ext::optional::<Arc<Facts>>())
        .then(
            |endpoint: Endpoint, api: Arc<DfnsApi>, facts: Option<Arc<Facts>>| async move {
                match facts {
                    Some(facts) => api.scripted(&facts, normal(endpoint)).await,
                    // The serving stack resolves every Dfns request; reaching here without is
                    // a wiring bug, said as such.
                    None => ApiError::new(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        format!("{endpoint}: request facts were not resolved"),
                    )
                    .into_response("0"),
                }
            },
        )
}
