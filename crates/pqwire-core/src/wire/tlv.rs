//! The one TLV layer under every pqwire encoding: wire messages ([`super::codec`]),
//! records at rest (the `record` module), the ratchet header's associated data
//! ([`super::ratchet_header::Header::to_ad_bytes`]) and the length-prefixed transcript
//! inputs.
//!
//! ```text
//! encoding = magic "PW"(2) | version(1) | type(1) | field*
//! field    = tag u16 | length u32 | value            (big-endian)
//! ```
//!
//! [`Reader`] is a cursor over a byte slice: the framing rules (header, whole field
//! headers, strictly ascending tags, values all there, nothing left over) are checked
//! here and only here, each with its stable [`WireErrorCode`] and offset. What a value
//! means is the caller's (the codec's field table, a record's typed reads). [`Writer`]
//! appends the same framing.

use super::error::{WireError, WireErrorCode as Code};
use super::limits::{FIELD_HEADER_LEN, HEADER_LEN, MAGIC, SUPPORTED_VERSIONS, VERSION};

/// A field header as read: where it starts (offset of its tag), its tag and the length
/// it declares. Its value is read with [`Reader::value`], which consumes it.
#[derive(Debug)]
pub(crate) struct FieldHeader {
    pub offset: usize,
    pub tag: u16,
    pub len: usize,
}

/// A whole field as framed: where it starts, its tag, its value.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RawField<'a> {
    pub offset: usize,
    pub tag: u16,
    pub value: &'a [u8],
}

/// A cursor over an encoding. Offsets in errors count from the start of the slice.
#[derive(Debug)]
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    previous_tag: Option<u16>,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `bytes`.
    pub fn new(bytes: &'a [u8]) -> Self {
        Reader {
            bytes,
            pos: 0,
            previous_tag: None,
        }
    }

    /// Whether everything was read.
    pub fn is_empty(&self) -> bool {
        self.pos >= self.bytes.len()
    }

    /// The next `n` bytes, or `None` (and nothing consumed) when fewer remain.
    pub fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let out = self.bytes.get(self.pos..end)?;
        self.pos = end;
        Some(out)
    }

    /// The next `N` bytes as an array.
    pub fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }

    /// Everything not read yet.
    pub fn rest(&mut self) -> &'a [u8] {
        let out = self.bytes.get(self.pos..).unwrap_or_default();
        self.pos = self.bytes.len();
        out
    }

    /// Reads the 4-byte header of a pqwire encoding (`what`: `"message"` or `"record"`)
    /// and returns its type byte. Refuses, in this order: a first two bytes other than
    /// the magic (`BAD_MAGIC`), fewer than 4 bytes (`TRUNCATED`), a version this library
    /// does not read (`UNSUPPORTED_VERSION`).
    pub fn header(&mut self, what: &str) -> Result<u8, WireError> {
        let bytes = self.bytes;
        if bytes.len() >= 2 && bytes[..2] != MAGIC {
            return Err(WireError::at(
                Code::BadMagic,
                0,
                format!("not a pqwire {what} (magic is not \"PW\")"),
            ));
        }
        let Some([_, _, version, ty]) = self.array::<HEADER_LEN>() else {
            return Err(WireError::at(
                Code::Truncated,
                bytes.len(),
                format!("header needs {HEADER_LEN} bytes, got {}", bytes.len()),
            ));
        };
        if !SUPPORTED_VERSIONS.contains(&version) {
            return Err(WireError::at(
                Code::UnsupportedVersion,
                2,
                format!("wire version {version} is not supported (this library reads {VERSION})"),
            ));
        }
        Ok(ty)
    }

    /// The next field's header, or `None` at the end. Fewer than six bytes left cannot
    /// start a field: `TRAILING_BYTES`. The tag order is checked by
    /// [`Reader::check_order`], the value read by [`Reader::value`].
    pub fn field_header(&mut self) -> Result<Option<FieldHeader>, WireError> {
        if self.is_empty() {
            return Ok(None);
        }
        let offset = self.pos;
        let Some([t0, t1, l0, l1, l2, l3]) = self.array::<FIELD_HEADER_LEN>() else {
            return Err(WireError::at(
                Code::TrailingBytes,
                offset,
                format!(
                    "{} bytes left, too few for a field header",
                    self.bytes.len() - offset
                ),
            ));
        };
        Ok(Some(FieldHeader {
            offset,
            tag: u16::from_be_bytes([t0, t1]),
            len: u32::from_be_bytes([l0, l1, l2, l3]) as usize,
        }))
    }

    /// The field's tag ascends strictly from the previous field's (`DUPLICATE_TAG`,
    /// `TAG_ORDER`).
    pub fn check_order(&mut self, h: &FieldHeader) -> Result<(), WireError> {
        check_order(self.previous_tag, h.tag, h.offset)?;
        self.previous_tag = Some(h.tag);
        Ok(())
    }

    /// The value of the field `h` was read for: `TRUNCATED` when its declared length
    /// runs past the end.
    pub fn value(&mut self, h: FieldHeader) -> Result<&'a [u8], WireError> {
        let remaining = self.bytes.len().saturating_sub(self.pos);
        self.take(h.len).ok_or_else(|| {
            WireError::in_field(
                Code::Truncated,
                h.offset,
                h.tag,
                None,
                format!("field declares {} bytes, {remaining} remain", h.len),
            )
        })
    }

    /// The next whole field in order, or `None` at the end: the framing rules alone, for
    /// readers that look values up by tag afterwards.
    pub fn field(&mut self) -> Result<Option<RawField<'a>>, WireError> {
        let Some(h) = self.field_header()? else {
            return Ok(None);
        };
        self.check_order(&h)?;
        let (offset, tag) = (h.offset, h.tag);
        let value = self.value(h)?;
        Ok(Some(RawField { offset, tag, value }))
    }
}

