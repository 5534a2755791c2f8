//! The limits a scenario file's text must keep before any parser sees it: at most
//! [`MAX_FILE_BYTES`], something besides whitespace and comments, and brackets nested at most
//! [`MAX_DEPTH`] deep. Found by one linear scan that knows each format's strings and comments
//! (and YAML's block scalars), so a bracket in a string or a comment is not counted. YAML's
//! parser takes time quadratic in the nesting depth; the scan keeps that bounded. Reads no
//! files and knows nothing of the scenario model.

use std::path::Path;

/// The largest scenario file read (1 MiB).
pub(crate) const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// How deep `[` and `{` may nest.
pub(crate) const MAX_DEPTH: usize = 64;

/// A way a text breaks the limits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Breach {
    /// Longer than [`MAX_FILE_BYTES`]: the size in bytes.
    #[error("file is {0} bytes: the limit is {MAX_FILE_BYTES} bytes (1 MiB)")]
    TooLarge(u64),
    /// Nothing but whitespace and comments (a save caught half-way, often).
    #[error("empty file: nothing but whitespace or comments (a scenario needs at least `name`, `description` or `rules`)")]
    Empty,
    /// The bracket (at this byte offset) that opens level [`MAX_DEPTH`] + 1.
    #[error("brackets nested deeper than the {MAX_DEPTH}-level limit")]
    TooDeep(usize),
}

impl Breach {
    /// The byte offset the breach is reported at.
    pub(crate) fn offset(&self) -> usize {
        match self {
            Breach::TooDeep(offset) => *offset,
            Breach::TooLarge(_) | Breach::Empty => 0,
        }
    }
}

/// The format of a scenario file, from its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Syntax {
    /// `.yaml`, `.yml` (and anything else).
    Yaml,
    /// `.toml`.
    Toml,
    /// `.json`.
    Json,
}

impl Syntax {
    /// The format `file`'s extension names; YAML by default.
    pub(crate) fn of(file: &Path) -> Syntax {
        match file.extension().and_then(|e| e.to_str()) {
            Some("toml") => Syntax::Toml,
            Some("json") => Syntax::Json,
            _ => Syntax::Yaml,
        }
    }

    /// Whether the `#` at `at` starts a comment.
    fn comment_at(self, line: &[u8], at: usize) -> bool {
        match self {
            Syntax::Json => false,
            Syntax::Toml => true,
            Syntax::Yaml => at == 0 || line[at - 1].is_ascii_whitespace(),
        }
    }

    /// The string that opens at `at`, if one does.
    fn quote_at(self, line: &[u8], at: usize) -> Option<Quote> {
        let rest = &line[at..];
        match self {
            Syntax::Json => (rest[0] == b'"').then_some(Quote::JSON),
            Syntax::Toml => [
                Quote::TOML_MULTI_BASIC,
                Quote::TOML_MULTI_LITERAL,
                Quote::TOML_BASIC,
                Quote::TOML_LITERAL,
            ]
            .into_iter()
            .find(|q| rest.starts_with(q.delimiter)),
            // A quote opens a YAML scalar only where a scalar can start (not in `it's`).
            Syntax::Yaml => {
                let starts_scalar = at == 0 || b" \t[{,:".contains(&line[at - 1]);
                match rest[0] {
                    b'"' if starts_scalar => Some(Quote::YAML_DOUBLE),
                    b'\'' if starts_scalar => Some(Quote::YAML_SINGLE),
                    _ => None,
                }
            }
        }
    }
}

/// One kind of string: how it ends and whether it may go on past the end of a line.
#[derive(Debug, Clone, Copy)]
struct Quote {
    delimiter: &'static [u8],
    /// `\` escapes the next byte.
    backslash: bool,
    /// The delimiter written twice is one character (YAML's `''`).
    doubled: bool,
    multiline: bool,
}

impl Quote {
    const JSON: Quote = Quote::new(b"\"", true, false, false);
    const TOML_BASIC: Quote = Quote::new(b"\"", true, false, false);
    const TOML_LITERAL: Quote = Quote::new(b"'", false, false, false);
    const TOML_MULTI_BASIC: Quote = Quote::new(b"\"\"\"", true, false, true);
    const TOML_MULTI_LITERAL: Quote = Quote::new(b"'''", false, false, true);
    const YAML_DOUBLE: Quote = Quote::new(b"\"", true, false, true);
    const YAML_SINGLE: Quote = Quote::new(b"'", false, true, true);

