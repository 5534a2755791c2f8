//! `GET /wallets`: the signed-in user's wallets, all on one page.

use serde_json::{json, Value};

use super::{Patch, Reply};
use crate::dfns::facts::Facts;
use crate::dfns::wallets::wallet_json;
use crate::dfns::DfnsApi;

/// `GET /wallets`.
pub(crate) fn handle(api: &DfnsApi, facts: &Facts, _patch: Patch) -> Reply {
    let caller = api.caller(facts)?;
    let user = &caller.user;
    let items: Vec<Value> = user
        .wallets
        .iter()
        .map(|w| wallet_json(w, &user.id))
        .collect();
    Ok(json!({ "items": items }))
}
