//! The wire format written out independently of the library, for the wire tests: the
//! documented tags and suite codes, [`Raw`] (messages built byte by byte, never with the
//! encoder, so the decoder is tested on its own), good fields of each type, and the
//! assertions every test uses. Shared by the `wire*.rs` test files (`mod wire_support;`).
//! The files that include it allow `unwrap`, `expect` and `panic`.
#![allow(dead_code, unused_imports)]

pub use pqwire_core::ratchet::{ChunkKind, Header, PqChunk};
pub use pqwire_core::wire::limits::{
    FIRST_EXTENSION_TAG, MAX_EXTENSIONS, MAX_EXTENSION_LEN, MAX_MESSAGE_LEN, MAX_PAYLOAD_LEN,
    MAX_PUBLIC_KEY_LEN, MAX_SUITES_PER_LIST, MAX_TIME, MAX_VERSIONS,
};
pub use pqwire_core::wire::{
    self, tags, Capabilities, Envelope, Extension, Field, KeyPackage, Message, MessageType,
    PackageSuite, RatchetMessage, Value, WireError, WireErrorCode as Code, WireMessage,
};
pub use pqwire_core::{kem, sig, KemSuite, MlsSuite, SigSuite};

// ---------------------------------------------------------------------------------------
// The documented layout, written out independently of the library.

pub const CAPS: u8 = 0x01;
pub const KP: u8 = 0x02;
pub const ENV: u8 = 0x03;

// capabilities
pub const VERSIONS: u16 = 0x0001;
pub const KEX: u16 = 0x0002;
pub const SIGS: u16 = 0x0003;
pub const AEADS: u16 = 0x0004;
pub const FEATURES: u16 = 0x0005;
pub const MLS_SUITES: u16 = 0x0006;
/// The `mls` feature bit (4).
pub const MLS_BIT: u32 = 1 << 4;
// key package
pub const KEY_ID: u16 = 0x0001;
pub const KEM_SUITE: u16 = 0x0002;
pub const SIG_SUITE: u16 = 0x0003;
pub const PUBLIC_KEY: u16 = 0x0004;
pub const CREATED: u16 = 0x0005;
pub const EXPIRES: u16 = 0x0006;
// envelope
pub const CONTENT_TYPE: u16 = 0x0001;
pub const SENDER: u16 = 0x0002;
pub const RECIPIENT: u16 = 0x0003;
pub const SENT_AT: u16 = 0x0004;
pub const PAYLOAD: u16 = 0x0005;

pub const X25519: u16 = 0x001D;
pub const ML_KEM_512: u16 = 0x0200;
pub const ML_KEM_768: u16 = 0x0201;
pub const XWING: u16 = 0x647A;
pub const ED25519: u16 = 0x0807;
pub const ED_ML_DSA_65: u16 = 0x6460;
pub const CHACHA: u16 = 0x0003;
pub const AES_GCM: u16 = 0x0002;
// MLS cipher suites (RFC 9420 and draft-ietf-mls-pq-ciphersuites code points)
pub const MLS_XWING: u16 = 0x004D;
pub const MLS_X25519_AES128: u16 = 0x0001;

pub const CREATED_AT: u64 = 1_700_000_000;
pub const EXPIRES_AT: u64 = 1_800_000_000;

/// A message written byte by byte: a header, then `tag u16 | length u32 | value` fields,
/// remembering where each field starts.
#[derive(Clone, Debug)]
pub struct Raw {
    pub bytes: Vec<u8>,
    /// `(tag, offset)` of every field written, in order.
    pub at: Vec<(u16, usize)>,
}

impl Raw {
    pub fn header(magic: &[u8], version: u8, ty: u8) -> Self {
        let mut bytes = magic.to_vec();
        bytes.push(version);
        bytes.push(ty);
        Raw {
            bytes,
            at: Vec::new(),
        }
    }

    /// A pqwire version-1 header of type `ty`.
    pub fn new(ty: u8) -> Self {
        Raw::header(b"PW", pqwire_core::wire::limits::VERSION, ty)
    }

