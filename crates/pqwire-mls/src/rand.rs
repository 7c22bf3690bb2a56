//! Randomness for openmls: the operating system's CSPRNG, with its failure reported as an
//! error (never a panic, never weak bytes).

use openmls_traits::random::OpenMlsRand;
use openmls_traits::types::CryptoError;

/// The operating system gave no randomness.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RandomnessUnavailable;

impl core::fmt::Display for RandomnessUnavailable {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("the operating system's random number generator failed")
    }
}

impl std::error::Error for RandomnessUnavailable {}

/// openmls's randomness source in the pqwire provider.
///
/// ```
/// use openmls_traits::random::OpenMlsRand;
/// let nonce: [u8; 12] = pqwire_mls::PqwireRand.random_array().unwrap();
/// assert_eq!(nonce.len(), 12);
/// ```
#[derive(Debug, Default, Clone, Copy)]
pub struct PqwireRand;

impl OpenMlsRand for PqwireRand {
    type Error = RandomnessUnavailable;

    fn random_array<const N: usize>(&self) -> Result<[u8; N], Self::Error> {
        let mut out = [0u8; N];
        getrandom::fill(&mut out).map_err(|_| RandomnessUnavailable)?;
        Ok(out)
    }

    fn random_vec(&self, len: usize) -> Result<Vec<u8>, Self::Error> {
        let mut out = vec![0u8; len];
        getrandom::fill(&mut out).map_err(|_| RandomnessUnavailable)?;
        Ok(out)
    }
}

/// Fills `out` from the OS, or `InsufficientRandomness`.
pub(crate) fn fill_random(out: &mut [u8]) -> Result<(), CryptoError> {
    getrandom::fill(out).map_err(|_| CryptoError::InsufficientRandomness)
}
