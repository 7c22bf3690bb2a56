//! The strict record reader: the framing is checked once, up front; fields are then read
//! by tag, each with its kind's length rule; [`RecordReader::finish`] refuses any field
//! nobody asked for.

use super::{type_name, RecordField, CHECKSUM_FIELD, FORMAT_VERSION, FORMAT_VERSION_FIELD};
use crate::wire::limits::{FIELD_HEADER_LEN, MAX_MESSAGE_LEN};
use crate::wire::tlv::{RawField, Reader};
use crate::wire::{MessageType, WireError, WireErrorCode as Code};
use crate::SecretBytes;
use subtle::ConstantTimeEq;

/// Reads one record of a given type.
///
/// [`RecordReader::new`] checks, in this order (codes as in the wire format): the magic
/// (`BAD_MAGIC`), a whole header (`TRUNCATED`), the version (`UNSUPPORTED_VERSION`), the
/// type (`UNEXPECTED_TYPE` for another record or message type, `UNKNOWN_TYPE` for an
/// undefined one), then every field's framing at its offset — a whole field header
/// (`TRAILING_BYTES`), strictly ascending tags (`DUPLICATE_TAG`, `TAG_ORDER`), the value
/// all there (`TRUNCATED`) — and finally `formatVersion` (`MISSING_FIELD`, `BAD_LENGTH`,
/// `UNSUPPORTED_VERSION`).
///
/// The typed reads then check each value (`BAD_LENGTH`, `TOO_LARGE`, `INVALID_FIELD`)
/// and report an absent required field as `MISSING_FIELD` at the end of the record.
/// They may come in any order. [`RecordReader::finish`] reports the first field that
/// was not read as `UNKNOWN_TAG`. Errors carry the offset of the field's header, its
/// tag and its name, never a value. `Debug` shows tags and lengths only.
pub struct RecordReader<'a> {
    bytes: &'a [u8],
    record_type: u8,
    fields: Vec<RawField<'a>>,
    read: Vec<bool>,
}

impl<'a> RecordReader<'a> {
    /// Checks the header, the framing and `formatVersion` of a record of `record_type`.
    pub fn new(bytes: &'a [u8], record_type: u8) -> Result<Self, WireError> {
        let mut r = Reader::new(bytes);
        check_type(r.header("record")?, record_type)?;
        // Room for a session record's fields at once (about 45), not five regrowths.
        let mut fields = Vec::with_capacity((bytes.len() / FIELD_HEADER_LEN).min(64));
        while let Some(field) = r.field()? {
            fields.push(field);
        }
        check_checksum(bytes, fields.last())?;
        let mut reader = Self {
            bytes,
            record_type,
            read: vec![false; fields.len()],
            fields,
        };
        if let Some(last) = reader.read.last_mut() {
            *last = true;
        }
        let format = reader.u8(FORMAT_VERSION_FIELD)?;
        if format != FORMAT_VERSION {
            return Err(reader.error(
                FORMAT_VERSION_FIELD,
                Code::UnsupportedVersion,
                format!(
                    "record format {format} is not supported (this library reads {FORMAT_VERSION})"
                ),
            ));
        }
        Ok(reader)
    }

    /// The record's type code.
    pub fn record_type(&self) -> u8 {
        self.record_type
    }

    /// The record's length in bytes.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Whether the record is empty (never, once [`RecordReader::new`] accepted it).
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// An error about field `f`: at its offset when it is present, else at the end.
    pub fn error(&self, f: RecordField, code: Code, detail: impl Into<String>) -> WireError {
        WireError::in_field(code, self.offset_of(f), f.tag, Some(f.name), detail)
    }

    /// Offset of field `f`'s header, or the end of the record when it is absent.
    fn offset_of(&self, f: RecordField) -> usize {
        self.position(f.tag)
            .and_then(|i| self.fields.get(i))
            .map_or(self.bytes.len(), |raw| raw.offset)
    }

