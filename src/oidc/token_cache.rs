//! A bounded memory of verified tokens, keyed by the token string: at most a number of
//! entries and of bytes, the least recently used evicted first. It keeps what the token
//! alone decides; whoever reads an entry checks again what depends on the request or the
//! clock.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, MutexGuard};

use lru::LruCache;

/// Verified tokens, shared by every clone of their verifier.
pub(crate) struct TokenCache<V> {
    inner: Mutex<Entries<V>>,
    max_bytes: usize,
}

struct Entries<V> {
    /// Each value with its weight (bytes held: the token and the value's estimate).
    lru: LruCache<Box<str>, (Arc<V>, usize)>,
    bytes: usize,
}

impl<V> TokenCache<V> {
    /// An empty cache of at most `max_entries` entries and `max_bytes` of weight.
    pub(crate) fn new(max_entries: NonZeroUsize, max_bytes: usize) -> TokenCache<V> {
        TokenCache {
            inner: Mutex::new(Entries {
                lru: LruCache::new(max_entries),
                bytes: 0,
            }),
            max_bytes,
        }
    }

    fn entries(&self) -> MutexGuard<'_, Entries<V>> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The entry of `token`, now the most recently used.
    pub(crate) fn get(&self, token: &str) -> Option<Arc<V>> {
        self.entries()
            .lru
            .get(token)
            .map(|(value, _)| value.clone())
    }

    /// Remembers `value` for `token`; `weight` estimates the bytes `value` holds. Evicts the
    /// least recently used entries beyond either bound; an entry heavier than the whole
    /// byte budget is not kept.
    pub(crate) fn insert(&self, token: &str, value: V, weight: usize) {
        let weight = token.len().saturating_add(weight);
        if weight > self.max_bytes {
            return;
        }
        let mut entries = self.entries();
        let replaced = entries.lru.push(token.into(), (Arc::new(value), weight));
        entries.bytes += weight;
        if let Some((_, (_, old))) = replaced {
            entries.bytes -= old;
        }
        while entries.bytes > self.max_bytes {
            match entries.lru.pop_lru() {
                Some((_, (_, old))) => entries.bytes -= old,
                None => break,
            }
        }
    }

    /// How many tokens are remembered.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.entries().lru.len()
    }

    /// The weight of the remembered entries.
    #[cfg(test)]
    pub(crate) fn bytes(&self) -> usize {
        self.entries().bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache(entries: usize, bytes: usize) -> TokenCache<u32> {
        TokenCache::new(NonZeroUsize::new(entries).unwrap(), bytes)
    }

    #[test]
    fn the_least_recently_used_token_goes_first_beyond_the_entry_bound() {
        let cache = cache(2, 1000);
        cache.insert("a", 1, 0);
        cache.insert("b", 2, 0);
        assert_eq!(cache.get("a").as_deref(), Some(&1));
        cache.insert("c", 3, 0);
        assert_eq!(cache.len(), 2);
        assert_eq!(cache.get("b"), None, "b was used least recently");
        assert_eq!(cache.get("a").as_deref(), Some(&1));
        assert_eq!(cache.get("c").as_deref(), Some(&3));
        assert_eq!(cache.bytes(), 2);
    }

    #[test]
    fn the_byte_bound_evicts_too_and_refuses_an_entry_larger_than_itself() {
        let cache = cache(100, 25);
        cache.insert("a", 1, 9);
        cache.insert("b", 2, 9);
        assert_eq!((cache.len(), cache.bytes()), (2, 20));
        cache.insert("c", 3, 9);
        assert_eq!((cache.len(), cache.bytes()), (2, 20));
        assert_eq!(cache.get("a"), None);
        cache.insert("huge", 4, 100);
        assert_eq!(cache.get("huge"), None);
        assert_eq!((cache.len(), cache.bytes()), (2, 20));
    }

    #[test]
    fn inserting_a_token_again_replaces_its_entry_and_weight() {
        let cache = cache(10, 100);
        cache.insert("a", 1, 9);
        cache.insert("a", 2, 4);
        assert_eq!((cache.len(), cache.bytes()), (1, 5));
        assert_eq!(cache.get("a").as_deref(), Some(&2));
    }
}
