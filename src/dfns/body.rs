//! Dfns request bodies: parse errors in the Dfns shape, and field-by-field validation
//! that reports every violation with the field's name (dotted inside nested objects). Each
//! endpoint's body is a struct of its handler file implementing [`FromBody`] with an
//! [`ObjectReader`], so the handler only ever sees the typed struct.

use std::sync::LazyLock;

use bytes::Bytes;
use regex::Regex;
use serde_json::{json, Map, Value};
use warp::http::StatusCode;

use super::error::ApiError;
use crate::body::BodyError;

/// A pattern a string field must match, and the shape it stands for in messages.
pub(crate) struct Pattern {
    /// The expression.
    pub(crate) regex: Regex,
    /// What a matching value looks like (`or-xxxxx-…`).
    pub(crate) shape: &'static str,
}

/// Org ids as the contract gives them.
pub(crate) static ORG_ID: LazyLock<Pattern> = LazyLock::new(|| Pattern {
    regex: Regex::new(r"^or-[a-z0-9]{5}-[a-z0-9]{5}-[a-z0-9]{14,16}$").expect("valid regex"),
    shape: "or-xxxxx-xxxxx-xxxxxxxxxxxxxxxx",
});

/// Parses a JSON request body into the Dfns error shape (see `From<BodyError> for ApiError`).
pub(crate) fn parse_json(
    content_type: Option<&str>,
    body: &Result<Bytes, BodyError>,
) -> Result<Value, ApiError> {
    crate::body::parse_json(content_type, body).map_err(ApiError::from)
}

/// A request body read into its typed struct: unknown fields refused, every violation
/// reported with its field (`details.errors`), the first one in the message.
pub(crate) trait FromBody: Sized {
    /// Reads `body`, the request's parsed JSON.
    fn from_body(body: &Value) -> Result<Self, ApiError>;
}

/// Violations collected while reading a body.
#[derive(Debug, Default)]
pub(crate) struct FieldErrors {
    errors: Vec<(String, String)>,
}

impl FieldErrors {
    /// Records that `field` is wrong because of `reason`.
    pub(crate) fn push(&mut self, field: &str, reason: impl Into<String>) {
        self.errors.push((field.to_string(), reason.into()));
    }

    /// Records that `value` of `field`, when given, does not match `pattern`; `false` then.
    pub(crate) fn pattern(&mut self, field: &str, value: Option<&str>, pattern: &Pattern) -> bool {
        match value.filter(|v| !pattern.regex.is_match(v)) {
            Some(value) => {
                let (regex, shape) = (pattern.regex.as_str(), pattern.shape);
                self.push(
                    field,
                    format!("must match {regex} ({shape}), got \"{value}\""),
                );
                false
            }
            None => true,
        }
    }

    /// `Ok` when nothing was recorded, else a 400 naming the first field in the message
    /// and every field in `details.errors`.
    pub(crate) fn into_result(self) -> Result<(), ApiError> {
        let Some((field, reason)) = self.errors.first() else {
            return Ok(());
        };
        let all: Vec<Value> = self
            .errors
            .iter()
            .map(|(field, reason)| json!({ "field": field, "reason": reason }))
            .collect();
        Err(ApiError::invalid_field(field, reason.clone()).detail("errors", all))
    }
}

/// Reads typed fields out of a JSON object, recording violations instead of stopping;
/// [`finish`](Self::finish) reports them all.
pub(crate) struct ObjectReader<'a> {
    object: &'a Map<String, Value>,
    errors: FieldErrors,
    /// `outer.` for a nested object's fields, empty at the top of the body.
    prefix: String,
}

