//! The router stage: finds the served routers (roots) and evaluates them into a [`RouteTable`].
//!
//! Roots are the fns named in `[analysis] roots`; otherwise the routers served (handed to `serve`,
//! driven or wrapped as a tower service, returned from `main`: see `services`); otherwise every
//! router-returning fn that no other router code calls. An empty table with routers in sight is
//! itself a finding.

mod cached;
mod calls;
mod collections;
pub mod eval;
mod join;
mod macros;
mod methods;
pub mod model;
pub mod paths;
mod router_methods;
mod scope;
mod services;
mod stored;
mod syntax;
mod trees;

use crate::cache::Cache;
use crate::config::Located;
use crate::index::{FnId, Index, Ns, Resolved};
pub use cached::{prepare, NameRead, Prepared};
use eval::{Evaluator, Value};
pub use model::*;

/// A configured root that names nothing.
#[derive(Debug, thiserror::Error)]
#[error("{origin}: root `{path}` resolves to no fn in the analysed crates")]
pub struct RootError {
    pub path: String,
    pub origin: String,
}

/// The served routers of the selected crates: from the cache when nothing they depend on
/// changed, else evaluated (and cached). `prepared` is what [`prepare`] found of the cache
/// (`None` without one).
pub fn build(
    index: &Index,
    roots: &[Located<String>],
    cache: &mut Cache,
    prepared: Option<Prepared>,
) -> Result<RouteTable, RootError> {
    let mut root_fns = Vec::new();
    for root in roots {
        let f = resolve_root(index, &root.value).ok_or_else(|| RootError {
            path: root.value.clone(),
            origin: root.origin.clone(),
        })?;
        root_fns.push(f);
    }
    // Without a cache (nothing prepared) the fingerprint would serve nothing.
    let fingerprint = prepared
        .as_ref()
        .map(|p| cached::fingerprint(p, index, roots, &root_fns));
    if let (Some(fingerprint), Some(prepared)) = (fingerprint, prepared) {
        if let Some(table) = cached::reuse(index, cache, fingerprint, prepared) {
            return Ok(table);
        }
    }
    let mut ev = Evaluator::new(index);
    if fingerprint.is_some() {
        ev.names_read = Some(Default::default());
    }
    let table = evaluate(index, &root_fns, &mut ev);
    if let Some(fingerprint) = fingerprint {
        cached::keep(index, cache, fingerprint, &ev, &table);
    }
    Ok(table)
}

/// Evaluates the routers served from `root_fns`, or found by detection when there are none.
fn evaluate(index: &Index, root_fns: &[FnId], ev: &mut Evaluator) -> RouteTable {
    let mut routers = Vec::new();
    if !root_fns.is_empty() {
        for &f in root_fns {
            collect(&mut routers, ev.eval_fn(f));
        }
    } else {
        let selected: Vec<FnId> = (0..index.fns.len())
            .map(FnId)
            .filter(|f| index.krate(index.module_of(*f)).selected)
            .collect();
        for &f in selected.iter().filter(|f| index.fns[f.0].serves) {
            let value = ev.eval_fn(f);
            // `main` returning the router: shuttle and similar runtimes serve what it returns.
            let item = &index.fns[f.0];
            if let (Value::Router(router), "main", None) =
                (value, item.name.as_str(), &item.self_type)
            {
                ev.serve_router(router, item.name_loc);
            }
        }
        routers = std::mem::take(&mut ev.served);
        // Without anything served, every router-returning fn that no other router code calls
        // is a root; with a `serve` the analysis could not follow, that is an error instead.
        if routers.is_empty() && ev.serve_sites.is_empty() {
            let candidates = router_fns(index, ev);
            let values: Vec<(FnId, Value)> =
                candidates.iter().map(|&f| (f, ev.eval_fn(f))).collect();
            for (f, value) in values {
                if !ev.called.contains(&f) {
                    collect(&mut routers, value);
                }
            }
        }
    }
    let mut table = RouteTable {
        unanalyzable: std::mem::take(&mut ev.problems),
        parse_problems: std::mem::take(&mut ev.parse_problems),
        ..Default::default()
    };
    if let Some((at, message)) = &index.defmap.bound_hit {
        table.unanalyzable.push(Unanalyzable {
            at: *at,
            message: message.clone(),
        });
    }
    let mut seen = std::collections::HashSet::new();
    for router in routers {
        for entry in router.entries {
            let key = (
                entry.method.clone(),
                entry.path.clone(),
                entry.fallback,
                entry.target.clone(),
            );
            if seen.insert(key) {
                table.entries.push(entry);
            }
        }
        for doc in router.docs {
            if !table.docs.contains(&doc) {
                table.docs.push(doc);
            }
        }
    }
    if table.entries.is_empty() {
        let candidates = if root_fns.is_empty() {
            router_fns(index, ev)
        } else {
            Vec::new()
        };
        table
            .unanalyzable
            .extend(nothing_found(index, ev, &candidates));
    }
    let mut routed = std::collections::BTreeSet::new();
    for e in &table.entries {
        if let Target::Fn(f) = e.target {
            if routed.insert(f) {
                table.routed_fns.push(f);
            }
        }
    }
    table
}

/// Router-returning fns of the selected crates (where the analysis looks without a root).
fn router_fns(index: &Index, ev: &Evaluator) -> Vec<FnId> {
    (0..index.fns.len())
        .map(FnId)
        .filter(|&f| {
            index.krate(index.module_of(f)).selected
                && index.fns[f.0].returns.contains("Router")
                && ev.is_router_fn(f)
        })
        .collect()
}

/// No route at all, though the code serves or builds routers: an empty table must never pass
/// as a clean one. The finding says where the analysis looked.
fn nothing_found(index: &Index, ev: &Evaluator, candidates: &[FnId]) -> Option<Unanalyzable> {
    let mut looked = Vec::new();
    if let Some(&site) = ev.serve_sites.first() {
        looked.push(format!(
            "the router served at {}",
            index.sources.describe(site)
        ));
    }
    if let Some(&built) = ev.built_at.as_ref() {
        looked.push(format!(
            "the router built at {}",
            index.sources.describe(built)
        ));
    }
    if let Some(&first) = candidates.first() {
        let more = match candidates.len() {
            1 => String::new(),
            n => format!(" and {} more fns returning routers", n - 1),
        };
        looked.push(format!("`{}`{more}", index.fn_display(first)));
    }
    let at = ev
        .serve_sites
        .first()
        .copied()
        .or(ev.built_at)
        .or_else(|| candidates.first().map(|f| index.fns[f.0].name_loc))?;
    Some(Unanalyzable {
        at,
        message: format!(
            "no route found: the analysis looked at {} and could follow none of them to a route; an empty route table is not a clean one",
            looked.join(", ")
        ),
    })
}

fn collect(routers: &mut Vec<RouterValue>, value: Value) {
    match value {
        Value::Router(r) => routers.push(r),
        Value::Tuple(items) => items.into_iter().for_each(|v| collect(routers, v)),
        _ => {}
    }
}

/// `my_api::app::router` or `my_api::Server::build_router`.
fn resolve_root(index: &Index, path: &str) -> Option<FnId> {
    let segments: Vec<String> = path.split("::").map(str::to_string).collect();
    let (first, rest) = segments.split_first()?;
    let krate = index
        .crates
        .iter()
        .filter(|c| &c.name == first)
        .min_by_key(|c| !c.is_lib)?;
    match index.resolve(
        krate.root,
        &[&["crate".to_string()], rest].concat(),
        Ns::Value,
    )? {
        Resolved::Fn(f) => Some(f),
        _ => None,
    }
}
