//! The wire bytes of the demo's messages, pinned: every message and record the demo
//! (`npm run demo`) shows, made here from fixed seeds, must hash to the value recorded
//! below. A refactoring that changes one byte of any of them fails this test; a change
//! meant to alter the wire format updates the table and says so in its commit.
//!
//! `PQWIRE_PRINT_PINS=1 cargo test -p pqwire-core --profile ci --test pinned_bytes --
//! --nocapture` prints the table for the current code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod channel_support;
mod handshake_support;

use channel_support::{client, default_key, deliver, server, Delivery, NOW};
use handshake_support::{accept_session, open_session, session_parties, OneTime, T0};
use pqwire_core::channel::{ChannelConfig, Event};
use pqwire_core::hash::sha3_256;
use pqwire_core::pqxdh::{Validity, DEFAULT_SIGNED_PREKEY_LIFETIME};
use pqwire_core::random::SeededRandom;
use pqwire_core::wire::{Capabilities, Envelope, WireMessage};
use pqwire_core::{KemSuite, SigSuite};

/// `(name, SHA3-256 of the bytes, hex)`, in the order the demo shows them.
const PINS: &[(&str, &str)] = &[
    (
        "capabilities",
        "f8a99979ca2b8b6dee40ade637cccc5af257c8902956444912842a1f9bce7ead",
    ),
    (
        "envelope",
        "80237de7976ff2e068cf3a65d3d9c81e252af38772c7d8aba240e6a0eae469de",
    ),
    (
        "prekey-bundle",
        "2dc466b877f0a65518be289a9f7bac6cba168b613269e05cd4287d06d3939350",
    ),
    (
        "initial-message",
        "21766cd403eebb73a53736246c5ebb49858234f4503213b0996911417be5f0ee",
    ),
    (
        "ratchet-message kem step",
        "da89a611895ee2e93153b9a1d8fdac7440082e6a7f6e5bdbf19a872ca044d73f",
    ),
    (
        "ratchet-message same chain",
        "c77030466b7b5cc27fee268dc89e9ffcdd092f3385c548645c38fd38251c8067",
    ),
    (
        "ratchet-message answer",
        "ebd2c42ee48bbabf3a28f8813f2c860145ae686c3f7e42ad50846cb2c8da2e7e",
    ),
    (
        "session record initiator",
        "fa4ddba050a32081d80d8df46f2858624570675a007ba4e037c2716f4213d22a",
    ),
    (
        "session record responder",
        "4a0d475fed13f9b0431716d118d7135d080e32fbc7ff38ddf03d338e3e9797ff",
    ),
    (
        "identity record",
        "608cb16a6f5ceb1ea4d87f2913fa1ae954a12fa3c8fe94af3cdfc2807af935d4",
    ),
    (
        "prekey record",
        "069f2e3114a40dd125ca38a64f53cbf7e209898bb6cfccc9fe67ea943981ea38",
    ),
    (
        "channel server public key",
        "5018fee8b5a92b28bfa7b36c05a19b9e53fae354ab899befb21d8170b363d8b9",
    ),
    (
        "channel server key file",
        "ebf48290d59570faa0d9378f73e955840424c88234f5a963d033bf0f06eae161",
    ),
    (
        "channel connect-request",
        "dc54666982acf7f7d2d1acfbef2924e4b3ea3e2d57cef1ce19767548f877b671",
    ),
    (
        "channel connect-response",
        "553b92757342db51be8759fcdc1cbb87bd602e6898281379bda25066d6cf0936",
    ),
    (
        "channel exchange-request",
        "0e4c37332512ceb808ec7d10fbcdd1a104edb04123eaa850c206ae65ad9a3262",
    ),
    (
        "channel exchange-response",
        "d5dd5e38e02e4178116d29aa052f23703629058a174bf3aac269b28d980fb966",
    ),
    (
        "channel data client to server",
        "8a946a59fd9b51a2efe523682afc1c430a29cafd1069e2c79c61465c3feebc4e",
    ),
    (
        "channel data server to client",
        "f0fb2353f990c3f1406c4a8ebd9a0d75c288da236d1fc5b227d17766cd542f9d",
    ),
];

