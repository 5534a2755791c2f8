//! Entry points for the coverage-guided fuzz targets in `fuzz/` and for the replay of their
//! corpora in `tests/fuzz_corpus.rs`: each takes arbitrary bytes, feeds them to one parser
//! or verifier of the product, and must return, whatever the bytes, without panicking. An
//! answer of the server in the 5xx range to a request of the fuzzer is a finding too, so the
//! HTTP entry points panic on it.
//!
//! Not part of the product's interface: hidden from the docs, kept for the fuzzers.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::sync::LazyLock;
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{Map, Value};

use crate::app::App;
use crate::bundled::Origin;
use crate::config::Config;
use crate::endpoint::Endpoint;
use crate::oidc::Issuer;
use crate::webauthn::{self, CredentialKey, Expectations};

/// The challenge every WebAuthn entry point expects.
const CHALLENGE: &str = "fuzz-challenge";
/// The origin and RP id every WebAuthn entry point expects.
const ORIGIN: &str = "http://localhost:3000";
const RP_ID: &str = "localhost";

fn expectations<'a>(client_data_type: &'a str, origins: &'a [String]) -> Expectations<'a> {
    Expectations {
        challenge: CHALLENGE,
        client_data_type,
        origins,
        rp_id: RP_ID,
        user_verification_required: false,
    }
}

fn origins() -> Vec<String> {
    vec![ORIGIN.to_string()]
}

/// A client data JSON that passes every check, for entry points fuzzing what comes after.
fn valid_client_data(client_data_type: &str) -> String {
    let json = format!(
        r#"{{"type":"{client_data_type}","challenge":"{}","origin":"{ORIGIN}"}}"#,
        URL_SAFE_NO_PAD.encode(CHALLENGE)
    );
    URL_SAFE_NO_PAD.encode(json)
}

/// WebAuthn client data: the bytes are the client data JSON.
pub fn client_data(data: &[u8]) {
    let origins = origins();
    let _ = webauthn::check_client_data(
        &URL_SAFE_NO_PAD.encode(data),
        &expectations("webauthn.create", &origins),
    );
}

/// WebAuthn authenticator data, raw.
pub fn authenticator_data(data: &[u8]) {
    let _ = webauthn::parse_authenticator_data(data);
}

/// A COSE public key, raw CBOR.
pub fn cose_key(data: &[u8]) {
    if let Ok(key) = CredentialKey::from_cose(data) {
        let _ = key.verify(b"message", data);
    }
}

/// A Fido2 attestation object (CBOR) behind a valid client data, so the CBOR, the
/// authenticator data and the attestation statement are what is fuzzed.
pub fn attestation(data: &[u8]) {
    let origins = origins();
    let _ = webauthn::verify_registration(
        "ZnV6eg",
        &valid_client_data("webauthn.create"),
        &URL_SAFE_NO_PAD.encode(data),
        &[
            webauthn::keys::ES256,
            webauthn::keys::RS256,
            webauthn::keys::EDDSA,
        ],
        &expectations("webauthn.create", &origins),
    );
}

/// A scenario file: the first byte picks the format (YAML, TOML, JSON), the rest is the text.
pub fn scenario_file(data: &[u8]) {
    let Some((format, text)) = data.split_first() else {
        return;
    };
    let name = match format % 3 {
        0 => "fuzz.yaml",
        1 => "fuzz.toml",
        _ => "fuzz.json",
    };
    let _ = crate::scenario::load::parse_scenario(Path::new(name), &String::from_utf8_lossy(text));
}

const BUNDLED_FIXTURES: Origin = Origin::Bundled {
    set: "fixtures",
    files: crate::bundled::FIXTURES,
};

/// The built-in issuer, with the bundled key, for the idToken entry points.
static ISSUER: LazyLock<Issuer> = LazyLock::new(|| {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    let config = Config::default();
    runtime
        .block_on(Issuer::new(&config, config.clock, &BUNDLED_FIXTURES))
        .expect("the bundled issuer loads")
});