/// Tags ascend strictly: `tag` at `offset` after `previous`.
pub(crate) fn check_order(previous: Option<u16>, tag: u16, offset: usize) -> Result<(), WireError> {
    match previous {
        Some(p) if p == tag => Err(WireError::in_field(
            Code::DuplicateTag,
            offset,
            tag,
            None,
            "tag repeats the previous field",
        )),
        Some(p) if p > tag => Err(WireError::in_field(
            Code::TagOrder,
            offset,
            tag,
            None,
            format!("tag follows 0x{p:04X}; tags must ascend"),
        )),
        _ => Ok(()),
    }
}

/// Appends pqwire framing to a buffer (a plain `Vec`, or a `Zeroizing` one for records
/// that hold secrets). Lengths are written as u32: callers check their caps first
/// (every cap of the format is far below 4 GiB), and a longer value would be written
/// with a length of `u32::MAX`, which every reader refuses.
pub(crate) struct Writer<'a> {
    out: &'a mut Vec<u8>,
}

impl<'a> Writer<'a> {
    /// A writer appending to `out`.
    pub fn new(out: &'a mut Vec<u8>) -> Self {
        Writer { out }
    }

    /// Bytes in the buffer (the offset of the next field when the buffer started empty).
    pub fn len(&self) -> usize {
        self.out.len()
    }

    /// The 4-byte header: magic, this library's version, `ty`.
    pub fn header(&mut self, ty: u8) -> &mut Self {
        self.out.extend_from_slice(&MAGIC);
        self.out.push(VERSION);
        self.out.push(ty);
        self
    }

    /// `tag | length | value`.
    pub fn field(&mut self, tag: u16, value: &[u8]) -> &mut Self {
        self.field_parts(tag, &[value])
    }

    /// `tag | length | parts…`: one field whose value is the parts back to back.
    pub fn field_parts(&mut self, tag: u16, parts: &[&[u8]]) -> &mut Self {
        self.field_header(tag, parts.iter().map(|p| p.len()).sum());
        for p in parts {
            self.out.extend_from_slice(p);
        }
        self
    }

