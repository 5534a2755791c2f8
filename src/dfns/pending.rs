//! Challenges for a new credential (`POST /auth/credentials/init`) and for a recovery
//! (`POST /auth/recover/user/init`): a challenge and a token binding it (the
//! `challengeIdentifier`, or the recovery's `temporaryAuthenticationToken`), remembered in
//! the session by the token's `jti` with what it was issued for, until a successful answer
//! takes it (so each is single-use).

use super::bound::subject;
use super::tokens::Purpose;
use super::DfnsApi;
use crate::session::{PendingChallenge, SessionKey, SessionState};
use crate::users::User;

/// A challenge issued, and the token that binds it.
#[derive(Debug, Clone)]
pub(crate) struct Issued {
    /// The challenge to sign.
    pub(crate) challenge: String,
    /// The token binding it (issued for `purpose`).
    pub(crate) token: String,
}

impl DfnsApi {
    /// Issues a challenge for `user` in `session`, whose `state` (under its lock) remembers
    /// it as `pending`. Challenge and token derive from the seed, the session, the purpose,
    /// the user and the session's counter.
    pub(crate) fn issue_challenge(
        &self,
        state: &mut SessionState,
        session: &SessionKey,
        user: &User,
        purpose: Purpose,
        pending: PendingChallenge,
    ) -> Issued {
        state.issued += 1;
        let n = state.issued.to_string();
        let parts = [session.as_str(), purpose.as_str(), user.id.as_str(), &n];
        let challenge = self.seed.challenge(&parts);
        let jti = self.seed.dfns_id("to", &parts);
        let token = self.challenge_token(&subject(user), &jti, (&challenge, purpose), session);
        state.pending_challenges.insert(jti, pending);
        Issued { challenge, token }
    }
}
