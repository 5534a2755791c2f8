//! Scenario files as users write them: `dfns-mock check` reports every problem as
//! `file:line:col: message` with exact positions; a broken folder stops start-up; a running
//! server reloads changes and keeps the last good set when a file breaks. The loading limits:
//! empty files, size, nesting depth, symbolic links leaving the folder, files caught mid-write.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::*;
use serde_json::json;

fn check(dir: &Path) -> (Option<i32>, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_dfns-mock"))
        .args(["check", "--scenarios"])
        .arg(dir)
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Checks one file and returns its single problem line, without the directory.
fn problem(name: &str, contents: &str) -> String {
    let dir = scenario_dir(&[(name, contents)]);
    let (code, stdout, _) = check(dir.path());
    assert_eq!(code, Some(1), "{name} should fail: {stdout}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "{stdout}");
    lines[0]
        .strip_prefix(&format!("{}/", dir.path().display()))
        .unwrap()
        .to_string()
}

#[test]
fn parse_errors_point_at_the_exact_position() {
    assert_eq!(
        problem("a.yaml", "name: a\nrules:\n  - when:\n      endpont: POST /auth/registration/social\n"),
        "a.yaml:4:7: rules[0].when: unknown field `endpont`, expected one of `endpoint`, `body`, `headers`, `claims`, `orgId`"
    );
    assert_eq!(
        problem("b.yaml", "name: b\nrules:\n  - times: many\n"),
        "b.yaml:3:12: rules[0].times: invalid type: string \"many\", expected u64"
    );
    assert_eq!(
        problem("c.toml", "name = \"c\"\n[[rules]\n"),
        "c.toml:2:8: invalid table header; expected `.`, `]]`"
    );
    assert_eq!(
        problem("d.json", "{\"name\": \"d\",\n \"rules\": [}\n"),
        "d.json:2:12: expected value"
    );
    assert_eq!(
        problem("i.yaml", "name: i\nrules:\n  - when:\n      body:\n        orgId: { regex: \"x\" }\n"),
        "i.yaml:5:9: rules[0].when.body: unknown matcher `regex` (use equals, matches, present or absent; to compare with an object, write {equals: {...}})"
    );
}

#[test]
fn semantic_errors_point_at_the_offending_text() {
    assert_eq!(
        problem("e.yaml", "name: e\nrules:\n  - when:\n      claims:\n        email: { matches: \"(unclosed\" }\n"),
        "e.yaml:5:28: rule 1: invalid regex `(unclosed`: error: unclosed group"
    );
    assert!(problem("f.yaml", "name: f\nrules:\n  - when:\n      endpoint: GET /auth/nothing\n")
        .starts_with("f.yaml:4:17: rule 1: unknown endpoint `GET /auth/nothing` (known: POST /auth/registration/social,"));
    assert_eq!(
        problem("h.yaml", "name: h\nrules:\n  - requiredScenarioState: Started\n    newScenarioState: one\n  - requiredScenarioState: two\n"),
        "h.yaml:5:5: rule 2: state `two` is never entered: no rule has newScenarioState `two` (and it is not `Started`)"
    );
    assert_eq!(
        problem("j.yaml", "name: j\nrules:\n  - then:\n      error: { status: 400, message: m }\n      patch: { a: 1 }\n"),
        "j.yaml:5:7: rule 1: `then` takes only one of error, patch, body, fault (got error, patch)"
    );
    assert_eq!(
        problem(
            "k.yaml",
            "name: k\nrules:\n  - then:\n      delay: { min: 9, max: 1 }\n"
        ),
        "k.yaml:4:16: rule 1: delay min 9 is above max 1"
    );
    assert_eq!(
        problem(
            "l.yaml",
            "name: l\nrules:\n  - then:\n      error: { status: 200, message: ok }\n"
        ),
        "l.yaml:4:16: rule 1: error status 200 is not 400-599"
    );
    assert_eq!(
        problem("m.yaml", "name: has space\n"),
        "m.yaml:1:7: scenario name `has space` must be non-empty letters, digits, `-`, `_` or `.`"
    );
}

#[test]
fn duplicate_names_are_reported_in_the_second_file() {
    let dir = scenario_dir(&[
        ("one.yaml", "name: same\n"),
        ("two.yaml", "description: x\nname: same\n"),
    ]);
    let (code, stdout, stderr) = check(dir.path());
    assert_eq!(code, Some(1));
    let expected = format!(
        "{0}/two.yaml:2:7: duplicate scenario name `same` (also in {0}/one.yaml)\n",
        dir.path().display()
    );
    assert_eq!(stdout, expected);
    assert!(stderr.contains("1 problem(s)"), "{stderr}");
}

#[test]
fn every_problem_of_every_file_is_listed_sorted() {
    let dir = scenario_dir(&[
        ("z.yaml", "name: z\nrules:\n  - times: 0\n"),
        ("a.yaml", "name: a\nbogus: 1\n"),
    ]);
    let (_, stdout, _) = check(dir.path());
    let files: Vec<&str> = stdout
        .lines()
        .map(|l| l.rsplit('/').next().unwrap().split(':').next().unwrap())
        .collect();
    assert_eq!(files, ["a.yaml", "z.yaml"]);
}

#[test]
fn the_bundled_library_checks_clean() {
    let (code, stdout, stderr) = check(&repo().join("scenarios"));
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    for name in [
        "happy",
        "invalid-body",
        "registration-code-expired",
        "user-already-exists",
        "invalid-id-token",
        "social-registration-disabled",
        "unknown-org",
        "rate-limited",
        "server-error",
        "slow",
        "dropped-connection",
        "passkey-only",
        "totp-second-factor",
    ] {
        assert!(stdout.contains(name), "{name} missing from {stdout}");
    }
}

#[test]
fn the_schema_describes_every_bundled_file_key() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("scenarios/schema.json")).unwrap(),
    )
    .unwrap();
    let rule = &schema["definitions"]["rule"]["properties"];
    for key in [
        "when",
        "then",
        "times",
        "requiredScenarioState",
        "newScenarioState",
    ] {
        assert!(rule.get(key).is_some(), "schema lacks rule.{key}");
    }
    for key in [
        "error", "patch", "body", "status", "headers", "delay", "fault",
    ] {
        assert!(
            rule["then"]["properties"].get(key).is_some(),
            "schema lacks then.{key}"
        );
    }
    let endpoints = rule["when"]["properties"]["endpoint"]["enum"]
        .as_array()
        .unwrap();
    assert_eq!(endpoints.len(), dfns_mock::Endpoint::ALL.len());
}

