//! `POST /auth/action`: the signed user action challenge (a passkey or key assertion of an
//! active credential of the caller, TOTP when given) exchanged for a single-use, expiring
//! `userAction` token bound to the same request as the challenge.

use crate::dfns::bound::not_issued;
use crate::session::Unspendable;
use serde::Serialize;
use serde_json::Value;
use warp::http::StatusCode;

use super::Patch;
use crate::dfns::body::{FromBody, ObjectReader};
use crate::dfns::bound::subject;
use crate::dfns::caller::Caller;
use crate::dfns::credentials::record_sign_count;
use crate::dfns::error::ApiError;
use crate::dfns::facts::Facts;
use crate::dfns::input::Body;
use crate::dfns::tokens::{MockClaim, Purpose};
use crate::dfns::DfnsApi;

/// The body: the signed challenge.
#[derive(Debug)]
pub(crate) struct Action {
    /// `challengeIdentifier`.
    identifier: String,
    /// `firstFactor` (null when absent), checked against the challenge.
    first_factor: Value,
    /// `secondFactor`, when given.
    second_factor: Option<Value>,
}

impl FromBody for Action {
    fn from_body(body: &Value) -> Result<Action, ApiError> {
        let mut reader = ObjectReader::new(body)?;
        let identifier = reader.required_string("challengeIdentifier", 1, usize::MAX);
        let (first_factor, second_factor) = (reader.raw("firstFactor"), reader.raw("secondFactor"));
        reader.reject_unknown(&["challengeIdentifier", "firstFactor", "secondFactor"]);
        reader.finish()?;
        Ok(Action {
            identifier: identifier.unwrap_or_default(),
            first_factor: first_factor.cloned().unwrap_or(Value::Null),
            second_factor: second_factor.cloned(),
        })
    }
}

/// The answer: the user action token.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UserAction {
    user_action: String,
}

/// 400 for a `challengeIdentifier` that is not a live user action challenge of the caller
/// (the Dfns docs' message), saying why in `details.reason`.
fn challenge_not_valid(reason: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "Challenge token is not valid.")
        .detail("field", "challengeIdentifier")
        .detail("reason", reason.into())
}

/// `POST /auth/action`.
pub(crate) fn handle(
    api: &DfnsApi,
    facts: &Facts,
    (caller, Body(body)): (Caller, Body<Action>),
    _patch: Patch,
) -> Result<UserAction, ApiError> {
    let identifier = body.identifier;
    let bound = api
        .verify_bound_token(
            &identifier,
            Purpose::ActionChallenge,
            ("challengeIdentifier", &facts.session),
        )
        .map_err(|e| challenge_not_valid(e.message))?;
    if bound.session != caller.session || bound.user_id != caller.user.id {
        return Err(challenge_not_valid("it was issued to another user"));
    }
    let users = [caller.user.clone()];
    let first = &body.first_factor;
    let answered = api.verify_first_factor(&users, first, "firstFactor", &bound.challenge)?;
    if let Some(second) = &body.second_factor {
        api.verify_second_factor(&caller.user, second)?;
    }
    let user = &caller.user;
    let session = caller.session.as_str();
    let n = api.sessions.with(&caller.session, |state| {
        state.tokens.spend(&bound.jti).map_err(|why| match why {
            Unspendable::Spent => challenge_not_valid("it has already been used"),
            Unspendable::NotIssued => challenge_not_valid(not_issued("challengeIdentifier")),
        })?;
        record_sign_count(state, &user.id, &answered.cred_id, answered.sign_count);
        state.user_actions += 1;
        Ok::<_, ApiError>(state.user_actions.to_string())
    })?;
    let jti = api
        .seed
        .dfns_id("to", &[session, "user-action", &user.id, &n]);
    let user_action = api.temp_token(
        &subject(user),
        &jti,
        MockClaim {
            challenge: None,
            purpose: Purpose::UserAction,
            session: session.to_string(),
            action: bound.action,
        },
    );
    Ok(UserAction { user_action })
}
