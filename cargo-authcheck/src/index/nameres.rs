//! Name resolution, computed once for the whole workspace into a def-map (in the manner of
//! rust-analyzer's `nameres`), then answered by table lookups.
//!
//! Building it: every module starts with its own items. Its `use` imports are resolved to a
//! fixpoint: each round tries every import still pending; a name that some pending import (or a
//! pending glob) of the module might still bind is *indeterminate*, and what depends on it waits
//! for a later round. When a round makes no progress, the rest is settled as it stands
//! (indeterminate counts as absent, so a name no module binds is outside the workspace), which
//! also ends cycles (`use a::*` in `b` and `use b::*` in `a`). Every import is tried once per
//! round and binds at most once, so nothing recurses and no depth limit is needed.
//!
//! Globs: `use m::*` is an edge to `m`. The modules that import each other through globs form
//! strongly connected components; each component gets one table of the names visible through
//! its globs (its members' own names first, then what the components it imports from see), built
//! once in dependency order. A lookup is then: the module's own items and imports, else its
//! component's glob table; it never walks globs again. A glob-heavy crate where every module does
//! `use crate::*` and the root does `pub use m::*` for each is one component with one table.
//!
//! The work is counted in [`DefMap::steps`] and bounded by [`MAX_STEPS`]: past it, the imports
//! still pending are settled as they stand and the place is reported.

use std::collections::VecDeque;

use rustc_hash::FxHashMap;

use super::{Index, LinkedEntry, ModuleId, Name, NameTable, Ns, Resolved};
use crate::source::Loc;

/// The most resolution steps (import attempts, modules visited through globs, names entered in
/// glob tables) spent on a workspace; far above what real code needs (a few per import).
pub const MAX_STEPS: usize = 50_000_000;

/// What one name denotes in each namespace.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PerNs {
    pub types: Option<Resolved>,
    pub values: Option<Resolved>,
    /// Imported from outside the analysed crates (`use axum::routing::get`): either namespace.
    pub external: Option<Box<[Name]>>,
}

impl PerNs {
    fn is_empty(&self) -> bool {
        self.types.is_none() && self.values.is_none() && self.external.is_none()
    }

    /// Fills the namespaces still empty from `other` (an explicit name shadows a glob-imported
    /// one per namespace).
    fn or(mut self, other: PerNs) -> PerNs {
        self.types = self.types.or(other.types);
        self.values = self.values.or(other.values);
        self.external = self.external.or(other.external);
        self
    }

    /// The binding for `ns`: that namespace, else an outside import, else the other namespace
    /// (`use axum::routing::get;` beside `mod get` names the function).
    pub fn pick(self, ns: Ns) -> Option<Resolved> {
        let (wanted, other) = match ns {
            Ns::Type => (self.types, self.values),
            Ns::Value => (self.values, self.types),
        };
        wanted
            .or(self
                .external
                .map(|path| Resolved::External(path.into_vec())))
            .or(other)
    }
}

/// Which modules see a name through globs, per namespace: where it is bound explicitly.
#[derive(Clone, Copy, Debug, Default)]
struct GlobBinding {
    types: Option<ModuleId>,
    values: Option<ModuleId>,
    external: Option<ModuleId>,
}

/// The resolved names of every module.
#[derive(Debug, Default)]
pub struct DefMap {
    /// Per module: the names its `use` items bind.
    imports: Vec<NameTable<PerNs>>,
    /// Per module: its glob component.
    component: Vec<usize>,
    /// Per glob component: the names visible through its globs.
    glob_scopes: Vec<NameTable<GlobBinding>>,
    /// Resolution steps spent building it.
    pub steps: usize,
    /// Where the step bound was hit, if it was.
    pub bound_hit: Option<(Loc, String)>,
}

/// A table built as a map, kept once the def-map is done as a [`NameTable`] (more compact).
fn table_of<V>(map: FxHashMap<Name, V>) -> NameTable<V> {
    NameTable::new(map.into_iter().collect())
}

/// The names a module's imports bind, by name: a map while the def-map is built, a
/// [`NameTable`] once it is done.
trait Imports {
    fn get(&self, name: &str) -> Option<&PerNs>;
}

impl Imports for FxHashMap<Name, PerNs> {
    fn get(&self, name: &str) -> Option<&PerNs> {
        FxHashMap::get(self, name)
    }
}

