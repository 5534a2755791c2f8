//! The command line: `serve` (the default), `token`, `healthcheck` and `check`, each flag also
//! settable through its `DFNS_MOCK_*` variable (which the other commands ignore). Turns flags
//! into configuration overrides and runs the chosen command.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, CommandFactory, Parser, Subcommand};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::app::App;
use crate::bundled::Origin;
use crate::config::{Config, ConfigFile};

/// A local emulator of the Dfns auth API with a built-in fake OIDC issuer.
#[derive(Debug, Parser)]
#[command(name = "dfns-mock", version, args_conflicts_with_subcommands = true)]
pub struct Cli {
    /// What to do; `serve` when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Settings of `serve` when no command is given.
    #[command(flatten)]
    pub settings: Settings,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (the default); `fixtures/` and `scenarios/` of the working directory
    /// when present, else the copies compiled into the binary.
    Serve(Settings),
    /// Print one id token signed by the built-in issuer (the key the server trusts).
    Token(TokenArgs),
    /// Exit 0 when the server answers its health endpoint.
    Healthcheck(HealthcheckArgs),
    /// Load and validate the scenario files the server would load (the folder, else the
    /// bundled library); print each problem as file:line:col: message.
    Check(Settings),
}

/// Configuration flags; each overrides the file and the environment.
#[derive(Debug, Clone, Default, Args, Serialize)]
pub struct Settings {
    /// Configuration file [default: dfns-mock.toml when present]
    #[arg(long, env = "DFNS_MOCK_CONFIG", value_name = "FILE")]
    #[serde(skip)]
    pub config: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1]
    #[arg(long, env = "DFNS_MOCK_BIND", value_name = "IP")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bind: Option<std::net::IpAddr>,
    /// Port to listen on, 0 for any free port [default: 8080]
    #[arg(long, env = "DFNS_MOCK_PORT")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// Seed of every generated value [default: dfns-mock]
    #[arg(long, env = "DFNS_MOCK_SEED")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<String>,
    /// `system`, or an RFC 3339 instant that freezes time [default: system]
    #[arg(long, env = "DFNS_MOCK_CLOCK")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clock: Option<String>,
    /// Public base URL [default: from each request's Host]
    #[arg(long, env = "DFNS_MOCK_PUBLIC_URL", value_name = "URL")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_url: Option<String>,
    /// Log format [default: human]
    #[arg(long, env = "DFNS_MOCK_LOG_FORMAT", value_enum)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_format: Option<LogFormatArg>,
    /// Folder of keys and pre-registered users [default: ./fixtures when present, else the copy compiled into the binary]
    #[arg(long, env = "DFNS_MOCK_FIXTURES", value_name = "DIR")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fixtures: Option<PathBuf>,
    /// Folder of scenario files [default: ./scenarios when present, else the library compiled into the binary]
    #[arg(long, env = "DFNS_MOCK_SCENARIOS", value_name = "DIR")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scenarios: Option<PathBuf>,
    /// HTTPS beside HTTP.
    #[command(flatten)]
    pub tls: TlsSettings,
}

/// HTTPS flags (the `tls` configuration section).
#[derive(Debug, Clone, Default, Args, Serialize)]
pub struct TlsSettings {
    /// Serve HTTPS too, on --tls-port
    #[arg(long = "tls", env = "DFNS_MOCK_TLS")]
    #[serde(rename = "enabled", skip_serializing_if = "std::ops::Not::not")]
    pub tls: bool,
    /// HTTPS port, 0 for any free port [default: 8443]
    #[arg(long = "tls-port", env = "DFNS_MOCK_TLS_PORT", value_name = "PORT")]
    #[serde(rename = "port", skip_serializing_if = "Option::is_none")]
    pub tls_port: Option<u16>,
    /// PEM certificate chain to serve [default: generated for localhost, 127.0.0.1, ::1 and --tls-host]
    #[arg(long = "tls-cert", env = "DFNS_MOCK_TLS_CERT", value_name = "FILE")]
    #[serde(rename = "cert", skip_serializing_if = "Option::is_none")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of --tls-cert
    #[arg(long = "tls-key", env = "DFNS_MOCK_TLS_KEY", value_name = "FILE")]
    #[serde(rename = "key", skip_serializing_if = "Option::is_none")]
    pub tls_key: Option<PathBuf>,
    /// Extra host name of the generated certificate, repeatable (env: comma-separated)
    #[arg(
        long = "tls-host",
        env = "DFNS_MOCK_TLS_HOSTS",
        value_name = "NAME",
        value_delimiter = ','
    )]
    #[serde(rename = "hosts", skip_serializing_if = "Vec::is_empty")]
    pub tls_hosts: Vec<String>,
    /// Folder the generated cert.pem and key.pem go to [default: dfns-mock-tls]
    #[arg(long = "tls-dir", env = "DFNS_MOCK_TLS_DIR", value_name = "DIR")]
    #[serde(rename = "dir", skip_serializing_if = "Option::is_none")]
    pub tls_dir: Option<PathBuf>,
}

