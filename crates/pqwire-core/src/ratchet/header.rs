//! The session's binding of a ratchet message header (protocol.md §5.4): the AEAD's
//! complete associated data, and the lengths that depend on the session's KEM suite.
//! The header itself, and its encoding, are the wire format's
//! ([`crate::wire::RatchetMessage`]).

use crate::suite::{AeadSuite, KemSuite};
use crate::wire::limits::VERSION;
use crate::{Error, Result};

use super::kdf::LABEL_MESSAGE;
pub use crate::wire::ratchet_header::{ChunkKind, Header, PqChunk};

impl Header {
    /// The complete AEAD associated data of a message with this header:
    /// `"pqwire/v2 message" ‖ sessionId ‖ u8(version) ‖ u16(kem) ‖ u16(aead) ‖`
    /// [`Header::to_ad_bytes`].
    pub fn aead_associated_data(
        &self,
        session_id: &[u8; 32],
        kem: KemSuite,
        aead: AeadSuite,
    ) -> Vec<u8> {
        let body = self.to_ad_bytes();
        let mut out = Vec::with_capacity(LABEL_MESSAGE.len() + 32 + 5 + body.len());
        out.extend_from_slice(LABEL_MESSAGE);
        out.extend_from_slice(session_id);
        out.push(VERSION);
        out.extend_from_slice(&kem.code().to_be_bytes());
        out.extend_from_slice(&aead.code().to_be_bytes());
        out.extend_from_slice(&body);
        out
    }

    /// Checks what depends on the session before any cryptography: a chunk's data of
    /// the session's chunk size `d` (`BAD_LENGTH`) and index below `n`
    /// (`INVALID_FIELD`), and a `pqMix` / chunk sequence number from 1.
    pub(crate) fn check_lengths(&self, kem: KemSuite, d: usize) -> Result<()> {
        if let Some(c) = &self.pq_chunk {
            super::pipeline::Pq::check_chunk(kem, d, c)?;
            if c.seq == 0 {
                return Err(Error::InvalidArgument {
                    what: "pqChunk sequence number 0",
                });
            }
        }
        if self.pq_mix == Some(0) {
            return Err(Error::InvalidArgument {
                what: "pqMix sequence number 0",
            });
        }
        if self.associated_data.len() > u32::MAX as usize {
            return Err(Error::InvalidArgument {
                what: "associated data longer than 2^32 - 1 bytes",
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::wire::ratchet_header::sample;

    #[test]
    fn every_field_changes_the_encoding() {
        let h = sample();
        let base = h.to_ad_bytes();
        let mut variants = Vec::new();
        let mut v = h.clone();
        v.previous_chain_length = 3;
        variants.push(v);
        let mut v = h.clone();
        v.counter = 4;
        variants.push(v);
        let mut v = h.clone();
        v.pq_chunk = None;
        variants.push(v);
        let mut v = h.clone();
        v.pq_mix = None;
        variants.push(v);
        for flip in 0..4 {
            let mut v = h.clone();
            let c = v.pq_chunk.as_mut().unwrap();
            match flip {
                0 => c.kind = ChunkKind::Ciphertext,
                1 => c.seq ^= 1,
                2 => c.index ^= 1,
                _ => c.data[3] ^= 1,
            }
            variants.push(v);
        }
        let mut v = h.clone();
        v.pq_mix = Some(8);
        variants.push(v);
        let mut v = h.clone();
        v.associated_data.clear();
        variants.push(v);
        for v in variants {
            assert_ne!(v.to_ad_bytes(), base);
        }
        let ad = h.aead_associated_data(&[9; 32], KemSuite::MlKem768, AeadSuite::Aes256Gcm);
        assert!(ad.starts_with(b"pqwire/v2 message"));
        assert!(ad.ends_with(&base));
        assert_ne!(
            ad,
            h.aead_associated_data(&[9; 32], KemSuite::MlKem512, AeadSuite::Aes256Gcm)
        );
        assert!(!format!("{h:?}").contains("[6, 6"));
    }
}
