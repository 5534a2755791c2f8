//! End users' wallets: made by `registerEndUser` with real keys ([`chain::Wallet::derive`]
//! from the seed and the wallet id), found only among the caller's own, and answered in the
//! shapes of the SDK's wallet and signature types.

use serde_json::{json, Value};
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
            signatures: Vec::new(),
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

/// `GetWalletResponse` (each item of `ListWalletsResponse` too) of `owner`'s wallet.
pub(crate) fn wallet_json(wallet: &UserWallet, owner: &str) -> Value {
    let key = &wallet.chain.key;
    let mut answer = json!({
        "id": wallet.id,
        "network": wallet.chain.network,
        "signingKey": {
            "id": wallet.key_id,
            "scheme": key.curve().scheme(),
            "curve": key.curve().as_str(),
            "publicKey": key.public_key_hex(),
            "delegatedTo": owner,
        },
        "status": "Active",
        "dateCreated": rfc3339(wallet.date_created),
        "custodial": false,
        "tags": [],
    });
    if let Some(address) = wallet.chain.address() {
        answer["address"] = json!(address);
    }
    if let Some(name) = &wallet.name {
        answer["name"] = json!(name);
    }
    answer
}

/// `GenerateSignatureResponse` (and `GetSignatureResponse`) of a signature `wallet` made.
pub(crate) fn signature_json(wallet: &UserWallet, signed: &WalletSignature) -> Value {
    let mut answer = json!({
        "id": signed.id,
        "walletId": wallet.id,
        "keyId": wallet.key_id,
        "network": wallet.chain.network,
        "requester": { "userId": signed.requester, "tokenId": signed.token_id },
        "requestBody": signed.request_body,
        "status": "Signed",
        "signature": signed.signature,
        "dateRequested": rfc3339(signed.date),
        "dateSigned": rfc3339(signed.date),
    });
    if let Some(external) = signed.request_body.get("externalId") {
        answer["externalId"] = external.clone();
    }
    answer
}
