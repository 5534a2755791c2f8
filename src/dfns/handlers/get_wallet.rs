//! `GET /wallets/{walletId}`: one wallet of the signed-in user, as `GET /wallets` lists it.

use super::{Patch, Reply};
use crate::dfns::facts::Facts;
use crate::dfns::wallets::{owned, wallet_json};
use crate::dfns::DfnsApi;

/// `GET /wallets/{walletId}`.
pub(crate) fn handle(api: &DfnsApi, facts: &Facts, _patch: Patch) -> Reply {
    let caller = api.caller(facts)?;
    let wallet = owned(&caller.user, facts.param("walletId"))?;
    Ok(wallet_json(wallet, &caller.user.id))
}
