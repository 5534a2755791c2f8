//! `GET /wallets/{walletId}/signatures/{signatureId}`: a signature one of the signed-in
//! user's wallets made.

use warp::http::StatusCode;

use super::Patch;
use crate::dfns::caller::Caller;
use crate::dfns::error::ApiError;
use crate::dfns::facts::Facts;
use crate::dfns::wallets::{owned, signature_answer, SignatureAnswer};
use crate::dfns::DfnsApi;

/// `GET /wallets/{walletId}/signatures/{signatureId}`.
pub(crate) fn handle(
    api: &DfnsApi,
    facts: &Facts,
    caller: Caller,
    _patch: Patch,
) -> Result<SignatureAnswer, ApiError> {
    let wallet = owned(&caller.user, facts.param("walletId"))?;
    let id = facts.param("signatureId");
    let signed = api.sessions.read(&caller.session, |state| {
        let kept = state.signatures.get(&wallet.id)?;
        kept.get(id).cloned()
    });
    let signed = signed.ok_or_else(|| {
        ApiError::new(StatusCode::NOT_FOUND, "signature not found")
            .detail("walletId", wallet.id.as_str())
            .detail("signatureId", id)
    })?;
    Ok(signature_answer(wallet, &signed))
}
