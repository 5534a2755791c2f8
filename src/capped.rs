//! Collections with a fixed capacity that forget their oldest entry first, for state that
//! clients grow (per-session challenges, pending tokens, ended sessions). Insertion order
//! decides what goes, so a session's answers stay a function of its own requests. Every
//! operation is O(1) (amortized): a full map forgets its oldest entry without moving the
//! others.

use std::borrow::Borrow;
use std::collections::{HashMap, VecDeque};
use std::hash::Hash;

use serde::{Serialize, Serializer};

/// A map of at most `capacity` entries; inserting a new key into a full map drops the oldest.
#[derive(Debug, Clone)]
pub(crate) struct Capped<K: Hash + Eq, V> {
    /// Each key's value and the number of its insertion.
    entries: HashMap<K, (u64, V)>,
    /// Keys in insertion order, with the number of their insertion; a key removed (or removed
    /// and inserted again) leaves a stale element behind, skipped and swept out later.
    order: VecDeque<(u64, K)>,
    /// The number of the next insertion.
    next: u64,
    capacity: usize,
}

impl<K: Hash + Eq + Clone, V> Capped<K, V> {
    /// An empty map holding at most `capacity` entries (at least one).
    pub(crate) fn new(capacity: usize) -> Capped<K, V> {
        Capped {
            entries: HashMap::new(),
            order: VecDeque::new(),
            next: 0,
            capacity: capacity.max(1),
        }
    }

    /// Sets `key` to `value` (a new key goes last), dropping the oldest entry when full.
    pub(crate) fn insert(&mut self, key: K, value: V) -> Option<V> {
        if let Some((_, old)) = self.entries.get_mut(&key) {
            return Some(std::mem::replace(old, value));
        }
        while self.entries.len() >= self.capacity {
            let Some((number, oldest)) = self.order.pop_front() else {
                break;
            };
            if self.entries.get(&oldest).is_some_and(|(n, _)| *n == number) {
                self.entries.remove(&oldest);
            }
        }
        let number = self.next;
        self.next += 1;
        self.order.push_back((number, key.clone()));
        self.entries.insert(key, (number, value));
        None
    }

    /// The value of `key`.
    pub(crate) fn get<Q: Hash + Eq + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        self.entries.get(key).map(|(_, value)| value)
    }

    /// Whether `key` has a value.
    pub(crate) fn contains_key<Q: Hash + Eq + ?Sized>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
    {
        self.entries.contains_key(key)
    }

    /// Removes `key`, returning its value.
    pub(crate) fn remove<Q: Hash + Eq + ?Sized>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        let (_, value) = self.entries.remove(key)?;
        // Sweep the stale elements once they outnumber the live ones.
        if self.order.len() > 2 * self.entries.len() + 16 {
            let entries = &self.entries;
            self.order
                .retain(|(number, kept)| entries.get::<K>(kept).is_some_and(|(n, _)| n == number));
        }
        Some(value)
    }

    /// Entries oldest first.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.order.iter().filter_map(|(number, key)| {
            let (n, value) = self.entries.get(key)?;
            (n == number).then_some((key, value))
        })
    }
}

impl<K: Hash + Eq + Clone, V: PartialEq> PartialEq for Capped<K, V> {
    /// The same entries, as maps compare (order aside, as `IndexMap`'s equality did), under
    /// the same capacity.
    fn eq(&self, other: &Self) -> bool {
        self.capacity == other.capacity
            && self.entries.len() == other.entries.len()
            && (self.entries.iter()).all(|(key, (_, value))| other.get(key) == Some(value))
    }
}

impl<K: Hash + Eq + Clone + Serialize, V: Serialize> Serialize for Capped<K, V> {
    /// As a JSON object, oldest entry first.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

/// A set of at most `capacity` members; inserting into a full set drops the oldest member.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CappedSet<K: Hash + Eq + Clone>(Capped<K, ()>);

impl<K: Hash + Eq + Clone> CappedSet<K> {
    /// An empty set holding at most `capacity` members (at least one).
    pub(crate) fn new(capacity: usize) -> CappedSet<K> {
        CappedSet(Capped::new(capacity))
    }

    /// Adds `key` (last), dropping the oldest member when full; false if already a member.
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

    /// Removes `key`; false if it was not a member.
    pub(crate) fn remove<Q: Hash + Eq + ?Sized>(&mut self, key: &Q) -> bool
    where
        K: Borrow<Q>,
    {
        self.0.remove(key).is_some()
    }

    /// Members oldest first, emptying the set.
    pub(crate) fn drain(&mut self) -> impl Iterator<Item = K> + '_ {
        let members: Vec<K> = self.0.iter().map(|(k, ())| k.clone()).collect();
        self.0.entries.clear();
        self.0.order.clear();
        members.into_iter()
    }
}

impl<K: Hash + Eq + Clone> Extend<K> for CappedSet<K> {
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
        assert_eq!(map.iter().collect::<Vec<_>>(), [(&"b", &2), (&"c", &4)]);
        map.insert("d", 1);
        assert_eq!(map.iter().collect::<Vec<_>>(), [(&"c", &4), (&"d", &1)]);
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

    #[test]
    fn removals_and_reinsertions_keep_the_order_and_the_bookkeeping_bounded() {
        let mut map = Capped::new(3);
        for round in 0..1000 {
            map.insert(round, round);
            if round % 2 == 0 {
                assert_eq!(map.remove(&round), Some(round));
                map.insert(round, round + 1);
            }
        }
        assert_eq!(
            map.iter().map(|(k, v)| (*k, *v)).collect::<Vec<_>>(),
            [(997, 997), (998, 999), (999, 999)]
        );
        assert!(map.order.len() <= 2 * map.entries.len() + 16 + 1);
        let mut churn = Capped::new(100);
        for key in 0..10_000 {
            churn.insert(key, ());
            churn.remove(&key);
        }
        assert!(
            churn.order.len() <= 17,
            "stale elements are swept: {}",
            churn.order.len()
        );
    }
}
