//! The hybrid PQXDH handshake (docs/protocol.md §2–§4): full handshakes and a
//! conversation under every KEM prekey suite and identity suite, with and without a
//! one-time prekey and `hybrid-auth`; the policy refusing a bundle without a KEM prekey;
//! every tampered bundle signature, expired and unknown keys; one-time prekeys consumed
//! exactly once; every byte of an initial message flipped, each a typed error that
//! consumes nothing; and the measured size of the first message
//! (`cargo test -p pqwire-core --profile ci --test handshake -- --nocapture`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod wire_edit;

use std::collections::{BTreeMap, HashMap, HashSet};

use pqwire_core::negotiation::{Policy, PolicyMode};
use pqwire_core::pqxdh::{
    build_bundle, generate_prekey, initiate, respond, FirstMessage, GeneratedPrekey,
    HandshakeOptions, HandshakeReplay, Identity, Initiated, PrekeyKind, PrekeySecret,
    PrekeySecrets, PrekeySource, UsedPrekeys, Validity, DEFAULT_SIGNED_PREKEY_LIFETIME,
};
use pqwire_core::random::SeededRandom;
use pqwire_core::ratchet::{KeyId, RatchetState};
use pqwire_core::wire::{
    self, feature_bit, Capabilities, InitialMessage, PrekeyBundle, RatchetMessage, WireMessage,
};
use pqwire_core::{Error, KemSuite, Result, SigSuite};

const T0: u64 = 1_700_000_000;
const KEMS: [KemSuite; 3] = [KemSuite::MlKem512, KemSuite::MlKem768, KemSuite::MlKem1024];
const IDENTITIES: [SigSuite; 2] = [SigSuite::Ed25519MlDsa65, SigSuite::Ed25519MlDsa87];

// ---------------------------------------------------------------------------------------
// A prekey store that keeps consumed keys visible to `get` and refuses their reuse in
// `consume`, so a replay is caught where the trait says: after authentication.

#[derive(Clone, Default, PartialEq, Eq)]
struct Store {
    keys: HashMap<KeyId, PrekeySecret>,
    consumed: HashSet<KeyId>,
    uses: HashMap<KeyId, u64>,
    handshakes: HashSet<[u8; 32]>,
    consume_calls: usize,
}

impl Store {
    fn insert(&mut self, p: &GeneratedPrekey) {
        self.keys.insert(p.secret.key_id(), p.secret.clone());
    }
}

impl PrekeySource for Store {
    fn get(&self, key_id: &KeyId) -> Result<Option<PrekeySecret>> {
        Ok(self.keys.get(key_id).cloned())
    }

    fn consume(&mut self, used: &UsedPrekeys, replay: &HandshakeReplay) -> Result<()> {
        self.consume_calls += 1;
        let one_time = used.one_time();
        if one_time.iter().any(|id| self.consumed.contains(id)) {
            return Err(Error::PrekeyReused);
        }
        if one_time.is_empty() && !self.handshakes.insert(replay.session_id) {
            return Err(Error::Replayed);
        }
        self.consumed.extend(one_time);
        for id in used.rotated() {
            *self.uses.entry(id).or_default() += 1;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------
// Parties

#[derive(Clone, Copy, Debug)]
struct Params {
    kem: KemSuite,
    alice: SigSuite,
    bob: SigSuite,
    one_time: bool,
    one_time_kem: bool,
    hybrid_auth: bool,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            kem: KemSuite::MlKem768,
            alice: SigSuite::Ed25519MlDsa65,
            bob: SigSuite::Ed25519MlDsa65,
            one_time: true,
            one_time_kem: true,
            hybrid_auth: true,
        }
    }
}

/// Bob's published keys and secrets.
struct Bob {
    identity: Identity,
    caps: Vec<u8>,
    spk: GeneratedPrekey,
    kem: GeneratedPrekey,
    opk: GeneratedPrekey,
    store: Store,
}

impl Bob {
    fn new(p: Params, seed: u8) -> Bob {
        Bob::with_validity(p, seed, validity())
    }

