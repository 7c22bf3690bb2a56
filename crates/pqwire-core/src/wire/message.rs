//! The generic message: a type, its fields in tag order and any extensions. Every
//! message type is described by a [`MessageSpec`] in the registry below.

use super::channel::{
    connect_request, connect_response, exchange_request, exchange_response, server_key,
};
use super::error::{WireError, WireErrorCode};
use super::schema::{FieldSpec, Value};
use super::{
    capabilities, envelope, initial_message, key_package, prekey_batch, prekey_bundle,
    prekey_upload, ratchet_message,
};

/// Message types of wire version 2. Later protocol layers add theirs here.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MessageType {
    /// A party's wire versions, suites and features ([`super::Capabilities`]).
    Capabilities,
    /// A public key with suite, key id and validity ([`super::KeyPackage`]).
    KeyPackage,
    /// A generic container for a payload ([`super::Envelope`]).
    Envelope,
    /// The keys a responder publishes for asynchronous handshakes ([`super::PrekeyBundle`]).
    PrekeyBundle,
    /// The statement a prekey owner signs once per upload ([`super::PrekeyBatch`]).
    PrekeyBatch,
    /// What a prekey owner gives a server: the signed statement and the public keys
    /// ([`super::PrekeyUpload`]).
    PrekeyUpload,
    /// The message that starts a session from a prekey bundle ([`super::InitialMessage`]).
    InitialMessage,
    /// One message of a ratchet session: header and AEAD ciphertext
    /// ([`super::RatchetMessage`]).
    RatchetMessage,
    /// The public part of a channel server key, what clients pin (docs/channel.md §3.2;
    /// its typed view is the channel's `ServerPublicKey`, which also checks the key id).
    ChannelServerKey,
    /// A channel's first handshake message, client to server ([`super::ConnectRequest`]).
    ConnectRequest,
    /// The server's signed answer with its ephemeral KEM key ([`super::ConnectResponse`]).
    ConnectResponse,
    /// The client's KEM ciphertext (and, in Duplex, its key and signature)
    /// ([`super::ExchangeRequest`]).
    ExchangeRequest,
    /// The server's key confirmation (and, in Duplex, its KEM ciphertext)
    /// ([`super::ExchangeResponse`]).
    ExchangeResponse,
}

impl MessageType {
    /// Every message type.
    pub const ALL: &'static [MessageType] = &[
        MessageType::Capabilities,
        MessageType::KeyPackage,
        MessageType::Envelope,
        MessageType::PrekeyBundle,
        MessageType::InitialMessage,
        MessageType::RatchetMessage,
        MessageType::PrekeyBatch,
        MessageType::PrekeyUpload,
        MessageType::ChannelServerKey,
        MessageType::ConnectRequest,
        MessageType::ConnectResponse,
        MessageType::ExchangeRequest,
        MessageType::ExchangeResponse,
    ];

    /// The type byte on the wire.
    pub fn code(self) -> u8 {
        match self {
            MessageType::Capabilities => 0x01,
            MessageType::KeyPackage => 0x02,
            MessageType::Envelope => 0x03,
            MessageType::PrekeyBundle => 0x10,
            MessageType::InitialMessage => 0x11,
            MessageType::RatchetMessage => 0x12,
            MessageType::PrekeyBatch => 0x17,
            MessageType::PrekeyUpload => 0x18,
            MessageType::ChannelServerKey => 0x20,
            MessageType::ConnectRequest => 0x21,
            MessageType::ConnectResponse => 0x22,
            MessageType::ExchangeRequest => 0x23,
            MessageType::ExchangeResponse => 0x24,
        }
    }

    /// The name used in the API (`"capabilities"`, `"key-package"`, `"envelope"`).
    pub fn name(self) -> &'static str {
        self.spec().name
    }

    /// Looks a type up by its byte.
    pub fn from_code(code: u8) -> Option<Self> {
        MessageType::ALL.iter().copied().find(|t| t.code() == code)
    }

    /// Looks a type up by its API name.
    pub fn from_name(name: &str) -> Option<Self> {
        MessageType::ALL.iter().copied().find(|t| t.name() == name)
    }

    /// The field table and cross-field rules of this type.
    pub fn spec(self) -> &'static MessageSpec {
        match self {
            MessageType::Capabilities => &capabilities::SPEC,
            MessageType::KeyPackage => &key_package::SPEC,
            MessageType::Envelope => &envelope::SPEC,
            MessageType::PrekeyBundle => &prekey_bundle::SPEC,
            MessageType::InitialMessage => &initial_message::SPEC,
            MessageType::RatchetMessage => &ratchet_message::SPEC,
            MessageType::PrekeyBatch => &prekey_batch::SPEC,
            MessageType::PrekeyUpload => &prekey_upload::SPEC,
            MessageType::ChannelServerKey => &server_key::SPEC,
            MessageType::ConnectRequest => &connect_request::SPEC,
            MessageType::ConnectResponse => &connect_response::SPEC,
            MessageType::ExchangeRequest => &exchange_request::SPEC,
            MessageType::ExchangeResponse => &exchange_response::SPEC,
        }
    }
}

