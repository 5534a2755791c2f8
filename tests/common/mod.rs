//! Test harness: a real server on a free port, a real HTTP client, and the fixture keys
//! for forging tokens an attacker could send.
#![allow(dead_code)]

use std::path::PathBuf;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use dfns_mock::app::App;
use dfns_mock::config::Config;
use dfns_mock::{start, RunningServer};
use serde_json::{json, Map, Value};

/// A frozen instant used by tests that need byte-identical answers.
pub const FROZEN: &str = "2026-06-08T12:00:00Z";
pub const FROZEN_UNIX: i64 = 1_780_920_000;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The default configuration with port 0 and the repository's fixtures.
pub fn config() -> Config {
    Config {
        port: 0,
        fixtures: repo().join("fixtures"),
        scenarios: repo().join("scenarios"),
        ..Config::default()
    }
}

/// A config whose clock is frozen at [`FROZEN`].
pub fn frozen_config() -> Config {
    Config {
        clock: FROZEN.parse().expect("an RFC 3339 instant"),
        ..config()
    }
}

pub struct Mock {
    pub server: Option<RunningServer>,
    pub base: String,
    pub client: reqwest::Client,
}

impl Mock {
    pub async fn start(config: Config) -> Mock {
        let app = App::new(config).await.expect("app builds");
        let server = start(app).await.expect("server binds");
        let base = format!("http://{}", server.addr);
        Mock {
            server: Some(server),
            base,
            client: reqwest::Client::new(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// The issuer URL this server's tokens carry for requests to `base`.
    pub fn issuer(&self) -> String {
        format!("{}/oidc", self.base)
    }

    /// POSTs JSON and returns (status, headers, body).
    pub async fn post(
        &self,
        path: &str,
        body: &Value,
        headers: &[(&str, &str)],
    ) -> (u16, reqwest::header::HeaderMap, Value) {
        let mut request = self.client.post(self.url(path)).json(body);
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        let response = request.send().await.expect("request sent");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.expect("body read");
        let body = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {text}"));
        (status, headers, body)
    }

    /// Mints an id token through `POST /oidc/token`.
    pub async fn mint(&self, claims: Value) -> String {
        let (status, _, body) = self.post("/oidc/token", &claims, &[]).await;
        assert_eq!(status, 200, "{body}");
        body["id_token"].as_str().expect("id_token").to_string()
    }

    /// Calls the seed endpoint with an idToken.
    pub async fn register(&self, id_token: &str, headers: &[(&str, &str)]) -> (u16, Value) {
        let (status, _, body) = self
            .post(
                "/auth/registration/social",
                &json!({ "socialLoginProviderKind": "Oidc", "idToken": id_token }),
                headers,
            )
            .await;
        (status, body)
    }

    pub async fn stop(mut self) {
        if let Some(server) = self.server.take() {
            server.shutdown().await;
        }
    }
}

/// Decodes a JWT part without checking anything.
pub fn jwt_part(token: &str, index: usize) -> Value {
    let part = token.split('.').nth(index).expect("JWT part");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).expect("base64url")).expect("JSON")
}

/// Encodes a JSON value as a base64url JWT part.
pub fn b64_json(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).unwrap())
}

/// Claims of a token the built-in issuer would accept for `mock`, valid now.
pub fn valid_claims(mock: &Mock, now: i64) -> Map<String, Value> {
    json!({
        "iss": mock.issuer(),
        "aud": "dfns-mock-client",
        "sub": "1234567890",
        "email": "attacker@example.com",
        "iat": now,
        "exp": now + 3600,
    })
    .as_object()
    .unwrap()
    .clone()
}

pub fn fixture(name: &str) -> String {
    std::fs::read_to_string(repo().join("fixtures").join(name)).expect("fixture readable")
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A scenario folder holding `files` (name, contents).
pub fn scenario_dir(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, contents) in files {
        std::fs::write(dir.path().join(name), contents).expect("scenario written");
    }
    dir
}

/// The default config reading scenarios from `dir`.
pub fn config_with_scenarios(dir: &std::path::Path) -> Config {
    Config {
        scenarios: dir.to_path_buf(),
        ..config()
    }
}

impl Mock {
    /// GETs a control-plane path and returns its JSON.
    pub async fn get_json(&self, path: &str) -> Value {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request sent")
            .json()
            .await
            .expect("JSON")
    }

    /// Starts a social registration for `email` in `session`: (challenge body, temporary
    /// token).
    pub async fn registration_challenge(&self, email: &str, session: &str) -> (Value, String) {
        let token = self.mint(json!({ "email": email })).await;
        let (status, _, body) = self
            .post(
                "/auth/registration/social",
                &Mock::social_body(&token),
                &[("x-dfns-mock-session", session)],
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let temp = body["temporaryAuthenticationToken"]
            .as_str()
            .unwrap()
            .to_string();
        (body, temp)
    }

    /// The registration body for `id_token`.
    pub fn social_body(id_token: &str) -> Value {
        json!({ "socialLoginProviderKind": "Oidc", "idToken": id_token })
    }
}

/// Sends `request` and parses the JSON answer, whatever the status.
pub async fn send_json(request: reqwest::RequestBuilder) -> Value {
    let response = request.send().await.expect("request sent");
    response.json().await.expect("JSON body")
}
