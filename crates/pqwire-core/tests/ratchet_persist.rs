//! The ratchet state at rest (docs/protocol.md §6): round trips mid-conversation under
//! every ML-KEM suite and cadence, then the conversation goes on from the restored states
//! (out-of-order messages included) exactly as it would have without the round trip;
//! canonical records; the session layer's fields; transactional decryption seen in the
//! serialized bytes; no secret in any `Debug`. What a record refuses is in
//! `ratchet_record.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod ratchet_record_support;
mod ratchet_support;
mod record_edit;

use pqwire_core::ratchet::{Header, KemCadence, RatchetConfig, RatchetState};
use pqwire_core::record::{RecordReader, TYPE_SESSION_STATE};
use pqwire_core::wire::WireErrorCode;
use pqwire_core::{x25519, Error, KemSuite};
use ratchet_record_support::*;
use ratchet_support::*;
use record_edit::{fields, value, with_field};

const CADENCES: [KemCadence; 4] = [
    KemCadence::Continuous,
    KemCadence::EveryMessages(3),
    KemCadence::EverySeconds(60),
    KemCadence::MessagesOrSeconds {
        messages: 4,
        seconds: 90,
    },
];

impl Pair {
    /// Both states through their records; checks equality and canonical bytes.
    fn round_trip(&self) -> Pair {
        let restore = |s: &RatchetState| {
            let bytes = s.serialize();
            let back = RatchetState::deserialize(&bytes).unwrap();
            assert!(back == *s, "restored state differs");
            assert_eq!(*back.serialize(), *bytes, "record is not canonical");
            assert_eq!(back.epoch(), s.epoch());
            back
        };
        Pair {
            alice: restore(&self.alice),
            bob: restore(&self.bob),
            ra: self.ra.clone(),
            rb: self.rb.clone(),
        }
    }
}

/// A conversation that leaves skipped keys on both sides and messages in flight; returns
/// the messages not yet delivered, `(to_alice, message)`.
fn first_half(p: &mut Pair, force: bool) -> (Vec<(bool, Msg)>, u64) {
    let mut now = T0;
    let mut held = Vec::new();
    for turn in 0..6u64 {
        now += 25;
        let alice_speaks = turn % 2 == 0;
        if force && turn == 3 {
            p.alice.force_kem_step();
        }
        let msgs = p.send(alice_speaks, 3, now);
        let to = p.receiver(!alice_speaks);
        // Deliver the last first (skipping the others), then the second; hold the first.
        plaintext(to, &msgs[2], now + 1);
        if turn % 3 != 2 {
            plaintext(to, &msgs[1], now + 2);
        } else {
            held.push((!alice_speaks, msgs[1].clone()));
        }
        held.push((!alice_speaks, msgs[0].clone()));
    }
    (held, now)
}

/// The rest of a conversation: held messages in reverse order, then more turns with
/// reordering. Returns every plaintext read, in order.
fn second_half(p: &mut Pair, held: &[(bool, Msg)], mut now: u64) -> Vec<Vec<u8>> {
    let mut read = Vec::new();
    for (to_alice, m) in held.iter().rev() {
        now += 1;
        read.push(plaintext(p.receiver(*to_alice), m, now));
    }
    for turn in 0..5u64 {
        now += 40;
        let alice_speaks = turn % 2 == 1;
        let msgs = p.send(alice_speaks, 2, now);
        let to = p.receiver(!alice_speaks);
        read.push(plaintext(to, &msgs[1], now + 1));
        read.push(plaintext(to, &msgs[0], now + 2));
    }
    read
}

