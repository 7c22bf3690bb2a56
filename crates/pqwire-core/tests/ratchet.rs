//! The hybrid double ratchet (docs/protocol.md §5): conversations under every ML-KEM
//! suite, AEAD and cadence; the cadence and forced steps of the post-quantum pipelines;
//! reordering, loss, duplicates; the bounds on skipped keys. The pipelines under loss,
//! reordering, one-way traffic and tampering are in `ratchet_pq.rs`; tampering, binding,
//! healing and the checks of initialisation in `ratchet_security.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod ratchet_support;

use ratchet_support::*;

use pqwire_core::ratchet::{ChunkKind, KemCadence, RatchetConfig, DEFAULT_MAX_SKIP};
use pqwire_core::{AeadSuite, ErrorKind, KemSuite};

const CADENCES: [KemCadence; 3] = [
    KemCadence::Continuous,
    KemCadence::EveryMessages(3),
    KemCadence::EverySeconds(60),
];

#[test]
fn conversations_under_every_ml_kem_aead_and_cadence() {
    // Bursts of 1, 2 or 3 messages per turn, 25 s apart, ten times over (220 messages).
    let bursts = [1, 3, 2, 1, 1, 2, 3, 1, 2, 1, 1, 3].repeat(10);
    for kem in ML_KEMS {
        for aead in AeadSuite::ALL.iter().copied() {
            for cadence in CADENCES {
                let mut p = pair(kem, aead, config(cadence));
                let mut now = T0;
                let mut sent = 0;
                for (turn, &burst) in bursts.iter().enumerate() {
                    let alice_speaks = turn % 2 == 0;
                    let mut msgs: Vec<(Msg, String)> = Vec::new();
                    for i in 0..burst {
                        now += 25;
                        let text = format!("{kem} {aead} {cadence:?} turn {turn} msg {i}");
                        let m = if alice_speaks {
                            p.a(&text, now)
                        } else {
                            p.b(&text, now)
                        };
                        // Every message of a chain repeats the chain's pqMix.
                        if let Some(((first, _), _)) = msgs.first() {
                            assert_eq!(m.0.pq_mix, first.pq_mix);
                            assert_eq!(m.0.ratchet_key, first.ratchet_key);
                            assert_eq!(m.0.counter, i);
                        }
                        msgs.push((m, text));
                    }
                    let to = if alice_speaks {
                        &mut p.bob
                    } else {
                        &mut p.alice
                    };
                    for (m, text) in &msgs {
                        read(to, m, now, text);
                        sent += 1u32;
                    }
                    // Both count every completed step once the chain that mixes it is read.
                    assert_eq!(p.alice.pq_steps(), p.bob.pq_steps());
                }
                assert_eq!(sent, bursts.iter().sum::<u32>());
                let min = if kem == KemSuite::MlKem1024 { 1 } else { 2 };
                assert!(
                    p.alice.pq_steps() >= min,
                    "{kem} {aead} {cadence:?}: {} PQ steps",
                    p.alice.pq_steps()
                );
                assert_eq!(p.alice.skipped_keys() + p.bob.skipped_keys(), 0);
            }
        }
    }
}

#[test]
fn hybrid_kem_suites_work_too() {
    for kem in [KemSuite::XWing, KemSuite::X25519MlKem512, KemSuite::X25519] {
        let mut p = default_pair(kem, AeadSuite::ChaCha20Poly1305);
        for i in 0..60u64 {
            p.a_to_b("ping", T0 + 2 * i);
            p.b_to_a("pong", T0 + 2 * i + 1);
        }
        assert!(p.alice.pq_steps() >= 2, "{kem}: {}", p.alice.pq_steps());
        assert_eq!(p.alice.pq_steps(), p.bob.pq_steps());
    }
}

/// One message of [`alternate`]: whether Alice sent it, its chunk's kind and sequence
/// number, its `pqMix`.
type Logged = (bool, Option<(ChunkKind, u32)>, Option<u32>);

/// Alice's side of an alternating conversation of `n` messages, one second apart:
/// for each message (global index), Alice's chunk `(kind, seq)` if she sent it, and
/// the `pqMix` of every message.
fn alternate(p: &mut Pair, n: u64) -> Vec<Logged> {
    (0..n)
        .map(|i| {
            let from_alice = i % 2 == 0;
            let h = if from_alice {
                p.a_to_b("a", T0 + i)
            } else {
                p.b_to_a("b", T0 + i)
            };
            (from_alice, h.pq_chunk.map(|c| (c.kind, c.seq)), h.pq_mix)
        })
        .collect()
}

