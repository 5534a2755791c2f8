//! Registered users, their credentials and wallets, as a session holds them: created by
//! completed registrations, pre-loaded from fixtures, read by logins. Plain data (credential
//! kinds serialize by their Dfns names); no HTTP.

use crate::capped::Capped;
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

pub(crate) use crate::config::CredentialKind;

impl CredentialKind {
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
    /// Display name.
    pub(crate) name: String,
    /// Its role.
    pub(crate) factor: Factor,
    /// Whether it may sign in and sign user actions (deactivation clears it).
    pub(crate) active: bool,
    /// When it was registered (unix seconds).
    pub(crate) created: i64,
    /// What its kind holds.
    pub(crate) data: CredentialData,
}

/// What a credential holds, by kind (its [`CredentialKind`]).
#[derive(Debug, Clone)]
pub(crate) enum CredentialData {
    /// A passkey.
    Fido2 {
        /// Base64url credential id.
        cred_id: String,
        /// Its public key.
        key: CredentialKey,
        /// Last seen WebAuthn signature counter.
        sign_count: u32,
    },
    /// A key pair.
    Key(KeyPair),
    /// A key pair whose private key the server keeps encrypted.
    PasswordProtectedKey {
        /// The key pair.
        pair: KeyPair,
        /// The encrypted private key, offered back after a login code.
        encrypted_private_key: String,
    },
    /// A recovery key.
    RecoveryKey {
        /// The key pair.
        pair: KeyPair,
        /// The encrypted private key, when given at registration.
        encrypted_private_key: Option<String>,
    },
    /// A password.
    Password(String),
    /// A TOTP second factor (its secret derives from the seed and the user).
    Totp,
}

/// A raw key credential: what signs, and with which digest.
#[derive(Debug, Clone)]
pub(crate) struct KeyPair {
    /// Base64url credential id.
    pub(crate) cred_id: String,
    /// Its public key.
    pub(crate) key: CredentialKey,
    /// The digest it signs with (its registration's `algorithm`).
    pub(crate) digest: KeyDigest,
}

impl Credential {
    /// Its kind.
    pub(crate) fn kind(&self) -> CredentialKind {
        match &self.data {
            CredentialData::Fido2 { .. } => CredentialKind::Fido2,
            CredentialData::Key(_) => CredentialKind::Key,
            CredentialData::PasswordProtectedKey { .. } => CredentialKind::PasswordProtectedKey,
            CredentialData::RecoveryKey { .. } => CredentialKind::RecoveryKey,
            CredentialData::Password(_) => CredentialKind::Password,
            CredentialData::Totp => CredentialKind::Totp,
        }
    }

    /// The key pair of a Key-like credential.
    fn pair(&self) -> Option<&KeyPair> {
        match &self.data {
            CredentialData::Key(pair)
            | CredentialData::PasswordProtectedKey { pair, .. }
            | CredentialData::RecoveryKey { pair, .. } => Some(pair),
            _ => None,
        }
    }

    /// Base64url credential id (empty for Password and Totp).
    pub(crate) fn cred_id(&self) -> &str {
        match &self.data {
            CredentialData::Fido2 { cred_id, .. } => cred_id,
            _ => self.pair().map_or("", |p| p.cred_id.as_str()),
        }
    }

    /// Public key of a passkey or Key-like credential.
    pub(crate) fn key(&self) -> Option<&CredentialKey> {
        match &self.data {
            CredentialData::Fido2 { key, .. } => Some(key),
            _ => self.pair().map(|p| &p.key),
        }
    }

    /// The digest a Key-like credential signs with.
    pub(crate) fn digest(&self) -> Option<KeyDigest> {
        self.pair().map(|p| p.digest)
    }

    /// Last seen WebAuthn signature counter (0 but for passkeys).
    pub(crate) fn sign_count(&self) -> u32 {
        match &self.data {
            CredentialData::Fido2 { sign_count, .. } => *sign_count,
            _ => 0,
        }
    }

    /// Moves a passkey's signature counter forward to `count` (counters never go back).
    pub(crate) fn record_sign_count(&mut self, count: u32) {
        if let CredentialData::Fido2 { sign_count, .. } = &mut self.data {
            *sign_count = (*sign_count).max(count);
        }
    }

