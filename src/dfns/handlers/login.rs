//! `POST /auth/login`: the answer to a login challenge (a passkey, key or password, plus TOTP
//! when the user has it) exchanged for a session token; the identifier is single-use.

use crate::dfns::bound::unspendable;
use serde_json::Value;
use warp::http::StatusCode;

use super::{Patch, SessionToken};
use crate::config::CredentialKind;
use crate::dfns::body::FromBody;
use crate::dfns::credentials::record_sign_count;
use crate::dfns::error::{user_not_found, ApiError};
use crate::dfns::facts::Facts;
use crate::dfns::input::Body;
use crate::dfns::tokens::Purpose;
use crate::dfns::DfnsApi;
use crate::users::User;

/// The fields of the body.
const KNOWN: [&str; 3] = ["challengeIdentifier", "firstFactor", "secondFactor"];

/// The body: the login challenge's identifier and its answer.
#[derive(Debug)]
pub(crate) struct Login {
    /// `challengeIdentifier`.
    identifier: String,
    /// `firstFactor` (null when absent), checked against the challenge.
    first_factor: Value,
    /// `secondFactor`, when given.
    second_factor: Option<Value>,
}

impl FromBody for Login {
    fn from_body(body: &Value) -> Result<Login, ApiError> {
        let Some(object) = body.as_object() else {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "request body must be a JSON object",
            ));
        };
        if let Some(unknown) = object.keys().find(|k| !KNOWN.contains(&k.as_str())) {
            return Err(ApiError::invalid_field(
                unknown,
                format!("is not a known field (known: {})", KNOWN.join(", ")),
            ));
        }
        let identifier = object
            .get("challengeIdentifier")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                ApiError::invalid_field("challengeIdentifier", "is required and must be a string")
            })?;
        Ok(Login {
            identifier: identifier.to_string(),
            first_factor: object.get("firstFactor").cloned().unwrap_or(Value::Null),
            second_factor: object.get("secondFactor").cloned(),
        })
    }
}

/// `POST /auth/login`.
pub(crate) fn handle(
    api: &DfnsApi,
    facts: &Facts,
    Body(body): Body<Login>,
    _patch: Patch,
) -> Result<SessionToken, ApiError> {
    let identifier = &body.identifier;
    let first = &body.first_factor;
    let field = "challengeIdentifier";
    let bound = api.verify_bound_token(identifier, Purpose::Login, (field, &facts.session))?;
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
    let password = Some(CredentialKind::Password.as_str());
    if first.get("kind").and_then(Value::as_str) == password && bound.user_id.is_empty() {
        return Err(ApiError::invalid_field(
            "firstFactor.kind",
            "a Password login needs a challenge created with a username",
        ));
    }
    let answered = api.verify_first_factor(&candidates, first, "firstFactor", &bound.challenge)?;
    let user = answered.user;
    if user.requires_second_factor() {
        let second = body.second_factor.as_ref().ok_or_else(|| {
            ApiError::invalid_field("secondFactor", "is required: the user has a second factor")
        })?;
        api.verify_second_factor(user, second)?;
    }
    // Commit: the identifier is single-use and counters only move forward.
    let n = api.sessions.with(&bound.session, |state| {
        (state.tokens.spend(&bound.jti)).map_err(|why| unspendable(why, field))?;
        record_sign_count(state, &user.id, &answered.cred_id, answered.sign_count);
        state.logins += 1;
        Ok::<_, ApiError>(state.logins)
    })?;
    let token = api.session_token(&bound.session, user, n);
    Ok(SessionToken { token })
}
