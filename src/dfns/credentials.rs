//! Credentials in Dfns request bodies: registering one
//! (`{credentialKind, credentialInfo, credentialName?}`) and checking a login factor
//! (`{kind, credentialAssertion | password | otpCode}`), verified with the WebAuthn module.
//! Every failure is a Dfns error naming the field and the failed check.

use serde::Serialize;
use serde_json::Value;
use warp::http::StatusCode;

use super::body::ObjectReader;
use super::error::{no_usable_credential, ApiError};
use super::DfnsApi;
use crate::config::Requirement;
use crate::session::SessionState;
use crate::users::{Credential, CredentialData, CredentialKind, Factor, KeyPair, User};
use crate::webauthn::{self, Expectations, KeyDigest, WebauthnError};

/// The name of a credential registered without `credentialName`, as the Dfns docs show it.
pub(crate) const DEFAULT_NAME: &str = "Default Credential";

/// The credentials a registration or a recovery registers, as given (each is verified when
/// registered): `firstFactorCredential`, `secondFactorCredential?`, `recoveryCredential?`.
#[derive(Debug, Default)]
pub(crate) struct NewCredentials {
    first: Value,
    second: Option<Value>,
    recovery: Option<Value>,
}

impl NewCredentials {
    /// The fields holding them.
    pub(crate) const FIELDS: [&'static str; 3] = [
        "firstFactorCredential",
        "secondFactorCredential",
        "recoveryCredential",
    ];

    /// Reads them from `reader`'s object (null is absent), recording a missing first factor.
    pub(crate) fn read(reader: &mut ObjectReader) -> Option<NewCredentials> {
        let [first, second, recovery] = NewCredentials::FIELDS.map(|f| reader.raw(f).cloned());
        if first.is_none() {
            reader.push(NewCredentials::FIELDS[0], "is required");
        }
        Some(NewCredentials {
            first: first?,
            second,
            recovery,
        })
    }
}

/// A credential as `GET /auth/credentials` lists it (fields in the order of their names, as
/// every answer's).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CredentialItem {
    credential_id: String,
    credential_uuid: String,
    date_created: String,
    is_active: bool,
    kind: CredentialKind,
    name: String,
    origin: &'static str,
    public_key: String,
    relying_party_id: String,
}

/// The credential that answered a first factor.
#[derive(Debug)]
pub(crate) struct Answered<'u> {
    /// Its user.
    pub(crate) user: &'u User,
    /// Its base64url id (empty for a password).
    pub(crate) cred_id: String,
    /// The new WebAuthn signature counter (Fido2 only).
    pub(crate) sign_count: Option<u32>,
}

/// Moves the stored WebAuthn counter of `cred_id` forward (counters never go back).
pub(crate) fn record_sign_count(
    state: &mut SessionState,
    user_id: &str,
    cred_id: &str,
    count: Option<u32>,
) {
    let Some(count) = count else { return };
    if let Some(credential) = state
        .users
        .get_mut(user_id)
        .and_then(|u| u.credentials.iter_mut().find(|c| c.cred_id() == cred_id))
    {
        credential.record_sign_count(count);
    }
}

/// A WebAuthn or key check failure as a Dfns error on `field`.
pub(crate) fn webauthn_error(field: &str, err: WebauthnError) -> ApiError {
    let status = match err.check {
        "clientData" | "attestationData" | "authenticatorData" | "credId" | "publicKey" => {
            StatusCode::BAD_REQUEST
        }
        _ => StatusCode::UNAUTHORIZED,
    };
    ApiError::new(status, format!("{field}: {}", err.message))
        .detail("field", field)
        .detail("check", err.check)
}

/// The dotted name of `field` under `path` (just `field` at the top of the body).
fn at(path: &str, field: &str) -> String {
    if path.is_empty() {
        field.to_string()
    } else {
        format!("{path}.{field}")
    }
}

fn str_field<'a>(object: &'a Value, field: &str, path: &str) -> Result<&'a str, ApiError> {
    match object.get(field) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s),
        Some(Value::String(_)) => Err(ApiError::invalid_field(
            &at(path, field),
            "must not be empty",
        )),
        Some(_) => Err(ApiError::invalid_field(
            &at(path, field),
            "must be a string",
        )),
        None => Err(ApiError::invalid_field(&at(path, field), "is required")),
    }
}

