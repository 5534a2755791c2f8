//! Signing in: `POST /auth/login/social` (idToken → session token for a registered user),
//! `POST /auth/login/init` (a challenge and a signed `challengeIdentifier`) and
//! `POST /auth/login` (a passkey, key or password answer, plus TOTP when the user has it).

use serde_json::{json, Value};
use warp::http::StatusCode;

use super::body::{FieldErrors, ObjectReader, ORG_ID};
use super::completion::MOCK_CLAIM;
use super::credentials::webauthn_error;
use super::error::ApiError;
use super::scripted::Incoming;
use super::tokens::{TokenKind, TokenSubject};
use super::DfnsApi;
use crate::oidc::verify::IdTokenError;
use crate::users::{Factor, User};
use crate::webauthn;

/// A rejected idToken as the Dfns API answers it: 401 naming the failed check.
pub fn id_token_error(err: &IdTokenError) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, err.to_string())
        .detail("field", "idToken")
        .detail("check", err.check())
}

fn user_not_found() -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "User not found")
}

fn no_usable_credential() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "User does not have a credential that can be used for the application.",
    )
}

impl DfnsApi {
    /// `POST /auth/login/social`.
    pub fn social_login(&self, incoming: &Incoming) -> Result<Value, ApiError> {
        let who = self.social_identity(incoming)?;
        let (user, n) = self.sessions.with(&incoming.session, |state| {
            let user = state.users.get(&who.user_id).cloned();
            if user.is_some() {
                state.logins += 1;
            }
            (user, state.logins)
        });
        let user = user.ok_or_else(user_not_found)?;
        Ok(json!({ "token": self.session_token(&incoming.session, &user, n) }))
    }

    /// `POST /auth/login/init`.
    pub fn login_init(&self, incoming: &Incoming) -> Result<Value, ApiError> {
        let body = incoming.body.as_ref().map_err(Clone::clone)?;
        let mut errors = FieldErrors::default();
        let mut reader = ObjectReader::new(body, &mut errors)?;
        let username = reader.optional_string("username", 1, 256);
        let org_id =
            reader.optional_pattern("orgId", 1, 64, &ORG_ID, "or-xxxxx-xxxxx-xxxxxxxxxxxxxxxx");
        let login_code = reader.optional_string("loginCode", 1, 256);
        reader.reject_unknown(&["username", "orgId", "loginCode"]);
        errors.into_result()?;
        if login_code.is_some() {
            // Email-code logins are not emulated: say so rather than ignore the field.
            return Err(ApiError::invalid_field(
                "loginCode",
                "login codes are not supported by dfns-mock; omit loginCode",
            ));
        }
        let org_id = org_id.unwrap_or_else(|| self.auth.org_id.clone());

        let (user, n) = self.sessions.with(&incoming.session, |state| {
            state.logins += 1;
            let user = username.as_ref().map(|name| {
                state
                    .users
                    .values()
                    .find(|u| u.org_id == org_id && u.username == *name)
                    .cloned()
            });
            (user, state.logins)
        });
        let user = match user {
            Some(None) => return Err(user_not_found()),
            Some(Some(user)) => Some(user),
            None => None,
        };
        let n = n.to_string();
        let who = user.as_ref().map_or("", |u| u.id.as_str());
        let challenge = self
            .seed
            .challenge(&[incoming.session.as_str(), "login", who, &n]);
        let jti = self
            .seed
            .dfns_id("to", &[incoming.session.as_str(), "login", who, &n]);
        let identifier = self.signer.sign(
            TokenKind::Temp,
            &TokenSubject {
                org_id: &org_id,
                user_id: who,
                username: user.as_ref().map_or("", |u| u.username.as_str()),
            },
            self.clock.unix(),
            self.auth.temp_token_ttl_secs,
            &jti,
            json!({ MOCK_CLAIM: { "purpose": "login", "challenge": challenge, "session": incoming.session.as_str() } }),
        );
        let allow = |kinds: &[&str]| -> Vec<Value> {
            user.iter()
                .flat_map(|u| u.credentials.iter())
                .filter(|c| kinds.contains(&c.kind.as_str()) && c.factor == Factor::First)
                .map(|c| json!({ "type": "public-key", "id": c.cred_id }))
                .collect()
        };
        let kinds: Vec<Value> = match &user {
            Some(user) => {
                let second = user.requires_second_factor();
                let mut seen = Vec::new();
                user.credentials
                    .iter()
                    .filter(|c| c.factor != Factor::Recovery)
                    .filter(|c| {
                        let new = !seen.contains(&c.kind);
                        seen.push(c.kind.clone());
                        new
                    })
                    .map(|c| {
                        let factor = if c.factor == Factor::Second { "second" } else { "first" };
                        json!({ "kind": c.kind, "factor": factor, "requiresSecondFactor": second && c.factor == Factor::First })
                    })
                    .collect()
            }
            None => self
                .auth
                .first_factor
                .iter()
                .map(|k| json!({ "kind": k, "factor": "first", "requiresSecondFactor": false }))
                .collect(),
        };
        let protected: Vec<Value> = user
            .iter()
            .flat_map(|u| u.credentials.iter())
            .filter_map(|c| {
                c.encrypted_private_key
                    .as_ref()
                    .map(|key| json!({ "type": "public-key", "id": c.cred_id, "encryptedPrivateKey": key }))
            })
            .collect();
        Ok(json!({
            "challenge": challenge,
            "challengeIdentifier": identifier,
            "rp": { "id": self.auth.rp_id, "name": self.auth.rp_name },
            "supportedCredentialKinds": kinds,
            "userVerification": self.auth.user_verification,
            "attestation": self.auth.attestation,
            "allowCredentials": {
                "key": allow(&["Key"]),
                "webauthn": allow(&["Fido2"]),
                "passwordProtectedKey": protected,
            },
            "externalAuthenticationUrl": "",
        }))
    }

