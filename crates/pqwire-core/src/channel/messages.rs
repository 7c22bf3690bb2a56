//! The four handshake messages (docs/channel.md §5.1), wire types `0x21`–`0x24`: field
//! tables for the one wire codec, and typed views.

use crate::ratchet::KeyId;
use crate::wire::limits::{
    KEM_CIPHERTEXT_LENS, KEM_PUBLIC_KEY_LENS, MAX_SIGNATURE_LEN, MIN_AEAD_CIPHERTEXT_LEN,
};
use crate::wire::{
    self, Extension, FieldKind, FieldSpec, Message, MessageSpec, MessageType, Value, WireError,
    WireErrorCode,
};

/// Length of `clientRandom`.
pub const CLIENT_RANDOM_LEN: usize = 32;
/// Length of the exchange-response's `confirmation`: AEAD of the 32-byte `TH3`.
pub const CONFIRMATION_LEN: usize = 32 + MIN_AEAD_CIPHERTEXT_LEN;

const fn field(tag: u16, name: &'static str, kind: FieldKind, required: bool) -> FieldSpec {
    FieldSpec {
        tag,
        name,
        kind,
        required,
    }
}

const EPHEMERAL_KEY: FieldKind = FieldKind::ExactBytes(&KEM_PUBLIC_KEY_LENS);
const KEM_CIPHERTEXT: FieldKind = FieldKind::ExactBytes(&KEM_CIPHERTEXT_LENS);
const SIGNATURE: FieldKind = FieldKind::Bytes {
    min: 1,
    max: MAX_SIGNATURE_LEN,
};

/// Tags of the connect-request (`0x21`).
pub mod connect_request {
    /// The server key the client pinned.
    pub const TAG_SERVER_KEY_ID: u16 = 0x0001;
    /// The client's capabilities (nested message).
    pub const TAG_CAPABILITIES: u16 = 0x0002;
    /// 1 Simplex, 2 Duplex.
    pub const TAG_MODE: u16 = 0x0003;
    /// 32 fresh random bytes.
    pub const TAG_CLIENT_RANDOM: u16 = 0x0004;
    /// The client's key (Duplex).
    pub const TAG_CLIENT_KEY_ID: u16 = 0x0005;
}

/// Tags of the connect-response (`0x22`).
pub mod connect_response {
    /// The server's capabilities (nested message).
    pub const TAG_CAPABILITIES: u16 = 0x0001;
    /// The server's ephemeral KEM public key `EKs`.
    pub const TAG_EPHEMERAL_KEY: u16 = 0x0002;
    /// `SIGs` over `TH1`.
    pub const TAG_SIGNATURE: u16 = 0x0003;
}

/// Tags of the exchange-request (`0x23`).
pub mod exchange_request {
    /// `CT1`, to `EKs`.
    pub const TAG_KEM_CIPHERTEXT: u16 = 0x0001;
    /// The client's ephemeral KEM public key `EKc` (Duplex).
    pub const TAG_EPHEMERAL_KEY: u16 = 0x0002;
    /// `SIGc` over `TH2` (Duplex).
    pub const TAG_SIGNATURE: u16 = 0x0003;
}

/// Tags of the exchange-response (`0x24`).
pub mod exchange_response {
    /// `CT2`, to `EKc` (Duplex).
    pub const TAG_KEM_CIPHERTEXT: u16 = 0x0001;
    /// AEAD(`TH3`) under the server's first key.
    pub const TAG_CONFIRMATION: u16 = 0x0002;
}

pub(crate) static CONNECT_REQUEST_SPEC: MessageSpec = MessageSpec {
    name: "connect-request",
    fields: &[
        field(
            connect_request::TAG_SERVER_KEY_ID,
            "serverKeyId",
            FieldKind::KeyId,
            true,
        ),
        field(
            connect_request::TAG_CAPABILITIES,
            "capabilities",
            FieldKind::Message(MessageType::Capabilities),
            true,
        ),
        field(connect_request::TAG_MODE, "mode", FieldKind::U8, true),
        field(
            connect_request::TAG_CLIENT_RANDOM,
            "clientRandom",
            FieldKind::Bytes {
                min: CLIENT_RANDOM_LEN,
                max: CLIENT_RANDOM_LEN,
            },
            true,
        ),
        field(
            connect_request::TAG_CLIENT_KEY_ID,
            "clientKeyId",
            FieldKind::KeyId,
            false,
        ),
    ],
    validate: validate_connect_request,
};

