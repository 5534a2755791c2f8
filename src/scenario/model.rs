//! The scenario file format: a named, described, ordered list of rules, each with a
//! `when` (what request it matches), a `then` (how to answer), an optional `times` and
//! WireMock-style states. Deserialized strictly: unknown keys are errors.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Map, Value};

/// The state every scenario starts in, per session.
pub const STARTED: &str = "Started";

/// Every endpoint a rule may name.
pub const ENDPOINTS: &[&str] = &[
    "POST /auth/registration/social",
    "POST /auth/registration",
    "POST /auth/registration/enduser",
    "POST /auth/login/social",
    "POST /auth/login/init",
    "POST /auth/login",
];

/// One scenario file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    /// Name used to select it; defaults to the file name without extension.
    pub name: Option<String>,
    /// What it is for, shown by `GET /__mock/scenarios`.
    #[serde(default)]
    pub description: String,
    /// Tried in order; the first that matches answers.
    #[serde(default)]
    pub rules: Vec<Rule>,
}

/// One rule.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Rule {
    /// What requests it applies to.
    #[serde(default)]
    pub when: When,
    /// How it answers; an empty `then` answers normally (useful with states and `times`).
    #[serde(default)]
    pub then: Then,
    /// Answer this way only for the first N matches (per session).
    pub times: Option<u64>,
    /// Only while the scenario is in this state (per session).
    pub required_scenario_state: Option<String>,
    /// Move the scenario to this state after answering.
    pub new_scenario_state: Option<String>,
}

/// Matchers; all given ones must hold.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct When {
    /// `METHOD /path`, one of [`ENDPOINTS`]; absent matches every endpoint.
    pub endpoint: Option<String>,
    /// Body fields by dotted path (`orgId`, `firstFactorCredential.credentialKind`).
    #[serde(default)]
    pub body: BTreeMap<String, Matcher>,
    /// Request headers by (case-insensitive) name.
    #[serde(default)]
    pub headers: BTreeMap<String, Matcher>,
    /// Claims of the verified idToken (`email`, `sub`, any custom claim).
    #[serde(default)]
    pub claims: BTreeMap<String, Matcher>,
    /// The org the request is for: the body's `orgId`, else the configured default org.
    pub org_id: Option<Matcher>,
}

/// A condition on one value. Written as a bare value (equals it), or as an object with
/// exactly one of `equals`, `matches` (regex), `present` or `absent` (booleans).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(try_from = "Value")]
pub enum Matcher {
    /// Equal to this JSON value; a string also equals a number or boolean written the same.
    Equals(Value),
    /// A string value matching this regex.
    Matches(String),
    /// Present when true, absent when false.
    Present(bool),
}

impl TryFrom<Value> for Matcher {
    type Error = String;

    fn try_from(value: Value) -> Result<Matcher, String> {
        let Value::Object(map) = &value else {
            return Ok(Matcher::Equals(value));
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
            ("equals", v) => Ok(Matcher::Equals(v.clone())),
            ("matches", Value::String(re)) => Ok(Matcher::Matches(re.clone())),
            ("matches", _) => Err("`matches` takes a regex string".into()),
            ("present", Value::Bool(b)) => Ok(Matcher::Present(*b)),
            ("absent", Value::Bool(b)) => Ok(Matcher::Present(!*b)),
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
pub struct Then {
    /// A Dfns error instead of the normal answer.
    pub error: Option<ErrorReply>,
    /// JSON merge patch (RFC 7396) applied to the normal 200 body.
    pub patch: Option<Value>,
    /// A whole body instead of the normal answer.
    pub body: Option<Value>,
    /// Status of `body` (default 200).
    pub status: Option<u16>,
    /// Extra response headers.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Milliseconds to wait before answering: a number or `{min, max}` (drawn from the seed).
    pub delay: Option<Delay>,
    /// Misbehave at the connection level instead of answering.
    pub fault: Option<Fault>,
}

/// A scripted Dfns error.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorReply {
    /// HTTP status (400–599).
    pub status: u16,
    /// `error.message`.
    pub message: String,
    /// `error.details`.
    #[serde(default)]
    pub details: Map<String, Value>,
}

/// A delay in milliseconds: a number, or `{min, max}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(try_from = "Value")]
pub enum Delay {
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
pub enum Fault {
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
pub struct Scenario {
    /// Its name.
    pub name: String,
    /// Its description.
    pub description: String,
    /// The file it came from (`built-in` for the implicit happy path).
    pub file: String,
    /// Its rules, regexes compiled.
    pub rules: Vec<CheckedRule>,
}

/// A rule with its regexes compiled.
#[derive(Debug, Clone)]
pub struct CheckedRule {
    /// The rule as written.
    pub rule: Rule,
    /// Compiled `matches` patterns by their source text.
    pub regexes: BTreeMap<String, regex::Regex>,
}
