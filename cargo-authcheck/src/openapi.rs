//! What the OpenAPI documentation says about each routed handler: its `#[utoipa::path]` method,
//! path and security, with the default security of the `#[openapi]` documents it belongs to.

use crate::index::{FnId, Index, ModuleId, Ns, OpenApiDoc, Resolved, UtoipaPath};
use crate::router::Entry;

/// The documentation of one operation, as the analyzer believes the published spec shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Documented {
    pub methods: Vec<String>,
    pub path: Option<String>,
    /// Alternatives of AND-sets of scheme names; `None` when undocumented. An empty set is `()`.
    pub security: Option<Vec<Vec<String>>>,
    /// Whether the security comes from the operation itself (else from a document default).
    pub own_security: bool,
    /// The documents that list the operation (`paths(...)`, nested, or `routes!` + `with_openapi`).
    pub documents: Vec<String>,
}

/// The `#[openapi]` documents of the index with their resolved member handlers.
pub struct Documents<'a> {
    index: &'a Index,
    /// (document path, doc, handlers listed directly or through nests)
    docs: Vec<(Vec<String>, &'a OpenApiDoc, Vec<FnId>)>,
}

impl<'a> Documents<'a> {
    pub fn new(index: &'a Index) -> Self {
        let docs = index
            .openapi_docs
            .iter()
            .map(|(module, doc)| {
                let mut path = index.modules[module.0].path.clone();
                path.push(doc.name.clone());
                let handlers = doc
                    .paths
                    .iter()
                    .filter_map(|p| resolve_fn(index, *module, p))
                    .collect();
                (path, doc, handlers)
            })
            .collect();
        Documents { index, docs }
    }

    /// Handlers listed by a document, including the documents it nests (and theirs).
    fn members(&self, doc: usize, seen: &mut Vec<usize>) -> Vec<FnId> {
        if seen.contains(&doc) {
            return Vec::new();
        }
        seen.push(doc);
        let (_, d, handlers) = &self.docs[doc];
        let mut out = handlers.clone();
        let module = self.module_of(doc);
        for (_, api) in &d.nests {
            if let Some(nested) = self.find(module, api) {
                out.extend(self.members(nested, seen));
            }
        }
        out
    }

    fn module_of(&self, doc: usize) -> ModuleId {
        self.index.openapi_docs[doc].0
    }

    fn find(&self, module: ModuleId, path: &[String]) -> Option<usize> {
        let target = match self.index.resolve(module, path, Ns::Type)? {
            r @ Resolved::Type { .. } => r.full_path(self.index),
            _ => return None,
        };
        self.docs.iter().position(|(p, _, _)| *p == target)
    }

    /// The documents (by index) whose published spec contains the handler.
    fn containing(&self, f: FnId, entry: &Entry, router_docs: &[Vec<String>]) -> Vec<usize> {
        (0..self.docs.len())
            .filter(|&d| {
                self.members(d, &mut Vec::new()).contains(&f)
                    || (entry.collected && router_docs.contains(&self.docs[d].0))
            })
            .collect()
    }

    /// What the documentation says about the handler of `entry`.
    pub fn documented(
        &self,
        f: FnId,
        entry: &Entry,
        router_docs: &[Vec<String>],
    ) -> Option<Documented> {
        let attr: &UtoipaPath = self.index.fns[f.0].utoipa.as_ref()?;
        let docs = self.containing(f, entry, router_docs);
        let (security, own) = match &attr.security {
            Some(s) => (Some(s.clone()), true),
            None => (
                docs.iter().find_map(|&d| self.docs[d].1.security.clone()),
                false,
            ),
        };
        Some(Documented {
            methods: attr.methods.clone(),
            path: attr.full_path(),
            security,
            own_security: own,
            documents: docs.iter().map(|&d| self.docs[d].0.join("::")).collect(),
        })
    }

    /// Whether a routed and annotated handler reaches any published document.
    pub fn is_listed(&self, f: FnId, entry: &Entry, router_docs: &[Vec<String>]) -> bool {
        entry.collected || !self.containing(f, entry, router_docs).is_empty()
    }
}

fn resolve_fn(index: &Index, module: ModuleId, path: &[String]) -> Option<FnId> {
    match index.resolve(module, path, Ns::Value)? {
        Resolved::Fn(f) => Some(f),
        _ => None,
    }
}

/// The scheme names of documented security, for output: `[]` for anonymous only.
pub fn security_names(security: &[Vec<String>]) -> Vec<String> {
    security
        .iter()
        .filter(|alt| !alt.is_empty())
        .map(|alt| alt.join(" + "))
        .collect()
}
