//! Bounded state (issue 11): a session key longer than 256 bytes is refused with a clear
//! 400 on every plane, and nothing is kept for it (no session, no request-id counter); live
//! sessions are capped with least-recently-used eviction; the journal is bounded in bytes and
//! cuts long bodies.

mod common;

#[path = "common/contract.rs"]
mod contract;

use common::{config, send_json, Mock};
use serde_json::{json, Value};

#[tokio::test]
async fn an_over_long_session_key_is_refused_and_nothing_is_kept_for_it() {
    let mock = Mock::start(config()).await;
    let token = mock
        .mint(json!({ "sub": "long-key", "email": "long-key@example.com" }))
        .await;
    let long = "k".repeat(257);
    let (status, body) = mock
        .register(&token, &[("x-dfns-mock-session", &long)])
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        body["error"]["message"],
        "X-Dfns-Mock-Session is 257 bytes long; a session key has at most 256",
        "{body}"
    );
    assert_eq!(body["error"]["details"]["header"], "x-dfns-mock-session");
    // The same on the control plane and the health endpoint: nothing answers for such a key.
    for path in ["/__mock/sessions", "/__mock/health"] {
        let response = mock
            .client
            .get(mock.url(path))
            .header("x-dfns-mock-session", &long)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{path}");
    }
    // Nor through the control plane's session paths.
    for (method, path) in [
        (
            reqwest::Method::PUT,
            format!("/__mock/sessions/{long}/scenario"),
        ),
        (reqwest::Method::GET, format!("/__mock/sessions/{long}")),
        (
            reqwest::Method::POST,
            format!("/__mock/sessions/{long}/reset"),
        ),
        // Percent-decoded first: an invalid escape stays as it is, so 257 bytes of `%` are
        // 257 bytes of key, and 257 escaped `k`s are too.
        (
            reqwest::Method::PUT,
            format!("/__mock/sessions/{}/scenario", "%".repeat(257)),
        ),
        (
            reqwest::Method::PUT,
            format!("/__mock/sessions/{}/scenario", "%6B".repeat(257)),
        ),
    ] {
        let response = mock
            .client
            .request(method, mock.url(&path))
            .header("x-dfns-mock-control", "1")
            .json(&json!({ "name": "happy" }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{path}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(
            body["error"]["message"],
            "The session key in the path is 257 bytes long; a session key has at most 256"
        );
    }
    let sessions: Value = mock.get_json("/__mock/sessions").await;
    assert_eq!(sessions["sessions"], json!([]), "{sessions}");

    // A key of exactly 256 bytes is a session like any other, and its first request has the
    // same id as on a server that never saw the refused key.
    let longest = "k".repeat(256);
    let first_id = |mock: &Mock, token: String| {
        let client = mock.client.clone();
        let url = mock.url("/auth/registration/social");
        let session = longest.clone();
        async move {
            let response = client
                .post(url)
                .header("x-dfns-mock-session", session)
                .json(&Mock::social_body(&token))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200);
            response.headers()["x-request-id"]
                .to_str()
                .unwrap()
                .to_string()
        }
    };
    let fresh = Mock::start(config()).await;
    let fresh_token = fresh
        .mint(json!({ "sub": "long-key", "email": "long-key@example.com" }))
        .await;
    assert_eq!(
        first_id(&mock, token).await,
        first_id(&fresh, fresh_token).await
    );
    let sessions: Value = mock.get_json("/__mock/sessions").await;
    assert_eq!(sessions["sessions"], json!([longest]), "{sessions}");
    let journal: Value = mock.get_json("/__mock/journal").await;
    let entries = journal["entries"].as_array().expect("entries");
    assert!(
        entries
            .iter()
            .all(|e| e["session"] != Value::String(long.clone())),
        "refused requests are not journaled under the long key"
    );
    mock.stop().await;
    fresh.stop().await;
}

