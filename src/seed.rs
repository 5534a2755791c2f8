//! Deterministic derivation of every generated value from the configured seed.
//!
//! Each value is HMAC-SHA256(seed, purpose ‖ parts), with every part length-prefixed so
//! that `("ab","c")` and `("a","bc")` differ. Nothing here keeps state: callers pass the
//! counters that make successive values differ.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

const BASE36: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";

/// The root of all generated values: HMAC-SHA256 keyed once with the seed (each value
/// starts from a copy of that keyed state).
#[derive(Clone)]
pub struct Seed {
    keyed: Hmac<Sha256>,
}

impl std::fmt::Debug for Seed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Seed(..)")
    }
}

impl Seed {
    /// A seed from the configured string.
    pub(crate) fn new(seed: &str) -> Seed {
        Seed {
            keyed: Hmac::<Sha256>::new_from_slice(seed.as_bytes()).expect("HMAC takes any key"),
        }
    }

    /// 32 bytes for `purpose` and `parts`.
    pub(crate) fn bytes(&self, purpose: &str, parts: &[&str]) -> [u8; 32] {
        let mut mac = self.keyed.clone();
        for part in std::iter::once(purpose).chain(parts.iter().copied()) {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part.as_bytes());
        }
        mac.finalize().into_bytes().into()
    }

    /// A Dfns-style id: `prefix-xxxxx-xxxxx-xxxxxxxxxxxxxxxx` (31 chars for two-letter prefixes).
    pub(crate) fn dfns_id(&self, prefix: &str, parts: &[&str]) -> String {
        let chars = base36(&self.bytes(prefix, parts), 26);
        format!(
            "{prefix}-{}-{}-{}",
            &chars[..5],
            &chars[5..10],
            &chars[10..]
        )
    }

    /// A challenge in the documented form: base64url (unpadded) of 32 lowercase hex chars.
    pub(crate) fn challenge(&self, parts: &[&str]) -> String {
        let bytes = self.bytes("challenge", parts);
        let hex = data_encoding::HEXLOWER.encode(&bytes[..16]);
        URL_SAFE_NO_PAD.encode(hex)
    }

    /// `len` decimal digits (at most 38), e.g. for Google-like numeric subjects and error ids.
    pub(crate) fn digits(&self, purpose: &str, parts: &[&str], len: usize) -> String {
        let bytes = self.bytes(purpose, parts);
        let n = u128::from_be_bytes(bytes[..16].try_into().expect("16 bytes"));
        let s = format!("{n:039}");
        s[s.len() - len.min(38)..].to_string()
    }
}

/// The first `len` base36 characters drawn from `bytes` (each byte picks one char; the
/// bias of 256 mod 36 is irrelevant for ids).
fn base36(bytes: &[u8; 32], len: usize) -> String {
    bytes
        .iter()
        .take(len)
        .map(|b| BASE36[(*b as usize) % 36] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_the_dfns_shape_and_depend_on_every_part() {
        let seed = Seed::new("s");
        let re = regex::Regex::new(r"^us-[a-z0-9]{5}-[a-z0-9]{5}-[a-z0-9]{16}$").unwrap();
        let a = seed.dfns_id("us", &["ab", "c"]);
        assert!(re.is_match(&a), "{a}");
        assert_ne!(a, seed.dfns_id("us", &["a", "bc"]));
        assert_eq!(a, Seed::new("s").dfns_id("us", &["ab", "c"]));
        assert_ne!(a, Seed::new("t").dfns_id("us", &["ab", "c"]));
    }

    #[test]
    fn challenges_decode_to_32_hex_chars() {
        let c = Seed::new("s").challenge(&["x"]);
        assert_eq!(c.len(), 43);
        let decoded = URL_SAFE_NO_PAD.decode(&c).unwrap();
        assert_eq!(decoded.len(), 32);
        assert!(decoded.iter().all(|b| b.is_ascii_hexdigit()));
    }

    #[test]
    fn values_are_the_hmac_of_the_length_prefixed_parts_under_the_seed() {
        let mut mac = Hmac::<Sha256>::new_from_slice(b"dfns-mock").unwrap();
        for part in ["request-id", "session", "7"] {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part.as_bytes());
        }
        let expected: [u8; 32] = mac.finalize().into_bytes().into();
        let seed = Seed::new("dfns-mock");
        assert_eq!(seed.bytes("request-id", &["session", "7"]), expected);
        assert_eq!(
            seed.bytes("request-id", &["session", "7"]),
            expected,
            "reusable"
        );
    }

    proptest::proptest! {
        #[test]
        fn every_id_has_the_dfns_shape_and_is_a_function_of_its_inputs(
            secret in ".{0,40}",
            prefix in "[a-z]{2}",
            parts in proptest::collection::vec(".{0,20}", 0..4),
        ) {
            let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
            let id = Seed::new(&secret).dfns_id(&prefix, &parts);
            let shape = regex::Regex::new(r"^[a-z]{2}-[a-z0-9]{5}-[a-z0-9]{5}-[a-z0-9]{16}$").unwrap();
            proptest::prop_assert!(shape.is_match(&id), "{}", id);
            proptest::prop_assert_eq!(&id, &Seed::new(&secret).dfns_id(&prefix, &parts));
            let mut longer = parts.clone();
            longer.push("");
            proptest::prop_assert_ne!(&id, &Seed::new(&secret).dfns_id(&prefix, &longer));
        }

        #[test]
        fn digits_and_challenges_keep_their_form(
            secret in ".{0,40}",
            part in ".{0,40}",
            len in 1usize..=38,
        ) {
            let seed = Seed::new(&secret);
            let digits = seed.digits("request-id", &[&part], len);
            proptest::prop_assert_eq!(digits.len(), len);
            proptest::prop_assert!(digits.bytes().all(|b| b.is_ascii_digit()));
            let challenge = seed.challenge(&[&part]);
            let decoded = URL_SAFE_NO_PAD.decode(&challenge).unwrap();
            proptest::prop_assert_eq!(decoded.len(), 32);
            proptest::prop_assert!(decoded.iter().all(|b| b.is_ascii_hexdigit()));
        }
    }
}
