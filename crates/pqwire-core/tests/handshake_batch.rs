//! The v2 prekey batch in the handshake (docs/protocol.md §3–§4): bundles assembled by a
//! party holding only the public upload, a stripped KEM prekey refused under every
//! policy, tampered proofs, indexes, statements and signatures refused, and the sizes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod handshake_support;

use handshake_support::*;
use pqwire_core::pqxdh::{
    create_batch, verify_upload, BatchOptions, BundleAssembler, CreatedBatch, DEFAULT_BATCH_SIZE,
};

fn bob_identity() -> Identity {
    alice(SigSuite::Ed25519MlDsa65, 0xB0)
}

fn batch(bob: &Identity, n: u32, m: u32, seed: u8) -> CreatedBatch {
    let options = BatchOptions {
        one_time_count: n,
        one_time_kem_count: m,
        ..BatchOptions::default()
    };
    let caps = Capabilities::default().encode().unwrap();
    create_batch(
        bob,
        &caps,
        &options,
        T0 - 10,
        &mut SeededRandom::new([seed; 32]),
    )
    .unwrap()
}

fn store_of(created: &CreatedBatch) -> Store {
    let mut store = Store::default();
    for s in &created.secrets {
        store.keys.insert(s.key_id(), s.clone());
    }
    store
}

fn options(mode: PolicyMode) -> HandshakeOptions {
    HandshakeOptions {
        policy: Policy::new(mode),
        ..HandshakeOptions::default()
    }
}

fn initiate_with(alice: &Identity, bundle: &[u8], mode: PolicyMode, seed: u8) -> Result<Initiated> {
    let first = FirstMessage {
        plaintext: b"hello",
        associated_data: b"",
    };
    let caps = Capabilities::default().encode().unwrap();
    initiate(
        alice,
        &caps,
        bundle,
        first,
        &options(mode),
        T0,
        &mut SeededRandom::new([seed; 32]),
    )
}

#[test]
fn a_server_holding_only_the_upload_assembles_working_bundles() {
    let bob = bob_identity();
    let created = batch(&bob, 3, 2, 1);
    let upload_bytes = created.upload.encode().unwrap();
    let mut store = store_of(&created);
    let caps = Capabilities::default().encode().unwrap();
    // The server: public bytes in, bundles out.
    let upload = PrekeyUpload::decode(&upload_bytes).unwrap();
    verify_upload(&upload).unwrap();
    let server = BundleAssembler::new(upload.clone());
    let alice = alice(SigSuite::Ed25519MlDsa65, 2);
    let picks = [
        (Some(0), Some(0)),
        (Some(1), Some(2)),
        (None, Some(1)),
        (None, None),
    ];
    for (i, (kem, otk)) in picks.into_iter().enumerate() {
        let bundle = server.bundle(kem, otk).unwrap().encode().unwrap();
        let sent = initiate_with(&alice, &bundle, PolicyMode::PqRequired, i as u8).unwrap();
        assert!(sent.info.post_quantum);
        let last_resort = kem.is_none();
        let kind = sent.info.prekeys.kem_prekey.unwrap().1;
        assert_eq!(kind == PrekeyKind::LastResortKem, last_resort);
        let got = respond_default(&bob, &caps, &mut store, &sent.encoded, T0).unwrap();
        assert_eq!(got.plaintext, b"hello");
        assert_eq!(got.info.session_id, sent.info.session_id);
        assert_eq!(got.info.peer, *alice.public());
        assert_eq!(sent.info.peer, *bob.public());
        converse(&mut { sent.session }, &mut { got.session }, 1);
    }
    // A one-time key handed out twice is caught by the owner.
    let again = server.bundle(Some(0), Some(0)).unwrap().encode().unwrap();
    let sent = initiate_with(&alice, &again, PolicyMode::PqRequired, 9).unwrap();
    let e = respond_default(&bob, &caps, &mut store, &sent.encoded, T0);
    assert_eq!(code(e), "PREKEY_REUSED");
    // Indexes out of range.
    for (kem, otk) in [(Some(2), None), (None, Some(3))] {
        assert_eq!(code(server.bundle(kem, otk)), "INVALID_ARGUMENT");
    }
}

