//! The initiator's transcript signature (protocol.md §4.1 step 8). When it depended on the
//! negotiated features, a responder accepted an initial message without
//! the initiator's transcript signature whenever the capabilities left out `hybrid-auth`,
//! so the X3DH-style DH values alone authenticated the initiator. Two attackers could then
//! impersonate a pinned initiator:
//!
//! - one holding the initiator's X25519 identity-DH secret (what a quantum adversary
//!   recovers from its public key, or a leaked legacy key);
//! - one holding only the responder's own signed-prekey secret (key-compromise
//!   impersonation: `DH1 = DH(IKdh_A, SPK_B)` is computable from either side).
//!
//! Each test below builds the attacker's initial message by hand, from public keys and the
//! one secret the attacker holds, and shows the responder refuses it without consuming a
//! prekey. A control builds the same message with the initiator's real signing key too and
//! shows it accepted, so the forgery itself is exact and only the missing signature fails.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod wire_edit;

use pqwire_core::negotiation::{negotiate, Policy, PolicyMode, Role};
use pqwire_core::pqxdh::{
    generate_prekey, respond, transcript_hash, GeneratedPrekey, HandshakeOptions, Identity,
    PrekeyKind, PrekeySecrets, PublicIdentity, TranscriptInput, Validity,
    DEFAULT_SIGNED_PREKEY_LIFETIME, LABEL_INITIATOR, SIGNATURE_CONTEXT,
};
use pqwire_core::random::SeededRandom;
use pqwire_core::ratchet::{kdf, RatchetConfig, RatchetInit, RatchetState};
use pqwire_core::sig::SignRandomness;
use pqwire_core::wire::{feature_bit, Capabilities, InitialMessage, RatchetMessage, WireMessage};
use pqwire_core::{kem, sig, x25519, KemSuite, SecretBytes, SigSuite};

const T0: u64 = 1_700_000_000;

/// Bob: an identity, the default capabilities, a signed prekey and a last-resort ML-KEM-768
/// prekey (no one-time keys: nothing would be consumed by a replay either).
struct Bob {
    identity: Identity,
    caps: Vec<u8>,
    spk: GeneratedPrekey,
    pqlr: GeneratedPrekey,
    store: PrekeySecrets,
}

fn validity() -> Validity {
    Validity::starting(T0 - 100, DEFAULT_SIGNED_PREKEY_LIFETIME).unwrap()
}

fn bob() -> Bob {
    let mut rng = SeededRandom::new([0xB0; 32]);
    let identity = Identity::generate(SigSuite::Ed25519MlDsa65, validity(), &mut rng).unwrap();
    let spk = generate_prekey(PrekeyKind::Signed, KemSuite::X25519, validity(), &mut rng).unwrap();
    let pqlr = generate_prekey(
        PrekeyKind::LastResortKem,
        KemSuite::MlKem768,
        validity(),
        &mut rng,
    )
    .unwrap();
    let mut store = PrekeySecrets::new();
    store.insert(spk.secret.clone());
    store.insert(pqlr.secret.clone());
    Bob {
        identity,
        caps: Capabilities::default().encode().unwrap(),
        spk,
        pqlr,
        store,
    }
}

/// The default capabilities without `hybrid-auth`: what the attacker sends.
fn caps_without_hybrid_auth() -> Vec<u8> {
    let mut c = Capabilities::default();
    c.features &= !(1 << feature_bit("hybrid-auth").unwrap());
    c.encode().unwrap()
}

/// How the attacker gets `DH1 = DH(IKdh_A, SPK_B)`.
enum Dh1 {
    /// With the initiator's identity-DH secret.
    InitiatorSecret(SecretBytes),
    /// With the responder's signed-prekey secret (key-compromise impersonation).
    ResponderPrekeySecret(SecretBytes),
}

