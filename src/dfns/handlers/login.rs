//! `POST /auth/login`: the answer to a login challenge (a passkey, key or password, plus TOTP
//! when the user has it) exchanged for a session token; the identifier is single-use.

use serde_json::{json, Value};
use warp::http::StatusCode;

use super::{Patch, Reply};
use crate::dfns::credentials::webauthn_error;
use crate::dfns::error::ApiError;
use crate::dfns::error::{no_usable_credential, user_not_found};
use crate::dfns::facts::Facts;
use crate::dfns::tokens::Purpose;
use crate::dfns::DfnsApi;
use crate::users::{CredentialKind, User};
use crate::webauthn;

/// `POST /auth/login`.
pub(crate) fn handle(api: &DfnsApi, facts: &Facts, _patch: Patch) -> Reply {
    let body = facts.json()?;
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
    let bound = api.verify_bound_token(identifier, Purpose::Login, "challengeIdentifier")?;
    let first = object
        .get("firstFactor")
        .filter(|v| v.is_object())
        .ok_or_else(|| {
            ApiError::invalid_field("firstFactor", "is required and must be an object")
        })?;
    let candidates: Vec<User> = api.sessions.read(&bound.session, |state| {
        state
            .users
            .values()
            .filter(|u| {
                u.org_id == bound.org_id && (bound.user_id.is_empty() || u.id == bound.user_id)
            })
            .cloned()
            .collect()
    });
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
                        .filter(|c| c.kind.as_str() == kind)
                        .map(|c| (u, c))
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
                    &api.expectations(&bound.challenge, "webauthn.get"),
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
                    &api.expectations(&bound.challenge, "key.get"),
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
                u.credentials.iter().any(|c| {
                    c.kind == CredentialKind::Password && c.password.as_deref() == Some(password)
                })
            });
            let Some(user) = user else {
                return Err(
                    if candidates.iter().any(|u| {
                        u.credentials
                            .iter()
                            .any(|c| c.kind == CredentialKind::Password)
                    }) {
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
            || !crate::totp::verify(&api.totp_secret(&user.id), code, api.clock.unix())
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
    let n = api.sessions.with(&bound.session, |state| {
        if !state.spent_tokens.insert(bound.jti.clone()) {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "challengeIdentifier has already been used",
            )
            .detail("field", "challengeIdentifier")
            .detail("check", "spent"));
        }
        if let (Some(count), Some(stored)) = (new_count, state.users.get_mut(&user.id)) {
            if let Some(credential) = stored.credentials.iter_mut().find(|c| c.cred_id == cred_id) {
                credential.sign_count = credential.sign_count.max(count);
            }
        }
        state.logins += 1;
        Ok(state.logins)
    })?;
    Ok(json!({ "token": api.session_token(&bound.session, &user, n) }))
}
