//! Per-session mutable state, keyed by `X-Dfns-Mock-Session` so that parallel tests never
//! see each other's counters. Requests without a key share the `default` session.
//!
//! Each session has its own lock, taken once per operation, so what a request reads and
//! writes is atomic and no request waits for another session's.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

/// Header that selects the session.
pub(crate) const SESSION_HEADER: &str = "x-dfns-mock-session";

/// The longest `X-Dfns-Mock-Session` value accepted; a longer one is refused with a 400
/// before any state is kept for it.
pub(crate) const MAX_SESSION_KEY_BYTES: usize = 256;

/// Names one isolated state.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct SessionKey(pub String);

impl SessionKey {
    /// The session of requests that name none.
    pub(crate) fn default_key() -> SessionKey {
        SessionKey("default".into())
    }

    /// The key from a header value; empty or absent means the default session.
    pub(crate) fn from_header(value: Option<&str>) -> SessionKey {
        match value.map(str::trim) {
            Some(v) if !v.is_empty() => SessionKey(v.to_string()),
            _ => SessionKey::default_key(),
        }
    }

    /// The key as a string.
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

/// What one session has accumulated.
#[derive(Debug, Default, Clone)]
pub(crate) struct SessionState {
    /// How many registration challenges each user got, to make the next one differ.
    pub(crate) challenges: HashMap<String, u64>,
    /// Scenario answering this session's requests that select none.
    pub(crate) active_scenario: Option<String>,
    /// Current state of each scenario (absent: `Started`).
    pub(crate) scenario_states: HashMap<String, String>,
    /// How many times each rule (`scenario#n`) answered.
    pub(crate) rule_hits: HashMap<String, u64>,
    /// Registered users by id.
    pub(crate) users: std::collections::BTreeMap<String, crate::users::User>,
    /// `jti`s of single-use tokens already spent.
    pub(crate) spent_tokens: std::collections::HashSet<String>,
    /// How many login challenges and session tokens were issued, to make the next differ.
    pub(crate) logins: u64,
    /// How many user action challenges and user actions were issued, likewise.
    pub(crate) user_actions: u64,
    // Sessions, credentials, codes and recovery (issue 10, second half):
    /// Session-token `jti`s issued to each user (by id), so that a logout of all sessions
    /// can end them.
    pub(crate) issued_sessions: HashMap<String, Vec<String>>,
    /// Session-token `jti`s ended by a logout or a recovery.
    pub(crate) ended_sessions: std::collections::HashSet<String>,
    /// Login and recovery codes "sent" and not yet used, oldest first.
    pub(crate) pending_codes: Vec<PendingCode>,
    /// Credential and recovery challenges issued and not yet answered, by `jti`.
    pub(crate) pending_challenges: HashMap<String, PendingChallenge>,
    /// How many codes and credential or recovery challenges were issued, to make the next
    /// differ.
    pub(crate) issued: u64,
}

impl SessionState {
    /// Whether the session token `jti` was ended by a logout or a recovery.
    pub(crate) fn session_ended(&self, jti: &str) -> bool {
        self.ended_sessions.contains(jti)
    }

    /// Ends every session token issued to the user `user_id`.
    pub(crate) fn end_sessions_of(&mut self, user_id: &str) {
        let issued = self.issued_sessions.remove(user_id).unwrap_or_default();
        self.ended_sessions.extend(issued);
    }

    /// The user called `username` in `org_id`.
    pub(crate) fn user_named(&self, org_id: &str, username: &str) -> Option<&crate::users::User> {
        self.users
            .values()
            .find(|u| u.org_id == org_id && u.username == username)
    }
}

/// What a one-time code opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub(crate) enum CodeKind {
    /// `POST /auth/login/code`, spent by `loginCode` on `POST /auth/login/init`.
    Login,
    /// `POST /auth/recover/user/code`, spent by `POST /auth/recover/user/init`.
    Recovery,
}

/// A one-time code the mock would have e-mailed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PendingCode {
    /// What it opens.
    pub(crate) kind: CodeKind,
    /// To whom it was sent.
    pub(crate) username: String,
    /// In which org.
    pub(crate) org_id: String,
    /// The code.
    pub(crate) code: String,
}