    /// The encrypted private key of a PasswordProtectedKey or RecoveryKey.
    pub(crate) fn encrypted_private_key(&self) -> Option<&str> {
        match &self.data {
            CredentialData::PasswordProtectedKey {
                encrypted_private_key,
                ..
            } => Some(encrypted_private_key),
            CredentialData::RecoveryKey {
                encrypted_private_key,
                ..
            } => encrypted_private_key.as_deref(),
            _ => None,
        }
    }

    /// Whether it is an active Password credential (with `password`, when given).
    pub(crate) fn is_password(&self, password: Option<&str>) -> bool {
        match &self.data {
            CredentialData::Password(own) => self.active && password.is_none_or(|p| p == own),
            _ => false,
        }
    }
}

/// A wallet of a user: a real key on its network. The signatures it made are kept beside
/// the user, in the session ([`WalletSignatures`]), so that a copy of the user costs the
/// same however much it signed.
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
}

/// Signatures a wallet keeps; beyond, the oldest is forgotten (its `GET` is a 404).
pub(crate) const MAX_SIGNATURES_PER_WALLET: usize = 1_000;

/// The signatures one wallet made.
#[derive(Debug, Clone)]
pub(crate) struct WalletSignatures {
    /// Oldest first, by id: the last [`MAX_SIGNATURES_PER_WALLET`].
    kept: Capped<String, WalletSignature>,
    /// How many it ever made (numbers the next one's id).
    made: u64,
}

impl Default for WalletSignatures {
    fn default() -> Self {
        WalletSignatures {
            kept: Capped::new(MAX_SIGNATURES_PER_WALLET),
            made: 0,
        }
    }
}

impl WalletSignatures {
    /// Keeps the signature `make` builds from the wallet's next signature number (1, 2, …),
    /// forgetting the oldest when [`MAX_SIGNATURES_PER_WALLET`] are kept.
    pub(crate) fn record(&mut self, make: impl FnOnce(u64) -> WalletSignature) -> WalletSignature {
        self.made += 1;
        let signature = make(self.made);
        self.kept.insert(signature.id.clone(), signature.clone());
        signature
    }

    /// The kept signature `id`.
    pub(crate) fn get(&self, id: &str) -> Option<&WalletSignature> {
        self.kept.get(id)
    }

    /// The kept signatures, oldest first.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &WalletSignature> {
        self.kept.iter().map(|(_, signature)| signature)
    }
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
            .find(|c| !c.cred_id().is_empty() && c.cred_id() == cred_id)
    }

    /// The active first-factor credential of `kind` with this base64url id: one that may
    /// sign in and sign user actions.
    pub(crate) fn usable(&self, cred_id: &str, kind: CredentialKind) -> Option<&Credential> {
        self.credential(cred_id)
            .filter(|c| c.active && c.kind() == kind && c.factor == Factor::First)
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
    use super::*;

    #[test]
    fn a_wallet_keeps_its_last_signatures_and_numbers_on_past_the_forgotten() {
        let seed = Seed::new("wallet");
        let network = chain::Network::EthereumSepolia;
        let wallet = chain::Wallet::derive(&seed, "wa-1", network).unwrap();
        let request = chain::SignRequest::parse("Message", "0x68656c6c6f", network).unwrap();
        let signature = wallet.sign(&request).unwrap();
        let mut signatures = WalletSignatures::default();
        for _ in 0..MAX_SIGNATURES_PER_WALLET + 5 {
            signatures.record(|n| WalletSignature {
                id: format!("sig-{n}"),
                requester: "us-1".into(),
                token_id: "to-1".into(),
                request_body: serde_json::Value::Null,
                signature: signature.clone(),
                date: 0,
            });
        }
        let kept: Vec<&str> = signatures.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(kept.len(), MAX_SIGNATURES_PER_WALLET);
        assert_eq!(kept[0], "sig-6", "the five oldest are forgotten");
        assert_eq!(kept[kept.len() - 1], "sig-1005", "numbers go on past them");
        assert!(signatures.get("sig-5").is_none());
    }
}
