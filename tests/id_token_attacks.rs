//! idToken verification as a relying party: every forged, expired or misdirected token is
//! a 401 that names the failed check, checked against the mock's (frozen) clock.

mod common;

use common::*;
use dfns_mock::config::{Config, SigningAlg, TrustedIssuerConfig};
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::{json, Map, Value};

fn rs256(claims: &Map<String, Value>, kid: Option<&str>) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = kid.map(String::from);
    encode(
        &header,
        claims,
        &EncodingKey::from_rsa_pem(fixture("issuer-rs256.pem").as_bytes()).unwrap(),
    )
    .unwrap()
}

async fn builtin_kid(mock: &Mock) -> String {
    let jwks: Value = mock.get_json("/oidc/jwks").await;
    jwks["keys"][0]["kid"].as_str().unwrap().to_string()
}

/// Asserts a 401 whose details name `check` and whose message contains `fragment`.
async fn rejected(mock: &Mock, token: &str, check: &str, fragment: &str) {
    let (status, body) = mock.register(token, &[]).await;
    assert_eq!(status, 401, "{check}: {body}");
    assert_eq!(body["error"]["details"]["check"], check, "{body}");
    assert_eq!(body["error"]["details"]["field"], "idToken");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains(fragment),
        "{check}: `{message}` lacks `{fragment}`"
    );
}

#[tokio::test]
async fn the_mock_clock_decides_expiry() {
    // Frozen in June 2026: a token valid then is accepted whatever the real date is.
    let mock = Mock::start(frozen_config()).await;
    let kid = builtin_kid(&mock).await;
    let claims = valid_claims(&mock, FROZEN_UNIX);
    let (status, body) = mock.register(&rs256(&claims, Some(&kid)), &[]).await;
    assert_eq!(status, 200, "{body}");

    // Expired 10 s ago: inside the 30 s leeway.
    let mut within = claims.clone();
    within.insert("exp".into(), json!(FROZEN_UNIX - 10));
    assert_eq!(mock.register(&rs256(&within, Some(&kid)), &[]).await.0, 200);

    let mut expired = claims.clone();
    expired.insert("iat".into(), json!(FROZEN_UNIX - 7200));
    expired.insert("exp".into(), json!(FROZEN_UNIX - 3600));
    rejected(
        &mock,
        &rs256(&expired, Some(&kid)),
        "exp",
        "expired at 2026-06-08T11:00:00Z (now 2026-06-08T12:00:00Z, leeway 30s)",
    )
    .await;

    let mut not_yet = claims.clone();
    not_yet.insert("nbf".into(), json!(FROZEN_UNIX + 600));
    rejected(
        &mock,
        &rs256(&not_yet, Some(&kid)),
        "nbf",
        "not valid before 2026-06-08T12:10:00Z",
    )
    .await;

    let mut future = claims.clone();
    future.insert("iat".into(), json!(FROZEN_UNIX + 600));
    rejected(
        &mock,
        &rs256(&future, Some(&kid)),
        "iat",
        "issued in the future",
    )
    .await;

    let mut no_exp = claims.clone();
    no_exp.remove("exp");
    rejected(&mock, &rs256(&no_exp, Some(&kid)), "claims", "`exp`").await;
    mock.stop().await;
}