/// What a credential or recovery challenge was issued for.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum PendingChallenge {
    /// A new credential of this kind for the user.
    Credential {
        /// The user's id.
        user_id: String,
        /// The kind asked for in `POST /auth/credentials/init`.
        kind: crate::users::CredentialKind,
    },
    /// A recovery of the user with this RecoveryKey.
    Recovery {
        /// The user's id.
        user_id: String,
        /// The RecoveryKey's credential id.
        cred_id: String,
    },
}

/// One session's state behind its own lock.
type Entry = Arc<Mutex<SessionState>>;

/// All sessions: a map from key to an entry locked on its own. The map's lock is held only
/// to find or insert an entry, never while a request works on a state, so a slow request
/// (an expensive scenario regex, a session with many users) delays only its own session.
/// Every access goes through [`Sessions::entry`], the one place a bound (a capacity with
/// least-recently-used eviction) would go.
#[derive(Debug, Default, Clone)]
pub struct Sessions {
    entries: Arc<RwLock<HashMap<SessionKey, Entry>>>,
    template: Arc<SessionState>,
}

impl Sessions {
    /// Sessions that each start as a copy of `template` (fixture users, …).
    pub(crate) fn with_template(template: SessionState) -> Sessions {
        Sessions {
            entries: Arc::default(),
            template: Arc::new(template),
        }
    }

    /// The session's entry, created from the template when `create` and new.
    fn entry(&self, key: &SessionKey, create: bool) -> Option<Entry> {
        let existing = read(&self.entries).get(key).cloned();
        if existing.is_some() || !create {
            return existing;
        }
        let mut all = write(&self.entries);
        let entry = all
            .entry(key.clone())
            .or_insert_with(|| Arc::new(Mutex::new((*self.template).clone())));
        Some(entry.clone())
    }

    /// Runs `f` on the session's state under its lock (creating the session if new), so
    /// what `f` reads and writes is one atomic step.
    pub(crate) fn with<R>(&self, key: &SessionKey, f: impl FnOnce(&mut SessionState) -> R) -> R {
        let entry = self.entry(key, true).expect("created when missing");
        let mut state = entry.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut state)
    }

    /// Runs `f` on the session's state as a request would see it (the template if new),
    /// without creating the session or copying the state.
    pub(crate) fn read<R>(&self, key: &SessionKey, f: impl FnOnce(&SessionState) -> R) -> R {
        match self.entry(key, false) {
            Some(entry) => f(&entry.lock().unwrap_or_else(|e| e.into_inner())),
            None => f(&self.template),
        }
    }

    /// Every session key with state.
    pub(crate) fn keys(&self) -> Vec<SessionKey> {
        let mut keys: Vec<SessionKey> = read(&self.entries).keys().cloned().collect();
        keys.sort();
        keys
    }

    /// Forgets one session.
    pub(crate) fn reset(&self, key: &SessionKey) {
        write(&self.entries).remove(key);
    }

    /// Forgets every session.
    pub(crate) fn reset_all(&self) {
        write(&self.entries).clear();
    }
}

fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|e| e.into_inner())
}

fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(|e| e.into_inner())
}

/// Deterministic request ids: the n-th request of a session gets the same id on every run.
#[derive(Debug, Clone)]
pub struct RequestIds {
    seed: crate::seed::Seed,
    counters: Arc<Mutex<HashMap<SessionKey, u64>>>,
}

impl RequestIds {
    /// Ids derived from `seed`.
    pub(crate) fn new(seed: crate::seed::Seed) -> RequestIds {
        RequestIds {
            seed,
            counters: Arc::default(),
        }
    }

    /// The next id (18 decimal digits) for `session`.
    pub(crate) fn next(&self, session: &SessionKey) -> String {
        if session.as_str().len() > MAX_SESSION_KEY_BYTES {
            // Refused by the serving stack; its id is not counted, so nothing is kept for it.
            return self
                .seed
                .digits("request-id", &["refused-session", "0"], 18);
        }
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
    pub(crate) fn reset(&self, session: &SessionKey) {
        self.counters
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(session);
    }

    /// Restarts every numbering.
    pub(crate) fn reset_all(&self) {
        self.counters
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}
