//! `POST /wallets/{walletId}/signatures` (user-action signed): one of the signed-in user's
//! wallets signs a `Hash` (32 bytes, as is), a `Message` (EIP-191 on EVM networks, the raw
//! bytes on Ed25519 ones) or an `Eip191` message, at once: the answer is `Signed`.

use serde_json::Value;

use super::Patch;
use crate::chain::{ChainError, Network, SignRequest};
use crate::dfns::body::{FromBody, ObjectReader};
use crate::dfns::error::ApiError;
use crate::dfns::facts::Facts;
use crate::dfns::input::Signed;
use crate::dfns::wallets::{not_found, owned, signature_answer, SignatureAnswer};
use crate::dfns::DfnsApi;
use crate::users::WalletSignature;

/// The kinds served, and the field holding each one's hex payload.
const KINDS: [(&str, &str); 3] = [
    ("Hash", "hash"),
    ("Message", "message"),
    ("Eip191", "message"),
];

/// The body: what to sign.
#[derive(Debug)]
pub(crate) struct SignatureRequest {
    /// `kind`, one of [`KINDS`].
    kind: &'static str,
    /// The field of its payload.
    field: &'static str,
    /// The hex payload.
    payload: String,
    /// `network`, when given (it must be the wallet's).
    network: Option<String>,
    /// The body as given, kept with the signature and echoed as `requestBody`.
    body: Value,
}

impl FromBody for SignatureRequest {
    fn from_body(body: &Value) -> Result<SignatureRequest, ApiError> {
        let mut reader = ObjectReader::new(body)?;
        let kind = reader.required_string("kind", 1, 64).unwrap_or_default();
        let Some((kind, field)) = KINDS.into_iter().find(|(k, _)| *k == kind) else {
            reader.finish()?;
            return Err(ApiError::invalid_field(
                "kind",
                format!("`{kind}` is not served by dfns-mock (served: Hash, Message, Eip191)"),
            ));
        };
        let payload = reader.required_string(field, 1, usize::MAX);
        let network = reader.optional_string("network", 1, 64);
        reader.optional_string("blockchainKind", 1, 64);
        reader.optional_string("externalId", 1, 256);
        reader.reject_unknown(&["kind", field, "network", "blockchainKind", "externalId"]);
        reader.finish()?;
        Ok(SignatureRequest {
            kind,
            field,
            payload: payload.unwrap_or_default(),
            network,
            body: body.clone(),
        })
    }
}

impl SignatureRequest {
    /// What to sign on `network`: refused when the body names another network, or the
    /// payload does not suit the kind.
    fn sign_request(&self, network: Network) -> Result<SignRequest, ApiError> {
        if let Some(asked) = self.network.as_deref().filter(|a| *a != network.as_str()) {
            return Err(ApiError::invalid_field(
                "network",
                format!("is the wallet's network, `{network}` (got \"{asked}\")"),
            ));
        }
        SignRequest::parse(self.kind, &self.payload, network).map_err(|e| self.error(e))
    }

    /// A chain error as the field it is about.
    fn error(&self, e: ChainError) -> ApiError {
        match e {
            ChainError::NotHex(_) | ChainError::HashLength(_) => {
                ApiError::invalid_field(self.field, e.to_string())
            }
            _ => ApiError::invalid_field("kind", e.to_string()),
        }
    }
}

/// `POST /wallets/{walletId}/signatures`.
pub(crate) fn handle(
    api: &DfnsApi,
    facts: &Facts,
    Signed(caller): Signed,
    _patch: Patch,
) -> Result<SignatureAnswer, ApiError> {
    let wallet = owned(&caller.user, facts.param("walletId"))?;
    // After the wallet's owner is known: someone else's wallet is a 404 whatever the body.
    let request: SignatureRequest = facts.body()?;
    let sign = request.sign_request(wallet.chain.network)?;
    let signature = wallet.chain.sign(&sign).map_err(|e| request.error(e))?;
    let now = api.clock.unix();
    let wallet_id = wallet.id.clone();
    let session = caller.session.as_str();
    let signed = api.sessions.with(&caller.session, |state| {
        let owner = state.users.get(&caller.user.id);
        if !owner.is_some_and(|u| u.wallets.iter().any(|w| w.id == wallet_id)) {
            // Gone only if the session was reset in between.
            return Err(not_found(&wallet_id, &caller.user.org_id));
        }
        let kept = state.signatures.entry(wallet_id.clone()).or_default();
        Ok::<_, ApiError>(kept.record(|n| {
            WalletSignature {
                id: api
                    .seed
                    .dfns_id("sig", &[session, &wallet_id, &n.to_string()]),
                requester: caller.user.id.clone(),
                token_id: caller.token_id.clone(),
                request_body: request.body,
                signature,
                date: now,
            }
        }))
    })?;
    Ok(signature_answer(wallet, &signed))
}
