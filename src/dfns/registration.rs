//! Social registration: validating the `POST /auth/registration/social` body and building
//! the registration challenge from a verified idToken. No HTTP here.

use data_encoding::BASE32_NOPAD;
use serde_json::{json, Value};

use super::body::{FromBody, ObjectReader, ORG_ID};
use super::error::id_token_error;
use super::error::ApiError;
use super::facts::Facts;
use super::tokens::{Purpose, TokenSubject};
use super::DfnsApi;
use crate::config::Requirement;
use crate::oidc::verify::VerifiedIdToken;
use crate::scenario::engine::merge_patch;
use crate::session::SessionKey;
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
    /// reproducible sequence.
    pub(crate) fn social_registration_challenge(
        &self,
        session: &SessionKey,
        who: &SocialIdentity,
        patch: Option<&Value>,
    ) -> Value {
        let n = self.sessions.with(session, |state| {
            let n = state
                .challenges
                .get_or_insert_with(who.user_id.clone(), || 0);
            *n += 1;
            *n
        });
        let n = n.to_string();
        let parts = [session.as_str(), who.user_id.as_str(), n.as_str()];
        let challenge = self.seed.challenge(&parts);
        let jti = self.seed.dfns_id("to", &parts);
        let subject = TokenSubject {
            org_id: &who.org_id,
            user_id: &who.user_id,
            username: &who.username,
        };
        let purpose = Purpose::Registration;
        let token = self.challenge_token(&subject, &jti, (&challenge, purpose), session);
        let auth = &self.auth;
        let mut body = json!({
            "user": { "id": who.user_id, "displayName": who.username, "name": who.username },
            "temporaryAuthenticationToken": token,
            "challenge": challenge,
            "rp": { "id": auth.rp_id, "name": auth.rp_name },
            "supportedCredentialKinds": {
                "firstFactor": auth.first_factor,
                "secondFactor": auth.second_factor,
            },
            "authenticatorSelection": self.authenticator_selection(),
            "attestation": auth.attestation,
            "pubKeyCredParams": self.pub_key_cred_params(),
            "excludeCredentials": [],
            "otpUrl": "",
        });
        // A scenario patch (applied to the whole answer afterwards) may change the offered
        // kinds: the TOTP URL follows the kinds the client will see.
        let mut offered = json!({ "kinds": body["supportedCredentialKinds"] });
        if let Some(kinds) = patch.and_then(|p| p.get("supportedCredentialKinds")) {
            merge_patch(&mut offered, &json!({ "kinds": kinds }));
        }
        let offers_totp = ["firstFactor", "secondFactor"]
            .iter()
            .filter_map(|f| offered["kinds"][f].as_array())
            .flatten()
            .any(|k| *k == CredentialKind::Totp.as_str());
        if offers_totp {
            body["otpUrl"] = json!(self.otp_url(who));
        }
        body
    }

    /// `authenticatorSelection` of a challenge for a new passkey, as configured.
    pub(crate) fn authenticator_selection(&self) -> Value {
        let auth = &self.auth;
        let mut selection = json!({
            "residentKey": auth.resident_key,
            "requireResidentKey": auth.resident_key == Requirement::Required,
            "userVerification": auth.user_verification,
        });
        if let Some(attachment) = &auth.authenticator_attachment {
            selection["authenticatorAttachment"] = json!(attachment);
        }
        selection
    }

    /// `pubKeyCredParams` of a challenge for a new credential: the configured algorithms.
    pub(crate) fn pub_key_cred_params(&self) -> Value {
        let params = self.auth.algorithms.iter();
        Value::Array(
            params
                .map(|alg| json!({ "type": "public-key", "alg": alg }))
                .collect(),
        )
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
