//! The request journal: what each request asked and how it was answered (session, scenario,
//! rule, status, latency), bounded, oldest first out. Filled by the serving stack, read and
//! cleared through the control plane.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use serde::Serialize;
use serde_json::Value;

/// Put in a response's extensions by the endpoint that answered, for the journal.
#[derive(Debug, Clone)]
pub(crate) struct Answered {
    /// The scenario that decided.
    pub(crate) scenario: String,
    /// 1-based rule index, `None` for the normal answer.
    pub(crate) rule: Option<usize>,
}

/// One journaled request.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Entry {
    /// Position in the journal since start (or the last clear).
    pub(crate) seq: u64,
    /// `X-Request-ID`.
    pub(crate) request_id: String,
    /// HTTP method.
    pub(crate) method: String,
    /// Path and query.
    pub(crate) path: String,
    /// Request headers.
    pub(crate) headers: serde_json::Map<String, Value>,
    /// The body: JSON when it parses, else the text.
    pub(crate) body: Value,
    /// Session key.
    pub(crate) session: String,
    /// Scenario that decided, when an endpoint answered.
    pub(crate) scenario: Option<String>,
    /// Rule that answered, when one did.
    pub(crate) rule: Option<usize>,
    /// Response status; `None` when a fault dropped the connection.
    pub(crate) status: Option<u16>,
    /// Fault injected instead of an answer.
    pub(crate) fault: Option<String>,
    /// Milliseconds from request to response head.
    pub(crate) latency_ms: f64,
    /// The response body: JSON when it parses, else the text (`null` for a dropped connection).
    pub(crate) response: Value,
    /// What the endpoint noted that the answer does not show, e.g. `sentCode` (the one-time
    /// code a call "sent"); left out when empty.
    #[serde(skip_serializing_if = "serde_json::Map::is_empty")]
    pub(crate) annotations: serde_json::Map<String, Value>,
}

/// The bounded journal.
#[derive(Debug, Clone)]
pub struct Journal {
    inner: Arc<Mutex<(u64, VecDeque<Entry>)>>,
    limit: usize,
}

impl Journal {
    /// A journal keeping the last `limit` entries.
    pub(crate) fn new(limit: usize) -> Journal {
        Journal {
            inner: Arc::default(),
            limit,
        }
    }

    /// Adds an entry (its `seq` is assigned here).
    pub(crate) fn record(&self, mut entry: Entry) {
        if self.limit == 0 {
            return;
        }
        let mut guard = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        guard.0 += 1;
        entry.seq = guard.0;
        guard.1.push_back(entry);
        while guard.1.len() > self.limit {
            guard.1.pop_front();
        }
    }

    /// Entries oldest first, only `session`'s when given, the last `limit` when given.
    pub(crate) fn list(&self, session: Option<&str>, limit: Option<usize>) -> Vec<Entry> {
        let guard = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let matching: Vec<Entry> = guard
            .1
            .iter()
            .filter(|e| session.is_none_or(|s| e.session == s))
            .cloned()
            .collect();
        let skip = limit.map_or(0, |l| matching.len().saturating_sub(l));
        matching.into_iter().skip(skip).collect()
    }

    /// Forgets entries (only `session`'s when given).
    pub(crate) fn clear(&self, session: Option<&str>) {
        let mut guard = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        match session {
            Some(s) => guard.1.retain(|e| e.session != s),
            None => {
                guard.1.clear();
                guard.0 = 0;
            }
        }
    }
}
