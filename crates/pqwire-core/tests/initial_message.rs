//! The initial message's structure rules (docs/protocol.md §4.2), each shown firing,
//! and the nested ratchet message (type 0x12, §5.4) with its own rules reported inside it.
#![allow(clippy::unwrap_used, clippy::panic)] // test helpers outside #[test] functions

mod message_support;
mod wire_support;

use message_support::{
    every_byte_change_refused_or_canonical, identity_key, identity_key_of, package_value, raw,
    refused_with, refused_without, round_trips, signed, IDENTITY,
};
use wire_support::{header, pq_chunk, ChunkKind};

use pqwire_core::wire::{
    self, tags::initial_message as t, Capabilities, InitialMessage, Message, MessageType,
    PackageSuite, RatchetMessage, Value, WireErrorCode, WireErrorCode::*, WireMessage,
};
use pqwire_core::{KemSuite, SigSuite};

/// The initiator's first ratchet message: no PQ field (v2), whatever the suite.
fn body(_kem: KemSuite) -> RatchetMessage {
    let header = header(0x4A, (0, 0), (None, None), b"");
    RatchetMessage::new(header, vec![0xC7; 16 + 5])
}

/// A ratchet message laid out without the encoder's checks: header fields as the ratchet
/// authenticates them, then the ciphertext.
fn raw_ratchet(m: &RatchetMessage) -> Vec<u8> {
    let mut out = b"PW\x02\x12".to_vec();
    out.extend_from_slice(&m.header.to_ad_bytes());
    out.extend_from_slice(&[0, 8]);
    out.extend_from_slice(&(m.ciphertext.len() as u32).to_be_bytes());
    out.extend_from_slice(&m.ciphertext);
    out
}

fn initial() -> InitialMessage {
    let (identity_sig_key, identity_sig_key_encoded) = identity_key();
    let signature = signed(2, KemSuite::X25519).signature;
    InitialMessage {
        capabilities: Capabilities::default().encode().unwrap(),
        identity_sig_key,
        identity_sig_key_encoded,
        identity_dh_key: [2; 32],
        signed_prekey_id: [3; 16],
        kem_prekey_id: Some([4; 16]),
        one_time_prekey_id: Some([5; 16]),
        ephemeral_key: [6; 32],
        kem_ciphertext: Some(vec![7; 1088]),
        transcript_signature: signature,
        message: body(KemSuite::MlKem768),
        extensions: vec![],
    }
}

/// The initial message as a generic message, to edit.
fn msg() -> Message {
    initial().to_message()
}

#[test]
fn a_full_initial_message_round_trips() {
    let (back, bytes) = round_trips(&initial(), b"PW\x02\x11");
    assert_eq!(back.identity_suite(), Some(IDENTITY));
    assert_eq!(
        MessageType::from_name("initial-message"),
        Some(MessageType::InitialMessage)
    );
    let text = wire::inspect(&bytes);
    assert!(text.contains("initial-message"), "{text}");
    assert!(text.contains("transcriptSignature"), "{text}");
}

#[test]
fn optional_fields_may_be_absent() {
    let mut m = initial();
    m.kem_prekey_id = None;
    m.kem_ciphertext = None;
    m.one_time_prekey_id = None;
    m.message.header.associated_data = b"meta".to_vec();
    m.message.header.counter = 7;
    assert_eq!(InitialMessage::decode(&m.encode().unwrap()).unwrap(), m);
}

#[test]
fn identity_keys_have_their_suites_and_lengths() {
    let tag = t::TAG_IDENTITY_SIG_KEY;
    let key = package_value(2, PackageSuite::Kem(KemSuite::X25519));
    refused_with(msg(), (tag, key), (InvalidField, tag));
    // v2: the identity DH key is a raw 32-byte X25519 key, not a package.
    let tag = t::TAG_IDENTITY_DH_KEY;
    let key = package_value(2, PackageSuite::Kem(KemSuite::X25519));
    refused_with(msg(), (tag, key), (BadLength, tag));
    refused_with(msg(), (tag, Value::Bytes(vec![1; 31])), (BadLength, tag));
}

