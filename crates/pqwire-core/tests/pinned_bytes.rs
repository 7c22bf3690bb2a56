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
        "2f35b632140e4d267d21ac4d6b74b172f5e15ed1ecab67ef6750ea681e986300",
    ),
    (
        "ratchet-message kem step",
        "0388079775d76e3e0943c2b3b52b12cbcb663384d5e0877c66dcf0af8c1446d3",
    ),
    (
        "ratchet-message same chain",
        "ca0a5a0b62a7ced44a6591dec328705cdad7d7a29baee0a0bd8861506e1bb889",
    ),
    (
        "ratchet-message answer",
        "ca742b81eeba2590df73f49051aecf4c5402a3266c2f902e68542c9a89bc298c",
    ),
    (
        "session record initiator",
        "92e92ca7475e00e21ca49f238636fd1e819700f87a858e8c6cbca3950e724dee",
    ),
    (
        "session record responder",
        "f8ad85f00726d2285456eec5a0aedad962b2fb90b8c6066d453a29cf55180727",
    ),
    (
        "identity record",
        "3f104500d30e2b2b52f5836f5757fb6c3c98715a70d0ea314c63d6f2e9bc6f9e",
    ),
    (
        "prekey record",
        "290ccb99e174b179f5e963ce6898ee424596bf67bede1a972f84f4a60d798003",
    ),
    (
        "channel server public key",
        "9dea3444d4d83260f058fed34f3baf7b437ac516eda50b12a92edacaa38a285a",
    ),
    (
        "channel server key file",
        "c7166e9237fc200a82f7c95861b7359fa9b14911d487155a6550e6c654f484f2",
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
