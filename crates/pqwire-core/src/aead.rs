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
    C: KeyInit + chacha20poly1305::aead::Aead,
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
    C: KeyInit + chacha20poly1305::aead::Aead,
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