    /// A field whose declared length is the value's length.
    pub fn field(self, tag: u16, value: &[u8]) -> Self {
        let len = u32::try_from(value.len()).unwrap();
        self.field_len(tag, len, value)
    }

    /// A field that declares `len` bytes but carries `value` (possibly fewer).
    pub fn field_len(mut self, tag: u16, len: u32, value: &[u8]) -> Self {
        self.at.push((tag, self.bytes.len()));
        self.bytes.extend_from_slice(&tag.to_be_bytes());
        self.bytes.extend_from_slice(&len.to_be_bytes());
        self.bytes.extend_from_slice(value);
        self
    }

    /// Raw bytes appended as they are.
    pub fn raw(mut self, bytes: &[u8]) -> Self {
        self.bytes.extend_from_slice(bytes);
        self
    }

    /// Offset of the last field written with `tag`.
    pub fn off(&self, tag: u16) -> usize {
        self.at
            .iter()
            .rev()
            .find(|(t, _)| *t == tag)
            .map(|(_, o)| *o)
            .unwrap_or_else(|| panic!("no field 0x{tag:04X} written"))
    }

    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Decoding is refused with `code` in the last field written with `tag`, named
    /// `name` (see [`refused`]).
    #[track_caller]
    pub fn refused_at(&self, code: Code, tag: u16, name: &str) -> WireError {
        refused(&self.bytes, code, self.off(tag), Some(tag), Some(name))
    }
}

pub type Fields = Vec<(u16, Vec<u8>)>;

/// `(tag, name)` of the fields a message type requires.
pub type Required = &'static [(u16, &'static str)];

pub const CAPS_REQUIRED: Required = &[
    (VERSIONS, "versions"),
    (KEX, "kexSuites"),
    (SIGS, "sigSuites"),
    (AEADS, "aeadSuites"),
    (FEATURES, "features"),
];
pub const KP_REQUIRED: Required = &[
    (KEY_ID, "keyId"),
    (PUBLIC_KEY, "publicKey"),
    (CREATED, "created"),
    (EXPIRES, "expires"),
];
pub const ENV_REQUIRED: Required = &[(CONTENT_TYPE, "contentType"), (PAYLOAD, "payload")];

pub fn build(ty: u8, fields: &[(u16, Vec<u8>)]) -> Raw {
    fields
        .iter()
        .fold(Raw::new(ty), |r, (tag, value)| r.field(*tag, value))
}

pub fn with(fields: &[(u16, Vec<u8>)], tag: u16, value: Vec<u8>) -> Fields {
    let mut out = fields.to_vec();
    let slot = out.iter_mut().find(|(t, _)| *t == tag).unwrap();
    slot.1 = value;
    out
}

pub fn without(fields: &[(u16, Vec<u8>)], tag: u16) -> Fields {
    fields.iter().filter(|(t, _)| *t != tag).cloned().collect()
}

pub fn codes(list: &[u16]) -> Vec<u8> {
    list.iter().flat_map(|c| c.to_be_bytes()).collect()
}

pub fn be16(v: u16) -> Vec<u8> {
    v.to_be_bytes().to_vec()
}

pub fn be32(v: u32) -> Vec<u8> {
    v.to_be_bytes().to_vec()
}

pub fn be64(v: u64) -> Vec<u8> {
    v.to_be_bytes().to_vec()
}

pub fn caps_fields() -> Fields {
    vec![
        (VERSIONS, vec![2]),
        (KEX, codes(&[XWING, ML_KEM_768, X25519])),
        (SIGS, codes(&[ED_ML_DSA_65, ED25519])),
        (AEADS, codes(&[CHACHA, AES_GCM])),
        (FEATURES, be32(0x0000_000F)),
    ]
}

/// A key package holding an X25519 KEM key.
pub fn kp_fields() -> Fields {
    vec![
        (KEY_ID, vec![0x11; 16]),
        (KEM_SUITE, be16(X25519)),
        (PUBLIC_KEY, vec![0x42; 32]),
        (CREATED, be64(CREATED_AT)),
        (EXPIRES, be64(EXPIRES_AT)),
    ]
}

