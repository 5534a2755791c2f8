//! The scenario file format: a named, described, ordered list of rules, each with a
//! `when` (what request it matches), a `then` (how to answer), an optional `times` and
//! WireMock-style states. Deserialized strictly: unknown keys are errors. Loading turns a
//! [`Rule`] as written into a [`CheckedRule`]: matchers compiled, one [`Answer`].

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Map, Value};

use http::{HeaderName, HeaderValue, StatusCode};

use crate::endpoint::Endpoint;

/// The state every scenario starts in, per session.
pub(crate) const STARTED: &str = "Started";

/// One scenario file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ScenarioFile {
    /// Name used to select it; defaults to the file name without extension.
    pub(crate) name: Option<String>,
    /// What it is for, shown by `GET /__mock/scenarios`.
    #[serde(default)]
    pub(crate) description: String,
    /// Tried in order; the first that matches answers.
    #[serde(default)]
    pub(crate) rules: Vec<Rule>,
}

/// One rule.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct Rule {
    /// What requests it applies to.
    #[serde(default)]
    pub(crate) when: When,
    /// How it answers; an empty `then` answers normally (useful with states and `times`).
    #[serde(default)]
    pub(crate) then: Then,
    /// Answer this way only for the first N matches (per session).
    pub(crate) times: Option<u64>,
    /// Only while the scenario is in this state (per session).
    pub(crate) required_scenario_state: Option<String>,
    /// Move the scenario to this state after answering.
    pub(crate) new_scenario_state: Option<String>,
}

/// Matchers; all given ones must hold.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct When {
    /// `METHOD /path`, the name of one [`Endpoint`]; absent matches every endpoint.
    pub(crate) endpoint: Option<String>,
    /// Body fields by dotted path (`orgId`, `firstFactorCredential.credentialKind`).
    #[serde(default)]
    pub(crate) body: BTreeMap<String, MatcherSpec>,
    /// Request headers by (case-insensitive) name.
    #[serde(default)]
    pub(crate) headers: BTreeMap<String, MatcherSpec>,
    /// Claims of the verified idToken (`email`, `sub`, any custom claim).
    #[serde(default)]
    pub(crate) claims: BTreeMap<String, MatcherSpec>,
    /// The org the request is for: the body's `orgId`, else the configured default org.
    pub(crate) org_id: Option<MatcherSpec>,
}

/// A condition on one value as written: a bare value (equals it), or an object with
/// exactly one of `equals`, `matches` (regex), `present` or `absent` (booleans). Loading
/// compiles it into a [`Matcher`].
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(try_from = "Value")]
pub(crate) enum MatcherSpec {
    /// Equal to this JSON value; a string also equals a number or boolean written the same.
    Equals(Value),
    /// A string value matching this regex.
    Matches(String),
    /// Present when true, absent when false.
    Present(bool),
}

impl TryFrom<Value> for MatcherSpec {
    type Error = String;

    fn try_from(value: Value) -> Result<MatcherSpec, String> {
        let Value::Object(map) = &value else {
            return Ok(MatcherSpec::Equals(value));
        };
        let mut entries = map.iter();
        let (Some((op, arg)), None) = (entries.next(), entries.next()) else {
            return Err(
                "a matcher object has exactly one key: equals, matches, present or absent \
                        (to compare with an object, write {equals: {...}})"
                    .into(),
            );
        };
        match (op.as_str(), arg) {
            ("equals", v) => Ok(MatcherSpec::Equals(v.clone())),
            ("matches", Value::String(re)) => Ok(MatcherSpec::Matches(re.clone())),
            ("matches", _) => Err("`matches` takes a regex string".into()),
            ("present", Value::Bool(b)) => Ok(MatcherSpec::Present(*b)),
            ("absent", Value::Bool(b)) => Ok(MatcherSpec::Present(!*b)),
            ("present" | "absent", _) => Err(format!("`{op}` takes true or false")),
            (other, _) => Err(format!(
                "unknown matcher `{other}` (use equals, matches, present or absent; \
                 to compare with an object, write {{equals: {{...}}}})"
            )),
        }
    }
}

/// How a matching request is answered.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct Then {
    /// A Dfns error instead of the normal answer.
    pub(crate) error: Option<ErrorReply>,
    /// JSON merge patch (RFC 7396) applied to the normal 200 body.
    pub(crate) patch: Option<Value>,
    /// A whole body instead of the normal answer.
    pub(crate) body: Option<Value>,
    /// Status of `body` (default 200).
    pub(crate) status: Option<u16>,
    /// Extra response headers.
    #[serde(default)]
    pub(crate) headers: BTreeMap<String, String>,
    /// Milliseconds to wait before answering: a number or `{min, max}` (drawn from the seed).
    pub(crate) delay: Option<Delay>,
    /// Misbehave at the connection level instead of answering.
    pub(crate) fault: Option<Fault>,
}

