//! `GET /wallets/{walletId}`: one wallet of the signed-in user, as `GET /wallets` lists it.

use super::{Patch, Reply};
use crate::dfns::caller::Caller;
use crate::dfns::facts::Facts;
use crate::dfns::wallets::{owned, wallet_json};
use crate::dfns::DfnsApi;

/// `GET /wallets/{walletId}`.
pub(crate) fn handle(_api: &DfnsApi, facts: &Facts, caller: Caller, _patch: Patch) -> Reply {
    let wallet = owned(&caller.user, facts.param("walletId"))?;
    Ok(wallet_json(wallet, &caller.user.id))
}
