//! `GET /auth/credentials`: the signed-in user's credentials, active or not.

use super::{Items, Patch};
use crate::dfns::caller::Caller;
use crate::dfns::credentials::CredentialItem;
use crate::dfns::error::ApiError;
use crate::dfns::facts::Facts;
use crate::dfns::DfnsApi;

/// `GET /auth/credentials`.
pub(crate) fn handle(
    api: &DfnsApi,
    _facts: &Facts,
    caller: Caller,
    _patch: Patch,
) -> Result<Items<CredentialItem>, ApiError> {
    let items = caller
        .user
        .credentials
        .iter()
        .map(|c| api.credential_item(c))
        .collect();
    Ok(Items { items })
}
