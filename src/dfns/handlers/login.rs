//! `POST /auth/login`: the answer to a login challenge (a passkey, key or password, plus TOTP
//! when the user has it) exchanged for a session token; the identifier is single-use.

use serde_json::{json, Value};
use warp::http::StatusCode;

use super::{Patch, Reply};
use crate::dfns::credentials::record_sign_count;
use crate::dfns::error::{user_not_found, ApiError};
use crate::dfns::facts::Facts;
use crate::dfns::tokens::Purpose;
use crate::dfns::DfnsApi;
use crate::users::User;

/// `POST /auth/login`.
pub(crate) fn handle(api: &DfnsApi, facts: &Facts, _patch: Patch) -> Reply {
    let body = facts.json()?;
    let Some(object) = body.as_object() else {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "request body must be a JSON object",
        ));
    };
    if let Some(unknown) = object
        .keys()
        .find(|k| !["challengeIdentifier", "firstFactor", "secondFactor"].contains(&k.as_str()))
    {
        return Err(ApiError::invalid_field(
            unknown,
            "is not a known field (known: challengeIdentifier, firstFactor, secondFactor)",
        ));
    }
    let identifier = object
        .get("challengeIdentifier")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            ApiError::invalid_field("challengeIdentifier", "is required and must be a string")
        })?;
    let bound = api.verify_bound_token(identifier, Purpose::Login, "challengeIdentifier")?;
    let first = object.get("firstFactor").unwrap_or(&Value::Null);
    let candidates: Vec<User> = api.sessions.read(&bound.session, |state| {
        state
            .users
            .values()
            .filter(|u| {
                u.org_id == bound.org_id && (bound.user_id.is_empty() || u.id == bound.user_id)
            })
            .cloned()
            .collect()
    });
    if candidates.is_empty() {
        return Err(user_not_found());
    }
    if first.get("kind").and_then(Value::as_str) == Some("Password") && bound.user_id.is_empty() {
        return Err(ApiError::invalid_field(
            "firstFactor.kind",
            "a Password login needs a challenge created with a username",
        ));
    }
    let answered = api.verify_first_factor(&candidates, first, "firstFactor", &bound.challenge)?;
    let user = answered.user;
    if user.requires_second_factor() {
        let second = object.get("secondFactor").ok_or_else(|| {
            ApiError::invalid_field("secondFactor", "is required: the user has a second factor")
        })?;
        api.verify_second_factor(user, second)?;
    }
    // Commit: the identifier is single-use and counters only move forward.
    let n = api.sessions.with(&bound.session, |state| {
        if !state.spent_tokens.insert(bound.jti.clone()) {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "challengeIdentifier has already been used",
            )
            .detail("field", "challengeIdentifier")
            .detail("check", "spent"));
        }
        record_sign_count(state, &user.id, &answered.cred_id, answered.sign_count);
        state.logins += 1;
        Ok(state.logins)
    })?;
    Ok(json!({ "token": api.session_token(&bound.session, user, n) }))
}
