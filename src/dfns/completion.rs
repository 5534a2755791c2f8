//! Completing a registration: `POST /auth/registration/enduser` (with wallets) and
//! `POST /auth/registration`. The temporary token from the registration challenge is
//! required as `Authorization: Bearer`, verified (signature, expiry, the challenge it binds)
//! and spent by a successful completion.

use serde_json::{json, Map, Value};
use warp::http::StatusCode;

use super::error::ApiError;
use super::scripted::Incoming;
use super::tokens::{TokenError, TokenKind, TokenSubject};
use super::DfnsApi;
use crate::session::SessionKey;
use crate::users::{Factor, User};

/// Claim of mock tokens holding what the mock binds into them.
pub const MOCK_CLAIM: &str = "https://custom/dfns_mock";

/// A verified temporary (or login) token.
#[derive(Debug, Clone)]
pub struct BoundToken {
    /// `jti`, spent on success.
    pub jti: String,
    /// The challenge it binds.
    pub challenge: String,
    /// The session it was issued in.
    pub session: SessionKey,
    /// `app_metadata.userId`.
    pub user_id: String,
    /// `app_metadata.orgId`.
    pub org_id: String,
    /// `https://custom/username`.
    pub username: String,
}

impl DfnsApi {
    /// Verifies a token the mock issued for `purpose` (`registration` or `login`).
    pub fn verify_bound_token(
        &self,
        token: &str,
        purpose: &str,
        field: &str,
    ) -> Result<BoundToken, ApiError> {
        let unauthorized = |message: String, check: &str| {
            ApiError::new(StatusCode::UNAUTHORIZED, message)
                .detail("field", field)
                .detail("check", check)
        };
        let claims = self.signer.verify(token, self.clock.unix()).map_err(|e| {
            let check = match e {
                TokenError::Malformed(_) => "format",
                TokenError::Signature => "signature",
                TokenError::Expired { .. } => "exp",
            };
            unauthorized(format!("{field}: {e}"), check)
        })?;
        let text = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or("").to_string();
        let mock = claims.get(MOCK_CLAIM);
        if text(mock.and_then(|m| m.get("purpose"))) != purpose {
            return Err(unauthorized(
                format!("{field}: this token was not issued for {purpose}"),
                "purpose",
            ));
        }
        let metadata = claims.get("https://custom/app_metadata");
        Ok(BoundToken {
            jti: text(claims.get("jti")),
            challenge: text(mock.and_then(|m| m.get("challenge"))),
            session: SessionKey(text(mock.and_then(|m| m.get("session")))),
            user_id: text(metadata.and_then(|m| m.get("userId"))),
            org_id: text(metadata.and_then(|m| m.get("orgId"))),
            username: text(claims.get("https://custom/username")),
        })
    }

