//! The wire format rule by rule, framing and header: good messages (the hand-built bytes are
//! what the encoder writes), `TRUNCATED`, `TRAILING_BYTES`, `UNKNOWN_TAG`, `DUPLICATE_TAG`,
//! `TAG_ORDER`, `BAD_MAGIC`, `UNSUPPORTED_VERSION`, `UNKNOWN_TYPE`, `UNEXPECTED_TYPE`,
//! extensions and unknown suite codes (kept), and the capabilities' MLS suites with their
//! `mls` feature bit (the two go together). Each refusal is checked for its
//! `WireErrorCode`, offset, tag and field name. The value rules are in `wire_values.rs`, the
//! encoder's refusals in `wire_encoder.rs`, the ratchet message in `wire_ratchet_message.rs`.
//!
//! Bad messages are built byte by byte ([`wire_support::Raw`]), never with the encoder, so
//! the decoder is tested on its own; the field tags are the documented ones
//! (`docs/wire-format.md`), not the library's constants.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod wire_support;
use wire_support::*;

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
            tags::TAG_FEATURES,
            tags::TAG_MLS_SUITES
        ],
        [VERSIONS, KEX, SIGS, AEADS, FEATURES, MLS_SUITES]
    );
    assert_eq!(1 << wire::FEATURE_MLS, MLS_BIT);
    assert_eq!(wire::feature_bit("mls"), Some(4));
    assert_eq!(
        MlsSuite::MLS_256_XWING_CHACHA20POLY1305_SHA256_Ed25519.code(),
        MLS_XWING
    );
    assert_eq!(
        MlsSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519.code(),
        MLS_X25519_AES128
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
    assert_eq!(&default[..4], b"PW\x02\x01");
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
    r.refused_at(Code::Truncated, FEATURES, "features");

    // A variable field: the payload declares 100 bytes, 5 remain.
    let r = Raw::new(ENV)
        .field(CONTENT_TYPE, &be16(1))
        .field_len(PAYLOAD, 100, b"hello");
    r.refused_at(Code::Truncated, PAYLOAD, "payload");

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
    refused(b"PW\x02\x03\x00", Code::TrailingBytes, 4, None, None);
}

// ---------------------------------------------------------------------------------------
// UNKNOWN_TAG

#[test]
fn unknown_tags_below_the_extension_range() {
    for (ty, fields, after_last) in [
        (CAPS, caps_fields(), 0x0007),
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
    f.insert(1, (VERSIONS, vec![2]));
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
    r.refused_at(Code::DuplicateTag, PAYLOAD, "payload");

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
    r.refused_at(Code::TagOrder, KEX, "kexSuites");

    let mut f = kp_fields();
    f.swap(2, 3);
    let r = build(KP, &f);
    r.refused_at(Code::TagOrder, PUBLIC_KEY, "publicKey");

    // Extensions come after every defined field.
    let r = build(ENV, &without(&env_fields(), PAYLOAD))
        .field(0xF000, &[])
        .field(PAYLOAD, b"x");
    r.refused_at(Code::TagOrder, PAYLOAD, "payload");

    // Extensions among themselves.
    let r = caps().field(0xF002, &[]).field(0xF001, &[]);
    refused(&r.bytes, Code::TagOrder, r.off(0xF001), Some(0xF001), None);
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
    for version in [0, 1, 3, 0xFF] {
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
        // 0x0004 is RFC 9420's X448 suite, which pqwire does not offer.
        (MLS_SUITES, codes(&[0xFFFF, MLS_XWING, 0x0004])),
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
            mls_suites: vec![0xFFFF, MLS_XWING, 0x0004],
            extensions: Vec::new(),
        }
    );
    assert_eq!(typed.encode().unwrap(), r.bytes);
    let text = wire::inspect(&r.bytes);
    assert!(text.contains("0xFFFF (unknown)"), "{text}");
    assert!(text.contains("X25519+ML-KEM-768"), "{text}");
}

// ---------------------------------------------------------------------------------------
// MLS: the `mlsSuites` field (0x0006) and the `mls` feature bit (4) go together.

/// The default test capabilities offering MLS: the bit and the list.
fn mls_caps_fields(list: &[u16]) -> Fields {
    let mut f = with(&caps_fields(), FEATURES, be32(0xF | MLS_BIT));
    f.push((MLS_SUITES, codes(list)));
    f
}

