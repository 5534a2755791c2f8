//! A software authenticator: a P-256 key that builds real WebAuthn attestation objects and
//! assertions, the way a browser's authenticator would, for driving the mock in tests.
#![allow(dead_code)]

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{DerSignature, SigningKey};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// How the attestation is made.
#[derive(Clone, Copy, PartialEq)]
pub enum Attestation {
    None,
    PackedSelf,
    PackedX5c,
}

pub struct Authenticator {
    pub key: SigningKey,
    pub cred_id: Vec<u8>,
    pub rp_id: String,
    pub origin: String,
    pub counter: u32,
    pub flags: u8,
}

impl Authenticator {
    pub fn new(seed: u8) -> Authenticator {
        let key = SigningKey::from_slice(&Sha256::digest([seed; 8])).unwrap();
        Authenticator {
            key,
            cred_id: Sha256::digest([seed, 1]).to_vec(),
            rp_id: "localhost".into(),
            origin: "http://localhost:3000".into(),
            counter: 0,
            flags: 0x01 | 0x04, // UP | UV
        }
    }

    /// The fixture passkey of `fixtures/users.yaml`.
    pub fn fixture() -> Authenticator {
        use p256::pkcs8::DecodePrivateKey;
        let pem = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/passkey-p256.pem"
        ))
        .unwrap();
        Authenticator {
            key: SigningKey::from_pkcs8_pem(&pem).unwrap(),
            cred_id: Sha256::digest(b"dfns-mock fixture passkey").to_vec(),
            ..Authenticator::new(0)
        }
    }

    pub fn cred_id(&self) -> String {
        b64(&self.cred_id)
    }

    /// clientDataJSON as Chrome writes it, the challenge base64url of its UTF-8 bytes.
    pub fn client_data(&self, kind: &str, challenge: &str) -> Vec<u8> {
        json!({ "type": kind, "challenge": b64(challenge.as_bytes()), "origin": self.origin, "crossOrigin": false })
            .to_string()
            .into_bytes()
    }

    fn auth_data(&self, attested: bool) -> Vec<u8> {
        let mut data = Sha256::digest(self.rp_id.as_bytes()).to_vec();
        data.push(self.flags | if attested { 0x40 } else { 0 });
        data.extend_from_slice(&self.counter.to_be_bytes());
        if attested {
            data.extend_from_slice(&[0u8; 16]);
            data.extend_from_slice(&(self.cred_id.len() as u16).to_be_bytes());
            data.extend_from_slice(&self.cred_id);
            let public = dfns_mock::CredentialKey::Es256(*self.key.verifying_key());
            data.extend_from_slice(&dfns_mock::to_cose(&public));
        }
        data
    }

    /// `firstFactorCredential` for a registration answering `challenge`.
    pub fn create(&mut self, challenge: &str, attestation: Attestation) -> Value {
        let client_data = self.client_data("webauthn.create", challenge);
        let auth_data = self.auth_data(true);
        let mut signed = auth_data.clone();
        signed.extend_from_slice(&Sha256::digest(&client_data));
        use ciborium::Value as C;
        let statement = match attestation {
            Attestation::None => C::Map(vec![]),
            Attestation::PackedSelf => {
                let sig: DerSignature = self.key.sign(&signed);
                C::Map(vec![
                    (C::Text("alg".into()), C::Integer((-7).into())),
                    (C::Text("sig".into()), C::Bytes(sig.as_bytes().to_vec())),
                ])
            }
            Attestation::PackedX5c => {
                let attestation_key =
                    rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
                let cert = rcgen::CertificateParams::new(vec![])
                    .unwrap()
                    .self_signed(&attestation_key)
                    .unwrap();
                use p256::pkcs8::DecodePrivateKey;
                let signer = SigningKey::from_pkcs8_der(&attestation_key.serialize_der()).unwrap();
                let sig: DerSignature = signer.sign(&signed);
                C::Map(vec![
                    (C::Text("alg".into()), C::Integer((-7).into())),
                    (C::Text("sig".into()), C::Bytes(sig.as_bytes().to_vec())),
                    (
                        C::Text("x5c".into()),
                        C::Array(vec![C::Bytes(cert.der().to_vec())]),
                    ),
                ])
            }
        };
        let fmt = if attestation == Attestation::None {
            "none"
        } else {
            "packed"
        };
        let object = C::Map(vec![
            (C::Text("fmt".into()), C::Text(fmt.into())),
            (C::Text("attStmt".into()), statement),
            (C::Text("authData".into()), C::Bytes(auth_data)),
        ]);
        let mut cbor = Vec::new();
        ciborium::ser::into_writer(&object, &mut cbor).unwrap();
        json!({
            "credentialKind": "Fido2",
            "credentialInfo": { "credId": self.cred_id(), "clientData": b64(&client_data), "attestationData": b64(&cbor) },
            "credentialName": "Test passkey",
        })
    }

    /// `firstFactor` of `POST /auth/login` answering `challenge`; bumps the counter.
    pub fn get(&mut self, challenge: &str, user_id: Option<&str>) -> Value {
        self.counter += 1;
        let client_data = self.client_data("webauthn.get", challenge);
        let auth_data = self.auth_data(false);
        let mut signed = auth_data.clone();
        signed.extend_from_slice(&Sha256::digest(&client_data));
        let sig: DerSignature = self.key.sign(&signed);
        let mut assertion = json!({
            "credId": self.cred_id(),
            "clientData": b64(&client_data),
            "authenticatorData": b64(&auth_data),
            "signature": b64(sig.as_bytes()),
        });
        if let Some(user_id) = user_id {
            assertion["userHandle"] = json!(b64(user_id.as_bytes()));
        }
        json!({ "kind": "Fido2", "credentialAssertion": assertion })
    }
}

