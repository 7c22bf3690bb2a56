//! The ratchet state at rest (docs/protocol.md §6): round trips mid-conversation under
//! every ML-KEM suite and cadence, then the conversation goes on from the restored states
//! (out-of-order messages included) exactly as it would have without the round trip;
//! canonical records; every truncation and byte flip refused or decoded to another
//! state; the checks of `deserialize`; transactional decryption seen in the serialized
//! bytes; no secret in any `Debug`; measured sizes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod ratchet_support;
mod record_edit;

use pqwire_core::ratchet::{Header, KemCadence, RatchetConfig, RatchetState};
use pqwire_core::record::{RecordReader, TYPE_SESSION_STATE};
use pqwire_core::wire::{self, WireErrorCode};
use pqwire_core::{x25519, AeadSuite, Error, KemSuite};
use ratchet_support::*;
use record_edit::{fields, value, with_field, without_field};

const CADENCES: [KemCadence; 4] = [
    KemCadence::Continuous,
    KemCadence::EveryMessages(3),
    KemCadence::EverySeconds(60),
    KemCadence::MessagesOrSeconds {
        messages: 4,
        seconds: 90,
    },
];

// Tags of the session-state record (protocol.md §6), for the tests that edit fields.
const FORMAT_VERSION: u16 = 0x0001;
const EPOCH: u16 = 0x0002;
const KEM_SUITE: u16 = 0x0003;
const CADENCE_MESSAGES: u16 = 0x0006;
const MAX_SKIPPED_KEYS: u16 = 0x0009;
const ROOT_KEY: u16 = 0x000B;
const SEND_CHAIN_KEY: u16 = 0x000C;
const RECV_CHAIN_KEY: u16 = 0x000F;
const RATCHET_SECRET_KEY: u16 = 0x0011;
const RATCHET_PUBLIC_KEY: u16 = 0x0012;
const PEER_RATCHET_KEY: u16 = 0x0013;
const PQ_CHUNK_LEN: u16 = 0x0014;
const PQ_STEPS: u16 = 0x0015;
const SEND_PQ_MIX: u16 = 0x0017;
const PQ_OWN_PHASE: u16 = 0x0019;
const PQ_OWN_SECRET: u16 = 0x001A;
const PQ_OWN_STREAM: u16 = 0x001B;
const PQ_OWN_SHARDS: u16 = 0x0023;
const PQ_SERVE_SEQ: u16 = 0x0024;
const PQ_SERVE_PHASE: u16 = 0x0025;
const PQ_SERVE_SECRET: u16 = 0x0026;
const PQ_SERVE_STREAM: u16 = 0x0027;
const SEND_STEP_DUE: u16 = 0x001C;
const KEM_STEP_FORCED: u16 = 0x001F;
const SKIPPED_KEYS: u16 = 0x0020;
const DELETED_KEYS: u16 = 0x0021;
const PAST_CHAINS: u16 = 0x0022;

fn seeded_pair(kem: KemSuite, config: RatchetConfig, seed: u8) -> Pair {
    Pair::new(kem, AeadSuite::ChaCha20Poly1305, config, seed, [seed; 32])
}

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