#[tokio::test]
async fn session_paths_are_percent_decoded_as_the_kit_encodes_them() {
    let mock = Mock::start(config()).await;
    let key = "a test/with spaces+more";
    let encoded = "a%20test%2Fwith%20spaces%2Bmore";
    // Selected through the path, used through the header.
    let response = mock
        .client
        .put(mock.url(&format!("/__mock/sessions/{encoded}/scenario")))
        .json(&json!({ "name": "server-error" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let token = mock
        .mint(json!({ "sub": "decoded", "email": "decoded@example.com" }))
        .await;
    let (status, body) = mock.register(&token, &[("x-dfns-mock-session", key)]).await;
    assert_eq!(
        status, 500,
        "the path's scenario answers the header's session: {body}"
    );
    let view: Value = mock.get_json(&format!("/__mock/sessions/{encoded}")).await;
    assert_eq!(view["session"], key, "{view}");
    assert_eq!(view["activeScenario"], "server-error", "{view}");
    let sessions: Value = mock.get_json("/__mock/sessions").await;
    assert_eq!(
        sessions["sessions"],
        json!([key]),
        "one session, not two: {sessions}"
    );
    // Bytes that are not UTF-8 once decoded are no key.
    let response = mock
        .client
        .get(mock.url("/__mock/sessions/%FF"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["error"]["message"], "the session key in the path is not UTF-8 once percent-decoded",
        "{body}"
    );
    mock.stop().await;
}

/// Registers with a fresh token in `session` (minted in that session too) and returns the
/// request id of the registration.
async fn touch(mock: &Mock, session: &str) -> String {
    let claims = json!({ "sub": session, "email": format!("{session}@example.com") });
    let (status, _, body) = mock
        .post("/oidc/token", &claims, &[("x-dfns-mock-session", session)])
        .await;
    assert_eq!(status, 200, "{body}");
    let token = body["id_token"].as_str().unwrap();
    let response = mock
        .client
        .post(mock.url("/auth/registration/social"))
        .header("x-dfns-mock-session", session)
        .json(&Mock::social_body(token))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{session}");
    response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn beyond_the_cap_the_least_recently_used_session_is_forgotten() {
    let mut config = config();
    config.sessions.max_live = 8;
    let mock = Mock::start(config).await;
    let first_ids: Vec<String> = {
        let mut ids = Vec::new();
        for n in 0..8 {
            ids.push(touch(&mock, &format!("s{n}")).await);
        }
        ids
    };
    // s0 is used again, so s1 is now the least recently used.
    let s0_second = touch(&mock, "s0").await;
    assert_ne!(s0_second, first_ids[0]);
    touch(&mock, "s8").await;
    // Listed from within s8: a request of another session would make a ninth.
    let sessions = send_json(
        (mock.client.get(mock.url("/__mock/sessions"))).header("x-dfns-mock-session", "s8"),
    )
    .await;
    let keys: Vec<&str> = sessions["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap())
        .collect();
    assert_eq!(keys.len(), 8, "{sessions}");
    assert!(keys.contains(&"s0") && keys.contains(&"s8"), "{sessions}");
    assert!(
        !keys.contains(&"s1"),
        "s1 was the least recently used: {sessions}"
    );
    // The forgotten session starts again from nothing: its first request id comes back.
    assert_eq!(touch(&mock, "s1").await, first_ids[1]);
    // s0 kept its numbering.
    assert_ne!(touch(&mock, "s0").await, first_ids[0]);
    mock.stop().await;
}

#[tokio::test]
async fn many_session_keys_keep_at_most_the_cap() {
    let mut config = config();
    config.sessions.max_live = 40;
    let mock = Mock::start(config).await;
    for n in 0..300 {
        touch(&mock, &format!("k{n}")).await;
    }
    let sessions: Value = mock.get_json("/__mock/sessions").await;
    let live = sessions["sessions"].as_array().unwrap().len();
    assert!(live <= 40, "{live} sessions live with a cap of 40");
    assert!(
        sessions["sessions"]
            .as_array()
            .unwrap()
            .contains(&json!("k299")),
        "the newest session is live: {sessions}"
    );
    mock.stop().await;
}

#[tokio::test]
async fn the_journal_is_bounded_in_bytes_and_cuts_long_bodies() {
    let mut config = config();
    config.journal_max_body_bytes = 1024;
    config.journal_max_bytes = 64 << 10;
    let mock = Mock::start(config).await;
    let long = format!("{{\"idToken\": \"{}\"}}", "x".repeat(10_000));
    for _ in 0..200 {
        let status = mock
            .client
            .post(mock.url("/auth/registration/social"))
            .header("content-type", "application/json")
            .body(long.clone())
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, 400);
    }
    let journal: Value = mock.get_json("/__mock/journal").await;
    let contract = contract::Contract::load();
    let fits = contract.check(
        "GET",
        "/__mock/journal",
        200,
        Some("application/json"),
        &journal,
    );
    assert_eq!(
        fits,
        Ok(()),
        "a journal with cut bodies fits the OpenAPI document"
    );
    let entries = journal["entries"].as_array().expect("entries");
    assert!(
        entries.len() < 100,
        "{} entries of over 1 KiB each in a 64 KiB journal",
        entries.len()
    );
    let last = entries.last().unwrap();
    assert_eq!(last["truncated"]["body"], long.len(), "{last}");
    let kept = last["body"].as_str().expect("a cut body is kept as text");
    assert_eq!(kept, &long[..1024]);
    assert!(last.get("truncated").unwrap().get("response").is_none());
    assert!(
        last["response"].is_object(),
        "the short answer is whole JSON"
    );
    mock.stop().await;
}

#[tokio::test]
async fn an_over_long_session_claim_in_the_id_token_is_refused() {
    let mock = Mock::start(config()).await;
    let claimed = "c".repeat(257);
    let token = mock
        .mint(json!({ "sub": "claim", "dfns_mock_session": claimed }))
        .await;
    let (status, body) = mock.register(&token, &[]).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        body["error"]["message"],
        "idToken: its dfns_mock_session claim is 257 bytes long; a session key has at most 256"
    );
    let sessions: Value = mock.get_json("/__mock/sessions").await;
    assert!(
        !sessions["sessions"]
            .as_array()
            .unwrap()
            .contains(&json!(claimed)),
        "{sessions}"
    );
    mock.stop().await;
}

#[tokio::test]
async fn a_session_a_request_is_still_answering_is_not_evicted() {
    let mut config = config();
    config.sessions.max_live = 2;
    let mock = Mock::start(config).await;
    let token = mock
        .mint(json!({ "sub": "a", "email": "a@example.com" }))
        .await;
    // Session `a` waits 3 s inside its scripted `slow` answer while three other sessions
    // start, each of which finds the cap reached.
    let slow = {
        let client = mock.client.clone();
        let url = mock.url("/auth/registration/social");
        async move {
            let response = client
                .post(url)
                .header("x-dfns-mock-session", "a")
                .header("x-dfns-mock-scenario", "slow")
                .json(&Mock::social_body(&token))
                .send()
                .await
                .unwrap();
            response.status()
        }
    };
    let others = async {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        for session in ["b", "c", "d"] {
            touch(&mock, session).await;
        }
    };
    let (status, ()) = tokio::join!(slow, others);
    assert_eq!(status, 200);
    let view = send_json(
        (mock.client.get(mock.url("/__mock/sessions/a"))).header("x-dfns-mock-session", "a"),
    )
    .await;
    assert_eq!(view["ruleHits"], json!({ "slow#1": 1 }), "{view}");
    mock.stop().await;
}

#[tokio::test]
async fn parsed_bodies_count_as_parsed_and_cut_bodies_are_redacted_whole() {
    let mut config = config();
    config.journal_max_bytes = 1 << 20;
    config.journal_redact = Some(true);
    config.journal_max_body_bytes = 20_000;
    let mock = Mock::start(config).await;
    // 16,001 bytes of text, about 256 KiB parsed: a 1 MiB journal holds a few, not all 20.
    flood_with_parsed_bodies(&mock).await;
    let journal: Value = mock.get_json("/__mock/journal").await;
    let kept = journal["entries"].as_array().unwrap().len();
    assert!(
        kept <= 5,
        "{kept} parsed 256 KiB bodies kept in a 1 MiB journal"
    );

    let long_secret = json!({
        "orgId": "or-30tnh-itmjs-s235s5ontr3r23h2",
        "password": "hunter2-SECRET",
        "pad": "x".repeat(21_000),
    });
    let response = mock
        .client
        .post(mock.url("/auth/login/init"))
        .json(&long_secret)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let text = mock
        .client
        .get(mock.url("/__mock/journal?limit=1"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!text.contains("hunter2"), "{text}");
    let journal: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(journal["entries"][0]["body"], "[redacted]");
    mock.stop().await;
}

/// Twenty requests whose 16 KB bodies parse into about 256 KiB each.
async fn flood_with_parsed_bodies(mock: &Mock) {
    let zeros = format!("[{}0]", "0,".repeat(8000));
    for _ in 0..20 {
        let response = mock
            .client
            .post(mock.url("/auth/registration/social"))
            .header("content-type", "application/json")
            .body(zeros.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400);
    }
}
