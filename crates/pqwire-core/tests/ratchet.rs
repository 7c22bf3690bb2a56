//! The hybrid double ratchet (docs/protocol.md §5): conversations under every ML-KEM
//! suite, AEAD and cadence; KEM steps at the cadence and forced; reordering, loss,
//! duplicates; the bounds on skipped keys. Tampering, binding, healing and the checks of
//! initialisation are in `ratchet_security.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod ratchet_support;

use ratchet_support::*;

use pqwire_core::ratchet::{KemCadence, RatchetConfig, DEFAULT_MAX_SKIP};
use pqwire_core::{AeadSuite, ErrorKind, KemSuite};

const CADENCES: [KemCadence; 3] = [
    KemCadence::EveryHop,
    KemCadence::EveryMessages(3),
    KemCadence::EverySeconds(60),
];

/// A model of the cadence rules (protocol.md §5.3) for a conversation of single-message
/// turns, every message decrypted at the time it was sent: which messages (1-based)
/// carry a KEM ciphertext.
fn expected_kem_steps(cadence: KemCadence, turns: u64, step_secs: u64) -> Vec<bool> {
    let (mut count, mut since) = (0u64, T0);
    (1..=turns)
        .map(|i| {
            let now = T0 + i * step_secs;
            let due = match cadence {
                KemCadence::EveryHop => true,
                KemCadence::EveryMessages(n) => count >= u64::from(n),
                KemCadence::EverySeconds(t) => now - since >= t,
                KemCadence::MessagesOrSeconds { .. } => unreachable!(),
            };
            // The first message is Alice's first step: Bob's KEM key is not known yet.
            let kem = i > 1 && due;
            if kem {
                count = 0;
                since = now;
            }
            count += 1;
            kem
        })
        .collect()
}

#[test]
fn conversations_under_every_ml_kem_aead_and_cadence() {
    // Bursts of 1, 2 or 3 messages per turn, 25 s apart.
    let bursts = [1, 3, 2, 1, 1, 2, 3, 1, 2, 1, 1, 3];
    for kem in ML_KEMS {
        for aead in AeadSuite::ALL.iter().copied() {
            for cadence in CADENCES {
                let mut p = pair(kem, aead, config(cadence));
                let mut now = T0;
                let mut kem_steps = 0;
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
                        // Every message of a chain repeats the chain's KEM fields.
                        if let Some(((first, _), _)) = msgs.first() {
                            assert_eq!(m.0.kem_ciphertext, first.kem_ciphertext);
                            assert_eq!(m.0.kem_key, first.kem_key);
                            assert_eq!(m.0.ratchet_key, first.ratchet_key);
                            assert_eq!(m.0.counter, i);
                        }
                        msgs.push((m, text));
                    }
                    kem_steps += usize::from(msgs[0].0 .0.kem_ciphertext.is_some());
                    let to = if alice_speaks {
                        &mut p.bob
                    } else {
                        &mut p.alice
                    };
                    for (m, text) in &msgs {
                        read(to, m, now, text);
                        sent += 1u32;
                    }
                }
                assert_eq!(sent, bursts.iter().sum::<u32>());
                assert!(
                    kem_steps >= 2,
                    "{kem} {aead} {cadence:?}: {kem_steps} KEM steps"
                );
                if cadence == KemCadence::EveryHop {
                    assert_eq!(kem_steps, bursts.len() - 1, "every hop but Alice's first");
                }
                assert_eq!(p.alice.skipped_keys() + p.bob.skipped_keys(), 0);
            }
        }
    }
}

#[test]
fn hybrid_kem_suites_work_too() {
    for kem in [KemSuite::XWing, KemSuite::X25519MlKem512, KemSuite::X25519] {
        let mut p = default_pair(kem, AeadSuite::ChaCha20Poly1305);
        for i in 0..4u64 {
            p.a_to_b("ping", T0 + 2 * i);
            let m = p.b("pong", T0 + 2 * i + 1);
            assert!(m.0.kem_ciphertext.is_some(), "{kem}");
            read(&mut p.alice, &m, T0 + 2 * i + 1, "pong");
        }
    }
}

#[test]
fn kem_steps_happen_exactly_at_the_cadence() {
    for cadence in CADENCES {
        let turns = 14;
        let expected = expected_kem_steps(cadence, turns, 25);
        let mut p = cadence_pair(KemSuite::MlKem512, AeadSuite::ChaCha20Poly1305, cadence);
        let mut seen = Vec::new();
        let mut kem_key_ids = Vec::new();
        // The newest KEM key each party advertised: [Alice's, Bob's].
        let mut newest = [None, None];
        for i in 1..=turns {
            let now = T0 + i * 25;
            let alice = i % 2 == 1;
            let m = if alice { p.a("x", now) } else { p.b("x", now) };
            let h = &m.0;
            seen.push(h.kem_ciphertext.is_some());
            // A new KEM key is advertised on a KEM step, and at each party's first step.
            let first_step = i <= 2;
            assert_eq!(
                h.kem_key.is_some(),
                h.kem_ciphertext.is_some() || first_step,
                "{cadence:?} message {i}"
            );
            if let Some(c) = &h.kem_ciphertext {
                // Encapsulated to the peer's newest advertised key.
                assert_eq!(
                    Some(c.key_id),
                    newest[usize::from(alice)],
                    "{cadence:?} {i}"
                );
            }
            if let Some(k) = &h.kem_key {
                assert!(
                    !kem_key_ids.contains(&k.key_id),
                    "KEM keys are never reused"
                );
                kem_key_ids.push(k.key_id);
                newest[usize::from(!alice)] = Some(k.key_id);
            }
            let to = if alice { &mut p.bob } else { &mut p.alice };
            read(to, &m, now, "x");
        }
        assert_eq!(seen, expected, "{cadence:?}");
        assert!(seen.iter().filter(|k| **k).count() >= 4, "{cadence:?}");
    }
}

