//! The generic envelope: a payload with its content type and, optionally, the key ids of
//! sender and recipient and a send time. Protocol layers put their messages inside.

use super::error::WireError;
use super::limits::{KEY_ID_LEN, MAX_PAYLOAD_LEN};
use super::message::{Extension, Message, MessageType};
use super::schema::{FieldKind, Value};
use super::typed::{wire_fields, WireMessage};

wire_fields! {
    "envelope", validate: |_| Ok(());
    /// Tag of the content type.
    TAG_CONTENT_TYPE = 0x0001, "contentType", FieldKind::U16, required;
    /// Tag of the sender's key id.
    TAG_SENDER_KEY_ID = 0x0002, "senderKeyId", FieldKind::KeyId, optional;
    /// Tag of the recipient's key id.
    TAG_RECIPIENT_KEY_ID = 0x0003, "recipientKeyId", FieldKind::KeyId, optional;
    /// Tag of the send time.
    TAG_SENT_AT = 0x0004, "sentAt", FieldKind::Time, optional;
    /// Tag of the payload.
    TAG_PAYLOAD = 0x0005, "payload", FieldKind::Bytes { min: 0, max: MAX_PAYLOAD_LEN }, required;
}
use tags::*;

/// A payload with its content type and optional routing fields.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Envelope {
    /// What the payload is (0x0000..=0x7FFF for pqwire, 0x8000.. for applications).
    pub content_type: u16,
    /// The sender's key id.
    pub sender_key_id: Option<[u8; KEY_ID_LEN]>,
    /// The recipient's key id.
    pub recipient_key_id: Option<[u8; KEY_ID_LEN]>,
    /// Send time, unix seconds.
    pub sent_at: Option<u64>,
    /// The payload.
    pub payload: Vec<u8>,
    /// Extension fields, kept as they came.
    pub extensions: Vec<Extension>,
}

impl WireMessage for Envelope {
    const TYPE: MessageType = MessageType::Envelope;

    fn from_message(msg: &Message) -> Result<Self, WireError> {
        Ok(Envelope {
            content_type: msg.uint(TAG_CONTENT_TYPE)? as u16,
            sender_key_id: msg.opt_key_id(TAG_SENDER_KEY_ID),
            recipient_key_id: msg.opt_key_id(TAG_RECIPIENT_KEY_ID),
            sent_at: msg.opt_uint(TAG_SENT_AT),
            payload: msg.bytes(TAG_PAYLOAD)?.to_vec(),
            extensions: msg.extensions.clone(),
        })
    }

    fn to_message(&self) -> Message {
        let mut msg = Message::new(Self::TYPE);
        msg.set(TAG_CONTENT_TYPE, Value::Uint(self.content_type.into()))
            .set_opt_bytes(TAG_SENDER_KEY_ID, self.sender_key_id.as_ref())
            .set_opt_bytes(TAG_RECIPIENT_KEY_ID, self.recipient_key_id.as_ref());
        if let Some(t) = self.sent_at {
            msg.set(TAG_SENT_AT, Value::Uint(t));
        }
        msg.set_bytes(TAG_PAYLOAD, &self.payload);
        msg.extensions = self.extensions.clone();
        msg
    }
}
