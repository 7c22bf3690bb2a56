//! What the hybrid double ratchet refuses and guarantees (docs/protocol.md §5):
//! tampering with every header field and every ciphertext byte (typed error, state
//! unchanged); messages bound to the session and its suites; post-compromise security of
//! the KEM step against a quantum thief; deterministic runs; the epoch and a redacted
//! `Debug`; the checks of initialisation; stable error codes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod ratchet_support;

use ratchet_support::*;

use pqwire_core::random::{RandomSource, SeededRandom};
use pqwire_core::ratchet::{Header, KemCadence, RatchetConfig, RatchetInit, RatchetState};
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
    let k = h.kem_key.as_ref().expect("sample with a KEM key");
    let c = h
        .kem_ciphertext
        .as_ref()
        .expect("sample with a KEM ciphertext");
    // Every byte of the KEM key, the KEM ciphertext and the associated data, one at a time.
    type Bytes = for<'a> fn(&'a mut Header) -> &'a mut [u8];
    let byte_fields: [Bytes; 5] = [
        |v| &mut v.kem_key.as_mut().unwrap().key_id[..],
        |v| &mut v.kem_key.as_mut().unwrap().public_key[..],
        |v| &mut v.kem_ciphertext.as_mut().unwrap().key_id[..],
        |v| &mut v.kem_ciphertext.as_mut().unwrap().ciphertext[..],
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
    let edits: [Edit; 6] = [
        (|v| v.kem_key = None, auth),
        (
            |v| {
                v.kem_key.as_mut().unwrap().public_key.pop();
            },
            &["BAD_LENGTH"],
        ),
        (|v| v.kem_ciphertext = None, auth),
        (
            |v| v.kem_ciphertext.as_mut().unwrap().ciphertext.push(0),
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
    assert!(count > 2 * 32 + 64 + k.public_key.len() + c.ciphertext.len());
    read(to, m, now, expected);
}

#[test]
fn tampering_with_any_header_field_is_refused_without_change() {
    let mut p = default_pair(KemSuite::MlKem768, AeadSuite::ChaCha20Poly1305);
    let a = p.a_with(b"hello", b"meta", T0);
    read(&mut p.bob, &a, T0, "hello");
    // Bob's reply starts a chain with a KEM step: ciphertext and new KEM key.
    let b0 = p.b_with(b"first", b"meta-data", T0);
    let b1 = p.b_with(b"second", b"more", T0);
    // A message that starts a new receiving chain…
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
    // Same keys, other KEM suite: the header's KEM key has the wrong length there.
    let mut other_kem = default_pair(KemSuite::MlKem512, AeadSuite::ChaCha20Poly1305);
    refused(&mut other_kem.bob, &m.0, &m.1, T0, &["BAD_LENGTH"]);
    read(&mut p.bob, &m, T0, "x");
}

/// Randomness of a quantum thief who stole a state: it learns the next ratchet DH
/// secret (a quantum computer recovers it from the public key), but not the KEM
/// randomness, which the KEM keeps secret.
struct QuantumThief {
    real: SeededRandom,
    guess: SeededRandom,
    draws: usize,
}

impl RandomSource for QuantumThief {
    fn fill(&mut self, dst: &mut [u8]) -> pqwire_core::Result<()> {
        self.draws += 1;
        if self.draws == 1 {
            self.real.fill(dst)
        } else {
            self.guess.fill(dst)
        }
    }
}

#[test]
fn kem_step_heals_a_stolen_state_against_a_quantum_thief() {
    for kem_step in [false, true] {
        let mut p = cadence_pair(KemSuite::MlKem768, AeadSuite::ChaCha20Poly1305, SELDOM);
        p.a_to_b("1", T0);
        p.b_to_a("2", T0);
        p.a_to_b("3", T0);
        if kem_step {
            p.bob.force_kem_step();
        }
        // The thief copies Bob's whole state, then follows his next step.
        let mut thief = p.bob.clone();
        let mut thief_rng = QuantumThief {
            real: p.rb.clone(),
            guess: SeededRandom::new([0xEE; 32]),
            draws: 0,
        };
        let real = p.b("4", T0);
        let copy = thief.encrypt_with(b"4", b"", T0, &mut thief_rng).unwrap();
        assert_eq!(
            copy.0.ratchet_key, real.0.ratchet_key,
            "the thief has the DH secret"
        );
        assert_eq!(real.0.kem_ciphertext.is_some(), kem_step);
        read(&mut p.alice, &real, T0, "4");
        // Alice's reply is a DH-only step (her cadence is not due) on the new root key.
        let reply = p.a("5", T0);
        assert!(reply.0.kem_ciphertext.is_none());
        let stolen = open(&mut thief, &reply, T0);
        if kem_step {
            // Bob's KEM secret went into the root key: the thief's keys differ.
            assert_ne!(copy.1, real.1);
            assert_eq!(stolen.unwrap_err().code(), "AUTH_FAILED");
        } else {
            // Without a KEM step a thief who breaks X25519 keeps reading.
            assert_eq!(copy.1, real.1);
            assert_eq!(stolen.unwrap(), b"5");
        }
        read(&mut p.bob, &reply, T0, "5");
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
