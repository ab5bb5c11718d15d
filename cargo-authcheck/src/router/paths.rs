//! Route paths: axum 0.7 capture syntax normalised to 0.8's, and nest prefixes joined as axum does.

/// `/users/:id/*rest` -> `/users/{id}/{*rest}`; 0.8 paths are returned unchanged.
pub fn normalize(path: &str) -> String {
    let normalized: Vec<String> = path
        .split('/')
        .map(|segment| {
            if segment == "*" || segment == "**" {
                // glob segments of allowlist patterns
                segment.to_string()
            } else if let Some(name) = segment.strip_prefix(':') {
                format!("{{{name}}}")
            } else if let Some(name) = segment.strip_prefix('*') {
                format!("{{*{name}}}")
            } else {
                segment.to_string()
            }
        })
        .collect();
    let joined = normalized.join("/");
    if joined.is_empty() {
        "/".to_string()
    } else {
        joined
    }
}

/// The path of `inner` nested under `prefix` (`nest("/api", r)` with `r.route("/", ..)` is `/api`).
pub fn join(prefix: &str, inner: &str) -> String {
    let prefix = prefix.trim_end_matches('/');
    if inner == "/" || inner.is_empty() {
        if prefix.is_empty() {
            "/".to_string()
        } else {
            prefix.to_string()
        }
    } else if inner.starts_with('/') {
        format!("{prefix}{inner}")
    } else {
        format!("{prefix}/{inner}")
    }
}

/// Path parameters of a route path with their names unified, for comparing two paths:
/// `/a/{id}` and `/a/{pack_id}` compare equal.
pub fn shape(path: &str) -> String {
    normalize(path)
        .split('/')
        .map(|s| {
            if s.starts_with("{*") {
                "{*}"
            } else if s.starts_with('{') {
                "{}"
            } else {
                s
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_07_syntax() {
        assert_eq!(
            normalize("/users/:id/files/*path"),
            "/users/{id}/files/{*path}"
        );
        assert_eq!(normalize("/users/{id}"), "/users/{id}");
    }

    #[test]
    fn joins_like_axum() {
        assert_eq!(join("/api", "/users"), "/api/users");
        assert_eq!(join("/api/", "/users"), "/api/users");
        assert_eq!(join("/api", "/"), "/api");
        assert_eq!(join("", "/"), "/");
        assert_eq!(shape("/a/{id}/{*rest}"), shape("/a/:x/*y"));
    }
}
