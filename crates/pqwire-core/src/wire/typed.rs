//! Typed views of message types: each declares its fields once, in one table
//! ([`wire_fields!`]), and converts to and from the generic [`Message`] the one codec
//! reads and writes ([`WireMessage`]).

use super::codec::{decode_as, encode};
use super::error::WireError;
use super::message::{Message, MessageType};

/// A typed view of one message type: a Rust value that converts to and from the generic
/// [`Message`], so that the one codec checks every rule and decoding gives the value.
///
/// ```
/// use pqwire_core::wire::{Envelope, MessageType, WireMessage};
/// let env = Envelope { content_type: 0x8001, payload: b"hi".to_vec(), ..Default::default() };
/// let bytes = env.encode()?;
/// assert_eq!(bytes[3], Envelope::TYPE.code());
/// assert_eq!(Envelope::decode(&bytes)?, env);
/// assert_eq!(Envelope::from_message(&env.to_message())?, env);
/// # Ok::<(), pqwire_core::wire::WireError>(())
/// ```
pub trait WireMessage: Sized {
    /// The message type this view reads and writes.
    const TYPE: MessageType;

    /// The typed view of a decoded message of [`WireMessage::TYPE`]. Structure only:
    /// what needs keys, time or state is checked by the protocol that uses it.
    fn from_message(msg: &Message) -> Result<Self, WireError>;

    /// The generic message for this value.
    fn to_message(&self) -> Message;

    /// Decodes a message of [`WireMessage::TYPE`] (`UNEXPECTED_TYPE` for another type).
    fn decode(bytes: &[u8]) -> Result<Self, WireError> {
        Self::from_message(&decode_as(bytes, Self::TYPE)?)
    }

    /// Encodes canonically, checking every rule the decoder checks.
    fn encode(&self) -> Result<Vec<u8>, WireError> {
        encode(&self.to_message())
    }
}

/// Declares the fields of a message type in one table: a public `tags` module with a
/// documented constant per field, and the `SPEC` the codec enforces (tag, API name,
/// kind, required or optional, in ascending tag order), with the type's cross-field
/// rules.
///
/// ```text
/// wire_fields! {
///     "envelope", validate: |_| Ok(());
///     /// Tag of the content type.
///     TAG_CONTENT_TYPE = 0x0001, "contentType", FieldKind::U16, required;
/// }
/// ```
macro_rules! wire_fields {
    (
        $name:literal, validate: $validate:expr;
        $(
            $(#[$doc:meta])*
            $const:ident = $tag:literal, $field:literal, $kind:expr, $presence:ident;
        )+
    ) => {
        /// The tags of this message type's fields.
        pub mod tags {
            $( $(#[$doc])* pub const $const: u16 = $tag; )+
        }

        /// The field table and cross-field rules of this message type.
        pub(crate) static SPEC: $crate::wire::MessageSpec = $crate::wire::MessageSpec {
            name: $name,
            fields: &[$(
                $crate::wire::FieldSpec {
                    tag: $tag,
                    name: $field,
                    kind: $kind,
                    required: wire_fields!(@$presence),
                },
            )+],
            validate: $validate,
        };
    };
    (@required) => { true };
    (@optional) => { false };
}

pub(crate) use wire_fields;

#[cfg(test)]
mod tests {
    use crate::wire::MessageType;

    /// Every table lists its tags strictly ascending (the codec looks fields up by tag
    /// and the encoder writes them in table order) and names each field once.
    #[test]
    fn every_table_ascends_and_names_fields_once() {
        for ty in MessageType::ALL {
            let fields = ty.spec().fields;
            assert!(fields.windows(2).all(|w| w[0].tag < w[1].tag), "{ty:?}");
            for (i, f) in fields.iter().enumerate() {
                assert!(fields[..i].iter().all(|g| g.name != f.name), "{ty:?}");
            }
        }
    }
}
