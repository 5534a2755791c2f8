//! The OpenAPI document (`openapi/openapi.json`, served at `GET /__mock/openapi.json`) kept
//! true: it describes exactly the routes the server has (the `Endpoint` list and the
//! issuer's and control plane's routes, `dfns_mock::served_routes`), each of them answers
//! over HTTP, and every answer of a complete journey fits its schemas.

mod common;

#[path = "common/authenticator.rs"]
mod authenticator;
#[path = "common/contract.rs"]
mod contract;
#[path = "common/journey.rs"]
mod journey;

use std::collections::BTreeSet;

use authenticator::KeyCredential;
use common::*;
use contract::Contract;
use journey::*;
use serde_json::{json, Value};

const CONTROL: (&str, &str) = ("x-dfns-mock-control", "1");

#[tokio::test]
async fn the_document_lists_exactly_the_served_routes_and_each_answers() {
    let contract = Contract::load();
    assert_eq!(contract.doc["openapi"], "3.1.0");
    let documented: BTreeSet<(String, String)> = contract.operations().into_iter().collect();
    let served: BTreeSet<(String, String)> = dfns_mock::served_routes()
        .map(|(method, path)| (method.to_string(), path.to_string()))
        .collect();
    let undocumented: Vec<_> = served.difference(&documented).collect();
    let unserved: Vec<_> = documented.difference(&served).collect();
    assert!(
        undocumented.is_empty(),
        "served, not documented: {undocumented:?}"
    );
    assert!(unserved.is_empty(), "documented, not served: {unserved:?}");

    let mock = Mock::start(config()).await;
    for (method, template) in &documented {
        let path: String = template
            .split('/')
            .map(|s| if s.starts_with('{') { "x" } else { s })
            .collect::<Vec<_>>()
            .join("/");
        let verb = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let response = mock
            .client
            .request(verb, mock.url(&path))
            .header(CONTROL.0, CONTROL.1)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        let fallback = status == 405 || (status == 404 && text.contains("No route for"));
        assert!(!fallback, "{method} {path} is not served: {status} {text}");
    }

    // The checker refuses what the document does not allow.
    let misfit = |status, body| {
        contract.check(
            "POST",
            "/auth/login",
            status,
            Some("application/json"),
            &body,
        )
    };
    assert!(misfit(200, json!({ "token": 1 })).is_err());
    assert!(misfit(200, json!({})).is_err());
    assert!(misfit(418, json!({ "token": "t" })).is_err());
    assert!(misfit(200, json!({ "token": "t" })).is_ok());
    assert!(misfit(
        401,
        json!({ "error": { "id": "1", "status": 401, "message": "m" } })
    )
    .is_err());

    // The served document is the file, and every response schema in it compiles.
    let response = mock
        .client
        .get(mock.url("/__mock/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["content-type"], "application/json");
    assert_eq!(response.json::<Value>().await.unwrap(), contract.doc);
    let mut ids = BTreeSet::new();
    for (method, template) in &documented {
        let operation = &contract.doc["paths"][template][method.to_lowercase()];
        let id = operation["operationId"].as_str().expect("an operationId");
        assert!(ids.insert(id.to_string()), "operationId {id} twice");
        for status in operation["responses"].as_object().unwrap().keys() {
            let status: u16 = status.parse().expect("explicit statuses");
            // An empty JSON object fits no documented body but must be checkable.
            let checked = contract.check(
                method,
                template,
                status,
                Some("application/json"),
                &json!({}),
            );
            if let Err(misfit) = checked {
                assert!(!misfit.contains("no such"), "{misfit}");
            }
        }
    }
    mock.stop().await;
}

/// Every operation of the document, through a journey (sign-up, sign-ins, a user action, a
/// wallet signature, credentials, codes, logout), the issuer and the control plane, each
/// answer checked against the document.
#[tokio::test]
async fn every_answer_of_a_complete_journey_fits_the_document() {
    let contract = Contract::load();
    let mut mock = Mock::start(config()).await;
    // The issuer's redirects are answers to check, not to follow.
    mock.client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut client = SessionClient::new(&mock, &contract, "openapi-journey");

    let mut account = sign_up(&mut client, "journey@example.com", 7).await;
    sign_in_socially(&mut client, &mut account).await;
    sign_in_with_key(&mut client, &mut account).await;
    sign_message(&mut client, &account, "0x68656c6c6f").await;
    let bearer = format!("Bearer {}", account.token);
    let auth = [("authorization", bearer.as_str())];
    client.ok("GET", "/wallets", None, &auth).await;
    client
        .ok(
            "GET",
            &format!("/wallets/{}", account.wallet_id),
            None,
            &auth,
        )
        .await;

    // A second credential: its challenge, its creation (user action), its deactivation.
    let init = client
        .ok(
            "POST",
            "/auth/credentials/init",
            Some(&json!({ "kind": "Key" })),
            &auth,
        )
        .await;
    let mut created = KeyCredential::new(8).create(init["challenge"].as_str().unwrap());
    created["credentialName"] = json!("second key");
    created["challengeIdentifier"] = init["challengeIdentifier"].clone();
    let action = user_action(&mut client, &account, "POST", "/auth/credentials", &created).await;
    let credential = client
        .ok(
            "POST",
            "/auth/credentials",
            Some(&created),
            &[auth[0], ("x-dfns-useraction", &action)],
        )
        .await;
    let uuid = json!({ "credentialUuid": credential["credentialUuid"] });
    for switch in ["/auth/credentials/deactivate", "/auth/credentials/activate"] {
        let action = user_action(&mut client, &account, "PUT", switch, &uuid).await;
        client
            .ok(
                "PUT",
                switch,
                Some(&uuid),
                &[auth[0], ("x-dfns-useraction", &action)],
            )
            .await;
    }
    client
        .ok(
            "POST",
            "/auth/credentials/init",
            Some(&json!({ "kind": "Fido2" })),
            &auth,
        )
        .await;
    client.ok("GET", "/auth/credentials", None, &auth).await;

    // Codes, recovery's refusals, and errors in the error shape.
    let who = json!({ "username": account.email, "orgId": ORG });
    client.ok("POST", "/auth/login/code", Some(&who), &[]).await;
    client
        .ok("POST", "/auth/recover/user/code", Some(&who), &[])
        .await;
    let recovery = json!({ "username": account.email, "verificationCode": "nope", "orgId": ORG, "credentialId": "x" });
    let as_json = |body: Value| Some(("application/json", body.to_string()));
    let forged = [("authorization", "Bearer x.y.z")];
    #[rustfmt::skip]
    let refusals = [
        ("POST /auth/recover/user/init", as_json(recovery), &[][..], 403),
        ("POST /auth/recover/user", as_json(json!({})), &forged[..], 401),
        ("POST /auth/registration", as_json(json!({})), &forged[..], 401),
        ("GET /wallets/wa-nope", None, &auth[..], 404),
        ("POST /auth/login/init", Some(("text/plain", "hi".into())), &[][..], 415),
        ("POST /auth/registration/social", as_json(json!({ "idToken": 1 })), &[][..], 400),
    ];
    for (request, body, headers, expected) in refusals {
        let (method, path) = request.split_once(' ').unwrap();
        let (status, answer) = client.send_raw(method, path, body, headers).await;
        assert_eq!(status, expected, "{request}: {answer}");
    }
    client.ok("PUT", "/auth/logout", None, &auth).await;
    let (status, _) = client.send("GET", "/wallets", None, &auth).await;
    assert_eq!(status, 401);

    // The issuer.
    client
        .ok("GET", "/oidc/.well-known/openid-configuration", None, &[])
        .await;
    client.ok("GET", "/oidc/jwks", None, &[]).await;
    let (status, page) = client
        .send("GET", "/oidc/authorize?response_type=code&client_id=dfns-mock-client&redirect_uri=http://localhost:3000/cb", None, &[])
        .await;
    assert_eq!(status, 200, "{page}");
    let form = "response_type=code&client_id=dfns-mock-client&redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Fcb&email=a%40b.c&code_challenge=abc&code_challenge_method=plain";
    let (status, _) = client
        .send_raw(
            "POST",
            "/oidc/authorize",
            Some(("application/x-www-form-urlencoded", form.into())),
            &[],
        )
        .await;
    assert_eq!(status, 303);
    let (status, _) = client
        .send_raw(
            "POST",
            "/oidc/token",
            Some((
                "application/x-www-form-urlencoded",
                "grant_type=authorization_code&code=nope&redirect_uri=x".into(),
            )),
            &[],
        )
        .await;
    assert_eq!(status, 400);

    // The control plane.
    let key = "/__mock/sessions/openapi-journey";
    for path in [
        "/__mock/health",
        "/__mock/openapi.json",
        "/__mock/scenarios",
        "/__mock/sessions",
        key,
    ] {
        client.ok("GET", path, None, &[]).await;
    }
    client
        .ok(
            "GET",
            "/__mock/journal?session=openapi-journey&limit=50",
            None,
            &[],
        )
        .await;
    let (status, _) = client
        .send("GET", "/__mock/journal?limit=-1", None, &[])
        .await;
    assert_eq!(status, 400);
    client
        .ok(
            "PUT",
            &format!("{key}/scenario"),
            Some(&json!({ "name": "rate-limited" })),
            &[],
        )
        .await;
    let state = json!({ "scenario": "user-already-exists", "state": "registered" });
    client
        .ok("PUT", &format!("{key}/states"), Some(&state), &[])
        .await;
    client
        .ok("POST", "/__mock/scenarios/reload", None, &[CONTROL])
        .await;
    client
        .ok("DELETE", "/__mock/journal?session=nobody", None, &[CONTROL])
        .await;
    client
        .ok("POST", &format!("{key}/reset"), None, &[CONTROL])
        .await;
    client.ok("POST", "/__mock/reset", None, &[CONTROL]).await;

    let reached: BTreeSet<(String, String)> = client
        .exchanges
        .iter()
        .map(|e| (e.method.clone(), contract.template(&e.path).unwrap()))
        .collect();
    let documented: BTreeSet<(String, String)> = contract.operations().into_iter().collect();
    let missed: Vec<_> = documented.difference(&reached).collect();
    assert!(
        missed.is_empty(),
        "operations the journey did not reach: {missed:?}"
    );
    mock.stop().await;
}
