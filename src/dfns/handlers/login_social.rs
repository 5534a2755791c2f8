//! `POST /auth/login/social`: a session token for the registered user an idToken designates.

use serde_json::json;

use super::{Patch, Reply};
use crate::dfns::error::user_not_found;
use crate::dfns::facts::Facts;
use crate::dfns::DfnsApi;

/// `POST /auth/login/social`.
pub(crate) fn handle(api: &DfnsApi, facts: &Facts, _patch: Patch) -> Reply {
    let who = api.social_identity(facts)?;
    let (user, n) = api.sessions.with(&facts.session, |state| {
        let user = state.users.get(&who.user_id).cloned();
        if user.is_some() {
            state.logins += 1;
        }
        (user, state.logins)
    });
    let user = user.ok_or_else(user_not_found)?;
    Ok(json!({ "token": api.session_token(&facts.session, &user, n) }))
}
