//! The sparse post-quantum ratchet (docs/protocol.md §5.6): both pipelines under loss,
//! reordering and duplicates; a peer that never answers; a thousand messages one way;
//! both pipelines at once; `pqSteps`; malformed and flipped `pqChunk` / `pqMix` fields
//! (typed errors, state unchanged); records mid-pipeline.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod ratchet_support;

use ratchet_support::*;

use std::collections::BTreeSet;

use pqwire_core::ratchet::{ChunkKind, Header, RatchetConfig, RatchetState, DEFAULT_PQ_CHUNK_LEN};
use pqwire_core::wire::{RatchetMessage, WireMessage};
use pqwire_core::{kem, AeadSuite, KemSuite};

/// A small deterministic generator for the loss and reordering patterns.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

fn pq768() -> Pair {
    default_pair(KemSuite::MlKem768, AeadSuite::ChaCha20Poly1305)
}

/// `n = 2k` shards of a value of `len` bytes with the default chunk size.
fn shards(len: usize) -> usize {
    2 * len.div_ceil(usize::from(DEFAULT_PQ_CHUNK_LEN))
}

/// The distinct `(from_alice, pqMix)` of the messages in `log`.
fn mixes(log: &[(bool, Header)]) -> BTreeSet<(bool, u32)> {
    log.iter()
        .filter_map(|(a, h)| h.pq_mix.map(|m| (*a, m)))
        .collect()
}

#[test]
fn both_pipelines_run_at_once_and_both_parties_count_every_step() {
    let mut p = pq768();
    let mut log = Vec::new();
    for i in 0..200u64 {
        let a = i % 2 == 0;
        let h = if a {
            p.a_to_b("a", T0 + i)
        } else {
            p.b_to_a("b", T0 + i)
        };
        log.push((a, h));
    }
    let m = mixes(&log);
    let from_alice = m.iter().filter(|x| x.0).count();
    assert!(from_alice >= 2 && m.len() - from_alice >= 2, "{m:?}");
    // Every completed step counted once, by both parties.
    assert_eq!(p.alice.pq_steps(), m.len() as u64);
    assert_eq!(p.bob.pq_steps(), m.len() as u64);
    // Both pipelines run at once: keys of both parties are in flight in the same
    // stretch of the conversation, and both send keys and ciphertexts.
    let in_flight = |from_alice: bool, kind: ChunkKind| {
        log[..60]
            .iter()
            .filter(|(a, h)| {
                *a == from_alice && h.pq_chunk.as_ref().is_some_and(|c| c.kind == kind)
            })
            .count()
    };
    assert!(in_flight(true, ChunkKind::Key) > 10 && in_flight(false, ChunkKind::Key) > 10);
    for a in [true, false] {
        assert!(log.iter().any(|(x, h)| *x == a
            && h.pq_chunk
                .as_ref()
                .is_some_and(|c| c.kind == ChunkKind::Ciphertext)));
    }
    // One chunk at most per message, of the session's size.
    for (_, h) in &log {
        if let Some(c) = &h.pq_chunk {
            assert_eq!(c.data.len(), usize::from(DEFAULT_PQ_CHUNK_LEN));
        }
    }
}

