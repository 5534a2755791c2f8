//! `POST /auth/credentials/init`: a challenge for a new credential of the signed-in user, of
//! the kind asked; its `challengeIdentifier` binds the challenge, the user and the kind, and
//! is answered once by `POST /auth/credentials`.

use serde_json::{json, Value};

use super::{Patch, Reply};
use crate::dfns::body::{FromBody, ObjectReader};
use crate::dfns::caller::Caller;
use crate::dfns::error::ApiError;
use crate::dfns::facts::Facts;
use crate::dfns::input::Body;
use crate::dfns::registration::SocialIdentity;
use crate::dfns::tokens::Purpose;
use crate::dfns::DfnsApi;
use crate::session::PendingChallenge;
use crate::users::CredentialKind;

/// The body: `{kind}`, the kind of the new credential.
#[derive(Debug)]
pub(crate) struct CredentialChallenge {
    kind: CredentialKind,
}

impl FromBody for CredentialChallenge {
    fn from_body(body: &Value) -> Result<CredentialChallenge, ApiError> {
        let mut reader = ObjectReader::new(body)?;
        let kinds = CredentialKind::ALL;
        let kind = reader.required_choice("kind", &kinds, CredentialKind::as_str);
        reader.reject_unknown(&["kind"]);
        reader.finish()?;
        // Required: an absent one was reported above.
        Ok(CredentialChallenge {
            kind: kind.unwrap_or(kinds[0]),
        })
    }
}

/// `POST /auth/credentials/init`.
pub(crate) fn handle(
    api: &DfnsApi,
    _facts: &Facts,
    (caller, Body(CredentialChallenge { kind })): (Caller, Body<CredentialChallenge>),
    _patch: Patch,
) -> Reply {
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
        "rp": api.rp(),
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
                .filter(|c| c.kind() == CredentialKind::Fido2)
                .map(|c| json!({ "type": "public-key", "id": c.cred_id() }))
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