#[test]
fn round_trips_mid_conversation_under_every_suite_and_cadence() {
    for kem in ML_KEMS {
        for (i, cadence) in CADENCES.into_iter().enumerate() {
            let mut p = seeded_pair(kem, config(cadence), 0x40 + i as u8);
            let (held, now) = first_half(&mut p, i % 2 == 1);
            assert!(p.alice.skipped_keys() > 0 && p.bob.skipped_keys() > 0);

            // `q` continues from the records, `p` from memory: the same randomness, so
            // both must produce and read the very same messages.
            let mut q = p.round_trip();
            let from_memory = second_half(&mut p, &held, now);
            let from_records = second_half(&mut q, &held, now);
            assert_eq!(from_memory, from_records, "{kem} {cadence:?}");
            assert!(q.alice == p.alice && q.bob == p.bob, "{kem} {cadence:?}");
            assert_eq!(*q.alice.serialize(), *p.alice.serialize());
            assert_eq!(q.alice.skipped_keys(), 0);

            // And a record of the continued states restores too.
            let r = q.round_trip();
            assert!(r.bob == q.bob);
        }
    }
}

#[test]
fn records_between_messages_of_one_chain_and_at_the_start() {
    // Every state of a short conversation, including both fresh ones (the initiator has
    // no ratchet key pair yet, the responder no receiving chain).
    let mut p = seeded_pair(KemSuite::MlKem768, RatchetConfig::default(), 7);
    let mut states = vec![p.alice.clone(), p.bob.clone()];
    let mut now = T0;
    for turn in 0..4 {
        for _ in 0..2 {
            now += 1;
            let m = p.send(turn % 2 == 0, 1, now).remove(0);
            states.push(p.alice.clone());
            states.push(p.bob.clone());
            plaintext(p.receiver(turn % 2 == 1), &m, now);
            states.push(p.alice.clone());
            states.push(p.bob.clone());
        }
    }
    for s in &states {
        let bytes = s.serialize();
        assert!(RatchetState::deserialize(&bytes).unwrap() == *s);
    }
    // A fresh initiator's record holds no sending chain and no own key pair.
    let fresh = fields(&states[0].serialize());
    assert!(!fresh
        .iter()
        .any(|f| f.1 == SEND_CHAIN_KEY || f.1 == RATCHET_SECRET_KEY));
    let fresh = fields(&states[1].serialize());
    assert!(!fresh
        .iter()
        .any(|f| f.1 == RECV_CHAIN_KEY || f.1 == PEER_RATCHET_KEY));
}

#[test]
fn session_layer_fields_round_trip() {
    let s = full_state();
    let peer = b"peer identity encoding".to_vec();
    let b = s
        .serialize_with(&[(0x0100, &peer), (0x0101, &[1])])
        .unwrap();
    let (back, session) = RatchetState::deserialize_with(&b).unwrap();
    assert!(back == s);
    assert_eq!(session, vec![(0x0100, peer.clone()), (0x0101, vec![1])]);
    assert_eq!(
        *back
            .serialize_with(&[(0x0100, &peer), (0x0101, &[1])])
            .unwrap(),
        *b
    );
    // Without session fields, the two serializations agree.
    assert_eq!(*s.serialize_with(&[]).unwrap(), *s.serialize());
    assert_eq!(
        RatchetState::deserialize_with(&s.serialize()).unwrap().1,
        vec![]
    );
    // A plain deserialize refuses session fields; the session range is the only one.
    assert_eq!(refused_record(&b), ("UNKNOWN_TAG".into(), Some(0x0100)));
    for bad in [
        vec![(0x00FF, &[1u8][..])],
        vec![(0x0200, &[1u8][..])],
        vec![(0x0102, &[1u8][..]), (0x0101, &[1u8][..])],
        vec![(0x0101, &[1u8][..]), (0x0101, &[1u8][..])],
    ] {
        assert_eq!(
            s.serialize_with(&bad).unwrap_err().code(),
            "INVALID_ARGUMENT"
        );
    }
    let with_other = with_field(&b, 0x0200, &[1]);
    match RatchetState::deserialize_with(&with_other) {
        Err(Error::Wire(e)) => {
            assert_eq!((e.code, e.tag), (WireErrorCode::UnknownTag, Some(0x0200)))
        }
        other => panic!("{other:?}"),
    }
    // The reader the session layer uses directly.
    let mut r = RecordReader::new(&b, TYPE_SESSION_STATE).unwrap();
    let back = RatchetState::read_record(&mut r).unwrap();
    assert_eq!(
        r.bytes(pqwire_core::record::RecordField::new(0x0100, "peer"), 1, 64)
            .unwrap(),
        &peer[..]
    );
    assert!(r
        .flag(pqwire_core::record::RecordField::new(0x0101, "flag"))
        .unwrap());
    r.finish().unwrap();
    assert!(back == s);
}

