//! What the PQXDH handshake refuses (docs/protocol.md §4): the policy (a bundle without
//! a KEM prekey, suites outside the capabilities), a tampered batch signature or
//! statement, a malformed identity package, expired and unknown keys, and bad initial messages
//! (every byte flipped, each a typed error that consumes nothing; the transcript
//! signature always required and bound to the transcript).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod handshake_support;
mod wire_edit;

use handshake_support::*;

/// The code of the error Alice's handshake to the bundle `b` ends with.
fn refusal(alice: &Identity, p: Params, b: &PrekeyBundle) -> &'static str {
    code(start(alice, p, &b.encode().unwrap(), b"", 3))
}

// ---------------------------------------------------------------------------------------
// Policy

/// Bob's bundle with its KEM prekey removed by whoever served it.
fn without_kem_prekey(bob: &Bob) -> Vec<u8> {
    let mut b = bob.bundle_struct(Params::default());
    b.kem_prekey = None;
    b.encode().unwrap()
}

/// A bundle of a batch Bob signed without any ML-KEM prekey, with `caps`.
fn classical_bundle(bob: &Bob, caps: &[u8]) -> Vec<u8> {
    let keys = BatchKeys {
        signed_prekey: &bob.spk.public,
        last_resort_kem: None,
        one_time_kem: &[],
        one_time: std::slice::from_ref(&bob.opk.public),
    };
    let upload = sign_batch(&bob.identity, caps, &keys, &mut SeededRandom::new([8; 32])).unwrap();
    assemble_bundle(&upload, None, Some(0))
        .unwrap()
        .encode()
        .unwrap()
}

#[test]
fn pq_required_refuses_a_bundle_without_a_kem_prekey() {
    let p = Params::default();
    let (bob, alice) = bob_and_alice(p);
    for bundle in [without_kem_prekey(&bob), classical_bundle(&bob, &bob.caps)] {
        let e = start(&alice, p, &bundle, b"hi", 3).unwrap_err();
        assert_eq!(e.code(), "PQ_REQUIRED");
        assert!(matches!(e, Error::Downgrade { .. }));
    }
}

fn preferred() -> HandshakeOptions {
    HandshakeOptions {
        policy: Policy::new(PolicyMode::PqPreferred),
        ..HandshakeOptions::default()
    }
}

/// Bob's answer under `pq-preferred`.
fn respond_preferred(bob: &mut Bob, message: &[u8]) -> Result<pqwire_core::pqxdh::Responded> {
    let options = preferred();
    respond(
        &bob.identity,
        &bob.caps,
        &mut bob.store,
        message,
        &options,
        T0,
    )
}

fn initiate_preferred(alice: &Identity, bundle: &[u8]) -> Result<Initiated> {
    initiate(
        alice,
        &caps(true),
        bundle,
        FirstMessage {
            plaintext: b"classical",
            associated_data: b"",
        },
        &preferred(),
        T0,
        &mut SeededRandom::new([4; 32]),
    )
}

/// Alice starts a session offering `caps`.
fn initiate_offering(alice: &Identity, caps: &Capabilities, bundle: &[u8]) -> Result<Initiated> {
    initiate(
        alice,
        &caps.encode().unwrap(),
        bundle,
        FirstMessage::default(),
        &HandshakeOptions::default(),
        T0,
        &mut SeededRandom::new([3; 32]),
    )
}