    const fn new(
        delimiter: &'static [u8],
        backslash: bool,
        doubled: bool,
        multiline: bool,
    ) -> Self {
        Quote {
            delimiter,
            backslash,
            doubled,
            multiline,
        }
    }

    /// The index just past this string's end in `line`, searching from `from`; `None` when
    /// the line ends first.
    fn end(self, line: &[u8], from: usize) -> Option<usize> {
        let mut at = from;
        while at < line.len() {
            if self.backslash && line[at] == b'\\' {
                at += 2;
            } else if line[at..].starts_with(self.delimiter) {
                let after = at + self.delimiter.len();
                if self.doubled && line[after..].starts_with(self.delimiter) {
                    at = after + self.delimiter.len();
                } else {
                    return Some(after);
                }
            } else {
                at += 1;
            }
        }
        None
    }
}

/// Checks `text` against every limit, in the order size, emptiness, depth.
pub(crate) fn check(text: &str, syntax: Syntax) -> Result<(), Breach> {
    if text.len() as u64 > MAX_FILE_BYTES {
        return Err(Breach::TooLarge(text.len() as u64));
    }
    let mut seen_content = false;
    let mut depth = 0usize;
    // A string still open at the end of the previous line.
    let mut open: Option<Quote> = None;
    // The indentation of a YAML block scalar's parent (`key: |`): deeper lines are its text.
    let mut block: Option<usize> = None;
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        let start = line_start;
        line_start += line.len();
        let bytes = line.as_bytes();
        let indent = bytes.iter().take_while(|b| **b == b' ').count();
        if let Some(header) = block {
            if line.trim().is_empty() || indent > header {
                continue;
            }
            block = None;
        }
        let mut at = 0;
        if let Some(quote) = open.take() {
            match quote.end(bytes, 0) {
                Some(end) => at = end,
                None => {
                    open = Some(quote);
                    continue;
                }
            }
        }
        let mut code_end = bytes.len();
        while at < bytes.len() {
            let byte = bytes[at];
            if byte.is_ascii_whitespace() {
                at += 1;
                continue;
            }
            if byte == b'#' && syntax.comment_at(bytes, at) {
                code_end = at;
                break;
            }
            seen_content = true;
            if let Some(quote) = syntax.quote_at(bytes, at) {
                match quote.end(bytes, at + quote.delimiter.len()) {
                    Some(end) => at = end,
                    None => {
                        open = quote.multiline.then_some(quote);
                        code_end = at;
                        break;
                    }
                }
                continue;
            }
            match byte {
                b'[' | b'{' => {
                    depth += 1;
                    if depth > MAX_DEPTH {
                        return Err(Breach::TooDeep(start + at));
                    }
                }
                b']' | b'}' => depth = depth.saturating_sub(1),
                _ => {}
            }
            at += 1;
        }
        if syntax == Syntax::Yaml && open.is_none() {
            block = block_scalar_parent(&bytes[..code_end]);
        }
    }
    if seen_content {
        Ok(())
    } else {
        Err(Breach::Empty)
    }
}

