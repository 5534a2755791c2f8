//! Scenario files over real HTTP: the bundled library, selection, per-session isolation,
//! atomic sequences under concurrency, matchers, answers and faults, the control plane,
//! file errors with positions, and hot reload.

mod common;

use std::time::{Duration, Instant};

use common::*;
use serde_json::{json, Value};

const PATH: &str = "/auth/registration/social";

async fn with(
    mock: &Mock,
    token: &str,
    headers: &[(&str, &str)],
) -> (u16, reqwest::header::HeaderMap, Value) {
    mock.post(PATH, &Mock::social_body(token), headers).await
}

async fn scenario(
    mock: &Mock,
    token: &str,
    name: &str,
) -> (u16, reqwest::header::HeaderMap, Value) {
    with(
        mock,
        token,
        &[
            ("x-dfns-mock-scenario", name),
            ("x-dfns-mock-session", name),
        ],
    )
    .await
}

fn message(body: &Value) -> &str {
    body["error"]["message"].as_str().unwrap_or("")
}

#[tokio::test]
async fn bundled_errors_answer_with_their_status_and_message() {
    let mock = Mock::start(config()).await;
    let token = mock.mint(json!({})).await;
    for (name, status, text) in [
        (
            "invalid-body",
            400,
            "socialLoginProviderKind: must be one of: Oidc",
        ),
        (
            "registration-code-expired",
            400,
            "Registration code expired",
        ),
        ("invalid-id-token", 401, "idToken signature is invalid"),
        (
            "social-registration-disabled",
            403,
            "Social registration is not enabled for this organization",
        ),
        ("unknown-org", 404, "Organization not found"),
        ("server-error", 500, "Internal Server Error"),
    ] {
        let (got, headers, body) = scenario(&mock, &token, name).await;
        assert_eq!(got, status, "{name}: {body}");
        assert_eq!(message(&body), text, "{name}");
        assert_eq!(body["error"]["status"], status);
        assert_eq!(
            body["error"]["id"],
            headers["x-request-id"].to_str().unwrap()
        );
    }
    let (status, _, body) = scenario(&mock, &token, "happy").await;
    assert_eq!(status, 200, "{body}");
    mock.stop().await;
}

/// The scenarios for the errors the Dfns docs list answer on an endpoint they are scoped to,
/// before any authentication or body check, and leave the registration endpoint alone.
#[tokio::test]
async fn documented_errors_answer_on_their_endpoints() {
    let mock = Mock::start(config()).await;
    let token = mock.mint(json!({})).await;
    let client = reqwest::Client::new();
    let wallet = "/wallets/wa-1f04s-lqc9q-xxxxxxxxxxxxxxxx";
    for (name, method, path, status, text) in [
        (
            "user-deactivated",
            "POST",
            "/auth/login/init".to_string(),
            400,
            "User account has been deactivated.",
        ),
        (
            "user-deactivated",
            "POST",
            "/auth/action/init".to_string(),
            400,
            "User account has been deactivated.",
        ),
        (
            "user-not-found",
            "POST",
            "/auth/login".to_string(),
            401,
            "User not found",
        ),
        (
            "user-not-found",
            "POST",
            "/auth/action".to_string(),
            401,
            "User not found",
        ),
        (
            "no-usable-credential",
            "POST",
            "/auth/login/code".to_string(),
            401,
            "User does not have a credential that can be used for the application.",
        ),
        (
            "invalid-code",
            "POST",
            "/auth/login/init".to_string(),
            403,
            "Invalid code",
        ),
        (
            "invalid-code",
            "POST",
            "/auth/recover/user/init".to_string(),
            403,
            "Invalid code",
        ),
        (
            "challenge-not-valid",
            "POST",
            "/auth/action".to_string(),
            400,
            "Challenge token is not valid.",
        ),
        (
            "user-action-missing",
            "PUT",
            "/auth/logout".to_string(),
            403,
            "user action signature is missing or invalid",
        ),
        (
            "user-action-replayed",
            "POST",
            format!("{wallet}/signatures"),
            400,
            "user action has already been used",
        ),
        (
            "not-authorized",
            "GET",
            "/auth/credentials".to_string(),
            401,
            "Not Authorized.",
        ),
        (
            "recovery-credential-refused",
            "POST",
            "/auth/recover/user".to_string(),
            401,
            "Credential cannot be used as a recovery factor.",
        ),
        (
            "wallet-not-found",
            "GET",
            wallet.to_string(),
            404,
            "wallet not found",
        ),
    ] {
        let request = client
            .request(method.parse().unwrap(), mock.url(&path))
            .header("x-dfns-mock-scenario", name)
            .header("x-dfns-mock-session", name);
        let request = match method {
            "GET" => request,
            _ => request.json(&json!({})),
        };
        let response = request.send().await.unwrap();
        let got = response.status().as_u16();
        let id = response.headers()["x-request-id"]
            .to_str()
            .unwrap()
            .to_string();
        let body: Value = response.json().await.unwrap();
        assert_eq!(got, status, "{name} on {method} {path}: {body}");
        assert_eq!(message(&body), text, "{name} on {method} {path}");
        assert_eq!(body["error"]["status"], status);
        assert_eq!(body["error"]["id"], id);
        let (other, _, body) = scenario(&mock, &token, name).await;
        let expected = if name == "not-authorized" { 401 } else { 200 };
        assert_eq!(other, expected, "{name} on {PATH}: {body}");
    }
    mock.stop().await;
}

