//! HKDF (RFC 5869) and HMAC (RFC 2104) over SHA-256, SHA-384 and SHA-512.
//!
//! RustCrypto's `hkdf` keeps the pseudorandom key inside an HMAC state (two hash cores
//! keyed with `PRK ⊕ ipad` and `PRK ⊕ opad`, and a block buffer). pqwire builds `hmac` and
//! `sha2` with their `zeroize` features, so that state is wiped when it is dropped; the
//! PRK `extract` returns is copied into [`SecretBytes`] and the array it came in is wiped.
//! What stays out of reach is the crates' own stack temporaries (docs/primitives.md,
//! "Secrets in memory").

use crate::{Error, Result, SecretBytes};
use hkdf::Hkdf;
use hmac::{KeyInit, Mac};
use sha2::{Sha256, Sha384, Sha512};
use zeroize::Zeroize;

/// The hash under HKDF.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HkdfHash {
    /// HKDF-SHA256: 32-byte blocks, at most 8160 bytes of output.
    Sha256,
    /// HKDF-SHA384: 48-byte blocks, at most 12240 bytes of output (MLS's SHA-384 suites).
    Sha384,
    /// HKDF-SHA512: 64-byte blocks, at most 16320 bytes of output.
    Sha512,
}

impl HkdfHash {
    /// Parses `"SHA-256"`/`"sha256"`, `"SHA-384"`/`"sha384"` or `"SHA-512"`/`"sha512"`.
    pub fn from_name(name: &str) -> Result<Self> {
        match name.to_ascii_lowercase().replace('-', "").as_str() {
            "sha256" => Ok(HkdfHash::Sha256),
            "sha384" => Ok(HkdfHash::Sha384),
            "sha512" => Ok(HkdfHash::Sha512),
            _ => Err(Error::UnknownSuite {
                name: name.chars().take(64).collect(),
            }),
        }
    }

    /// Output size of the hash, which is also the PRK size.
    pub fn output_len(self) -> usize {
        match self {
            HkdfHash::Sha256 => 32,
            HkdfHash::Sha384 => 48,
            HkdfHash::Sha512 => 64,
        }
    }

    /// The largest output HKDF-Expand can produce (255 blocks).
    pub fn max_output_len(self) -> usize {
        255 * self.output_len()
    }
}

/// HKDF extract-then-expand: `len` bytes of output keying material.
///
/// An empty `salt` is the same as no salt (RFC 5869 §2.2).
///
/// ```
/// use pqwire_core::kdf::{hkdf, HkdfHash};
/// let okm = hkdf(HkdfHash::Sha256, b"input key", b"salt", b"info", 42).unwrap();
/// assert_eq!(okm.len(), 42);
/// ```
pub fn hkdf(
    hash: HkdfHash,
    ikm: &[u8],
    salt: &[u8],
    info: &[u8],
    len: usize,
) -> Result<SecretBytes> {
    let prk = extract(hash, ikm, salt);
    expand(hash, prk.expose(), info, len)
}

/// HKDF-Extract: the pseudorandom key.
pub fn extract(hash: HkdfHash, ikm: &[u8], salt: &[u8]) -> SecretBytes {
    let salt = (!salt.is_empty()).then_some(salt);
    // The HMAC state (`_hkdf`) is wiped when dropped; the PRK array is wiped here.
    match hash {
        HkdfHash::Sha256 => {
            let (mut prk, _hkdf) = Hkdf::<Sha256>::extract(salt, ikm);
            let out = SecretBytes::from_slice(&prk);
            prk.as_mut_slice().zeroize();
            out
        }
        HkdfHash::Sha384 => {
            let (mut prk, _hkdf) = Hkdf::<Sha384>::extract(salt, ikm);
            let out = SecretBytes::from_slice(&prk);
            prk.as_mut_slice().zeroize();
            out
        }
        HkdfHash::Sha512 => {
            let (mut prk, _hkdf) = Hkdf::<Sha512>::extract(salt, ikm);
            let out = SecretBytes::from_slice(&prk);
            prk.as_mut_slice().zeroize();
            out
        }
    }
}

