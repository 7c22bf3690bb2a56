//! What the hybrid double ratchet refuses and guarantees (docs/protocol.md §5):
//! tampering with every header field and every ciphertext byte (typed error, state
//! unchanged); messages bound to the session and its suites; post-compromise security of
//! the post-quantum step against a quantum thief; deterministic runs; the epoch and a redacted
//! `Debug`; the checks of initialisation; stable error codes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod ratchet_support;

use ratchet_support::*;

use pqwire_core::random::{RandomSource, SeededRandom};
use pqwire_core::ratchet::{
    ChunkKind, Header, KemCadence, RatchetConfig, RatchetInit, RatchetState,
};
use pqwire_core::{x25519, AeadSuite, ErrorKind, KemSuite};

/// Every single-field change of `m` is refused with one of the codes the field allows,
/// and leaves `to` unchanged; then `m` itself still opens.
fn tamper_every_header_field(to: &mut RatchetState, m: &Msg, now: u64, expected: &str) {
    let (h, ct) = m;
    let auth = &["AUTH_FAILED"][..];
    let mut count = 0;
    let mut check = |v: Header, codes: &[&str]| {
        assert_ne!(&v, h);
        refused(to, &v, ct, now, codes);
        count += 1;
    };
    for i in 0..32 {
        for bit in [0x01, 0x80] {
            let mut v = h.clone();
            v.ratchet_key[i] ^= bit;
            check(v, &["AUTH_FAILED", "NON_CONTRIBUTORY", "TOO_MANY_SKIPPED"]);
        }
    }
    for bit in 0..32 {
        let mut v = h.clone();
        v.previous_chain_length ^= 1 << bit;
        check(v, &["AUTH_FAILED", "TOO_MANY_SKIPPED"]);
        let mut v = h.clone();
        v.counter ^= 1 << bit;
        check(v, &["AUTH_FAILED", "TOO_MANY_SKIPPED", "REPLAYED"]);
    }
    let c = h.pq_chunk.as_ref().expect("sample with a chunk");
    let chunk_codes = &["AUTH_FAILED", "INVALID_FIELD", "INVALID_ARGUMENT"][..];
    for bit in 0..32 {
        let mut v = h.clone();
        v.pq_chunk.as_mut().unwrap().seq ^= 1 << bit;
        check(v, chunk_codes);
        let mut v = h.clone();
        v.pq_mix = Some(h.pq_mix.unwrap_or(0) ^ (1 << bit));
        check(v, chunk_codes);
    }
    for bit in 0..8 {
        let mut v = h.clone();
        v.pq_chunk.as_mut().unwrap().index ^= 1 << bit;
        check(v, chunk_codes);
    }
    let mut v = h.clone();
    let k = &mut v.pq_chunk.as_mut().unwrap().kind;
    *k = if *k == ChunkKind::Key {
        ChunkKind::Ciphertext
    } else {
        ChunkKind::Key
    };
    check(v, chunk_codes);
    // Every byte of the chunk's data and the associated data, one at a time.
    type Bytes = for<'a> fn(&'a mut Header) -> &'a mut [u8];
    let byte_fields: [Bytes; 2] = [
        |v| &mut v.pq_chunk.as_mut().unwrap().data[..],
        |v| &mut v.associated_data[..],
    ];
    for field in byte_fields {
        for i in 0..field(&mut h.clone()).len() {
            let mut v = h.clone();
            field(&mut v)[i] ^= 1;
            check(v, auth);
        }
    }
    // Fields left out, one byte short or long, emptied or extended.
    type Edit = (fn(&mut Header), &'static [&'static str]);
    let edits: [Edit; 7] = [
        (|v| v.pq_chunk = None, auth),
        (|v| v.pq_mix = None, auth),
        (|v| v.pq_mix = Some(0), &["INVALID_ARGUMENT"]),
        (
            |v| {
                v.pq_chunk.as_mut().unwrap().data.pop();
            },
            &["BAD_LENGTH"],
        ),
        (
            |v| v.pq_chunk.as_mut().unwrap().data.push(0),
            &["BAD_LENGTH"],
        ),
        (|v| v.associated_data.clear(), auth),
        (|v| v.associated_data.push(b'!'), auth),
    ];
    for (edit, codes) in edits {
        let mut v = h.clone();
        edit(&mut v);
        check(v, codes);
    }
    assert!(count > 2 * 32 + 64 + 64 + 8 + c.data.len());
    read(to, m, now, expected);
}

/// Alternates from a fresh session until Bob's next message starts a chain that mixes
/// a PQ step (`pqMix`); returns the pair there and Bob's first two messages of that
/// chain, not delivered.
fn until_bob_mixes() -> (Pair, Msg, Msg) {
    let mut p = default_pair(KemSuite::MlKem768, AeadSuite::ChaCha20Poly1305);
    for i in 0..200 {
        p.a_to_b("a", T0 + i);
        let (mut bob, mut rb) = (p.bob.clone(), p.rb.clone());
        let (h, _) = bob.encrypt_with(b"probe", b"", T0 + i, &mut rb).unwrap();
        if h.pq_mix.is_some() && h.pq_chunk.is_some() {
            let b0 = p.b_with(b"first", b"meta-data", T0 + i);
            let b1 = p.b_with(b"second", b"more", T0 + i);
            return (p, b0, b1);
        }
        p.b_to_a("b", T0 + i);
    }
    panic!("no PQ step in 200 rounds");
}

