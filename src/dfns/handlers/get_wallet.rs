//! `GET /wallets/{walletId}`: one wallet of the signed-in user, as `GET /wallets` lists it.

use super::Patch;
use crate::dfns::caller::Caller;
use crate::dfns::error::ApiError;
use crate::dfns::facts::Facts;
use crate::dfns::wallets::{owned, wallet_answer, WalletAnswer};
use crate::dfns::DfnsApi;

/// `GET /wallets/{walletId}`.
pub(crate) fn handle(
    _api: &DfnsApi,
    facts: &Facts,
    caller: Caller,
    _patch: Patch,
) -> Result<WalletAnswer, ApiError> {
    let wallet = owned(&caller.user, facts.param("walletId"))?;
    Ok(wallet_answer(wallet, &caller.user.id))
}
