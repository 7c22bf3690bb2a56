//! Length and value rules as data: each message type is a table of fields (tag, name,
//! kind, required), and one generic codec ([`super::codec`]) enforces them. A new
//! message type adds a table and a typed view, never new parsing code.

use super::codec::{check_len, decode_as};
use super::error::{WireError, WireErrorCode};
use super::limits::{
    FIELD_HEADER_LEN, HEADER_LEN, KEY_ID_LEN, MAX_MESSAGE_LEN, MAX_SIGNATURE_LEN,
    MAX_SUITES_PER_LIST, MAX_TIME, MAX_VERSIONS,
};
use super::message::MessageType;
use super::tlv::Writer;
use crate::{AeadSuite, KemSuite, MlsSuite, SigSuite};

/// Which registry a suite code belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SuiteRole {
    /// Key exchange ([`KemSuite`]).
    Kem,
    /// Signatures ([`SigSuite`]).
    Sig,
    /// Authenticated encryption ([`AeadSuite`]).
    Aead,
    /// MLS cipher suites ([`MlsSuite`]), as MLS numbers them (RFC 9420's registry and
    /// draft-ietf-mls-pq-ciphersuites): a code space of its own.
    Mls,
}

impl SuiteRole {
    /// The API name of `code` in this role, or `None` for a code pqwire does not know.
    pub fn name_of(self, code: u16) -> Option<&'static str> {
        match self {
            SuiteRole::Kem => KemSuite::from_code(code).ok().map(KemSuite::name),
            SuiteRole::Sig => SigSuite::from_code(code).ok().map(SigSuite::name),
            SuiteRole::Aead => AeadSuite::from_code(code).ok().map(AeadSuite::name),
            SuiteRole::Mls => MlsSuite::from_code(code).ok().map(MlsSuite::name),
        }
    }

    /// The code of a suite name or legacy alias in this role.
    pub fn code_of(self, name: &str) -> crate::Result<u16> {
        match self {
            SuiteRole::Kem => KemSuite::from_name(name).map(KemSuite::code),
            SuiteRole::Sig => SigSuite::from_name(name).map(SigSuite::code),
            SuiteRole::Aead => AeadSuite::from_name(name).map(AeadSuite::code),
            SuiteRole::Mls => MlsSuite::from_name(name).map(MlsSuite::code),
        }
    }
}

/// The type of a field's value, which fixes its encoding and its rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldKind {
    /// One byte.
    U8,
    /// Two bytes, big-endian.
    U16,
    /// Four bytes, big-endian.
    U32,
    /// Unix seconds, eight bytes big-endian, at most [`MAX_TIME`].
    Time,
    /// A 16-byte key id.
    KeyId,
    /// Opaque bytes, `min..=max` long.
    Bytes {
        /// Fewest bytes allowed.
        min: usize,
        /// Most bytes allowed.
        max: usize,
    },
    /// Opaque bytes whose length is one of a fixed set (for example the public-key lengths
    /// of the KEM suites, when the suite is not in the message): any other length is
    /// `BAD_LENGTH`, however long.
    ExactBytes(&'static [usize]),
    /// One suite code that must be known in its role.
    Suite(SuiteRole),
    /// An ordered list of 1..=[`MAX_SUITES_PER_LIST`] distinct u16 suite codes. Unknown
    /// codes are kept (a newer peer may offer suites this version does not know) and
    /// simply never chosen.
    SuiteList(SuiteRole),
    /// An ordered list of 1..=[`MAX_VERSIONS`] distinct u8 wire versions.
    VersionList,
    /// A u32 bit set of feature flags; unknown bits are kept.
    Features,
    /// A whole encoded message of the given type, decoded and checked with every rule
    /// (the value is kept as its bytes, which are what signatures cover).
    Message(MessageType),
}

impl FieldKind {
    /// A signature: 1 to [`MAX_SIGNATURE_LEN`] bytes (the exact length of the signer's
    /// suite is a cross-field rule).
    pub const SIGNATURE: FieldKind = FieldKind::Bytes {
        min: 1,
        max: MAX_SIGNATURE_LEN,
    };
    /// A nested key package.
    pub const KEY_PACKAGE: FieldKind = FieldKind::Message(MessageType::KeyPackage);
    /// A nested capabilities message.
    pub const CAPABILITIES: FieldKind = FieldKind::Message(MessageType::Capabilities);