#[test]
fn a_stripped_kem_prekey_is_pq_required_under_every_policy() {
    let bob = bob_identity();
    let created = batch(&bob, 1, 1, 2);
    let alice = alice(SigSuite::Ed25519MlDsa65, 2);
    for (kem, otk) in [(Some(0), Some(0)), (None, Some(0)), (None, None)] {
        let mut b = assemble_bundle(&created.upload, kem, otk).unwrap();
        b.kem_prekey = None;
        let bytes = b.encode().unwrap();
        for mode in [
            PolicyMode::PqRequired,
            PolicyMode::PqPreferred,
            PolicyMode::ClassicalAllowed,
        ] {
            let e = initiate_with(&alice, &bytes, mode, 3).unwrap_err();
            assert_eq!(e.code(), "PQ_REQUIRED", "{mode:?}");
        }
    }
}

/// The code of Alice's handshake to `b`.
fn refusal(b: &PrekeyBundle) -> &'static str {
    let alice = alice(SigSuite::Ed25519MlDsa65, 2);
    match b.encode() {
        Ok(bytes) => match initiate_with(&alice, &bytes, PolicyMode::PqRequired, 3) {
            Ok(_) => "accepted",
            Err(e) => e.code(),
        },
        Err(e) => pqwire_core::Error::from(e).code(),
    }
}

#[test]
fn every_proof_byte_index_and_key_matters() {
    let bob = bob_identity();
    let created = batch(&bob, 5, 4, 3);
    let good = assemble_bundle(&created.upload, Some(2), Some(3)).unwrap();
    type Pick = fn(&mut PrekeyBundle) -> &mut wire::BundledPrekey;
    let picks: [(&str, Pick); 2] = [
        ("kemPrekey", |b| b.kem_prekey.as_mut().unwrap()),
        ("oneTimePrekey", |b| b.one_time_prekey.as_mut().unwrap()),
    ];
    for (name, pick) in picks {
        let len = pick(&mut good.clone()).proof.len();
        for i in 0..len {
            let mut b = good.clone();
            pick(&mut b).proof[i] ^= 1 << (i % 8);
            assert_eq!(refusal(&b), "AUTH_FAILED", "{name} proof byte {i}");
        }
        // A proof one hash short or long.
        let mut b = good.clone();
        pick(&mut b).proof.truncate(len - 32);
        assert_eq!(refusal(&b), "AUTH_FAILED", "{name} short proof");
        let mut b = good.clone();
        pick(&mut b).proof.extend([0; 32]);
        assert_eq!(refusal(&b), "AUTH_FAILED", "{name} long proof");
        // The key changed under its proof.
        let mut b = good.clone();
        pick(&mut b).public_key[7] ^= 1;
        let c = refusal(&b);
        assert!(c == "AUTH_FAILED", "{name} key: {c}");
    }
    // Another valid index with the same key and proof: every leaf binds its index.
    for index in [0, 1, 2, 4] {
        let mut b = good.clone();
        b.kem_prekey.as_mut().unwrap().index = index;
        assert_eq!(refusal(&b), "AUTH_FAILED", "KEM index {index}");
    }
    for index in [5, 6, 7, 9] {
        let mut b = good.clone();
        b.one_time_prekey.as_mut().unwrap().index = index;
        assert_eq!(refusal(&b), "AUTH_FAILED", "one-time index {index}");
    }
    // Out of the statement's range: the wire rule.
    let mut b = good.clone();
    b.one_time_prekey.as_mut().unwrap().index = 10;
    assert_eq!(refusal(&b), "INVALID_FIELD");
    // Another batch's proof for the same index.
    let other = batch(&bob, 5, 4, 4);
    let o = assemble_bundle(&other.upload, Some(2), Some(3)).unwrap();
    let mut b = good.clone();
    b.kem_prekey = o.kem_prekey.clone();
    assert_eq!(refusal(&b), "AUTH_FAILED");
    // Another batch's statement and signature with this batch's keys.
    let mut b = good.clone();
    b.batch = o.batch.clone();
    b.batch_encoded = o.batch_encoded.clone();
    b.batch_signature = o.batch_signature.clone();
    assert_eq!(refusal(&b), "AUTH_FAILED");
}

/// The encoded bundle size from a batch of `n` one-time keys of each kind.
fn bundle_size(bob: &Identity, n: u32) -> usize {
    let created = batch(bob, n, n, 5);
    let b = assemble_bundle(&created.upload, Some(0), Some(0)).unwrap();
    b.encode().unwrap().len()
}

