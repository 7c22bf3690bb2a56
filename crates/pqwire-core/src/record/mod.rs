//! Records at rest (`docs/protocol.md` §6): the strict TLV codec shared by the records an
//! application stores — a session's state, an identity's secrets, a prekey's secret.
//!
//! A record is framed exactly like a wire message (`docs/wire-format.md`):
//!
//! ```text
//! record = magic "PW"(2) | version(1) | type(1) | field*
//! field  = tag u16 | length u32 | value          (big-endian)
//! ```
//!
//! with the same strict rules — tags strictly ascending, no duplicate and no unknown
//! tag, exact lengths, no trailing bytes — and the same stable error codes
//! ([`WireError`](crate::wire::WireError) in [`Error::Wire`](crate::Error::Wire)). The
//! first field of every record is `formatVersion` (tag `0x0001`, u8, currently
//! [`FORMAT_VERSION`]); the writer adds it and the reader checks it, so the layout of a
//! record type can evolve.
//!
//! **Records are not wire messages.** Their type codes ([`TYPE_SESSION_STATE`],
//! [`TYPE_IDENTITY_SECRET`], [`TYPE_PREKEY_SECRET`], ...) are not
//! [`MessageType`](crate::wire::MessageType)s: [`crate::wire::decode`] refuses them with
//! `UNKNOWN_TYPE` and [`crate::wire::inspect`] shows none of their fields, so a record
//! pasted into a log or an inspector never prints its secrets.
//!
//! **Records hold secrets** (root and chain keys, secret keys). [`RecordWriter::finish`]
//! returns them in a [`Zeroizing`](zeroize::Zeroizing) buffer; the reader copies secret
//! values straight into [`SecretBytes`](crate::SecretBytes). Store records as you would
//! store the keys themselves.
//!
//! ```
//! use pqwire_core::record::{RecordField, RecordReader, RecordWriter};
//!
//! const COUNT: RecordField = RecordField::new(0x0002, "count");
//! const KEY: RecordField = RecordField::new(0x0003, "key");
//! const TYPE: u8 = pqwire_core::record::TYPE_PREKEY_SECRET;
//!
//! let key = [7u8; 32];
//! let mut w = RecordWriter::new(TYPE);
//! w.u32(COUNT, 5).bytes(KEY, &key);
//! let bytes = w.finish();
//!
//! let mut r = RecordReader::new(&bytes, TYPE)?;
//! assert_eq!(r.u32(COUNT)?, 5);
//! assert!(r.secret(KEY, 32, 32)?.ct_eq_bytes(&key));
//! r.finish()?;
//! # Ok::<(), pqwire_core::wire::WireError>(())
//! ```

mod reader;
mod writer;

pub use reader::RecordReader;
pub use writer::RecordWriter;

/// Type code of a session's state (`session-state`): the ratchet's fields
/// ([`crate::ratchet::RatchetState::serialize`]) and the session layer's.
pub const TYPE_SESSION_STATE: u8 = 0x13;
/// Type code of an identity with its secret keys (`identity-secret`,
/// [`crate::pqxdh::Identity::to_record`]).
pub const TYPE_IDENTITY_SECRET: u8 = 0x14;
/// Type code of a prekey's secret half (`prekey-secret`,
/// [`crate::pqxdh::PrekeySecret::to_record`]).
pub const TYPE_PREKEY_SECRET: u8 = 0x15;

/// Type code of a channel server key with its signing secret key (`channel-server-key`,
/// [`crate::channel::ServerKey::to_record`], docs/channel.md §3.3).
pub const TYPE_CHANNEL_SERVER_KEY: u8 = 0x16;

/// Type code of an MLS group member's state (`group-member`, `pqwire_mls::Member::to_record`,
/// docs/groups.md "Storage"): its suite, identity, signature secret and openmls storage.
pub const TYPE_GROUP_MEMBER: u8 = 0x19;

/// Type code of the changes to a group member's state since its last save
/// (`group-member-changes`, `pqwire_mls::Member::unsaved_changes`, docs/groups.md "Storage").
pub const TYPE_GROUP_CHANGES: u8 = 0x1A;

