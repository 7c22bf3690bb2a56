//! The connect-response (`0x22`, docs/channel.md §5.1): the server's signed answer with
//! its ephemeral KEM key.

use super::EPHEMERAL_KEY;
use crate::wire::schema::FieldKind;
use crate::wire::typed::{wire_fields, WireMessage};
use crate::wire::{Extension, Message, MessageType, WireError};

wire_fields! {
    "connect-response", validate: |_| Ok(());
    /// The server's capabilities (nested message).
    TAG_CAPABILITIES = 0x0001, "capabilities", FieldKind::CAPABILITIES, required;
    /// The server's ephemeral KEM public key `EKs`.
    TAG_EPHEMERAL_KEY = 0x0002, "ephemeralKey", EPHEMERAL_KEY, required;
    /// `SIGs` over `TH1`.
    TAG_SIGNATURE = 0x0003, "signature", FieldKind::SIGNATURE, required;
}
use tags::*;

/// The connect-response (`0x22`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectResponse {
    /// The server's capabilities, encoded.
    pub capabilities: Vec<u8>,
    /// `EKs`.
    pub ephemeral_key: Vec<u8>,
    /// `SIGs`.
    pub signature: Vec<u8>,
    /// Extension fields (a channel refuses any).
    pub extensions: Vec<Extension>,
}

impl WireMessage for ConnectResponse {
    const TYPE: MessageType = MessageType::ConnectResponse;

    fn from_message(msg: &Message) -> Result<Self, WireError> {
        Ok(ConnectResponse {
            capabilities: msg.bytes(TAG_CAPABILITIES)?.to_vec(),
            ephemeral_key: msg.bytes(TAG_EPHEMERAL_KEY)?.to_vec(),
            signature: msg.bytes(TAG_SIGNATURE)?.to_vec(),
            extensions: msg.extensions.clone(),
        })
    }

    fn to_message(&self) -> Message {
        let mut msg = Message::new(Self::TYPE);
        msg.set_bytes(TAG_CAPABILITIES, &self.capabilities)
            .set_bytes(TAG_EPHEMERAL_KEY, &self.ephemeral_key)
            .set_bytes(TAG_SIGNATURE, &self.signature);
        msg.extensions = self.extensions.clone();
        msg
    }
}
