//! The closed sets of values some settings take, as serde enums spelled exactly as the
//! configuration file (and, for credential kinds, the Dfns wire) spells them: a value outside
//! the set is refused by figment with its key and source.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The kinds of credential Dfns knows, named as on the wire and in `auth.first_factor`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CredentialKind {
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

    /// Every wire name, comma-separated (for error messages).
    pub(crate) fn names() -> String {
        CredentialKind::ALL.map(CredentialKind::as_str).join(", ")
    }
}

impl fmt::Display for CredentialKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// WebAuthn `attestation` conveyance preference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Attestation {
    /// No attestation.
    None,
    /// Anonymized attestation.
    Indirect,
    /// The authenticator's own attestation.
    Direct,
    /// Uniquely identifying attestation.
    Enterprise,
}

/// A WebAuthn requirement level (`residentKey`, `userVerification`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Requirement {
    /// Must.
    Required,
    /// Should.
    Preferred,
    /// Should not.
    Discouraged,
}

/// WebAuthn `authenticatorAttachment`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AuthenticatorAttachment {
    /// Built into the device.
    Platform,
    /// Roaming (a security key).
    CrossPlatform,
}

/// The algorithm the built-in issuer signs id tokens with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SigningAlg {
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    RS256,
    /// Ed25519.
    EdDSA,
}

impl SigningAlg {
    /// The JOSE name.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            SigningAlg::RS256 => "RS256",
            SigningAlg::EdDSA => "EdDSA",
        }
    }
}

/// Reads as its JOSE name wherever the issuer's key loading takes the name.
impl std::ops::Deref for SigningAlg {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::CredentialKind;

    #[test]
    fn kinds_serialize_by_their_wire_names() {
        for kind in CredentialKind::ALL {
            let json = serde_json::to_value(kind).unwrap();
            assert_eq!(json, kind.as_str());
            assert_eq!(
                serde_json::from_value::<CredentialKind>(json).unwrap(),
                kind
            );
            assert_eq!(CredentialKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(CredentialKind::parse("Retina"), None);
    }
}
