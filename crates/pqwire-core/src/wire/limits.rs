//! Every constant of the wire format in one place: magic, versions, tag ranges and
//! the caps on every variable length. Changing one of these is a wire-format change.

/// The two bytes every pqwire message starts with: ASCII `"PW"`.
pub const MAGIC: [u8; 2] = *b"PW";

/// The wire-format version this library writes and reads.
pub const VERSION: u8 = 2;

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

/// The public-key lengths of every KEM suite (X25519 32, ML-KEM-512 800, ML-KEM-768 1184,
/// ML-KEM-1024 1568, X25519+ML-KEM-512 832, X-Wing 1216, X25519+ML-KEM-1024 1600): a
/// ratchet runs with the session's KEM, which is ML-KEM after a post-quantum handshake and
/// the negotiated key-exchange suite after a classical-only one. A unit test keeps the
/// list equal to the backends' lengths.
pub const KEM_PUBLIC_KEY_LENS: [usize; 7] = [32, 800, 832, 1184, 1216, 1568, 1600];

/// The ciphertext lengths of every KEM suite (X25519 32, ML-KEM-512 768, X25519+ML-KEM-512
/// 800, ML-KEM-768 1088, X-Wing 1120, ML-KEM-1024 1568, X25519+ML-KEM-1024 1600).
pub const KEM_CIPHERTEXT_LENS: [usize; 7] = [32, 768, 800, 1088, 1120, 1568, 1600];

/// The shortest AEAD output: the 16-byte tag of an empty plaintext.
pub const MIN_AEAD_CIPHERTEXT_LEN: usize = 16;

/// The largest payload of an envelope.
pub const MAX_PAYLOAD_LEN: usize = MAX_MESSAGE_LEN - 1024;

/// Times are unix seconds in a u64 field, capped at 2^53 - 1 so that JavaScript
/// numbers hold them exactly.
pub const MAX_TIME: u64 = (1 << 53) - 1;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{aead, kem, KemSuite};

    #[test]
    fn kem_lengths_are_the_backends() {
        let mut public: Vec<usize> = KemSuite::ALL
            .iter()
            .map(|s| kem::backend(*s).lengths().public_key)
            .collect();
        let mut ciphertext: Vec<usize> = KemSuite::ALL
            .iter()
            .map(|s| kem::backend(*s).lengths().cipher_text)
            .collect();
        public.sort_unstable();
        ciphertext.sort_unstable();
        assert_eq!(public, KEM_PUBLIC_KEY_LENS);
        assert_eq!(ciphertext, KEM_CIPHERTEXT_LENS);
        assert!(KEM_PUBLIC_KEY_LENS.iter().all(|l| *l <= MAX_PUBLIC_KEY_LEN));
        assert!(KEM_CIPHERTEXT_LENS
            .iter()
            .all(|l| *l <= MAX_KEM_CIPHERTEXT_LEN));
        assert_eq!(MIN_AEAD_CIPHERTEXT_LEN, aead::TAG_LEN);
    }
}
