//! The scenario engine: scenario files loaded from a folder (and reloaded when it
//! changes) or from the library compiled into the binary, selection of the scenario answering a request, and the per-session decision of
//! which rule answers. Knows nothing of HTTP or of the Dfns endpoints' logic. Reloads read
//! and parse on tokio's blocking pool, never on an async worker.

pub(crate) mod engine;
mod limits;
pub(crate) mod load;
pub(crate) mod model;

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use crate::bundled::Origin;
use load::{Problem, ScenarioSet, HAPPY};
use model::Scenario;

/// Claim of an idToken that selects the scenario.
pub(crate) const SCENARIO_CLAIM: &str = "dfns_mock_scenario";
/// Claim of an idToken that selects the session.
pub(crate) const SESSION_CLAIM: &str = "dfns_mock_session";

/// The current scenario set, swapped whole on reload.
#[derive(Debug, Clone)]
pub struct Scenarios {
    origin: Origin,
    default: Option<String>,
    current: Arc<RwLock<Arc<ScenarioSet>>>,
    /// Held by a reload from reading the files to swapping the set, so that of two reloads
    /// (the watcher's and `POST /__mock/scenarios/reload`) the one that reads last swaps
    /// last: an older read can never replace a newer set.
    reloading: Arc<tokio::sync::Mutex<()>>,
}

/// A request asked for a scenario that does not exist.
#[derive(Debug, Clone, thiserror::Error)]
#[error("unknown scenario `{name}` (known: {})", known.join(", "))]
pub(crate) struct UnknownScenario {
    /// The name asked for.
    pub(crate) name: String,
    /// Every known name.
    pub(crate) known: Vec<String>,
}

impl Scenarios {
    /// Loads the files of `origin`; `default` answers requests that select nothing.
    pub(crate) fn load(
        origin: &Origin,
        default: Option<String>,
    ) -> Result<Scenarios, Vec<Problem>> {
        let set = load::load_origin(origin)?;
        let scenarios = Scenarios {
            origin: origin.clone(),
            default,
            current: Arc::new(RwLock::new(Arc::new(set))),
            reloading: Arc::default(),
        };
        if let Some(name) = &scenarios.default {
            scenarios.get(name).map_err(|e| {
                vec![Problem {
                    file: origin.label(""),
                    line: 1,
                    column: 1,
                    message: format!("default_scenario: {e}"),
                }]
            })?;
        }
        Ok(scenarios)
    }

