//! The header of a ratchet message (protocol.md §5.4): everything but the AEAD
//! ciphertext, and its encoding as the AEAD's associated data.
//!
//! [`Header::to_ad_bytes`] writes the header fields exactly as the codec writes them in
//! a ratchet message (type `0x12`, [`super::RatchetMessage`]); a test keeps the two
//! encodings byte for byte equal. The ratchet adds the session's binding
//! ([`Header::aead_associated_data`], in `ratchet/header.rs`).

use super::ratchet_message::tags::*;
use super::tlv::Writer;
use crate::x25519;

/// What a [`PqChunk`] carries a shard of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChunkKind {
    /// A shard of the sender's ratchet KEM public key (its outgoing pipeline), code 1.
    Key = 1,
    /// A shard of a KEM ciphertext to the peer's key (serving the peer's pipeline), code 2.
    Ciphertext = 2,
}

impl ChunkKind {
    /// The kind of a wire code, `None` for an unknown one.
    pub fn from_code(code: u8) -> Option<Self> {
        match code {
            1 => Some(ChunkKind::Key),
            2 => Some(ChunkKind::Ciphertext),
            _ => None,
        }
    }
}

/// One erasure-coded shard of a KEM key or ciphertext (protocol.md §5.6), the
/// `pqChunk` field: `u8 kind ‖ u32 seq ‖ u8 index ‖ data[D]`.
///
/// ```
/// use pqwire_core::ratchet::{ChunkKind, PqChunk};
/// let c = PqChunk { kind: ChunkKind::Ciphertext, seq: 3, index: 7, data: vec![9; 80] };
/// assert_eq!(&c.to_bytes()[..6], &[2, 0, 0, 0, 3, 7]);
/// assert_eq!(ChunkKind::from_code(2), Some(ChunkKind::Ciphertext));
/// assert_eq!(ChunkKind::from_code(3), None);
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct PqChunk {
    /// Key or ciphertext.
    pub kind: ChunkKind,
    /// Sequence number of the key-sender's pipeline step (1, 2, ...).
    pub seq: u32,
    /// Shard index, `< n = 2k`.
    pub index: u8,
    /// The shard, `D` bytes (the session's chunk size).
    pub data: Vec<u8>,
}

impl PqChunk {
    /// The field value: `u8 kind ‖ u32 seq ‖ u8 index ‖ data`.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(6 + self.data.len());
        v.push(self.kind as u8);
        v.extend_from_slice(&self.seq.to_be_bytes());
        v.push(self.index);
        v.extend_from_slice(&self.data);
        v
    }

    /// Parses a field value (`to_bytes`'s inverse); `None` for an unknown kind or a value
    /// shorter than the 6-byte head. Lengths are the field table's rule, not checked here.
    pub fn from_bytes(v: &[u8]) -> Option<Self> {
        let (&kind, rest) = v.split_first()?;
        let (seq, rest) = rest.split_first_chunk::<4>()?;
        let (&index, data) = rest.split_first()?;
        Some(PqChunk {
            kind: ChunkKind::from_code(kind)?,
            seq: u32::from_be_bytes(*seq),
            index,
            data: data.to_vec(),
        })
    }
}

/// The header of one ratchet message: everything but the AEAD ciphertext. Every field
/// is authenticated (it is part of the associated data), none is encrypted.
#[derive(Clone, PartialEq, Eq)]
pub struct Header {
    /// The sender's current ratchet X25519 public key (`DHs`).
    pub ratchet_key: [u8; x25519::KEY_LEN],
    /// Number of messages in the sender's previous sending chain (`PN`).
    pub previous_chain_length: u32,
    /// Number of this message in its sending chain (`N`), from 0.
    pub counter: u32,
    /// One shard of a KEM key or ciphertext in flight (at most one per message).
    pub pq_chunk: Option<PqChunk>,
    /// `pqMix`: present in every message of a sending chain whose DH step mixed the
    /// shared secret of the sender's pipeline step with this sequence number.
    pub pq_mix: Option<u32>,
    /// Application metadata: authenticated, not encrypted. Empty means absent.
    pub associated_data: Vec<u8>,
}

