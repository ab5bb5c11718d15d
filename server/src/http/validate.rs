//! Field validation shared by the resources; each failure is a 422 naming the field.

use super::error::Error;

/// Identifiers (pack refs, names): 1 to 64 of `A-Z a-z 0-9 _ - .`, starting with a letter or digit.
pub fn ident(field: &str, value: &str) -> Result<(), Error> {
    let ok = !value.is_empty()
        && value.len() <= 64
        && value
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            field,
            "must be 1 to 64 letters, digits, '_', '-' or '.', starting with a letter or digit",
        ))
    }
}

/// Free text up to `max` characters.
pub fn text(field: &str, value: &str, max: usize) -> Result<(), Error> {
    if value.chars().count() > max {
        return Err(Error::invalid(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    Ok(())
}

/// Non-empty text up to `max` characters.
pub fn required(field: &str, value: &str, max: usize) -> Result<(), Error> {
    if value.trim().is_empty() {
        return Err(Error::invalid(field, "must not be empty"));
    }
    text(field, value, max)
}

/// A JSON document that must be an object, serialized for storage (at most 64 KiB).
pub fn object(field: &str, value: &serde_json::Value) -> Result<String, Error> {
    if !value.is_object() {
        return Err(Error::invalid(field, "must be a JSON object"));
    }
    let text = value.to_string();
    if text.len() > 64 * 1024 {
        return Err(Error::invalid(field, "must be at most 64 KiB"));
    }
    Ok(text)
}

/// Reads a stored JSON document.
pub fn parse_json(text: &str) -> Result<serde_json::Value, Error> {
    serde_json::from_str(text).map_err(|e| Error::Internal(format!("stored JSON unreadable: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idents() {
        assert!(ident("f", "core.local_v2").is_ok());
        assert!(ident("f", "").is_err());
        assert!(ident("f", "x'; DROP TABLE packs;--").is_err());
        assert!(ident("f", &"a".repeat(65)).is_err());
        assert!(ident("f", "-lead").is_err());
    }
}
