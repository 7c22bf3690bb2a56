//! Sessions (docs/protocol.md §4–§6) through `pqwire_core::session::Session`: a
//! conversation in wire bytes under every KEM and AEAD suite; every byte of a ratchet
//! message flipped, each a typed error leaving the session exactly as it was (compared
//! serialized); serialization round trips mid-conversation; rollback refused; and the
//! migration helpers (a legacy Ed25519 key promoted into a hybrid identity, its
//! continuity proof checked and refused when forged).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod handshake_support;
mod record_edit;

use handshake_support::{accept_session, open_session, session_parties, OneTime, Prekeys, T0};
use pqwire_core::pqxdh::{
    continuity_proof, promote_legacy, verify_continuity, HandshakeOptions, Identity, Validity,
    DEFAULT_SIGNED_PREKEY_LIFETIME,
};
use pqwire_core::random::SeededRandom;
use pqwire_core::session::Session;
use pqwire_core::wire::{Capabilities, WireMessage};
use pqwire_core::{sig, AeadSuite, KemSuite, SigSuite};
use record_edit::{fields, value, with_field};

fn caps(aead: AeadSuite) -> Vec<u8> {
    let mut c = Capabilities::default();
    c.aead_suites.retain(|s| *s == aead.code());
    c.encode().unwrap()
}

/// Bob, his prekeys (a `kem` last-resort one and the `one_time` ones) and Alice.
fn parties(
    kem: KemSuite,
    one_time: OneTime,
    rng: &mut SeededRandom,
) -> (Identity, Prekeys, Identity) {
    let valid = Validity::starting(T0, DEFAULT_SIGNED_PREKEY_LIFETIME).unwrap();
    session_parties(SigSuite::Ed25519MlDsa65, (kem, one_time), valid, rng)
}

/// Alice and Bob after the handshake, Bob having read the first message.
fn pair(kem: KemSuite, aead: AeadSuite, seed: u8) -> (Session, Session) {
    let caps = caps(aead);
    let mut rng = SeededRandom::new([seed; 32]);
    let (bob, prekeys, alice) = parties(kem, OneTime::None, &mut rng);
    let bundle = prekeys.bundle(&bob, &caps);
    let (a, initial) = open_session(&alice, &caps, &bundle, b"first", &mut rng);
    let accepted = accept_session(&bob, &caps, &mut prekeys.secrets(), &initial).unwrap();
    assert_eq!(accepted.plaintext, b"first");
    assert_eq!(a.facts().aead, aead);
    assert_eq!(accepted.session.facts().kem, kem);
    assert_eq!(a.id(), accepted.session.id());
    (a, accepted.session)
}

#[test]
fn conversation_under_every_kem_and_aead() {
    for kem in [KemSuite::MlKem512, KemSuite::MlKem768, KemSuite::MlKem1024] {
        for aead in [AeadSuite::ChaCha20Poly1305, AeadSuite::Aes256Gcm] {
            let (mut a, mut b) = pair(kem, aead, 1);
            for round in 0..4u64 {
                let t = T0 + 10 * round;
                let m = b.encrypt(b"from bob", b"meta", t).unwrap();
                let got = a.decrypt(&m, t).unwrap();
                assert_eq!(got.plaintext, b"from bob");
                assert_eq!(got.associated_data, b"meta");
                let m = a.encrypt(b"from alice", b"", t + 1).unwrap();
                assert_eq!(b.decrypt(&m, t + 1).unwrap().plaintext, b"from alice");
            }
        }
    }
}

#[test]
fn every_flipped_byte_of_a_ratchet_message_is_refused_and_changes_nothing() {
    let (mut a, mut b) = pair(KemSuite::MlKem768, AeadSuite::ChaCha20Poly1305, 2);
    // Bob's reply carries a KEM key and a ciphertext: every field kind is present.
    let m = b
        .encrypt(b"a reply with every field", b"meta", T0 + 1)
        .unwrap();
    let before = a.serialize().unwrap();
    for i in 0..m.len() {
        let mut bad = m.clone();
        bad[i] ^= 0x01;
        let err = a.decrypt(&bad, T0 + 2).unwrap_err();
        assert!(!err.code().is_empty(), "byte {i}");
        assert_eq!(
            *a.serialize().unwrap(),
            *before,
            "byte {i} changed the session"
        );
    }
    assert_eq!(
        a.decrypt(&m, T0 + 2).unwrap().plaintext,
        b"a reply with every field"
    );
}

