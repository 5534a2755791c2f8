//! One built-in issuer, many names: a token minted through one name of the mock (host
//! port, compose service name, remapped port, `public_url`, `X-Forwarded-Host`) is accepted
//! when it arrives through any other, a foreign `iss` is refused even under the built-in
//! key, and `issuer.strict_iss` brings back exact matching.

mod common;

use common::*;
use serde_json::{json, Value};

/// Mints through `POST /oidc/token` as a client that reached the mock by `headers`.
async fn mint_as(mock: &Mock, headers: &[(&str, &str)]) -> String {
    let (status, _, body) = mock
        .post(
            "/oidc/token",
            &json!({ "email": "names@example.com" }),
            headers,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body["id_token"].as_str().unwrap().to_string()
}

/// The names a compose stack and a proxy give the mock, as request headers.
const NAMES: &[(&str, &[(&str, &str)])] = &[
    ("service name", &[("host", "dfns-mock:8080")]),
    ("remapped host port", &[("host", "localhost:3001")]),
    (
        "proxy",
        &[
            ("x-forwarded-proto", "https"),
            ("x-forwarded-host", "mock.example.test"),
        ],
    ),
];

#[tokio::test]
async fn tokens_cross_between_every_name_of_the_issuer() {
    let mock = Mock::start(config()).await;
    let direct = mint_as(&mock, &[]).await;
    assert_eq!(jwt_part(&direct, 1)["iss"], mock.issuer());
    let mut users = Vec::new();
    for (what, headers) in NAMES {
        let token = mint_as(&mock, headers).await;
        let iss = jwt_part(&token, 1)["iss"].as_str().unwrap().to_string();
        assert_ne!(iss, mock.issuer(), "{what}: minted under its own name");
        // Minted under that name, presented at the host address…
        let (status, body) = mock.register(&token, &[]).await;
        assert_eq!(status, 200, "{what} ({iss}) → host: {body}");
        users.push(body["user"]["id"].clone());
        mock.post("/__mock/reset", &json!({}), &[]).await;
        // …and minted at the host address, presented under that name.
        let (status, body) = mock.register(&direct, headers).await;
        assert_eq!(status, 200, "host → {what}: {body}");
        users.push(body["user"]["id"].clone());
        mock.post("/__mock/reset", &json!({}), &[]).await;
    }
    // One issuer: the same person whatever name the token was minted under.
    assert!(users.windows(2).all(|w| w[0] == w[1]), "{users:?}");
    mock.stop().await;
}

#[tokio::test]
async fn a_token_minted_under_public_url_is_accepted_on_a_loopback_address() {
    let mut config = config();
    config.public_url = Some("https://idp.example.test".into());
    let issuer = dfns_mock::app::App::new(config.clone())
        .await
        .unwrap()
        .issuer;
    let token = issuer
        .mint(Default::default(), "https://idp.example.test/oidc")
        .unwrap();
    config.public_url = None;
    let mock = Mock::start(config).await;
    assert_eq!(mock.register(&token, &[]).await.0, 200);
    mock.stop().await;
}

#[tokio::test]
async fn a_foreign_iss_is_refused_even_when_the_builtin_key_signed_it() {
    let mock = Mock::start(config()).await;
    for iss in [
        "https://accounts.evil.example",
        "https://accounts.evil.example/",
        "https://accounts.evil.example/oidc/other",
        "https://user@accounts.evil.example/oidc",
        "https://accounts.evil.example/oidc?x=1",
        "ftp://accounts.evil.example/oidc",
        "dfns-mock",
    ] {
        let token = mint_as(&mock, &[]).await;
        let mut claims = jwt_part(&token, 1).as_object().unwrap().clone();
        claims.insert("iss".into(), json!(iss));
        let forged = rs256(&claims);
        let (status, body) = mock.register(&forged, &[]).await;
        assert_eq!(status, 401, "{iss}: {body}");
        assert_eq!(body["error"]["details"]["check"], "iss", "{iss}: {body}");
    }
    mock.stop().await;
}

#[tokio::test]
async fn strict_iss_accepts_only_the_name_the_request_used() {
    let mut config = config();
    config.issuer.strict_iss = true;
    let mock = Mock::start(config).await;
    let service = mint_as(&mock, NAMES[0].1).await;
    let (status, body) = mock.register(&service, &[]).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["error"]["details"]["check"], "iss");
    // Through the same name it is the issuer's own.
    let (status, body) = mock.register(&service, NAMES[0].1).await;
    assert_eq!(status, 200, "{body}");
    mock.stop().await;
}

/// Signs `claims` with the built-in fixture key, as the issuer does.
fn rs256(claims: &serde_json::Map<String, Value>) -> String {
    let key = dfns_mock::oidc::keys::SigningKey::from_pem(
        &fixture("issuer-rs256.pem"),
        jsonwebtoken::Algorithm::RS256,
    )
    .unwrap();
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    header.kid = Some(key.kid.clone());
    jsonwebtoken::encode(&header, claims, key.encoding()).unwrap()
}