#[tokio::test]
async fn user_already_exists_after_the_first_registration() {
    let mock = Mock::start(config()).await;
    let token = mock.mint(json!({})).await;
    assert_eq!(scenario(&mock, &token, "user-already-exists").await.0, 200);
    for _ in 0..2 {
        let (status, _, body) = scenario(&mock, &token, "user-already-exists").await;
        assert_eq!((status, message(&body)), (401, "User already exists."));
    }
    mock.stop().await;
}

#[tokio::test]
async fn rate_limited_twice_with_retry_after_then_success() {
    let mock = Mock::start(config()).await;
    let token = mock.mint(json!({})).await;
    for _ in 0..2 {
        let (status, headers, body) = scenario(&mock, &token, "rate-limited").await;
        assert_eq!(status, 429, "{body}");
        assert_eq!(headers["retry-after"], "1");
    }
    let (status, headers, _) = scenario(&mock, &token, "rate-limited").await;
    assert_eq!(status, 200);
    assert!(headers.get("retry-after").is_none());
    mock.stop().await;
}

#[tokio::test]
async fn slow_waits_three_seconds_then_answers() {
    let mock = Mock::start(config()).await;
    let token = mock.mint(json!({})).await;
    let started = Instant::now();
    let (status, _, _) = scenario(&mock, &token, "slow").await;
    assert_eq!(status, 200);
    assert!(
        started.elapsed() >= Duration::from_millis(3000),
        "{:?}",
        started.elapsed()
    );
    mock.stop().await;
}

#[tokio::test]
async fn dropped_connection_resets_the_socket() {
    let mock = Mock::start(config()).await;
    let token = mock.mint(json!({})).await;
    let (head, error) = raw_exchange(&mock, &token, "dropped-connection").await;
    assert!(head.is_empty(), "got an answer: {head}");
    assert_eq!(error, Some(std::io::ErrorKind::ConnectionReset));
    // A real client sees a network error, not an HTTP status.
    let result = mock
        .client
        .post(mock.url(PATH))
        .header("x-dfns-mock-scenario", "dropped-connection")
        .json(&Mock::social_body(&token))
        .send()
        .await;
    assert!(result.is_err(), "{result:?}");
    mock.stop().await;
}

