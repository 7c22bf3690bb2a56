//! The hybrid PQXDH handshake (docs/protocol.md §2–§4): full handshakes and a
//! conversation under every KEM prekey suite and identity suite, with and without a
//! one-time prekey and `hybrid-auth`; the prekey store and the replay cache; one-time
//! prekeys consumed exactly once; and the measured size of the first message
//! (`cargo test -p pqwire-core --profile ci --test handshake -- --nocapture`). The
//! refusals are in `handshake_refusals.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod handshake_support;

use handshake_support::*;

// ---------------------------------------------------------------------------------------
// Full handshakes

#[test]
fn every_suite_combination_handshakes_and_converses() {
    let mut runs = 0;
    for (k, kem) in KEMS.into_iter().enumerate() {
        for identity in IDENTITIES {
            for one_time in [true, false] {
                for hybrid_auth in [true, false] {
                    let p = Params {
                        kem,
                        alice: identity,
                        bob: identity,
                        one_time,
                        // Alternate one-time and last-resort KEM prekeys.
                        one_time_kem: (k + usize::from(one_time)) % 2 == 0,
                        hybrid_auth,
                    };
                    let mut bob = Bob::new(p, 0x0B);
                    let alice = alice(identity, 0x0A);
                    let sent = start(&alice, p, &bob.bundle(p), b"hello Bob", 0x51).unwrap();
                    assert_eq!(sent.info.kem, kem);
                    // Signed whether or not the capabilities name `hybrid-auth`.
                    assert!(sent.info.hybrid_auth);
                    assert!(!sent.message.transcript_signature.is_empty());
                    assert_eq!(sent.message.one_time_prekey_id.is_some(), one_time);
                    assert_eq!(&sent.info.peer, bob.identity.public());

                    let got = bob.respond(&sent.encoded, T0 + 5).unwrap();
                    assert_eq!(got.plaintext, b"hello Bob", "{p:?}");
                    assert_eq!(got.associated_data, b"first ad");
                    assert_eq!(&got.info.peer, alice.public());
                    // The same keys on both sides: same transcript, session, suites.
                    assert_eq!(got.info.transcript_hash, sent.info.transcript_hash);
                    assert_eq!(got.info.session_id, sent.info.session_id);
                    assert_eq!(got.info.agreement, sent.info.agreement);
                    assert_eq!(got.info.kem, kem);
                    assert!(got.info.post_quantum && sent.info.post_quantum);
                    assert_eq!(got.info.prekeys, sent.info.prekeys, "{p:?}");

                    let one_time_ids = got.info.prekeys.one_time();
                    assert_eq!(
                        one_time_ids.len(),
                        usize::from(one_time) + usize::from(p.one_time_kem)
                    );
                    assert!(one_time_ids
                        .iter()
                        .all(|id| bob.store.consumed.contains(id)));
                    assert_eq!(bob.store.uses.get(&bob.spk.public.key_id()), Some(&1));
                    assert_eq!(bob.store.consume_calls, 1);

                    let (mut a, mut b) = (sent.session, got.session);
                    assert_eq!(a.kem_suite(), kem);
                    converse(&mut a, &mut b, 3);
                    runs += 1;
                }
            }
        }
    }
    assert_eq!(runs, 24);
}

#[test]
fn identities_of_different_suites_meet() {
    for (a, b) in [
        (SigSuite::Ed25519MlDsa65, SigSuite::Ed25519MlDsa87),
        (SigSuite::Ed25519MlDsa87, SigSuite::Ed25519MlDsa65),
    ] {
        let p = Params {
            alice: a,
            bob: b,
            ..Params::default()
        };
        let mut bob = Bob::new(p, 1);
        let alice = alice(a, 2);
        let sent = start(&alice, p, &bob.bundle(p), b"hi", 3).unwrap();
        let got = bob.respond(&sent.encoded, T0).unwrap();
        converse(&mut { sent.session }, &mut { got.session }, 1);
    }
}

