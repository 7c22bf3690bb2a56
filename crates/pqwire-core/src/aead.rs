//! AEADs: ChaCha20-Poly1305 and AES-256-GCM, one trait, 32-byte keys, 12-byte nonces, 16-byte tags.
//!
//! The byte API takes the nonce from the caller; protocol layers derive it from a
//! message counter so that a nonce is never reused under one key.
//!
//! [`algorithm`] is AWS-LC's implementation in the default build (through `aws-lc-rs`:
//! assembly with AVX2, AES-NI and VAES where the CPU has them, chosen at run time); for a
//! 64-byte message it is about 8x faster than the RustCrypto crates (docs/primitives.md,
//! "Backends and why"). The pure-Rust build uses RustCrypto's `chacha20poly1305` and
//! `aes-gcm`, which tests also reach as `reference` (feature `test-support`): the
//! Wycheproof vectors run on both, and a differential test compares them.

use crate::suite::AeadSuite;
use crate::{Error, Result};

/// Key length of both AEADs.
pub const KEY_LEN: usize = 32;
/// Nonce length of both AEADs.
pub const NONCE_LEN: usize = 12;
/// Tag length of both AEADs.
pub const TAG_LEN: usize = 16;

/// The error of a plaintext longer than the AEAD can seal.
const TOO_LONG: Error = Error::InvalidArgument {
    what: "AEAD plaintext too long",
};

/// One AEAD algorithm. An implementation provides [`AeadAlgorithm::seal_in_place`] and
/// [`AeadAlgorithm::open_into`]; the rest is built on them (and may be overridden where
/// the implementation does better).
pub trait AeadAlgorithm: Send + Sync {
    /// Which suite this is.
    fn suite(&self) -> AeadSuite;

    /// Encrypts `buffer` in place and returns the tag: for protocol layers that build a
    /// whole packet in one buffer (the online channel), without a second allocation.
    /// The same output as [`AeadAlgorithm::seal`], ciphertext and tag apart.
    ///
    /// ```
    /// use pqwire_core::{aead, AeadSuite};
    /// for suite in [AeadSuite::ChaCha20Poly1305, AeadSuite::Aes256Gcm] {
    ///     let a = aead::algorithm(suite);
    ///     let mut buf = *b"hello";
    ///     let tag = a.seal_in_place(&[7; 32], &[1; 12], &mut buf, b"ad").unwrap();
    ///     assert_eq!([&buf[..], &tag[..]].concat(), a.seal(&[7; 32], &[1; 12], b"hello", b"ad").unwrap());
    /// }
    /// ```
    fn seal_in_place(
        &self,
        key: &[u8],
        nonce: &[u8],
        buffer: &mut [u8],
        aad: &[u8],
    ) -> Result<[u8; TAG_LEN]>;

    /// Checks the tag and decrypts into `out`, which must hold exactly the plaintext
    /// (`ciphertext.len() - TAG_LEN` bytes, else `BAD_LENGTH` before any work): for
    /// callers that own the output buffer (the addon writes into the facade's), without a
    /// second allocation and copy. On any failure `out` is all zeros, never unauthenticated
    /// plaintext.
    ///
    /// ```
    /// use pqwire_core::{aead, AeadSuite};
    /// let a = aead::algorithm(AeadSuite::ChaCha20Poly1305);
    /// let sealed = a.seal(&[7; 32], &[1; 12], b"hello", b"").unwrap();
    /// let mut out = [0u8; 5];
    /// a.open_into(&[7; 32], &[1; 12], &sealed, b"", &mut out).unwrap();
    /// assert_eq!(&out, b"hello");
    /// assert!(a.open_into(&[7; 32], &[2; 12], &sealed, b"", &mut out).is_err());
    /// assert_eq!(out, [0; 5]);
    /// ```
    fn open_into(
        &self,
        key: &[u8],
        nonce: &[u8],
        ciphertext: &[u8],
        aad: &[u8],
        out: &mut [u8],
    ) -> Result<()>;