/// A Dfns `Key` credential: a P-256 key making what `@dfns/sdk-browser`'s `BrowserKeySigner`
/// makes (`key.create` attestation over the credential info fingerprint, `key.get`
/// assertions signed over the client data bytes).
pub struct KeyCredential {
    pub key: SigningKey,
    pub cred_id: String,
}

impl KeyCredential {
    pub fn new(seed: u8) -> KeyCredential {
        KeyCredential {
            key: SigningKey::from_slice(&Sha256::digest([seed; 4])).unwrap(),
            cred_id: b64(&Sha256::digest([seed, 9])),
        }
    }

    /// `JSON.stringify({type, challenge})`: no origin, in the signer's key order.
    fn client_data(kind: &str, challenge: &str) -> String {
        format!(r#"{{"type":"{kind}","challenge":"{challenge}"}}"#)
    }

    fn sign_der(&self, data: &[u8]) -> Vec<u8> {
        let sig: DerSignature = self.key.sign(data);
        sig.as_bytes().to_vec()
    }

    /// The PEM as the browser signer exports it: 64-character lines, no final newline.
    pub fn public_key_pem(&self) -> String {
        use p256::pkcs8::EncodePublicKey;
        self.key
            .verifying_key()
            .to_public_key_pem(p256::pkcs8::LineEnding::LF)
            .unwrap()
            .trim_end()
            .to_string()
    }

    pub fn create(&self, challenge: &str) -> Value {
        let client_data = Self::client_data("key.create", challenge);
        let pem = self.public_key_pem();
        // `JSON.stringify({clientDataHash, publicKey})`.
        let fingerprint = format!(
            r#"{{"clientDataHash":"{}","publicKey":{}}}"#,
            hex(&Sha256::digest(client_data.as_bytes())),
            Value::from(pem.as_str())
        );
        let signature = hex(&self.sign_der(fingerprint.as_bytes()));
        let attestation = json!({ "publicKey": pem, "signature": signature });
        json!({
            "credentialKind": "Key",
            "credentialInfo": {
                "credId": self.cred_id,
                "clientData": b64(client_data.as_bytes()),
                "attestationData": b64(attestation.to_string().as_bytes()),
            },
        })
    }

    pub fn get(&self, challenge: &str) -> Value {
        let client_data = Self::client_data("key.get", challenge);
        json!({
            "kind": "Key",
            "credentialAssertion": {
                "credId": self.cred_id,
                "clientData": b64(client_data.as_bytes()),
                "signature": b64(&self.sign_der(client_data.as_bytes())),
            },
        })
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