#[test]
fn the_in_memory_prekey_secrets_work_and_refuse_a_replay() {
    let p = Params::default();
    let bob = Bob::new(p, 1);
    let mut secrets = secrets_of([&bob.spk, &bob.kem, &bob.opk]);
    let alice = alice(p.alice, 2);
    let sent = start(&alice, p, &bob.bundle(p), b"hi", 3).unwrap();
    let opts = HandshakeOptions::default();
    let accept = |secrets: &mut PrekeySecrets| {
        respond(&bob.identity, &bob.caps, secrets, &sent.encoded, &opts, T0)
    };
    let got = accept(&mut secrets).unwrap();
    assert_eq!(got.plaintext, b"hi");
    assert!(secrets.is_consumed(&bob.opk.public.key_id()));
    assert!(secrets.is_consumed(&bob.kem.public.key_id()));
    assert_eq!(secrets.len(), 1);
    assert_eq!(secrets.uses(&bob.spk.public.key_id()), 1);
    assert_eq!(secrets.remaining(PrekeyKind::OneTime), 0);
    assert_eq!(code(accept(&mut secrets)), "PREKEY_REUSED");
    assert!(format!("{secrets:?}").contains("REDACTED"));
}

/// A handshake that used only the signed and last-resort prekeys
/// consumed nothing, so its initial message opened again and again. The in-memory source
/// now keeps a replay cache: the second acceptance is `REPLAYED` and changes nothing;
/// another initiator's handshake with the same keys still opens.
#[test]
fn a_replayed_last_resort_handshake_is_refused_by_the_replay_cache() {
    let p = Params::last_resort_only();
    let bob = Bob::new(p, 1);
    let mut secrets = secrets_of([&bob.spk, &bob.kem]);
    let opts = HandshakeOptions::default();
    let accept = |secrets: &mut PrekeySecrets, m: &[u8]| {
        respond(&bob.identity, &bob.caps, secrets, m, &opts, T0)
    };
    let sent = start(&alice(p.alice, 2), p, &bob.bundle(p), b"pay 10 EUR", 3).unwrap();
    let got = accept(&mut secrets, &sent.encoded).unwrap();
    assert_eq!(got.plaintext, b"pay 10 EUR");
    assert_eq!(got.replay.session_id, got.info.session_id);
    assert_eq!(got.replay.until, validity().expires);
    assert_eq!(secrets.remembered_handshakes(), 1);
    let uses = secrets.uses(&bob.spk.public.key_id());

    assert_eq!(code(accept(&mut secrets, &sent.encoded)), "REPLAYED");
    assert_eq!(secrets.remembered_handshakes(), 1);
    assert_eq!(secrets.uses(&bob.spk.public.key_id()), uses);

    let other = start(&alice(p.alice, 4), p, &bob.bundle(p), b"hello", 5).unwrap();
    assert_eq!(
        accept(&mut secrets, &other.encoded).unwrap().plaintext,
        b"hello"
    );
    assert_eq!(secrets.remembered_handshakes(), 2);
}

/// Rotated-out signed and last-resort prekey secrets were never
/// deleted. `remove_expired` deletes every secret whose validity ended, and the replay
/// entries that ended with them; a handshake naming a deleted key is then `UNKNOWN_KEY`.
#[test]
fn expired_prekey_secrets_and_replay_entries_are_deleted() {
    let p = Params::last_resort_only();
    let old = Bob::new(p, 1);
    let later = Validity::starting(T0 + 1_000, DEFAULT_SIGNED_PREKEY_LIFETIME).unwrap();
    let rotated = Bob::with_validity(p, 9, later);
    let mut secrets = secrets_of([&old.spk, &old.kem, &rotated.spk, &rotated.kem]);
    let sent = start(&alice(p.alice, 2), p, &old.bundle(p), b"x", 3).unwrap();
    let opts = HandshakeOptions::default();
    respond(
        &old.identity,
        &old.caps,
        &mut secrets,
        &sent.encoded,
        &opts,
        T0,
    )
    .unwrap();
    assert_eq!(secrets.remembered_handshakes(), 1);

    // Before the old keys expire nothing goes.
    assert_eq!(secrets.remove_expired(validity().expires - 1), 0);
    assert_eq!(secrets.len(), 4);
    // At their expiry the old secrets and the replay entry go, the rotated ones stay.
    assert_eq!(secrets.remove_expired(validity().expires), 2);
    assert_eq!(secrets.len(), 2);
    assert_eq!(secrets.remembered_handshakes(), 0);
    assert!(secrets.get(&old.spk.public.key_id()).unwrap().is_none());
    assert!(secrets.get(&rotated.spk.public.key_id()).unwrap().is_some());
    let e = respond(
        &old.identity,
        &old.caps,
        &mut secrets,
        &sent.encoded,
        &opts,
        validity().expires,
    );
    assert_eq!(code(e), "UNKNOWN_KEY");
}

// ---------------------------------------------------------------------------------------
// One-time prekeys

