//! Per-session mutable state and request ids, keyed by `X-Dfns-Mock-Session` so that
//! parallel tests never see each other's counters. Requests without a key share the
//! `default` session.
//!
//! Each session has its own lock, taken once per operation, so what a request reads and
//! writes is atomic and no request waits for another session's; its request-id counter is an
//! atomic beside it. Everything is bounded: the number of live sessions (least recently used
//! forgotten first), the length of a key, and what each session accumulates (capped
//! collections that forget their oldest entry).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Instant;

use crate::capped::{Capped, CappedSet};

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
#[derive(Debug, Clone)]
pub(crate) struct SessionState {
    /// How many registration challenges each user got, to make the next one differ (for at
    /// most [`MAX_CHALLENGE_USERS`] users: beyond, a registration is refused).
    pub(crate) challenges: HashMap<String, u64>,
    /// Scenario answering this session's requests that select none.
    pub(crate) active_scenario: Option<String>,
    /// Current state of each scenario (absent: `Started`).
    pub(crate) scenario_states: HashMap<String, String>,
    /// How many times each rule (`scenario#n`) answered.
    pub(crate) rule_hits: HashMap<String, u64>,
    /// Registered users by id.
    pub(crate) users: std::collections::BTreeMap<String, crate::users::User>,
    /// The signatures each of their wallets made, by wallet id: an entry only for a wallet
    /// of a user in `users` (so bounded as they are), each capped. Whatever removes a
    /// user or a wallet removes its entries here too.
    pub(crate) signatures: HashMap<String, crate::users::WalletSignatures>,
    /// Single-use tokens issued and spent.
    pub(crate) tokens: TokenLedger,
    /// How many login challenges and session tokens were issued, to make the next differ.
    pub(crate) logins: u64,
    /// How many user action challenges and user actions were issued, likewise.
    pub(crate) user_actions: u64,
    // Sessions, credentials, codes and recovery (issue 10, second half):
    /// Session-token `jti`s issued to each user (by id), so that a logout of all sessions
    /// can end them.
    pub(crate) issued_sessions: HashMap<String, CappedSet<String>>,
    /// Session-token `jti`s ended by a logout or a recovery.
    pub(crate) ended_sessions: CappedSet<String>,
    /// Login and recovery codes "sent" and not yet used, oldest first.
    pub(crate) pending_codes: Vec<PendingCode>,
    /// Credential and recovery challenges issued and not yet answered, by `jti`.
    pub(crate) pending_challenges: Capped<String, PendingChallenge>,
    /// How many codes and credential or recovery challenges were issued, to make the next
    /// differ.
    pub(crate) issued: u64,
}

impl Default for SessionState {
    fn default() -> Self {
        SessionState {
            challenges: HashMap::new(),
            active_scenario: None,
            scenario_states: HashMap::new(),
            rule_hits: HashMap::new(),
            users: std::collections::BTreeMap::new(),
            signatures: HashMap::new(),
            tokens: TokenLedger::default(),
            logins: 0,
            user_actions: 0,
            issued_sessions: HashMap::new(),
            ended_sessions: CappedSet::new(MAX_ENDED_SESSIONS),
            pending_codes: Vec::new(),
            pending_challenges: Capped::new(MAX_PENDING_CHALLENGES),
            issued: 0,
        }
    }
}

impl SessionState {
    /// Whether the session token `jti` was ended by a logout or a recovery.
    pub(crate) fn session_ended(&self, jti: &str) -> bool {
        self.ended_sessions.contains(jti)
    }

    /// Ends every session token issued to the user `user_id`.
    pub(crate) fn end_sessions_of(&mut self, user_id: &str) {
        if let Some(mut issued) = self.issued_sessions.remove(user_id) {
            self.ended_sessions.extend(issued.drain());
        }
    }

    /// The user called `username` in `org_id`.
    pub(crate) fn user_named(&self, org_id: &str, username: &str) -> Option<&crate::users::User> {
        self.users
            .values()
            .find(|u| u.org_id == org_id && u.username == username)
    }
}

/// Most single-use tokens a session keeps outstanding (issued, not yet spent).
pub(crate) const MAX_OUTSTANDING_TOKENS: usize = 10_000;
/// Most spent tokens a session remembers, to say "already used" rather than "not issued".
pub(crate) const MAX_SPENT_TOKENS: usize = 10_000;