#[test]
fn a_peer_that_never_answers_costs_one_cycle_of_shards() {
    let mut p = pq768();
    let n = shards(kem::backend(KemSuite::MlKem768).lengths().public_key);
    let mut with_chunk = 0;
    let mut sizes = BTreeSet::new();
    for i in 0..1_000u64 {
        let m = p.a("one way", T0 + i);
        if let Some(c) = &m.0.pq_chunk {
            assert_eq!((c.kind, c.seq), (ChunkKind::Key, 1));
            assert_eq!(usize::from(c.index), with_chunk % n);
            with_chunk += 1;
        }
        sizes.insert(
            RatchetMessage::new(m.0.clone(), m.1.clone())
                .encode()
                .unwrap()
                .len(),
        );
        read(&mut p.bob, &m, T0 + i, "one way");
    }
    // The first message has none, then one full cycle of n shards, then nothing.
    assert_eq!(with_chunk, n);
    assert_eq!(sizes.len(), 2, "{sizes:?}");
    assert_eq!((p.alice.pq_steps(), p.bob.pq_steps()), (0, 0));
    assert_eq!(p.alice.skipped_keys() + p.bob.skipped_keys(), 0);
    // Bob has Alice's key; his reply resumes the conversation and the pipeline.
    p.b_to_a("back", T0 + 1_000);
    let h = p.a_to_b("again", T0 + 1_001);
    assert!(h.pq_chunk.is_some());
    for i in 0..100 {
        p.b_to_a("b", T0 + 1_002 + i);
        p.a_to_b("a", T0 + 1_002 + i);
    }
    assert!(p.alice.pq_steps() >= 2);
    assert_eq!(p.alice.pq_steps(), p.bob.pq_steps());
}

#[test]
fn steps_complete_through_random_loss() {
    for seed in 1..4u64 {
        let mut p = pq768();
        let mut rng = Lcg(seed);
        let mut lost = 0;
        for i in 0..600u64 {
            let from_alice = i % 2 == 0;
            let m = p.send(from_alice, 1, T0 + i).remove(0);
            // A fifth of the messages are lost (never Alice's first: it is the handshake's).
            if i > 0 && rng.next(5) == 0 {
                lost += 1;
                continue;
            }
            open(p.receiver(!from_alice), &m, T0 + i).unwrap();
        }
        // A last exchange, delivered, makes both counts agree.
        p.a_to_b("a", T0 + 600);
        p.b_to_a("b", T0 + 601);
        p.a_to_b("a", T0 + 602);
        assert!(lost > 60);
        assert!(
            p.alice.pq_steps() >= 3,
            "seed {seed}: {}",
            p.alice.pq_steps()
        );
        assert_eq!(p.alice.pq_steps(), p.bob.pq_steps(), "seed {seed}");
    }
}

#[test]
fn steps_complete_through_reordering_and_duplicates() {
    let mut p = pq768();
    let mut rng = Lcg(7);
    let mut now = T0;
    let mut seen: Vec<(bool, Msg)> = Vec::new();
    for turn in 0..120u64 {
        let from_alice = turn % 2 == 0;
        now += 1;
        let mut msgs = p.send(from_alice, 3, now);
        // Shuffle the turn's three messages.
        for i in (1..msgs.len()).rev() {
            msgs.swap(i, rng.next(i as u64 + 1) as usize);
        }
        for m in msgs {
            open(p.receiver(!from_alice), &m, now).unwrap();
            seen.push((!from_alice, m));
        }
        // A duplicate of a recent message is a replay and changes nothing.
        let recent = seen.len().min(12);
        let pick = seen.len() - 1 - rng.next(recent as u64) as usize;
        let (to_alice, old) = &seen[pick];
        let to = p.receiver(*to_alice);
        refused(to, &old.0, &old.1, now, &["REPLAYED"]);
    }
    assert!(p.alice.pq_steps() >= 4, "{}", p.alice.pq_steps());
    assert_eq!(p.alice.pq_steps(), p.bob.pq_steps());
}

#[test]
fn chunks_of_old_messages_arriving_late_are_ignored() {
    let mut p = pq768();
    let early = p.a_chain("early", 3, T0);
    read(&mut p.bob, &early[0], T0, "early0");
    read(&mut p.bob, &early[2], T0, "early2");
    for i in 0..200 {
        p.b_to_a("b", T0 + i);
        p.a_to_b("a", T0 + i);
    }
    let steps = p.bob.pq_steps();
    assert!(steps >= 2);
    // early1's key shard (seq 1) is stale now: the message opens, the chunk is ignored.
    assert_eq!(early[1].0.pq_chunk.as_ref().unwrap().seq, 1);
    read(&mut p.bob, &early[1], T0 + 300, "early1");
    assert_eq!(p.bob.pq_steps(), steps);
    p.b_to_a("b", T0 + 301);
    p.a_to_b("a", T0 + 302);
}

