//! The request journal: what each request asked and how it was answered (session, scenario,
//! rule, status, latency), bounded in entries and in bytes, oldest first out, long bodies
//! kept as a marked prefix. Filled by the serving stack, read and cleared through the control
//! plane.

use std::collections::{BTreeMap, VecDeque};
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
    /// The full length in bytes of each body (`body`, `response`) kept only as a prefix;
    /// left out when none was cut.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) truncated: BTreeMap<Captured, usize>,
    /// Bytes this entry counts against the journal's byte bound.
    #[serde(skip)]
    pub(crate) size: usize,
}

impl Entry {
    /// Sets `body` or `response` from raw bytes: JSON when it parses, else text; beyond `max`
    /// bytes, the first `max` bytes as text, the cut noted in `truncated`.
    pub(crate) fn capture(&mut self, which: Captured, bytes: &[u8], max: usize) {
        let value = if bytes.len() > max {
            self.truncated.insert(which, bytes.len());
            Value::String(String::from_utf8_lossy(&bytes[..max]).into_owned())
        } else {
            serde_json::from_slice(bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(bytes).into_owned()))
        };
        self.size += heap_size(&value);
        match which {
            Captured::Body => self.body = value,
            Captured::Response => self.response = value,
        }
    }
}

/// Which body of an exchange is journaled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Captured {
    /// The request's.
    Body,
    /// The answer's.
    Response,
}

/// Roughly the memory a parsed JSON value holds (a slot per node, the bytes of its strings,
/// a key and some map overhead per member), so that the journal's byte bound holds for bodies
/// like `[0,0,…]` whose parsed form is many times their text. serde_json nests at most 128
/// deep, so the recursion is bounded.
fn heap_size(value: &Value) -> usize {
    const NODE: usize = std::mem::size_of::<Value>();
    const MEMBER: usize = std::mem::size_of::<String>() + 32;
    NODE + match value {
        Value::String(text) => text.len(),
        Value::Array(items) => items.iter().map(heap_size).sum(),
        Value::Object(members) => (members.iter())
            .map(|(key, member)| MEMBER + key.len() + heap_size(member))
            .sum(),
        Value::Null | Value::Bool(_) | Value::Number(_) => 0,
    }
}

/// Bytes an entry counts besides its bodies and headers (its fixed fields).
const ENTRY_OVERHEAD: usize = 256;

/// What the journal holds: the last `seq` given, the entries and their bytes.
#[derive(Debug, Default)]
struct Kept {
    seq: u64,
    entries: VecDeque<Entry>,
    bytes: usize,
}

/// The bounded journal.
#[derive(Debug, Clone)]
pub struct Journal {
    inner: Arc<Mutex<Kept>>,
    limit: usize,
    max_bytes: usize,
    /// Longest body kept whole.
    pub(crate) max_body_bytes: usize,
}

impl Journal {
    /// A journal keeping the last `limit` entries, at most `max_bytes` of them, with bodies
    /// over `max_body_bytes` cut.
    pub(crate) fn new(limit: usize, max_bytes: usize, max_body_bytes: usize) -> Journal {
        Journal {
            inner: Arc::default(),
            limit,
            max_bytes,
            max_body_bytes,
        }
    }

    /// Adds an entry (its `seq` is assigned here).
    pub(crate) fn record(&self, mut entry: Entry) {
        if self.limit == 0 {
            return;
        }
        entry.size += ENTRY_OVERHEAD
            + entry.path.len()
            + (entry.headers.iter())
                .map(|(k, v)| k.len() + v.as_str().map_or(0, str::len))
                .sum::<usize>();
        let mut kept = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        kept.seq += 1;
        entry.seq = kept.seq;
        kept.bytes += entry.size;
        kept.entries.push_back(entry);
        while kept.entries.len() > self.limit || kept.bytes > self.max_bytes {
            let Some(dropped) = kept.entries.pop_front() else {
                break;
            };
            kept.bytes -= dropped.size;
        }
    }

    /// Entries oldest first, only `session`'s when given, the last `limit` when given.
    pub(crate) fn list(&self, session: Option<&str>, limit: Option<usize>) -> Vec<Entry> {
        let kept = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let matching: Vec<Entry> = kept
            .entries
            .iter()
            .filter(|e| session.is_none_or(|s| e.session == s))
            .cloned()
            .collect();
        let skip = limit.map_or(0, |l| matching.len().saturating_sub(l));
        matching.into_iter().skip(skip).collect()
    }

    /// Forgets entries (only `session`'s when given).
    pub(crate) fn clear(&self, session: Option<&str>) {
        let mut kept = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        match session {
            Some(s) => {
                kept.entries.retain(|e| e.session != s);
                kept.bytes = kept.entries.iter().map(|e| e.size).sum();
            }
            None => *kept = Kept::default(),
        }
    }
}
