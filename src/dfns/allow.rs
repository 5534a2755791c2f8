//! What a challenge offers its user: the credentials that may answer it
//! (`allowCredentials`) and the kinds of credential it takes (`supportedCredentialKinds`),
//! the same for login challenges and user action challenges.

use serde_json::{json, Value};

use crate::users::{CredentialKind, Factor, User};

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
            .filter(|c| c.kind == kind)
            .map(|c| json!({ "type": "public-key", "id": c.cred_id }))
            .collect()
    };
    let protected: Vec<Value> = active()
        .filter(|_| protected_keys)
        .filter_map(|c| {
            c.encrypted_private_key.as_ref().map(
                |key| json!({ "type": "public-key", "id": c.cred_id, "encryptedPrivateKey": key }),
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
pub(crate) fn supported_kinds(user: Option<&User>, first_factors: &[String]) -> Value {
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
            let new = !seen.contains(&c.kind);
            seen.push(c.kind);
            new
        })
        .map(|c| {
            let factor = if c.factor == Factor::Second { "second" } else { "first" };
            json!({ "kind": c.kind, "factor": factor, "requiresSecondFactor": second && c.factor == Factor::First })
        })
        .collect()
}