#[tokio::test]
async fn forged_tokens_are_rejected_with_the_failed_check() {
    let mock = Mock::start(config()).await;
    let kid = builtin_kid(&mock).await;
    let claims = valid_claims(&mock, now());
    let good = rs256(&claims, Some(&kid));
    assert_eq!(mock.register(&good, &[]).await.0, 200);

    // alg none, unsigned.
    let none = format!(
        "{}.{}.",
        b64_json(&json!({ "alg": "none", "typ": "JWT" })),
        b64_json(&json!(claims))
    );
    rejected(&mock, &none, "alg", "algorithm `none` is not allowed").await;

    // HS256 keyed with the issuer's public key (the classic algorithm confusion).
    let public_pem = {
        use rsa::pkcs8::{DecodePrivateKey, EncodePublicKey};
        rsa::RsaPrivateKey::from_pkcs8_pem(&fixture("issuer-rs256.pem"))
            .unwrap()
            .to_public_key()
            .to_public_key_pem(rsa::pkcs8::LineEnding::LF)
            .unwrap()
    };
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(kid.clone());
    let hs = encode(
        &header,
        &claims,
        &EncodingKey::from_secret(public_pem.as_bytes()),
    )
    .unwrap();
    rejected(&mock, &hs, "alg", "algorithm `HS256` is not allowed").await;

    // An allowed algorithm that is not the key's.
    let es_header = json!({ "alg": "ES256", "kid": kid });
    let es = format!("{}.{}.AAAA", b64_json(&es_header), b64_json(&json!(claims)));
    rejected(&mock, &es, "alg", "ES256").await;

    // Unknown kid.
    rejected(
        &mock,
        &rs256(&claims, Some("not-a-known-kid")),
        "kid",
        "unknown key id `not-a-known-kid`",
    )
    .await;

    // Tampered payload: same header and signature, another subject.
    let mut parts: Vec<String> = good.split('.').map(String::from).collect();
    let mut evil = claims.clone();
    evil.insert("sub".into(), json!("someone-else"));
    parts[1] = b64_json(&json!(evil));
    rejected(&mock, &parts.join("."), "signature", "signature is invalid").await;

    // Signed by another RSA key under the built-in kid.
    let other = rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).unwrap();
    let other_pem = {
        use rsa::pkcs8::EncodePrivateKey;
        other
            .to_pkcs8_pem(rsa::pkcs8::LineEnding::LF)
            .unwrap()
            .to_string()
    };
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.clone());
    let foreign = encode(
        &header,
        &claims,
        &EncodingKey::from_rsa_pem(other_pem.as_bytes()).unwrap(),
    )
    .unwrap();
    rejected(&mock, &foreign, "signature", "signature is invalid").await;

    // Wrong issuer and audience.
    let mut wrong_iss = claims.clone();
    wrong_iss.insert("iss".into(), json!("https://accounts.evil.test"));
    rejected(
        &mock,
        &rs256(&wrong_iss, Some(&kid)),
        "iss",
        "issuer `https://accounts.evil.test` is not trusted",
    )
    .await;
    let mut wrong_aud = claims.clone();
    wrong_aud.insert("aud".into(), json!(["someone-else", "another"]));
    rejected(
        &mock,
        &rs256(&wrong_aud, Some(&kid)),
        "aud",
        r#"["someone-else","another"] is not accepted (accepted: dfns-mock-client)"#,
    )
    .await;

    // Missing subject.
    let mut no_sub = claims.clone();
    no_sub.remove("sub");
    rejected(&mock, &rs256(&no_sub, Some(&kid)), "claims", "`sub`").await;

    // Garbage.
    rejected(&mock, "not-a-jwt", "format", "three dot-separated parts").await;
    rejected(&mock, "a.b.c", "format", "header is not").await;
    rejected(
        &mock,
        &format!("{}.e30.x", b64_json(&json!({ "typ": "JWT" }))),
        "format",
        "no `alg`",
    )
    .await;
    mock.stop().await;
}

#[tokio::test]
async fn loopback_aliases_of_the_builtin_issuer_are_the_same_issuer() {
    let mock = Mock::start(config()).await;
    let port = mock.server.as_ref().unwrap().addr.port();
    let mut claims = valid_claims(&mock, now());
    let mut users = Vec::new();
    for host in ["localhost", "127.0.0.1"] {
        claims.insert("iss".into(), json!(format!("http://{host}:{port}/oidc")));
        let (status, body) = mock.register(&rs256(&claims, None), &[]).await;
        assert_eq!(status, 200, "{host}: {body}");
        users.push(body["user"]["id"].clone());
    }
    assert_eq!(users[0], users[1]);
    mock.stop().await;
}

#[tokio::test]
async fn eddsa_issuer_signs_and_publishes_an_okp_key() {
    let mut config = config();
    config.issuer.algorithm = SigningAlg::EdDSA;
    let mock = Mock::start(config).await;
    let jwks: Value = mock.get_json("/oidc/jwks").await;
    let key = &jwks["keys"][0];
    assert_eq!(
        (
            key["kty"].as_str(),
            key["crv"].as_str(),
            key["alg"].as_str()
        ),
        (Some("OKP"), Some("Ed25519"), Some("EdDSA"))
    );
    let token = mock.mint(json!({})).await;
    assert_eq!(jwt_part(&token, 0)["alg"], "EdDSA");
    assert_eq!(mock.register(&token, &[]).await.0, 200);
    mock.stop().await;
}

