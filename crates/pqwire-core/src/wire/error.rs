//! Decoding and encoding errors of the wire format: one stable code per rule, with
//! the offset and tag where the rule fired. Wire messages hold public data only, and
//! the errors quote no field values anyway.

use core::fmt;

/// The rule of the wire format that a message broke.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WireErrorCode {
    /// The input ends inside the header or inside a field.
    Truncated,
    /// Bytes are left over that cannot form a field.
    TrailingBytes,
    /// A tag that this message type does not define (outside the extension range).
    UnknownTag,
    /// The same tag twice.
    DuplicateTag,
    /// Tags not in strictly ascending order.
    TagOrder,
    /// A field's length is not the one its type requires.
    BadLength,
    /// The message, a field or a list is over its cap.
    TooLarge,
    /// The first two bytes are not the pqwire magic.
    BadMagic,
    /// A wire version this library does not read.
    UnsupportedVersion,
    /// A message type this library does not know.
    UnknownType,
    /// A known message type, but not the one the caller expected.
    UnexpectedType,
    /// A suite code that is not defined where a known suite is required.
    UnknownSuite,
    /// A required field is absent.
    MissingField,
    /// A field's value is outside its permitted range.
    InvalidField,
    /// A list holds the same entry twice.
    DuplicateEntry,
}

impl WireErrorCode {
    /// Every rule, in the order of the enum.
    pub const ALL: &'static [WireErrorCode] = &[
        WireErrorCode::Truncated,
        WireErrorCode::TrailingBytes,
        WireErrorCode::UnknownTag,
        WireErrorCode::DuplicateTag,
        WireErrorCode::TagOrder,
        WireErrorCode::BadLength,
        WireErrorCode::TooLarge,
        WireErrorCode::BadMagic,
        WireErrorCode::UnsupportedVersion,
        WireErrorCode::UnknownType,
        WireErrorCode::UnexpectedType,
        WireErrorCode::UnknownSuite,
        WireErrorCode::MissingField,
        WireErrorCode::InvalidField,
        WireErrorCode::DuplicateEntry,
    ];

    /// The stable string code (for example `"TAG_ORDER"`).
    pub fn as_str(self) -> &'static str {
        match self {
            WireErrorCode::Truncated => "TRUNCATED",
            WireErrorCode::TrailingBytes => "TRAILING_BYTES",
            WireErrorCode::UnknownTag => "UNKNOWN_TAG",
            WireErrorCode::DuplicateTag => "DUPLICATE_TAG",
            WireErrorCode::TagOrder => "TAG_ORDER",
            WireErrorCode::BadLength => "BAD_LENGTH",
            WireErrorCode::TooLarge => "TOO_LARGE",
            WireErrorCode::BadMagic => "BAD_MAGIC",
            WireErrorCode::UnsupportedVersion => "UNSUPPORTED_VERSION",
            WireErrorCode::UnknownType => "UNKNOWN_TYPE",
            WireErrorCode::UnexpectedType => "UNEXPECTED_TYPE",
            WireErrorCode::UnknownSuite => "UNKNOWN_SUITE",
            WireErrorCode::MissingField => "MISSING_FIELD",
            WireErrorCode::InvalidField => "INVALID_FIELD",
            WireErrorCode::DuplicateEntry => "DUPLICATE_ENTRY",
        }
    }
}

/// A wire-format rule that fired, where it fired, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WireError {
    /// Which rule.
    pub code: WireErrorCode,
    /// Byte offset into the message where the offending header or field starts
    /// (for a missing field: the end of the message).
    pub offset: usize,
    /// The tag of the offending field, when there is one.
    pub tag: Option<u16>,
    /// The field's name, when the tag is defined.
    pub field: Option<&'static str>,
    /// A short explanation (lengths, counts); never a field's value.
    pub detail: String,
}

impl WireError {
    /// An error at `offset` outside any field (header, message size).
    pub fn at(code: WireErrorCode, offset: usize, detail: impl Into<String>) -> Self {
        WireError {
            code,
            offset,
            tag: None,
            field: None,
            detail: detail.into(),
        }
    }

    /// An error in the field `tag` (named `field` when it is defined) starting at `offset`.
    pub fn in_field(
        code: WireErrorCode,
        offset: usize,
        tag: u16,
        field: Option<&'static str>,
        detail: impl Into<String>,
    ) -> Self {
        WireError {
            code,
            offset,
            tag: Some(tag),
            field,
            detail: detail.into(),
        }
    }
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at offset {}", self.offset)?;
        match (self.tag, self.field) {
            (Some(tag), Some(name)) => write!(f, " (field {name}, tag 0x{tag:04X})")?,
            (Some(tag), None) => write!(f, " (tag 0x{tag:04X})")?,
            _ => {}
        }
        write!(f, ": {}", self.detail)
    }
}

impl std::error::Error for WireError {}
