//! The bounded store of skipped message keys (protocol.md §5.5), and what the receiver
//! remembers to tell a replay from a deleted key.
//!
//! - `keys`: message keys derived ahead of time for messages not yet received, each
//!   with the time it was stored; bounded in count (oldest deleted first) and age.
//! - `deleted`: `(ratchet key, counter)` of keys deleted by age or count, so that their
//!   message is reported as `STALE_MESSAGE`, not as a replay. Public values only,
//!   bounded like `keys`.
//! - `past_chains`: `(ratchet key, length)` of the last [`MAX_PAST_CHAINS`] receiving
//!   chains, so that a replay of one of their messages is recognised (`REPLAYED`)
//!   instead of being taken for a new ratchet key.

use std::collections::VecDeque;

use crate::SecretBytes;

/// How many earlier receiving chains are remembered for replay detection. A replay of
/// a message from an older chain still fails, as `AUTH_FAILED`.
pub const MAX_PAST_CHAINS: usize = 16;

/// `(ratchet key, counter or length)` pairs: the deleted keys, the past chains.
pub(crate) type ChainCounters = VecDeque<([u8; 32], u32)>;

/// One stored skipped message key.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct StoredKey {
    pub(crate) ratchet_key: [u8; 32],
    pub(crate) counter: u32,
    pub(crate) message_key: SecretBytes,
    pub(crate) stored_at: u64,
}

/// Skipped message keys and receive history.
#[derive(Clone, Default, PartialEq, Eq)]
pub(crate) struct SkippedKeys {
    keys: VecDeque<StoredKey>,
    deleted: ChainCounters,
    past_chains: ChainCounters,
}

/// What the store knows of one `(ratchet key, counter)`.
pub(crate) enum Lookup<'a> {
    /// A stored key that is still fresh: its position and the message key.
    Usable(usize, &'a SecretBytes),
    /// The key was stored and has expired or been deleted.
    Stale,
    /// Nothing stored and nothing deleted.
    Absent,
}

fn expired(stored_at: u64, now: u64, max_age: u64) -> bool {
    now.saturating_sub(stored_at) > max_age
}

impl SkippedKeys {
    /// Number of stored message keys.
    pub(crate) fn len(&self) -> usize {
        self.keys.len()
    }

    /// The stored keys (oldest first), the deleted keys' `(ratchet key, counter)` and the
    /// past chains' `(ratchet key, length)`, in their order: for serialization.
    pub(crate) fn parts(&self) -> (&VecDeque<StoredKey>, &ChainCounters, &ChainCounters) {
        (&self.keys, &self.deleted, &self.past_chains)
    }

    /// Rebuilds a store from [`SkippedKeys::parts`]; the caller checks the bounds.
    pub(crate) fn from_parts(
        keys: VecDeque<StoredKey>,
        deleted: ChainCounters,
        past_chains: ChainCounters,
    ) -> Self {
        Self {
            keys,
            deleted,
            past_chains,
        }
    }