#[tokio::test]
async fn extra_trusted_issuers_come_from_jwks_files() {
    // An "external" IdP: the Ed25519 fixture key, published as a JWKS file.
    let ed = dfns_mock::oidc::keys::SigningKey::from_pem(
        &fixture("issuer-ed25519.pem"),
        Algorithm::EdDSA,
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let jwks_path = dir.path().join("google.json");
    std::fs::write(&jwks_path, json!({ "keys": [ed.jwk] }).to_string()).unwrap();
    let config = Config {
        issuer: dfns_mock::config::IssuerConfig {
            trusted: vec![TrustedIssuerConfig {
                issuer: "https://accounts.google.test".into(),
                jwks: jwks_path.display().to_string(),
            }],
            audiences: vec!["dfns-mock-client".into(), "google-client".into()],
            ..Default::default()
        },
        ..config()
    };
    let mock = Mock::start(config).await;
    let mut claims = valid_claims(&mock, now());
    claims.insert("iss".into(), json!("https://accounts.google.test"));
    claims.insert("aud".into(), json!("google-client"));
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = Some(ed.kid.clone());
    let token = encode(&header, &claims, ed.encoding()).unwrap();
    let (status, body) = mock.register(&token, &[]).await;
    assert_eq!(status, 200, "{body}");

    // The external key does not vouch for the built-in issuer's name.
    claims.insert("iss".into(), json!(mock.issuer()));
    let token = encode(&header, &claims, ed.encoding()).unwrap();
    rejected(&mock, &token, "kid", "unknown key id").await;
    mock.stop().await;
}

#[tokio::test]
async fn a_missing_trusted_jwks_is_a_start_up_error() {
    let mut config = config();
    config.issuer.trusted = vec![TrustedIssuerConfig {
        issuer: "https://x.test".into(),
        jwks: "/nonexistent/jwks.json".into(),
    }];
    let err = dfns_mock::app::App::new(config).await.err().expect("fails");
    let message = err.to_string();
    assert!(
        message.contains("https://x.test") && message.contains("/nonexistent/jwks.json"),
        "{message}"
    );
}

#[tokio::test]
async fn jwks_carries_kid_alg_use_and_an_x5c_certificate_of_the_same_key() {
    let mock = Mock::start(config()).await;
    let jwks: Value = mock.get_json("/oidc/jwks").await;
    let key = &jwks["keys"][0];
    assert_eq!(key["alg"], "RS256");
    assert_eq!(key["use"], "sig");
    assert!(key["kid"].as_str().unwrap().len() >= 43);
    use base64::Engine;
    let der = base64::engine::general_purpose::STANDARD
        .decode(key["x5c"][0].as_str().unwrap())
        .unwrap();
    let (_, cert) = x509_parser::parse_x509_certificate(&der).expect("x5c is a DER certificate");
    let spki = cert.public_key().parsed().unwrap();
    let x509_parser::public_key::PublicKey::RSA(rsa) = spki else {
        panic!("not RSA")
    };
    let n = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(key["n"].as_str().unwrap())
        .unwrap();
    assert_eq!(
        rsa.modulus
            .iter()
            .skip_while(|b| **b == 0)
            .copied()
            .collect::<Vec<_>>(),
        n
    );
    assert!(cert.subject().to_string().contains("dfns-mock test issuer"));
    // Same key, same certificate: the JWKS is byte-identical on every start.
    let again = Mock::start(config()).await;
    let jwks2: Value = again.get_json("/oidc/jwks").await;
    assert_eq!(jwks, jwks2);
    mock.stop().await;
    again.stop().await;
}

#[tokio::test]
async fn the_signing_key_can_be_generated_or_loaded_from_a_pem_file() {
    // A fresh Ed25519 key at start-up: its tokens work, and differ from the fixture's kid.
    let mut generated = config();
    generated.issuer.key = "generate".into();
    generated.issuer.algorithm = SigningAlg::EdDSA;
    let mock = Mock::start(generated).await;
    let fixture_kid = dfns_mock::oidc::keys::SigningKey::from_pem(
        &fixture("issuer-ed25519.pem"),
        Algorithm::EdDSA,
    )
    .unwrap()
    .kid;
    let token = mock.mint(json!({})).await;
    assert_ne!(jwt_part(&token, 0)["kid"], fixture_kid);
    assert_eq!(mock.register(&token, &[]).await.0, 200);
    mock.stop().await;

    // A PEM path (here the RS256 fixture under another name).
    let dir = tempfile::tempdir().unwrap();
    let pem = dir.path().join("my-issuer.pem");
    std::fs::write(&pem, fixture("issuer-rs256.pem")).unwrap();
    let mut from_file = config();
    from_file.issuer.key = pem.display().to_string();
    let mock = Mock::start(from_file).await;
    let token = mock.mint(json!({})).await;
    assert_eq!(jwt_part(&token, 0)["kid"], builtin_kid(&mock).await);
    assert_eq!(mock.register(&token, &[]).await.0, 200);
    mock.stop().await;

    // Not a key of the configured algorithm.
    let mut wrong = config();
    wrong.issuer.key = pem.display().to_string();
    wrong.issuer.algorithm = SigningAlg::EdDSA;
    let err = dfns_mock::app::App::new(wrong)
        .await
        .err()
        .expect("refuses the key");
    assert!(
        err.to_string().contains("my-issuer.pem") && err.to_string().contains("EdDSA"),
        "{err}"
    );
}

#[tokio::test]
async fn a_trusted_issuer_jwks_can_be_fetched_from_a_url() {
    // Another mock plays the external IdP; its JWKS URL is trusted by the one under test.
    let mut idp_config = config();
    idp_config.issuer.algorithm = SigningAlg::EdDSA;
    let idp = Mock::start(idp_config).await;
    let config = Config {
        issuer: dfns_mock::config::IssuerConfig {
            trusted: vec![TrustedIssuerConfig {
                issuer: idp.issuer(),
                jwks: idp.url("/oidc/jwks"),
            }],
            ..Default::default()
        },
        ..config()
    };
    let mock = Mock::start(config).await;
    let token = idp.mint(json!({ "email": "external@example.com" })).await;
    let (status, body) = mock.register(&token, &[]).await;
    assert_eq!(status, 200, "{body}");
    // Its own built-in tokens still work, and the two issuers give different users.
    let own = mock.mint(json!({ "email": "external@example.com" })).await;
    let (_, own_body) = mock.register(&own, &[]).await;
    assert_ne!(own_body["user"]["id"], body["user"]["id"]);
    mock.stop().await;
    idp.stop().await;
}

/// Signs `header` and `claims` as given (with any header parameter) with the RS256 fixture.
fn rs256_with_header(header: &Value, claims: &Map<String, Value>) -> String {
    let input = format!("{}.{}", b64_json(header), b64_json(&json!(claims)));
    let key = EncodingKey::from_rsa_pem(fixture("issuer-rs256.pem").as_bytes()).unwrap();
    let signature = jsonwebtoken::crypto::sign(input.as_bytes(), &key, Algorithm::RS256).unwrap();
    format!("{input}.{signature}")
}

#[tokio::test]
async fn critical_header_extensions_are_refused() {
    let mock = Mock::start(config()).await;
    let kid = builtin_kid(&mock).await;
    let claims = valid_claims(&mock, now());
    let plain = json!({ "alg": "RS256", "typ": "JWT", "kid": kid });
    let (status, body) = mock
        .register(&rs256_with_header(&plain, &claims), &[])
        .await;
    assert_eq!(status, 200, "the signing itself is sound: {body}");
    for crit in [
        json!({ "crit": ["x-tenant"], "x-tenant": "acme" }),
        json!({ "crit": ["exp"], "exp": 1 }),
        json!({ "crit": ["b64"], "b64": false }),
        json!({ "crit": [] }),
        json!({ "crit": "nonsense" }),
    ] {
        let mut header = plain.clone();
        header
            .as_object_mut()
            .unwrap()
            .extend(crit.as_object().unwrap().clone());
        rejected(
            &mock,
            &rs256_with_header(&header, &claims),
            "crit",
            &format!(
                "header `crit` is {}: no critical header extension is understood",
                crit["crit"]
            ),
        )
        .await;
    }
    mock.stop().await;
}

#[tokio::test]
async fn every_audience_must_be_trusted_and_azp_names_a_trusted_client() {
    let mut config = config();
    config.issuer.audiences = vec!["dfns-mock-client".into(), "web-client".into()];
    let mock = Mock::start(config).await;
    let kid = builtin_kid(&mock).await;
    let with = |pairs: Value| {
        let mut claims = valid_claims(&mock, now());
        claims.extend(pairs.as_object().unwrap().clone());
        rs256(&claims, Some(&kid))
    };

    // An extra audience the relying party does not trust, even with a good azp.
    rejected(
        &mock,
        &with(json!({ "aud": ["dfns-mock-client", "evil-client"], "azp": "dfns-mock-client" })),
        "aud",
        r#"audience ["dfns-mock-client","evil-client"] includes ["evil-client"], which is not a trusted audience (accepted: dfns-mock-client, web-client)"#,
    )
    .await;
    // Several trusted audiences need an azp, and the azp must be a trusted client.
    rejected(
        &mock,
        &with(json!({ "aud": ["dfns-mock-client", "web-client"] })),
        "azp",
        r#"has several audiences ["dfns-mock-client","web-client"] and no `azp`"#,
    )
    .await;
    rejected(
        &mock,
        &with(json!({ "aud": "dfns-mock-client", "azp": "evil-client" })),
        "azp",
        "authorized party (`azp`) `evil-client` is not an accepted client",
    )
    .await;
    rejected(&mock, &with(json!({ "azp": 5 })), "claims", "`azp`").await;
    // Empty, or with a non-string member: not an audience claim.
    rejected(&mock, &with(json!({ "aud": [] })), "claims", "`aud`").await;
    rejected(
        &mock,
        &with(json!({ "aud": ["dfns-mock-client", 5] })),
        "claims",
        "`aud`",
    )
    .await;

    for good in [
        json!({ "aud": ["dfns-mock-client", "web-client"], "azp": "web-client" }),
        json!({ "aud": ["dfns-mock-client"] }),
        json!({ "aud": "web-client", "azp": "web-client" }),
    ] {
        let (status, body) = mock.register(&with(good.clone()), &[]).await;
        assert_eq!(status, 200, "{good}: {body}");
    }
    mock.stop().await;
}

#[tokio::test]
async fn time_claims_out_of_range_are_refused_without_overflow() {
    let mock = Mock::start(frozen_config()).await;
    let kid = builtin_kid(&mock).await;
    for (claim, value, check) in [
        ("exp", json!(i64::MAX), "exp"),
        ("exp", json!(i64::MAX - 10), "exp"),
        ("exp", json!(u64::MAX), "exp"),
        ("exp", json!(253_402_300_800_i64), "exp"),
        ("nbf", json!(i64::MIN), "nbf"),
        ("iat", json!(-1), "iat"),
    ] {
        let mut claims = valid_claims(&mock, FROZEN_UNIX);
        claims.insert(claim.into(), value.clone());
        rejected(
            &mock,
            &rs256(&claims, Some(&kid)),
            check,
            &format!("claim `{claim}` is {value}, outside the NumericDate range"),
        )
        .await;
    }
    // The last representable instant is a valid `exp`.
    let mut claims = valid_claims(&mock, FROZEN_UNIX);
    claims.insert("exp".into(), json!(253_402_300_799_i64));
    let (status, body) = mock.register(&rs256(&claims, Some(&kid)), &[]).await;
    assert_eq!(status, 200, "{body}");
    mock.stop().await;
}

#[tokio::test]
async fn the_token_endpoint_refuses_out_of_range_times_with_a_400() {
    let mock = Mock::start(frozen_config()).await;
    for (body, description) in [
        (
            json!({ "iat": i64::MAX - 10 }),
            format!(
                "claim `iat` is {}, outside the NumericDate range",
                i64::MAX - 10
            ),
        ),
        (
            json!({ "iat": 253_402_300_000_i64 }),
            "claim `exp` is 253402300000 + 3600, outside the NumericDate range".into(),
        ),
        (
            json!({ "exp": -5 }),
            "claim `exp` is -5, outside the NumericDate range".into(),
        ),
        (
            json!({ "nbf": u64::MAX }),
            format!("claim `nbf` is {}, outside the NumericDate range", u64::MAX),
        ),
    ] {
        let (status, _, answer) = mock.post("/oidc/token", &body, &[]).await;
        assert_eq!(status, 400, "{body}: {answer}");
        assert_eq!(answer["error"], "invalid_request");
        assert!(
            answer["error_description"]
                .as_str()
                .unwrap()
                .starts_with(&description),
            "{body}: {answer}"
        );
    }
    mock.stop().await;

    // A lifetime that overflows `iat + ttl` is refused rather than wrapped to a past `exp`.
    let mut config = frozen_config();
    config.issuer.token_ttl_secs = u64::MAX;
    let mock = Mock::start(config).await;
    let (status, _, answer) = mock.post("/oidc/token", &json!({}), &[]).await;
    assert_eq!(status, 400, "{answer}");
    assert_eq!(
        answer["error_description"],
        format!(
            "claim `exp` is {FROZEN_UNIX} + {}, outside the NumericDate range 0..=253402300799 \
             (1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z)",
            i64::MAX
        )
    );
    mock.stop().await;
}

/// Answers every connection on a free port with `body` as JSON; the URL it serves.
async fn serve_json_once_per_connection(body: String) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/jwks", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut request = [0u8; 4096];
            let _ = socket.read(&mut request).await;
            let response = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
                 connection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = socket.write_all(response.as_bytes()).await;
        }
    });
    url
}