#[tokio::test]
async fn a_broken_folder_stops_start_up_with_positions() {
    let dir = scenario_dir(&[("bad.yaml", "name: bad\nrules: 5\n")]);
    let err = dfns_mock::app::App::new(config_with_scenarios(dir.path()))
        .await
        .err()
        .expect("refuses to start");
    let message = err.to_string();
    assert!(
        message.contains("bad.yaml:2:8: rules: invalid type"),
        "{message}"
    );
}

/// Polls `f` until it is true (bounded: the reload interval is 50 ms; give it 10 s).
async fn eventually(mut f: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !f().await {
        assert!(Instant::now() < deadline, "condition not reached in 10 s");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

#[tokio::test]
async fn changes_reload_without_restart_and_a_broken_file_keeps_the_last_good_set() {
    let dir = scenario_dir(&[(
        "teapot.yaml",
        "rules:\n  - then: { error: { status: 418, message: first } }\n",
    )]);
    let mut config = config_with_scenarios(dir.path());
    config.reload_interval_ms = 50;
    let mock = Mock::start(config).await;
    let token = mock.mint(json!({})).await;
    let h = [("x-dfns-mock-scenario", "teapot")];
    let message = async |mock: &Mock| {
        let (_, _, body) = mock
            .post("/auth/registration/social", &Mock::social_body(&token), &h)
            .await;
        body["error"]["message"].as_str().unwrap_or("").to_string()
    };
    assert_eq!(message(&mock).await, "first");

    // An edit applies.
    std::fs::write(
        dir.path().join("teapot.yaml"),
        "rules:\n  - then: { error: { status: 418, message: second } }\n",
    )
    .unwrap();
    eventually(async || message(&mock).await == "second").await;

    // A new file appears.
    std::fs::write(dir.path().join("added.yaml"), "description: new\n").unwrap();
    eventually(async || {
        mock.get_json("/__mock/scenarios")
            .await
            .to_string()
            .contains("\"added\"")
    })
    .await;

    // A broken edit keeps the last good set, and an explicit reload says why.
    std::fs::write(
        dir.path().join("teapot.yaml"),
        "rules:\n  - then: { error: { status: 418, message: [ }\n",
    )
    .unwrap();
    let (status, body) = reload(&mock).await;
    assert_eq!(status, 422);
    let problems = body["error"]["details"]["problems"].as_array().unwrap();
    assert!(
        problems[0].as_str().unwrap().contains("teapot.yaml:2:"),
        "{body}"
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(message(&mock).await, "second");
    mock.stop().await;
}

/// POSTs `/__mock/scenarios/reload` and returns (status, body).
async fn reload(mock: &Mock) -> (u16, serde_json::Value) {
    let response = mock
        .client
        .post(mock.url("/__mock/scenarios/reload"))
        .header("x-dfns-mock-control", "1")
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

/// The names `GET /__mock/scenarios` lists.
async fn scenario_names(mock: &Mock) -> Vec<String> {
    mock.get_json("/__mock/scenarios").await["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_string())
        .collect()
}

const EMPTY: &str = "empty file: nothing but whitespace or comments (a scenario needs at least `name`, `description` or `rules`)";

#[test]
fn empty_whitespace_and_comment_only_files_are_problems() {
    for (name, contents) in [
        ("a.yaml", ""),
        ("b.yml", " \n\t\n"),
        ("c.toml", "\n\n"),
        ("d.json", "  \n"),
        (
            "e.yaml",
            "# the header comment, and the save stopped here\n",
        ),
    ] {
        assert_eq!(problem(name, contents), format!("{name}:1:1: {EMPTY}"));
    }
}

#[tokio::test]
async fn an_empty_file_stops_start_up_and_fails_a_reload_keeping_the_last_good_set() {
    let dir = scenario_dir(&[("half-saved.yaml", "")]);
    let err = dfns_mock::app::App::new(config_with_scenarios(dir.path()))
        .await
        .err()
        .expect("refuses to start");
    assert!(
        err.to_string()
            .contains(&format!("half-saved.yaml:1:1: {EMPTY}")),
        "{err}"
    );

    std::fs::write(dir.path().join("half-saved.yaml"), "description: saved\n").unwrap();
    let mock = Mock::start(config_with_scenarios(dir.path())).await;
    std::fs::write(dir.path().join("half-saved.yaml"), "\n  \n").unwrap();
    let (status, body) = reload(&mock).await;
    assert_eq!(status, 422, "{body}");
    let problems = body["error"]["details"]["problems"].to_string();
    assert!(
        problems.contains(&format!("half-saved.yaml:1:1: {EMPTY}")),
        "{body}"
    );
    assert!(scenario_names(&mock)
        .await
        .contains(&"half-saved".to_string()));
    mock.stop().await;
}

#[test]
fn deep_nesting_is_refused_at_the_first_bracket_past_the_limit() {
    let deep = "[".repeat(100_000);
    assert_eq!(
        problem("y.yaml", &format!("name: y\nrules: {deep}\n")),
        "y.yaml:2:72: brackets nested deeper than the 64-level limit"
    );
    assert_eq!(
        problem("j.json", &format!("{{\"rules\": {deep}")),
        "j.json:1:74: brackets nested deeper than the 64-level limit"
    );
    assert_eq!(
        problem("t.toml", &format!("rules = {deep}")),
        "t.toml:1:73: brackets nested deeper than the 64-level limit"
    );
    // Up to the limit, with strings full of brackets, is still a scenario.
    let at_limit = format!(
        "name: ok\ndescription: \"{deep}\"\nrules:\n  - then: {{ body: {}1{} }}\n",
        "[".repeat(63),
        "]".repeat(63)
    );
    let dir = scenario_dir(&[("ok.yaml", &at_limit)]);
    let (code, stdout, stderr) = check(dir.path());
    assert_eq!(code, Some(0), "{stdout}{stderr}");
}

#[test]
fn files_over_one_mebibyte_are_refused_unparsed() {
    let head = "name: big\ndescription: ";
    let text = format!("{head}{}", "x".repeat(1024 * 1024 + 1 - head.len()));
    assert_eq!(
        problem("big.yaml", &text),
        "big.yaml:1:1: file is 1048577 bytes: the limit is 1048576 bytes (1 MiB)"
    );
    let dir = scenario_dir(&[("fits.yaml", &text[..1024 * 1024])]);
    assert_eq!(check(dir.path()).0, Some(0));
}

#[tokio::test]
async fn symlinks_leaving_the_folder_are_refused_unread_and_inner_ones_work() {
    // Like a link to /etc/passwd: a parse error would quote the target's contents.
    let outside = scenario_dir(&[("passwd", "root:x:0:0:s3cr3t-contents:/root:/bin/sh\n")]);
    let target = outside.path().join("passwd");
    let dir = scenario_dir(&[("shared.yaml.txt", "description: through a link\n")]);
    let link = |name: &str, to: &Path| {
        std::os::unix::fs::symlink(to, dir.path().join(name)).unwrap();
    };
    link("linked.yaml", Path::new("shared.yaml.txt"));
    let mock = Mock::start(config_with_scenarios(dir.path())).await;
    assert!(scenario_names(&mock).await.contains(&"linked".to_string()));

    link("absolute.yaml", &target);
    let relative = Path::new("..")
        .join(outside.path().file_name().unwrap())
        .join("passwd");
    link("relative.yml", &relative);
    let refused =
        "symbolic link leading outside the scenarios folder: refused, its target is not read";
    let expected = [
        format!("{}/absolute.yaml:1:1: {refused}", dir.path().display()),
        format!("{}/relative.yml:1:1: {refused}", dir.path().display()),
    ];
    let (code, stdout, _) = check(dir.path());
    assert_eq!(code, Some(1));
    assert_eq!(stdout.lines().collect::<Vec<_>>(), expected);

    let (status, body) = reload(&mock).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["details"]["problems"], json!(expected));
    for secret in ["s3cr3t", "root:x", &target.display().to_string()] {
        assert!(!body.to_string().contains(secret), "{secret} in {body}");
    }
    assert!(scenario_names(&mock).await.contains(&"linked".to_string()));
    mock.stop().await;
}

/// A `dfns-mock serve` process on `dir` that checks it every 50 ms, its JSON log lines
/// passed on as they come; killed on drop.
struct Watching {
    child: std::process::Child,
    base: String,
    logs: std::sync::mpsc::Receiver<serde_json::Value>,
}

impl Watching {
    fn start(dir: &Path) -> Watching {
        let mut command = Command::new(env!("CARGO_BIN_EXE_dfns-mock"));
        for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("DFNS_MOCK_")) {
            command.env_remove(key);
        }
        let mut child = command
            .args([
                "serve",
                "--port",
                "0",
                "--log-format",
                "json",
                "--scenarios",
            ])
            .arg(dir)
            .arg("--fixtures")
            .arg(repo().join("fixtures"))
            .env("DFNS_MOCK_RELOAD_INTERVAL_MS", "50")
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = std::io::BufReader::new(child.stdout.take().unwrap());
        let (tx, logs) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufRead::lines(stdout).map_while(Result::ok) {
                if let Ok(log) = serde_json::from_str(&line) {
                    let _ = tx.send(log);
                }
            }
        });
        let mut watching = Watching {
            child,
            base: String::new(),
            logs,
        };
        let listening = watching.log_where(|log| log["fields"]["addr"].is_string());
        watching.base = format!("http://{}", listening["fields"]["addr"].as_str().unwrap());
        watching
    }

    /// The next log line for which `wanted` holds (bounded: 60 s, for a loaded machine).
    fn log_where(&self, wanted: impl Fn(&serde_json::Value) -> bool) -> serde_json::Value {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let log = self.logs.recv_timeout(left).expect("the awaited log line");
            if wanted(&log) {
                return log;
            }
        }
    }

    /// The next log line whose message contains `text`.
    fn log_containing(&self, text: &str) -> serde_json::Value {
        self.log_where(|log| {
            log["fields"]["message"]
                .as_str()
                .is_some_and(|m| m.contains(text))
        })
    }
}

