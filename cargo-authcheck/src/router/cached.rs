//! The route table from the cache when nothing its evaluation depends on changed.
//!
//! Evaluation reads the module tree, the signatures of fns (not their parameters), utoipa
//! paths, typed paths, type aliases, the workspace's crates and the roots: all of that goes into
//! one fingerprint. It also reads, and records with their hashes when the table is built:
//!
//! - the lines of the fns it evaluates (in the files it parses again);
//! - the names it resolves, each with what it resolved to (a [`NameRead`]);
//! - for typed routes, the parameters of a few handlers.
//!
//! A cached table is reused only while its fingerprint matches and every recorded read gives
//! what it gave. Editing a handler's parameters or body, or the `use` items of a module whose
//! names no router code looks up, changes none of it, so the table is reused; auth
//! classification, which reads them, always runs afresh.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_128;

use super::eval::Evaluator;
use super::model::RouteTable;
use crate::cache::{lines_hash, Cache, CachedRoutes, FileRead, Hash};
use crate::config::Located;
use crate::index::{FnId, Index, LinkedEntry, ModuleId, Name, Ns, Resolved, TypeRef};

/// A name the evaluation looked up.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum NameRead {
    /// A path as written in a module.
    Path {
        module: ModuleId,
        path: Vec<String>,
        ns: Ns,
    },
    /// A type followed through aliases.
    Type { module: ModuleId, ty: TypeRef },
}

impl NameRead {
    /// What it resolves to in `index` now (`None` also for a module the index does not have).
    fn resolve(&self, index: &Index) -> Option<Resolved> {
        match self {
            NameRead::Path { module, .. } | NameRead::Type { module, .. }
                if module.0 >= index.modules.len() =>
            {
                None
            }
            NameRead::Path { module, path, ns } => index.resolve(*module, path, *ns),
            NameRead::Type { module, ty } => index.resolve_type(*module, ty),
        }
    }
}

/// The hash of what a name resolved to.
pub fn found_hash(found: &Option<Resolved>) -> Hash {
    use std::hash::Hash as _;
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    found.hash(&mut h);
    h.digest128()
}

/// Length-prefixed fields gathered for one hash, so that adjacent fields cannot run together
/// (gathered in a buffer and hashed once: a streaming hasher fed a few bytes at a time is slower).
#[derive(Default)]
struct Fingerprint(Vec<u8>);

impl Fingerprint {
    fn str(&mut self, s: &str) {
        self.num(s.len());
        self.0.extend_from_slice(s.as_bytes());
    }
    fn num(&mut self, n: usize) {
        self.0.extend_from_slice(&(n as u64).to_le_bytes());
    }
    fn hash(&mut self, hash: Hash) {
        self.0.extend_from_slice(&hash.to_le_bytes());
    }
    fn finish(&self) -> Hash {
        xxh3_128(&self.0)
    }
    fn ty(&mut self, ty: &TypeRef) {
        self.str(&ty.display());
    }
}

/// What the reuse of a cached table needs that name resolution does not decide, worked out
/// while the def-map is built ([`prepare`]).
pub struct Prepared {
    /// The fingerprint of what evaluation reads in the index, names and roots aside.
    index_part: Hash,
    /// The cached table, when the files and parameters its evaluation read are as they were.
    candidate: Option<CachedRoutes>,
}

/// Reads the cached table and checks what it read of files and parameters, and fingerprints
/// the index; `None` when caching is off. Needs no def-map: it runs while that is built.
pub fn prepare(index: &Index, cache: &Cache) -> Option<Prepared> {
    cache.enabled().then(|| {
        // Both on the current pool: a large table takes as long to decode as the index to hash.
        let (index_part, candidate) = rayon::join(
            || index_fingerprint(index),
            || {
                cache
                    .routes()
                    .filter(|cached| reads_unchanged(index, cached))
            },
        );
        Prepared {
            index_part,
            candidate,
        }
    })
}

/// What router evaluation depends on in the index (and the configuration), names aside: they
/// are recorded as they are read. `index_part` is [`Prepared::index_part`].
pub fn fingerprint(
    prepared: &Prepared,
    index: &Index,
    roots: &[Located<String>],
    root_fns: &[FnId],
) -> Hash {
    let mut h = Fingerprint::default();
    h.hash(prepared.index_part);
    for root in roots {
        h.str(&root.value);
    }
    root_fns.iter().for_each(|f| h.num(f.0));
    if let Some((at, message)) = &index.defmap.bound_hit {
        h.str(&format!("{at:?}"));
        h.str(message);
    }
    h.finish()
}