impl<'a> ObjectReader<'a> {
    /// A reader over `body`, which must be a JSON object.
    pub(crate) fn new(body: &'a Value) -> Result<ObjectReader<'a>, ApiError> {
        match body {
            Value::Object(object) => Ok(ObjectReader {
                object,
                errors: FieldErrors::default(),
                prefix: String::new(),
            }),
            other => Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                format!(
                    "request body must be a JSON object, got {}",
                    json_type(other)
                ),
            )),
        }
    }

    /// `Some` when `field` is given (not null), else records that it is required.
    fn present(&mut self, field: &str) -> Option<()> {
        if matches!(self.object.get(field), None | Some(Value::Null)) {
            self.push(field, "is required");
            return None;
        }
        Some(())
    }

    /// The dotted name of `field` in the whole body.
    fn name(&self, field: &str) -> String {
        format!("{}{field}", self.prefix)
    }

    /// A required string of any length, else `is required and must be a string` (the
    /// wording for opaque payloads such as a signature's parts).
    pub(crate) fn required_text(&mut self, field: &str) -> Option<String> {
        let text = self.object.get(field).and_then(Value::as_str);
        if text.is_none() {
            self.push(field, "is required and must be a string");
        }
        text.map(str::to_string)
    }

    /// The object at `field`, else records `is required and must be an object`.
    pub(crate) fn required_object(&mut self, field: &str) -> Option<&'a Map<String, Value>> {
        let object = self.object.get(field).and_then(Value::as_object);
        if object.is_none() {
            self.push(field, "is required and must be an object");
        }
        object
    }

    /// Reads `object`, found at `field`, with `read`: its fields are named `field.…` and its
    /// violations recorded here, in order with this reader's.
    pub(crate) fn nested<R>(
        &mut self,
        field: &str,
        object: &'a Map<String, Value>,
        read: impl FnOnce(&mut ObjectReader<'a>) -> R,
    ) -> R {
        let mut inner = ObjectReader {
            object,
            errors: std::mem::take(&mut self.errors),
            prefix: format!("{}.", self.name(field)),
        };
        let read = read(&mut inner);
        self.errors = inner.errors;
        read
    }

    /// A required string of `min..=max` characters.
    pub(crate) fn required_string(
        &mut self,
        field: &str,
        min: usize,
        max: usize,
    ) -> Option<String> {
        self.present(field)?;
        self.optional_string(field, min, max)
    }

    /// A required string that must be one of `allowed`.
    pub(crate) fn required_enum(&mut self, field: &str, allowed: &[&str]) -> Option<String> {
        let value = self.required_string(field, 0, usize::MAX)?;
        if allowed.contains(&value.as_str()) {
            Some(value)
        } else {
            self.push(
                field,
                format!("must be one of: {} (got \"{value}\")", allowed.join(", ")),
            );
            None
        }
    }

    /// A required string naming one of `choices` (each named by `name`), as that choice.
    pub(crate) fn required_choice<T: Copy>(
        &mut self,
        field: &str,
        choices: &[T],
        name: fn(T) -> &'static str,
    ) -> Option<T> {
        let names: Vec<&str> = choices.iter().map(|c| name(*c)).collect();
        let value = self.required_enum(field, &names)?;
        choices.iter().copied().find(|c| name(*c) == value)
    }

    /// An optional string of `min..=max` characters.
    pub(crate) fn optional_string(
        &mut self,
        field: &str,
        min: usize,
        max: usize,
    ) -> Option<String> {
        match self.object.get(field) {
            None | Some(Value::Null) => None,
            Some(v) => self.string(field, v, min, max),
        }
    }

    /// An optional string of `min..=max` characters matching `pattern`.
    pub(crate) fn optional_pattern(
        &mut self,
        field: &str,
        (min, max): (usize, usize),
        pattern: &Pattern,
    ) -> Option<String> {
        let value = self.optional_string(field, min, max)?;
        let name = self.name(field);
        self.errors
            .pattern(&name, Some(&value), pattern)
            .then_some(value)
    }

    /// A required string of `min..=max` characters matching `pattern`.
    pub(crate) fn required_pattern(
        &mut self,
        field: &str,
        bounds: (usize, usize),
        pattern: &Pattern,
    ) -> Option<String> {
        self.present(field)?;
        self.optional_pattern(field, bounds, pattern)
    }

    /// The raw value of `field`, when given (not null): a part another reader checks.
    pub(crate) fn raw(&self, field: &str) -> Option<&'a Value> {
        self.object.get(field).filter(|v| !v.is_null())
    }

    /// Records that `value` of `field`, when given, does not match `pattern`.
    pub(crate) fn check_pattern(&mut self, field: &str, value: Option<&str>, pattern: &Pattern) {
        let name = self.name(field);
        self.errors.pattern(&name, value, pattern);
    }

    /// Records that `field` is wrong because of `reason`.
    pub(crate) fn push(&mut self, field: &str, reason: impl Into<String>) {
        let name = self.name(field);
        self.errors.push(&name, reason);
    }

    /// `Ok` when nothing was recorded, else the 400 naming every violation.
    pub(crate) fn finish(self) -> Result<(), ApiError> {
        self.errors.into_result()
    }

    /// Records every field not in `known`.
    pub(crate) fn reject_unknown(&mut self, known: &[&str]) {
        let object = self.object;
        for field in object.keys().filter(|k| !known.contains(&k.as_str())) {
            self.push(
                field,
                format!("is not a known field (known: {})", known.join(", ")),
            );
        }
    }

    fn string(&mut self, field: &str, value: &Value, min: usize, max: usize) -> Option<String> {
        let Value::String(s) = value else {
            self.push(field, format!("must be a string, got {}", json_type(value)));
            return None;
        };
        let len = s.chars().count();
        if len < min {
            self.push(field, format!("must have at least {min} characters"));
            None
        } else if len > max {
            self.push(
                field,
                format!("must have at most {max} characters, got {len}"),
            );
            None
        } else {
            Some(s.clone())
        }
    }
}

/// `body` as a JSON object whose fields are all in `known`, else a 400 naming the problem.
pub(crate) fn object_of<'a>(
    body: &'a Value,
    known: &[&str],
) -> Result<&'a Map<String, Value>, ApiError> {
    let Some(object) = body.as_object() else {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            format!(
                "request body must be a JSON object, got {}",
                json_type(body)
            ),
        ));
    };
    if let Some(unknown) = object.keys().find(|k| !known.contains(&k.as_str())) {
        return Err(ApiError::invalid_field(
            unknown,
            format!("is not a known field (known: {})", known.join(", ")),
        ));
    }
    Ok(object)
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
