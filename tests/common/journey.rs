//! A client of one session that checks every answer against the OpenAPI document, and the
//! steps of a complete journey over it: sign-up with a Key credential and a wallet, sign-in
//! (socially and with the key), a user action and a wallet signature. Needs the test crate
//! to declare `common`, `authenticator` and `contract`.
#![allow(dead_code)]

use serde_json::{json, Value};

use crate::authenticator::KeyCredential;
use crate::common::Mock;
use crate::contract::Contract;

pub const ORG: &str = "or-30tnh-itmjs-s235s5ontr3r23h2";

/// One answer: what was asked, and the status, request id and body that came back.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub method: String,
    pub path: String,
    pub status: u16,
    pub request_id: String,
    pub body: Value,
}

/// Sends requests in one session (`X-Dfns-Mock-Session`), each answer checked against the
/// document (a misfit panics with the reason) and kept.
pub struct SessionClient<'a> {
    pub mock: &'a Mock,
    pub contract: &'a Contract,
    pub session: String,
    pub exchanges: Vec<Exchange>,
}

impl<'a> SessionClient<'a> {
    pub fn new(mock: &'a Mock, contract: &'a Contract, session: &str) -> SessionClient<'a> {
        SessionClient {
            mock,
            contract,
            session: session.to_string(),
            exchanges: Vec::new(),
        }
    }

    /// `method path` with a JSON `body` (sent as `body.to_string()`) and `headers`:
    /// (status, body).
    pub async fn send(
        &mut self,
        method: &str,
        path: &str,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> (u16, Value) {
        let body = body.map(|b| ("application/json", b.to_string()));
        self.send_raw(method, path, body, headers).await
    }

    /// `method path` with a `(content type, body)` and `headers`: (status, body), a body that
    /// is not JSON as a JSON string.
    pub async fn send_raw(
        &mut self,
        method: &str,
        path: &str,
        body: Option<(&str, String)>,
        headers: &[(&str, &str)],
    ) -> (u16, Value) {
        let verb = reqwest::Method::from_bytes(method.as_bytes()).expect("a method");
        let mut request = self
            .mock
            .client
            .request(verb, self.mock.url(path))
            .header("x-dfns-mock-session", &self.session);
        if let Some((content_type, body)) = body {
            request = request.header("content-type", content_type).body(body);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.expect("request sent");
        let status = response.status().as_u16();
        let request_id = response
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .expect("every answer has X-Request-ID")
            .to_string();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(';').next().unwrap_or(v).trim().to_string());
        let text = response.text().await.expect("body read");
        let body: Value = match content_type.as_deref() {
            Some("application/json") => serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{method} {path}: body is not JSON ({e}): {text}")),
            _ => Value::String(text),
        };
        let checked = self
            .contract
            .check(method, path, status, content_type.as_deref(), &body);
        if let Err(misfit) = checked {
            panic!("answer outside the OpenAPI document: {misfit}");
        }
        self.exchanges.push(Exchange {
            method: method.to_string(),
            path: path.to_string(),
            status,
            request_id,
            body: body.clone(),
        });
        (status, body)
    }

    /// `send`, asserting a 200.
    pub async fn ok(
        &mut self,
        method: &str,
        path: &str,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Value {
        let (status, answer) = self.send(method, path, body, headers).await;
        assert_eq!(status, 200, "{method} {path}: {answer}");
        answer
    }

    /// An id token of the built-in issuer for `email` (`sub` = `email`).
    pub async fn mint(&mut self, email: &str) -> String {
        let claims = json!({ "sub": email, "email": email });
        let answer = self.ok("POST", "/oidc/token", Some(&claims), &[]).await;
        answer["id_token"].as_str().expect("id_token").to_string()
    }
}

/// A user signed up with a Key credential and one wallet, and the session token of its
/// last sign-in.
pub struct Account {
    pub email: String,
    pub id_token: String,
    pub key: KeyCredential,
    pub user_id: String,
    pub wallet_id: String,
    pub token: String,
    /// How many 429s the registration challenge answered before its 200.
    pub rate_limited: usize,
}

impl Account {
    fn bearer(&self) -> String {
        format!("Bearer {}", self.token)
    }
}

/// Signs `email` up: the registration challenge (asked again after each 429, at once), then
/// `POST /auth/registration/enduser` with a Key made from `seed` and an `EthereumSepolia`
/// wallet.
pub async fn sign_up(client: &mut SessionClient<'_>, email: &str, seed: u8) -> Account {
    let id_token = client.mint(email).await;
    let social = json!({ "socialLoginProviderKind": "Oidc", "idToken": id_token });
    let mut rate_limited = 0;
    let challenge = loop {
        let (status, answer) = client
            .send("POST", "/auth/registration/social", Some(&social), &[])
            .await;
        match status {
            429 if rate_limited < 10 => rate_limited += 1,
            _ => {
                assert_eq!(status, 200, "{answer}");
                break answer;
            }
        }
    };
    let key = KeyCredential::new(seed);
    let body = json!({
        "firstFactorCredential": key.create(challenge["challenge"].as_str().unwrap()),
        "wallets": [{ "network": "EthereumSepolia" }],
    });
    let temp = format!(
        "Bearer {}",
        challenge["temporaryAuthenticationToken"].as_str().unwrap()
    );
    let registered = client
        .ok(
            "POST",
            "/auth/registration/enduser",
            Some(&body),
            &[("authorization", &temp)],
        )
        .await;
    Account {
        email: email.to_string(),
        id_token,
        key,
        user_id: registered["user"]["id"].as_str().unwrap().to_string(),
        wallet_id: registered["wallets"][0]["id"].as_str().unwrap().to_string(),
        token: registered["authentication"]["token"]
            .as_str()
            .unwrap()
            .to_string(),
        rate_limited,
    }
}

/// `POST /auth/login/social` with the account's idToken; keeps the session token.
pub async fn sign_in_socially(client: &mut SessionClient<'_>, account: &mut Account) {
    let social = json!({ "socialLoginProviderKind": "Oidc", "idToken": account.id_token });
    let answer = client
        .ok("POST", "/auth/login/social", Some(&social), &[])
        .await;
    account.token = answer["token"].as_str().unwrap().to_string();
}

/// `POST /auth/login/init` for the account's username, answered by its key; keeps the
/// session token.
pub async fn sign_in_with_key(client: &mut SessionClient<'_>, account: &mut Account) {
    let body = json!({ "username": account.email, "orgId": ORG });
    let init = client
        .ok("POST", "/auth/login/init", Some(&body), &[])
        .await;
    let body = json!({
        "challengeIdentifier": init["challengeIdentifier"],
        "firstFactor": account.key.get(init["challenge"].as_str().unwrap()),
    });
    let answer = client.ok("POST", "/auth/login", Some(&body), &[]).await;
    account.token = answer["token"].as_str().unwrap().to_string();
}

/// A user action for `method path body`, signed with the account's key.
pub async fn user_action(
    client: &mut SessionClient<'_>,
    account: &Account,
    method: &str,
    path: &str,
    body: &Value,
) -> String {
    let bearer = account.bearer();
    let init = json!({
        "userActionHttpMethod": method,
        "userActionHttpPath": path,
        "userActionPayload": body.to_string(),
        "userActionServerKind": "Api",
    });
    let challenge = client
        .ok(
            "POST",
            "/auth/action/init",
            Some(&init),
            &[("authorization", &bearer)],
        )
        .await;
    let signed = json!({
        "challengeIdentifier": challenge["challengeIdentifier"],
        "firstFactor": account.key.get(challenge["challenge"].as_str().unwrap()),
    });
    let answer = client
        .ok(
            "POST",
            "/auth/action",
            Some(&signed),
            &[("authorization", &bearer)],
        )
        .await;
    answer["userAction"].as_str().unwrap().to_string()
}

/// Signs `message` (hex) with the account's wallet through a user action, then reads the
/// signature back: the signature object.
pub async fn sign_message(
    client: &mut SessionClient<'_>,
    account: &Account,
    message: &str,
) -> Value {
    let path = format!("/wallets/{}/signatures", account.wallet_id);
    let body = json!({ "kind": "Message", "message": message });
    let action = user_action(client, account, "POST", &path, &body).await;
    let bearer = account.bearer();
    let signed = client
        .ok(
            "POST",
            &path,
            Some(&body),
            &[("authorization", &bearer), ("x-dfns-useraction", &action)],
        )
        .await;
    let read = format!("{path}/{}", signed["id"].as_str().unwrap());
    let again = client
        .ok("GET", &read, None, &[("authorization", &bearer)])
        .await;
    assert_eq!(again, signed);
    signed
}
