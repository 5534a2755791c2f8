//! Registered users, their credentials and wallets, as a session holds them: created by
//! completed registrations, pre-loaded from fixtures, read by logins. Plain data (credential
//! kinds serialize by their Dfns names); no HTTP.

use serde::Serialize;

use crate::chain;
use crate::seed::Seed;
use crate::webauthn::{CredentialKey, KeyDigest};

/// User ids: `us-…`, one formula for registrations and fixtures alike, so a fixture user and
/// a social registration of the same identity meet.
pub(crate) struct UserId;

impl UserId {
    /// The id of (org, identity provider, subject) under `seed`.
    pub(crate) fn derive(seed: &Seed, org_id: &str, provider: &str, subject: &str) -> String {
        seed.dfns_id("us", &[org_id, provider, subject])
    }
}

/// The kinds of credential Dfns knows, named as on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub(crate) enum CredentialKind {
    /// A WebAuthn passkey.
    Fido2,
    /// A raw key pair signing the client data.
    Key,
    /// A password.
    Password,
    /// A time-based one-time code (second factor only).
    Totp,
    /// A recovery key (recovery only).
    RecoveryKey,
    /// A key pair whose private key the server keeps encrypted.
    PasswordProtectedKey,
}

impl CredentialKind {
    /// Every kind, in the order error messages list them.
    pub(crate) const ALL: [CredentialKind; 6] = [
        CredentialKind::Fido2,
        CredentialKind::Key,
        CredentialKind::Password,
        CredentialKind::Totp,
        CredentialKind::RecoveryKey,
        CredentialKind::PasswordProtectedKey,
    ];

    /// The wire name.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            CredentialKind::Fido2 => "Fido2",
            CredentialKind::Key => "Key",
            CredentialKind::Password => "Password",
            CredentialKind::Totp => "Totp",
            CredentialKind::RecoveryKey => "RecoveryKey",
            CredentialKind::PasswordProtectedKey => "PasswordProtectedKey",
        }
    }

    /// The kind named `name`.
    pub(crate) fn parse(name: &str) -> Option<CredentialKind> {
        CredentialKind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// Whether it may stand in the role `factor` (the contract: TOTP is a second factor
    /// only, a recovery key only recovers).
    pub(crate) fn allowed_as(self, factor: Factor) -> bool {
        use CredentialKind::{RecoveryKey, Totp};
        match factor {
            Factor::First => !matches!(self, Totp | RecoveryKey),
            Factor::Second => self != RecoveryKey,
            Factor::Recovery => self == RecoveryKey,
        }
    }
}

/// Which role a credential plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Factor {
    /// Signs in on its own.
    First,
    /// Completes a first factor.
    Second,
    /// Recovers the account.
    Recovery,
}

/// One credential of a user.
#[derive(Debug, Clone)]
pub(crate) struct Credential {
    /// `cr-…`.
    pub(crate) uuid: String,
    /// Its kind.
    pub(crate) kind: CredentialKind,
    /// Display name.
    pub(crate) name: String,
    /// Its role.
    pub(crate) factor: Factor,
    /// Base64url credential id (empty for Password and Totp).
    pub(crate) cred_id: String,
    /// Public key of Fido2/Key-like credentials.
    pub(crate) key: Option<CredentialKey>,
    /// Last seen WebAuthn signature counter.
    pub(crate) sign_count: u32,
    /// Password of a Password credential.
    pub(crate) password: Option<String>,
    /// Encrypted private key of a PasswordProtectedKey (or RecoveryKey) credential.
    pub(crate) encrypted_private_key: Option<String>,
    /// Whether it may sign in and sign user actions (deactivation clears it).
    pub(crate) active: bool,
    /// The digest a key credential signs with (its registration's `algorithm`).
    pub(crate) digest: KeyDigest,
    /// When it was registered (unix seconds).
    pub(crate) created: i64,
}

/// A wallet of a user: a real key on its network, and the signatures it made.
#[derive(Debug, Clone)]
pub(crate) struct UserWallet {
    /// `wa-…`.
    pub(crate) id: String,
    /// `key-…`, the `signingKey.id`.
    pub(crate) key_id: String,
    /// Display name, when given at registration.
    pub(crate) name: Option<String>,
    /// Creation time (unix seconds).
    pub(crate) date_created: i64,
    /// Network, key and address.
    pub(crate) chain: chain::Wallet,
    /// Signatures made, oldest first.
    pub(crate) signatures: Vec<WalletSignature>,
}

/// A signature a wallet made.
#[derive(Debug, Clone)]
pub(crate) struct WalletSignature {
    /// `sig-…`.
    pub(crate) id: String,
    /// The user who asked.
    pub(crate) requester: String,
    /// The `jti` of the session token they asked with.
    pub(crate) token_id: String,
    /// The request body, echoed as `requestBody`.
    pub(crate) request_body: serde_json::Value,
    /// The signature.
    pub(crate) signature: chain::Signature,
    /// When it was asked and signed (unix seconds).
    pub(crate) date: i64,
}

/// A registered user.
#[derive(Debug, Clone)]
pub(crate) struct User {
    /// `us-…`.
    pub(crate) id: String,
    /// Username (the email of the social identity).
    pub(crate) username: String,
    /// Org.
    pub(crate) org_id: String,
    /// Credentials.
    pub(crate) credentials: Vec<Credential>,
    /// Wallets created at registration.
    pub(crate) wallets: Vec<UserWallet>,
}

impl User {
    /// The credential with this base64url id.
    pub(crate) fn credential(&self, cred_id: &str) -> Option<&Credential> {
        self.credentials
            .iter()
            .find(|c| !c.cred_id.is_empty() && c.cred_id == cred_id)
    }

    /// The active first-factor credential of `kind` with this base64url id: one that may
    /// sign in and sign user actions.
    pub(crate) fn usable(&self, cred_id: &str, kind: CredentialKind) -> Option<&Credential> {
        self.credential(cred_id)
            .filter(|c| c.active && c.kind == kind && c.factor == Factor::First)
    }

    /// The active credentials.
    pub(crate) fn active_credentials(&self) -> impl Iterator<Item = &Credential> {
        self.credentials.iter().filter(|c| c.active)
    }

    /// Whether logins need a second factor.
    pub(crate) fn requires_second_factor(&self) -> bool {
        self.active_credentials()
            .any(|c| c.factor == Factor::Second)
    }
}

#[cfg(test)]
mod tests {
    use super::CredentialKind;

    #[test]
    fn the_kinds_are_those_the_configuration_accepts() {
        let names: Vec<&str> = CredentialKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(names, crate::config::CREDENTIAL_KINDS);
    }
}
