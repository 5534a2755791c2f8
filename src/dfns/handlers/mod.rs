//! One file per endpoint: each is a function of the API's dependencies, the request's
//! [`Facts`], its typed [`Input`] (the caller, the body struct that file defines; see
//! [`input`](super::input)) and the scenario's merge patch, answering a `Serialize` 200 body
//! or an [`ApiError`]. [`normal`] maps every [`Endpoint`] to its handler; the match is
//! exhaustive, so a new variant asks for its handler.
//!
//! Answer structs declare their fields in the order of their JSON names: an answer is
//! written straight to JSON, or becomes a [`Value`] when the scenario patches it, whose
//! objects (serde_json without `preserve_order`) sort their keys, so that order is the order
//! of the bytes sent either way ([`NormalAnswer::of`] checks it in debug builds).

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

use serde::Serialize;
use serde_json::Value;

use super::facts::Facts;
use super::input::Input;
use super::scripted::{Normal, NormalAnswer};
use super::wallets::WalletAnswer;
use super::DfnsApi;
use crate::endpoint::Endpoint;
use crate::users::{Credential, CredentialKind, User};

/// The scenario's merge patch for the 200 body, applied by the scenario step after the handler.
type Patch<'a> = Option<&'a Value>;

/// `{"message": "success"}`, what Dfns answers for actions with nothing to return.
#[derive(Debug, Serialize)]
struct Success {
    message: &'static str,
}

/// The answer of an action with nothing to return.
const SUCCESS: Success = Success { message: "success" };

/// `{"token": …}`: a session token.
#[derive(Debug, Serialize)]
struct SessionToken {
    token: String,
}

/// `credential` of [`Registered`]: the first factor just registered.
#[derive(Debug, Serialize)]
struct RegisteredCredential {
    kind: CredentialKind,
    name: String,
    uuid: String,
}

/// `user` of [`Registered`].
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct RegisteredUser {
    id: String,
    org_id: String,
    username: String,
}

/// The answer of a registration or a recovery, `{credential, user}`; `registerEndUser`
/// adds the session and the wallets.
#[derive(Debug, Serialize)]
struct Registered {
    #[serde(skip_serializing_if = "Option::is_none")]
    authentication: Option<SessionToken>,
    credential: RegisteredCredential,
    user: RegisteredUser,
    #[serde(skip_serializing_if = "Option::is_none")]
    wallets: Option<Vec<WalletAnswer>>,
}

impl Registered {
    /// `user`, with `first`, the first factor it registered.
    fn of(user: &User, first: &Credential) -> Registered {
        Registered {
            authentication: None,
            credential: RegisteredCredential {
                kind: first.kind(),
                name: first.name.clone(),
                uuid: first.uuid.clone(),
            },
            user: RegisteredUser {
                id: user.id.clone(),
                org_id: user.org_id.clone(),
                username: user.username.clone(),
            },
            wallets: None,
        }
    }
}

/// `{"items": […]}`: a list, all on one page.
#[derive(Debug, Serialize)]
struct Items<T> {
    items: Vec<T>,
}

/// A handler `fn(&DfnsApi, &Facts, impl Input, Patch) -> Result<impl Serialize, ApiError>`
/// as the scenario step's [`Normal`]: its input read first, its answer made JSON.
macro_rules! typed {
    ($handler:path) => {
        |api: &DfnsApi, facts: &Facts, patch: Patch| {
            let input = Input::read(api, facts)?;
            NormalAnswer::of($handler(api, facts, input, patch)?, patch)
        }
    };
}

/// The normal logic of `endpoint`.
pub(crate) fn normal(endpoint: Endpoint) -> Normal {
    match endpoint {
        Endpoint::RegistrationSocial => typed!(registration_social::handle),
        Endpoint::Registration => typed!(registration::handle),
        Endpoint::RegistrationEndUser => typed!(registration::handle_enduser),
        Endpoint::LoginSocial => typed!(login_social::handle),
        Endpoint::LoginInit => typed!(login_init::handle),
        Endpoint::Login => typed!(login::handle),
        Endpoint::UserActionInit => typed!(action_init::handle),
        Endpoint::UserAction => typed!(action::handle),
        Endpoint::ListWallets => typed!(list_wallets::handle),
        Endpoint::GetWallet => typed!(get_wallet::handle),
        Endpoint::GenerateSignature => typed!(generate_signature::handle),
        Endpoint::GetSignature => typed!(get_signature::handle),
        // Sessions, credentials, login codes and recovery:
        Endpoint::Logout => typed!(logout::handle),
        Endpoint::ListCredentials => typed!(list_credentials::handle),
        Endpoint::CreateCredentialChallenge => typed!(create_credential_challenge::handle),
        Endpoint::CreateCredential => typed!(create_credential::handle),
        Endpoint::ActivateCredential => typed!(credential_activation::activate),
        Endpoint::DeactivateCredential => typed!(credential_activation::deactivate),
        Endpoint::SendLoginCode => typed!(send_code::login),
        Endpoint::SendRecoveryCode => typed!(send_code::recovery),
        Endpoint::CreateRecoveryChallenge => typed!(create_recovery_challenge::handle),
        Endpoint::Recover => typed!(recover::handle),
    }
}

/// The bodies read without a server: every violation named with its field, unknown fields
/// refused, the first violation in the message.
#[cfg(test)]
mod tests {
    use serde_json::{json, Value};
    use warp::http::StatusCode;

