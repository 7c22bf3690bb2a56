//! The connect-request (`0x21`, docs/channel.md §5.1): the channel's first handshake
//! message, client to server.

use crate::wire::key_package::KeyId;
use crate::wire::schema::{FieldKind, Value};
use crate::wire::typed::{wire_fields, WireMessage};
use crate::wire::{Extension, Message, MessageType, WireError, WireErrorCode};

/// Length of `clientRandom`.
pub const CLIENT_RANDOM_LEN: usize = 32;

wire_fields! {
    "connect-request", validate: validate;
    /// The server key the client pinned.
    TAG_SERVER_KEY_ID = 0x0001, "serverKeyId", FieldKind::KeyId, required;
    /// The client's capabilities (nested message).
    TAG_CAPABILITIES = 0x0002, "capabilities", FieldKind::CAPABILITIES, required;
    /// 1 Simplex, 2 Duplex.
    TAG_MODE = 0x0003, "mode", FieldKind::U8, required;
    /// 32 fresh random bytes.
    TAG_CLIENT_RANDOM = 0x0004, "clientRandom", FieldKind::Bytes { min: CLIENT_RANDOM_LEN, max: CLIENT_RANDOM_LEN }, required;
    /// The client's key (Duplex).
    TAG_CLIENT_KEY_ID = 0x0005, "clientKeyId", FieldKind::KeyId, optional;
}
use tags::*;

/// `mode` is 1 or 2; `clientKeyId` comes exactly with mode 2.
fn validate(msg: &Message) -> Result<(), WireError> {
    let duplex = match msg.uint(TAG_MODE)? {
        1 => false,
        2 => true,
        _ => {
            return Err(msg.field_error(
                WireErrorCode::InvalidField,
                TAG_MODE,
                "mode is 1 (simplex) or 2 (duplex)",
            ))
        }
    };
    match (duplex, msg.get(TAG_CLIENT_KEY_ID).is_some()) {
        (true, false) => Err(msg.missing(TAG_CLIENT_KEY_ID)),
        (false, true) => Err(msg.field_error(
            WireErrorCode::InvalidField,
            TAG_CLIENT_KEY_ID,
            "a simplex connect request names no client key",
        )),
        _ => Ok(()),
    }
}

/// The connect-request (`0x21`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectRequest {
    /// The pinned server key's id.
    pub server_key_id: KeyId,
    /// The client's capabilities, encoded (what the negotiation hashes).
    pub capabilities: Vec<u8>,
    /// 1 Simplex, 2 Duplex.
    pub mode: u8,
    /// 32 fresh random bytes.
    pub client_random: [u8; CLIENT_RANDOM_LEN],
    /// The client's key id (Duplex).
    pub client_key_id: Option<KeyId>,
    /// Extension fields (a channel refuses any, `UNKNOWN_TAG`).
    pub extensions: Vec<Extension>,
}

impl WireMessage for ConnectRequest {
    const TYPE: MessageType = MessageType::ConnectRequest;

    fn from_message(msg: &Message) -> Result<Self, WireError> {
        Ok(ConnectRequest {
            server_key_id: msg.fixed(TAG_SERVER_KEY_ID)?,
            capabilities: msg.bytes(TAG_CAPABILITIES)?.to_vec(),
            mode: u8::try_from(msg.uint(TAG_MODE)?).unwrap_or(0),
            client_random: msg.fixed(TAG_CLIENT_RANDOM)?,
            client_key_id: msg.opt_key_id(TAG_CLIENT_KEY_ID),
            extensions: msg.extensions.clone(),
        })
    }

    fn to_message(&self) -> Message {
        let mut msg = Message::new(Self::TYPE);
        msg.set_bytes(TAG_SERVER_KEY_ID, &self.server_key_id)
            .set_bytes(TAG_CAPABILITIES, &self.capabilities)
            .set(TAG_MODE, Value::Uint(self.mode.into()))
            .set_bytes(TAG_CLIENT_RANDOM, &self.client_random)
            .set_opt_bytes(TAG_CLIENT_KEY_ID, self.client_key_id.as_ref());
        msg.extensions = self.extensions.clone();
        msg
    }
}
