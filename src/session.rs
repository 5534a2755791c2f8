//! Per-session mutable state, keyed by `X-Dfns-Mock-Session` so that parallel tests never
//! see each other's counters. Requests without a key share the `default` session.
//!
//! Each operation takes the lock once, so what a request reads and writes is atomic.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Header that selects the session.
pub const SESSION_HEADER: &str = "x-dfns-mock-session";

/// Names one isolated state.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SessionKey(pub String);

impl SessionKey {
    /// The session of requests that name none.
    pub fn default_key() -> SessionKey {
        SessionKey("default".into())
    }

    /// The key from a header value; empty or absent means the default session.
    pub fn from_header(value: Option<&str>) -> SessionKey {
        match value.map(str::trim) {
            Some(v) if !v.is_empty() => SessionKey(v.to_string()),
            _ => SessionKey::default_key(),
        }
    }

    /// The key as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What one session has accumulated.
#[derive(Debug, Default, Clone)]
pub struct SessionState {
    /// How many registration challenges each user got, to make the next one differ.
    pub challenges: HashMap<String, u64>,
    /// Scenario answering this session's requests that select none.
    pub active_scenario: Option<String>,
    /// Current state of each scenario (absent: `Started`).
    pub scenario_states: HashMap<String, String>,
    /// How many times each rule (`scenario#n`) answered.
    pub rule_hits: HashMap<String, u64>,
    /// Registered users by id.
    pub users: std::collections::BTreeMap<String, crate::users::User>,
    /// `jti`s of single-use tokens already spent.
    pub spent_tokens: std::collections::HashSet<String>,
    /// How many login challenges and session tokens were issued, to make the next differ.
    pub logins: u64,
}

/// All sessions.
#[derive(Debug, Default, Clone)]
pub struct Sessions {
    inner: Arc<Mutex<HashMap<SessionKey, SessionState>>>,
    template: Arc<SessionState>,
}

impl Sessions {
    /// Sessions that each start as a copy of `template` (fixture users, …).
    pub fn with_template(template: SessionState) -> Sessions {
        Sessions {
            inner: Arc::default(),
            template: Arc::new(template),
        }
    }

    /// Runs `f` on the session's state under the lock (creating the session if new).
    pub fn with<R>(&self, key: &SessionKey, f: impl FnOnce(&mut SessionState) -> R) -> R {
        let mut all = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        f(all
            .entry(key.clone())
            .or_insert_with(|| (*self.template).clone()))
    }

    /// A copy of one session's state as a request would see it (the template if new).
    pub fn view(&self, key: &SessionKey) -> SessionState {
        self.snapshot(key)
            .unwrap_or_else(|| (*self.template).clone())
    }

    /// A copy of one session's state, if it exists.
    pub fn snapshot(&self, key: &SessionKey) -> Option<SessionState> {
        self.inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(key)
            .cloned()
    }

    /// Every session key with state.
    pub fn keys(&self) -> Vec<SessionKey> {
        let mut keys: Vec<SessionKey> = self
            .inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .keys()
            .cloned()
            .collect();
        keys.sort();
        keys
    }

    /// Forgets one session.
    pub fn reset(&self, key: &SessionKey) {
        self.inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(key);
    }

    /// Forgets every session.
    pub fn reset_all(&self) {
        self.inner.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}

/// Deterministic request ids: the n-th request of a session gets the same id on every run.
#[derive(Debug, Clone)]
pub struct RequestIds {
    seed: crate::seed::Seed,
    counters: Arc<Mutex<HashMap<SessionKey, u64>>>,
}

impl RequestIds {
    /// Ids derived from `seed`.
    pub fn new(seed: crate::seed::Seed) -> RequestIds {
        RequestIds {
            seed,
            counters: Arc::default(),
        }
    }

    /// The next id (18 decimal digits) for `session`.
    pub fn next(&self, session: &SessionKey) -> String {
        let n = {
            let mut counters = self.counters.lock().unwrap_or_else(|e| e.into_inner());
            let n = counters.entry(session.clone()).or_insert(0);
            *n += 1;
            *n
        };
        self.seed
            .digits("request-id", &[session.as_str(), &n.to_string()], 18)
    }

    /// Restarts the numbering of one session.
    pub fn reset(&self, session: &SessionKey) {
        self.counters
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(session);
    }

    /// Restarts every numbering.
    pub fn reset_all(&self) {
        self.counters
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}
