//! `cargo authcheck diff REV`: what a change does to the attack surface. The route tables of a
//! revision and of the working tree are compared route by route (method and path): routes added
//! and removed, routes that lost or gained protection, other changes of the auth class or its
//! evidence, and changes of the documented security. [`git`] materialises the revision.

pub mod git;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::analysis::Analysis;
use crate::openapi::security_names;

/// One route as the diff compares it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RouteState {
    pub method: String,
    pub path: String,
    pub handler: String,
    /// `extractor` | `layer` | `public` | `allowlisted` | `none`.
    pub auth: &'static str,
    pub evidence: Option<String>,
    /// The documented security alternatives (`[]` anonymous), None when undocumented.
    pub security: Option<Vec<String>>,
    pub file: String,
    pub line: usize,
}

impl RouteState {
    /// Whether an anonymous caller is rejected.
    pub fn is_protected(&self) -> bool {
        matches!(self.auth, "extractor" | "layer")
    }

    /// `GET /path`.
    pub fn name(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

/// The routes of an analysis.
pub fn states(analysis: &Analysis) -> Vec<RouteState> {
    let sources = &analysis.index.sources;
    analysis
        .routes
        .iter()
        .map(|r| RouteState {
            method: r.entry.method.clone(),
            path: r.entry.path.clone(),
            handler: r.handler.clone(),
            auth: r.verdict.class.as_str(),
            evidence: r.verdict.evidence.as_deref().map(str::to_string),
            security: r
                .documented
                .as_ref()
                .and_then(|d| d.security.as_deref())
                .map(security_names),
            file: sources.get(r.defined_at.file).display.clone(),
            line: r.defined_at.line as usize,
        })
        .collect()
}

/// A route present on both sides whose state changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Change {
    pub before: RouteState,
    pub after: RouteState,
}

/// What changed between two route tables, most serious first.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RouteDiff {
    /// Protected before (extractor or layer), callable anonymously now.
    pub lost_protection: Vec<Change>,
    pub added: Vec<RouteState>,
    pub removed: Vec<RouteState>,
    /// Callable anonymously before, protected now.
    pub gained_protection: Vec<Change>,
    /// Other changes of the class or its evidence (`extractor` -> `layer`, `none` -> `public`).
    pub auth_changed: Vec<Change>,
    /// The documented security changed.
    pub security_changed: Vec<Change>,
}

impl RouteDiff {
    /// Compares `before` (the revision) with `after` (the working tree).
    pub fn compare(before: &[RouteState], after: &[RouteState]) -> RouteDiff {
        let key = |r: &RouteState| (r.path.clone(), r.method.clone());
        let mut old: BTreeMap<_, &RouteState> = BTreeMap::new();
        for r in before {
            old.entry(key(r)).or_insert(r);
        }
        let mut new: BTreeMap<_, &RouteState> = BTreeMap::new();
        for r in after {
            new.entry(key(r)).or_insert(r);
        }
        let mut diff = RouteDiff::default();
        for (k, b) in &old {
            let Some(a) = new.get(k) else {
                diff.removed.push((*b).clone());
                continue;
            };
            let change = || Change {
                before: (*b).clone(),
                after: (*a).clone(),
            };
            if b.is_protected() && !a.is_protected() {
                diff.lost_protection.push(change());
            } else if !b.is_protected() && a.is_protected() {
                diff.gained_protection.push(change());
            } else if b.auth != a.auth || b.evidence != a.evidence {
                diff.auth_changed.push(change());
            }
            if b.security != a.security {
                diff.security_changed.push(change());
            }
        }
        for (k, a) in &new {
            if !old.contains_key(k) {
                diff.added.push((*a).clone());
            }
        }
        diff
    }

    pub fn is_empty(&self) -> bool {
        *self == RouteDiff::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(method: &str, path: &str, auth: &'static str) -> RouteState {
        RouteState {
            method: method.into(),
            path: path.into(),
            handler: "h".into(),
            auth,
            evidence: None,
            security: None,
            file: "src/lib.rs".into(),
            line: 1,
        }
    }

    #[test]
    fn sorts_changes_into_their_kinds() {
        let before = [
            route("GET", "/a", "extractor"),
            route("GET", "/b", "none"),
            route("GET", "/gone", "extractor"),
            route("GET", "/c", "extractor"),
        ];
        let mut docs = route("GET", "/c", "layer");
        docs.security = Some(vec!["bearer_auth".into()]);
        let after = [
            route("GET", "/a", "allowlisted"),
            route("GET", "/b", "layer"),
            docs,
            route("POST", "/new", "none"),
        ];
        let diff = RouteDiff::compare(&before, &after);
        assert_eq!(diff.lost_protection[0].after.path, "/a");
        assert_eq!(diff.gained_protection[0].after.path, "/b");
        assert_eq!(diff.removed[0].path, "/gone");
        assert_eq!(diff.added[0].name(), "POST /new");
        assert_eq!(diff.auth_changed[0].after.auth, "layer");
        assert_eq!(diff.security_changed[0].after.path, "/c");
        assert!(RouteDiff::compare(&before, &before).is_empty());
    }
}
