//! ChaCha20-Poly1305 and AES-256-GCM through RustCrypto's `chacha20poly1305` and
//! `aes-gcm` (pure Rust): the implementation where AWS-LC is not built, and the second
//! implementation tests compare AWS-LC's with (`aead::reference`).

use super::{split_tag, AeadAlgorithm, KEY_LEN, NONCE_LEN, TAG_LEN, TOO_LONG};
use crate::suite::AeadSuite;
use crate::{Error, Result};
use aes_gcm::Aes256Gcm;
use chacha20poly1305::aead::{KeyInit, Payload};
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
            .map_err(|_| TOO_LONG)
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
            .map_err(|_| TOO_LONG)?;
        let mut out = [0u8; TAG_LEN];
        out.copy_from_slice(&tag);
        Ok(out)
    }

    fn open(&self, key: &[u8], nonce: &[u8], ciphertext: &[u8], aad: &[u8]) -> Result<Vec<u8>> {
        let cipher = self.cipher(key, nonce)?;
        split_tag(ciphertext)?;
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