#[tokio::test]
async fn rsa_keys_under_2048_bits_are_refused_at_load() {
    use rsa::pkcs8::{EncodePrivateKey, LineEnding};
    let weak_pem = |bits| {
        rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, bits)
            .unwrap()
            .to_pkcs8_pem(LineEnding::LF)
            .unwrap()
            .to_string()
    };
    let dir = tempfile::tempdir().unwrap();
    let start_error = |config: Config| async move {
        dfns_mock::app::App::new(config)
            .await
            .err()
            .expect("refused at start-up")
            .to_string()
    };

    // A trusted JWKS file holding a 512-bit key.
    let weak = rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 512).unwrap();
    let jwks = {
        use rsa::traits::PublicKeyParts;
        let b64 = |n: &rsa::BigUint| {
            use base64::Engine;
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(n.to_bytes_be())
        };
        json!({ "keys": [{
            "kty": "RSA", "alg": "RS256", "use": "sig", "kid": "weak-512",
            "n": b64(weak.n()), "e": b64(weak.e()),
        }] })
        .to_string()
    };
    let jwks_path = dir.path().join("weak.json");
    std::fs::write(&jwks_path, &jwks).unwrap();
    let mut from_file = config();
    from_file.issuer.trusted = vec![TrustedIssuerConfig {
        issuer: "https://weak.test".into(),
        jwks: jwks_path.display().to_string(),
    }];
    let message = start_error(from_file).await;
    assert_eq!(
        message,
        format!(
            "trusted issuer https://weak.test: cannot load JWKS {}: key `weak-512`: its RSA \
             modulus is 512 bits; at least 2048 are required (RFC 7518 §3.3)",
            jwks_path.display(),
        )
    );

    // The same JWKS fetched from a URL.
    let url = serve_json_once_per_connection(jwks).await;
    let mut from_url = config();
    from_url.issuer.trusted = vec![TrustedIssuerConfig {
        issuer: "https://weak.test".into(),
        jwks: url.clone(),
    }];
    let message = start_error(from_url).await;
    assert!(
        message.contains(&url) && message.contains("is 512 bits; at least 2048"),
        "{message}"
    );

    // A 1024-bit PEM as the built-in issuer's signing key.
    let pem_path = dir.path().join("weak-issuer.pem");
    std::fs::write(&pem_path, weak_pem(1024)).unwrap();
    let mut signing = config();
    signing.issuer.key = pem_path.display().to_string();
    assert_eq!(
        start_error(signing).await,
        format!(
            "signing key {} is refused: its RSA modulus is 1024 bits; at least 2048 are \
             required (RFC 7518 §3.3)",
            pem_path.display()
        )
    );
}
