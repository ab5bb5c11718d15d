//! The router stage: finds the served routers (roots) and evaluates them into a [`RouteTable`].
//!
//! Roots are the fns named in `[analysis] roots`; otherwise the routers handed to `serve` or
//! turned into a service; otherwise every router-returning fn that no other router code calls.

mod calls;
pub mod eval;
mod join;
mod macros;
mod methods;
pub mod model;
pub mod paths;
mod router_methods;
mod syntax;

use crate::config::Located;
use crate::index::{FnId, Index, Ns, Resolved};
use eval::{Evaluator, Value};
pub use model::*;

/// A configured root that names nothing.
#[derive(Debug, thiserror::Error)]
#[error("{origin}: root `{path}` resolves to no fn in the analysed crates")]
pub struct RootError {
    pub path: String,
    pub origin: String,
}

/// Evaluates the served routers of the selected crates.
pub fn build(index: &Index, roots: &[Located<String>]) -> Result<RouteTable, RootError> {
    let mut ev = Evaluator::new(index);
    let mut routers = Vec::new();
    if !roots.is_empty() {
        for root in roots {
            let f = resolve_root(index, &root.value).ok_or_else(|| RootError {
                path: root.value.clone(),
                origin: root.origin.clone(),
            })?;
            collect(&mut routers, ev.eval_fn(f));
        }
    } else {
        let selected: Vec<FnId> = (0..index.fns.len())
            .map(FnId)
            .filter(|f| index.krate(index.module_of(*f)).selected)
            .collect();
        for &f in selected.iter().filter(|f| index.fns[f.0].serves) {
            ev.eval_fn(f);
        }
        routers = std::mem::take(&mut ev.served);
        if routers.is_empty() {
            let candidates: Vec<FnId> = selected
                .into_iter()
                .filter(|f| ev.is_router_fn(*f) && index.fns[f.0].returns.contains("Router"))
                .collect();
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
        ..Default::default()
    };
    if let Some((at, message)) = &index.defmap.bound_hit {
        table.unanalyzable.push(Unanalyzable {
            at: *at,
            message: message.clone(),
        });
    }
    for router in routers {
        for entry in router.entries {
            if !table.entries.iter().any(|e| e.key() == entry.key()) {
                table.entries.push(entry);
            }
        }
        for doc in router.docs {
            if !table.docs.contains(&doc) {
                table.docs.push(doc);
            }
        }
    }
    for e in &table.entries {
        if let Target::Fn(f) = e.target {
            if !table.routed_fns.contains(&f) {
                table.routed_fns.push(f);
            }
        }
    }
    Ok(table)
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
