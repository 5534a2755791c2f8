//! The control plane under `/__mock`: health now; scenarios, sessions, reset and the
//! request journal grow here. Reads and resets state; never answers as Dfns.

use serde_json::json;
use warp::http::StatusCode;
use warp::reply::Response;
use warp::{Filter, Rejection};

use crate::app::App;
use crate::dfns::error::json_response;

/// Every control-plane route.
pub fn filter(app: App) -> impl Filter<Extract = (Response,), Error = Rejection> + Clone {
    warp::path!("__mock" / "health")
        .and(warp::get())
        .map(move || {
            json_response(
                StatusCode::OK,
                &json!({
                    "status": "ok",
                    "version": env!("CARGO_PKG_VERSION"),
                    "clock": app.config.clock,
                    "now": crate::clock::rfc3339(app.clock.unix()),
                    "issuer": app.issuer.default_issuer_url(),
                }),
            )
        })
}
