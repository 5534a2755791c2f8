//! Layered configuration: built-in defaults → `dfns-mock.toml` (or `--config FILE`) →
//! `DFNS_MOCK_*` environment variables → command-line flags, merged with figment. The
//! variables of flags reach the configuration through the flags (clap reads them), so a
//! variable owned by another command's flag is ignored here, not an unknown key.
//!
//! Owns the shape of every setting and its default. It knows nothing about HTTP; the
//! other modules read a finished [`Config`].

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};

mod choices;

pub use crate::clock::Clock;
pub use choices::{Attestation, AuthenticatorAttachment, CredentialKind, Requirement, SigningAlg};

/// Name of the configuration file looked up in the working directory.
pub const DEFAULT_CONFIG_FILE: &str = "dfns-mock.toml";
/// Prefix of every configuration environment variable; nested keys use `__`
/// (`DFNS_MOCK_ISSUER__ALGORITHM`).
pub const ENV_PREFIX: &str = "DFNS_MOCK_";

/// Everything the server, the issuer and the CLI need to know.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Address to listen on.
    pub bind: IpAddr,
    /// Port to listen on; 0 picks a free one (the real address is logged).
    pub port: u16,
    /// Seed of every generated id, challenge, key and token.
    pub seed: String,
    /// `system`, or an RFC 3339 instant that freezes time (`2026-01-01T00:00:00Z`).
    pub clock: Clock,
    /// Public base URL of the server (`https://mock.example.test`); by default it is derived
    /// from each request's `Host`, `X-Forwarded-Proto` and `X-Forwarded-Host`.
    pub public_url: Option<String>,
    /// Log format: `human` or `json`.
    pub log_format: LogFormat,
    /// Allowed CORS origins; `*` allows any.
    pub cors_origins: Vec<String>,
    /// Folder of keys and pre-registered users; the default `fixtures` falls back to the
    /// copy compiled into the binary when the working directory has no such folder.
    pub fixtures: PathBuf,
    /// Folder of scenario files; the default `scenarios` falls back to the bundled library
    /// when the working directory has no such folder.
    pub scenarios: PathBuf,
    /// Scenario answering requests that select none (default: the built-in `happy`).
    pub default_scenario: Option<String>,
    /// How many requests the journal keeps (oldest dropped first).
    pub journal_limit: usize,
    /// About how much memory the journal's entries (parsed bodies, headers) may take, in
    /// bytes (oldest dropped first); at least 64 KiB.
    pub journal_max_bytes: usize,
    /// A request or response body longer than this is journaled as a marked prefix.
    pub journal_max_body_bytes: usize,
    /// How many sessions live at once.
    pub sessions: SessionsConfig,
    /// How often the scenario folder is checked for changes, in milliseconds (0: never).
    pub reload_interval_ms: u64,
    /// The built-in OIDC issuer and the id-token checks.
    pub issuer: IssuerConfig,
    /// What the Dfns API answers.
    pub auth: AuthConfig,
    /// HTTPS beside HTTP.
    pub tls: TlsConfig,
    /// Timeouts and caps of client connections (both listeners).
    pub connections: ConnectionsConfig,
    /// Host names the control plane (`/__mock/…`) answers besides loopback names, the bind
    /// address, the host of `public_url` and `tls.hosts` (a compose service name); `*`: any.
    pub allowed_hosts: Vec<String>,
    /// Browser origins allowed to call the control plane cross-origin (default: none).
    pub control_origins: Vec<String>,
    /// When set, the control plane (except `/__mock/health`) needs `Authorization: Bearer
    /// <token>` or `X-Dfns-Mock-Admin-Token: <token>`.
    pub admin_token: Option<String>,
    /// Replace tokens and `Authorization` values in the journal with `[redacted]`; unset: on
    /// when `bind` is not a loopback address.
    pub journal_redact: Option<bool>,
}

/// How many sessions (`X-Dfns-Mock-Session` keys) the mock keeps.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct SessionsConfig {
    /// Sessions kept at once; making one more forgets the least recently used ones.
    pub max_live: usize,
}

impl Default for SessionsConfig {
    fn default() -> Self {
        SessionsConfig { max_live: 10_000 }
    }
}

