//! End users' wallets: made by `registerEndUser` with real keys ([`chain::Wallet::derive`]
//! from the seed and the wallet id), found only among the caller's own, and answered in the
//! shapes of the SDK's wallet and signature types.

use serde::Serialize;
use serde_json::Value;
use warp::http::StatusCode;

use super::error::ApiError;
use super::DfnsApi;
use crate::chain::{self, ChainError, Network};
use crate::clock::rfc3339;
use crate::users::{User, UserWallet, WalletSignature};

impl DfnsApi {
    /// The `index`-th wallet of `user_id` on `network`, created at `now`: `wa-…`/`key-…` ids
    /// from the seed, the key from the seed and the wallet id.
    pub(crate) fn new_wallet(
        &self,
        user_id: &str,
        index: usize,
        network: Network,
        name: Option<String>,
        now: i64,
    ) -> Result<UserWallet, ChainError> {
        let parts = [user_id, network.as_str(), &index.to_string()];
        let id = self.seed.dfns_id("wa", &parts);
        Ok(UserWallet {
            chain: chain::Wallet::derive(&self.seed, &id, network)?,
            key_id: self.seed.dfns_id("key", &parts),
            id,
            name,
            date_created: now,
        })
    }
}

/// The wallet `wallet_id` of `user`, else 404 `wallet not found` (another user's wallet
/// included).
pub(crate) fn owned<'u>(user: &'u User, wallet_id: &str) -> Result<&'u UserWallet, ApiError> {
    user.wallets
        .iter()
        .find(|w| w.id == wallet_id)
        .ok_or_else(|| not_found(wallet_id, &user.org_id))
}

/// 404 `wallet not found`, with the Dfns docs' details.
pub(crate) fn not_found(wallet_id: &str, org_id: &str) -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "wallet not found")
        .detail("walletId", wallet_id)
        .detail("orgId", org_id)
}

/// `signingKey` of a wallet answer.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct SigningKey {
    curve: &'static str,
    delegated_to: String,
    id: String,
    public_key: String,
    scheme: &'static str,
}

/// `GetWalletResponse` (each item of `ListWalletsResponse` too); fields in the order of
/// their names, as every answer's.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WalletAnswer {
    #[serde(skip_serializing_if = "Option::is_none")]
    address: Option<String>,
    custodial: bool,
    date_created: String,
    id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    network: Network,
    signing_key: SigningKey,
    status: &'static str,
    tags: Vec<String>,
}

/// `GetWalletResponse` of `owner`'s wallet.
pub(crate) fn wallet_answer(wallet: &UserWallet, owner: &str) -> WalletAnswer {
    let key = &wallet.chain.key;
    WalletAnswer {
        address: wallet.chain.address(),
        custodial: false,
        date_created: rfc3339(wallet.date_created),
        id: wallet.id.clone(),
        name: wallet.name.clone(),
        network: wallet.chain.network,
        signing_key: SigningKey {
            curve: key.curve().as_str(),
            delegated_to: owner.to_string(),
            id: wallet.key_id.clone(),
            public_key: key.public_key_hex(),
            scheme: key.curve().scheme(),
        },
        status: "Active",
        tags: Vec::new(),
    }
}

/// `requester` of a signature answer.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Requester {
    token_id: String,
    user_id: String,
}

/// `GenerateSignatureResponse` (and `GetSignatureResponse`); fields in the order of their
/// names.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SignatureAnswer {
    date_requested: String,
    date_signed: String,
    /// The request's `externalId`, echoed as given (null included).
    #[serde(skip_serializing_if = "Option::is_none")]
    external_id: Option<Value>,
    id: String,
    key_id: String,
    network: Network,
    request_body: Value,
    requester: Requester,
    signature: chain::Signature,
    status: &'static str,
    wallet_id: String,
}

/// The answer for a signature `wallet` made.
pub(crate) fn signature_answer(wallet: &UserWallet, signed: &WalletSignature) -> SignatureAnswer {
    SignatureAnswer {
        date_requested: rfc3339(signed.date),
        date_signed: rfc3339(signed.date),
        external_id: signed.request_body.get("externalId").cloned(),
        id: signed.id.clone(),
        key_id: wallet.key_id.clone(),
        network: wallet.chain.network,
        request_body: signed.request_body.clone(),
        requester: Requester {
            token_id: signed.token_id.clone(),
            user_id: signed.requester.clone(),
        },
        signature: signed.signature.clone(),
        status: "Signed",
        wallet_id: wallet.id.clone(),
    }
}