/// Whoever serves Bob's bundle drops its KEM prekey. The signed statement says the batch
/// has KEM prekeys, so every policy refuses (more in `handshake_batch.rs`).
#[test]
fn a_stripped_kem_prekey_is_refused_even_under_pq_preferred() {
    let p = Params::default();
    let (mut bob, alice) = bob_and_alice(p);
    let stripped = without_kem_prekey(&bob);
    let e = initiate_preferred(&alice, &stripped).unwrap_err();
    assert_eq!(e.code(), "PQ_REQUIRED");
    assert!(e.to_string().contains("KEM prekey"), "{e}");

    // The responder applies the same rule to a classical-only initial message: built by
    // Alice against a bundle whose ML-KEM suites were stripped too, it fails on the
    // capabilities (the transcript) or on this rule, and consumes nothing.
    let mut classical_caps = Capabilities::decode(&bob.caps).unwrap();
    classical_caps
        .kex_suites
        .retain(|c| *c == KemSuite::X25519.code());
    let forged = classical_bundle(&bob, &classical_caps.encode().unwrap());
    let sent = initiate_preferred(&alice, &forged).unwrap();
    assert!(!sent.info.post_quantum);
    let before = bob.store.clone();
    assert_eq!(
        code(respond_preferred(&mut bob, &sent.encoded)),
        "PQ_REQUIRED"
    );
    assert!(bob.store == before);
}

#[test]
fn pq_preferred_accepts_a_classical_peer_and_says_so() {
    let p = Params::default();
    let mut bob = Bob::new(p, 1);
    // Bob offers no ML-KEM at all: a classical peer.
    let mut c = Capabilities::default();
    c.kex_suites
        .retain(|s| !KEMS.iter().any(|k| k.code() == *s));
    bob.caps = c.encode().unwrap();
    let alice = alice(p.alice, 2);
    let bundle = classical_bundle(&bob, &bob.caps);
    assert_eq!(code(start(&alice, p, &bundle, b"hi", 3)), "PQ_REQUIRED");

    let sent = initiate_preferred(&alice, &bundle).unwrap();
    assert!(!sent.info.post_quantum);
    assert!(sent.message.kem_prekey_id.is_none() && sent.message.kem_ciphertext.is_none());
    // A pq-required responder refuses the message, consuming nothing.
    let before = bob.store.clone();
    assert_eq!(code(bob.respond(&sent.encoded, T0)), "PQ_REQUIRED");
    assert!(bob.store == before);
    // A pq-preferred one accepts it.
    let got = respond_preferred(&mut bob, &sent.encoded).unwrap();
    assert_eq!(got.plaintext, b"classical");
    assert!(!got.info.post_quantum);
    converse(&mut { sent.session }, &mut { got.session }, 2);
}

#[test]
fn suites_outside_the_capabilities_are_refused() {
    let p = Params::default();
    let (bob, alice) = bob_and_alice(p);
    // Alice does not offer Bob's identity suite.
    let mut c = Capabilities::default();
    c.sig_suites
        .retain(|s| *s != SigSuite::Ed25519MlDsa65.code());
    let e = initiate_offering(&alice, &c, &bob.bundle(p));
    assert_eq!(code(e), "NO_COMMON_SUITE");
    // Alice does not offer the KEM prekey's suite.
    let mut c = Capabilities::default();
    c.kex_suites.retain(|s| *s != KemSuite::MlKem768.code());
    let e = initiate_offering(&alice, &c, &bob.bundle(p));
    assert_eq!(code(e), "NO_COMMON_SUITE");
}

// ---------------------------------------------------------------------------------------
// The bundle's authentication

