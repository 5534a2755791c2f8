//! `PUT /auth/credentials/activate` and `PUT /auth/credentials/deactivate` (user-action
//! signed): `{credentialUuid}` of one of the signed-in user's credentials. A deactivated
//! credential is no longer offered in `allowCredentials` nor accepted; the last active
//! first-factor credential cannot be deactivated (a mock rule: the docs state none). Already
//! in the state asked: no action, as the docs say.

use serde_json::Value;
use warp::http::StatusCode;

use super::{Patch, Success, SUCCESS};
use crate::dfns::body::{FromBody, ObjectReader};
use crate::dfns::error::{user_not_found, ApiError};
use crate::dfns::facts::Facts;
use crate::dfns::input::{Body, Signed};
use crate::dfns::DfnsApi;
use crate::users::Factor;

/// The body: `{credentialUuid}`.
#[derive(Debug)]
pub(crate) struct CredentialRef {
    uuid: String,
}

impl FromBody for CredentialRef {
    fn from_body(body: &Value) -> Result<CredentialRef, ApiError> {
        let mut reader = ObjectReader::new(body)?;
        let uuid = reader.required_string("credentialUuid", 1, 256);
        reader.reject_unknown(&["credentialUuid"]);
        reader.finish()?;
        Ok(CredentialRef {
            uuid: uuid.unwrap_or_default(),
        })
    }
}

/// The handlers' input.
type Input = (Signed, Body<CredentialRef>);

/// `PUT /auth/credentials/activate`.
pub(crate) fn activate(
    api: &DfnsApi,
    _: &Facts,
    input: Input,
    _: Patch,
) -> Result<Success, ApiError> {
    set_active(api, input, true)
}

/// `PUT /auth/credentials/deactivate`.
pub(crate) fn deactivate(
    api: &DfnsApi,
    _: &Facts,
    input: Input,
    _: Patch,
) -> Result<Success, ApiError> {
    set_active(api, input, false)
}

fn set_active(
    api: &DfnsApi,
    (Signed(caller), Body(CredentialRef { uuid })): Input,
    active: bool,
) -> Result<Success, ApiError> {
    api.sessions.with(&caller.session, |state| {
        let user = state
            .users
            .get_mut(&caller.user.id)
            .ok_or_else(user_not_found)?;
        let Some(i) = user.credentials.iter().position(|c| c.uuid == uuid) else {
            return Err(ApiError::new(StatusCode::NOT_FOUND, "credential not found")
                .detail("credentialUuid", uuid));
        };
        let credential = &user.credentials[i];
        let first_factors = user
            .active_credentials()
            .filter(|c| c.factor == Factor::First)
            .count();
        if !active && credential.active && credential.factor == Factor::First && first_factors == 1
        {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "cannot deactivate the last active credential",
            )
            .detail("credentialUuid", uuid));
        }
        user.credentials[i].active = active;
        Ok(SUCCESS)
    })
}