#[test]
fn every_three_messages_counts_both_directions() {
    let every_three = KemCadence::EveryMessages(3);
    let mut p = cadence_pair(KemSuite::MlKem768, AeadSuite::Aes256Gcm, every_three);
    // Alice: 1 message (no KEM: first step). Bob: 1 (count 1 < 3). Alice: 1 (2 < 3).
    // Bob: a chain of 3 (count 3 >= 3: KEM step, count restarts). Alice: 1 (Bob's 3
    // messages count: KEM step). Bob: 1 (1 < 3).
    p.a_to_b("1", T0);
    assert!(p.b_to_a("2", T0).kem_ciphertext.is_none());
    assert!(p.a_to_b("3", T0).kem_ciphertext.is_none());
    let chain = p.b_chain("b", 3, T0);
    assert!(chain.iter().all(|m| m.0.kem_ciphertext.is_some()));
    for (i, m) in chain.iter().enumerate() {
        read(&mut p.alice, m, T0, &format!("b{i}"));
    }
    let h = p.a_to_b("4", T0);
    assert!(
        h.kem_ciphertext.is_some(),
        "4 >= 3 messages since the last KEM step"
    );
    let m = p.b("5", T0);
    assert!(m.0.kem_ciphertext.is_none());
}

#[test]
fn every_sixty_seconds_uses_the_injected_time() {
    let mut p = cadence_pair(
        KemSuite::MlKem1024,
        AeadSuite::ChaCha20Poly1305,
        KemCadence::EverySeconds(60),
    );
    p.a_to_b("a", T0 + 10);
    let m = p.b("b", T0 + 59);
    assert!(m.0.kem_ciphertext.is_none(), "59 s after the handshake");
    read(&mut p.alice, &m, T0 + 59, "b");
    let m = p.a("c", T0 + 60);
    assert!(m.0.kem_ciphertext.is_some(), "60 s after the handshake");
    read(&mut p.bob, &m, T0 + 61, "c");
    // Bob's clock restarted when he decapsulated (T0 + 61).
    assert!(p.b_to_a("d", T0 + 120).kem_ciphertext.is_none());
    // A clock that goes backwards never triggers a KEM step.
    let m = p.a("e", T0);
    assert!(m.0.kem_ciphertext.is_none());
    read(&mut p.bob, &m, T0 + 121, "e");
    let m = p.b("f", T0 + 121);
    assert!(m.0.kem_ciphertext.is_some());
}

#[test]
fn forced_kem_step_happens_on_the_next_step_only() {
    let mut p = cadence_pair(KemSuite::MlKem768, AeadSuite::ChaCha20Poly1305, SELDOM);
    p.a_to_b("1", T0);
    let epoch = p.bob.epoch();
    p.bob.force_kem_step();
    assert!(p.bob.kem_step_forced());
    assert_eq!(p.bob.epoch(), epoch + 1);
    p.bob.force_kem_step();
    assert_eq!(p.bob.epoch(), epoch + 1, "no change, no new epoch");
    let m = p.b("2", T0);
    assert!(m.0.kem_ciphertext.is_some() && m.0.kem_key.is_some());
    assert!(!p.bob.kem_step_forced());
    let m2 = p.b("3", T0);
    assert_eq!(
        m2.0.kem_ciphertext, m.0.kem_ciphertext,
        "same chain, same step"
    );
    read(&mut p.alice, &m, T0, "2");
    read(&mut p.alice, &m2, T0, "3");
    assert!(p.a_to_b("4", T0).kem_ciphertext.is_none());
    let m = p.b("5", T0);
    assert!(m.0.kem_ciphertext.is_none(), "the forced step was consumed");

    // Forced before the peer's KEM key is known (Alice's first step): kept pending.
    let mut p = cadence_pair(KemSuite::MlKem768, AeadSuite::ChaCha20Poly1305, SELDOM);
    p.alice.force_kem_step();
    let m = p.a("1", T0);
    assert!(m.0.kem_ciphertext.is_none());
    assert!(p.alice.kem_step_forced());
    read(&mut p.bob, &m, T0, "1");
    p.b_to_a("2", T0);
    let m = p.a("3", T0);
    assert!(m.0.kem_ciphertext.is_some());
    assert!(!p.alice.kem_step_forced());
    read(&mut p.bob, &m, T0, "3");
}

#[test]
fn responder_may_send_first_on_the_handshake_chain() {
    let mut p = default_pair(KemSuite::MlKem512, AeadSuite::Aes256Gcm);
    let b0 = p.b("early", T0);
    assert_eq!(b0.0.counter, 0);
    assert!(b0.0.kem_key.is_none() && b0.0.kem_ciphertext.is_none());
    let a0 = p.a("hello", T0);
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
    read(&mut p.bob, &a[2], T0, "a2"); // a0 (the first, with Alice's KEM key) and a1 lost
                                       // Bob's KEM step: its first message, with the ciphertext, is lost; the next repeats it.
    let b = p.b_chain("b", 2, T0);
    assert!(b[1].0.kem_ciphertext.is_some());
    read(&mut p.alice, &b[1], T0, "b1");
    let c = p.a("c0", T0);
    assert!(c.0.kem_ciphertext.is_some());
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