#[test]
fn serialization_round_trips_mid_conversation() {
    let (mut a, mut b) = pair(KemSuite::MlKem768, AeadSuite::Aes256Gcm, 3);
    let m1 = b.encrypt(b"one", b"", T0 + 1).unwrap();
    let m2 = b.encrypt(b"two", b"", T0 + 2).unwrap();
    a.decrypt(&m2, T0 + 3).unwrap(); // m1 is now a stored skipped key
    let saved = a.serialize().unwrap();
    let mut restored = Session::deserialize(&saved, Some(a.epoch())).unwrap();
    assert!(restored == a);
    assert_eq!(*restored.serialize().unwrap(), *saved, "canonical");
    assert_eq!(restored.decrypt(&m1, T0 + 4).unwrap().plaintext, b"one");
    let reply = restored.encrypt(b"three", b"", T0 + 5).unwrap();
    assert_eq!(b.decrypt(&reply, T0 + 6).unwrap().plaintext, b"three");
    assert_eq!(restored.facts(), a.facts());
}

#[test]
fn an_older_copy_is_a_rollback() {
    let (mut a, mut b) = pair(KemSuite::MlKem768, AeadSuite::ChaCha20Poly1305, 4);
    let old = a.serialize().unwrap();
    let old_epoch = a.epoch();
    let m = b.encrypt(b"x", b"", T0 + 1).unwrap();
    a.decrypt(&m, T0 + 1).unwrap();
    assert!(a.epoch() > old_epoch);
    let err = Session::deserialize(&old, Some(a.epoch())).unwrap_err();
    assert_eq!(err.code(), "SESSION_ROLLBACK");
    // The same epoch, or no check, is accepted.
    assert!(Session::deserialize(&old, Some(old_epoch)).is_ok());
    assert!(Session::deserialize(&old, None).is_ok());
}

#[test]
fn corrupted_session_records_are_typed_errors() {
    let (a, _) = pair(KemSuite::MlKem512, AeadSuite::ChaCha20Poly1305, 5);
    let saved = a.serialize().unwrap();
    for n in 0..saved.len() {
        assert!(
            Session::deserialize(&saved[..n], None).is_err(),
            "prefix {n}"
        );
    }
    for i in (0..saved.len()).step_by(7) {
        let mut bad = saved.to_vec();
        bad[i] ^= 0x80;
        if let Ok(s) = Session::deserialize(&bad, None) {
            assert!(s != a, "a flipped byte {i} restored the same session");
        }
    }
}

#[test]
fn a_legacy_ed25519_key_becomes_a_hybrid_identity_that_continues_it() {
    let mut rng = SeededRandom::new([6; 32]);
    let valid = Validity::starting(T0, 1 << 30).unwrap();
    let ed = sig::backend(SigSuite::Ed25519);
    let (legacy_pk, legacy_sk) = ed.keygen(Some(&[7; 32])).unwrap();
    let x_sk = [8u8; 32];
    for suite in [SigSuite::Ed25519MlDsa65, SigSuite::Ed25519MlDsa87] {
        let id = promote_legacy(legacy_sk.expose(), Some(&x_sk), suite, valid, &mut rng).unwrap();
        id.public().verify().unwrap();
        assert_eq!(&id.public().sig_key.public_key[..32], legacy_pk.as_slice());
        assert_eq!(
            id.public().dh_public_key(),
            pqwire_core::x25519::public_key(&x_sk).unwrap().as_slice()
        );
        let proof = continuity_proof(&id).unwrap();
        let p = id.public();
        verify_continuity(
            &legacy_pk,
            &p.sig_key_encoded,
            &p.sig_key.public_key,
            &proof,
        )
        .unwrap();
        // Another key, a forged proof, or an identity that does not hold the key: refused.
        let (other_pk, _) = ed.keygen(Some(&[9; 32])).unwrap();
        let refused = |pk: &[u8], proof: &[u8]| {
            verify_continuity(pk, &p.sig_key_encoded, &p.sig_key.public_key, proof)
                .unwrap_err()
                .code()
        };
        assert_eq!(refused(&other_pk, &proof), "AUTH_FAILED");
        let mut forged = proof.clone();
        forged[10] ^= 1;
        assert_eq!(refused(&legacy_pk, &forged), "AUTH_FAILED");
        let fresh = Identity::generate(suite, valid, &mut rng).unwrap();
        let fp = fresh.public();
        let fresh_proof = continuity_proof(&fresh).unwrap();
        assert_eq!(
            verify_continuity(
                &legacy_pk,
                &fp.sig_key_encoded,
                &fp.sig_key.public_key,
                &fresh_proof
            )
            .unwrap_err()
            .code(),
            "AUTH_FAILED"
        );
    }
    assert_eq!(
        promote_legacy(&[1; 31], None, SigSuite::Ed25519MlDsa65, valid, &mut rng)
            .unwrap_err()
            .code(),
        "BAD_LENGTH"
    );
    assert_eq!(
        promote_legacy(legacy_sk.expose(), None, SigSuite::MlDsa65, valid, &mut rng)
            .unwrap_err()
            .code(),
        "INVALID_ARGUMENT"
    );
}

