//! Social registration: validating the `POST /auth/registration/social` body and building
//! the registration challenge from a verified idToken; the typed parts of every challenge
//! for new credentials (a registration's, a recovery's, a new credential's). No HTTP here.

use data_encoding::BASE32_NOPAD;
use serde::Serialize;
use serde_json::{Map, Value};
use warp::http::StatusCode;

use super::allow::{AllowedCredential, Rp, PUBLIC_KEY};
use super::body::{FromBody, ObjectReader, ORG_ID};
use super::bound::challenge_claim;
use super::error::id_token_error;
use super::error::ApiError;
use super::facts::Facts;
use super::tokens::{Purpose, TokenSubject};
use super::DfnsApi;
use crate::config::{Attestation, AuthenticatorAttachment, Requirement};
use crate::oidc::verify::VerifiedIdToken;
use crate::scenario::engine::merge_patch;
use crate::session::{SessionKey, MAX_CHALLENGE_USERS};
use crate::users::{CredentialKind, UserId};

/// The only provider kind Dfns accepts today.
pub(crate) const OIDC: &str = "Oidc";

/// A valid `POST /auth/registration/social` (and `/auth/login/social`) body.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SocialRequest {
    /// `socialLoginProviderKind`.
    pub(crate) provider_kind: String,
    /// `idToken`.
    pub(crate) id_token: String,
    /// `orgId`, when given.
    pub(crate) org_id: Option<String>,
}

/// Validated exactly as the contract says; every violation is reported, the first one in
/// `message`.
impl FromBody for SocialRequest {
    fn from_body(body: &Value) -> Result<SocialRequest, ApiError> {
        let mut reader = ObjectReader::new(body)?;
        let provider_kind = reader.required_enum("socialLoginProviderKind", &[OIDC]);
        let id_token = reader.required_string("idToken", 1, usize::MAX);
        let org_id = reader.optional_pattern("orgId", (1, 64), &ORG_ID);
        reader.reject_unknown(&["socialLoginProviderKind", "idToken", "orgId"]);
        reader.finish()?;
        Ok(SocialRequest {
            provider_kind: provider_kind.unwrap_or_default(),
            id_token: id_token.unwrap_or_default(),
            org_id,
        })
    }
}

/// `user` of a challenge for new credentials: `{displayName, id, name}`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ChallengeUser {
    display_name: String,
    id: String,
    name: String,
}

impl ChallengeUser {
    /// The user `id`, named and displayed as `username`.
    pub(crate) fn new(id: &str, username: &str) -> ChallengeUser {
        ChallengeUser {
            display_name: username.to_string(),
            id: id.to_string(),
            name: username.to_string(),
        }
    }
}

/// `authenticatorSelection` of a challenge for a new passkey.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AuthenticatorSelection {
    #[serde(skip_serializing_if = "Option::is_none")]
    authenticator_attachment: Option<AuthenticatorAttachment>,
    require_resident_key: bool,
    resident_key: Requirement,
    user_verification: Requirement,
}

/// One entry of `pubKeyCredParams`: `{alg, type: "public-key"}`.
#[derive(Debug, Serialize)]
pub(crate) struct PubKeyCredParam {
    alg: i64,
    r#type: &'static str,
}

/// `supportedCredentialKinds` of a challenge for new credentials.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SupportedCredentialKinds<'a> {
    first_factor: &'a [CredentialKind],
    second_factor: &'a [CredentialKind],
}

/// `{encryptedRecoveryKey, id}`: a RecoveryKey a recovery challenge may be answered with.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RecoveryCredential {
    /// The key as the user registered it, encrypted (empty when none was given).
    pub(crate) encrypted_recovery_key: String,
    /// Its credential id.
    pub(crate) id: String,
}

/// A challenge to register new credentials: the answer of `POST /auth/registration/social`
/// and, with `allowedRecoveryCredentials`, of `POST /auth/recover/user/init`; fields in the
/// order of their names, as every answer's.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RegistrationChallenge<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) allowed_recovery_credentials: Option<Vec<RecoveryCredential>>,
    attestation: Attestation,
    authenticator_selection: AuthenticatorSelection,
    challenge: String,
    exclude_credentials: Vec<AllowedCredential>,
    otp_url: String,
    pub_key_cred_params: Vec<PubKeyCredParam>,
    rp: Rp<'a>,
    supported_credential_kinds: SupportedCredentialKinds<'a>,
    temporary_authentication_token: String,
    user: ChallengeUser,
}

/// Who an idToken designates in an org.
#[derive(Debug, Clone)]
pub(crate) struct SocialIdentity {
    /// The org.
    pub(crate) org_id: String,
    /// `us-…`, derived from (seed, org, provider, subject).
    pub(crate) user_id: String,
    /// Email, or the subject when the token has none.
    pub(crate) username: String,
}

impl DfnsApi {
    /// The identity of a social request (`/auth/registration/social`, `/auth/login/social`):
    /// its idToken (verified with the request's facts) in the org `request` names.
    pub(crate) fn social_identity(
        &self,
        facts: &Facts,
        request: &SocialRequest,
    ) -> Result<SocialIdentity, ApiError> {
        let token = match &facts.id_token {
            Some(Ok(token)) => token,
            Some(Err(err)) => return Err(id_token_error(err)),
            None => return Err(ApiError::invalid_field("idToken", "is required")),
        };
        Ok(self.identity(token, request.org_id.as_deref()))
    }

    /// The user an idToken designates in `org_id` (or the configured default org).
    pub(crate) fn identity(&self, token: &VerifiedIdToken, org_id: Option<&str>) -> SocialIdentity {
        let org_id = org_id.unwrap_or(&self.auth.org_id).to_string();
        let user_id = UserId::derive(&self.seed, &org_id, &token.provider, &token.subject);
        let username = token
            .claim_str("email")
            .filter(|e| !e.is_empty())
            .unwrap_or(&token.subject)
            .to_string();
        SocialIdentity {
            org_id,
            user_id,
            username,
        }
    }