impl Imports for NameTable<PerNs> {
    fn get(&self, name: &str) -> Option<&PerNs> {
        self.first(name)
    }
}

/// A name some pending import might still bind: wait for it.
struct Indeterminate;

impl DefMap {
    /// Everything `name` denotes in `module`, as a path segment reaches it (`module::name`).
    pub fn member(&self, index: &Index, module: ModuleId, name: &str) -> PerNs {
        let own = explicit(index, &self.imports, module, name);
        let Some(binding) = self
            .component
            .get(module.0)
            .and_then(|c| self.glob_scopes[*c].first(name))
        else {
            return own;
        };
        let from = |source: Option<ModuleId>, f: fn(PerNs) -> PerNs| {
            source.map_or_else(PerNs::default, |m| {
                f(explicit(index, &self.imports, m, name))
            })
        };
        own.or(PerNs {
            types: from(binding.types, |p| p).types,
            values: from(binding.values, |p| p).values,
            external: from(binding.external, |p| p).external,
        })
    }
}

/// The names `module` binds itself: its items, then its resolved imports.
fn explicit(index: &Index, imports: &[impl Imports], module: ModuleId, name: &str) -> PerNs {
    let mut found = PerNs::default();
    for (_, entry) in index.modules[module.0].entries.get(name) {
        let (ns, resolved) = match entry {
            LinkedEntry::Fn(f) => (Ns::Value, Resolved::Fn(*f)),
            LinkedEntry::Const(v) => (Ns::Value, Resolved::Const(v.as_deref().map(str::to_string))),
            LinkedEntry::Mod(m) => (Ns::Type, Resolved::Mod(*m)),
            LinkedEntry::Type => (
                Ns::Type,
                Resolved::Type {
                    module,
                    name: Name::from(name),
                },
            ),
            LinkedEntry::Alias(ty) => (
                Ns::Type,
                Resolved::Alias {
                    module,
                    ty: ty.clone(),
                },
            ),
            LinkedEntry::Use(_) => continue,
        };
        let slot = match ns {
            Ns::Type => &mut found.types,
            Ns::Value => &mut found.values,
        };
        slot.get_or_insert(resolved);
    }
    match imports.get(module.0).and_then(|i| i.get(name)) {
        Some(imported) => found.or(imported.clone()),
        None => found,
    }
}

/// One `use` still to resolve (borrowed from the index: there is one per `use` of the
/// workspace, and each is tried at least once per round).
struct Import<'a> {
    module: ModuleId,
    /// The name it binds; `None` for a glob.
    name: Option<&'a str>,
    path: &'a [Name],
}

/// The def-map under construction.
struct Builder<'a> {
    index: &'a Index,
    imports: Vec<FxHashMap<Name, PerNs>>,
    glob_edges: Vec<Vec<ModuleId>>,
    /// Per module: names that pending named imports may still bind, with how many.
    pending_names: Vec<FxHashMap<&'a str, usize>>,
    /// Per module: globs not yet resolved.
    pending_globs: Vec<usize>,
    /// Settling: indeterminate names count as absent.
    settling: bool,
    steps: usize,
    /// Visit marks for glob walks (a module is visited when its mark equals `walk`).
    marks: Vec<usize>,
    walk: usize,
}