    /// The set in force now.
    pub(crate) fn current(&self) -> Arc<ScenarioSet> {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The scenario called `name`.
    pub(crate) fn get(&self, name: &str) -> Result<Arc<Scenario>, UnknownScenario> {
        let set = self.current();
        set.get(name).cloned().ok_or_else(|| UnknownScenario {
            name: name.to_string(),
            known: set.names(),
        })
    }

    /// The scenario for a request: the header, else the idToken claim, else the session's
    /// active scenario, else the configured default, else `happy`.
    pub(crate) fn select(
        &self,
        header: Option<&str>,
        claim: Option<&str>,
        session_active: Option<&str>,
    ) -> Result<Arc<Scenario>, UnknownScenario> {
        let name = header
            .or(claim)
            .or(session_active)
            .or(self.default.as_deref())
            .unwrap_or(HAPPY);
        self.get(name)
    }

    /// Where the files come from.
    pub(crate) fn origin(&self) -> &Origin {
        &self.origin
    }

    /// Reloads the files, reading and parsing them on the blocking pool; the set is swapped
    /// whole on success. On problems the last good set stays and the problems are returned.
    /// Reloads run one at a time.
    pub(crate) async fn reload(&self) -> Result<usize, Vec<Problem>> {
        let _one_at_a_time = self.reloading.lock().await;
        let origin = self.origin.clone();
        let set = tokio::task::spawn_blocking(move || load::load_origin(&origin))
            .await
            .map_err(|e| {
                vec![Problem {
                    file: self.origin.label(""),
                    line: 1,
                    column: 1,
                    message: format!("loading the scenario files failed: {e}"),
                }]
            })??;
        let count = set.iter().count();
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(set);
        Ok(count)
    }

    /// Reloads like [`Scenarios::reload`], but a failing load is tried again up to
    /// [`SETTLE_ATTEMPTS`] times in all, [`SETTLE_DELAY`] apart, before its problems are
    /// returned: a file caught mid-write (empty, cut short) is read again, never applied.
    async fn reload_settled(&self) -> Result<usize, Vec<Problem>> {
        let mut attempt = 1;
        loop {
            match self.reload().await {
                Err(problems) if attempt < SETTLE_ATTEMPTS => {
                    tracing::info!(
                        attempt,
                        problems = problems.len(),
                        "scenario files do not load, perhaps caught mid-write: reading them again"
                    );
                    attempt += 1;
                    tokio::time::sleep(SETTLE_DELAY).await;
                }
                outcome => return outcome,
            }
        }
    }

    /// Polls the folder every `interval` and reloads when a file changes, logging
    /// `file:line:col: message` for a broken file. Polling (not inotify) also works on
    /// bind mounts of containers. The bundled library never changes: `None`.
    pub(crate) fn watch(&self, interval: Duration) -> Option<tokio::task::JoinHandle<()>> {
        let Origin::Folder(dir) = self.origin.clone() else {
            return None;
        };
        let scenarios = self.clone();
        // Taken now, while the server starts, not when the task first runs: a change made in
        // between would otherwise become the baseline and never be applied.
        let mut seen = fingerprint(&dir);
        Some(tokio::spawn(async move {
            let scan = || {
                let dir = dir.clone();
                async move {
                    tokio::task::spawn_blocking(move || fingerprint(&dir))
                        .await
                        .unwrap_or_default()
                }
            };
            loop {
                tokio::time::sleep(interval).await;
                let now = scan().await;
                if now == seen {
                    continue;
                }
                seen = now;
                match scenarios.reload_settled().await {
                    Ok(count) => {
                        tracing::info!(dir = %dir.display(), count, "scenarios reloaded")
                    }
                    Err(problems) => {
                        for problem in problems {
                            tracing::error!("{problem}");
                        }
                        tracing::warn!("scenario files have errors: keeping the last good set");
                    }
                }
            }
        }))
    }
}

/// Loads the watcher tries for one change before it reports the problems.
const SETTLE_ATTEMPTS: u32 = 5;

/// The wait between two of those loads.
const SETTLE_DELAY: Duration = Duration::from_millis(100);

/// Names, sizes and modification times of the folder's scenario files.
fn fingerprint(dir: &Path) -> Vec<(PathBuf, u64, Option<SystemTime>)> {
    load::scenario_files(dir)
        .unwrap_or_default()
        .into_iter()
        .map(|path| {
            let meta = std::fs::metadata(&path).ok();
            let len = meta.as_ref().map_or(0, |m| m.len());
            let modified = meta.and_then(|m| m.modified().ok());
            (path, len, modified)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reloads started one after the other, each after a write, end on the last write's
    /// set, however their reads and parses overlap.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn the_last_reload_started_is_the_set_in_force() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("s.yaml");
        let write = |n: usize| {
            // Earlier versions are larger, so their parses take longer.
            let rules: String = (0..(150 - n) * 15)
                .map(|i| format!("  - when: {{ body: {{ n{i}: {n} }} }}\n    then: {{ error: {{ status: 500, message: x }} }}\n"))
                .collect();
            let text = format!("name: s\ndescription: version {n}\nrules:\n{rules}");
            // Written whole, then renamed over the file: a read sees one version or the next.
            let staged = file.with_extension("staged");
            std::fs::write(&staged, text).unwrap();
            std::fs::rename(&staged, &file).unwrap();
        };
        write(0);
        let scenarios = Scenarios::load(&Origin::Folder(dir.path().into()), None).unwrap();
        for round in 0..4 {
            let mut reloads = Vec::new();
            for n in 1..=20 {
                write(round * 20 + n);
                let scenarios = scenarios.clone();
                reloads.push(tokio::spawn(async move { scenarios.reload().await }));
                tokio::task::yield_now().await;
            }
            for reload in reloads {
                reload.await.unwrap().unwrap();
            }
            let last = round * 20 + 20;
            let set = scenarios.current();
            let scenario = set.get("s").unwrap();
            assert_eq!(scenario.description, format!("version {last}"));
        }
    }
}
