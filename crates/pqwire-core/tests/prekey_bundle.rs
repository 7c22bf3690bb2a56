//! The prekey bundle's structure rules (docs/protocol.md §3), each shown firing.
#![allow(clippy::unwrap_used, clippy::panic)] // test helpers outside #[test] functions

mod message_support;

use message_support::{
    every_byte_change_refused_or_canonical, identity_key, package, package_value, raw,
    refused_with, refused_without, round_trips, signed, IDENTITY,
};

use pqwire_core::wire::{
    self, tags::prekey_bundle as t, Capabilities, Message, MessageType, PackageSuite, PrekeyBundle,
    Value, WireErrorCode, WireErrorCode::*, WireMessage,
};
use pqwire_core::{sig, KemSuite, SigSuite};

/// The bundle as a generic message, to edit.
fn msg() -> Message {
    bundle().to_message()
}

/// A bundle with every key.
fn bundle() -> PrekeyBundle {
    let (identity_sig_key, identity_sig_key_encoded) = identity_key();
    PrekeyBundle {
        capabilities: Capabilities::default().encode().unwrap(),
        identity_sig_key,
        identity_sig_key_encoded,
        identity_dh_key: signed(2, KemSuite::X25519),
        signed_prekey: signed(3, KemSuite::X25519),
        kem_prekey: Some(signed(4, KemSuite::MlKem768)),
        kem_prekey_last_resort: false,
        one_time_prekey: Some(signed(5, KemSuite::X25519)),
        extensions: vec![],
    }
}

#[test]
fn a_full_bundle_round_trips() {
    let (back, bytes) = round_trips(&bundle(), b"PW\x02\x10");
    assert_eq!(back.identity_suite(), Some(IDENTITY));
    assert!(wire::inspect(&bytes).contains("nested key-package message"));
}

#[test]
fn optional_keys_may_be_absent() {
    let mut b = bundle();
    b.kem_prekey = None;
    b.one_time_prekey = None;
    let bytes = b.encode().unwrap();
    assert_eq!(PrekeyBundle::decode(&bytes).unwrap(), b);
    b.kem_prekey = Some(signed(4, KemSuite::MlKem1024));
    b.kem_prekey_last_resort = true;
    assert_eq!(PrekeyBundle::decode(&b.encode().unwrap()).unwrap(), b);
}

/// A key of `suite` in field `tag` is `INVALID_FIELD` there.
#[track_caller]
fn wrong_suite(tag: u16, suite: KemSuite) {
    let key = package_value(9, PackageSuite::Kem(suite));
    refused_with(msg(), (tag, key), (InvalidField, tag));
}

#[test]
fn the_identity_key_must_be_a_signing_key() {
    wrong_suite(t::TAG_IDENTITY_SIG_KEY, KemSuite::X25519);
}

#[test]
fn dh_keys_must_be_x25519() {
    wrong_suite(t::TAG_IDENTITY_DH_KEY, KemSuite::MlKem768);
    wrong_suite(t::TAG_SIGNED_PREKEY, KemSuite::MlKem768);
    wrong_suite(t::TAG_ONE_TIME_PREKEY, KemSuite::MlKem768);
}

#[test]
fn the_kem_prekey_must_be_ml_kem() {
    wrong_suite(t::TAG_KEM_PREKEY, KemSuite::X25519);
    wrong_suite(t::TAG_KEM_PREKEY, KemSuite::XWing);
}

#[test]
fn signatures_have_the_identity_suites_exact_length() {
    for tag in [
        t::TAG_IDENTITY_DH_SIGNATURE,
        t::TAG_SIGNED_PREKEY_SIGNATURE,
        t::TAG_KEM_PREKEY_SIGNATURE,
        t::TAG_ONE_TIME_PREKEY_SIGNATURE,
    ] {
        refused_with(msg(), (tag, Value::Bytes(vec![1; 64])), (BadLength, tag));
    }
}

#[test]
fn a_key_needs_its_signature_and_a_signature_its_key() {
    for (key, companion) in [
        (t::TAG_KEM_PREKEY, t::TAG_KEM_PREKEY_SIGNATURE),
        (t::TAG_KEM_PREKEY, t::TAG_KEM_PREKEY_LAST_RESORT),
        (t::TAG_ONE_TIME_PREKEY, t::TAG_ONE_TIME_PREKEY_SIGNATURE),
    ] {
        refused_without(msg(), companion, (MissingField, companion));
        // Without the key, its first companion in tag order is the one reported.
        let first = if key == t::TAG_KEM_PREKEY {
            t::TAG_KEM_PREKEY_SIGNATURE
        } else {
            companion
        };
        refused_without(msg(), key, (InvalidField, first));
    }
}

#[test]
fn the_last_resort_flag_is_0_or_1() {
    let set = (t::TAG_KEM_PREKEY_LAST_RESORT, Value::Uint(2));
    refused_with(msg(), set, (InvalidField, t::TAG_KEM_PREKEY_LAST_RESORT));
}

#[test]
fn required_fields_are_required() {
    for tag in [
        t::TAG_CAPABILITIES,
        t::TAG_IDENTITY_SIG_KEY,
        t::TAG_IDENTITY_DH_KEY,
        t::TAG_IDENTITY_DH_SIGNATURE,
        t::TAG_SIGNED_PREKEY,
        t::TAG_SIGNED_PREKEY_SIGNATURE,
    ] {
        refused_without(msg(), tag, (MissingField, tag));
    }
}

#[test]
fn a_broken_nested_message_is_reported_inside_the_outer_one() {
    let mut m = msg();
    let mut caps = Capabilities::default().encode().unwrap();
    caps[2] = 9; // nested wire version
    m.set(t::TAG_CAPABILITIES, Value::Bytes(caps));
    let bytes = raw(&m);
    let e = wire::decode(&bytes).unwrap_err();
    assert_eq!(e.code, WireErrorCode::UnsupportedVersion);
    assert_eq!(e.tag, Some(t::TAG_CAPABILITIES));
    // header (4) + field header (6) + the nested version byte at 2
    assert_eq!(e.offset, 4 + 6 + 2);
    assert_eq!(bytes[e.offset], 9);
    assert!(e.detail.contains("nested capabilities"));
    // A nested message of the wrong type.
    let mut m = msg();
    let other_type = bundle().identity_sig_key_encoded;
    m.set(t::TAG_CAPABILITIES, Value::Bytes(other_type));
    let e = wire::decode(&raw(&m)).unwrap_err();
    assert_eq!(e.code, WireErrorCode::UnexpectedType);
}

#[test]
fn every_single_byte_change_is_refused_or_canonical() {
    let mut b = bundle();
    // Small keys keep the exhaustive loop fast.
    b.identity_sig_key = package(1, PackageSuite::Sig(SigSuite::Ed25519));
    b.identity_sig_key_encoded = b.identity_sig_key.encode().unwrap();
    let sig_len = sig::backend(SigSuite::Ed25519).lengths().signature;
    for k in [&mut b.identity_dh_key, &mut b.signed_prekey] {
        k.signature = vec![0xAB; sig_len];
    }
    b.kem_prekey = None;
    b.one_time_prekey = None;
    let bytes = b.encode().unwrap();
    assert_eq!(
        MessageType::from_code(bytes[3]),
        Some(MessageType::PrekeyBundle)
    );
    every_byte_change_refused_or_canonical(&bytes, |_| {});
}