#[test]
fn a_tampered_batch_signature_or_statement_is_auth_failed() {
    let p = Params::default();
    let (bob, alice) = bob_and_alice(p);
    let good = bob.bundle_struct(p);
    start(&alice, p, &good.encode().unwrap(), b"", 3).unwrap();
    // The Ed25519 half (first 64 bytes) and the ML-DSA half, each alone: the good
    // bundle's batch is cached now, and a changed signature is not a cache hit.
    for at in [0usize, 63, 64, 1000, usize::MAX] {
        let mut b = good.clone();
        let i = at.min(b.batch_signature.len() - 1);
        b.batch_signature[i] ^= 0x01;
        assert_eq!(refusal(&alice, p, &b), "AUTH_FAILED", "signature byte {i}");
    }
    // A statement changed under its signature: each field that decodes.
    type Edit = fn(&mut wire::PrekeyBatch);
    let edits: [(&str, Edit); 7] = [
        ("identityDhKey", |s| s.identity_dh_key[0] ^= 1),
        ("signedPrekey", |s| s.signed_prekey[31] ^= 1),
        ("oneTimeCount", |s| s.one_time_count += 1),
        ("created", |s| s.created -= 1),
        ("signedExpires", |s| s.signed_expires -= 1),
        ("oneTimeExpires", |s| s.one_time_expires += 1),
        ("merkleRoot", |s| s.merkle_root[5] ^= 1),
    ];
    for (name, edit) in edits {
        let mut b = good.clone();
        edit(&mut b.batch);
        b.batch_encoded = b.batch.encode().unwrap();
        assert_eq!(refusal(&alice, p, &b), "AUTH_FAILED", "{name}");
    }
    // Another identity's signature over Bob's statement.
    let mallory = Bob::new(p, 9);
    let mut b = good.clone();
    b.batch_signature = mallory.bundle_struct(p).batch_signature;
    assert_eq!(refusal(&alice, p, &b), "AUTH_FAILED");
}

#[test]
fn an_identity_package_not_matching_its_key_is_invalid_key() {
    // The package's key id is made up (and the statement names it, so the wire rule
    // holds): derived ids are checked before anything is verified.
    let p = Params::default();
    let (bob, alice) = bob_and_alice(p);
    let mut b = bob.bundle_struct(p);
    b.identity_sig_key.key_id = [0x42; 16];
    b.identity_sig_key_encoded = b.identity_sig_key.encode().unwrap();
    b.batch.identity_sig_key_id = [0x42; 16];
    b.batch_encoded = b.batch.encode().unwrap();
    assert_eq!(refusal(&alice, p, &b), "INVALID_KEY");
}

// ---------------------------------------------------------------------------------------
// Validity and key ids

#[test]
fn expired_keys_are_key_expired() {
    let p = Params::default();
    let alice_id = alice(p.alice, 2);
    // Prekeys whose validity ended before now, or starts after it.
    for v in [
        Validity::new(T0 - 100, T0).unwrap(),
        Validity::new(T0 + 1, T0 + 100).unwrap(),
    ] {
        let bob = Bob::with_validity(p, 1, v);
        let e = start(&alice_id, p, &bob.bundle(p), b"", 3);
        assert_eq!(code(e), "KEY_EXPIRED");
    }
    // Only the one-time prekey expired.
    let bob = Bob::new(p, 1);
    let mut rng = SeededRandom::new([6; 32]);
    let old = Validity::new(T0 - 100, T0 - 1).unwrap();
    let opk = generate_prekey(PrekeyKind::OneTime, KemSuite::X25519, old, &mut rng).unwrap();
    let keys = BatchKeys {
        signed_prekey: &bob.spk.public,
        last_resort_kem: Some(&bob.lr.public),
        one_time_kem: &[],
        one_time: std::slice::from_ref(&opk.public),
    };
    let upload = sign_batch(&bob.identity, &bob.caps, &keys, &mut rng).unwrap();
    let b = assemble_bundle(&upload, None, Some(0)).unwrap();
    assert_eq!(refusal(&alice_id, p, &b), "KEY_EXPIRED");
    // An expired identity, Bob's or Alice's own.
    let short = Validity::new(T0 - 100, T0 - 50).unwrap();
    let old_alice = Identity::generate(p.alice, short, &mut rng).unwrap();
    assert_eq!(
        code(start(&old_alice, p, &bob.bundle(p), b"", 3)),
        "KEY_EXPIRED"
    );

    // The responder: the signed prekey expired between bundle and message.
    let mut bob = Bob::with_validity(p, 1, Validity::new(T0 - 100, T0 + 10).unwrap());
    let sent = start(&alice_id, p, &bob.bundle(p), b"late", 3).unwrap();
    let before = bob.store.clone();
    assert_eq!(code(bob.respond(&sent.encoded, T0 + 10)), "KEY_EXPIRED");
    assert!(bob.store == before);
    assert_eq!(
        bob.respond(&sent.encoded, T0 + 9).unwrap().plaintext,
        b"late"
    );
}

