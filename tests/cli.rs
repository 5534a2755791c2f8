//! The `dfns-mock` binary as users run it: `serve`, `token`, `healthcheck`, `check`,
//! `--help`, every advertised variable, configuration layering and start-up errors, and the
//! binary alone in an empty folder.

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
fn serve(args: &[&str]) -> Served {
    serve_command(bin().args(["serve", "--log-format", "json"]).args(args)).0
}

/// Starts `command` (a `serve` with JSON logs) and waits for its "listening" line.
#[allow(clippy::zombie_processes)] // `Served` kills and waits for it on drop
fn serve_command(command: &mut Command) -> (Served, Value) {
    let mut child = command
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
            return (Served { child, addr }, log["fields"].clone());
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

/// Every log line reaches standard output whole, in order, by the time the process has
/// exited after SIGTERM: the lines are written in batches by a thread of their own.
#[test]
#[allow(clippy::zombie_processes)] // killed and waited for below
fn every_log_line_is_out_whole_and_in_order_after_sigterm() {
    let mut child = bin()
        .args(["serve", "--log-format", "json", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let addr = loop {
        let line = lines.next().expect("a listening line").unwrap();
        let log: Value = serde_json::from_str(&line).unwrap();
        if let Some(addr) = log["fields"]["addr"].as_str() {
            break addr.to_string();
        }
    };
    let rest = std::thread::spawn(move || lines.map(Result::unwrap).collect::<Vec<String>>());
    const REQUESTS: usize = 300;
    for i in 0..REQUESTS {
        let mut stream = std::net::TcpStream::connect(&addr).unwrap();
        let request = format!(
            "GET /__mock/health?n={i} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        );
        std::io::Write::write_all(&mut stream, request.as_bytes()).unwrap();
        let mut answer = String::new();
        std::io::Read::read_to_string(&mut stream, &mut answer).unwrap();
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    }
    let pid = child.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    assert!(child.wait().unwrap().success());
    let rest = rest.join().unwrap();
    let logs: Vec<Value> = (rest.iter())
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect();
    let answered: Vec<String> = (logs.iter())
        .filter(|log| log["fields"]["message"] == "answered")
        .map(|log| log["fields"]["uri"].as_str().unwrap().to_string())
        .collect();
    let expected: Vec<String> = (0..REQUESTS)
        .map(|i| format!("/__mock/health?n={i}"))
        .collect();
    assert_eq!(answered, expected, "every request's line, in order");
    let last = &logs[logs.len() - 1]["fields"]["message"];
    assert_eq!(
        last, "shutting down: finishing in-flight requests",
        "{rest:?}"
    );
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

#[test]
fn port_zero_puts_the_real_port_in_the_issuer() {
    let (served, log) = serve_command(bin().args(["serve", "--log-format", "json", "--port", "0"]));
    let issuer = format!("http://{}/oidc", served.addr);
    assert_eq!(log["issuer"], issuer.as_str());
    let health: Value = http_json_blocking(&format!("http://{}/__mock/health", served.addr), None);
    assert_eq!(health["issuer"], issuer.as_str());
}

#[test]
fn a_mistyped_key_gets_the_closest_known_one() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("typo.toml"), "seeed = \"x\"\n").unwrap();
    let output = run(bin()
        .arg("check")
        .arg("--config")
        .arg(dir.path().join("typo.toml")));
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("did you mean `seed`?"),
        "{}",
        stderr(&output)
    );
    let output = run(bin()
        .arg("check")
        .env("DFNS_MOCK_ISSUER__ALGORITM", "EdDSA"));
    assert!(
        stderr(&output).contains("did you mean `algorithm`?"),
        "{}",
        stderr(&output)
    );
    let output = run(bin().arg("check").env("DFNS_MOCK_NONSENSE", "1"));
    assert!(stderr(&output).contains("nonsense"), "{}", stderr(&output));
    assert!(
        !stderr(&output).contains("did you mean"),
        "{}",
        stderr(&output)
    );
}

/// A valid value for each variable `--help` advertises; a new flag without one fails here.
fn advertised_value(var: &str, dir: &std::path::Path, port: u16, tls_port: u16) -> String {
    let path = |name: &str| dir.join(name).display().to_string();
    match var {
        "DFNS_MOCK_CONFIG" => path("env.toml"),
        "DFNS_MOCK_BIND" => "127.0.0.1".into(),
        "DFNS_MOCK_PORT" => port.to_string(),
        "DFNS_MOCK_SEED" => "env-seed".into(),
        "DFNS_MOCK_CLOCK" => FROZEN.into(),
        "DFNS_MOCK_PUBLIC_URL" => "http://mock.env.test".into(),
        "DFNS_MOCK_LOG_FORMAT" => "json".into(),
        "DFNS_MOCK_FIXTURES" => repo().join("fixtures").display().to_string(),
        "DFNS_MOCK_SCENARIOS" => repo().join("scenarios").display().to_string(),
        "DFNS_MOCK_TLS" => "true".into(),
        "DFNS_MOCK_TLS_PORT" => tls_port.to_string(),
        "DFNS_MOCK_TLS_CERT" => path("cert.pem"),
        "DFNS_MOCK_TLS_KEY" => path("key.pem"),
        "DFNS_MOCK_TLS_HOSTS" => "mock.env.test,other.env.test".into(),
        "DFNS_MOCK_TLS_DIR" => path("tls"),
        "DFNS_MOCK_TOKEN_SUB" => "env-sub".into(),
        "DFNS_MOCK_TOKEN_EMAIL" => "env@example.com".into(),
        "DFNS_MOCK_TOKEN_AUD" => "env-aud".into(),
        "DFNS_MOCK_TOKEN_ISS" => "https://env.test/oidc".into(),
        "DFNS_MOCK_TOKEN_TTL" => "77".into(),
        "DFNS_MOCK_HEALTHCHECK_URL" => format!("http://127.0.0.1:{port}/__mock/health"),
        "DFNS_MOCK_HEALTHCHECK_TIMEOUT" => "3".into(),
        other => panic!("no test value for the advertised variable {other}"),
    }
}

#[test]
fn every_advertised_variable_works_for_its_command_and_is_ignored_by_the_others() {
    use clap::CommandFactory;
    let mut vars = Vec::new();
    let cli = dfns_mock::cli::Cli::command();
    for command in std::iter::once(&cli).chain(cli.get_subcommands()) {
        for arg in command.get_arguments() {
            if let Some(var) = arg.get_env() {
                vars.push(var.to_string_lossy().into_owned());
            }
        }
    }
    vars.sort();
    vars.dedup();
    let dir = tempfile::tempdir().unwrap();
    // The file named by DFNS_MOCK_CONFIG: the server takes it if the registration shows it.
    std::fs::write(
        dir.path().join("env.toml"),
        "[issuer]\naudiences = [\"env-aud\"]\n[auth]\nrp_name = \"from DFNS_MOCK_CONFIG\"\n",
    )
    .unwrap();
    let own = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    std::fs::write(dir.path().join("cert.pem"), own.cert.pem()).unwrap();
    std::fs::write(dir.path().join("key.pem"), own.signing_key.serialize_pem()).unwrap();
    let (port, tls_port) = (free_port(), free_port());
    let with_all = |command: &mut Command| {
        for var in &vars {
            command.env(var, advertised_value(var, dir.path(), port, tls_port));
        }
        command.current_dir(dir.path());
    };

    // serve (and the bare command) take theirs and ignore token_* and healthcheck_*.
    let mut command = bin();
    with_all(&mut command);
    let (served, log) = serve_command(&mut command);
    assert_eq!(served.addr, format!("127.0.0.1:{port}"));
    assert_eq!(log["seed"], "env-seed");
    assert_eq!(log["issuer"], "http://mock.env.test/oidc");
    let health: Value = http_json_blocking(&format!("http://{}/__mock/health", served.addr), None);
    assert_eq!(health["clock"], FROZEN);
    assert_eq!(
        health["sources"]["scenarios"],
        repo().join("scenarios").display().to_string()
    );
    let https = std::net::TcpStream::connect(("127.0.0.1", tls_port));
    assert!(https.is_ok(), "HTTPS listens on DFNS_MOCK_TLS_PORT");

    // healthcheck takes its URL and timeout, and ignores serve's TLS and token variables.
    let mut command = bin();
    with_all(command.arg("healthcheck"));
    let output = run(&mut command);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        format!("ok: http://127.0.0.1:{port}/__mock/health")
    );

    // token takes the claims.
    let mut command = bin();
    with_all(command.arg("token"));
    let output = run(&mut command);
    assert!(output.status.success(), "{}", stderr(&output));
    let token = stdout(&output);
    let claims = claims(&token);
    for (name, value) in [
        ("sub", json!("env-sub")),
        ("email", json!("env@example.com")),
        ("aud", json!("env-aud")),
        ("iss", json!("https://env.test/oidc")),
        ("iat", json!(FROZEN_UNIX)),
        ("exp", json!(FROZEN_UNIX + 77)),
    ] {
        assert_eq!(claims[name], value, "{name}");
    }
    // The server (same variables, so the same clock and audiences) takes that token.
    let registration = http_json_blocking(
        &format!("http://{}/auth/registration/social", served.addr),
        Some(json!({ "socialLoginProviderKind": "Oidc", "idToken": token })),
    );
    assert_eq!(
        registration["rp"]["name"], "from DFNS_MOCK_CONFIG",
        "{registration}"
    );
    assert_eq!(registration["user"]["name"], "env@example.com");

    // check ignores everything but the configuration.
    let mut command = bin();
    with_all(command.arg("check"));
    let output = run(&mut command);
    assert!(output.status.success(), "{}", stderr(&output));
    drop(served);
}

#[tokio::test]
async fn the_binary_alone_in_an_empty_folder_serves_mints_and_checks() {
    let dir = tempfile::tempdir().unwrap();
    let binary = dir.path().join("dfns-mock");
    std::fs::copy(env!("CARGO_BIN_EXE_dfns-mock"), &binary).unwrap();
    let alone = || {
        let mut command = bin();
        command.current_dir(dir.path());
        command.env("PATH", "/nonexistent");
        command
    };
    let mut copy = Command::new(&binary);
    copy.current_dir(dir.path());

    let output = run(alone().arg("check"));
    assert!(output.status.success(), "{}", stderr(&output));
    let expected = format!(
        "ok: {} scenarios in the bundled library:",
        dfns_mock::bundled::SCENARIOS.len()
    );
    assert!(
        stdout(&output).starts_with(&expected),
        "{}",
        stdout(&output)
    );

    let (served, log) =
        serve_command(alone().args(["serve", "--log-format", "json", "--port", "0"]));
    assert_eq!(log["fixtures"], "bundled");
    assert_eq!(log["scenarios"], "bundled");
    let port = served.addr.rsplit(':').next().unwrap().to_string();
    let token = run(alone().args(["token", "--port", &port, "--email", "alone@example.com"]));
    assert!(token.status.success(), "{}", stderr(&token));
    let client = reqwest::Client::new();
    let base = format!("http://{}", served.addr);
    let register = || {
        client
            .post(format!("{base}/auth/registration/social"))
            .json(&json!({ "socialLoginProviderKind": "Oidc", "idToken": stdout(&token) }))
    };
    let registered = send_json(register()).await;
    assert_eq!(
        registered["user"]["name"], "alone@example.com",
        "{registered}"
    );
    // A bundled scenario answers, and the bundled fixture user exists.
    let limited = register()
        .header("x-dfns-mock-scenario", "rate-limited")
        .send()
        .await
        .unwrap();
    assert_eq!(limited.status(), 429);
    let session = send_json(client.get(format!("{base}/__mock/sessions/default"))).await;
    assert!(
        !session["users"].as_array().unwrap().is_empty(),
        "{session}"
    );
    drop(served);

    // A scenarios/ folder beside it is used instead.
    std::fs::create_dir(dir.path().join("scenarios")).unwrap();
    std::fs::write(dir.path().join("scenarios/mine.yaml"), "rules: []\n").unwrap();
    let output = run(copy.arg("check"));
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output), "ok: 2 scenarios in scenarios: happy, mine");
}

