//! The wire format's value rules, one by one: `BAD_LENGTH`, `TOO_LARGE`, `UNKNOWN_SUITE`,
//! `MISSING_FIELD`, `INVALID_FIELD`, `DUPLICATE_ENTRY`, each with its code, offset, tag and
//! field name, on messages built byte by byte ([`wire_support::Raw`]).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod wire_support;
use wire_support::*;

/// A key package holding a signing key: `sig_suite` is the sigSuite field's value, and
/// the public key is `key_len` bytes.
fn signing_kp(sig_suite: Vec<u8>, key_len: usize) -> Raw {
    let fields = vec![
        (KEY_ID, vec![1; 16]),
        (SIG_SUITE, sig_suite),
        (PUBLIC_KEY, vec![0; key_len]),
        (CREATED, be64(1)),
        (EXPIRES, be64(2)),
    ];
    build(KP, &fields)
}

/// `fields` of type `ty` without field `tag`: `MISSING_FIELD` at the end of the input,
/// with extensions after the fields too.
#[track_caller]
fn missing(ty: u8, fields: &[(u16, Vec<u8>)], tag: u16, name: &str) {
    let r = build(ty, &without(fields, tag));
    refused(&r.bytes, Code::MissingField, r.len(), Some(tag), Some(name));
    let r = r.field(0xF000, &[1, 2, 3]);
    refused(&r.bytes, Code::MissingField, r.len(), Some(tag), Some(name));
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
            r.refused_at(Code::BadLength, tag, name);
        }
    }
    // The signature suite of a signing key too.
    let r = signing_kp(vec![0x08], 32);
    r.refused_at(Code::BadLength, SIG_SUITE, "sigSuite");
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
            r.refused_at(Code::BadLength, tag, name);
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
        r.refused_at(Code::BadLength, tag, name);
    }
}

#[test]
fn public_key_of_the_wrong_length_for_its_suite() {
    for n in [31, 33, 800] {
        let r = build(KP, &with(&kp_fields(), PUBLIC_KEY, vec![1; n]));
        r.refused_at(Code::BadLength, PUBLIC_KEY, "publicKey");
    }
    // An ML-KEM-768 package holding an X25519-sized key.
    let r = build(KP, &with(&kp_fields(), KEM_SUITE, be16(ML_KEM_768)));
    r.refused_at(Code::BadLength, PUBLIC_KEY, "publicKey");
    // A signing key: Ed25519 with an ML-DSA-65-sized key, and the reverse.
    let ml_dsa_65 = sig::backend(SigSuite::MlDsa65).lengths().public_key;
    for (suite, n) in [(ED25519, ml_dsa_65), (SigSuite::MlDsa65.code(), 32)] {
        let r = signing_kp(be16(suite), n);
        r.refused_at(Code::BadLength, PUBLIC_KEY, "publicKey");
    }
}

#[test]
fn bytes_below_their_minimum() {
    // publicKey is Bytes{1, 4096}: an empty key is refused by the field rule itself.
    let r = build(KP, &with(&kp_fields(), PUBLIC_KEY, Vec::new()));
    let err = r.refused_at(Code::BadLength, PUBLIC_KEY, "publicKey");
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
    r.refused_at(Code::TooLarge, PUBLIC_KEY, "publicKey");

    let r = build(
        ENV,
        &with(&env_fields(), PAYLOAD, vec![1; MAX_PAYLOAD_LEN + 1]),
    );
    r.refused_at(Code::TooLarge, PAYLOAD, "payload");

    // Lengths are checked before the value is read: a huge declared length with no
    // value behind it is TOO_LARGE, not TRUNCATED.
    let mut f = kp_fields();
    f.truncate(2);
    let r = build(KP, &f).field_len(PUBLIC_KEY, u32::MAX, &[]);
    r.refused_at(Code::TooLarge, PUBLIC_KEY, "publicKey");
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
        r.refused_at(Code::TooLarge, tag, name);
        // Exactly at the cap is fine.
        accepted(&build(CAPS, &with(&caps_fields(), tag, codes(&many[1..]))).bytes);
    }
    let versions: Vec<u8> = (1..=MAX_VERSIONS as u8 + 1).collect();
    let r = build(CAPS, &with(&caps_fields(), VERSIONS, versions.clone()));
    r.refused_at(Code::TooLarge, VERSIONS, "versions");
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
// UNKNOWN_SUITE

#[test]
fn key_package_with_an_unknown_suite() {
    // KEM slot: an unassigned code, and a signature code that is no KEM.
    for code in [0xFFFF, 0x0000, ED25519, 0x11EC] {
        let r = build(KP, &with(&kp_fields(), KEM_SUITE, be16(code)));
        r.refused_at(Code::UnknownSuite, KEM_SUITE, "kemSuite");
    }
    // Signature slot: a KEM code that is no signature suite.
    for code in [X25519, 0xFFFF] {
        let r = signing_kp(be16(code), 32);
        r.refused_at(Code::UnknownSuite, SIG_SUITE, "sigSuite");
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
            missing(ty, &fields, tag, name);
        }
    }
}

#[test]
fn key_package_with_neither_suite() {
    missing(KP, &kp_fields(), KEM_SUITE, "kemSuite");
}

// ---------------------------------------------------------------------------------------
// INVALID_FIELD

#[test]
fn times_over_the_maximum() {
    for t in [MAX_TIME + 1, 1 << 60, u64::MAX] {
        let r = build(KP, &with(&kp_fields(), CREATED, be64(t)));
        r.refused_at(Code::InvalidField, CREATED, "created");
        let r = build(KP, &with(&kp_fields(), EXPIRES, be64(t)));
        r.refused_at(Code::InvalidField, EXPIRES, "expires");
        let r = build(ENV, &with(&env_fields(), SENT_AT, be64(t)));
        r.refused_at(Code::InvalidField, SENT_AT, "sentAt");
    }
    // MAX_TIME itself is allowed.
    accepted(&build(ENV, &with(&env_fields(), SENT_AT, be64(MAX_TIME))).bytes);
    accepted(&build(KP, &with(&kp_fields(), EXPIRES, be64(MAX_TIME))).bytes);
}

#[test]
fn expiry_not_after_creation() {
    for expires in [CREATED_AT, CREATED_AT - 1, 0] {
        let r = build(KP, &with(&kp_fields(), EXPIRES, be64(expires)));
        r.refused_at(Code::InvalidField, EXPIRES, "expires");
    }
    accepted(&build(KP, &with(&kp_fields(), EXPIRES, be64(CREATED_AT + 1))).bytes);
}

#[test]
fn key_package_with_both_suites() {
    let mut f = kp_fields();
    f.insert(2, (SIG_SUITE, be16(ED25519)));
    let r = build(KP, &f);
    r.refused_at(Code::InvalidField, SIG_SUITE, "sigSuite");
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
        r.refused_at(Code::DuplicateEntry, tag, name);
    }
    for versions in [vec![1, 1], vec![1, 2, 3, 2]] {
        let r = build(CAPS, &with(&caps_fields(), VERSIONS, versions));
        r.refused_at(Code::DuplicateEntry, VERSIONS, "versions");
    }
}
