//! `POST /auth/credentials/init`: a challenge for a new credential of the signed-in user, of
//! the kind asked; its `challengeIdentifier` binds the challenge, the user and the kind, and
//! is answered once by `POST /auth/credentials`.

use serde_json::{json, Value};

use super::{Patch, Reply};
use crate::dfns::body::{FieldErrors, ObjectReader};
use crate::dfns::credentials::KINDS;
use crate::dfns::facts::Facts;
use crate::dfns::registration::SocialIdentity;
use crate::dfns::tokens::Purpose;
use crate::dfns::DfnsApi;
use crate::session::PendingChallenge;
use crate::users::CredentialKind;

/// `POST /auth/credentials/init`.
pub(crate) fn handle(api: &DfnsApi, facts: &Facts, _patch: Patch) -> Reply {
    let caller = api.caller(facts)?;
    let mut errors = FieldErrors::default();
    let mut reader = ObjectReader::new(facts.json()?, &mut errors)?;
    let kind = reader.required_enum("kind", KINDS);
    reader.reject_unknown(&["kind"]);
    errors.into_result()?;
    let kind = kind
        .as_deref()
        .and_then(CredentialKind::parse)
        .expect("required_enum checked it");
    let user = &caller.user;
    let issued = api.sessions.with(&caller.session, |state| {
        let pending = PendingChallenge::Credential {
            user_id: user.id.clone(),
            kind,
        };
        api.issue_challenge(state, &caller.session, user, Purpose::Credential, pending)
    });
    let mut answer = json!({
        "kind": kind,
        "user": { "id": user.id, "displayName": user.username, "name": user.username },
        "challengeIdentifier": issued.token,
        "temporaryAuthenticationToken": issued.token,
        "rp": { "id": api.auth.rp_id, "name": api.auth.rp_name },
    });
    let signed = |answer: &mut Value| {
        answer["challenge"] = json!(issued.challenge);
        answer["attestation"] = json!(api.auth.attestation);
        answer["pubKeyCredParams"] = api.pub_key_cred_params();
    };
    match kind {
        CredentialKind::Fido2 => {
            signed(&mut answer);
            answer["authenticatorSelection"] = api.authenticator_selection();
            answer["excludeCredentials"] = user
                .credentials
                .iter()
                .filter(|c| c.kind == CredentialKind::Fido2)
                .map(|c| json!({ "type": "public-key", "id": c.cred_id }))
                .collect();
        }
        CredentialKind::Key
        | CredentialKind::PasswordProtectedKey
        | CredentialKind::RecoveryKey => {
            signed(&mut answer);
        }
        CredentialKind::Password => {}
        CredentialKind::Totp => {
            answer["otpUrl"] = json!(api.otp_url(&SocialIdentity {
                org_id: user.org_id.clone(),
                user_id: user.id.clone(),
                username: user.username.clone(),
            }));
        }
    }
    Ok(answer)
}
