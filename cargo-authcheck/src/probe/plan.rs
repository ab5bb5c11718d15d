//! Which request each route of the static table gets, or why it gets none: the route's own
//! method when it is safe (GET, HEAD, OPTIONS) or unsafe methods were asked for; GET for `ANY`
//! (`any(..)`, services, router fallbacks); for a method-router fallback, a method that nothing
//! else at its path serves, since any other would reach that handler instead.

use crate::config::RoutePattern;

use super::placeholders::{self, Piece, Placeholders};
use super::RouteInfo;

/// Methods that do not change the server's state (RFC 9110 §9.2.1) and are sent by default.
pub const SAFE_METHODS: [&str; 3] = ["GET", "HEAD", "OPTIONS"];
/// Methods sent only with `--unsafe-methods`.
pub const UNSAFE_METHODS: [&str; 5] = ["POST", "PUT", "PATCH", "DELETE", "TRACE"];

/// A request to send: method and path (below the base URL's prefix).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    pub path: String,
}

impl std::fmt::Display for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.method, self.path)
    }
}

/// Why a route gets no request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Skip {
    /// Its method changes state and `--unsafe-methods` was not given.
    UnsafeMethod,
    /// `CONNECT` opens a tunnel; it is never sent.
    Connect,
    /// A `--skip` pattern matched it.
    Excluded(String),
    /// Every method it could be reached with is served by another route at its path.
    Unreachable,
    /// Its path cannot be filled in.
    BadPath(String),
}

impl std::fmt::Display for Skip {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Skip::UnsafeMethod => write!(
                f,
                "its method changes state (sent only with --unsafe-methods)"
            ),
            Skip::Connect => write!(f, "CONNECT opens a tunnel (never sent)"),
            Skip::Excluded(pattern) => write!(f, "it matches --skip `{pattern}`"),
            Skip::Unreachable => write!(
                f,
                "every method that would reach this fallback is served by another route at its path"
            ),
            Skip::BadPath(reason) => write!(f, "its path cannot be filled in: {reason}"),
        }
    }
}

/// What decides the requests.
#[derive(Clone, Debug, Default)]
pub struct Choices {
    pub placeholders: Placeholders,
    pub unsafe_methods: bool,
    pub skip: Vec<RoutePattern>,
}

/// One entry per route, in the same order.
pub fn plan(routes: &[RouteInfo], choices: &Choices) -> Vec<Result<Request, Skip>> {
    routes
        .iter()
        .map(|route| plan_one(route, routes, choices))
        .collect()
}

/// The names of every capture and wildcard in the routes' paths.
pub fn parameter_names(routes: &[RouteInfo]) -> Vec<String> {
    let mut names: Vec<String> = routes
        .iter()
        .filter_map(|r| placeholders::parse(&r.path).ok())
        .flatten()
        .filter_map(|piece| match piece {
            Piece::Capture(name) | Piece::Wildcard(name) => Some(name),
            Piece::Literal(_) => None,
        })
        .collect();
    names.sort();
    names.dedup();
    names
}

fn plan_one(route: &RouteInfo, routes: &[RouteInfo], choices: &Choices) -> Result<Request, Skip> {
    if let Some(pattern) = choices
        .skip
        .iter()
        .find(|p| p.matches(&route.method, &route.path))
    {
        return Err(Skip::Excluded(pattern.text.clone()));
    }
    let allowed = |method: &str| SAFE_METHODS.contains(&method) || choices.unsafe_methods;
    let method = match route.method.as_str() {
        "ANY" if route.is_method_fallback() => {
            let served = served_methods(&route.path, routes);
            let candidates = SAFE_METHODS.iter().chain(UNSAFE_METHODS.iter());
            let free: Vec<&str> = candidates
                .copied()
                .filter(|m| !served.iter().any(|s| s == m))
                .collect();
            match free.iter().find(|m| allowed(m)) {
                Some(m) => m.to_string(),
                None if free.is_empty() => return Err(Skip::Unreachable),
                None => return Err(Skip::UnsafeMethod),
            }
        }
        "ANY" => "GET".to_string(),
        "CONNECT" => return Err(Skip::Connect),
        m if allowed(m) => m.to_string(),
        _ => return Err(Skip::UnsafeMethod),
    };
    let pieces = placeholders::parse(&route.path).map_err(Skip::BadPath)?;
    Ok(Request {
        method,
        path: choices.placeholders.fill(&pieces),
    })
}