fn plaintext(to: &mut RatchetState, m: &Msg, now: u64) -> Vec<u8> {
    to.decrypt(&m.0, &m.1, now).unwrap()
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

/// A state with every field a pipeline keeps in the middle of its work: our key in
/// flight with ciphertext shards received, the peer's key answered, a forced step
/// pending, stored and deleted skipped keys, past chains. ([`mixing_state`] has a chain
/// that mixed a step.)
fn full_state() -> RatchetState {
    let config = RatchetConfig {
        max_skipped_keys: 4,
        ..RatchetConfig::default()
    };
    let mut p = seeded_pair(KemSuite::MlKem512, config, 9);
    let mut now = T0;
    for turn in 0..5u64 {
        now += 10;
        let msgs = p.send(turn % 2 == 0, 4, now);
        // Only the last arrives: 3 skipped each time, beyond the bound of 4.
        plaintext(p.receiver(turn % 2 == 1), &msgs[3], now);
    }
    let wanted = [
        PQ_OWN_SECRET,
        PQ_OWN_SHARDS,
        PQ_SERVE_SECRET,
        PQ_SERVE_STREAM,
        SKIPPED_KEYS,
        DELETED_KEYS,
        PAST_CHAINS,
    ];
    for i in 0..400u64 {
        now += 1;
        let from_alice = i % 2 == 1;
        let m = p.send(from_alice, 1, now).remove(0);
        plaintext(p.receiver(!from_alice), &m, now);
        let names: Vec<u16> = fields(&p.bob.serialize()).iter().map(|f| f.1).collect();
        if wanted.iter().all(|t| names.contains(t)) {
            p.bob.force_kem_step();
            assert!(p.bob.kem_step_forced());
            return p.bob.clone();
        }
    }
    panic!("no state with every pipeline field");
}

/// Bob right after the first message of a chain that mixed a step (`sendPqMix`).
fn mixing_state() -> RatchetState {
    let mut p = seeded_pair(KemSuite::MlKem512, RatchetConfig::default(), 4);
    for i in 0..400u64 {
        let from_alice = i % 2 == 0;
        let m = p.send(from_alice, 1, T0 + i).remove(0);
        plaintext(p.receiver(!from_alice), &m, T0 + i);
        if m.0.pq_mix.is_some() && !from_alice {
            assert!(fields(&p.bob.serialize())
                .iter()
                .any(|f| f.1 == SEND_PQ_MIX));
            return p.bob.clone();
        }
    }
    panic!("no step in 400 messages");
}

const CODES: [&str; 12] = [
    "TRUNCATED",
    "TRAILING_BYTES",
    "BAD_MAGIC",
    "UNSUPPORTED_VERSION",
    "UNEXPECTED_TYPE",
    "UNKNOWN_TYPE",
    "TAG_ORDER",
    "DUPLICATE_TAG",
    "UNKNOWN_TAG",
    "BAD_LENGTH",
    "MISSING_FIELD",
    "INVALID_FIELD",
];

/// A refused record is a wire error with one of the record codes (or an unknown suite);
/// an accepted one is another state, whose record is exactly these bytes.
fn check_mutation(bytes: &[u8], original: &RatchetState, what: &str) -> bool {
    match RatchetState::deserialize(bytes) {
        Err(Error::Wire(e)) => assert!(
            CODES.contains(&e.code.as_str()) || e.code == WireErrorCode::UnknownSuite,
            "{what}: {e:?}"
        ),
        Err(e) => panic!("{what}: not a record error: {e:?}"),
        Ok(s) => {
            assert!(s != *original, "{what}: decoded to the same state");
            assert_eq!(
                *s.serialize(),
                *bytes,
                "{what}: accepted a non-canonical record"
            );
            return true;
        }
    }
    false
}

#[test]
fn every_truncation_and_byte_flip_is_refused_and_resealed_flips_meet_the_value_rules() {
    let s = full_state();
    let bytes = s.serialize();
    let mut accepted = 0;
    for n in 0..bytes.len() {
        accepted += usize::from(check_mutation(
            &bytes[..n],
            &s,
            &format!("truncated to {n}"),
        ));
    }
    // The checksum ends every record: no cut leaves a valid one.
    assert_eq!(accepted, 0, "{accepted} truncations accepted");
    // Every flipped bit is refused by the checksum...
    for i in 0..bytes.len() {
        for x in [0x01, 0x80] {
            let mut v = bytes.to_vec();
            v[i] ^= x;
            let what = format!("byte {i} ^ 0x{x:02x}");
            assert!(!check_mutation(&v, &s, &what), "{what} accepted");
        }
    }
    // ...and behind it, with the checksum recomputed, the value rules decide: flips in
    // secrets, counters, times and the pipelines' keys, ciphertexts and shards (restore
    // checks no keys: the checksum guards the record) give other states; flips in the
    // ratchet public key, lengths, tags, phases and flags are refused.
    let (mut other, mut refused) = (0, 0);
    for i in 0..bytes.len() - 38 {
        for x in [0x01, 0x80] {
            let mut v = bytes.to_vec();
            v[i] ^= x;
            if check_mutation(
                &record_edit::resealed(&v),
                &s,
                &format!("byte {i} ^ 0x{x:02x}"),
            ) {
                other += 1;
            } else {
                refused += 1;
            }
        }
    }
    println!(
        "{} bytes: resealed, {other} flips give another state, {refused} are refused",
        bytes.len()
    );
    assert!(other > 0 && refused > 0);
}

fn refused(b: &[u8]) -> (String, Option<u16>) {
    match RatchetState::deserialize(b) {
        Err(Error::Wire(e)) => (e.code.as_str().to_string(), e.tag),
        Err(e) => panic!("not a record error: {e:?}"),
        Ok(_) => panic!("accepted"),
    }
}

/// Restore derives no X25519 public key (protocol.md §6.2): a record whose ratchet key
/// pair does not belong together (possible only by rewriting the checksum too) restores,
/// and the first agreement with the key — the next receiving DH step — refuses with
/// `INVALID_KEY`, changing nothing; the untouched record continues the conversation.
#[test]
fn a_ratchet_key_pair_that_does_not_match_is_refused_at_its_first_agreement() {
    let mut p = seeded_pair(KemSuite::MlKem768, RatchetConfig::default(), 12);
    let mut now = T0;
    for turn in 0..4u64 {
        now += 10;
        let from_alice = turn % 2 == 0;
        let m = p.send(from_alice, 1, now).remove(0);
        plaintext(p.receiver(!from_alice), &m, now);
    }
    // Bob spoke last; Alice's reply comes with a new ratchet key, so Bob's next receive
    // steps with his own key pair.
    let reply = p.send(true, 1, now + 1).remove(0);
    let b = p.bob.serialize().to_vec();
    for tag in [RATCHET_PUBLIC_KEY, RATCHET_SECRET_KEY] {
        let mut v = value(&b, tag);
        v[5] ^= 1;
        let edited = with_field(&b, tag, &v);
        let mut bob = RatchetState::deserialize(&edited).unwrap();
        assert!(matches!(
            bob.decrypt(&reply.0, &reply.1, now + 2),
            Err(Error::InvalidKey { .. })
        ));
        assert_eq!(
            *bob.serialize(),
            *edited,
            "a refused message changed the state"
        );
    }
    let mut bob = RatchetState::deserialize(&b).unwrap();
    plaintext(&mut bob, &reply, now + 2);
}

#[test]
fn deserialize_checks_suites_keys_and_invariants() {
    let s = full_state();
    let b = s.serialize().to_vec();
    let flip = |tag: u16| {
        // Byte 5: X25519 clamping ignores bits of bytes 0 and 31.
        let mut v = value(&b, tag);
        v[5] ^= 1;
        with_field(&b, tag, &v)
    };
    let code = |b: &[u8]| refused(b);
    let inv = |tag: u16| ("INVALID_FIELD".to_string(), Some(tag));

    assert_eq!(
        code(&with_field(&b, FORMAT_VERSION, &[2])),
        ("UNSUPPORTED_VERSION".into(), Some(FORMAT_VERSION))
    );
    assert_eq!(
        code(&with_field(&b, KEM_SUITE, &[0x99, 0x99])),
        ("UNKNOWN_SUITE".into(), Some(KEM_SUITE))
    );
    // A KEM suite whose key lengths differ from the stored keys'.
    assert_eq!(
        code(&with_field(&b, KEM_SUITE, &[0x02, 0x01])).0,
        "BAD_LENGTH"
    );
    assert_eq!(
        code(&with_field(&b, CADENCE_MESSAGES, &[0, 0, 0, 0])),
        inv(CADENCE_MESSAGES)
    );
    assert_eq!(
        code(&with_field(&b, ROOT_KEY, &[1; 31])),
        ("BAD_LENGTH".into(), Some(ROOT_KEY))
    );
    // The ratchet key pair is taken as stored (see
    // `a_ratchet_key_pair_that_does_not_match_is_refused_at_its_first_agreement`); the
    // peer's ratchet key must not be of low order.
    assert!(RatchetState::deserialize(&flip(RATCHET_PUBLIC_KEY)).is_ok());
    assert_eq!(
        code(&with_field(&b, PEER_RATCHET_KEY, &[0; 32])),
        inv(PEER_RATCHET_KEY)
    );
    // The pipelines: known phases with their fields, sequence numbers from 1, streams
    // and shard buffers within n, the chunk size in range.
    assert_eq!(
        code(&with_field(&b, PQ_CHUNK_LEN, &[0, 15])),
        inv(PQ_CHUNK_LEN)
    );
    assert_eq!(code(&with_field(&b, PQ_OWN_PHASE, &[3])), inv(PQ_OWN_PHASE));
    assert_eq!(code(&with_field(&b, PQ_OWN_PHASE, &[0])), inv(PQ_OWN_PHASE));
    assert_eq!(
        code(&with_field(&b, PQ_SERVE_PHASE, &[0])),
        inv(PQ_SERVE_PHASE)
    );
    assert_eq!(
        code(&with_field(&b, PQ_SERVE_SEQ, &[0; 4])),
        inv(PQ_SERVE_SEQ)
    );
    let mixing = mixing_state().serialize().to_vec();
    assert!(RatchetState::deserialize(&mixing).is_ok());
    // Its next key's stream started with the mixing chain.
    let mut own_stream = value(&mixing, PQ_OWN_STREAM);
    own_stream[0] = 0xFF;
    assert_eq!(
        code(&with_field(&mixing, PQ_OWN_STREAM, &own_stream)),
        inv(PQ_OWN_STREAM)
    );
    let short = value(&mixing, PQ_OWN_STREAM);
    assert_eq!(
        code(&with_field(
            &mixing,
            PQ_OWN_STREAM,
            &short[..short.len() - 1]
        )),
        ("BAD_LENGTH".into(), Some(PQ_OWN_STREAM))
    );
    for bad in [0, 99] {
        let v = with_field(&mixing, SEND_PQ_MIX, &u32::to_be_bytes(bad));
        assert_eq!(code(&v), inv(SEND_PQ_MIX));
    }
    let shards = value(&b, PQ_OWN_SHARDS);
    let doubled = [&shards[..], &shards[..81]].concat(); // one entry (index ‖ 80 bytes) twice
    assert_eq!(
        code(&with_field(&b, PQ_OWN_SHARDS, &doubled)),
        inv(PQ_OWN_SHARDS)
    );
    assert_eq!(
        code(&with_field(&b, PQ_OWN_SHARDS, &shards[1..])),
        ("BAD_LENGTH".into(), Some(PQ_OWN_SHARDS))
    );
    let mut bad_index = shards.clone();
    bad_index[0] = 0xFF;
    assert_eq!(
        code(&with_field(&b, PQ_OWN_SHARDS, &bad_index)),
        inv(PQ_OWN_SHARDS)
    );
    let mut stream = value(&b, PQ_SERVE_STREAM);
    stream[0] = 0xFF;
    assert_eq!(
        code(&with_field(&b, PQ_SERVE_STREAM, &stream)),
        inv(PQ_SERVE_STREAM)
    );
    assert_eq!(
        code(&with_field(&b, PQ_SERVE_SECRET, &[1; 31])),
        ("BAD_LENGTH".into(), Some(PQ_SERVE_SECRET))
    );
    // Fields that come together.
    assert_eq!(
        code(&without_field(&b, RATCHET_PUBLIC_KEY)),
        ("MISSING_FIELD".into(), Some(RATCHET_PUBLIC_KEY))
    );
    assert_eq!(code(&without_field(&b, PQ_OWN_SECRET)), inv(PQ_OWN_PHASE));
    assert_eq!(
        code(&without_field(&b, PQ_SERVE_STREAM)),
        inv(PQ_SERVE_PHASE)
    );
    assert_eq!(
        code(&without_field(&b, PQ_STEPS)),
        ("MISSING_FIELD".into(), Some(PQ_STEPS))
    );
    assert_eq!(
        code(&without_field(&b, SEND_CHAIN_KEY)),
        inv(SEND_CHAIN_KEY)
    );
    assert_eq!(
        code(&without_field(&b, PEER_RATCHET_KEY)),
        inv(RECV_CHAIN_KEY)
    );
    // Flags are 0 or 1; the skipped-key store is within its bounds.
    assert_eq!(
        code(&with_field(&b, KEM_STEP_FORCED, &[2])),
        inv(KEM_STEP_FORCED)
    );
    assert_eq!(
        code(&with_field(&b, SEND_STEP_DUE, &[2])),
        inv(SEND_STEP_DUE)
    );
    // A fresh initiator has no ratchet key pair: its next send must step.
    let fresh = seeded_pair(KemSuite::MlKem512, RatchetConfig::default(), 1)
        .alice
        .serialize();
    assert_eq!(
        code(&with_field(&fresh, SEND_STEP_DUE, &[0])),
        inv(SEND_STEP_DUE)
    );
    assert_eq!(
        code(&with_field(&b, MAX_SKIPPED_KEYS, &1u64.to_be_bytes())).0,
        "INVALID_FIELD"
    );
    let skipped = value(&b, SKIPPED_KEYS);
    assert_eq!(
        code(&with_field(&b, SKIPPED_KEYS, &skipped[1..])),
        ("BAD_LENGTH".into(), Some(SKIPPED_KEYS))
    );
    assert_eq!(
        code(&with_field(&b, SKIPPED_KEYS, &[])),
        ("BAD_LENGTH".into(), Some(SKIPPED_KEYS))
    );
    assert_eq!(
        code(&with_field(&b, PAST_CHAINS, &[7; 36 * 17])),
        inv(PAST_CHAINS)
    );
    // Unknown tags, session-layer tags included, and other record types.
    assert_eq!(
        code(&with_field(&b, 0x0050, &[1])),
        ("UNKNOWN_TAG".into(), Some(0x0050))
    );
    assert_eq!(
        code(&with_field(&b, 0x0100, &[1])),
        ("UNKNOWN_TAG".into(), Some(0x0100))
    );
    let mut other_type = b.clone();
    other_type[3] = pqwire_core::record::TYPE_IDENTITY_SECRET;
    assert_eq!(code(&other_type).0, "UNEXPECTED_TYPE");
    // The epoch is restored as it is.
    let old = RatchetState::deserialize(&with_field(&b, EPOCH, &3u64.to_be_bytes())).unwrap();
    assert_eq!(old.epoch(), 3);
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
    assert_eq!(refused(&b), ("UNKNOWN_TAG".into(), Some(0x0100)));
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

#[test]
fn records_are_not_wire_messages() {
    let b = full_state().serialize();
    assert_eq!(
        wire::decode(&b).unwrap_err().code,
        WireErrorCode::UnknownType
    );
    let shown = wire::inspect(&b);
    assert!(shown.contains("UNKNOWN_TYPE"));
    let root = hex(&value(&b, ROOT_KEY));
    assert!(!shown.contains(&root[..16]), "{shown}");
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

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
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