#[test]
fn unknown_key_ids_are_unknown_key() {
    let p = Params::default();
    let (bob, alice) = bob_and_alice(p);
    let sent = start(&alice, p, &bob.bundle(p), b"", 3).unwrap();
    for missing in [
        bob.spk.public.key_id(),
        bob.kem.public.key_id(),
        bob.opk.public.key_id(),
    ] {
        let mut b = Bob::new(p, 1);
        b.store.keys.remove(&missing);
        let before = b.store.clone();
        assert_eq!(code(b.respond(&sent.encoded, T0)), "UNKNOWN_KEY");
        assert!(b.store == before);
    }
    // A key held for another role: the one-time prekey named as the signed prekey.
    let mut bob = Bob::new(p, 1);
    let as_signed = pqwire_core::pqxdh::Prekey {
        kind: PrekeyKind::Signed,
        key: bob.opk.public.key.clone(),
    };
    let keys = BatchKeys {
        signed_prekey: &as_signed,
        last_resort_kem: Some(&bob.lr.public),
        one_time_kem: &[],
        one_time: &[],
    };
    let upload = sign_batch(
        &bob.identity,
        &bob.caps,
        &keys,
        &mut SeededRandom::new([7; 32]),
    );
    let bundle = assemble_bundle(&upload.unwrap(), None, None).unwrap();
    let sent = start(&alice, p, &bundle.encode().unwrap(), b"", 3).unwrap();
    assert_eq!(code(bob.respond(&sent.encoded, T0)), "UNKNOWN_KEY");
    assert_eq!(bob.store.consume_calls, 0);
}

// ---------------------------------------------------------------------------------------
// Bad initial messages

#[test]
fn every_flipped_byte_of_an_initial_message_is_a_typed_error_and_consumes_nothing() {
    let p = Params::default();
    let (bob, alice) = bob_and_alice(p);
    let sent = start(&alice, p, &bob.bundle(p), b"a short first message", 3).unwrap();
    let bytes = sent.encoded;
    let mut codes: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut store = bob.store.clone();
    for i in 0..bytes.len() {
        let mut b = bytes.clone();
        b[i] ^= 0xFF;
        let r = respond_default(&bob.identity, &bob.caps, &mut store, &b, T0);
        let e = match r {
            Ok(_) => panic!("byte {i} flipped was accepted"),
            Err(e) => e,
        };
        *codes.entry(e.code()).or_default() += 1;
        assert_eq!(store.consume_calls, 0, "byte {i}");
    }
    assert!(store == bob.store);
    println!(
        "initial message of {} bytes, every byte flipped: {codes:?}",
        bytes.len()
    );
    // The original still works afterwards: nothing was consumed.
    let mut bob = bob;
    assert_eq!(
        bob.respond(&bytes, T0).unwrap().plaintext,
        b"a short first message"
    );
}

/// `edit` applied to the typed message, re-encoded.
fn edited(m: &InitialMessage, edit: impl FnOnce(&mut InitialMessage)) -> Vec<u8> {
    let mut m = m.clone();
    edit(&mut m);
    m.encode().unwrap()
}

