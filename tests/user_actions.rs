//! User action signing and wallets over real HTTP, for what the SDK-driven Node suite does
//! not reach: expired and foreign user actions, the checks of `/auth/action/init` and
//! `/auth/action`, every refusal of the signature endpoint, and the control plane's view.

mod common;

#[path = "common/authenticator.rs"]
mod authenticator;

use authenticator::KeyCredential;
use common::*;
use data_encoding::HEXLOWER;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

const ORG: &str = "or-30tnh-itmjs-s235s5ontr3r23h2";
const MISSING_OR_INVALID: &str = "user action signature is missing or invalid";

/// Signs `email` up in `session` with a Key made from `seed` and `networks`' wallets:
/// (status, answer) of `registerEndUser`.
async fn sign_up(
    mock: &Mock,
    email: &str,
    session: &str,
    seed: u8,
    networks: &[&str],
) -> (u16, Value) {
    let id_token = mock.mint(json!({ "email": email })).await;
    let (status, challenge) = mock
        .register(&id_token, &[("x-dfns-mock-session", session)])
        .await;
    assert_eq!(status, 200, "{challenge}");
    let wallets: Vec<Value> = networks.iter().map(|n| json!({ "network": n })).collect();
    let temp = format!(
        "Bearer {}",
        challenge["temporaryAuthenticationToken"].as_str().unwrap()
    );
    let first = KeyCredential::new(seed).create(challenge["challenge"].as_str().unwrap());
    let body = json!({ "firstFactorCredential": first, "wallets": wallets });
    let (status, _, answer) = mock
        .post(
            "/auth/registration/enduser",
            &body,
            &[("authorization", &temp)],
        )
        .await;
    (status, answer)
}

/// A user signed up (Key credential, wallets) and logged in, in its own session.
struct Account {
    session: String,
    key: KeyCredential,
    user_id: String,
    token: String,
    wallets: Vec<Value>,
}

impl Account {
    async fn new(mock: &Mock, name: &str, seed: u8, networks: &[&str]) -> Account {
        let session = format!("ua-{name}");
        let email = format!("{name}@example.com");
        let (status, registered) = sign_up(mock, &email, &session, seed, networks).await;
        let key = KeyCredential::new(seed);
        assert_eq!(status, 200, "{registered}");
        assert_eq!(registered["credential"]["name"], "Default Credential");
        let mut account = Account {
            session,
            key,
            user_id: registered["user"]["id"].as_str().unwrap().to_string(),
            token: String::new(),
            wallets: registered["wallets"].as_array().unwrap().clone(),
        };
        let (status, _, init) = mock
            .post(
                "/auth/login/init",
                &json!({ "username": format!("{name}@example.com"), "orgId": ORG }),
                &[("x-dfns-mock-session", &account.session)],
            )
            .await;
        assert_eq!(status, 200, "{init}");
        let (status, _, login) = mock
            .post(
                "/auth/login",
                &json!({
                    "challengeIdentifier": init["challengeIdentifier"],
                    "firstFactor": account.key.get(init["challenge"].as_str().unwrap()),
                }),
                &[],
            )
            .await;
        assert_eq!(status, 200, "{login}");
        account.token = login["token"].as_str().unwrap().to_string();
        account
    }

    fn bearer(&self) -> String {
        format!("Bearer {}", self.token)
    }

    /// `method path` with `body` (raw JSON text, or none), a user action if given.
    async fn send(
        &self,
        mock: &Mock,
        method: &str,
        path: &str,
        body: Option<&str>,
        action: Option<&str>,
    ) -> (u16, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = mock
            .client
            .request(method, mock.url(path))
            .header("authorization", self.bearer());
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        if let Some(action) = action {
            request = request.header("x-dfns-useraction", action);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap())
    }

    /// `POST /auth/action/init` for `method path payload`.
    async fn action_challenge(
        &self,
        mock: &Mock,
        method: &str,
        path: &str,
        payload: &str,
    ) -> Value {
        let body = json!({
            "userActionHttpMethod": method,
            "userActionHttpPath": path,
            "userActionPayload": payload,
            "userActionServerKind": "Api",
        });
        let (status, challenge) = self
            .send(
                mock,
                "POST",
                "/auth/action/init",
                Some(&body.to_string()),
                None,
            )
            .await;
        assert_eq!(status, 200, "{challenge}");
        challenge
    }