    /// `POST /auth/registration/enduser` (`with_wallets`) or `POST /auth/registration`.
    pub fn complete_registration(
        &self,
        incoming: &Incoming,
        with_wallets: bool,
    ) -> Result<Value, ApiError> {
        let bearer = incoming.bearer.as_deref().ok_or_else(|| {
            ApiError::new(StatusCode::UNAUTHORIZED, "Not Authorized.")
                .detail("field", "authorization")
                .detail(
                    "reason",
                    "the temporaryAuthenticationToken is required as Authorization: Bearer",
                )
        })?;
        let bound =
            self.verify_bound_token(bearer, "registration", "temporaryAuthenticationToken")?;
        let body = incoming.body.as_ref().map_err(Clone::clone)?;
        let Some(object) = body.as_object() else {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "request body must be a JSON object",
            ));
        };
        let mut known = vec![
            "firstFactorCredential",
            "secondFactorCredential",
            "recoveryCredential",
        ];
        if with_wallets {
            known.push("wallets");
        }
        if let Some(unknown) = object.keys().find(|k| !known.contains(&k.as_str())) {
            return Err(ApiError::invalid_field(
                unknown,
                format!("is not a known field (known: {})", known.join(", ")),
            ));
        }
        let wallets = if with_wallets {
            parse_wallets(object)?
        } else {
            Vec::new()
        };
        let mut user = User {
            id: bound.user_id.clone(),
            username: bound.username.clone(),
            org_id: bound.org_id.clone(),
            credentials: Vec::new(),
            wallets: Vec::new(),
        };
        let first = object
            .get("firstFactorCredential")
            .ok_or_else(|| ApiError::invalid_field("firstFactorCredential", "is required"))?;
        let mut index = 0;
        for (field, factor, value) in [
            ("firstFactorCredential", Factor::First, Some(first)),
            (
                "secondFactorCredential",
                Factor::Second,
                object.get("secondFactorCredential"),
            ),
            (
                "recoveryCredential",
                Factor::Recovery,
                object.get("recoveryCredential"),
            ),
        ] {
            let Some(value) = value.filter(|v| !v.is_null()) else {
                continue;
            };
            let credential =
                self.register_credential(value, field, factor, &bound.challenge, &user, index)?;
            if user
                .credentials
                .iter()
                .any(|c| !c.cred_id.is_empty() && c.cred_id == credential.cred_id)
            {
                return Err(ApiError::invalid_field(
                    field,
                    "registers a credential id already given in this request",
                ));
            }
            user.credentials.push(credential);
            index += 1;
        }
        let now = self.clock.unix();
        user.wallets = wallets
            .iter()
            .enumerate()
            .map(|(i, (network, name))| self.wallet(&user.id, i, network, name.as_deref(), now))
            .collect();

        // Commit atomically: the token must still be unspent and the user still new.
        let session = bound.session.clone();
        let n = self.sessions.with(&session, |state| {
            if state.spent_tokens.contains(&bound.jti) {
                return Err(ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "temporaryAuthenticationToken has already been used",
                )
                .detail("field", "temporaryAuthenticationToken")
                .detail("check", "spent"));
            }
            if state.users.contains_key(&user.id) {
                return Err(ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "User already exists.",
                ));
            }
            state.spent_tokens.insert(bound.jti.clone());
            state.users.insert(user.id.clone(), user.clone());
            state.logins += 1;
            Ok(state.logins)
        })?;
        let first = &user.credentials[0];
        let mut answer = json!({
            "credential": { "uuid": first.uuid, "kind": first.kind, "name": first.name },
            "user": { "id": user.id, "username": user.username, "orgId": user.org_id },
        });
        if with_wallets {
            answer["authentication"] = json!({ "token": self.session_token(&session, &user, n) });
            answer["wallets"] = Value::Array(user.wallets.clone());
        }
        Ok(answer)
    }

    /// A session token for `user`, the `n`-th issued in `session`.
    pub fn session_token(&self, session: &SessionKey, user: &User, n: u64) -> String {
        let jti = self.seed.dfns_id(
            "to",
            &[session.as_str(), &user.id, "session", &n.to_string()],
        );
        self.signer.sign(
            TokenKind::Token,
            &TokenSubject {
                org_id: &user.org_id,
                user_id: &user.id,
                username: &user.username,
            },
            self.clock.unix(),
            self.auth.session_token_ttl_secs,
            &jti,
            json!({ MOCK_CLAIM: { "purpose": "session", "session": session.as_str() } }),
        )
    }
}

/// `wallets: [{network, name?}]`.
fn parse_wallets(object: &Map<String, Value>) -> Result<Vec<(String, Option<String>)>, ApiError> {
    let Some(Value::Array(list)) = object.get("wallets") else {
        return Err(ApiError::invalid_field(
            "wallets",
            "is required and must be an array of {network, name?}",
        ));
    };
    list.iter()
        .enumerate()
        .map(|(i, wallet)| {
            let field = format!("wallets.{i}");
            let network = wallet
                .get("network")
                .and_then(Value::as_str)
                .filter(|n| !n.is_empty())
                .ok_or_else(|| {
                    ApiError::invalid_field(
                        &format!("{field}.network"),
                        "is required and must be a string",
                    )
                })?;
            let name = match wallet.get("name") {
                None | Some(Value::Null) => None,
                Some(Value::String(name)) => Some(name.clone()),
                Some(_) => {
                    return Err(ApiError::invalid_field(
                        &format!("{field}.name"),
                        "must be a string",
                    ))
                }
            };
            if let Some(unknown) = wallet
                .as_object()
                .and_then(|o| o.keys().find(|k| *k != "network" && *k != "name"))
            {
                return Err(ApiError::invalid_field(
                    &format!("{field}.{unknown}"),
                    "is not a known field (known: network, name)",
                ));
            }
            Ok((network.to_string(), name))
        })
        .collect()
}