#[test]
fn a_ratchet_message_with_an_extension_is_refused_and_changes_nothing() {
    let (mut a, mut b) = pair(KemSuite::MlKem768, AeadSuite::ChaCha20Poly1305, 10);
    let m = b.encrypt(b"genuine", b"", T0 + 1).unwrap();
    let mut msg = pqwire_core::wire::RatchetMessage::decode(&m).unwrap();
    msg.extensions.push(pqwire_core::wire::Extension {
        tag: 0xF000,
        value: b"unauthenticated".to_vec(),
    });
    let with_extension = msg.encode().unwrap();
    let before = a.serialize().unwrap();
    let err = a.decrypt(&with_extension, T0 + 2).unwrap_err();
    assert_eq!(err.code(), "UNKNOWN_TAG");
    assert_eq!(*a.serialize().unwrap(), *before);
    assert_eq!(a.decrypt(&m, T0 + 2).unwrap().plaintext, b"genuine");
}

/// Found with the `session_accept` fuzz target, whose seed
/// `fuzz/corpus/session_accept/seed-bad-im-nested-extension` failed its check that only
/// genuine initial messages are accepted: `Session::accept` took an initial message whose
/// nested first ratchet message carried an extension field, which nothing authenticates
/// and which `Session::decrypt` refuses in every later message. It is `UNKNOWN_TAG` now,
/// and consumes no prekey; an extension of the initial message itself is still ignored,
/// as the wire format lets protocol code do.
#[test]
fn an_extension_in_the_initial_message_or_its_ratchet_message_is_refused_and_consumes_nothing() {
    use pqwire_core::pqxdh::PrekeyKind;
    use pqwire_core::wire::{Extension, InitialMessage};

    let caps = caps(AeadSuite::ChaCha20Poly1305);
    let mut rng = SeededRandom::new([9; 32]);
    let (bob, prekeys, alice) = parties(KemSuite::MlKem768, OneTime::Dh, &mut rng);
    let opk_id = prekeys.one_time.as_ref().unwrap().public.key_id();
    let bundle = prekeys.bundle(&bob, &caps);
    let mut secrets = prekeys.secrets();
    let (_, initial) = open_session(&alice, &caps, &bundle, b"first", &mut rng);
    let extension = Extension {
        tag: 0xF000,
        value: b"unauthenticated".to_vec(),
    };

    let mut nested = InitialMessage::decode(&initial).unwrap();
    nested.message.extensions.push(extension.clone());
    let nested = nested.encode().unwrap();
    let Err(err) = accept_session(&bob, &caps, &mut secrets, &nested) else {
        panic!("accepted a first ratchet message with an extension");
    };
    assert_eq!(err.code(), "UNKNOWN_TAG");
    assert!(!secrets.is_consumed(&opk_id));
    assert_eq!(secrets.remaining(PrekeyKind::OneTime), 1);

    // Extensions of the initial message itself are not authenticated either
    // (neither TH nor the first message's AEAD covers them), so they are refused too.
    let mut top = InitialMessage::decode(&initial).unwrap();
    top.extensions.push(extension);
    let top = top.encode().unwrap();
    let Err(err) = accept_session(&bob, &caps, &mut secrets, &top) else {
        panic!("accepted an initial message with an extension");
    };
    assert_eq!(err.code(), "UNKNOWN_TAG");
    assert!(!secrets.is_consumed(&opk_id));

    let accepted = accept_session(&bob, &caps, &mut secrets, &initial).unwrap();
    assert_eq!(accepted.plaintext, b"first");
    assert!(secrets.is_consumed(&opk_id));
}