    /// The value of field `f`, marked as read, or `None` when absent.
    pub fn opt_raw(&mut self, f: RecordField) -> Option<&'a [u8]> {
        let i = self.position(f.tag)?;
        if let Some(seen) = self.read.get_mut(i) {
            *seen = true;
        }
        self.fields.get(i).map(|raw| raw.value)
    }

    /// A u8 field.
    pub fn u8(&mut self, f: RecordField) -> Result<u8, WireError> {
        self.required(f, Self::opt_u8)
    }

    /// An optional u8 field.
    pub fn opt_u8(&mut self, f: RecordField) -> Result<Option<u8>, WireError> {
        Ok(self.opt_fixed::<1>(f)?.map(u8::from_be_bytes))
    }

    /// A u8 field that holds 0 (`false`) or 1 (`true`); anything else is `INVALID_FIELD`.
    pub fn flag(&mut self, f: RecordField) -> Result<bool, WireError> {
        match self.u8(f)? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(self.error(f, Code::InvalidField, "a flag is 0 or 1")),
        }
    }

    /// A u16 field.
    pub fn u16(&mut self, f: RecordField) -> Result<u16, WireError> {
        self.required(f, Self::opt_u16)
    }

    /// An optional u16 field.
    pub fn opt_u16(&mut self, f: RecordField) -> Result<Option<u16>, WireError> {
        Ok(self.opt_fixed::<2>(f)?.map(u16::from_be_bytes))
    }

    /// A u32 field.
    pub fn u32(&mut self, f: RecordField) -> Result<u32, WireError> {
        self.required(f, Self::opt_u32)
    }

    /// An optional u32 field.
    pub fn opt_u32(&mut self, f: RecordField) -> Result<Option<u32>, WireError> {
        Ok(self.opt_fixed::<4>(f)?.map(u32::from_be_bytes))
    }

    /// A u64 field.
    pub fn u64(&mut self, f: RecordField) -> Result<u64, WireError> {
        self.required(f, Self::opt_u64)
    }

    /// An optional u64 field.
    pub fn opt_u64(&mut self, f: RecordField) -> Result<Option<u64>, WireError> {
        Ok(self.opt_fixed::<8>(f)?.map(u64::from_be_bytes))
    }

    /// A field of exactly `N` bytes (public: for secrets use [`RecordReader::secret`]).
    pub fn fixed<const N: usize>(&mut self, f: RecordField) -> Result<[u8; N], WireError> {
        self.required(f, Self::opt_fixed::<N>)
    }

    /// An optional field of exactly `N` bytes.
    pub fn opt_fixed<const N: usize>(
        &mut self,
        f: RecordField,
    ) -> Result<Option<[u8; N]>, WireError> {
        self.opt_bytes(f, N, N)?
            .map(|v| {
                v.try_into()
                    .map_err(|_| self.error(f, Code::BadLength, format!("must be {N} bytes")))
            })
            .transpose()
    }

    /// A field of `min..=max` bytes, borrowed from the record: below `min` is
    /// `BAD_LENGTH`, above `max` is `TOO_LARGE` (both `BAD_LENGTH` for a fixed size).
    pub fn bytes(&mut self, f: RecordField, min: usize, max: usize) -> Result<&'a [u8], WireError> {
        self.required(f, |r, f| r.opt_bytes(f, min, max))
    }

    /// An optional field of `min..=max` bytes.
    pub fn opt_bytes(
        &mut self,
        f: RecordField,
        min: usize,
        max: usize,
    ) -> Result<Option<&'a [u8]>, WireError> {
        let Some(v) = self.opt_raw(f) else {
            return Ok(None);
        };
        let len = v.len();
        if min == max && len != min {
            Err(self.error(f, Code::BadLength, format!("length {len}, must be {min}")))
        } else if len < min {
            Err(self.error(f, Code::BadLength, format!("length {len}, at least {min}")))
        } else if len > max {
            Err(self.error(f, Code::TooLarge, format!("length {len}, at most {max}")))
        } else {
            Ok(Some(v))
        }
    }

    /// A secret field of `min..=max` bytes, copied into [`SecretBytes`].
    pub fn secret(
        &mut self,
        f: RecordField,
        min: usize,
        max: usize,
    ) -> Result<SecretBytes, WireError> {
        self.required(f, |r, f| r.opt_secret(f, min, max))
    }

    /// An optional secret field of `min..=max` bytes.
    pub fn opt_secret(
        &mut self,
        f: RecordField,
        min: usize,
        max: usize,
    ) -> Result<Option<SecretBytes>, WireError> {
        Ok(self.opt_bytes(f, min, max)?.map(SecretBytes::from_slice))
    }

    /// A field holding a whole wire message of `ty` (at most `MAX_MESSAGE_LEN` bytes),
    /// decoded by `decode`. As for nested messages in the wire format, an error inside
    /// keeps its code, with the offset counted from the start of the record and this
    /// field's tag.
    pub fn nested<T>(
        &mut self,
        f: RecordField,
        ty: MessageType,
        decode: impl FnOnce(&'a [u8]) -> Result<T, WireError>,
    ) -> Result<T, WireError> {
        let value = self.bytes(f, 1, MAX_MESSAGE_LEN)?;
        let start = self.offset_of(f) + FIELD_HEADER_LEN;
        decode(value).map_err(|inner| {
            WireError::in_field(
                inner.code,
                start + inner.offset,
                f.tag,
                Some(f.name),
                format!("in the nested {} message: {inner}", ty.name()),
            )
        })
    }

    /// Takes every unread field whose tag lies in `first..=last`, in tag order, as
    /// `(offset, tag, value)`: for a layer that stores opaque fields in a reserved range.
    pub fn take_range(&mut self, first: u16, last: u16) -> Vec<(usize, u16, &'a [u8])> {
        let mut out = Vec::new();
        for (raw, seen) in self.fields.iter().zip(self.read.iter_mut()) {
            if !*seen && (first..=last).contains(&raw.tag) {
                *seen = true;
                out.push((raw.offset, raw.tag, raw.value));
            }
        }
        out
    }

    /// Ends reading: a field that was not read is `UNKNOWN_TAG`.
    pub fn finish(self) -> Result<(), WireError> {
        match self.fields.iter().zip(&self.read).find(|(_, seen)| !**seen) {
            Some((raw, _)) => Err(WireError::in_field(
                Code::UnknownTag,
                raw.offset,
                raw.tag,
                None,
                format!(
                    "tag is not defined for {} records",
                    type_name(self.record_type).unwrap_or("these")
                ),
            )),
            None => Ok(()),
        }
    }

    /// Index of the field `tag` (fields ascend, so a binary search finds it).
    fn position(&self, tag: u16) -> Option<usize> {
        self.fields.binary_search_by_key(&tag, |raw| raw.tag).ok()
    }

    /// Turns an optional read into a required one (`MISSING_FIELD` at the end).
    fn required<T>(
        &mut self,
        f: RecordField,
        read: impl FnOnce(&mut Self, RecordField) -> Result<Option<T>, WireError>,
    ) -> Result<T, WireError> {
        read(self, f)?.ok_or_else(|| {
            WireError::in_field(
                Code::MissingField,
                self.bytes.len(),
                f.tag,
                Some(f.name),
                "required field is missing",
            )
        })
    }
}

