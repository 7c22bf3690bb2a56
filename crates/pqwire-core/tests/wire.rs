//! The wire format rule by rule: a negative test for every rule of the decoder (its
//! `WireErrorCode`, offset, tag and field name), the same refusals from the encoder,
//! extensions, unknown suite codes in capability lists (kept, for forward
//! compatibility), and every rule of the ratchet message (0x12).
//!
//! Bad messages are built byte by byte with [`Raw`], never with the encoder, so the
//! decoder is tested on its own; the field tags below are the documented ones
//! (`docs/wire-format.md`), not the library's constants.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use pqwire_core::ratchet::{Header, KemCiphertext, KemPublicKey};
use pqwire_core::wire::limits::{
    FIRST_EXTENSION_TAG, MAX_EXTENSIONS, MAX_EXTENSION_LEN, MAX_MESSAGE_LEN, MAX_PAYLOAD_LEN,
    MAX_PUBLIC_KEY_LEN, MAX_SUITES_PER_LIST, MAX_TIME, MAX_VERSIONS,
};
use pqwire_core::wire::{
    self, tags, Capabilities, Envelope, Extension, Field, KeyPackage, Message, MessageType,
    PackageSuite, RatchetMessage, Value, WireError, WireErrorCode as Code, WireMessage,
};
use pqwire_core::{kem, sig, KemSuite, SigSuite};

// ---------------------------------------------------------------------------------------
// The documented layout, written out independently of the library.

const CAPS: u8 = 0x01;
const KP: u8 = 0x02;
const ENV: u8 = 0x03;

// capabilities
const VERSIONS: u16 = 0x0001;
const KEX: u16 = 0x0002;
const SIGS: u16 = 0x0003;
const AEADS: u16 = 0x0004;
const FEATURES: u16 = 0x0005;
// key package
const KEY_ID: u16 = 0x0001;
const KEM_SUITE: u16 = 0x0002;
const SIG_SUITE: u16 = 0x0003;
const PUBLIC_KEY: u16 = 0x0004;
const CREATED: u16 = 0x0005;
const EXPIRES: u16 = 0x0006;
// envelope
const CONTENT_TYPE: u16 = 0x0001;
const SENDER: u16 = 0x0002;
const RECIPIENT: u16 = 0x0003;
const SENT_AT: u16 = 0x0004;
const PAYLOAD: u16 = 0x0005;

const X25519: u16 = 0x001D;
const ML_KEM_512: u16 = 0x0200;
const ML_KEM_768: u16 = 0x0201;
const XWING: u16 = 0x647A;
const ED25519: u16 = 0x0807;
const ED_ML_DSA_65: u16 = 0x6460;
const CHACHA: u16 = 0x0003;
const AES_GCM: u16 = 0x0002;

const CREATED_AT: u64 = 1_700_000_000;
const EXPIRES_AT: u64 = 1_800_000_000;

/// A message written byte by byte: a header, then `tag u16 | length u32 | value` fields,
/// remembering where each field starts.
#[derive(Clone, Debug)]
struct Raw {
    bytes: Vec<u8>,
    /// `(tag, offset)` of every field written, in order.
    at: Vec<(u16, usize)>,
}

impl Raw {
    fn header(magic: &[u8], version: u8, ty: u8) -> Self {
        let mut bytes = magic.to_vec();
        bytes.push(version);
        bytes.push(ty);
        Raw {
            bytes,
            at: Vec::new(),
        }
    }

    /// A pqwire version-1 header of type `ty`.
    fn new(ty: u8) -> Self {
        Raw::header(b"PW", 1, ty)
    }

    /// A field whose declared length is the value's length.
    fn field(self, tag: u16, value: &[u8]) -> Self {
        let len = u32::try_from(value.len()).unwrap();
        self.field_len(tag, len, value)
    }

    /// A field that declares `len` bytes but carries `value` (possibly fewer).
    fn field_len(mut self, tag: u16, len: u32, value: &[u8]) -> Self {
        self.at.push((tag, self.bytes.len()));
        self.bytes.extend_from_slice(&tag.to_be_bytes());
        self.bytes.extend_from_slice(&len.to_be_bytes());
        self.bytes.extend_from_slice(value);
        self
    }

    /// Raw bytes appended as they are.
    fn raw(mut self, bytes: &[u8]) -> Self {
        self.bytes.extend_from_slice(bytes);
        self
    }

    /// Offset of the last field written with `tag`.
    fn off(&self, tag: u16) -> usize {
        self.at
            .iter()
            .rev()
            .find(|(t, _)| *t == tag)
            .map(|(_, o)| *o)
            .unwrap_or_else(|| panic!("no field 0x{tag:04X} written"))
    }

    fn len(&self) -> usize {
        self.bytes.len()
    }
}

type Fields = Vec<(u16, Vec<u8>)>;

/// `(tag, name)` of the fields a message type requires.
type Required = &'static [(u16, &'static str)];

const CAPS_REQUIRED: Required = &[
    (VERSIONS, "versions"),
    (KEX, "kexSuites"),
    (SIGS, "sigSuites"),
    (AEADS, "aeadSuites"),
    (FEATURES, "features"),
];
const KP_REQUIRED: Required = &[
    (KEY_ID, "keyId"),
    (PUBLIC_KEY, "publicKey"),
    (CREATED, "created"),
    (EXPIRES, "expires"),
];
const ENV_REQUIRED: Required = &[(CONTENT_TYPE, "contentType"), (PAYLOAD, "payload")];

fn build(ty: u8, fields: &[(u16, Vec<u8>)]) -> Raw {
    fields
        .iter()
        .fold(Raw::new(ty), |r, (tag, value)| r.field(*tag, value))
}

fn with(fields: &[(u16, Vec<u8>)], tag: u16, value: Vec<u8>) -> Fields {
    let mut out = fields.to_vec();
    let slot = out.iter_mut().find(|(t, _)| *t == tag).unwrap();
    slot.1 = value;
    out
}

fn without(fields: &[(u16, Vec<u8>)], tag: u16) -> Fields {
    fields.iter().filter(|(t, _)| *t != tag).cloned().collect()
}

fn codes(list: &[u16]) -> Vec<u8> {
    list.iter().flat_map(|c| c.to_be_bytes()).collect()
}

fn be16(v: u16) -> Vec<u8> {
    v.to_be_bytes().to_vec()
}

fn be32(v: u32) -> Vec<u8> {
    v.to_be_bytes().to_vec()
}

fn be64(v: u64) -> Vec<u8> {
    v.to_be_bytes().to_vec()
}

fn caps_fields() -> Fields {
    vec![
        (VERSIONS, vec![1]),
        (KEX, codes(&[XWING, ML_KEM_768, X25519])),
        (SIGS, codes(&[ED_ML_DSA_65, ED25519])),
        (AEADS, codes(&[CHACHA, AES_GCM])),
        (FEATURES, be32(0x0000_000F)),
    ]
}

/// A key package holding an X25519 KEM key.
fn kp_fields() -> Fields {
    vec![
        (KEY_ID, vec![0x11; 16]),
        (KEM_SUITE, be16(X25519)),
        (PUBLIC_KEY, vec![0x42; 32]),
        (CREATED, be64(CREATED_AT)),
        (EXPIRES, be64(EXPIRES_AT)),
    ]
}

/// An envelope with every optional field.
fn env_fields() -> Fields {
    vec![
        (CONTENT_TYPE, be16(0x8001)),
        (SENDER, vec![0xAA; 16]),
        (RECIPIENT, vec![0xBB; 16]),
        (SENT_AT, be64(CREATED_AT)),
        (PAYLOAD, b"hello".to_vec()),
    ]
}

fn caps() -> Raw {
    build(CAPS, &caps_fields())
}

fn kp() -> Raw {
    build(KP, &kp_fields())
}

fn env() -> Raw {
    build(ENV, &env_fields())
}

fn caps_value() -> Capabilities {
    Capabilities {
        versions: vec![1],
        kex_suites: vec![XWING, ML_KEM_768, X25519],
        sig_suites: vec![ED_ML_DSA_65, ED25519],
        aead_suites: vec![CHACHA, AES_GCM],
        features: 0xF,
        extensions: Vec::new(),
    }
}

fn kp_value() -> KeyPackage {
    KeyPackage {
        key_id: [0x11; 16],
        suite: PackageSuite::Kem(KemSuite::X25519),
        public_key: vec![0x42; 32],
        created: CREATED_AT,
        expires: EXPIRES_AT,
        extensions: Vec::new(),
    }
}