impl DfnsApi {
    /// The expectations of a ceremony answering `challenge`.
    pub(crate) fn expectations<'a>(
        &'a self,
        challenge: &'a str,
        client_data_type: &'a str,
    ) -> Expectations<'a> {
        Expectations {
            challenge,
            client_data_type,
            origins: &self.auth.origins,
            rp_id: &self.auth.rp_id,
            user_verification_required: self.auth.user_verification == Requirement::Required,
        }
    }

    /// Verifies the credentials of a registration or recovery body (named under `prefix`)
    /// for `user`, answering `challenge`; the first factor's comes first.
    pub(crate) fn register_credentials(
        &self,
        given: &NewCredentials,
        prefix: &str,
        challenge: &str,
        user: &User,
    ) -> Result<Vec<Credential>, ApiError> {
        let mut credentials: Vec<Credential> = Vec::new();
        let factors = [
            (Factor::First, Some(&given.first)),
            (Factor::Second, given.second.as_ref()),
            (Factor::Recovery, given.recovery.as_ref()),
        ];
        for (field, (factor, value)) in NewCredentials::FIELDS.into_iter().zip(factors) {
            let Some(value) = value.filter(|v| !v.is_null()) else {
                continue;
            };
            let path = at(prefix, field);
            let index = credentials.len();
            let credential =
                self.register_credential(value, &path, factor, challenge, user, index)?;
            if credentials
                .iter()
                .any(|c| !c.cred_id().is_empty() && c.cred_id() == credential.cred_id())
            {
                return Err(ApiError::invalid_field(
                    &path,
                    "registers a credential id already given in this request",
                ));
            }
            credentials.push(credential);
        }
        Ok(credentials)
    }

    /// A credential as `GET /auth/credentials` lists it (and `POST /auth/credentials`
    /// answers it): `publicKey` is the key's PEM (empty for Password and Totp), and
    /// `relyingPartyId` the configured RP id for passkeys (empty for the others); the mock
    /// keeps no `origin` (always empty).
    pub(crate) fn credential_item(&self, credential: &Credential) -> CredentialItem {
        let passkey = credential.kind() == CredentialKind::Fido2;
        CredentialItem {
            credential_id: credential.cred_id().to_string(),
            credential_uuid: credential.uuid.clone(),
            date_created: crate::clock::rfc3339(credential.created),
            is_active: credential.active,
            kind: credential.kind(),
            name: credential.name.clone(),
            origin: "",
            public_key: credential
                .key()
                .map(|k| k.to_spki_pem())
                .unwrap_or_default(),
            relying_party_id: if passkey {
                self.auth.rp_id.clone()
            } else {
                String::new()
            },
        }
    }

    /// Verifies the credential at `path` of a registration body for `user`, answering
    /// `challenge`, in the role `factor`.
    pub(crate) fn register_credential(
        &self,
        value: &Value,
        path: &str,
        factor: Factor,
        challenge: &str,
        user: &User,
        index: usize,
    ) -> Result<Credential, ApiError> {
        if !value.is_object() {
            return Err(ApiError::invalid_field(path, "must be an object"));
        }
        let name = str_field(value, "credentialKind", path)?;
        let Some(kind) = CredentialKind::parse(name) else {
            return Err(ApiError::invalid_field(
                &at(path, "credentialKind"),
                format!(
                    "must be one of: {} (got \"{name}\")",
                    CredentialKind::names()
                ),
            ));
        };
        if !kind.allowed_as(factor) {
            return Err(ApiError::invalid_field(
                &at(path, "credentialKind"),
                format!("{name} cannot be used as {path}"),
            ));
        }
        let info_path = at(path, "credentialInfo");
        let info = value
            .get("credentialInfo")
            .filter(|v| v.is_object())
            .ok_or_else(|| {
                ApiError::invalid_field(&info_path, "is required and must be an object")
            })?;
        let display_name = match value.get("credentialName") {
            None | Some(Value::Null) => DEFAULT_NAME.to_string(),
            Some(Value::String(name)) => name.clone(),
            Some(_) => {
                return Err(ApiError::invalid_field(
                    &at(path, "credentialName"),
                    "must be a string",
                ))
            }
        };
        let uuid = self
            .seed
            .dfns_id("cr", &[&user.id, name, &index.to_string(), challenge]);
        let data = match kind {
            CredentialKind::Fido2 => {
                let cred_id = str_field(info, "credId", &info_path)?;
                let registered = webauthn::verify_registration(
                    cred_id,
                    str_field(info, "clientData", &info_path)?,
                    str_field(info, "attestationData", &info_path)?,
                    &self.auth.algorithms,
                    &self.expectations(challenge, "webauthn.create"),
                )
                .map_err(|e| webauthn_error(&info_path, e))?;
                CredentialData::Fido2 {
                    cred_id: cred_id.trim_end_matches('=').to_string(),
                    key: registered.key,
                    sign_count: registered.sign_count,
                }
            }
            CredentialKind::Key
            | CredentialKind::RecoveryKey
            | CredentialKind::PasswordProtectedKey => {
                let cred_id = str_field(info, "credId", &info_path)?;
                let registered = webauthn::verify_key_registration(
                    str_field(info, "clientData", &info_path)?,
                    str_field(info, "attestationData", &info_path)?,
                    &self.expectations(challenge, "key.create"),
                )
                .map_err(|e| webauthn_error(&info_path, e))?;
                let pair = KeyPair {
                    cred_id: cred_id.trim_end_matches('=').to_string(),
                    key: registered.key,
                    digest: registered.digest,
                };
                // Beside `credentialInfo`: required for a PasswordProtectedKey, optional for a
                // RecoveryKey (the SDK's types).
                let encrypted = || str_field(value, "encryptedPrivateKey", path).map(String::from);
                match kind {
                    CredentialKind::PasswordProtectedKey => CredentialData::PasswordProtectedKey {
                        pair,
                        encrypted_private_key: encrypted()?,
                    },
                    CredentialKind::RecoveryKey => CredentialData::RecoveryKey {
                        pair,
                        encrypted_private_key: match value.get("encryptedPrivateKey") {
                            Some(_) => Some(encrypted()?),
                            None => None,
                        },
                    },
                    _ => CredentialData::Key(pair),
                }
            }
            CredentialKind::Password => {
                CredentialData::Password(str_field(info, "password", &info_path)?.to_string())
            }
            CredentialKind::Totp => {
                let code = str_field(info, "otpCode", &info_path)?;
                if !crate::totp::verify(&self.totp_secret(&user.id), code, self.clock.unix()) {
                    return Err(ApiError::new(
                        StatusCode::UNAUTHORIZED,
                        format!("{info_path}.otpCode: the code is not valid now"),
                    )
                    .detail("field", format!("{info_path}.otpCode"))
                    .detail("check", "otpCode"));
                }
                CredentialData::Totp
            }
        };
        Ok(Credential {
            uuid,
            name: display_name,
            factor,
            active: true,
            created: self.clock.unix(),
            data,
        })
    }

    /// Verifies the first factor `factor` (`{kind, credentialAssertion | password}`) at
    /// `field`, answering `challenge`, by an active first-factor credential of one of
    /// `candidates`: a passkey (`Fido2`), a key (`Key`, `PasswordProtectedKey`; the digest is
    /// the assertion's `algorithm`, else the one the key registered with) or a `Password`.
    pub(crate) fn verify_first_factor<'u>(
        &self,
        candidates: &'u [User],
        factor: &Value,
        field: &str,
        challenge: &str,
    ) -> Result<Answered<'u>, ApiError> {
        if !factor.is_object() {
            return Err(ApiError::invalid_field(
                field,
                "is required and must be an object",
            ));
        }
        let name = factor.get("kind").and_then(Value::as_str).unwrap_or("");
        let kind = CredentialKind::parse(name)
            .filter(|k| k.allowed_as(Factor::First))
            .ok_or_else(|| {
                ApiError::invalid_field(
                    &format!("{field}.kind"),
                    format!(
                        "must be one of: Fido2, Key, PasswordProtectedKey, Password (got \"{name}\")"
                    ),
                )
            })?;
        if kind == CredentialKind::Password {
            let password = factor.get("password").and_then(Value::as_str).unwrap_or("");
            let holds = |u: &&User, matching: bool| {
                let password = Some(password).filter(|_| matching);
                u.credentials.iter().any(|c| c.is_password(password))
            };
            return match candidates.iter().find(|u| holds(u, true)) {
                Some(user) => Ok(Answered {
                    user,
                    cred_id: String::new(),
                    sign_count: None,
                }),
                None if candidates.iter().any(|u| holds(&u, false)) => Err(ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    format!("{field}.password: the password is not valid"),
                )
                .detail("field", format!("{field}.password"))
                .detail("check", "password")),
                None => Err(no_usable_credential()),
            };
        }
        let path = format!("{field}.credentialAssertion");
        let assertion = factor
            .get("credentialAssertion")
            .filter(|v| v.is_object())
            .ok_or_else(|| ApiError::invalid_field(&path, "is required and must be an object"))?;
        let text = |name: &str| {
            assertion.get(name).and_then(Value::as_str).ok_or_else(|| {
                ApiError::invalid_field(
                    &format!("{path}.{name}"),
                    "is required and must be a string",
                )
            })
        };
        let cred_id = text("credId")?.trim_end_matches('=').to_string();
        let (user, credential) = candidates
            .iter()
            .find_map(|u| u.usable(&cred_id, kind).map(|c| (u, c)))
            .ok_or_else(no_usable_credential)?;
        let key = credential.key().ok_or_else(no_usable_credential)?;
        let sign_count = if kind == CredentialKind::Fido2 {
            let count = webauthn::verify_assertion(
                text("clientData")?,
                text("authenticatorData")?,
                text("signature")?,
                key,
                credential.sign_count(),
                &self.expectations(challenge, "webauthn.get"),
            )
            .map_err(|e| webauthn_error(&path, e))?;
            if let Some(handle) = assertion
                .get("userHandle")
                .and_then(Value::as_str)
                .filter(|h| !h.is_empty())
            {
                let handle =
                    webauthn::b64("userHandle", handle).map_err(|e| webauthn_error(&path, e))?;
                if handle != user.id.as_bytes() {
                    return Err(webauthn_error(
                        &path,
                        WebauthnError {
                            check: "userHandle",
                            message: "userHandle is not the user's id".into(),
                        },
                    ));
                }
            }
            Some(count)
        } else {
            let digest = match assertion.get("algorithm").and_then(Value::as_str) {
                Some(algorithm) => KeyDigest::from_algorithm(Some(algorithm))
                    .map_err(|e| ApiError::invalid_field(&format!("{path}.algorithm"), e))?,
                None => credential.digest().unwrap_or(KeyDigest::Sha256),
            };
            webauthn::verify_key_assertion(
                text("clientData")?,
                text("signature")?,
                key,
                digest,
                &self.expectations(challenge, "key.get"),
            )
            .map_err(|e| webauthn_error(&path, e))?;
            None
        };
        Ok(Answered {
            user,
            cred_id,
            sign_count,
        })
    }

    /// Verifies `secondFactor` (`{kind: Totp, otpCode}`) for `user`: 401 unless the code is
    /// valid now.
    pub(crate) fn verify_second_factor(&self, user: &User, factor: &Value) -> Result<(), ApiError> {
        let code = factor.get("otpCode").and_then(Value::as_str).unwrap_or("");
        if factor.get("kind").and_then(Value::as_str) == Some(CredentialKind::Totp.as_str())
            && crate::totp::verify(&self.totp_secret(&user.id), code, self.clock.unix())
        {
            Ok(())
        } else {
            Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "secondFactor.otpCode: the code is not valid now",
            )
            .detail("field", "secondFactor.otpCode")
            .detail("check", "otpCode"))
        }
    }

    /// The user's TOTP secret (what `otpUrl` provisions).
    pub(crate) fn totp_secret(&self, user_id: &str) -> Vec<u8> {
        self.seed.bytes("totp-secret", &[user_id])[..20].to_vec()
    }
}
