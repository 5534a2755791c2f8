//! `POST /auth/recover/user/init`: for a pending recovery code and one of the user's
//! RecoveryKeys, a recovery challenge and its `temporaryAuthenticationToken` (for
//! `POST /auth/recover/user`), with the RecoveryKey's encrypted private key. The code is spent
//! only when the challenge is issued.

use serde_json::Value;
use warp::http::StatusCode;

use super::Patch;
use crate::dfns::body::{FromBody, ObjectReader, ORG_ID};
use crate::dfns::codes::find_code;
use crate::dfns::error::{user_not_found, ApiError};
use crate::dfns::facts::Facts;
use crate::dfns::input::Body;
use crate::dfns::registration::{ChallengeUser, RecoveryCredential, RegistrationChallenge};
use crate::dfns::tokens::Purpose;
use crate::dfns::DfnsApi;
use crate::session::{CodeKind, PendingChallenge};
use crate::users::CredentialKind;

/// The fields of the body.
const KNOWN: [&str; 5] = [
    "username",
    "verificationCode",
    "orgId",
    "credentialId",
    "tenantId",
];

/// The body: the recovery code sent to the user, and the RecoveryKey to recover with.
#[derive(Debug)]
pub(crate) struct RecoveryChallenge {
    username: String,
    code: String,
    org_id: String,
    cred_id: String,
}

impl FromBody for RecoveryChallenge {
    fn from_body(body: &Value) -> Result<RecoveryChallenge, ApiError> {
        let mut reader = ObjectReader::new(body)?;
        let username = reader.required_string("username", 1, 256);
        let code = reader.required_string("verificationCode", 1, 256);
        let org_id = reader.required_string("orgId", 1, 64);
        let cred_id = reader.required_string("credentialId", 1, 1024);
        reader.optional_string("tenantId", 1, 64);
        reader.reject_unknown(&KNOWN);
        if let Some(org) = org_id.as_deref().filter(|org| !ORG_ID.regex.is_match(org)) {
            let message = format!("must match {}, got \"{org}\"", ORG_ID.regex.as_str());
            reader.push("orgId", message);
        }
        reader.finish()?;
        Ok(RecoveryChallenge {
            username: username.unwrap_or_default(),
            code: code.unwrap_or_default(),
            org_id: org_id.unwrap_or_default(),
            cred_id: cred_id.unwrap_or_default(),
        })
    }
}

/// 401 when the credential named is not an active RecoveryKey of the user (the Dfns message).
pub(crate) fn not_a_recovery_factor() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "Credential cannot be used as a recovery factor.",
    )
}

/// `POST /auth/recover/user/init`.
pub(crate) fn handle<'a>(
    api: &'a DfnsApi,
    facts: &Facts,
    Body(body): Body<RecoveryChallenge>,
    _patch: Patch,
) -> Result<RegistrationChallenge<'a>, ApiError> {
    let RecoveryChallenge {
        username,
        code,
        org_id,
        cred_id,
    } = body;
    let session = &facts.session;
    let (user, recovery_key, issued) = api.sessions.with(session, |state| {
        let user = state
            .user_named(&org_id, &username)
            .cloned()
            .ok_or_else(user_not_found)?;
        let i = find_code(state, CodeKind::Recovery, &user, &code, "verificationCode")?;
        let recovery_key = user
            .credential(&cred_id)
            .filter(|c| c.active && c.kind() == CredentialKind::RecoveryKey)
            .cloned()
            .ok_or_else(not_a_recovery_factor)?;
        state.pending_codes.remove(i);
        let pending = PendingChallenge::Recovery {
            user_id: user.id.clone(),
            cred_id: recovery_key.cred_id().to_string(),
        };
        let issued = api.issue_challenge(state, session, &user, Purpose::Recovery, pending);
        Ok::<_, ApiError>((user, recovery_key, issued))
    })?;
    let user = ChallengeUser::new(&user.id, &user.username);
    let mut answer = api.registration_challenge(user, issued.challenge, issued.token);
    answer.allowed_recovery_credentials = Some(vec![RecoveryCredential {
        encrypted_recovery_key: recovery_key
            .encrypted_private_key()
            .unwrap_or_default()
            .to_string(),
        id: recovery_key.cred_id().to_string(),
    }]);
    Ok(answer)
}
