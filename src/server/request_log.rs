//! One log line per answered request (target `dfns_mock::request`, level INFO): method, URI,
//! status and latency. An event, not a span per request: a span costs more than the whole
//! event in the JSON log (it is made, entered on every poll, and written into the line),
//! and the few other lines logged while answering (a session eviction) stand on their own.
//! Nothing is captured when INFO is off.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use http::{Request, Response};
use tower::Service;

/// Logs each request once answered.
#[derive(Clone)]
pub(crate) struct RequestLog<S>(pub(crate) S);

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for RequestLog<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    S::Future: Send + 'static,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let logged =
            tracing::enabled!(target: "dfns_mock::request", tracing::Level::INFO).then(|| {
                (
                    request.method().clone(),
                    request.uri().clone(),
                    Instant::now(),
                )
            });
        let future = self.0.call(request);
        Box::pin(async move {
            let response = future.await?;
            if let Some((method, uri, start)) = logged {
                tracing::info!(
                    target: "dfns_mock::request",
                    %method,
                    %uri,
                    status = response.status().as_u16(),
                    latency_us = u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX),
                    "answered"
                );
            }
            Ok(response)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::convert::Infallible;
    use std::sync::{Arc, Mutex};

    /// Collects formatted log lines.
    #[derive(Clone, Default)]
    struct Lines(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Lines {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[tokio::test]
    async fn an_answered_request_is_one_line_with_method_uri_and_status() {
        let lines = Lines::default();
        let writer = lines.clone();
        let subscriber = tracing_subscriber::fmt()
            .json()
            .with_writer(move || writer.clone())
            .finish();
        let _guard = tracing::subscriber::set_default(subscriber);
        let service = RequestLog(tower::service_fn(|_: Request<()>| async {
            Ok::<_, Infallible>(Response::builder().status(418).body(()).unwrap())
        }));
        let request = Request::post("/auth/login?x=1").body(()).unwrap();
        let response = tower::ServiceExt::oneshot(service, request).await.unwrap();
        assert_eq!(response.status(), 418);
        let text = String::from_utf8(lines.0.lock().unwrap().clone()).unwrap();
        let logged: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(logged.len(), 1, "{text}");
        let fields = &logged[0]["fields"];
        assert_eq!(fields["method"], "POST");
        assert_eq!(fields["uri"], "/auth/login?x=1");
        assert_eq!(fields["status"], 418);
        assert_eq!(logged[0]["target"], "dfns_mock::request");
    }
}