/// Every record type code.
pub const RECORD_TYPES: [u8; 6] = [
    TYPE_SESSION_STATE,
    TYPE_IDENTITY_SECRET,
    TYPE_PREKEY_SECRET,
    TYPE_CHANNEL_SERVER_KEY,
    TYPE_GROUP_MEMBER,
    TYPE_GROUP_CHANGES,
];

/// The layout version every record carries in its first field.
pub const FORMAT_VERSION: u8 = 1;

/// The first field of every record: the layout version (u8).
pub const FORMAT_VERSION_FIELD: RecordField = RecordField::new(0x0001, "formatVersion");

/// The last field of every record: SHA-256 of [`CHECKSUM_LABEL`] and every byte before
/// the field (32 bytes, [`checksum`]). Records are files an application stores; the checksum turns
/// accidental corruption (a flipped bit on disk, a truncated copy) into a refusal
/// instead of a key that loads and misbehaves later — an ML-DSA secret key with a
/// damaged `t0` part still signs, but some of its signatures fail. It is not a MAC:
/// whoever can write a record can also recompute it.
pub const CHECKSUM_FIELD: RecordField = RecordField::new(0xFFFF, "checksum");

/// What the checksum hashes first.
pub const CHECKSUM_LABEL: &[u8] = b"pqwire/v2 record checksum";

/// The checksum of a record whose bytes before the checksum field are `body`:
/// `SHA-256(CHECKSUM_LABEL ‖ body)`.
///
/// SHA-256, not SHA3-256: it guards against accidental damage only (it is no MAC), and
/// every restore computes it over the whole record, where SHA-256 with the CPU's SHA
/// extensions measured about 5x faster than SHA3-256 (7.8 against 38 µs on a 12 KB
/// session record; docs/protocol.md §6.1).
///
/// ```
/// use pqwire_core::record::{checksum, RecordWriter, TYPE_PREKEY_SECRET};
/// let bytes = RecordWriter::new(TYPE_PREKEY_SECRET).finish();
/// let (body, field) = bytes.split_at(bytes.len() - 38);
/// assert_eq!(&field[6..], &checksum(body));
/// ```
pub fn checksum(body: &[u8]) -> [u8; 32] {
    use sha2::Digest as _;
    let mut h = sha2::Sha256::new();
    h.update(CHECKSUM_LABEL);
    h.update(body);
    h.finalize().into()
}

/// In a `session-state` record, tags `0x0001`–`0x00FF` are the ratchet's; the session
/// layer puts its own fields (peer identity, role, flags) at tags from here to
/// [`LAST_SESSION_TAG`].
pub const FIRST_SESSION_TAG: u16 = 0x0100;
/// The last tag reserved for the session layer in a `session-state` record.
pub const LAST_SESSION_TAG: u16 = 0x01FF;

/// The name of a record type (`"session-state"`, `"identity-secret"`, `"prekey-secret"`,
/// `"channel-server-key"`).
pub fn type_name(record_type: u8) -> Option<&'static str> {
    match record_type {
        TYPE_SESSION_STATE => Some("session-state"),
        TYPE_IDENTITY_SECRET => Some("identity-secret"),
        TYPE_PREKEY_SECRET => Some("prekey-secret"),
        TYPE_CHANNEL_SERVER_KEY => Some("channel-server-key"),
        TYPE_GROUP_MEMBER => Some("group-member"),
        TYPE_GROUP_CHANGES => Some("group-member-changes"),
        _ => None,
    }
}

/// A field of a record layout: its tag and its name (errors name the field).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordField {
    /// The tag.
    pub tag: u16,
    /// The name, as the documentation's field tables and errors show it.
    pub name: &'static str,
}