impl core::fmt::Debug for RecordReader<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let fields: Vec<_> = self
            .fields
            .iter()
            .map(|raw| format!("0x{:04X} ({} B)", raw.tag, raw.value.len()))
            .collect();
        f.debug_struct("RecordReader")
            .field("type", &type_name(self.record_type).unwrap_or("?"))
            .field("len", &self.bytes.len())
            .field("fields", &fields)
            .finish()
    }
}

/// The type byte `ty` is `expected`: `UNEXPECTED_TYPE` for another record or message
/// type, `UNKNOWN_TYPE` for an undefined one.
fn check_type(ty: u8, expected: u8) -> Result<(), WireError> {
    if ty == expected {
        return Ok(());
    }
    let wanted = type_name(expected).unwrap_or("unknown");
    Err(
        match type_name(ty).or_else(|| MessageType::from_code(ty).map(|t| t.name())) {
            Some(got) => WireError::at(
                Code::UnexpectedType,
                3,
                format!("expected a {wanted} record, got {got}"),
            ),
            None => WireError::at(
                Code::UnknownType,
                3,
                format!("type 0x{ty:02X} is not defined"),
            ),
        },
    )
}

/// The last field is the checksum over every byte before it.
fn check_checksum(bytes: &[u8], last: Option<&RawField<'_>>) -> Result<(), WireError> {
    let checksum = match last {
        Some(f) if f.tag == CHECKSUM_FIELD.tag => f,
        _ => {
            return Err(WireError::in_field(
                Code::MissingField,
                bytes.len(),
                CHECKSUM_FIELD.tag,
                Some(CHECKSUM_FIELD.name),
                "a record ends with its checksum",
            ))
        }
    };
    let expected = super::checksum(bytes.get(..checksum.offset).unwrap_or_default());
    if bool::from(checksum.value.ct_eq(&expected)) {
        return Ok(());
    }
    Err(WireError::in_field(
        if checksum.value.len() == expected.len() {
            Code::InvalidField
        } else {
            Code::BadLength
        },
        checksum.offset,
        CHECKSUM_FIELD.tag,
        Some(CHECKSUM_FIELD.name),
        "checksum does not match: the record is corrupted",
    ))
}
