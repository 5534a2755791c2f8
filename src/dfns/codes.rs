//! One-time codes the real service e-mails (login codes, recovery codes). The mock sends no
//! e-mail: a code is derived from the seed, the session, the user and a per-session counter,
//! kept in the session (listed by `GET /__mock/sessions/{key}` as `pendingCodes`), noted on the
//! journal entry of the call that "sent" it (`annotations.sentCode`), and spent only by a call
//! that succeeds with it. A new code for the same user and purpose replaces the previous one.

use serde_json::{json, Value};
use warp::http::StatusCode;

use super::body::{FromBody, ObjectReader, ORG_ID};
use super::error::{user_not_found, ApiError};
use super::facts::Facts;
use super::DfnsApi;
use crate::session::{CodeKind, PendingCode, SessionState};
use crate::users::User;

/// 403 `Invalid code`: the Dfns message for a wrong, used or unknown one-time code.
pub(crate) fn invalid_code(field: &str) -> ApiError {
    ApiError::new(StatusCode::FORBIDDEN, "Invalid code")
        .detail("field", field)
        .detail("check", "code")
}

/// A `{username, orgId, tenantId?}` body, as `sendLoginCode` and `sendRecoveryCode` take it.
#[derive(Debug)]
pub(crate) struct CodeRequest {
    username: String,
    org_id: String,
}

impl FromBody for CodeRequest {
    fn from_body(body: &Value) -> Result<CodeRequest, ApiError> {
        let mut reader = ObjectReader::new(body)?;
        let username = reader.required_string("username", 1, 256);
        let org_id = reader.required_string("orgId", 1, 64);
        reader.optional_string("tenantId", 1, 64);
        reader.reject_unknown(&["username", "orgId", "tenantId"]);
        reader.check_pattern("orgId", org_id.as_deref(), &ORG_ID);
        reader.finish()?;
        Ok(CodeRequest {
            username: username.unwrap_or_default(),
            org_id: org_id.unwrap_or_default(),
        })
    }
}

impl DfnsApi {
    /// `POST /auth/login/code` (`Login`) and `POST /auth/recover/user/code` (`Recovery`): a
    /// new code of `kind` for the user `request` names, in the request's session, noted on
    /// the request's journal entry as `sentCode`; 401 `User not found` for an unknown user.
    pub(crate) fn send_code(
        &self,
        facts: &Facts,
        request: CodeRequest,
        kind: CodeKind,
    ) -> Result<(), ApiError> {
        let CodeRequest { username, org_id } = request;
        let session = &facts.session;
        self.sessions.with(session, |state| {
            let user_id = state
                .user_named(&org_id, &username)
                .map(|u| u.id.clone())
                .ok_or_else(user_not_found)?;
            state.issued += 1;
            let kind_name = format!("{kind:?}");
            let digits = self.seed.digits(
                "one-time-code",
                &[
                    session.as_str(),
                    &kind_name,
                    &user_id,
                    &state.issued.to_string(),
                ],
                16,
            );
            let code = [&digits[..4], &digits[4..8], &digits[8..12], &digits[12..]].join("-");
            state
                .pending_codes
                .retain(|c| !(c.kind == kind && c.username == username && c.org_id == org_id));
            let sent = PendingCode {
                kind,
                username,
                org_id,
                code,
            };
            facts.annotate("sentCode", json!(sent));
            state.pending_codes.push(sent);
            Ok(())
        })
    }
}

/// Where the pending code `code` of `kind` sent to `user` is in `state.pending_codes`, or 403
/// `Invalid code` on `field`. The caller removes it once every other check passed (under the
/// same lock), so that only a call that succeeds spends it.
pub(crate) fn find_code(
    state: &SessionState,
    kind: CodeKind,
    user: &User,
    code: &str,
    field: &str,
) -> Result<usize, ApiError> {
    state
        .pending_codes
        .iter()
        .position(|c| {
            c.kind == kind
                && c.username == user.username
                && c.org_id == user.org_id
                && c.code == code
        })
        .ok_or_else(|| invalid_code(field))
}