#[test]
fn signatures_have_the_identity_suites_exact_length() {
    let tag = t::TAG_TRANSCRIPT_SIGNATURE;
    refused_with(msg(), (tag, Value::Bytes(vec![1; 64])), (BadLength, tag));
}

#[test]
fn kem_prekey_id_and_ciphertext_come_together() {
    let ct = t::TAG_KEM_CIPHERTEXT;
    refused_without(msg(), ct, (MissingField, ct));
    refused_without(msg(), t::TAG_KEM_PREKEY_ID, (InvalidField, ct));
}

#[test]
fn the_kem_ciphertext_is_an_ml_kem_ciphertext() {
    for len in [768, 1088, 1568] {
        let mut m = initial();
        m.kem_ciphertext = Some(vec![1; len]);
        assert!(InitialMessage::decode(&m.encode().unwrap()).is_ok());
    }
    let ct = t::TAG_KEM_CIPHERTEXT;
    for len in [32, 1087, 1120, 1600] {
        refused_with(msg(), (ct, Value::Bytes(vec![1; len])), (BadLength, ct));
    }
}

#[test]
fn fixed_lengths() {
    for (tag, len) in [
        (t::TAG_SIGNED_PREKEY_ID, 15),
        (t::TAG_KEM_PREKEY_ID, 17),
        (t::TAG_ONE_TIME_PREKEY_ID, 0),
        (t::TAG_EPHEMERAL_KEY, 33),
    ] {
        refused_with(msg(), (tag, Value::Bytes(vec![1; len])), (BadLength, tag));
    }
}

#[test]
fn required_fields_are_required() {
    for tag in [
        t::TAG_CAPABILITIES,
        t::TAG_IDENTITY_SIG_KEY,
        t::TAG_IDENTITY_DH_KEY,
        t::TAG_SIGNED_PREKEY_ID,
        t::TAG_EPHEMERAL_KEY,
        // Mandatory (protocol.md §4.1 step 8): initiator authentication
        // cannot be negotiated away by leaving the signature out.
        t::TAG_TRANSCRIPT_SIGNATURE,
        t::TAG_MESSAGE,
    ] {
        refused_without(msg(), tag, (MissingField, tag));
    }
}

/// Decoding the initial message with `message` replaced by `nested` fails inside it: the
/// nested rule's code and the offset counted from the outer message's start, in the
/// `message` field; the encoder (given the same bytes, or the typed value) agrees.
#[track_caller]
fn refused_inside(nested: Vec<u8>, code: WireErrorCode, inner_offset: usize) {
    let mut m = msg();
    m.set(t::TAG_MESSAGE, Value::Bytes(nested));
    let bytes = raw(&m);
    let at = wire::decode(&raw(&msg()))
        .unwrap()
        .get(t::TAG_MESSAGE)
        .unwrap()
        .offset;
    let e = wire::decode(&bytes).unwrap_err();
    assert_eq!(
        (e.code, e.offset, e.tag, e.field),
        (
            code,
            at + 6 + inner_offset,
            Some(t::TAG_MESSAGE),
            Some("message")
        ),
        "{e}"
    );
    let enc = wire::encode(&m).unwrap_err();
    assert_eq!(
        (enc.code, enc.offset, enc.tag),
        (e.code, e.offset, e.tag),
        "{enc}"
    );
    assert!(wire::inspect(&bytes).contains(&format!("error {}", code.as_str())));
}