    fn with_validity(p: Params, seed: u8, v: Validity) -> Bob {
        let mut rng = SeededRandom::new([seed; 32]);
        let identity = Identity::generate(p.bob, validity(), &mut rng).unwrap();
        let kem_kind = if p.one_time_kem {
            PrekeyKind::OneTimeKem
        } else {
            PrekeyKind::LastResortKem
        };
        let spk =
            generate_prekey(&identity, PrekeyKind::Signed, KemSuite::X25519, v, &mut rng).unwrap();
        let kem = generate_prekey(&identity, kem_kind, p.kem, v, &mut rng).unwrap();
        let opk = generate_prekey(
            &identity,
            PrekeyKind::OneTime,
            KemSuite::X25519,
            v,
            &mut rng,
        )
        .unwrap();
        let mut store = Store::default();
        for k in [&spk, &kem, &opk] {
            store.insert(k);
        }
        Bob {
            identity,
            caps: Capabilities::default().encode().unwrap(),
            spk,
            kem,
            opk,
            store,
        }
    }

    fn bundle_struct(&self, p: Params) -> PrekeyBundle {
        build_bundle(
            self.identity.public(),
            &self.caps,
            &self.spk.public,
            Some(&self.kem.public),
            p.one_time.then_some(&self.opk.public),
        )
        .unwrap()
    }

    fn bundle(&self, p: Params) -> Vec<u8> {
        self.bundle_struct(p).encode().unwrap()
    }

    fn respond(&mut self, message: &[u8], now: u64) -> Result<pqwire_core::pqxdh::Responded> {
        respond(
            &self.identity,
            &self.caps,
            &mut self.store,
            message,
            &HandshakeOptions::default(),
            now,
        )
    }
}

fn validity() -> Validity {
    Validity::starting(T0 - 100, DEFAULT_SIGNED_PREKEY_LIFETIME).unwrap()
}

fn alice(suite: SigSuite, seed: u8) -> Identity {
    Identity::generate(suite, validity(), &mut SeededRandom::new([seed; 32])).unwrap()
}

/// Capabilities with or without the `hybrid-auth` feature.
fn caps(hybrid_auth: bool) -> Vec<u8> {
    let mut c = Capabilities::default();
    if !hybrid_auth {
        c.features &= !(1 << feature_bit("hybrid-auth").unwrap());
    }
    c.encode().unwrap()
}

fn start(
    alice: &Identity,
    p: Params,
    bundle: &[u8],
    plaintext: &[u8],
    seed: u8,
) -> Result<Initiated> {
    initiate(
        alice,
        &caps(p.hybrid_auth),
        bundle,
        FirstMessage {
            plaintext,
            associated_data: b"first ad",
        },
        &HandshakeOptions::default(),
        T0,
        &mut SeededRandom::new([seed; 32]),
    )
}

/// A few messages both ways; each side decrypts what the other sent.
fn converse(a: &mut RatchetState, b: &mut RatchetState, rounds: u32) {
    let mut now = T0 + 10;
    let mut ra = SeededRandom::new([0xA0; 32]);
    let mut rb = SeededRandom::new([0xB0; 32]);
    for round in 0..rounds {
        for i in 0..2 {
            now += 1;
            let text = format!("bob {round}.{i}");
            let (h, ct) = b.encrypt_with(text.as_bytes(), b"", now, &mut rb).unwrap();
            assert_eq!(a.decrypt(&h, &ct, now).unwrap(), text.as_bytes());
        }
        now += 1;
        let text = format!("alice {round}");
        let (h, ct) = a
            .encrypt_with(text.as_bytes(), b"ad", now, &mut ra)
            .unwrap();
        assert_eq!(b.decrypt(&h, &ct, now).unwrap(), text.as_bytes());
    }
}

fn code(r: Result<impl Sized>) -> &'static str {
    match r {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.code(),
    }
}

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
    let mut secrets = PrekeySecrets::new();
    for k in [&bob.spk, &bob.kem, &bob.opk] {
        secrets.insert(k.secret.clone());
    }
    let alice = alice(p.alice, 2);
    let sent = start(&alice, p, &bob.bundle(p), b"hi", 3).unwrap();
    let opts = HandshakeOptions::default();
    let got = respond(
        &bob.identity,
        &bob.caps,
        &mut secrets,
        &sent.encoded,
        &opts,
        T0,
    )
    .unwrap();
    assert_eq!(got.plaintext, b"hi");
    assert!(secrets.is_consumed(&bob.opk.public.key_id()));
    assert!(secrets.is_consumed(&bob.kem.public.key_id()));
    assert_eq!(secrets.len(), 1);
    assert_eq!(secrets.uses(&bob.spk.public.key_id()), 1);
    assert_eq!(secrets.remaining(PrekeyKind::OneTime), 0);
    let e = respond(
        &bob.identity,
        &bob.caps,
        &mut secrets,
        &sent.encoded,
        &opts,
        T0,
    );
    assert_eq!(code(e), "PREKEY_REUSED");
    assert!(format!("{secrets:?}").contains("REDACTED"));
}

