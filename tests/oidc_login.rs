//! The fake identity provider's browser login over real HTTP: the authorization request and
//! its page, the sign-in form, `login_hint`, the code exchange with PKCE, and the implicit
//! `id_token` response; the resulting token works against the Dfns endpoints.

mod common;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use common::*;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

const REDIRECT: &str = "http://localhost:3000/callback";

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn query(params: &[(&str, &str)]) -> String {
    serde_urlencoded::to_string(params).unwrap()
}

/// The parameters of a Location URL's query (or fragment).
fn location_params(
    response: &reqwest::Response,
    separator: char,
) -> std::collections::HashMap<String, String> {
    assert_eq!(response.status(), 303, "{response:?}");
    let location = response.headers()["location"].to_str().unwrap().to_string();
    assert!(location.starts_with(REDIRECT), "{location}");
    let (_, params) = location.split_once(separator).expect("parameters");
    serde_urlencoded::from_str(params).unwrap()
}

async fn exchange(mock: &Mock, form: &[(&str, &str)]) -> (u16, Value) {
    let response = mock
        .client
        .post(mock.url("/oidc/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(query(form))
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

#[tokio::test]
async fn the_login_page_signs_in_and_the_code_exchange_yields_a_usable_id_token() {
    let mock = Mock::start(config()).await;
    let client = no_redirects();
    let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let params = [
        ("response_type", "code"),
        ("client_id", "dfns-mock-client"),
        ("redirect_uri", REDIRECT),
        ("scope", "openid email"),
        ("state", "s\"<1>"),
        ("nonce", "n-42"),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    let page = client
        .get(mock.url(&format!("/oidc/authorize?{}", query(&params))))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let html = page.text().await.unwrap();
    assert!(html.contains(r#"<form method="post" action="authorize">"#));
    assert!(
        html.contains(r#"name="state" value="s&quot;&lt;1&gt;""#),
        "state is escaped"
    );
    assert!(html.contains(r#"id="sign-in""#));

    // Submitting the form, as the browser would.
    let mut form: Vec<(&str, &str)> = params.to_vec();
    form.push(("email", "page-user@example.com"));
    form.push(("claims", r#"{"dfns_mock_scenario": "user-already-exists"}"#));
    let response = client
        .post(mock.url("/oidc/authorize"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(query(&form))
        .send()
        .await
        .unwrap();
    let back = location_params(&response, '?');
    assert_eq!(back["state"], "s\"<1>");
    let code = back["code"].clone();

    // The exchange checks the PKCE verifier and the redirect_uri.
    let (status, answer) = exchange(
        &mock,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", "wrong"),
        ],
    )
    .await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (400, Some("invalid_grant")),
        "{answer}"
    );
    let (status, answer) = exchange(
        &mock,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("client_id", "dfns-mock-client"),
            ("code_verifier", verifier),
        ],
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["token_type"], "Bearer");
    assert!(answer["access_token"].is_string());
    let id_token = answer["id_token"].as_str().unwrap();
    let claims = jwt_part(id_token, 1);
    assert_eq!(claims["email"], "page-user@example.com");
    assert_eq!(claims["nonce"], "n-42");
    assert_eq!(claims["aud"], "dfns-mock-client");
    assert_eq!(claims["iss"], mock.issuer());

    // The code is single-use.
    let (status, answer) = exchange(
        &mock,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", verifier),
        ],
    )
    .await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (400, Some("invalid_grant"))
    );

    // The token registers, and its claim picked the scenario: first 200, then "User already exists.".
    let h = [("x-dfns-mock-session", "page")];
    assert_eq!(
        mock.post(
            "/auth/registration/social",
            &Mock::social_body(id_token),
            &h
        )
        .await
        .0,
        200
    );
    let (status, _, body) = mock
        .post(
            "/auth/registration/social",
            &Mock::social_body(id_token),
            &h,
        )
        .await;
    assert_eq!(
        (status, body["error"]["message"].as_str()),
        (401, Some("User already exists."))
    );
    mock.stop().await;
}

#[tokio::test]
async fn login_hint_signs_in_without_a_page_and_id_token_comes_back_in_the_fragment() {
    let mock = Mock::start(config()).await;
    let client = no_redirects();
    let url = mock.url(&format!(
        "/oidc/authorize?{}",
        query(&[
            ("response_type", "id_token"),
            ("client_id", "dfns-mock-client"),
            ("redirect_uri", REDIRECT),
            ("nonce", "abc"),
            ("state", "xyz"),
            ("login_hint", "hinted@example.com"),
            ("claims", r#"{"dfns_mock_session": "s-42", "team": ["a"]}"#)
        ])
    ));
    let response = client.get(url).send().await.unwrap();
    let back = location_params(&response, '#');
    assert_eq!(back["state"], "xyz");
    let claims = jwt_part(&back["id_token"], 1);
    assert_eq!(
        (claims["email"].as_str(), claims["nonce"].as_str()),
        (Some("hinted@example.com"), Some("abc"))
    );
    // The query's extra claims (what the Playwright kit's signInUrl sends) are in the token.
    assert_eq!(
        (&claims["dfns_mock_session"], &claims["team"]),
        (&json!("s-42"), &json!(["a"]))
    );
    assert_eq!(mock.register(&back["id_token"], &[]).await.0, 200);

    // Codes without PKCE, redirect_uri with its own query.
    let redirect = format!("{REDIRECT}?app=1");
    let url = mock.url(&format!(
        "/oidc/authorize?{}",
        query(&[
            ("response_type", "code"),
            ("client_id", "other-app"),
            ("redirect_uri", &redirect),
            ("login_hint", "x@example.com")
        ])
    ));
    let response = client.get(url).send().await.unwrap();
    let location = response.headers()["location"].to_str().unwrap();
    assert!(
        location.starts_with(&format!("{redirect}&code=")),
        "{location}"
    );
    mock.stop().await;
}

#[tokio::test]
async fn bad_authorization_requests_are_oauth_errors() {
    let mock = Mock::start(config()).await;
    let client = no_redirects();
    // Without a usable client and redirect_uri, the browser gets a 400.
    for (params, fragment) in [
        (vec![], "client_id is required"),
        (
            vec![("client_id", "c"), ("response_type", "code")],
            "redirect_uri",
        ),
    ] {
        let response = client
            .get(mock.url(&format!("/oidc/authorize?{}", query(&params))))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{params:?}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], "invalid_request", "{body}");
        assert!(
            body["error_description"]
                .as_str()
                .unwrap()
                .contains(fragment),
            "{body}"
        );
    }
    // Otherwise the error goes back to the client, with its state (RFC 6749 4.1.2.1).
    for (params, error, fragment) in [
        (
            vec![
                ("client_id", "c"),
                ("redirect_uri", REDIRECT),
                ("response_type", "token"),
                ("state", "s1"),
            ],
            "unsupported_response_type",
            "`token`",
        ),
        (
            vec![
                ("client_id", "c"),
                ("redirect_uri", REDIRECT),
                ("response_type", "code"),
                ("code_challenge", "x"),
                ("code_challenge_method", "S512"),
                ("state", "s1"),
            ],
            "invalid_request",
            "S512",
        ),
    ] {
        let response = client
            .get(mock.url(&format!("/oidc/authorize?{}", query(&params))))
            .send()
            .await
            .unwrap();
        let back = location_params(&response, '?');
        assert_eq!(
            (back["error"].as_str(), back["state"].as_str()),
            (error, "s1"),
            "{back:?}"
        );
        assert!(back["error_description"].contains(fragment), "{back:?}");
    }
    // Bad extra claims on the form, and the Deny button.
    for (extra, error) in [
        (("claims", "[1]"), "invalid_request"),
        (("action", "deny"), "access_denied"),
    ] {
        let response = client
            .post(mock.url("/oidc/authorize"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(query(&[
                ("client_id", "c"),
                ("redirect_uri", REDIRECT),
                ("response_type", "code"),
                ("email", "a@b.c"),
                extra,
            ]))
            .send()
            .await
            .unwrap();
        assert_eq!(location_params(&response, '?')["error"], error);
    }
    // Unknown grant types.
    let (status, answer) = exchange(&mock, &[("grant_type", "password"), ("code", "x")]).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (400, Some("unsupported_grant_type"))
    );
    let (status, answer) = exchange(
        &mock,
        &[
            ("grant_type", "authorization_code"),
            ("code", "never-issued"),
            ("redirect_uri", REDIRECT),
        ],
    )
    .await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    let discovery: Value = mock
        .get_json("/oidc/.well-known/openid-configuration")
        .await;
    assert_eq!(
        discovery["code_challenge_methods_supported"],
        json!(["S256", "plain"])
    );
    mock.stop().await;
}

/// The authorization request that signs `email` in at once with a code.
fn sign_in_url(mock: &Mock, email: &str) -> String {
    mock.url(&format!(
        "/oidc/authorize?{}",
        query(&[
            ("response_type", "code"),
            ("client_id", "dfns-mock-client"),
            ("redirect_uri", REDIRECT),
            ("state", "st"),
            ("login_hint", email),
        ])
    ))
}

/// Where a `login_hint` sign-in of `email` sends the browser back: its query parameters.
async fn sign_in(mock: &Mock, email: &str) -> std::collections::HashMap<String, String> {
    let response = no_redirects()
        .get(sign_in_url(mock, email))
        .send()
        .await
        .unwrap();
    location_params(&response, '?')
}

/// The code a `login_hint` sign-in gets, after `others` unrelated sign-ins.
async fn code_after(others: usize) -> String {
    let mock = Mock::start(frozen_config()).await;
    for i in 0..others {
        sign_in(&mock, &format!("other{i}@example.com")).await;
    }
    let code = sign_in(&mock, "me@example.com").await["code"].clone();
    mock.stop().await;
    code
}

#[tokio::test]
async fn codes_are_reproducible_whatever_other_sign_ins_happen() {
    assert_eq!(code_after(0).await, code_after(3).await);
}

/// A code table of this size in the tests below.
const MAX_CODES: usize = 20;

/// The default config with a table of [`MAX_CODES`] codes that live `ttl_secs`.
fn code_config(ttl_secs: u64) -> dfns_mock::config::Config {
    let mut config = config();
    config.issuer.max_codes = MAX_CODES;
    config.issuer.code_ttl_secs = ttl_secs;
    config
}

/// Signs in [`MAX_CODES`] users and leaves the codes unexchanged; the first user's code.
async fn fill_the_code_table(mock: &Mock) -> String {
    let mut codes = Vec::new();
    for i in 0..MAX_CODES {
        codes.push(sign_in(mock, &format!("user{i}@example.com")).await["code"].clone());
    }
    codes.swap_remove(0)
}

/// Asserts that the next sign-in is refused because the code table is full.
async fn assert_the_table_is_full(mock: &Mock) {
    let back = sign_in(mock, "one-too-many@example.com").await;
    assert_eq!(back["error"], "temporarily_unavailable", "{back:?}");
    assert!(
        back["error_description"]
            .starts_with(&format!("{MAX_CODES} authorization codes are outstanding")),
        "{back:?}"
    );
}

async fn exchange_code(mock: &Mock, code: &str) -> (u16, Value) {
    exchange(
        mock,
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
        ],
    )
    .await
}

#[tokio::test]
async fn unexchanged_codes_expire_by_the_clock_and_are_purged() {
    // A code issued in second S expires when the clock reaches S + 7: the lifetime leaves
    // room to fill the table on a loaded machine before any code expires.
    let mock = Mock::start(code_config(6)).await;
    let started = std::time::Instant::now();
    let first = fill_the_code_table(&mock).await;
    assert_the_table_is_full(&mock).await;
    tokio::time::sleep(std::time::Duration::from_millis(7200).saturating_sub(started.elapsed()))
        .await;
    let (status, answer) = exchange_code(&mock, &first).await;
    assert_eq!(
        (status, answer["error_description"].as_str()),
        (400, Some("the code has expired"))
    );
    // The expired codes made room: a new sign-in gets a code that works.
    let code = sign_in(&mock, "after@example.com").await["code"].clone();
    let (status, answer) = exchange_code(&mock, &code).await;
    assert_eq!(status, 200, "{answer}");
    mock.stop().await;
}

#[tokio::test]
async fn reset_releases_every_outstanding_code() {
    let mock = Mock::start(code_config(60)).await;
    let first = fill_the_code_table(&mock).await;
    assert_the_table_is_full(&mock).await;

    let reset = mock
        .client
        .post(mock.url("/__mock/reset"))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(reset.status(), 200);
    let (status, answer) = exchange_code(&mock, &first).await;
    assert_eq!(
        (status, answer["error_description"].as_str()),
        (400, Some("the code is unknown or was already used"))
    );
    let code = sign_in(&mock, "after@example.com").await["code"].clone();
    assert_eq!(exchange_code(&mock, &code).await.0, 200);
    mock.stop().await;
}
