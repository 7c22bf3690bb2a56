//! The structure rules of the prekey batch statement, the prekey upload and the prekey
//! bundle (docs/protocol.md §3), each shown firing in the decoder and the encoder.
#![allow(clippy::unwrap_used, clippy::panic)] // test helpers outside #[test] functions

mod message_support;

use message_support::{
    every_byte_change_refused_or_canonical, identity_key, identity_key_of, package_value,
    round_trips, IDENTITY,
};

use pqwire_core::wire::{
    self, tags, BundledPrekey, Capabilities, Message, MessageType, PackageSuite, PrekeyBatch,
    PrekeyBundle, PrekeyUpload, Value, WireErrorCode, WireErrorCode::*, WireMessage,
};
use pqwire_core::{sig, KemSuite, SigSuite};

use tags::prekey_batch as s;
use tags::prekey_bundle as t;
use tags::prekey_upload as u;

const KEM_LEN: usize = 1184;

/// A statement for one one-time KEM prekey and one one-time X25519 prekey (leaves:
/// `PQLR` 0, `PQOPK` 1, `OPK` 2).
fn statement() -> PrekeyBatch {
    PrekeyBatch {
        capabilities: Capabilities::default().encode().unwrap(),
        identity_sig_key_id: identity_key().0.key_id,
        identity_dh_key: [2; 32],
        signed_prekey: [3; 32],
        kem_suite: Some(KemSuite::MlKem768),
        one_time_kem_count: 1,
        one_time_count: 1,
        created: 1_700_000_000,
        signed_expires: 1_700_100_000,
        one_time_expires: 1_700_200_000,
        merkle_root: [9; 32],
        extensions: vec![],
    }
}

fn signature() -> Vec<u8> {
    vec![0xAB; sig::backend(IDENTITY).lengths().signature]
}

/// A bundle with both prekeys.
fn bundle() -> PrekeyBundle {
    let (identity_sig_key, identity_sig_key_encoded) = identity_key();
    let batch = statement();
    PrekeyBundle {
        identity_sig_key,
        identity_sig_key_encoded,
        batch_encoded: batch.encode().unwrap(),
        batch,
        batch_signature: signature(),
        kem_prekey: Some(BundledPrekey {
            index: 1,
            public_key: vec![4; KEM_LEN],
            proof: vec![5; 64],
        }),
        one_time_prekey: Some(BundledPrekey {
            index: 2,
            public_key: vec![6; 32],
            proof: vec![7; 64],
        }),
        extensions: vec![],
    }
}

fn upload() -> PrekeyUpload {
    let b = bundle();
    PrekeyUpload {
        identity_sig_key: b.identity_sig_key,
        identity_sig_key_encoded: b.identity_sig_key_encoded,
        batch: b.batch,
        batch_encoded: b.batch_encoded,
        batch_signature: b.batch_signature,
        last_resort_kem_key: Some(vec![8; KEM_LEN]),
        one_time_kem_keys: vec![4; KEM_LEN],
        one_time_keys: vec![6; 32],
        extensions: vec![],
    }
}

/// Encodes `msg` field by field without the encoder's checks, integers at their
/// field's width, so that the decoder is tested alone.
fn raw(msg: &Message) -> Vec<u8> {
    let mut out = vec![b'P', b'W', wire::limits::VERSION, msg.ty.code()];
    for f in &msg.fields {
        let kind = msg.ty.spec().field(f.tag).map(|s| s.kind);
        let value = match &f.value {
            Value::Bytes(b) => b.clone(),
            Value::Uint(v) => {
                let w = kind.and_then(|k| k.fixed_len()).unwrap_or(8);
                v.to_be_bytes()[8 - w..].to_vec()
            }
            Value::Suite(c) => c.to_be_bytes().to_vec(),
            other => panic!("unexpected {other:?}"),
        };
        out.extend_from_slice(&f.tag.to_be_bytes());
        out.extend_from_slice(&(value.len() as u32).to_be_bytes());
        out.extend_from_slice(&value);
    }
    out
}

/// `msg` after `edit` is refused by the decoder and the encoder with `code` at `at`.
#[track_caller]
fn refused(mut msg: Message, edit: impl FnOnce(&mut Message), (code, at): (WireErrorCode, u16)) {
    edit(&mut msg);
    let decoded = wire::decode(&raw(&msg)).unwrap_err();
    let encoded = wire::encode(&msg).unwrap_err();
    assert_eq!((decoded.code, decoded.tag), (code, Some(at)), "{decoded}");
    assert_eq!(encoded.code, code, "encoder: {encoded}");
}

fn set(tag: u16, v: Value) -> impl FnOnce(&mut Message) {
    move |m| {
        m.set(tag, v);
    }
}

fn remove(tag: u16) -> impl FnOnce(&mut Message) {
    move |m| m.fields.retain(|f| f.tag != tag)
}

/// The bundle with its statement edited (re-encoded, unsigned: structure only).
fn with_statement(edit: impl FnOnce(&mut PrekeyBatch)) -> Message {
    let mut b = statement();
    edit(&mut b);
    let mut m = bundle().to_message();
    m.set(
        t::TAG_BATCH,
        Value::Bytes(wire::encode(&b.to_message()).unwrap()),
    );
    m
}