#[test]
fn the_nested_ratchet_message_is_checked_with_its_own_rules() {
    // Not a pqwire message at all.
    refused_inside(vec![0xFF; 40], WireErrorCode::BadMagic, 0);
    // A message of another type.
    let caps = Capabilities::default().encode().unwrap();
    refused_inside(caps, WireErrorCode::UnexpectedType, 3);
    // Trailing bytes after the ciphertext.
    let good = body(KemSuite::MlKem768).encode().unwrap();
    let mut b = good.clone();
    b.push(0);
    refused_inside(b, WireErrorCode::TrailingBytes, good.len());
    // A ciphertext shorter than the AEAD tag: at the ciphertext field.
    let mut short = body(KemSuite::MlKem768);
    short.ciphertext.truncate(15);
    let ct_at = good.len() - 6 - 21;
    refused_inside(raw_ratchet(&short), WireErrorCode::BadLength, ct_at);
    // A chunk too short: at the pqChunk field (after 3 fixed fields).
    let mut k = body(KemSuite::MlKem768);
    k.header.pq_chunk = Some(pq_chunk(ChunkKind::Key, 1, 0, 0, 15));
    refused_inside(raw_ratchet(&k), WireErrorCode::BadLength, 4 + 38 + 10 + 10);
    // The typed value with the same mistake: InitialMessage::encode reports it alike.
    let mut m = initial();
    m.message = k;
    let e = m.encode().unwrap_err();
    assert_eq!(
        (e.code, e.tag),
        (WireErrorCode::BadLength, Some(t::TAG_MESSAGE))
    );
}

#[test]
fn the_nested_ratchet_message_is_an_initiators_first_chain_message() {
    // The initiator's first message: no pqChunk (of either kind), no pqMix,
    // previousChainLength 0.
    let mut with_key = body(KemSuite::MlKem768);
    with_key.header.pq_chunk = Some(pq_chunk(ChunkKind::Key, 1, 0, 2, 64));
    let mut with_ct = body(KemSuite::MlKem768);
    with_ct.header.pq_chunk = Some(pq_chunk(ChunkKind::Ciphertext, 1, 0, 2, 64));
    let mut with_mix = body(KemSuite::MlKem768);
    with_mix.header.pq_mix = Some(1);
    let mut pn = body(KemSuite::MlKem768);
    pn.header.previous_chain_length = 1;
    for b in [with_key, with_ct, with_mix, pn] {
        let set = (t::TAG_MESSAGE, Value::Bytes(b.encode().unwrap()));
        refused_with(msg(), set, (InvalidField, t::TAG_MESSAGE));
    }
    // Every KEM suite a ratchet can run with fits (classical-only handshakes run it with
    // the negotiated suite).
    for suite in KemSuite::ALL {
        let mut m = initial();
        m.message = body(*suite);
        assert_eq!(InitialMessage::decode(&m.encode().unwrap()).unwrap(), m);
    }
}

#[test]
fn inspect_shows_the_nested_ratchet_message() {
    let bytes = initial().encode().unwrap();
    let text = wire::inspect(&bytes);
    assert!(text.contains("nested ratchet-message message"), "{text}");
    assert!(text.contains("    @"), "{text}");
    assert!(text.contains("previousChainLength"), "{text}");
    assert!(text.contains("counter"), "{text}");
    assert!(!text.contains("pqChunk"), "{text}");
    assert!(
        text.ends_with("valid initial-message message, canonical\n"),
        "{text}"
    );
}

#[test]
fn every_single_byte_change_is_refused_or_canonical() {
    let mut m = initial();
    // Small keys keep the exhaustive loop fast.
    (m.identity_sig_key, m.identity_sig_key_encoded) = identity_key_of(SigSuite::Ed25519);
    m.transcript_signature = vec![0xAC; 64];
    m.kem_prekey_id = None;
    m.kem_ciphertext = None;
    m.message = body(KemSuite::X25519);
    let bytes = m.encode().unwrap();
    let accepted = every_byte_change_refused_or_canonical(&bytes, |b| {
        let typed = InitialMessage::decode(b).unwrap();
        assert_eq!(typed.encode().unwrap(), b);
    });
    assert!(accepted > 0);
}
