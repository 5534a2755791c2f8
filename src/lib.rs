//! dfns-mock: a local emulator of the Dfns auth API with a built-in fake OIDC issuer.
//!
//! Layout, one-way from top to bottom:
//! - [`cli`] → `server` (serving stack: resolves each Dfns request's facts once, journals,
//!   injects faults) → `dfns`, [`oidc`], `control` (endpoints)
//! - `dfns` → `endpoint` (the [`Endpoint`] list), [`oidc`] (to verify idTokens), `scenario`
//!   (to script answers), `webauthn` (to verify credentials), `users`, `totp`
//! - `control` → `scenario`, `session`, `journal`
//! - [`app`] builds every part from a [`config::Config`]
//! - `chain`: wallets with real keys (networks, addresses, signatures)
//! - `bundled`: the fixtures and scenario library compiled into the binary
//! - shared ground: [`config`], `clock`, `seed`, `session`, `context`, `body`, `endpoint`
//!
//! Modules are private but for the entry points ([`app`], [`cli`], [`config`]) and the
//! issuer ([`oidc`]); the few items the binary and the tests need are re-exported here.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod app;
mod body;
pub mod bundled;
mod capped;
mod chain;
pub mod cli;
mod clock;
pub mod config;
mod context;
mod control;
mod dfns;
mod endpoint;
#[doc(hidden)]
pub mod fuzzing;
mod journal;
mod logging;
pub mod oidc;
mod scenario;
mod seed;
mod server;
mod session;
mod totp;
mod users;
mod webauthn;

pub use dfns::tokens::{
    ActionBinding, DfnsTokenSigner, MockClaim, Purpose, TokenKind, TokenSubject,
};
pub use dfns::DfnsApi;
pub use endpoint::Endpoint;
pub use server::{served_routes, start, RunningServer};
pub use totp::code as totp_code;
pub use webauthn::keys::to_cose;
pub use webauthn::CredentialKey;
