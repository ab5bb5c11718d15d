//! The workspace being written: its files (counted by kind), the routes it serves with what
//! protects each, the allowlist of its `authcheck.toml`, and the one-file edit of the warm
//! benchmark. `finish` writes the exact answer the tool must give, derived from what was emitted:
//!
//! - `expected.json`: `{"routes": N, "unprotected": ["GET /path", ...]}` (sorted);
//! - `expected-routes.txt`: every route with its verdict, for a precise report of a mismatch;
//! - `edit/`: `file` (the path of the file to edit), `edited` (its edited text: one handler loses
//!   its auth extractor) and the answer after the edit (`expected.json`, `expected-routes.txt`).

use std::collections::BTreeMap;
use std::path::PathBuf;

/// What a file holds, for the share of the bytes in routing code.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Routers and handlers.
    Api,
    /// Everything else in `src/`: entities, repositories, tests.
    Domain,
    /// Manifests, auth, state, crate roots.
    Other,
}

/// One route as axum serves it, with what protects it.
#[derive(Clone)]
struct Route {
    method: String,
    path: String,
    /// The handler's own arguments authenticate (`RequireAuth` or `AdminUser`).
    by_args: bool,
    /// A `require_auth` layer covers it.
    by_layer: bool,
    /// The fn that handles it (its crate path); `None` for a closure.
    handler: Option<String>,
}

/// The routes one router value serves, relative to that router: the generator's model of the
/// router code it emits, composed the way axum composes routers.
#[derive(Clone, Default)]
pub struct Served(Vec<Route>);

impl Served {
    /// `.route(path, method(handler))` with a fn handler.
    pub fn handler(&mut self, method: &str, path: &str, handler: String, by_args: bool) {
        self.push(method, path, Some(handler), by_args);
    }

    /// `.route(path, method(|..| async { .. }))`.
    pub fn closure(&mut self, method: &str, path: &str, by_args: bool) {
        self.push(method, path, None, by_args);
    }

    fn push(&mut self, method: &str, path: &str, handler: Option<String>, by_args: bool) {
        self.0.push(Route {
            method: method.to_ascii_uppercase(),
            path: path.to_string(),
            by_args,
            by_layer: false,
            handler,
        });
    }

    /// `.nest(prefix, other)`.
    pub fn nest(&mut self, prefix: &str, other: Served) {
        for mut route in other.0 {
            route.path = nested_path(prefix, &route.path);
            self.0.push(route);
        }
    }

    /// `.merge(other)`.
    pub fn merge(&mut self, other: Served) {
        self.0.extend(other.0);
    }

    /// `.route_layer(middleware::from_fn(require_auth))`: covers every route present now, none
    /// added later.
    pub fn layer(&mut self) {
        for route in &mut self.0 {
            route.by_layer = true;
        }
    }
}

/// axum 0.8's path of a route nested under a prefix (`Router::nest`).
fn nested_path(prefix: &str, path: &str) -> String {
    if let Some(stem) = prefix.strip_suffix('/') {
        format!("{stem}/{}", path.trim_start_matches('/'))
    } else if path == "/" {
        prefix.to_string()
    } else {
        format!("{prefix}{path}")
    }
}

/// Whether an `[[allow]] route` pattern (`METHOD /a/*/b/**`) matches a route.
fn allow_matches(pattern: &str, method: &str, path: &str) -> bool {
    let (pattern_method, pattern_path) = pattern.split_once(' ').expect("METHOD PATH");
    fn segments(path: &str) -> Vec<&str> {
        path.split('/').filter(|s| !s.is_empty()).collect()
    }
    fn matches(pattern: &[&str], path: &[&str]) -> bool {
        match pattern.split_first() {
            None => path.is_empty(),
            Some((&"**", rest)) => (0..=path.len()).any(|skip| matches(rest, &path[skip..])),
            Some((first, rest)) => path
                .split_first()
                .is_some_and(|(p, tail)| (*first == "*" || first == p) && matches(rest, tail)),
        }
    }
    (pattern_method == "*" || pattern_method == method)
        && matches(&segments(pattern_path), &segments(path))
}

/// The edit the warm benchmark applies.
struct Edit {
    file: String,
    handler: String,
    edited: String,
}

pub struct Workspace {
    root: PathBuf,
    shape: &'static str,
    lines: usize,
    files: usize,
    api_bytes: usize,
    rs_bytes: usize,
    members: Vec<String>,
    /// `[[allow]]` entries: (route pattern, reason).
    allow: Vec<(&'static str, &'static str)>,
    served: Served,
    edit: Option<Edit>,
}

impl Workspace {
    /// Starts an empty workspace at `root`, replacing whatever was there.
    pub fn new(root: PathBuf, shape: &'static str) -> Self {
        if root.exists() {
            if let Err(e) = std::fs::remove_dir_all(&root) {
                crate::fail(&format!("cannot replace {}: {e}", root.display()));
            }
        }
        Workspace {
            root,
            shape,
            lines: 0,
            files: 0,
            api_bytes: 0,
            rs_bytes: 0,
            members: Vec::new(),
            allow: Vec::new(),
            served: Served::default(),
            edit: None,
        }
    }

    /// Lines of Rust written so far.
    pub fn lines(&self) -> usize {
        self.lines
    }

