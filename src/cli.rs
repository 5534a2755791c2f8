//! The command line: `serve` (the default), `token`, `healthcheck` and `check`, each flag also
//! settable through its `DFNS_MOCK_*` variable. Turns flags into configuration overrides
//! and runs the chosen command.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::app::App;
use crate::config::{Config, ConfigFile, LogFormat};

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
    /// Run the server with the bundled scenarios and fixtures (the default).
    Serve(Settings),
    /// Print one id token signed by the built-in issuer (the key the server trusts).
    Token(TokenArgs),
    /// Exit 0 when the server answers its health endpoint.
    Healthcheck(HealthcheckArgs),
    /// Load and validate every scenario file; print each problem as file:line:col: message.
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
    /// Folder of keys and pre-registered users [default: fixtures]
    #[arg(long, env = "DFNS_MOCK_FIXTURES", value_name = "DIR")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fixtures: Option<PathBuf>,
    /// Folder of scenario files [default: scenarios]
    #[arg(long, env = "DFNS_MOCK_SCENARIOS", value_name = "DIR")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scenarios: Option<PathBuf>,
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
    /// Seconds until `exp` (negative for an already expired token) [default: issuer.token_ttl_secs]
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
        Config::load(&file, self)
    }
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
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("dfns-mock: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(settings: Settings) -> Result<(), String> {
    let config = settings.load().map_err(|e| e.to_string())?;
    init_logging(config.log_format);
    let app = App::new(config).await.map_err(|e| e.to_string())?;
    let mut server = crate::server::start(app.clone())
        .await
        .map_err(|e| e.to_string())?;
    tracing::info!(
        addr = %server.addr,
        seed = %app.config.seed,
        clock = %app.config.clock,
        issuer = %app.issuer.default_issuer_url(),
        "dfns-mock listening on http://{}",
        server.addr
    );
    server.shutdown_on(crate::server::shutdown_signal());
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
    if let Some(ttl) = args.ttl {
        let now = app.clock.unix();
        claims.insert("iat".into(), now.into());
        claims.insert("exp".into(), (now + ttl).into());
    }
    for claim in &args.claims {
        let (name, value) = claim
            .split_once('=')
            .ok_or_else(|| format!("--claim `{claim}` is not NAME=VALUE"))?;
        let value =
            serde_json::from_str(value).unwrap_or_else(|_| Value::String(value.to_string()));
        claims.insert(name.to_string(), value);
    }
    let token = app
        .issuer
        .mint(claims, app.issuer.default_issuer_url())
        .map_err(|e| e.to_string())?;
    println!("{token}");
    Ok(())
}

fn check(settings: Settings) -> Result<(), String> {
    let config = settings.load().map_err(|e| e.to_string())?;
    let dir = &config.scenarios;
    if !dir.is_dir() {
        return Err(format!("{}: not a directory", dir.display()));
    }
    match crate::scenario::load::load_dir(dir) {
        Ok(set) => {
            let names = set.names();
            println!(
                "ok: {} scenarios in {}: {}",
                names.len(),
                dir.display(),
                names.join(", ")
            );
            Ok(())
        }
        Err(problems) => {
            for problem in &problems {
                println!("{problem}");
            }
            Err(format!(
                "{} problem(s) in {}",
                problems.len(),
                dir.display()
            ))
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

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,tower_http=info"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stdout());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi);
    let _ = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Human => builder.try_init(),
    };
}
