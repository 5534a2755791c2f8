//! `GET /wallets`: the signed-in user's wallets, all on one page.

use super::{Items, Patch};
use crate::dfns::caller::Caller;
use crate::dfns::error::ApiError;
use crate::dfns::facts::Facts;
use crate::dfns::wallets::{wallet_answer, WalletAnswer};
use crate::dfns::DfnsApi;

/// `GET /wallets`.
pub(crate) fn handle(
    _api: &DfnsApi,
    _facts: &Facts,
    caller: Caller,
    _patch: Patch,
) -> Result<Items<WalletAnswer>, ApiError> {
    let user = &caller.user;
    let items = user
        .wallets
        .iter()
        .map(|w| wallet_answer(w, &user.id))
        .collect();
    Ok(Items { items })
}
