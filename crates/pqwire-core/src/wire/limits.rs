//! Every constant of the wire format in one place: magic, versions, tag ranges and
//! the caps on every variable length. Changing one of these is a wire-format change.

/// The two bytes every pqwire message starts with: ASCII `"PW"`.
pub const MAGIC: [u8; 2] = *b"PW";

/// The wire-format version this library writes and reads.
pub const VERSION: u8 = 1;

/// Every wire-format version this library can read (and negotiate).
pub const SUPPORTED_VERSIONS: &[u8] = &[VERSION];

/// Bytes before the first field: magic (2), version (1), type (1).
pub const HEADER_LEN: usize = 4;

/// Bytes of a field header: tag (2) and length (4).
pub const FIELD_HEADER_LEN: usize = 6;

/// The largest message accepted or produced, header included (1 MiB).
pub const MAX_MESSAGE_LEN: usize = 1 << 20;

/// Tags from here up are extensions: a decoder that does not know one keeps it
/// as opaque bytes instead of refusing the message (the only unknown tags allowed).
pub const FIRST_EXTENSION_TAG: u16 = 0xF000;

/// At most this many extension fields per message.
pub const MAX_EXTENSIONS: usize = 16;

/// The largest value of one extension field.
pub const MAX_EXTENSION_LEN: usize = 1024;

/// At most this many suites in one capability list.
pub const MAX_SUITES_PER_LIST: usize = 32;

/// At most this many wire versions in one capability list.
pub const MAX_VERSIONS: usize = 8;

/// Bytes of a key id.
pub const KEY_ID_LEN: usize = 16;

/// The largest public key any suite has (ML-DSA-87: 2592 bytes), with headroom for
/// hybrids. Exact lengths are checked per suite; this only caps the field.
pub const MAX_PUBLIC_KEY_LEN: usize = 4096;

/// The cap of a signature field (Ed25519+ML-DSA-87: 4691 bytes). Exact lengths are
/// checked per suite; this only caps the field.
pub const MAX_SIGNATURE_LEN: usize = 8192;

/// The cap of a KEM ciphertext field (X25519+ML-KEM-1024: 1600 bytes). Exact lengths
/// are checked per suite; this only caps the field.
pub const MAX_KEM_CIPHERTEXT_LEN: usize = 4096;

/// The largest payload of an envelope.
pub const MAX_PAYLOAD_LEN: usize = MAX_MESSAGE_LEN - 1024;

/// Times are unix seconds in a u64 field, capped at 2^53 - 1 so that JavaScript
/// numbers hold them exactly.
pub const MAX_TIME: u64 = (1 << 53) - 1;
