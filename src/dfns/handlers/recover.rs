//! `POST /auth/recover/user`: with the recovery's `temporaryAuthenticationToken` as
//! `Authorization: Bearer`, new credentials answering the recovery challenge (like a
//! registration's) and a RecoveryKey assertion whose challenge is base64url of the JSON of
//! those new credentials. On success the new credentials replace all of the user's previous
//! ones and every session of the user ends; the token is spent.

use serde_json::Value;
use warp::http::StatusCode;

use super::create_recovery_challenge::not_a_recovery_factor;
use super::{Patch, Registered};
use crate::dfns::body::{FromBody, ObjectReader};
use crate::dfns::credentials::{webauthn_error, NewCredentials};
use crate::dfns::error::{not_authorized, user_not_found, ApiError};
use crate::dfns::facts::Facts;
use crate::dfns::tokens::Purpose;
use crate::dfns::DfnsApi;
use crate::session::PendingChallenge;
use crate::users::CredentialKind;
use crate::webauthn::{verify_key_assertion_of_document, KeyDigest};

/// Where the RecoveryKey's assertion is in the body.
const ASSERTION: &str = "recovery.credentialAssertion";

/// The body: the RecoveryKey's assertion over the new credentials, and those credentials.
#[derive(Debug)]
pub(crate) struct Recovery {
    /// `recovery.credentialAssertion` (`recovery.kind` is `RecoveryKey`).
    assertion: KeyAssertion,
    /// `newCredentials` as given: the document the assertion signs.
    document: Value,
    /// `newCredentials`, to register.
    credentials: NewCredentials,
}

/// A Key credential's assertion: `{credId, clientData, signature, algorithm?}`.
#[derive(Debug)]
struct KeyAssertion {
    cred_id: String,
    client_data: String,
    signature: String,
    digest: KeyDigest,
}

impl KeyAssertion {
    /// Reads it from `reader`'s object.
    fn read(reader: &mut ObjectReader) -> Option<KeyAssertion> {
        let cred_id = reader.required_text("credId");
        let algorithm = reader.raw("algorithm").and_then(Value::as_str);
        let digest = KeyDigest::from_algorithm(algorithm)
            .map_err(|e| reader.push("algorithm", e))
            .ok();
        let client_data = reader.required_text("clientData");
        let signature = reader.required_text("signature");
        Some(KeyAssertion {
            cred_id: cred_id?.trim_end_matches('=').to_string(),
            client_data: client_data?,
            signature: signature?,
            digest: digest?,
        })
    }
}

/// Reported in the order the checks were made before the body was typed: the fields, both
/// objects, the new credentials' fields, then the assertion, then the first factor.
impl FromBody for Recovery {
    fn from_body(body: &Value) -> Result<Recovery, ApiError> {
        let mut reader = ObjectReader::new(body)?;
        reader.reject_unknown(&["recovery", "newCredentials"]);
        let recovery = reader.required_object("recovery");
        let new_credentials = reader.required_object("newCredentials");
        if let Some(new_credentials) = new_credentials {
            reader.nested("newCredentials", new_credentials, |new| {
                new.reject_unknown(&NewCredentials::FIELDS)
            });
        }
        let assertion = recovery.and_then(|recovery| {
            reader.nested("recovery", recovery, |recovery| {
                let kind = recovery.raw("kind").and_then(Value::as_str);
                if kind != Some(CredentialKind::RecoveryKey.as_str()) {
                    recovery.push("kind", "must be RecoveryKey");
                }
                let assertion = recovery.required_object("credentialAssertion")?;
                recovery.nested("credentialAssertion", assertion, KeyAssertion::read)
            })
        });
        let credentials = new_credentials.and_then(|new_credentials| {
            reader.nested("newCredentials", new_credentials, NewCredentials::read)
        });
        reader.finish()?;
        match (assertion, new_credentials, credentials) {
            (Some(assertion), Some(document), Some(credentials)) => Ok(Recovery {
                assertion,
                document: Value::Object(document.clone()),
                credentials,
            }),
            // Each `None` recorded its violation, which `finish` answered.
            _ => Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "request body is incomplete",
            )),
        }
    }
}

/// 401 for a recovery token already used.
fn spent() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "temporaryAuthenticationToken has already been used",
    )
    .detail("field", "temporaryAuthenticationToken")
    .detail("check", "spent")
}

/// `POST /auth/recover/user`.
pub(crate) fn handle(
    api: &DfnsApi,
    facts: &Facts,
    _: (),
    _patch: Patch,
) -> Result<Registered, ApiError> {
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
    let Recovery {
        assertion,
        document,
        credentials: new_credentials,
    } = facts.body()?;
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
        .credential(&assertion.cred_id)
        .filter(|c| c.cred_id() == allowed && c.active && c.kind() == CredentialKind::RecoveryKey)
        .ok_or_else(not_a_recovery_factor)?;
    let key = recovery_key.key().ok_or_else(not_a_recovery_factor)?;
    verify_key_assertion_of_document(
        &assertion.client_data,
        &assertion.signature,
        key,
        assertion.digest,
        "key.get",
        &document,
    )
    .map_err(|e| webauthn_error(ASSERTION, e))?;
    let credentials =
        api.register_credentials(&new_credentials, "newCredentials", &bound.challenge, &user)?;
    let first = credentials.first().cloned().ok_or_else(|| {
        ApiError::invalid_field("newCredentials.firstFactorCredential", "is required")
    })?;
    api.sessions.with(&bound.session, |state| {
        if state.pending_challenges.remove(&bound.jti).is_none() {
            return Err(spent());
        }
        let stored = state.users.get_mut(&user.id).ok_or_else(user_not_found)?;
        stored.credentials = credentials;
        state.end_sessions_of(&user.id);
        Ok(())
    })?;
    Ok(Registered::of(&user, &first))
}
