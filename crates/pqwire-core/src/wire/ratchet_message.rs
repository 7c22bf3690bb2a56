//! The ratchet message (docs/protocol.md §5.4, wire type `0x12`): one message of a ratchet
//! session, its header in the clear and authenticated, its plaintext in the AEAD
//! ciphertext.
//!
//! The header fields `0x0001`–`0x0007` are exactly what [`Header::to_ad_bytes`] writes
//! into the AEAD's associated data, so the bytes on the wire between the message header
//! and the `ciphertext` field are the bytes the AEAD authenticated (a test keeps the two
//! encoders equal). `pqChunk` carries one erasure-coded shard of a ratchet KEM key or
//! ciphertext, `pqMix` the sequence number of the post-quantum step a chain mixed.

use super::error::{WireError, WireErrorCode};
use super::limits::{MAX_MESSAGE_LEN, MIN_AEAD_CIPHERTEXT_LEN};
use super::message::{Extension, Message, MessageType};
use super::ratchet_header::{ChunkKind, Header, PqChunk};
use super::schema::{FieldKind, Value};
use super::typed::{wire_fields, WireMessage};
use crate::x25519;

wire_fields! {
    "ratchet-message", validate: validate;
    /// Tag of `ratchetKey`, the sender's ratchet X25519 public key.
    TAG_RATCHET_KEY = 0x0001, "ratchetKey", FieldKind::Bytes { min: x25519::KEY_LEN, max: x25519::KEY_LEN }, required;
    /// Tag of `previousChainLength`.
    TAG_PREVIOUS_CHAIN_LENGTH = 0x0002, "previousChainLength", FieldKind::U32, required;
    /// Tag of `counter`.
    TAG_COUNTER = 0x0003, "counter", FieldKind::U32, required;
    /// Tag of `pqChunk`: `u8 kind ‖ u32 seq ‖ u8 index ‖ data[D]` (protocol.md §5.6).
    TAG_PQ_CHUNK = 0x0004, "pqChunk", FieldKind::Bytes { min: PQ_CHUNK_MIN_LEN, max: PQ_CHUNK_MAX_LEN }, optional;
    /// Tag of `pqMix`: the sequence number of the PQ step the chain's DH step mixed.
    TAG_PQ_MIX = 0x0005, "pqMix", FieldKind::U32, optional;
    /// Tag of `associatedData`: absent when empty, so that a message has one encoding.
    TAG_ASSOCIATED_DATA = 0x0007, "associatedData", FieldKind::Bytes { min: 1, max: MAX_MESSAGE_LEN }, optional;
    /// Tag of the AEAD ciphertext, the one field outside the associated data.
    TAG_CIPHERTEXT = 0x0008, "ciphertext", FieldKind::Bytes { min: MIN_AEAD_CIPHERTEXT_LEN, max: MAX_MESSAGE_LEN }, required;
}
use tags::*;

/// Shortest `pqChunk`: the 6-byte head and the smallest chunk size (16).
pub const PQ_CHUNK_MIN_LEN: usize = 6 + 16;
/// Longest `pqChunk`: the 6-byte head and the largest chunk size (1024).
pub const PQ_CHUNK_MAX_LEN: usize = 6 + 1024;

/// `pqChunk` has a known kind and a sequence number from 1; `pqMix` is from 1
/// (`INVALID_FIELD` otherwise). Shard index and data length depend on the session (its
/// KEM suite and chunk size) and are the ratchet's checks.
fn validate(msg: &Message) -> Result<(), WireError> {
    if let Some(v) = msg.opt_bytes(TAG_PQ_CHUNK) {
        if v.first().and_then(|&k| ChunkKind::from_code(k)).is_none() {
            return Err(msg.field_error(WireErrorCode::InvalidField, TAG_PQ_CHUNK, "unknown kind"));
        }
        if v.get(1..5) == Some(&[0, 0, 0, 0][..]) {
            return Err(msg.field_error(
                WireErrorCode::InvalidField,
                TAG_PQ_CHUNK,
                "sequence number 0",
            ));
        }
    }
    if msg.get(TAG_PQ_MIX).is_some() && msg.uint(TAG_PQ_MIX).ok() == Some(0) {
        return Err(msg.field_error(WireErrorCode::InvalidField, TAG_PQ_MIX, "sequence number 0"));
    }
    Ok(())
}

