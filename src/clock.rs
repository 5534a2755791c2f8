//! The mock's notion of "now": the system clock, or one frozen instant so that every
//! time claim and expiry check is reproducible. It is also the `clock` setting, spelled
//! `system` or as the RFC 3339 instant.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// Where time comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Clock {
    /// The machine's clock.
    System,
    /// Always this instant.
    Frozen(OffsetDateTime),
}

impl FromStr for Clock {
    type Err = String;

    /// Parses `system` or an RFC 3339 instant.
    fn from_str(setting: &str) -> Result<Clock, String> {
        if setting == "system" {
            return Ok(Clock::System);
        }
        OffsetDateTime::parse(setting, &Rfc3339)
            .map(Clock::Frozen)
            .map_err(|e| format!("`{setting}` is neither `system` nor an RFC 3339 instant: {e}"))
    }
}

impl TryFrom<String> for Clock {
    type Error = String;

    fn try_from(setting: String) -> Result<Clock, String> {
        setting.parse()
    }
}

impl From<Clock> for String {
    fn from(clock: Clock) -> String {
        clock.to_string()
    }
}

/// `system`, or the frozen instant in RFC 3339.
impl fmt::Display for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Clock::System => f.write_str("system"),
            Clock::Frozen(at) => f.write_str(&at.format(&Rfc3339).map_err(|_| fmt::Error)?),
        }
    }
}

impl Clock {
    /// The current instant.
    pub(crate) fn now(&self) -> OffsetDateTime {
        match self {
            Clock::System => OffsetDateTime::now_utc(),
            Clock::Frozen(at) => *at,
        }
    }

    /// The current instant in seconds since the Unix epoch.
    pub(crate) fn unix(&self) -> i64 {
        self.now().unix_timestamp()
    }
}

/// Formats Unix seconds as RFC 3339 for messages (`2026-11-22T10:00:00Z`).
pub(crate) fn rfc3339(unix: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| unix.to_string())
}