#[test]
fn continuous_cadence_starts_the_next_key_with_the_step() {
    let mut p = default_pair(KemSuite::MlKem768, AeadSuite::ChaCha20Poly1305);
    let log = alternate(&mut p, 200);
    // Alice's first message has no PQ field; her second starts key 1.
    assert_eq!(log[0].1, None);
    assert_eq!(log[2].1, Some((ChunkKind::Key, 1)));
    // Every chain of Alice that mixes step s carries key shards of s + 1 at once.
    for (i, (alice, _, mix)) in log.iter().enumerate() {
        if let (true, Some(s)) = (alice, mix) {
            let next_key = log[i..]
                .iter()
                .find(|e| e.0 && matches!(e.1, Some((ChunkKind::Key, _))));
            assert_eq!(next_key.unwrap().1, Some((ChunkKind::Key, s + 1)));
        }
    }
    // Measured: 6 steps (three per pipeline) in 200 messages with D = 80.
    assert!(p.alice.pq_steps() >= 6, "{}", p.alice.pq_steps());
}

#[test]
fn a_message_cadence_spaces_our_steps() {
    let mut p = cadence_pair(
        KemSuite::MlKem768,
        AeadSuite::ChaCha20Poly1305,
        KemCadence::EveryMessages(40),
    );
    let log = alternate(&mut p, 300);
    let first_key = |seq: u32| {
        log.iter()
            .position(|e| e.0 && e.1 == Some((ChunkKind::Key, seq)))
    };
    // The handshake starts the clock: no key of Alice before 40 messages.
    assert!(first_key(1).unwrap() >= 40);
    let mix1 = log.iter().position(|e| e.0 && e.2 == Some(1)).unwrap();
    assert!(
        first_key(2).unwrap() >= mix1 + 40,
        "{:?} {mix1}",
        first_key(2)
    );
    let mut q = default_pair(KemSuite::MlKem768, AeadSuite::ChaCha20Poly1305);
    alternate(&mut q, 300);
    assert!(q.alice.pq_steps() > p.alice.pq_steps());
}

#[test]
fn a_time_cadence_uses_the_injected_time() {
    let mut p = cadence_pair(
        KemSuite::MlKem512,
        AeadSuite::Aes256Gcm,
        KemCadence::EverySeconds(60),
    );
    let log = alternate(&mut p, 120);
    let first = log
        .iter()
        .position(|e| e.0 && matches!(e.1, Some((ChunkKind::Key, 1))))
        .unwrap();
    // Message i is sent at T0 + i.
    assert!((60..=62).contains(&first), "{first}");
}

#[test]
fn a_forced_step_starts_a_key_now() {
    let mut p = cadence_pair(KemSuite::MlKem768, AeadSuite::ChaCha20Poly1305, SELDOM);
    let log = alternate(&mut p, 20);
    assert!(log.iter().all(|e| e.1.is_none() && e.2.is_none()));
    p.alice.force_kem_step();
    assert!(p.alice.kem_step_forced());
    let epoch = p.alice.epoch();
    p.alice.force_kem_step();
    assert_eq!(p.alice.epoch(), epoch, "a second request changes nothing");
    let h = p.a_to_b("now", T0 + 30);
    assert_eq!(
        h.pq_chunk.map(|c| (c.kind, c.seq)),
        Some((ChunkKind::Key, 1))
    );
    assert!(!p.alice.kem_step_forced());
    for i in 0..60 {
        p.b_to_a("b", T0 + 31 + i);
        p.a_to_b("a", T0 + 31 + i);
    }
    assert_eq!((p.alice.pq_steps(), p.bob.pq_steps()), (1, 1));
    // Bob never started a key: his pipeline follows his own (seldom) cadence.
    let h = p.b_to_a("b", T0 + 100);
    assert!(h.pq_chunk.is_none());
}

#[test]
fn responder_may_send_first_on_the_handshake_chain() {
    let mut p = default_pair(KemSuite::MlKem512, AeadSuite::Aes256Gcm);
    let b0 = p.b("early", T0);
    assert_eq!(b0.0.counter, 0);
    // Bob's pipeline starts with his first message; Alice's first has no PQ field.
    let c = b0.0.pq_chunk.as_ref().unwrap();
    assert_eq!((c.kind, c.seq, c.index), (ChunkKind::Key, 1, 0));
    assert!(b0.0.pq_mix.is_none());
    let a0 = p.a("hello", T0);
    assert!(a0.0.pq_chunk.is_none() && a0.0.pq_mix.is_none());
    read(&mut p.bob, &a0, T0, "hello");
    read(&mut p.alice, &b0, T0, "early");
    let b1 = p.b("reply", T0);
    assert_eq!(b1.0.previous_chain_length, 1);
    read(&mut p.alice, &b1, T0, "reply");
}

