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
        "6a3e8a3b44f3803c00b6532ccf624306bd23aa0fa474c0c65d69229dd4dd00c4",
    ),
    (
        "envelope",
        "939cbdcc49a1f79f81d05591aadb6d4df7c194cb503592e11442d4bd65dc5490",
    ),
    (
        "prekey-bundle",
        "08b9feb6363384ba93ba1f8c515578999c5c6aa750f9e38ec08727cb1bccf48f",
    ),
    (
        "initial-message",
        "f5a1a8207c1ae38d8cdb42eb885b2106cccdee8869db4b1eebebc1f180a46ee4",
    ),
    (
        "ratchet-message kem step",
        "25418a526201e76f2ae848f6b051ae50cab8dbcf86c2181f1711b1dd9312f3a6",
    ),
    (
        "ratchet-message same chain",
        "710690eb6f2da5109300d1e9019c16705a3dc89f4d69aaf7161c3f8da7b28aa8",
    ),
    (
        "ratchet-message answer",
        "8445a0dd76871bafea450b61633e9bf0ba71d37f83a82a81de15d6c5316380bd",
    ),
    (
        "session record initiator",
        "718ab7ac752dee0e2a715f79770366f698604ab872da7658b65ad54debba8e34",
    ),
    (
        "session record responder",
        "2415ed3a9c3242d8ab8dd6281aa317e165f8ea88959789ab68c56a54dff20645",
    ),
    (
        "identity record",
        "a17329c3a9bb02040d18d8a3060e78c232749178a58e0fd37db6ee811e7b381a",
    ),
    (
        "prekey record",
        "0cb264cc616a14a3480eca52a8df2f4c4c3a639d811dfbc5677ac12b716afe21",
    ),
    (
        "channel server public key",
        "9dea3444d4d83260f058fed34f3baf7b437ac516eda50b12a92edacaa38a285a",
    ),
    (
        "channel server key file",
        "f5ab1c84ee4113e00757d82d3e3156d8005823efdbe6a5d6e11442d9a3773eb5",
    ),
    (
        "channel connect-request",
        "d3549754c566b2c9cefd66053118df406319146c264fadc819dbe4c7071d433a",
    ),
    (
        "channel connect-response",
        "27000bc2ec4f432ff12ca2ba84e104396a372383baba9592d9c555e1cae7672a",
    ),
    (
        "channel exchange-request",
        "b138ede5179bcf3bcd67e3cdd452b97e2ddd445d07b8cd435ff195167296fae1",
    ),
    (
        "channel exchange-response",
        "c2b958d14a12e94e8c4393a6a1a2b14e83b5dda86445ec9fcbf054491576ca5d",
    ),
    (
        "channel data client to server",
        "26b1aef8eb4673db9915d305f040d51d46b588fc4d8c11a322cab308a5afb7d0",
    ),
    (
        "channel data server to client",
        "966016a0b932454f6c6839973ac20fcd52378e6eee04c46cc9396c72e3e2974f",
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