/// Builds the def-map of every module of the index.
pub fn build(index: &Index) -> DefMap {
    let n = index.modules.len();
    let mut b = Builder {
        index,
        imports: vec![FxHashMap::default(); n],
        glob_edges: vec![Vec::new(); n],
        pending_names: vec![FxHashMap::default(); n],
        pending_globs: vec![0; n],
        settling: false,
        steps: 0,
        marks: vec![0; n],
        walk: 0,
    };
    let mut pending = Vec::new();
    for (m, module) in index.modules.iter().enumerate() {
        let module_id = ModuleId(m);
        for (name, entry) in module.entries.iter() {
            if let LinkedEntry::Use(path) = entry {
                *b.pending_names[m].entry(name.as_str()).or_default() += 1;
                pending.push(Import {
                    module: module_id,
                    name: Some(name.as_str()),
                    path,
                });
            }
        }
        for glob in &module.globs {
            b.pending_globs[m] += 1;
            pending.push(Import {
                module: module_id,
                name: None,
                path: glob,
            });
        }
    }
    // One order on every run, globs of a module first; imports that compare equal are the same
    // import, so an unstable sort is as deterministic.
    pending.sort_unstable_by(|a, b| (a.module, a.name, a.path).cmp(&(b.module, b.name, b.path)));

    let mut bound_hit = None;
    while !pending.is_empty() {
        let before = pending.len();
        let mut still = Vec::with_capacity(pending.len());
        for import in pending {
            if b.steps > MAX_STEPS && bound_hit.is_none() {
                bound_hit = Some(b.bound_hit_at(&import));
                b.settling = true;
            }
            b.steps += 1;
            match b.resolve_import(&import) {
                Ok(()) => b.done(&import),
                Err(Indeterminate) => still.push(import),
            }
        }
        pending = still;
        if pending.len() == before {
            // No progress: whatever is still pending waits only on itself (a cycle) or on
            // names no module binds. Settle it as it stands.
            b.settling = true;
        }
    }
    let (component, glob_scopes) = b.glob_scopes();
    DefMap {
        imports: b.imports.into_iter().map(table_of).collect(),
        component,
        glob_scopes: glob_scopes.into_iter().map(table_of).collect(),
        steps: b.steps,
        bound_hit,
    }
}

