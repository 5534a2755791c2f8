//! POST /auth/registration/social over real HTTP: the 200 body field by field, every
//! validation error, and determinism.

mod common;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use common::*;
use dfns_mock::config::{
    Attestation, AuthenticatorAttachment, Config, CredentialKind, Requirement,
};
use serde_json::{json, Value};

const PATH: &str = "/auth/registration/social";

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().expect("object").keys().cloned().collect();
    k.sort();
    k
}

#[tokio::test]
async fn happy_path_matches_the_contract_field_by_field() {
    let mock = Mock::start(frozen_config()).await;
    let token = mock.mint(json!({ "email": "jane@example.co" })).await;
    let (status, headers, body) = mock
        .post(
            PATH,
            &json!({ "socialLoginProviderKind": "Oidc", "idToken": token }),
            &[],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(headers.get("x-request-id").is_some());

    assert_eq!(
        keys(&body),
        [
            "attestation",
            "authenticatorSelection",
            "challenge",
            "excludeCredentials",
            "otpUrl",
            "pubKeyCredParams",
            "rp",
            "supportedCredentialKinds",
            "temporaryAuthenticationToken",
            "user"
        ]
    );
    let user_id = body["user"]["id"].as_str().unwrap();
    assert!(
        regex::Regex::new(r"^us-[a-z0-9]{5}-[a-z0-9]{5}-[a-z0-9]{16}$")
            .unwrap()
            .is_match(user_id),
        "{user_id}"
    );
    assert_eq!(body["user"]["name"], "jane@example.co");
    assert_eq!(body["user"]["displayName"], "jane@example.co");
    assert_eq!(keys(&body["user"]), ["displayName", "id", "name"]);

    let challenge = body["challenge"].as_str().unwrap();
    assert_eq!(challenge.len(), 43);
    let decoded = URL_SAFE_NO_PAD
        .decode(challenge)
        .expect("unpadded base64url");
    assert_eq!(decoded.len(), 32);
    assert!(decoded
        .iter()
        .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));

    assert_eq!(
        body["rp"],
        json!({ "id": "localhost", "name": "dfns-mock" })
    );
    assert_eq!(
        body["supportedCredentialKinds"],
        json!({ "firstFactor": ["Fido2", "Key"], "secondFactor": ["Fido2", "Key"] })
    );
    assert_eq!(
        body["authenticatorSelection"],
        json!({ "residentKey": "required", "requireResidentKey": true, "userVerification": "required" })
    );
    assert_eq!(body["attestation"], "direct");
    assert_eq!(
        body["pubKeyCredParams"],
        json!([{ "type": "public-key", "alg": -7 }, { "type": "public-key", "alg": -257 }])
    );
    assert_eq!(body["excludeCredentials"], json!([]));
    assert_eq!(body["otpUrl"], "");

    // The temporary token: an EdDSA JWT with the Dfns claims, binding the challenge.
    let temp = body["temporaryAuthenticationToken"].as_str().unwrap();
    let header = jwt_part(temp, 0);
    assert_eq!(header["alg"], "EdDSA");
    let claims = jwt_part(temp, 1);
    let org = "or-30tnh-itmjs-s235s5ontr3r23h2";
    assert_eq!(
        claims["https://custom/app_metadata"],
        json!({ "orgId": org, "userId": user_id, "tokenKind": "Temp" })
    );
    assert_eq!(claims["sub"], org);
    assert_eq!(claims["https://custom/username"], "jane@example.co");
    assert_eq!(claims["iat"], FROZEN_UNIX);
    assert_eq!(claims["exp"], FROZEN_UNIX + 600);
    assert_eq!(claims["https://custom/dfns_mock"]["challenge"], challenge);
    assert!(claims["jti"].as_str().unwrap().starts_with("to-"));

    // It verifies against the mock's Dfns key.
    let app = dfns_mock::app::App::new(frozen_config()).await.unwrap();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::EdDSA);
    validation.validate_exp = false;
    validation.set_audience(&["dfns:auth:user"]);
    jsonwebtoken::decode::<Value>(temp, app.dfns.signer().decoding(), &validation)
        .expect("signature verifies");
    mock.stop().await;
}