/// How long a client may take and how many may be connected at once.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ConnectionsConfig {
    /// Time to send a request's headers, in milliseconds; on HTTP/1 it also bounds the wait
    /// for the next request on a kept-alive connection.
    pub header_timeout_ms: u64,
    /// Time to send a request's whole body, in milliseconds (answered 408 beyond it).
    pub body_timeout_ms: u64,
    /// A connection with no request in flight and no traffic is closed after this long, in
    /// milliseconds.
    pub idle_timeout_ms: u64,
    /// Connections open at once; beyond it new ones wait in the listen backlog.
    pub max: usize,
    /// On SIGTERM/SIGINT, how long in-flight requests get to finish, in milliseconds.
    pub shutdown_grace_ms: u64,
}

/// HTTPS, served beside HTTP on its own port.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct TlsConfig {
    /// Serve HTTPS too.
    pub enabled: bool,
    /// Port of HTTPS; 0 picks a free one.
    pub port: u16,
    /// PEM certificate chain to serve; unset: one is generated (with `key`, both or neither).
    pub cert: Option<PathBuf>,
    /// PEM private key of `cert`.
    pub key: Option<PathBuf>,
    /// Host names the generated certificate covers besides `localhost`, `127.0.0.1`, `::1`
    /// and the host of `public_url`.
    pub hosts: Vec<String>,
    /// Folder the generated certificate and key are written to (and reused from while they
    /// cover the names): add its `cert.pem` to a trust store.
    pub dir: PathBuf,
}

/// The fake identity provider, and how id tokens are verified.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct IssuerConfig {
    /// Signing key: `fixture` (the committed test key for `algorithm`), `generate` (a fresh
    /// key at start-up) or the path of a PKCS#8 PEM private key.
    pub key: String,
    /// Signing algorithm of minted id tokens: `RS256` or `EdDSA`.
    pub algorithm: SigningAlg,
    /// Default `aud` of minted tokens: the client id of the frontend.
    pub client_id: String,
    /// Audiences accepted in an idToken's `aud`.
    pub audiences: Vec<String>,
    /// Algorithms an idToken may be signed with.
    pub allowed_algorithms: Vec<String>,
    /// Clock skew tolerated on `exp`, `nbf` and `iat`, in seconds.
    pub leeway_secs: u64,
    /// Lifetime of minted id tokens, in seconds.
    pub token_ttl_secs: u64,
    /// Lifetime of unexchanged `/oidc/authorize` codes, in seconds of the mock's clock.
    pub code_ttl_secs: u64,
    /// Most unexchanged, unexpired codes at once; beyond it sign-ins get
    /// `temporarily_unavailable`.
    pub max_codes: usize,
    /// Other issuers whose tokens are accepted.
    pub trusted: Vec<TrustedIssuerConfig>,
    /// Accept the built-in issuer's tokens only with the exact `iss` of the request's host
    /// (or `public_url`, or a loopback alias) instead of any `http(s)://HOST[:PORT]/oidc`.
    pub strict_iss: bool,
}

/// An extra issuer trusted besides the built-in one.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TrustedIssuerConfig {
    /// Expected `iss` claim.
    pub issuer: String,
    /// A JWKS file path or an `http(s)://` URL.
    pub jwks: String,
}

/// The Dfns side: org, relying party, and the registration options offered.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct AuthConfig {
    /// Org used when a request names none.
    pub org_id: String,
    /// WebAuthn relying party id (the page's domain).
    pub rp_id: String,
    /// WebAuthn relying party name.
    pub rp_name: String,
    /// Credential kinds offered as first factor.
    pub first_factor: Vec<CredentialKind>,
    /// Credential kinds offered as second factor.
    pub second_factor: Vec<CredentialKind>,
    /// `none`, `indirect`, `direct` or `enterprise`.
    pub attestation: Attestation,
    /// COSE algorithms offered in `pubKeyCredParams`.
    pub algorithms: Vec<i64>,
    /// `platform`, `cross-platform`, or unset.
    pub authenticator_attachment: Option<AuthenticatorAttachment>,
    /// `required`, `preferred` or `discouraged`.
    pub resident_key: Requirement,
    /// `required`, `preferred` or `discouraged`.
    pub user_verification: Requirement,
    /// Lifetime of temporary authentication tokens, in seconds.
    pub temp_token_ttl_secs: u64,
    /// `iss` of tokens the mock issues as Dfns.
    pub token_issuer: String,
    /// Lifetime of session tokens, in seconds.
    pub session_token_ttl_secs: u64,
    /// Origins WebAuthn client data may come from; `scheme://host:*` allows any port.
    pub origins: Vec<String>,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Readable lines for a terminal.
    Human,
    /// One JSON object per line, for log collectors.
    Json,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            bind: IpAddr::from([127, 0, 0, 1]),
            port: 8080,
            seed: "dfns-mock".into(),
            clock: Clock::System,
            public_url: None,
            log_format: LogFormat::Human,
            cors_origins: vec!["*".into()],
            fixtures: "fixtures".into(),
            scenarios: "scenarios".into(),
            default_scenario: None,
            journal_limit: 1000,
            journal_max_bytes: 32 << 20,
            journal_max_body_bytes: 16 << 10,
            sessions: SessionsConfig::default(),
            reload_interval_ms: 500,
            issuer: IssuerConfig::default(),
            auth: AuthConfig::default(),
            tls: TlsConfig::default(),
            connections: ConnectionsConfig::default(),
            allowed_hosts: Vec::new(),
            control_origins: Vec::new(),
            admin_token: None,
            journal_redact: None,
        }
    }
}

