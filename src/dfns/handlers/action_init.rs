//! `POST /auth/action/init`: a user action challenge for the signed-in user, binding the
//! request it will sign (method, path, a hash of the payload) into its signed
//! `challengeIdentifier`, and offering the user's active credentials.

use serde_json::Value;

use super::Patch;
use crate::dfns::allow::AssertionChallenge;
use crate::dfns::body::{FromBody, ObjectReader};
use crate::dfns::bound::subject;
use crate::dfns::caller::{payload_hash, Caller};
use crate::dfns::error::{no_usable_credential, ApiError};
use crate::dfns::facts::Facts;
use crate::dfns::input::Body;
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

/// The body: the request the user action will sign.
#[derive(Debug)]
pub(crate) struct ActionInit {
    /// `userActionHttpMethod`.
    method: String,
    /// `userActionHttpPath`.
    path: String,
    /// `userActionPayload`; the SDK's delegated client leaves it out for body-less calls:
    /// that is "".
    payload: String,
}

impl FromBody for ActionInit {
    fn from_body(body: &Value) -> Result<ActionInit, ApiError> {
        let mut reader = ObjectReader::new(body)?;
        if reader.raw(FIELDS[0]).is_some() {
            reader.required_enum(FIELDS[0], &["Api", "Staff"]);
        }
        let method = reader.required_enum(FIELDS[1], &["POST", "PUT", "DELETE", "GET"]);
        let path = reader.required_string(FIELDS[2], 1, 2048);
        let payload = reader.optional_string(FIELDS[3], 0, usize::MAX);
        reader.reject_unknown(&FIELDS);
        reader.finish()?;
        // Both are required: absent ones were reported above.
        Ok(ActionInit {
            method: method.unwrap_or_default(),
            path: path.unwrap_or_default(),
            payload: payload.unwrap_or_default(),
        })
    }
}

/// `POST /auth/action/init`.
pub(crate) fn handle<'a>(
    api: &'a DfnsApi,
    _facts: &Facts,
    (caller, Body(body)): (Caller, Body<ActionInit>),
    _patch: Patch,
) -> Result<AssertionChallenge<'a>, ApiError> {
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
        &subject(user),
        &jti,
        MockClaim {
            challenge: Some(challenge.clone()),
            purpose: Purpose::ActionChallenge,
            session: session.to_string(),
            action: Some(ActionBinding {
                method: body.method,
                path: body.path,
                payload_hash: payload_hash(body.payload.as_bytes()),
            }),
        },
    );
    Ok(api.assertion_challenge(Some(user), (challenge, identifier), true))
}