#[test]
fn limits_without_a_cadence_keep_the_suite_cadence() {
    use pqwire_core::ratchet::{KemCadence, RatchetConfig};
    let limits = RatchetConfig {
        max_skip: 10,
        ..RatchetConfig::default()
    };
    let given = HandshakeOptions {
        ratchet: Some(limits),
        ..HandshakeOptions::default()
    };
    assert_eq!(given.ratchet_config(KemSuite::MlKem1024), limits);
    let suite = HandshakeOptions {
        suite_cadence: true,
        ..given
    };
    let c = suite.ratchet_config(KemSuite::MlKem1024);
    assert_eq!(c.cadence, KemCadence::default_for(KemSuite::MlKem1024));
    assert_eq!(c.max_skip, 10);
    assert_eq!(
        HandshakeOptions::default().ratchet_config(KemSuite::MlKem768),
        RatchetConfig::for_suite(KemSuite::MlKem768)
    );
}

/// The session layer's fields (protocol.md §6.2): the peer's identity as its 16-byte
/// fingerprint only, and `peerConfirmed`, which a responder always has set.
#[test]
fn the_session_layer_stores_a_fingerprint_and_whether_the_peer_confirmed() {
    let (mut a, mut b) = pair(KemSuite::MlKem768, AeadSuite::ChaCha20Poly1305, 6);
    assert_eq!(a.facts().peer_identity, b.facts().local_identity);
    assert_eq!(b.facts().peer_identity, a.facts().local_identity);
    assert!(!a.peer_confirmed() && b.peer_confirmed());
    let rec = a.serialize().unwrap();
    let session_tags: Vec<u16> = fields(&rec)
        .into_iter()
        .map(|f| f.1)
        .filter(|t| *t >= 0x0100)
        .collect();
    assert_eq!(session_tags, (0x0101..=0x010B).collect::<Vec<u16>>());
    assert_eq!(value(&rec, 0x0109), a.facts().peer_identity.to_vec());
    assert_eq!(value(&rec, 0x010B), [0]);
    assert!(!Session::deserialize(&rec, None).unwrap().peer_confirmed());
    // A refused message confirms nothing; a reply does, and the record keeps it.
    let reply = b.encrypt(b"reply", b"", T0 + 1).unwrap();
    let mut bad = reply.clone();
    let last = bad.len() - 1;
    bad[last] ^= 1;
    assert!(a.decrypt(&bad, T0 + 1).is_err());
    assert!(!a.peer_confirmed());
    a.decrypt(&reply, T0 + 1).unwrap();
    assert!(a.peer_confirmed());
    let rec = a.serialize().unwrap();
    assert_eq!(value(&rec, 0x010B), [1]);
    assert!(Session::deserialize(&rec, None).unwrap().peer_confirmed());

    let code = |bytes: &[u8]| match Session::deserialize(bytes, None).unwrap_err() {
        pqwire_core::Error::Wire(w) => (w.code.as_str(), w.tag),
        e => panic!("{e:?}"),
    };
    let rb = b.serialize().unwrap();
    assert_eq!(
        code(&with_field(&rb, 0x010B, &[0])),
        ("INVALID_FIELD", Some(0x010B))
    );
    assert_eq!(
        code(&with_field(&rb, 0x010B, &[2])),
        ("INVALID_FIELD", Some(0x010B))
    );
    assert_eq!(
        code(&with_field(&rb, 0x0109, &[7; 15])),
        ("BAD_LENGTH", Some(0x0109))
    );
    assert_eq!(
        code(&with_field(&rb, 0x010C, &[0])),
        ("UNKNOWN_TAG", Some(0x010C))
    );
}