#[test]
fn out_of_order_delivery_within_bounds() {
    for aead in AeadSuite::ALL.iter().copied() {
        let mut p = default_pair(KemSuite::MlKem768, aead);
        // One chain, shuffled.
        let a = p.a_chain("a", 10, T0);
        for i in [3, 0, 9, 1, 2, 8, 4, 5, 7, 6] {
            read(&mut p.bob, &a[i], T0, &format!("a{i}"));
        }
        assert_eq!(p.bob.skipped_keys(), 0);

        // Across chains: messages of an old chain arrive after the new chain's.
        let b = p.b_chain("b", 4, T0);
        read(&mut p.alice, &b[1], T0, "b1");
        let c = p.a_chain("c", 3, T0);
        read(&mut p.bob, &c[2], T0, "c2");
        read(&mut p.alice, &b[3], T0, "b3");
        let d = p.b_chain("d", 2, T0);
        // d0 starts a new chain whose PN (4) lets Alice skip b0 and b2 of the old one.
        read(&mut p.alice, &d[1], T0, "d1");
        assert_eq!(p.alice.skipped_keys(), 3, "b0, b2 and d0");
        read(&mut p.alice, &b[2], T0, "b2");
        read(&mut p.alice, &d[0], T0, "d0");
        read(&mut p.alice, &b[0], T0, "b0");
        read(&mut p.bob, &c[0], T0, "c0");
        read(&mut p.bob, &c[1], T0, "c1");
        assert_eq!(p.alice.skipped_keys() + p.bob.skipped_keys(), 0);
    }
}

#[test]
fn lost_messages_do_not_stop_the_conversation() {
    let mut p = default_pair(KemSuite::MlKem768, AeadSuite::ChaCha20Poly1305);
    let a = p.a_chain("a", 3, T0);
    read(&mut p.bob, &a[2], T0, "a2"); // a0 and a1 lost
    let b = p.b_chain("b", 2, T0); // b0 lost
    read(&mut p.alice, &b[1], T0, "b1");
    let _c = p.a("c0", T0);
    // c0 lost too; Alice keeps talking in the same chain.
    let c1 = p.a("c1", T0);
    read(&mut p.bob, &c1, T0, "c1");
    assert_eq!(p.bob.skipped_keys(), 3, "a0, a1, c0");
    assert_eq!(p.alice.skipped_keys(), 1, "b0");
    for round in 0..3 {
        p.b_to_a("ping", T0 + round);
        p.a_to_b("pong", T0 + round);
    }
    // A late lost message still opens.
    read(&mut p.bob, &a[0], T0 + 10, "a0");
}

#[test]
fn duplicates_are_replays() {
    let mut p = default_pair(KemSuite::MlKem512, AeadSuite::Aes256Gcm);
    let a = p.a_chain("a", 3, T0);
    read(&mut p.bob, &a[0], T0, "a0");
    // In order, current chain.
    refused(&mut p.bob, &a[0].0, &a[0].1, T0, &["REPLAYED"]);
    // Through a skipped key, once used.
    read(&mut p.bob, &a[2], T0, "a2");
    read(&mut p.bob, &a[1], T0, "a1");
    refused(&mut p.bob, &a[1].0, &a[1].1, T0, &["REPLAYED"]);
    refused(&mut p.bob, &a[2].0, &a[2].1, T0, &["REPLAYED"]);
    // From a chain that has ended (after two steps).
    let b = p.b("b", T0);
    read(&mut p.alice, &b, T0, "b");
    let c = p.a("c", T0);
    read(&mut p.bob, &c, T0, "c");
    refused(&mut p.bob, &a[0].0, &a[0].1, T0, &["REPLAYED"]);
    refused(&mut p.alice, &b.0, &b.1, T0, &["REPLAYED"]);
    // Still usable afterwards.
    let d = p.b("d", T0);
    read(&mut p.alice, &d, T0, "d");
    let err = open(&mut p.alice, &d, T0).unwrap_err();
    assert_eq!((err.code(), err.kind()), ("REPLAYED", ErrorKind::Replay));
}