#[test]
fn mls_suites_with_the_mls_feature_round_trip_and_show_their_names() {
    let r = build(
        CAPS,
        &mls_caps_fields(&[MLS_XWING, 0xABCD, MLS_X25519_AES128]),
    );
    let msg = accepted(&r.bytes);
    assert_eq!(
        msg.get(MLS_SUITES).unwrap().value,
        Value::Suites(vec![MLS_XWING, 0xABCD, MLS_X25519_AES128])
    );
    let typed = Capabilities::decode(&r.bytes).unwrap();
    assert!(typed.supports_mls());
    assert_eq!(
        typed,
        Capabilities {
            features: 0xF | MLS_BIT,
            mls_suites: vec![MLS_XWING, 0xABCD, MLS_X25519_AES128],
            ..caps_value()
        }
    );
    assert_eq!(typed.encode().unwrap(), r.bytes);
    let text = wire::inspect(&r.bytes);
    assert!(
        text.contains("MLS_256_XWING_CHACHA20POLY1305_SHA256_Ed25519"),
        "{text}"
    );
    assert!(text.contains("0xABCD (unknown)"), "{text}");
    assert!(text.contains("0x0000001F ["), "{text}");
    assert!(text.contains("channel-duplex, mls]"), "{text}");

    // Every suite the library knows, in its default order, through the typed API.
    let all = Capabilities::default().with_mls(MlsSuite::ALL);
    let bytes = all.encode().unwrap();
    let back = Capabilities::decode(&bytes).unwrap();
    assert_eq!(back, all);
    assert_eq!(back.mls_suites.len(), 13);
    // 13 codes and the field header on top of the 69 default bytes.
    assert_eq!(bytes.len(), 69 + 6 + 2 * 13);
}

#[test]
fn without_mls_the_encoding_is_unchanged() {
    // No bit, no field: the bytes every earlier version wrote and read.
    let plain = caps_value();
    assert!(!plain.supports_mls());
    assert_eq!(plain.encode().unwrap(), caps().bytes);
    assert!(!Capabilities::default().supports_mls());
    assert_eq!(Capabilities::default().features & MLS_BIT, 0);
    // `with_mls` of no suites takes MLS away again.
    let again = Capabilities::default()
        .with_mls(MlsSuite::ALL)
        .with_mls(&[]);
    assert_eq!(again, Capabilities::default());
}

#[test]
fn the_mls_feature_without_mls_suites_is_refused() {
    let r = build(CAPS, &with(&caps_fields(), FEATURES, be32(0xF | MLS_BIT)));
    let err = refused(
        &r.bytes,
        Code::MissingField,
        r.len(),
        Some(MLS_SUITES),
        Some("mlsSuites"),
    );
    assert!(err.to_string().contains("mls feature"), "{err}");
    // The encoder refuses the same.
    let bad = Capabilities {
        features: 0xF | MLS_BIT,
        ..caps_value()
    };
    assert_eq!(bad.encode().unwrap_err().code, Code::MissingField);
    // Only bit 4 means MLS: the other bits never ask for the list.
    for bit in (0..32).filter(|b| *b != 4) {
        accepted(&build(CAPS, &with(&caps_fields(), FEATURES, be32(1 << bit))).bytes);
    }
}

#[test]
fn mls_suites_without_the_mls_feature_are_refused() {
    let mut f = caps_fields();
    f.push((MLS_SUITES, codes(&[MLS_XWING])));
    let r = build(CAPS, &f);
    let err = r.refused_at(Code::InvalidField, MLS_SUITES, "mlsSuites");
    assert!(err.to_string().contains("mls feature"), "{err}");
    let bad = Capabilities {
        mls_suites: vec![MLS_XWING],
        ..caps_value()
    };
    assert_eq!(bad.encode().unwrap_err().code, Code::InvalidField);
}

#[test]
fn mls_suite_lists_follow_the_suite_list_rules() {
    // Empty (BAD_LENGTH), a code twice (DUPLICATE_ENTRY), an odd length (BAD_LENGTH),
    // over the cap (TOO_LARGE): the rules of every suite list.
    let cases: [(Vec<u8>, Code); 4] = [
        (vec![], Code::BadLength),
        (codes(&[MLS_XWING, MLS_XWING]), Code::DuplicateEntry),
        (vec![0x00, 0x4D, 0x00], Code::BadLength),
        (
            codes(&(0..=MAX_SUITES_PER_LIST as u16).collect::<Vec<_>>()),
            Code::TooLarge,
        ),
    ];
    for (value, code) in cases {
        let r = build(
            CAPS,
            &with(&mls_caps_fields(&[MLS_XWING]), MLS_SUITES, value),
        );
        r.refused_at(code, MLS_SUITES, "mlsSuites");
    }
}