/// A ratchet message (docs/protocol.md §5.4): the header the ratchet authenticates and the
/// AEAD ciphertext. Structure only: the exact KEM lengths of the session's suite, the key
/// ids and the ciphertext are checked by the ratchet when it decrypts.
///
/// Extensions (tags `0xF000` and up) are kept for the round trip like in every message
/// type, but they are not part of the associated data: nothing authenticates them.
///
/// ```
/// use pqwire_core::ratchet::Header;
/// use pqwire_core::wire::{self, RatchetMessage, WireErrorCode, WireMessage};
///
/// let header = Header {
///     ratchet_key: [7; 32],
///     previous_chain_length: 0,
///     counter: 3,
///     pq_chunk: None,
///     pq_mix: None,
///     associated_data: Vec::new(),
/// };
/// let msg = RatchetMessage::new(header, vec![0xC7; 16 + 5]);
/// let bytes = msg.encode()?;
/// assert_eq!(&bytes[..4], b"PW\x02\x12");
/// assert_eq!(RatchetMessage::decode(&bytes)?, msg);
/// // The header fields on the wire are the AEAD's associated data.
/// assert!(bytes[4..].starts_with(&msg.header.to_ad_bytes()));
///
/// let mut short = msg.clone();
/// short.ciphertext.truncate(15); // shorter than the AEAD tag
/// assert_eq!(short.encode().unwrap_err().code, WireErrorCode::BadLength);
/// # Ok::<(), wire::WireError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RatchetMessage {
    /// The header (authenticated, not encrypted).
    pub header: Header,
    /// The AEAD output (plaintext length + 16).
    pub ciphertext: Vec<u8>,
    /// Extension fields, kept as they came (not authenticated).
    pub extensions: Vec<Extension>,
}

impl RatchetMessage {
    /// A message without extensions.
    pub fn new(header: Header, ciphertext: Vec<u8>) -> Self {
        RatchetMessage {
            header,
            ciphertext,
            extensions: Vec::new(),
        }
    }

    /// Refuses a message with extension fields (`UNKNOWN_TAG` at the first): they are
    /// outside the AEAD's associated data, so accepting them would let anyone on the path
    /// change a message undetected. Sessions call this on every ratchet message,
    /// including the one nested in an initial message.
    pub fn refuse_extensions(&self) -> Result<(), WireError> {
        Extension::refuse_all(
            &self.extensions,
            "a ratchet message carries no extensions (they would not be authenticated)",
        )
    }
}

impl WireMessage for RatchetMessage {
    const TYPE: MessageType = MessageType::RatchetMessage;

    fn from_message(msg: &Message) -> Result<Self, WireError> {
        let ratchet_key = msg.fixed(TAG_RATCHET_KEY)?;
        let u32_of = |tag| {
            u32::try_from(msg.uint(tag)?).map_err(|_| {
                msg.field_error(WireErrorCode::InvalidField, tag, "value over 2^32 - 1")
            })
        };
        validate(msg)?;
        let pq_chunk = msg.opt_bytes(TAG_PQ_CHUNK).and_then(PqChunk::from_bytes);
        let pq_mix = match msg.get(TAG_PQ_MIX) {
            Some(_) => Some(u32_of(TAG_PQ_MIX)?),
            None => None,
        };
        Ok(RatchetMessage {
            header: Header {
                ratchet_key,
                previous_chain_length: u32_of(TAG_PREVIOUS_CHAIN_LENGTH)?,
                counter: u32_of(TAG_COUNTER)?,
                pq_chunk,
                pq_mix,
                associated_data: msg
                    .opt_bytes(TAG_ASSOCIATED_DATA)
                    .map(<[u8]>::to_vec)
                    .unwrap_or_default(),
            },
            ciphertext: msg.bytes(TAG_CIPHERTEXT)?.to_vec(),
            extensions: msg.extensions.clone(),
        })
    }

    fn to_message(&self) -> Message {
        let h = &self.header;
        let mut msg = Message::new(Self::TYPE);
        msg.set(TAG_RATCHET_KEY, Value::Bytes(h.ratchet_key.to_vec()))
            .set(
                TAG_PREVIOUS_CHAIN_LENGTH,
                Value::Uint(h.previous_chain_length.into()),
            )
            .set(TAG_COUNTER, Value::Uint(h.counter.into()));
        if let Some(c) = &h.pq_chunk {
            msg.set(TAG_PQ_CHUNK, Value::Bytes(c.to_bytes()));
        }
        if let Some(s) = h.pq_mix {
            msg.set(TAG_PQ_MIX, Value::Uint(s.into()));
        }
        if !h.associated_data.is_empty() {
            msg.set(TAG_ASSOCIATED_DATA, Value::Bytes(h.associated_data.clone()));
        }
        msg.set(TAG_CIPHERTEXT, Value::Bytes(self.ciphertext.clone()));
        msg.extensions = self.extensions.clone();
        msg
    }
}