    /// `tag | length`, for a value of `len` bytes the caller appends with
    /// [`Writer::raw`].
    pub fn field_header(&mut self, tag: u16, len: usize) -> &mut Self {
        self.out.extend_from_slice(&tag.to_be_bytes());
        self.length(len);
        self
    }

    /// `u32(len(x)) ‖ x`: a length-prefixed value without a tag, as transcripts hash
    /// their variable-length inputs.
    pub fn length_prefixed(&mut self, x: &[u8]) -> &mut Self {
        self.length(x.len());
        self.out.extend_from_slice(x);
        self
    }

    /// Raw bytes (fixed-size parts whose length is known to both sides).
    pub fn raw(&mut self, x: &[u8]) -> &mut Self {
        self.out.extend_from_slice(x);
        self
    }

    fn length(&mut self, len: usize) {
        let len = u32::try_from(len).unwrap_or(u32::MAX);
        self.out.extend_from_slice(&len.to_be_bytes());
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn framed(fields: &[(u16, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut w = Writer::new(&mut out);
        w.header(0x03);
        for (tag, v) in fields {
            w.field(*tag, v);
        }
        out
    }

    fn read_all(bytes: &[u8]) -> Result<Vec<(usize, u16, Vec<u8>)>, WireError> {
        let mut r = Reader::new(bytes);
        assert_eq!(r.header("message")?, 0x03);
        let mut out = Vec::new();
        while let Some(f) = r.field()? {
            out.push((f.offset, f.tag, f.value.to_vec()));
        }
        Ok(out)
    }

    #[test]
    fn writer_and_reader_agree() {
        let b = framed(&[(1, b"ab"), (7, b""), (0xF000, b"xyz")]);
        assert_eq!(&b[..10], b"PW\x02\x03\x00\x01\x00\x00\x00\x02");
        let fields = read_all(&b).unwrap();
        assert_eq!(
            fields,
            vec![
                (4, 1, b"ab".to_vec()),
                (12, 7, vec![]),
                (18, 0xF000, b"xyz".to_vec())
            ]
        );
        let mut lp = Vec::new();
        Writer::new(&mut lp).length_prefixed(b"hi").raw(&[9]);
        assert_eq!(lp, [0, 0, 0, 2, b'h', b'i', 9]);
    }

    #[test]
    fn framing_rules_have_their_codes_and_offsets() {
        let b = framed(&[(1, b"ab"), (2, b"c")]);
        let err = |bytes: &[u8]| {
            let e = read_all(bytes).unwrap_err();
            (e.code, e.offset, e.tag)
        };
        assert_eq!(err(b"PX\x01\x03"), (Code::BadMagic, 0, None));
        assert_eq!(err(b"PW\x02"), (Code::Truncated, 3, None));
        assert_eq!(err(b"PW\x01\x03"), (Code::UnsupportedVersion, 2, None));
        assert_eq!(err(&b[..b.len() - 1]), (Code::Truncated, 12, Some(2)));
        assert_eq!(
            err(&[&b[..], &[0; 5]].concat()),
            (Code::TrailingBytes, 19, None)
        );
        let twice = framed(&[(1, b"ab"), (1, b"c")]);
        assert_eq!(err(&twice), (Code::DuplicateTag, 12, Some(1)));
        let backwards = framed(&[(2, b"ab"), (1, b"c")]);
        assert_eq!(err(&backwards), (Code::TagOrder, 12, Some(1)));
        // A declared length far past the end is refused without reading it.
        let mut huge = framed(&[(1, b"")]);
        huge[6..10].copy_from_slice(&u32::MAX.to_be_bytes());
        assert_eq!(err(&huge), (Code::Truncated, 4, Some(1)));
    }

    #[test]
    fn cursor_reads_fixed_parts() {
        let mut r = Reader::new(&[1, 2, 3, 4, 5]);
        assert_eq!(r.array::<2>(), Some([1, 2]));
        assert_eq!(r.take(4), None);
        assert_eq!(r.rest(), &[3, 4, 5]);
        assert!(r.is_empty());
    }
}
