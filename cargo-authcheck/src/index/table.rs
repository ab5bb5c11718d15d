//! A table of names, as the index keeps one per module (its items, its resolved imports) and per
//! glob component: the entries in one slice sorted by name (a name's entries, when it has
//! several, next to each other in the order they were given), and for a large table a hash
//! table of where each name's entries start.
//!
//! Against a hash map of names: no spare capacity beside the entries (a map's was a third of
//! each table, and the index holds thousands), 4 bytes an index, and iteration in name order
//! on every run. Looked up by a scan when small, by hash when large (a module of ten thousand
//! fns is looked up for every name it binds).

use std::hash::{Hash, Hasher};

use super::Name;

/// Tables with more entries than this are looked up by hash; smaller ones by a scan.
const SCANNED: usize = 8;

/// Names, each with one or more values.
#[derive(Clone)]
pub struct NameTable<V> {
    entries: Box<[(Name, V)]>,
    /// Where each name's entries start in `entries` (empty for a scanned table).
    starts: hashbrown::HashTable<u32>,
}

impl<V> Default for NameTable<V> {
    fn default() -> Self {
        NameTable {
            entries: Box::default(),
            starts: hashbrown::HashTable::new(),
        }
    }
}

impl<V: std::fmt::Debug> std::fmt::Debug for NameTable<V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.entries.iter()).finish()
    }
}

fn hash_of(name: &str) -> u64 {
    let mut h = rustc_hash::FxHasher::default();
    name.hash(&mut h);
    h.finish()
}

impl<V> NameTable<V> {
    pub fn new(mut entries: Vec<(Name, V)>) -> NameTable<V> {
        // Stable: a name's entries stay in the order they were given.
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        let entries = entries.into_boxed_slice();
        let mut starts = hashbrown::HashTable::new();
        if entries.len() > SCANNED {
            starts.reserve(entries.len(), |&i: &u32| hash_of(&entries[i as usize].0));
            for (i, (name, _)) in entries.iter().enumerate() {
                if i == 0 || entries[i - 1].0 != *name {
                    // 4 Gi entries are more than memory holds.
                    let at = u32::try_from(i).unwrap_or(u32::MAX);
                    starts.insert_unique(hash_of(name), at, |&i| hash_of(&entries[i as usize].0));
                }
            }
            starts.shrink_to_fit(|&i| hash_of(&entries[i as usize].0));
        }
        NameTable { entries, starts }
    }

    /// The entries of `name` (none when the table does not have it).
    pub fn get(&self, name: &str) -> &[(Name, V)] {
        let start = if self.entries.len() > SCANNED {
            let found = self
                .starts
                .find(hash_of(name), |&i| self.entries[i as usize].0 == name);
            match found {
                Some(&i) => i as usize,
                None => return &[],
            }
        } else {
            match self.entries.iter().position(|(n, _)| n == name) {
                Some(i) => i,
                None => return &[],
            }
        };
        let len = self.entries[start..]
            .iter()
            .take_while(|(n, _)| n == name)
            .count();
        &self.entries[start..start + len]
    }

    /// The first value of `name`.
    pub fn first(&self, name: &str) -> Option<&V> {
        self.get(name).first().map(|(_, v)| v)
    }

    /// Every name with each of its values, in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&Name, &V)> {
        self.entries.iter().map(|(name, v)| (name, v))
    }

    /// Every name, once, in order.
    pub fn names(&self) -> impl Iterator<Item = &Name> {
        self.entries
            .iter()
            .enumerate()
            .filter(|&(i, (name, _))| i == 0 || self.entries[i - 1].0 != *name)
            .map(|(_, (name, _))| name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_is_found_with_its_values_in_order_small_or_large() {
        for n in [0, 3, SCANNED, SCANNED + 1, 500] {
            let mut entries = Vec::new();
            for i in (0..n).rev() {
                entries.push((Name::from(format!("n{i}")), i * 10));
                if i % 3 == 0 {
                    entries.push((Name::from(format!("n{i}")), i * 10 + 1));
                }
            }
            let table = NameTable::new(entries);
            for i in 0..n {
                let values: Vec<usize> = table
                    .get(&format!("n{i}"))
                    .iter()
                    .map(|(_, v)| *v)
                    .collect();
                let expected = if i % 3 == 0 {
                    vec![i * 10, i * 10 + 1]
                } else {
                    vec![i * 10]
                };
                assert_eq!(values, expected, "n{i} of {n}");
            }
            assert!(table.get("absent").is_empty());
            assert_eq!(table.first("absent"), None);
            assert_eq!(table.names().count(), n);
            let names: Vec<&Name> = table.names().collect();
            assert!(names.windows(2).all(|w| w[0] < w[1]), "sorted, once each");
        }
    }
}