/// An envelope with every optional field.
pub fn env_fields() -> Fields {
    vec![
        (CONTENT_TYPE, be16(0x8001)),
        (SENDER, vec![0xAA; 16]),
        (RECIPIENT, vec![0xBB; 16]),
        (SENT_AT, be64(CREATED_AT)),
        (PAYLOAD, b"hello".to_vec()),
    ]
}

pub fn caps() -> Raw {
    build(CAPS, &caps_fields())
}

pub fn kp() -> Raw {
    build(KP, &kp_fields())
}

pub fn env() -> Raw {
    build(ENV, &env_fields())
}

pub fn caps_value() -> Capabilities {
    Capabilities {
        versions: vec![2],
        kex_suites: vec![XWING, ML_KEM_768, X25519],
        sig_suites: vec![ED_ML_DSA_65, ED25519],
        aead_suites: vec![CHACHA, AES_GCM],
        features: 0xF,
        mls_suites: Vec::new(),
        extensions: Vec::new(),
    }
}

pub fn kp_value() -> KeyPackage {
    KeyPackage {
        key_id: [0x11; 16],
        suite: PackageSuite::Kem(KemSuite::X25519),
        public_key: vec![0x42; 32],
        created: CREATED_AT,
        expires: EXPIRES_AT,
        extensions: Vec::new(),
    }
}

pub fn env_value() -> Envelope {
    Envelope {
        content_type: 0x8001,
        sender_key_id: Some([0xAA; 16]),
        recipient_key_id: Some([0xBB; 16]),
        sent_at: Some(CREATED_AT),
        payload: b"hello".to_vec(),
        extensions: Vec::new(),
    }
}

/// Decoding `bytes` fails with exactly this rule, offset, tag and field name; `inspect`
/// names the rule too.
#[track_caller]
pub fn refused(
    bytes: &[u8],
    code: Code,
    offset: usize,
    tag: Option<u16>,
    field: Option<&str>,
) -> WireError {
    let err = match wire::decode(bytes) {
        Ok(msg) => panic!("expected {code:?}, decoded {msg:?}"),
        Err(e) => e,
    };
    assert_eq!(
        (err.code, err.offset, err.tag, err.field),
        (code, offset, tag, field),
        "{err}"
    );
    let text = wire::inspect(bytes);
    assert!(text.contains(&format!("error {}", code.as_str())), "{text}");
    err
}

/// `bytes` decodes and re-encodes to exactly `bytes`.
#[track_caller]
pub fn accepted(bytes: &[u8]) -> Message {
    let msg = wire::decode(bytes).unwrap_or_else(|e| panic!("refused: {e}"));
    assert_eq!(wire::encode(&msg).unwrap(), bytes, "not canonical");
    msg
}

/// Encoding `msg` fails with `code`.
#[track_caller]
pub fn enc_refused(msg: &Message, code: Code) -> WireError {
    let err = match wire::encode(msg) {
        Ok(b) => panic!("expected {code:?}, encoded {} bytes", b.len()),
        Err(e) => e,
    };
    assert_eq!(err.code, code, "{err}");
    err
}

pub fn ext(tag: u16, value: &[u8]) -> Extension {
    Extension {
        tag,
        value: value.to_vec(),
    }
}

/// A `pqChunk`: `d` data bytes all `fill`.
pub fn pq_chunk(kind: ChunkKind, seq: u32, index: u8, fill: u8, d: usize) -> PqChunk {
    PqChunk {
        kind,
        seq,
        index,
        data: vec![fill; d],
    }
}

/// A ratchet header: ratchet key bytes all `ratchet_key`, `(previousChainLength, counter)`,
/// the PQ fields and the associated data.
pub fn header(
    ratchet_key: u8,
    (previous_chain_length, counter): (u32, u32),
    (pq_chunk, pq_mix): (Option<PqChunk>, Option<u32>),
    associated_data: &[u8],
) -> Header {
    Header {
        ratchet_key: [ratchet_key; 32],
        previous_chain_length,
        counter,
        pq_chunk,
        pq_mix,
        associated_data: associated_data.to_vec(),
    }
}
