//! The request journal: what each request asked and how it was answered (session, scenario,
//! rule, status, latency), bounded in entries and in bytes, oldest first out, long bodies
//! kept as a marked prefix. Filled by the serving stack, read and cleared through the control
//! plane.
//!
//! Recording is cheap and reading does the work: an [`Entry`] keeps the raw bytes of the
//! request's headers and of both bodies, and only [`Journal::list`] parses the bodies, turns
//! the headers into a map and redacts, into a [`Listed`] entry.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http::HeaderMap;
use serde::Serialize;
use serde_json::Value;

/// Put in a response's extensions by the endpoint that answered, for the journal.
#[derive(Debug, Clone)]
pub(crate) struct Answered {
    /// The scenario that decided.
    pub(crate) scenario: String,
    /// 1-based rule index, `None` for the normal answer.
    pub(crate) rule: Option<usize>,
}

/// Rewrites a listed entry before it is shown (`journal_redact`: the serving stack's
/// redaction).
pub(crate) type Redaction = fn(&mut Listed);

/// One journaled request, as recorded: raw bytes, read into JSON only when listed.
#[derive(Debug)]
pub(crate) struct Entry {
    /// `X-Request-ID`.
    pub(crate) request_id: String,
    /// HTTP method.
    pub(crate) method: String,
    /// Path and query.
    pub(crate) path: String,
    /// Request headers, as sent.
    pub(crate) headers: SentHeaders,
    /// The request's body.
    pub(crate) body: KeptBody,
    /// Session key.
    pub(crate) session: String,
    /// Scenario that decided, when an endpoint answered.
    pub(crate) scenario: Option<String>,
    /// Rule that answered, when one did.
    pub(crate) rule: Option<usize>,
    /// Response status; `None` when a fault dropped the connection.
    pub(crate) status: Option<u16>,
    /// Fault injected instead of an answer.
    pub(crate) fault: Option<String>,
    /// Milliseconds from request to response head.
    pub(crate) latency_ms: f64,
    /// The response's body; `None` for a dropped connection.
    pub(crate) response: Option<KeptBody>,
    /// What the endpoint noted that the answer does not show, e.g. `sentCode` (the one-time
    /// code a call "sent").
    pub(crate) annotations: serde_json::Map<String, Value>,
    /// Applied to the entry when it is listed (`journal_redact`), else nothing.
    pub(crate) redaction: Option<Redaction>,
}

impl Entry {
    /// Bytes this entry counts against the journal's byte bound: its fixed fields, its path,
    /// its headers, and each body as [`parsed_size`] estimates it (the cost of listing it).
    fn size(&self) -> usize {
        ENTRY_OVERHEAD
            + self.path.len()
            + self.headers.size()
            + self.body.parsed_size
            + self.response.as_ref().map_or(0, |r| r.parsed_size)
    }

    /// The entry as `GET /__mock/journal` shows it: bodies read as JSON (else text, a cut one
    /// as its prefix), headers as a map (a name sent twice shows its last value), redacted
    /// when it is to be.
    fn listed(&self, seq: u64) -> Listed {
        let mut truncated = BTreeMap::new();
        let mut read = |which: Captured, kept: &KeptBody| {
            if let Some(full) = kept.cut_from {
                truncated.insert(which, full);
            }
            kept.value()
        };
        let body = read(Captured::Body, &self.body);
        let response =
            (self.response.as_ref()).map_or(Value::Null, |r| read(Captured::Response, r));
        let mut listed = Listed {
            seq,
            request_id: self.request_id.clone(),
            method: self.method.clone(),
            path: self.path.clone(),
            headers: self.headers.map(),
            body,
            session: self.session.clone(),
            scenario: self.scenario.clone(),
            rule: self.rule,
            status: self.status,
            fault: self.fault.clone(),
            latency_ms: self.latency_ms,
            response,
            annotations: self.annotations.clone(),
            truncated,
        };
        if let Some(redact) = self.redaction {
            redact(&mut listed);
        }
        listed
    }
}

