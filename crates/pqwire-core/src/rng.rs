//! Randomness: the operating system's generator, and fixed bytes for seeded variants.
//!
//! Every randomized operation in pqwire-core has a seeded twin; the randomized one
//! fills a buffer from the OS and calls the seeded one, so both share one code path.

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
    bytes.try_into().map_err(|_| Error::BadLength {
        what,
        expected: N,
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
