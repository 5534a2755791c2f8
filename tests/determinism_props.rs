//! Property: what one session sees is a function of its own requests alone. For any traffic
//! of other sessions (sign-ups, scripted errors, health checks) before and between its
//! requests, session `A` gets byte-identical answers (bodies and request ids) on a fresh
//! server with a frozen clock.

mod common;

use common::{frozen_config, Mock};
use proptest::prelude::*;
use serde_json::{json, Value};

/// A request of another session.
#[derive(Debug, Clone)]
enum Other {
    SignUp { session: u8, user: u8 },
    Scripted { session: u8, scenario: &'static str },
    Health,
}

fn other() -> impl Strategy<Value = Other> {
    prop_oneof![
        (0u8..6, 0u8..4).prop_map(|(session, user)| Other::SignUp { session, user }),
        (
            0u8..6,
            prop::sample::select(vec!["rate-limited", "server-error", "unknown-org"])
        )
            .prop_map(|(session, scenario)| Other::Scripted { session, scenario }),
        Just(Other::Health),
    ]
}

async fn send(mock: &Mock, other: &Other) {
    match other {
        Other::SignUp { session, user } => {
            let token = mock
                .mint(json!({ "email": format!("user{user}@example.com") }))
                .await;
            let session = format!("other-{session}");
            mock.register(&token, &[("x-dfns-mock-session", &session)])
                .await;
        }
        Other::Scripted { session, scenario } => {
            let session = format!("other-{session}");
            mock.register(
                "not-a-token",
                &[
                    ("x-dfns-mock-session", &session),
                    ("x-dfns-mock-scenario", scenario),
                ],
            )
            .await;
        }
        Other::Health => {
            mock.get_json("/__mock/health").await;
        }
    }
}

/// Session A's two sign-up calls and a login attempt, each as (status, request id, body).
async fn session_a(mock: &Mock, before: &[Other], between: &[Other]) -> Vec<(u16, String, Value)> {
    for other in before {
        send(mock, other).await;
    }
    let token = mock.mint(json!({ "email": "a@example.com" })).await;
    let header = [("x-dfns-mock-session", "A")];
    let mut seen = Vec::new();
    for step in 0..3 {
        let (path, body) = match step {
            2 => ("/auth/login/social", Mock::social_body(&token)),
            _ => ("/auth/registration/social", Mock::social_body(&token)),
        };
        let (status, headers, body) = mock.post(path, &body, &header).await;
        let request_id = headers
            .get("x-request-id")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        seen.push((status, request_id, body));
        for other in between {
            send(mock, other).await;
        }
    }
    seen
}

fn run(before: &[Other], between: &[Other]) -> Vec<(u16, String, Value)> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mock = Mock::start(frozen_config()).await;
        let seen = session_a(&mock, before, between).await;
        mock.stop().await;
        seen
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn other_sessions_traffic_changes_nothing_in_session_a(
        before in prop::collection::vec(other(), 0..8),
        between in prop::collection::vec(other(), 0..4),
    ) {
        let alone = run(&[], &[]);
        prop_assert_eq!(alone[0].0, 200, "{}", alone[0].2);
        prop_assert!(!alone[0].1.is_empty(), "answers carry a request id");
        prop_assert_eq!(run(&before, &between), alone);
    }
}
