//! `POST /auth/registration` and `POST /auth/registration/enduser` (with wallets): completing
//! a registration. The temporary token from the registration challenge is required as
//! `Authorization: Bearer`, verified (signature, expiry, the challenge it binds) and spent by a
//! successful completion.

use serde_json::{Map, Value};
use warp::http::StatusCode;

use super::{Patch, Registered, SessionToken};
use crate::chain::Network;
use crate::dfns::body::{FromBody, ObjectReader};
use crate::dfns::bound::{unspendable, BoundToken};
use crate::dfns::credentials::NewCredentials;
use crate::dfns::error::ApiError;
use crate::dfns::facts::Facts;
use crate::dfns::input::{Body, Input};
use crate::dfns::tokens::Purpose;
use crate::dfns::wallets::wallet_answer;
use crate::dfns::DfnsApi;
use crate::users::User;

/// The registration's temporary token, required as `Authorization: Bearer` and verified
/// (signature, expiry, the challenge it binds).
pub(crate) struct RegistrationToken(BoundToken);

impl Input for RegistrationToken {
    fn read(api: &DfnsApi, facts: &Facts) -> Result<RegistrationToken, ApiError> {
        let bearer = facts.bearer.as_deref().ok_or_else(|| {
            ApiError::new(StatusCode::UNAUTHORIZED, "Not Authorized.")
                .detail("field", "authorization")
                .detail(
                    "reason",
                    "the temporaryAuthenticationToken is required as Authorization: Bearer",
                )
        })?;
        let field = "temporaryAuthenticationToken";
        api.verify_bound_token(bearer, Purpose::Registration, (field, &facts.session))
            .map(RegistrationToken)
    }
}

/// The body: the credentials (verified against the challenge by the credentials module)
/// and, with `WALLETS` (`/auth/registration/enduser`), the wallets to create.
#[derive(Debug)]
pub(crate) struct Registration<const WALLETS: bool> {
    /// The credential fields, as given.
    credentials: NewCredentials,
    /// `wallets: [{network, name?}]`.
    wallets: Vec<(Network, Option<String>)>,
}

impl<const WALLETS: bool> FromBody for Registration<WALLETS> {
    fn from_body(body: &Value) -> Result<Self, ApiError> {
        let Some(object) = body.as_object() else {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "request body must be a JSON object",
            ));
        };
        let mut known = NewCredentials::FIELDS.to_vec();
        if WALLETS {
            known.push("wallets");
        }
        if let Some(unknown) = object.keys().find(|k| !known.contains(&k.as_str())) {
            return Err(ApiError::invalid_field(
                unknown,
                format!("is not a known field (known: {})", known.join(", ")),
            ));
        }
        let wallets = if WALLETS {
            parse_wallets(object)?
        } else {
            Vec::new()
        };
        let mut reader = ObjectReader::new(body)?;
        let credentials = NewCredentials::read(&mut reader);
        reader.finish()?;
        Ok(Registration {
            // Required: an absent one was reported above.
            credentials: credentials.unwrap_or_default(),
            wallets,
        })
    }
}

/// `POST /auth/registration`.
pub(crate) fn handle(
    api: &DfnsApi,
    _facts: &Facts,
    (RegistrationToken(bound), Body(body)): (RegistrationToken, Body<Registration<false>>),
    _patch: Patch,
) -> Result<Registered, ApiError> {
    complete(api, bound, body)
}

/// `POST /auth/registration/enduser`.
pub(crate) fn handle_enduser(
    api: &DfnsApi,
    _facts: &Facts,
    (RegistrationToken(bound), Body(body)): (RegistrationToken, Body<Registration<true>>),
    _patch: Patch,
) -> Result<Registered, ApiError> {
    complete(api, bound, body)
}

/// `POST /auth/registration/enduser` (`WALLETS`) or `POST /auth/registration`.
fn complete<const WALLETS: bool>(
    api: &DfnsApi,
    bound: BoundToken,
    body: Registration<WALLETS>,
) -> Result<Registered, ApiError> {
    let Registration {
        credentials,
        wallets,
    } = body;
    let mut user = User {
        id: bound.user_id.clone(),
        username: bound.username.clone(),
        org_id: bound.org_id.clone(),
        credentials: Vec::new(),
        wallets: Vec::new(),
    };
    user.credentials = api.register_credentials(&credentials, "", &bound.challenge, &user)?;
    let first = user
        .credentials
        .first()
        .cloned()
        .ok_or_else(|| ApiError::invalid_field(NewCredentials::FIELDS[0], "is required"))?;
    let now = api.clock.unix();
    user.wallets = wallets
        .into_iter()
        .enumerate()
        .map(|(i, (network, name))| {
            api.new_wallet(&user.id, i, network, name, now)
                .map_err(|e| {
                    ApiError::invalid_field(&format!("wallets.{i}.network"), e.to_string())
                })
        })
        .collect::<Result<_, _>>()?;

    // Commit atomically: the token must still be unspent and the user still new.
    let session = bound.session.clone();
    let n = api.sessions.with(&session, |state| {
        let field = "temporaryAuthenticationToken";
        (state.tokens.check(&bound.jti)).map_err(|why| unspendable(why, field))?;
        if state.users.contains_key(&user.id) {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "User already exists.",
            ));
        }
        state.tokens.spend(&bound.jti).expect("checked above");
        state.users.insert(user.id.clone(), user.clone());
        state.logins += 1;
        Ok(state.logins)
    })?;
    let mut answer = Registered::of(&user, &first);
    if WALLETS {
        let token = api.session_token(&session, &user, n);
        answer.authentication = Some(SessionToken { token });
        let wallets = user.wallets.iter().map(|w| wallet_answer(w, &user.id));
        answer.wallets = Some(wallets.collect());
    }
    Ok(answer)
}

/// `wallets: [{network, name?}]`.
fn parse_wallets(object: &Map<String, Value>) -> Result<Vec<(Network, Option<String>)>, ApiError> {
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
            let network = Network::ALL
                .iter()
                .copied()
                .find(|n| n.as_str() == network)
                .ok_or_else(|| {
                    ApiError::invalid_field(
                        &format!("{field}.network"),
                        format!("must be one of the networks of the SDK's Network type (got \"{network}\")"),
                    )
                })?;
            Ok((network, name))
        })
        .collect()
}
