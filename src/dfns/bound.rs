//! The mock's own tokens in use: a temporary token or login identifier presented back is
//! verified into a [`BoundToken`] (signature, expiry, purpose, the challenge it binds, and
//! that the request is in the session it was issued in), single-use tokens are recorded in
//! their session's [`TokenLedger`](crate::session::TokenLedger) when issued, and session
//! tokens are issued for a signed-in user.

use warp::http::StatusCode;

use super::error::ApiError;
use super::tokens::{ActionBinding, MockClaim, Purpose, TokenKind, TokenSubject};
use super::DfnsApi;
use crate::capped::CappedSet;
use crate::session::{SessionKey, Unspendable, MAX_OUTSTANDING_TOKENS, MAX_SESSIONS_PER_USER};
use crate::users::User;

/// A verified temporary (or login) token.
#[derive(Debug, Clone)]
pub(crate) struct BoundToken {
    /// `jti`, spent on success.
    pub(crate) jti: String,
    /// The challenge it binds.
    pub(crate) challenge: String,
    /// The session it was issued in.
    pub(crate) session: SessionKey,
    /// `app_metadata.userId`.
    pub(crate) user_id: String,
    /// `app_metadata.orgId`.
    pub(crate) org_id: String,
    /// `https://custom/username`.
    pub(crate) username: String,
    /// The request it binds (user action challenges and user actions).
    pub(crate) action: Option<ActionBinding>,
}

/// The 401 for a single-use token at `field` that its session cannot spend: `spent` when
/// already used, `not-issued` when the session has no record of issuing it.
pub(crate) fn unspendable(why: Unspendable, field: &str) -> ApiError {
    let (message, check) = match why {
        Unspendable::Spent => (format!("{field} has already been used"), "spent"),
        Unspendable::NotIssued => (not_issued(field), "not-issued"),
    };
    ApiError::new(StatusCode::UNAUTHORIZED, message)
        .detail("field", field)
        .detail("check", check)
}

/// Why a token its session has no record of is refused.
pub(crate) fn not_issued(field: &str) -> String {
    format!(
        "{field} is not outstanding in this session: it was issued before the session was \
         reset or forgotten, or more than {MAX_OUTSTANDING_TOKENS} single-use tokens ago"
    )
}

/// What a challenge token binds: `challenge`, for `purpose`, in `session`.
pub(crate) fn challenge_claim(
    challenge: &str,
    purpose: Purpose,
    session: &SessionKey,
) -> MockClaim {
    MockClaim {
        challenge: Some(challenge.to_string()),
        purpose,
        session: session.0.clone(),
        action: None,
    }
}

/// The subject of tokens about `user`.
pub(crate) fn subject(user: &User) -> TokenSubject<'_> {
    TokenSubject {
        org_id: &user.org_id,
        user_id: &user.id,
        username: &user.username,
    }
}

impl DfnsApi {
    /// Verifies a token the mock issued for `purpose`, presented in a request of `session`
    /// (a token is used in the session it was issued in: anything else is refused, naming
    /// both).
    pub(crate) fn verify_bound_token(
        &self,
        token: &str,
        purpose: Purpose,
        (field, session): (&str, &SessionKey),
    ) -> Result<BoundToken, ApiError> {
        let unauthorized = |message: String, check: &str| {
            ApiError::new(StatusCode::UNAUTHORIZED, message)
                .detail("field", field)
                .detail("check", check)
        };
        let claims = self
            .signer
            .verify(token, self.clock.unix())
            .map_err(|e| unauthorized(format!("{field}: {e}"), e.check()))?;
        let Some(mock) = claims.mock.filter(|m| m.purpose == purpose) else {
            return Err(unauthorized(
                format!(
                    "{field}: this token was not issued for {}",
                    purpose.as_str()
                ),
                "purpose",
            ));
        };
        if mock.session != session.as_str() {
            return Err(unauthorized(
                format!(
                    "{field} was issued in session \"{}\" but this request is in session \"{}\"; \
                     send it with X-Dfns-Mock-Session: {} (or without the header)",
                    mock.session,
                    session.as_str(),
                    mock.session
                ),
                "session",
            ));
        }
        Ok(BoundToken {
            jti: claims.jti,
            challenge: mock.challenge.unwrap_or_default(),
            session: SessionKey(mock.session),
            user_id: claims.app_metadata.user_id,
            org_id: claims.app_metadata.org_id,
            username: claims.username,
            action: mock.action,
        })
    }

    /// A short-lived token about `subject` (lifetime `auth.temp_token_ttl_secs`), binding
    /// `mock`: every temporary token and challenge identifier the mock issues. Single-use
    /// ones are recorded in their session's ledger; credential and recovery challenges are
    /// recorded by their caller as pending challenges instead (under a lock it holds).
    pub(crate) fn temp_token(&self, subject: &TokenSubject, jti: &str, mock: MockClaim) -> String {
        if mock.purpose.is_single_use() {
            let session = SessionKey(mock.session.clone());
            self.sessions
                .with(&session, |state| state.tokens.issue(jti));
        }
        self.sign_temp_token(subject, jti, mock)
    }

    /// [`DfnsApi::temp_token`] without recording it: for a caller that recorded it in its
    /// session's ledger under a lock it held.
    pub(crate) fn sign_temp_token(
        &self,
        subject: &TokenSubject,
        jti: &str,
        mock: MockClaim,
    ) -> String {
        let (now, ttl) = (self.clock.unix(), self.auth.temp_token_ttl_secs);
        self.signer
            .sign(TokenKind::Temp, subject, now, ttl, jti, mock)
    }

    /// A temporary token about `subject` binding `challenge` for `purpose` in `session`.
    pub(crate) fn challenge_token(
        &self,
        subject: &TokenSubject,
        jti: &str,
        (challenge, purpose): (&str, Purpose),
        session: &SessionKey,
    ) -> String {
        self.temp_token(subject, jti, challenge_claim(challenge, purpose, session))
    }

    /// A session token for `user`, the `n`-th issued in `session`, recorded as the user's
    /// (a logout of all sessions ends them).
    pub(crate) fn session_token(&self, session: &SessionKey, user: &User, n: u64) -> String {
        let jti = self.seed.dfns_id(
            "to",
            &[session.as_str(), &user.id, "session", &n.to_string()],
        );
        self.sessions.with(session, |state| {
            let issued = state.issued_sessions.entry(user.id.clone());
            let issued = issued.or_insert_with(|| CappedSet::new(MAX_SESSIONS_PER_USER));
            issued.insert(jti.clone());
        });
        self.signer.sign(
            TokenKind::Token,
            &subject(user),
            self.clock.unix(),
            self.auth.session_token_ttl_secs,
            &jti,
            MockClaim {
                challenge: None,
                purpose: Purpose::Session,
                session: session.0.clone(),
                action: None,
            },
        )
    }
}
