//! Builds the product's parts from a [`Config`] and wires them together: clock, issuer,
//! Dfns API, sessions (with their request ids). The serving stack and the CLI start from here.

use std::sync::Arc;

use crate::bundled::{MissingFolder, Origin};
use crate::clock::Clock;
use crate::config::Config;
use crate::dfns::fixtures::parse_users;
use crate::dfns::DfnsApi;
use crate::journal::Journal;
use crate::oidc::{Issuer, IssuerError};
use crate::scenario::load::Problem;
use crate::scenario::Scenarios;
use crate::seed::Seed;
use crate::session::{SessionState, Sessions};

/// Every long-lived part of a running mock.
#[derive(Clone)]
pub struct App {
    /// The configuration it was built from.
    pub config: Arc<Config>,
    /// Where time comes from.
    pub clock: Clock,
    /// The fake identity provider.
    pub issuer: Arc<Issuer>,
    /// The Dfns API.
    pub dfns: Arc<DfnsApi>,
    /// Per-session state and request ids.
    pub sessions: Sessions,
    /// Loaded scenarios.
    pub scenarios: Scenarios,
    /// Recent requests.
    pub journal: Journal,
    /// Where the fixtures came from: a folder or the binary.
    pub fixtures: Origin,
}

/// Why the parts could not be built.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// A configured fixtures or scenarios folder that does not exist.
    #[error(transparent)]
    Folder(#[from] MissingFolder),
    /// The issuer's key or trusted issuers.
    #[error(transparent)]
    Issuer(#[from] IssuerError),
    /// A fixture file with a problem.
    #[error("fixture error: {0}")]
    Fixtures(String),
    /// Scenario files with problems.
    #[error("scenario files have errors:\n{}", .0.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("\n"))]
    Scenarios(Vec<Problem>),
}

impl App {
    /// Builds every part; fails on an unreadable key, trusted JWKS or scenario file.
    pub async fn new(config: Config) -> Result<App, AppError> {
        let clock = config.clock;
        let fixtures = Origin::fixtures(&config.fixtures)?;
        let issuer = Arc::new(Issuer::new(&config, clock, &fixtures).await?);
        let seed = Seed::new(&config.seed);
        let users_file = fixtures.label("users.yaml");
        let users = match fixtures.read("users.yaml") {
            Ok(Some(text)) => {
                parse_users(&users_file, &text, &seed, &config.auth.org_id, clock.unix())
                    .map_err(|p| AppError::Fixtures(p.to_string()))?
            }
            Ok(None) => Vec::new(),
            Err(e) => {
                let file = users_file.display();
                return Err(AppError::Fixtures(format!("{file}: cannot read: {e}")));
            }
        };
        let template = SessionState {
            users: users.into_iter().map(|u| (u.id.clone(), u)).collect(),
            ..SessionState::default()
        };
        let sessions = Sessions::new(template, seed, config.sessions.max_live);
        let scenarios = Scenarios::load(
            &Origin::scenarios(&config.scenarios)?,
            config.default_scenario.clone(),
        )
        .map_err(AppError::Scenarios)?;
        let dfns = Arc::new(DfnsApi::new(
            &config,
            clock,
            issuer.clone(),
            sessions.clone(),
            scenarios.clone(),
        ));
        Ok(App {
            journal: Journal::new(
                config.journal_limit,
                config.journal_max_bytes,
                config.journal_max_body_bytes,
            ),
            scenarios,
            config: Arc::new(config),
            clock,
            issuer,
            dfns,
            sessions,
            fixtures,
        })
    }
}
