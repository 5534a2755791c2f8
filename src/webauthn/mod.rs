//! WebAuthn verification as a relying party: client data, authenticator data, attestation
//! objects (`none` and `packed`, self or with `x5c`) and assertions; and key credentials
//! (`key.create`/`key.get`) in the format of the official Dfns key signers. Every failure
//! names the check that failed. Knows nothing of Dfns's API or HTTP.

// Recovery and the credential list (issue 10's other half) use the document assertion,
// the PEM and the client data; everything else is in use.
#[allow(dead_code)]
mod key_credential;
pub mod keys;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ciborium::Value as Cbor;
use sha2::{Digest, Sha256};

#[allow(unused_imports)] // the recovery endpoints use the document assertion
pub use key_credential::{
    verify_key_assertion, verify_key_assertion_of_document, verify_key_registration,
};
pub use keys::{CredentialKey, KeyDigest};

/// Flag: user present.
pub(crate) const FLAG_UP: u8 = 0x01;
/// Flag: user verified.
pub(crate) const FLAG_UV: u8 = 0x04;
/// Flag: attested credential data included.
pub(crate) const FLAG_AT: u8 = 0x40;

/// A failed check: `check` names it (`challenge`, `origin`, `rpIdHash`, …).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub(crate) struct WebauthnError {
    /// The check that failed.
    pub(crate) check: &'static str,
    /// Why.
    pub(crate) message: String,
}

fn fail<T>(check: &'static str, message: impl Into<String>) -> Result<T, WebauthnError> {
    Err(WebauthnError {
        check,
        message: message.into(),
    })
}

/// What the relying party expects of a ceremony.
#[derive(Debug, Clone)]
pub(crate) struct Expectations<'a> {
    /// The challenge string the server issued.
    pub(crate) challenge: &'a str,
    /// `webauthn.create`, `webauthn.get`, `key.create` or `key.get`.
    pub(crate) client_data_type: &'a str,
    /// Allowed origins; `scheme://host:*` allows any port.
    pub(crate) origins: &'a [String],
    /// The RP id whose SHA-256 the authenticator data must carry.
    pub(crate) rp_id: &'a str,
    /// Whether the UV flag is required.
    pub(crate) user_verification_required: bool,
}

/// Decoded `clientDataJSON` whose type, challenge and origin were checked.
#[derive(Debug, Clone)]
pub(crate) struct ClientData {
    /// The exact bytes (hashed into signatures).
    pub raw: Vec<u8>,
    /// `challenge`.
    pub challenge: String,
    /// `origin`: always there in WebAuthn, absent from what the Dfns key signers send.
    pub origin: Option<String>,
}

/// Decodes base64url (padding tolerated) or fails the named check.
pub(crate) fn b64(field: &'static str, value: &str) -> Result<Vec<u8>, WebauthnError> {
    URL_SAFE_NO_PAD
        .decode(value.trim_end_matches('='))
        .or_else(|_| fail(field, format!("{field} is not base64url")))
}

/// Decodes client data (base64url JSON with string `type` and `challenge`) and checks its
/// type; nothing else.
fn read_client_data(
    client_data_b64: &str,
    client_data_type: &str,
) -> Result<ClientData, WebauthnError> {
    let raw = b64("clientData", client_data_b64)?;
    let json: serde_json::Value = serde_json::from_slice(&raw)
        .or_else(|e| fail("clientData", format!("clientData is not JSON: {e}")))?;
    let field = |name: &str| json.get(name).and_then(|v| v.as_str()).map(String::from);
    let (Some(kind), Some(challenge)) = (field("type"), field("challenge")) else {
        return fail("clientData", "clientData lacks type or challenge");
    };
    if kind != client_data_type {
        return fail(
            "type",
            format!("clientData type is `{kind}`, expected `{client_data_type}`"),
        );
    }
    Ok(ClientData {
        raw,
        challenge,
        origin: field("origin"),
    })
}

/// Parses client data and checks its type and challenge (base64url of the challenge's UTF-8
/// bytes, as browsers send it, or the raw challenge, as the Dfns key signers send it). The
/// origin is read, not checked.
fn parse_client_data(
    client_data_b64: &str,
    expected: &Expectations,
) -> Result<ClientData, WebauthnError> {
    let client_data = read_client_data(client_data_b64, expected.client_data_type)?;
    let encoded = URL_SAFE_NO_PAD.encode(expected.challenge.as_bytes());
    if client_data.challenge != encoded && client_data.challenge != expected.challenge {
        return fail(
            "challenge",
            format!(
                "clientData challenge `{}` is not the one issued",
                client_data.challenge
            ),
        );
    }
    Ok(client_data)
}