/// The description of one message type.
#[derive(Debug)]
pub struct MessageSpec {
    /// The API name.
    pub name: &'static str,
    /// Fields in ascending tag order.
    pub fields: &'static [FieldSpec],
    /// Rules that involve more than one field (run after every field passed its own).
    pub validate: fn(&Message) -> Result<(), WireError>,
}

impl MessageSpec {
    /// The field with `tag`, if this type defines it.
    pub fn field(&self, tag: u16) -> Option<&'static FieldSpec> {
        self.fields.iter().find(|f| f.tag == tag)
    }

    /// The field named `name`, if this type defines it.
    pub fn field_named(&self, name: &str) -> Option<&'static FieldSpec> {
        self.fields.iter().find(|f| f.name == name)
    }
}

/// A decoded field: its tag, value and where it started in the encoding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    /// The tag.
    pub tag: u16,
    /// The value.
    pub value: Value,
    /// Offset of the field header in the encoded message (filled in by the codec).
    pub offset: usize,
}

/// A field in the extension range, kept as opaque bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Extension {
    /// The tag (at least [`super::limits::FIRST_EXTENSION_TAG`]).
    pub tag: u16,
    /// The value.
    pub value: Vec<u8>,
}

impl Extension {
    /// Refuses any of `extensions` (`UNKNOWN_TAG` at the first one's tag), for message
    /// types whose extensions nothing would authenticate; `why` says which.
    pub(crate) fn refuse_all(extensions: &[Extension], why: &'static str) -> Result<(), WireError> {
        match extensions.first() {
            None => Ok(()),
            Some(ext) => Err(WireError::in_field(
                WireErrorCode::UnknownTag,
                0,
                ext.tag,
                None,
                why,
            )),
        }
    }
}

/// A message of any type: what the codec decodes to and encodes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// The type.
    pub ty: MessageType,
    /// Fields in ascending tag order.
    pub fields: Vec<Field>,
    /// Extension fields in ascending tag order (they follow all defined fields).
    pub extensions: Vec<Extension>,
}

impl Message {
    /// An empty message of type `ty`, to be filled with [`Message::set`].
    pub fn new(ty: MessageType) -> Self {
        Message {
            ty,
            fields: Vec::new(),
            extensions: Vec::new(),
        }
    }

    /// Sets the field `tag`, keeping the fields in tag order.
    pub fn set(&mut self, tag: u16, value: Value) -> &mut Self {
        match self.fields.binary_search_by_key(&tag, |f| f.tag) {
            Ok(i) => self.fields[i].value = value,
            Err(i) => self.fields.insert(
                i,
                Field {
                    tag,
                    value,
                    offset: 0,
                },
            ),
        }
        self
    }

    /// Sets the field `tag` to a copy of `bytes`.
    pub fn set_bytes(&mut self, tag: u16, bytes: &[u8]) -> &mut Self {
        self.set(tag, Value::Bytes(bytes.to_vec()))
    }

    /// Sets the field `tag` to a copy of `bytes` when there are some; leaves it unset
    /// otherwise.
    pub fn set_opt_bytes(&mut self, tag: u16, bytes: Option<impl AsRef<[u8]>>) -> &mut Self {
        match bytes {
            Some(b) => self.set_bytes(tag, b.as_ref()),
            None => self,
        }
    }