/// The methods other (non-fallback) routes at `path` answer; `HEAD` goes to a `GET` handler
/// when there is no `HEAD` handler, as in axum.
fn served_methods(path: &str, routes: &[RouteInfo]) -> Vec<String> {
    let mut served = Vec::new();
    for r in routes.iter().filter(|r| r.path == path && !r.fallback) {
        if r.method == "ANY" {
            served.extend(
                SAFE_METHODS
                    .iter()
                    .chain(UNSAFE_METHODS.iter())
                    .map(|m| m.to_string()),
            );
        } else {
            served.push(r.method.clone());
        }
        if r.method == "GET" {
            served.push("HEAD".to_string());
        }
    }
    served
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::AuthClass;

    fn route(method: &str, path: &str, fallback: bool) -> RouteInfo {
        RouteInfo {
            method: method.into(),
            path: path.into(),
            fallback,
            class: AuthClass::Extractor,
            evidence: None,
            protection: None,
            handler: "h".into(),
            file: "src/lib.rs".into(),
            line: 1,
        }
    }

    fn requests(routes: &[RouteInfo], choices: &Choices) -> Vec<String> {
        plan(routes, choices)
            .into_iter()
            .map(|p| match p {
                Ok(r) => r.to_string(),
                Err(s) => format!("skip: {s}"),
            })
            .collect()
    }

    #[test]
    fn only_safe_methods_by_default() {
        let routes = [
            route("GET", "/a/{id}", false),
            route("HEAD", "/a", false),
            route("OPTIONS", "/a", false),
            route("POST", "/a", false),
            route("PUT", "/a/{id}", false),
            route("PATCH", "/a/{id}", false),
            route("DELETE", "/a/{id}", false),
            route("TRACE", "/a", false),
            route("CONNECT", "/a", false),
        ];
        let safe = requests(&routes, &Choices::default());
        assert_eq!(&safe[..3], ["GET /a/1", "HEAD /a", "OPTIONS /a"]);
        for skipped in &safe[3..8] {
            assert!(skipped.contains("--unsafe-methods"), "{skipped}");
        }
        assert!(safe[8].contains("CONNECT"));
        let all = requests(
            &routes,
            &Choices {
                unsafe_methods: true,
                ..Choices::default()
            },
        );
        assert_eq!(
            &all[3..8],
            [
                "POST /a",
                "PUT /a/1",
                "PATCH /a/1",
                "DELETE /a/1",
                "TRACE /a"
            ]
        );
        assert!(all[8].starts_with("skip"), "CONNECT is never sent");
    }

    #[test]
    fn any_services_and_fallbacks_are_sent_as_get() {
        let routes = [
            route("ANY", "/svc", false),
            route("ANY", "/{*fallback}", true),
            route("ANY", "/api/{*fallback}", true),
        ];
        assert_eq!(
            requests(&routes, &Choices::default()),
            [
                "GET /svc",
                "GET /authcheck-probe",
                "GET /api/authcheck-probe"
            ]
        );
    }

    #[test]
    fn method_fallbacks_get_a_method_nothing_else_serves() {
        let mut routes = vec![
            route("GET", "/items", false),
            route("ANY", "/items", true),
            route("POST", "/other", false),
            route("ANY", "/other", true),
        ];
        let safe = requests(&routes, &Choices::default());
        assert_eq!(
            safe[1], "OPTIONS /items",
            "GET and HEAD reach the GET handler"
        );
        assert_eq!(safe[3], "GET /other");
        routes.push(route("OPTIONS", "/items", false));
        let safe = requests(&routes, &Choices::default());
        assert!(safe[1].contains("--unsafe-methods"), "{}", safe[1]);
        let unsafe_too = requests(
            &routes,
            &Choices {
                unsafe_methods: true,
                ..Choices::default()
            },
        );
        assert_eq!(unsafe_too[1], "POST /items");
        let every = [route("ANY", "/x", false), route("ANY", "/x", true)];
        assert!(requests(&every, &Choices::default())[1].contains("served by another"));
    }

    #[test]
    fn skip_patterns_and_placeholders() {
        let routes = [
            route("GET", "/users/{id}", false),
            route("GET", "/auth/me", false),
        ];
        let choices = Choices {
            placeholders: Placeholders {
                values: [("id".to_string(), "42".to_string())].into(),
            },
            skip: vec![RoutePattern::parse("* /auth/**").unwrap()],
            unsafe_methods: false,
        };
        assert_eq!(
            requests(&routes, &choices),
            ["GET /users/42", "skip: it matches --skip `* /auth/**`"]
        );
        assert_eq!(parameter_names(&routes), ["id"]);
    }
}
