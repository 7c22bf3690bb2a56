//! The exchange-request (`0x23`, docs/channel.md §5.1): the client's KEM ciphertext and,
//! in Duplex, its ephemeral key and signature.

use super::{EPHEMERAL_KEY, KEM_CIPHERTEXT};
use crate::wire::schema::FieldKind;
use crate::wire::typed::{wire_fields, WireMessage};
use crate::wire::{Extension, Message, MessageType, WireError};

wire_fields! {
    "exchange-request", validate: validate;
    /// `CT1`, to `EKs`.
    TAG_KEM_CIPHERTEXT = 0x0001, "kemCiphertext", KEM_CIPHERTEXT, required;
    /// The client's ephemeral KEM public key `EKc` (Duplex).
    TAG_EPHEMERAL_KEY = 0x0002, "ephemeralKey", EPHEMERAL_KEY, optional;
    /// `SIGc` over `TH2` (Duplex).
    TAG_SIGNATURE = 0x0003, "signature", FieldKind::SIGNATURE, optional;
}
use tags::*;

/// `ephemeralKey` and `signature` come together.
fn validate(msg: &Message) -> Result<(), WireError> {
    match (
        msg.get(TAG_EPHEMERAL_KEY).is_some(),
        msg.get(TAG_SIGNATURE).is_some(),
    ) {
        (true, false) => Err(msg.missing(TAG_SIGNATURE)),
        (false, true) => Err(msg.missing(TAG_EPHEMERAL_KEY)),
        _ => Ok(()),
    }
}

/// The exchange-request (`0x23`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExchangeRequest {
    /// `CT1`.
    pub kem_ciphertext: Vec<u8>,
    /// Duplex: `EKc` and `SIGc`.
    pub duplex: Option<(Vec<u8>, Vec<u8>)>,
    /// Extension fields (a channel refuses any).
    pub extensions: Vec<Extension>,
}

impl WireMessage for ExchangeRequest {
    const TYPE: MessageType = MessageType::ExchangeRequest;

    fn from_message(msg: &Message) -> Result<Self, WireError> {
        let duplex = match (
            msg.opt_bytes(TAG_EPHEMERAL_KEY),
            msg.opt_bytes(TAG_SIGNATURE),
        ) {
            (Some(k), Some(s)) => Some((k.to_vec(), s.to_vec())),
            _ => None,
        };
        Ok(ExchangeRequest {
            kem_ciphertext: msg.bytes(TAG_KEM_CIPHERTEXT)?.to_vec(),
            duplex,
            extensions: msg.extensions.clone(),
        })
    }

    fn to_message(&self) -> Message {
        let mut msg = Message::new(Self::TYPE);
        msg.set_bytes(TAG_KEM_CIPHERTEXT, &self.kem_ciphertext);
        if let Some((key, signature)) = &self.duplex {
            msg.set_bytes(TAG_EPHEMERAL_KEY, key)
                .set_bytes(TAG_SIGNATURE, signature);
        }
        msg.extensions = self.extensions.clone();
        msg
    }
}
