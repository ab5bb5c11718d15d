//! Stable identities of findings, for baselines, SARIF `partialFingerprints` and GitLab code
//! quality: they survive line moves and unrelated edits because they are made of what the finding
//! is about (code, file, route, handler, message, the text it points at), never of line numbers.

use std::collections::HashMap;

use crate::diagnostic::Diagnostic;
use crate::source::SourceMap;

/// The fingerprints of `diagnostics`, in order. Findings that would share one (the same text
/// flagged twice in a file) are told apart by their order: `…#2`, `…#3`.
pub fn fingerprints(diagnostics: &[Diagnostic], sources: &SourceMap) -> Vec<String> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    diagnostics
        .iter()
        .map(|d| {
            let base = fnv_hex(&identity(d, sources));
            let n = seen.entry(base.clone()).or_insert(0);
            *n += 1;
            if *n == 1 {
                base
            } else {
                format!("{base}#{n}")
            }
        })
        .collect()
}

/// What a finding is about, as text.
fn identity(d: &Diagnostic, sources: &SourceMap) -> String {
    let file = sources.get(d.primary.loc.file);
    let message = without_line_numbers(&d.message);
    match (&d.route, &d.handler) {
        (Some(route), handler) => format!(
            "{}\n{}\n{route}\n{}\n{message}",
            d.code,
            file.display,
            handler.as_deref().unwrap_or_default()
        ),
        (None, _) => {
            let text = file.text();
            let range = file.range(d.primary.loc);
            let snippet = text.get(range).unwrap_or_default();
            let snippet: Vec<&str> = snippet.split_whitespace().collect();
            format!(
                "{}\n{}\n{message}\n{}",
                d.code,
                file.display,
                snippet.join(" ")
            )
        }
    }
}

/// `at src/app.rs:40:9` -> `at src/app.rs`: messages that mention places must not change when
/// lines move.
fn without_line_numbers(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut chars = message.chars().peekable();
    while let Some(c) = chars.next() {
        if c == ':' && chars.peek().is_some_and(char::is_ascii_digit) {
            while chars.peek().is_some_and(char::is_ascii_digit) {
                chars.next();
            }
            continue;
        }
        out.push(c);
    }
    out
}

/// A stable 64-bit FNV-1a hash, hex encoded.
pub fn fnv_hex(s: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_in_messages_lose_their_line_numbers() {
        assert_eq!(
            without_line_numbers("layer at src/app.rs:40:9 and `GET /v1/{id}`"),
            "layer at src/app.rs and `GET /v1/{id}`"
        );
    }
}