/// Parses and checks WebAuthn client data: type, challenge (see [`parse_client_data`]) and
/// an origin among the allowed ones.
pub fn check_client_data(
    client_data_b64: &str,
    expected: &Expectations,
) -> Result<ClientData, WebauthnError> {
    let client_data = parse_client_data(client_data_b64, expected)?;
    let Some(origin) = &client_data.origin else {
        return fail("clientData", "clientData lacks origin");
    };
    if !expected
        .origins
        .iter()
        .any(|pattern| origin_allowed(pattern, origin))
    {
        return fail(
            "origin",
            format!(
                "origin `{origin}` is not allowed (allowed: {})",
                expected.origins.join(", ")
            ),
        );
    }
    Ok(client_data)
}

/// `pattern` is an origin, or `scheme://host:*` for any port (or none).
pub(crate) fn origin_allowed(pattern: &str, origin: &str) -> bool {
    match pattern.strip_suffix(":*") {
        Some(base) => {
            origin == base
                || origin
                    .strip_prefix(base)
                    .and_then(|rest| rest.strip_prefix(':'))
                    .is_some_and(|port| {
                        !port.is_empty() && port.chars().all(|c| c.is_ascii_digit())
                    })
        }
        None => pattern == origin,
    }
}

/// Parsed authenticator data.
#[derive(Debug, Clone)]
pub(crate) struct AuthenticatorData {
    /// The raw bytes (signed over).
    pub(crate) raw: Vec<u8>,
    /// SHA-256 of the RP id.
    pub(crate) rp_id_hash: [u8; 32],
    /// Flags.
    pub(crate) flags: u8,
    /// Signature counter.
    pub(crate) sign_count: u32,
    /// Attested credential: (credential id, COSE key bytes).
    pub(crate) attested: Option<(Vec<u8>, Vec<u8>)>,
}

/// Parses authenticator data.
pub(crate) fn parse_authenticator_data(raw: &[u8]) -> Result<AuthenticatorData, WebauthnError> {
    if raw.len() < 37 {
        return fail(
            "authenticatorData",
            format!(
                "authenticator data is {} bytes, at least 37 expected",
                raw.len()
            ),
        );
    }
    let rp_id_hash: [u8; 32] = raw[..32].try_into().expect("32 bytes");
    let flags = raw[32];
    let sign_count = u32::from_be_bytes(raw[33..37].try_into().expect("4 bytes"));
    let attested = if flags & FLAG_AT != 0 {
        if raw.len() < 55 {
            return fail("authenticatorData", "attested credential data is truncated");
        }
        let len = u16::from_be_bytes([raw[53], raw[54]]) as usize;
        let id_end = 55 + len;
        if raw.len() <= id_end {
            return fail(
                "authenticatorData",
                "credential id or public key is truncated",
            );
        }
        let cred_id = raw[55..id_end].to_vec();
        // The COSE key is one CBOR item; extensions may follow it.
        let mut cursor = std::io::Cursor::new(&raw[id_end..]);
        let _: Cbor = ciborium::de::from_reader(&mut cursor).or_else(|e| {
            fail(
                "authenticatorData",
                format!("credential public key is not CBOR: {e}"),
            )
        })?;
        let key_len = cursor.position() as usize;
        Some((cred_id, raw[id_end..id_end + key_len].to_vec()))
    } else {
        None
    };
    Ok(AuthenticatorData {
        raw: raw.to_vec(),
        rp_id_hash,
        flags,
        sign_count,
        attested,
    })
}

fn check_authenticator_data(
    data: &AuthenticatorData,
    expected: &Expectations,
) -> Result<(), WebauthnError> {
    if data.rp_id_hash != <[u8; 32]>::from(Sha256::digest(expected.rp_id.as_bytes())) {
        return fail(
            "rpIdHash",
            format!("authenticator data is not for RP id `{}`", expected.rp_id),
        );
    }
    if data.flags & FLAG_UP == 0 {
        return fail("flags", "user presence (UP) flag is not set");
    }
    if expected.user_verification_required && data.flags & FLAG_UV == 0 {
        return fail(
            "flags",
            "user verification is required but the UV flag is not set",
        );
    }
    Ok(())
}

