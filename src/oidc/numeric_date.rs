//! The time claims `exp`, `nbf` and `iat` (NumericDate, RFC 7519 §2): the range the issuer
//! mints and its verifier accepts, 1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z. Inside it
//! every sum with a leeway or a lifetime is far from `i64` overflow and every instant prints
//! as RFC 3339; sums that could leave it are computed with checked arithmetic.

use serde_json::Value;

/// The earliest accepted instant: the Unix epoch.
pub const EARLIEST: i64 = 0;
/// The latest accepted instant: 9999-12-31T23:59:59Z.
pub const LATEST: i64 = 253_402_300_799;

/// A time claim outside [`EARLIEST`]..=[`LATEST`].
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "claim `{claim}` is {value}, outside the NumericDate range {EARLIEST}..={LATEST} \
     (1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z)"
)]
pub struct OutOfRange {
    /// `exp`, `nbf` or `iat`.
    pub claim: &'static str,
    /// The value, or the sum that gave it.
    pub value: String,
}

/// `value` of time claim `claim` in seconds: `None` when it is not an integer, an error when
/// it is an integer outside the range (`u64` beyond `i64` included).
pub fn seconds(claim: &'static str, value: &Value) -> Option<Result<i64, OutOfRange>> {
    let Value::Number(number) = value else {
        return None;
    };
    if !(number.is_i64() || number.is_u64()) {
        return None;
    }
    Some(match number.as_i64() {
        Some(secs) => check(claim, secs),
        None => Err(OutOfRange {
            claim,
            value: number.to_string(),
        }),
    })
}

/// `secs` as time claim `claim`, refused outside the range.
pub fn check(claim: &'static str, secs: i64) -> Result<i64, OutOfRange> {
    if (EARLIEST..=LATEST).contains(&secs) {
        Ok(secs)
    } else {
        Err(OutOfRange {
            claim,
            value: secs.to_string(),
        })
    }
}

/// `base + secs` as time claim `claim`, refused when it overflows or leaves the range.
pub fn add(claim: &'static str, base: i64, secs: i64) -> Result<i64, OutOfRange> {
    base.checked_add(secs)
        .and_then(|sum| check(claim, sum).ok())
        .ok_or_else(|| OutOfRange {
            claim,
            value: format!("{base} + {secs}"),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn integers_inside_the_range_pass_and_the_rest_say_why() {
        assert_eq!(seconds("exp", &json!(LATEST)), Some(Ok(LATEST)));
        assert_eq!(seconds("exp", &json!(0)), Some(Ok(0)));
        for value in [
            json!(-1),
            json!(LATEST + 1),
            json!(i64::MAX),
            json!(u64::MAX),
        ] {
            let err = seconds("exp", &value).unwrap().unwrap_err();
            assert_eq!(err.value, value.to_string());
        }
        assert_eq!(seconds("iat", &json!("soon")), None);
        assert_eq!(seconds("iat", &json!(1.5)), None);
        assert_eq!(add("exp", 10, -3), Ok(7));
        let err = add("exp", i64::MAX - 1, 3600).unwrap_err();
        assert_eq!(err.value, format!("{} + 3600", i64::MAX - 1));
        assert!(add("exp", 5, -6).is_err());
    }
}
