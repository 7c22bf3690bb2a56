//! The wire format: `magic(2) | version(1) | type(1) | fields`, each field
//! `tag u16 | length u32 | value`, big-endian (see `docs/wire-format.md`).
//!
//! Decoding is strict and fails closed with a [`WireError`] that names the rule
//! ([`WireErrorCode`]), the offset and the tag. Encoding is canonical: for every
//! accepted `b`, `encode(decode(b)) == b`. Every limit lives in [`limits`].
//!
//! Message types are data ([`MessageSpec`]): a field table plus cross-field rules, all
//! enforced by the one codec in `codec.rs`. The typed views ([`Capabilities`],
//! [`KeyPackage`], [`Envelope`], [`PrekeyBundle`], [`InitialMessage`],
//! [`RatchetMessage`]) convert to and from the generic [`Message`].
//!
//! ```
//! use pqwire_core::wire::{self, Envelope, WireErrorCode};
//! let env = Envelope { content_type: 0x8001, payload: b"hello".to_vec(), ..Default::default() };
//! let bytes = env.encode()?;
//! assert_eq!(Envelope::decode(&bytes)?, env);
//! let err = Envelope::decode(&bytes[..bytes.len() - 1]).unwrap_err();
//! assert_eq!(err.code, WireErrorCode::Truncated);
//! # Ok::<(), wire::WireError>(())
//! ```

mod capabilities;
mod codec;
mod envelope;
mod error;
mod initial_message;
mod inspect;
mod key_package;
pub mod limits;
mod message;
mod prekey_bundle;
mod ratchet_message;
mod schema;
pub(crate) mod tlv;

pub use capabilities::{feature_bit, feature_name, Capabilities, FEATURES};
pub use codec::{decode, decode_as, encode};
pub use envelope::Envelope;
pub use error::{WireError, WireErrorCode};
pub use initial_message::InitialMessage;
pub(crate) use initial_message::HANDSHAKE_KEMS;
pub use inspect::inspect;
pub use key_package::{KeyPackage, PackageSuite};
pub use message::{Extension, Field, Message, MessageSpec, MessageType};
pub use prekey_bundle::{PrekeyBundle, SignedKey};
pub use ratchet_message::RatchetMessage;
pub use schema::{FieldKind, FieldSpec, SuiteRole, Value};

/// Tags of each message type, for code that builds [`Message`]s by hand.
pub mod tags {
    pub use super::capabilities::{
        TAG_AEAD_SUITES, TAG_FEATURES, TAG_KEX_SUITES, TAG_SIG_SUITES, TAG_VERSIONS,
    };
    pub use super::envelope::{
        TAG_CONTENT_TYPE, TAG_PAYLOAD, TAG_RECIPIENT_KEY_ID, TAG_SENDER_KEY_ID, TAG_SENT_AT,
    };
    pub use super::key_package::{
        TAG_CREATED, TAG_EXPIRES, TAG_KEM_SUITE, TAG_KEY_ID, TAG_PUBLIC_KEY, TAG_SIG_SUITE,
    };
    /// Tags of the prekey bundle.
    pub mod prekey_bundle {
        pub use super::super::prekey_bundle::{
            TAG_CAPABILITIES, TAG_IDENTITY_DH_KEY, TAG_IDENTITY_DH_SIGNATURE, TAG_IDENTITY_SIG_KEY,
            TAG_KEM_PREKEY, TAG_KEM_PREKEY_LAST_RESORT, TAG_KEM_PREKEY_SIGNATURE,
            TAG_ONE_TIME_PREKEY, TAG_ONE_TIME_PREKEY_SIGNATURE, TAG_SIGNED_PREKEY,
            TAG_SIGNED_PREKEY_SIGNATURE,
        };
    }
    /// Tags of the initial message.
    pub mod initial_message {
        pub use super::super::initial_message::{
            TAG_CAPABILITIES, TAG_EPHEMERAL_KEY, TAG_IDENTITY_DH_KEY, TAG_IDENTITY_DH_SIGNATURE,
            TAG_IDENTITY_SIG_KEY, TAG_KEM_CIPHERTEXT, TAG_KEM_PREKEY_ID, TAG_MESSAGE,
            TAG_ONE_TIME_PREKEY_ID, TAG_SIGNED_PREKEY_ID, TAG_TRANSCRIPT_SIGNATURE,
        };
    }
    /// Tags of the ratchet message (protocol.md §5.4): the header's, defined with
    /// [`crate::ratchet::Header`], and the ciphertext's.
    pub mod ratchet_message {
        pub use super::super::ratchet_message::TAG_CIPHERTEXT;
        pub use crate::ratchet::{
            TAG_ASSOCIATED_DATA, TAG_COUNTER, TAG_KEM_CIPHERTEXT, TAG_KEM_CIPHERTEXT_KEY_ID,
            TAG_KEM_KEY, TAG_PREVIOUS_CHAIN_LENGTH, TAG_RATCHET_KEY,
        };
    }
}
