//! The record writer: canonical output whatever the order fields are set in.

use zeroize::Zeroizing;

use super::{type_name, RecordField, CHECKSUM_FIELD, FORMAT_VERSION, FORMAT_VERSION_FIELD};
use crate::wire::limits::{FIELD_HEADER_LEN, HEADER_LEN};
use crate::wire::tlv::Writer;

/// Length of the checksum's value.
const CHECKSUM_LEN: usize = 32;

/// A field's value: borrowed (no copy of a secret the caller holds), a small integer, or
/// built by the caller (wiped when the writer is dropped).
enum Value<'a> {
    Borrowed(&'a [u8]),
    Int([u8; 8], usize),
    Owned(Zeroizing<Vec<u8>>),
}

impl Value<'_> {
    fn as_slice(&self) -> &[u8] {
        match self {
            Value::Borrowed(b) => b,
            Value::Int(b, n) => b.get(8 - n..).unwrap_or_default(),
            Value::Owned(v) => v,
        }
    }
}

/// Builds one record. Fields are kept in ascending tag order whatever the order they are
/// set in, and setting a tag again replaces its value (as [`crate::wire::Message::set`]
/// does), so the output is always canonical; `formatVersion` is set by
/// [`RecordWriter::new`]. Values are borrowed until [`RecordWriter::finish`], which
/// copies them once into a buffer of the exact size: the record holds secrets, and a
/// growing buffer would leave copies of them behind in freed memory.
///
/// A value is at most `u32::MAX` bytes (a field's length is a u32); the record layouts of
/// pqwire stay far below it. `Debug` shows tags and lengths only.
pub struct RecordWriter<'a> {
    record_type: u8,
    fields: Vec<(u16, Value<'a>)>,
}

impl<'a> RecordWriter<'a> {
    /// A record of `record_type` holding only `formatVersion`.
    pub fn new(record_type: u8) -> Self {
        let mut w = Self {
            record_type,
            fields: Vec::new(),
        };
        w.u8(FORMAT_VERSION_FIELD, FORMAT_VERSION);
        w
    }

    /// Sets a u8 field.
    pub fn u8(&mut self, f: RecordField, v: u8) -> &mut Self {
        self.int(f, u64::from(v), 1)
    }

    /// Sets a flag: a u8 field holding 0 or 1.
    pub fn flag(&mut self, f: RecordField, v: bool) -> &mut Self {
        self.u8(f, u8::from(v))
    }

    /// Sets a u16 field.
    pub fn u16(&mut self, f: RecordField, v: u16) -> &mut Self {
        self.int(f, u64::from(v), 2)
    }

    /// Sets a u32 field.
    pub fn u32(&mut self, f: RecordField, v: u32) -> &mut Self {
        self.int(f, u64::from(v), 4)
    }

    /// Sets a u64 field.
    pub fn u64(&mut self, f: RecordField, v: u64) -> &mut Self {
        self.int(f, v, 8)
    }

    /// Sets a field to `v`, borrowed until [`RecordWriter::finish`] (secrets included).
    pub fn bytes(&mut self, f: RecordField, v: &'a [u8]) -> &mut Self {
        self.set(f.tag, Value::Borrowed(v))
    }

    /// Sets a field to a value the caller built (a list, say); wiped on drop.
    pub fn owned(&mut self, f: RecordField, v: Zeroizing<Vec<u8>>) -> &mut Self {
        self.set(f.tag, Value::Owned(v))
    }

    /// Sets a field by its raw tag (for a layer that stores opaque fields in a reserved
    /// range; prefer the named setters).
    pub fn raw(&mut self, tag: u16, v: &'a [u8]) -> &mut Self {
        self.set(tag, Value::Borrowed(v))
    }

    /// The length of the record [`RecordWriter::finish`] will return.
    pub fn len(&self) -> usize {
        HEADER_LEN
            + FIELD_HEADER_LEN
            + CHECKSUM_LEN
            + self
                .fields
                .iter()
                .map(|(_, v)| FIELD_HEADER_LEN + v.as_slice().len())
                .sum::<usize>()
    }

    /// Whether the record is empty (never: it always has a header).
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The encoded record, ending with its checksum field ([`CHECKSUM_FIELD`]).
    pub fn finish(&self) -> Zeroizing<Vec<u8>> {
        let mut out = Zeroizing::new(Vec::with_capacity(self.len()));
        let mut w = Writer::new(&mut out);
        w.header(self.record_type);
        for (tag, value) in &self.fields {
            w.field(*tag, value.as_slice());
        }
        let checksum = super::checksum(&out);
        Writer::new(&mut out).field(CHECKSUM_FIELD.tag, &checksum);
        out
    }

    fn int(&mut self, f: RecordField, v: u64, width: usize) -> &mut Self {
        self.set(f.tag, Value::Int(v.to_be_bytes(), width))
    }

    fn set(&mut self, tag: u16, value: Value<'a>) -> &mut Self {
        // The checksum is the writer's own last field.
        debug_assert!(tag != CHECKSUM_FIELD.tag, "the checksum tag is reserved");
        match self.fields.binary_search_by_key(&tag, |(t, _)| *t) {
            Ok(i) => {
                if let Some(slot) = self.fields.get_mut(i) {
                    slot.1 = value;
                }
            }
            Err(i) => self.fields.insert(i, (tag, value)),
        }
        self
    }
}

impl core::fmt::Debug for RecordWriter<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let fields: Vec<_> = self
            .fields
            .iter()
            .map(|(tag, v)| format!("0x{tag:04X} ({} B)", v.as_slice().len()))
            .collect();
        f.debug_struct("RecordWriter")
            .field("type", &type_name(self.record_type).unwrap_or("?"))
            .field("fields", &fields)
            .finish()
    }
}