/// One journaled request as `GET /__mock/journal` shows it.
#[derive(Debug, Serialize)]
pub(crate) struct Listed {
    /// Position in the journal since start (or the last clear).
    pub(crate) seq: u64,
    /// `X-Request-ID`.
    pub(crate) request_id: String,
    /// HTTP method.
    pub(crate) method: String,
    /// Path and query.
    pub(crate) path: String,
    /// Request headers whose values are text, by name (a name sent twice: its last value).
    pub(crate) headers: BTreeMap<String, String>,
    /// The body: JSON when it parses, else the text.
    pub(crate) body: Value,
    /// Session key.
    pub(crate) session: String,
    /// Scenario that decided, when an endpoint answered.
    pub(crate) scenario: Option<String>,
    /// Rule that answered, when one did.
    pub(crate) rule: Option<usize>,
    /// Response status; `None` when a fault dropped the connection.
    pub(crate) status: Option<u16>,
    /// Fault injected instead of an answer.
    pub(crate) fault: Option<String>,
    /// Milliseconds from request to response head.
    pub(crate) latency_ms: f64,
    /// The response body: JSON when it parses, else the text (`null` for a dropped connection).
    pub(crate) response: Value,
    /// What the endpoint noted that the answer does not show, e.g. `sentCode` (the one-time
    /// code a call "sent"); left out when empty.
    #[serde(skip_serializing_if = "serde_json::Map::is_empty")]
    pub(crate) annotations: serde_json::Map<String, Value>,
    /// The full length in bytes of each body (`body`, `response`) kept only as a prefix;
    /// left out when none was cut.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) truncated: BTreeMap<Captured, usize>,
}

/// Which body of an exchange is journaled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Captured {
    /// The request's.
    Body,
    /// The answer's.
    Response,
}

/// A journaled body: its bytes, or past the journal's `max_body_bytes` its first that many.
#[derive(Debug, Clone)]
pub(crate) struct KeptBody {
    /// What is kept.
    bytes: Bytes,
    /// The full length, when `bytes` is only its prefix.
    cut_from: Option<usize>,
    /// What listing it costs: [`parsed_size`] of `bytes`, or for a cut body (listed as
    /// text) a node and its text.
    parsed_size: usize,
}

impl KeptBody {
    /// A request's body. Its bytes are copied: the request's are a slice of the connection's
    /// read buffer, and holding them would hold that whole buffer.
    pub(crate) fn of_request(bytes: &Bytes, max: usize) -> KeptBody {
        KeptBody::kept(bytes, max, Bytes::copy_from_slice)
    }

    /// An answer's body, shared: the endpoint's own buffer.
    pub(crate) fn of_response(bytes: &Bytes, max: usize) -> KeptBody {
        KeptBody::kept(bytes, max, |_| bytes.clone())
    }

    /// `bytes` kept as `whole` keeps them when at most `max` long, else their first `max`
    /// copied out.
    fn kept(bytes: &Bytes, max: usize, whole: impl FnOnce(&[u8]) -> Bytes) -> KeptBody {
        if bytes.len() > max {
            let prefix = &bytes[..max];
            return KeptBody {
                bytes: Bytes::copy_from_slice(prefix),
                cut_from: Some(bytes.len()),
                parsed_size: NODE + lossy_len(prefix),
            };
        }
        KeptBody {
            parsed_size: parsed_size(bytes),
            bytes: whole(bytes),
            cut_from: None,
        }
    }

    /// JSON when the bytes parse (and were not cut), else their text.
    fn value(&self) -> Value {
        let text = || Value::String(String::from_utf8_lossy(&self.bytes).into_owned());
        match self.cut_from {
            Some(_) => text(),
            None => serde_json::from_slice(&self.bytes).unwrap_or_else(|_| text()),
        }
    }
}

/// A request's headers as sent (repeated names included, in [`HeaderMap`]'s order), copied
/// into one buffer: a received header value is a slice of the connection's read buffer, and
/// holding it would hold that whole buffer.
#[derive(Debug, Clone)]
pub(crate) struct SentHeaders {
    /// Each header's name then value, back to back.
    text: Box<[u8]>,
    /// Where each header's name ends and its value ends in `text`.
    ends: Box<[(usize, usize)]>,
}

