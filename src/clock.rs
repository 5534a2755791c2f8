//! The mock's notion of "now": the system clock, or one frozen instant so that every
//! time claim and expiry check is reproducible.

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// Where time comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    /// The machine's clock.
    System,
    /// Always this instant.
    Frozen(OffsetDateTime),
}

impl Clock {
    /// Parses `system` or an RFC 3339 instant.
    pub(crate) fn parse(setting: &str) -> Result<Clock, String> {
        if setting == "system" {
            return Ok(Clock::System);
        }
        OffsetDateTime::parse(setting, &Rfc3339)
            .map(Clock::Frozen)
            .map_err(|e| format!("clock `{setting}` is neither `system` nor RFC 3339: {e}"))
    }

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
