//! AEADs: ChaCha20-Poly1305 and AES-256-GCM, one trait, 32-byte keys, 12-byte nonces, 16-byte tags.
//!
//! The byte API takes the nonce from the caller; protocol layers derive it from a
//! message counter so that a nonce is never reused under one key.

use crate::suite::AeadSuite;
use crate::{Error, Result};
use aes_gcm::Aes256Gcm;
use chacha20poly1305::aead::{KeyInit, Payload};
use chacha20poly1305::ChaCha20Poly1305;

/// Key length of both AEADs.
pub const KEY_LEN: usize = 32;
/// Nonce length of both AEADs.
pub const NONCE_LEN: usize = 12;
/// Tag length of both AEADs.
pub const TAG_LEN: usize = 16;

/// One AEAD algorithm.
pub trait AeadAlgorithm: Send + Sync {
    /// Which suite this is.
    fn suite(&self) -> AeadSuite;
    /// Encrypts `plaintext`; returns ciphertext followed by the tag.
    fn seal(&self, key: &[u8], nonce: &[u8], plaintext: &[u8], aad: &[u8]) -> Result<Vec<u8>>;
    /// Checks the tag and decrypts; fails with `AUTH_FAILED` on any mismatch.
    fn open(&self, key: &[u8], nonce: &[u8], ciphertext: &[u8], aad: &[u8]) -> Result<Vec<u8>>;
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
    ) -> Result<[u8; TAG_LEN]> {
        let sealed = self.seal(key, nonce, buffer, aad)?;
        let (ciphertext, tag) = sealed.split_at(buffer.len());
        buffer.copy_from_slice(ciphertext);
        let mut out = [0u8; TAG_LEN];
        out.copy_from_slice(tag);
        Ok(out)
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

struct RustCryptoAead<C>(AeadSuite, core::marker::PhantomData<fn() -> C>);

impl<C> RustCryptoAead<C>
where
    C: KeyInit + chacha20poly1305::aead::Aead + chacha20poly1305::aead::AeadInOut,
{
    fn cipher(&self, key: &[u8], nonce: &[u8]) -> Result<C> {
        Error::check_len("AEAD key", KEY_LEN, key.len())?;
        Error::check_len("AEAD nonce", NONCE_LEN, nonce.len())?;
        C::new_from_slice(key).map_err(|_| Error::BadLength {
            what: "AEAD key",
            expected: KEY_LEN,
            actual: key.len(),
        })
    }
}

impl<C> AeadAlgorithm for RustCryptoAead<C>
where
    C: KeyInit + chacha20poly1305::aead::Aead + chacha20poly1305::aead::AeadInOut,
{
    fn suite(&self) -> AeadSuite {
        self.0
    }

    fn seal(&self, key: &[u8], nonce: &[u8], plaintext: &[u8], aad: &[u8]) -> Result<Vec<u8>> {
        let cipher = self.cipher(key, nonce)?;
        let nonce = nonce
            .try_into()
            .map_err(|_| Error::InvalidArgument { what: "AEAD nonce" })?;
        cipher
            .encrypt(
                nonce,
                Payload {
                    msg: plaintext,
                    aad,
                },
            )
            .map_err(|_| Error::InvalidArgument {
                what: "AEAD plaintext too long",
            })
    }

    fn seal_in_place(
        &self,
        key: &[u8],
        nonce: &[u8],
        buffer: &mut [u8],
        aad: &[u8],
    ) -> Result<[u8; TAG_LEN]> {
        let cipher = self.cipher(key, nonce)?;
        let nonce = nonce
            .try_into()
            .map_err(|_| Error::InvalidArgument { what: "AEAD nonce" })?;
        let tag = cipher
            .encrypt_inout_detached(nonce, aad, buffer.into())
            .map_err(|_| Error::InvalidArgument {
                what: "AEAD plaintext too long",
            })?;
        let mut out = [0u8; TAG_LEN];
        out.copy_from_slice(&tag);
        Ok(out)
    }

    fn open(&self, key: &[u8], nonce: &[u8], ciphertext: &[u8], aad: &[u8]) -> Result<Vec<u8>> {
        let cipher = self.cipher(key, nonce)?;
        if ciphertext.len() < TAG_LEN {
            return Err(Error::BadLength {
                what: "AEAD ciphertext (at least the tag)",
                expected: TAG_LEN,
                actual: ciphertext.len(),
            });
        }
        let nonce = nonce
            .try_into()
            .map_err(|_| Error::InvalidArgument { what: "AEAD nonce" })?;
        cipher
            .decrypt(
                nonce,
                Payload {
                    msg: ciphertext,
                    aad,
                },
            )
            .map_err(|_| Error::AuthenticationFailed)
    }
}
