//! The route table as the cache stores it: each applied layer once, the entries naming their
//! layers by number. A layer covers every route of its router; stored with each route, a
//! decoded table held a copy of it per route (`huge-files`: 25,410 routes, most of the time of
//! reading the cached table) and no longer said which routes share one, so the auth stage,
//! which works a layer out once per application, worked it out for every route.

use std::borrow::Cow;

use rustc_hash::FxHashMap;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::model::{AppliedLayer, Entry, Layer, PartialLayer, RouteTable, Target, Unanalyzable};
use crate::index::{FnId, ParseProblem};
use crate::source::Loc;

/// A route table as stored.
#[derive(Serialize, Deserialize)]
struct Stored<'a> {
    /// Every layer application of the table, once.
    layers: Vec<Cow<'a, AppliedLayer>>,
    entries: Vec<StoredEntry<'a>>,
    unanalyzable: Cow<'a, [Unanalyzable]>,
    parse_problems: Cow<'a, [ParseProblem]>,
    routed_fns: Cow<'a, [FnId]>,
    docs: Cow<'a, [Vec<String>]>,
}

/// An [`Entry`] as stored: its layers by number in [`Stored::layers`].
#[derive(Serialize, Deserialize)]
struct StoredEntry<'a> {
    method: Cow<'a, str>,
    path: Cow<'a, str>,
    target: Cow<'a, Target>,
    handler_at: Loc,
    registered_at: Loc,
    layers: Vec<u32>,
    /// Each with its condition.
    partial_layers: Vec<(u32, Cow<'a, str>)>,
    earlier_layers: Vec<u32>,
    fallback: bool,
    router_fallback: bool,
    collected: Option<Cow<'a, str>>,
}

/// The layers of a table being stored, numbered in the order they are met.
#[derive(Default)]
struct Numbering<'a> {
    numbers: FxHashMap<usize, u32>,
    layers: Vec<Cow<'a, AppliedLayer>>,
}

impl<'a> Numbering<'a> {
    fn number(&mut self, layer: &'a Layer) -> u32 {
        let layers = &mut self.layers;
        *self.numbers.entry(layer.identity()).or_insert_with(|| {
            layers.push(Cow::Borrowed(&**layer));
            (layers.len() - 1) as u32
        })
    }
}

