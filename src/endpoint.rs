//! The Dfns endpoints the mock emulates, each once: its method and path. The routes
//! ([`crate::dfns::routes`]), the 404/405 table of the serving stack and the scenario
//! vocabulary (`when.endpoint`) all derive from [`Endpoint::ALL`]. Adding an endpoint is one
//! line here and one handler file under `dfns/handlers/`; the compiler asks for the rest.

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
        let path = path.strip_suffix('/').unwrap_or(path);
        Endpoint::ALL
            .iter()
            .copied()
            .find(|e| e.method() == *method && e.path() == path)
    }

    /// The endpoint a scenario file names `METHOD /path`.
    pub(crate) fn from_name(name: &str) -> Option<Endpoint> {
        Endpoint::ALL.iter().copied().find(|e| e.name() == name)
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
