//! Session consistency (issue 11): a mock token is used in the session it was issued in (a
//! request naming another session is refused, naming both), and a single-use token stays
//! refused once spent, even after its session is reset and issues the same ids again.

mod common;

#[path = "common/authenticator.rs"]
mod authenticator;

use authenticator::{Attestation, Authenticator};
use common::*;
use serde_json::{json, Value};

/// A registration challenge for `email` in `session`: (challenge, temporary token).
async fn challenge(mock: &Mock, email: &str, session: &str) -> (String, String) {
    let (body, temp) = mock.registration_challenge(email, session).await;
    (body["challenge"].as_str().unwrap().to_string(), temp)
}

/// Completes a registration with `temp`, sending `session` as the header when given.
async fn complete(mock: &Mock, temp: &str, body: &Value, session: Option<&str>) -> (u16, Value) {
    let auth = format!("Bearer {temp}");
    let mut headers = vec![("authorization", auth.as_str())];
    headers.extend(session.map(|s| ("x-dfns-mock-session", s)));
    let (status, _, answer) = mock.post("/auth/registration", body, &headers).await;
    (status, answer)
}

fn credentials(challenge: &str, seed: u8) -> Value {
    let first = Authenticator::new(seed).create(challenge, Attestation::None);
    json!({ "firstFactorCredential": first })
}

fn users_of(view: &Value) -> Vec<String> {
    view["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_token_sent_with_another_session_is_refused_naming_both() {
    let mock = Mock::start(frozen_config()).await;
    let (first, temp) = challenge(&mock, "crossed@example.com", "x").await;
    let body = credentials(&first, 41);
    let (status, answer) = complete(&mock, &temp, &body, Some("y")).await;
    assert_eq!(status, 401, "{answer}");
    assert_eq!(answer["error"]["details"]["check"], "session", "{answer}");
    let message = answer["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("issued in session \"x\"")
            && message.contains("this request is in session \"y\""),
        "{message}"
    );
    // Nothing was written into either session, and the journal files the refusal under y.
    for session in ["x", "y"] {
        let view = mock.get_json(&format!("/__mock/sessions/{session}")).await;
        assert!(
            !users_of(&view).contains(&"crossed@example.com".to_string()),
            "{session}: {view}"
        );
    }
    let journal = mock.get_json("/__mock/journal?session=y").await;
    let last = journal["entries"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(
        (last["path"].as_str(), last["status"].as_u64()),
        (Some("/auth/registration"), Some(401))
    );
    // The same token in its own session (by header, or by the token alone) still works.
    let (status, answer) = complete(&mock, &temp, &body, Some("x")).await;
    assert_eq!(status, 200, "{answer}");
    mock.stop().await;
}

#[tokio::test]
async fn a_spent_token_stays_spent_after_its_session_is_reset() {
    let mock = Mock::start(frozen_config()).await;
    let (first, temp) = challenge(&mock, "again@example.com", "r").await;
    let body = credentials(&first, 42);
    let (status, answer) = complete(&mock, &temp, &body, None).await;
    assert_eq!(status, 200, "{answer}");
    let (status, answer) = complete(&mock, &temp, &body, None).await;
    assert_eq!(
        answer["error"]["details"]["check"], "spent",
        "{status} {answer}"
    );

    let (status, _, _) = mock.post("/__mock/sessions/r/reset", &json!({}), &[]).await;
    assert_eq!(status, 200);
    let (status, answer) = complete(&mock, &temp, &body, None).await;
    assert_eq!(status, 401, "{answer}");
    assert_eq!(
        answer["error"]["details"]["check"], "not-issued",
        "{answer}"
    );
    let view = mock.get_json("/__mock/sessions/r").await;
    assert!(!users_of(&view).contains(&"again@example.com".to_string()));

    // After the reset, the session issues the same token again (same seed, same frozen
    // clock, same first challenge): that new issue is spendable once.
    let (again, temp_again) = challenge(&mock, "again@example.com", "r").await;
    assert_eq!((&again, &temp_again), (&first, &temp));
    let (status, answer) = complete(&mock, &temp_again, &body, None).await;
    assert_eq!(status, 200, "{answer}");
    mock.stop().await;
}

#[tokio::test]
async fn a_login_identifier_issued_before_a_reset_is_refused() {
    let mock = Mock::start(frozen_config()).await;
    let (status, _, init) = mock
        .post(
            "/auth/login/init",
            &json!({ "orgId": "or-30tnh-itmjs-s235s5ontr3r23h2" }),
            &[("x-dfns-mock-session", "l")],
        )
        .await;
    assert_eq!(status, 200, "{init}");
    let (status, _, _) = mock.post("/__mock/sessions/l/reset", &json!({}), &[]).await;
    assert_eq!(status, 200);
    let mut authenticator = Authenticator::fixture();
    let first = authenticator.get(init["challenge"].as_str().unwrap(), None);
    let (status, _, answer) = mock
        .post(
            "/auth/login",
            &json!({
                "challengeIdentifier": init["challengeIdentifier"],
                "firstFactor": first,
            }),
            &[("x-dfns-mock-session", "l")],
        )
        .await;
    assert_eq!(status, 401, "{answer}");
    assert_eq!(
        answer["error"]["details"]["check"], "not-issued",
        "{answer}"
    );
    mock.stop().await;
}
