//! The encoder refuses what the decoder refuses, with the same code (and, where both can
//! hold the mistake, the same tag); every error code has its documented string; the
//! documented `inspect` example.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod wire_support;
use wire_support::*;

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

/// The key package with a sigSuite of `code`, alone or beside its kemSuite: as a generic
/// message, and as bytes built by hand.
fn kp_with_sig_suite(code: u16, with_kem_suite: bool) -> (Message, Vec<u8>) {
    let mut msg = kp_value().to_message();
    let mut fields = kp_fields();
    if !with_kem_suite {
        msg.fields.retain(|f| f.tag != KEM_SUITE);
        fields = without(&fields, KEM_SUITE);
    }
    msg.set(SIG_SUITE, Value::Suite(code));
    let at = fields.iter().position(|(t, _)| *t > SIG_SUITE).unwrap();
    fields.insert(at, (SIG_SUITE, be16(code)));
    (msg, build(KP, &fields).bytes)
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

    let (msg, bytes) = kp_with_sig_suite(X25519, false);
    both_refuse(&msg, &bytes, Code::UnknownSuite, Some(SIG_SUITE));
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
    f.insert(1, (VERSIONS, vec![2]));
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
    // 0x0007: the first tag after capabilities' last (0x0006, mlsSuites).
    let mut msg = caps_value().to_message();
    msg.fields.push(Field {
        tag: 0x0007,
        value: Value::Uint(0),
        offset: 0,
    });
    let bytes = caps().field(0x0007, &[0]).bytes;
    both_refuse(&msg, &bytes, Code::UnknownTag, Some(0x0007));

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
    let (msg, bytes) = kp_with_sig_suite(ED25519, true);
    both_refuse(&msg, &bytes, Code::InvalidField, Some(SIG_SUITE));

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
    msg.set(KEX, Value::Versions(vec![2]));
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
    let text = wire::inspect(&hex::decode("50570202000100000004aabbccdd").unwrap());
    assert!(
        text.contains("header    magic \"PW\", version 2, type 0x02 (key-package)"),
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