/// The single-use tokens of a session (registration and login challenges, user action
/// challenges and user actions), by `jti`. A token is spendable only while outstanding here,
/// so once spent, or once its session is reset or forgotten, it stays refused even though a
/// reset session issues the same ids again.
#[derive(Debug, Clone)]
pub(crate) struct TokenLedger {
    outstanding: CappedSet<String>,
    spent: CappedSet<String>,
}

/// Why a token cannot be spent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unspendable {
    /// It was spent already.
    Spent,
    /// This session has no record of issuing it: it was issued before a reset, in a
    /// forgotten session, or long ago.
    NotIssued,
}

impl Default for TokenLedger {
    fn default() -> Self {
        TokenLedger {
            outstanding: CappedSet::new(MAX_OUTSTANDING_TOKENS),
            spent: CappedSet::new(MAX_SPENT_TOKENS),
        }
    }
}

impl TokenLedger {
    /// Records `jti` as issued.
    pub(crate) fn issue(&mut self, jti: &str) {
        if !self.spent.contains(jti) {
            self.outstanding.insert(jti.to_string());
        }
    }

    /// Whether `jti` could be spent now.
    pub(crate) fn check(&self, jti: &str) -> Result<(), Unspendable> {
        if self.outstanding.contains(jti) {
            Ok(())
        } else if self.spent.contains(jti) {
            Err(Unspendable::Spent)
        } else {
            Err(Unspendable::NotIssued)
        }
    }