#[test]
fn statement_upload_and_bundle_round_trip() {
    round_trips(&statement(), b"PW\x02\x17");
    round_trips(&upload(), b"PW\x02\x18");
    let (back, bytes) = round_trips(&bundle(), b"PW\x02\x10");
    assert_eq!(back.identity_suite(), Some(IDENTITY));
    assert!(!back.kem_prekey_last_resort());
    assert_eq!(back.capabilities(), statement().capabilities);
    let text = wire::inspect(&bytes);
    assert!(text.contains("nested prekey-batch"), "{text}");
    assert!(text.contains("leaf 1 (one-time), key 0404"), "{text}");
    assert!(text.contains("leaf 2, key 0606"), "{text}");
    assert!(text.contains("2 hashes 0505"), "{text}");
    let mut last_resort = bundle();
    last_resort.kem_prekey.as_mut().unwrap().index = 0;
    let text = wire::inspect(&last_resort.encode().unwrap());
    assert!(text.contains("leaf 0 (last-resort)"), "{text}");
    assert_eq!(
        MessageType::from_name("prekey-upload"),
        Some(MessageType::PrekeyUpload)
    );
    assert_eq!(MessageType::from_code(0x17), Some(MessageType::PrekeyBatch));
}

#[test]
fn optional_prekeys_may_be_absent_and_leaf_0_is_the_last_resort_key() {
    let mut b = bundle();
    b.kem_prekey = None;
    b.one_time_prekey = None;
    assert_eq!(PrekeyBundle::decode(&b.encode().unwrap()).unwrap(), b);
    b.kem_prekey = Some(BundledPrekey {
        index: 0,
        public_key: vec![1; KEM_LEN],
        proof: vec![],
    });
    let back = PrekeyBundle::decode(&b.encode().unwrap()).unwrap();
    assert!(back.kem_prekey_last_resort());
    // A classical-only statement: no kemSuite, no KEM keys.
    let mut st = statement();
    st.kem_suite = None;
    st.one_time_kem_count = 0;
    round_trips(&st, b"PW\x02\x17");
}

#[test]
fn the_identity_key_must_be_the_statements_signing_key() {
    let m = bundle().to_message();
    let x = package_value(1, PackageSuite::Kem(KemSuite::X25519));
    refused(
        m.clone(),
        set(t::TAG_IDENTITY_SIG_KEY, x),
        (InvalidField, t::TAG_IDENTITY_SIG_KEY),
    );
    let other = package_value(7, PackageSuite::Sig(IDENTITY));
    refused(
        m,
        set(t::TAG_IDENTITY_SIG_KEY, other),
        (InvalidField, t::TAG_BATCH),
    );
    let m = upload().to_message();
    let other = package_value(7, PackageSuite::Sig(IDENTITY));
    refused(
        m,
        set(u::TAG_IDENTITY_SIG_KEY, other),
        (InvalidField, u::TAG_BATCH),
    );
}

#[test]
fn the_batch_signature_has_the_identity_suites_exact_length() {
    let short = Value::Bytes(vec![1; 64]);
    refused(
        bundle().to_message(),
        set(t::TAG_BATCH_SIGNATURE, short.clone()),
        (BadLength, t::TAG_BATCH_SIGNATURE),
    );
    refused(
        upload().to_message(),
        set(u::TAG_BATCH_SIGNATURE, short),
        (BadLength, u::TAG_BATCH_SIGNATURE),
    );
}

fn prekey(index: u32, len: usize) -> Value {
    let mut v = index.to_be_bytes().to_vec();
    v.extend(vec![1; len]);
    Value::Bytes(v)
}

#[test]
fn bundled_prekeys_are_leaves_of_their_range_and_length() {
    let m = bundle().to_message();
    let (k, o) = (t::TAG_KEM_PREKEY, t::TAG_ONE_TIME_PREKEY);
    // KEM prekeys are leaves 0..=m (here 0 and 1), of the statement's suite's length.
    refused(m.clone(), set(k, prekey(2, KEM_LEN)), (InvalidField, k));
    refused(m.clone(), set(k, prekey(1, 1568)), (BadLength, k));
    // One-time prekeys are the leaves after them (here 2).
    refused(m.clone(), set(o, prekey(1, 32)), (InvalidField, o));
    refused(m.clone(), set(o, prekey(3, 32)), (InvalidField, o));
    refused(m.clone(), set(o, prekey(2, 31)), (BadLength, o));
    // No KEM prekey from a statement without a kemSuite.
    let classical = with_statement(|s| {
        s.kem_suite = None;
        s.one_time_kem_count = 0;
    });
    refused(classical, |_| {}, (InvalidField, k));
}