/// Every pinned message, made from fixed seeds.
fn messages() -> Vec<(&'static str, Vec<u8>)> {
    let mut out = Vec::new();
    let caps = Capabilities::default().encode().unwrap();
    out.push(("capabilities", caps.clone()));
    let envelope = Envelope {
        payload: b"meet at noon".to_vec(),
        content_type: 1,
        sender_key_id: Some([0x5E; 16]),
        recipient_key_id: Some([0x4E; 16]),
        sent_at: Some(T0),
        extensions: Vec::new(),
    };
    out.push(("envelope", envelope.encode().unwrap()));

    // The session story: Bob's bundle, Alice's initial message, three ratchet messages.
    let mut rng = SeededRandom::new([0xD0; 32]);
    let valid = Validity::starting(T0, DEFAULT_SIGNED_PREKEY_LIFETIME).unwrap();
    let published = (KemSuite::MlKem768, OneTime::KemAndDh);
    let (bob, prekeys, alice) =
        session_parties(SigSuite::Ed25519MlDsa65, published, valid, &mut rng);
    let bundle = prekeys.bundle(&bob, &caps);
    out.push(("prekey-bundle", bundle.clone()));
    let (mut a, initial) = open_session(&alice, &caps, &bundle, b"hello Bob", &mut rng);
    out.push(("initial-message", initial.clone()));
    let mut secrets = prekeys.secrets();
    let mut b = accept_session(&bob, &caps, &mut secrets, &initial)
        .unwrap()
        .session;
    let kib = [0x61u8; 1024];
    let reply = b.encrypt_with(&kib, b"thread:7", T0 + 1, &mut rng).unwrap();
    a.decrypt(&reply, T0 + 1).unwrap();
    let next = b.encrypt_with(&kib, b"", T0 + 2, &mut rng).unwrap();
    a.decrypt(&next, T0 + 2).unwrap();
    let answer = a.encrypt_with(&kib, b"", T0 + 3, &mut rng).unwrap();
    b.decrypt(&answer, T0 + 3).unwrap();
    out.push(("ratchet-message kem step", reply));
    out.push(("ratchet-message same chain", next));
    out.push(("ratchet-message answer", answer));
    out.push(("session record initiator", a.serialize().unwrap().to_vec()));
    out.push(("session record responder", b.serialize().unwrap().to_vec()));
    out.push(("identity record", bob.to_record().to_vec()));
    let last_resort = &prekeys.last_resort.secret;
    out.push(("prekey record", last_resort.to_record().unwrap().to_vec()));

    // The online channel: the server key, a Simplex handshake and one message each way.
    let key = default_key();
    out.push(("channel server public key", key.public().encoded().to_vec()));
    out.push(("channel server key file", key.to_record().to_vec()));
    let mut c = client(&key, ChannelConfig::default(), None, 3);
    let mut s = server(vec![key], vec![], ChannelConfig::default(), 4);
    let hello = c.start(NOW).unwrap().transmit;
    let answer = deliver(&mut s, &hello, NOW, Delivery::Whole).transmit;
    let exchange = deliver(&mut c, &answer, NOW, Delivery::Whole).transmit;
    let finished = deliver(&mut s, &exchange, NOW, Delivery::Whole);
    assert!(finished
        .events
        .iter()
        .any(|e| matches!(e, Event::Secure { .. })));
    let confirmed = deliver(&mut c, &finished.transmit, NOW, Delivery::Whole);
    assert!(confirmed
        .events
        .iter()
        .any(|e| matches!(e, Event::Secure { .. })));
    let one = |v: Vec<Vec<u8>>| -> Vec<u8> {
        assert_eq!(v.len(), 1);
        v.into_iter().next().unwrap()
    };
    out.push(("channel connect-request", one(hello)));
    out.push(("channel connect-response", one(answer)));
    out.push(("channel exchange-request", one(exchange)));
    out.push(("channel exchange-response", one(finished.transmit)));
    let up = c.send(b"meet at noon, 33 bytes of message", NOW).unwrap();
    out.push(("channel data client to server", one(up.transmit)));
    let down = s.send(b"noon it is", NOW).unwrap();
    out.push(("channel data server to client", one(down.transmit)));
    out
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[test]
fn the_demos_wire_bytes_are_unchanged() {
    let made = messages();
    let names: Vec<_> = made.iter().map(|(n, _)| *n).collect();
    let pinned: Vec<_> = PINS.iter().map(|(n, _)| *n).collect();
    assert_eq!(
        names, pinned,
        "the pinned list and the messages made differ"
    );
    if std::env::var_os("PQWIRE_PRINT_PINS").is_some() {
        for (name, bytes) in &made {
            println!("    ({name:?}, \"{}\"),", hex(&sha3_256(&[bytes])));
        }
    }
    let changed: Vec<String> = made
        .iter()
        .zip(PINS)
        .filter(|((_, bytes), (_, pin))| hex(&sha3_256(&[bytes])) != *pin)
        .map(|((name, bytes), _)| format!("{name} ({} bytes)", bytes.len()))
        .collect();
    assert!(
        changed.is_empty(),
        "wire bytes changed: {changed:?} (PQWIRE_PRINT_PINS=1 prints the table)"
    );
}
