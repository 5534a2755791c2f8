//! Registered users and their credentials, as a session holds them: created by completed
//! registrations, pre-loaded from fixtures, read by logins. Plain data; no HTTP, no wire
//! format.

use crate::webauthn::CredentialKey;

/// Which role a credential plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Factor {
    /// Signs in on its own.
    First,
    /// Completes a first factor.
    Second,
    /// Recovers the account.
    Recovery,
}

/// One credential of a user.
#[derive(Debug, Clone)]
pub struct Credential {
    /// `cr-…`.
    pub uuid: String,
    /// `Fido2`, `Key`, `Password`, `Totp`, `RecoveryKey`, `PasswordProtectedKey`.
    pub kind: String,
    /// Display name.
    pub name: String,
    /// Its role.
    pub factor: Factor,
    /// Base64url credential id (empty for Password and Totp).
    pub cred_id: String,
    /// Public key of Fido2/Key-like credentials.
    pub key: Option<CredentialKey>,
    /// Last seen WebAuthn signature counter.
    pub sign_count: u32,
    /// Password of a Password credential.
    pub password: Option<String>,
    /// Encrypted private key of a PasswordProtectedKey credential.
    pub encrypted_private_key: Option<String>,
}

/// A registered user.
#[derive(Debug, Clone)]
pub struct User {
    /// `us-…`.
    pub id: String,
    /// Username (the email of the social identity).
    pub username: String,
    /// Org.
    pub org_id: String,
    /// Credentials.
    pub credentials: Vec<Credential>,
    /// Wallets created at registration (response objects).
    pub wallets: Vec<serde_json::Value>,
}

impl User {
    /// The credential with this base64url id.
    pub fn credential(&self, cred_id: &str) -> Option<&Credential> {
        self.credentials
            .iter()
            .find(|c| !c.cred_id.is_empty() && c.cred_id == cred_id)
    }

    /// Whether logins need a second factor.
    pub fn requires_second_factor(&self) -> bool {
        self.credentials.iter().any(|c| c.factor == Factor::Second)
    }
}