/// `--log-format` values.
#[derive(Debug, Clone, Copy, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormatArg {
    /// Readable lines.
    Human,
    /// JSON lines.
    Json,
}

/// Flags of `dfns-mock token`.
#[derive(Debug, Clone, Args)]
pub struct TokenArgs {
    /// `sub` claim [default: derived from the email]
    #[arg(long, env = "DFNS_MOCK_TOKEN_SUB")]
    pub sub: Option<String>,
    /// `email` claim (default: jane.doe@example.com, or SUB@example.com)
    #[arg(long, env = "DFNS_MOCK_TOKEN_EMAIL")]
    pub email: Option<String>,
    /// `aud` claim [default: issuer.client_id]
    #[arg(long, env = "DFNS_MOCK_TOKEN_AUD")]
    pub aud: Option<String>,
    /// `iss` claim (default: PUBLIC_URL/oidc, or http://BIND:PORT/oidc)
    #[arg(long, env = "DFNS_MOCK_TOKEN_ISS", value_name = "URL")]
    pub iss: Option<String>,
    /// Seconds from `iat` (now unless given) to `exp`, negative for an already expired token [default: issuer.token_ttl_secs]
    #[arg(
        long,
        env = "DFNS_MOCK_TOKEN_TTL",
        value_name = "SECS",
        allow_hyphen_values = true
    )]
    pub ttl: Option<i64>,
    /// Extra claim, repeatable; the value is parsed as JSON when it parses, else kept as a string
    #[arg(long = "claim", value_name = "K=V")]
    pub claims: Vec<String>,
    /// Configuration (the key, clock and issuer URL come from it)
    #[command(flatten)]
    pub settings: Settings,
}

/// Flags of `dfns-mock healthcheck`.
#[derive(Debug, Clone, Args)]
pub struct HealthcheckArgs {
    /// Health URL (default: http://BIND:PORT/__mock/health from the configuration, BIND 127.0.0.1 when unspecified)
    #[arg(long, env = "DFNS_MOCK_HEALTHCHECK_URL")]
    pub url: Option<String>,
    /// Seconds to wait for an answer
    #[arg(long, env = "DFNS_MOCK_HEALTHCHECK_TIMEOUT", default_value_t = 3)]
    pub timeout: u64,
    /// Configuration (port and bind come from it)
    #[command(flatten)]
    pub settings: Settings,
}

impl Settings {
    /// The configuration these flags select and override.
    pub fn load(&self) -> Result<Config, crate::config::ConfigError> {
        let file = match &self.config {
            Some(path) => ConfigFile::Explicit(path.clone()),
            None => ConfigFile::Default,
        };
        Config::load(&file, self, &flag_vars())
    }
}

/// Every `DFNS_MOCK_*` variable that belongs to a flag, of any command.
fn flag_vars() -> Vec<String> {
    fn walk(command: &clap::Command, vars: &mut Vec<String>) {
        vars.extend(
            command
                .get_arguments()
                .filter_map(|arg| arg.get_env())
                .map(|var| var.to_string_lossy().into_owned()),
        );
        for sub in command.get_subcommands() {
            walk(sub, vars);
        }
    }
    let mut vars = Vec::new();
    walk(&Cli::command(), &mut vars);
    vars
}