#[test]
fn tampering_with_any_header_field_is_refused_without_change() {
    let (mut p, b0, b1) = until_bob_mixes();
    assert_eq!(b0.0.counter, 0);
    // A message that starts a new receiving chain (mixing a PQ step)…
    tamper_every_header_field(&mut p.alice, &b0, T0, "first");
    // …and one on the current chain.
    tamper_every_header_field(&mut p.alice, &b1, T0, "second");
}

#[test]
fn tampering_with_any_ciphertext_byte_is_refused_without_change() {
    for aead in AeadSuite::ALL.iter().copied() {
        let mut p = default_pair(KemSuite::MlKem512, aead);
        let a0 = p.a_with(b"a sample message", b"ad", T0);
        let a1 = p.a_with(b"a second message", b"ad", T0);
        for (m, text) in [(&a0, "a sample message"), (&a1, "a second message")] {
            let (h, ct) = m;
            assert_eq!(ct.len(), text.len() + 16);
            for i in 0..ct.len() {
                for bit in [0x01, 0x80] {
                    let mut bad = ct.clone();
                    bad[i] ^= bit;
                    refused(&mut p.bob, h, &bad, T0, &["AUTH_FAILED"]);
                }
            }
            for len in [0, 15] {
                refused(&mut p.bob, h, &ct[..len], T0, &["BAD_LENGTH"]);
            }
            for len in [16, ct.len() - 1] {
                refused(&mut p.bob, h, &ct[..len], T0, &["AUTH_FAILED"]);
            }
            let mut longer = ct.clone();
            longer.push(0);
            refused(&mut p.bob, h, &longer, T0, &["AUTH_FAILED"]);
            read(&mut p.bob, m, T0, text);
        }
    }
}

#[test]
fn messages_are_bound_to_the_session_and_suites() {
    let mut p = default_pair(KemSuite::MlKem768, AeadSuite::ChaCha20Poly1305);
    let m = p.a("x", T0);
    let mut other_session = pair_with(
        KemSuite::MlKem768,
        AeadSuite::ChaCha20Poly1305,
        RatchetConfig::default(),
        [0x77; 32],
    );
    refused(&mut other_session.bob, &m.0, &m.1, T0, &["AUTH_FAILED"]);
    // Same keys, other AEAD suite.
    let mut other_aead = default_pair(KemSuite::MlKem768, AeadSuite::Aes256Gcm);
    refused(&mut other_aead.bob, &m.0, &m.1, T0, &["AUTH_FAILED"]);
    // Same keys, other KEM suite (bound in the associated data).
    let mut other_kem = default_pair(KemSuite::MlKem512, AeadSuite::ChaCha20Poly1305);
    refused(&mut other_kem.bob, &m.0, &m.1, T0, &["AUTH_FAILED"]);
    read(&mut p.bob, &m, T0, "x");
}

/// Randomness of a quantum thief who stole a state with its random generator: it
/// learns every ratchet DH secret (a quantum computer recovers it from the public key),
/// but not the seeds of ML-KEM keys generated after the theft (64-byte draws), which the
/// KEM keeps secret.
struct QuantumThief {
    real: SeededRandom,
    guess: SeededRandom,
}

impl RandomSource for QuantumThief {
    fn fill(&mut self, dst: &mut [u8]) -> pqwire_core::Result<()> {
        self.real.fill(dst)?;
        if dst.len() == 64 {
            self.guess.fill(dst)?;
        }
        Ok(())
    }
}

#[test]
fn a_pq_step_heals_a_stolen_state_against_a_quantum_thief() {
    for pq_step in [false, true] {
        let mut p = cadence_pair(KemSuite::MlKem768, AeadSuite::ChaCha20Poly1305, SELDOM);
        p.a_to_b("1", T0);
        p.b_to_a("2", T0);
        p.a_to_b("3", T0);
        if pq_step {
            p.bob.force_kem_step();
        }
        // The thief copies Bob's whole state, then follows the conversation: it makes
        // Bob's messages with his DH secrets, and reads Alice's.
        let mut thief = p.bob.clone();
        let mut thief_rng = QuantumThief {
            real: p.rb.clone(),
            guess: SeededRandom::new([0xEE; 32]),
        };
        let mut lost_at = None;
        for i in 0..80u64 {
            let real = p.b("b", T0 + i);
            let copy = thief
                .encrypt_with(b"b", b"", T0 + i, &mut thief_rng)
                .unwrap();
            if lost_at.is_none() {
                let dh = (copy.0.ratchet_key, real.0.ratchet_key);
                assert_eq!(dh.0, dh.1, "the thief has the DH secret ({pq_step}, {i})");
            }
            read(&mut p.alice, &real, T0 + i, "b");
            let reply = p.a("a", T0 + i);
            read(&mut p.bob, &reply, T0 + i, "a");
            if lost_at.is_none() && open(&mut thief, &reply, T0 + i).is_err() {
                lost_at = Some(p.bob.pq_steps());
            }
        }
        if pq_step {
            // Bob's step mixed a secret the thief cannot decapsulate: it is locked out
            // from the first chain after that step on.
            assert_eq!(p.bob.pq_steps(), 1);
            assert_eq!(lost_at, Some(1));
        } else {
            // Without a PQ step a thief who breaks X25519 keeps reading.
            assert_eq!(p.bob.pq_steps(), 0);
            assert_eq!(lost_at, None);
        }
    }
}