    /// Encrypts `plaintext`; returns ciphertext followed by the tag.
    fn seal(&self, key: &[u8], nonce: &[u8], plaintext: &[u8], aad: &[u8]) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(plaintext.len() + TAG_LEN);
        out.extend_from_slice(plaintext);
        let tag = self.seal_in_place(key, nonce, &mut out, aad)?;
        out.extend_from_slice(&tag);
        Ok(out)
    }

    /// Checks the tag and decrypts; fails with `AUTH_FAILED` on any mismatch.
    fn open(&self, key: &[u8], nonce: &[u8], ciphertext: &[u8], aad: &[u8]) -> Result<Vec<u8>> {
        let mut out = vec![0u8; split_tag(ciphertext)?.0.len()];
        self.open_into(key, nonce, ciphertext, aad, &mut out)?;
        Ok(out)
    }

    /// Encrypts `plaintext` into `out`, ciphertext followed by the tag, so `out` must hold
    /// `plaintext.len() + TAG_LEN` bytes (else `BAD_LENGTH` before any work): the output
    /// of [`AeadAlgorithm::seal`] in a buffer the caller owns.
    ///
    /// ```
    /// use pqwire_core::{aead, AeadSuite};
    /// let a = aead::algorithm(AeadSuite::Aes256Gcm);
    /// let mut out = [0u8; 5 + aead::TAG_LEN];
    /// a.seal_into(&[7; 32], &[1; 12], b"hello", b"ad", &mut out).unwrap();
    /// assert_eq!(out.to_vec(), a.seal(&[7; 32], &[1; 12], b"hello", b"ad").unwrap());
    /// ```
    fn seal_into(
        &self,
        key: &[u8],
        nonce: &[u8],
        plaintext: &[u8],
        aad: &[u8],
        out: &mut [u8],
    ) -> Result<()> {
        check_seal_len(plaintext, out)?;
        let (body, tag) = out.split_at_mut(plaintext.len());
        body.copy_from_slice(plaintext);
        match self.seal_in_place(key, nonce, body, aad) {
            Ok(t) => {
                tag.copy_from_slice(&t);
                Ok(())
            }
            Err(e) => {
                // Never leave the plaintext copy behind in the caller's buffer.
                zeroize::Zeroize::zeroize(body);
                Err(e)
            }
        }
    }
}

/// The implementation of `suite`.
///
/// ```
/// use pqwire_core::{aead, AeadSuite};
/// let a = aead::algorithm(AeadSuite::ChaCha20Poly1305);
/// let ct = a.seal(&[7; 32], &[0; 12], b"hello", b"ad").unwrap();
/// assert_eq!(a.open(&[7; 32], &[0; 12], &ct, b"ad").unwrap(), b"hello");
/// assert!(a.open(&[7; 32], &[0; 12], &ct, b"other").is_err());
/// ```
pub fn algorithm(suite: AeadSuite) -> &'static dyn AeadAlgorithm {
    #[cfg(feature = "aws-lc")]
    return aws_lc::of(suite);
    #[cfg(not(feature = "aws-lc"))]
    return rustcrypto::of(suite);
}

/// RustCrypto's implementation of `suite`: the same bytes as [`algorithm`], kept as the
/// second implementation for differential tests (in the pure-Rust build, the same
/// implementation). Only with the `test-support` feature.
///
/// ```
/// use pqwire_core::{aead, AeadSuite};
/// let (fast, reference) = (aead::algorithm(AeadSuite::Aes256Gcm), aead::reference(AeadSuite::Aes256Gcm));
/// assert_eq!(fast.seal(&[1; 32], &[2; 12], b"m", b"").unwrap(), reference.seal(&[1; 32], &[2; 12], b"m", b"").unwrap());
/// ```
#[cfg(all(feature = "rustcrypto", feature = "test-support"))]
pub fn reference(suite: AeadSuite) -> &'static dyn AeadAlgorithm {
    rustcrypto::of(suite)
}

/// Splits sealed bytes into ciphertext and tag; shorter than a tag is `BAD_LENGTH`.
fn split_tag(sealed: &[u8]) -> Result<(&[u8], &[u8])> {
    match sealed.len().checked_sub(TAG_LEN) {
        Some(body_len) => Ok(sealed.split_at(body_len)),
        None => Err(Error::BadLength {
            what: "AEAD ciphertext (at least the tag)",
            expected: TAG_LEN,
            actual: sealed.len(),
        }),
    }
}