    /// Looks up the key of message `counter` of chain `ratchet_key`. A stored key older
    /// than `max_age` is `Stale` even before [`SkippedKeys::purge`] deleted it.
    pub(crate) fn lookup(
        &self,
        ratchet_key: &[u8; 32],
        counter: u32,
        now: u64,
        max_age: u64,
    ) -> Lookup<'_> {
        let found = self
            .keys
            .iter()
            .position(|k| k.counter == counter && &k.ratchet_key == ratchet_key);
        match found.and_then(|i| self.keys.get(i).map(|k| (i, k))) {
            Some((_, k)) if expired(k.stored_at, now, max_age) => Lookup::Stale,
            Some((i, k)) => Lookup::Usable(i, &k.message_key),
            None if self.was_deleted(ratchet_key, counter) => Lookup::Stale,
            None => Lookup::Absent,
        }
    }

    /// Whether the key of `(ratchet_key, counter)` was stored and then deleted.
    pub(crate) fn was_deleted(&self, ratchet_key: &[u8; 32], counter: u32) -> bool {
        self.deleted
            .iter()
            .any(|(k, n)| *n == counter && k == ratchet_key)
    }

    /// The length of an earlier receiving chain, if it is remembered.
    pub(crate) fn past_chain_len(&self, ratchet_key: &[u8; 32]) -> Option<u32> {
        self.past_chains
            .iter()
            .rev()
            .find(|(k, _)| k == ratchet_key)
            .map(|(_, n)| *n)
    }

    /// Removes the key at `index` (it has been used).
    pub(crate) fn remove(&mut self, index: usize) {
        self.keys.remove(index);
    }

    /// Stores the message keys of chain `ratchet_key`, then deletes the oldest keys
    /// beyond `max_keys`.
    pub(crate) fn insert(
        &mut self,
        ratchet_key: &[u8; 32],
        keys: Vec<(u32, SecretBytes)>,
        now: u64,
        max_keys: usize,
    ) {
        for (counter, message_key) in keys {
            self.keys.push_back(StoredKey {
                ratchet_key: *ratchet_key,
                counter,
                message_key,
                stored_at: now,
            });
        }
        while self.keys.len() > max_keys {
            match self.keys.pop_front() {
                Some(k) => self.note_deleted(k, max_keys),
                None => break,
            }
        }
    }

    /// Remembers that the receiving chain `ratchet_key` ended with `length` messages.
    pub(crate) fn end_chain(&mut self, ratchet_key: &[u8; 32], length: u32) {
        self.past_chains.push_back((*ratchet_key, length));
        while self.past_chains.len() > MAX_PAST_CHAINS {
            self.past_chains.pop_front();
        }
    }

    /// Deletes the keys older than `max_age`; returns whether any was deleted.
    pub(crate) fn purge(&mut self, now: u64, max_age: u64, max_keys: usize) -> bool {
        if !self.keys.iter().any(|k| expired(k.stored_at, now, max_age)) {
            return false;
        }
        let (old, fresh): (VecDeque<_>, VecDeque<_>) = core::mem::take(&mut self.keys)
            .into_iter()
            .partition(|k| expired(k.stored_at, now, max_age));
        self.keys = fresh;
        for k in old {
            self.note_deleted(k, max_keys);
        }
        true
    }

    fn note_deleted(&mut self, key: StoredKey, max_keys: usize) {
        self.deleted.push_back((key.ratchet_key, key.counter));
        while self.deleted.len() > max_keys {
            self.deleted.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(range: core::ops::Range<u32>) -> Vec<(u32, SecretBytes)> {
        range
            .map(|n| (n, SecretBytes::from(vec![n as u8; 32])))
            .collect()
    }

    #[test]
    fn store_is_bounded_in_count_and_age() {
        let mut s = SkippedKeys::default();
        s.insert(&[1; 32], keys(0..5), 100, 3);
        assert_eq!(s.len(), 3);
        assert!(matches!(s.lookup(&[1; 32], 0, 100, 10), Lookup::Stale));
        assert!(matches!(s.lookup(&[1; 32], 4, 100, 10), Lookup::Usable(..)));
        assert!(matches!(s.lookup(&[2; 32], 4, 100, 10), Lookup::Absent));
        // Expired but not yet purged: already stale.
        assert!(matches!(s.lookup(&[1; 32], 4, 111, 10), Lookup::Stale));
        assert!(!s.purge(110, 10, 3));
        assert!(s.purge(111, 10, 3));
        assert_eq!(s.len(), 0);
        assert!(s.was_deleted(&[1; 32], 4));
        assert!(matches!(s.lookup(&[1; 32], 4, 111, 10), Lookup::Stale));
    }

    #[test]
    fn past_chains_are_bounded() {
        let mut s = SkippedKeys::default();
        for i in 0..(MAX_PAST_CHAINS as u8 + 2) {
            s.end_chain(&[i; 32], u32::from(i));
        }
        assert_eq!(s.past_chain_len(&[0; 32]), None);
        assert_eq!(s.past_chain_len(&[17; 32]), Some(17));
    }
}
