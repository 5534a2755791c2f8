//! dfns-mock: a local emulator of the Dfns auth API with a built-in fake OIDC issuer.
//!
//! Layout, one-way from top to bottom:
//! - [`cli`] → [`server`] (serving stack) → [`dfns`], [`oidc`], [`control`] (endpoints)
//! - [`dfns`] → [`oidc`] (to verify idTokens), [`scenario`] (to script answers),
//!   [`webauthn`] (to verify credentials), [`users`], [`totp`]
//! - [`control`] → [`scenario`], [`session`], [`journal`]
//! - [`app`] builds every part from a [`config::Config`]
//! - [`chain`]: wallets with real keys (networks, addresses, signatures)
//! - [`bundled`]: the fixtures and scenario library compiled into the binary
//! - shared ground: [`config`], [`clock`], [`seed`], [`session`], [`context`], [`body`]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod app;
pub mod body;
pub mod bundled;
pub mod chain;
pub mod cli;
pub mod clock;
pub mod config;
pub mod context;
pub mod control;
pub mod dfns;
pub mod journal;
pub mod oidc;
pub mod scenario;
pub mod seed;
pub mod server;
pub mod session;
pub mod totp;
pub mod users;
pub mod webauthn;
