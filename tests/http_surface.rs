//! Everything around the endpoints over real HTTP: unknown paths, wrong methods, content
//! types, malformed JSON, the body limit, CORS, request ids, the issuer's documents and
//! token endpoint, and health.

mod common;

use common::*;
use serde_json::{json, Value};

async fn raw(
    mock: &Mock,
    method: reqwest::Method,
    path: &str,
    content_type: Option<&str>,
    body: &str,
) -> (u16, reqwest::header::HeaderMap, Value) {
    let mut request = mock
        .client
        .request(method, mock.url(path))
        .body(body.to_string());
    if let Some(ct) = content_type {
        request = request.header("content-type", ct);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    (
        status,
        headers,
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}")),
    )
}

fn assert_dfns_error(body: &Value, status: u16) {
    let error = &body["error"];
    assert_eq!(error["status"], status, "{body}");
    assert!(
        error["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    assert!(
        error["id"]
            .as_str()
            .is_some_and(|id| id.chars().all(|c| c.is_ascii_digit())),
        "{body}"
    );
    assert!(error["details"].is_object(), "{body}");
}

#[tokio::test]
async fn unknown_path_is_a_json_404() {
    let mock = Mock::start(config()).await;
    let (status, _, body) = raw(&mock, reqwest::Method::GET, "/auth/nothing", None, "").await;
    assert_eq!(status, 404);
    assert_dfns_error(&body, 404);
    assert_eq!(body["error"]["message"], "No route for GET /auth/nothing");
    mock.stop().await;
}

#[tokio::test]
async fn wrong_method_is_a_json_405_with_allow() {
    let mock = Mock::start(config()).await;
    for (method, path, allow) in [
        (reqwest::Method::GET, "/auth/registration/social", "POST"),
        (reqwest::Method::DELETE, "/oidc/jwks", "GET"),
        (reqwest::Method::GET, "/oidc/token", "POST"),
    ] {
        let (status, headers, body) = raw(&mock, method, path, None, "").await;
        assert_eq!(status, 405, "{path}");
        assert_dfns_error(&body, 405);
        assert_eq!(headers["allow"], allow);
    }
    mock.stop().await;
}

#[tokio::test]
async fn content_type_must_be_json() {
    let mock = Mock::start(config()).await;
    for ct in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
    ] {
        let (status, _, body) = raw(
            &mock,
            reqwest::Method::POST,
            "/auth/registration/social",
            ct,
            "{}",
        )
        .await;
        assert_eq!(status, 415, "{ct:?}");
        assert_dfns_error(&body, 415);
    }
    // Parameters and +json are fine (they reach validation: a 400 for the empty object).
    for ct in [
        "application/json; charset=utf-8",
        "application/vnd.api+json",
    ] {
        let (status, _, _) = raw(
            &mock,
            reqwest::Method::POST,
            "/auth/registration/social",
            Some(ct),
            "{}",
        )
        .await;
        assert_eq!(status, 400, "{ct}");
    }
    mock.stop().await;
}

#[tokio::test]
async fn malformed_json_gives_the_parser_line_and_column() {
    let mock = Mock::start(config()).await;
    let (status, _, body) = raw(
        &mock,
        reqwest::Method::POST,
        "/auth/registration/social",
        Some("application/json"),
        "{\n  \"idToken\": \"x\",\n  \"orgId\": ,\n}",
    )
    .await;
    assert_eq!(status, 400);
    assert_dfns_error(&body, 400);
    assert_eq!(body["error"]["details"]["line"], 3);
    assert_eq!(body["error"]["details"]["column"], 12);
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("line 3 column 12"));
    mock.stop().await;
}

#[tokio::test]
async fn bodies_over_64_kib_are_a_json_413_whether_announced_or_streamed() {
    let mock = Mock::start(config()).await;
    let big = format!("{{\"idToken\":\"{}\"}}", "a".repeat(70 * 1024));
    let (status, headers, body) = raw(
        &mock,
        reqwest::Method::POST,
        "/auth/registration/social",
        Some("application/json"),
        &big,
    )
    .await;
    assert_eq!(status, 413);
    assert_dfns_error(&body, 413);
    assert_eq!(
        body["error"]["id"],
        headers["x-request-id"].to_str().unwrap()
    );

    // Chunked (no content-length): the limit applies while reading.
    let (head, body) = chunked_post(&mock, "/auth/registration/social", 70).await;
    assert!(head.starts_with("HTTP/1.1 413"), "{head}");
    let body: Value = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"));
    assert_dfns_error(&body, 413);
    mock.stop().await;
}