/// Alice's state just before a message of Bob that mixes a step and carries a chunk,
/// with that message.
fn bob_mixing_message() -> (Pair, Msg) {
    let mut p = pq768();
    for i in 0..300 {
        p.a_to_b("a", T0 + i);
        let m = p.b("b", T0 + i);
        if m.0.pq_mix.is_some() && m.0.pq_chunk.is_some() {
            return (p, m);
        }
        read(&mut p.alice, &m, T0 + i, "b");
    }
    panic!("no step");
}

#[test]
fn malformed_chunks_are_typed_errors_and_change_nothing() {
    let (mut p, m) = bob_mixing_message();
    let n_key = shards(1184) as u8;
    let n_ct = shards(1088) as u8;
    let edit = |f: fn(&mut Header)| {
        let mut h = m.0.clone();
        f(&mut h);
        h
    };
    let cases: Vec<(Header, &str)> = vec![
        (
            edit(|h| h.pq_chunk.as_mut().unwrap().data.push(1)),
            "BAD_LENGTH",
        ),
        (
            edit(|h| {
                h.pq_chunk
                    .as_mut()
                    .unwrap()
                    .data
                    .truncate(usize::from(DEFAULT_PQ_CHUNK_LEN) - 1)
            }),
            "BAD_LENGTH",
        ),
        (
            edit(|h| h.pq_chunk.as_mut().unwrap().data.clear()),
            "BAD_LENGTH",
        ),
        (
            edit(|h| h.pq_chunk.as_mut().unwrap().index = 255),
            "INVALID_FIELD",
        ),
        (
            edit(|h| h.pq_chunk.as_mut().unwrap().seq = 0),
            "INVALID_ARGUMENT",
        ),
        (edit(|h| h.pq_mix = Some(0)), "INVALID_ARGUMENT"),
        // A pqMix for a step Alice holds no secret for cannot open.
        (
            edit(|h| h.pq_mix = Some(h.pq_mix.unwrap() + 1)),
            "AUTH_FAILED",
        ),
    ];
    for (h, code) in cases {
        refused(&mut p.alice, &h, &m.1, T0 + 1_000, &[code]);
    }
    // The largest valid index of each kind passes the checks (and fails the AEAD), the
    // next is INVALID_FIELD.
    for (kind, n) in [(ChunkKind::Key, n_key), (ChunkKind::Ciphertext, n_ct)] {
        let mut h = m.0.clone();
        let c = h.pq_chunk.as_mut().unwrap();
        c.kind = kind;
        c.index = n - 1;
        refused(&mut p.alice, &h, &m.1, T0, &["AUTH_FAILED"]);
        h.pq_chunk.as_mut().unwrap().index = n;
        refused(&mut p.alice, &h, &m.1, T0, &["INVALID_FIELD"]);
    }
    // An unknown kind on the wire is refused by the decoder.
    let mut bytes = RatchetMessage::new(m.0.clone(), m.1.clone())
        .encode()
        .unwrap();
    let at = chunk_offset(&bytes);
    bytes[at] = 3;
    let e = RatchetMessage::decode(&bytes).unwrap_err();
    assert_eq!(e.code.as_str(), "INVALID_FIELD");
    read(&mut p.alice, &m, T0, "b");
}

/// Offset of the `pqChunk` value in an encoded ratchet message (after the magic and
/// type, `ratchetKey` and the two counters).
fn chunk_offset(_bytes: &[u8]) -> usize {
    4 + (6 + 32) + 2 * (6 + 4) + 6
}