#[test]
fn sizes() {
    let bob = bob_identity();
    let default = bundle_size(&bob, DEFAULT_BATCH_SIZE);
    println!("prekey bundle, ML-KEM-768, Ed25519+ML-DSA-65, one-time X25519 and ML-KEM:");
    for n in [1, DEFAULT_BATCH_SIZE, 1000] {
        println!("  batch of {n} + {n}: {} B", bundle_size(&bob, n));
    }
    assert!(default <= 7_500, "default bundle {default} B");
    // The first message with a 1 KiB payload.
    let created = batch(&bob, 1, 1, 6);
    let bundle = assemble_bundle(&created.upload, Some(0), Some(0)).unwrap();
    let alice = alice(SigSuite::Ed25519MlDsa65, 2);
    let first = FirstMessage {
        plaintext: &[0x55; 1024],
        associated_data: b"",
    };
    let caps = Capabilities::default().encode().unwrap();
    let options = HandshakeOptions::default();
    let bytes = bundle.encode().unwrap();
    let sent = initiate(
        &alice,
        &caps,
        &bytes,
        first,
        &options,
        T0,
        &mut SeededRandom::new([7; 32]),
    )
    .unwrap();
    let size = sent.encoded.len();
    println!("initial message, 1 KiB payload: {size} B");
    assert!(size <= 8_000, "first message {size} B");
}

#[test]
fn sign_batch_refuses_keys_one_statement_cannot_hold() {
    let bob = bob_identity();
    let mut rng = SeededRandom::new([9; 32]);
    let v = validity();
    let spk = signed_prekey(v, &mut rng).unwrap();
    let lr = last_resort_kem_prekey(KemSuite::MlKem768, v, &mut rng).unwrap();
    let kem512 = one_time_kem_prekeys(KemSuite::MlKem512, 1, v, &mut rng).unwrap();
    let otk = one_time_prekeys(1, v, &mut rng).unwrap();
    let caps = Capabilities::default().encode().unwrap();
    let ok = BatchKeys {
        signed_prekey: &spk.public,
        last_resort_kem: Some(&lr.public),
        one_time_kem: &[],
        one_time: std::slice::from_ref(&otk[0].public),
    };
    sign_batch(&bob, &caps, &ok, &mut rng).unwrap();
    let bad = [
        // A one-time key as the signed prekey; the signed prekey as the last-resort one.
        BatchKeys {
            signed_prekey: &otk[0].public,
            ..ok
        },
        BatchKeys {
            last_resort_kem: Some(&spk.public),
            ..ok
        },
        // One-time KEM prekeys of another suite, or without a last-resort key.
        BatchKeys {
            one_time_kem: std::slice::from_ref(&kem512[0].public),
            ..ok
        },
        BatchKeys {
            last_resort_kem: None,
            one_time_kem: std::slice::from_ref(&lr.public),
            ..ok
        },
        // A one-time X25519 prekey of the wrong kind.
        BatchKeys {
            one_time: std::slice::from_ref(&spk.public),
            ..ok
        },
    ];
    for (i, keys) in bad.iter().enumerate() {
        assert_eq!(
            code(sign_batch(&bob, &caps, keys, &mut rng)),
            "INVALID_ARGUMENT",
            "case {i}"
        );
    }
    // A key that expires before another is created.
    let late = generate_prekey(
        PrekeyKind::OneTime,
        KemSuite::X25519,
        Validity::new(v.expires, v.expires + 10).unwrap(),
        &mut rng,
    )
    .unwrap();
    let keys = BatchKeys {
        one_time: std::slice::from_ref(&late.public),
        ..ok
    };
    assert_eq!(
        code(sign_batch(&bob, &caps, &keys, &mut rng)),
        "INVALID_ARGUMENT"
    );
}

#[test]
fn verify_upload_refuses_a_tampered_upload() {
    let bob = bob_identity();
    let created = batch(&bob, 2, 2, 8);
    verify_upload(&created.upload).unwrap();
    let mut u = created.upload.clone();
    u.batch_signature[3] ^= 1;
    assert_eq!(code(verify_upload(&u)), "AUTH_FAILED");
    // A key swapped after signing: the root no longer matches.
    let mut u = created.upload.clone();
    u.one_time_keys[0] ^= 1;
    assert_eq!(code(verify_upload(&u)), "AUTH_FAILED");
    let mut u = created.upload.clone();
    u.one_time_kem_keys[100] ^= 1;
    assert_eq!(code(verify_upload(&u)), "AUTH_FAILED");
    let mut u = created.upload.clone();
    u.last_resort_kem_key.as_mut().unwrap()[0] ^= 1;
    assert_eq!(code(verify_upload(&u)), "AUTH_FAILED");
    // And a bundle assembled from such an upload is refused by the initiator.
    let b = assemble_bundle(&u, None, Some(0)).unwrap();
    assert_eq!(refusal(&b), "AUTH_FAILED");
}
