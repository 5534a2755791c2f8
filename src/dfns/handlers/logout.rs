//! `PUT /auth/logout`: ends the caller's session token, or every session of the user with
//! `{"allSessions": true}`; the tokens ended answer 401 `Not Authorized.` from then on.

use serde_json::Value;

use super::{Patch, Success, SUCCESS};
use crate::dfns::caller::Caller;
use crate::dfns::error::ApiError;
use crate::dfns::facts::Facts;
use crate::dfns::DfnsApi;

/// `PUT /auth/logout`.
pub(crate) fn handle(
    api: &DfnsApi,
    facts: &Facts,
    caller: Caller,
    _patch: Patch,
) -> Result<Success, ApiError> {
    let all = match facts.optional_json()? {
        None => false,
        Some(Value::Object(body)) => {
            if let Some(unknown) = body.keys().find(|k| *k != "allSessions") {
                return Err(ApiError::invalid_field(
                    unknown,
                    "is not a known field (known: allSessions)",
                ));
            }
            match body.get("allSessions") {
                None | Some(Value::Null) => false,
                Some(Value::Bool(all)) => *all,
                Some(_) => return Err(ApiError::invalid_field("allSessions", "must be a boolean")),
            }
        }
        Some(_) => {
            return Err(ApiError::invalid_field(
                "body",
                "must be a JSON object {allSessions?}",
            ))
        }
    };
    api.sessions.with(&caller.session, |state| {
        if all {
            state.end_sessions_of(&caller.user.id);
        }
        state.ended_sessions.insert(caller.token_id.clone());
    });
    Ok(SUCCESS)
}
