//! Loading and checking scenario files (YAML, TOML, JSON). Every problem is reported as
//! `file:line:col: message`: parse errors at the parser's position, semantic ones (bad
//! regex, unknown endpoint, duplicate name, unreachable state, …) at the offending text,
//! [`limits`](super::limits) breaches (size, emptiness, depth) before any parser runs. A
//! symbolic link whose target leaves the folder is refused unread.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::bundled::Origin;
use http::{HeaderName, HeaderValue, StatusCode};

use super::limits::{self, Breach, Syntax, MAX_FILE_BYTES};
use super::model::{
    Answer, CheckedRule, Delay, Matcher, MatcherSpec, Scenario, ScenarioFile, STARTED,
};
use crate::endpoint::Endpoint;

/// Name of the implicit scenario that answers normally.
pub const HAPPY: &str = "happy";

/// One problem in one file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem {
    /// The file.
    pub file: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file.display(),
            self.line,
            self.column,
            self.message
        )
    }
}

/// Every loaded scenario by name.
#[derive(Debug, Clone, Default)]
pub struct ScenarioSet {
    scenarios: BTreeMap<String, Arc<Scenario>>,
}

impl ScenarioSet {
    /// The scenario called `name`.
    pub fn get(&self, name: &str) -> Option<&Arc<Scenario>> {
        self.scenarios.get(name)
    }

    /// All scenarios, by name.
    pub fn iter(&self) -> impl Iterator<Item = &Arc<Scenario>> {
        self.scenarios.values()
    }

    /// All names, sorted.
    pub fn names(&self) -> Vec<String> {
        self.iter_names().map(String::from).collect()
    }

    /// All names, sorted, borrowed.
    pub fn iter_names(&self) -> impl Iterator<Item = &str> {
        self.scenarios.keys().map(String::as_str)
    }

    fn add_builtin_happy(&mut self) {
        self.scenarios.entry(HAPPY.to_string()).or_insert_with(|| {
            Arc::new(Scenario {
                name: HAPPY.into(),
                description: "Every request gets the normal answer.".into(),
                file: "built-in".into(),
                rules: Vec::new(),
            })
        });
    }
}

