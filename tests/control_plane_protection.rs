//! The control plane (`/__mock/…`) refuses what a web page or a foreign network could send:
//! a cross-site `text/plain` POST, a foreign `Host` (DNS rebinding), a cross-origin read
//! (no `*` CORS there), and, with `admin_token`, any call without the token. The journal
//! redacts credentials with `journal_redact`. The Dfns endpoints stay open to any origin.

mod common;

use common::{config, now, valid_claims, Mock};
use dfns_mock::config::Config;
use serde_json::{json, Value};

async fn session_keys(mock: &Mock) -> Value {
    mock.client
        .get(mock.url("/__mock/sessions"))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap()["sessions"]
        .clone()
}

async fn register_in(mock: &Mock, session: &str) {
    let token = mock
        .mint(
            json!({ "sub": format!("user-{session}"), "email": format!("{session}@example.com") }),
        )
        .await;
    let (status, body) = mock
        .register(&token, &[("x-dfns-mock-session", session)])
        .await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn a_cross_site_text_plain_reset_is_refused_and_changes_nothing() {
    let mock = Mock::start(config()).await;
    register_in(&mock, "kept").await;
    // What `fetch(url, {method: 'POST', mode: 'no-cors', body: '…'})` on any page sends.
    let response = mock
        .client
        .post(mock.url("/__mock/reset"))
        .header("origin", "http://evil.test")
        .header("content-type", "text/plain;charset=UTF-8")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    assert!(response
        .headers()
        .get("access-control-allow-origin")
        .is_none());
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["status"], 403, "{body}");
    assert_eq!(session_keys(&mock).await, json!(["kept"]));
    // A form post and a bodiless POST are simple requests too.
    for content_type in [Some("application/x-www-form-urlencoded"), None] {
        let mut request = mock.client.post(mock.url("/__mock/sessions/kept/reset"));
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type).body("a=b");
        }
        assert_eq!(
            request.send().await.unwrap().status(),
            403,
            "{content_type:?}"
        );
    }
    assert_eq!(session_keys(&mock).await, json!(["kept"]));
    // A program's call: JSON, or a header of the mock's own.
    let reset = mock
        .client
        .post(mock.url("/__mock/reset"))
        .header("x-dfns-mock-control", "1")
        .send()
        .await
        .unwrap();
    assert_eq!(reset.status(), 200);
    assert_eq!(session_keys(&mock).await, json!([]));
    mock.stop().await;
}

#[tokio::test]
async fn the_control_plane_has_no_wildcard_cors_but_the_api_keeps_it() {
    let mock = Mock::start(Config {
        control_origins: vec!["http://admin.localhost:3000".into()],
        ..config()
    })
    .await;
    let preflight = |path: &'static str, origin: &'static str| {
        mock.client
            .request(reqwest::Method::OPTIONS, mock.url(path))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
            .send()
    };
    let allow = |r: &reqwest::Response| {
        r.headers()
            .get("access-control-allow-origin")
            .map(|v| v.to_str().unwrap().to_string())
    };
    let evil = preflight("/__mock/reset", "http://evil.test")
        .await
        .unwrap();
    assert_eq!(allow(&evil), None);
    let admin = preflight("/__mock/reset", "http://admin.localhost:3000")
        .await
        .unwrap();
    assert_eq!(
        allow(&admin).as_deref(),
        Some("http://admin.localhost:3000")
    );
    let api = preflight("/auth/registration/social", "http://evil.test")
        .await
        .unwrap();
    assert_eq!(allow(&api).as_deref(), Some("*"));
    // A cross-origin read of the journal gets no CORS grant (the page cannot read it).
    let journal = mock
        .client
        .get(mock.url("/__mock/journal"))
        .header("origin", "http://evil.test")
        .send()
        .await
        .unwrap();
    assert_eq!(allow(&journal), None);
    mock.stop().await;
}

