//! Hash functions: SHA3-256 and SHAKE256 (FIPS 202).

use sha3::{Digest, Sha3_256};
use shake::digest::{ExtendableOutput, Update, XofReader};
use shake::Shake256;

/// SHA3-256 of the concatenation of `parts`.
///
/// ```
/// let d = pqwire_core::hash::sha3_256(&[b"abc"]);
/// assert_eq!(d[0], 0x3a);
/// ```
pub fn sha3_256(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = Sha3_256::new();
    for p in parts {
        Digest::update(&mut h, p);
    }
    h.finalize().into()
}

/// SHAKE256 of the concatenation of `parts`, squeezed to `out.len()` bytes.
///
/// ```
/// let mut out = [0u8; 64];
/// pqwire_core::hash::shake256_into(&[b""], &mut out);
/// assert_eq!(out[0], 0x46);
/// ```
pub fn shake256_into(parts: &[&[u8]], out: &mut [u8]) {
    let mut h = Shake256::default();
    for p in parts {
        h.update(p);
    }
    h.finalize_xof().read(out);
}

/// SHAKE256 of `data`, `len` bytes of output.
pub fn shake256(data: &[u8], len: usize) -> Vec<u8> {
    let mut out = vec![0u8; len];
    shake256_into(&[data], &mut out);
    out
}
