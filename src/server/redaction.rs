//! Journal redaction (`journal_redact`): credentials in journaled headers, bodies and
//! annotations are replaced with [`REDACTED`] whenever the journal is listed (entries are
//! recorded raw and read into JSON then), so a journal read by the wrong reader leaks no
//! token and no one-time code.

use serde_json::Value;

use crate::journal::{Captured, Listed};

/// What a redacted value reads.
pub const REDACTED: &str = "[redacted]";

/// Headers whose values are credentials.
const SECRET_HEADERS: &[&str] = &[
    "authorization",
    "cookie",
    "set-cookie",
    "x-dfns-appsecret",
    super::guard::ADMIN_TOKEN_HEADER,
];

/// Whether a JSON member named `key` holds a credential (any `…token`, `…secret`,
/// `…password`, `code_verifier`, and the one-time codes: `…code`, e.g. `loginCode`,
/// `verificationCode`, `otpCode`, `sentCode.code`).
fn secret_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase().replace(['_', '-'], "");
    key.ends_with("token")
        || key.ends_with("secret")
        || key.ends_with("password")
        || key == "codeverifier"
        || key.ends_with("code")
}

/// Redacts a listed `entry`'s secret headers and the secret members of its request, response
/// and annotations; a body kept only as a cut prefix (unparsed text) is redacted whole.
pub(crate) fn redact(entry: &mut Listed) {
    for (name, value) in entry.headers.iter_mut() {
        if SECRET_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
            *value = REDACTED.into();
        }
    }
    for (which, value) in [
        (Captured::Body, &mut entry.body),
        (Captured::Response, &mut entry.response),
    ] {
        match entry.truncated.contains_key(&which) {
            true => *value = Value::String(REDACTED.into()),
            false => redact_value(value),
        }
    }
    for member in entry.annotations.values_mut() {
        redact_value(member);
    }
}

fn redact_value(value: &mut Value) {
    match value {
        Value::Object(members) => {
            for (key, member) in members.iter_mut() {
                if secret_key(key) && !member.is_null() {
                    *member = Value::String(REDACTED.into());
                } else {
                    redact_value(member);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact_value),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_anywhere_in_a_body_are_redacted_and_the_rest_kept() {
        let mut body = serde_json::json!({
            "idToken": "eyJ.a.b",
            "orgId": "or-1",
            "authentication": { "token": "eyJ.c.d" },
            "list": [{ "temporaryAuthenticationToken": "eyJ.e.f", "kind": "Fido2" }],
            "id_token": "eyJ.g.h",
            "loginCode": "1234-1234-1234-1234",
        });
        redact_value(&mut body);
        assert_eq!(
            body,
            serde_json::json!({
                "idToken": REDACTED,
                "orgId": "or-1",
                "authentication": { "token": REDACTED },
                "list": [{ "temporaryAuthenticationToken": REDACTED, "kind": "Fido2" }],
                "id_token": REDACTED,
            "loginCode": REDACTED,
            })
        );
    }
}
