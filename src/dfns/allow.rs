//! What a challenge offers its user: the credentials that may answer it
//! (`allowCredentials`) and the kinds of credential it takes (`supportedCredentialKinds`),
//! the same for login challenges and user action challenges ([`AssertionChallenge`]).

use serde::Serialize;
use serde_json::{json, Value};

use super::DfnsApi;
use crate::config::{Attestation, Requirement};
use crate::users::{CredentialKind, Factor, User};

/// The relying party of a challenge: `{id, name}`.
#[derive(Debug, Serialize)]
pub(crate) struct Rp<'a> {
    id: &'a str,
    name: &'a str,
}

/// A challenge an existing credential signs: the answer of `POST /auth/login/init` and of
/// `POST /auth/action/init`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AssertionChallenge<'a> {
    challenge: String,
    challenge_identifier: String,
    rp: Rp<'a>,
    supported_credential_kinds: Value,
    user_verification: Requirement,
    attestation: Attestation,
    allow_credentials: Value,
    external_authentication_url: &'static str,
}

impl DfnsApi {
    /// The relying party, as configured.
    pub(crate) fn rp(&self) -> Rp<'_> {
        Rp {
            id: &self.auth.rp_id,
            name: &self.auth.rp_name,
        }
    }

    /// `challenge`, bound by `identifier`, offered to `user` (when known; see
    /// [`allow_credentials`] for `protected_keys`).
    pub(crate) fn assertion_challenge(
        &self,
        user: Option<&User>,
        (challenge, identifier): (String, String),
        protected_keys: bool,
    ) -> AssertionChallenge<'_> {
        AssertionChallenge {
            challenge,
            challenge_identifier: identifier,
            rp: self.rp(),
            supported_credential_kinds: supported_kinds(user, &self.auth.first_factor),
            user_verification: self.auth.user_verification,
            attestation: self.auth.attestation,
            allow_credentials: allow_credentials(user, protected_keys),
            external_authentication_url: "",
        }
    }
}

/// `allowCredentials`: the user's active first-factor credentials by kind (`key`,
/// `webauthn`, and `passwordProtectedKey` with their encrypted keys when `protected_keys`,
/// i.e. once a login code checked out); empty lists without a user.
pub(crate) fn allow_credentials(user: Option<&User>, protected_keys: bool) -> Value {
    let active = || {
        user.into_iter()
            .flat_map(|u| u.credentials.iter())
            .filter(|c| c.active && c.factor == Factor::First)
    };
    let of = |kind: CredentialKind| -> Vec<Value> {
        active()
            .filter(|c| c.kind() == kind)
            .map(|c| json!({ "type": "public-key", "id": c.cred_id() }))
            .collect()
    };
    let protected: Vec<Value> = active()
        .filter(|_| protected_keys)
        .filter_map(|c| {
            c.encrypted_private_key().map(
                |key| json!({ "type": "public-key", "id": c.cred_id(), "encryptedPrivateKey": key }),
            )
        })
        .collect();
    json!({
        "key": of(CredentialKind::Key),
        "webauthn": of(CredentialKind::Fido2),
        "passwordProtectedKey": protected,
    })
}

/// `supportedCredentialKinds`: each kind of the user's active credentials once, in the role
/// it plays (recovery keys left out); without a user, the configured first factors.
pub(crate) fn supported_kinds(user: Option<&User>, first_factors: &[CredentialKind]) -> Value {
    let Some(user) = user else {
        return first_factors
            .iter()
            .map(|k| json!({ "kind": k, "factor": "first", "requiresSecondFactor": false }))
            .collect();
    };
    let second = user.requires_second_factor();
    let mut seen = Vec::new();
    user.credentials
        .iter()
        .filter(|c| c.active && c.factor != Factor::Recovery)
        .filter(|c| {
            let new = !seen.contains(&c.kind());
            seen.push(c.kind());
            new
        })
        .map(|c| {
            let factor = if c.factor == Factor::Second { "second" } else { "first" };
            json!({ "kind": c.kind(), "factor": factor, "requiresSecondFactor": second && c.factor == Factor::First })
        })
        .collect()
}
