//! The header of a ratchet message (protocol.md §5.4): everything but the AEAD
//! ciphertext, and its encoding as the AEAD's associated data.
//!
//! [`Header::to_ad_bytes`] writes the header fields exactly as the codec writes them in
//! a ratchet message (type `0x12`, [`super::RatchetMessage`]); a test keeps the two
//! encodings byte for byte equal. The ratchet adds the session's binding
//! ([`Header::aead_associated_data`], in `ratchet/header.rs`).

use super::key_package::KeyId;
use super::limits::KEY_ID_LEN;
use super::ratchet_message::tags::*;
use super::tlv::Writer;
use crate::x25519;

/// A ratchet KEM public key as advertised in a header: its key id and its bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct KemPublicKey {
    /// Key id, derived from the public key (protocol.md §5.2).
    pub key_id: KeyId,
    /// The encapsulation key, the suite's exact length.
    pub public_key: Vec<u8>,
}

/// A KEM ciphertext in a header, with the key id of the key it was made for.
#[derive(Clone, PartialEq, Eq)]
pub struct KemCiphertext {
    /// Key id of the receiver's ratchet KEM key the ciphertext was made for.
    pub key_id: KeyId,
    /// The ciphertext, the suite's exact length.
    pub ciphertext: Vec<u8>,
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
    /// The sender's ratchet KEM public key, present in every message of a sending chain
    /// whose asymmetric step generated a new one.
    pub kem_key: Option<KemPublicKey>,
    /// The KEM ciphertext of the sending chain's step, present in every message of a
    /// chain whose step was a KEM step.
    pub kem_ciphertext: Option<KemCiphertext>,
    /// Application metadata: authenticated, not encrypted. Empty means absent.
    pub associated_data: Vec<u8>,
}

impl Header {
    /// The deterministic encoding of the header that goes into the AEAD associated
    /// data: the fields of protocol.md §5.4 present in this header, in tag order, each
    /// as `u16(tag) ‖ u32(len) ‖ value`, `kemKey` as `keyId ‖ publicKey`: the bytes of
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
        if let Some(k) = &self.kem_key {
            w.field_parts(TAG_KEM_KEY, &[&k.key_id, &k.public_key]);
        }
        if let Some(c) = &self.kem_ciphertext {
            w.field(TAG_KEM_CIPHERTEXT, &c.ciphertext)
                .field(TAG_KEM_CIPHERTEXT_KEY_ID, &c.key_id);
        }
        if !self.associated_data.is_empty() {
            w.field(TAG_ASSOCIATED_DATA, &self.associated_data);
        }
        out
    }

    pub(crate) fn encoded_len(&self) -> usize {
        let mut n = 3 * 6 + 32 + 4 + 4;
        if let Some(k) = &self.kem_key {
            n += 6 + KEY_ID_LEN + k.public_key.len();
        }
        if let Some(c) = &self.kem_ciphertext {
            n += 2 * 6 + KEY_ID_LEN + c.ciphertext.len();
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
            .field("kem_key", &self.kem_key)
            .field("kem_ciphertext", &self.kem_ciphertext)
            .field("associated_data_len", &self.associated_data.len())
            .finish()
    }
}

impl core::fmt::Debug for KemPublicKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("KemPublicKey")
            .field("key_id", &Hex(&self.key_id))
            .field("public_key_len", &self.public_key.len())
            .finish()
    }
}

impl core::fmt::Debug for KemCiphertext {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("KemCiphertext")
            .field("key_id", &Hex(&self.key_id))
            .field("ciphertext_len", &self.ciphertext.len())
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
        kem_key: Some(KemPublicKey {
            key_id: [4; 16],
            public_key: vec![5; 10],
        }),
        kem_ciphertext: Some(KemCiphertext {
            key_id: [6; 16],
            ciphertext: vec![7; 11],
        }),
        associated_data: b"meta".to_vec(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::wire::{self, Extension, RatchetMessage, WireMessage};
    use crate::{kem, KemSuite};

    #[test]
    fn encoding_is_tlv_in_tag_order_and_sized_exactly() {
        let h = sample();
        let b = h.to_ad_bytes();
        assert_eq!(b.len(), h.encoded_len());
        assert_eq!(&b[..6], &[0, 1, 0, 0, 0, 32]);
        assert_eq!(&b[38..48], &[0, 2, 0, 0, 0, 4, 0, 0, 0, 2]);
        let bare = Header {
            kem_key: None,
            kem_ciphertext: None,
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
        for suite in KemSuite::ALL {
            let lengths = kem::backend(*suite).lengths();
            for bits in 0..8u8 {
                let header = Header {
                    ratchet_key: [0x11; 32],
                    previous_chain_length: 0x0102_0304,
                    counter: u32::MAX,
                    kem_key: (bits & 1 != 0).then(|| KemPublicKey {
                        key_id: [0x22; 16],
                        public_key: vec![0x33; lengths.public_key],
                    }),
                    kem_ciphertext: (bits & 2 != 0).then(|| KemCiphertext {
                        key_id: [0x44; 16],
                        ciphertext: vec![0x55; lengths.cipher_text],
                    }),
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
                    "{suite:?}, optional fields {bits:03b}"
                );
                assert_eq!(header.to_ad_bytes().len(), header.encoded_len());
                assert_eq!(RatchetMessage::decode(&bytes).unwrap(), message);
            }
        }
    }
}