    /// A user action for `method path payload`, signed with the account's key.
    async fn action(&self, mock: &Mock, method: &str, path: &str, payload: &str) -> String {
        let challenge = self.action_challenge(mock, method, path, payload).await;
        let (status, answer) = self.sign_challenge(mock, &challenge, None).await;
        assert_eq!(status, 200, "{answer}");
        answer["userAction"].as_str().unwrap().to_string()
    }

    /// `POST /auth/action` answering `challenge` with `first` (the account's key if none).
    async fn sign_challenge(
        &self,
        mock: &Mock,
        challenge: &Value,
        first: Option<Value>,
    ) -> (u16, Value) {
        let first = first.unwrap_or_else(|| self.key.get(challenge["challenge"].as_str().unwrap()));
        let body = json!({ "challengeIdentifier": challenge["challengeIdentifier"], "firstFactor": first });
        self.send(mock, "POST", "/auth/action", Some(&body.to_string()), None)
            .await
    }

    /// Signs `body` with wallet `index`, through a fresh user action.
    async fn sign(&self, mock: &Mock, index: usize, body: &Value) -> (u16, Value) {
        let path = self.signatures_path(index);
        let body = body.to_string();
        let action = self.action(mock, "POST", &path, &body).await;
        self.send(mock, "POST", &path, Some(&body), Some(&action))
            .await
    }

    fn signatures_path(&self, index: usize) -> String {
        format!(
            "/wallets/{}/signatures",
            self.wallets[index]["id"].as_str().unwrap()
        )
    }
}

fn message(status_and_body: &(u16, Value)) -> (u16, &str) {
    (
        status_and_body.0,
        status_and_body.1["error"]["message"]
            .as_str()
            .unwrap_or("<no error>"),
    )
}

#[tokio::test]
async fn user_actions_are_refused_when_expired_foreign_or_of_another_purpose() {
    let mock = Mock::start(frozen_config()).await;
    let alice = Account::new(&mock, "alice", 1, &["EthereumSepolia"]).await;
    let bob = Account::new(&mock, "bob", 2, &["EthereumSepolia"]).await;
    let path = alice.signatures_path(0);
    let body = r#"{"kind":"Message","message":"0x49206c6f76652044666e73"}"#;

    // Expired: bound to this very request by the mock's own key, an hour before its now.
    let app = dfns_mock::app::App::new(frozen_config()).await.unwrap();
    let payload: Value = serde_json::from_str(body).unwrap();
    let expired = app.dfns.signer().sign(
        dfns_mock::TokenKind::Temp,
        &dfns_mock::TokenSubject {
            org_id: ORG,
            user_id: &alice.user_id,
            username: "alice@example.com",
        },
        FROZEN_UNIX - 3600,
        600,
        "to-expired",
        dfns_mock::MockClaim {
            challenge: None,
            purpose: dfns_mock::Purpose::UserAction,
            session: alice.session.clone(),
            action: Some(dfns_mock::ActionBinding {
                method: "POST".into(),
                path: path.clone(),
                payload_hash: HEXLOWER.encode(&Sha256::digest(payload.to_string())),
            }),
        },
    );
    let answer = alice
        .send(&mock, "POST", &path, Some(body), Some(&expired))
        .await;
    assert_eq!(message(&answer), (403, MISSING_OR_INVALID));
    assert!(
        answer.1["error"]["details"]["reason"]
            .as_str()
            .unwrap()
            .contains("expired"),
        "{}",
        answer.1
    );

    // Bob signs a user action for Alice's request: it is still not Alice's.
    let foreign = bob.action(&mock, "POST", &path, body).await;
    let answer = alice
        .send(&mock, "POST", &path, Some(body), Some(&foreign))
        .await;
    assert_eq!(message(&answer), (403, MISSING_OR_INVALID));

    // A user action challenge is not a user action; a session token neither.
    let challenge = alice.action_challenge(&mock, "POST", &path, body).await;
    for token in [
        challenge["challengeIdentifier"].as_str().unwrap(),
        &alice.token,
    ] {
        let answer = alice
            .send(&mock, "POST", &path, Some(body), Some(token))
            .await;
        assert_eq!(message(&answer), (403, MISSING_OR_INVALID));
    }

    // Signed for another method: refused. The same body re-serialised with other spacing
    // and key order matches.
    let put = alice.action(&mock, "PUT", &path, body).await;
    let answer = alice
        .send(&mock, "POST", &path, Some(body), Some(&put))
        .await;
    assert_eq!(message(&answer), (403, MISSING_OR_INVALID));
    let action = alice.action(&mock, "POST", &path, body).await;
    let reordered = r#"{ "message": "0x49206c6f76652044666e73", "kind": "Message" }"#;
    let answer = alice
        .send(&mock, "POST", &path, Some(reordered), Some(&action))
        .await;
    assert_eq!(answer.0, 200, "{}", answer.1);
    assert_eq!(answer.1["requestBody"], payload);

    // Without a session token: 401 before any user action check.
    let response = mock
        .client
        .post(mock.url(&path))
        .header("content-type", "application/json")
        .header("x-dfns-useraction", &action)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 401);
    mock.stop().await;
}

