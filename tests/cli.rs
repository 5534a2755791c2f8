//! The `dfns-mock` binary as users run it: `serve`, `token`, `healthcheck`, `--help`,
//! configuration layering and start-up errors.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::*;
use jsonwebtoken::{decode, Algorithm, Validation};
use serde_json::{json, Value};

fn bin() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_dfns-mock"));
    command.current_dir(repo());
    // The test runner's environment must not leak configuration into the child.
    for (key, _) in std::env::vars() {
        if key.starts_with("DFNS_MOCK_") {
            command.env_remove(key);
        }
    }
    command
}

fn run(command: &mut Command) -> Output {
    command.output().expect("binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).trim().to_string()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A `dfns-mock serve` child process, killed on drop.
struct Served {
    child: Child,
    addr: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the binary and waits for its JSON "listening" log line.
#[allow(clippy::zombie_processes)] // `Served` kills and waits for it on drop
fn serve(args: &[&str]) -> Served {
    let mut child = bin()
        .args(["serve", "--log-format", "json"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        assert!(Instant::now() < deadline, "no listening line");
        let line = lines.next().expect("server printed its address").unwrap();
        let Ok(log) = serde_json::from_str::<Value>(&line) else {
            continue;
        };
        if let Some(addr) = log["fields"]["addr"].as_str() {
            let addr = addr.to_string();
            // Keep draining stdout so the child never blocks on a full pipe.
            std::thread::spawn(move || for _ in lines.by_ref() {});
            return Served { child, addr };
        }
    }
}

fn claims(token: &str) -> Value {
    let key =
        dfns_mock::oidc::keys::SigningKey::from_pem(&fixture("issuer-rs256.pem"), Algorithm::RS256)
            .unwrap();
    let mut validation = Validation::new(Algorithm::RS256);
    validation.validate_aud = false;
    validation.validate_exp = false;
    validation.required_spec_claims.clear();
    decode::<Value>(token, key.decoding(), &validation)
        .expect("signed by the fixture key")
        .claims
}

#[test]
fn token_prints_a_signed_id_token_with_the_given_claims() {
    let output = run(bin().args([
        "token",
        "--sub",
        "s-1",
        "--email",
        "a@b.test",
        "--aud",
        "my-app",
        "--iss",
        "https://idp.test",
        "--ttl",
        "120",
        "--claim",
        "dfns_mock_scenario=happy",
        "--claim",
        "roles=[\"a\"]",
        "--claim",
        "age=7",
    ]));
    assert!(output.status.success(), "{}", stderr(&output));
    let claims = claims(&stdout(&output));
    assert_eq!(claims["sub"], "s-1");
    assert_eq!(claims["email"], "a@b.test");
    assert_eq!(claims["aud"], "my-app");
    assert_eq!(claims["iss"], "https://idp.test");
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        120
    );
    assert_eq!(claims["dfns_mock_scenario"], "happy");
    assert_eq!(claims["roles"], json!(["a"]));
    assert_eq!(claims["age"], 7);
}

#[test]
fn token_with_a_frozen_clock_is_the_same_every_time() {
    let a = stdout(&run(bin().args(["token", "--clock", FROZEN])));
    let b = stdout(&run(bin().args(["token", "--clock", FROZEN])));
    assert_eq!(a, b);
    assert_eq!(claims(&a)["iat"], FROZEN_UNIX);
    assert_eq!(claims(&a)["iss"], "http://127.0.0.1:8080/oidc");
}

#[test]
fn bad_claim_flags_are_errors() {
    let output = run(bin().args(["token", "--claim", "novalue"]));
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("--claim `novalue` is not NAME=VALUE"),
        "{}",
        stderr(&output)
    );
}

#[tokio::test]
async fn the_server_trusts_tokens_from_the_token_command() {
    let port = free_port().to_string();
    let served = serve(&["--port", &port]);
    let token = stdout(&run(bin().args([
        "token",
        "--port",
        &port,
        "--email",
        "cli@example.com",
    ])));
    let client = reqwest::Client::new();
    let response = client
        .post(format!("http://{}/auth/registration/social", served.addr))
        .json(&json!({ "socialLoginProviderKind": "Oidc", "idToken": token }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["user"]["name"], "cli@example.com");

    // An already expired token from the same command is refused.
    let expired = stdout(&run(
        bin().args(["token", "--port", &port, "--ttl", "-3600"])
    ));
    let response = client
        .post(format!("http://{}/auth/registration/social", served.addr))
        .json(&json!({ "socialLoginProviderKind": "Oidc", "idToken": expired }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
}

#[test]
fn port_zero_picks_a_free_port_and_logs_it() {
    let served = serve(&["--port", "0"]);
    assert!(!served.addr.ends_with(":0"), "{}", served.addr);
    let output = run(bin().args([
        "healthcheck",
        "--url",
        &format!("http://{}/__mock/health", served.addr),
    ]));
    assert!(output.status.success(), "{}", stderr(&output));
}

#[test]
fn healthcheck_uses_the_configured_port_and_fails_when_nothing_answers() {
    let port = free_port().to_string();
    let output = run(bin().args(["healthcheck", "--port", &port, "--timeout", "2"]));
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains(&format!("127.0.0.1:{port}/__mock/health")),
        "{}",
        stderr(&output)
    );
    let _served = serve(&["--port", &port]);
    let output = run(bin().args(["healthcheck"]).env("DFNS_MOCK_PORT", &port));
    assert!(output.status.success(), "{}", stderr(&output));
}

#[test]
fn a_port_in_use_is_a_one_line_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let output = run(bin().args(["serve", "--port", &port]));
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains(&format!("cannot listen on 127.0.0.1:{port}")),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn sigterm_shuts_down_cleanly() {
    let mut served = serve(&["--port", "0"]);
    let pid = served.child.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = served.child.try_wait().unwrap() {
            assert!(status.success(), "{status}");
            break;
        }
        assert!(Instant::now() < deadline, "still running after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The issuer URL a `token` run would put in `iss`, which shows the port it sees.
fn configured_port(command: &mut Command, args: &[&str]) -> String {
    let output = run(command.arg("token").args(args));
    assert!(output.status.success(), "{}", stderr(&output));
    claims(&stdout(&output))["iss"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn configuration_layers_file_then_env_then_flags() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("dfns-mock.toml"),
        "port = 1111\nseed = \"file\"\n[issuer]\nclient_id = \"from-file\"\n",
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("fixtures")).unwrap();
    std::fs::copy(
        repo().join("fixtures/issuer-rs256.pem"),
        dir.path().join("fixtures/issuer-rs256.pem"),
    )
    .unwrap();
    let in_dir = || {
        let mut c = bin();
        c.current_dir(dir.path());
        c
    };
    assert_eq!(
        configured_port(&mut in_dir(), &[]),
        "http://127.0.0.1:1111/oidc"
    );
    assert_eq!(
        configured_port(in_dir().env("DFNS_MOCK_PORT", "2222"), &[]),
        "http://127.0.0.1:2222/oidc"
    );
    assert_eq!(
        configured_port(in_dir().env("DFNS_MOCK_PORT", "2222"), &["--port", "3333"]),
        "http://127.0.0.1:3333/oidc"
    );
    // Nested keys: the file's value, then DFNS_MOCK_ISSUER__CLIENT_ID.
    let aud = |c: &mut Command| claims(&stdout(&run(c.arg("token"))))["aud"].clone();
    assert_eq!(aud(&mut in_dir()), "from-file");
    assert_eq!(
        aud(in_dir().env("DFNS_MOCK_ISSUER__CLIENT_ID", "from-env")),
        "from-env"
    );
    // --config names another file, which replaces dfns-mock.toml.
    std::fs::write(dir.path().join("other.toml"), "port = 4444\n").unwrap();
    assert_eq!(
        configured_port(&mut in_dir(), &["--config", "other.toml"]),
        "http://127.0.0.1:4444/oidc"
    );
}

#[test]
fn configuration_errors_name_the_key_and_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.toml");
    let check = |contents: &str, fragments: &[&str]| {
        std::fs::write(&file, contents).unwrap();
        let output = run(bin().args(["serve", "--config"]).arg(&file));
        assert_eq!(output.status.code(), Some(1), "{contents}");
        let err = stderr(&output);
        for fragment in fragments {
            assert!(err.contains(fragment), "`{err}` lacks `{fragment}`");
        }
    };
    check("bogus = 1\n", &["bogus", "bad.toml"]);
    check("port = \"eighty\"\n", &["port", "bad.toml"]);
    check(
        "[issuer]\nalgorithm = \"HS256\"\n",
        &["issuer.algorithm", "HS256"],
    );
    check(
        "[auth]\nattestation = \"maybe\"\n",
        &["auth.attestation", "maybe"],
    );
    check(
        "[auth]\nfirst_factor = [\"Retina\"]\n",
        &["auth.first_factor", "Retina"],
    );
    check("clock = \"yesterday\"\n", &["clock", "yesterday"]);
    check("[issuer]\nkey = \"/nope.pem\"\n", &["/nope.pem"]);

    let output = run(bin().args(["serve", "--config", "/does/not/exist.toml"]));
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("/does/not/exist.toml"));
    let output = run(bin().arg("serve").env("DFNS_MOCK_PORT", "x"));
    assert_eq!(
        output.status.code(),
        Some(2),
        "clap rejects a non-numeric port"
    );
}

#[test]
fn help_lists_every_flag_with_its_env_var() {
    for (command, expected) in [
        (
            vec!["serve", "--help"],
            vec![
                "--port",
                "DFNS_MOCK_PORT",
                "--seed",
                "DFNS_MOCK_SEED",
                "--clock",
                "DFNS_MOCK_CLOCK",
                "--config",
                "DFNS_MOCK_CONFIG",
            ],
        ),
        (
            vec!["token", "--help"],
            vec![
                "--sub",
                "DFNS_MOCK_TOKEN_SUB",
                "--email",
                "--aud",
                "--iss",
                "--ttl",
                "--claim",
            ],
        ),
        (
            vec!["healthcheck", "--help"],
            vec!["--url", "DFNS_MOCK_HEALTHCHECK_URL"],
        ),
        (vec!["--help"], vec!["serve", "token", "healthcheck"]),
    ] {
        let output = run(bin().args(&command));
        assert!(output.status.success());
        let text = stdout(&output);
        for flag in expected {
            assert!(text.contains(flag), "{command:?} help lacks {flag}");
        }
    }
}