#[test]
fn proofs_come_with_their_keys_in_whole_hashes() {
    let m = bundle().to_message();
    for (key, proof) in [
        (t::TAG_KEM_PREKEY, t::TAG_KEM_PREKEY_PROOF),
        (t::TAG_ONE_TIME_PREKEY, t::TAG_ONE_TIME_PREKEY_PROOF),
    ] {
        refused(m.clone(), remove(proof), (MissingField, proof));
        refused(m.clone(), remove(key), (InvalidField, proof));
        refused(
            m.clone(),
            set(proof, Value::Bytes(vec![0; 33])),
            (BadLength, proof),
        );
        refused(
            m.clone(),
            set(proof, Value::Bytes(vec![0; 32 * 21])),
            (TooLarge, proof),
        );
    }
}

#[test]
fn statement_rules() {
    let m = statement().to_message();
    let x25519 = Value::Suite(KemSuite::X25519.code());
    refused(
        m.clone(),
        set(s::TAG_KEM_SUITE, x25519),
        (InvalidField, s::TAG_KEM_SUITE),
    );
    refused(
        m.clone(),
        remove(s::TAG_KEM_SUITE),
        (InvalidField, s::TAG_ONE_TIME_KEM_COUNT),
    );
    let created = Value::Uint(1_700_000_000);
    refused(
        m.clone(),
        set(s::TAG_SIGNED_EXPIRES, created.clone()),
        (InvalidField, s::TAG_SIGNED_EXPIRES),
    );
    refused(
        m.clone(),
        set(s::TAG_ONE_TIME_EXPIRES, created),
        (InvalidField, s::TAG_ONE_TIME_EXPIRES),
    );
    let many = Value::Uint(1 << 20);
    refused(
        m.clone(),
        set(s::TAG_ONE_TIME_COUNT, many),
        (InvalidField, s::TAG_ONE_TIME_COUNT),
    );
    for (tag, len) in [
        (s::TAG_IDENTITY_SIG_KEY_ID, 15),
        (s::TAG_IDENTITY_DH_KEY, 33),
        (s::TAG_SIGNED_PREKEY, 31),
        (s::TAG_MERKLE_ROOT, 0),
    ] {
        refused(
            m.clone(),
            set(tag, Value::Bytes(vec![1; len])),
            (BadLength, tag),
        );
    }
    for tag in [
        s::TAG_CAPABILITIES,
        s::TAG_IDENTITY_SIG_KEY_ID,
        s::TAG_IDENTITY_DH_KEY,
        s::TAG_SIGNED_PREKEY,
        s::TAG_ONE_TIME_KEM_COUNT,
        s::TAG_ONE_TIME_COUNT,
        s::TAG_CREATED,
        s::TAG_SIGNED_EXPIRES,
        s::TAG_ONE_TIME_EXPIRES,
        s::TAG_MERKLE_ROOT,
    ] {
        refused(m.clone(), remove(tag), (MissingField, tag));
    }
}

#[test]
fn upload_key_fields_hold_the_statements_counts() {
    let m = upload().to_message();
    for (tag, wrong) in [
        (u::TAG_LAST_RESORT_KEM_KEY, KEM_LEN - 1),
        (u::TAG_ONE_TIME_KEM_KEYS, 2 * KEM_LEN),
        (u::TAG_ONE_TIME_KEYS, 64),
    ] {
        refused(
            m.clone(),
            set(tag, Value::Bytes(vec![1; wrong])),
            (BadLength, tag),
        );
        refused(m.clone(), remove(tag), (BadLength, tag));
    }
    for tag in [
        u::TAG_IDENTITY_SIG_KEY,
        u::TAG_BATCH,
        u::TAG_BATCH_SIGNATURE,
    ] {
        refused(m.clone(), remove(tag), (MissingField, tag));
    }
}

#[test]
fn required_bundle_fields_are_required() {
    for tag in [
        t::TAG_IDENTITY_SIG_KEY,
        t::TAG_BATCH,
        t::TAG_BATCH_SIGNATURE,
    ] {
        refused(bundle().to_message(), remove(tag), (MissingField, tag));
    }
}

#[test]
fn every_single_byte_change_is_refused_or_canonical() {
    let mut b = bundle();
    // A small identity and no KEM keep the exhaustive loop fast.
    (b.identity_sig_key, b.identity_sig_key_encoded) = identity_key_of(SigSuite::Ed25519);
    b.batch_signature = vec![0xAB; 64];
    b.batch.kem_suite = None;
    b.batch.one_time_kem_count = 0;
    b.batch.capabilities = Capabilities {
        versions: vec![2],
        kex_suites: vec![KemSuite::X25519.code()],
        sig_suites: vec![SigSuite::Ed25519.code()],
        aead_suites: vec![1],
        features: 0,
        mls_suites: vec![],
        extensions: vec![],
    }
    .encode()
    .unwrap();
    b.batch_encoded = b.batch.encode().unwrap();
    b.kem_prekey = None;
    b.one_time_prekey = Some(BundledPrekey {
        index: 0,
        public_key: vec![6; 32],
        proof: vec![],
    });
    let bytes = b.encode().unwrap();
    every_byte_change_refused_or_canonical(&bytes, |x| {
        assert_eq!(PrekeyBundle::decode(x).unwrap().encode().unwrap(), x);
    });
}