/// Issue 15, finding 2: a handshake that used only the signed and last-resort prekeys
/// consumed nothing, so its initial message opened again and again. The in-memory source
/// now keeps a replay cache: the second acceptance is `REPLAYED` and changes nothing;
/// another initiator's handshake with the same keys still opens.
#[test]
fn a_replayed_last_resort_handshake_is_refused_by_the_replay_cache() {
    let p = Params {
        one_time: false,
        one_time_kem: false,
        ..Params::default()
    };
    let bob = Bob::new(p, 1);
    let mut secrets = PrekeySecrets::new();
    for k in [&bob.spk, &bob.kem] {
        secrets.insert(k.secret.clone());
    }
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

/// Issue 15, finding 9: rotated-out signed and last-resort prekey secrets were never
/// deleted. `remove_expired` deletes every secret whose validity ended, and the replay
/// entries that ended with them; a handshake naming a deleted key is then `UNKNOWN_KEY`.
#[test]
fn expired_prekey_secrets_and_replay_entries_are_deleted() {
    let p = Params {
        one_time: false,
        one_time_kem: false,
        ..Params::default()
    };
    let old = Bob::new(p, 1);
    let later = Validity::starting(T0 + 1_000, DEFAULT_SIGNED_PREKEY_LIFETIME).unwrap();
    let rotated = Bob::with_validity(p, 9, later);
    let mut secrets = PrekeySecrets::new();
    for k in [&old.spk, &old.kem, &rotated.spk, &rotated.kem] {
        secrets.insert(k.secret.clone());
    }
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
// Policy

fn without_kem_prekey(bob: &Bob) -> Vec<u8> {
    build_bundle(
        bob.identity.public(),
        &bob.caps,
        &bob.spk.public,
        None,
        Some(&bob.opk.public),
    )
    .unwrap()
    .encode()
    .unwrap()
}

#[test]
fn pq_required_refuses_a_bundle_without_a_kem_prekey() {
    let p = Params::default();
    let bob = Bob::new(p, 1);
    let alice = alice(p.alice, 2);
    let bundle = without_kem_prekey(&bob);
    let e = start(&alice, p, &bundle, b"hi", 3).unwrap_err();
    assert_eq!(e.code(), "PQ_REQUIRED");
    assert!(matches!(e, Error::Downgrade { .. }));
}

fn preferred() -> HandshakeOptions {
    HandshakeOptions {
        policy: Policy::new(PolicyMode::PqPreferred),
        ..HandshakeOptions::default()
    }
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

/// Issue 15, finding 8: whoever serves Bob's bundle drops its KEM prekey (its presence is
/// not signed). Both parties offer ML-KEM, so even `pq-preferred` refuses: the session
/// would otherwise be classical with only a `classical-session` event.
#[test]
fn a_stripped_kem_prekey_is_refused_even_under_pq_preferred() {
    let p = Params::default();
    let mut bob = Bob::new(p, 1);
    let alice = alice(p.alice, 2);
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
    let forged = build_bundle(
        bob.identity.public(),
        &classical_caps.encode().unwrap(),
        &bob.spk.public,
        None,
        Some(&bob.opk.public),
    )
    .unwrap()
    .encode()
    .unwrap();
    let sent = initiate_preferred(&alice, &forged).unwrap();
    assert!(!sent.info.post_quantum);
    let before = bob.store.clone();
    let e = respond(
        &bob.identity,
        &bob.caps,
        &mut bob.store,
        &sent.encoded,
        &preferred(),
        T0,
    )
    .unwrap_err();
    assert_eq!(e.code(), "PQ_REQUIRED");
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
    let bundle = without_kem_prekey(&bob);
    assert_eq!(code(start(&alice, p, &bundle, b"hi", 3)), "PQ_REQUIRED");

    let sent = initiate_preferred(&alice, &bundle).unwrap();
    assert!(!sent.info.post_quantum);
    assert!(sent.message.kem_prekey_id.is_none() && sent.message.kem_ciphertext.is_none());
    // A pq-required responder refuses the message, consuming nothing.
    let before = bob.store.clone();
    assert_eq!(code(bob.respond(&sent.encoded, T0)), "PQ_REQUIRED");
    assert!(bob.store == before);
    // A pq-preferred one accepts it.
    let got = respond(
        &bob.identity,
        &bob.caps,
        &mut bob.store,
        &sent.encoded,
        &preferred(),
        T0,
    )
    .unwrap();
    assert_eq!(got.plaintext, b"classical");
    assert!(!got.info.post_quantum);
    converse(&mut { sent.session }, &mut { got.session }, 2);
}

#[test]
fn suites_outside_the_capabilities_are_refused() {
    let p = Params::default();
    let bob = Bob::new(p, 1);
    let alice = alice(p.alice, 2);
    // Alice does not offer Bob's identity suite.
    let mut c = Capabilities::default();
    c.sig_suites
        .retain(|s| *s != SigSuite::Ed25519MlDsa65.code());
    let e = initiate(
        &alice,
        &c.encode().unwrap(),
        &bob.bundle(p),
        FirstMessage::default(),
        &HandshakeOptions::default(),
        T0,
        &mut SeededRandom::new([3; 32]),
    );
    assert_eq!(code(e), "NO_COMMON_SUITE");
    // Alice does not offer the KEM prekey's suite.
    let mut c = Capabilities::default();
    c.kex_suites.retain(|s| *s != KemSuite::MlKem768.code());
    let e = initiate(
        &alice,
        &c.encode().unwrap(),
        &bob.bundle(p),
        FirstMessage::default(),
        &HandshakeOptions::default(),
        T0,
        &mut SeededRandom::new([3; 32]),
    );
    assert_eq!(code(e), "NO_COMMON_SUITE");
}

// ---------------------------------------------------------------------------------------
// The bundle's authentication

#[test]
fn every_tampered_bundle_signature_is_auth_failed() {
    let p = Params::default();
    let bob = Bob::new(p, 1);
    let alice = alice(p.alice, 2);
    let good = bob.bundle_struct(p);
    start(&alice, p, &good.encode().unwrap(), b"", 3).unwrap();
    type Pick = fn(&mut PrekeyBundle) -> &mut Vec<u8>;
    let signatures: [(&str, Pick); 4] = [
        ("identityDhSignature", |b| &mut b.identity_dh_key.signature),
        ("signedPrekeySignature", |b| &mut b.signed_prekey.signature),
        ("kemPrekeySignature", |b| {
            &mut b.kem_prekey.as_mut().unwrap().signature
        }),
        ("oneTimePrekeySignature", |b| {
            &mut b.one_time_prekey.as_mut().unwrap().signature
        }),
    ];
    for (name, pick) in signatures {
        // The Ed25519 half (first 64 bytes) and the ML-DSA half, each alone.
        for at in [0usize, 63, 64, 1000, usize::MAX] {
            let mut b = good.clone();
            let s = pick(&mut b);
            let i = at.min(s.len() - 1);
            s[i] ^= 0x01;
            let e = start(&alice, p, &b.encode().unwrap(), b"", 3);
            assert_eq!(code(e), "AUTH_FAILED", "{name} byte {i}");
        }
    }
    // A key package changed under its signature.
    let mut b = good.clone();
    b.signed_prekey.key.expires -= 1;
    b.signed_prekey.encoded = b.signed_prekey.key.encode().unwrap();
    assert_eq!(
        code(start(&alice, p, &b.encode().unwrap(), b"", 3)),
        "AUTH_FAILED"
    );
    // Another identity's keys in Bob's bundle.
    let mallory = Bob::new(p, 9);
    let mut b = good.clone();
    b.signed_prekey = mallory.spk.public.signed.clone();
    assert_eq!(
        code(start(&alice, p, &b.encode().unwrap(), b"", 3)),
        "AUTH_FAILED"
    );
    let mut b = good.clone();
    b.identity_sig_key = mallory.identity.public().sig_key.clone();
    b.identity_sig_key_encoded = mallory.identity.public().sig_key_encoded.clone();
    assert_eq!(
        code(start(&alice, p, &b.encode().unwrap(), b"", 3)),
        "AUTH_FAILED"
    );
}

#[test]
fn a_key_id_not_derived_from_its_key_is_invalid_key() {
    // Signed by Bob, but with a made-up id.
    let p = Params::default();
    let bob = Bob::new(p, 1);
    let alice = alice(p.alice, 2);
    let mut spk = bob.spk.public.signed.clone();
    spk.key.key_id = [0x42; 16];
    spk.encoded = spk.key.encode().unwrap();
    // Signed exactly as §2 says.
    let msg = [b"pqwire/v1 prekey".as_slice(), &spk.encoded].concat();
    let (sig_sk, _) = bob.identity.export_secret_keys();
    spk.signature = pqwire_core::sig::backend(p.bob)
        .sign(
            &msg,
            sig_sk.expose(),
            b"pqwire/v1",
            pqwire_core::sig::SignRandomness::Hedged,
        )
        .unwrap();
    let mut b = bob.bundle_struct(p);
    b.signed_prekey = spk;
    assert_eq!(
        code(start(&alice, p, &b.encode().unwrap(), b"", 3)),
        "INVALID_KEY"
    );
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
    let opk = generate_prekey(
        &bob.identity,
        PrekeyKind::OneTime,
        KemSuite::X25519,
        old,
        &mut rng,
    )
    .unwrap();
    let b = build_bundle(
        bob.identity.public(),
        &bob.caps,
        &bob.spk.public,
        Some(&bob.kem.public),
        Some(&opk.public),
    )
    .unwrap();
    assert_eq!(
        code(start(&alice_id, p, &b.encode().unwrap(), b"", 3)),
        "KEY_EXPIRED"
    );
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
    let alice = alice(p.alice, 2);
    let bob = Bob::new(p, 1);
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
    let mut bundle = bob.bundle_struct(p);
    bundle.signed_prekey = bob.opk.public.signed.clone();
    bundle.one_time_prekey = None;
    let sent = start(&alice, p, &bundle.encode().unwrap(), b"", 3).unwrap();
    assert_eq!(code(bob.respond(&sent.encoded, T0)), "UNKNOWN_KEY");
    assert_eq!(bob.store.consume_calls, 0);
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
    let p = Params {
        one_time: false,
        one_time_kem: false,
        ..Params::default()
    };
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
// Bad initial messages

#[test]
fn every_flipped_byte_of_an_initial_message_is_a_typed_error_and_consumes_nothing() {
    let p = Params::default();
    let bob = Bob::new(p, 1);
    let alice = alice(p.alice, 2);
    let sent = start(&alice, p, &bob.bundle(p), b"a short first message", 3).unwrap();
    let bytes = sent.encoded;
    let mut codes: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut store = bob.store.clone();
    for i in 0..bytes.len() {
        let mut b = bytes.clone();
        b[i] ^= 0xFF;
        let r = respond(
            &bob.identity,
            &bob.caps,
            &mut store,
            &b,
            &HandshakeOptions::default(),
            T0,
        );
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
    let mut bob = Bob::new(p, 1);
    let alice = alice(p.alice, 2);
    let sent = start(&alice, p, &bob.bundle(p), b"x", 3).unwrap();
    // Without the field the message does not even decode (wire version 1 requires it).
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
    let e = respond(
        &bob.identity,
        &other_caps.encode().unwrap(),
        &mut bob.store,
        &sent.encoded,
        &HandshakeOptions::default(),
        T0,
    );
    assert_eq!(code(e), "AUTH_FAILED");
    // Another identity claiming the message (Mallory's keys, Alice's handshake values).
    let mallory = self::alice(p.alice, 7);
    let forged = edited(&sent.message, |m| {
        m.identity_sig_key = mallory.public().sig_key.clone();
        m.identity_sig_key_encoded = mallory.public().sig_key_encoded.clone();
        m.identity_dh_key = mallory.public().dh_key.clone();
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
        m.identity_dh_key = mallory.public().dh_key.clone();
    });
    assert_eq!(code(bob.respond(&forged, T0)), "AUTH_FAILED");
    // A ciphertext of another ML-KEM suite's length.
    let wrong = edited(&sent.message, |m| m.kem_ciphertext = Some(vec![0; 1568]));
    assert_eq!(code(bob.respond(&wrong, T0)), "BAD_LENGTH");
    // A bundle is not an initial message.
    assert_eq!(code(bob.respond(&bob.bundle(p), T0)), "UNEXPECTED_TYPE");
    assert_eq!(bob.store.consume_calls, 0);
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
            let mut bob = Bob::new(p, 1);
            let alice = alice(p.alice, 2);
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
                 message {} bytes of which KEM key {} and ciphertext {})",
                sent.encoded.len(),
                sizes.join(", "),
                first.len(),
                m.message.header.kem_key.as_ref().unwrap().public_key.len(),
                m.message.ciphertext.len(),
            );
            let got = bob.respond(&sent.encoded, T0).unwrap();
            assert_eq!(got.plaintext, payload);
            if hybrid_auth && one_time {
                // Bob's 1 KiB reply: a KEM-step chain (every hop for ML-KEM-768).
                let mut b = got.session;
                let (h, ct) = b
                    .encrypt_with(&payload, b"", T0 + 1, &mut SeededRandom::new([8; 32]))
                    .unwrap();
                let reply = RatchetMessage::new(h, ct).encode().unwrap();
                println!(
                    "ratchet message (0x12), 1 KiB payload, KEM step (kemKey and \
                     kemCiphertext): {} bytes",
                    reply.len()
                );
            }
        }
    }
}

#[test]
fn a_seeded_handshake_is_reproducible() {
    let p = Params::default();
    let bob = Bob::new(p, 1);
    let alice = alice(p.alice, 2);
    let a = start(&alice, p, &bob.bundle(p), b"same", 3).unwrap();
    let b = start(&alice, p, &bob.bundle(p), b"same", 3).unwrap();
    assert_eq!(a.encoded, b.encoded);
    assert_eq!(a.info, b.info);
    let c = start(&alice, p, &bob.bundle(p), b"same", 4).unwrap();
    assert_ne!(a.encoded, c.encoded);
    assert_ne!(a.info.session_id, c.info.session_id);
}