#[test]
fn runs_are_deterministic_with_seeded_randomness() {
    let run = || {
        let mut p = default_pair(KemSuite::MlKem1024, AeadSuite::Aes256Gcm);
        let mut out = Vec::new();
        for i in 0..3 {
            let m = p.a("a", T0 + i);
            read(&mut p.bob, &m, T0 + i, "a");
            out.push(m.clone());
            let m = p.b("b", T0 + i);
            read(&mut p.alice, &m, T0 + i, "b");
            out.push(m);
        }
        (out, p.alice, p.bob)
    };
    let (m1, a1, b1) = run();
    let (m2, a2, b2) = run();
    assert_eq!(m1, m2);
    assert!(a1 == a2 && b1 == b2);
    assert!(a1 != b1);
}

#[test]
fn epoch_counts_every_change_and_debug_is_redacted() {
    let mut p = default_pair(KemSuite::MlKem768, AeadSuite::ChaCha20Poly1305);
    assert_eq!((p.alice.epoch(), p.bob.epoch()), (0, 0));
    let m = p.a("x", T0);
    assert_eq!(p.alice.epoch(), 1);
    read(&mut p.bob, &m, T0, "x");
    assert_eq!(p.bob.epoch(), 1);
    refused(&mut p.bob, &m.0, &m.1, T0, &["REPLAYED"]);
    assert_eq!(p.bob.epoch(), 1);
    let debug = format!("{:?}", p.bob);
    assert!(debug.contains("REDACTED"), "{debug}");
    assert!(!debug.contains("17, 17"), "no key bytes: {debug}");
    let header_debug = format!("{:?}", m.0);
    assert!(header_debug.len() < 400, "{header_debug}");
}

#[test]
fn initialisation_checks_its_inputs() {
    let (sk, pk) = x25519::keygen(Some(&[1; 32])).unwrap();
    let init = RatchetInit {
        root_key: &[1; 32],
        chain_key: &[2; 32],
        session_id: [0; 32],
        kem: KemSuite::MlKem768,
        aead: AeadSuite::ChaCha20Poly1305,
        config: RatchetConfig::for_suite(KemSuite::MlKem1024),
        now: T0,
    };
    assert!(RatchetState::init_initiator(init, &pk).is_ok());
    let debug = format!("{init:?}");
    assert!(
        debug.contains("REDACTED") && !debug.contains("[1, 1"),
        "{debug}"
    );
    let code = |r: pqwire_core::Result<RatchetState>| r.unwrap_err().code();
    assert_eq!(
        code(RatchetState::init_initiator(init, &pk[..31])),
        "BAD_LENGTH"
    );
    assert_eq!(
        code(RatchetState::init_initiator(init, &[0; 32])),
        "NON_CONTRIBUTORY"
    );
    assert_eq!(
        code(RatchetState::init_responder(init, &[0; 31])),
        "BAD_LENGTH"
    );
    let short = RatchetInit {
        root_key: &[1; 31],
        ..init
    };
    assert_eq!(
        code(RatchetState::init_responder(short, sk.expose())),
        "BAD_LENGTH"
    );
    let short = RatchetInit {
        chain_key: &[1; 33],
        ..init
    };
    assert_eq!(code(RatchetState::init_initiator(short, &pk)), "BAD_LENGTH");
    let zero = RatchetInit {
        config: config(KemCadence::EveryMessages(0)),
        ..init
    };
    assert_eq!(
        code(RatchetState::init_initiator(zero, &pk)),
        "INVALID_ARGUMENT"
    );
}

#[test]
fn new_error_codes_are_stable() {
    use pqwire_core::Error;
    for (e, code) in [
        (Error::Replayed, "REPLAYED"),
        (Error::TooManySkipped { max: 1000 }, "TOO_MANY_SKIPPED"),
        (Error::StaleMessage, "STALE_MESSAGE"),
    ] {
        assert_eq!(e.code(), code);
        assert_eq!(e.kind(), ErrorKind::Replay);
        assert!(!e.to_string().is_empty());
    }
}