/// GET (or POST `body`) and parse the JSON answer, from a synchronous test.
fn http_json_blocking(url: &str, body: Option<Value>) -> Value {
    let url = url.to_string();
    std::thread::spawn(move || {
        let client = reqwest::Client::new();
        let request = match body {
            Some(body) => client.post(&url).json(&body),
            None => client.get(&url),
        };
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(send_json(request))
    })
    .join()
    .unwrap()
}

#[test]
fn token_refuses_a_ttl_that_leaves_the_representable_range() {
    for ttl in [i64::MAX, i64::MIN] {
        let output =
            run(bin()
                .env("DFNS_MOCK_CLOCK", FROZEN)
                .args(["token", "--ttl", &ttl.to_string()]));
        assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
        assert!(
            stderr(&output).contains(&format!(
                "claim `exp` is {FROZEN_UNIX} + {ttl}, outside the NumericDate range"
            )),
            "{}",
            stderr(&output)
        );
    }
}

#[test]
fn the_bundled_library_is_the_scenarios_folder_and_the_fixtures_folder() {
    let listed = |folder: &str| {
        let mut names: Vec<String> = std::fs::read_dir(repo().join(folder))
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name != "schema.json")
            .collect();
        names.sort();
        names
    };
    let carried = |files: &[(&str, &str)]| {
        let mut names: Vec<String> = files.iter().map(|(name, _)| name.to_string()).collect();
        names.sort();
        names
    };
    assert_eq!(
        carried(dfns_mock::bundled::SCENARIOS),
        listed("scenarios"),
        "src/bundled.rs must compile in every file of scenarios/"
    );
    assert_eq!(carried(dfns_mock::bundled::FIXTURES), listed("fixtures"));
}
