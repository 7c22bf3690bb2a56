//! The wire format: `magic(2) | version(1) | type(1) | fields`, each field
//! `tag u16 | length u32 | value`, big-endian (see `docs/wire-format.md`).
//!
//! Decoding is strict and fails closed with a [`WireError`] that names the rule
//! ([`WireErrorCode`]), the offset and the tag. Encoding is canonical: for every
//! accepted `b`, `encode(decode(b)) == b`. Every limit lives in [`limits`].
//!
//! Framing is read and written by one TLV layer (`tlv.rs`), which the records at rest
//! (the `record` module) share. Message types are data ([`MessageSpec`]): a field table
//! plus cross-field rules, declared once per type and enforced by the one codec in
//! `codec.rs`. The typed views ([`Capabilities`], [`KeyPackage`], [`Envelope`],
//! [`PrekeyBatch`], [`PrekeyUpload`], [`PrekeyBundle`], [`InitialMessage`], [`RatchetMessage`] and the channel's messages
//! in [`channel`]) convert to and from the generic [`Message`] ([`WireMessage`]).
//!
//! ```
//! use pqwire_core::wire::{self, Envelope, WireErrorCode, WireMessage};
//! let env = Envelope { content_type: 0x8001, payload: b"hello".to_vec(), ..Default::default() };
//! let bytes = env.encode()?;
//! assert_eq!(Envelope::decode(&bytes)?, env);
//! let err = Envelope::decode(&bytes[..bytes.len() - 1]).unwrap_err();
//! assert_eq!(err.code, WireErrorCode::Truncated);
//! # Ok::<(), wire::WireError>(())
//! ```

mod capabilities;
pub mod channel;
mod codec;
mod envelope;
mod error;
mod initial_message;
mod inspect;
mod key_package;
pub mod limits;
mod message;
mod prekey_batch;
mod prekey_bundle;
mod prekey_upload;
pub(crate) mod ratchet_header;
mod ratchet_message;
mod schema;
pub(crate) mod tlv;
mod typed;

pub use capabilities::{feature_bit, feature_name, Capabilities, FEATURES, FEATURE_MLS};
pub use channel::{
    ChannelSuites, ConnectRequest, ConnectResponse, ExchangeRequest, ExchangeResponse,
};
pub use codec::{decode, decode_as, encode};
pub use envelope::Envelope;
pub use error::{WireError, WireErrorCode};
pub use initial_message::InitialMessage;
pub(crate) use initial_message::HANDSHAKE_KEMS;
pub use inspect::inspect;
pub use key_package::SignedKey;
pub use key_package::{KeyId, KeyPackage, PackageSuite};
pub use message::{Extension, Field, Message, MessageSpec, MessageType};
pub use prekey_batch::{PrekeyBatch, MAX_BATCH_LEAVES};
pub use prekey_bundle::{BundledPrekey, PrekeyBundle, MAX_PROOF_HASHES};
pub use prekey_upload::PrekeyUpload;
pub use ratchet_message::RatchetMessage;
pub use schema::{FieldKind, FieldSpec, SuiteRole, Value};
pub use typed::WireMessage;

/// Tags of each message type, for code that builds [`Message`]s by hand: one module per
/// type (those of capabilities, key packages and envelopes also at this level).
pub mod tags {
    pub use super::capabilities::tags::*;
    pub use super::envelope::tags::*;
    pub use super::key_package::tags::*;

    pub use super::capabilities::tags as capabilities;
    pub use super::channel::connect_request::tags as connect_request;
    pub use super::channel::connect_response::tags as connect_response;
    pub use super::channel::exchange_request::tags as exchange_request;
    pub use super::channel::exchange_response::tags as exchange_response;
    pub use super::channel::server_key::tags as channel_server_key;
    pub use super::envelope::tags as envelope;
    pub use super::initial_message::tags as initial_message;
    pub use super::key_package::tags as key_package;
    pub use super::prekey_batch::tags as prekey_batch;
    pub use super::prekey_bundle::tags as prekey_bundle;
    pub use super::prekey_upload::tags as prekey_upload;
    pub use super::ratchet_message::tags as ratchet_message;
}
