//! `GET /auth/credentials`: the signed-in user's credentials, active or not.

use serde_json::{json, Value};

use super::{Patch, Reply};
use crate::dfns::facts::Facts;
use crate::dfns::DfnsApi;

/// `GET /auth/credentials`.
pub(crate) fn handle(api: &DfnsApi, facts: &Facts, _patch: Patch) -> Reply {
    let caller = api.caller(facts)?;
    let items: Vec<Value> = caller
        .user
        .credentials
        .iter()
        .map(|c| api.credential_item(c))
        .collect();
    Ok(json!({ "items": items }))
}
