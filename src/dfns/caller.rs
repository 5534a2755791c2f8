//! Who calls an endpoint after sign-in: the bearer session token verified into a
//! [`Caller`], and, for mutating endpoints, the user action (`X-DFNS-USERACTION`) checked
//! against the very request it signed and spent, in [`DfnsApi::user_action`], the one check
//! every user-action-signed endpoint makes first.

use crate::dfns::bound::not_issued;
use crate::session::Unspendable;
use data_encoding::HEXLOWER;
use serde_json::Value;
use sha2::{Digest, Sha256};
use warp::http::StatusCode;

use super::error::ApiError;
use super::facts::Facts;
use super::tokens::{Purpose, TokenKind};
use super::DfnsApi;
use crate::session::SessionKey;
use crate::users::User;

/// The header carrying a user action.
pub(crate) const USER_ACTION_HEADER: &str = "x-dfns-useraction";
/// 403 for a user action that is missing, not the mock's, expired, another user's, or
/// signed for another request (the Dfns docs give this message for "missing or invalid";
/// they are silent on the other cases).
pub(crate) const MISSING_OR_INVALID: &str = "user action signature is missing or invalid";
/// 400 for a user action presented again (Dfns docs: "can only be used once").
pub(crate) const ALREADY_USED: &str = "user action has already been used";

/// Who is calling: the signed-in user of the bearer session token.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    /// The user, as the session holds it now (a copy).
    pub(crate) user: User,
    /// The session the token was issued in, where the user's state lives.
    pub(crate) session: SessionKey,
    /// The session token's `jti`.
    pub(crate) token_id: String,
    /// The session token's `iat` (unix seconds).
    #[allow(
        dead_code,
        reason = "read by logout (allSessions), the other half of issue 10"
    )]
    pub(crate) issued_at: i64,
}

/// 401 `Not Authorized.` saying why in `details.reason`.
fn not_authorized(reason: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "Not Authorized.").detail("reason", reason.into())
}

/// What a user action binds of a payload: hex SHA-256 of its canonical JSON (serde_json's
/// map keeps keys sorted) when it is JSON, else of its bytes; so a client that
/// re-serialises the body it signed still matches, and an empty body matches `""`.
pub(crate) fn payload_hash(payload: &[u8]) -> String {
    let canonical = serde_json::from_slice::<Value>(payload)
        .map(|value| value.to_string().into_bytes())
        .unwrap_or_else(|_| payload.to_vec());
    HEXLOWER.encode(&Sha256::digest(canonical))
}

impl DfnsApi {
    /// The signed-in caller: `Authorization: Bearer` must be a session token the mock issued,
    /// unexpired, whose user is registered in its session; else 401 `Not Authorized.`.
    pub(crate) fn caller(&self, facts: &Facts) -> Result<Caller, ApiError> {
        let token = facts.bearer.as_deref().ok_or_else(|| {
            not_authorized("a session token is required as Authorization: Bearer")
        })?;
        let claims = self
            .signer
            .verify(token, self.clock.unix())
            .map_err(|e| not_authorized(e.to_string()))?;
        let mock = claims
            .mock
            .filter(|m| m.purpose == Purpose::Session)
            .filter(|_| claims.app_metadata.token_kind == TokenKind::Token)
            .ok_or_else(|| not_authorized("the bearer token is not a session token"))?;
        let session = SessionKey(mock.session);
        let user = self.sessions.read(&session, |state| {
            if state.session_ended(&claims.jti) {
                return Err(not_authorized(
                    "this session was ended (logout or recovery)",
                ));
            }
            state
                .users
                .get(&claims.app_metadata.user_id)
                .cloned()
                .ok_or_else(|| not_authorized("the token's user is not registered in its session"))
        })?;
        Ok(Caller {
            user,
            session,
            token_id: claims.jti,
            issued_at: claims.iat,
        })
    }

    /// The check every user-action-signed endpoint makes first: the [`caller`](Self::caller)
    /// (401), then `X-DFNS-USERACTION` must be a user action the mock issued to this user in
    /// this session, unexpired, bound to this request's method, path and payload, else 403
    /// [`MISSING_OR_INVALID`]; one already spent is 400 [`ALREADY_USED`]. It is spent only
    /// once every check passed, so a refused request leaves it usable for its own.
    pub(crate) fn user_action(&self, facts: &Facts) -> Result<Caller, ApiError> {
        let caller = self.caller(facts)?;
        let refused = |reason: String| {
            ApiError::new(StatusCode::FORBIDDEN, MISSING_OR_INVALID)
                .detail("header", "X-DFNS-USERACTION")
                .detail("reason", reason)
        };
        let token = facts
            .ctx
            .header(USER_ACTION_HEADER)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
            .ok_or_else(|| refused("the header is missing".into()))?;
        let bound = self
            .verify_bound_token(
                token,
                Purpose::UserAction,
                ("X-DFNS-USERACTION", &facts.session),
            )
            .map_err(|e| refused(e.message))?;
        if bound.session != caller.session || bound.user_id != caller.user.id {
            return Err(refused("it was signed by another user".into()));
        }
        let binding = bound
            .action
            .ok_or_else(|| refused("it binds no request".into()))?;
        if binding.method != facts.method.as_str() || binding.path != facts.path {
            return Err(refused(format!(
                "it was signed for {} {}, not {} {}",
                binding.method, binding.path, facts.method, facts.path
            )));
        }
        if binding.payload_hash != payload_hash(&facts.raw_body) {
            return Err(refused(
                "the request body is not the payload it was signed for".into(),
            ));
        }
        self.sessions
            .with(&caller.session, |state| state.tokens.spend(&bound.jti))
            .map_err(|why| match why {
                Unspendable::Spent => ApiError::new(StatusCode::BAD_REQUEST, ALREADY_USED)
                    .detail("header", "X-DFNS-USERACTION"),
                Unspendable::NotIssued => refused(not_issued("X-DFNS-USERACTION")),
            })?;
        Ok(caller)
    }
}

#[cfg(test)]
mod tests {
    use super::payload_hash;

    #[test]
    fn payloads_bind_as_json_values_or_as_bytes() {
        assert_eq!(
            payload_hash(br#"{"kind":"Message","message":"0x01"}"#),
            payload_hash(br#"{ "message": "0x01", "kind": "Message" }"#)
        );
        assert_ne!(
            payload_hash(br#"{"kind":"Message","message":"0x01"}"#),
            payload_hash(br#"{"kind":"Message","message":"0x02"}"#)
        );
        assert_eq!(payload_hash(b""), payload_hash("".as_bytes()));
        assert_ne!(payload_hash(b""), payload_hash(b"{}"));
        assert_ne!(payload_hash(b"not json"), payload_hash(b"not json "));
    }
}
