//! Keys and hand-made layouts for the tests of the messages that carry keys (the prekey
//! bundle, the initial message). Shared by `prekey_bundle.rs` and `initial_message.rs`
//! (`mod message_support;`).
#![allow(dead_code, clippy::unwrap_used, clippy::panic)]

use pqwire_core::wire::{
    self, KeyPackage, Message, PackageSuite, SignedKey, Value, WireErrorCode, WireMessage,
};
use pqwire_core::{kem, sig, KemSuite, SigSuite};
use std::fmt::Debug;

/// The identity suite of the test messages.
pub const IDENTITY: SigSuite = SigSuite::Ed25519MlDsa65;

/// A key package of `suite` whose id and key bytes are all `id`.
pub fn package(id: u8, suite: PackageSuite) -> KeyPackage {
    let len = match suite {
        PackageSuite::Kem(s) => kem::backend(s).lengths().public_key,
        PackageSuite::Sig(s) => sig::backend(s).lengths().public_key,
    };
    KeyPackage {
        key_id: [id; 16],
        suite,
        public_key: vec![id; len],
        created: 1_700_000_000,
        expires: 1_800_000_000,
        extensions: vec![],
    }
}

/// The identity key package of the test messages ([`IDENTITY`]) and its encoding.
pub fn identity_key() -> (KeyPackage, Vec<u8>) {
    identity_key_of(IDENTITY)
}

/// A `suite` identity key package (id 1) and its encoding; an Ed25519 one keeps the
/// exhaustive byte-change loops fast.
pub fn identity_key_of(suite: SigSuite) -> (KeyPackage, Vec<u8>) {
    let key = package(1, PackageSuite::Sig(suite));
    let encoded = key.encode().unwrap();
    (key, encoded)
}

/// `m` encodes to bytes starting with `header`, which decode to `m` and encode again to
/// the same bytes: the decoded message and the bytes.
#[track_caller]
pub fn round_trips<M: WireMessage + PartialEq + Debug>(m: &M, header: &[u8]) -> (M, Vec<u8>) {
    let bytes = m.encode().unwrap();
    assert_eq!(&bytes[..4], header);
    let back = M::decode(&bytes).unwrap();
    assert_eq!(&back, m);
    assert_eq!(back.encode().unwrap(), bytes);
    (back, bytes)
}

/// [`package`] encoded, as a field value.
pub fn package_value(id: u8, suite: PackageSuite) -> Value {
    Value::Bytes(package(id, suite).encode().unwrap())
}

/// A KEM key package with a signature of the identity suite's length.
pub fn signed(id: u8, suite: KemSuite) -> SignedKey {
    let key = package(id, PackageSuite::Kem(suite));
    SignedKey {
        encoded: key.encode().unwrap(),
        key,
        signature: vec![0xAB; sig::backend(IDENTITY).lengths().signature],
    }
}

/// Encodes `msg` field by field without the encoder's checks, so the decoder is tested
/// alone (its integers are one byte: the flags these messages have).
pub fn raw(msg: &Message) -> Vec<u8> {
    let mut out = vec![
        b'P',
        b'W',
        pqwire_core::wire::limits::VERSION,
        msg.ty.code(),
    ];
    for f in &msg.fields {
        let value = match &f.value {
            Value::Bytes(b) => b.clone(),
            Value::Uint(v) => vec![*v as u8],
            other => panic!("unexpected {other:?}"),
        };
        out.extend_from_slice(&f.tag.to_be_bytes());
        out.extend_from_slice(&(value.len() as u32).to_be_bytes());
        out.extend_from_slice(&value);
    }
    out
}

/// `msg` with `edit` applied: the decoder's code and tag, and the encoder refusing the
/// same message with the same code.
pub fn refused(mut msg: Message, edit: impl FnOnce(&mut Message)) -> (WireErrorCode, Option<u16>) {
    edit(&mut msg);
    let decoded = wire::decode(&raw(&msg)).unwrap_err();
    let encoded = wire::encode(&msg).unwrap_err();
    assert_eq!(decoded.code, encoded.code, "decoder and encoder disagree");
    (decoded.code, decoded.tag)
}

/// `msg` with field `tag` set to `value` is refused, by the decoder and the encoder, with
/// `code` at field `at`.
#[track_caller]
pub fn refused_with(msg: Message, (tag, value): (u16, Value), (code, at): (WireErrorCode, u16)) {
    let got = refused(msg, |m| {
        m.set(tag, value);
    });
    assert_eq!(got, (code, Some(at)), "field {tag:#06x} set");
}

/// `msg` without field `tag` is refused, by the decoder and the encoder, with `code` at
/// field `at`.
#[track_caller]
pub fn refused_without(msg: Message, tag: u16, (code, at): (WireErrorCode, u16)) {
    let got = refused(msg, |m| m.fields.retain(|f| f.tag != tag));
    assert_eq!(got, (code, Some(at)), "field {tag:#06x} left out");
}

/// Every single-byte change of `bytes` is refused, or decodes to a message that encodes
/// to exactly the changed bytes and passes `also`; returns how many were accepted.
pub fn every_byte_change_refused_or_canonical(bytes: &[u8], also: impl Fn(&[u8])) -> usize {
    let mut accepted = 0;
    for i in 0..bytes.len() {
        for v in (0..=255u8).filter(|v| *v != bytes[i]) {
            let mut b = bytes.to_vec();
            b[i] = v;
            if let Ok(msg) = wire::decode(&b) {
                accepted += 1;
                assert_eq!(wire::encode(&msg).unwrap(), b, "byte {i} = {v:#04x}");
                also(&b);
            }
        }
    }
    accepted
}
