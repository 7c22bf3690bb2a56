//! What a ratchet state record refuses (docs/protocol.md §6): every truncation and byte
//! flip refused or decoded to another state; the checks of `deserialize` (suites, keys,
//! invariants, tags); a ratchet key pair that does not match, refused at its first
//! agreement; records are not wire messages. Round trips are in `ratchet_persist.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod ratchet_record_support;
mod ratchet_support;
mod record_edit;

use pqwire_core::ratchet::{RatchetConfig, RatchetState};
use pqwire_core::wire::{self, WireErrorCode};
use pqwire_core::{Error, KemSuite};
use ratchet_record_support::*;
use ratchet_support::*;
use record_edit::{value, with_field, without_field};

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
    let code = |b: &[u8]| refused_record(b);
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
