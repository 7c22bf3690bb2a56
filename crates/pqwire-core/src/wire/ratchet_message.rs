//! The ratchet message (docs/protocol.md §5.4, wire type `0x12`): one message of a ratchet
//! session, its header in the clear and authenticated, its plaintext in the AEAD
//! ciphertext.
//!
//! The header fields `0x0001`–`0x0007` are exactly what [`Header::to_ad_bytes`] writes
//! into the AEAD's associated data, so the bytes on the wire between the message header
//! and the `ciphertext` field are the bytes the AEAD authenticated (a test keeps the two
//! encoders equal). `kemKey` is `keyId(16) ‖ publicKey`, not a nested key package: the
//! session fixes the suite, which a package would only repeat.

use super::error::{WireError, WireErrorCode};
use super::limits::{
    KEM_CIPHERTEXT_LENS, KEY_ID_LEN, MAX_MESSAGE_LEN, MIN_AEAD_CIPHERTEXT_LEN, RATCHET_KEM_KEY_LENS,
};
use super::message::{Extension, Message, MessageType};
use super::ratchet_header::{Header, KemCiphertext, KemPublicKey};
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
    /// Tag of `kemKey`: `keyId(16) ‖ publicKey`.
    TAG_KEM_KEY = 0x0004, "kemKey", FieldKind::ExactBytes(&RATCHET_KEM_KEY_LENS), optional;
    /// Tag of `kemCiphertext`.
    TAG_KEM_CIPHERTEXT = 0x0005, "kemCiphertext", FieldKind::ExactBytes(&KEM_CIPHERTEXT_LENS), optional;
    /// Tag of `kemCiphertextKeyId`.
    TAG_KEM_CIPHERTEXT_KEY_ID = 0x0006, "kemCiphertextKeyId", FieldKind::KeyId, optional;
    /// Tag of `associatedData`: absent when empty, so that a message has one encoding.
    TAG_ASSOCIATED_DATA = 0x0007, "associatedData", FieldKind::Bytes { min: 1, max: MAX_MESSAGE_LEN }, optional;
    /// Tag of the AEAD ciphertext, the one field outside the associated data.
    TAG_CIPHERTEXT = 0x0008, "ciphertext", FieldKind::Bytes { min: MIN_AEAD_CIPHERTEXT_LEN, max: MAX_MESSAGE_LEN }, required;
}
use tags::*;

/// `kemCiphertext` and `kemCiphertextKeyId` come together: a ciphertext without its key id
/// is `MISSING_FIELD` (the id), a key id alone `INVALID_FIELD`.
fn validate(msg: &Message) -> Result<(), WireError> {
    match (
        msg.get(TAG_KEM_CIPHERTEXT).is_some(),
        msg.get(TAG_KEM_CIPHERTEXT_KEY_ID).is_some(),
    ) {
        (true, false) => Err(msg.missing(TAG_KEM_CIPHERTEXT_KEY_ID)),
        (false, true) => Err(msg.field_error(
            WireErrorCode::InvalidField,
            TAG_KEM_CIPHERTEXT_KEY_ID,
            "present without kemCiphertext",
        )),
        _ => Ok(()),
    }
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
///     kem_key: None,
///     kem_ciphertext: None,
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
        let kem_key = match msg.opt_bytes(TAG_KEM_KEY) {
            Some(v) => {
                let (id, pk) = v.split_first_chunk::<KEY_ID_LEN>().ok_or_else(|| {
                    msg.field_error(
                        WireErrorCode::BadLength,
                        TAG_KEM_KEY,
                        "shorter than a key id",
                    )
                })?;
                Some(KemPublicKey {
                    key_id: *id,
                    public_key: pk.to_vec(),
                })
            }
            None => None,
        };
        validate(msg)?;
        let kem_ciphertext = match (
            msg.opt_bytes(TAG_KEM_CIPHERTEXT),
            msg.opt_key_id(TAG_KEM_CIPHERTEXT_KEY_ID),
        ) {
            (Some(ct), Some(key_id)) => Some(KemCiphertext {
                key_id,
                ciphertext: ct.to_vec(),
            }),
            _ => None,
        };
        Ok(RatchetMessage {
            header: Header {
                ratchet_key,
                previous_chain_length: u32_of(TAG_PREVIOUS_CHAIN_LENGTH)?,
                counter: u32_of(TAG_COUNTER)?,
                kem_key,
                kem_ciphertext,
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
        if let Some(k) = &h.kem_key {
            msg.set(
                TAG_KEM_KEY,
                Value::Bytes([&k.key_id[..], &k.public_key].concat()),
            );
        }
        if let Some(c) = &h.kem_ciphertext {
            msg.set(TAG_KEM_CIPHERTEXT, Value::Bytes(c.ciphertext.clone()))
                .set(TAG_KEM_CIPHERTEXT_KEY_ID, Value::Bytes(c.key_id.to_vec()));
        }
        if !h.associated_data.is_empty() {
            msg.set(TAG_ASSOCIATED_DATA, Value::Bytes(h.associated_data.clone()));
        }
        msg.set(TAG_CIPHERTEXT, Value::Bytes(self.ciphertext.clone()));
        msg.extensions = self.extensions.clone();
        msg
    }
}
