//! `POST /auth/login/code` and `POST /auth/recover/user/code`: a one-time code "sent" to the
//! user (kept in the session for the control plane; see `dfns::codes`).

use super::{Patch, Success, SUCCESS};
use crate::dfns::codes::CodeRequest;
use crate::dfns::error::ApiError;
use crate::dfns::facts::Facts;
use crate::dfns::input::Body;
use crate::dfns::DfnsApi;
use crate::session::CodeKind;

/// `POST /auth/login/code`.
pub(crate) fn login(
    api: &DfnsApi,
    facts: &Facts,
    Body(request): Body<CodeRequest>,
    _patch: Patch,
) -> Result<Success, ApiError> {
    api.send_code(facts, request, CodeKind::Login)
        .map(|()| SUCCESS)
}

/// `POST /auth/recover/user/code`.
pub(crate) fn recovery(
    api: &DfnsApi,
    facts: &Facts,
    Body(request): Body<CodeRequest>,
    _patch: Patch,
) -> Result<Success, ApiError> {
    api.send_code(facts, request, CodeKind::Recovery)
        .map(|()| SUCCESS)
}
