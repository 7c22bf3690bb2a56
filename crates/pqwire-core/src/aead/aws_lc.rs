//! ChaCha20-Poly1305 and AES-256-GCM through AWS-LC (`aws-lc-rs`), the default build's.

use super::{
    check_seal_len, split_for_open, split_tag, AeadAlgorithm, KEY_LEN, NONCE_LEN, TAG_LEN, TOO_LONG,
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

    fn seal(&self, key: &[u8], nonce: &[u8], plaintext: &[u8], aad: &[u8]) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(plaintext.len() + TAG_LEN);
        out.extend_from_slice(plaintext);
        let tag = self.seal_in_place(key, nonce, &mut out, aad)?;
        out.extend_from_slice(&tag);
        Ok(out)
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

    fn open(&self, key: &[u8], nonce: &[u8], ciphertext: &[u8], aad: &[u8]) -> Result<Vec<u8>> {
        let mut out = vec![0u8; split_tag(ciphertext)?.0.len()];
        self.open_into(key, nonce, ciphertext, aad, &mut out)?;
        Ok(out)
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