/// Sends `kib` KiB as a chunked body over a raw socket; returns (status line + headers, body).
async fn chunked_post(mock: &Mock, path: &str, kib: usize) -> (String, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(mock.server.as_ref().unwrap().addr)
        .await
        .unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let chunk = format!("400\r\n{}\r\n", "a".repeat(1024));
    for _ in 0..kib {
        if stream.write_all(chunk.as_bytes()).await.is_err() {
            break; // the server may answer and close before reading everything
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    let answer = String::from_utf8_lossy(&answer).to_string();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    // The answer may itself be chunked: keep the JSON object only.
    let body = match (body.find('{'), body.rfind('}')) {
        (Some(start), Some(end)) => body[start..=end].to_string(),
        _ => body.to_string(),
    };
    (head.to_string(), body)
}

#[tokio::test]
async fn cors_preflight_allows_the_sdk_and_mock_headers() {
    let mock = Mock::start(config()).await;
    let response = mock
        .client
        .request(reqwest::Method::OPTIONS, mock.url("/auth/registration/social"))
        .header("origin", "http://localhost:3000")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "content-type,authorization,x-dfns-sdk-version,x-dfns-useraction,x-dfns-appid,x-dfns-nonce,x-dfns-mock-scenario,x-dfns-mock-session",
        )
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    let headers = response.headers();
    assert_eq!(headers["access-control-allow-origin"], "*");
    let allowed = headers["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    for h in [
        "content-type",
        "authorization",
        "x-dfns-sdk-version",
        "x-dfns-useraction",
        "x-dfns-appid",
        "x-dfns-nonce",
        "x-dfns-mock-scenario",
        "x-dfns-mock-session",
    ] {
        assert!(allowed.contains(h), "{h} not in {allowed}");
    }
    assert!(headers["access-control-allow-methods"]
        .to_str()
        .unwrap()
        .contains("POST"));

    // The actual request exposes X-Request-ID to the page.
    let response = mock
        .client
        .post(mock.url("/auth/registration/social"))
        .header("origin", "http://localhost:3000")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    let exposed = response.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(
        exposed.contains("x-request-id") && exposed.contains("retry-after"),
        "{exposed}"
    );
    assert!(response.headers().contains_key("x-request-id"));
    mock.stop().await;
}

#[tokio::test]
async fn configured_origins_restrict_cors() {
    let mut config = config();
    config.cors_origins = vec!["http://app.test:5173".into()];
    let mock = Mock::start(config).await;
    for (origin, allowed) in [("http://app.test:5173", true), ("http://evil.test", false)] {
        let response = mock
            .client
            .request(
                reqwest::Method::OPTIONS,
                mock.url("/auth/registration/social"),
            )
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .send()
            .await
            .unwrap();
        assert_eq!(
            response
                .headers()
                .get("access-control-allow-origin")
                .is_some(),
            allowed,
            "{origin}"
        );
    }
    mock.stop().await;
}

#[tokio::test]
async fn discovery_points_at_the_issuer_the_client_used() {
    let mock = Mock::start(config()).await;
    let doc: Value = mock
        .client
        .get(mock.url("/oidc/.well-known/openid-configuration"))
        .header("x-forwarded-proto", "https")
        .header("x-forwarded-host", "mock.example.test")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc["issuer"], "https://mock.example.test/oidc");
    assert_eq!(doc["jwks_uri"], "https://mock.example.test/oidc/jwks");
    assert_eq!(
        doc["token_endpoint"],
        "https://mock.example.test/oidc/token"
    );
    assert_eq!(
        doc["id_token_signing_alg_values_supported"],
        json!(["RS256"])
    );

    let direct: Value = mock
        .get_json("/oidc/.well-known/openid-configuration")
        .await;
    assert_eq!(direct["issuer"], mock.issuer());
    mock.stop().await;
}

#[tokio::test]
async fn public_url_overrides_the_request_host() {
    let mut config = frozen_config();
    config.public_url = Some("https://idp.example.test/".into());
    let mock = Mock::start(config).await;
    let doc: Value = mock
        .get_json("/oidc/.well-known/openid-configuration")
        .await;
    assert_eq!(doc["issuer"], "https://idp.example.test/oidc");
    let token = mock.mint(json!({})).await;
    assert_eq!(jwt_part(&token, 1)["iss"], "https://idp.example.test/oidc");
    assert_eq!(mock.register(&token, &[]).await.0, 200);
    mock.stop().await;
}

#[tokio::test]
async fn token_endpoint_fills_defaults_and_keeps_given_claims() {
    let mock = Mock::start(frozen_config()).await;
    let (status, _, body) = mock.post("/oidc/token", &json!({}), &[]).await;
    assert_eq!(status, 200);
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    let token = body["id_token"].as_str().unwrap();
    let header = jwt_part(token, 0);
    assert_eq!(header["alg"], "RS256");
    assert!(header["kid"].is_string());
    let claims = jwt_part(token, 1);
    assert_eq!(claims["iss"], mock.issuer());
    assert_eq!(claims["aud"], "dfns-mock-client");
    assert_eq!(claims["email"], "jane.doe@example.com");
    assert_eq!(claims["email_verified"], true);
    assert_eq!(claims["name"], "jane.doe");
    assert_eq!(claims["iat"], FROZEN_UNIX);
    assert_eq!(claims["exp"], FROZEN_UNIX + 3600);
    let sub = claims["sub"].as_str().unwrap();
    assert!(
        sub.len() == 21 && sub.chars().all(|c| c.is_ascii_digit()),
        "{sub}"
    );

    let token = mock
        .mint(json!({ "sub": "u-1", "nonce": "n-0S6_WzA2Mj", "aud": ["a", "b"], "groups": ["x"] }))
        .await;
    let claims = jwt_part(&token, 1);
    assert_eq!(claims["sub"], "u-1");
    assert_eq!(claims["email"], "u-1@example.com");
    assert_eq!(claims["nonce"], "n-0S6_WzA2Mj");
    assert_eq!(claims["aud"], json!(["a", "b"]));
    assert_eq!(claims["groups"], json!(["x"]));

    // Same claims, frozen clock: the same token, byte for byte.
    assert_eq!(
        token,
        mock.mint(
            json!({ "sub": "u-1", "nonce": "n-0S6_WzA2Mj", "aud": ["a", "b"], "groups": ["x"] })
        )
        .await
    );
    mock.stop().await;
}

