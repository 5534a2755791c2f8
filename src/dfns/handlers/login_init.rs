//! `POST /auth/login/init`: a login challenge and its signed `challengeIdentifier`, with the
//! credentials the user (when named) may answer with.

use serde_json::json;

use super::{Patch, Reply};
use crate::dfns::allow::{allow_credentials, supported_kinds};
use crate::dfns::body::{FieldErrors, ObjectReader, ORG_ID};
use crate::dfns::codes::find_code;
use crate::dfns::error::user_not_found;
use crate::dfns::error::ApiError;
use crate::dfns::facts::Facts;
use crate::dfns::tokens::{MockClaim, Purpose, TokenKind, TokenSubject};
use crate::dfns::DfnsApi;
use crate::session::CodeKind;

/// `POST /auth/login/init`.
pub(crate) fn handle(api: &DfnsApi, facts: &Facts, _patch: Patch) -> Reply {
    let body = facts.json()?;
    let mut errors = FieldErrors::default();
    let mut reader = ObjectReader::new(body, &mut errors)?;
    let username = reader.optional_string("username", 1, 256);
    let org_id =
        reader.required_pattern("orgId", 1, 64, &ORG_ID, "or-xxxxx-xxxxx-xxxxxxxxxxxxxxxx");
    let login_code = reader.optional_string("loginCode", 1, 256);
    reader.reject_unknown(&["username", "orgId", "loginCode"]);
    errors.into_result()?;
    if login_code.is_some() && username.is_none() {
        return Err(ApiError::invalid_field(
            "loginCode",
            "needs the username the code was sent to",
        ));
    }
    let org_id = org_id.unwrap_or_default();

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
    let identifier = api.signer.sign(
        TokenKind::Temp,
        &TokenSubject {
            org_id: &org_id,
            user_id: who,
            username: user.as_ref().map_or("", |u| u.username.as_str()),
        },
        api.clock.unix(),
        api.auth.temp_token_ttl_secs,
        &jti,
        MockClaim {
            challenge: Some(challenge.clone()),
            purpose: Purpose::Login,
            session: facts.session.0.clone(),
            action: None,
        },
    );
    Ok(json!({
        "challenge": challenge,
        "challengeIdentifier": identifier,
        "rp": { "id": api.auth.rp_id, "name": api.auth.rp_name },
        "supportedCredentialKinds": supported_kinds(user.as_ref(), &api.auth.first_factor),
        "userVerification": api.auth.user_verification,
        "attestation": api.auth.attestation,
        "allowCredentials": allow_credentials(user.as_ref(), login_code.is_some()),
        "externalAuthenticationUrl": "",
    }))
}
