//! `POST /auth/login/code` and `POST /auth/recover/user/code`: a one-time code "sent" to the
//! user (kept in the session for the control plane; see `dfns::codes`).

use super::{Patch, Reply};
use crate::dfns::facts::Facts;
use crate::dfns::DfnsApi;
use crate::session::CodeKind;

/// `POST /auth/login/code`.
pub(crate) fn login(api: &DfnsApi, facts: &Facts, _patch: Patch) -> Reply {
    api.send_code(facts, CodeKind::Login)
}

/// `POST /auth/recover/user/code`.
pub(crate) fn recovery(api: &DfnsApi, facts: &Facts, _patch: Patch) -> Reply {
    api.send_code(facts, CodeKind::Recovery)
}