impl Builder<'_> {
    fn bound_hit_at(&self, import: &Import) -> (Loc, String) {
        let module = &self.index.modules[import.module.0];
        let at = Loc {
            file: module.file,
            line: 1,
            column: 1,
            end_line: 1,
            end_column: 1,
        };
        (
            at,
            format!(
                "name resolution in `{}` stopped after {MAX_STEPS} steps (at `use {}{}`): names imported from here on may be unresolved",
                module.path.join("::"),
                import.path.join("::"),
                if import.name.is_none() { "::*" } else { "" }
            ),
        )
    }

    fn done(&mut self, import: &Import) {
        let m = import.module.0;
        match &import.name {
            Some(name) => {
                if let Some(count) = self.pending_names[m].get_mut(*name) {
                    *count -= 1;
                    if *count == 0 {
                        self.pending_names[m].remove(*name);
                    }
                }
            }
            None => self.pending_globs[m] -= 1,
        }
    }

    /// Whether a pending import of `module` may still bind `name` (nothing is pending once the
    /// rest is being settled).
    fn may_bind(&self, module: ModuleId, name: &str, through_globs: bool) -> bool {
        !self.settling
            && (self.pending_names[module.0].contains_key(name)
                || (through_globs && self.pending_globs[module.0] > 0))
    }

    /// Tries one import: binds what it names, or says it must wait.
    fn resolve_import(&mut self, import: &Import) -> Result<(), Indeterminate> {
        let m = import.module;
        match &import.name {
            None => {
                let target = self.resolve_path(m, import.path)?;
                if let Some(Resolved::Mod(target)) = target.types {
                    if target != m && !self.glob_edges[m.0].contains(&target) {
                        self.glob_edges[m.0].push(target);
                    }
                }
                Ok(())
            }
            Some(name) => {
                let bound = if import.path.len() == 1 {
                    // `use other_crate;` / `use other_crate as alias;`
                    let krate = self.index.modules[m.0].krate;
                    match self.index.extern_crate(krate, &import.path[0]) {
                        Some(root) => PerNs {
                            types: Some(root),
                            ..PerNs::default()
                        },
                        None => PerNs {
                            external: Some(import.path.into()),
                            ..PerNs::default()
                        },
                    }
                } else {
                    self.resolve_path(m, import.path)?
                };
                if !bound.is_empty() {
                    let slot = self.imports[m.0].entry(Name::from(*name)).or_default();
                    *slot = std::mem::take(slot).or(bound);
                }
                Ok(())
            }
        }
    }

    /// What `name` denotes in `module` as far as is known now: its own items and resolved
    /// imports, else the nearest module its globs reach that binds it. Indeterminate while a
    /// pending import could still bind it nearer.
    fn member(&mut self, module: ModuleId, name: &str) -> Result<PerNs, Indeterminate> {
        if self.may_bind(module, name, false) {
            return Err(Indeterminate);
        }
        let own = explicit(self.index, &self.imports, module, name);
        if !own.is_empty() {
            return Ok(own);
        }
        if self.may_bind(module, name, true) {
            return Err(Indeterminate);
        }
        self.walk += 1;
        let walk = self.walk;
        self.marks[module.0] = walk;
        let mut queue: VecDeque<ModuleId> = self.glob_edges[module.0].iter().copied().collect();
        while let Some(t) = queue.pop_front() {
            if self.marks[t.0] == walk {
                continue;
            }
            self.marks[t.0] = walk;
            self.steps += 1;
            if self.may_bind(t, name, false) {
                return Err(Indeterminate);
            }
            let found = explicit(self.index, &self.imports, t, name);
            if !found.is_empty() {
                return Ok(found);
            }
            if self.may_bind(t, name, true) {
                return Err(Indeterminate);
            }
            queue.extend(self.glob_edges[t.0].iter().copied());
        }
        Ok(PerNs::default())
    }

    /// The last segment of `path` (as written in `module`) in every namespace.
    fn resolve_path(&mut self, module: ModuleId, path: &[Name]) -> Result<PerNs, Indeterminate> {
        let index = self.index;
        walk_path(index, module, path, |m, name| self.member(m, name))
    }

    /// Glob components (Tarjan, iterative) and their tables, built in dependency order.
    fn glob_scopes(&mut self) -> (Vec<usize>, Vec<FxHashMap<Name, GlobBinding>>) {
        let components = strongly_connected(&self.glob_edges);
        let mut component = vec![0; self.glob_edges.len()];
        for (c, members) in components.iter().enumerate() {
            for m in members {
                component[m.0] = c;
            }
        }
        // Only components that glob or are globbed need a table.
        let mut needed = vec![false; components.len()];
        for (m, targets) in self.glob_edges.iter().enumerate() {
            if !targets.is_empty() {
                needed[component[m]] = true;
                targets.iter().for_each(|t| needed[component[t.0]] = true);
            }
        }
        // Tarjan yields components after every component they reach: build in that order.
        let mut scopes: Vec<FxHashMap<Name, GlobBinding>> = Vec::with_capacity(components.len());
        for (c, members) in components.iter().enumerate() {
            let mut scope: FxHashMap<Name, GlobBinding> = FxHashMap::default();
            if !needed[c] {
                scopes.push(scope);
                continue;
            }
            let reaches_out = members
                .iter()
                .any(|m| self.glob_edges[m.0].iter().any(|t| component[t.0] != c));
            for &m in members {
                let names = self.index.modules[m.0]
                    .entries
                    .names()
                    .chain(self.imports[m.0].keys());
                for name in names {
                    self.steps += 1;
                    let own = explicit(self.index, &self.imports, m, name);
                    let slot = scope.entry(name.clone()).or_default();
                    slot.types = slot.types.or(own.types.as_ref().map(|_| m));
                    slot.values = slot.values.or(own.values.as_ref().map(|_| m));
                    slot.external = slot.external.or(own.external.as_ref().map(|_| m));
                }
            }
            if reaches_out {
                for &m in members {
                    for t in &self.glob_edges[m.0] {
                        let from = component[t.0];
                        if from == c {
                            continue;
                        }
                        for (name, binding) in &scopes[from] {
                            self.steps += 1;
                            let slot = scope.entry(name.clone()).or_default();
                            slot.types = slot.types.or(binding.types);
                            slot.values = slot.values.or(binding.values);
                            slot.external = slot.external.or(binding.external);
                        }
                    }
                }
            }
            scopes.push(scope);
        }
        (component, scopes)
    }
}

