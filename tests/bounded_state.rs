//! Bounded state (issue 11): a session key longer than 256 bytes is refused with a clear
//! 400 on every plane, and nothing is kept for it (no session, no request-id counter).

mod common;

use common::{config, Mock};
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
