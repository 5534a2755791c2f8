//! Key credentials (`Key`, `PasswordProtectedKey`, `RecoveryKey`) as the official signers
//! make them: `@dfns/sdk-browser`'s `BrowserKeySigner`, `@dfns/sdk-keysigner`'s
//! `AsymmetricKeySigner`, and the Node recipe of the Dfns docs on credential data.
//!
//! - Registration (`key.create`): `clientData` is JSON `{"type":"key.create","challenge":…}`
//!   (the docs' variant adds `origin` and `crossOrigin`; a key is bound to no origin, so it is
//!   not checked); `attestationData` is JSON `{publicKey: PEM, signature: hex, algorithm?}`
//!   where the signature covers `{"clientDataHash":hex(SHA-256(clientData bytes)),"publicKey":PEM}`,
//!   the PEM exactly as sent.
//! - Assertion (`key.get`): the base64url `signature` covers the `clientData` bytes.
//! - Assertion over a document: the challenge is base64url of a JSON document, e.g. the new
//!   credentials a `RecoveryKey` signs in a recovery ("the base64url-encoded representation of
//!   the newCredential object", Dfns docs, Recover User).
//!
//! Signatures: ECDSA P-256 (DER, or raw `r‖s`), RSA PKCS#1 v1.5, Ed25519; the digest is
//! SHA-256 unless `algorithm` says `SHA512`.

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{b64, fail, parse_client_data, read_client_data};
use super::{decode_hex, WebauthnError};
use super::{ClientData, CredentialKey, Expectations, KeyDigest};

/// A verified `key.create` attestation.
#[derive(Debug, Clone)]
pub struct KeyRegistration {
    /// The credential's public key.
    pub key: CredentialKey,
    /// The PEM as the client sent it.
    pub public_key_pem: String,
    /// The digest the credential signs with (`attestationData.algorithm`).
    pub digest: KeyDigest,
    /// The client data.
    pub client_data: ClientData,
}

/// The signed object of a key registration; its field order is the signers'.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Fingerprint<'a> {
    client_data_hash: String,
    public_key: &'a str,
}

/// Verifies the `clientData` and `attestationData` (both base64url) of a key credential
/// answering `expected.challenge` with `expected.client_data_type` (`key.create`); the
/// WebAuthn-only expectations (origins, RP id, user verification) do not apply to keys.
pub fn verify_key_registration(
    client_data_b64: &str,
    attestation_data_b64: &str,
    expected: &Expectations,
) -> Result<KeyRegistration, WebauthnError> {
    let client_data = parse_client_data(client_data_b64, expected)?;
    let attestation: serde_json::Value =
        serde_json::from_slice(&b64("attestationData", attestation_data_b64)?).or_else(|_| {
            fail(
                "attestationData",
                "attestationData is not JSON {publicKey, signature, algorithm?}",
            )
        })?;
    let text = |name: &str| attestation.get(name).and_then(|v| v.as_str());
    let (Some(pem), Some(signature)) = (text("publicKey"), text("signature")) else {
        return fail(
            "attestationData",
            "attestationData lacks publicKey or signature (strings)",
        );
    };
    let digest = match attestation.get("algorithm") {
        None | Some(serde_json::Value::Null) => KeyDigest::Sha256,
        Some(serde_json::Value::String(name)) => {
            KeyDigest::from_algorithm(Some(name)).or_else(|e| fail("algorithm", e))?
        }
        Some(_) => return fail("algorithm", "attestationData.algorithm must be a string"),
    };
    let key = CredentialKey::from_pem(pem).or_else(|e| fail("publicKey", e))?;
    let signature = decode_hex(signature).ok_or_else(|| WebauthnError {
        check: "signature",
        message: "attestationData.signature is not hex".into(),
    })?;
    let fingerprint = serde_json::to_vec(&Fingerprint {
        client_data_hash: data_encoding::HEXLOWER.encode(&Sha256::digest(&client_data.raw)),
        public_key: pem,
    })
    .expect("strings serialize");
    if !key.verify_with(&fingerprint, &signature, digest) {
        return fail(
            "signature",
            "attestation signature over {clientDataHash, publicKey} is invalid",
        );
    }
    Ok(KeyRegistration {
        key,
        public_key_pem: pem.to_string(),
        digest,
        client_data,
    })
}

