//! Collections with a fixed capacity that forget their oldest entry first, for state that
//! clients grow (per-session challenges, pending tokens, ended sessions). Insertion order
//! decides what goes, so a session's answers stay a function of its own requests.

use std::borrow::Borrow;
use std::hash::Hash;

use indexmap::IndexMap;
use serde::{Serialize, Serializer};

/// A map of at most `capacity` entries; inserting a new key into a full map drops the oldest.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Capped<K: Hash + Eq, V> {
    entries: IndexMap<K, V>,
    capacity: usize,
}

impl<K: Hash + Eq, V> Capped<K, V> {
    /// An empty map holding at most `capacity` entries (at least one).
    pub(crate) fn new(capacity: usize) -> Capped<K, V> {
        Capped {
            entries: IndexMap::new(),
            capacity: capacity.max(1),
        }
    }

    /// Sets `key` to `value` (a new key goes last), dropping the oldest entry when full.
    pub(crate) fn insert(&mut self, key: K, value: V) -> Option<V> {
        if let Some(old) = self.entries.get_mut(&key) {
            return Some(std::mem::replace(old, value));
        }
        self.make_room();
        self.entries.insert(key, value);
        None
    }

    /// The value of `key`.
    pub(crate) fn get<Q: Hash + Eq + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        self.entries.get(key)
    }

    /// Whether `key` is held.
    pub(crate) fn contains_key<Q: Hash + Eq + ?Sized>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
    {
        self.entries.contains_key(key)
    }

    /// Takes `key` out, keeping the others' order.
    pub(crate) fn remove<Q: Hash + Eq + ?Sized>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        self.entries.shift_remove(key)
    }

    fn make_room(&mut self) {
        while self.entries.len() >= self.capacity {
            self.entries.shift_remove_index(0);
        }
    }
}

impl<K: Hash + Eq + Serialize, V: Serialize> Serialize for Capped<K, V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.entries.iter())
    }
}

/// A set of at most `capacity` members; adding to a full set drops the oldest member.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CappedSet<K: Hash + Eq>(Capped<K, ()>);

impl<K: Hash + Eq> CappedSet<K> {
    /// An empty set holding at most `capacity` members.
    pub(crate) fn new(capacity: usize) -> CappedSet<K> {
        CappedSet(Capped::new(capacity))
    }

    /// Adds `key`; false when it was already a member.
    pub(crate) fn insert(&mut self, key: K) -> bool {
        self.0.insert(key, ()).is_none()
    }

    /// Whether `key` is a member.
    pub(crate) fn contains<Q: Hash + Eq + ?Sized>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
    {
        self.0.contains_key(key)
    }

    /// Takes `key` out; false when it was not a member.
    pub(crate) fn remove<Q: Hash + Eq + ?Sized>(&mut self, key: &Q) -> bool
    where
        K: Borrow<Q>,
    {
        self.0.remove(key).is_some()
    }

    /// Members oldest first, emptying the set.
    pub(crate) fn drain(&mut self) -> impl Iterator<Item = K> + '_ {
        self.0.entries.drain(..).map(|(k, ())| k)
    }
}

impl<K: Hash + Eq> Extend<K> for CappedSet<K> {
    fn extend<I: IntoIterator<Item = K>>(&mut self, members: I) {
        for member in members {
            self.insert(member);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_map_forgets_its_oldest_entry() {
        let mut map = Capped::new(2);
        map.insert("a", 1);
        map.insert("b", 2);
        assert_eq!(map.insert("a", 3), Some(1), "an update keeps its place");
        map.insert("c", 4);
        assert_eq!(
            map.entries.iter().collect::<Vec<_>>(),
            [(&"b", &2), (&"c", &4)]
        );
        map.insert("d", 1);
        assert_eq!(
            map.entries.iter().collect::<Vec<_>>(),
            [(&"c", &4), (&"d", &1)]
        );
        assert_eq!(map.get("c"), Some(&4));
    }

    #[test]
    fn a_full_set_forgets_its_oldest_member() {
        let mut set = CappedSet::new(3);
        set.extend(["a", "b", "c", "d"]);
        assert!(!set.contains(&"a"));
        assert!(!set.insert("b"), "already a member");
        assert!(set.remove(&"c"));
        assert_eq!(set.drain().collect::<Vec<_>>(), ["b", "d"]);
    }
}