/// A credential that passed registration.
#[derive(Debug, Clone)]
pub(crate) struct RegisteredCredential {
    /// Its public key.
    pub(crate) key: CredentialKey,
    /// Initial signature counter.
    pub(crate) sign_count: u32,
}

/// Verifies a WebAuthn registration (`credentialInfo` of a Fido2 credential).
pub(crate) fn verify_registration(
    cred_id_b64: &str,
    client_data_b64: &str,
    attestation_b64: &str,
    allowed_algs: &[i64],
    expected: &Expectations,
) -> Result<RegisteredCredential, WebauthnError> {
    let client_data = check_client_data(client_data_b64, expected)?;
    let object: Cbor = ciborium::de::from_reader(
        b64("attestationData", attestation_b64)?.as_slice(),
    )
    .or_else(|e| {
        fail(
            "attestationData",
            format!("attestationData is not CBOR: {e}"),
        )
    })?;
    let entry = |name: &str| {
        object
            .as_map()
            .and_then(|m| m.iter().find(|(k, _)| k.as_text() == Some(name)))
            .map(|(_, v)| v.clone())
    };
    let fmt = entry("fmt").and_then(|v| v.as_text().map(String::from));
    let auth_data = entry("authData").and_then(|v| v.as_bytes().cloned());
    let att_stmt = entry("attStmt");
    let (Some(fmt), Some(auth_data), Some(att_stmt)) = (fmt, auth_data, att_stmt) else {
        return fail(
            "attestationData",
            "attestation object lacks fmt, authData or attStmt",
        );
    };
    let data = parse_authenticator_data(&auth_data)?;
    check_authenticator_data(&data, expected)?;
    let Some((cred_id, cose)) = &data.attested else {
        return fail("authenticatorData", "no attested credential data (AT flag)");
    };
    if b64("credId", cred_id_b64)? != *cred_id {
        return fail(
            "credId",
            "credId differs from the credential id in the authenticator data",
        );
    }
    let key = CredentialKey::from_cose(cose).or_else(|e| fail("publicKey", e))?;
    if !allowed_algs.contains(&key.alg()) {
        return fail(
            "alg",
            format!(
                "credential algorithm {} is not offered (pubKeyCredParams: {allowed_algs:?})",
                key.alg()
            ),
        );
    }
    let statement = |name: &str| {
        att_stmt
            .as_map()
            .and_then(|m| m.iter().find(|(k, _)| k.as_text() == Some(name)))
            .map(|(_, v)| v.clone())
    };
    match fmt.as_str() {
        "none" => {
            if att_stmt.as_map().is_none_or(|m| !m.is_empty()) {
                return fail("attestation", "fmt `none` must have an empty attStmt");
            }
        }
        "packed" => {
            let alg = statement("alg")
                .and_then(|v| v.as_integer())
                .map(i128::from);
            let Some(sig) = statement("sig").and_then(|v| v.as_bytes().cloned()) else {
                return fail("attestation", "packed attestation has no sig");
            };
            let mut signed = auth_data.clone();
            signed.extend_from_slice(&Sha256::digest(&client_data.raw));
            let verifier = match statement("x5c").and_then(|v| v.as_array().cloned()) {
                Some(chain) => {
                    let Some(leaf) = chain.first().and_then(|c| c.as_bytes()) else {
                        return fail("attestation", "packed x5c is empty");
                    };
                    CredentialKey::from_certificate(leaf).or_else(|e| fail("attestation", e))?
                }
                None => {
                    if alg != Some(key.alg() as i128) {
                        return fail(
                            "attestation",
                            "self attestation alg differs from the credential's",
                        );
                    }
                    key.clone()
                }
            };
            if !verifier.verify(&signed, &sig) {
                return fail("attestation", "packed attestation signature is invalid");
            }
        }
        other => {
            return fail(
                "attestation",
                format!("attestation format `{other}` is not supported (none, packed)"),
            )
        }
    }
    Ok(RegisteredCredential {
        key,
        sign_count: data.sign_count,
    })
}

