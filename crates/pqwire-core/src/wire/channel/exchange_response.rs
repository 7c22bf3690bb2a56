//! The exchange-response (`0x24`, docs/channel.md §5.1): the server's key confirmation
//! and, in Duplex, its KEM ciphertext.

use super::KEM_CIPHERTEXT;
use crate::wire::limits::MIN_AEAD_CIPHERTEXT_LEN;
use crate::wire::schema::FieldKind;
use crate::wire::typed::{wire_fields, WireMessage};
use crate::wire::{Extension, Message, MessageType, WireError};

/// Length of the exchange-response's `confirmation`: AEAD of the 32-byte `TH3`.
pub const CONFIRMATION_LEN: usize = 32 + MIN_AEAD_CIPHERTEXT_LEN;

wire_fields! {
    "exchange-response", validate: |_| Ok(());
    /// `CT2`, to `EKc` (Duplex).
    TAG_KEM_CIPHERTEXT = 0x0001, "kemCiphertext", KEM_CIPHERTEXT, optional;
    /// AEAD(`TH3`) under the server's first key.
    TAG_CONFIRMATION = 0x0002, "confirmation", FieldKind::Bytes { min: CONFIRMATION_LEN, max: CONFIRMATION_LEN }, required;
}
use tags::*;

/// The exchange-response (`0x24`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExchangeResponse {
    /// `CT2` (Duplex).
    pub kem_ciphertext: Option<Vec<u8>>,
    /// AEAD(`TH3`).
    pub confirmation: [u8; CONFIRMATION_LEN],
    /// Extension fields (a channel refuses any).
    pub extensions: Vec<Extension>,
}

impl WireMessage for ExchangeResponse {
    const TYPE: MessageType = MessageType::ExchangeResponse;

    fn from_message(msg: &Message) -> Result<Self, WireError> {
        Ok(ExchangeResponse {
            kem_ciphertext: msg.opt_bytes(TAG_KEM_CIPHERTEXT).map(<[u8]>::to_vec),
            confirmation: msg.fixed(TAG_CONFIRMATION)?,
            extensions: msg.extensions.clone(),
        })
    }

    fn to_message(&self) -> Message {
        let mut msg = Message::new(Self::TYPE);
        msg.set_opt_bytes(TAG_KEM_CIPHERTEXT, self.kem_ciphertext.as_ref())
            .set_bytes(TAG_CONFIRMATION, &self.confirmation);
        msg.extensions = self.extensions.clone();
        msg
    }
}