    use super::action_init::ActionInit;
    use super::create_credential_challenge::CredentialChallenge;
    use super::login::Login;
    use super::login_init::LoginInit;
    use super::recover::Recovery;
    use super::registration::Registration;
    use crate::dfns::body::FromBody;
    use crate::dfns::codes::CodeRequest;
    use crate::dfns::error::ApiError;

    /// The 400 of reading `body` as `T`: its message and every `(field, reason)` reported.
    fn refused<T: FromBody + std::fmt::Debug>(body: Value) -> (String, Vec<(String, String)>) {
        let error: ApiError = T::from_body(&body).expect_err("refused");
        assert_eq!(error.status, StatusCode::BAD_REQUEST);
        let all = match error.details.get("errors") {
            Some(Value::Array(all)) => all
                .iter()
                .map(|e| {
                    (
                        e["field"].as_str().unwrap().into(),
                        e["reason"].as_str().unwrap().into(),
                    )
                })
                .collect(),
            _ => vec![(
                error.details["field"].as_str().unwrap_or_default().into(),
                error.details["reason"].as_str().unwrap_or_default().into(),
            )],
        };
        (error.message, all)
    }

    #[test]
    fn every_violation_is_reported_with_its_field_the_first_in_the_message() {
        let (message, all) = refused::<LoginInit>(json!({ "orgId": "or-bad", "extra": 1 }));
        assert_eq!(
            message,
            "orgId: must match ^or-[a-z0-9]{5}-[a-z0-9]{5}-[a-z0-9]{14,16}$ \
             (or-xxxxx-xxxxx-xxxxxxxxxxxxxxxx), got \"or-bad\""
        );
        let fields: Vec<&str> = all.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(fields, ["orgId", "extra"]);
        assert_eq!(
            all[1].1,
            "is not a known field (known: username, orgId, loginCode)"
        );

        let (message, all) = refused::<ActionInit>(json!({ "userActionHttpMethod": "PATCH" }));
        assert_eq!(
            message,
            "userActionHttpMethod: must be one of: POST, PUT, DELETE, GET (got \"PATCH\")"
        );
        assert_eq!(all[1], ("userActionHttpPath".into(), "is required".into()));
    }

    #[test]
    fn a_pattern_checked_after_the_unknown_fields_is_reported_after_them() {
        let body = json!({ "username": "a@b.c", "orgId": "nope", "bogus": true });
        let (message, all) = refused::<CodeRequest>(body);
        assert_eq!(
            message,
            "bogus: is not a known field (known: username, orgId, tenantId)"
        );
        assert_eq!(all.len(), 2);
        assert_eq!(all[1].0, "orgId");
    }

    #[test]
    fn bodies_that_are_not_objects_or_miss_what_is_required_are_refused() {
        let error = LoginInit::from_body(&json!([1])).unwrap_err();
        assert_eq!(
            error.message,
            "request body must be a JSON object, got an array"
        );
        let error = Login::from_body(&json!("x")).unwrap_err();
        assert_eq!(error.message, "request body must be a JSON object");
        let (message, _) = refused::<Login>(json!({ "firstFactor": {} }));
        assert_eq!(
            message,
            "challengeIdentifier: is required and must be a string"
        );
        let (message, _) = refused::<Registration<false>>(json!({ "wallets": [] }));
        assert_eq!(
            message,
            "wallets: is not a known field (known: firstFactorCredential, \
             secondFactorCredential, recoveryCredential)"
        );
        let (message, _) =
            refused::<Registration<true>>(json!({ "wallets": [{ "network": "Nope" }] }));
        assert!(
            message.starts_with("wallets.0.network: must be one of the networks"),
            "{message}"
        );
    }

    #[test]
    fn a_valid_body_reads_into_its_struct() {
        let body = json!({ "kind": "Totp" });
        let read = CredentialChallenge::from_body(&body).unwrap();
        assert_eq!(format!("{read:?}"), "CredentialChallenge { kind: Totp }");
        let (message, _) = refused::<CredentialChallenge>(json!({ "kind": "Retina" }));
        assert_eq!(
            message,
            "kind: must be one of: Fido2, Key, Password, Totp, RecoveryKey, \
             PasswordProtectedKey (got \"Retina\")"
        );
    }

    #[test]
    fn nested_fields_are_named_by_their_path_in_the_order_of_the_checks() {
        let body = json!({
            "recovery": { "kind": "Key", "credentialAssertion": { "credId": 1 } },
            "newCredentials": { "bogus": {} },
        });
        let (message, all) = refused::<Recovery>(body);
        assert_eq!(
            message,
            "newCredentials.bogus: is not a known field (known: firstFactorCredential, \
             secondFactorCredential, recoveryCredential)"
        );
        let fields: Vec<&str> = all.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            fields,
            [
                "newCredentials.bogus",
                "recovery.kind",
                "recovery.credentialAssertion.credId",
                "recovery.credentialAssertion.clientData",
                "recovery.credentialAssertion.signature",
                "newCredentials.firstFactorCredential",
            ]
        );
        let (message, _) = refused::<Recovery>(json!({ "newCredentials": {} }));
        assert_eq!(message, "recovery: is required and must be an object");
    }

    #[test]
    fn a_null_first_factor_is_a_missing_one() {
        let body = json!({ "firstFactorCredential": null });
        let (message, _) = refused::<Registration<false>>(body);
        assert_eq!(message, "firstFactorCredential: is required");
    }
}
