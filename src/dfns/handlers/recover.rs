//! `POST /auth/recover/user`: with the recovery's `temporaryAuthenticationToken` as
//! `Authorization: Bearer`, new credentials answering the recovery challenge (like a
//! registration's) and a RecoveryKey assertion whose challenge is base64url of the JSON of
//! those new credentials. On success the new credentials replace all of the user's previous
//! ones and every session of the user ends; the token is spent.

use serde_json::{json, Value};
use warp::http::StatusCode;

use super::create_recovery_challenge::not_a_recovery_factor;
use super::{Patch, Reply};
use crate::dfns::body::object_of;
use crate::dfns::credentials::webauthn_error;
use crate::dfns::error::{not_authorized, user_not_found, ApiError};
use crate::dfns::facts::Facts;
use crate::dfns::tokens::Purpose;
use crate::dfns::DfnsApi;
use crate::session::PendingChallenge;
use crate::users::CredentialKind;
use crate::webauthn::{verify_key_assertion_of_document, KeyDigest};

/// 401 for a recovery token already used.
fn spent() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "temporaryAuthenticationToken has already been used",
    )
    .detail("field", "temporaryAuthenticationToken")
    .detail("check", "spent")
}

/// A required object at `field` of `object`.
fn object_at<'a>(object: &'a Value, field: &str, path: &str) -> Result<&'a Value, ApiError> {
    object
        .get(field)
        .filter(|v| v.is_object())
        .ok_or_else(|| ApiError::invalid_field(path, "is required and must be an object"))
}

/// `POST /auth/recover/user`.
pub(crate) fn handle(api: &DfnsApi, facts: &Facts, _: (), _patch: Patch) -> Reply {
    let bearer = facts.bearer.as_deref().ok_or_else(|| {
        not_authorized(
            "the recovery's temporaryAuthenticationToken is required as Authorization: Bearer",
        )
    })?;
    let bound = api.verify_bound_token(
        bearer,
        Purpose::Recovery,
        ("temporaryAuthenticationToken", &facts.session),
    )?;
    let body = facts.json()?;
    object_of(body, &["recovery", "newCredentials"])?;
    let recovery = object_at(body, "recovery", "recovery")?;
    let new_credentials = object_at(body, "newCredentials", "newCredentials")?;
    let factors = [
        "firstFactorCredential",
        "secondFactorCredential",
        "recoveryCredential",
    ];
    if let Some(unknown) = new_credentials
        .as_object()
        .and_then(|o| o.keys().find(|k| !factors.contains(&k.as_str())))
    {
        return Err(ApiError::invalid_field(
            &format!("newCredentials.{unknown}"),
            format!("is not a known field (known: {})", factors.join(", ")),
        ));
    }
    if recovery.get("kind").and_then(Value::as_str) != Some(CredentialKind::RecoveryKey.as_str()) {
        return Err(ApiError::invalid_field(
            "recovery.kind",
            "must be RecoveryKey",
        ));
    }
    let field = "recovery.credentialAssertion";
    let assertion = object_at(recovery, "credentialAssertion", field)?;
    let text = |name: &str| {
        assertion.get(name).and_then(Value::as_str).ok_or_else(|| {
            ApiError::invalid_field(
                &format!("{field}.{name}"),
                "is required and must be a string",
            )
        })
    };
    let cred_id = text("credId")?.trim_end_matches('=');
    let (pending, user) = api.sessions.read(&bound.session, |state| {
        let pending = state.pending_challenges.get(&bound.jti).cloned();
        (pending, state.users.get(&bound.user_id).cloned())
    });
    let Some(PendingChallenge::Recovery {
        cred_id: allowed, ..
    }) = pending
    else {
        return Err(spent());
    };
    let user = user.ok_or_else(user_not_found)?;
    let recovery_key = user
        .credential(cred_id)
        .filter(|c| c.cred_id() == allowed && c.active && c.kind() == CredentialKind::RecoveryKey)
        .ok_or_else(not_a_recovery_factor)?;
    let key = recovery_key.key().ok_or_else(not_a_recovery_factor)?;
    let digest = KeyDigest::from_algorithm(assertion.get("algorithm").and_then(Value::as_str))
        .map_err(|e| ApiError::invalid_field(&format!("{field}.algorithm"), e))?;
    verify_key_assertion_of_document(
        text("clientData")?,
        text("signature")?,
        key,
        digest,
        "key.get",
        new_credentials,
    )
    .map_err(|e| webauthn_error(field, e))?;
    let first = new_credentials
        .get("firstFactorCredential")
        .ok_or_else(|| {
            ApiError::invalid_field("newCredentials.firstFactorCredential", "is required")
        })?;
    let credentials = api.register_credentials(
        new_credentials.as_object().expect("checked: an object"),
        first,
        "newCredentials",
        &bound.challenge,
        &user,
    )?;
    let first = credentials[0].clone();
    api.sessions.with(&bound.session, |state| {
        if state.pending_challenges.remove(&bound.jti).is_none() {
            return Err(spent());
        }
        let stored = state.users.get_mut(&user.id).ok_or_else(user_not_found)?;
        stored.credentials = credentials;
        state.end_sessions_of(&user.id);
        Ok(())
    })?;
    Ok(json!({
        "credential": { "uuid": first.uuid, "kind": first.kind(), "name": first.name },
        "user": { "id": user.id, "username": user.username, "orgId": user.org_id },
    }))
}