/// Runs the command line; the exit code says how it went.
pub async fn run(cli: Cli) -> ExitCode {
    let result = match cli.command {
        None => serve(cli.settings).await,
        Some(Command::Serve(settings)) => serve(settings).await,
        Some(Command::Token(args)) => token(args).await,
        Some(Command::Healthcheck(args)) => healthcheck(args).await,
        Some(Command::Check(settings)) => check(settings),
    };
    crate::logging::flush();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("dfns-mock: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(settings: Settings) -> Result<(), String> {
    let mut config = settings.load().map_err(|e| e.to_string())?;
    crate::logging::init(config.log_format);
    // Bind first: with port 0 the issuer URL carries the port actually taken.
    let listeners = crate::server::Listeners::bind(&config)
        .await
        .map_err(|e| e.to_string())?;
    listeners.record_ports(&mut config);
    let app = App::new(config).await.map_err(|e| e.to_string())?;
    let mut server = crate::server::serve(app.clone(), listeners).map_err(|e| e.to_string())?;
    server.shutdown_on(crate::server::shutdown_signal());
    tracing::info!(
        addr = %server.addr,
        seed = %app.config.seed,
        clock = %app.config.clock,
        issuer = %app.issuer.default_issuer_url(),
        fixtures = %app.fixtures,
        scenarios = %app.scenarios.origin(),
        "dfns-mock listening on http://{}",
        server.addr
    );
    if let (Some(addr), Some(cert)) = (server.tls_addr, &server.tls_cert) {
        tracing::info!(
            tls_addr = %addr,
            cert = %cert.display(),
            "HTTPS on https://{addr} (certificate {}: trust it to browse without warnings)",
            cert.display()
        );
    }
    server.wait().await;
    Ok(())
}

async fn token(args: TokenArgs) -> Result<(), String> {
    let config = args.settings.load().map_err(|e| e.to_string())?;
    let app = App::new(config).await.map_err(|e| e.to_string())?;
    let mut claims = Map::new();
    for (name, value) in [
        ("sub", &args.sub),
        ("email", &args.email),
        ("aud", &args.aud),
        ("iss", &args.iss),
    ] {
        if let Some(value) = value {
            claims.insert(name.into(), Value::String(value.clone()));
        }
    }
    for claim in &args.claims {
        let (name, value) = claim
            .split_once('=')
            .ok_or_else(|| format!("--claim `{claim}` is not NAME=VALUE"))?;
        let value =
            serde_json::from_str(value).unwrap_or_else(|_| Value::String(value.to_string()));
        claims.insert(name.to_string(), value);
    }
    let issuer = app.issuer.default_issuer_url();
    let token = match args.ttl {
        Some(ttl) => app.issuer.mint_with_ttl(claims, issuer, ttl),
        None => app.issuer.mint(claims, issuer),
    }
    .map_err(|e| e.to_string())?;
    println!("{token}");
    Ok(())
}

fn check(settings: Settings) -> Result<(), String> {
    let config = settings.load().map_err(|e| e.to_string())?;
    let origin = Origin::scenarios(&config.scenarios).map_err(|e| e.to_string())?;
    let dir = match &origin {
        Origin::Folder(dir) => dir.display().to_string(),
        Origin::Bundled { .. } => "the bundled library".to_string(),
    };
    match crate::scenario::load::load_origin(&origin) {
        Ok(set) => {
            let names = set.names();
            println!(
                "ok: {} scenarios in {dir}: {}",
                names.len(),
                names.join(", ")
            );
            Ok(())
        }
        Err(problems) => {
            for problem in &problems {
                println!("{problem}");
            }
            Err(format!("{} problem(s) in {dir}", problems.len()))
        }
    }
}

async fn healthcheck(args: HealthcheckArgs) -> Result<(), String> {
    let url = match args.url {
        Some(url) => url,
        None => {
            let config = args.settings.load().map_err(|e| e.to_string())?;
            let host = if config.bind.is_unspecified() {
                "127.0.0.1".to_string()
            } else {
                match config.bind {
                    std::net::IpAddr::V6(v6) => format!("[{v6}]"),
                    v4 => v4.to_string(),
                }
            };
            format!("http://{host}:{}/__mock/health", config.port)
        }
    };
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(args.timeout))
        .build()
        .map_err(|e| e.to_string())?;
    let response = client
        .get(&url)
        .send()
        .await
        .map_err(|e| format!("{url}: {e}"))?;
    if response.status().is_success() {
        println!("ok: {url}");
        Ok(())
    } else {
        Err(format!("{url} answered {}", response.status()))
    }
}