#[tokio::test]
async fn a_foreign_host_is_refused_and_configured_names_are_answered() {
    let mock = Mock::start(Config {
        allowed_hosts: vec!["dfns-mock".into()],
        ..config()
    })
    .await;
    let get = |host: &'static str, path: &'static str| {
        mock.client.get(mock.url(path)).header("host", host).send()
    };
    // DNS rebinding: evil.test resolving to 127.0.0.1 still sends `Host: evil.test`.
    let rebound = get("evil.test:8080", "/__mock/journal").await.unwrap();
    assert_eq!(rebound.status(), 403);
    let body: Value = rebound.json().await.unwrap();
    assert_eq!(body["error"]["details"]["host"], "evil.test", "{body}");
    for host in ["dfns-mock:8080", "localhost:1234", "127.0.0.1", "[::1]:9"] {
        assert_eq!(
            get(host, "/__mock/journal").await.unwrap().status(),
            200,
            "{host}"
        );
    }
    // Health answers probes under any name; the Dfns API does not look at the host here.
    assert_eq!(
        get("10.1.2.3:8080", "/__mock/health")
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(get("evil.test", "/oidc/jwks").await.unwrap().status(), 200);
    mock.stop().await;
}

#[tokio::test]
async fn with_an_admin_token_the_control_plane_needs_it_except_health() {
    let mock = Mock::start(Config {
        admin_token: Some("s3cret".into()),
        ..config()
    })
    .await;
    let sessions = || mock.client.get(mock.url("/__mock/sessions"));
    let without = sessions().send().await.unwrap();
    assert_eq!(without.status(), 401);
    let wrong = sessions().bearer_auth("guess").send().await.unwrap();
    assert_eq!(wrong.status(), 401);
    assert_eq!(
        sessions()
            .bearer_auth("s3cret")
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let header = sessions()
        .header("x-dfns-mock-admin-token", "s3cret")
        .send()
        .await
        .unwrap();
    assert_eq!(header.status(), 200);
    let health = mock
        .client
        .get(mock.url("/__mock/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    // The Dfns API does not need it.
    register_in(&mock, "api").await;
    mock.stop().await;
}

async fn journaled_registration(config: Config) -> Value {
    let mock = Mock::start(config).await;
    let mut claims = valid_claims(&mock, now());
    claims.insert("sub".into(), json!("redaction"));
    let token = mock.mint(Value::Object(claims)).await;
    let (status, _) = mock
        .register(&token, &[("authorization", "Bearer app-secret")])
        .await;
    assert_eq!(status, 200);
    let journal: Value = mock
        .client
        .get(mock.url("/__mock/journal"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    mock.stop().await;
    journal["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["path"] == "/auth/registration/social")
        .cloned()
        .expect("journaled")
}

#[tokio::test]
async fn journal_redact_hides_tokens_and_authorization_values() {
    let entry = journaled_registration(Config {
        journal_redact: Some(true),
        ..config()
    })
    .await;
    assert_eq!(entry["headers"]["authorization"], "[redacted]");
    assert_eq!(entry["body"]["idToken"], "[redacted]");
    assert_eq!(entry["body"]["socialLoginProviderKind"], "Oidc");
    let text = entry["response"].to_string();
    assert!(
        !text.contains("eyJ"),
        "a JWT in the journaled answer: {text}"
    );
    // Off by default on loopback: the journal shows what was sent.
    let entry = journaled_registration(config()).await;
    assert_eq!(entry["headers"]["authorization"], "Bearer app-secret");
    assert!(entry["body"]["idToken"]
        .as_str()
        .unwrap()
        .starts_with("eyJ"));
}

const FIXTURE_ORG: &str = "or-30tnh-itmjs-s235s5ontr3r23h2";

/// Sends the fixture user a login code, opens a login with it, then sends a recovery code:
/// the code listed by the control plane and the three journal entries.
async fn journaled_codes(config: Config) -> (Value, [Value; 3]) {
    let mock = Mock::start(config).await;
    let user = json!({ "username": "registered@example.com", "orgId": FIXTURE_ORG });
    let (status, _, _) = mock.post("/auth/login/code", &user, &[]).await;
    assert_eq!(status, 200);
    let code = mock.get_json("/__mock/sessions/default").await["pendingCodes"][0]["code"].clone();
    let mut init = user.clone();
    init["loginCode"] = code.clone();
    let (status, _, body) = mock.post("/auth/login/init", &init, &[]).await;
    assert_eq!(status, 200, "{body}");
    let (status, _, _) = mock.post("/auth/recover/user/code", &user, &[]).await;
    assert_eq!(status, 200);
    let journal = mock.get_json("/__mock/journal").await;
    mock.stop().await;
    let entries: Vec<Value> = journal["entries"].as_array().unwrap().clone();
    (code, entries.try_into().expect("three entries"))
}

#[tokio::test]
async fn the_journal_notes_each_code_on_the_call_that_sent_it_and_redacts_it() {
    let (code, [sent, used, recovery]) = journaled_codes(config()).await;
    assert_eq!(sent["path"], "/auth/login/code");
    assert_eq!(
        sent["annotations"]["sentCode"],
        json!({ "kind": "Login", "username": "registered@example.com", "orgId": FIXTURE_ORG, "code": code })
    );
    assert_eq!(used["body"]["loginCode"], code);
    assert!(used.get("annotations").is_none(), "{used}");
    assert_eq!(recovery["annotations"]["sentCode"]["kind"], "Recovery");
    assert_ne!(recovery["annotations"]["sentCode"]["code"], code);

    let (_, [sent, used, recovery]) = journaled_codes(Config {
        journal_redact: Some(true),
        ..config()
    })
    .await;
    assert_eq!(
        sent["annotations"]["sentCode"],
        json!({ "kind": "Login", "username": "registered@example.com", "orgId": FIXTURE_ORG, "code": "[redacted]" })
    );
    assert_eq!(used["body"]["loginCode"], "[redacted]");
    assert_eq!(recovery["annotations"]["sentCode"]["code"], "[redacted]");
}
