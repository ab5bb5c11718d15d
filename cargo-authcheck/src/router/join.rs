//! Joining the values of branches (`if`, `match`, early returns): a route exists if any branch
//! adds it; a layer covers it only if it covers it on every branch where the route exists, and
//! branches that apply different auth layers are kept as per-branch alternatives.

use super::eval::Value;
use super::model::*;

/// The value after branches: routers are joined (a route exists if any branch adds it; a layer
/// covers it only if it does on every branch where the route exists).
pub fn join_all(values: Vec<(Value, String)>) -> Value {
    let routers: Vec<(&RouterValue, &str)> = values
        .iter()
        .filter_map(|(v, l)| match v {
            Value::Router(r) => Some((r, l.as_str())),
            _ => None,
        })
        .collect();
    if !routers.is_empty() {
        let docs = routers
            .iter()
            .flat_map(|(r, _)| r.docs.clone())
            .collect::<Vec<_>>();
        let entries = join_entries(
            routers
                .iter()
                .map(|(r, l)| (r.entries.as_slice(), *l))
                .collect(),
        );
        let mut docs_unique = Vec::new();
        for d in docs {
            if !docs_unique.contains(&d) {
                docs_unique.push(d);
            }
        }
        // The layers applied on any branch, each once (identical branches join to themselves).
        let mut applied: Vec<Layer> = Vec::new();
        for layer in routers.iter().flat_map(|(r, _)| &r.applied) {
            if !applied.contains(layer) {
                applied.push(layer.clone());
            }
        }
        return Value::Router(RouterValue {
            entries,
            docs: docs_unique,
            applied,
        });
    }
    let method_routers: Vec<(&[Entry], &str)> = values
        .iter()
        .filter_map(|(v, l)| match v {
            Value::MethodRouter(e) => Some((e.as_slice(), l.as_str())),
            _ => None,
        })
        .collect();
    if !method_routers.is_empty() {
        return Value::MethodRouter(join_entries(method_routers));
    }
    let mut distinct: Vec<Value> = Vec::new();
    for (v, _) in values {
        if !matches!(v, Value::Opaque) && !distinct.contains(&v) {
            distinct.push(v);
        }
    }
    match distinct.len() {
        1 => distinct.pop().unwrap_or(Value::Opaque),
        _ => Value::Opaque,
    }
}

fn join_entries(branches: Vec<(&[Entry], &str)>) -> Vec<Entry> {
    if branches.len() == 1 {
        return branches[0].0.to_vec();
    }
    let mut out: Vec<Entry> = Vec::new();
    for (entries, _) in &branches {
        for e in *entries {
            if out.iter().any(|o| o.key() == e.key()) {
                continue;
            }
            let present: Vec<(&Entry, &str)> = branches
                .iter()
                .filter_map(|(es, label)| {
                    es.iter().find(|x| x.key() == e.key()).map(|x| (x, *label))
                })
                .collect();
            let mut joined = e.clone();
            joined
                .layers
                .retain(|l| present.iter().all(|(x, _)| x.layers.contains(l)));
            let remainders: Vec<(String, Vec<LayerSpec>)> = present
                .iter()
                .map(|(x, label)| {
                    (
                        label.to_string(),
                        x.layers
                            .iter()
                            .filter(|l| !joined.layers.contains(l))
                            .map(|l| l.spec.clone())
                            .collect::<Vec<_>>(),
                    )
                })
                .collect();
            if present.len() > 1 && remainders.iter().all(|(_, r)| !r.is_empty()) {
                let first = present
                    .iter()
                    .find_map(|(x, _)| x.layers.iter().find(|l| !joined.layers.contains(l)))
                    .cloned();
                if let Some(first) = first {
                    joined.layers.push(Layer::new(
                        LayerSpec::Branches(remainders),
                        first.at,
                        "layers on every branch".into(),
                    ));
                }
            }
            for (x, label) in &present {
                for l in &x.layers {
                    if !joined.layers.contains(l)
                        && !joined.partial_layers.iter().any(|p| &p.layer == l)
                    {
                        joined.partial_layers.push(PartialLayer {
                            layer: l.clone(),
                            condition: label.to_string(),
                        });
                    }
                }
                for p in &x.partial_layers {
                    if !joined.partial_layers.contains(p) {
                        joined.partial_layers.push(p.clone());
                    }
                }
            }
            out.push(joined);
        }
    }
    out
}