/// A scripted Dfns error.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ErrorReply {
    /// HTTP status (400–599).
    pub(crate) status: u16,
    /// `error.message`.
    pub(crate) message: String,
    /// `error.details`.
    #[serde(default)]
    pub(crate) details: Map<String, Value>,
}

/// A delay in milliseconds: a number, or `{min, max}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(try_from = "Value")]
pub(crate) enum Delay {
    /// Exactly this long.
    Fixed(u64),
    /// Between `min` and `max` inclusive, drawn deterministically.
    Range {
        /// Shortest.
        min: u64,
        /// Longest.
        max: u64,
    },
}

impl TryFrom<Value> for Delay {
    type Error = String;

    fn try_from(value: Value) -> Result<Delay, String> {
        const SHAPE: &str = "delay is milliseconds (a number) or {min: MS, max: MS}";
        match &value {
            Value::Number(n) => n
                .as_u64()
                .map(Delay::Fixed)
                .ok_or_else(|| SHAPE.to_string()),
            Value::Object(map) => {
                if let Some(key) = map.keys().find(|k| *k != "min" && *k != "max") {
                    return Err(format!("unknown key `{key}`: {SHAPE}"));
                }
                let field = |k: &str| {
                    map.get(k)
                        .and_then(Value::as_u64)
                        .ok_or_else(|| format!("missing or non-numeric `{k}`: {SHAPE}"))
                };
                Ok(Delay::Range {
                    min: field("min")?,
                    max: field("max")?,
                })
            }
            _ => Err(SHAPE.to_string()),
        }
    }
}

/// Connection-level misbehaviour.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Fault {
    /// Close the connection with a TCP reset, no response.
    ConnectionReset,
    /// Close the connection cleanly without a response.
    EmptyReply,
    /// A 200 whose body is not valid JSON.
    MalformedJson,
    /// Never answer; the connection stays open until the client gives up.
    NoAnswer,
}

/// A loaded, checked scenario.
#[derive(Debug, Clone)]
pub(crate) struct Scenario {
    /// Its name.
    pub(crate) name: String,
    /// Its description.
    pub(crate) description: String,
    /// The file it came from (`built-in` for the implicit happy path).
    pub(crate) file: String,
    /// Its rules, checked and compiled.
    pub(crate) rules: Vec<CheckedRule>,
}

/// A rule as the engine uses it: its matchers compiled, its answer exactly one kind.
#[derive(Debug, Clone)]
pub(crate) struct CheckedRule {
    /// The endpoint `when.endpoint` names; `None` matches every endpoint.
    pub(crate) endpoint: Option<Endpoint>,
    /// Body fields by dotted path.
    pub(crate) body: Vec<(String, Matcher)>,
    /// Request headers by lowercased name.
    pub(crate) headers: Vec<(String, Matcher)>,
    /// Claims of the verified idToken.
    pub(crate) claims: Vec<(String, Matcher)>,
    /// The org the request is for.
    pub(crate) org_id: Option<Matcher>,
    /// How it answers.
    pub(crate) answer: Answer,
    /// Extra response headers (checked valid at load).
    pub(crate) response_headers: Vec<(HeaderName, HeaderValue)>,
    /// Milliseconds to wait before answering.
    pub(crate) delay: Option<Delay>,
    /// Answer this way only for the first N matches (per session).
    pub(crate) times: Option<u64>,
    /// Only while the scenario is in this state (per session).
    pub(crate) required_scenario_state: Option<String>,
    /// Move the scenario to this state after answering.
    pub(crate) new_scenario_state: Option<String>,
}

/// A compiled condition on one value.
#[derive(Debug, Clone)]
pub(crate) enum Matcher {
    /// Equal to this JSON value; a string also equals a number or boolean written the same.
    Equals(Value),
    /// A string value matching this regex.
    Matches(regex::Regex),
    /// Present when true, absent when false.
    Present(bool),
}

/// How a rule answers: one of the `then` kinds, as checked at load.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Answer {
    /// The endpoint's normal answer, a JSON merge patch applied to its 200 body.
    Normal {
        /// RFC 7396 merge patch (an object).
        patch: Option<Value>,
    },
    /// A Dfns error.
    Error {
        /// HTTP status (400–599).
        status: StatusCode,
        /// `error.message`.
        message: String,
        /// `error.details`.
        details: Map<String, Value>,
    },
    /// A whole body instead of the normal answer.
    Body {
        /// Its status.
        status: StatusCode,
        /// The body.
        body: Value,
    },
    /// Misbehave at the connection level.
    Fault(Fault),
}