#[tokio::test]
async fn org_id_in_the_body_scopes_the_user_and_the_token() {
    let mock = Mock::start(config()).await;
    let token = mock.mint(json!({ "sub": "same-person" })).await;
    let (_, _, default_org) = mock
        .post(
            PATH,
            &json!({ "socialLoginProviderKind": "Oidc", "idToken": token }),
            &[],
        )
        .await;
    let org = "or-abcde-fghij-0123456789abcdef";
    let (status, _, body) = mock
        .post(
            PATH,
            &json!({ "socialLoginProviderKind": "Oidc", "idToken": token, "orgId": org }),
            &[],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_ne!(body["user"]["id"], default_org["user"]["id"]);
    let claims = jwt_part(body["temporaryAuthenticationToken"].as_str().unwrap(), 1);
    assert_eq!(claims["https://custom/app_metadata"]["orgId"], org);
    // No email claim given: the username is <sub>@example.com as minted.
    assert_eq!(body["user"]["name"], "same-person@example.com");
    mock.stop().await;
}

#[tokio::test]
async fn configuration_shapes_the_options_and_totp_gets_an_otpauth_url() {
    let mut config = frozen_config();
    config.auth.first_factor = vec![CredentialKind::Fido2];
    config.auth.second_factor = vec![CredentialKind::Totp];
    config.auth.attestation = Attestation::None;
    config.auth.algorithms = vec![-8, -7];
    config.auth.authenticator_attachment = Some(AuthenticatorAttachment::Platform);
    config.auth.resident_key = Requirement::Preferred;
    config.auth.rp_id = "app.example.test".into();
    let mock = Mock::start(config).await;
    let token = mock.mint(json!({ "email": "tom@example.com" })).await;
    let (status, body) = mock.register(&token, &[]).await;
    assert_eq!(status, 200);
    assert_eq!(
        body["supportedCredentialKinds"],
        json!({ "firstFactor": ["Fido2"], "secondFactor": ["Totp"] })
    );
    assert_eq!(body["attestation"], "none");
    assert_eq!(
        body["pubKeyCredParams"][0],
        json!({ "type": "public-key", "alg": -8 })
    );
    assert_eq!(
        body["authenticatorSelection"],
        json!({ "authenticatorAttachment": "platform", "residentKey": "preferred", "requireResidentKey": false, "userVerification": "required" })
    );
    assert_eq!(body["rp"]["id"], "app.example.test");
    let otp = body["otpUrl"].as_str().unwrap();
    let re = regex::Regex::new(r"^otpauth://totp/dfns-mock:tom@example\.com\?secret=[A-Z2-7]{32}&issuer=dfns-mock&algorithm=SHA1&digits=6&period=30$").unwrap();
    assert!(re.is_match(otp), "{otp}");
    mock.stop().await;
}

/// (body, status, field named in details, fragment of the message)
fn invalid_bodies(token: &str) -> Vec<(Value, u16, &'static str, &'static str)> {
    vec![
        (
            json!({ "idToken": token }),
            400,
            "socialLoginProviderKind",
            "is required",
        ),
        (
            json!({ "socialLoginProviderKind": "Oidc" }),
            400,
            "idToken",
            "is required",
        ),
        (
            json!({ "socialLoginProviderKind": "Google", "idToken": token }),
            400,
            "socialLoginProviderKind",
            "must be one of: Oidc",
        ),
        (
            json!({ "socialLoginProviderKind": 1, "idToken": token }),
            400,
            "socialLoginProviderKind",
            "must be a string",
        ),
        (
            json!({ "socialLoginProviderKind": "Oidc", "idToken": "" }),
            400,
            "idToken",
            "at least 1",
        ),
        (
            json!({ "socialLoginProviderKind": "Oidc", "idToken": ["x"] }),
            400,
            "idToken",
            "must be a string",
        ),
        (
            json!({ "socialLoginProviderKind": "Oidc", "idToken": token, "orgId": "" }),
            400,
            "orgId",
            "at least 1",
        ),
        (
            json!({ "socialLoginProviderKind": "Oidc", "idToken": token, "orgId": "or-".to_string() + &"a".repeat(62) }),
            400,
            "orgId",
            "at most 64",
        ),
        (
            json!({ "socialLoginProviderKind": "Oidc", "idToken": token, "orgId": "org-1" }),
            400,
            "orgId",
            "must match",
        ),
        (
            json!({ "socialLoginProviderKind": "Oidc", "idToken": token, "orgId": "or-ABCDE-fghij-0123456789abcdef" }),
            400,
            "orgId",
            "must match",
        ),
        (
            json!({ "socialLoginProviderKind": "Oidc", "idToken": token, "orgID": "x" }),
            400,
            "orgID",
            "not a known field",
        ),
    ]
}

#[tokio::test]
async fn every_validation_error_is_a_400_naming_the_field() {
    let mock = Mock::start(config()).await;
    let token = mock.mint(json!({})).await;
    for (body, status, field, fragment) in invalid_bodies(&token) {
        let (got, headers, answer) = mock.post(PATH, &body, &[]).await;
        assert_eq!(got, status, "{body} → {answer}");
        let error = &answer["error"];
        assert_eq!(error["status"], status);
        assert_eq!(error["details"]["field"], field, "{answer}");
        assert!(
            error["message"].as_str().unwrap().contains(fragment),
            "{answer}"
        );
        assert!(
            error["message"].as_str().unwrap().starts_with(field),
            "{answer}"
        );
        let id = error["id"].as_str().unwrap();
        assert!(id.chars().all(|c| c.is_ascii_digit()) && !id.is_empty());
        assert_eq!(headers["x-request-id"].to_str().unwrap(), id);
    }
    mock.stop().await;
}

#[tokio::test]
async fn several_violations_are_all_listed() {
    let mock = Mock::start(config()).await;
    let (status, _, answer) = mock
        .post(PATH, &json!({ "orgId": 5, "x": true }), &[])
        .await;
    assert_eq!(status, 400);
    let fields: Vec<&str> = answer["error"]["details"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["socialLoginProviderKind", "idToken", "orgId", "x"]);
    mock.stop().await;
}

#[tokio::test]
async fn a_non_object_body_is_a_400() {
    let mock = Mock::start(config()).await;
    for body in [json!([1, 2]), json!("token"), json!(null)] {
        let (status, _, answer) = mock.post(PATH, &body, &[]).await;
        assert_eq!(status, 400, "{answer}");
        assert!(answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("must be a JSON object"));
    }
    mock.stop().await;
}

/// Runs the same requests against a fresh server and returns the raw response bodies.
async fn transcript(config: Config, sessions: &[&str]) -> Vec<String> {
    let mock = Mock::start(config).await;
    let token = mock.mint(json!({ "email": "det@example.com" })).await;
    let mut bodies = Vec::new();
    for session in sessions {
        let response = mock
            .client
            .post(mock.url(PATH))
            .header("x-dfns-mock-session", *session)
            .json(&json!({ "socialLoginProviderKind": "Oidc", "idToken": token }))
            .send()
            .await
            .unwrap();
        let id = response.headers()["x-request-id"]
            .to_str()
            .unwrap()
            .to_string();
        bodies.push(format!("{id} {}", response.text().await.unwrap()));
    }
    mock.stop().await;
    bodies
}

#[tokio::test]
async fn frozen_clock_gives_byte_identical_answers_across_fresh_servers() {
    let first = transcript(frozen_config(), &["a", "a", "b"]).await;
    let second = transcript(frozen_config(), &["a", "a", "b"]).await;
    assert_eq!(first, second);
    // A second challenge for the same user in the same session differs from the first.
    assert_ne!(first[0], first[1]);
    // A different seed changes everything.
    let other = transcript(
        Config {
            seed: "other".into(),
            ..frozen_config()
        },
        &["a"],
    )
    .await;
    assert_ne!(other[0], first[0]);
}

#[tokio::test]
async fn sessions_do_not_see_each_other() {
    // Session "a" gets the same sequence whether or not session "b" runs in between.
    let alone = transcript(frozen_config(), &["a", "a"]).await;
    let interleaved = transcript(frozen_config(), &["b", "a", "b", "b", "a"]).await;
    assert_eq!(alone, vec![interleaved[1].clone(), interleaved[4].clone()]);
}

#[tokio::test]
async fn system_clock_changes_only_time_claims() {
    let a = Mock::start(config()).await;
    let b = Mock::start(config()).await;
    // Each server's own issuer URL differs (ports), the user does not.
    let claims = json!({ "email": "sys@example.com" });
    let (status, first) = a.register(&a.mint(claims.clone()).await, &[]).await;
    assert_eq!(status, 200, "{first}");
    let (_, second) = b.register(&b.mint(claims).await, &[]).await;
    assert_eq!(first["challenge"], second["challenge"]);
    assert_eq!(first["user"], second["user"]);
    let (c1, c2) = (
        jwt_part(first["temporaryAuthenticationToken"].as_str().unwrap(), 1),
        jwt_part(second["temporaryAuthenticationToken"].as_str().unwrap(), 1),
    );
    let strip = |mut v: Value| {
        v.as_object_mut().unwrap().remove("iat");
        v.as_object_mut().unwrap().remove("exp");
        v
    };
    assert_eq!(strip(c1), strip(c2));
    a.stop().await;
    b.stop().await;
}