#[test]
fn too_many_skipped_is_refused_without_change() {
    // Default bound: exactly `maxSkip` skipped keys are fine, one more is not.
    let mut p = default_pair(KemSuite::MlKem512, AeadSuite::ChaCha20Poly1305);
    let max = DEFAULT_MAX_SKIP as usize;
    let a: Vec<Msg> = (0..=max + 1).map(|i| p.a(&format!("a{i}"), T0)).collect();
    let code = refused(
        &mut p.bob,
        &a[max + 1].0,
        &a[max + 1].1,
        T0,
        &["TOO_MANY_SKIPPED"],
    );
    assert_eq!(code, "TOO_MANY_SKIPPED");
    read(&mut p.bob, &a[max], T0, &format!("a{max}"));
    assert_eq!(p.bob.skipped_keys(), max);

    // Small bounds: on the current chain, and through `PN` when a new chain starts.
    let small = RatchetConfig {
        max_skip: 5,
        ..RatchetConfig::default()
    };
    let mut p = pair(KemSuite::MlKem512, AeadSuite::ChaCha20Poly1305, small);
    let a = p.a_chain("a", 9, T0);
    read(&mut p.bob, &a[0], T0, "a0");
    refused(&mut p.bob, &a[7].0, &a[7].1, T0, &["TOO_MANY_SKIPPED"]);
    read(&mut p.bob, &a[6], T0, "a6");
    let b = p.b("b", T0);
    read(&mut p.alice, &b, T0, "b");
    let c = p.a_chain("c", 7, T0);
    // Bob is at a7 of 9 (PN = 9, 2 to skip: fine) but c6 is 6 ahead in the new chain.
    refused(&mut p.bob, &c[6].0, &c[6].1, T0, &["TOO_MANY_SKIPPED"]);
    read(&mut p.bob, &c[5], T0, "c5");

    // Through `PN`: Bob's chain had 7 messages, Alice saw one; his next chain says PN = 7.
    let mut p = pair(KemSuite::MlKem512, AeadSuite::ChaCha20Poly1305, small);
    let a = p.a("a", T0);
    read(&mut p.bob, &a, T0, "a");
    let e = p.b_chain("e", 7, T0);
    read(&mut p.alice, &e[0], T0, "e0");
    let f = p.a("f", T0);
    read(&mut p.bob, &f, T0, "f");
    let g = p.b("g", T0);
    assert_eq!(g.0.previous_chain_length, 7);
    // Alice is at e1: 6 keys to skip through PN = 7, more than 5.
    refused(&mut p.alice, &g.0, &g.1, T0, &["TOO_MANY_SKIPPED"]);
    for (i, m) in e.iter().enumerate().skip(1) {
        read(&mut p.alice, m, T0, &format!("e{i}"));
    }
    read(&mut p.alice, &g, T0, "g");
}

/// A session (ML-KEM-768, ChaCha20-Poly1305) of `config` in which Bob has read only the
/// last of Alice's `n` messages, at `T0`: the session and the messages.
fn last_of(config: RatchetConfig, n: usize) -> (Pair, Vec<Msg>) {
    let mut p = pair(KemSuite::MlKem768, AeadSuite::ChaCha20Poly1305, config);
    let a = p.a_chain("a", n, T0);
    read(&mut p.bob, &a[n - 1], T0, &format!("a{}", n - 1));
    (p, a)
}

#[test]
fn stale_skipped_keys_are_refused() {
    let (mut p, a) = last_of(
        RatchetConfig {
            max_skipped_age: 3600,
            ..RatchetConfig::default()
        },
        4,
    );
    assert_eq!(p.bob.skipped_keys(), 3);
    // Within the age: fine.
    read(&mut p.bob, &a[0], T0 + 3600, "a0");
    // Older than the age: refused, state unchanged (the key is still stored until purged).
    refused(&mut p.bob, &a[1].0, &a[1].1, T0 + 3601, &["STALE_MESSAGE"]);
    assert_eq!(p.bob.skipped_keys(), 2);
    // The next change of state deletes the old keys; their messages stay stale.
    let b = p.b("b", T0 + 3601);
    assert_eq!(p.bob.skipped_keys(), 0);
    refused(&mut p.bob, &a[1].0, &a[1].1, T0 + 3601, &["STALE_MESSAGE"]);
    refused(&mut p.bob, &a[2].0, &a[2].1, T0 + 3601, &["STALE_MESSAGE"]);
    read(&mut p.alice, &b, T0 + 3601, "b");
    assert_eq!(p.bob.purge_expired(T0 + 9999), 0);

    // Count bound: the oldest keys are deleted first and are then stale.
    let (mut p, a) = last_of(
        RatchetConfig {
            max_skipped_keys: 2,
            ..RatchetConfig::default()
        },
        4,
    );
    assert_eq!(p.bob.skipped_keys(), 2);
    let e = refused(&mut p.bob, &a[0].0, &a[0].1, T0, &["STALE_MESSAGE"]);
    assert_eq!(e, "STALE_MESSAGE");
    read(&mut p.bob, &a[1], T0, "a1");
    read(&mut p.bob, &a[2], T0, "a2");

    // purge_expired on its own.
    let (mut p, a) = last_of(
        RatchetConfig {
            max_skipped_age: 10,
            ..RatchetConfig::default()
        },
        2,
    );
    let epoch = p.bob.epoch();
    assert_eq!(p.bob.purge_expired(T0 + 10), 1);
    assert_eq!(p.bob.epoch(), epoch);
    assert_eq!(p.bob.purge_expired(T0 + 11), 0);
    assert_eq!(p.bob.epoch(), epoch + 1);
    refused(&mut p.bob, &a[0].0, &a[0].1, T0 + 11, &["STALE_MESSAGE"]);
}
