//! `POST /auth/credentials`: a new credential for the signed-in user (user-action signed),
//! answering a challenge of `POST /auth/credentials/init` for the same user and kind, verified
//! like a registration's; answers the credential as `GET /auth/credentials` lists it.

use serde_json::Value;
use warp::http::StatusCode;

use super::Patch;
use crate::dfns::body::{object_of, FromBody};
use crate::dfns::credentials::CredentialItem;
use crate::dfns::error::{user_not_found, ApiError};
use crate::dfns::facts::Facts;
use crate::dfns::input::{Body, Signed};
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

/// The body: the new credential (`credentialKind`, `credentialInfo`, `credentialName`,
/// `encryptedPrivateKey`, verified like a registration's) and the challenge it answers.
#[derive(Debug)]
pub(crate) struct NewCredential {
    /// `challengeIdentifier`.
    identifier: String,
    /// `credentialKind` as given, compared with the challenge's.
    kind: Option<String>,
    /// The whole body: the credential as a registration gives it.
    credential: Value,
}

impl FromBody for NewCredential {
    fn from_body(body: &Value) -> Result<NewCredential, ApiError> {
        let object = object_of(body, &KNOWN)?;
        let text = |field: &str| match object.get(field) {
            Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
            _ => Err(ApiError::invalid_field(
                field,
                "is required and must be a non-empty string",
            )),
        };
        let identifier = text("challengeIdentifier")?;
        text("credentialName")?;
        let kind = object.get("credentialKind").and_then(Value::as_str);
        Ok(NewCredential {
            identifier,
            kind: kind.map(String::from),
            credential: body.clone(),
        })
    }
}

/// `POST /auth/credentials`.
pub(crate) fn handle(
    api: &DfnsApi,
    facts: &Facts,
    (Signed(caller), Body(body)): (Signed, Body<NewCredential>),
    _patch: Patch,
) -> Result<CredentialItem, ApiError> {
    let bound = api
        .verify_bound_token(
            &body.identifier,
            Purpose::Credential,
            ("challengeIdentifier", &facts.session),
        )
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
    if body.kind.is_some_and(|asked| asked != kind.as_str()) {
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
    let credential =
        api.register_credential(&body.credential, "", factor, &bound.challenge, user, index)?;
    if user.credential(credential.cred_id()).is_some() {
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
