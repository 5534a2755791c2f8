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