/// When a YAML line (without its comment) ends with a block scalar header (`|` or `>`, with
/// chomping and indentation indicators: `|-`, `>+2`), the column of the scalar's parent: the
/// key's (`  key: |`, `- key: |`), or the last dash's for a sequence entry (`- |`). Lines
/// indented deeper are the scalar's text.
fn block_scalar_parent(code: &[u8]) -> Option<usize> {
    let code = code.trim_ascii_end();
    let header = code.rsplit(|b| b.is_ascii_whitespace()).next()?;
    let is_header = matches!(header.first(), Some(b'|' | b'>'))
        && header[1..]
            .iter()
            .all(|b| matches!(b, b'-' | b'+' | b'1'..=b'9'));
    if !is_header {
        return None;
    }
    let column = |from: usize| from + code[from..].iter().take_while(|b| **b == b' ').count();
    let mut first = column(0);
    let mut dash = first;
    while code[first..].starts_with(b"- ") {
        dash = first;
        first = column(first + 1);
    }
    Some(if first == code.len() - header.len() {
        dash
    } else {
        first
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml(text: &str) -> Result<(), Breach> {
        check(text, Syntax::Yaml)
    }

    fn nested(depth: usize) -> String {
        format!("rules: {}{}\n", "[".repeat(depth), "]".repeat(depth))
    }

    #[test]
    fn depth_up_to_the_limit_passes_and_one_more_is_refused_at_that_bracket() {
        assert_eq!(yaml(&nested(MAX_DEPTH)), Ok(()));
        let deeper = nested(MAX_DEPTH + 1);
        assert_eq!(yaml(&deeper), Err(Breach::TooDeep(7 + MAX_DEPTH)));
        assert_eq!(
            check("[".repeat(100_000).as_str(), Syntax::Json),
            Err(Breach::TooDeep(MAX_DEPTH))
        );
    }

    #[test]
    fn brackets_in_strings_comments_and_block_scalars_do_not_count() {
        let open = "[".repeat(MAX_DEPTH + 1);
        for (syntax, text) in [
            (
                Syntax::Yaml,
                format!("a: \"{open}\"\nb: '{open}'\n# {open}\nc: x #{open}\n"),
            ),
            (
                Syntax::Yaml,
                format!("a: 'it''s {open}'\nb: \"\\\" {open}\"\n"),
            ),
            (Syntax::Yaml, format!("a: \"one\n  {open}\n  two\"\n")),
            (
                Syntax::Yaml,
                format!("a: |-\n  {open}\n\n  '{open}\nb: >\n  \"{open}\n"),
            ),
            (
                Syntax::Yaml,
                format!("- |\n  '{open}\n- - >+2\n    {open}\n"),
            ),
            (
                Syntax::Toml,
                format!("a = \"{open}\"\nb = '{open}'\n# {open}\nc = 1#{open}\n"),
            ),
            (
                Syntax::Toml,
                format!("a = \"\"\"\n{open}\n\"\"\"\nb = '''\n{open}'''\n"),
            ),
            (
                Syntax::Json,
                format!("{{\"a\": \"\\\"{open}\", \"b#\": 1}}"),
            ),
        ] {
            assert_eq!(check(&text, syntax), Ok(()), "{text}");
        }
    }

    #[test]
    fn a_quote_inside_a_word_or_after_a_block_scalar_hides_nothing() {
        let open = "[".repeat(MAX_DEPTH + 1);
        assert!(matches!(
            yaml(&format!("a: it's\nb: {open}\n")),
            Err(Breach::TooDeep(_))
        ));
        for after_block in [
            format!("a: |\n  'x\nb: {open}\n"),
            format!("- a: |\n    'x\n  b: {open}\n"),
        ] {
            assert!(
                matches!(yaml(&after_block), Err(Breach::TooDeep(_))),
                "{after_block}"
            );
        }
    }

    #[test]
    fn whitespace_and_comments_only_is_empty() {
        for (syntax, text) in [
            (Syntax::Yaml, ""),
            (Syntax::Yaml, " \n\t\r\n"),
            (Syntax::Yaml, "# only a comment\n  # another\n"),
            (Syntax::Toml, "\n# x\n"),
            (Syntax::Json, "  \n"),
        ] {
            assert_eq!(check(text, syntax), Err(Breach::Empty), "{text:?}");
        }
        assert_eq!(yaml("name: x\n"), Ok(()));
        assert_eq!(check("{}", Syntax::Json), Ok(()));
    }

    #[test]
    fn a_text_over_the_size_limit_is_refused_before_the_scan() {
        let text = " ".repeat(MAX_FILE_BYTES as usize + 1);
        assert_eq!(yaml(&text), Err(Breach::TooLarge(MAX_FILE_BYTES + 1)));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        /// Any text of the characters the scan reacts to (brackets, quotes, escapes, comment
        /// marks, block-scalar indicators, line breaks, multi-byte text) is judged without a
        /// panic, in every syntax, and a refusal's offset lies inside the text.
        #[test]
        fn the_scan_never_panics_and_points_inside_the_text(
            text in r#"[\[\]{}"'\\#|>:\- \n\té€a-z0-9]{0,200}"#,
        ) {
            for syntax in [Syntax::Yaml, Syntax::Toml, Syntax::Json] {
                if let Err(breach) = check(&text, syntax) {
                    proptest::prop_assert!(breach.offset() <= text.len());
                    proptest::prop_assert!(text.is_char_boundary(breach.offset()));
                }
            }
        }
    }
}