/// Resolves `path` from `module`, looking each segment up with `member`: the last segment in
/// every namespace.
pub(super) fn walk_path<E, S: AsRef<str>>(
    index: &Index,
    module: ModuleId,
    path: &[S],
    mut member: impl FnMut(ModuleId, &str) -> Result<PerNs, E>,
) -> Result<PerNs, E> {
    let Some((first, _)) = path.split_first() else {
        return Ok(PerNs::default());
    };
    let krate = index.modules[module.0].krate;
    let outside = |p: &[S]| PerNs {
        external: Some(p.iter().map(|s| Name::from(s.as_ref())).collect()),
        ..PerNs::default()
    };
    let external = |mut p: Vec<Name>, segment: &S| {
        p.push(Name::from(segment.as_ref()));
        PerNs {
            external: Some(p.into_boxed_slice()),
            ..PerNs::default()
        }
    };
    // The first segment, and the rest of the path after it.
    let (mut current, rest): (PerNs, &[S]) = match first.as_ref() {
        "crate" => (module_ns(index.crates[krate.0].root), &path[1..]),
        "self" => (module_ns(module), &path[1..]),
        "super" => {
            let mut m = module;
            let mut i = 0;
            while path.get(i).is_some_and(|s| s.as_ref() == "super") {
                match index.modules[m.0].parent {
                    Some(parent) => m = parent,
                    None => return Ok(PerNs::default()),
                }
                i += 1;
            }
            (module_ns(m), &path[i..])
        }
        "::" => match path.get(1) {
            Some(name) => match index.extern_crate(krate, name.as_ref()) {
                Some(root) => (
                    PerNs {
                        types: Some(root),
                        ..PerNs::default()
                    },
                    &path[2..],
                ),
                // Outside the workspace, and so is the rest of the path (built at once).
                None => return Ok(outside(&path[1..])),
            },
            None => return Ok(PerNs::default()),
        },
        _ => {
            let found = member(module, first.as_ref())?;
            if found.is_empty() {
                match index.extern_crate(krate, first.as_ref()) {
                    Some(root) => (
                        PerNs {
                            types: Some(root),
                            ..PerNs::default()
                        },
                        &path[1..],
                    ),
                    None => return Ok(outside(path)),
                }
            } else {
                (found, &path[1..])
            }
        }
    };
    for segment in rest {
        // A path goes on through a module, a type or something outside the workspace.
        let through = current.pick(Ns::Type);
        let name = segment.as_ref();
        current = match through {
            Some(Resolved::Mod(m)) => member(m, name)?,
            Some(Resolved::Type { module, name: ty }) => assoc(index, module, &ty, name),
            Some(Resolved::Alias { module, ty }) => match index.resolve_type(module, &ty) {
                Some(Resolved::Type { module, name: ty }) => assoc(index, module, &ty, name),
                // `type AppRouter = axum::Router<AppState>; AppRouter::new()`
                Some(Resolved::External(p)) => external(p, segment),
                _ => PerNs::default(),
            },
            Some(Resolved::External(p)) => external(p, segment),
            Some(Resolved::Fn(_) | Resolved::Const(_)) | None => PerNs::default(),
        };
    }
    Ok(current)
}

fn module_ns(m: ModuleId) -> PerNs {
    PerNs {
        types: Some(Resolved::Mod(m)),
        ..PerNs::default()
    }
}

/// `Type::name`: an associated fn of a workspace type.
fn assoc(index: &Index, module: ModuleId, ty: &str, name: &str) -> PerNs {
    let krate = index.modules[module.0].krate;
    PerNs {
        values: index.assoc_fn(krate, ty, name).map(Resolved::Fn),
        ..PerNs::default()
    }
}

/// The strongly connected components of a graph, each listed after every component it reaches
/// (Tarjan's algorithm with an explicit stack).
fn strongly_connected(edges: &[Vec<ModuleId>]) -> Vec<Vec<ModuleId>> {
    const UNSEEN: usize = usize::MAX;
    let n = edges.len();
    let mut order = vec![UNSEEN; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut components = Vec::new();
    let mut counter = 0;
    for root in 0..n {
        if order[root] != UNSEEN {
            continue;
        }
        // (node, next edge to look at)
        let mut frames = vec![(root, 0usize)];
        order[root] = counter;
        low[root] = counter;
        counter += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(&mut (v, ref mut next)) = frames.last_mut() {
            if let Some(w) = edges[v].get(*next).map(|m| m.0) {
                *next += 1;
                if order[w] == UNSEEN {
                    order[w] = counter;
                    low[w] = counter;
                    counter += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    frames.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(order[w]);
                }
                continue;
            }
            frames.pop();
            if let Some(&(parent, _)) = frames.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == order[v] {
                let mut members = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    members.push(ModuleId(w));
                    if w == v {
                        break;
                    }
                }
                members.sort();
                components.push(members);
            }
        }
    }
    components
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_come_after_what_they_reach() {
        // 0 -> 1 <-> 2 -> 3
        let m = ModuleId;
        let edges = vec![vec![m(1)], vec![m(2)], vec![m(1), m(3)], vec![]];
        let components = strongly_connected(&edges);
        assert_eq!(components, vec![vec![m(3)], vec![m(1), m(2)], vec![m(0)]]);
    }
}
