//! Deciding how a scenario answers one request: the first rule whose state, `times` and
//! matchers allow it. Runs under the session's lock, so the read of states and counters and
//! their update are one atomic step.

use serde_json::{Map, Value};

use http::{HeaderName, HeaderValue};

use super::model::{Answer, CheckedRule, Delay, Matcher, Scenario, STARTED};
use crate::context::header_value;
use crate::endpoint::Endpoint;
use crate::seed::Seed;
use crate::session::SessionState;

/// What the engine can see of a request.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RequestFacts<'a> {
    /// The endpoint asked.
    pub(crate) endpoint: Endpoint,
    /// The parsed JSON body, if it parsed.
    pub(crate) body: Option<&'a Value>,
    /// Request headers (a matcher sees a repeated header's last text value).
    pub(crate) headers: &'a http::HeaderMap,
    /// Claims of the verified idToken, if there is one.
    pub(crate) claims: Option<&'a Map<String, Value>>,
    /// The org the request is for.
    pub(crate) org_id: &'a str,
}

/// How to answer.
#[derive(Debug, Clone)]
pub(crate) struct Decision {
    /// The scenario that decided.
    pub(crate) scenario: String,
    /// 1-based index of the rule that answered, `None` for the normal answer.
    pub(crate) rule: Option<usize>,
    /// The answer, applied once by the endpoint layer.
    pub(crate) answer: Answer,
    /// Extra response headers.
    pub(crate) headers: Vec<(HeaderName, HeaderValue)>,
    /// Milliseconds to wait first.
    pub(crate) delay_ms: u64,
}

/// Picks the rule answering `facts` in `state`, counts the hit and moves the state.
pub(crate) fn decide(
    scenario: &Scenario,
    facts: &RequestFacts,
    state: &mut SessionState,
    seed: &Seed,
    session: &str,
) -> Decision {
    let current = state
        .scenario_states
        .get(&scenario.name)
        .cloned()
        .unwrap_or_else(|| STARTED.to_string());
    for (index, rule) in scenario.rules.iter().enumerate() {
        if rule
            .required_scenario_state
            .as_ref()
            .is_some_and(|s| *s != current)
        {
            continue;
        }
        let key = rule_key(&scenario.name, index);
        let hits = state.rule_hits.get(&key).copied().unwrap_or(0);
        if rule.times.is_some_and(|times| hits >= times) {
            continue;
        }
        if !matches(rule, facts) {
            continue;
        }
        state.rule_hits.insert(key, hits + 1);
        if let Some(next) = &rule.new_scenario_state {
            state
                .scenario_states
                .insert(scenario.name.clone(), next.clone());
        }
        let delay_ms = match rule.delay {
            None => 0,
            Some(Delay::Fixed(ms)) => ms,
            Some(Delay::Range { min, max }) => {
                let bytes = seed.bytes(
                    "delay",
                    &[
                        session,
                        &scenario.name,
                        &index.to_string(),
                        &hits.to_string(),
                    ],
                );
                let draw = u64::from_be_bytes(bytes[..8].try_into().expect("8 bytes"));
                min + draw % (max - min + 1)
            }
        };
        return Decision {
            scenario: scenario.name.clone(),
            rule: Some(index + 1),
            answer: rule.answer.clone(),
            headers: rule.response_headers.clone(),
            delay_ms,
        };
    }
    Decision {
        scenario: scenario.name.clone(),
        rule: None,
        answer: Answer::Normal { patch: None },
        headers: Vec::new(),
        delay_ms: 0,
    }
}

/// The key of a rule's hit counter in the session state.
pub(crate) fn rule_key(scenario: &str, index: usize) -> String {
    format!("{scenario}#{}", index + 1)
}

