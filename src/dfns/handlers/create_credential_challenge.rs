//! `POST /auth/credentials/init`: a challenge for a new credential of the signed-in user, of
//! the kind asked; its `challengeIdentifier` binds the challenge, the user and the kind, and
//! is answered once by `POST /auth/credentials`.

use serde::Serialize;
use serde_json::Value;

use super::Patch;
use crate::config::Attestation;
use crate::dfns::allow::{AllowedCredential, Rp};
use crate::dfns::body::{FromBody, ObjectReader};
use crate::dfns::caller::Caller;
use crate::dfns::error::ApiError;
use crate::dfns::facts::Facts;
use crate::dfns::input::Body;
use crate::dfns::registration::{
    AuthenticatorSelection, ChallengeUser, PubKeyCredParam, SocialIdentity,
};
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

/// The answer: what every kind's challenge holds, and what only some kinds' do; fields in
/// the order of their names, as every answer's.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct NewCredentialChallenge<'a> {
    /// Kinds that sign (all but Password and Totp).
    #[serde(skip_serializing_if = "Option::is_none")]
    attestation: Option<Attestation>,
    /// Fido2 only.
    #[serde(skip_serializing_if = "Option::is_none")]
    authenticator_selection: Option<AuthenticatorSelection>,
    /// Kinds that sign.
    #[serde(skip_serializing_if = "Option::is_none")]
    challenge: Option<String>,
    challenge_identifier: String,
    /// Fido2 only: the user's passkeys.
    #[serde(skip_serializing_if = "Option::is_none")]
    exclude_credentials: Option<Vec<AllowedCredential>>,
    kind: CredentialKind,
    /// Totp only.
    #[serde(skip_serializing_if = "Option::is_none")]
    otp_url: Option<String>,
    /// Kinds that sign.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub_key_cred_params: Option<Vec<PubKeyCredParam>>,
    rp: Rp<'a>,
    temporary_authentication_token: String,
    user: ChallengeUser,
}

/// `POST /auth/credentials/init`.
pub(crate) fn handle<'a>(
    api: &'a DfnsApi,
    _facts: &Facts,
    (caller, Body(CredentialChallenge { kind })): (Caller, Body<CredentialChallenge>),
    _patch: Patch,
) -> Result<NewCredentialChallenge<'a>, ApiError> {
    let user = &caller.user;
    let issued = api.sessions.with(&caller.session, |state| {
        let pending = PendingChallenge::Credential {
            user_id: user.id.clone(),
            kind,
        };
        api.issue_challenge(state, &caller.session, user, Purpose::Credential, pending)
    });
    let signs = !matches!(kind, CredentialKind::Password | CredentialKind::Totp);
    let passkey = kind == CredentialKind::Fido2;
    let totp = kind == CredentialKind::Totp;
    Ok(NewCredentialChallenge {
        attestation: signs.then_some(api.auth.attestation),
        authenticator_selection: passkey.then(|| api.authenticator_selection()),
        challenge: signs.then_some(issued.challenge),
        challenge_identifier: issued.token.clone(),
        exclude_credentials: passkey.then(|| AllowedCredential::all_of(user, kind)),
        kind,
        otp_url: totp.then(|| {
            api.otp_url(&SocialIdentity {
                org_id: user.org_id.clone(),
                user_id: user.id.clone(),
                username: user.username.clone(),
            })
        }),
        pub_key_cred_params: signs.then(|| api.pub_key_cred_params()),
        rp: api.rp(),
        temporary_authentication_token: issued.token,
        user: ChallengeUser::new(&user.id, &user.username),
    })
}
