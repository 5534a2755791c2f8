//! The emulated Dfns auth API: one handler file per [`Endpoint`](crate::endpoint::Endpoint)
//! under [`handlers`], each with its typed body ([`body::FromBody`]) and [`input`] (caller,
//! user action, body), the request [`facts`] resolved once per request, the scenario step
//! ([`scripted`]), registration challenges, credentials, wallets, the tokens the mock issues
//! as Dfns and the Dfns error shape.
//!
//! Depends on the issuer to verify idTokens, on the scenario engine to script answers and on
//! warp for its responses; the serving stack calls [`DfnsApi::resolve`] from its facts layer
//! and [`DfnsApi::scripted`] for the answer, and reads the journal's `Answered` and scenario
//! `Fault` markers off the responses.

pub(crate) mod allow;
pub(crate) mod body;
pub(crate) mod bound;
pub(crate) mod caller;
pub(crate) mod codes;
pub(crate) mod credentials;
pub(crate) mod error;
pub(crate) mod facts;
pub(crate) mod fixtures;
pub(crate) mod handlers;
pub(crate) mod input;
pub(crate) mod pending;
pub(crate) mod registration;
pub(crate) mod scripted;
pub(crate) mod tokens;
pub(crate) mod wallets;

use std::sync::Arc;

use crate::clock::Clock;
use crate::config::{AuthConfig, Config};
use crate::oidc::Issuer;
use crate::scenario::Scenarios;
use crate::seed::Seed;
use crate::session::Sessions;
use tokens::DfnsTokenSigner;

/// The Dfns side of the mock.
#[derive(Clone)]
pub struct DfnsApi {
    auth: AuthConfig,
    seed: Seed,
    clock: Clock,
    signer: DfnsTokenSigner,
    issuer: Arc<Issuer>,
    sessions: Sessions,
    scenarios: Scenarios,
}

impl DfnsApi {
    /// The API answering with `config`, verifying idTokens with `issuer`.
    pub(crate) fn new(
        config: &Config,
        clock: Clock,
        issuer: Arc<Issuer>,
        sessions: Sessions,
        scenarios: Scenarios,
    ) -> DfnsApi {
        let seed = Seed::new(&config.seed);
        DfnsApi {
            signer: DfnsTokenSigner::new(&seed, &config.auth.token_issuer),
            auth: config.auth.clone(),
            seed,
            clock,
            issuer,
            sessions,
            scenarios,
        }
    }

    /// The signer of Dfns tokens (its public key verifies them).
    pub fn signer(&self) -> &DfnsTokenSigner {
        &self.signer
    }
}