/// The part of [`fingerprint`] that reads the index alone.
fn index_fingerprint(index: &Index) -> Hash {
    let mut h = Fingerprint::default();
    h.str(env!("CARGO_PKG_VERSION"));
    for c in &index.crates {
        h.str(&c.name);
        h.num(c.root.0);
        h.num(usize::from(c.is_lib) * 2 + usize::from(c.selected));
        c.deps.iter().for_each(|d| h.str(d));
    }
    for m in &index.modules {
        m.path.iter().for_each(|p| h.str(p));
        h.num(m.parent.map_or(usize::MAX, |p| p.0));
        h.num(m.file.0);
        // Whether the workspace has a router alias at all decides which names are looked up.
        let mut aliases: Vec<(&Name, &TypeRef)> = m
            .entries
            .iter()
            .filter_map(|(name, e)| match e {
                LinkedEntry::Alias(ty) => Some((name, &**ty)),
                _ => None,
            })
            .collect();
        aliases.sort_unstable_by_key(|&(name, _)| name);
        for (name, ty) in aliases {
            h.str(name);
            h.ty(ty);
        }
    }
    for f in &index.fns {
        h.str(&f.name);
        h.num(f.module);
        h.str(f.self_type.as_deref().unwrap_or(""));
        h.str(&f.returns);
        h.num(f.file().0);
        h.num(usize::from(f.serves) * 2 + usize::from(f.has_body));
        h.num(f.local_to.map_or(usize::MAX, |l| l as usize));
        if let Some(u) = &f.utoipa {
            u.methods.iter().for_each(|m| h.str(m));
            h.str(u.path.as_deref().unwrap_or(""));
            h.str(u.context_path.as_deref().unwrap_or(""));
        }
    }
    let mut typed: Vec<_> = index.typed_paths.iter().collect();
    typed.sort_unstable();
    for ((module, name), path) in typed {
        h.num(module.0);
        h.str(name);
        h.str(path);
    }
    h.finish()
}

/// The hash of a fn's parameters (read by typed routes).
fn params_hash(index: &Index, f: FnId) -> Hash {
    xxh3_128(index.fns[f.0].params.encoded())
}

/// Whether the files and parameters `cached`'s evaluation read are as they were.
fn reads_unchanged(index: &Index, cached: &CachedRoutes) -> bool {
    let files_unchanged = cached.files_read.iter().all(|read| {
        index.content_hash(read.file) == read.content || {
            let source = index.sources.get(read.file);
            read.lines
                .iter()
                .all(|&(first, last, hash)| lines_hash(source, first, last) == hash)
        }
    });
    files_unchanged
        && cached
            .params_read
            .iter()
            .all(|&(f, hash)| f.0 < index.fns.len() && params_hash(index, f) == hash)
}

/// The cached table, when its fingerprint matches and what else it read is unchanged.
pub fn reuse(
    index: &Index,
    cache: &mut Cache,
    fingerprint: Hash,
    prepared: Prepared,
) -> Option<RouteTable> {
    let cached = prepared
        .candidate
        .filter(|cached| cached.fingerprint == fingerprint)?;
    // On the current pool: a large table's evaluation read tens of thousands of names.
    let names_unchanged = cached
        .names_read
        .par_iter()
        .all(|(read, hash)| found_hash(&read.resolve(index)) == *hash);
    if !names_unchanged {
        return None;
    }
    cache.keep_loaded_routes();
    Some(cached.table)
}

/// Stores a freshly evaluated table with what its evaluation read.
pub fn keep(
    index: &Index,
    cache: &mut Cache,
    fingerprint: Hash,
    ev: &Evaluator,
    table: &RouteTable,
) {
    let routes = CachedRoutes {
        fingerprint,
        files_read: ev
            .files_read
            .iter()
            .map(|&file| {
                let source = index.sources.get(file);
                let lines = ev
                    .lines_read
                    .range((file, 0, 0)..=(file, usize::MAX, usize::MAX))
                    .map(|&(_, first, last)| (first, last, lines_hash(source, first, last)))
                    .collect();
                FileRead {
                    file,
                    content: index.content_hash(file),
                    lines,
                }
            })
            .collect(),
        params_read: ev
            .params_read
            .iter()
            .map(|&f| (f, params_hash(index, f)))
            .collect(),
        names_read: ev
            .names_read
            .iter()
            .flat_map(|reads| reads.take())
            .collect(),
        table,
    };
    cache.keep_routes(&routes);
}