    /// Spends `jti`.
    pub(crate) fn spend(&mut self, jti: &str) -> Result<(), Unspendable> {
        self.check(jti)?;
        self.outstanding.remove(jti);
        self.spent.insert(jti.to_string());
        Ok(())
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

/// Most users a session keeps a registration-challenge counter for (and so registers).
pub(crate) const MAX_CHALLENGE_USERS: usize = 10_000;
/// Most credential and recovery challenges a session keeps unanswered.
pub(crate) const MAX_PENDING_CHALLENGES: usize = 1_000;
/// Most session tokens a user is remembered to have (for a logout of all sessions).
pub(crate) const MAX_SESSIONS_PER_USER: usize = 1_000;
/// Most ended session tokens a session remembers.
pub(crate) const MAX_ENDED_SESSIONS: usize = 10_000;

/// One session: its state, created on the first write (reads before see the template), its
/// request-id counter and when it was last used.
#[derive(Debug)]
struct Slot {
    state: Mutex<Option<SessionState>>,
    requests: AtomicU64,
    last_used: AtomicU64,
}

/// A session in use: while one lives, eviction passes the session by.
#[derive(Debug)]
pub(crate) struct SessionPin {
    _slot: Arc<Slot>,
}

/// All sessions: a map from key to a slot locked on its own. The map's lock is held only
/// to find, insert or evict a slot, never while a request works on a state, so a slow
/// request (an expensive scenario regex, a session with many users) delays only its own
/// session. At most `capacity` sessions live: making one more first evicts the least
/// recently used sessions that no request holds (an eighth of them at once), and says so
/// in the log.
#[derive(Debug, Clone)]
pub struct Sessions {
    slots: Arc<RwLock<HashMap<SessionKey, Arc<Slot>>>>,
    template: Arc<SessionState>,
    seed: crate::seed::Seed,
    capacity: usize,
    started: Instant,
}

impl Sessions {
    /// At most `capacity` sessions, each starting as a copy of `template` (fixture users,
    /// …), numbering their requests from `seed`.
    pub(crate) fn new(template: SessionState, seed: crate::seed::Seed, capacity: usize) -> Self {
        Sessions {
            slots: Arc::default(),
            template: Arc::new(template),
            seed,
            capacity: capacity.max(1),
            started: Instant::now(),
        }
    }

    /// The session's slot, made when new; marks it used.
    fn slot(&self, key: &SessionKey) -> Arc<Slot> {
        let now = self.started.elapsed().as_millis() as u64;
        let found = read(&self.slots).get(key).cloned();
        let slot = match found {
            Some(slot) => slot,
            None => {
                let mut slots = write(&self.slots);
                if !slots.contains_key(key) && slots.len() >= self.capacity {
                    self.evict(&mut slots, now);
                }
                slots
                    .entry(key.clone())
                    .or_insert_with(|| {
                        Arc::new(Slot {
                            state: Mutex::new(None),
                            requests: AtomicU64::new(0),
                            last_used: AtomicU64::new(now),
                        })
                    })
                    .clone()
            }
        };
        slot.last_used.store(now, Ordering::Relaxed);
        slot
    }

    /// Drops the least recently used eighth of the sessions that no request holds.
    fn evict(&self, slots: &mut HashMap<SessionKey, Arc<Slot>>, now: u64) {
        let mut idle: Vec<(u64, SessionKey)> = slots
            .iter()
            .filter(|(_, slot)| Arc::strong_count(slot) == 1)
            .map(|(key, slot)| (slot.last_used.load(Ordering::Relaxed), key.clone()))
            .collect();
        let count = (self.capacity / 8)
            .clamp(1, idle.len().max(1))
            .min(idle.len());
        if count == 0 {
            return;
        }
        idle.select_nth_unstable(count - 1);
        let newest = idle[..count].iter().map(|(used, _)| *used).max();
        for (_, key) in &idle[..count] {
            slots.remove(key);
        }
        tracing::info!(
            evicted = count,
            capacity = self.capacity,
            idle_for_ms = now.saturating_sub(newest.unwrap_or(now)),
            "the session cap was reached: forgot the least recently used sessions (raise sessions.max_live to keep more)"
        );
    }

    /// Keeps the session from being evicted for as long as the pin lives (a request holds
    /// one from the moment its session is known until it is answered, delays included).
    pub(crate) fn pin(&self, key: &SessionKey) -> SessionPin {
        SessionPin {
            _slot: self.slot(key),
        }
    }

    /// Runs `f` on the session's state under its lock (creating the session if new), so
    /// what `f` reads and writes is one atomic step.
    pub(crate) fn with<R>(&self, key: &SessionKey, f: impl FnOnce(&mut SessionState) -> R) -> R {
        let slot = self.slot(key);
        let mut state = slot.state.lock().unwrap_or_else(|e| e.into_inner());
        f(state.get_or_insert_with(|| (*self.template).clone()))
    }

    /// Runs `f` on the session's state as a request would see it (the template if new),
    /// without creating the session or copying the state.
    pub(crate) fn read<R>(&self, key: &SessionKey, f: impl FnOnce(&SessionState) -> R) -> R {
        let slot = read(&self.slots).get(key).cloned();
        match slot {
            Some(slot) => match &*slot.state.lock().unwrap_or_else(|e| e.into_inner()) {
                Some(state) => f(state),
                None => f(&self.template),
            },
            None => f(&self.template),
        }
    }

    /// The next request id (18 decimal digits) of `session`: the n-th request of a session
    /// gets the same id on every run.
    pub(crate) fn next_request_id(&self, session: &SessionKey) -> String {
        if session.as_str().len() > MAX_SESSION_KEY_BYTES {
            // Refused by the serving stack; its id is not counted, so nothing is kept for it.
            return self
                .seed
                .digits("request-id", &["refused-session", "0"], 18);
        }
        let n = self.slot(session).requests.fetch_add(1, Ordering::Relaxed) + 1;
        self.seed
            .digits("request-id", &[session.as_str(), &n.to_string()], 18)
    }

    /// Every session key with state.
    pub(crate) fn keys(&self) -> Vec<SessionKey> {
        let slots: Vec<(SessionKey, Arc<Slot>)> = read(&self.slots)
            .iter()
            .map(|(key, slot)| (key.clone(), slot.clone()))
            .collect();
        let mut keys: Vec<SessionKey> = slots
            .into_iter()
            .filter(|(_, slot)| {
                let state = slot.state.lock().unwrap_or_else(|e| e.into_inner());
                state.is_some()
            })
            .map(|(key, _)| key)
            .collect();
        keys.sort();
        keys
    }

    /// Forgets one session: its state and its request numbering.
    pub(crate) fn reset(&self, key: &SessionKey) {
        write(&self.slots).remove(key);
    }

    /// Forgets every session, releasing the map's memory.
    pub(crate) fn reset_all(&self) {
        *write(&self.slots) = HashMap::new();
    }
}

fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|e| e.into_inner())
}

fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(|e| e.into_inner())
}