    /// `POST /auth/login`.
    pub fn login(&self, incoming: &Incoming) -> Result<Value, ApiError> {
        let body = incoming.body.as_ref().map_err(Clone::clone)?;
        let Some(object) = body.as_object() else {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "request body must be a JSON object",
            ));
        };
        if let Some(unknown) = object
            .keys()
            .find(|k| !["challengeIdentifier", "firstFactor", "secondFactor"].contains(&k.as_str()))
        {
            return Err(ApiError::invalid_field(
                unknown,
                "is not a known field (known: challengeIdentifier, firstFactor, secondFactor)",
            ));
        }
        let identifier = object
            .get("challengeIdentifier")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                ApiError::invalid_field("challengeIdentifier", "is required and must be a string")
            })?;
        let bound = self.verify_bound_token(identifier, "login", "challengeIdentifier")?;
        let first = object
            .get("firstFactor")
            .filter(|v| v.is_object())
            .ok_or_else(|| {
                ApiError::invalid_field("firstFactor", "is required and must be an object")
            })?;
        let state = self.sessions.view(&bound.session);
        let candidates: Vec<&User> = state
            .users
            .values()
            .filter(|u| {
                u.org_id == bound.org_id && (bound.user_id.is_empty() || u.id == bound.user_id)
            })
            .collect();
        if candidates.is_empty() {
            return Err(user_not_found());
        }
        let kind = first.get("kind").and_then(Value::as_str).unwrap_or("");
        // Which user and credential answered, and the new WebAuthn counter.
        let (user, cred_id, new_count) = match kind {
            "Fido2" | "Key" => {
                let assertion = first
                    .get("credentialAssertion")
                    .filter(|v| v.is_object())
                    .ok_or_else(|| {
                        ApiError::invalid_field(
                            "firstFactor.credentialAssertion",
                            "is required and must be an object",
                        )
                    })?;
                let text = |name: &str| {
                    assertion.get(name).and_then(Value::as_str).ok_or_else(|| {
                        ApiError::invalid_field(
                            &format!("firstFactor.credentialAssertion.{name}"),
                            "is required and must be a string",
                        )
                    })
                };
                let cred_id = text("credId")?.trim_end_matches('=').to_string();
                let (user, credential) = candidates
                    .iter()
                    .find_map(|u| {
                        u.credential(&cred_id)
                            .filter(|c| c.kind == kind)
                            .map(|c| (*u, c))
                    })
                    .ok_or_else(no_usable_credential)?;
                let key = credential.key.as_ref().ok_or_else(no_usable_credential)?;
                let field = "firstFactor.credentialAssertion";
                let new_count = if kind == "Fido2" {
                    let count = webauthn::verify_assertion(
                        text("clientData")?,
                        text("authenticatorData")?,
                        text("signature")?,
                        key,
                        credential.sign_count,
                        &self.expectations(&bound.challenge, "webauthn.get"),
                    )
                    .map_err(|e| webauthn_error(field, e))?;
                    if let Some(handle) = assertion
                        .get("userHandle")
                        .and_then(Value::as_str)
                        .filter(|h| !h.is_empty())
                    {
                        let handle = webauthn::b64("userHandle", handle)
                            .map_err(|e| webauthn_error(field, e))?;
                        if handle != user.id.as_bytes() {
                            return Err(webauthn_error(
                                field,
                                webauthn::WebauthnError {
                                    check: "userHandle",
                                    message: "userHandle is not the user's id".into(),
                                },
                            ));
                        }
                    }
                    Some(count)
                } else {
                    let digest = webauthn::KeyDigest::from_algorithm(
                        assertion.get("algorithm").and_then(Value::as_str),
                    )
                    .map_err(|e| ApiError::invalid_field(&format!("{field}.algorithm"), e))?;
                    webauthn::verify_key_assertion(
                        text("clientData")?,
                        text("signature")?,
                        key,
                        digest,
                        &self.expectations(&bound.challenge, "key.get"),
                    )
                    .map_err(|e| webauthn_error(field, e))?;
                    None
                };
                (user.clone(), cred_id, new_count)
            }
            "Password" => {
                if bound.user_id.is_empty() {
                    return Err(ApiError::invalid_field(
                        "firstFactor.kind",
                        "a Password login needs a challenge created with a username",
                    ));
                }
                let password = first.get("password").and_then(Value::as_str).unwrap_or("");
                let user = candidates.iter().find(|u| {
                    u.credentials
                        .iter()
                        .any(|c| c.kind == "Password" && c.password.as_deref() == Some(password))
                });
                let Some(user) = user else {
                    return Err(
                        if candidates
                            .iter()
                            .any(|u| u.credentials.iter().any(|c| c.kind == "Password"))
                        {
                            ApiError::new(
                                StatusCode::UNAUTHORIZED,
                                "firstFactor.password: the password is not valid",
                            )
                            .detail("field", "firstFactor.password")
                            .detail("check", "password")
                        } else {
                            no_usable_credential()
                        },
                    );
                };
                ((*user).clone(), String::new(), None)
            }
            other => {
                return Err(ApiError::invalid_field(
                    "firstFactor.kind",
                    format!("must be one of: Fido2, Key, Password (got \"{other}\")"),
                ))
            }
        };
        if user.requires_second_factor() {
            let second = object.get("secondFactor").ok_or_else(|| {
                ApiError::invalid_field("secondFactor", "is required: the user has a second factor")
            })?;
            let code = second.get("otpCode").and_then(Value::as_str).unwrap_or("");
            if second.get("kind").and_then(Value::as_str) != Some("Totp")
                || !crate::totp::verify(&self.totp_secret(&user.id), code, self.clock.unix())
            {
                return Err(ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "secondFactor.otpCode: the code is not valid now",
                )
                .detail("field", "secondFactor.otpCode")
                .detail("check", "otpCode"));
            }
        }
        // Commit: the identifier is single-use and counters only move forward.
        let n = self.sessions.with(&bound.session, |state| {
            if !state.spent_tokens.insert(bound.jti.clone()) {
                return Err(ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "challengeIdentifier has already been used",
                )
                .detail("field", "challengeIdentifier")
                .detail("check", "spent"));
            }
            if let (Some(count), Some(stored)) = (new_count, state.users.get_mut(&user.id)) {
                if let Some(credential) =
                    stored.credentials.iter_mut().find(|c| c.cred_id == cred_id)
                {
                    credential.sign_count = credential.sign_count.max(count);
                }
            }
            state.logins += 1;
            Ok(state.logins)
        })?;
        Ok(json!({ "token": self.session_token(&bound.session, &user, n) }))
    }
}