    /// The field `tag`, if present.
    pub fn get(&self, tag: u16) -> Option<&Field> {
        self.fields.iter().find(|f| f.tag == tag)
    }

    /// A missing-field error for `tag` of this message's type.
    pub(crate) fn missing(&self, tag: u16) -> WireError {
        let name = self.ty.spec().field(tag).map(|f| f.name);
        WireError::in_field(
            WireErrorCode::MissingField,
            self.fields.last().map_or(0, |f| f.offset),
            tag,
            name,
            "required field is missing",
        )
    }

    /// The unsigned integer in field `tag`.
    pub fn uint(&self, tag: u16) -> Result<u64, WireError> {
        match self.get(tag).map(|f| &f.value) {
            Some(Value::Uint(v)) => Ok(*v),
            _ => Err(self.missing(tag)),
        }
    }

    /// The unsigned integer in field `tag`, or `None` when absent.
    pub fn opt_uint(&self, tag: u16) -> Option<u64> {
        self.uint(tag).ok()
    }

    /// The bytes in field `tag`.
    pub fn bytes(&self, tag: u16) -> Result<&[u8], WireError> {
        match self.get(tag).map(|f| &f.value) {
            Some(Value::Bytes(b)) => Ok(b),
            _ => Err(self.missing(tag)),
        }
    }

    /// The bytes in field `tag`, or `None` when absent.
    pub fn opt_bytes(&self, tag: u16) -> Option<&[u8]> {
        self.bytes(tag).ok()
    }

    /// The `N` bytes in field `tag` (`MISSING_FIELD` when absent, `BAD_LENGTH` when
    /// another length: the codec's length rules make that impossible for a decoded
    /// message).
    pub fn fixed<const N: usize>(&self, tag: u16) -> Result<[u8; N], WireError> {
        self.bytes(tag)?.try_into().map_err(|_| {
            self.field_error(WireErrorCode::BadLength, tag, format!("must be {N} bytes"))
        })
    }

    /// The 16-byte key id in field `tag`, or `None` when absent.
    pub fn opt_key_id(&self, tag: u16) -> Option<[u8; 16]> {
        self.opt_bytes(tag).and_then(|b| b.try_into().ok())
    }

    /// The suite code in field `tag`, or `None` when absent.
    pub fn opt_suite(&self, tag: u16) -> Option<u16> {
        match self.get(tag).map(|f| &f.value) {
            Some(Value::Suite(c)) => Some(*c),
            _ => None,
        }
    }

    /// The suite codes in list field `tag`.
    pub fn suites(&self, tag: u16) -> Result<&[u16], WireError> {
        match self.get(tag).map(|f| &f.value) {
            Some(Value::Suites(c)) => Ok(c),
            _ => Err(self.missing(tag)),
        }
    }

    /// The versions in list field `tag`.
    pub fn versions(&self, tag: u16) -> Result<&[u8], WireError> {
        match self.get(tag).map(|f| &f.value) {
            Some(Value::Versions(v)) => Ok(v),
            _ => Err(self.missing(tag)),
        }
    }

    /// An error in field `tag` of this message (for cross-field rules).
    pub(crate) fn field_error(
        &self,
        code: WireErrorCode,
        tag: u16,
        detail: impl Into<String>,
    ) -> WireError {
        let offset = self.get(tag).map_or(0, |f| f.offset);
        let name = self.ty.spec().field(tag).map(|f| f.name);
        WireError::in_field(code, offset, tag, name, detail)
    }

    /// `BAD_LENGTH` at field `tag` unless its value's `len` is the `expected` length that
    /// `whose` (the suite) needs: "`what` of `len` bytes, `whose` needs `expected`".
    pub(crate) fn check_field_len(
        &self,
        tag: u16,
        (what, len): (&str, usize),
        whose: &str,
        expected: usize,
    ) -> Result<(), WireError> {
        if len == expected {
            return Ok(());
        }
        let detail = format!("{what} of {len} bytes, {whose} needs {expected}");
        Err(self.field_error(WireErrorCode::BadLength, tag, detail))
    }
}