#[tokio::test]
async fn token_endpoint_rejects_bad_claims_in_the_oauth_shape() {
    let mock = Mock::start(config()).await;
    for (body, fragment) in [
        (json!({ "exp": "tomorrow" }), "claim `exp` must be a number"),
        (json!({ "sub": 5 }), "claim `sub` must be a string"),
        (
            json!({ "aud": 5 }),
            "claim `aud` must be a string or an array",
        ),
        (json!([1]), "JSON object of claims"),
    ] {
        let (status, _, answer) = mock.post("/oidc/token", &body, &[]).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(answer["error"], "invalid_request");
        assert!(
            answer["error_description"]
                .as_str()
                .unwrap()
                .contains(fragment),
            "{answer}"
        );
    }
    let (status, _, answer) = raw(
        &mock,
        reqwest::Method::POST,
        "/oidc/token",
        Some("application/json"),
        "{",
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        answer["error_description"]
            .as_str()
            .unwrap()
            .contains("line 1 column 1"),
        "{answer}"
    );
    let (status, _, answer) = raw(
        &mock,
        reqwest::Method::POST,
        "/oidc/token",
        Some("application/x-www-form-urlencoded"),
        "grant_type=authorization_code&code=x",
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(answer["error"], "invalid_grant");
    mock.stop().await;
}

#[tokio::test]
async fn health_answers_json() {
    let mock = Mock::start(frozen_config()).await;
    let (status, _, body) = raw(&mock, reqwest::Method::GET, "/__mock/health", None, "").await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "ok");
    assert_eq!(body["now"], FROZEN);
    mock.stop().await;
}

#[tokio::test]
async fn in_flight_requests_finish_during_shutdown() {
    // A slow client: the request is sent before shutdown and answered after it starts.
    let mock = Mock::start(config()).await;
    let addr = mock.server.as_ref().unwrap().addr;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"POST /oidc/token HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{")
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let stopping = tokio::spawn(mock.stop());
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    stream.write_all(b"}").await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    stopping.await.unwrap();
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "still accepting after shutdown"
    );
}

#[tokio::test]
async fn garbage_never_panics_every_endpoint_answers_a_json_4xx() {
    let mock = Mock::start(config()).await;
    let garbage = [
        "",
        "null",
        "[]",
        "\"x\"",
        "{\"idToken\": 5}",
        "{\"socialLoginProviderKind\": \"Oidc\", \"idToken\": \"é.é.é\"}",
        "{\"firstFactorCredential\": {\"credentialKind\": \"Fido2\", \"credentialInfo\": {\"credId\": \"é\", \"clientData\": \"%%\", \"attestationData\": \"AAAA\"}}, \"wallets\": [{}]}",
        "{\"challengeIdentifier\": \"a.b.c\", \"firstFactor\": {\"kind\": \"Key\", \"credentialAssertion\": {\"credId\": \"x\", \"clientData\": \"x\", \"signature\": \"éé\"}}}",
        "{\"username\": [], \"orgId\": {}}",
        "{\"a\":",
    ];
    let paths = [
        "/auth/registration/social",
        "/auth/registration",
        "/auth/registration/enduser",
        "/auth/login/social",
        "/auth/login/init",
        "/auth/login",
        "/auth/action/init",
        "/auth/action",
        "/wallets/wa-1/signatures",
    ];
    for path in paths {
        for body in garbage {
            for auth in [None, Some("Bearer not.a.jwt"), Some("Bearer é")] {
                let mut request = mock
                    .client
                    .post(mock.url(path))
                    .header("content-type", "application/json")
                    .body(body);
                if let Some(auth) = auth {
                    request = request.header("authorization", auth);
                }
                let response = request.send().await.unwrap();
                let status = response.status().as_u16();
                let text = response.text().await.unwrap();
                assert!(
                    (400..500).contains(&status),
                    "{path} {body} {auth:?} → {status} {text}"
                );
                let json: Value = serde_json::from_str(&text)
                    .unwrap_or_else(|e| panic!("{path} {body}: not JSON ({e}): {text}"));
                assert_dfns_error(&json, status);
            }
        }
    }
    mock.stop().await;
}