impl Default for ConnectionsConfig {
    fn default() -> Self {
        ConnectionsConfig {
            header_timeout_ms: 10_000,
            body_timeout_ms: 30_000,
            idle_timeout_ms: 60_000,
            max: 1024,
            shutdown_grace_ms: 10_000,
        }
    }
}

impl Default for TlsConfig {
    fn default() -> Self {
        TlsConfig {
            enabled: false,
            port: 8443,
            cert: None,
            key: None,
            hosts: Vec::new(),
            dir: "dfns-mock-tls".into(),
        }
    }
}

impl Default for IssuerConfig {
    fn default() -> Self {
        IssuerConfig {
            key: "fixture".into(),
            algorithm: SigningAlg::RS256,
            client_id: "dfns-mock-client".into(),
            audiences: vec!["dfns-mock-client".into()],
            allowed_algorithms: vec!["RS256".into(), "ES256".into(), "EdDSA".into()],
            leeway_secs: 30,
            token_ttl_secs: 3600,
            code_ttl_secs: 60,
            max_codes: 1_000,
            trusted: Vec::new(),
            strict_iss: false,
        }
    }
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            org_id: "or-30tnh-itmjs-s235s5ontr3r23h2".into(),
            rp_id: "localhost".into(),
            rp_name: "dfns-mock".into(),
            first_factor: vec![CredentialKind::Fido2, CredentialKind::Key],
            second_factor: vec![CredentialKind::Fido2, CredentialKind::Key],
            attestation: Attestation::Direct,
            algorithms: vec![-7, -257],
            authenticator_attachment: None,
            resident_key: Requirement::Required,
            user_verification: Requirement::Required,
            temp_token_ttl_secs: 600,
            token_issuer: "auth.dfns-mock.localhost".into(),
            session_token_ttl_secs: 86_400,
            origins: vec!["http://localhost:*".into(), "http://127.0.0.1:*".into()],
        }
    }
}

/// Where the configuration file comes from.
#[derive(Debug, Clone)]
pub enum ConfigFile {
    /// `dfns-mock.toml` in the working directory, if it exists.
    Default,
    /// A file named on the command line; it must exist.
    Explicit(PathBuf),
}

/// A configuration that could not be loaded; the message names the key and its source.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The `--config` file does not exist.
    #[error("config file {0} does not exist")]
    MissingFile(PathBuf),
    /// A key is unknown, has the wrong type, or a value is out of range.
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

impl From<figment::Error> for ConfigError {
    fn from(err: figment::Error) -> Self {
        // figment's Display says which key and which source ("in dfns-mock.toml TOML file").
        let messages: Vec<String> = err
            .into_iter()
            .map(|e| match &e.kind {
                figment::error::Kind::UnknownField(found, expected) => {
                    match closest(found, expected) {
                        Some(key) => format!("{e}; did you mean `{key}`?"),
                        None => e.to_string(),
                    }
                }
                _ => e.to_string(),
            })
            .collect();
        ConfigError::Invalid(messages.join("; "))
    }
}

/// The known key most like `found`, when one is close enough to be a typo.
fn closest<'a>(found: &str, known: &[&'a str]) -> Option<&'a str> {
    let found = found.to_ascii_lowercase();
    known
        .iter()
        .map(|key| (strsim::damerau_levenshtein(&found, key), *key))
        .filter(|(distance, key)| *distance <= (key.len() / 3).max(1))
        .min()
        .map(|(_, key)| key)
}

