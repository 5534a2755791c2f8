//! The Dfns endpoints the mock emulates, each once: its method and path. The routing
//! (`server::facts` finds the endpoint, `server::dispatch` answers it), the 404/405 table of the serving stack and the scenario
//! vocabulary (`when.endpoint`) all derive from [`Endpoint::ALL`]. Adding an endpoint is one
//! line here and one handler file under `dfns/handlers/`; the compiler asks for the rest.
//!
//! A path segment `{name}` is a parameter: it matches any one non-empty segment, and the
//! handler reads it with [`Endpoint::param`] (e.g. `walletId` of `/wallets/{walletId}`).

use std::fmt;

use http::Method;

macro_rules! endpoints {
    ($($(#[$doc:meta])* $variant:ident => $method:ident $path:literal,)+) => {
        /// One emulated Dfns endpoint.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Endpoint {
            $($(#[$doc])* $variant,)+
        }

        impl Endpoint {
            /// Every endpoint, in the order routes are tried.
            pub const ALL: &'static [Endpoint] = &[$(Endpoint::$variant,)+];

            /// The HTTP method.
            pub(crate) fn method(self) -> Method {
                match self {
                    $(Endpoint::$variant => Method::$method,)+
                }
            }

            /// The HTTP method's name.
            pub(crate) fn method_name(self) -> &'static str {
                match self {
                    $(Endpoint::$variant => stringify!($method),)+
                }
            }

            /// The path.
            pub(crate) fn path(self) -> &'static str {
                match self {
                    $(Endpoint::$variant => $path,)+
                }
            }

            /// `METHOD /path`, as scenario files name it.
            pub(crate) fn name(self) -> &'static str {
                match self {
                    $(Endpoint::$variant => concat!(stringify!($method), " ", $path),)+
                }
            }
        }
    };
}

endpoints! {
    /// Registration challenge from an idToken.
    RegistrationSocial => POST "/auth/registration/social",
    /// Registration completion.
    Registration => POST "/auth/registration",
    /// Registration completion with wallets.
    RegistrationEndUser => POST "/auth/registration/enduser",
    /// Session token from an idToken.
    LoginSocial => POST "/auth/login/social",
    /// Login challenge.
    LoginInit => POST "/auth/login/init",
    /// Login completion.
    Login => POST "/auth/login",
    /// User action challenge, binding a method, path and payload.
    UserActionInit => POST "/auth/action/init",
    /// User action signature: the single-use `X-DFNS-USERACTION` token.
    UserAction => POST "/auth/action",
    /// The signed-in user's wallets.
    ListWallets => GET "/wallets",
    /// One wallet of the signed-in user.
    GetWallet => GET "/wallets/{walletId}",
    /// A signature by a wallet (user-action signed).
    GenerateSignature => POST "/wallets/{walletId}/signatures",
    /// One signature of a wallet.
    GetSignature => GET "/wallets/{walletId}/signatures/{signatureId}",
    // Sessions, credentials, login codes and recovery:
    /// Ends the session token (or every session of the user).
    Logout => PUT "/auth/logout",
    /// The signed-in user's credentials.
    ListCredentials => GET "/auth/credentials",
    /// A challenge for a new credential.
    CreateCredentialChallenge => POST "/auth/credentials/init",
    /// A new credential (user-action signed).
    CreateCredential => POST "/auth/credentials",
    /// Activates a credential (user-action signed).
    ActivateCredential => PUT "/auth/credentials/activate",
    /// Deactivates a credential (user-action signed).
    DeactivateCredential => PUT "/auth/credentials/deactivate",
    /// A login code "sent" to the user.
    SendLoginCode => POST "/auth/login/code",
    /// A recovery code "sent" to the user.
    SendRecoveryCode => POST "/auth/recover/user/code",
    /// A recovery challenge, for a recovery code and a RecoveryKey.
    CreateRecoveryChallenge => POST "/auth/recover/user/init",
    /// Recovery: new credentials signed by the RecoveryKey replace the old ones.
    Recover => POST "/auth/recover/user",
}

impl Endpoint {
    /// The endpoint serving `method` on `path` (one trailing slash allowed, as warp's
    /// `path!` allows it).
    pub(crate) fn find(method: &Method, path: &str) -> Option<Endpoint> {
        Endpoint::ALL
            .iter()
            .copied()
            .find(|e| e.method() == *method && path_matches(e.path(), path))
    }

    /// The path parameter `name` (`{name}` in the endpoint's path) of a request `path` this
    /// endpoint serves.
    pub(crate) fn param<'p>(self, path: &'p str, name: &str) -> Option<&'p str> {
        let path = path.strip_suffix('/').unwrap_or(path);
        self.path()
            .split('/')
            .zip(path.split('/'))
            .find(|(pattern, _)| {
                pattern.strip_prefix('{').and_then(|p| p.strip_suffix('}')) == Some(name)
            })
            .map(|(_, segment)| segment)
    }

    /// The endpoint a scenario file names `METHOD /path`.
    pub(crate) fn from_name(name: &str) -> Option<Endpoint> {
        Endpoint::ALL.iter().copied().find(|e| e.name() == name)
    }
}

/// Whether `path` fits `pattern`, where a `{…}` segment matches any one non-empty segment
/// (one trailing slash allowed, as warp's `path!` allows it).
pub(crate) fn path_matches(pattern: &str, path: &str) -> bool {
    let path = path.strip_suffix('/').unwrap_or(path);
    // Most requests differ before the first parameter: a prefix test settles them.
    let fixed = pattern.find('{').map_or(pattern, |i| &pattern[..i]);
    if !path.starts_with(fixed) {
        return false;
    }
    if fixed.len() == pattern.len() {
        return path.len() == pattern.len();
    }
    let (mut p, mut q) = (pattern.split('/'), path.split('/'));
    loop {
        match (p.next(), q.next()) {
            (None, None) => return true,
            (Some(a), Some(b)) if a == b || (a.starts_with('{') && !b.is_empty()) => {}
            _ => return false,
        }
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_match_one_segment_and_are_read_back() {
        let get = Endpoint::find(&Method::GET, "/wallets/wa-1/signatures/sig-2/");
        assert_eq!(get, Some(Endpoint::GetSignature));
        let path = "/wallets/wa-1/signatures/sig-2";
        assert_eq!(Endpoint::GetSignature.param(path, "walletId"), Some("wa-1"));
        assert_eq!(
            Endpoint::GetSignature.param(path, "signatureId"),
            Some("sig-2")
        );
        assert_eq!(Endpoint::GetSignature.param(path, "keyId"), None);
        assert_eq!(Endpoint::find(&Method::GET, "/wallets//signatures/x"), None);
        assert_eq!(Endpoint::find(&Method::GET, "/wallets/a/b"), None);
        assert_eq!(
            Endpoint::find(&Method::GET, "/wallets"),
            Some(Endpoint::ListWallets)
        );
        assert_eq!(Endpoint::find(&Method::POST, "/wallets/wa-1"), None);
    }
}