#[tokio::test]
async fn action_challenges_and_signatures_check_what_they_are_given() {
    let mock = Mock::start(frozen_config()).await;
    let alice = Account::new(&mock, "carol", 3, &["EthereumSepolia"]).await;
    let bob = Account::new(&mock, "dave", 4, &[]).await;

    // `/auth/action/init`: a session token and a well-formed body.
    let body = json!({ "userActionHttpMethod": "PATCH", "userActionPayload": "" }).to_string();
    let answer = alice
        .send(&mock, "POST", "/auth/action/init", Some(&body), None)
        .await;
    assert_eq!(answer.0, 400);
    let fields: Vec<&str> = answer.1["error"]["details"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["userActionHttpMethod", "userActionHttpPath"]);
    let response = mock
        .client
        .post(mock.url("/auth/action/init"))
        .json(&json!({ "userActionHttpMethod": "POST", "userActionHttpPath": "/x", "userActionPayload": "" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 401);

    // The challenge offers the caller's active credentials.
    let challenge = alice.action_challenge(&mock, "POST", "/x", "").await;
    assert_eq!(
        challenge["allowCredentials"]["key"],
        json!([{ "type": "public-key", "id": alice.key.cred_id }])
    );
    assert_eq!(challenge["allowCredentials"]["webauthn"], json!([]));

    // `/auth/action`: another user's key, a forged signature, a recovery kind, another
    // user's challenge, a spent challenge.
    let answer = alice
        .sign_challenge(
            &mock,
            &challenge,
            Some(bob.key.get(challenge["challenge"].as_str().unwrap())),
        )
        .await;
    assert_eq!(
        message(&answer),
        (
            401,
            "User does not have a credential that can be used for the application."
        )
    );
    let mut forged = alice.key.get(challenge["challenge"].as_str().unwrap());
    forged["credentialAssertion"]["signature"] = json!(authenticator::b64(&[7; 64]));
    let answer = alice.sign_challenge(&mock, &challenge, Some(forged)).await;
    assert_eq!(answer.0, 401, "{}", answer.1);
    assert_eq!(answer.1["error"]["details"]["check"], "signature");
    let mut recovery = alice.key.get(challenge["challenge"].as_str().unwrap());
    recovery["kind"] = json!("RecoveryKey");
    let answer = alice
        .sign_challenge(&mock, &challenge, Some(recovery))
        .await;
    assert_eq!(message(&answer).0, 400);
    assert_eq!(answer.1["error"]["details"]["field"], "firstFactor.kind");
    let answer = bob
        .sign_challenge(
            &mock,
            &challenge,
            Some(bob.key.get(challenge["challenge"].as_str().unwrap())),
        )
        .await;
    assert_eq!(message(&answer), (400, "Challenge token is not valid."));
    assert_eq!(alice.sign_challenge(&mock, &challenge, None).await.0, 200);
    let answer = alice.sign_challenge(&mock, &challenge, None).await;
    assert_eq!(message(&answer), (400, "Challenge token is not valid."));

    // Signatures: kinds, payloads and networks the wallet cannot sign.
    let refused = [
        (
            json!({ "kind": "Transaction", "transaction": "0x00" }),
            "kind",
        ),
        (json!({ "kind": "Hash", "hash": "0x1234" }), "hash"),
        (
            json!({ "kind": "Message", "message": "not hex" }),
            "message",
        ),
        (json!({ "kind": "Message" }), "message"),
        (
            json!({ "kind": "Message", "message": "0x00", "network": "SolanaDevnet" }),
            "network",
        ),
        (
            json!({ "kind": "Message", "message": "0x00", "extra": 1 }),
            "extra",
        ),
    ];
    for (body, field) in refused {
        let answer = alice.sign(&mock, 0, &body).await;
        assert_eq!(answer.0, 400, "{body}: {}", answer.1);
        assert_eq!(
            answer.1["error"]["details"]["field"], field,
            "{body}: {}",
            answer.1
        );
    }
    // Eip191 is Message on EVM networks: the same signature.
    let message_body = json!({ "kind": "Message", "message": "0x49206c6f76652044666e73" });
    let eip191_body = json!({ "kind": "Eip191", "message": "0x49206c6f76652044666e73" });
    let by_message = alice.sign(&mock, 0, &message_body).await;
    let by_eip191 = alice.sign(&mock, 0, &eip191_body).await;
    assert_eq!(by_message.1["signature"], by_eip191.1["signature"]);
    assert_ne!(by_message.1["id"], by_eip191.1["id"]);

    // Signatures are found under their own wallet, by their owner only.
    let wallet = alice.wallets[0]["id"].as_str().unwrap();
    let signature = by_message.1["id"].as_str().unwrap();
    let path = format!("/wallets/{wallet}/signatures/{signature}");
    let answer = alice.send(&mock, "GET", &path, None, None).await;
    assert_eq!(answer.1, by_message.1);
    assert_eq!(
        message(&bob.send(&mock, "GET", &path, None, None).await),
        (404, "wallet not found")
    );
    assert_eq!(
        bob.send(&mock, "GET", "/wallets", None, None).await.1,
        json!({ "items": [] })
    );
    mock.stop().await;
}

#[tokio::test]
async fn wallets_are_real_keys_per_network_and_listed_by_the_control_plane() {
    let mock = Mock::start(frozen_config()).await;
    let account = Account::new(&mock, "erin", 5, &["KeyECDSA", "KeyEdDSA", "Tron"]).await;
    let [ecdsa, eddsa, tron] = &account.wallets[..] else {
        panic!("three wallets")
    };
    assert!(ecdsa.get("address").is_none() && eddsa.get("address").is_none());
    assert!(tron["address"].as_str().unwrap().starts_with('T'));
    assert_eq!(eddsa["signingKey"]["curve"], "ed25519");

    // KeyECDSA signs hashes only; KeyEdDSA signs messages as raw bytes.
    let refused = account
        .sign(&mock, 0, &json!({ "kind": "Message", "message": "0x00" }))
        .await;
    assert_eq!(refused.0, 400, "{}", refused.1);
    let hash = format!("0x{}", HEXLOWER.encode(&Sha256::digest(b"tx")));
    let signed = account
        .sign(&mock, 0, &json!({ "kind": "Hash", "hash": hash }))
        .await;
    assert_eq!(signed.0, 200, "{}", signed.1);
    let recid = signed.1["signature"]["recid"].as_u64().unwrap();
    assert!(recid <= 1);

    // Wallets that the mock cannot key are refused at registration, naming the field.
    let networks = ["EthereumSepolia", "Starknet"];
    let (status, answer) = sign_up(&mock, "stark@example.com", "ua-stark", 6, &networks).await;
    assert_eq!(status, 400, "{answer}");
    assert_eq!(answer["error"]["details"]["field"], "wallets.1.network");

    // The session view lists each wallet with its signatures.
    let view = mock
        .get_json(&format!("/__mock/sessions/{}", account.session))
        .await;
    let wallets = &view["users"][0]["wallets"];
    assert_eq!(wallets[0]["id"], ecdsa["id"]);
    assert_eq!(wallets[0]["publicKey"], ecdsa["signingKey"]["publicKey"]);
    assert_eq!(wallets[0]["signatures"][0]["id"], signed.1["id"]);
    assert_eq!(
        wallets[0]["signatures"][0]["signature"],
        signed.1["signature"]
    );
    assert_eq!(wallets[1]["signatures"], json!([]));

    // Same seed, same session, same requests: the same wallets.
    let again = Mock::start(frozen_config()).await;
    let twin = Account::new(&again, "erin", 5, &["KeyECDSA", "KeyEdDSA", "Tron"]).await;
    assert_eq!(twin.wallets, account.wallets);
    again.stop().await;
    mock.stop().await;
}
