//! `POST /auth/action/init`: a user action challenge for the signed-in user, binding the
//! request it will sign (method, path, a hash of the payload) into its signed
//! `challengeIdentifier`, and offering the user's active credentials.

use serde_json::{json, Value};

use super::{Patch, Reply};
use crate::dfns::allow::{allow_credentials, supported_kinds};
use crate::dfns::body::{FieldErrors, ObjectReader};
use crate::dfns::caller::payload_hash;
use crate::dfns::error::no_usable_credential;
use crate::dfns::facts::Facts;
use crate::dfns::tokens::{ActionBinding, MockClaim, Purpose};
use crate::dfns::DfnsApi;
use crate::users::Factor;

/// The fields of the body.
const FIELDS: [&str; 4] = [
    "userActionServerKind",
    "userActionHttpMethod",
    "userActionHttpPath",
    "userActionPayload",
];

/// `POST /auth/action/init`.
pub(crate) fn handle(api: &DfnsApi, facts: &Facts, _patch: Patch) -> Reply {
    let caller = api.caller(facts)?;
    let body = facts.json()?;
    let mut errors = FieldErrors::default();
    let mut reader = ObjectReader::new(body, &mut errors)?;
    if body.get(FIELDS[0]).is_some_and(|v| !v.is_null()) {
        reader.required_enum(FIELDS[0], &["Api", "Staff"]);
    }
    let method = reader.required_enum(FIELDS[1], &["POST", "PUT", "DELETE", "GET"]);
    let path = reader.required_string(FIELDS[2], 1, 2048);
    // The SDK's delegated client leaves the payload out for body-less calls: that is "".
    let payload = reader.optional_string(FIELDS[3], 0, usize::MAX);
    reader.reject_unknown(&FIELDS);
    errors.into_result()?;
    // Both are required: absent ones were reported above.
    let (method, path) = (method.unwrap_or_default(), path.unwrap_or_default());
    let user = &caller.user;
    if !user
        .credentials
        .iter()
        .any(|c| c.active && c.factor == Factor::First)
    {
        return Err(no_usable_credential());
    }
    let session = caller.session.as_str();
    let n = api.sessions.with(&caller.session, |state| {
        state.user_actions += 1;
        state.user_actions.to_string()
    });
    let challenge = api.seed.challenge(&[session, "action", &user.id, &n]);
    let jti = api.seed.dfns_id("to", &[session, "action", &user.id, &n]);
    let identifier = api.temp_token(
        user,
        &jti,
        MockClaim {
            challenge: Some(challenge.clone()),
            purpose: Purpose::ActionChallenge,
            session: session.to_string(),
            action: Some(ActionBinding {
                method,
                path,
                payload_hash: payload_hash(payload.unwrap_or_default().as_bytes()),
            }),
        },
    );
    Ok(json!({
        "challenge": challenge,
        "challengeIdentifier": identifier,
        "rp": { "id": api.auth.rp_id, "name": api.auth.rp_name },
        "supportedCredentialKinds": supported_kinds(Some(user), &api.auth.first_factor),
        "userVerification": api.auth.user_verification,
        "attestation": api.auth.attestation,
        "allowCredentials": allow_credentials(Some(user), true),
        "externalAuthenticationUrl": Value::from(""),
    }))
}
