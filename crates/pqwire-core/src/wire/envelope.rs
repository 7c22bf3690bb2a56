//! The generic envelope: a payload with its content type and, optionally, the key ids of
//! sender and recipient and a send time. Protocol layers put their messages inside.

use super::codec::{decode_as, encode};
use super::error::WireError;
use super::limits::{KEY_ID_LEN, MAX_PAYLOAD_LEN};
use super::message::{Extension, Message, MessageSpec, MessageType};
use super::schema::{FieldKind, FieldSpec, Value};

/// Tag of the content type.
pub const TAG_CONTENT_TYPE: u16 = 0x0001;
/// Tag of the sender's key id.
pub const TAG_SENDER_KEY_ID: u16 = 0x0002;
/// Tag of the recipient's key id.
pub const TAG_RECIPIENT_KEY_ID: u16 = 0x0003;
/// Tag of the send time.
pub const TAG_SENT_AT: u16 = 0x0004;
/// Tag of the payload.
pub const TAG_PAYLOAD: u16 = 0x0005;

/// The field table of the envelope.
pub(crate) static SPEC: MessageSpec = MessageSpec {
    name: "envelope",
    fields: &[
        FieldSpec {
            tag: TAG_CONTENT_TYPE,
            name: "contentType",
            kind: FieldKind::U16,
            required: true,
        },
        FieldSpec {
            tag: TAG_SENDER_KEY_ID,
            name: "senderKeyId",
            kind: FieldKind::KeyId,
            required: false,
        },
        FieldSpec {
            tag: TAG_RECIPIENT_KEY_ID,
            name: "recipientKeyId",
            kind: FieldKind::KeyId,
            required: false,
        },
        FieldSpec {
            tag: TAG_SENT_AT,
            name: "sentAt",
            kind: FieldKind::Time,
            required: false,
        },
        FieldSpec {
            tag: TAG_PAYLOAD,
            name: "payload",
            kind: FieldKind::Bytes {
                min: 0,
                max: MAX_PAYLOAD_LEN,
            },
            required: true,
        },
    ],
    validate: |_| Ok(()),
};

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

impl Envelope {
    /// The typed view of a decoded envelope.
    pub fn from_message(msg: &Message) -> Result<Self, WireError> {
        Ok(Envelope {
            content_type: msg.uint(TAG_CONTENT_TYPE)? as u16,
            sender_key_id: msg.opt_key_id(TAG_SENDER_KEY_ID),
            recipient_key_id: msg.opt_key_id(TAG_RECIPIENT_KEY_ID),
            sent_at: msg.opt_uint(TAG_SENT_AT),
            payload: msg.bytes(TAG_PAYLOAD)?.to_vec(),
            extensions: msg.extensions.clone(),
        })
    }

    /// The generic message for this value.
    pub fn to_message(&self) -> Message {
        let mut msg = Message::new(MessageType::Envelope);
        msg.set(TAG_CONTENT_TYPE, Value::Uint(self.content_type.into()));
        if let Some(id) = self.sender_key_id {
            msg.set(TAG_SENDER_KEY_ID, Value::Bytes(id.to_vec()));
        }
        if let Some(id) = self.recipient_key_id {
            msg.set(TAG_RECIPIENT_KEY_ID, Value::Bytes(id.to_vec()));
        }
        if let Some(t) = self.sent_at {
            msg.set(TAG_SENT_AT, Value::Uint(t));
        }
        msg.set(TAG_PAYLOAD, Value::Bytes(self.payload.clone()));
        msg.extensions = self.extensions.clone();
        msg
    }

    /// Decodes an envelope.
    pub fn decode(bytes: &[u8]) -> Result<Self, WireError> {
        Self::from_message(&decode_as(bytes, MessageType::Envelope)?)
    }

    /// Encodes canonically.
    pub fn encode(&self) -> Result<Vec<u8>, WireError> {
        encode(&self.to_message())
    }
}