    pub fn write(&mut self, rel: &str, text: &str, kind: Kind) {
        let path = self.root.join(rel);
        let written = std::fs::create_dir_all(path.parent().unwrap())
            .and_then(|()| std::fs::write(&path, text));
        if let Err(e) = written {
            crate::fail(&format!("cannot write {}: {e}", path.display()));
        }
        if rel.ends_with(".rs") {
            self.lines += text.lines().count();
            self.files += 1;
            self.rs_bytes += text.len();
            if kind == Kind::Api {
                self.api_bytes += text.len();
            }
        }
    }

    /// Lists a member (its directory, relative to the root) in the workspace manifest.
    pub fn member(&mut self, dir: String) {
        self.members.push(dir);
    }

    /// Adds an `[[allow]]` entry to `authcheck.toml`.
    pub fn allow(&mut self, route: &'static str, reason: &'static str) {
        self.allow.push((route, reason));
    }

    /// The routes of the served application (the router handed to `axum::serve`).
    pub fn serve(&mut self, served: Served) {
        self.served.merge(served);
    }

    /// Proposes the benchmark's edit: `file` with `handler` no longer authenticating by its
    /// arguments. The first offer is taken; `edited` makes the edited text.
    pub fn offer_edit(&mut self, file: &str, handler: &str, edited: impl FnOnce() -> String) {
        if self.edit.is_none() {
            self.edit = Some(Edit {
                file: file.to_string(),
                handler: handler.to_string(),
                edited: edited(),
            });
        }
    }

    /// Writes the manifests, the config and the expected answers, and prints a summary.
    pub fn finish(mut self) {
        let members: Vec<String> = self.members.iter().map(|m| format!("\"{m}\"")).collect();
        let manifest = format!(
            "[workspace]\nresolver = \"2\"\nmembers = [{}]\n",
            members.join(", ")
        );
        self.write("Cargo.toml", &manifest, Kind::Other);
        let mut config =
            String::from("[auth]\nextractors = [\"RequireAuth\"]\nlayers = [\"require_auth\"]\n");
        for (route, reason) in &self.allow {
            config.push_str(&format!(
                "\n[[allow]]\nroute = \"{route}\"\nreason = \"{reason}\"\n"
            ));
        }
        self.write("authcheck.toml", &config, Kind::Other);

        let verdicts = self.verdicts(&self.served.0);
        let unprotected = self.write_expected("", &verdicts);
        let edit = self.edit.take().expect("the shape offers an edit");
        let mut edited_routes = self.served.0.clone();
        for route in &mut edited_routes {
            if route.handler.as_deref() == Some(edit.handler.as_str()) {
                route.by_args = false;
            }
        }
        let edited_verdicts = self.verdicts(&edited_routes);
        let edited_unprotected = self.write_expected("edit/", &edited_verdicts);
        assert!(
            edited_unprotected > unprotected,
            "the edit of {} must leave a route unprotected",
            edit.handler
        );
        self.write("edit/file", &format!("{}\n", edit.file), Kind::Other);
        self.write("edit/edited", &edit.edited, Kind::Other);
        println!(
            "{}: shape {}, {} lines in {} files ({:.1} MB), {} members, {} routes ({} unprotected); \
             router and handler files hold {:.1}% of the bytes; edit: {}",
            self.root.display(),
            self.shape,
            self.lines,
            self.files,
            self.rs_bytes as f64 / 1e6,
            self.members.len(),
            verdicts.len(),
            unprotected,
            100.0 * self.api_bytes as f64 / self.rs_bytes as f64,
            edit.file,
        );
    }

    /// Each route (`METHOD /path`) and whether anyone can call it; panics on a duplicate, which
    /// axum refuses at start-up.
    fn verdicts(&self, routes: &[Route]) -> BTreeMap<String, bool> {
        let mut verdicts = BTreeMap::new();
        for route in routes {
            let allowed = self
                .allow
                .iter()
                .any(|(pattern, _)| allow_matches(pattern, &route.method, &route.path));
            let open = !route.by_args && !route.by_layer && !allowed;
            let key = format!("{} {}", route.method, route.path);
            assert!(
                verdicts.insert(key.clone(), open).is_none(),
                "duplicate route {key}"
            );
        }
        verdicts
    }

    /// Writes `expected.json` and `expected-routes.txt` into `dir` (relative to the root);
    /// returns the unprotected count.
    fn write_expected(&mut self, dir: &str, verdicts: &BTreeMap<String, bool>) -> usize {
        let unprotected: Vec<&String> = verdicts
            .iter()
            .filter(|(_, open)| **open)
            .map(|(k, _)| k)
            .collect();
        let expected = serde_json::json!({ "routes": verdicts.len(), "unprotected": unprotected });
        let json = serde_json::to_string_pretty(&expected).expect("JSON of strings") + "\n";
        self.write(&format!("{dir}expected.json"), &json, Kind::Other);
        let listing: String = verdicts
            .iter()
            .map(|(route, open)| {
                format!(
                    "{route} {}\n",
                    if *open { "unprotected" } else { "protected" }
                )
            })
            .collect();
        self.write(&format!("{dir}expected-routes.txt"), &listing, Kind::Other);
        unprotected.len()
    }
}