/// `mode` is 1 or 2; `clientKeyId` comes exactly with mode 2.
fn validate_connect_request(msg: &Message) -> Result<(), WireError> {
    use connect_request::{TAG_CLIENT_KEY_ID, TAG_MODE};
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

pub(crate) static CONNECT_RESPONSE_SPEC: MessageSpec = MessageSpec {
    name: "connect-response",
    fields: &[
        field(
            connect_response::TAG_CAPABILITIES,
            "capabilities",
            FieldKind::Message(MessageType::Capabilities),
            true,
        ),
        field(
            connect_response::TAG_EPHEMERAL_KEY,
            "ephemeralKey",
            EPHEMERAL_KEY,
            true,
        ),
        field(
            connect_response::TAG_SIGNATURE,
            "signature",
            SIGNATURE,
            true,
        ),
    ],
    validate: |_| Ok(()),
};

pub(crate) static EXCHANGE_REQUEST_SPEC: MessageSpec = MessageSpec {
    name: "exchange-request",
    fields: &[
        field(
            exchange_request::TAG_KEM_CIPHERTEXT,
            "kemCiphertext",
            KEM_CIPHERTEXT,
            true,
        ),
        field(
            exchange_request::TAG_EPHEMERAL_KEY,
            "ephemeralKey",
            EPHEMERAL_KEY,
            false,
        ),
        field(
            exchange_request::TAG_SIGNATURE,
            "signature",
            SIGNATURE,
            false,
        ),
    ],
    validate: validate_exchange_request,
};

/// `ephemeralKey` and `signature` come together.
fn validate_exchange_request(msg: &Message) -> Result<(), WireError> {
    use exchange_request::{TAG_EPHEMERAL_KEY, TAG_SIGNATURE};
    match (
        msg.get(TAG_EPHEMERAL_KEY).is_some(),
        msg.get(TAG_SIGNATURE).is_some(),
    ) {
        (true, false) => Err(msg.missing(TAG_SIGNATURE)),
        (false, true) => Err(msg.missing(TAG_EPHEMERAL_KEY)),
        _ => Ok(()),
    }
}

pub(crate) static EXCHANGE_RESPONSE_SPEC: MessageSpec = MessageSpec {
    name: "exchange-response",
    fields: &[
        field(
            exchange_response::TAG_KEM_CIPHERTEXT,
            "kemCiphertext",
            KEM_CIPHERTEXT,
            false,
        ),
        field(
            exchange_response::TAG_CONFIRMATION,
            "confirmation",
            FieldKind::Bytes {
                min: CONFIRMATION_LEN,
                max: CONFIRMATION_LEN,
            },
            true,
        ),
    ],
    validate: |_| Ok(()),
};

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

fn fixed<const N: usize>(msg: &Message, tag: u16) -> Result<[u8; N], WireError> {
    msg.bytes(tag)?
        .try_into()
        .map_err(|_| msg.field_error(WireErrorCode::BadLength, tag, format!("must be {N} bytes")))
}

impl ConnectRequest {
    /// The typed view of a decoded connect-request.
    pub fn from_message(msg: &Message) -> Result<Self, WireError> {
        use connect_request::*;
        Ok(ConnectRequest {
            server_key_id: fixed(msg, TAG_SERVER_KEY_ID)?,
            capabilities: msg.bytes(TAG_CAPABILITIES)?.to_vec(),
            mode: u8::try_from(msg.uint(TAG_MODE)?).unwrap_or(0),
            client_random: fixed(msg, TAG_CLIENT_RANDOM)?,
            client_key_id: msg.opt_key_id(TAG_CLIENT_KEY_ID),
            extensions: msg.extensions.clone(),
        })
    }

    /// The generic message for this value.
    pub fn to_message(&self) -> Message {
        use connect_request::*;
        let mut msg = Message::new(MessageType::ConnectRequest);
        msg.set(TAG_SERVER_KEY_ID, Value::Bytes(self.server_key_id.to_vec()))
            .set(TAG_CAPABILITIES, Value::Bytes(self.capabilities.clone()))
            .set(TAG_MODE, Value::Uint(self.mode.into()))
            .set(TAG_CLIENT_RANDOM, Value::Bytes(self.client_random.to_vec()));
        if let Some(id) = self.client_key_id {
            msg.set(TAG_CLIENT_KEY_ID, Value::Bytes(id.to_vec()));
        }
        msg.extensions = self.extensions.clone();
        msg
    }

    /// Decodes a connect-request.
    pub fn decode(bytes: &[u8]) -> Result<Self, WireError> {
        Self::from_message(&wire::decode_as(bytes, MessageType::ConnectRequest)?)
    }

    /// Encodes canonically.
    pub fn encode(&self) -> Result<Vec<u8>, WireError> {
        wire::encode(&self.to_message())
    }
}

impl ConnectResponse {
    /// The typed view of a decoded connect-response.
    pub fn from_message(msg: &Message) -> Result<Self, WireError> {
        use connect_response::*;
        Ok(ConnectResponse {
            capabilities: msg.bytes(TAG_CAPABILITIES)?.to_vec(),
            ephemeral_key: msg.bytes(TAG_EPHEMERAL_KEY)?.to_vec(),
            signature: msg.bytes(TAG_SIGNATURE)?.to_vec(),
            extensions: msg.extensions.clone(),
        })
    }

    /// The generic message for this value.
    pub fn to_message(&self) -> Message {
        use connect_response::*;
        let mut msg = Message::new(MessageType::ConnectResponse);
        msg.set(TAG_CAPABILITIES, Value::Bytes(self.capabilities.clone()))
            .set(TAG_EPHEMERAL_KEY, Value::Bytes(self.ephemeral_key.clone()))
            .set(TAG_SIGNATURE, Value::Bytes(self.signature.clone()));
        msg.extensions = self.extensions.clone();
        msg
    }

    /// Decodes a connect-response.
    pub fn decode(bytes: &[u8]) -> Result<Self, WireError> {
        Self::from_message(&wire::decode_as(bytes, MessageType::ConnectResponse)?)
    }

    /// Encodes canonically.
    pub fn encode(&self) -> Result<Vec<u8>, WireError> {
        wire::encode(&self.to_message())
    }
}

impl ExchangeRequest {
    /// The typed view of a decoded exchange-request.
    pub fn from_message(msg: &Message) -> Result<Self, WireError> {
        use exchange_request::*;
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

    /// The generic message for this value.
    pub fn to_message(&self) -> Message {
        use exchange_request::*;
        let mut msg = Message::new(MessageType::ExchangeRequest);
        msg.set(
            TAG_KEM_CIPHERTEXT,
            Value::Bytes(self.kem_ciphertext.clone()),
        );
        if let Some((key, signature)) = &self.duplex {
            msg.set(TAG_EPHEMERAL_KEY, Value::Bytes(key.clone()))
                .set(TAG_SIGNATURE, Value::Bytes(signature.clone()));
        }
        msg.extensions = self.extensions.clone();
        msg
    }

    /// Decodes an exchange-request.
    pub fn decode(bytes: &[u8]) -> Result<Self, WireError> {
        Self::from_message(&wire::decode_as(bytes, MessageType::ExchangeRequest)?)
    }

    /// Encodes canonically.
    pub fn encode(&self) -> Result<Vec<u8>, WireError> {
        wire::encode(&self.to_message())
    }
}

impl ExchangeResponse {
    /// The typed view of a decoded exchange-response.
    pub fn from_message(msg: &Message) -> Result<Self, WireError> {
        use exchange_response::*;
        Ok(ExchangeResponse {
            kem_ciphertext: msg.opt_bytes(TAG_KEM_CIPHERTEXT).map(<[u8]>::to_vec),
            confirmation: fixed(msg, TAG_CONFIRMATION)?,
            extensions: msg.extensions.clone(),
        })
    }

    /// The generic message for this value.
    pub fn to_message(&self) -> Message {
        use exchange_response::*;
        let mut msg = Message::new(MessageType::ExchangeResponse);
        if let Some(ct) = &self.kem_ciphertext {
            msg.set(TAG_KEM_CIPHERTEXT, Value::Bytes(ct.clone()));
        }
        msg.set(TAG_CONFIRMATION, Value::Bytes(self.confirmation.to_vec()));
        msg.extensions = self.extensions.clone();
        msg
    }

    /// Decodes an exchange-response.
    pub fn decode(bytes: &[u8]) -> Result<Self, WireError> {
        Self::from_message(&wire::decode_as(bytes, MessageType::ExchangeResponse)?)
    }

    /// Encodes canonically.
    pub fn encode(&self) -> Result<Vec<u8>, WireError> {
        wire::encode(&self.to_message())
    }
}