#[test]
fn the_transcript_signature_is_always_required_and_bound_to_the_transcript() {
    let p = Params::default();
    let (mut bob, alice) = bob_and_alice(p);
    let sent = start(&alice, p, &bob.bundle(p), b"x", 3).unwrap();
    // Without the field the message does not even decode (it is always required).
    let stripped = wire_edit::without_field(
        &sent.encoded,
        wire::tags::initial_message::TAG_TRANSCRIPT_SIGNATURE,
    );
    assert_eq!(code(bob.respond(&stripped, T0)), "MISSING_FIELD");
    let other = start(&alice, p, &bob.bundle(p), b"x", 4).unwrap();
    let swapped = edited(&sent.message, |m| {
        m.transcript_signature = other.message.transcript_signature.clone()
    });
    assert_eq!(code(bob.respond(&swapped, T0)), "AUTH_FAILED");
    let garbage = edited(&sent.message, |m| m.transcript_signature[100] ^= 1);
    assert_eq!(code(bob.respond(&garbage, T0)), "AUTH_FAILED");

    // Capabilities without `hybrid-auth` change nothing: still signed, still required.
    let q = Params {
        hybrid_auth: false,
        ..p
    };
    let plain = start(&alice, q, &bob.bundle(q), b"x", 5).unwrap();
    assert!(plain.info.hybrid_auth);
    let unsigned = wire_edit::without_field(
        &plain.encoded,
        wire::tags::initial_message::TAG_TRANSCRIPT_SIGNATURE,
    );
    assert_eq!(code(bob.respond(&unsigned, T0)), "MISSING_FIELD");
    // Stripping hybrid-auth from Alice's capabilities changes the transcript.
    let downgraded = edited(&sent.message, |m| m.capabilities = caps(false));
    assert_eq!(code(bob.respond(&downgraded, T0)), "AUTH_FAILED");
    assert_eq!(bob.store.consume_calls, 0);
    assert_eq!(bob.respond(&sent.encoded, T0).unwrap().plaintext, b"x");
    // The same keys in a fresh store (the one-time keys above are consumed now).
    let mut fresh = Bob::new(q, 1);
    assert_eq!(fresh.respond(&plain.encoded, T0).unwrap().plaintext, b"x");
}

#[test]
fn a_changed_message_or_context_does_not_authenticate() {
    let p = Params::default();
    let mut bob = Bob::new(p, 1);
    let alice_id = alice(p.alice, 2);
    let sent = start(&alice_id, p, &bob.bundle(p), b"x", 3).unwrap();
    // Bob answering with other capabilities than he published.
    let mut other_caps = Capabilities::default();
    other_caps.aead_suites.reverse();
    let e = respond_default(
        &bob.identity,
        &other_caps.encode().unwrap(),
        &mut bob.store,
        &sent.encoded,
        T0,
    );
    assert_eq!(code(e), "AUTH_FAILED");
    // Another identity claiming the message (Mallory's keys, Alice's handshake values).
    let mallory = self::alice(p.alice, 7);
    let forged = edited(&sent.message, |m| {
        m.identity_sig_key = mallory.public().sig_key.clone();
        m.identity_sig_key_encoded = mallory.public().sig_key_encoded.clone();
        m.identity_dh_key = mallory.public().dh_public_key().try_into().unwrap();
    });
    assert_eq!(code(bob.respond(&forged, T0)), "AUTH_FAILED");
    // The same, without hybrid-auth: the DH-based authentication still refuses it.
    let q = Params {
        hybrid_auth: false,
        ..p
    };
    let plain = start(&alice_id, q, &bob.bundle(q), b"x", 4).unwrap();
    let forged = edited(&plain.message, |m| {
        m.identity_sig_key = mallory.public().sig_key.clone();
        m.identity_sig_key_encoded = mallory.public().sig_key_encoded.clone();
        m.identity_dh_key = mallory.public().dh_public_key().try_into().unwrap();
    });
    assert_eq!(code(bob.respond(&forged, T0)), "AUTH_FAILED");
    // A ciphertext of another ML-KEM suite's length.
    let wrong = edited(&sent.message, |m| m.kem_ciphertext = Some(vec![0; 1568]));
    assert_eq!(code(bob.respond(&wrong, T0)), "BAD_LENGTH");
    // A bundle is not an initial message.
    assert_eq!(code(bob.respond(&bob.bundle(p), T0)), "UNEXPECTED_TYPE");
    assert_eq!(bob.store.consume_calls, 0);
}
