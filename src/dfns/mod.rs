//! The emulated Dfns auth API: request validation, registration challenges, the tokens
//! the mock issues as Dfns, and the Dfns error shape.
//!
//! Depends on the issuer to verify idTokens and on the scenario engine to script answers;
//! knows nothing of the serving stack.

pub mod body;
pub mod completion;
pub mod credentials;
pub mod error;
pub mod fixtures;
pub mod login;
pub mod registration;
pub mod routes;
pub mod scripted;
pub mod tokens;
pub mod wallets;

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
    pub fn new(
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
