//! `POST /auth/login/social`: a session token for the registered user an idToken designates.

use super::{Patch, SessionToken};
use crate::dfns::error::{user_not_found, ApiError};
use crate::dfns::facts::Facts;
use crate::dfns::input::Body;
use crate::dfns::registration::SocialRequest;
use crate::dfns::DfnsApi;

/// `POST /auth/login/social`.
pub(crate) fn handle(
    api: &DfnsApi,
    facts: &Facts,
    Body(request): Body<SocialRequest>,
    _patch: Patch,
) -> Result<SessionToken, ApiError> {
    let who = api.social_identity(facts, &request)?;
    let (user, n) = api.sessions.with(&facts.session, |state| {
        let user = state.users.get(&who.user_id).cloned();
        if user.is_some() {
            state.logins += 1;
        }
        (user, state.logins)
    });
    let user = user.ok_or_else(user_not_found)?;
    let token = api.session_token(&facts.session, &user, n);
    Ok(SessionToken { token })
}
