//! Randomness, in one place: the [`RandomSource`] every randomized operation draws from
//! (the operating system's CSPRNG, [`OsRandom`], or the seeded deterministic
//! [`SeededRandom`] for tests and reproducible runs), and the helpers the primitives use
//! to take caller-supplied bytes or fresh ones.
//!
//! Every randomized operation in pqwire-core has a seeded twin; the randomized one
//! fills a buffer from the OS and calls the seeded one, so both share one code path.

use crate::hash::shake256_into;
use crate::{Error, Result};
use zeroize::Zeroizing;

/// Fills a fresh `N`-byte buffer from the operating system's CSPRNG.
pub fn random_array<const N: usize>() -> Result<Zeroizing<[u8; N]>> {
    let mut buf = Zeroizing::new([0u8; N]);
    getrandom::fill(buf.as_mut()).map_err(|_| Error::RandomnessUnavailable)?;
    Ok(buf)
}

/// Returns `given` checked to be `N` bytes, or `N` fresh random bytes when `None`.
pub(crate) fn given_or_random<const N: usize>(
    what: &'static str,
    given: Option<&[u8]>,
) -> Result<Zeroizing<[u8; N]>> {
    match given {
        Some(bytes) => Ok(Zeroizing::new(fixed::<N>(what, bytes)?)),
        None => random_array::<N>(),
    }
}

/// Converts a slice into an array of exactly `N` bytes, or a `BadLength` error.
pub(crate) fn fixed<const N: usize>(what: &'static str, bytes: &[u8]) -> Result<[u8; N]> {
    sized(what, N, bytes)
}

/// Converts a slice into a type of exactly `expected` bytes (an array, or a library's key
/// or ciphertext type), or a `BadLength` error naming `what`.
pub(crate) fn sized<'a, T: TryFrom<&'a [u8]>>(
    what: &'static str,
    expected: usize,
    bytes: &'a [u8],
) -> Result<T> {
    T::try_from(bytes).map_err(|_| Error::BadLength {
        what,
        expected,
        actual: bytes.len(),
    })
}

/// A "generator" that hands out caller-supplied bytes exactly once, for APIs that
/// insist on an RNG object (ML-DSA hedged signing) when the caller supplies the randomness.
pub(crate) struct FixedBytes<'a> {
    bytes: &'a [u8],
}

impl<'a> FixedBytes<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Self { bytes }
    }
}

/// Raised when more randomness is drawn than was supplied.
#[derive(Debug)]
pub(crate) struct Exhausted;

impl core::fmt::Display for Exhausted {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("fixed randomness exhausted")
    }
}

impl core::error::Error for Exhausted {}

impl rand_core::TryRng for FixedBytes<'_> {
    type Error = Exhausted;

    fn try_next_u32(&mut self) -> core::result::Result<u32, Exhausted> {
        let mut b = [0u8; 4];
        self.try_fill_bytes(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    fn try_next_u64(&mut self) -> core::result::Result<u64, Exhausted> {
        let mut b = [0u8; 8];
        self.try_fill_bytes(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> core::result::Result<(), Exhausted> {
        if dst.len() > self.bytes.len() {
            return Err(Exhausted);
        }
        let (head, rest) = self.bytes.split_at(dst.len());
        dst.copy_from_slice(head);
        self.bytes = rest;
        Ok(())
    }
}

impl rand_core::TryCryptoRng for FixedBytes<'_> {}

/// A source of random bytes.
///
/// A ratchet send draws, in this order, one call each: the new ratchet X25519 secret key
/// (32 bytes, at a DH step), the ML-KEM encapsulation randomness (when the message
/// answers a peer key decoded since our last message), the new ML-KEM key-generation
/// seed (when our pipeline starts a key; protocol.md §5.6). Every receive draws nothing.
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
/// `SHAKE256("pqwire/v2 seeded random" ‖ seed ‖ u64(i))`, one block per call.
///
/// As strong as its 32-byte seed is secret; meant for tests and reproducible runs,
/// where both parties of a conversation must behave the same on every run.
///
/// ```
/// use pqwire_core::random::{RandomSource, SeededRandom};
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
                b"pqwire/v2 seeded random",
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
