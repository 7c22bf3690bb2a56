//! Where the ratchet's randomness comes from: the operating system, or a seeded
//! deterministic generator for tests and reproducible runs.

use crate::hash::shake256_into;
use crate::{Error, Result};
use zeroize::Zeroizing;

/// A source of random bytes.
///
/// A send step draws, in this order, one call each: the new ratchet X25519 secret key
/// (32 bytes), the KEM encapsulation randomness (on a KEM step), the new KEM
/// key-generation seed (when a new KEM key is generated). A send without a step and
/// every receive draw nothing.
pub trait RandomSource {
    /// Fills `dst` with random bytes.
    fn fill(&mut self, dst: &mut [u8]) -> Result<()>;
}

/// The operating system's CSPRNG (what [`super::RatchetState::encrypt`] uses).
#[derive(Clone, Copy, Debug, Default)]
pub struct OsRandom;

impl RandomSource for OsRandom {
    fn fill(&mut self, dst: &mut [u8]) -> Result<()> {
        getrandom::fill(dst).map_err(|_| Error::RandomnessUnavailable)
    }
}

/// A deterministic generator: output block `i` is
/// `SHAKE256("pqwire/v1 seeded random" ‖ seed ‖ u64(i))`, one block per call.
///
/// As strong as its 32-byte seed is secret; meant for tests and reproducible runs,
/// where both parties of a conversation must behave the same on every run.
///
/// ```
/// use pqwire_core::ratchet::{RandomSource, SeededRandom};
/// let (mut a, mut b) = (SeededRandom::new([1; 32]), SeededRandom::new([1; 32]));
/// let (mut x, mut y) = ([0u8; 8], [0u8; 8]);
/// a.fill(&mut x).unwrap();
/// b.fill(&mut y).unwrap();
/// assert_eq!(x, y);
/// a.fill(&mut x).unwrap();
/// assert_ne!(x, y);
/// ```
#[derive(Clone)]
pub struct SeededRandom {
    seed: Zeroizing<[u8; 32]>,
    counter: u64,
}

impl SeededRandom {
    /// A generator seeded with `seed`.
    pub fn new(seed: [u8; 32]) -> Self {
        Self {
            seed: Zeroizing::new(seed),
            counter: 0,
        }
    }
}

impl RandomSource for SeededRandom {
    fn fill(&mut self, dst: &mut [u8]) -> Result<()> {
        shake256_into(
            &[
                b"pqwire/v1 seeded random",
                self.seed.as_ref(),
                &self.counter.to_be_bytes(),
            ],
            dst,
        );
        self.counter = self.counter.wrapping_add(1);
        Ok(())
    }
}

impl core::fmt::Debug for SeededRandom {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SeededRandom")
            .field("seed", &"[REDACTED]")
            .field("counter", &self.counter)
            .finish()
    }
}
