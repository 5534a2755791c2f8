//! Scenario files as users write them: `dfns-mock check` reports every problem as
//! `file:line:col: message` with exact positions; a broken folder stops start-up; a running
//! server reloads changes and keeps the last good set when a file breaks.

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
    let response = mock
        .client
        .post(mock.url("/__mock/scenarios/reload"))
        .header("x-dfns-mock-control", "1")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    let body: serde_json::Value = response.json().await.unwrap();
    let problems = body["error"]["details"]["problems"].as_array().unwrap();
    assert!(
        problems[0].as_str().unwrap().contains("teapot.yaml:2:"),
        "{body}"
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(message(&mock).await, "second");
    mock.stop().await;
}
