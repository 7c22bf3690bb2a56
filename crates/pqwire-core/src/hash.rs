//! Hash functions: SHA3-256 and SHAKE256 (FIPS 202).
//!
//! SHA3-256 is AWS-LC's in the default build (measured faster than RustCrypto's `sha3` on
//! a session record, whose checksum every restore computes: benches/README.md),
//! RustCrypto's `sha3` in the pure-Rust build; a unit test compares the two. SHAKE256 is RustCrypto's: `aws-lc-rs`
//! offers no extendable-output API.

use shake::digest::{ExtendableOutput, Update, XofReader};
use shake::Shake256;

/// SHA3-256 of the concatenation of `parts`.
///
/// ```
/// let d = pqwire_core::hash::sha3_256(&[b"abc"]);
/// assert_eq!(d[0], 0x3a);
/// ```
#[cfg(feature = "aws-lc")]
pub fn sha3_256(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = aws_lc_rs::digest::Context::new(&aws_lc_rs::digest::SHA3_256);
    for p in parts {
        h.update(p);
    }
    let mut out = [0u8; 32];
    out.copy_from_slice(h.finish().as_ref());
    out
}

/// SHA3-256 of the concatenation of `parts`.
///
/// ```
/// let d = pqwire_core::hash::sha3_256(&[b"abc"]);
/// assert_eq!(d[0], 0x3a);
/// ```
#[cfg(not(feature = "aws-lc"))]
pub fn sha3_256(parts: &[&[u8]]) -> [u8; 32] {
    use sha3::Digest as _;
    let mut h = sha3::Sha3_256::new();
    for p in parts {
        sha3::Digest::update(&mut h, p);
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

#[cfg(test)]
mod tests {
    use sha3::{Digest, Sha3_256};

    /// pqwire's SHA3-256 (AWS-LC's in the default build) gives RustCrypto's digest for every length around the rate
    /// (136 bytes) and for inputs split into parts anywhere.
    #[test]
    fn sha3_256_matches_rustcrypto() {
        let data: Vec<u8> = (0..1200u32).map(|i| (i * 7 + 3) as u8).collect();
        for len in (0..300).chain([407, 408, 409, 1200]) {
            let whole = &data[..len];
            let expected: [u8; 32] = Sha3_256::digest(whole).into();
            assert_eq!(super::sha3_256(&[whole]), expected, "length {len}");
            let cut = len / 3;
            assert_eq!(
                super::sha3_256(&[&whole[..cut], b"", &whole[cut..]]),
                expected,
                "length {len} in parts"
            );
        }
    }
}