#[test]
fn every_byte_flip_of_the_new_fields_on_the_wire_is_refused() {
    let (mut p, m) = bob_mixing_message();
    let bytes = RatchetMessage::new(m.0.clone(), m.1.clone())
        .encode()
        .unwrap();
    let start = chunk_offset(&bytes);
    let chunk_len = 6 + usize::from(DEFAULT_PQ_CHUNK_LEN);
    // pqChunk's value, pqMix's header and value.
    let end = start + chunk_len + 6 + 4;
    let mut checked = 0;
    for i in start - 6..end {
        for bit in [0x01u8, 0x80] {
            let mut v = bytes.clone();
            v[i] ^= bit;
            match RatchetMessage::decode(&v) {
                Err(_) => {}
                Ok(d) => {
                    let codes = [
                        "AUTH_FAILED",
                        "INVALID_FIELD",
                        "BAD_LENGTH",
                        "INVALID_ARGUMENT",
                    ];
                    refused(&mut p.alice, &d.header, &d.ciphertext, T0, &codes);
                }
            }
            checked += 1;
        }
    }
    assert!(checked >= 2 * (chunk_len + 16));
    read(&mut p.alice, &m, T0, "b");
}

#[test]
fn records_mid_pipeline_restore_and_continue_identically() {
    let mut p = pq768();
    let mut q = pq768();
    for i in 0..240u64 {
        let from_alice = i % 3 != 2;
        let m = p.send(from_alice, 1, T0 + i).remove(0);
        let n = q.send(from_alice, 1, T0 + i).remove(0);
        assert_eq!(m, n);
        open(p.receiver(!from_alice), &m, T0 + i).unwrap();
        open(q.receiver(!from_alice), &n, T0 + i).unwrap();
        // q lives through its records after every message.
        q.alice = RatchetState::deserialize(&q.alice.serialize()).unwrap();
        q.bob = RatchetState::deserialize(&q.bob.serialize()).unwrap();
        assert!(q.alice == p.alice && q.bob == p.bob, "message {i}");
    }
    assert!(p.alice.pq_steps() >= 3);
}

#[test]
fn the_initiators_first_message_carries_no_pq_field_under_any_cadence() {
    for kem in ML_KEMS {
        let mut p = default_pair(kem, AeadSuite::Aes256Gcm);
        p.alice.force_kem_step();
        let h = p.a_to_b("first", T0);
        assert!(h.pq_chunk.is_none() && h.pq_mix.is_none(), "{kem}");
        let h = p.a_to_b("second", T0);
        let c = h.pq_chunk.unwrap();
        assert_eq!((c.kind, c.seq, c.index), (ChunkKind::Key, 1, 0));
    }
}

#[test]
fn sizes_after_ten_messages_each_way() {
    // ML-KEM-768, every hop. Alice sends 5 turns of 2, Bob 4 turns of 1 and a last turn
    // of 6, of which Alice reads all (no skipped key) or only the last (5 skipped).
    for skip in [false, true] {
        let mut p = Pair::new(
            KemSuite::MlKem768,
            AeadSuite::ChaCha20Poly1305,
            RatchetConfig::for_suite(KemSuite::MlKem768),
            5,
            [5; 32],
        );
        let mut now = T0;
        for turn in 0..10u64 {
            now += 10;
            let alice = turn % 2 == 0;
            let n = if alice {
                2
            } else if turn == 9 {
                6
            } else {
                1
            };
            let msgs = p.send(alice, n, now);
            let to = p.receiver(!alice);
            for (i, m) in msgs.iter().enumerate() {
                if !(skip && turn == 9 && i + 1 < n) {
                    open(to, m, now).unwrap();
                }
            }
        }
        assert_eq!(p.alice.skipped_keys(), if skip { 5 } else { 0 });
        let (a, b) = (p.alice.serialize().len(), p.bob.serialize().len());
        println!(
            "ML-KEM-768 continuous, 10 messages each way, {} skipped: Alice {a} B, Bob {b} B",
            p.alice.skipped_keys()
        );
        // Mid-pipeline: our key's seed (64) and public key (1,184) while unanswered, a
        // few shards of D + 1 bytes; v1 kept 5,856 bytes of KEM keys and ciphertext.
        assert!(a > 1_000 && a < 3_500 && b > 1_000 && b < 3_500, "{a} {b}");
    }
}
