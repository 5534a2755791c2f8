//! The whole journey over real HTTP with a software authenticator: social sign-up with a
//! passkey, social login, passkey login, and every failure the verification must catch.

mod common;

#[path = "common/authenticator.rs"]
mod authenticator;

use authenticator::{Attestation, Authenticator, KeyCredential};
use common::*;
use dfns_mock::config::CredentialKind;
use serde_json::{json, Value};

/// Starts a registration for `email`; returns (challenge body, temporary token).
async fn challenge(mock: &Mock, email: &str, session: &str) -> (Value, String) {
    mock.registration_challenge(email, session).await
}

async fn complete(mock: &Mock, temp: &str, body: &Value) -> (u16, Value) {
    let auth = format!("Bearer {temp}");
    let (status, _, answer) = mock
        .post(
            "/auth/registration/enduser",
            body,
            &[("authorization", &auth)],
        )
        .await;
    (status, answer)
}

fn enduser(first: Value) -> Value {
    json!({ "firstFactorCredential": first, "wallets": [{ "network": "EthereumSepolia", "name": "Main" }, { "network": "Solana" }] })
}

async fn login_init(mock: &Mock, session: &str, username: Option<&str>) -> Value {
    let mut body = json!({ "orgId": "or-30tnh-itmjs-s235s5ontr3r23h2" });
    if let Some(name) = username {
        body["username"] = json!(name);
    }
    let (status, _, answer) = mock
        .post(
            "/auth/login/init",
            &body,
            &[("x-dfns-mock-session", session)],
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    answer
}

async fn login(mock: &Mock, init: &Value, first: Value, second: Option<Value>) -> (u16, Value) {
    let mut body =
        json!({ "challengeIdentifier": init["challengeIdentifier"], "firstFactor": first });
    if let Some(second) = second {
        body["secondFactor"] = second;
    }
    let (status, _, answer) = mock.post("/auth/login", &body, &[]).await;
    (status, answer)
}

fn assert_check(status: u16, answer: &Value, expected_status: u16, check: &str) {
    assert_eq!(status, expected_status, "{answer}");
    assert_eq!(answer["error"]["details"]["check"], check, "{answer}");
}

#[tokio::test]
async fn sign_up_with_a_passkey_then_sign_in_socially_and_with_the_passkey() {
    let mock = Mock::start(frozen_config()).await;
    let (challenge, temp) = challenge(&mock, "alice@example.com", "flow").await;
    let user_id = challenge["user"]["id"].as_str().unwrap().to_string();
    let mut authenticator = Authenticator::new(1);
    let (status, answer) = complete(
        &mock,
        &temp,
        &enduser(authenticator.create(challenge["challenge"].as_str().unwrap(), Attestation::None)),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    let credential = &answer["credential"];
    assert!(credential["uuid"].as_str().unwrap().starts_with("cr-"));
    assert_eq!(
        (credential["kind"].as_str(), credential["name"].as_str()),
        (Some("Fido2"), Some("Test passkey"))
    );
    assert_eq!(
        answer["user"],
        json!({ "id": user_id, "username": "alice@example.com", "orgId": "or-30tnh-itmjs-s235s5ontr3r23h2" })
    );
    let token = answer["authentication"]["token"].as_str().unwrap();
    let claims = jwt_part(token, 1);
    assert_eq!(
        claims["https://custom/app_metadata"],
        json!({ "orgId": "or-30tnh-itmjs-s235s5ontr3r23h2", "userId": user_id, "tokenKind": "Token" })
    );
    let wallets = answer["wallets"].as_array().unwrap();
    assert_eq!(wallets.len(), 2);
    let evm = &wallets[0];
    assert!(
        regex::Regex::new(r"^wa-[a-z0-9]{5}-[a-z0-9]{5}-[a-z0-9]{16}$")
            .unwrap()
            .is_match(evm["id"].as_str().unwrap())
    );
    // EIP-55: mixed case (its derivation from the key is checked in tests/node).
    assert!(regex::Regex::new(r"^0x[0-9a-fA-F]{40}$")
        .unwrap()
        .is_match(evm["address"].as_str().unwrap()));
    assert_eq!(evm["network"], "EthereumSepolia");
    assert_eq!(evm["name"], "Main");
    assert_eq!(evm["status"], "Active");
    assert_eq!(evm["custodial"], false);
    assert_eq!(evm["dateCreated"], FROZEN);
    assert_eq!(
        (
            evm["signingKey"]["scheme"].as_str(),
            evm["signingKey"]["curve"].as_str()
        ),
        (Some("ECDSA"), Some("secp256k1"))
    );
    assert!(evm["signingKey"]["id"]
        .as_str()
        .unwrap()
        .starts_with("key-"));
    assert_eq!(wallets[1]["signingKey"]["curve"], "ed25519");

    // Registering again: the user exists.
    let token = mock.mint(json!({ "email": "alice@example.com" })).await;
    let (status, _, body) = mock
        .post(
            "/auth/registration/social",
            &Mock::social_body(&token),
            &[("x-dfns-mock-session", "flow")],
        )
        .await;
    assert_eq!(
        (status, body["error"]["message"].as_str()),
        (401, Some("User already exists."))
    );

    // Social login.
    let (status, _, body) = mock
        .post(
            "/auth/login/social",
            &Mock::social_body(&token),
            &[("x-dfns-mock-session", "flow")],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        jwt_part(body["token"].as_str().unwrap(), 1)["https://custom/app_metadata"]["userId"],
        user_id
    );

    // Passkey login.
    let init = login_init(&mock, "flow", Some("alice@example.com")).await;
    assert_eq!(
        init["allowCredentials"]["webauthn"],
        json!([{ "type": "public-key", "id": authenticator.cred_id() }])
    );
    assert_eq!(
        init["supportedCredentialKinds"],
        json!([{ "kind": "Fido2", "factor": "first", "requiresSecondFactor": false }])
    );
    assert_eq!(init["userVerification"], "required");
    let (status, body) = login(
        &mock,
        &init,
        authenticator.get(init["challenge"].as_str().unwrap(), Some(&user_id)),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        jwt_part(body["token"].as_str().unwrap(), 1)["https://custom/username"],
        "alice@example.com"
    );

    // The identifier is single-use.
    let (status, body) = login(
        &mock,
        &init,
        authenticator.get(init["challenge"].as_str().unwrap(), None),
        None,
    )
    .await;
    assert_check(status, &body, 401, "spent");
    mock.stop().await;
}

#[tokio::test]
async fn packed_attestation_self_and_x5c_are_accepted() {
    let mock = Mock::start(config()).await;
    for (i, attestation) in [Attestation::PackedSelf, Attestation::PackedX5c]
        .into_iter()
        .enumerate()
    {
        let (challenge, temp) = challenge(&mock, &format!("packed{i}@example.com"), "packed").await;
        let mut authenticator = Authenticator::new(10 + i as u8);
        let (status, answer) = complete(
            &mock,
            &temp,
            &enduser(authenticator.create(challenge["challenge"].as_str().unwrap(), attestation)),
        )
        .await;
        assert_eq!(status, 200, "{answer}");
    }
    mock.stop().await;
}

#[tokio::test]
async fn registration_checks_each_fail_with_their_name() {
    let mock = Mock::start(config()).await;
    type Make = Box<dyn Fn(&mut Authenticator, &str) -> Value>;
    let cases: Vec<(&str, u16, Make)> = vec![
        (
            "challenge",
            401,
            Box::new(|a: &mut Authenticator, _c: &str| {
                a.create("not-the-challenge", Attestation::None)
            }),
        ),
        (
            "origin",
            401,
            Box::new(|a: &mut Authenticator, c: &str| {
                a.origin = "https://evil.test".into();
                a.create(c, Attestation::None)
            }),
        ),
        (
            "rpIdHash",
            401,
            Box::new(|a: &mut Authenticator, c: &str| {
                a.rp_id = "evil.test".into();
                a.create(c, Attestation::None)
            }),
        ),
        (
            "flags",
            401,
            Box::new(|a: &mut Authenticator, c: &str| {
                a.flags = 0x01; // present but not verified, while userVerification is required
                a.create(c, Attestation::None)
            }),
        ),
        (
            "attestation",
            401,
            Box::new(|a: &mut Authenticator, c: &str| {
                let mut credential = a.create(c, Attestation::PackedSelf);
                // Re-sign nothing: swap the client data so the packed signature no longer matches.
                let other = a.client_data("webauthn.create", c);
                let mut tampered = other.clone();
                tampered.pop();
                tampered.extend_from_slice(b" }");
                credential["credentialInfo"]["clientData"] = json!(authenticator::b64(&tampered));
                credential
            }),
        ),
        (
            "credId",
            400,
            Box::new(|a: &mut Authenticator, c: &str| {
                let mut credential = a.create(c, Attestation::None);
                credential["credentialInfo"]["credId"] = json!("AAAA");
                credential
            }),
        ),
    ];
    for (i, (check, status, make)) in cases.iter().enumerate() {
        let (challenge, temp) = challenge(&mock, &format!("fail{i}@example.com"), "checks").await;
        let mut authenticator = Authenticator::new(20 + i as u8);
        let credential = make(&mut authenticator, challenge["challenge"].as_str().unwrap());
        let (got, answer) = complete(&mock, &temp, &enduser(credential)).await;
        assert_check(got, &answer, *status, check);
        assert!(
            answer["error"]["details"]["field"]
                .as_str()
                .unwrap()
                .starts_with("firstFactorCredential"),
            "{answer}"
        );
    }
    mock.stop().await;
}

#[tokio::test]
async fn the_temporary_token_is_required_verified_and_single_use() {
    let mock = Mock::start(frozen_config()).await;
    let (challenge, temp) = challenge(&mock, "once@example.com", "tt").await;
    let mut authenticator = Authenticator::new(30);
    let body =
        enduser(authenticator.create(challenge["challenge"].as_str().unwrap(), Attestation::None));

    let (status, _, answer) = mock.post("/auth/registration/enduser", &body, &[]).await;
    assert_eq!(
        (status, answer["error"]["message"].as_str()),
        (401, Some("Not Authorized."))
    );

    let mut parts: Vec<&str> = temp.split('.').collect();
    let forged_payload = b64_json(&json!({ "sub": "x" }));
    parts[1] = &forged_payload;
    let (status, answer) = complete(&mock, &parts.join("."), &body).await;
    assert_check(status, &answer, 401, "signature");

    // Expired: a token the mock's own key signed an hour before its frozen now.
    let app = dfns_mock::app::App::new(frozen_config()).await.unwrap();
    let expired = app.dfns.signer().sign(
        dfns_mock::TokenKind::Temp,
        &dfns_mock::TokenSubject {
            org_id: "or-30tnh-itmjs-s235s5ontr3r23h2",
            user_id: "us-x",
            username: "x",
        },
        FROZEN_UNIX - 3600,
        600,
        "to-old",
        dfns_mock::MockClaim {
            challenge: challenge["challenge"].as_str().map(String::from),
            purpose: dfns_mock::Purpose::Registration,
            session: "tt".into(),
            action: None,
        },
    );
    let (status, answer) = complete(&mock, &expired, &body).await;
    assert_check(status, &answer, 401, "exp");

    // A login identifier is not a temporary token.
    let init = login_init(&mock, "tt", None).await;
    let (status, answer) =
        complete(&mock, init["challengeIdentifier"].as_str().unwrap(), &body).await;
    assert_check(status, &answer, 401, "purpose");

    let (status, answer) = complete(&mock, &temp, &body).await;
    assert_eq!(status, 200, "{answer}");
    let (status, answer) = complete(&mock, &temp, &body).await;
    assert_check(status, &answer, 401, "spent");
    mock.stop().await;
}

#[tokio::test]
async fn assertion_failures_counter_user_handle_and_signature() {
    let mock = Mock::start(config()).await;
    let (challenge, temp) = challenge(&mock, "bob@example.com", "assert").await;
    let user_id = challenge["user"]["id"].as_str().unwrap().to_string();
    let mut authenticator = Authenticator::new(40);
    authenticator.counter = 5;
    let (status, _) = complete(
        &mock,
        &temp,
        &enduser(authenticator.create(challenge["challenge"].as_str().unwrap(), Attestation::None)),
    )
    .await;
    assert_eq!(status, 200);

    // Counter going backwards: 5 registered, the next assertion says 3.
    authenticator.counter = 2;
    let init = login_init(&mock, "assert", Some("bob@example.com")).await;
    let (status, answer) = login(
        &mock,
        &init,
        authenticator.get(init["challenge"].as_str().unwrap(), None),
        None,
    )
    .await;
    assert_check(status, &answer, 401, "signCount");

    authenticator.counter = 10;
    let init = login_init(&mock, "assert", Some("bob@example.com")).await;
    let (status, answer) = login(
        &mock,
        &init,
        authenticator.get(init["challenge"].as_str().unwrap(), Some("us-someone-else")),
        None,
    )
    .await;
    assert_check(status, &answer, 401, "userHandle");

    let init = login_init(&mock, "assert", Some("bob@example.com")).await;
    let mut first = authenticator.get(init["challenge"].as_str().unwrap(), Some(&user_id));
    first["credentialAssertion"]["signature"] = json!(authenticator::b64(&[
        0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01
    ]));
    let (status, answer) = login(&mock, &init, first, None).await;
    assert_check(status, &answer, 401, "signature");

    let init = login_init(&mock, "assert", Some("bob@example.com")).await;
    let (status, answer) = login(
        &mock,
        &init,
        authenticator.get("another-challenge", None),
        None,
    )
    .await;
    assert_check(status, &answer, 401, "challenge");

    // An unknown credential.
    let init = login_init(&mock, "assert", Some("bob@example.com")).await;
    let (status, answer) = login(
        &mock,
        &init,
        Authenticator::new(99).get(init["challenge"].as_str().unwrap(), None),
        None,
    )
    .await;
    assert_eq!(
        (status, answer["error"]["message"].as_str()),
        (
            401,
            Some("User does not have a credential that can be used for the application.")
        )
    );

    // And a good one still works (counter 11 > 10 recorded? the failed ones did not record).
    let init = login_init(&mock, "assert", Some("bob@example.com")).await;
    let (status, answer) = login(
        &mock,
        &init,
        authenticator.get(init["challenge"].as_str().unwrap(), Some(&user_id)),
        None,
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    mock.stop().await;
}

#[tokio::test]
async fn totp_second_factor_at_registration_and_login() {
    let mut config = frozen_config();
    config.auth.second_factor = vec![CredentialKind::Totp];
    let mock = Mock::start(config).await;
    let (challenge, temp) = challenge(&mock, "totp@example.com", "totp").await;
    let otp_url = challenge["otpUrl"].as_str().unwrap();
    let secret = otp_url
        .split("secret=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap();
    let secret = data_encoding::BASE32_NOPAD
        .decode(secret.as_bytes())
        .unwrap();
    let code = dfns_mock::totp_code(&secret, FROZEN_UNIX);
    let wrong = format!("{:06}", (code.parse::<u32>().unwrap() + 1) % 1_000_000);

    let mut authenticator = Authenticator::new(50);
    let first = authenticator.create(challenge["challenge"].as_str().unwrap(), Attestation::None);
    let mut body = enduser(first);
    body["secondFactorCredential"] =
        json!({ "credentialKind": "Totp", "credentialInfo": { "otpCode": wrong } });
    let (status, answer) = complete(&mock, &temp, &body).await;
    assert_check(status, &answer, 401, "otpCode");
    body["secondFactorCredential"]["credentialInfo"]["otpCode"] = json!(code);
    let (status, answer) = complete(&mock, &temp, &body).await;
    assert_eq!(status, 200, "{answer}");

    let init = login_init(&mock, "totp", Some("totp@example.com")).await;
    assert_eq!(
        init["supportedCredentialKinds"],
        json!([{ "kind": "Fido2", "factor": "first", "requiresSecondFactor": true }, { "kind": "Totp", "factor": "second", "requiresSecondFactor": false }])
    );
    let (status, answer) = login(
        &mock,
        &init,
        authenticator.get(init["challenge"].as_str().unwrap(), None),
        None,
    )
    .await;
    assert_eq!(status, 400, "{answer}");
    let init = login_init(&mock, "totp", Some("totp@example.com")).await;
    let (status, answer) = login(
        &mock,
        &init,
        authenticator.get(init["challenge"].as_str().unwrap(), None),
        Some(json!({ "kind": "Totp", "otpCode": wrong })),
    )
    .await;
    assert_check(status, &answer, 401, "otpCode");
    let init = login_init(&mock, "totp", Some("totp@example.com")).await;
    let (status, answer) = login(
        &mock,
        &init,
        authenticator.get(init["challenge"].as_str().unwrap(), None),
        Some(json!({ "kind": "Totp", "otpCode": code })),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    mock.stop().await;
}

#[tokio::test]
async fn key_and_password_credentials_register_and_sign_in() {
    let mock = Mock::start(config()).await;
    let key = KeyCredential::new(1);
    let (registration, temp) = challenge(&mock, "keyuser@example.com", "kp").await;
    let body =
        json!({ "firstFactorCredential": key.create(registration["challenge"].as_str().unwrap()) });
    let auth = format!("Bearer {temp}");
    let (status, _, answer) = mock
        .post("/auth/registration", &body, &[("authorization", &auth)])
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["credential"]["kind"], "Key");
    assert!(answer.get("authentication").is_none() && answer.get("wallets").is_none());
    let init = login_init(&mock, "kp", Some("keyuser@example.com")).await;
    assert_eq!(
        init["allowCredentials"]["key"],
        json!([{ "type": "public-key", "id": key.cred_id }])
    );
    let (status, answer) = login(
        &mock,
        &init,
        key.get(init["challenge"].as_str().unwrap()),
        None,
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    // A key signature over another challenge fails.
    let init = login_init(&mock, "kp", Some("keyuser@example.com")).await;
    let (status, answer) = login(&mock, &init, key.get("stale"), None).await;
    assert_check(status, &answer, 401, "challenge");

    let (_, temp) = self::challenge(&mock, "pw@example.com", "kp").await;
    let body = json!({ "firstFactorCredential": { "credentialKind": "Password", "credentialInfo": { "password": "s3cret" } } });
    let auth = format!("Bearer {temp}");
    assert_eq!(
        mock.post("/auth/registration", &body, &[("authorization", &auth)])
            .await
            .0,
        200
    );
    let init = login_init(&mock, "kp", Some("pw@example.com")).await;
    let (status, answer) = login(
        &mock,
        &init,
        json!({ "kind": "Password", "password": "nope" }),
        None,
    )
    .await;
    assert_check(status, &answer, 401, "password");
    let init = login_init(&mock, "kp", Some("pw@example.com")).await;
    let (status, _) = login(
        &mock,
        &init,
        json!({ "kind": "Password", "password": "s3cret" }),
        None,
    )
    .await;
    assert_eq!(status, 200);
    mock.stop().await;
}

#[tokio::test]
async fn fixture_users_exist_in_every_new_session() {
    let mock = Mock::start(config()).await;
    let token = mock
        .mint(json!({ "email": "registered@example.com" }))
        .await;
    for session in ["fx-a", "fx-b"] {
        let h = [("x-dfns-mock-session", session)];
        let (status, _, body) = mock
            .post("/auth/registration/social", &Mock::social_body(&token), &h)
            .await;
        assert_eq!(
            (status, body["error"]["message"].as_str()),
            (401, Some("User already exists."))
        );
        let (status, _, body) = mock
            .post("/auth/login/social", &Mock::social_body(&token), &h)
            .await;
        assert_eq!(status, 200, "{body}");
    }
    // Discoverable passkey login (no username) with the fixture key.
    let init = login_init(&mock, "fx-a", None).await;
    assert_eq!(init["allowCredentials"]["webauthn"], json!([]));
    let mut passkey = Authenticator::fixture();
    let (status, body) = login(
        &mock,
        &init,
        passkey.get(init["challenge"].as_str().unwrap(), None),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        jwt_part(body["token"].as_str().unwrap(), 1)["https://custom/username"],
        "registered@example.com"
    );
    // Password login with the fixture password.
    let init = login_init(&mock, "fx-b", Some("registered@example.com")).await;
    let (status, _) = login(
        &mock,
        &init,
        json!({ "kind": "Password", "password": "correct horse battery staple" }),
        None,
    )
    .await;
    assert_eq!(status, 200);
    // A reset session has them again.
    mock.client
        .post(mock.url("/__mock/sessions/fx-a/reset"))
        .header("x-dfns-mock-control", "1")
        .send()
        .await
        .unwrap();
    let (status, _, _) = mock
        .post(
            "/auth/login/social",
            &Mock::social_body(&token),
            &[("x-dfns-mock-session", "fx-a")],
        )
        .await;
    assert_eq!(status, 200);
    mock.stop().await;
}

#[tokio::test]
async fn unknown_users_and_sessions_stay_apart() {
    let mock = Mock::start(config()).await;
    let token = mock.mint(json!({ "email": "nobody@example.com" })).await;
    let (status, _, body) = mock
        .post("/auth/login/social", &Mock::social_body(&token), &[])
        .await;
    assert_eq!(
        (status, body["error"]["message"].as_str()),
        (401, Some("User not found"))
    );
    let (status, _, body) = mock
        .post(
            "/auth/login/init",
            &json!({ "username": "nobody@example.com", "orgId": "or-30tnh-itmjs-s235s5ontr3r23h2" }),
            &[],
        )
        .await;
    assert_eq!(
        (status, body["error"]["message"].as_str()),
        (401, Some("User not found"))
    );

    // Registered in one session, unknown in another.
    let (challenge, temp) = challenge(&mock, "solo@example.com", "one").await;
    let mut authenticator = Authenticator::new(60);
    assert_eq!(
        complete(
            &mock,
            &temp,
            &enduser(
                authenticator.create(challenge["challenge"].as_str().unwrap(), Attestation::None)
            )
        )
        .await
        .0,
        200
    );
    let token = mock.mint(json!({ "email": "solo@example.com" })).await;
    assert_eq!(
        mock.post(
            "/auth/login/social",
            &Mock::social_body(&token),
            &[("x-dfns-mock-session", "one")]
        )
        .await
        .0,
        200
    );
    assert_eq!(
        mock.post(
            "/auth/login/social",
            &Mock::social_body(&token),
            &[("x-dfns-mock-session", "two")]
        )
        .await
        .0,
        401
    );
    mock.stop().await;
}

#[tokio::test]
async fn scenarios_script_the_other_endpoints_too() {
    let dir = scenario_dir(&[(
        "login-down.yaml",
        "rules:\n  - when: { endpoint: POST /auth/login/social }\n    then: { error: { status: 503, message: Service Unavailable } }\n",
    )]);
    let mock = Mock::start(config_with_scenarios(dir.path())).await;
    let token = mock
        .mint(json!({ "email": "registered@example.com" }))
        .await;
    let h = [("x-dfns-mock-scenario", "login-down")];
    assert_eq!(
        mock.post("/auth/login/social", &Mock::social_body(&token), &h)
            .await
            .0,
        503
    );
    // Other endpoints of the same scenario answer normally.
    assert_eq!(
        mock.post("/auth/registration/social", &Mock::social_body(&token), &h)
            .await
            .0,
        401
    );
    mock.stop().await;
}

#[tokio::test]
async fn validation_errors_on_the_new_endpoints() {
    let mock = Mock::start(config()).await;
    let (_, temp) = challenge(&mock, "v@example.com", "v").await;
    for (body, field) in [
        (json!({ "wallets": [] }), "firstFactorCredential"),
        (
            json!({ "firstFactorCredential": { "credentialKind": "Retina", "credentialInfo": {} }, "wallets": [] }),
            "firstFactorCredential.credentialKind",
        ),
        (
            json!({ "firstFactorCredential": { "credentialKind": "Fido2" }, "wallets": [] }),
            "firstFactorCredential.credentialInfo",
        ),
        (
            json!({ "firstFactorCredential": { "credentialKind": "Password", "credentialInfo": { "password": "x" } } }),
            "wallets",
        ),
        (
            json!({ "firstFactorCredential": { "credentialKind": "Password", "credentialInfo": { "password": "x" } }, "wallets": [{ "name": "n" }] }),
            "wallets.0.network",
        ),
        (
            json!({ "firstFactorCredential": { "credentialKind": "Password", "credentialInfo": { "password": "x" } }, "wallets": [], "extra": 1 }),
            "extra",
        ),
    ] {
        let (status, answer) = complete(&mock, &temp, &body).await;
        assert_eq!(status, 400, "{body} → {answer}");
        assert_eq!(answer["error"]["details"]["field"], field, "{answer}");
    }
    let (status, _, answer) = mock
        .post("/auth/login", &json!({ "firstFactor": {} }), &[])
        .await;
    assert_eq!(
        (status, answer["error"]["details"]["field"].as_str()),
        (400, Some("challengeIdentifier"))
    );
    let (status, _, answer) = mock
        .post("/auth/login/init", &json!({ "orgId": "bad" }), &[])
        .await;
    assert_eq!(
        (status, answer["error"]["details"]["field"].as_str()),
        (400, Some("orgId"))
    );
    mock.stop().await;
}

/// The whole journey against a fresh frozen-clock server; every response body, in order.
async fn journey_transcript() -> Vec<String> {
    let mock = Mock::start(frozen_config()).await;
    let mut transcript = Vec::new();
    let mut record = |value: &Value| transcript.push(value.to_string());
    let (challenge, temp) = challenge(&mock, "det@example.com", "det").await;
    record(&challenge);
    let mut authenticator = Authenticator::new(70);
    let (status, registered) = complete(
        &mock,
        &temp,
        &enduser(authenticator.create(
            challenge["challenge"].as_str().unwrap(),
            Attestation::PackedSelf,
        )),
    )
    .await;
    assert_eq!(status, 200, "{registered}");
    record(&registered);
    let token = mock.mint(json!({ "email": "det@example.com" })).await;
    let (_, _, social) = mock
        .post(
            "/auth/login/social",
            &Mock::social_body(&token),
            &[("x-dfns-mock-session", "det")],
        )
        .await;
    record(&social);
    let init = login_init(&mock, "det", Some("det@example.com")).await;
    record(&init);
    let (status, login) = login(
        &mock,
        &init,
        authenticator.get(init["challenge"].as_str().unwrap(), None),
        None,
    )
    .await;
    assert_eq!(status, 200, "{login}");
    record(&login);
    mock.stop().await;
    transcript
}

#[tokio::test]
async fn the_whole_journey_is_byte_identical_across_fresh_servers() {
    let first = journey_transcript().await;
    let second = journey_transcript().await;
    assert_eq!(first.len(), 5);
    assert_eq!(first, second);
}