/// The scenario files of `dir`: `*.yaml`, `*.yml`, `*.toml`, `*.json` except `schema.json`,
/// sorted by name.
pub fn scenario_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        let is_schema = path.file_name().is_some_and(|n| n == "schema.json");
        if path.is_file() && matches!(ext, "yaml" | "yml" | "toml" | "json") && !is_schema {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// Why a listed scenario file was not read.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Unreadable {
    /// The file system refused (the message never names the path).
    #[error("cannot read: {0}")]
    Io(#[from] std::io::Error),
    /// Not UTF-8 text.
    #[error("cannot read: stream did not contain valid UTF-8")]
    NotUtf8,
    /// A symbolic link whose target is outside the scenarios folder.
    #[error("symbolic link leading outside the scenarios folder: refused, its target is not read")]
    LeavesFolder,
    /// Larger than [`MAX_FILE_BYTES`].
    #[error(transparent)]
    Limit(#[from] Breach),
}

/// Loads every scenario file in `dir`; all problems of all files, or the set (with the
/// built-in `happy` when no file defines it). A missing directory is an empty set.
pub fn load_dir(dir: &Path) -> Result<ScenarioSet, Vec<Problem>> {
    let listed = scenario_files(dir).and_then(|files| Ok((std::fs::canonicalize(dir)?, files)));
    let (root, files) = match listed {
        Ok(listed) => listed,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return load_texts(std::iter::empty()),
        Err(e) => {
            return Err(vec![Problem {
                file: dir.to_path_buf(),
                line: 1,
                column: 1,
                message: format!("cannot read scenario directory: {e}"),
            }])
        }
    };
    let texts = files.into_iter().map(|file| {
        let text = read_scenario_file(&root, &file);
        (file, text)
    });
    load_texts(texts)
}

/// The text of `file`, listed in the folder whose canonical path is `root`: a symbolic link
/// is followed only when its target is inside `root` (and that target is what is read), and
/// no more than [`MAX_FILE_BYTES`] are read.
fn read_scenario_file(root: &Path, file: &Path) -> Result<String, Unreadable> {
    let path = if std::fs::symlink_metadata(file)?.file_type().is_symlink() {
        let target = std::fs::canonicalize(file)?;
        if !target.starts_with(root) {
            return Err(Unreadable::LeavesFolder);
        }
        target
    } else {
        file.to_path_buf()
    };
    let mut bytes = Vec::new();
    std::fs::File::open(&path)?
        .take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        let size = std::fs::metadata(&path).map_or(bytes.len() as u64, |m| m.len());
        return Err(Breach::TooLarge(size).into());
    }
    String::from_utf8(bytes).map_err(|_| Unreadable::NotUtf8)
}

/// Loads the scenario files of `origin`: a folder, or the library compiled into the binary.
pub fn load_origin(origin: &Origin) -> Result<ScenarioSet, Vec<Problem>> {
    match origin {
        Origin::Folder(dir) => load_dir(dir),
        Origin::Bundled { files, .. } => load_texts(
            files
                .iter()
                .map(|(name, text)| (origin.label(name), Ok(text.to_string()))),
        ),
    }
}

/// Parses each (file, text) pair into one set, collecting every problem.
fn load_texts(
    files: impl Iterator<Item = (PathBuf, Result<String, Unreadable>)>,
) -> Result<ScenarioSet, Vec<Problem>> {
    let mut set = ScenarioSet::default();
    let mut problems = Vec::new();
    let mut origins: BTreeMap<String, PathBuf> = BTreeMap::new();
    for (file, text) in files {
        let text = match text {
            Ok(text) => text,
            Err(e) => {
                problems.push(Problem {
                    file: file.clone(),
                    line: 1,
                    column: 1,
                    message: e.to_string(),
                });
                continue;
            }
        };
        match parse_scenario(&file, &text) {
            Ok(scenario) => {
                if let Some(first) = origins.get(&scenario.name) {
                    let (line, column) = locate(&text, &[&scenario.name]).unwrap_or((1, 1));
                    problems.push(Problem {
                        file: file.clone(),
                        line,
                        column,
                        message: format!(
                            "duplicate scenario name `{}` (also in {})",
                            scenario.name,
                            first.display()
                        ),
                    });
                } else {
                    origins.insert(scenario.name.clone(), file.clone());
                    set.scenarios
                        .insert(scenario.name.clone(), Arc::new(scenario));
                }
            }
            Err(mut found) => problems.append(&mut found),
        }
    }
    if problems.is_empty() {
        set.add_builtin_happy();
        Ok(set)
    } else {
        problems.sort();
        Err(problems)
    }
}

/// Parses and checks one scenario file's text.
pub fn parse_scenario(file: &Path, text: &str) -> Result<Scenario, Vec<Problem>> {
    let problem = |line: usize, column: usize, message: String| Problem {
        file: file.to_path_buf(),
        line,
        column,
        message: message.trim().replace('\n', "; "),
    };
    let syntax = Syntax::of(file);
    limits::check(text, syntax).map_err(|breach| {
        let (line, column) = line_col(text, breach.offset());
        vec![problem(line, column, breach.to_string())]
    })?;
    let parsed: Result<ScenarioFile, Problem> = match syntax {
        Syntax::Toml => toml::from_str(text).map_err(|e| {
            let (line, column) = e.span().map_or((1, 1), |s| line_col(text, s.start));
            problem(line, column, e.message().to_string())
        }),
        Syntax::Json => serde_json::from_str(text)
            .map_err(|e| problem(e.line(), e.column(), without_position(&e))),
        Syntax::Yaml => serde_yaml_ng::from_str(text).map_err(|e| {
            let (line, column) = e.location().map_or((1, 1), |l| (l.line(), l.column()));
            problem(line, column, without_position(&e))
        }),
    };
    let parsed = parsed.map_err(|p| vec![p])?;
    let name = parsed.name.clone().unwrap_or_else(|| {
        file.file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("")
            .to_string()
    });
    let mut problems = Vec::new();
    let mut at = |needles: &[&str], message: String| {
        let (line, column) = locate(text, needles).unwrap_or((1, 1));
        problems.push(problem(line, column, message));
    };
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    {
        at(
            &[&name, "name"],
            format!("scenario name `{name}` must be non-empty letters, digits, `-`, `_` or `.`"),
        );
    }

    let mut rules = Vec::new();
    let mut entered: BTreeSet<&str> = BTreeSet::from([STARTED]);
    for rule in &parsed.rules {
        if let Some(state) = &rule.new_scenario_state {
            entered.insert(state);
        }
    }
    for (index, rule) in parsed.rules.iter().enumerate() {
        let n = index + 1;
        let endpoint = rule.when.endpoint.as_deref().and_then(|name| {
            let found = Endpoint::from_name(name);
            if found.is_none() {
                let known: Vec<&str> = Endpoint::ALL.iter().map(|e| e.name()).collect();
                at(
                    &[name, "endpoint"],
                    format!(
                        "rule {n}: unknown endpoint `{name}` (known: {})",
                        known.join(", ")
                    ),
                );
            }
            found
        });
        // Matchers compiled in the order written; a bad regex is a problem at its text.
        let mut compile = |spec: &MatcherSpec| match spec {
            MatcherSpec::Equals(value) => Some(Matcher::Equals(value.clone())),
            MatcherSpec::Present(wanted) => Some(Matcher::Present(*wanted)),
            MatcherSpec::Matches(source) => match regex::Regex::new(source) {
                Ok(re) => Some(Matcher::Matches(re)),
                Err(e) => {
                    let first_line = e
                        .to_string()
                        .lines()
                        .last()
                        .unwrap_or("")
                        .trim()
                        .to_string();
                    at(
                        &[source, &source.replace('\\', "\\\\"), "matches"],
                        format!("rule {n}: invalid regex `{source}`: {first_line}"),
                    );
                    None
                }
            },
        };
        let mut compile_all = |specs: &BTreeMap<String, MatcherSpec>, lowercase: bool| {
            specs
                .iter()
                .filter_map(|(key, spec)| {
                    let key = if lowercase {
                        key.to_ascii_lowercase()
                    } else {
                        key.clone()
                    };
                    Some((key, compile(spec)?))
                })
                .collect::<Vec<_>>()
        };
        let body = compile_all(&rule.when.body, false);
        let headers = compile_all(&rule.when.headers, true);
        let claims = compile_all(&rule.when.claims, false);
        let org_id = rule.when.org_id.as_ref().and_then(&mut compile);
        for name in rule.when.headers.keys() {
            if http::HeaderName::from_bytes(name.as_bytes()).is_err() {
                at(
                    &[name],
                    format!("rule {n}: `{name}` is not a valid header name"),
                );
            }
        }
        let then = &rule.then;
        let answers: Vec<&str> = [
            ("error", then.error.is_some()),
            ("patch", then.patch.is_some()),
            ("body", then.body.is_some()),
            ("fault", then.fault.is_some()),
        ]
        .iter()
        .filter(|(_, set)| *set)
        .map(|(k, _)| *k)
        .collect();
        if answers.len() > 1 {
            at(
                &[answers[1]],
                format!(
                    "rule {n}: `then` takes only one of error, patch, body, fault (got {})",
                    answers.join(", ")
                ),
            );
        }
        if let Some(error) = &then.error {
            if !(400..=599).contains(&error.status) {
                at(
                    &["status"],
                    format!("rule {n}: error status {} is not 400-599", error.status),
                );
            }
        }
        if let Some(status) = then.status {
            if then.body.is_none() {
                at(
                    &["status"],
                    format!("rule {n}: `status` goes with `body` (an error has its own status)"),
                );
            } else if !(100..=599).contains(&status) {
                at(
                    &["status"],
                    format!("rule {n}: status {status} is not 100-599"),
                );
            }
        }
        if then.patch.as_ref().is_some_and(|p| !p.is_object()) {
            at(
                &["patch"],
                format!("rule {n}: `patch` must be an object (a JSON merge patch)"),
            );
        }
        for (name, value) in &then.headers {
            if http::HeaderName::from_bytes(name.as_bytes()).is_err()
                || http::HeaderValue::from_str(value).is_err()
            {
                at(
                    &[name],
                    format!("rule {n}: `{name}: {value}` is not a valid header"),
                );
            }
        }
        match then.delay {
            Some(Delay::Range { min, max }) if min > max => {
                at(
                    &["min", "delay"],
                    format!("rule {n}: delay min {min} is above max {max}"),
                );
            }
            Some(Delay::Fixed(ms)) | Some(Delay::Range { max: ms, .. }) if ms > MAX_DELAY_MS => {
                at(
                    &["delay"],
                    format!("rule {n}: delay {ms} ms is above the {MAX_DELAY_MS} ms limit"),
                );
            }
            _ => {}
        }
        if rule.times == Some(0) {
            at(&["times"], format!("rule {n}: `times` must be at least 1"));
        }
        if let Some(state) = &rule.required_scenario_state {
            if !entered.contains(state.as_str()) {
                at(
                    &[&format!("requiredScenarioState: {state}"), state, "requiredScenarioState"],
                    format!("rule {n}: state `{state}` is never entered: no rule has newScenarioState `{state}` (and it is not `{STARTED}`)"),
                );
            }
        }
        let answer = match (&then.error, &then.body, then.fault) {
            (Some(error), _, _) => Answer::Error {
                status: StatusCode::from_u16(error.status)
                    .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                message: error.message.clone(),
                details: error.details.clone(),
            },
            (None, Some(body), _) => Answer::Body {
                status: StatusCode::from_u16(then.status.unwrap_or(200)).unwrap_or(StatusCode::OK),
                body: body.clone(),
            },
            (None, None, Some(fault)) => Answer::Fault(fault),
            (None, None, None) => Answer::Normal {
                patch: then.patch.clone(),
            },
        };
        rules.push(CheckedRule {
            endpoint,
            body,
            headers,
            claims,
            org_id,
            answer,
            response_headers: then
                .headers
                .iter()
                .filter_map(|(name, value)| {
                    Some((
                        HeaderName::from_bytes(name.as_bytes()).ok()?,
                        HeaderValue::from_str(value).ok()?,
                    ))
                })
                .collect(),
            delay: then.delay.clone(),
            times: rule.times,
            required_scenario_state: rule.required_scenario_state.clone(),
            new_scenario_state: rule.new_scenario_state.clone(),
        });
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Scenario {
        name,
        description: parsed.description,
        file: file.display().to_string(),
        rules,
    })
}

/// A parser's message without its trailing " at line L column C" (the position is reported
/// as `file:line:col` instead).
pub fn without_position(err: &impl fmt::Display) -> String {
    let message = err.to_string();
    message
        .split(" at line ")
        .next()
        .unwrap_or(&message)
        .to_string()
}

/// The longest delay a rule may ask for (10 minutes).
pub const MAX_DELAY_MS: u64 = 600_000;

/// The 1-based line and column of byte `offset` in `text`.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// Where the first of `needles` that occurs in `text` starts.
fn locate(text: &str, needles: &[&str]) -> Option<(usize, usize)> {
    needles
        .iter()
        .filter(|n| !n.is_empty())
        .find_map(|n| text.find(n))
        .map(|offset| line_col(text, offset))
}