/// Decrypting a bad message changes not one byte of the record.
#[test]
fn failed_decryption_leaves_the_record_unchanged() {
    let mut p = seeded_pair(KemSuite::MlKem768, RatchetConfig::default(), 3);
    let mut now = T0;
    let mut last = Vec::new();
    for turn in 0..4u64 {
        now += 5;
        let msgs = p.send(turn % 2 == 0, 3, now);
        let to = p.receiver(turn % 2 == 1);
        plaintext(to, &msgs[2], now);
        plaintext(to, &msgs[0], now);
        last = msgs;
    }
    // Bob spoke last; Alice still stores the key of his message 1.
    let alice = &mut p.alice;
    let stuck = |s: &mut RatchetState, h: &Header, ct: &[u8], code: &str| {
        let before = s.serialize();
        let e = s.decrypt(h, ct, now + 1).unwrap_err();
        assert_eq!(e.code(), code);
        assert_eq!(*s.serialize(), *before, "{code} changed the state");
    };
    let (h1, ct1) = &last[1];
    let mut t1 = ct1.clone();
    t1[0] ^= 1;
    stuck(alice, h1, &t1, "AUTH_FAILED");
    let mut h = h1.clone();
    h.associated_data = b"other".to_vec();
    stuck(alice, &h, ct1, "AUTH_FAILED");
    // The next counter of the chain: derived, then refused by the AEAD.
    let (h2, ct2) = &last[2];
    let mut next = h2.clone();
    next.counter = 5;
    stuck(alice, &next, ct2, "AUTH_FAILED");
    stuck(alice, h2, ct2, "REPLAYED");
    next.counter = 5_000;
    stuck(alice, &next, ct2, "TOO_MANY_SKIPPED");
    let mut new_chain = h2.clone();
    new_chain.ratchet_key = x25519::keygen(Some(&[0x31; 32])).unwrap().1;
    new_chain.counter = 2_000;
    stuck(alice, &new_chain, ct2, "TOO_MANY_SKIPPED");
    // The skipped message still opens afterwards.
    assert!(alice.decrypt(h1, ct1, now + 2).is_ok());
}

#[test]
fn debug_never_shows_secrets() {
    let s = full_state();
    let b = s.serialize();
    let restored = RatchetState::deserialize(&b).unwrap();
    let reader = RecordReader::new(&b, TYPE_SESSION_STATE).unwrap();
    let mut bad = b.to_vec();
    bad.truncate(bad.len() - 3);
    let err = RatchetState::deserialize(&bad).unwrap_err();
    let shown = [
        format!("{s:?}"),
        format!("{restored:?}"),
        format!("{reader:?}"),
        format!("{err:?} {err}"),
        format!("{:?}", RatchetState::deserialize_with(&b).unwrap().1),
    ]
    .join("\n");
    for tag in [
        ROOT_KEY,
        SEND_CHAIN_KEY,
        RECV_CHAIN_KEY,
        RATCHET_SECRET_KEY,
        PQ_OWN_SECRET,
        PQ_SERVE_SECRET,
        SKIPPED_KEYS,
    ] {
        let v = value(&b, tag);
        // The first 8 bytes, in hex and as Rust prints a byte slice.
        let as_list = format!("{:?}", &v[..8]);
        let inner = &as_list[1..as_list.len() - 1];
        assert!(!shown.contains(&hex(&v[..8])), "tag 0x{tag:04X} in hex");
        assert!(!shown.contains(inner), "tag 0x{tag:04X} as a list");
    }
    // The message key of a skipped entry (after ratchet key, counter, time).
    let sk = value(&b, SKIPPED_KEYS);
    assert!(!shown.contains(&hex(&sk[44..52])));
}