#[test]
fn a_one_time_prekey_is_consumed_exactly_once() {
    let p = Params::default();
    let mut bob = Bob::new(p, 1);
    let bundle = bob.bundle(p);
    let alice = alice(p.alice, 2);
    let carol = self::alice(SigSuite::Ed25519MlDsa87, 3);
    let first = start(&alice, p, &bundle, b"first", 4).unwrap();
    let got = bob.respond(&first.encoded, T0).unwrap();
    assert_eq!(got.plaintext, b"first");
    assert_eq!(bob.store.consumed.len(), 2);

    // The same message again: authenticates, then the store refuses the reuse.
    let before = bob.store.consumed.clone();
    assert_eq!(code(bob.respond(&first.encoded, T0 + 1)), "PREKEY_REUSED");
    // Another initiator from the same bundle: the same one-time keys, refused.
    let second = start(&carol, p, &bundle, b"second", 5).unwrap();
    assert_eq!(code(bob.respond(&second.encoded, T0 + 2)), "PREKEY_REUSED");
    assert_eq!(bob.store.consumed, before);
    assert_eq!(bob.store.consume_calls, 3);
    assert_eq!(Error::PrekeyReused.kind(), pqwire_core::ErrorKind::Replay);

    // A last-resort KEM prekey is not consumed and serves again.
    let p = Params::last_resort_only();
    let mut bob = Bob::new(p, 1);
    let bundle = bob.bundle(p);
    for (i, who) in [&alice, &carol].into_iter().enumerate() {
        let sent = start(who, p, &bundle, b"again", 6 + i as u8).unwrap();
        assert_eq!(bob.respond(&sent.encoded, T0).unwrap().plaintext, b"again");
    }
    assert!(bob.store.consumed.is_empty());
    assert_eq!(bob.store.uses.get(&bob.kem.public.key_id()), Some(&2));
}

// ---------------------------------------------------------------------------------------
// Sizes

#[test]
fn measured_sizes_of_the_first_message() {
    let payload = vec![0x5A; 1024];
    for hybrid_auth in [false, true] {
        for one_time in [true, false] {
            let p = Params {
                hybrid_auth,
                one_time,
                ..Params::default()
            };
            let (mut bob, alice) = bob_and_alice(p);
            let sent = start(&alice, p, &bob.bundle(p), &payload, 3).unwrap();
            let m = &sent.message;
            let msg = wire::decode(&sent.encoded).unwrap();
            let sizes: Vec<String> = msg
                .fields
                .iter()
                .map(|f| {
                    let name = msg.ty.spec().field(f.tag).unwrap().name;
                    let len = match &f.value {
                        wire::Value::Bytes(b) => b.len(),
                        _ => 0,
                    };
                    format!("{name} {len}")
                })
                .collect();
            let first = m.message.encode().unwrap();
            assert_eq!(RatchetMessage::decode(&first).unwrap(), m.message);
            println!(
                "first message, ML-KEM-768, Ed25519+ML-DSA-65, 1 KiB payload, one-time prekey \
                 {one_time}, hybrid-auth {hybrid_auth}: {} bytes (fields: {}; nested ratchet \
                 message {} bytes, no PQ field: {}, ciphertext {})",
                sent.encoded.len(),
                sizes.join(", "),
                first.len(),
                m.message.header.pq_chunk.is_none() && m.message.header.pq_mix.is_none(),
                m.message.ciphertext.len(),
            );
            let got = bob.respond(&sent.encoded, T0).unwrap();
            assert_eq!(got.plaintext, payload);
            if hybrid_auth && one_time {
                // Bob's 1 KiB reply: the first message of his PQ pipeline (one key chunk).
                let mut b = got.session;
                let (h, ct) = b
                    .encrypt_with(&payload, b"", T0 + 1, &mut SeededRandom::new([8; 32]))
                    .unwrap();
                let reply = RatchetMessage::new(h, ct).encode().unwrap();
                println!(
                    "ratchet message (0x12), 1 KiB payload, with a pqChunk: {} bytes",
                    reply.len()
                );
            }
        }
    }
}

#[test]
fn a_seeded_handshake_is_reproducible() {
    let p = Params::default();
    let (bob, alice) = bob_and_alice(p);
    let a = start(&alice, p, &bob.bundle(p), b"same", 3).unwrap();
    let b = start(&alice, p, &bob.bundle(p), b"same", 3).unwrap();
    assert_eq!(a.encoded, b.encoded);
    assert_eq!(a.info, b.info);
    let c = start(&alice, p, &bob.bundle(p), b"same", 4).unwrap();
    assert_ne!(a.encoded, c.encoded);
    assert_ne!(a.info.session_id, c.info.session_id);
}