/// `BAD_LENGTH` unless `out` holds exactly `plaintext` and a tag.
fn check_seal_len(plaintext: &[u8], out: &[u8]) -> Result<()> {
    Error::check_len("AEAD output", plaintext.len() + TAG_LEN, out.len())
}

/// [`split_tag`], once `out` is checked to hold exactly the plaintext (`BAD_LENGTH`).
fn split_for_open<'a>(sealed: &'a [u8], out: &[u8]) -> Result<(&'a [u8], &'a [u8])> {
    let (body, tag) = split_tag(sealed)?;
    Error::check_len("AEAD output", body.len(), out.len())?;
    Ok((body, tag))
}

#[cfg(feature = "aws-lc")]
mod aws_lc {
    //! ChaCha20-Poly1305 and AES-256-GCM through AWS-LC (`aws-lc-rs`), the default build's.

    use super::{
        check_seal_len, split_for_open, AeadAlgorithm, KEY_LEN, NONCE_LEN, TAG_LEN, TOO_LONG,
    };
    use crate::suite::AeadSuite;
    use crate::{Error, Result};
    use aws_lc_rs::aead::{self as lc, Aad, LessSafeKey, Nonce, UnboundKey};

    /// The implementation of `suite`.
    pub(super) fn of(suite: AeadSuite) -> &'static dyn AeadAlgorithm {
        match suite {
            AeadSuite::ChaCha20Poly1305 => &AwsLcAead(AeadSuite::ChaCha20Poly1305),
            AeadSuite::Aes256Gcm => &AwsLcAead(AeadSuite::Aes256Gcm),
        }
    }

    /// AWS-LC's AEADs. Its key schedule lives in native memory and is wiped when freed.
    struct AwsLcAead(AeadSuite);

    impl AwsLcAead {
        fn key(&self, key: &[u8], nonce: &[u8]) -> Result<(LessSafeKey, Nonce)> {
            Error::check_len("AEAD key", KEY_LEN, key.len())?;
            let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| Error::BadLength {
                what: "AEAD nonce",
                expected: NONCE_LEN,
                actual: nonce.len(),
            })?;
            let algorithm = match self.0 {
                AeadSuite::ChaCha20Poly1305 => &lc::CHACHA20_POLY1305,
                AeadSuite::Aes256Gcm => &lc::AES_256_GCM,
            };
            let key = UnboundKey::new(algorithm, key).map_err(|_| Error::BadLength {
                what: "AEAD key",
                expected: KEY_LEN,
                actual: key.len(),
            })?;
            Ok((LessSafeKey::new(key), nonce))
        }
    }

    impl AeadAlgorithm for AwsLcAead {
        fn suite(&self) -> AeadSuite {
            self.0
        }

        fn seal_in_place(
            &self,
            key: &[u8],
            nonce: &[u8],
            buffer: &mut [u8],
            aad: &[u8],
        ) -> Result<[u8; TAG_LEN]> {
            let (key, nonce) = self.key(key, nonce)?;
            let tag = key
                .seal_in_place_separate_tag(nonce, Aad::from(aad), buffer)
                .map_err(|_| TOO_LONG)?;
            crate::random::fixed::<TAG_LEN>("AEAD tag", tag.as_ref())
        }

        fn seal_into(
            &self,
            key: &[u8],
            nonce: &[u8],
            plaintext: &[u8],
            aad: &[u8],
            out: &mut [u8],
        ) -> Result<()> {
            check_seal_len(plaintext, out)?;
            let (key, nonce) = self.key(key, nonce)?;
            let (body, tag) = out.split_at_mut(plaintext.len());
            // Straight from the plaintext into `out`: no copy of the plaintext first.
            key.seal_out_of_place_scatter(nonce, Aad::from(aad), plaintext, body, &[], tag)
                .map_err(|_| TOO_LONG)
        }

        fn open_into(
            &self,
            key: &[u8],
            nonce: &[u8],
            ciphertext: &[u8],
            aad: &[u8],
            out: &mut [u8],
        ) -> Result<()> {
            let (body, tag) = split_for_open(ciphertext, out)?;
            let (key, nonce) = self.key(key, nonce)?;
            // On a wrong tag AWS-LC may already have written into `out` (it clears it, and
            // so do we, whatever its version does).
            key.open_separate_gather(nonce, Aad::from(aad), body, tag, out)
                .map_err(|_| {
                    zeroize::Zeroize::zeroize(out);
                    Error::AuthenticationFailed
                })
        }
    }
}

