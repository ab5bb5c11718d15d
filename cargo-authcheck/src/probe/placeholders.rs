//! Route paths made into request paths: each `{name}` capture and `{*name}` wildcard gets a
//! placeholder value, chosen per name (`--param id=42`, `[probe] params`) or by default, and
//! percent-encoded as a path segment (`/` is kept only in wildcards, which span segments).

use std::collections::BTreeMap;

/// The value of a `{name}` capture nobody configured.
pub const DEFAULT_CAPTURE: &str = "1";
/// The value of a `{*name}` wildcard (and of a router fallback's `{*fallback}`) nobody configured.
pub const DEFAULT_WILDCARD: &str = "authcheck-probe";

/// Placeholder values by parameter name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Placeholders {
    pub values: BTreeMap<String, String>,
}

/// One piece of a route path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Piece {
    Literal(String),
    Capture(String),
    Wildcard(String),
}

/// Splits an axum 0.8 path into pieces (`{{` and `}}` are literal braces).
pub fn parse(path: &str) -> Result<Vec<Piece>, String> {
    let mut pieces = Vec::new();
    let mut literal = String::new();
    let mut chars = path.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                literal.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                literal.push('}');
            }
            '{' => {
                let mut name = String::new();
                loop {
                    match chars.next() {
                        Some('}') => break,
                        Some(c) => name.push(c),
                        None => return Err(format!("unclosed `{{` in `{path}`")),
                    }
                }
                if !literal.is_empty() {
                    pieces.push(Piece::Literal(std::mem::take(&mut literal)));
                }
                pieces.push(match name.strip_prefix('*') {
                    Some(rest) => Piece::Wildcard(rest.to_string()),
                    None => Piece::Capture(name),
                });
            }
            '}' => return Err(format!("unmatched `}}` in `{path}`")),
            c => literal.push(c),
        }
    }
    if !literal.is_empty() {
        pieces.push(Piece::Literal(literal));
    }
    Ok(pieces)
}

impl Placeholders {
    /// The request path for the pieces of a route path.
    pub fn fill(&self, pieces: &[Piece]) -> String {
        let mut out = String::new();
        for piece in pieces {
            match piece {
                Piece::Literal(text) => encode(text, true, &mut out),
                Piece::Capture(name) => {
                    let value = self
                        .values
                        .get(name)
                        .map_or(DEFAULT_CAPTURE, String::as_str);
                    encode(value, false, &mut out);
                }
                Piece::Wildcard(name) => {
                    let value = self
                        .values
                        .get(name)
                        .map_or(DEFAULT_WILDCARD, String::as_str);
                    encode(value, true, &mut out);
                }
            }
        }
        out
    }
}

/// Percent-encodes what may not stand in a path segment (RFC 3986 `pchar`), and `/` too unless
/// the value fills a wildcard.
fn encode(value: &str, keep_slash: bool, out: &mut String) {
    for byte in value.bytes() {
        let plain = byte.is_ascii_alphanumeric()
            || b"-._~!$&'()*+,;=:@".contains(&byte)
            || (keep_slash && byte == b'/');
        if plain {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
}

/// Checks a `NAME=VALUE` placeholder (from the command line): a parameter name as axum
/// captures it and a non-empty value.
pub fn parse_assignment(text: &str) -> Result<(String, String), String> {
    let (name, value) = text
        .split_once('=')
        .ok_or_else(|| format!("`{text}` is not NAME=VALUE"))?;
    check_name(name)?;
    if value.is_empty() {
        return Err(format!("the placeholder for `{name}` is empty"));
    }
    Ok((name.to_string(), value.to_string()))
}

/// A parameter name: what stands between the braces of `{name}` or after `{*`.
pub fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name.contains(['{', '}', '*', '/', '=']) {
        return Err(format!(
            "`{name}` is not a path parameter name (write `id` for `{{id}}`, `rest` for `{{*rest}}`)"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fill(path: &str, values: &[(&str, &str)]) -> String {
        let placeholders = Placeholders {
            values: values
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        };
        placeholders.fill(&parse(path).unwrap())
    }

    #[test]
    fn defaults_and_named_values() {
        assert_eq!(fill("/packs/{pack_ref}", &[]), "/packs/1");
        assert_eq!(
            fill("/packs/{pack_ref}", &[("pack_ref", "core")]),
            "/packs/core"
        );
        assert_eq!(
            fill("/orgs/{org}/users/{id}", &[("id", "7")]),
            "/orgs/1/users/7"
        );
        assert_eq!(fill("/static/{*rest}", &[]), "/static/authcheck-probe");
        assert_eq!(
            fill("/static/{*rest}", &[("rest", "css/site.css")]),
            "/static/css/site.css"
        );
        assert_eq!(fill("/{*fallback}", &[]), "/authcheck-probe");
        assert_eq!(fill("/plain", &[]), "/plain");
    }

    #[test]
    fn values_are_encoded_as_path_segments() {
        assert_eq!(
            fill("/keys/{name}", &[("name", "a/b c?")]),
            "/keys/a%2Fb%20c%3F"
        );
        assert_eq!(fill("/f/{*p}", &[("p", "a/b c#")]), "/f/a/b%20c%23");
        assert_eq!(fill("/u/{id}", &[("id", "é")]), "/u/%C3%A9");
        assert_eq!(fill("/u/{id}", &[("id", "a:b@c")]), "/u/a:b@c");
    }

    #[test]
    fn braces_escape_and_errors() {
        assert_eq!(fill("/lit/{{x}}/{id}", &[]), "/lit/%7Bx%7D/1");
        assert!(parse("/a/{id").is_err());
        assert!(parse("/a/}").is_err());
        assert_eq!(
            parse("/a/{id}.json").unwrap(),
            vec![
                Piece::Literal("/a/".into()),
                Piece::Capture("id".into()),
                Piece::Literal(".json".into()),
            ]
        );
    }

    #[test]
    fn assignments() {
        assert_eq!(
            parse_assignment("id=1=2").unwrap(),
            ("id".to_string(), "1=2".to_string())
        );
        assert!(parse_assignment("id").is_err());
        assert!(parse_assignment("id=").is_err());
        assert!(parse_assignment("{id}=1").is_err());
        assert!(parse_assignment("=1").is_err());
    }
}