fn matches(rule: &CheckedRule, facts: &RequestFacts) -> bool {
    if rule.endpoint.is_some_and(|e| e != facts.endpoint) {
        return false;
    }
    rule.body
        .iter()
        .all(|(path, m)| m.holds(facts.body.and_then(|b| lookup(b, path))))
        && rule.headers.iter().all(|(name, m)| {
            let value = header_value(facts.headers, name).map(|v| Value::String(v.to_string()));
            m.holds(value.as_ref())
        })
        && rule
            .claims
            .iter()
            .all(|(name, m)| m.holds(facts.claims.and_then(|c| c.get(name))))
        && rule
            .org_id
            .as_ref()
            .is_none_or(|m| m.holds(Some(&Value::String(facts.org_id.to_string()))))
}

impl Matcher {
    /// Whether `value` (absent: `None`) satisfies this matcher.
    pub(crate) fn holds(&self, value: Option<&Value>) -> bool {
        match self {
            Matcher::Present(wanted) => value.is_some_and(|v| !v.is_null()) == *wanted,
            Matcher::Equals(expected) => value.is_some_and(|v| loosely_equal(expected, v)),
            Matcher::Matches(re) => value
                .and_then(Value::as_str)
                .is_some_and(|s| re.is_match(s)),
        }
    }
}

/// A value at a dotted path (`a.b.0.c`).
fn lookup<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(value, |v, key| match v {
        Value::Object(map) => map.get(key),
        Value::Array(list) => key.parse::<usize>().ok().and_then(|i| list.get(i)),
        _ => None,
    })
}

/// Equal, or a string written the same as a number/boolean (headers are strings).
fn loosely_equal(expected: &Value, actual: &Value) -> bool {
    expected == actual
        || match (expected, actual) {
            (Value::String(s), other) | (other, Value::String(s)) if !other.is_string() => {
                s.as_str() == other.to_string().as_str()
            }
            _ => false,
        }
}

/// RFC 7396 JSON merge patch.
pub(crate) fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let map = target.as_object_mut().expect("made an object above");
    for (key, value) in patch {
        if value.is_null() {
            map.remove(key);
        } else {
            merge_patch(map.entry(key.clone()).or_insert(Value::Null), value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merge_patch_follows_rfc_7396() {
        let mut doc = json!({ "a": "b", "c": { "d": "e", "f": "g" } });
        merge_patch(&mut doc, &json!({ "a": "z", "c": { "f": null } }));
        assert_eq!(doc, json!({ "a": "z", "c": { "d": "e" } }));
        let mut doc = json!({ "list": [1, 2] });
        merge_patch(&mut doc, &json!({ "list": [3] }));
        assert_eq!(doc, json!({ "list": [3] }));
    }

    #[test]
    fn range_delays_are_drawn_from_the_seed_and_stay_in_range() {
        let file = std::path::Path::new("d.yaml");
        let scenario = crate::scenario::load::parse_scenario(
            file,
            "rules:\n  - then: { delay: { min: 10, max: 20 } }\n",
        )
        .unwrap();
        let headers = http::HeaderMap::new();
        let facts = RequestFacts {
            endpoint: Endpoint::RegistrationSocial,
            body: None,
            headers: &headers,
            claims: None,
            org_id: "or-x",
        };
        let draw = |seed: &str| {
            let mut state = SessionState::default();
            (0..5)
                .map(|_| decide(&scenario, &facts, &mut state, &Seed::new(seed), "s").delay_ms)
                .collect::<Vec<_>>()
        };
        let first = draw("a");
        assert!(first.iter().all(|ms| (10..=20).contains(ms)), "{first:?}");
        assert_eq!(first, draw("a"));
        assert_ne!(first, draw("b"));
    }

    #[test]
    fn dotted_paths_reach_into_objects_and_arrays() {
        let doc = json!({ "a": { "b": [ { "c": 1 } ] } });
        assert_eq!(lookup(&doc, "a.b.0.c"), Some(&json!(1)));
        assert_eq!(lookup(&doc, "a.x"), None);
    }
}
