//! Properties of the wire format: random valid messages round-trip in both directions,
//! and no single-byte change, truncation or random input makes the decoder (or
//! `inspect`) panic or accept a non-canonical encoding.
//!
//! Case counts are kept moderate so the file runs in a few seconds with `--profile ci`;
//! `PROPTEST_CASES` raises them for a longer run.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod wire_support;

use proptest::prelude::*;
use wire_support::pq_chunk;

use pqwire_core::channel::{
    ConnectRequest, ConnectResponse, ExchangeRequest, ExchangeResponse, ServerPublicKey,
};
use pqwire_core::ratchet::{ChunkKind, Header, PqChunk};
use pqwire_core::wire::limits::{
    FIRST_EXTENSION_TAG, MAX_EXTENSIONS, MAX_SUITES_PER_LIST, MAX_TIME, MAX_VERSIONS,
};
use pqwire_core::wire::{
    self, Capabilities, Envelope, Extension, InitialMessage, KeyPackage, MessageType, PackageSuite,
    PrekeyBatch, PrekeyBundle, PrekeyUpload, RatchetMessage, WireMessage, FEATURE_MLS,
};
use pqwire_core::{kem, sig, AeadSuite, KemSuite, MlsSuite, SigSuite};

// ---------------------------------------------------------------------------------------
// Strategies

