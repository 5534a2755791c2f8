//! A soak over real HTTP: 64 concurrent clients run complete journeys (sign-up with a Key
//! and a wallet, a social sign-in, in every other session a sign-in with the key, in every
//! eighth a user action and a wallet signature) in 1,000 sessions, a quarter of them scripted by the bundled `rate-limited` scenario
//! (429 twice, then the normal answer). Every answer must fit the OpenAPI document; then
//! each session must hold exactly its own user and its journal exactly its own requests,
//! and no registration may be lost.

mod common;

#[path = "common/authenticator.rs"]
mod authenticator;
#[path = "common/contract.rs"]
mod contract;
#[path = "common/journey.rs"]
mod journey;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use contract::Contract;
use dfns_mock::config::{Config, IssuerConfig, SigningAlg};
use journey::*;
use serde_json::{json, Value};

const SESSIONS: usize = 1000;
const CLIENTS: usize = 64;
/// A hang guard, far above the time a debug build takes on a loaded 2-core machine.
const BOUND: Duration = Duration::from_secs(300);

/// What one session did: its user, and every request sent with its key.
struct SessionRun {
    key: String,
    scripted: bool,
    user_id: String,
    wallet_id: String,
    signed: bool,
    rate_limited: usize,
    exchanges: Vec<Exchange>,
}

/// The journey of session `index`, every answer checked against the document.
async fn run_session(mock: &Mock, contract: &Contract, index: usize) -> SessionRun {
    let key = format!("soak-{index:04}");
    let mut client = SessionClient::new(mock, contract, &key);
    let scripted = index.is_multiple_of(4);
    if scripted {
        let path = format!("/__mock/sessions/{key}/scenario");
        let body = json!({ "name": "rate-limited" });
        client.ok("PUT", &path, Some(&body), &[]).await;
    }
    let email = format!("soak-{index:04}@example.com");
    let mut account = sign_up(&mut client, &email, (index % 251) as u8).await;
    sign_in_socially(&mut client, &mut account).await;
    if !index.is_multiple_of(2) {
        sign_in_with_key(&mut client, &mut account).await;
    }
    let signed = index.is_multiple_of(8);
    if signed {
        sign_message(&mut client, &account, "0x736f616b").await;
    }
    SessionRun {
        key,
        scripted,
        user_id: account.user_id,
        wallet_id: account.wallet_id,
        signed,
        rate_limited: account.rate_limited,
        exchanges: client.exchanges,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_sessions_from_64_clients_stay_apart_and_fit_the_document() {
    let mock = Arc::new(
        Mock::start(Config {
            // Every request of every session stays in the journal, to be checked.
            journal_limit: SESSIONS * 16,
            // Ed25519 id tokens: RSA signing in a debug build would be most of the soak's
            // time, and the soak is about sessions, not the issuer's algorithm.
            issuer: IssuerConfig {
                algorithm: SigningAlg::EdDSA,
                ..config().issuer
            },
            ..config()
        })
        .await,
    );
    let contract = Arc::new(Contract::load());
    let started = Instant::now();
    let next = Arc::new(AtomicUsize::new(0));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let (mock, contract, next) = (mock.clone(), contract.clone(), next.clone());
            tokio::spawn(async move {
                let mut runs = Vec::new();
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    if index >= SESSIONS {
                        return runs;
                    }
                    runs.push(run_session(&mock, &contract, index).await);
                }
            })
        })
        .collect();
    let runs: Vec<SessionRun> = tokio::time::timeout(BOUND, async {
        let mut runs = Vec::new();
        for client in clients {
            runs.extend(client.await.expect("a client finished"));
        }
        runs
    })
    .await
    .unwrap_or_else(|_| panic!("the soak did not finish within {BOUND:?}"));
    let requests: usize = runs.iter().map(|r| r.exchanges.len()).sum();
    eprintln!(
        "soak: {SESSIONS} sessions, {requests} requests from {CLIENTS} clients in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    // No lost or shared registration; the scripted sessions saw exactly their two 429s.
    assert_eq!(runs.len(), SESSIONS);
    let users: BTreeSet<&str> = runs.iter().map(|r| r.user_id.as_str()).collect();
    assert_eq!(users.len(), SESSIONS, "a user id was given twice");
    for run in &runs {
        let expected = if run.scripted { 2 } else { 0 };
        assert_eq!(run.rate_limited, expected, "{}: 429s", run.key);
    }
    let listed = mock.get_json("/__mock/sessions").await;
    let listed: BTreeSet<&str> = listed["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(runs.iter().all(|r| listed.contains(r.key.as_str())));

    // The bundled fixture users are in every session; beyond them, each session holds its
    // own user only, and its journal exactly the requests sent with its key.
    let checking = Instant::now();
    let fresh = mock.get_json("/__mock/sessions/soak-fresh").await;
    let fixtures: BTreeSet<String> = user_ids(&fresh);
    let mut checker = SessionClient::new(&mock, &contract, "soak-checker");
    for run in &runs {
        let view = checker
            .ok("GET", &format!("/__mock/sessions/{}", run.key), None, &[])
            .await;
        let own: BTreeSet<String> = user_ids(&view).difference(&fixtures).cloned().collect();
        assert_eq!(
            own,
            BTreeSet::from([run.user_id.clone()]),
            "{}: users",
            run.key
        );
        let user = view["users"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["id"] == run.user_id.as_str())
            .unwrap();
        assert_eq!(user["wallets"][0]["id"], run.wallet_id.as_str());
        let signatures = user["wallets"][0]["signatures"].as_array().unwrap().len();
        assert_eq!(
            signatures,
            usize::from(run.signed),
            "{}: signatures",
            run.key
        );

        let journal = checker
            .ok(
                "GET",
                &format!("/__mock/journal?session={}", run.key),
                None,
                &[],
            )
            .await;
        let journaled: BTreeMap<String, (String, String, u16)> = journal["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                assert_eq!(
                    e["session"],
                    run.key.as_str(),
                    "an entry of another session"
                );
                let id = e["request_id"].as_str().unwrap().to_string();
                let status = e["status"].as_u64().unwrap() as u16;
                let asked = (
                    e["method"].as_str().unwrap().to_string(),
                    e["path"].as_str().unwrap().to_string(),
                    status,
                );
                (id, asked)
            })
            .collect();
        let sent: BTreeMap<String, (String, String, u16)> = run
            .exchanges
            .iter()
            .filter(|e| !e.path.starts_with("/__mock/"))
            .map(|e| {
                (
                    e.request_id.clone(),
                    (e.method.clone(), e.path.clone(), e.status),
                )
            })
            .collect();
        assert_eq!(journaled, sent, "{}: journal", run.key);
    }
    eprintln!("soak: checked in {:.1} s", checking.elapsed().as_secs_f64());
    Arc::try_unwrap(mock)
        .ok()
        .expect("clients done")
        .stop()
        .await;
}

/// The ids of the users of a session view.
fn user_ids(view: &Value) -> BTreeSet<String> {
    view["users"]
        .as_array()
        .expect("users")
        .iter()
        .map(|u| u["id"].as_str().unwrap().to_string())
        .collect()
}