/// Verifies a WebAuthn assertion against a stored key and counter; returns the new counter.
pub(crate) fn verify_assertion(
    client_data_b64: &str,
    authenticator_data_b64: &str,
    signature_b64: &str,
    key: &CredentialKey,
    stored_count: u32,
    expected: &Expectations,
) -> Result<u32, WebauthnError> {
    let client_data = check_client_data(client_data_b64, expected)?;
    let data = parse_authenticator_data(&b64("authenticatorData", authenticator_data_b64)?)?;
    check_authenticator_data(&data, expected)?;
    let mut signed = data.raw.clone();
    signed.extend_from_slice(&Sha256::digest(&client_data.raw));
    if !key.verify(&signed, &b64("signature", signature_b64)?) {
        return fail("signature", "assertion signature is invalid");
    }
    if (data.sign_count != 0 || stored_count != 0) && data.sign_count <= stored_count {
        return fail(
            "signCount",
            format!(
                "signature counter went from {stored_count} to {}: the credential may be cloned",
                data.sign_count
            ),
        );
    }
    Ok(data.sign_count)
}

/// Decodes lowercase or uppercase hex (optional `0x`).
pub(crate) fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    let hex = hex.strip_prefix("0x").unwrap_or(hex);
    if !hex.len().is_multiple_of(2) || !hex.is_ascii() {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_decoding_refuses_what_is_not_hex() {
        assert_eq!(decode_hex("0x0aFf"), Some(vec![0x0a, 0xff]));
        assert_eq!(decode_hex("abc"), None);
        assert_eq!(decode_hex("éé"), None);
        assert_eq!(decode_hex("zz"), None);
    }

    #[test]
    fn truncated_authenticator_data_is_an_error_not_a_panic() {
        let mut data = vec![0u8; 37];
        data[32] = FLAG_AT;
        for len in [0, 10, 37, 54, 55, 60] {
            let mut d = data.clone();
            d.resize(len, 0);
            if len > 32 {
                d[32] = FLAG_AT;
            }
            let _ = parse_authenticator_data(&d);
        }
        let mut long = vec![0u8; 55];
        long[32] = FLAG_AT;
        long[53] = 0xff;
        long[54] = 0xff;
        assert!(parse_authenticator_data(&long).is_err());
    }

    fn expectations<'a>(origins: &'a [String]) -> Expectations<'a> {
        Expectations {
            challenge: "c-1",
            client_data_type: "webauthn.get",
            origins,
            rp_id: "localhost",
            user_verification_required: true,
        }
    }

    #[test]
    fn the_challenge_may_be_raw_or_base64url_of_its_utf8_bytes() {
        let origins = vec!["http://localhost:*".to_string()];
        for challenge in ["c-1".to_string(), URL_SAFE_NO_PAD.encode("c-1")] {
            let json = serde_json::json!({ "type": "webauthn.get", "challenge": challenge, "origin": "http://localhost:5173" });
            let encoded = URL_SAFE_NO_PAD.encode(json.to_string());
            assert!(
                check_client_data(&encoded, &expectations(&origins)).is_ok(),
                "{challenge}"
            );
        }
        let json = serde_json::json!({ "type": "webauthn.get", "challenge": "c-2", "origin": "http://localhost:5173" });
        let err = check_client_data(
            &URL_SAFE_NO_PAD.encode(json.to_string()),
            &expectations(&origins),
        )
        .unwrap_err();
        assert_eq!(err.check, "challenge");
    }

    #[test]
    fn user_presence_is_required() {
        let origins = vec![];
        let mut data = Sha256::digest(b"localhost").to_vec();
        data.push(FLAG_UV); // verified but not present
        data.extend_from_slice(&[0, 0, 0, 1]);
        let parsed = parse_authenticator_data(&data).unwrap();
        let err = check_authenticator_data(&parsed, &expectations(&origins)).unwrap_err();
        assert_eq!(
            (err.check, err.message.contains("presence")),
            ("flags", true)
        );
    }

    #[test]
    fn origin_patterns() {
        assert!(origin_allowed(
            "http://localhost:*",
            "http://localhost:5173"
        ));
        assert!(origin_allowed("http://localhost:*", "http://localhost"));
        assert!(!origin_allowed(
            "http://localhost:*",
            "http://localhost.evil.test"
        ));
        assert!(!origin_allowed("http://localhost:*", "http://localhost:"));
        assert!(origin_allowed("https://app.test", "https://app.test"));
        assert!(!origin_allowed("https://app.test", "https://app.test:8443"));
    }
}
