//! `POST /auth/registration/social`: a registration challenge for the user an idToken
//! designates (refused when that user already exists).

use warp::http::StatusCode;

use super::Patch;
use crate::dfns::error::ApiError;
use crate::dfns::facts::Facts;
use crate::dfns::input::Body;
use crate::dfns::registration::{RegistrationChallenge, SocialRequest};
use crate::dfns::DfnsApi;

/// `POST /auth/registration/social`.
pub(crate) fn handle<'a>(
    api: &'a DfnsApi,
    facts: &Facts,
    Body(request): Body<SocialRequest>,
    patch: Patch,
) -> Result<RegistrationChallenge<'a>, ApiError> {
    let who = api.social_identity(facts, &request)?;
    if api
        .sessions
        .read(&facts.session, |s| s.users.contains_key(&who.user_id))
    {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "User already exists.",
        ));
    }
    api.social_registration_challenge(&facts.session, &who, patch)
}
