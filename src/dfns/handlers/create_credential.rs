//! `POST /auth/credentials`: a new credential for the signed-in user (user-action signed),
//! answering a challenge of `POST /auth/credentials/init` for the same user and kind, verified
//! like a registration's; answers the credential as `GET /auth/credentials` lists it.

use serde_json::Value;
use warp::http::StatusCode;

use super::{Patch, Reply};
use crate::dfns::body::object_of;
use crate::dfns::error::{user_not_found, ApiError};
use crate::dfns::facts::Facts;
use crate::dfns::tokens::Purpose;
use crate::dfns::DfnsApi;
use crate::session::PendingChallenge;
use crate::users::{CredentialKind, Factor};

/// The fields of the body.
const KNOWN: [&str; 5] = [
    "credentialKind",
    "credentialInfo",
    "credentialName",
    "challengeIdentifier",
    "encryptedPrivateKey",
];

/// 400 `Challenge token is not valid.` (the Dfns message for a bad challenge token), with why.
fn invalid_challenge(check: &str, reason: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "Challenge token is not valid.")
        .detail("field", "challengeIdentifier")
        .detail("check", check)
        .detail("reason", reason.into())
}

/// `POST /auth/credentials`.
pub(crate) fn handle(api: &DfnsApi, facts: &Facts, _patch: Patch) -> Reply {
    let caller = api.user_action(facts)?;
    let body = facts.json()?;
    let object = object_of(body, &KNOWN)?;
    for field in ["challengeIdentifier", "credentialName"] {
        if !matches!(object.get(field), Some(Value::String(s)) if !s.is_empty()) {
            return Err(ApiError::invalid_field(
                field,
                "is required and must be a non-empty string",
            ));
        }
    }
    let identifier = object["challengeIdentifier"].as_str().unwrap_or_default();
    let bound = api
        .verify_bound_token(identifier, Purpose::Credential, "challengeIdentifier")
        .map_err(|e| invalid_challenge(&check_of(&e), e.message))?;
    let pending = api.sessions.read(&bound.session, |s| {
        s.pending_challenges.get(&bound.jti).cloned()
    });
    let kind = match pending {
        Some(PendingChallenge::Credential { user_id, kind })
            if user_id == caller.user.id && bound.session == caller.session =>
        {
            kind
        }
        Some(_) => return Err(invalid_challenge("user", "issued to another user")),
        None => return Err(invalid_challenge("spent", "already answered")),
    };
    let asked = object.get("credentialKind").and_then(Value::as_str);
    if asked.is_some_and(|asked| asked != kind.as_str()) {
        return Err(invalid_challenge(
            "kind",
            format!("issued for a {} credential", kind.as_str()),
        ));
    }
    let factor = match kind {
        CredentialKind::Totp => Factor::Second,
        CredentialKind::RecoveryKey => Factor::Recovery,
        _ => Factor::First,
    };
    let user = &caller.user;
    let index = user.credentials.len();
    let credential = api.register_credential(body, "", factor, &bound.challenge, user, index)?;
    if user.credential(&credential.cred_id).is_some() {
        return Err(ApiError::invalid_field(
            "credentialInfo.credId",
            "is already registered to this user",
        ));
    }
    let item = api.credential_item(&credential);
    api.sessions.with(&caller.session, |state| {
        if state.pending_challenges.remove(&bound.jti).is_none() {
            return Err(invalid_challenge("spent", "already answered"));
        }
        let stored = state.users.get_mut(&user.id).ok_or_else(user_not_found)?;
        stored.credentials.push(credential);
        Ok(item)
    })
}

/// The failed check of a token error (`details.check`), else `token`.
fn check_of(error: &ApiError) -> String {
    let check = error.details.get("check").and_then(Value::as_str);
    check.unwrap_or("token").to_string()
}
