//! The layer that fills the request journal: it records what was asked (the body read by
//! [`super::facts`], the session from the request's resolved facts) and how it was answered,
//! as raw bytes that the journal reads into JSON only when it is listed. Control-plane
//! requests (`/__mock/…`) are not journaled.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::{BodyExt, Full};
use tower::Service;

use super::faults::InjectedFault;
use super::{BoxError, WholeBodyService};
use crate::context::REQUEST_ID_HEADER;
use crate::dfns::facts::Facts;
use crate::journal::{Answered, Entry, Journal, KeptBody, Redaction, SentHeaders};
use crate::session::{SessionKey, SESSION_HEADER};

/// Records every request in `journal`.
#[derive(Clone)]
pub(crate) struct Journaling<S> {
    /// The wrapped service.
    pub(crate) inner: S,
    /// Where entries go.
    pub(crate) journal: Journal,
    /// Whether credentials are redacted when the journal is read (`journal_redact`).
    pub(crate) redact: bool,
}

impl<S, ResBody> Service<Request<Full<Bytes>>> for Journaling<S>
where
    S: WholeBodyService + Service<Request<Full<Bytes>>, Response = Response<ResBody>>,
    ResBody: http_body::Body<Data = Bytes> + From<Bytes> + Send + 'static,
    ResBody::Error: Into<BoxError>,
{
    type Response = Response<ResBody>;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Response<ResBody>, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Full<Bytes>>) -> Self::Future {
        let mut inner = self.inner.take_ready();
        let (journal, redact) = (self.journal.clone(), self.redact);
        Box::pin(async move {
            let started = Instant::now();
            let (parts, body) = request.into_parts();
            let bytes = body.collect().await?.to_bytes();
            let path = parts
                .uri
                .path_and_query()
                .map_or("/", |p| p.as_str())
                .to_string();
            if path.starts_with("/__mock") {
                return inner
                    .call(Request::from_parts(parts, Full::new(bytes)))
                    .await;
            }
            let header = |name: &str| {
                parts
                    .headers
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(String::from)
            };
            let facts = parts.extensions.get::<Arc<Facts>>().cloned();
            let mut entry = Entry {
                request_id: header(REQUEST_ID_HEADER).unwrap_or_default(),
                method: parts.method.to_string(),
                path,
                headers: SentHeaders::of(&parts.headers),
                body: KeptBody::of_request(&bytes, journal.max_body_bytes),
                session: match &facts {
                    Some(facts) => facts.session.0.clone(),
                    None => SessionKey::from_header(header(SESSION_HEADER).as_deref()).0,
                },
                scenario: None,
                rule: None,
                status: None,
                fault: None,
                latency_ms: 0.0,
                response: None,
                annotations: serde_json::Map::new(),
                redaction: redact.then_some(super::redaction::redact as Redaction),
            };
            let result = inner
                .call(Request::from_parts(parts, Full::new(bytes)))
                .await;
            entry.latency_ms = started.elapsed().as_secs_f64() * 1000.0;
            if let Some(facts) = &facts {
                entry.annotations = facts.take_annotations();
            }
            // Answers are small JSON documents: read the body to journal it, then hand the same
            // bytes on.
            let result = match result {
                Ok(response) => {
                    let (parts, body) = response.into_parts();
                    let bytes = body.collect().await.map_err(Into::into)?.to_bytes();
                    entry.response = Some(KeptBody::of_response(&bytes, journal.max_body_bytes));
                    Ok(Response::from_parts(parts, ResBody::from(bytes)))
                }
                Err(error) => Err(error),
            };
            match &result {
                Ok(response) => {
                    entry.status = Some(response.status().as_u16());
                    if let Some(answered) = response.extensions().get::<Answered>() {
                        entry.scenario = Some(answered.scenario.clone());
                        entry.rule = answered.rule;
                    }
                }
                Err(error) => match error.downcast_ref::<InjectedFault>() {
                    Some(InjectedFault(fault, answered)) => {
                        entry.fault = Some(format!("{fault:?}"));
                        if let Some(answered) = answered {
                            entry.scenario = Some(answered.scenario.clone());
                            entry.rule = answered.rule;
                        }
                    }
                    None => entry.fault = Some(error.to_string()),
                },
            }
            journal.record(entry);
            result
        })
    }
}