impl Serialize for RouteTable {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut numbering = Numbering::default();
        let mut number = |layer| numbering.number(layer);
        let entries = self
            .entries
            .iter()
            .map(|entry| {
                // Every field named: a new one has to be stored too.
                let Entry {
                    method,
                    path,
                    target,
                    handler_at,
                    registered_at,
                    layers,
                    partial_layers,
                    earlier_layers,
                    fallback,
                    router_fallback,
                    collected,
                } = entry;
                StoredEntry {
                    method: Cow::Borrowed(method),
                    path: Cow::Borrowed(path),
                    target: Cow::Borrowed(target),
                    handler_at: *handler_at,
                    registered_at: *registered_at,
                    layers: layers.iter().map(&mut number).collect(),
                    partial_layers: partial_layers
                        .iter()
                        .map(|p| (number(&p.layer), Cow::Borrowed(p.condition.as_str())))
                        .collect(),
                    earlier_layers: earlier_layers.iter().map(&mut number).collect(),
                    fallback: *fallback,
                    router_fallback: *router_fallback,
                    collected: collected.as_deref().map(Cow::Borrowed),
                }
            })
            .collect();
        Stored {
            layers: numbering.layers,
            entries,
            unanalyzable: Cow::Borrowed(&self.unanalyzable),
            parse_problems: Cow::Borrowed(&self.parse_problems),
            routed_fns: Cow::Borrowed(&self.routed_fns),
            docs: Cow::Borrowed(&self.docs),
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for RouteTable {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let stored = Stored::deserialize(deserializer)?;
        let layers: Vec<Layer> = stored
            .layers
            .into_iter()
            .map(|layer| {
                let AppliedLayer { spec, at, text } = layer.into_owned();
                Layer::new(spec, at, text)
            })
            .collect();
        let layer = |n: u32| {
            layers
                .get(n as usize)
                .cloned()
                .ok_or_else(|| D::Error::custom("a layer number out of range"))
        };
        let numbered = |numbers: Vec<u32>| {
            numbers
                .into_iter()
                .map(layer)
                .collect::<Result<_, D::Error>>()
        };
        let entries = stored
            .entries
            .into_iter()
            .map(|entry| {
                Ok(Entry {
                    method: entry.method.into_owned(),
                    path: entry.path.into_owned(),
                    target: entry.target.into_owned(),
                    handler_at: entry.handler_at,
                    registered_at: entry.registered_at,
                    layers: numbered(entry.layers)?,
                    partial_layers: (entry.partial_layers.into_iter())
                        .map(|(n, condition)| {
                            Ok(PartialLayer {
                                layer: layer(n)?,
                                condition: condition.into_owned(),
                            })
                        })
                        .collect::<Result<_, D::Error>>()?,
                    earlier_layers: numbered(entry.earlier_layers)?,
                    fallback: entry.fallback,
                    router_fallback: entry.router_fallback,
                    collected: entry.collected.map(Cow::into_owned),
                })
            })
            .collect::<Result<_, D::Error>>()?;
        Ok(RouteTable {
            entries,
            unanalyzable: stored.unanalyzable.into_owned(),
            parse_problems: stored.parse_problems.into_owned(),
            routed_fns: stored.routed_fns.into_owned(),
            docs: stored.docs.into_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::router::model::LayerSpec;
    use crate::source::FileId;

    fn at(line: u32) -> Loc {
        Loc {
            file: FileId(0),
            line,
            column: 1,
            end_line: line,
            end_column: 2,
        }
    }

    #[test]
    fn a_layer_shared_by_routes_is_stored_once_and_shared_again() {
        let auth = Layer::new(
            LayerSpec::Unknown {
                text: "auth".into(),
            },
            at(1),
            "auth".into(),
        );
        let other = Layer::new(
            LayerSpec::Unknown {
                text: "other".into(),
            },
            at(2),
            "other".into(),
        );
        let route = |path: &str| {
            let mut entry =
                Entry::new("GET".into(), path.into(), Target::Fn(FnId(0)), at(3), at(3));
            entry.layers = vec![auth.clone()];
            entry.earlier_layers = vec![other.clone()];
            entry.partial_layers = vec![PartialLayer {
                layer: other.clone(),
                condition: "when `x`".into(),
            }];
            entry
        };
        let table = RouteTable {
            entries: vec![route("/a"), route("/b")],
            ..RouteTable::default()
        };
        let bytes = postcard::to_allocvec(&table).unwrap();
        let once = postcard::to_allocvec(&Stored {
            layers: vec![Cow::Borrowed(&*auth), Cow::Borrowed(&*other)],
            entries: Vec::new(),
            unanalyzable: Cow::Borrowed(&[]),
            parse_problems: Cow::Borrowed(&[]),
            routed_fns: Cow::Borrowed(&[]),
            docs: Cow::Borrowed(&[]),
        })
        .unwrap();
        // Both layers, then two entries of a few bytes each besides their texts.
        assert!(bytes.len() < once.len() + 2 * 40, "{} bytes", bytes.len());

        let read: RouteTable = postcard::from_bytes(&bytes).unwrap();
        assert_eq!(read.entries, table.entries);
        let [a, b] = &read.entries[..] else {
            panic!("two entries")
        };
        assert_eq!(a.layers[0].identity(), b.layers[0].identity());
        assert_eq!(
            a.earlier_layers[0].identity(),
            b.partial_layers[0].layer.identity()
        );
        assert_ne!(a.layers[0].identity(), a.earlier_layers[0].identity());
    }
}