impl Config {
    /// Loads the configuration from every layer; `overrides` are the command-line flags
    /// (a serializable struct whose `None` fields are skipped), `flag_vars` the variables
    /// that belong to flags (of any command) and so are not read as configuration keys.
    pub fn load<T: Serialize>(
        file: &ConfigFile,
        overrides: &T,
        flag_vars: &[String],
    ) -> Result<Config, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        match file {
            ConfigFile::Default => {
                if Path::new(DEFAULT_CONFIG_FILE).exists() {
                    figment = figment.merge(Toml::file_exact(DEFAULT_CONFIG_FILE));
                }
            }
            ConfigFile::Explicit(path) => {
                if !path.exists() {
                    return Err(ConfigError::MissingFile(path.clone()));
                }
                figment = figment.merge(Toml::file_exact(path));
            }
        }
        let config: Config = figment
            .merge(config_env(flag_vars))
            .merge(Serialized::defaults(overrides))
            .extract()?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |key: &str, why: String| Err(ConfigError::Invalid(format!("{key}: {why}")));
        for alg in &self.issuer.allowed_algorithms {
            if !matches!(
                alg.as_str(),
                "RS256" | "RS384" | "RS512" | "PS256" | "ES256" | "ES384" | "EdDSA"
            ) {
                return invalid(
                    "issuer.allowed_algorithms",
                    format!("`{alg}` is not an asymmetric JWS algorithm this mock verifies"),
                );
            }
        }
        let c = &self.connections;
        for (key, value) in [
            ("connections.header_timeout_ms", c.header_timeout_ms),
            ("connections.body_timeout_ms", c.body_timeout_ms),
            ("connections.idle_timeout_ms", c.idle_timeout_ms),
            ("connections.max", c.max as u64),
            ("sessions.max_live", self.sessions.max_live as u64),
        ] {
            if value == 0 {
                return invalid(key, "must be greater than 0".into());
            }
        }
        if self.journal_max_bytes < 64 << 10 {
            return invalid(
                "journal_max_bytes",
                format!(
                    "{} is too small to hold a journal entry: at least 65536",
                    self.journal_max_bytes
                ),
            );
        }
        if self.admin_token.as_deref().is_some_and(str::is_empty) {
            return invalid("admin_token", "must not be empty when set".into());
        }
        let org = regex::Regex::new(r"^or-[a-z0-9]{5}-[a-z0-9]{5}-[a-z0-9]{14,16}$")
            .expect("valid regex");
        if !org.is_match(&self.auth.org_id) {
            return invalid(
                "auth.org_id",
                format!(
                    "`{}` is not an org id (or-xxxxx-xxxxx-xxxxxxxxxxxxxxxx)",
                    self.auth.org_id
                ),
            );
        }
        Ok(())
    }

    /// Whether the journal redacts tokens: `journal_redact`, else whether `bind` is not loopback.
    pub fn redacts_journal(&self) -> bool {
        self.journal_redact.unwrap_or(!self.bind.is_loopback())
    }

    /// The issuer URL used when no request is at hand (the `token` command, logs).
    pub fn default_issuer_url(&self) -> String {
        match &self.public_url {
            Some(url) => format!("{}/oidc", url.trim_end_matches('/')),
            None => {
                let host = if self.bind.is_unspecified() {
                    "localhost".to_string()
                } else {
                    match self.bind {
                        IpAddr::V6(v6) => format!("[{v6}]"),
                        IpAddr::V4(v4) => v4.to_string(),
                    }
                };
                format!("http://{host}:{}/oidc", self.port)
            }
        }
    }
}

/// The `DFNS_MOCK_*` variables that are configuration keys: all but the flags' own.
fn config_env(flag_vars: &[String]) -> Env {
    let flag_keys: Vec<String> = flag_vars
        .iter()
        .filter_map(|var| var.strip_prefix(ENV_PREFIX))
        .map(str::to_ascii_lowercase)
        .collect();
    // The filter sees the key with the prefix stripped, in the variable's own case.
    Env::prefixed(ENV_PREFIX)
        .filter(move |key| !flag_keys.contains(&key.as_str().to_ascii_lowercase()))
        .split("__")
}