    /// The exact encoded length, for fixed-size kinds.
    pub fn fixed_len(self) -> Option<usize> {
        match self {
            FieldKind::U8 => Some(1),
            FieldKind::U16 | FieldKind::Suite(_) => Some(2),
            FieldKind::U32 | FieldKind::Features => Some(4),
            FieldKind::Time => Some(8),
            FieldKind::KeyId => Some(KEY_ID_LEN),
            FieldKind::Bytes { min, max } if min == max => Some(min),
            _ => None,
        }
    }

    /// The range of encoded lengths allowed.
    pub fn len_range(self) -> (usize, usize) {
        match self {
            FieldKind::Bytes { min, max } => (min, max),
            FieldKind::SuiteList(_) => (2, 2 * MAX_SUITES_PER_LIST),
            FieldKind::VersionList => (1, MAX_VERSIONS),
            FieldKind::Message(_) => (HEADER_LEN, MAX_MESSAGE_LEN),
            FieldKind::ExactBytes(lens) => (
                lens.iter().copied().min().unwrap_or(0),
                lens.iter().copied().max().unwrap_or(0),
            ),
            other => {
                let n = other.fixed_len().unwrap_or(0);
                (n, n)
            }
        }
    }
}

/// One field of a message type.
#[derive(Clone, Copy, Debug)]
pub struct FieldSpec {
    /// The tag on the wire.
    pub tag: u16,
    /// The name in the API (camelCase, as the TypeScript facade shows it).
    pub name: &'static str,
    /// The value's type.
    pub kind: FieldKind,
    /// Whether the message is refused without it.
    pub required: bool,
}

/// A decoded field value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// `U8`, `U16`, `U32`, `Time` and `Features`.
    Uint(u64),
    /// `KeyId` and `Bytes`.
    Bytes(Vec<u8>),
    /// `Suite`: a known code.
    Suite(u16),
    /// `SuiteList`: codes in the sender's order.
    Suites(Vec<u16>),
    /// `VersionList`: versions in the sender's order.
    Versions(Vec<u8>),
}

/// Builds an error in field `spec` at `offset`.
pub(crate) fn field_error(
    code: WireErrorCode,
    offset: usize,
    spec: &FieldSpec,
    detail: impl Into<String>,
) -> WireError {
    WireError::in_field(code, offset, spec.tag, Some(spec.name), detail)
}

impl FieldSpec {
    /// Parses a value whose length has already been checked against [`FieldKind::len_range`].
    pub(crate) fn parse(&self, bytes: &[u8], offset: usize) -> Result<Value, WireError> {
        let value = match self.kind {
            FieldKind::U8 | FieldKind::U16 | FieldKind::U32 | FieldKind::Time => {
                Value::Uint(be_uint(bytes))
            }
            FieldKind::Features => Value::Uint(be_uint(bytes)),
            FieldKind::KeyId
            | FieldKind::Bytes { .. }
            | FieldKind::ExactBytes(_)
            | FieldKind::Message(_) => Value::Bytes(bytes.to_vec()),
            FieldKind::Suite(_) => Value::Suite(be_uint(bytes) as u16),
            FieldKind::SuiteList(_) => {
                if !bytes.len().is_multiple_of(2) {
                    return Err(field_error(
                        WireErrorCode::BadLength,
                        offset,
                        self,
                        format!(
                            "suite list of {} bytes is not a whole number of u16 codes",
                            bytes.len()
                        ),
                    ));
                }
                Value::Suites(bytes.chunks_exact(2).map(|c| be_uint(c) as u16).collect())
            }
            FieldKind::VersionList => Value::Versions(bytes.to_vec()),
        };
        self.check(&value, offset)?;
        Ok(value)
    }