/// Verifies a key assertion: `clientData` (base64url) of type `expected.client_data_type`
/// (`key.get`) for `expected.challenge`, signed (base64url `signature`) by `key` with
/// `digest`.
pub fn verify_key_assertion(
    client_data_b64: &str,
    signature_b64: &str,
    key: &CredentialKey,
    digest: KeyDigest,
    expected: &Expectations,
) -> Result<ClientData, WebauthnError> {
    let client_data = parse_client_data(client_data_b64, expected)?;
    let signature = b64("signature", signature_b64)?;
    if key.verify_with(&client_data.raw, &signature, digest) {
        Ok(client_data)
    } else {
        fail("signature", "key signature over clientData is invalid")
    }
}

/// Verifies a key assertion whose challenge is base64url of a JSON document that must equal
/// `document` as a JSON value (key order and spacing aside), signed (base64url `signature`)
/// by `key` with `digest`; the client data type must be `client_data_type` (`key.get`).
pub fn verify_key_assertion_of_document(
    client_data_b64: &str,
    signature_b64: &str,
    key: &CredentialKey,
    digest: KeyDigest,
    client_data_type: &str,
    document: &serde_json::Value,
) -> Result<ClientData, WebauthnError> {
    let client_data = read_client_data(client_data_b64, client_data_type)?;
    let signed: Option<serde_json::Value> = b64("challenge", &client_data.challenge)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok());
    match signed {
        None => return fail("challenge", "clientData challenge is not base64url JSON"),
        Some(signed) if &signed != document => {
            return fail(
                "challenge",
                "clientData challenge is not the document sent with it",
            )
        }
        Some(_) => {}
    }
    let signature = b64("signature", signature_b64)?;
    if key.verify_with(&client_data.raw, &signature, digest) {
        Ok(client_data)
    } else {
        fail("signature", "key signature over clientData is invalid")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    /// Made by the official signers: see tests/node/make-key-fixtures.mjs.
    const FIXTURES: &str = include_str!("../../tests/fixtures/key-credentials.json");

    fn fixtures() -> Value {
        serde_json::from_str(FIXTURES).unwrap()
    }

    fn expect<'a>(challenge: &'a str, kind: &'a str) -> Expectations<'a> {
        Expectations {
            challenge,
            client_data_type: kind,
            origins: &[],
            rp_id: "localhost",
            user_verification_required: true,
        }
    }

    fn s<'a>(v: &'a Value, path: &str) -> &'a str {
        v.pointer(path)
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("{path}"))
    }

    /// Changes a character in the middle (the last one may only carry padding bits).
    fn tamper(value: &str) -> String {
        let mut chars: Vec<char> = value.chars().collect();
        let middle = &mut chars[value.len() / 2];
        *middle = if *middle == 'A' { 'B' } else { 'A' };
        chars.into_iter().collect()
    }

    #[test]
    fn browser_key_signer_registration_and_assertions_verify() {
        let f = fixtures();
        let reg = &f["browserKeySigner"]["registration"];
        let challenge = s(reg, "/challenge");
        let info = &reg["credentialInfo"];
        let registered = verify_key_registration(
            s(info, "/clientData"),
            s(info, "/attestationData"),
            &expect(challenge, "key.create"),
        )
        .expect("BrowserKeySigner.create() verifies");
        assert!(matches!(registered.key, CredentialKey::Es256(_)));
        assert_eq!(registered.client_data.origin, None);
        assert!(!registered.public_key_pem.ends_with('\n'));
        let assertions = f["browserKeySigner"]["assertions"].as_array().unwrap();
        assert_eq!(assertions.len(), 8);
        for a in assertions {
            let challenge = s(a, "/challenge");
            let cred = &a["assertion"]["credentialAssertion"];
            assert_eq!(s(cred, "/credId"), s(info, "/credId"));
            verify_key_assertion(
                s(cred, "/clientData"),
                s(cred, "/signature"),
                &registered.key,
                registered.digest,
                &expect(challenge, "key.get"),
            )
            .expect("BrowserKeySigner.sign() verifies");
        }
    }

    #[test]
    fn asymmetric_key_signer_assertions_and_docs_registrations_verify() {
        let f = fixtures();
        let signers = f["asymmetricKeySigner"].as_array().unwrap();
        let types: Vec<&str> = signers.iter().map(|k| s(k, "/keyType")).collect();
        assert_eq!(types, ["ec-p256", "ed25519", "rsa-2048"]);
        for signer in signers {
            let reg = &signer["docsRegistration"];
            let registered = verify_key_registration(
                s(reg, "/credentialInfo/clientData"),
                s(reg, "/credentialInfo/attestationData"),
                &expect(s(reg, "/challenge"), "key.create"),
            )
            .unwrap_or_else(|e| panic!("{}: {e}", s(signer, "/keyType")));
            assert_eq!(
                registered.client_data.origin.as_deref(),
                Some("http://localhost:3000")
            );
            for a in signer["assertions"].as_array().unwrap() {
                let cred = &a["assertion"]["credentialAssertion"];
                verify_key_assertion(
                    s(cred, "/clientData"),
                    s(cred, "/signature"),
                    &registered.key,
                    registered.digest,
                    &expect(s(a, "/challenge"), "key.get"),
                )
                .unwrap_or_else(|e| panic!("{}: {e}", s(signer, "/keyType")));
            }
        }
    }

    #[test]
    fn tampered_or_misdirected_key_credentials_fail_the_named_check() {
        let f = fixtures();
        let reg = &f["browserKeySigner"]["registration"];
        let info = &reg["credentialInfo"];
        let challenge = s(reg, "/challenge");
        let (client_data, attestation) = (s(info, "/clientData"), s(info, "/attestationData"));
        let check = |client_data: &str, attestation: &str, challenge: &str, kind: &str| {
            verify_key_registration(client_data, attestation, &expect(challenge, kind))
                .unwrap_err()
                .check
        };
        assert_eq!(
            check(client_data, attestation, "another", "key.create"),
            "challenge"
        );
        assert_eq!(
            check(client_data, attestation, challenge, "key.get"),
            "type"
        );

        // Same attestation, other client data: the fingerprint's hash no longer matches.
        let other = format!(r#"{{"type":"key.create","challenge":"{challenge}"}} "#);
        let other = data_encoding::BASE64URL_NOPAD.encode(other.as_bytes());
        assert_eq!(
            check(&other, attestation, challenge, "key.create"),
            "signature"
        );

        // An unknown algorithm, or SHA-512 claimed for a SHA-256 signature.
        let mut json: Value = serde_json::from_slice(&b64("a", attestation).unwrap()).unwrap();
        let encode =
            |json: &Value| data_encoding::BASE64URL_NOPAD.encode(json.to_string().as_bytes());
        json["algorithm"] = "MD5".into();
        assert_eq!(
            check(client_data, &encode(&json), challenge, "key.create"),
            "algorithm"
        );
        json["algorithm"] = "SHA512".into();
        assert_eq!(
            check(client_data, &encode(&json), challenge, "key.create"),
            "signature"
        );

        // A signature over the raw client data instead of the fingerprint.
        use p256::ecdsa::signature::Signer;
        use p256::pkcs8::EncodePublicKey;
        let key = p256::ecdsa::SigningKey::from_slice(&[3u8; 32]).unwrap();
        let pem = key
            .verifying_key()
            .to_public_key_pem(p256::pkcs8::LineEnding::LF)
            .unwrap();
        let raw_signature: p256::ecdsa::DerSignature = key.sign(&b64("c", client_data).unwrap());
        let json = serde_json::json!({
            "publicKey": pem,
            "signature": data_encoding::HEXLOWER.encode(raw_signature.as_bytes()),
        });
        assert_eq!(
            check(client_data, &encode(&json), challenge, "key.create"),
            "signature"
        );

        // An assertion with a flipped signature, or for another challenge.
        let registered =
            verify_key_registration(client_data, attestation, &expect(challenge, "key.create"))
                .unwrap();
        let a = &f["browserKeySigner"]["assertions"][0];
        let cred = &a["assertion"]["credentialAssertion"];
        let assert = |signature: &str, challenge: &str| {
            verify_key_assertion(
                s(cred, "/clientData"),
                signature,
                &registered.key,
                KeyDigest::Sha256,
                &expect(challenge, "key.get"),
            )
            .unwrap_err()
            .check
        };
        let signature = s(cred, "/signature");
        assert_eq!(assert(&tamper(signature), s(a, "/challenge")), "signature");
        assert_eq!(assert(signature, "another"), "challenge");
        // The signature hex-encoded is not what the signers send.
        let hex = data_encoding::HEXLOWER.encode(&b64("s", signature).unwrap());
        assert_eq!(assert(&hex, s(a, "/challenge")), "signature");
    }

    /// A recovery assertion built as the Dfns recovery example signs it
    /// (`signRecoveryCredentials`: origin and crossOrigin included, ECDSA P-256 SHA-256 DER).
    #[test]
    fn assertions_over_a_json_document_compare_it_as_json() {
        use p256::ecdsa::signature::Signer;
        let secret = p256::ecdsa::SigningKey::from_slice(&[5u8; 32]).unwrap();
        let key = CredentialKey::Es256(*secret.verifying_key());
        let signed_document = r#"{"firstFactorCredential":{"credentialKind":"Key","credentialInfo":{"credId":"a"}},"recoveryCredential":{"credentialKind":"RecoveryKey"}}"#;
        let client_data = serde_json::json!({
            "type": "key.get",
            "challenge": data_encoding::BASE64URL_NOPAD.encode(signed_document.as_bytes()),
            "origin": "http://localhost:3000",
            "crossOrigin": false,
        })
        .to_string();
        let der: p256::ecdsa::DerSignature = secret.sign(client_data.as_bytes());
        let client_data = data_encoding::BASE64URL_NOPAD.encode(client_data.as_bytes());
        let signature = data_encoding::BASE64URL_NOPAD.encode(der.as_bytes());
        // The body as the server parsed it: same value, other key order.
        let body: Value = serde_json::from_str(
            r#"{ "recoveryCredential": {"credentialKind": "RecoveryKey"},
                 "firstFactorCredential": {"credentialInfo": {"credId": "a"}, "credentialKind": "Key"} }"#,
        )
        .unwrap();
        let verify = |document: &Value, signature: &str, kind: &str| {
            verify_key_assertion_of_document(
                &client_data,
                signature,
                &key,
                KeyDigest::Sha256,
                kind,
                document,
            )
        };
        verify(&body, &signature, "key.get").expect("same document verifies");
        let mut other = body.clone();
        other["firstFactorCredential"]["credentialInfo"]["credId"] = "b".into();
        assert_eq!(
            verify(&other, &signature, "key.get").unwrap_err().check,
            "challenge"
        );
        assert_eq!(
            verify(&body, &signature, "key.create").unwrap_err().check,
            "type"
        );
        assert_eq!(
            verify(&body, &tamper(&signature), "key.get")
                .unwrap_err()
                .check,
            "signature"
        );
    }
}