/// An idToken as sent: the bytes are the compact JWT text.
pub fn id_token(data: &[u8]) {
    let _ = ISSUER.verify(&String::from_utf8_lossy(data), "http://localhost:8080");
}

/// idToken claims signed by the built-in key: the bytes are the claims JSON, so every claim
/// check (times, audiences, issuer names) sees a token whose signature is good.
pub fn id_token_claims(data: &[u8]) {
    let Ok(claims) = serde_json::from_slice::<Map<String, Value>>(data) else {
        return;
    };
    let Ok(token) = ISSUER.mint(claims, "http://localhost:8080/oidc") else {
        return;
    };
    let _ = ISSUER.verify(&token, "http://localhost:8080");
}

/// One server for the HTTP entry points, on a port of its own, for the whole process.
static SERVER: LazyLock<SocketAddr> = LazyLock::new(|| {
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a runtime");
        runtime.block_on(async move {
            let config = Config {
                port: 0,
                ..Config::default()
            };
            let app = App::new(config).await.expect("the app builds");
            let server = crate::server::start(app).await.expect("the server binds");
            sender.send(server.addr).expect("the fuzzer waits");
            std::future::pending::<()>().await;
        });
    });
    receiver.recv().expect("the server starts")
});

/// Sends one raw HTTP/1.1 request and returns the status code; panics on a 5xx.
fn exchange(method: &str, target: &str, content_type: &str, body: &[u8]) -> u16 {
    let mut stream = TcpStream::connect(*SERVER).expect("the server accepts");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("a timeout");
    let head = format!(
        "{method} {target} HTTP/1.1\r\nHost: localhost\r\nContent-Type: {content_type}\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).expect("the request goes");
    stream.write_all(body).expect("the body goes");
    let mut reply = Vec::new();
    stream
        .read_to_end(&mut reply)
        .expect("the server answers in time");
    let status_line = reply.split(|b| *b == b'\r').next().unwrap_or_default();
    let status = std::str::from_utf8(status_line)
        .ok()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {:?}", String::from_utf8_lossy(&reply)));
    assert!(
        status < 500,
        "{method} {target} answered {status}: {}",
        String::from_utf8_lossy(&reply)
    );
    status
}

/// A request body to a Dfns endpoint: the first byte picks the endpoint, the rest is the
/// body, sent as JSON.
pub fn dfns_request(data: &[u8]) {
    let Some((pick, body)) = data.split_first() else {
        return;
    };
    let endpoint = Endpoint::ALL[usize::from(*pick) % Endpoint::ALL.len()];
    let path = endpoint
        .path()
        .replace("{walletId}", "wa-fuzz")
        .replace("{signatureId}", "sig-fuzz");
    exchange(endpoint.method_name(), &path, "application/json", body);
}

/// The issuer's authorize endpoint: the bytes are the query string (GET) or, when the
/// first byte is odd, the form body (POST).
pub fn authorize(data: &[u8]) {
    let Some((pick, rest)) = data.split_first() else {
        return;
    };
    if pick % 2 == 0 {
        let query: String = String::from_utf8_lossy(rest)
            .chars()
            .filter(|c| c.is_ascii_graphic() && *c != '#')
            .collect();
        exchange(
            "GET",
            &format!("/oidc/authorize?{query}"),
            "text/plain",
            b"",
        );
    } else {
        exchange(
            "POST",
            "/oidc/authorize",
            "application/x-www-form-urlencoded",
            rest,
        );
    }
}

/// An entry point: takes the fuzzer's bytes, returns unless it found a defect.
pub type Target = fn(&[u8]);

/// Every entry point by the name of its fuzz target and corpus folder.
pub const TARGETS: &[(&str, Target)] = &[
    ("client_data", client_data),
    ("authenticator_data", authenticator_data),
    ("cose_key", cose_key),
    ("attestation", attestation),
    ("scenario_file", scenario_file),
    ("id_token", id_token),
    ("id_token_claims", id_token_claims),
    ("dfns_request", dfns_request),
    ("authorize", authorize),
];
