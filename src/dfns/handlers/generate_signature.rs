//! `POST /wallets/{walletId}/signatures` (user-action signed): one of the signed-in user's
//! wallets signs a `Hash` (32 bytes, as is), a `Message` (EIP-191 on EVM networks, the raw
//! bytes on Ed25519 ones) or an `Eip191` message, at once: the answer is `Signed`.

use super::{Patch, Reply};
use crate::chain::{ChainError, SignRequest};
use crate::dfns::body::{FieldErrors, ObjectReader};
use crate::dfns::error::ApiError;
use crate::dfns::facts::Facts;
use crate::dfns::wallets::{not_found, owned, signature_json};
use crate::dfns::DfnsApi;
use crate::users::WalletSignature;

/// The kinds served, and the field holding each one's hex payload.
const KINDS: [(&str, &str); 3] = [
    ("Hash", "hash"),
    ("Message", "message"),
    ("Eip191", "message"),
];

/// `POST /wallets/{walletId}/signatures`.
pub(crate) fn handle(api: &DfnsApi, facts: &Facts, _patch: Patch) -> Reply {
    let caller = api.user_action(facts)?;
    let wallet = owned(&caller.user, facts.param("walletId"))?;
    let network = wallet.chain.network;
    let body = facts.json()?;
    let mut errors = FieldErrors::default();
    let mut reader = ObjectReader::new(body, &mut errors)?;
    let kind = reader.required_string("kind", 1, 64).unwrap_or_default();
    let Some((kind, field)) = KINDS.into_iter().find(|(k, _)| *k == kind) else {
        errors.into_result()?;
        return Err(ApiError::invalid_field(
            "kind",
            format!("`{kind}` is not served by dfns-mock (served: Hash, Message, Eip191)"),
        ));
    };
    let payload = reader.required_string(field, 1, usize::MAX);
    let asked = reader.optional_string("network", 1, 64);
    reader.optional_string("blockchainKind", 1, 64);
    reader.optional_string("externalId", 1, 256);
    reader.reject_unknown(&["kind", field, "network", "blockchainKind", "externalId"]);
    errors.into_result()?;
    if let Some(asked) = asked.filter(|a| a != network.as_str()) {
        return Err(ApiError::invalid_field(
            "network",
            format!("is the wallet's network, `{network}` (got \"{asked}\")"),
        ));
    }
    let chain_error = |e: ChainError| match e {
        ChainError::NotHex(_) | ChainError::HashLength(_) => {
            ApiError::invalid_field(field, e.to_string())
        }
        _ => ApiError::invalid_field("kind", e.to_string()),
    };
    let request =
        SignRequest::parse(kind, &payload.unwrap_or_default(), network).map_err(chain_error)?;
    let signature = wallet.chain.sign(&request).map_err(chain_error)?;
    let now = api.clock.unix();
    let wallet_id = wallet.id.clone();
    let session = caller.session.as_str();
    let signed = api.sessions.with(&caller.session, |state| {
        let stored = state
            .users
            .get_mut(&caller.user.id)
            .and_then(|u| u.wallets.iter_mut().find(|w| w.id == wallet_id))
            // Gone only if the session was reset in between.
            .ok_or_else(|| not_found(&wallet_id, &caller.user.org_id))?;
        let n = (stored.signatures.len() + 1).to_string();
        let signed = WalletSignature {
            id: api.seed.dfns_id("sig", &[session, &wallet_id, &n]),
            requester: caller.user.id.clone(),
            token_id: caller.token_id.clone(),
            request_body: body.clone(),
            signature,
            date: now,
        };
        stored.signatures.push(signed.clone());
        Ok::<_, ApiError>(signed)
    })?;
    Ok(signature_json(wallet, &signed))
}