/// Distinct entries in first-seen order.
fn dedup<T: PartialEq + Copy>(items: Vec<T>) -> Vec<T> {
    let mut out: Vec<T> = Vec::with_capacity(items.len());
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

/// Suite codes: mostly known ones of the role, some arbitrary (kept for forward
/// compatibility), distinct, 1..=MAX_SUITES_PER_LIST of them.
fn suite_list(known: Vec<u16>) -> impl Strategy<Value = Vec<u16>> {
    let code = prop_oneof![3 => prop::sample::select(known), 1 => any::<u16>()];
    prop::collection::vec(code, 1..=MAX_SUITES_PER_LIST).prop_map(dedup)
}

fn versions() -> impl Strategy<Value = Vec<u8>> {
    let v = prop_oneof![3 => Just(1u8), 1 => any::<u8>()];
    prop::collection::vec(v, 1..=MAX_VERSIONS).prop_map(dedup)
}

/// Up to MAX_EXTENSIONS extensions with distinct tags, in ascending order.
fn extensions() -> impl Strategy<Value = Vec<Extension>> {
    let one = (
        FIRST_EXTENSION_TAG..=u16::MAX,
        prop::collection::vec(any::<u8>(), 0..48),
    );
    prop::collection::vec(one, 0..=MAX_EXTENSIONS).prop_map(|mut v| {
        v.sort_by_key(|(tag, _)| *tag);
        v.dedup_by_key(|(tag, _)| *tag);
        v.into_iter()
            .map(|(tag, value)| Extension { tag, value })
            .collect()
    })
}

fn codes_of<S: Copy>(all: &[S], code: fn(S) -> u16) -> Vec<u16> {
    all.iter().map(|s| code(*s)).collect()
}

/// Capabilities with any feature bits, and MLS suites exactly when the `mls` bit is set
/// (the two go together: the wire refuses one without the other).
fn capabilities() -> impl Strategy<Value = Capabilities> {
    let mls = prop_oneof![
        1 => Just(Vec::new()),
        2 => suite_list(codes_of(MlsSuite::ALL, MlsSuite::code)),
    ];
    (
        versions(),
        suite_list(codes_of(KemSuite::ALL, KemSuite::code)),
        suite_list(codes_of(SigSuite::ALL, SigSuite::code)),
        suite_list(codes_of(AeadSuite::ALL, AeadSuite::code)),
        (any::<u32>(), mls),
        extensions(),
    )
        .prop_map(
            |(
                versions,
                kex_suites,
                sig_suites,
                aead_suites,
                (features, mls_suites),
                extensions,
            )| {
                let mls_bit = 1 << FEATURE_MLS;
                Capabilities {
                    versions,
                    kex_suites,
                    sig_suites,
                    aead_suites,
                    features: match mls_suites.is_empty() {
                        true => features & !mls_bit,
                        false => features | mls_bit,
                    },
                    mls_suites,
                    extensions,
                }
            },
        )
}

fn package_suite() -> impl Strategy<Value = PackageSuite> {
    let all: Vec<PackageSuite> = KemSuite::ALL
        .iter()
        .map(|s| PackageSuite::Kem(*s))
        .chain(SigSuite::ALL.iter().map(|s| PackageSuite::Sig(*s)))
        .collect();
    prop::sample::select(all)
}

fn key_len(suite: PackageSuite) -> usize {
    match suite {
        PackageSuite::Kem(s) => kem::backend(s).lengths().public_key,
        PackageSuite::Sig(s) => sig::backend(s).lengths().public_key,
    }
}

fn key_package() -> impl Strategy<Value = KeyPackage> {
    (
        package_suite(),
        any::<[u8; 16]>(),
        0..MAX_TIME,
        extensions(),
        any::<u64>(),
    )
        .prop_flat_map(|(suite, key_id, created, extensions, r)| {
            let public_key = prop::collection::vec(any::<u8>(), key_len(suite));
            let expires = created + 1..=MAX_TIME;
            (public_key, expires).prop_map(move |(public_key, expires)| {
                // Some packages valid for exactly one second, some until the end of time.
                let expires = match r % 8 {
                    0 => created + 1,
                    1 => MAX_TIME,
                    _ => expires,
                };
                KeyPackage {
                    key_id,
                    suite,
                    public_key,
                    created,
                    expires,
                    extensions: extensions.clone(),
                }
            })
        })
}

fn envelope() -> impl Strategy<Value = Envelope> {
    (
        any::<u16>(),
        any::<Option<[u8; 16]>>(),
        any::<Option<[u8; 16]>>(),
        prop::option::of(0..=MAX_TIME),
        prop::collection::vec(any::<u8>(), 0..600),
        extensions(),
    )
        .prop_map(
            |(content_type, sender_key_id, recipient_key_id, sent_at, payload, extensions)| {
                Envelope {
                    content_type,
                    sender_key_id,
                    recipient_key_id,
                    sent_at,
                    payload,
                    extensions,
                }
            },
        )
}

/// A ratchet header, each optional field present or not (the PQ fields do not depend on
/// the suite on the wire; `_suite` keeps the callers' shape).
fn header(_suite: KemSuite) -> impl Strategy<Value = Header> {
    (
        any::<[u8; 32]>(),
        any::<u32>(),
        any::<u32>(),
        prop::option::of((
            any::<bool>(),
            1..=u32::MAX,
            any::<u8>(),
            prop::collection::vec(any::<u8>(), 16..=80),
        )),
        prop::option::of(1..=u32::MAX),
        prop::collection::vec(any::<u8>(), 0..64),
    )
        .prop_map(
            |(ratchet_key, pn, n, chunk, pq_mix, associated_data)| Header {
                ratchet_key,
                previous_chain_length: pn,
                counter: n,
                pq_chunk: chunk.map(|(key, seq, index, data)| PqChunk {
                    kind: if key {
                        ChunkKind::Key
                    } else {
                        ChunkKind::Ciphertext
                    },
                    seq,
                    index,
                    data,
                }),
                pq_mix,
                associated_data,
            },
        )
}

fn ratchet_message() -> impl Strategy<Value = RatchetMessage> {
    prop::sample::select(KemSuite::ALL.to_vec())
        .prop_flat_map(|suite| {
            (
                header(suite),
                prop::collection::vec(any::<u8>(), 16..300),
                extensions(),
            )
        })
        .prop_map(|(header, ciphertext, extensions)| RatchetMessage {
            header,
            ciphertext,
            extensions,
        })
}

/// `b` decodes (generically and as `ty`) and re-encodes to exactly `b`.
fn assert_canonical(b: &[u8], ty: MessageType) -> Result<(), TestCaseError> {
    let msg = wire::decode(b).map_err(|e| TestCaseError::fail(format!("refused: {e}")))?;
    prop_assert_eq!(msg.ty, ty);
    prop_assert_eq!(wire::encode(&msg).unwrap(), b);
    prop_assert_eq!(wire::decode_as(b, ty).unwrap(), msg);
    Ok(())
}

/// `m` encodes to bytes that decode (typed) back to `m` and are canonical as a message of
/// type `ty`: the bytes.
fn round_trips<M>(m: &M, ty: MessageType) -> Result<Vec<u8>, TestCaseError>
where
    M: WireMessage + PartialEq + std::fmt::Debug,
{
    let b = m.encode().unwrap();
    prop_assert_eq!(&M::decode(&b).unwrap(), m);
    assert_canonical(&b, ty)?;
    Ok(b)
}

// ---------------------------------------------------------------------------------------
// Round trips

proptest! {
    #![proptest_config(ProptestConfig::with_cases(192))]

    #[test]
    fn capabilities_round_trip(caps in capabilities()) {
        round_trips(&caps, MessageType::Capabilities)?;
    }

    #[test]
    fn key_packages_round_trip(kp in key_package()) {
        round_trips(&kp, MessageType::KeyPackage)?;
        prop_assert!(kp.is_valid_at(kp.created));
        prop_assert!(!kp.is_valid_at(kp.expires));
    }

    #[test]
    fn envelopes_round_trip(env in envelope()) {
        round_trips(&env, MessageType::Envelope)?;
    }

    /// Random ratchet messages of every KEM suite's lengths round-trip, and the bytes
    /// between the message header and the ciphertext field are exactly the header's
    /// associated-data encoding.
    #[test]
    fn ratchet_messages_round_trip(m in ratchet_message()) {
        let b = round_trips(&m, MessageType::RatchetMessage)?;
        let ad = m.header.to_ad_bytes();
        prop_assert_eq!(&b[4..4 + ad.len()], ad.as_slice());
        prop_assert_eq!(&b[4 + ad.len()..4 + ad.len() + 2], &[0u8, 8][..]);
    }

    /// Arbitrary bytes behind a valid header: refused with an error, or canonical.
    #[test]
    fn random_bodies_never_panic_and_are_canonical_when_accepted(
        ty in prop::sample::select(vec![0u8, 1, 2, 3, 4, 0x10, 0x11, 0x12, 0x13]),
        body in prop::collection::vec(any::<u8>(), 0..200),
    ) {
        let mut b = vec![b'P', b'W', pqwire_core::wire::limits::VERSION, ty];
        b.extend_from_slice(&body);
        check_any(&b);
    }

    /// Random well-formed field sequences (valid TLV framing, random tags and values),
    /// which reach the per-field and cross-field rules far more often than random bytes.
    #[test]
    fn random_field_sequences_never_panic_and_are_canonical_when_accepted(
        ty in 1u8..=3,
        fields in prop::collection::vec(
            (prop_oneof![4 => 0u16..=7, 1 => FIRST_EXTENSION_TAG..=0xF003],
             prop::collection::vec(any::<u8>(), 0..40)),
            0..8,
        ),
        sorted in any::<bool>(),
    ) {
        let mut fields = fields;
        if sorted {
            fields.sort_by_key(|(t, _)| *t);
        }
        let mut b = vec![b'P', b'W', pqwire_core::wire::limits::VERSION, ty];
        for (tag, value) in &fields {
            b.extend_from_slice(&tag.to_be_bytes());
            b.extend_from_slice(&(value.len() as u32).to_be_bytes());
            b.extend_from_slice(value);
        }
        check_any(&b);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Random ratchet-message field sequences, with values mostly of the lengths the
    /// fields allow, so that decoding reaches the cross-field rule (a KEM ciphertext and
    /// its key id together) as well as the length rules.
    #[test]
    fn random_ratchet_fields_never_panic_and_are_canonical_when_accepted(
        fields in prop::collection::vec(
            (0u16..=9, prop::sample::select(vec![0usize, 1, 4, 15, 16, 32, 48, 800, 816]),
             any::<u8>()),
            0..9,
        ),
        sorted in any::<bool>(),
    ) {
        let mut fields = fields;
        if sorted {
            fields.sort_by_key(|(t, _, _)| *t);
        }
        let mut b = vec![b'P', b'W', pqwire_core::wire::limits::VERSION, 0x12];
        for (tag, len, fill) in &fields {
            b.extend_from_slice(&tag.to_be_bytes());
            b.extend_from_slice(&(*len as u32).to_be_bytes());
            b.extend(std::iter::repeat_n(*fill, *len));
        }
        check_any(&b);
    }
}

// ---------------------------------------------------------------------------------------
// Exhaustive single-byte mutations and truncations of one sample of each type

/// The one property every input must have: decoding either fails with a `WireError`
/// (which `inspect` names) or yields a message whose encoding is exactly the input;
/// nothing panics.
#[track_caller]
fn check_any(b: &[u8]) {
    match wire::decode(b) {
        Ok(msg) => {
            let again = wire::encode(&msg).unwrap_or_else(|e| {
                panic!("accepted {} but cannot re-encode: {e}", hex::encode(b))
            });
            assert_eq!(
                again,
                b,
                "accepted a non-canonical encoding {}",
                hex::encode(b)
            );
            // The typed views accept it too and re-encode it identically.
            let typed = match msg.ty {
                MessageType::Capabilities => Capabilities::decode(b).and_then(|v| v.encode()),
                MessageType::KeyPackage => KeyPackage::decode(b).and_then(|v| v.encode()),
                MessageType::Envelope => Envelope::decode(b).and_then(|v| v.encode()),
                MessageType::PrekeyBundle => PrekeyBundle::decode(b).and_then(|v| v.encode()),
                MessageType::InitialMessage => InitialMessage::decode(b).and_then(|v| v.encode()),
                MessageType::RatchetMessage => RatchetMessage::decode(b).and_then(|v| v.encode()),
                MessageType::PrekeyBatch => PrekeyBatch::decode(b).and_then(|v| v.encode()),
                MessageType::PrekeyUpload => PrekeyUpload::decode(b).and_then(|v| v.encode()),
                MessageType::ChannelServerKey => {
                    ServerPublicKey::decode_structure(b).and_then(|v| v.encode())
                }
                MessageType::ConnectRequest => ConnectRequest::decode(b).and_then(|v| v.encode()),
                MessageType::ConnectResponse => ConnectResponse::decode(b).and_then(|v| v.encode()),
                MessageType::ExchangeRequest => ExchangeRequest::decode(b).and_then(|v| v.encode()),
                MessageType::ExchangeResponse => {
                    ExchangeResponse::decode(b).and_then(|v| v.encode())
                }
            };
            assert_eq!(typed.unwrap(), b, "typed view of {}", hex::encode(b));
            let text = wire::inspect(b);
            assert!(text.contains("canonical"), "{text}");
        }
        Err(e) => {
            let text = wire::inspect(b);
            assert!(
                text.contains(&format!("error {}", e.code.as_str())),
                "inspect of {} does not name {}: {text}",
                hex::encode(b),
                e.code.as_str()
            );
            assert!(e.offset <= b.len(), "offset {} past the end: {e}", e.offset);
        }
    }
}

fn samples() -> Vec<(&'static str, Vec<u8>)> {
    let ext = |tag, value: &[u8]| Extension {
        tag,
        value: value.to_vec(),
    };
    let caps = Capabilities {
        versions: vec![2, 3],
        kex_suites: vec![
            KemSuite::XWing.code(),
            0xABCD,
            KemSuite::MlKem768.code(),
            KemSuite::X25519.code(),
        ],
        sig_suites: vec![SigSuite::Ed25519MlDsa65.code(), SigSuite::Ed25519.code()],
        aead_suites: vec![
            AeadSuite::ChaCha20Poly1305.code(),
            AeadSuite::Aes256Gcm.code(),
        ],
        features: 0x8000_0015,
        mls_suites: vec![0x004D, 0xABCD, 0x0001],
        extensions: vec![ext(0xF000, &[]), ext(0xF123, &[0xC0, 0xFF, 0xEE])],
    };
    let kem_package = KeyPackage {
        key_id: *b"0123456789abcdef",
        suite: PackageSuite::Kem(KemSuite::X25519),
        public_key: (0u8..32).collect(),
        created: 1_700_000_000,
        expires: 1_700_000_001,
        extensions: vec![ext(0xF001, &[7])],
    };
    let sig_package = KeyPackage {
        key_id: [0xA5; 16],
        suite: PackageSuite::Sig(SigSuite::Ed25519),
        public_key: vec![0x5A; 32],
        created: 0,
        expires: 1 << 40,
        extensions: Vec::new(),
    };
    let envelope = Envelope {
        content_type: 0x8001,
        sender_key_id: Some([1; 16]),
        recipient_key_id: Some([2; 16]),
        sent_at: Some(1_700_000_000),
        payload: b"payload bytes".to_vec(),
        extensions: vec![ext(0xFFFF, &[0, 1])],
    };
    let minimal_envelope = Envelope::default();
    // A small initial message: an Ed25519 identity and an X25519 ratchet KEM key keep
    // the exhaustive mutation below quick; every structural rule still applies.
    let initial = InitialMessage {
        capabilities: caps.encode().unwrap(),
        identity_sig_key_encoded: sig_package.encode().unwrap(),
        identity_sig_key: sig_package.clone(),
        identity_dh_key: [0xD1; 32],
        signed_prekey_id: [0x5B; 16],
        kem_prekey_id: None,
        one_time_prekey_id: Some([0x07; 16]),
        ephemeral_key: [0xEE; 32],
        kem_ciphertext: None,
        transcript_signature: vec![0x7A; 64],
        message: RatchetMessage {
            header: wire_support::header(0x4A, (0, 1), (None, None), b"ad"),
            ciphertext: vec![0xC7; 19],
            extensions: vec![ext(0xF00E, &[2])],
        },
        extensions: vec![ext(0xF00D, &[1])],
    };
    // Ratchet messages with a 16-byte chunk and pqMix: every field, and the fewest.
    let kem = (
        Some(pq_chunk(ChunkKind::Ciphertext, 0x3B, 0x3C, 0x3D, 16)),
        Some(0x3E),
    );
    let ratchet = RatchetMessage {
        header: wire_support::header(0x3A, (7, 0x0102_0304), kem, b"meta"),
        ciphertext: vec![0xC8; 20],
        extensions: vec![ext(0xF000, &[3])],
    };
    let minimal_ratchet = RatchetMessage::new(
        Header {
            pq_chunk: None,
            pq_mix: None,
            associated_data: Vec::new(),
            ..ratchet.header.clone()
        },
        vec![0xC9; 16],
    );
    // A classical batch of one one-time X25519 prekey, Ed25519 identity: the statement,
    // the upload and a bundle (leaf 0, an empty proof), small enough to mutate every byte.
    let small_caps = Capabilities {
        versions: vec![2],
        kex_suites: vec![KemSuite::X25519.code()],
        sig_suites: vec![SigSuite::Ed25519.code()],
        aead_suites: vec![AeadSuite::ChaCha20Poly1305.code()],
        features: 1,
        mls_suites: Vec::new(),
        extensions: Vec::new(),
    };
    let batch = PrekeyBatch {
        capabilities: small_caps.encode().unwrap(),
        identity_sig_key_id: sig_package.key_id,
        identity_dh_key: [0xD1; 32],
        signed_prekey: [0x5B; 32],
        kem_suite: None,
        one_time_kem_count: 0,
        one_time_count: 1,
        created: 10,
        signed_expires: 20,
        one_time_expires: 30,
        merkle_root: [0x3E; 32],
        extensions: vec![ext(0xF0BA, &[9])],
    };
    let upload = PrekeyUpload {
        identity_sig_key: sig_package.clone(),
        identity_sig_key_encoded: sig_package.encode().unwrap(),
        batch_encoded: batch.encode().unwrap(),
        batch: batch.clone(),
        batch_signature: vec![0x51; 64],
        last_resort_kem_key: None,
        one_time_kem_keys: Vec::new(),
        one_time_keys: vec![0x07; 32],
        extensions: vec![ext(0xF0B0, &[])],
    };
    let bundle = PrekeyBundle {
        identity_sig_key: sig_package.clone(),
        identity_sig_key_encoded: sig_package.encode().unwrap(),
        batch_encoded: batch.encode().unwrap(),
        batch: batch.clone(),
        batch_signature: vec![0x51; 64],
        kem_prekey: None,
        one_time_prekey: Some(pqwire_core::wire::BundledPrekey {
            index: 0,
            public_key: vec![0x07; 32],
            proof: Vec::new(),
        }),
        extensions: vec![ext(0xF0B1, &[1])],
    };
    vec![
        ("prekey batch", batch.encode().unwrap()),
        ("prekey upload", upload.encode().unwrap()),
        ("prekey bundle", bundle.encode().unwrap()),
        ("capabilities", caps.encode().unwrap()),
        ("kem key package", kem_package.encode().unwrap()),
        ("sig key package", sig_package.encode().unwrap()),
        ("envelope", envelope.encode().unwrap()),
        ("minimal envelope", minimal_envelope.encode().unwrap()),
        ("initial message", initial.encode().unwrap()),
        ("ratchet message", ratchet.encode().unwrap()),
        ("minimal ratchet message", minimal_ratchet.encode().unwrap()),
    ]
}

#[test]
fn every_single_byte_mutation_is_refused_or_canonical() {
    for (name, sample) in samples() {
        let mut accepted = 0usize;
        let mut refused = 0usize;
        let mut b = sample.clone();
        for i in 0..b.len() {
            let original = b[i];
            for delta in 1..=255u8 {
                b[i] = original.wrapping_add(delta);
                check_any(&b);
                if wire::decode(&b).is_ok() {
                    accepted += 1;
                } else {
                    refused += 1;
                }
            }
            b[i] = original;
        }
        assert_eq!(b, sample);
        assert_eq!(accepted + refused, 255 * sample.len());
        // Payload, key and extension bytes are free; header and framing bytes are not.
        assert!(
            accepted > 0 && refused > 0,
            "{name}: {accepted} accepted, {refused} refused"
        );
    }
}

#[test]
fn every_truncation_is_refused_or_canonical() {
    for (name, sample) in samples() {
        for n in 0..sample.len() {
            let prefix = &sample[..n];
            check_any(prefix);
            // A prefix that still decodes must have ended on a field boundary after every
            // required field: then it is a complete, canonical message on its own.
            if let Ok(msg) = wire::decode(prefix) {
                assert!(
                    msg.extensions.len() < wire::decode(&sample).unwrap().extensions.len(),
                    "{name}: prefix of {n} bytes decodes with all fields of the whole"
                );
            }
        }
        // The sample with extra bytes after it: 1..=5 are TRAILING_BYTES.
        for k in 1..=5 {
            let mut longer = sample.clone();
            longer.extend(std::iter::repeat_n(0xF0, k));
            assert_eq!(
                wire::decode(&longer).unwrap_err().code,
                wire::WireErrorCode::TrailingBytes,
                "{name}"
            );
            check_any(&longer);
        }
    }
}