/// An initial message claiming `claimed` as the initiator, built from public keys, the
/// attacker's DH1 secret and its own ephemeral key and encapsulation. `signature` signs
/// `TH` with the given identity signing secret (the control), or is garbage of the right
/// length (the attack: the attacker has no such secret).
fn forge(bob: &Bob, claimed: &PublicIdentity, dh1: Dh1, signer: Option<&[u8]>) -> Vec<u8> {
    let caps = caps_without_hybrid_auth();
    let policy = Policy::new(PolicyMode::PqRequired);
    let agreement = negotiate(&caps, &bob.caps, Role::Initiator, &policy).unwrap();
    let kem_suite = KemSuite::MlKem768;
    let spk_public = &bob.spk.public.key.public_key;
    let ek = x25519::StaticSecret::from_bytes(&[0x3E; 32]).unwrap();
    let dh = [
        match dh1 {
            Dh1::InitiatorSecret(s) => x25519::shared_secret(s.expose(), spk_public).unwrap(),
            Dh1::ResponderPrekeySecret(s) => {
                x25519::shared_secret(s.expose(), claimed.dh_public_key()).unwrap()
            }
        },
        ek.shared_secret(bob.identity.public().dh_public_key())
            .unwrap(),
        ek.shared_secret(spk_public).unwrap(),
    ];
    let enc = kem::backend(kem_suite)
        .encapsulate(&bob.pqlr.public.key.public_key, Some(&[0x5E; 32]))
        .unwrap();
    let spk_id = bob.spk.public.key_id();
    let kem_id = bob.pqlr.public.key_id();
    let th = transcript_hash(&TranscriptInput {
        negotiation: &agreement.transcript_hash,
        kem: kem_suite,
        sig: agreement.sig,
        aead: agreement.aead,
        initiator: claimed,
        responder: bob.identity.public(),
        signed_prekey_key: spk_public,
        signed_prekey: &spk_id,
        kem_prekey: Some(&kem_id),
        one_time_prekey: None,
        ephemeral_key: ek.public_key(),
        kem_ciphertext: &enc.cipher_text,
    });
    let keys = pqwire_core::pqxdh::root_keys(
        &th,
        &dh.iter().collect::<Vec<_>>(),
        Some(&enc.shared_secret),
        kem_suite,
    )
    .unwrap();
    let init = RatchetInit {
        root_key: keys.root_key.expose(),
        chain_key: keys.chain_key.expose(),
        session_id: kdf::session_id(keys.ad_key.expose()),
        kem: kem_suite,
        aead: agreement.aead,
        config: RatchetConfig::for_suite(kem_suite),
        now: T0,
    };
    let mut session = RatchetState::init_initiator(init, spk_public).unwrap();
    let (header, ciphertext) = session
        .encrypt_with(
            b"pay 10 EUR to Mallory",
            b"",
            T0,
            &mut SeededRandom::new([7; 32]),
        )
        .unwrap();
    let suite = claimed.suite().unwrap();
    let transcript_signature = match signer {
        Some(secret) => sig::backend(suite)
            .load_secret_key(secret)
            .unwrap()
            .sign(
                &[LABEL_INITIATOR, &th].concat(),
                SIGNATURE_CONTEXT,
                SignRandomness::Deterministic,
            )
            .unwrap(),
        None => vec![0x5A; sig::backend(suite).lengths().signature],
    };
    InitialMessage {
        capabilities: caps,
        identity_sig_key: claimed.sig_key.clone(),
        identity_sig_key_encoded: claimed.sig_key_encoded.clone(),
        identity_dh_key: claimed.dh_public_key().try_into().unwrap(),
        signed_prekey_id: spk_id,
        kem_prekey_id: Some(kem_id),
        one_time_prekey_id: None,
        ephemeral_key: *ek.public_key(),
        kem_ciphertext: Some(enc.cipher_text),
        transcript_signature,
        message: RatchetMessage::new(header, ciphertext),
        extensions: Vec::new(),
    }
    .encode()
    .unwrap()
}

/// `bytes` without its transcript signature field: what the attacker sent on 4bfa000.
fn unsigned(bytes: &[u8]) -> Vec<u8> {
    wire_edit::without_field(
        bytes,
        pqwire_core::wire::tags::initial_message::TAG_TRANSCRIPT_SIGNATURE,
    )
}

fn accept(bob: &mut Bob, message: &[u8]) -> pqwire_core::Result<Vec<u8>> {
    respond(
        &bob.identity,
        &bob.caps,
        &mut bob.store,
        message,
        &HandshakeOptions::default(),
        T0 + 1,
    )
    .map(|r| r.plaintext)
}

fn alice() -> Identity {
    Identity::generate(
        SigSuite::Ed25519MlDsa65,
        validity(),
        &mut SeededRandom::new([0xA1; 32]),
    )
    .unwrap()
}

/// Both attacks are refused, signature absent or forged, and consume nothing.
fn refused(bob: &mut Bob, forged: &[u8]) {
    let uses = bob.store.uses(&bob.spk.public.key_id());
    let e = accept(bob, &unsigned(forged)).unwrap_err();
    assert_eq!(e.code(), "MISSING_FIELD", "{e}");
    let e = accept(bob, forged).unwrap_err();
    assert_eq!(e.code(), "AUTH_FAILED", "{e}");
    assert_eq!(bob.store.uses(&bob.spk.public.key_id()), uses);
    assert_eq!(bob.store.remembered_handshakes(), 0);
}

/// The control: built with Alice's signing key as well, the hand-built message is exactly
/// a genuine one, and a fresh Bob opens it.
fn genuine_opens(alice: &Identity, dh1: Dh1) {
    let mut bob = bob();
    let (alice_sig_secret, _) = alice.export_secret_keys();
    let genuine = forge(&bob, alice.public(), dh1, Some(alice_sig_secret.expose()));
    assert_eq!(
        accept(&mut bob, &genuine).unwrap(),
        b"pay 10 EUR to Mallory"
    );
}

#[test]
fn an_attacker_with_the_initiators_identity_dh_secret_cannot_impersonate_it() {
    let alice = alice();
    let (_, alice_dh_secret) = alice.export_secret_keys();
    genuine_opens(&alice, Dh1::InitiatorSecret(alice_dh_secret.clone()));

    // The attack: the DH secret alone.
    let mut bob = bob();
    let forged = forge(
        &bob,
        alice.public(),
        Dh1::InitiatorSecret(alice_dh_secret),
        None,
    );
    refused(&mut bob, &forged);
}

#[test]
fn an_attacker_with_the_responders_signed_prekey_secret_cannot_impersonate_anyone() {
    let alice = alice();
    // Bob's keys are made from a fixed seed: every `bob()` holds this signed prekey.
    let spk_secret = SecretBytes::from_slice(bob().spk.secret.secret_key().expose());
    // Control: the SPK side of DH1 gives the same keys as Alice's side.
    genuine_opens(&alice, Dh1::ResponderPrekeySecret(spk_secret.clone()));

    // Key-compromise impersonation of Alice, and of an identity never seen before.
    let carol = Identity::generate(
        SigSuite::Ed25519MlDsa87,
        validity(),
        &mut SeededRandom::new([0xC0; 32]),
    )
    .unwrap();
    for claimed in [alice.public(), carol.public()] {
        let mut bob = self::bob();
        let forged = forge(
            &bob,
            claimed,
            Dh1::ResponderPrekeySecret(spk_secret.clone()),
            None,
        );
        refused(&mut bob, &forged);
    }
}
