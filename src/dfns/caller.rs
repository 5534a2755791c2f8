//! PLACEHOLDER (wt10b) for wt10a's `src/dfns/caller.rs`, same path and signatures as
//! /work/notes/user-action-api.md gives them; the lead replaces this file with wt10a's at
//! merge, keeping the one `session_ended` line in [`DfnsApi::caller`].
//!
//! - [`DfnsApi::caller`] is real enough for the endpoints of a signed-in user: the bearer
//!   session token verified (signature, expiry, purpose), not ended by a logout or a
//!   recovery, and its user.
//! - [`DfnsApi::user_action`] is NOT the real check: it only requires an `X-DFNS-USERACTION`
//!   header to be present (403 `user action signature is missing or invalid` otherwise).

use warp::http::StatusCode;

use super::error::ApiError;
use super::facts::Facts;
use super::tokens::Purpose;
use super::DfnsApi;
use crate::session::SessionKey;
use crate::users::User;

/// Who is calling: the signed-in user of the bearer session token.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    /// The user, as the session holds it now (a copy).
    pub(crate) user: User,
    /// The session the token was issued in (read/write state here, not facts.session).
    pub(crate) session: SessionKey,
    /// The session token's `jti`.
    pub(crate) token_id: String,
    /// The session token's `iat` (unix seconds).
    #[allow(dead_code)] // the real caller.rs uses it
    pub(crate) issued_at: i64,
}

/// 401 `Not Authorized.` with the failed check in `details`.
fn not_authorized(check: &str, reason: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "Not Authorized.")
        .detail("field", "authorization")
        .detail("check", check)
        .detail("reason", reason.into())
}

impl DfnsApi {
    /// `Authorization: Bearer <session token>` → [`Caller`], else 401 `Not Authorized.`
    pub(crate) fn caller(&self, facts: &Facts) -> Result<Caller, ApiError> {
        let token = facts.bearer.as_deref().ok_or_else(|| {
            not_authorized(
                "missing",
                "a session token is required as Authorization: Bearer",
            )
        })?;
        let claims = self
            .signer
            .verify(token, self.clock.unix())
            .map_err(|e| not_authorized(e.check(), e.to_string()))?;
        let session = match claims.mock {
            Some(mock) if mock.purpose == Purpose::Session => SessionKey(mock.session),
            _ => {
                return Err(not_authorized(
                    "purpose",
                    "this token is not a session token",
                ))
            }
        };
        let user = self.sessions.read(&session, |state| {
            if state.session_ended(&claims.jti) {
                return Err(not_authorized("ended", "this session was ended"));
            }
            state
                .users
                .get(&claims.app_metadata.user_id)
                .cloned()
                .ok_or_else(|| not_authorized("user", "the token's user is not registered"))
        })?;
        Ok(Caller {
            user,
            session,
            token_id: claims.jti,
            issued_at: claims.iat,
        })
    }

    /// PLACEHOLDER: the signed-in caller, and an `X-DFNS-USERACTION` header that is merely
    /// present (wt10a's real one verifies, binds and spends it).
    pub(crate) fn user_action(&self, facts: &Facts) -> Result<Caller, ApiError> {
        let caller = self.caller(facts)?;
        if !facts.ctx.headers.contains_key("x-dfns-useraction") {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "user action signature is missing or invalid",
            ));
        }
        Ok(caller)
    }
}
