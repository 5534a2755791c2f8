//! `POST /auth/action`: the signed user action challenge (a passkey or key assertion of an
//! active credential of the caller, TOTP when given) exchanged for a single-use, expiring
//! `userAction` token bound to the same request as the challenge.

use serde_json::{json, Value};
use warp::http::StatusCode;

use super::{Patch, Reply};
use crate::dfns::body::{FieldErrors, ObjectReader};
use crate::dfns::credentials::record_sign_count;
use crate::dfns::error::ApiError;
use crate::dfns::facts::Facts;
use crate::dfns::tokens::{MockClaim, Purpose};
use crate::dfns::DfnsApi;

/// 400 for a `challengeIdentifier` that is not a live user action challenge of the caller
/// (the Dfns docs' message), saying why in `details.reason`.
fn challenge_not_valid(reason: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "Challenge token is not valid.")
        .detail("field", "challengeIdentifier")
        .detail("reason", reason.into())
}

/// `POST /auth/action`.
pub(crate) fn handle(api: &DfnsApi, facts: &Facts, _patch: Patch) -> Reply {
    let caller = api.caller(facts)?;
    let body = facts.json()?;
    let mut errors = FieldErrors::default();
    let mut reader = ObjectReader::new(body, &mut errors)?;
    let identifier = reader.required_string("challengeIdentifier", 1, usize::MAX);
    reader.reject_unknown(&["challengeIdentifier", "firstFactor", "secondFactor"]);
    errors.into_result()?;
    let identifier = identifier.unwrap_or_default();
    let bound = api
        .verify_bound_token(&identifier, Purpose::ActionChallenge, "challengeIdentifier")
        .map_err(|e| challenge_not_valid(e.message))?;
    if bound.session != caller.session || bound.user_id != caller.user.id {
        return Err(challenge_not_valid("it was issued to another user"));
    }
    let first = body.get("firstFactor").unwrap_or(&Value::Null);
    let users = [caller.user.clone()];
    let answered = api.verify_first_factor(&users, first, "firstFactor", &bound.challenge)?;
    if let Some(second) = body.get("secondFactor").filter(|v| !v.is_null()) {
        api.verify_second_factor(&caller.user, second)?;
    }
    let user = &caller.user;
    let session = caller.session.as_str();
    let n = api.sessions.with(&caller.session, |state| {
        if !state.spent_tokens.insert(bound.jti.clone()) {
            return Err(challenge_not_valid("it has already been used"));
        }
        record_sign_count(state, &user.id, &answered.cred_id, answered.sign_count);
        state.user_actions += 1;
        Ok(state.user_actions.to_string())
    })?;
    let jti = api
        .seed
        .dfns_id("to", &[session, "user-action", &user.id, &n]);
    let user_action = api.temp_token(
        user,
        &jti,
        MockClaim {
            challenge: None,
            purpose: Purpose::UserAction,
            session: session.to_string(),
            action: bound.action,
        },
    );
    Ok(json!({ "userAction": user_action }))
}
