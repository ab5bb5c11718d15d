//! What the published OpenAPI documentation says about each routed handler, as utoipa builds it:
//! the `#[utoipa::path]` method, path (with `context_path`, and the prefixes of `nest((path = ..,
//! api = ..))` or of the `OpenApiRouter` that collected it) and security (its own `security(..)`,
//! else the default of the published document, which utoipa merges from every nested document).

use crate::index::{FnId, Index, ModuleId, Ns, OpenApiDoc, Resolved};
use crate::router::{paths, Entry};

/// The documentation of one operation, as the analyzer believes the published spec shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Documented {
    pub methods: Vec<String>,
    /// The path in the published document (the annotation's own when it is in no document).
    pub path: Option<String>,
    /// Alternatives of AND-sets of scheme names; `None` when undocumented. An empty set is `()`.
    pub security: Option<Vec<Vec<String>>>,
    /// Whether the security comes from the operation itself (else from a document default).
    pub own_security: bool,
    /// The published documents that contain the operation.
    pub documents: Vec<String>,
}

impl Documented {
    /// Whether the operation is in a published document at all.
    pub fn is_listed(&self) -> bool {
        !self.documents.is_empty()
    }
}

struct Doc<'a> {
    path: Vec<String>,
    doc: &'a OpenApiDoc,
    handlers: Vec<FnId>,
    /// (prefix, nested document)
    nests: Vec<(String, usize)>,
}

/// The `#[openapi]` documents of the index, linked.
pub struct Documents<'a> {
    index: &'a Index,
    docs: Vec<Doc<'a>>,
}

impl<'a> Documents<'a> {
    pub fn new(index: &'a Index) -> Self {
        let mut docs: Vec<Doc> = index
            .openapi_docs
            .iter()
            .map(|(module, doc)| {
                let mut path = index.module_path(*module);
                path.push(doc.name.clone());
                let handlers = doc
                    .paths
                    .iter()
                    .filter_map(|p| resolve_fn(index, *module, p))
                    .collect();
                Doc {
                    path,
                    doc,
                    handlers,
                    nests: Vec::new(),
                }
            })
            .collect();
        for i in 0..docs.len() {
            let module = index.openapi_docs[i].0;
            let nests = docs[i]
                .doc
                .nests
                .iter()
                .filter_map(|(prefix, api)| {
                    Some((prefix.clone(), find(index, &docs, module, api)?))
                })
                .collect();
            docs[i].nests = nests;
        }
        Documents { index, docs }
    }

    /// Handlers of a document with the path prefix they get in it, nested documents included.
    fn members(
        &self,
        doc: usize,
        prefix: &str,
        seen: &mut Vec<usize>,
        out: &mut Vec<(FnId, String)>,
    ) {
        if seen.contains(&doc) {
            return;
        }
        seen.push(doc);
        out.extend(
            self.docs[doc]
                .handlers
                .iter()
                .map(|f| (*f, prefix.to_string())),
        );
        for (nested_prefix, nested) in &self.docs[doc].nests {
            self.members(*nested, &paths::join(prefix, nested_prefix), seen, out);
        }
    }

    /// The default security of a document as utoipa publishes it: its own alternatives followed
    /// by those of every document it nests.
    fn default_security(&self, doc: usize, seen: &mut Vec<usize>) -> Option<Vec<Vec<String>>> {
        if seen.contains(&doc) {
            return None;
        }
        seen.push(doc);
        let mut out: Option<Vec<Vec<String>>> = self.docs[doc].doc.security.clone();
        for (_, nested) in &self.docs[doc].nests {
            if let Some(alts) = self.default_security(*nested, seen) {
                let merged = out.get_or_insert_with(Vec::new);
                for alt in alts {
                    if !merged.contains(&alt) {
                        merged.push(alt);
                    }
                }
            }
        }
        out
    }

    /// Documents no other document nests: the ones that get published.
    fn roots(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.docs.len()).filter(|d| {
            !self
                .docs
                .iter()
                .any(|o| o.nests.iter().any(|(_, n)| n == d))
        })
    }

    /// What the documentation says about the handler of `entry`; `router_docs` are the documents
    /// joined to the served routers with `OpenApiRouter::with_openapi`.
    pub fn documented(
        &self,
        f: FnId,
        entry: &Entry,
        router_docs: &[Vec<String>],
    ) -> Option<Documented> {
        let attr = self.index.fns[f.0].utoipa.as_ref()?;
        let mut documented = Documented {
            methods: attr.methods.clone(),
            path: attr.full_path(),
            security: attr.security.clone(),
            own_security: attr.security.is_some(),
            documents: Vec::new(),
        };
        let published: Option<(Vec<usize>, String)> = if let Some(registered) = &entry.collected {
            // utoipa-axum documents the operation at its own path under the prefixes the router
            // was nested at (whichever path of its `routes!` group this entry serves).
            let docs = router_docs
                .iter()
                .filter_map(|p| self.docs.iter().position(|d| d.path == *p))
                .collect();
            let prefix = if registered == "/" {
                entry.path.as_str()
            } else {
                entry.path.strip_suffix(registered.as_str()).unwrap_or("")
            };
            Some((
                docs,
                paths::normalize(&paths::join(prefix, documented.path.as_deref()?)),
            ))
        } else {
            self.roots().find_map(|root| {
                let mut members = Vec::new();
                self.members(root, "", &mut Vec::new(), &mut members);
                let (_, prefix) = members.into_iter().find(|(m, _)| *m == f)?;
                Some((
                    vec![root],
                    paths::normalize(&paths::join(&prefix, documented.path.as_deref()?)),
                ))
            })
        };
        if let Some((docs, path)) = published {
            documented.path = Some(path);
            documented.documents = docs.iter().map(|&d| self.docs[d].path.join("::")).collect();
            if entry.collected.is_some() && documented.documents.is_empty() {
                documented
                    .documents
                    .push("the OpenApiRouter's document".to_string());
            }
            if documented.security.is_none() {
                let mut merged: Option<Vec<Vec<String>>> = None;
                for d in docs {
                    for alt in self
                        .default_security(d, &mut Vec::new())
                        .into_iter()
                        .flatten()
                    {
                        let m = merged.get_or_insert_with(Vec::new);
                        if !m.contains(&alt) {
                            m.push(alt);
                        }
                    }
                }
                documented.security = merged;
            }
        }
        Some(documented)
    }
}

fn find(index: &Index, docs: &[Doc], module: ModuleId, path: &[String]) -> Option<usize> {
    let target = match index.resolve(module, path, Ns::Type)? {
        r @ Resolved::Type { .. } => r.full_path(index),
        _ => return None,
    };
    docs.iter().position(|d| d.path == target)
}

fn resolve_fn(index: &Index, module: ModuleId, path: &[String]) -> Option<FnId> {
    match index.resolve(module, path, Ns::Value)? {
        Resolved::Fn(f) => Some(f),
        _ => None,
    }
}

/// Documented security for output: `[]` for anonymous only; otherwise each alternative, its
/// schemes joined with ` + `, and `()` for an anonymous alternative.
pub fn security_names(security: &[Vec<String>]) -> Vec<String> {
    if security.iter().all(Vec::is_empty) {
        return Vec::new();
    }
    security
        .iter()
        .map(|alt| {
            if alt.is_empty() {
                "()".to_string()
            } else {
                alt.join(" + ")
            }
        })
        .collect()
}