    /// The 200 body of `POST /auth/registration/social` before a scenario's `patch` (which
    /// decides only whether the TOTP URL is given).
    /// Each call for the same user in the same session gives the next challenge of a
    /// reproducible sequence; a session keeps these sequences for at most
    /// [`MAX_CHALLENGE_USERS`] users (409 beyond), which also bounds its registered users.
    pub(crate) fn social_registration_challenge(
        &self,
        session: &SessionKey,
        who: &SocialIdentity,
        patch: Option<&Value>,
    ) -> Result<RegistrationChallenge<'_>, ApiError> {
        // Counted and recorded in the ledger under one lock; signed after.
        let (challenge, jti) = self.sessions.with(session, |state| {
            let known = state.challenges.contains_key(&who.user_id);
            if !known && state.challenges.len() >= MAX_CHALLENGE_USERS {
                return Err(ApiError::new(
                    StatusCode::CONFLICT,
                    format!(
                        "this session already holds registration challenges for {MAX_CHALLENGE_USERS} users, \
                         the most one session keeps: reset it (POST /__mock/sessions/KEY/reset) or use \
                         another X-Dfns-Mock-Session"
                    ),
                )
                .detail("limit", MAX_CHALLENGE_USERS));
            }
            let n = state.challenges.entry(who.user_id.clone()).or_insert(0);
            *n += 1;
            let n = n.to_string();
            let parts = [session.as_str(), who.user_id.as_str(), n.as_str()];
            let (challenge, jti) = (self.seed.challenge(&parts), self.seed.dfns_id("to", &parts));
            state.tokens.issue(&jti);
            Ok((challenge, jti))
        })?;
        let subject = TokenSubject {
            org_id: &who.org_id,
            user_id: &who.user_id,
            username: &who.username,
        };
        let claim = challenge_claim(&challenge, Purpose::Registration, session);
        let token = self.sign_temp_token(&subject, &jti, claim);
        let user = ChallengeUser::new(&who.user_id, &who.username);
        let mut answer = self.registration_challenge(user, challenge, token);
        if self.offers_totp(patch) {
            answer.otp_url = self.otp_url(who);
        }
        Ok(answer)
    }

    /// A challenge to register new credentials for `user`, bound by `token`, with no TOTP
    /// URL: the shape of a registration's and of a recovery's.
    pub(crate) fn registration_challenge(
        &self,
        user: ChallengeUser,
        challenge: String,
        token: String,
    ) -> RegistrationChallenge<'_> {
        let auth = &self.auth;
        RegistrationChallenge {
            allowed_recovery_credentials: None,
            attestation: auth.attestation,
            authenticator_selection: self.authenticator_selection(),
            challenge,
            exclude_credentials: Vec::new(),
            otp_url: String::new(),
            pub_key_cred_params: self.pub_key_cred_params(),
            rp: self.rp(),
            supported_credential_kinds: SupportedCredentialKinds {
                first_factor: &auth.first_factor,
                second_factor: &auth.second_factor,
            },
            temporary_authentication_token: token,
            user,
        }
    }

    /// Whether the kinds the client will see, after a scenario's `patch` (applied to the
    /// whole answer afterwards) changed the configured ones, include TOTP.
    fn offers_totp(&self, patch: Option<&Value>) -> bool {
        let Some(kinds) = patch.and_then(|p| p.get("supportedCredentialKinds")) else {
            let configured = [&self.auth.first_factor, &self.auth.second_factor];
            return configured.iter().any(|k| k.contains(&CredentialKind::Totp));
        };
        let names = |kinds: &[CredentialKind]| Value::from_iter(kinds.iter().map(|k| k.as_str()));
        let mut offered = Value::Object(Map::from_iter([
            ("firstFactor".to_string(), names(&self.auth.first_factor)),
            ("secondFactor".to_string(), names(&self.auth.second_factor)),
        ]));
        merge_patch(&mut offered, kinds);
        ["firstFactor", "secondFactor"]
            .iter()
            .filter_map(|f| offered[f].as_array())
            .flatten()
            .any(|k| *k == CredentialKind::Totp.as_str())
    }

    /// `authenticatorSelection` of a challenge for a new passkey, as configured.
    pub(crate) fn authenticator_selection(&self) -> AuthenticatorSelection {
        let auth = &self.auth;
        AuthenticatorSelection {
            authenticator_attachment: auth.authenticator_attachment,
            require_resident_key: auth.resident_key == Requirement::Required,
            resident_key: auth.resident_key,
            user_verification: auth.user_verification,
        }
    }

    /// `pubKeyCredParams` of a challenge for a new credential: the configured algorithms.
    pub(crate) fn pub_key_cred_params(&self) -> Vec<PubKeyCredParam> {
        let params = self.auth.algorithms.iter();
        params
            .map(|&alg| PubKeyCredParam {
                alg,
                r#type: PUBLIC_KEY,
            })
            .collect()
    }

    /// The `otpauth://` URL provisioning the user's TOTP secret (derived from the seed).
    pub(crate) fn otp_url(&self, who: &SocialIdentity) -> String {
        let secret = BASE32_NOPAD.encode(&self.totp_secret(&who.user_id));
        format!(
            "otpauth://totp/{issuer}:{user}?secret={secret}&issuer={issuer}&algorithm=SHA1&digits=6&period=30",
            issuer = urlencode(&self.auth.rp_name),
            user = urlencode(&who.username),
        )
    }
}

/// Percent-encodes everything but unreserved characters (RFC 3986), for the otpauth label.
fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'@' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
