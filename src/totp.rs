//! RFC 6238 time-based one-time passwords (SHA-1, 6 digits, 30 s), checked against the
//! mock's clock with one step of tolerance either way.

use hmac::{Hmac, Mac};
use sha1::Sha1;

/// Seconds per code.
pub(crate) const STEP: i64 = 30;

/// The 6-digit code for `secret` at Unix time `at`.
pub fn code(secret: &[u8], at: i64) -> String {
    let counter = (at.div_euclid(STEP)) as u64;
    let mut mac = Hmac::<Sha1>::new_from_slice(secret).expect("HMAC takes any key");
    mac.update(&counter.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = (digest[19] & 0x0f) as usize;
    let binary =
        u32::from_be_bytes(digest[offset..offset + 4].try_into().expect("4 bytes")) & 0x7fff_ffff;
    format!("{:06}", binary % 1_000_000)
}

/// Whether `candidate` is the code at `now`, one step before or one after.
pub(crate) fn verify(secret: &[u8], candidate: &str, now: i64) -> bool {
    [-STEP, 0, STEP]
        .iter()
        .any(|delta| code(secret, now + delta) == candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_6238_sha1_test_vectors() {
        // RFC 6238 appendix B (8 digits there; the last 6 digits here).
        let secret = b"12345678901234567890";
        assert_eq!(code(secret, 59), "287082");
        assert_eq!(code(secret, 1_111_111_109), "081804");
        assert_eq!(code(secret, 1_234_567_890), "005924");
        assert_eq!(code(secret, 20_000_000_000), "353130");
        assert!(verify(secret, "287082", 59 + 30));
        assert!(!verify(secret, "287082", 59 + 90));
    }
}
