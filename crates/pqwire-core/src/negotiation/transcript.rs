//! The negotiation transcript hash: SHA3-256 over a label, both capability encodings in
//! role order and the agreed choice. The handshake and the channel bind it into their
//! key schedules and signatures, so a capability list an attacker stripped or reordered
//! makes the two sides' transcripts differ and the handshake fail.

use subtle::ConstantTimeEq;

use super::{Agreement, DowngradeCode};
use crate::hash::sha3_256;
use crate::{Error, Result};

/// Domain-separation label of the transcript hash.
pub const TRANSCRIPT_LABEL: &[u8] = b"pqwire/v2 negotiation transcript";

/// The transcript hash of a negotiation between `initiator` and `responder` capability
/// encodings that agreed on `choice`.
pub(crate) fn transcript_hash(initiator: &[u8], responder: &[u8], choice: &Agreement) -> [u8; 32] {
    let init_len = (initiator.len() as u32).to_be_bytes();
    let resp_len = (responder.len() as u32).to_be_bytes();
    let mut chosen = [0u8; 11];
    chosen[0] = choice.version;
    chosen[1..3].copy_from_slice(&choice.kem.code().to_be_bytes());
    chosen[3..5].copy_from_slice(&choice.sig.code().to_be_bytes());
    chosen[5..7].copy_from_slice(&choice.aead.code().to_be_bytes());
    chosen[7..11].copy_from_slice(&choice.features.to_be_bytes());
    sha3_256(&[
        TRANSCRIPT_LABEL,
        &init_len,
        initiator,
        &resp_len,
        responder,
        &chosen,
    ])
}

/// Compares the local transcript hash with the one the peer committed to, in constant
/// time; a difference is `TRANSCRIPT_MISMATCH`.
///
/// ```
/// use pqwire_core::negotiation::verify_transcript;
/// assert!(verify_transcript(&[1u8; 32], &[1u8; 32]).is_ok());
/// assert_eq!(verify_transcript(&[1u8; 32], &[2u8; 32]).unwrap_err().code(), "TRANSCRIPT_MISMATCH");
/// ```
pub fn verify_transcript(local: &[u8], peer: &[u8]) -> Result<()> {
    if local.len() == peer.len() && bool::from(local.ct_eq(peer)) {
        Ok(())
    } else {
        Err(Error::Downgrade {
            code: DowngradeCode::TranscriptMismatch,
            detail: "the peer's negotiation transcript differs from ours: the capability \
                     exchange was altered"
                .into(),
        })
    }
}