fn env_value() -> Envelope {
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
fn refused(
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
fn accepted(bytes: &[u8]) -> Message {
    let msg = wire::decode(bytes).unwrap_or_else(|e| panic!("refused: {e}"));
    assert_eq!(wire::encode(&msg).unwrap(), bytes, "not canonical");
    msg
}

/// Encoding `msg` fails with `code`.
#[track_caller]
fn enc_refused(msg: &Message, code: Code) -> WireError {
    let err = match wire::encode(msg) {
        Ok(b) => panic!("expected {code:?}, encoded {} bytes", b.len()),
        Err(e) => e,
    };
    assert_eq!(err.code, code, "{err}");
    err
}

fn ext(tag: u16, value: &[u8]) -> Extension {
    Extension {
        tag,
        value: value.to_vec(),
    }
}

// ---------------------------------------------------------------------------------------
// Good messages: the hand-built bytes are what the encoder writes.

#[test]
fn documented_tags_and_codes_match_the_library() {
    assert_eq!(MessageType::Capabilities.code(), CAPS);
    assert_eq!(MessageType::KeyPackage.code(), KP);
    assert_eq!(MessageType::Envelope.code(), ENV);
    assert_eq!(
        [
            tags::TAG_VERSIONS,
            tags::TAG_KEX_SUITES,
            tags::TAG_SIG_SUITES,
            tags::TAG_AEAD_SUITES,
            tags::TAG_FEATURES
        ],
        [VERSIONS, KEX, SIGS, AEADS, FEATURES]
    );
    assert_eq!(
        [
            tags::TAG_KEY_ID,
            tags::TAG_KEM_SUITE,
            tags::TAG_SIG_SUITE,
            tags::TAG_PUBLIC_KEY,
            tags::TAG_CREATED,
            tags::TAG_EXPIRES
        ],
        [KEY_ID, KEM_SUITE, SIG_SUITE, PUBLIC_KEY, CREATED, EXPIRES]
    );
    assert_eq!(
        [
            tags::TAG_CONTENT_TYPE,
            tags::TAG_SENDER_KEY_ID,
            tags::TAG_RECIPIENT_KEY_ID,
            tags::TAG_SENT_AT,
            tags::TAG_PAYLOAD
        ],
        [CONTENT_TYPE, SENDER, RECIPIENT, SENT_AT, PAYLOAD]
    );
    assert_eq!(KemSuite::X25519.code(), X25519);
    assert_eq!(KemSuite::MlKem512.code(), ML_KEM_512);
    assert_eq!(KemSuite::MlKem768.code(), ML_KEM_768);
    assert_eq!(KemSuite::XWing.code(), XWING);
    assert_eq!(SigSuite::Ed25519.code(), ED25519);
    assert_eq!(SigSuite::Ed25519MlDsa65.code(), ED_ML_DSA_65);
    assert_eq!(FIRST_EXTENSION_TAG, 0xF000);
}

#[test]
fn hand_built_messages_decode_and_match_the_encoder() {
    let c = caps();
    let msg = accepted(&c.bytes);
    assert_eq!(msg.ty, MessageType::Capabilities);
    assert_eq!(Capabilities::decode(&c.bytes).unwrap(), caps_value());
    assert_eq!(caps_value().encode().unwrap(), c.bytes);

    let k = kp();
    let msg = accepted(&k.bytes);
    assert_eq!(msg.ty, MessageType::KeyPackage);
    assert_eq!(KeyPackage::decode(&k.bytes).unwrap(), kp_value());
    assert_eq!(kp_value().encode().unwrap(), k.bytes);

    let e = env();
    let msg = accepted(&e.bytes);
    assert_eq!(msg.ty, MessageType::Envelope);
    assert_eq!(Envelope::decode(&e.bytes).unwrap(), env_value());
    assert_eq!(env_value().encode().unwrap(), e.bytes);
    // The decoder records where each field started.
    let offsets: Vec<(u16, usize)> = msg.fields.iter().map(|f| (f.tag, f.offset)).collect();
    assert_eq!(offsets, e.at);

    // The documented example: `Capabilities::default()` is 69 bytes.
    let default = Capabilities::default().encode().unwrap();
    assert_eq!(default.len(), 69);
    assert_eq!(&default[..4], b"PW\x01\x01");
}

#[test]
fn optional_envelope_fields_may_be_left_out_and_the_payload_may_be_empty() {
    let minimal = Raw::new(ENV)
        .field(CONTENT_TYPE, &be16(0))
        .field(PAYLOAD, &[]);
    accepted(&minimal.bytes);
    assert_eq!(
        Envelope::decode(&minimal.bytes).unwrap(),
        Envelope::default()
    );
    for skip in [SENDER, RECIPIENT, SENT_AT] {
        accepted(&build(ENV, &without(&env_fields(), skip)).bytes);
    }
}

#[test]
fn key_packages_of_every_suite_with_the_exact_key_length_decode() {
    for &s in KemSuite::ALL {
        let n = kem::backend(s).lengths().public_key;
        let f = with(
            &with(&kp_fields(), KEM_SUITE, be16(s.code())),
            PUBLIC_KEY,
            vec![7; n],
        );
        let bytes = build(KP, &f).bytes;
        accepted(&bytes);
        assert_eq!(
            KeyPackage::decode(&bytes).unwrap().suite,
            PackageSuite::Kem(s)
        );
    }
    for &s in SigSuite::ALL {
        let n = sig::backend(s).lengths().public_key;
        let f = vec![
            (KEY_ID, vec![1; 16]),
            (SIG_SUITE, be16(s.code())),
            (PUBLIC_KEY, vec![7; n]),
            (CREATED, be64(0)),
            (EXPIRES, be64(MAX_TIME)),
        ];
        let bytes = build(KP, &f).bytes;
        accepted(&bytes);
        assert_eq!(
            KeyPackage::decode(&bytes).unwrap().suite,
            PackageSuite::Sig(s)
        );
    }
}

// ---------------------------------------------------------------------------------------
// TRUNCATED

#[test]
fn truncated_header() {
    let full = caps().bytes;
    for n in 0..4 {
        refused(&full[..n], Code::Truncated, n, None, None);
    }
    // A complete header with no fields is not truncated: it lacks fields.
    refused(
        &full[..4],
        Code::MissingField,
        4,
        Some(VERSIONS),
        Some("versions"),
    );
}

#[test]
fn truncated_value_of_a_field() {
    // The last field declares 4 bytes and carries 2.
    let r = build(CAPS, &without(&caps_fields(), FEATURES)).field_len(FEATURES, 4, &[0, 0]);
    refused(
        &r.bytes,
        Code::Truncated,
        r.off(FEATURES),
        Some(FEATURES),
        Some("features"),
    );

    // A variable field: the payload declares 100 bytes, 5 remain.
    let r = Raw::new(ENV)
        .field(CONTENT_TYPE, &be16(1))
        .field_len(PAYLOAD, 100, b"hello");
    refused(
        &r.bytes,
        Code::Truncated,
        r.off(PAYLOAD),
        Some(PAYLOAD),
        Some("payload"),
    );

    // A field header with nothing after it.
    let r = Raw::new(KP).field_len(KEY_ID, 16, &[]);
    refused(&r.bytes, Code::Truncated, 4, Some(KEY_ID), Some("keyId"));

    // An extension whose value runs past the end: no field name.
    let r = caps().field_len(0xF001, 10, &[1, 2, 3]);
    refused(&r.bytes, Code::Truncated, r.off(0xF001), Some(0xF001), None);
}

// ---------------------------------------------------------------------------------------
// TRAILING_BYTES

#[test]
fn trailing_bytes_too_few_for_a_field_header() {
    let header_of_empty_extension = [0xF0, 0x00, 0, 0, 0, 0];
    for valid in [caps(), kp(), env()] {
        for k in 1..=5 {
            let r = valid.clone().raw(&header_of_empty_extension[..k]);
            refused(&r.bytes, Code::TrailingBytes, valid.len(), None, None);
        }
        // Six bytes are a whole (empty) extension field.
        let r = valid.clone().raw(&header_of_empty_extension);
        let msg = accepted(&r.bytes);
        assert_eq!(msg.extensions, vec![ext(0xF000, &[])]);
    }
    // Trailing bytes after a header with no fields.
    refused(b"PW\x01\x03\x00", Code::TrailingBytes, 4, None, None);
}

// ---------------------------------------------------------------------------------------
// UNKNOWN_TAG

#[test]
fn unknown_tags_below_the_extension_range() {
    for (ty, fields, after_last) in [
        (CAPS, caps_fields(), 0x0006),
        (KP, kp_fields(), 0x0007),
        (ENV, env_fields(), 0x0006),
    ] {
        for tag in [after_last, 0x0100, 0xEFFF] {
            let r = build(ty, &fields).field(tag, &[1, 2]);
            refused(&r.bytes, Code::UnknownTag, r.off(tag), Some(tag), None);
        }
        // Tag 0 is never defined, even first.
        let r = Raw::new(ty).field(0x0000, &[]);
        refused(&r.bytes, Code::UnknownTag, 4, Some(0), None);
    }
}

// ---------------------------------------------------------------------------------------
// DUPLICATE_TAG and TAG_ORDER

#[test]
fn duplicate_tags() {
    let mut f = caps_fields();
    f.insert(1, (VERSIONS, vec![1]));
    let r = build(CAPS, &f);
    refused(
        &r.bytes,
        Code::DuplicateTag,
        11,
        Some(VERSIONS),
        Some("versions"),
    );

    // The same value twice is still a duplicate; so is a repeated last field.
    let r = env().field(PAYLOAD, b"hello");
    refused(
        &r.bytes,
        Code::DuplicateTag,
        r.off(PAYLOAD),
        Some(PAYLOAD),
        Some("payload"),
    );

    // Extensions too.
    let r = kp().field(0xF010, &[1]).field(0xF010, &[2]);
    refused(
        &r.bytes,
        Code::DuplicateTag,
        r.off(0xF010),
        Some(0xF010),
        None,
    );
}

#[test]
fn tags_out_of_order() {
    let mut f = caps_fields();
    f.swap(1, 2);
    let r = build(CAPS, &f);
    refused(
        &r.bytes,
        Code::TagOrder,
        r.off(KEX),
        Some(KEX),
        Some("kexSuites"),
    );

    let mut f = kp_fields();
    f.swap(2, 3);
    let r = build(KP, &f);
    refused(
        &r.bytes,
        Code::TagOrder,
        r.off(PUBLIC_KEY),
        Some(PUBLIC_KEY),
        Some("publicKey"),
    );

    // Extensions come after every defined field.
    let r = build(ENV, &without(&env_fields(), PAYLOAD))
        .field(0xF000, &[])
        .field(PAYLOAD, b"x");
    refused(
        &r.bytes,
        Code::TagOrder,
        r.off(PAYLOAD),
        Some(PAYLOAD),
        Some("payload"),
    );

    // Extensions among themselves.
    let r = caps().field(0xF002, &[]).field(0xF001, &[]);
    refused(&r.bytes, Code::TagOrder, r.off(0xF001), Some(0xF001), None);
}

// ---------------------------------------------------------------------------------------
// BAD_LENGTH

#[test]
fn fixed_size_fields_with_another_length() {
    let cases: [(u8, Fields, u16, &str, &[usize]); 8] = [
        (CAPS, caps_fields(), FEATURES, "features", &[0, 3, 5, 8]),
        (KP, kp_fields(), KEY_ID, "keyId", &[0, 15, 17, 32]),
        (KP, kp_fields(), KEM_SUITE, "kemSuite", &[0, 1, 3, 4]),
        (KP, kp_fields(), CREATED, "created", &[4, 7, 9]),
        (KP, kp_fields(), EXPIRES, "expires", &[0, 16]),
        (
            ENV,
            env_fields(),
            CONTENT_TYPE,
            "contentType",
            &[0, 1, 3, 4],
        ),
        (ENV, env_fields(), SENDER, "senderKeyId", &[15, 17]),
        (ENV, env_fields(), SENT_AT, "sentAt", &[1, 7, 9]),
    ];
    for (ty, fields, tag, name, lengths) in cases {
        for &n in lengths {
            let r = build(ty, &with(&fields, tag, vec![0; n]));
            refused(&r.bytes, Code::BadLength, r.off(tag), Some(tag), Some(name));
        }
    }
    // The signature suite of a signing key too.
    let f = vec![
        (KEY_ID, vec![1; 16]),
        (SIG_SUITE, vec![0x08]),
        (PUBLIC_KEY, vec![0; 32]),
        (CREATED, be64(1)),
        (EXPIRES, be64(2)),
    ];
    let r = build(KP, &f);
    refused(
        &r.bytes,
        Code::BadLength,
        r.off(SIG_SUITE),
        Some(SIG_SUITE),
        Some("sigSuite"),
    );
}

#[test]
fn suite_lists_of_an_odd_length() {
    for (tag, name) in [
        (KEX, "kexSuites"),
        (SIGS, "sigSuites"),
        (AEADS, "aeadSuites"),
    ] {
        for n in [1, 3, 5, 63] {
            let r = build(CAPS, &with(&caps_fields(), tag, vec![0x02; n]));
            refused(&r.bytes, Code::BadLength, r.off(tag), Some(tag), Some(name));
        }
    }
}

#[test]
fn empty_lists() {
    for (tag, name) in [
        (VERSIONS, "versions"),
        (KEX, "kexSuites"),
        (SIGS, "sigSuites"),
        (AEADS, "aeadSuites"),
    ] {
        let r = build(CAPS, &with(&caps_fields(), tag, Vec::new()));
        refused(&r.bytes, Code::BadLength, r.off(tag), Some(tag), Some(name));
    }
}

#[test]
fn public_key_of_the_wrong_length_for_its_suite() {
    for n in [31, 33, 800] {
        let r = build(KP, &with(&kp_fields(), PUBLIC_KEY, vec![1; n]));
        refused(
            &r.bytes,
            Code::BadLength,
            r.off(PUBLIC_KEY),
            Some(PUBLIC_KEY),
            Some("publicKey"),
        );
    }
    // An ML-KEM-768 package holding an X25519-sized key.
    let r = build(KP, &with(&kp_fields(), KEM_SUITE, be16(ML_KEM_768)));
    refused(
        &r.bytes,
        Code::BadLength,
        r.off(PUBLIC_KEY),
        Some(PUBLIC_KEY),
        Some("publicKey"),
    );
    // A signing key: Ed25519 with an ML-DSA-65-sized key, and the reverse.
    let ml_dsa_65 = sig::backend(SigSuite::MlDsa65).lengths().public_key;
    for (suite, n) in [(ED25519, ml_dsa_65), (SigSuite::MlDsa65.code(), 32)] {
        let f = vec![
            (KEY_ID, vec![1; 16]),
            (SIG_SUITE, be16(suite)),
            (PUBLIC_KEY, vec![0; n]),
            (CREATED, be64(1)),
            (EXPIRES, be64(2)),
        ];
        let r = build(KP, &f);
        refused(
            &r.bytes,
            Code::BadLength,
            r.off(PUBLIC_KEY),
            Some(PUBLIC_KEY),
            Some("publicKey"),
        );
    }
}

#[test]
fn bytes_below_their_minimum() {
    // publicKey is Bytes{1, 4096}: an empty key is refused by the field rule itself.
    let r = build(KP, &with(&kp_fields(), PUBLIC_KEY, Vec::new()));
    let err = refused(
        &r.bytes,
        Code::BadLength,
        r.off(PUBLIC_KEY),
        Some(PUBLIC_KEY),
        Some("publicKey"),
    );
    assert!(err.detail.contains("at least 1"), "{err}");
}

// ---------------------------------------------------------------------------------------
// TOO_LARGE

#[test]
fn input_over_the_message_cap() {
    // Every field within its own cap, but the whole message one byte over.
    let over = |ext_len: usize| {
        Raw::new(ENV)
            .field(CONTENT_TYPE, &be16(0x8000))
            .field(PAYLOAD, &vec![0x5A; MAX_PAYLOAD_LEN])
            .field(0xF000, &vec![0; ext_len])
    };
    let at_cap = over(1000);
    assert_eq!(at_cap.len(), MAX_MESSAGE_LEN);
    accepted(&at_cap.bytes);
    let r = over(1001);
    assert_eq!(r.len(), MAX_MESSAGE_LEN + 1);
    refused(&r.bytes, Code::TooLarge, 0, None, None);

    // The size check comes first: even garbage over the cap is TOO_LARGE, not BAD_MAGIC.
    refused(
        &vec![0xFF; MAX_MESSAGE_LEN + 1],
        Code::TooLarge,
        0,
        None,
        None,
    );
}

#[test]
fn variable_fields_over_their_cap() {
    let r = build(
        KP,
        &with(&kp_fields(), PUBLIC_KEY, vec![1; MAX_PUBLIC_KEY_LEN + 1]),
    );
    refused(
        &r.bytes,
        Code::TooLarge,
        r.off(PUBLIC_KEY),
        Some(PUBLIC_KEY),
        Some("publicKey"),
    );

    let r = build(
        ENV,
        &with(&env_fields(), PAYLOAD, vec![1; MAX_PAYLOAD_LEN + 1]),
    );
    refused(
        &r.bytes,
        Code::TooLarge,
        r.off(PAYLOAD),
        Some(PAYLOAD),
        Some("payload"),
    );

    // Lengths are checked before the value is read: a huge declared length with no
    // value behind it is TOO_LARGE, not TRUNCATED.
    let mut f = kp_fields();
    f.truncate(2);
    let r = build(KP, &f).field_len(PUBLIC_KEY, u32::MAX, &[]);
    refused(
        &r.bytes,
        Code::TooLarge,
        r.off(PUBLIC_KEY),
        Some(PUBLIC_KEY),
        Some("publicKey"),
    );
}

#[test]
fn lists_over_their_cap() {
    let many: Vec<u16> = (0..=MAX_SUITES_PER_LIST as u16)
        .map(|i| 0x7000 + i)
        .collect();
    assert_eq!(many.len(), MAX_SUITES_PER_LIST + 1);
    for (tag, name) in [
        (KEX, "kexSuites"),
        (SIGS, "sigSuites"),
        (AEADS, "aeadSuites"),
    ] {
        let r = build(CAPS, &with(&caps_fields(), tag, codes(&many)));
        refused(&r.bytes, Code::TooLarge, r.off(tag), Some(tag), Some(name));
        // Exactly at the cap is fine.
        accepted(&build(CAPS, &with(&caps_fields(), tag, codes(&many[1..]))).bytes);
    }
    let versions: Vec<u8> = (1..=MAX_VERSIONS as u8 + 1).collect();
    let r = build(CAPS, &with(&caps_fields(), VERSIONS, versions.clone()));
    refused(
        &r.bytes,
        Code::TooLarge,
        r.off(VERSIONS),
        Some(VERSIONS),
        Some("versions"),
    );
    accepted(
        &build(
            CAPS,
            &with(&caps_fields(), VERSIONS, versions[1..].to_vec()),
        )
        .bytes,
    );
}

#[test]
fn extension_over_its_cap() {
    let r = caps().field(0xF000, &vec![0; MAX_EXTENSION_LEN + 1]);
    refused(&r.bytes, Code::TooLarge, r.off(0xF000), Some(0xF000), None);
    accepted(&caps().field(0xF000, &vec![0; MAX_EXTENSION_LEN]).bytes);
    // The declared length is enough.
    let r = env().field_len(0xFFFF, u32::MAX, &[]);
    refused(&r.bytes, Code::TooLarge, r.off(0xFFFF), Some(0xFFFF), None);
}

#[test]
fn too_many_extensions() {
    let with_n = |n: usize| (0..n).fold(kp(), |r, i| r.field(0xF000 + i as u16, &[i as u8]));
    let ok = with_n(MAX_EXTENSIONS);
    assert_eq!(accepted(&ok.bytes).extensions.len(), MAX_EXTENSIONS);
    let r = with_n(MAX_EXTENSIONS + 1);
    let tag = 0xF000 + MAX_EXTENSIONS as u16;
    refused(&r.bytes, Code::TooLarge, r.off(tag), Some(tag), None);
}

// ---------------------------------------------------------------------------------------
// BAD_MAGIC, UNSUPPORTED_VERSION, UNKNOWN_TYPE, UNEXPECTED_TYPE

#[test]
fn bad_magic() {
    for magic in [b"PX", b"XW", b"pw", b"WP", b"\0\0"] {
        let mut bytes = caps().bytes;
        bytes[..2].copy_from_slice(magic);
        refused(&bytes, Code::BadMagic, 0, None, None);
        // Two bytes are enough to tell.
        refused(&bytes[..2], Code::BadMagic, 0, None, None);
    }
    // One byte is too few to tell: truncated.
    refused(b"X", Code::Truncated, 1, None, None);
}

#[test]
fn unsupported_versions() {
    for version in [0, 2, 0xFF] {
        let r = caps_fields()
            .iter()
            .fold(Raw::header(b"PW", version, CAPS), |r, (t, v)| {
                r.field(*t, v)
            });
        refused(&r.bytes, Code::UnsupportedVersion, 2, None, None);
        refused(&r.bytes[..4], Code::UnsupportedVersion, 2, None, None);
    }
}

#[test]
fn unknown_types() {
    for ty in [0x00, 0x04, 0x7F, 0xFF] {
        let r = caps_fields()
            .iter()
            .fold(Raw::new(ty), |r, (t, v)| r.field(*t, v));
        refused(&r.bytes, Code::UnknownType, 3, None, None);
    }
}

#[test]
fn unexpected_types() {
    let check = |err: WireError| {
        assert_eq!(
            (err.code, err.offset, err.tag, err.field),
            (Code::UnexpectedType, 3, None, None),
            "{err}"
        );
    };
    let (c, k, e) = (caps().bytes, kp().bytes, env().bytes);
    check(wire::decode_as(&e, MessageType::Capabilities).unwrap_err());
    check(Capabilities::decode(&e).unwrap_err());
    check(Capabilities::decode(&k).unwrap_err());
    check(KeyPackage::decode(&c).unwrap_err());
    check(Envelope::decode(&k).unwrap_err());
    check(wire::decode_as(&c, MessageType::Envelope).unwrap_err());
    // The right type passes.
    assert_eq!(
        wire::decode_as(&k, MessageType::KeyPackage).unwrap().ty,
        MessageType::KeyPackage
    );
    // A malformed message reports its own rule, not UNEXPECTED_TYPE.
    assert_eq!(
        Capabilities::decode(&e[..e.len() - 1]).unwrap_err().code,
        Code::Truncated
    );
}

// ---------------------------------------------------------------------------------------
// UNKNOWN_SUITE

#[test]
fn key_package_with_an_unknown_suite() {
    // KEM slot: an unassigned code, and a signature code that is no KEM.
    for code in [0xFFFF, 0x0000, ED25519, 0x11EC] {
        let r = build(KP, &with(&kp_fields(), KEM_SUITE, be16(code)));
        refused(
            &r.bytes,
            Code::UnknownSuite,
            r.off(KEM_SUITE),
            Some(KEM_SUITE),
            Some("kemSuite"),
        );
    }
    // Signature slot: a KEM code that is no signature suite.
    for code in [X25519, 0xFFFF] {
        let f = vec![
            (KEY_ID, vec![1; 16]),
            (SIG_SUITE, be16(code)),
            (PUBLIC_KEY, vec![0; 32]),
            (CREATED, be64(1)),
            (EXPIRES, be64(2)),
        ];
        let r = build(KP, &f);
        refused(
            &r.bytes,
            Code::UnknownSuite,
            r.off(SIG_SUITE),
            Some(SIG_SUITE),
            Some("sigSuite"),
        );
    }
}

// ---------------------------------------------------------------------------------------
// MISSING_FIELD

#[test]
fn every_required_field_missing() {
    let cases: [(u8, Fields, Required); 3] = [
        (CAPS, caps_fields(), CAPS_REQUIRED),
        (KP, kp_fields(), KP_REQUIRED),
        (ENV, env_fields(), ENV_REQUIRED),
    ];
    for (ty, fields, required) in cases {
        for &(tag, name) in required {
            let r = build(ty, &without(&fields, tag));
            refused(&r.bytes, Code::MissingField, r.len(), Some(tag), Some(name));
            // With extensions after the fields, the offset is still the end of the input.
            let r = r.field(0xF000, &[1, 2, 3]);
            refused(&r.bytes, Code::MissingField, r.len(), Some(tag), Some(name));
        }
    }
}

#[test]
fn key_package_with_neither_suite() {
    let r = build(KP, &without(&kp_fields(), KEM_SUITE));
    refused(
        &r.bytes,
        Code::MissingField,
        r.len(),
        Some(KEM_SUITE),
        Some("kemSuite"),
    );
    let r = r.field(0xF000, &[9]);
    refused(
        &r.bytes,
        Code::MissingField,
        r.len(),
        Some(KEM_SUITE),
        Some("kemSuite"),
    );
}

// ---------------------------------------------------------------------------------------
// INVALID_FIELD

#[test]
fn times_over_the_maximum() {
    for t in [MAX_TIME + 1, 1 << 60, u64::MAX] {
        let r = build(KP, &with(&kp_fields(), CREATED, be64(t)));
        refused(
            &r.bytes,
            Code::InvalidField,
            r.off(CREATED),
            Some(CREATED),
            Some("created"),
        );
        let r = build(KP, &with(&kp_fields(), EXPIRES, be64(t)));
        refused(
            &r.bytes,
            Code::InvalidField,
            r.off(EXPIRES),
            Some(EXPIRES),
            Some("expires"),
        );
        let r = build(ENV, &with(&env_fields(), SENT_AT, be64(t)));
        refused(
            &r.bytes,
            Code::InvalidField,
            r.off(SENT_AT),
            Some(SENT_AT),
            Some("sentAt"),
        );
    }
    // MAX_TIME itself is allowed.
    accepted(&build(ENV, &with(&env_fields(), SENT_AT, be64(MAX_TIME))).bytes);
    accepted(&build(KP, &with(&kp_fields(), EXPIRES, be64(MAX_TIME))).bytes);
}

#[test]
fn expiry_not_after_creation() {
    for expires in [CREATED_AT, CREATED_AT - 1, 0] {
        let r = build(KP, &with(&kp_fields(), EXPIRES, be64(expires)));
        refused(
            &r.bytes,
            Code::InvalidField,
            r.off(EXPIRES),
            Some(EXPIRES),
            Some("expires"),
        );
    }
    accepted(&build(KP, &with(&kp_fields(), EXPIRES, be64(CREATED_AT + 1))).bytes);
}

#[test]
fn key_package_with_both_suites() {
    let mut f = kp_fields();
    f.insert(2, (SIG_SUITE, be16(ED25519)));
    let r = build(KP, &f);
    refused(
        &r.bytes,
        Code::InvalidField,
        r.off(SIG_SUITE),
        Some(SIG_SUITE),
        Some("sigSuite"),
    );
}

// ---------------------------------------------------------------------------------------
// DUPLICATE_ENTRY

#[test]
fn duplicate_entries_in_lists() {
    for (tag, name, list) in [
        (KEX, "kexSuites", vec![ML_KEM_768, X25519, ML_KEM_768]),
        (KEX, "kexSuites", vec![0xABCD, 0xABCD]),
        (SIGS, "sigSuites", vec![ED25519, ED25519]),
        (AEADS, "aeadSuites", vec![CHACHA, AES_GCM, CHACHA]),
    ] {
        let r = build(CAPS, &with(&caps_fields(), tag, codes(&list)));
        refused(
            &r.bytes,
            Code::DuplicateEntry,
            r.off(tag),
            Some(tag),
            Some(name),
        );
    }
    for versions in [vec![1, 1], vec![1, 2, 3, 2]] {
        let r = build(CAPS, &with(&caps_fields(), VERSIONS, versions));
        refused(
            &r.bytes,
            Code::DuplicateEntry,
            r.off(VERSIONS),
            Some(VERSIONS),
            Some("versions"),
        );
    }
}

// ---------------------------------------------------------------------------------------
// Extensions and unknown suite codes: accepted and kept.

#[test]
fn extensions_are_kept_in_order_and_re_encoded_identically() {
    let exts = [
        ext(0xF000, &[]),
        ext(0xF00F, &[1, 2, 3]),
        ext(0xF100, &[0xEE; MAX_EXTENSION_LEN]),
        ext(0xFFFF, b"last"),
    ];
    let add = |r: Raw| exts.iter().fold(r, |r, e| r.field(e.tag, &e.value));

    let r = add(caps());
    let msg = accepted(&r.bytes);
    assert_eq!(msg.extensions, exts);
    let typed = Capabilities::decode(&r.bytes).unwrap();
    assert_eq!(typed.extensions, exts);
    assert_eq!(typed.encode().unwrap(), r.bytes);

    let r = add(kp());
    assert_eq!(accepted(&r.bytes).extensions, exts);
    let typed = KeyPackage::decode(&r.bytes).unwrap();
    assert_eq!(typed.extensions, exts);
    assert_eq!(typed.encode().unwrap(), r.bytes);

    let r = add(env());
    assert_eq!(accepted(&r.bytes).extensions, exts);
    let typed = Envelope::decode(&r.bytes).unwrap();
    assert_eq!(typed.extensions, exts);
    assert_eq!(typed.encode().unwrap(), r.bytes);

    let text = wire::inspect(&r.bytes);
    assert!(text.contains("extension"), "{text}");
    assert!(text.contains("valid envelope message, canonical"), "{text}");
}

#[test]
fn unknown_suite_codes_in_capability_lists_are_kept() {
    // A deliberate decision (docs/wire-format.md, "Decisions"): a newer peer may offer
    // suites this version does not know; they round-trip and are never chosen.
    let f = vec![
        (VERSIONS, vec![9, 1, 200]),
        (KEX, codes(&[0xFFFF, XWING, 0x1234])),
        (SIGS, codes(&[0x7777])),
        (AEADS, codes(&[0x0001, CHACHA])),
        (FEATURES, be32(0xFFFF_FFFF)),
    ];
    let r = build(CAPS, &f);
    let msg = accepted(&r.bytes);
    assert_eq!(
        msg.get(KEX).unwrap().value,
        Value::Suites(vec![0xFFFF, XWING, 0x1234])
    );
    let typed = Capabilities::decode(&r.bytes).unwrap();
    assert_eq!(
        typed,
        Capabilities {
            versions: vec![9, 1, 200],
            kex_suites: vec![0xFFFF, XWING, 0x1234],
            sig_suites: vec![0x7777],
            aead_suites: vec![0x0001, CHACHA],
            features: 0xFFFF_FFFF,
            extensions: Vec::new(),
        }
    );
    assert_eq!(typed.encode().unwrap(), r.bytes);
    let text = wire::inspect(&r.bytes);
    assert!(text.contains("0xFFFF (unknown)"), "{text}");
    assert!(text.contains("X25519+ML-KEM-768"), "{text}");
}

// ---------------------------------------------------------------------------------------
// The encoder refuses the same things, with the same code.

/// `msg` is refused by the encoder and `bytes` (the same mistake, by hand) by the
/// decoder, both with `code` in field `tag`.
#[track_caller]
fn both_refuse(msg: &Message, bytes: &[u8], code: Code, tag: Option<u16>) {
    let enc = enc_refused(msg, code);
    let dec = wire::decode(bytes).expect_err("decoder accepted it");
    assert_eq!(dec.code, code, "decoder: {dec}");
    assert_eq!(enc.tag, tag, "encoder: {enc}");
    assert_eq!(dec.tag, tag, "decoder: {dec}");
}

#[test]
fn encoder_refuses_unknown_suites_in_a_suite_field() {
    let mut msg = kp_value().to_message();
    msg.set(KEM_SUITE, Value::Suite(0xFFFF));
    let bytes = build(KP, &with(&kp_fields(), KEM_SUITE, be16(0xFFFF))).bytes;
    both_refuse(&msg, &bytes, Code::UnknownSuite, Some(KEM_SUITE));
    assert_eq!(
        enc_refused(&msg, Code::UnknownSuite).field,
        Some("kemSuite")
    );

    let mut msg = kp_value().to_message();
    msg.fields.retain(|f| f.tag != KEM_SUITE);
    msg.set(SIG_SUITE, Value::Suite(X25519));
    let mut f = without(&kp_fields(), KEM_SUITE);
    f.insert(1, (SIG_SUITE, be16(X25519)));
    both_refuse(
        &msg,
        &build(KP, &f).bytes,
        Code::UnknownSuite,
        Some(SIG_SUITE),
    );
}

#[test]
fn encoder_refuses_duplicate_entries() {
    let mut c = caps_value();
    c.kex_suites = vec![ML_KEM_768, ML_KEM_768];
    let bytes = build(CAPS, &with(&caps_fields(), KEX, codes(&c.kex_suites))).bytes;
    both_refuse(&c.to_message(), &bytes, Code::DuplicateEntry, Some(KEX));
    assert_eq!(c.encode().unwrap_err().code, Code::DuplicateEntry);

    let mut c = caps_value();
    c.versions = vec![1, 1];
    let bytes = build(CAPS, &with(&caps_fields(), VERSIONS, vec![1, 1])).bytes;
    both_refuse(
        &c.to_message(),
        &bytes,
        Code::DuplicateEntry,
        Some(VERSIONS),
    );
}

#[test]
fn encoder_refuses_empty_and_oversized_lists() {
    for tag in [VERSIONS, KEX, SIGS, AEADS] {
        let mut c = caps_value();
        match tag {
            VERSIONS => c.versions.clear(),
            KEX => c.kex_suites.clear(),
            SIGS => c.sig_suites.clear(),
            _ => c.aead_suites.clear(),
        }
        let bytes = build(CAPS, &with(&caps_fields(), tag, Vec::new())).bytes;
        both_refuse(&c.to_message(), &bytes, Code::BadLength, Some(tag));
    }
    let many: Vec<u16> = (0..=MAX_SUITES_PER_LIST as u16).collect();
    let mut c = caps_value();
    c.sig_suites = many.clone();
    let bytes = build(CAPS, &with(&caps_fields(), SIGS, codes(&many))).bytes;
    both_refuse(&c.to_message(), &bytes, Code::TooLarge, Some(SIGS));

    let versions: Vec<u8> = (0..=MAX_VERSIONS as u8).collect();
    let mut c = caps_value();
    c.versions = versions.clone();
    let bytes = build(CAPS, &with(&caps_fields(), VERSIONS, versions)).bytes;
    both_refuse(&c.to_message(), &bytes, Code::TooLarge, Some(VERSIONS));
}

#[test]
fn encoder_refuses_times_over_the_maximum() {
    let mut e = env_value();
    e.sent_at = Some(MAX_TIME + 1);
    let bytes = build(ENV, &with(&env_fields(), SENT_AT, be64(MAX_TIME + 1))).bytes;
    both_refuse(&e.to_message(), &bytes, Code::InvalidField, Some(SENT_AT));

    let mut k = kp_value();
    k.created = MAX_TIME + 1;
    k.expires = MAX_TIME + 2;
    let f = with(
        &with(&kp_fields(), CREATED, be64(MAX_TIME + 1)),
        EXPIRES,
        be64(MAX_TIME + 2),
    );
    both_refuse(
        &k.to_message(),
        &build(KP, &f).bytes,
        Code::InvalidField,
        Some(CREATED),
    );

    let mut k = kp_value();
    k.expires = u64::MAX;
    assert_eq!(k.encode().unwrap_err().code, Code::InvalidField);
}

#[test]
fn encoder_refuses_fields_out_of_order_or_twice() {
    let mut msg = caps_value().to_message();
    msg.fields.swap(1, 2);
    let mut f = caps_fields();
    f.swap(1, 2);
    both_refuse(&msg, &build(CAPS, &f).bytes, Code::TagOrder, Some(KEX));

    let mut msg = caps_value().to_message();
    let first = msg.fields[0].clone();
    msg.fields.insert(1, first);
    let mut f = caps_fields();
    f.insert(1, (VERSIONS, vec![1]));
    both_refuse(
        &msg,
        &build(CAPS, &f).bytes,
        Code::DuplicateTag,
        Some(VERSIONS),
    );

    // A field pushed at the end, below the last tag.
    let mut msg = env_value().to_message();
    msg.fields.push(Field {
        tag: SENDER,
        value: Value::Bytes(vec![0; 16]),
        offset: 0,
    });
    let bytes = env().field(SENDER, &[0; 16]).bytes;
    both_refuse(&msg, &bytes, Code::TagOrder, Some(SENDER));
}

#[test]
fn encoder_refuses_undefined_tags() {
    let mut msg = caps_value().to_message();
    msg.fields.push(Field {
        tag: 0x0006,
        value: Value::Uint(0),
        offset: 0,
    });
    let bytes = caps().field(0x0006, &[0]).bytes;
    both_refuse(&msg, &bytes, Code::UnknownTag, Some(0x0006));

    // An extension below the extension range.
    let mut msg = env_value().to_message();
    msg.extensions.push(ext(0xEFFF, &[1]));
    let bytes = env().field(0xEFFF, &[1]).bytes;
    both_refuse(&msg, &bytes, Code::UnknownTag, Some(0xEFFF));

    let mut k = kp_value();
    k.extensions = vec![ext(0x0042, &[])];
    let err = k.encode().unwrap_err();
    assert_eq!(
        (err.code, err.tag),
        (Code::UnknownTag, Some(0x0042)),
        "{err}"
    );
}

#[test]
fn encoder_refuses_bad_extensions() {
    let too_many: Vec<Extension> = (0..=MAX_EXTENSIONS as u16)
        .map(|i| ext(0xF000 + i, &[]))
        .collect();
    let mut c = caps_value();
    c.extensions = too_many[..MAX_EXTENSIONS].to_vec();
    assert_eq!(Capabilities::decode(&c.encode().unwrap()).unwrap(), c);
    c.extensions = too_many.clone();
    let bytes = too_many
        .iter()
        .fold(caps(), |r, e| r.field(e.tag, &e.value))
        .bytes;
    assert_eq!(c.encode().unwrap_err().code, Code::TooLarge);
    assert_eq!(wire::decode(&bytes).unwrap_err().code, Code::TooLarge);

    let mut msg = caps_value().to_message();
    msg.extensions = vec![ext(0xF000, &vec![0; MAX_EXTENSION_LEN + 1])];
    let bytes = caps().field(0xF000, &vec![0; MAX_EXTENSION_LEN + 1]).bytes;
    both_refuse(&msg, &bytes, Code::TooLarge, Some(0xF000));

    msg.extensions = vec![ext(0xF002, &[]), ext(0xF001, &[])];
    let bytes = caps().field(0xF002, &[]).field(0xF001, &[]).bytes;
    both_refuse(&msg, &bytes, Code::TagOrder, Some(0xF001));

    msg.extensions = vec![ext(0xF001, &[1]), ext(0xF001, &[2])];
    let bytes = caps().field(0xF001, &[1]).field(0xF001, &[2]).bytes;
    both_refuse(&msg, &bytes, Code::DuplicateTag, Some(0xF001));
}

#[test]
fn encoder_refuses_missing_required_fields() {
    let cases: [(Message, Fields, u8, Required); 3] = [
        (
            caps_value().to_message(),
            caps_fields(),
            CAPS,
            CAPS_REQUIRED,
        ),
        (kp_value().to_message(), kp_fields(), KP, KP_REQUIRED),
        (env_value().to_message(), env_fields(), ENV, ENV_REQUIRED),
    ];
    for (msg, fields, ty, required) in cases {
        for &(tag, name) in required {
            let mut m = msg.clone();
            m.fields.retain(|f| f.tag != tag);
            let bytes = build(ty, &without(&fields, tag)).bytes;
            both_refuse(&m, &bytes, Code::MissingField, Some(tag));
            assert_eq!(enc_refused(&m, Code::MissingField).field, Some(name));
        }
    }
    // Neither suite in a key package.
    let mut m = kp_value().to_message();
    m.fields.retain(|f| f.tag != KEM_SUITE);
    let bytes = build(KP, &without(&kp_fields(), KEM_SUITE)).bytes;
    both_refuse(&m, &bytes, Code::MissingField, Some(KEM_SUITE));
}

#[test]
fn encoder_refuses_key_package_rule_breaks() {
    // Public key of the wrong length for its suite.
    for n in [31, 33] {
        let mut k = kp_value();
        k.public_key = vec![1; n];
        let bytes = build(KP, &with(&kp_fields(), PUBLIC_KEY, vec![1; n])).bytes;
        both_refuse(&k.to_message(), &bytes, Code::BadLength, Some(PUBLIC_KEY));
    }
    let mut k = kp_value();
    k.suite = PackageSuite::Sig(SigSuite::MlDsa44);
    assert_eq!(k.encode().unwrap_err().code, Code::BadLength);
    // Empty and oversized keys: the field's own bounds.
    let mut k = kp_value();
    k.public_key.clear();
    let bytes = build(KP, &with(&kp_fields(), PUBLIC_KEY, Vec::new())).bytes;
    both_refuse(&k.to_message(), &bytes, Code::BadLength, Some(PUBLIC_KEY));
    k.public_key = vec![0; MAX_PUBLIC_KEY_LEN + 1];
    let bytes = build(KP, &with(&kp_fields(), PUBLIC_KEY, k.public_key.clone())).bytes;
    both_refuse(&k.to_message(), &bytes, Code::TooLarge, Some(PUBLIC_KEY));

    // Both suites.
    let mut msg = kp_value().to_message();
    msg.set(SIG_SUITE, Value::Suite(ED25519));
    let mut f = kp_fields();
    f.insert(2, (SIG_SUITE, be16(ED25519)));
    both_refuse(
        &msg,
        &build(KP, &f).bytes,
        Code::InvalidField,
        Some(SIG_SUITE),
    );

    // Expiry not after creation.
    let mut k = kp_value();
    k.expires = k.created;
    let bytes = build(KP, &with(&kp_fields(), EXPIRES, be64(CREATED_AT))).bytes;
    both_refuse(&k.to_message(), &bytes, Code::InvalidField, Some(EXPIRES));
}

#[test]
fn encoder_refuses_fixed_size_fields_of_another_length() {
    // The decoder says BAD_LENGTH for any other length of a fixed-size field; so must
    // the encoder, whether the value is too short or too long.
    for n in [0, 15, 17, 32] {
        let mut msg = env_value().to_message();
        msg.set(SENDER, Value::Bytes(vec![0; n]));
        let bytes = build(ENV, &with(&env_fields(), SENDER, vec![0; n])).bytes;
        both_refuse(&msg, &bytes, Code::BadLength, Some(SENDER));

        let mut msg = kp_value().to_message();
        msg.set(KEY_ID, Value::Bytes(vec![0; n]));
        let bytes = build(KP, &with(&kp_fields(), KEY_ID, vec![0; n])).bytes;
        both_refuse(&msg, &bytes, Code::BadLength, Some(KEY_ID));
    }
}

#[test]
fn encoder_refuses_oversized_payloads_and_messages() {
    let mut e = env_value();
    e.payload = vec![0; MAX_PAYLOAD_LEN + 1];
    let bytes = build(ENV, &with(&env_fields(), PAYLOAD, e.payload.clone())).bytes;
    both_refuse(&e.to_message(), &bytes, Code::TooLarge, Some(PAYLOAD));

    // Every field within its cap, the whole message over MAX_MESSAGE_LEN.
    let mut e = Envelope {
        content_type: 0x8000,
        payload: vec![0; MAX_PAYLOAD_LEN],
        ..Default::default()
    };
    e.extensions = vec![ext(0xF000, &[0; 1000])];
    assert_eq!(e.encode().unwrap().len(), MAX_MESSAGE_LEN);
    e.extensions = vec![ext(0xF000, &[0; 1001])];
    let err = e.encode().unwrap_err();
    assert_eq!((err.code, err.offset), (Code::TooLarge, 0), "{err}");
}

#[test]
fn encoder_refuses_values_that_do_not_fit_their_kind() {
    // No decoder counterpart: a generic message can hold a value of the wrong kind.
    let mut msg = env_value().to_message();
    msg.set(CONTENT_TYPE, Value::Uint(0x1_0000));
    let err = enc_refused(&msg, Code::InvalidField);
    assert_eq!(
        (err.tag, err.field),
        (Some(CONTENT_TYPE), Some("contentType"))
    );

    let mut msg = caps_value().to_message();
    msg.set(FEATURES, Value::Uint(u64::from(u32::MAX) + 1));
    enc_refused(&msg, Code::InvalidField);

    let mut msg = caps_value().to_message();
    msg.set(KEX, Value::Versions(vec![1]));
    enc_refused(&msg, Code::InvalidField);

    let mut msg = kp_value().to_message();
    msg.set(KEM_SUITE, Value::Uint(u64::from(X25519)));
    enc_refused(&msg, Code::InvalidField);
}

#[test]
fn every_error_code_has_its_documented_string() {
    let all = [
        (Code::Truncated, "TRUNCATED"),
        (Code::TrailingBytes, "TRAILING_BYTES"),
        (Code::UnknownTag, "UNKNOWN_TAG"),
        (Code::DuplicateTag, "DUPLICATE_TAG"),
        (Code::TagOrder, "TAG_ORDER"),
        (Code::BadLength, "BAD_LENGTH"),
        (Code::TooLarge, "TOO_LARGE"),
        (Code::BadMagic, "BAD_MAGIC"),
        (Code::UnsupportedVersion, "UNSUPPORTED_VERSION"),
        (Code::UnknownType, "UNKNOWN_TYPE"),
        (Code::UnexpectedType, "UNEXPECTED_TYPE"),
        (Code::UnknownSuite, "UNKNOWN_SUITE"),
        (Code::MissingField, "MISSING_FIELD"),
        (Code::InvalidField, "INVALID_FIELD"),
        (Code::DuplicateEntry, "DUPLICATE_ENTRY"),
    ];
    for (code, s) in all {
        assert_eq!(code.as_str(), s);
    }
    // Through the crate's error type too.
    let err: pqwire_core::Error = wire::decode(b"PW").unwrap_err().into();
    assert_eq!(err.code(), "TRUNCATED");
    assert_eq!(err.kind(), pqwire_core::ErrorKind::MalformedInput);
}

#[test]
fn inspect_documented_example() {
    let text = wire::inspect(&hex::decode("50570102000100000004aabbccdd").unwrap());
    assert!(
        text.contains("header    magic \"PW\", version 1, type 0x02 (key-package)"),
        "{text}"
    );
    assert!(
        text.contains(
            "error BAD_LENGTH: at offset 4 (field keyId, tag 0x0001): length 4, must be 16"
        ),
        "{text}"
    );
    assert!(
        text.contains("decoding stopped at offset 4; 10 bytes after it not decoded"),
        "{text}"
    );
}

// ---------------------------------------------------------------------------------------
// The ratchet message (0x12, protocol.md §5.4): every rule, by hand and from the encoder.

const RATCHET: u8 = 0x12;
const RATCHET_KEY: u16 = 0x0001;
const PREVIOUS_CHAIN_LENGTH: u16 = 0x0002;
const COUNTER: u16 = 0x0003;
const KEM_KEY: u16 = 0x0004;
const KEM_CIPHERTEXT: u16 = 0x0005;
const KEM_CIPHERTEXT_KEY_ID: u16 = 0x0006;
const ASSOCIATED_DATA: u16 = 0x0007;
const CIPHERTEXT: u16 = 0x0008;

/// ML-KEM-768: public key 1184 bytes, ciphertext 1088.
const PK_768: usize = 1184;
const CT_768: usize = 1088;

/// A ratchet message with every field: an ML-KEM-768 key and ciphertext.
fn ratchet_fields() -> Fields {
    vec![
        (RATCHET_KEY, vec![0x31; 32]),
        (PREVIOUS_CHAIN_LENGTH, be32(2)),
        (COUNTER, be32(3)),
        (KEM_KEY, [vec![0x34; 16], vec![0x35; PK_768]].concat()),
        (KEM_CIPHERTEXT, vec![0x36; CT_768]),
        (KEM_CIPHERTEXT_KEY_ID, vec![0x37; 16]),
        (ASSOCIATED_DATA, b"meta".to_vec()),
        (CIPHERTEXT, vec![0x38; 16 + 5]),
    ]
}

fn ratchet_value() -> RatchetMessage {
    RatchetMessage::new(
        Header {
            ratchet_key: [0x31; 32],
            previous_chain_length: 2,
            counter: 3,
            kem_key: Some(KemPublicKey {
                key_id: [0x34; 16],
                public_key: vec![0x35; PK_768],
            }),
            kem_ciphertext: Some(KemCiphertext {
                key_id: [0x37; 16],
                ciphertext: vec![0x36; CT_768],
            }),
            associated_data: b"meta".to_vec(),
        },
        vec![0x38; 16 + 5],
    )
}

/// The fields with `tag`'s value replaced: refused by the decoder with `code` at that
/// field (offset, tag, name), and by the encoder given the same fields as a generic
/// message, with the same code, offset and tag. (A generic message cannot hold a u32 of
/// another length than 4; those are left to the decoder.)
#[track_caller]
fn ratchet_refused_at(fields: &Fields, tag: u16, code: Code, name: &str) {
    let r = build(RATCHET, fields);
    refused(&r.bytes, code, r.off(tag), Some(tag), Some(name));
    let mut msg = Message::new(MessageType::RatchetMessage);
    for (t, v) in fields {
        let value = match *t {
            PREVIOUS_CHAIN_LENGTH | COUNTER => match <[u8; 4]>::try_from(&v[..]) {
                Ok(b) => Value::Uint(u32::from_be_bytes(b).into()),
                Err(_) => return,
            },
            _ => Value::Bytes(v.clone()),
        };
        msg.fields.push(Field {
            tag: *t,
            value,
            offset: 0,
        });
    }
    let enc = enc_refused(&msg, code);
    assert_eq!((enc.offset, enc.tag), (r.off(tag), Some(tag)), "{enc}");
}

#[test]
fn ratchet_message_documented_layout_matches_the_library() {
    assert_eq!(MessageType::RatchetMessage.code(), RATCHET);
    assert_eq!(
        MessageType::from_name("ratchet-message"),
        Some(MessageType::RatchetMessage)
    );
    use tags::ratchet_message as t;
    assert_eq!(
        [
            t::TAG_RATCHET_KEY,
            t::TAG_PREVIOUS_CHAIN_LENGTH,
            t::TAG_COUNTER,
            t::TAG_KEM_KEY,
            t::TAG_KEM_CIPHERTEXT,
            t::TAG_KEM_CIPHERTEXT_KEY_ID,
            t::TAG_ASSOCIATED_DATA,
            t::TAG_CIPHERTEXT
        ],
        [
            RATCHET_KEY,
            PREVIOUS_CHAIN_LENGTH,
            COUNTER,
            KEM_KEY,
            KEM_CIPHERTEXT,
            KEM_CIPHERTEXT_KEY_ID,
            ASSOCIATED_DATA,
            CIPHERTEXT
        ]
    );
    // The hand-built message is what the encoder writes; offsets as recorded.
    let r = build(RATCHET, &ratchet_fields());
    let msg = accepted(&r.bytes);
    let offsets: Vec<(u16, usize)> = msg.fields.iter().map(|f| (f.tag, f.offset)).collect();
    assert_eq!(offsets, r.at);
    assert_eq!(RatchetMessage::decode(&r.bytes).unwrap(), ratchet_value());
    assert_eq!(ratchet_value().encode().unwrap(), r.bytes);
    // The header fields are the AEAD's associated data, byte for byte.
    assert_eq!(
        &r.bytes[4..r.off(CIPHERTEXT)],
        ratchet_value().header.to_ad_bytes().as_slice()
    );
}

#[test]
fn ratchet_message_optional_fields_may_be_left_out() {
    let f = ratchet_fields();
    let minimal = without(
        &without(
            &without(&without(&f, KEM_KEY), KEM_CIPHERTEXT),
            KEM_CIPHERTEXT_KEY_ID,
        ),
        ASSOCIATED_DATA,
    );
    let bytes = build(RATCHET, &minimal).bytes;
    accepted(&bytes);
    let m = RatchetMessage::decode(&bytes).unwrap();
    assert!(m.header.kem_key.is_none() && m.header.kem_ciphertext.is_none());
    assert!(m.header.associated_data.is_empty());
    // kemKey alone, kemCiphertext with its key id alone.
    accepted(
        &build(
            RATCHET,
            &without(&without(&f, KEM_CIPHERTEXT), KEM_CIPHERTEXT_KEY_ID),
        )
        .bytes,
    );
    accepted(&build(RATCHET, &without(&f, KEM_KEY)).bytes);
    // The smallest ciphertext is the bare AEAD tag; extensions follow the ciphertext.
    let tag_only = with(&minimal, CIPHERTEXT, vec![0; 16]);
    accepted(&build(RATCHET, &tag_only).bytes);
    let ext = build(RATCHET, &tag_only).field(0xF000, b"x");
    accepted(&ext.bytes);
    let m = RatchetMessage::decode(&ext.bytes).unwrap();
    assert_eq!(m.extensions, vec![self::ext(0xF000, b"x")]);
    assert_eq!(m.encode().unwrap(), ext.bytes);
}

#[test]
fn ratchet_message_kem_fields_of_every_suites_length() {
    for &s in KemSuite::ALL {
        let l = kem::backend(s).lengths();
        let f = with(
            &with(
                &ratchet_fields(),
                KEM_KEY,
                [vec![1; 16], vec![2; l.public_key]].concat(),
            ),
            KEM_CIPHERTEXT,
            vec![3; l.cipher_text],
        );
        let bytes = build(RATCHET, &f).bytes;
        accepted(&bytes);
        let m = RatchetMessage::decode(&bytes).unwrap();
        assert_eq!(m.header.kem_key.unwrap().public_key.len(), l.public_key);
    }
}

#[test]
fn ratchet_message_fixed_size_fields_with_another_length() {
    let f = ratchet_fields();
    for n in [0, 31, 33] {
        ratchet_refused_at(
            &with(&f, RATCHET_KEY, vec![1; n]),
            RATCHET_KEY,
            Code::BadLength,
            "ratchetKey",
        );
    }
    for (tag, name) in [
        (PREVIOUS_CHAIN_LENGTH, "previousChainLength"),
        (COUNTER, "counter"),
    ] {
        for n in [0, 3, 5, 8] {
            ratchet_refused_at(&with(&f, tag, vec![1; n]), tag, Code::BadLength, name);
        }
    }
    for n in [0, 15, 17] {
        ratchet_refused_at(
            &with(&f, KEM_CIPHERTEXT_KEY_ID, vec![1; n]),
            KEM_CIPHERTEXT_KEY_ID,
            Code::BadLength,
            "kemCiphertextKeyId",
        );
    }
}

#[test]
fn ratchet_message_kem_key_is_a_key_id_and_a_kem_public_key() {
    let f = ratchet_fields();
    // A bare public key (no key id), one byte off, a key id alone, nothing.
    for n in [PK_768, 16 + PK_768 - 1, 16 + PK_768 + 1, 16, 0, 16 + 2592] {
        ratchet_refused_at(
            &with(&f, KEM_KEY, vec![1; n]),
            KEM_KEY,
            Code::BadLength,
            "kemKey",
        );
    }
    // A length outside the set is BAD_LENGTH before the value is read, however long.
    let r = Raw::new(RATCHET)
        .field(RATCHET_KEY, &[1; 32])
        .field(PREVIOUS_CHAIN_LENGTH, &be32(0))
        .field(COUNTER, &be32(0))
        .field_len(KEM_KEY, u32::MAX, &[]);
    refused(
        &r.bytes,
        Code::BadLength,
        r.off(KEM_KEY),
        Some(KEM_KEY),
        Some("kemKey"),
    );
    // A length in the set that runs past the end is TRUNCATED.
    let r = Raw::new(RATCHET)
        .field(RATCHET_KEY, &[1; 32])
        .field(PREVIOUS_CHAIN_LENGTH, &be32(0))
        .field(COUNTER, &be32(0))
        .field_len(KEM_KEY, 16 + 1184, &[0; 100]);
    refused(
        &r.bytes,
        Code::Truncated,
        r.off(KEM_KEY),
        Some(KEM_KEY),
        Some("kemKey"),
    );
}

#[test]
fn ratchet_message_kem_ciphertext_has_a_kem_ciphertext_length() {
    let f = ratchet_fields();
    for n in [0, 1, CT_768 - 1, CT_768 + 1, 16 + CT_768, 4096] {
        ratchet_refused_at(
            &with(&f, KEM_CIPHERTEXT, vec![1; n]),
            KEM_CIPHERTEXT,
            Code::BadLength,
            "kemCiphertext",
        );
    }
}

#[test]
fn ratchet_message_associated_data_is_absent_when_empty() {
    ratchet_refused_at(
        &with(&ratchet_fields(), ASSOCIATED_DATA, Vec::new()),
        ASSOCIATED_DATA,
        Code::BadLength,
        "associatedData",
    );
    // Over the cap: TOO_LARGE from the declared length alone.
    let r = Raw::new(RATCHET)
        .field(RATCHET_KEY, &[1; 32])
        .field(PREVIOUS_CHAIN_LENGTH, &be32(0))
        .field(COUNTER, &be32(0))
        .field_len(ASSOCIATED_DATA, (MAX_MESSAGE_LEN + 1) as u32, &[]);
    refused(
        &r.bytes,
        Code::TooLarge,
        r.off(ASSOCIATED_DATA),
        Some(ASSOCIATED_DATA),
        Some("associatedData"),
    );
}

#[test]
fn ratchet_message_ciphertext_holds_at_least_the_aead_tag() {
    for n in [0, 1, 15] {
        ratchet_refused_at(
            &with(&ratchet_fields(), CIPHERTEXT, vec![1; n]),
            CIPHERTEXT,
            Code::BadLength,
            "ciphertext",
        );
    }
    let mut m = ratchet_value();
    m.ciphertext.truncate(15);
    let err = m.encode().unwrap_err();
    assert_eq!((err.code, err.tag), (Code::BadLength, Some(CIPHERTEXT)));
    let r = Raw::new(RATCHET)
        .field(RATCHET_KEY, &[1; 32])
        .field(PREVIOUS_CHAIN_LENGTH, &be32(0))
        .field(COUNTER, &be32(0))
        .field_len(CIPHERTEXT, u32::MAX, &[0; 16]);
    refused(
        &r.bytes,
        Code::TooLarge,
        r.off(CIPHERTEXT),
        Some(CIPHERTEXT),
        Some("ciphertext"),
    );
}

#[test]
fn ratchet_message_required_fields() {
    for (tag, name) in [
        (RATCHET_KEY, "ratchetKey"),
        (PREVIOUS_CHAIN_LENGTH, "previousChainLength"),
        (COUNTER, "counter"),
        (CIPHERTEXT, "ciphertext"),
    ] {
        let f = without(&ratchet_fields(), tag);
        let r = build(RATCHET, &f);
        refused(&r.bytes, Code::MissingField, r.len(), Some(tag), Some(name));
        let mut msg = ratchet_value().to_message();
        msg.fields.retain(|x| x.tag != tag);
        let e = enc_refused(&msg, Code::MissingField);
        assert_eq!((e.offset, e.tag), (r.len(), Some(tag)), "{e}");
    }
}

#[test]
fn ratchet_message_kem_ciphertext_and_its_key_id_come_together() {
    // A ciphertext without its key id: the key id is missing (at the end).
    let f = without(&ratchet_fields(), KEM_CIPHERTEXT_KEY_ID);
    let r = build(RATCHET, &f);
    refused(
        &r.bytes,
        Code::MissingField,
        r.len(),
        Some(KEM_CIPHERTEXT_KEY_ID),
        Some("kemCiphertextKeyId"),
    );
    let mut msg = ratchet_value().to_message();
    msg.fields.retain(|x| x.tag != KEM_CIPHERTEXT_KEY_ID);
    let e = enc_refused(&msg, Code::MissingField);
    assert_eq!(
        (e.offset, e.tag),
        (r.len(), Some(KEM_CIPHERTEXT_KEY_ID)),
        "{e}"
    );
    // A key id alone: invalid, at the key id.
    let f = without(&ratchet_fields(), KEM_CIPHERTEXT);
    let r = build(RATCHET, &f);
    refused(
        &r.bytes,
        Code::InvalidField,
        r.off(KEM_CIPHERTEXT_KEY_ID),
        Some(KEM_CIPHERTEXT_KEY_ID),
        Some("kemCiphertextKeyId"),
    );
    let mut msg = ratchet_value().to_message();
    msg.fields.retain(|x| x.tag != KEM_CIPHERTEXT);
    let e = enc_refused(&msg, Code::InvalidField);
    assert_eq!(
        (e.offset, e.tag),
        (r.off(KEM_CIPHERTEXT_KEY_ID), Some(KEM_CIPHERTEXT_KEY_ID)),
        "{e}"
    );
}

#[test]
fn ratchet_message_framing_rules() {
    let f = ratchet_fields();
    // Unknown tags: below the first and after the last defined one.
    let r = Raw::new(RATCHET).field(0x0000, &[]);
    refused(&r.bytes, Code::UnknownTag, 4, Some(0x0000), None);
    let r = build(RATCHET, &f).field(0x0009, &[1]);
    refused(
        &r.bytes,
        Code::UnknownTag,
        r.off(0x0009),
        Some(0x0009),
        None,
    );
    // The same tag twice, and tags out of order (counter before previousChainLength).
    let mut twice = f.clone();
    twice.insert(2, (PREVIOUS_CHAIN_LENGTH, be32(0)));
    let r = build(RATCHET, &twice);
    refused(
        &r.bytes,
        Code::DuplicateTag,
        r.at[2].1,
        Some(PREVIOUS_CHAIN_LENGTH),
        Some("previousChainLength"),
    );
    let mut swapped = f.clone();
    swapped.swap(1, 2);
    let r = build(RATCHET, &swapped);
    refused(
        &r.bytes,
        Code::TagOrder,
        r.off(PREVIOUS_CHAIN_LENGTH),
        Some(PREVIOUS_CHAIN_LENGTH),
        Some("previousChainLength"),
    );
    // The ciphertext before the header fields it follows.
    let mut first = f.clone();
    first.rotate_right(1);
    let r = build(RATCHET, &first);
    refused(
        &r.bytes,
        Code::TagOrder,
        r.off(RATCHET_KEY),
        Some(RATCHET_KEY),
        Some("ratchetKey"),
    );
    // A truncated ciphertext, and bytes after it too few for a field.
    let whole = build(RATCHET, &f).bytes;
    let ct_at = build(RATCHET, &f).off(CIPHERTEXT);
    refused(
        &whole[..whole.len() - 1],
        Code::Truncated,
        ct_at,
        Some(CIPHERTEXT),
        Some("ciphertext"),
    );
    let r = build(RATCHET, &f).raw(&[0, 8, 0]);
    refused(&r.bytes, Code::TrailingBytes, whole.len(), None, None);
    // Another type where a ratchet message is expected, and the other way round.
    assert_eq!(
        RatchetMessage::decode(&caps().bytes).unwrap_err().code,
        Code::UnexpectedType
    );
    assert_eq!(
        Capabilities::decode(&whole).unwrap_err().code,
        Code::UnexpectedType
    );
}

#[test]
fn ratchet_message_encoder_refuses_what_the_decoder_refuses() {
    // Typed values that break a rule.
    let mut m = ratchet_value();
    m.header.kem_key.as_mut().unwrap().public_key.pop();
    let e = m.encode().unwrap_err();
    assert_eq!(
        (e.code, e.tag, e.field),
        (Code::BadLength, Some(KEM_KEY), Some("kemKey"))
    );
    let mut m = ratchet_value();
    m.header.kem_ciphertext.as_mut().unwrap().ciphertext.push(0);
    let e = m.encode().unwrap_err();
    assert_eq!((e.code, e.tag), (Code::BadLength, Some(KEM_CIPHERTEXT)));
    // Counters over u32 in a generic message.
    let mut msg = ratchet_value().to_message();
    msg.set(COUNTER, Value::Uint(u64::from(u32::MAX) + 1));
    let e = enc_refused(&msg, Code::InvalidField);
    assert_eq!(e.field, Some("counter"));
    // The typed view refuses a generic message that breaks a rule instead of panicking.
    let mut msg = ratchet_value().to_message();
    msg.set(KEM_KEY, Value::Bytes(vec![1; 3]));
    assert_eq!(
        RatchetMessage::from_message(&msg).unwrap_err().code,
        Code::BadLength
    );
    let mut msg = ratchet_value().to_message();
    msg.fields.retain(|f| f.tag != KEM_CIPHERTEXT_KEY_ID);
    assert_eq!(
        RatchetMessage::from_message(&msg).unwrap_err().code,
        Code::MissingField
    );
}

#[test]
fn ratchet_message_inspect_names_its_fields() {
    let bytes = ratchet_value().encode().unwrap();
    let text = wire::inspect(&bytes);
    for name in [
        "ratchet-message",
        "ratchetKey",
        "previousChainLength",
        "counter",
        "kemKey",
        "kemCiphertext",
        "kemCiphertextKeyId",
        "associatedData",
        "ciphertext",
    ] {
        assert!(text.contains(name), "{name}: {text}");
    }
    assert!(
        text.ends_with("valid ratchet-message message, canonical\n"),
        "{text}"
    );
    let r = build(RATCHET, &with(&ratchet_fields(), KEM_KEY, vec![0; 17]));
    let text = wire::inspect(&r.bytes);
    assert!(
        text.contains(&format!(
            "error BAD_LENGTH: at offset {} (field kemKey, tag 0x0004)",
            r.off(KEM_KEY)
        )),
        "{text}"
    );
}

/// Sizes with ML-KEM-768 and a 1 KiB payload (the AEAD adds its 16-byte tag).
#[test]
fn ratchet_message_sizes_with_a_1_kib_payload() {
    let l = kem::backend(KemSuite::MlKem768).lengths();
    let mut m = ratchet_value();
    m.ciphertext = vec![0; 1024 + 16];
    m.header.associated_data.clear();
    let with_both = m.encode().unwrap().len();
    m.header.kem_ciphertext = None;
    let with_key = m.encode().unwrap().len();
    m.header.kem_key = None;
    let bare = m.encode().unwrap().len();
    // 4 header + ratchetKey 6+32 + two counters 2×(6+4) + ciphertext 6+1040.
    assert_eq!(bare, 4 + 38 + 20 + 6 + 1040);
    assert_eq!(with_key, bare + 6 + 16 + l.public_key);
    assert_eq!(with_both, with_key + 6 + l.cipher_text + 6 + 16);
    assert_eq!((bare, with_key, with_both), (1108, 2314, 3430));
    println!(
        "ratchet message, ML-KEM-768, 1 KiB payload: {bare} bytes without KEM fields, \
         {with_key} with kemKey, {with_both} with kemKey and kemCiphertext"
    );
}
