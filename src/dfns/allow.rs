//! What a challenge offers its user: the credentials that may answer it
//! (`allowCredentials`) and the kinds of credential it takes (`supportedCredentialKinds`),
//! the same for login challenges and user action challenges ([`AssertionChallenge`]).

use serde::Serialize;

use super::DfnsApi;
use crate::config::{Attestation, Requirement};
use crate::users::{Credential, CredentialKind, Factor, User};

/// The `type` of every WebAuthn credential descriptor and parameter.
pub(crate) const PUBLIC_KEY: &str = "public-key";

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
    allow_credentials: AllowCredentials,
    attestation: Attestation,
    challenge: String,
    challenge_identifier: String,
    external_authentication_url: &'static str,
    rp: Rp<'a>,
    supported_credential_kinds: Vec<SupportedKind>,
    user_verification: Requirement,
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
            allow_credentials: allow_credentials(user, protected_keys),
            attestation: self.auth.attestation,
            challenge,
            challenge_identifier: identifier,
            external_authentication_url: "",
            rp: self.rp(),
            supported_credential_kinds: supported_kinds(user, &self.auth.first_factor),
            user_verification: self.auth.user_verification,
        }
    }
}

/// A credential a challenge allows: `{encryptedPrivateKey?, id, type: "public-key"}`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AllowedCredential {
    #[serde(skip_serializing_if = "Option::is_none")]
    encrypted_private_key: Option<String>,
    id: String,
    r#type: &'static str,
}

impl AllowedCredential {
    /// `credential`, with its encrypted private key when `protected`.
    fn of(credential: &Credential, protected: bool) -> AllowedCredential {
        AllowedCredential {
            encrypted_private_key: protected
                .then(|| credential.encrypted_private_key().map(str::to_string))
                .flatten(),
            id: credential.cred_id().to_string(),
            r#type: PUBLIC_KEY,
        }
    }

    /// `user`'s credentials of `kind` (a passkey challenge's `excludeCredentials`).
    pub(crate) fn all_of(user: &User, kind: CredentialKind) -> Vec<AllowedCredential> {
        let of_kind = user.credentials.iter().filter(|c| c.kind() == kind);
        of_kind.map(|c| AllowedCredential::of(c, false)).collect()
    }
}

/// `allowCredentials`, by kind of credential.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AllowCredentials {
    key: Vec<AllowedCredential>,
    password_protected_key: Vec<AllowedCredential>,
    webauthn: Vec<AllowedCredential>,
}

/// `allowCredentials`: the user's active first-factor credentials by kind (`key`,
/// `webauthn`, and `passwordProtectedKey` with their encrypted keys when `protected_keys`,
/// i.e. once a login code checked out); empty lists without a user.
pub(crate) fn allow_credentials(user: Option<&User>, protected_keys: bool) -> AllowCredentials {
    let active = || {
        user.into_iter()
            .flat_map(|u| u.credentials.iter())
            .filter(|c| c.active && c.factor == Factor::First)
    };
    let of = |kind: CredentialKind| -> Vec<AllowedCredential> {
        active()
            .filter(|c| c.kind() == kind)
            .map(|c| AllowedCredential::of(c, false))
            .collect()
    };
    AllowCredentials {
        key: of(CredentialKind::Key),
        password_protected_key: active()
            .filter(|c| protected_keys && c.encrypted_private_key().is_some())
            .map(|c| AllowedCredential::of(c, true))
            .collect(),
        webauthn: of(CredentialKind::Fido2),
    }
}

/// One entry of `supportedCredentialKinds`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SupportedKind {
    factor: &'static str,
    kind: CredentialKind,
    requires_second_factor: bool,
}

/// `supportedCredentialKinds`: each kind of the user's active credentials once, in the role
/// it plays (recovery keys left out); without a user, the configured first factors.
pub(crate) fn supported_kinds(
    user: Option<&User>,
    first_factors: &[CredentialKind],
) -> Vec<SupportedKind> {
    let Some(user) = user else {
        return first_factors
            .iter()
            .map(|&kind| SupportedKind {
                factor: "first",
                kind,
                requires_second_factor: false,
            })
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
        .map(|c| SupportedKind {
            factor: if c.factor == Factor::Second {
                "second"
            } else {
                "first"
            },
            kind: c.kind(),
            requires_second_factor: second && c.factor == Factor::First,
        })
        .collect()
}