/// Sends the registration over a raw socket; returns what came back and the read error.
async fn raw_exchange(
    mock: &Mock,
    token: &str,
    scenario: &str,
) -> (String, Option<std::io::ErrorKind>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let body = Mock::social_body(token).to_string();
    let mut stream = tokio::net::TcpStream::connect(mock.server.as_ref().unwrap().addr)
        .await
        .unwrap();
    let request = format!(
        "POST {PATH} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nX-Dfns-Mock-Scenario: {scenario}\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let error = stream
        .read_to_end(&mut answer)
        .await
        .err()
        .map(|e| e.kind());
    (String::from_utf8_lossy(&answer).into_owned(), error)
}

#[tokio::test]
async fn passkey_only_and_totp_variants_patch_the_options() {
    let mock = Mock::start(config()).await;
    let token = mock.mint(json!({ "email": "p@example.com" })).await;
    let (status, _, body) = scenario(&mock, &token, "passkey-only").await;
    assert_eq!(status, 200);
    assert_eq!(
        body["supportedCredentialKinds"],
        json!({ "firstFactor": ["Fido2"], "secondFactor": [] })
    );
    assert_eq!(body["otpUrl"], "");
    let (_, _, body) = scenario(&mock, &token, "totp-second-factor").await;
    assert_eq!(
        body["supportedCredentialKinds"],
        json!({ "firstFactor": ["Fido2"], "secondFactor": ["Totp"] })
    );
    assert!(
        body["otpUrl"]
            .as_str()
            .unwrap()
            .starts_with("otpauth://totp/dfns-mock:p@example.com?secret="),
        "{body}"
    );
    // Everything else is the normal answer.
    assert_eq!(body["attestation"], "direct");
    assert!(body["temporaryAuthenticationToken"].is_string());
    mock.stop().await;
}

#[tokio::test]
async fn selection_order_header_then_claim_then_session_then_default() {
    let mut config = config();
    config.default_scenario = Some("server-error".into());
    let mock = Mock::start(config).await;
    let plain = mock.mint(json!({})).await;
    let claimed = mock
        .mint(json!({ "dfns_mock_scenario": "unknown-org" }))
        .await;

    // Configured default.
    assert_eq!(with(&mock, &plain, &[]).await.0, 500);
    // Session's active scenario beats the default.
    let response = mock
        .client
        .put(mock.url("/__mock/sessions/sel/scenario"))
        .json(&json!({ "name": "registration-code-expired" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let (status, _, body) = with(&mock, &plain, &[("x-dfns-mock-session", "sel")]).await;
    assert_eq!((status, message(&body)), (400, "Registration code expired"));
    // The idToken claim beats the session's scenario.
    assert_eq!(
        with(&mock, &claimed, &[("x-dfns-mock-session", "sel")])
            .await
            .0,
        404
    );
    // The header beats the claim.
    assert_eq!(
        with(&mock, &claimed, &[("x-dfns-mock-scenario", "happy")])
            .await
            .0,
        200
    );
    // Clearing the session's scenario falls back to the default.
    mock.client
        .put(mock.url("/__mock/sessions/sel/scenario"))
        .json(&json!({ "name": null }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        with(&mock, &plain, &[("x-dfns-mock-session", "sel")])
            .await
            .0,
        500
    );
    mock.stop().await;
}

#[tokio::test]
async fn an_unknown_scenario_is_a_400_listing_the_known_names() {
    let mock = Mock::start(config()).await;
    let token = mock.mint(json!({})).await;
    let (status, _, body) = with(&mock, &token, &[("x-dfns-mock-scenario", "nope")]).await;
    assert_eq!(status, 400);
    assert!(
        message(&body).starts_with(
            "unknown scenario `nope` (known: challenge-not-valid, dropped-connection, happy,"
        ),
        "{body}"
    );
    assert!(body["error"]["details"]["known"]
        .as_array()
        .unwrap()
        .contains(&json!("rate-limited")));
    let token = mock
        .mint(json!({ "dfns_mock_scenario": "also-nope" }))
        .await;
    assert_eq!(with(&mock, &token, &[]).await.0, 400);
    // Setting it on a session is refused too.
    let response = mock
        .client
        .put(mock.url("/__mock/sessions/x/scenario"))
        .json(&json!({ "name": "nope" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    mock.stop().await;
}

#[tokio::test]
async fn interleaved_sessions_never_see_each_others_counters_or_challenges() {
    let mock = Mock::start(frozen_config()).await;
    // Session A selected by header, session B by an idToken claim (no header at all).
    let token_a = mock.mint(json!({ "email": "same@example.com" })).await;
    let token_b = mock
        .mint(json!({ "email": "same@example.com", "dfns_mock_session": "B", "dfns_mock_scenario": "rate-limited" }))
        .await;
    let a = |mock: &Mock| {
        let token = token_a.clone();
        let mock_url = mock.url(PATH);
        let client = mock.client.clone();
        async move {
            let r = client
                .post(mock_url)
                .header("x-dfns-mock-session", "A")
                .header("x-dfns-mock-scenario", "rate-limited")
                .json(&Mock::social_body(&token))
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    let mut seen = Vec::new();
    for who in ["A", "B", "A", "A", "B", "B", "A"] {
        let (status, body) = if who == "A" {
            a(&mock).await
        } else {
            let (s, _, b) = with(&mock, &token_b, &[]).await;
            (s, b)
        };
        seen.push((who, status, body["challenge"].clone(), body));
    }
    let statuses: Vec<(&str, u16)> = seen.iter().map(|(w, s, _, _)| (*w, *s)).collect();
    assert_eq!(
        statuses,
        [
            ("A", 429),
            ("B", 429),
            ("A", 429),
            ("A", 200),
            ("B", 429),
            ("B", 200),
            ("A", 200)
        ]
    );
    // Each session's challenges are its own sequence: the first 200 of A and of B differ
    // (different sessions), and A's second challenge is A's "next", not B's.
    assert_ne!(seen[3].2, seen[5].2);
    assert_ne!(seen[3].2, seen[6].2);
    let a_state = mock.get_json("/__mock/sessions/A").await;
    let b_state = mock.get_json("/__mock/sessions/B").await;
    assert_eq!(a_state["ruleHits"]["rate-limited#1"], 2);
    assert_eq!(b_state["ruleHits"]["rate-limited#1"], 2);
    // The temporary token carries the claim-selected session.
    let temp = seen[5].3["temporaryAuthenticationToken"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        jwt_part(&temp, 1)["https://custom/dfns_mock"]["session"],
        "B"
    );
    mock.stop().await;
}

#[tokio::test]
async fn a_hundred_concurrent_requests_fail_exactly_three_times() {
    let dir = scenario_dir(&[(
        "flaky.yaml",
        "name: flaky\nrules:\n  - times: 3\n    then:\n      error: {status: 503, message: Service Unavailable}\n",
    )]);
    let mock = Mock::start(config_with_scenarios(dir.path())).await;
    let token = mock.mint(json!({})).await;
    let mut tasks = Vec::new();
    for _ in 0..100 {
        let client = mock.client.clone();
        let url = mock.url(PATH);
        let body = Mock::social_body(&token);
        tasks.push(tokio::spawn(async move {
            client
                .post(url)
                .header("x-dfns-mock-scenario", "flaky")
                .json(&body)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    assert_eq!(statuses.iter().filter(|s| **s == 503).count(), 3);
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 97);
    mock.stop().await;
}

#[tokio::test]
async fn matchers_on_body_headers_claims_and_org() {
    let dir = scenario_dir(&[(
        "match.yaml",
        r#"
name: match
description: one rule per matcher kind
rules:
  - when:
      claims:
        email: { matches: '@blocked\.test$' }
    then:
      error: { status: 403, message: blocked domain }
  - when:
      headers:
        X-Test-Case: teapot
    then:
      body: { teapot: true }
      status: 418
  - when:
      orgId: or-aaaaa-bbbbb-cccccccccccccccc
    then:
      error: { status: 404, message: Organization not found }
  - when:
      body:
        orgId: { absent: true }
      claims:
        vip: true
    then:
      patch: { user: { displayName: VIP } }
"#,
    )]);
    let mock = Mock::start(config_with_scenarios(dir.path())).await;
    let h = [("x-dfns-mock-scenario", "match")];
    let blocked = mock.mint(json!({ "email": "eve@blocked.test" })).await;
    let (status, _, body) = with(&mock, &blocked, &h).await;
    assert_eq!((status, message(&body)), (403, "blocked domain"));

    let plain = mock.mint(json!({})).await;
    let (status, _, body) = with(&mock, &plain, &[h[0], ("x-test-case", "teapot")]).await;
    assert_eq!((status, body), (418, json!({ "teapot": true })));

    let org_body = json!({ "socialLoginProviderKind": "Oidc", "idToken": plain, "orgId": "or-aaaaa-bbbbb-cccccccccccccccc" });
    assert_eq!(mock.post(PATH, &org_body, &h).await.0, 404);

    let vip = mock.mint(json!({ "vip": true })).await;
    let (status, _, body) = with(&mock, &vip, &h).await;
    assert_eq!(status, 200);
    assert_eq!(body["user"]["displayName"], "VIP");
    assert!(body["user"]["id"].as_str().unwrap().starts_with("us-"));
    // A claim given as the string "true" does not equal... it does, loosely; a missing one does not.
    let (status, _, body) = with(&mock, &plain, &h).await;
    assert_eq!(status, 200);
    assert_ne!(body["user"]["displayName"], "VIP");
    mock.stop().await;
}

#[tokio::test]
async fn faults_empty_reply_malformed_json_and_no_answer() {
    let dir = scenario_dir(&[
        ("empty.yaml", "rules:\n  - then: { fault: empty_reply }\n"),
        (
            "garbled.yaml",
            "rules:\n  - then: { fault: malformed_json }\n",
        ),
        ("hang.yaml", "rules:\n  - then: { fault: no_answer }\n"),
    ]);
    let mock = Mock::start(config_with_scenarios(dir.path())).await;
    let token = mock.mint(json!({})).await;

    let (answer, error) = raw_exchange(&mock, &token, "empty").await;
    assert_eq!(
        (answer.as_str(), error),
        ("", None),
        "a clean close without a byte"
    );

    let response = mock
        .client
        .post(mock.url(PATH))
        .header("x-dfns-mock-scenario", "garbled")
        .json(&Mock::social_body(&token))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    let text = response.text().await.unwrap();
    assert!(serde_json::from_str::<Value>(&text).is_err(), "{text}");

    let result = mock
        .client
        .post(mock.url(PATH))
        .header("x-dfns-mock-scenario", "hang")
        .timeout(Duration::from_millis(300))
        .json(&Mock::social_body(&token))
        .send()
        .await;
    assert!(result.unwrap_err().is_timeout());

    // The journal names the faults.
    let journal = mock.get_json("/__mock/journal").await;
    let faults: Vec<&str> = journal["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["fault"].as_str())
        .collect();
    assert_eq!(faults, ["EmptyReply"]);
    let shutdown = tokio::time::timeout(Duration::from_secs(15), mock.stop()).await;
    assert!(
        shutdown.is_ok(),
        "a held request must not block shutdown for ever"
    );
}

#[tokio::test]
async fn whole_bodies_patches_headers_and_deterministic_delays() {
    let dir = scenario_dir(&[
        (
            "shapes.toml",
            r#"
name = "shapes"
description = "TOML works too"

[[rules]]
times = 1
[rules.then]
status = 202
body = { accepted = true }
headers = { "X-Mock" = "yes" }

[[rules]]
[rules.then]
delay = { min = 50, max = 150 }
patch = { attestation = "none" }
"#,
        ),
        (
            "nulls.yaml",
            "rules:\n  - then:\n      patch: { rp: null }\n",
        ),
    ]);
    let mock = Mock::start(config_with_scenarios(dir.path())).await;
    let token = mock.mint(json!({})).await;
    let h = [("x-dfns-mock-scenario", "shapes")];
    let (status, headers, body) = with(&mock, &token, &h).await;
    assert_eq!((status, body), (202, json!({ "accepted": true })));
    assert_eq!(headers["x-mock"], "yes");
    let started = Instant::now();
    let (status, _, body) = with(&mock, &token, &h).await;
    assert!(started.elapsed() >= Duration::from_millis(50));
    assert_eq!(status, 200);
    assert_eq!(body["attestation"], "none");
    let (_, _, body) = with(&mock, &token, &[("x-dfns-mock-scenario", "nulls")]).await;
    assert!(body.get("rp").is_none(), "merge patch null removes: {body}");
    mock.stop().await;
}

#[tokio::test]
async fn json_scenarios_load_too() {
    let dir = scenario_dir(&[(
        "j.json",
        r#"{"name": "from-json", "rules": [{"then": {"error": {"status": 409, "message": "conflict"}}}]}"#,
    )]);
    let mock = Mock::start(config_with_scenarios(dir.path())).await;
    let token = mock.mint(json!({})).await;
    assert_eq!(scenario(&mock, &token, "from-json").await.0, 409);
    mock.stop().await;
}

#[tokio::test]
async fn control_plane_lists_sets_states_resets_and_journals() {
    let mut config = config();
    config.journal_limit = 5;
    let mock = Mock::start(config).await;
    let list = mock.get_json("/__mock/scenarios").await;
    let rate = list["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "rate-limited")
        .unwrap()
        .clone();
    assert!(rate["description"].as_str().unwrap().contains("429"));
    assert_eq!(rate["rules"], 1);

    // Jump a session straight to the `registered` state.
    let response = mock
        .client
        .put(mock.url("/__mock/sessions/cp/states"))
        .json(&json!({ "scenario": "user-already-exists", "state": "registered" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let token = mock.mint(json!({})).await;
    let h = [
        ("x-dfns-mock-session", "cp"),
        ("x-dfns-mock-scenario", "user-already-exists"),
    ];
    assert_eq!(with(&mock, &token, &h).await.0, 401);
    let bad = mock
        .client
        .put(mock.url("/__mock/sessions/cp/states"))
        .json(&json!({ "scenario": "user-already-exists", "state": "nowhere" }))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);

    // Reset one session: back to Started.
    let reset = mock
        .client
        .post(mock.url("/__mock/sessions/cp/reset"))
        .header("x-dfns-mock-control", "1")
        .send()
        .await
        .unwrap();
    assert_eq!(reset.status(), 200);
    assert_eq!(with(&mock, &token, &h).await.0, 200);
    let view = mock.get_json("/__mock/sessions/cp").await;
    assert_eq!(view["scenarioStates"]["user-already-exists"], "registered");

    // Journal: filtered by session, bounded, clearable.
    let journal = mock.get_json("/__mock/journal?session=cp").await;
    let entries = journal["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2);
    let last = &entries[1];
    assert_eq!(last["method"], "POST");
    assert_eq!(last["path"], PATH);
    assert_eq!(last["scenario"], "user-already-exists");
    assert_eq!(last["rule"], 1);
    assert_eq!(last["status"], 200);
    assert_eq!(last["body"]["socialLoginProviderKind"], "Oidc");
    assert_eq!(last["headers"]["x-dfns-mock-session"], "cp");
    assert!(last["latency_ms"].as_f64().unwrap() >= 0.0);
    assert_eq!(entries[0]["status"], 401);
    assert_eq!(
        entries[0]["response"]["error"]["message"],
        "User already exists."
    );
    assert!(last["response"]["challenge"].is_string(), "{last}");
    for _ in 0..6 {
        with(&mock, &token, &[]).await;
    }
    let all = mock.get_json("/__mock/journal").await;
    assert_eq!(
        all["entries"].as_array().unwrap().len(),
        5,
        "bounded by journal_limit"
    );
    assert_eq!(
        mock.get_json("/__mock/journal?limit=2").await["entries"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    mock.client
        .delete(mock.url("/__mock/journal"))
        .header("x-dfns-mock-control", "1")
        .send()
        .await
        .unwrap();
    assert_eq!(mock.get_json("/__mock/journal").await["entries"], json!([]));

    // Reset everything.
    let reset = mock
        .client
        .post(mock.url("/__mock/reset"))
        .header("x-dfns-mock-control", "1")
        .send()
        .await
        .unwrap();
    assert_eq!(reset.status(), 200);
    assert_eq!(
        mock.get_json("/__mock/sessions").await["sessions"],
        json!([])
    );
    mock.stop().await;
}
