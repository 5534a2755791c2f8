//! What a handler takes from its request before it runs: the caller (a session token, or a
//! session token and the user action signing this request) and the typed body, read in the
//! order of the tuple a handler asks for (who calls, then the body), each refusal in the
//! Dfns error shape.

use super::body::FromBody;
use super::caller::Caller;
use super::error::ApiError;
use super::facts::Facts;
use super::DfnsApi;

/// A part of a request a handler takes as its input.
pub(crate) trait Input: Sized {
    /// Reads it from the request, or answers why not.
    fn read(api: &DfnsApi, facts: &Facts) -> Result<Self, ApiError>;
}

/// Nothing: the handler reads what it needs itself.
impl Input for () {
    fn read(_: &DfnsApi, _: &Facts) -> Result<(), ApiError> {
        Ok(())
    }
}

/// The signed-in caller (`Authorization: Bearer` session token), see [`DfnsApi::caller`].
impl Input for Caller {
    fn read(api: &DfnsApi, facts: &Facts) -> Result<Caller, ApiError> {
        api.caller(facts)
    }
}

/// The signed-in caller whose user action (`X-DFNS-USERACTION`) signs this very request,
/// see [`DfnsApi::user_action`].
pub(crate) struct Signed(pub(crate) Caller);

impl Input for Signed {
    fn read(api: &DfnsApi, facts: &Facts) -> Result<Signed, ApiError> {
        api.user_action(facts).map(Signed)
    }
}

/// The request body as `T`.
pub(crate) struct Body<T>(pub(crate) T);

impl<T: FromBody> Input for Body<T> {
    fn read(_: &DfnsApi, facts: &Facts) -> Result<Body<T>, ApiError> {
        facts.body().map(Body)
    }
}

/// Both, `A` first.
impl<A: Input, B: Input> Input for (A, B) {
    fn read(api: &DfnsApi, facts: &Facts) -> Result<(A, B), ApiError> {
        Ok((A::read(api, facts)?, B::read(api, facts)?))
    }
}