impl RecordField {
    /// A field `name` at `tag`.
    pub const fn new(tag: u16, name: &'static str) -> Self {
        Self { tag, name }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::wire::limits::FIELD_HEADER_LEN;
    use crate::wire::{self, MessageType, WireErrorCode as Code};

    const A: RecordField = RecordField::new(0x0002, "a");
    const B: RecordField = RecordField::new(0x0003, "b");
    const C: RecordField = RecordField::new(0x0005, "c");
    const TY: u8 = TYPE_PREKEY_SECRET;

    fn sample() -> Vec<u8> {
        let mut w = RecordWriter::new(TY);
        // Out of order on purpose: the writer keeps tag order.
        w.bytes(C, b"xyz").u8(A, 9).u64(B, 1 << 40);
        w.finish().to_vec()
    }

    fn code(bytes: &[u8]) -> Code {
        let read = || -> Result<(), wire::WireError> {
            let mut r = RecordReader::new(bytes, TY)?;
            r.u8(A)?;
            r.u64(B)?;
            r.bytes(C, 1, 8)?;
            r.finish()
        };
        read().unwrap_err().code
    }

    #[test]
    fn writer_output_is_canonical_and_reads_back() {
        let b = sample();
        assert_eq!(&b[..4], b"PW\x02\x15");
        assert_eq!(&b[4..11], &[0, 1, 0, 0, 0, 1, FORMAT_VERSION]);
        assert_eq!(&b[11..17], &[0, 2, 0, 0, 0, 1]);
        let mut r = RecordReader::new(&b, TY).unwrap();
        assert_eq!(r.bytes(C, 1, 8).unwrap(), b"xyz");
        assert_eq!(r.u8(A).unwrap(), 9);
        assert_eq!(r.u64(B).unwrap(), 1 << 40);
        assert_eq!(r.opt_u32(RecordField::new(4, "d")).unwrap(), None);
        r.finish().unwrap();
        // Setting a field twice keeps the last value.
        let mut w = RecordWriter::new(TY);
        w.u8(A, 1).u8(A, 9).u64(B, 1 << 40).bytes(C, b"xyz");
        assert_eq!(w.len(), b.len());
        assert_eq!(*w.finish(), b);
    }

    #[test]
    fn framing_rules_have_their_codes() {
        let b = sample();
        assert_eq!(code(&b[..1]), Code::Truncated);
        assert_eq!(code(b"PX\x01\x15"), Code::BadMagic);
        assert_eq!(code(&b[..3]), Code::Truncated);
        let mut v = b.clone();
        v[2] = 1;
        assert_eq!(code(&v), Code::UnsupportedVersion);
        v = b.clone();
        v[3] = TYPE_SESSION_STATE;
        assert_eq!(code(&v), Code::UnexpectedType);
        v[3] = MessageType::Envelope.code();
        assert_eq!(code(&v), Code::UnexpectedType);
        v[3] = 0x7F;
        assert_eq!(code(&v), Code::UnknownType);
        // Every truncation inside the fields.
        for n in 4..b.len() {
            let c = code(&b[..n]);
            assert!(
                matches!(
                    c,
                    Code::Truncated | Code::TrailingBytes | Code::MissingField
                ),
                "{n}: {c:?}"
            );
        }
        let mut v = b.clone();
        v.push(0);
        assert_eq!(code(&v), Code::TrailingBytes);
        v.extend_from_slice(&[0, 0, 0, 0, 0]);
        assert_eq!(code(&v), Code::TagOrder);
        // Framing comes before the checksum: a repeated tag is found without it.
        v = unsealed(&b);
        v.extend_from_slice(&[0, 5, 0, 0, 0, 0]);
        assert_eq!(code(&v), Code::DuplicateTag);
        v = unsealed(&b);
        v.extend_from_slice(&[0, 6, 0, 0, 0, 0]);
        assert_eq!(code(&reseal(v)), Code::UnknownTag);
        // formatVersion: wrong value, wrong length, missing.
        v = b.clone();
        v[10] = 2;
        assert_eq!(code(&reseal(unsealed(&v))), Code::UnsupportedVersion);
        let mut w = RecordWriter::new(TY);
        w.u8(A, 1);
        let mut v = unsealed(&w.finish());
        v.drain(4..11);
        assert_eq!(code(&reseal(v)), Code::MissingField);
    }

    /// `b` without its checksum field.
    fn unsealed(b: &[u8]) -> Vec<u8> {
        b[..b.len() - (FIELD_HEADER_LEN + 32)].to_vec()
    }

    /// `v` with a checksum field over it appended.
    fn reseal(mut v: Vec<u8>) -> Vec<u8> {
        let sum = checksum(&v);
        v.extend_from_slice(&[0xFF, 0xFF, 0, 0, 0, 32]);
        v.extend_from_slice(&sum);
        v
    }

    #[test]
    fn the_checksum_catches_every_flipped_byte_and_a_missing_checksum() {
        let b = sample();
        let framing_ok = |v: &[u8]| {
            !matches!(
                code(v),
                Code::Truncated
                    | Code::TrailingBytes
                    | Code::TagOrder
                    | Code::DuplicateTag
                    | Code::BadMagic
                    | Code::UnsupportedVersion
                    | Code::UnexpectedType
                    | Code::UnknownType
            )
        };
        for i in 4..b.len() {
            let mut v = b.clone();
            v[i] ^= 0x01;
            if framing_ok(&v) {
                // A damaged value is a checksum mismatch; a damaged checksum tag leaves
                // the record without one.
                let e = RecordReader::new(&v, TY).unwrap_err();
                assert_eq!(e.field, Some("checksum"), "byte {i}");
                assert!(
                    matches!(e.code, Code::InvalidField | Code::MissingField),
                    "byte {i}: {:?}",
                    e.code
                );
            }
        }
        let e = RecordReader::new(&unsealed(&b), TY).unwrap_err();
        assert_eq!((e.code, e.tag), (Code::MissingField, Some(0xFFFF)));
        let mut short = unsealed(&b);
        short.extend_from_slice(&[0xFF, 0xFF, 0, 0, 0, 1, 0]);
        assert_eq!(
            RecordReader::new(&short, TY).unwrap_err().code,
            Code::BadLength
        );
    }

    #[test]
    fn value_rules_have_their_codes() {
        let mut w = RecordWriter::new(TY);
        w.u16(A, 1).u64(B, 1).bytes(C, b"");
        let b = w.finish();
        let mut r = RecordReader::new(&b, TY).unwrap();
        let e = r.u8(A).unwrap_err();
        assert_eq!(
            (e.code, e.offset, e.tag, e.field),
            (Code::BadLength, 11, Some(2), Some("a"))
        );
        assert_eq!(r.bytes(C, 1, 8).unwrap_err().code, Code::BadLength);
        assert_eq!(r.flag(B).unwrap_err().code, Code::BadLength);
        let e = r.u8(RecordField::new(9, "z")).unwrap_err();
        assert_eq!((e.code, e.offset), (Code::MissingField, b.len()));
        let mut w = RecordWriter::new(TY);
        w.u8(A, 2)
            .u8(RecordField::new(4, "d"), 0)
            .bytes(C, b"123456789");
        let b = w.finish();
        let mut r = RecordReader::new(&b, TY).unwrap();
        assert_eq!(r.flag(A).unwrap_err().code, Code::InvalidField);
        assert_eq!(r.bytes(C, 1, 8).unwrap_err().code, Code::TooLarge);
        // Fields nobody read are unknown.
        let e = r.finish().unwrap_err();
        assert_eq!((e.code, e.tag), (Code::UnknownTag, Some(4)));
    }

    #[test]
    fn record_types_are_not_wire_messages() {
        for ty in RECORD_TYPES {
            assert!(MessageType::from_code(ty).is_none());
            assert!(type_name(ty).is_some());
            let mut w = RecordWriter::new(ty);
            w.bytes(A, &[0xAB; 40]);
            let b = w.finish();
            assert_eq!(wire::decode(&b).unwrap_err().code, Code::UnknownType);
            let shown = wire::inspect(&b);
            assert!(shown.contains("UNKNOWN_TYPE"), "{shown}");
            assert!(!shown.contains("abab"), "{shown}");
        }
    }

    #[test]
    fn debug_shows_no_values() {
        let secret = [0xCD; 16];
        let mut w = RecordWriter::new(TY);
        w.bytes(A, &secret);
        let shown = format!("{w:?}");
        assert!(!shown.contains("205") && !shown.contains("cd"), "{shown}");
        let b = w.finish();
        let r = RecordReader::new(&b, TY).unwrap();
        let shown = format!("{r:?}");
        assert!(!shown.contains("205") && !shown.contains("cd"), "{shown}");
    }
}