impl SentHeaders {
    /// A copy of `headers`.
    pub(crate) fn of(headers: &HeaderMap) -> SentHeaders {
        let len = (headers.iter())
            .map(|(name, value)| name.as_str().len() + value.len())
            .sum();
        let mut text = Vec::with_capacity(len);
        let mut ends = Vec::with_capacity(headers.len());
        for (name, value) in headers {
            text.extend_from_slice(name.as_str().as_bytes());
            let name_end = text.len();
            text.extend_from_slice(value.as_bytes());
            ends.push((name_end, text.len()));
        }
        SentHeaders {
            text: text.into_boxed_slice(),
            ends: ends.into_boxed_slice(),
        }
    }

    /// The bytes held.
    fn size(&self) -> usize {
        self.text.len() + std::mem::size_of_val(&*self.ends)
    }

    /// The headers whose values are visible ASCII (as [`http::HeaderValue::to_str`] accepts),
    /// by name; of a name sent more than once, the last such value.
    fn map(&self) -> BTreeMap<String, String> {
        let mut start = 0;
        let mut map = BTreeMap::new();
        for &(name_end, end) in &self.ends {
            let (name, value) = (&self.text[start..name_end], &self.text[name_end..end]);
            start = end;
            // Names were lowercase ASCII `HeaderName`s.
            let Ok(name) = std::str::from_utf8(name) else {
                continue;
            };
            // What `HeaderValue::to_str` accepts.
            if value.iter().all(|&b| (32..127).contains(&b) || b == b'\t') {
                if let Ok(value) = std::str::from_utf8(value) {
                    map.insert(name.to_string(), value.to_string());
                }
            }
        }
        map
    }
}

/// A parsed JSON node: what a `serde_json::Value` takes.
const NODE: usize = std::mem::size_of::<Value>();
/// An object member besides its value: a key `String` and some map overhead.
const MEMBER: usize = std::mem::size_of::<String>() + 32;

/// Roughly (and at least) the memory `text` takes once listed, parsed into a
/// `serde_json::Value` (or kept as a string when it does not parse), counted by one scan of
/// its bytes without parsing, so that the journal's byte bound holds for bodies like
/// `[0,0,…]` whose parsed form is many times their text.
///
/// A parsed value takes a [`NODE`] per node, the bytes of its strings, and per object member
/// a [`MEMBER`] and the key's bytes. Outside strings, every node but the root follows a `[`,
/// `,` or `:`, and every member has one `:`; the strings and keys are no longer than their
/// text. So the text's length, a node for the root and for each `[ ] { } , :` outside
/// strings, and a member for each `:` is at least that (the spare capacity a container
/// grows into is not counted, as it was not before). Text that is not JSON is listed as a string no longer than the
/// text, or, not UTF-8, at most three times it (a `U+FFFD` for an invalid byte): both at
/// most this count (the second with its extra twice the length added).
fn parsed_size(text: &[u8]) -> usize {
    let (mut nodes, mut members) = (1, 0);
    let mut at = 0;
    while let Some(&byte) = text.get(at) {
        match byte {
            b'"' => {
                at = string_end(text, at + 1);
                continue;
            }
            b'[' | b']' | b'{' | b'}' | b',' => nodes += 1,
            b':' => {
                nodes += 1;
                members += 1;
            }
            _ => {}
        }
        at += 1;
    }
    let lossy = match std::str::from_utf8(text) {
        Ok(_) => 0,
        Err(_) => 2 * text.len(),
    };
    text.len() + lossy + NODE * nodes + MEMBER * members
}