impl Header {
    /// The deterministic encoding of the header that goes into the AEAD associated
    /// data: the fields of protocol.md §5.4 present in this header, in tag order, each
    /// as `u16(tag) ‖ u32(len) ‖ value`, `pqChunk` as `kind ‖ seq ‖ index ‖ data`: the bytes of
    /// the ratchet message on the wire between its 4-byte header and its `ciphertext`.
    pub fn to_ad_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.encoded_len());
        let mut w = Writer::new(&mut out);
        w.field(TAG_RATCHET_KEY, &self.ratchet_key)
            .field(
                TAG_PREVIOUS_CHAIN_LENGTH,
                &self.previous_chain_length.to_be_bytes(),
            )
            .field(TAG_COUNTER, &self.counter.to_be_bytes());
        if let Some(c) = &self.pq_chunk {
            let head: [&[u8]; 4] = [
                &[c.kind as u8][..],
                &c.seq.to_be_bytes(),
                &[c.index],
                &c.data,
            ];
            w.field_parts(TAG_PQ_CHUNK, &head);
        }
        if let Some(s) = self.pq_mix {
            w.field(TAG_PQ_MIX, &s.to_be_bytes());
        }
        if !self.associated_data.is_empty() {
            w.field(TAG_ASSOCIATED_DATA, &self.associated_data);
        }
        out
    }

    pub(crate) fn encoded_len(&self) -> usize {
        let mut n = 3 * 6 + 32 + 4 + 4;
        if let Some(c) = &self.pq_chunk {
            n += 6 + 6 + c.data.len();
        }
        if self.pq_mix.is_some() {
            n += 6 + 4;
        }
        if !self.associated_data.is_empty() {
            n += 6 + self.associated_data.len();
        }
        n
    }
}

impl core::fmt::Debug for Header {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Header")
            .field("ratchet_key", &Hex(&self.ratchet_key[..8]))
            .field("previous_chain_length", &self.previous_chain_length)
            .field("counter", &self.counter)
            .field("pq_chunk", &self.pq_chunk)
            .field("pq_mix", &self.pq_mix)
            .field("associated_data_len", &self.associated_data.len())
            .finish()
    }
}

impl core::fmt::Debug for PqChunk {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PqChunk")
            .field("kind", &self.kind)
            .field("seq", &self.seq)
            .field("index", &self.index)
            .field("data_len", &self.data.len())
            .finish()
    }
}

/// Public bytes in hex, for `Debug` (a prefix of long keys is enough to tell them apart).
struct Hex<'a>(&'a [u8]);

impl core::fmt::Debug for Hex<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

/// A header with every field, for unit tests here and in the ratchet.
#[cfg(test)]
pub(crate) fn sample() -> Header {
    Header {
        ratchet_key: [1; 32],
        previous_chain_length: 2,
        counter: 3,
        pq_chunk: Some(PqChunk {
            kind: ChunkKind::Key,
            seq: 4,
            index: 5,
            data: vec![6; 16],
        }),
        pq_mix: Some(7),
        associated_data: b"meta".to_vec(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::wire::{self, Extension, RatchetMessage, WireMessage};

    #[test]
    fn encoding_is_tlv_in_tag_order_and_sized_exactly() {
        let h = sample();
        let b = h.to_ad_bytes();
        assert_eq!(b.len(), h.encoded_len());
        assert_eq!(&b[..6], &[0, 1, 0, 0, 0, 32]);
        assert_eq!(&b[38..48], &[0, 2, 0, 0, 0, 4, 0, 0, 0, 2]);
        let bare = Header {
            pq_chunk: None,
            pq_mix: None,
            associated_data: Vec::new(),
            ..h.clone()
        };
        assert_eq!(bare.to_ad_bytes().len(), 3 * 6 + 40);
        assert_eq!(bare.to_ad_bytes().len(), bare.encoded_len());
    }

    /// The associated data and the wire encoding cannot drift: for every KEM suite and
    /// every combination of optional fields, the codec's encoding of a ratchet message
    /// holds `to_ad_bytes()` exactly, from the end of its header to the `ciphertext` field.
    #[test]
    fn ad_bytes_are_the_wire_encoding_of_the_header_fields() {
        for d in [16usize, 64, 1024] {
            for bits in 0..8u8 {
                let header = Header {
                    ratchet_key: [0x11; 32],
                    previous_chain_length: 0x0102_0304,
                    counter: u32::MAX,
                    pq_chunk: (bits & 1 != 0).then(|| PqChunk {
                        kind: ChunkKind::Ciphertext,
                        seq: 0x0A0B_0C0D,
                        index: 0x22,
                        data: vec![0x33; d],
                    }),
                    pq_mix: (bits & 2 != 0).then_some(0x4455_6677),
                    associated_data: if bits & 4 != 0 {
                        vec![0x66; 300]
                    } else {
                        vec![]
                    },
                };
                let mut message = RatchetMessage::new(header.clone(), vec![0x77; 16 + 9]);
                message.extensions = vec![Extension {
                    tag: 0xF000,
                    value: vec![0x88],
                }];
                let bytes = message.encode().unwrap();
                let decoded = wire::decode(&bytes).unwrap();
                let ciphertext = decoded
                    .get(wire::tags::ratchet_message::TAG_CIPHERTEXT)
                    .unwrap();
                assert_eq!(
                    &bytes[wire::limits::HEADER_LEN..ciphertext.offset],
                    header.to_ad_bytes().as_slice(),
                    "D {d}, optional fields {bits:03b}"
                );
                assert_eq!(header.to_ad_bytes().len(), header.encoded_len());
                assert_eq!(RatchetMessage::decode(&bytes).unwrap(), message);
            }
        }
    }
}