    /// The rules on a value beyond its length: ranges, known suites, distinct entries.
    /// Run on decode and on encode, so an encoder never writes what a decoder refuses.
    pub(crate) fn check(&self, value: &Value, offset: usize) -> Result<(), WireError> {
        let bad = |code, detail: String| Err(field_error(code, offset, self, detail));
        match (self.kind, value) {
            (FieldKind::U8, Value::Uint(v)) if *v <= u8::MAX.into() => Ok(()),
            (FieldKind::U16, Value::Uint(v)) if *v <= u16::MAX.into() => Ok(()),
            (FieldKind::U32 | FieldKind::Features, Value::Uint(v)) if *v <= u32::MAX.into() => {
                Ok(())
            }
            (FieldKind::Time, Value::Uint(v)) => {
                if *v <= MAX_TIME {
                    Ok(())
                } else {
                    bad(
                        WireErrorCode::InvalidField,
                        format!("time {v} is over the maximum 2^53-1"),
                    )
                }
            }
            (
                FieldKind::KeyId | FieldKind::Bytes { .. } | FieldKind::ExactBytes(_),
                Value::Bytes(b),
            ) => check_len(self, b.len(), offset),
            (FieldKind::Message(ty), Value::Bytes(b)) => {
                check_len(self, b.len(), offset)?;
                // The offset points into the nested message, within the outer one.
                decode_as(b, ty).map(|_| ()).map_err(|inner| {
                    field_error(
                        inner.code,
                        offset + FIELD_HEADER_LEN + inner.offset,
                        self,
                        format!("in the nested {} message: {inner}", ty.name()),
                    )
                })
            }
            (FieldKind::Suite(role), Value::Suite(code)) => match role.name_of(*code) {
                Some(_) => Ok(()),
                None => bad(
                    WireErrorCode::UnknownSuite,
                    format!("suite code 0x{code:04X} is not a known {role:?} suite"),
                ),
            },
            (FieldKind::SuiteList(_), Value::Suites(codes)) => {
                check_list(codes, MAX_SUITES_PER_LIST).map_err(|(code, d)| {
                    field_error(code, offset, self, format!("suite list: {d}"))
                })
            }
            (FieldKind::VersionList, Value::Versions(v)) => check_list(v, MAX_VERSIONS)
                .map_err(|(code, d)| field_error(code, offset, self, format!("version list: {d}"))),
            _ => bad(
                WireErrorCode::InvalidField,
                format!("value does not fit a {:?} field", self.kind),
            ),
        }
    }

    /// Appends the encoding of a value that passed [`FieldSpec::check`].
    pub(crate) fn write_value(&self, value: &Value, w: &mut Writer<'_>) {
        match value {
            Value::Uint(v) => {
                let width = self.kind.fixed_len().unwrap_or(8);
                w.raw(&v.to_be_bytes()[8 - width..]);
            }
            Value::Bytes(b) => {
                w.raw(b);
            }
            Value::Suite(c) => {
                w.raw(&c.to_be_bytes());
            }
            Value::Suites(cs) => cs.iter().for_each(|c| {
                w.raw(&c.to_be_bytes());
            }),
            Value::Versions(v) => {
                w.raw(v);
            }
        }
    }

    /// The encoded length of a value.
    pub(crate) fn value_len(&self, value: &Value) -> usize {
        match value {
            Value::Uint(_) => self.kind.fixed_len().unwrap_or(8),
            Value::Bytes(b) => b.len(),
            Value::Suite(_) => 2,
            Value::Suites(cs) => 2 * cs.len(),
            Value::Versions(v) => v.len(),
        }
    }
}

/// A list is non-empty, at most `max` long and has no entry twice.
fn check_list<T: PartialEq + Copy>(items: &[T], max: usize) -> Result<(), (WireErrorCode, String)> {
    if items.is_empty() {
        return Err((WireErrorCode::BadLength, "empty".into()));
    }
    if items.len() > max {
        return Err((
            WireErrorCode::TooLarge,
            format!("{} entries, at most {max}", items.len()),
        ));
    }
    for (i, item) in items.iter().enumerate() {
        if items[..i].contains(item) {
            return Err((
                WireErrorCode::DuplicateEntry,
                format!("entry {i} repeats an earlier one"),
            ));
        }
    }
    Ok(())
}

/// Big-endian unsigned integer of up to eight bytes.
pub(crate) fn be_uint(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b))
}
