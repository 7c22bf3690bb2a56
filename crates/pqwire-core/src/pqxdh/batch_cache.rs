//! The verified-batch cache (protocol.md §4.1 step 3): an initiator that verified a
//! batch signature once does not verify it again for the next bundle of the same batch.
//!
//! ```text
//! entry = SHA-256("pqwire/v2 verified batch" ‖ lp(IKsig package) ‖ lp(statement) ‖ lp(signature))
//! ```
//!
//! SHA-256 rather than the protocol's SHA3-256: the entry never leaves the process, and
//! it hashes about 5.5 kB on every bundle, where SHA-256 with the CPU's SHA extensions
//! measured about 4x faster (protocol.md §3, "The verified-batch cache").
//!
//! One cache per process ([`verified_batches`]), bounded ([`VERIFIED_BATCH_CACHE_SIZE`]
//! entries, the oldest evicted first). Only successful verifications are cached; an
//! entry says "this exact key, statement and signature verified", so a hit is as good
//! as a verification. Proofs, times and keys are checked on every bundle.

use std::collections::{HashSet, VecDeque};
use std::sync::{Mutex, OnceLock};

use crate::Result;

/// First bytes of an entry's input.
pub const LABEL_VERIFIED_BATCH: &[u8] = b"pqwire/v2 verified batch";
/// Entries of the process-wide cache.
pub const VERIFIED_BATCH_CACHE_SIZE: usize = 256;

/// The cache entry of a batch: its identity key package, statement and signature.
pub fn batch_entry(identity_key: &[u8], statement: &[u8], signature: &[u8]) -> [u8; 32] {
    use sha2::Digest as _;
    let lp = |b: &[u8]| (b.len() as u32).to_be_bytes();
    let mut h = sha2::Sha256::new();
    for part in [
        LABEL_VERIFIED_BATCH,
        &lp(identity_key),
        identity_key,
        &lp(statement),
        statement,
        &lp(signature),
        signature,
    ] {
        h.update(part);
    }
    h.finalize().into()
}

/// A bounded set of verified batch entries, with the count of signatures it verified.
#[derive(Debug)]
pub struct VerifiedBatches {
    order: VecDeque<[u8; 32]>,
    set: HashSet<[u8; 32]>,
    capacity: usize,
    verifications: u64,
}

impl VerifiedBatches {
    /// An empty cache of at most `capacity` entries (0: caches nothing).
    pub fn new(capacity: usize) -> Self {
        Self {
            order: VecDeque::new(),
            set: HashSet::new(),
            capacity,
            verifications: 0,
        }
    }

    /// Whether `entry` verified before.
    pub fn contains(&self, entry: &[u8; 32]) -> bool {
        self.set.contains(entry)
    }

    /// Records a successful verification of `entry`, evicting the oldest entry when full.
    pub fn insert(&mut self, entry: [u8; 32]) {
        if self.capacity == 0 || !self.set.insert(entry) {
            return;
        }
        self.order.push_back(entry);
        while self.order.len() > self.capacity {
            if let Some(old) = self.order.pop_front() {
                self.set.remove(&old);
            }
        }
    }

    /// Entries held.
    pub fn len(&self) -> usize {
        self.set.len()
    }

    /// Whether the cache holds nothing.
    pub fn is_empty(&self) -> bool {
        self.set.is_empty()
    }

    /// Batch signatures verified through this cache so far (misses: successes and
    /// failures); a hit verifies nothing and counts nothing.
    pub fn verifications(&self) -> u64 {
        self.verifications
    }

    /// Forgets every entry.
    pub fn clear(&mut self) {
        self.order.clear();
        self.set.clear();
    }

    /// Runs `verify` unless `entry` verified before; caches it when `verify` succeeds.
    /// The lock of the process-wide cache is not held while `verify` runs.
    pub fn check_shared(
        cache: &Mutex<VerifiedBatches>,
        entry: [u8; 32],
        verify: impl FnOnce() -> Result<()>,
    ) -> Result<()> {
        let hit = cache
            .lock()
            .map(|mut c| {
                let hit = c.contains(&entry);
                if !hit {
                    c.verifications += 1;
                }
                hit
            })
            .unwrap_or(false);
        if hit {
            return Ok(());
        }
        verify()?;
        if let Ok(mut c) = cache.lock() {
            c.insert(entry);
        }
        Ok(())
    }
}

/// The process-wide cache the initiator uses.
///
/// ```
/// let before = pqwire_core::pqxdh::verified_batches().lock().map(|c| c.verifications());
/// assert!(before.is_ok());
/// ```
pub fn verified_batches() -> &'static Mutex<VerifiedBatches> {
    static CACHE: OnceLock<Mutex<VerifiedBatches>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(VerifiedBatches::new(VERIFIED_BATCH_CACHE_SIZE)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;

    #[test]
    fn caches_successes_only_and_evicts_the_oldest() {
        let cache = Mutex::new(VerifiedBatches::new(2));
        let calls = core::cell::Cell::new(0);
        let ok = || {
            calls.set(calls.get() + 1);
            Ok(())
        };
        let fail = || {
            calls.set(calls.get() + 1);
            Err(Error::AuthenticationFailed)
        };
        let (a, b, c) = (
            batch_entry(b"k", b"s", b"1"),
            batch_entry(b"k", b"s", b"2"),
            batch_entry(b"k", b"s", b"3"),
        );
        assert!(VerifiedBatches::check_shared(&cache, a, fail).is_err());
        assert!(VerifiedBatches::check_shared(&cache, a, fail).is_err());
        assert_eq!(calls.get(), 2);
        VerifiedBatches::check_shared(&cache, a, ok).unwrap_or(());
        VerifiedBatches::check_shared(&cache, a, ok).unwrap_or(());
        assert_eq!(calls.get(), 3);
        VerifiedBatches::check_shared(&cache, b, ok).unwrap_or(());
        VerifiedBatches::check_shared(&cache, c, ok).unwrap_or(());
        let held = cache
            .lock()
            .map(|g| (g.contains(&a), g.contains(&c), g.len(), g.verifications()));
        assert_eq!(held.ok(), Some((false, true, 2, 5)));
        // The framing keeps fields apart.
        assert_ne!(batch_entry(b"ks", b"", b"1"), batch_entry(b"k", b"s", b"1"));
    }
}
