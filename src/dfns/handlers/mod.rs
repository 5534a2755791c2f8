//! One file per endpoint: each is a function of the API's dependencies, the request's
//! [`Facts`](super::facts::Facts) and the scenario's merge patch, answering the normal 200
//! body or an [`ApiError`](super::error::ApiError). [`normal`] maps every [`Endpoint`] to its
//! handler; the match is exhaustive, so a new variant asks for its handler.

mod login;
mod login_init;
mod login_social;
mod registration;
mod registration_social;
// User actions and wallets.
mod action;
mod action_init;
mod generate_signature;
mod get_signature;
mod get_wallet;
mod list_wallets;
// Sessions, credentials, login codes and recovery:
mod create_credential;
mod create_credential_challenge;
mod create_recovery_challenge;
mod credential_activation;
mod list_credentials;
mod logout;
mod recover;
mod send_code;

use serde_json::Value;

use super::error::ApiError;
use super::scripted::Normal;
use crate::endpoint::Endpoint;

/// The scenario's merge patch for the 200 body, applied by the scenario step after the handler.
type Patch<'a> = Option<&'a Value>;
/// The normal 200 body, or the error.
type Reply = Result<Value, ApiError>;

/// The normal logic of `endpoint`.
pub(crate) fn normal(endpoint: Endpoint) -> Normal {
    match endpoint {
        Endpoint::RegistrationSocial => registration_social::handle,
        Endpoint::Registration => registration::handle,
        Endpoint::RegistrationEndUser => registration::handle_enduser,
        Endpoint::LoginSocial => login_social::handle,
        Endpoint::LoginInit => login_init::handle,
        Endpoint::Login => login::handle,
        Endpoint::UserActionInit => action_init::handle,
        Endpoint::UserAction => action::handle,
        Endpoint::ListWallets => list_wallets::handle,
        Endpoint::GetWallet => get_wallet::handle,
        Endpoint::GenerateSignature => generate_signature::handle,
        Endpoint::GetSignature => get_signature::handle,
        // Sessions, credentials, login codes and recovery:
        Endpoint::Logout => logout::handle,
        Endpoint::ListCredentials => list_credentials::handle,
        Endpoint::CreateCredentialChallenge => create_credential_challenge::handle,
        Endpoint::CreateCredential => create_credential::handle,
        Endpoint::ActivateCredential => credential_activation::activate,
        Endpoint::DeactivateCredential => credential_activation::deactivate,
        Endpoint::SendLoginCode => send_code::login,
        Endpoint::SendRecoveryCode => send_code::recovery,
        Endpoint::CreateRecoveryChallenge => create_recovery_challenge::handle,
        Endpoint::Recover => recover::handle,
    }
}