impl Drop for Watching {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn the_watcher_reads_a_file_caught_mid_write_again_and_never_applies_it() {
    let teapot = |message: &str| {
        format!("rules:\n  - then: {{ error: {{ status: 418, message: {message} }} }}\n")
    };
    let dir = scenario_dir(&[("teapot.yaml", &teapot("first"))]);
    let server = Watching::start(dir.path());
    let client = reqwest::Client::new();
    let token = send_json(
        client
            .post(format!("{}/oidc/token", server.base))
            .json(&json!({})),
    )
    .await["id_token"]
        .as_str()
        .unwrap()
        .to_string();
    let message = async || {
        let body = send_json(
            client
                .post(format!("{}/auth/registration/social", server.base))
                .header("x-dfns-mock-scenario", "teapot")
                .json(&Mock::social_body(&token)),
        )
        .await;
        body["error"]["message"].as_str().unwrap_or("").to_string()
    };
    assert_eq!(message().await, "first");

    // The save has emptied the file and not yet written it: read again, not applied.
    std::fs::write(dir.path().join("teapot.yaml"), "").unwrap();
    server.log_containing("perhaps caught mid-write: reading them again");
    assert_eq!(message().await, "first");
    // The save completes: applied.
    std::fs::write(dir.path().join("teapot.yaml"), teapot("second")).unwrap();
    eventually(async || message().await == "second").await;

    // A file that stays empty is reported with its position once the retries are spent
    // (another file, so no line logged before can match).
    std::fs::write(dir.path().join("left-empty.yaml"), "").unwrap();
    let reported = server.log_containing(&format!("left-empty.yaml:1:1: {EMPTY}"));
    assert_eq!(reported["level"], "ERROR", "{reported}");
    server.log_containing("keeping the last good set");
    assert_eq!(message().await, "second");
}