/// HKDF-Expand from a pseudorandom key of at least the hash's output length.
pub fn expand(hash: HkdfHash, prk: &[u8], info: &[u8], len: usize) -> Result<SecretBytes> {
    if len > hash.max_output_len() {
        return Err(Error::OutputTooLong {
            max: hash.max_output_len(),
            requested: len,
        });
    }
    let too_short = Error::InvalidArgument {
        what: "HKDF pseudorandom key shorter than the hash output",
    };
    let mut okm = SecretBytes::from(vec![0u8; len]);
    let out = okm_mut(&mut okm);
    match hash {
        HkdfHash::Sha256 => Hkdf::<Sha256>::from_prk(prk)
            .map_err(|_| too_short)?
            .expand(info, out),
        HkdfHash::Sha384 => Hkdf::<Sha384>::from_prk(prk)
            .map_err(|_| too_short)?
            .expand(info, out),
        HkdfHash::Sha512 => Hkdf::<Sha512>::from_prk(prk)
            .map_err(|_| too_short)?
            .expand(info, out),
    }
    .map_err(|_| Error::OutputTooLong {
        max: hash.max_output_len(),
        requested: len,
    })?;
    Ok(okm)
}

/// HMAC of `message` under `key` (any length: a long key is hashed first, RFC 2104).
///
/// ```
/// use pqwire_core::kdf::{hmac, HkdfHash};
/// assert_eq!(hmac(HkdfHash::Sha384, b"key", b"message").len(), 48);
/// ```
pub fn hmac(hash: HkdfHash, key: &[u8], message: &[u8]) -> SecretBytes {
    fn tag<M: Mac + KeyInit>(key: &[u8], message: &[u8]) -> SecretBytes {
        // new_from_slice accepts every key length for HMAC; the error arm cannot occur.
        match <M as KeyInit>::new_from_slice(key) {
            Ok(mut mac) => {
                mac.update(message);
                SecretBytes::from_slice(&mac.finalize().into_bytes())
            }
            Err(_) => SecretBytes::from(Vec::new()),
        }
    }
    match hash {
        HkdfHash::Sha256 => tag::<hmac::Hmac<Sha256>>(key, message),
        HkdfHash::Sha384 => tag::<hmac::Hmac<Sha384>>(key, message),
        HkdfHash::Sha512 => tag::<hmac::Hmac<Sha512>>(key, message),
    }
}

fn okm_mut(s: &mut SecretBytes) -> &mut [u8] {
    s.expose_mut()
}

#[cfg(test)]
mod tests {
    use hmac::block_api::HmacCore;
    use hmac::digest::block_api::{Buffer, CoreProxy};
    use hmac::digest::CtOutput;
    use hmac::Hmac;
    use sha2::{Sha256, Sha512};
    use zeroize::ZeroizeOnDrop;

    fn wiped_on_drop<T: ZeroizeOnDrop>() {}

    /// RFC 4231 §4.3 (test case 2), for each hash: a key shorter than the block.
    #[test]
    fn hmac_matches_rfc_4231_test_case_2() {
        let cases = [
            (super::HkdfHash::Sha256, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
            (super::HkdfHash::Sha384, "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649"),
            (super::HkdfHash::Sha512, "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"),
        ];
        for (hash, expected) in cases {
            let tag = super::hmac(hash, b"Jefe", b"what do ya want for nothing?");
            let hex: String = tag.expose().iter().map(|b| format!("{b:02x}")).collect();
            assert_eq!(hex, expected, "{hash:?}");
        }
    }

    /// Everything an HKDF holds between calls is an HMAC: two hash cores (keyed with
    /// `PRK ⊕ ipad`, `PRK ⊕ opad`) and a block buffer. Each of them wipes itself on drop
    /// only with the `zeroize` features of `sha2` and `hmac` (`digest`, `block-buffer`);
    /// without them this test does not compile.
    #[test]
    fn the_hmac_state_under_hkdf_is_wiped_on_drop() {
        wiped_on_drop::<<Sha256 as CoreProxy>::Core>();
        wiped_on_drop::<<Sha512 as CoreProxy>::Core>();
        wiped_on_drop::<Buffer<HmacCore<Sha256>>>();
        wiped_on_drop::<Buffer<HmacCore<Sha512>>>();
        wiped_on_drop::<CtOutput<Hmac<Sha256>>>();
        wiped_on_drop::<CtOutput<Hmac<Sha512>>>();
        wiped_on_drop::<shake::Shake256>();
    }
}
