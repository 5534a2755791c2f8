//! `POST /auth/login/init`: a login challenge and its signed `challengeIdentifier`, with the
//! credentials the user (when named) may answer with.

use serde_json::Value;

use super::Patch;
use crate::dfns::allow::AssertionChallenge;
use crate::dfns::body::{FromBody, ObjectReader, ORG_ID};
use crate::dfns::codes::find_code;
use crate::dfns::error::user_not_found;
use crate::dfns::error::ApiError;
use crate::dfns::facts::Facts;
use crate::dfns::input::Body;
use crate::dfns::tokens::{Purpose, TokenSubject};
use crate::dfns::DfnsApi;
use crate::session::CodeKind;

/// The body: `{username?, orgId, loginCode?}`.
#[derive(Debug)]
pub(crate) struct LoginInit {
    username: Option<String>,
    org_id: String,
    login_code: Option<String>,
}

impl FromBody for LoginInit {
    fn from_body(body: &Value) -> Result<LoginInit, ApiError> {
        let mut reader = ObjectReader::new(body)?;
        let username = reader.optional_string("username", 1, 256);
        let org_id = reader.required_pattern("orgId", (1, 64), &ORG_ID);
        let login_code = reader.optional_string("loginCode", 1, 256);
        reader.reject_unknown(&["username", "orgId", "loginCode"]);
        reader.finish()?;
        Ok(LoginInit {
            username,
            org_id: org_id.unwrap_or_default(),
            login_code,
        })
    }
}

/// `POST /auth/login/init`.
pub(crate) fn handle<'a>(
    api: &'a DfnsApi,
    facts: &Facts,
    Body(body): Body<LoginInit>,
    _patch: Patch,
) -> Result<AssertionChallenge<'a>, ApiError> {
    let LoginInit {
        username,
        org_id,
        login_code,
    } = body;
    if login_code.is_some() && username.is_none() {
        return Err(ApiError::invalid_field(
            "loginCode",
            "needs the username the code was sent to",
        ));
    }

    let (user, n) = api.sessions.with(&facts.session, |state| {
        state.logins += 1;
        let user = match &username {
            Some(name) => Some(
                state
                    .user_named(&org_id, name)
                    .cloned()
                    .ok_or_else(user_not_found)?,
            ),
            None => None,
        };
        // A login code is spent by the challenge it opens.
        if let (Some(code), Some(user)) = (&login_code, &user) {
            let i = find_code(state, CodeKind::Login, user, code, "loginCode")?;
            state.pending_codes.remove(i);
        }
        Ok::<_, ApiError>((user, state.logins))
    })?;
    let n = n.to_string();
    let who = user.as_ref().map_or("", |u| u.id.as_str());
    let challenge = api
        .seed
        .challenge(&[facts.session.as_str(), "login", who, &n]);
    let jti = api
        .seed
        .dfns_id("to", &[facts.session.as_str(), "login", who, &n]);
    let subject = TokenSubject {
        org_id: &org_id,
        user_id: who,
        username: user.as_ref().map_or("", |u| u.username.as_str()),
    };
    let purpose = Purpose::Login;
    let identifier = api.challenge_token(&subject, &jti, (&challenge, purpose), &facts.session);
    let challenge_and_identifier = (challenge, identifier);
    Ok(api.assertion_challenge(
        user.as_ref(),
        challenge_and_identifier,
        login_code.is_some(),
    ))
}
