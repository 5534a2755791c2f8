//! The mock's own tokens in use: a temporary token or login identifier presented back is
//! verified into a [`BoundToken`] (signature, expiry, purpose, the challenge and session it
//! binds), and session tokens are issued for a signed-in user.

use warp::http::StatusCode;

use super::error::ApiError;
use super::tokens::{ActionBinding, MockClaim, Purpose, TokenKind, TokenSubject};
use super::DfnsApi;
use crate::capped::CappedSet;
use crate::session::{SessionKey, MAX_SESSIONS_PER_USER};
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

/// The subject of tokens about `user`.
pub(crate) fn subject(user: &User) -> TokenSubject<'_> {
    TokenSubject {
        org_id: &user.org_id,
        user_id: &user.id,
        username: &user.username,
    }
}

impl DfnsApi {
    /// Verifies a token the mock issued for `purpose`.
    pub(crate) fn verify_bound_token(
        &self,
        token: &str,
        purpose: Purpose,
        field: &str,
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
    /// `mock`: every temporary token and challenge identifier the mock issues.
    pub(crate) fn temp_token(&self, subject: &TokenSubject, jti: &str, mock: MockClaim) -> String {
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
        let mock = MockClaim {
            challenge: Some(challenge.to_string()),
            purpose,
            session: session.0.clone(),
            action: None,
        };
        self.temp_token(subject, jti, mock)
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