/// Where the JSON string whose text starts at `at` ends (just past its closing quote), or
/// `text`'s length. Skips eight bytes at a time while none is a quote or a backslash.
fn string_end(text: &[u8], mut at: usize) -> usize {
    const ONES: u64 = u64::from_ne_bytes([1; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    const QUOTES: u64 = u64::from_ne_bytes([b'"'; 8]);
    const BACKSLASHES: u64 = u64::from_ne_bytes([b'\\'; 8]);
    let has_zero_byte = |word: u64| word.wrapping_sub(ONES) & !word & HIGHS != 0;
    while let Some(chunk) = text.get(at..at + 8) {
        let word = u64::from_ne_bytes(chunk.try_into().expect("eight bytes"));
        if has_zero_byte(word ^ QUOTES) || has_zero_byte(word ^ BACKSLASHES) {
            break;
        }
        at += 8;
    }
    while let Some(&byte) = text.get(at) {
        match byte {
            b'"' => return at + 1,
            b'\\' => at += 2,
            _ => at += 1,
        }
    }
    text.len()
}

/// The length of `bytes` as lossy UTF-8 text.
fn lossy_len(bytes: &[u8]) -> usize {
    match std::str::from_utf8(bytes) {
        Ok(text) => text.len(),
        Err(_) => String::from_utf8_lossy(bytes).len(),
    }
}

/// Bytes an entry counts besides its bodies and headers (its fixed fields).
const ENTRY_OVERHEAD: usize = 256;

/// What the journal holds: the last `seq` given, the entries and their bytes.
#[derive(Debug, Default)]
struct Kept {
    seq: u64,
    entries: VecDeque<Slot>,
    bytes: usize,
}

/// A recorded entry, its `seq` and the bytes it counts (shared with listings being read).
#[derive(Debug)]
struct Slot {
    seq: u64,
    size: usize,
    entry: Arc<Entry>,
}

/// The bounded journal.
#[derive(Debug, Clone)]
pub struct Journal {
    inner: Arc<Mutex<Kept>>,
    limit: usize,
    max_bytes: usize,
    /// Longest body kept whole.
    pub(crate) max_body_bytes: usize,
}

impl Journal {
    /// A journal keeping the last `limit` entries, at most `max_bytes` of them, with bodies
    /// over `max_body_bytes` cut.
    pub(crate) fn new(limit: usize, max_bytes: usize, max_body_bytes: usize) -> Journal {
        Journal {
            inner: Arc::default(),
            limit,
            max_bytes,
            max_body_bytes,
        }
    }

    /// Adds an entry (its `seq` is assigned here), dropping the oldest beyond the bounds.
    pub(crate) fn record(&self, entry: Entry) {
        if self.limit == 0 {
            return;
        }
        let (size, entry) = (entry.size(), Arc::new(entry));
        let mut kept = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        kept.seq += 1;
        let seq = kept.seq;
        kept.bytes += size;
        kept.entries.push_back(Slot { seq, size, entry });
        // The last entry dropped is freed after the lock is released.
        let mut dropped = None;
        while kept.entries.len() > self.limit || kept.bytes > self.max_bytes {
            let Some(oldest) = kept.entries.pop_front() else {
                break;
            };
            kept.bytes -= oldest.size;
            dropped = Some(oldest);
        }
        drop(kept);
        drop(dropped);
    }

    /// Entries oldest first, only `session`'s when given, the last `limit` when given, read
    /// (parsed, redacted) after the lock is released.
    pub(crate) fn list(&self, session: Option<&str>, limit: Option<usize>) -> Vec<Listed> {
        let matching: Vec<(u64, Arc<Entry>)> = {
            let kept = self.inner.lock().unwrap_or_else(|e| e.into_inner());
            (kept.entries.iter())
                .filter(|slot| session.is_none_or(|s| slot.entry.session == s))
                .map(|slot| (slot.seq, Arc::clone(&slot.entry)))
                .collect()
        };
        let skip = limit.map_or(0, |l| matching.len().saturating_sub(l));
        (matching[skip..].iter())
            .map(|(seq, entry)| entry.listed(*seq))
            .collect()
    }

    /// Forgets entries (only `session`'s when given).
    pub(crate) fn clear(&self, session: Option<&str>) {
        let mut kept = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        match session {
            Some(s) => {
                kept.entries.retain(|slot| slot.entry.session != s);
                kept.bytes = kept.entries.iter().map(|slot| slot.size).sum();
            }
            None => *kept = Kept::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The memory a parsed value holds, counted node by node (what the scan estimates).
    fn heap_size(value: &Value) -> usize {
        NODE + match value {
            Value::String(text) => text.len(),
            Value::Array(items) => items.iter().map(heap_size).sum(),
            Value::Object(members) => (members.iter())
                .map(|(key, member)| MEMBER + key.len() + heap_size(member))
                .sum(),
            Value::Null | Value::Bool(_) | Value::Number(_) => 0,
        }
    }

    #[test]
    fn the_scan_counts_at_least_the_parsed_size() {
        let zeros = format!("[{}0]", "0,".repeat(8000));
        let members = format!(
            "{{{}\"z\":0}}",
            (0..500)
                .map(|i| format!("\"k{i}\":{{}},"))
                .collect::<String>()
        );
        let texts: [&[u8]; 11] = [
            zeros.as_bytes(),
            members.as_bytes(),
            br#"{"idToken":"eyJ.a.b","orgId":"or-1","list":[{"a":[1,2,{"b":null}]}]}"#,
            br#"{"s":"a\"b,:[]{}\\","t":"\u00e9\\\""}"#,
            br#""just a string""#,
            b"12345",
            b"[]",
            b"not json, at all: {",
            b"\xff\xfe{\"a\":1}",
            b"",
            br#"{"unterminated": "abc"#,
        ];
        for text in texts {
            let parsed = serde_json::from_slice(text)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(text).into_owned()));
            let (counted, held) = (parsed_size(text), heap_size(&parsed));
            assert!(counted >= held, "{counted} < {held} for {text:?}");
        }
        // `[0,0,…]`: a node per element, the text, and a node per bracket besides.
        assert_eq!(parsed_size(zeros.as_bytes()), zeros.len() + NODE * 8003);
    }

    #[test]
    fn strings_are_skipped_whole_whatever_they_hold() {
        let long = format!("\"{}\\\"{}\"", "x".repeat(21), ",".repeat(3));
        assert_eq!(string_end(long.as_bytes(), 1), long.len());
        assert_eq!(string_end(br#"abc"def"#, 0), 4);
        assert_eq!(string_end(br#"abcdefghijklmnop\\"q"#, 0), 19);
        assert_eq!(string_end(b"no end", 0), 6);
        assert_eq!(string_end(b"ends in a \\", 0), 11);
        let quoted = format!("[\"{}\"]", ",:[{".repeat(100));
        assert_eq!(parsed_size(quoted.as_bytes()), quoted.len() + NODE * 3);
    }

    #[test]
    fn headers_list_as_a_sorted_map_with_the_last_text_value_of_a_repeated_name() {
        let mut headers = HeaderMap::new();
        headers.append("x-dup", "one".parse().unwrap());
        headers.append("authorization", "Bearer t".parse().unwrap());
        headers.append("x-dup", "two".parse().unwrap());
        headers.append(
            "x-bin",
            http::HeaderValue::from_bytes(b"caf\xc3\xa9").unwrap(),
        );
        headers.append("x-last-binary", "text".parse().unwrap());
        headers.append(
            "x-last-binary",
            http::HeaderValue::from_bytes(b"\xff").unwrap(),
        );
        headers.append("x-tab", "a\tb".parse().unwrap());
        let expected: BTreeMap<String, String> = (headers.iter())
            .filter_map(|(k, v)| Some((k.to_string(), v.to_str().ok()?.to_string())))
            .collect();
        let sent = SentHeaders::of(&headers);
        assert_eq!(sent.map(), expected);
        assert_eq!(expected["x-dup"], "two");
        assert_eq!(expected["x-last-binary"], "text");
        assert!(!expected.contains_key("x-bin"));
    }

    #[test]
    fn a_long_body_is_kept_as_a_copied_prefix_and_listed_as_text() {
        let long = Bytes::from(format!("{{\"a\":\"{}\"}}", "é".repeat(10)));
        let kept = KeptBody::of_response(&long, 9);
        assert_eq!(kept.cut_from, Some(long.len()));
        assert_eq!(&kept.bytes[..], &long[..9]);
        assert_eq!(kept.value(), Value::String("{\"a\":\"é\u{fffd}".into()));
        assert_eq!(kept.parsed_size, NODE + "{\"a\":\"é\u{fffd}".len());
        let whole = KeptBody::of_request(&long, long.len());
        assert_eq!(whole.cut_from, None);
        assert_eq!(whole.value(), serde_json::json!({ "a": "é".repeat(10) }));
    }
}