// RustCrypto's: the implementation without AWS-LC, and the second one in tests.
#[cfg(all(
    feature = "rustcrypto",
    any(not(feature = "aws-lc"), feature = "test-support")
))]
mod rustcrypto {
    //! ChaCha20-Poly1305 and AES-256-GCM through RustCrypto's `chacha20poly1305` and
    //! `aes-gcm` (pure Rust): the implementation where AWS-LC is not built, and the second
    //! implementation tests compare AWS-LC's with (`aead::reference`).

    use super::{split_for_open, AeadAlgorithm, KEY_LEN, NONCE_LEN, TAG_LEN, TOO_LONG};
    use crate::suite::AeadSuite;
    use crate::{Error, Result};
    use aes_gcm::Aes256Gcm;
    use chacha20poly1305::aead::{AeadInOut, KeyInit, Nonce, Tag};
    use chacha20poly1305::ChaCha20Poly1305;

    /// The implementation of `suite`.
    pub(super) fn of(suite: AeadSuite) -> &'static dyn AeadAlgorithm {
        match suite {
            AeadSuite::ChaCha20Poly1305 => &RustCryptoAead::<ChaCha20Poly1305>(
                AeadSuite::ChaCha20Poly1305,
                core::marker::PhantomData,
            ),
            AeadSuite::Aes256Gcm => {
                &RustCryptoAead::<Aes256Gcm>(AeadSuite::Aes256Gcm, core::marker::PhantomData)
            }
        }
    }

    /// One AEAD of RustCrypto, `C` its cipher type.
    struct RustCryptoAead<C>(AeadSuite, core::marker::PhantomData<fn() -> C>);

    impl<C: AeadInOut + KeyInit> RustCryptoAead<C> {
        /// The keyed cipher and the nonce, after their length checks.
        fn cipher<'n>(&self, key: &[u8], nonce: &'n [u8]) -> Result<(C, &'n Nonce<C>)> {
            Error::check_len("AEAD key", KEY_LEN, key.len())?;
            let bad_nonce = Error::BadLength {
                what: "AEAD nonce",
                expected: NONCE_LEN,
                actual: nonce.len(),
            };
            let nonce = <&Nonce<C>>::try_from(nonce).map_err(|_| bad_nonce)?;
            let cipher = C::new_from_slice(key).map_err(|_| Error::BadLength {
                what: "AEAD key",
                expected: KEY_LEN,
                actual: key.len(),
            })?;
            Ok((cipher, nonce))
        }
    }

    impl<C: AeadInOut + KeyInit> AeadAlgorithm for RustCryptoAead<C> {
        fn suite(&self) -> AeadSuite {
            self.0
        }

        fn seal_in_place(
            &self,
            key: &[u8],
            nonce: &[u8],
            buffer: &mut [u8],
            aad: &[u8],
        ) -> Result<[u8; TAG_LEN]> {
            let (cipher, nonce) = self.cipher(key, nonce)?;
            let tag = cipher
                .encrypt_inout_detached(nonce, aad, buffer.into())
                .map_err(|_| TOO_LONG)?;
            crate::random::fixed::<TAG_LEN>("AEAD tag", &tag)
        }

        fn open_into(
            &self,
            key: &[u8],
            nonce: &[u8],
            ciphertext: &[u8],
            aad: &[u8],
            out: &mut [u8],
        ) -> Result<()> {
            let (body, tag) = split_for_open(ciphertext, out)?;
            let (cipher, nonce) = self.cipher(key, nonce)?;
            let tag = <&Tag<C>>::try_from(tag).map_err(|_| Error::AuthenticationFailed)?;
            out.copy_from_slice(body);
            // The tag is checked before anything is decrypted; `out` is wiped either way.
            cipher
                .decrypt_inout_detached(nonce, aad, out.into(), tag)
                .map_err(|_| {
                    zeroize::Zeroize::zeroize(out);
                    Error::AuthenticationFailed
                })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// AWS-LC and RustCrypto give the same bytes for every length around the block
    /// and vector widths, open each other's output, and refuse the same tampering.
    #[cfg(feature = "rustcrypto")]
    #[test]
    fn aws_lc_matches_rustcrypto() {
        for suite in [AeadSuite::ChaCha20Poly1305, AeadSuite::Aes256Gcm] {
            let (fast, reference) = (algorithm(suite), reference(suite));
            for len in (0..300).chain([511, 512, 513, 1023, 1024, 4097, 65_536]) {
                let key = crate::hash::sha3_256(&[b"key", &(len as u32).to_be_bytes()]);
                let nonce = &crate::hash::sha3_256(&[b"nonce", &(len as u32).to_be_bytes()])[..12];
                let aad = vec![len as u8; len % 37];
                let msg: Vec<u8> = (0..len).map(|i| (i * 31 + len) as u8).collect();
                let sealed = fast.seal(&key, nonce, &msg, &aad).unwrap();
                assert_eq!(
                    sealed,
                    reference.seal(&key, nonce, &msg, &aad).unwrap(),
                    "{suite:?} {len}"
                );
                assert_eq!(reference.open(&key, nonce, &sealed, &aad).unwrap(), msg);
                assert_eq!(fast.open(&key, nonce, &sealed, &aad).unwrap(), msg);
                for a in [fast, reference] {
                    let mut sealed_into = vec![0xa5; len + TAG_LEN];
                    a.seal_into(&key, nonce, &msg, &aad, &mut sealed_into)
                        .unwrap();
                    assert_eq!(sealed_into, sealed, "{suite:?} {len} seal_into");
                    let mut into = vec![0xa5; len];
                    a.open_into(&key, nonce, &sealed, &aad, &mut into).unwrap();
                    assert_eq!(into, msg, "{suite:?} {len} open_into");
                }
                let mut in_place = msg.clone();
                let tag = fast
                    .seal_in_place(&key, nonce, &mut in_place, &aad)
                    .unwrap();
                assert_eq!([in_place, tag.to_vec()].concat(), sealed);
                let mut bad = sealed.clone();
                bad[len % sealed.len()] ^= 0x40;
                for a in [fast, reference] {
                    assert!(matches!(
                        a.open(&key, nonce, &bad, &aad),
                        Err(Error::AuthenticationFailed)
                    ));
                    // A failed open_into leaves zeros, never unauthenticated plaintext.
                    let mut into = vec![0xa5; len];
                    assert!(matches!(
                        a.open_into(&key, nonce, &bad, &aad, &mut into),
                        Err(Error::AuthenticationFailed)
                    ));
                    assert!(into.iter().all(|&b| b == 0), "{suite:?} {len} wiped");
                }
            }
        }
    }

    #[test]
    fn lengths_are_checked() {
        for a in [
            algorithm(AeadSuite::ChaCha20Poly1305),
            algorithm(AeadSuite::Aes256Gcm),
        ] {
            assert!(matches!(
                a.seal(&[0; 31], &[0; 12], b"", b""),
                Err(Error::BadLength { .. })
            ));
            assert!(matches!(
                a.seal(&[0; 32], &[0; 8], b"", b""),
                Err(Error::BadLength { .. })
            ));
            assert!(matches!(
                a.open(&[0; 32], &[0; 12], &[0; 15], b""),
                Err(Error::BadLength { .. })
            ));
            // seal_into and open_into: a wrong output size is refused before any work.
            let mut short = [0x11u8; 3 + TAG_LEN - 1];
            assert!(matches!(
                a.seal_into(&[0; 32], &[0; 12], b"abc", b"", &mut short),
                Err(Error::BadLength { .. })
            ));
            assert_eq!(short, [0x11; 3 + TAG_LEN - 1]);
            let sealed = a.seal(&[0; 32], &[0; 12], b"abc", b"").unwrap();
            let mut out = [0x11u8; 4];
            assert!(matches!(
                a.open_into(&[0; 32], &[0; 12], &sealed, b"", &mut out),
                Err(Error::BadLength { .. })
            ));
            assert_eq!(out, [0x11; 4]);
        }
    }
}
