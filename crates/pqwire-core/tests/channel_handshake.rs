//! The online channel's handshake refusals (docs/channel.md §5): pinned and server keys,
//! tampered and malformed handshake messages, unexpected packets, Duplex client keys,
//! policies and altered offers, each with its code and the channel closed on both sides.
#![allow(clippy::unwrap_used, clippy::panic, clippy::expect_used)]

mod channel_support;

use channel_support::*;
use pqwire_core::channel::*;
use pqwire_core::negotiation::{Policy, PolicyMode};
use pqwire_core::wire::{Capabilities, WireMessage};
use pqwire_core::{KemSuite, SigSuite};

// ---------------------------------------------------------------------------------------
// Refusals during the handshake

#[test]
fn an_expired_pinned_key_is_refused_before_sending() {
    let key = key_with(DEFAULT_CONFIG, NOW - 1000, NOW - 1, 21);
    let mut c = client(&key, ChannelConfig::default(), None, 1);
    let out = c.start(NOW).unwrap();
    assert!(closed_with(&out, "KEY_EXPIRED", false), "{out:?}");
    assert!(out.transmit.is_empty());
    // Not yet valid is refused the same way.
    let key = key_with(DEFAULT_CONFIG, NOW + 10, NOW + 1000, 21);
    let mut c = client(&key, ChannelConfig::default(), None, 1);
    assert!(closed_with(&c.start(NOW).unwrap(), "KEY_EXPIRED", false));
}

#[test]
fn a_key_that_expires_in_flight_is_refused_by_the_server() {
    let key = key_with(DEFAULT_CONFIG, NOW - 1000, NOW + 30, 22);
    let (mut c, mut s) = simplex_parties(&key, &key);
    hello_refused(&mut c, &mut s, NOW + 40, "KEY_EXPIRED");
}

#[test]
fn an_unknown_server_key_id_is_refused() {
    let key = default_key();
    let (mut c, mut s) = simplex_parties(&key, &other_key());
    hello_refused(&mut c, &mut s, NOW, "UNKNOWN_KEY");
}

#[test]
fn a_server_that_does_not_hold_the_pinned_key_fails_authentication() {
    // The client pins the default key; a machine in the middle names another key the
    // server holds: the server signs with it, the client's check fails.
    let pinned = default_key();
    let impostor = other_key();
    let (mut c, mut s) = simplex_parties(&pinned, &impostor);
    let mut hello = c.start(NOW).unwrap().transmit.remove(0);
    // serverKeyId: the first field of the connect-request (header 21, message header 4,
    // field header 6).
    let at = HEADER_LEN + 4 + 6;
    assert_eq!(&hello[at..at + 16], &pinned.public().key_id);
    hello[at..at + 16].copy_from_slice(&impostor.public().key_id);
    let answer = s.receive(&hello, NOW);
    assert_eq!(answer.transmit.len(), 1, "{answer:?}");
    refused_by(&mut c, &answer.transmit[0], NOW, "AUTH_FAILED", &mut s);
}

#[test]
fn tampered_handshake_messages_fail() {
    let key = default_key();
    // A flipped byte in the server's signature.
    let (mut c, mut s) = simplex_parties(&key, &key);
    let hello = c.start(NOW).unwrap();
    let answer = s.receive(&hello.transmit[0], NOW);
    let last = answer.transmit[0].len() - 1;
    let tampered = flip(&answer.transmit[0], last);
    refused_by(&mut c, &tampered, NOW, "AUTH_FAILED", &mut s);

    // A flipped byte in the client's KEM ciphertext: the confirmation fails at the
    // client, which has no keys and reports in plaintext. The established server cannot
    // tell that error from a forged one: it refuses it as unauthenticated (and, the
    // refused packet being an error, answers nothing). Either way both ends are closed.
    let (mut c, mut s) = simplex_parties(&key, &key);
    let hello = c.start(NOW).unwrap();
    let answer = s.receive(&hello.transmit[0], NOW);
    let exchange = c.receive(&answer.transmit[0], NOW);
    let done = s.receive(&flip(&exchange.transmit[0], HEADER_LEN + 20), NOW);
    assert_eq!(done.events.first().map(Event::kind), Some("secure"));
    let refused = refusal(&mut c, &done.transmit[0], NOW, "AUTH_FAILED");
    assert_eq!(refused.transmit.len(), 1);
    assert_eq!(refused.transmit[0].len(), HEADER_LEN + 2, "plaintext");
    let seen = s.receive(&refused.transmit[0], NOW);
    assert!(closed_with(&seen, "AUTH_FAILED", false), "{seen:?}");
    assert!(seen.transmit.is_empty(), "an error is never answered");

    // A flipped confirmation.
    let (mut c, mut s) = simplex_parties(&key, &key);
    let hello = c.start(NOW).unwrap();
    let answer = s.receive(&hello.transmit[0], NOW);
    let exchange = c.receive(&answer.transmit[0], NOW);
    let done = s.receive(&exchange.transmit[0], NOW);
    let last = done.transmit[0].len() - 1;
    refusal(&mut c, &flip(&done.transmit[0], last), NOW, "AUTH_FAILED");
}

#[test]
fn a_malformed_handshake_message_has_its_wire_code() {
    let key = default_key();
    let (mut c, mut s) = simplex_parties(&key, &key);
    let hello = c.start(NOW).unwrap();
    // "PX" instead of "PW".
    let malformed = flip(&hello.transmit[0], HEADER_LEN + 1);
    refused_by(&mut s, &malformed, NOW, "BAD_MAGIC", &mut c);
}

#[test]
fn packets_the_state_does_not_expect_are_protocol_errors() {
    let key = default_key();
    // A data packet before the handshake.
    let mut s = server(vec![key.clone()], vec![], ChannelConfig::default(), 2);
    let data = packet(0x10, 0, NOW, &[0; 16]);
    refusal(&mut s, &data, NOW, "PROTOCOL_ERROR");
    // An unknown flag.
    let mut s = server(vec![key.clone()], vec![], ChannelConfig::default(), 2);
    let mut unknown = data.clone();
    unknown[0] = 0x99;
    refusal(&mut s, &unknown[..HEADER_LEN], NOW, "PROTOCOL_ERROR");
    // A connect-request sent twice (its replay is REPLAYED, a second one in sequence is
    // unexpected).
    let (mut c, mut s) = simplex_parties(&key, &key);
    let hello = c.start(NOW).unwrap();
    s.receive(&hello.transmit[0], NOW);
    let mut again = hello.transmit[0].clone();
    again[5..13].copy_from_slice(&1u64.to_be_bytes());
    refusal(&mut s, &again, NOW, "PROTOCOL_ERROR");
    // A duplex client at a simplex server.
    let own = other_key();
    let mut c = client(&key, duplex(), Some(own.clone()), 1);
    let mut s = server(vec![key], vec![pin(&own)], ChannelConfig::default(), 2);
    hello_refused(&mut c, &mut s, NOW, "PROTOCOL_ERROR");
}

#[test]
fn an_unknown_duplex_client_is_refused() {
    // The server trusts only `other_key()`.
    let key = default_key();
    let stranger = key_with(DEFAULT_CONFIG, NOW - 1, NOW + YEAR, 33);
    let (mut c, mut s) = duplex_parties(&key, &stranger, &other_key());
    hello_refused(&mut c, &mut s, NOW, "UNKNOWN_KEY");
}

#[test]
fn a_duplex_client_with_a_key_the_server_does_not_trust_by_that_key_fails() {
    // The client presents the trusted key's id but signs with another key.
    let key = default_key();
    let trusted = other_key();
    let forger = key_with(DEFAULT_CONFIG, NOW - 1, NOW + YEAR, 34);
    let (mut c, mut s) = duplex_parties(&key, &forger, &trusted);
    let mut hello = c.start(NOW).unwrap().transmit.remove(0);
    let id = forger.public().key_id;
    let at = hello
        .windows(16)
        .rposition(|w| w == id)
        .expect("client key id in the request");
    hello[at..at + 16].copy_from_slice(&trusted.public().key_id);
    let answer = s.receive(&hello, NOW);
    // The client's transcript differs (its request as sent): the server's signature fails.
    refusal(&mut c, &answer.transmit[0], NOW, "AUTH_FAILED");
}

#[test]
fn an_expired_duplex_client_key_is_refused() {
    let key = default_key();
    let own = key_with(DEFAULT_CONFIG, NOW - 1000, NOW + 20, 35);
    let (mut c, mut s) = duplex_parties(&key, &own, &own);
    hello_refused(&mut c, &mut s, NOW + 30, "KEY_EXPIRED");
}

#[test]
fn policy_refusals() {
    // A pq-required client meets a classical-only server key.
    let classical = key_with(
        "pqwire-channel/v1 X25519 Ed25519 ChaCha20-Poly1305",
        NOW - 1,
        NOW + YEAR,
        40,
    );
    let lax = ChannelConfig {
        policy: Policy::new(PolicyMode::ClassicalAllowed),
        ..ChannelConfig::default()
    };
    let mut c = client(&classical, ChannelConfig::default(), None, 1);
    let mut s = server(vec![classical.clone()], vec![], lax.clone(), 2);
    let answer = s.receive(&c.start(NOW).unwrap().transmit[0], NOW);
    refused_by(&mut c, &answer.transmit[0], NOW, "PQ_REQUIRED", &mut s);

    // The same key works when both allow classical suites.
    let mut c = client(&classical, lax.clone(), None, 1);
    let mut s = server(vec![classical.clone()], vec![], lax, 2);
    let (co, _) = handshake(&mut c, &mut s, Delivery::Whole);
    assert_eq!(
        co.events,
        vec![Event::Secure {
            suites: "X25519 Ed25519 ChaCha20-Poly1305".into()
        }]
    );

    // A client offering only classical suites meets a pq-required server: PQ_REQUIRED
    // (not NO_COMMON_SUITE), whatever the client's own policy.
    let key = default_key();
    let classical_caps = Capabilities {
        kex_suites: vec![KemSuite::X25519.code()],
        sig_suites: vec![SigSuite::Ed25519.code()],
        ..Capabilities::default()
    };
    let config = ChannelConfig {
        capabilities: classical_caps.encode().unwrap(),
        policy: Policy::new(PolicyMode::ClassicalAllowed),
        ..ChannelConfig::default()
    };
    let mut c = client(&key, config, None, 1);
    let mut s = server(vec![key.clone()], vec![], ChannelConfig::default(), 2);
    hello_refused(&mut c, &mut s, NOW, "PQ_REQUIRED");

    // A pq-required duplex server refuses a classical client key.
    let classical_client = key_with(
        "pqwire-channel/v1 X25519+ML-KEM-768 Ed25519 ChaCha20-Poly1305",
        NOW - 1,
        NOW + YEAR,
        41,
    );
    let (mut c, mut s) = duplex_parties(&key, &classical_client, &classical_client);
    let hello = c.start(NOW).unwrap().transmit.remove(0);
    refusal(&mut s, &hello, NOW, "PQ_REQUIRED");
}

#[test]
fn an_altered_server_offer_is_refused() {
    // The server's capabilities swapped in flight for a classical list: a pq-required
    // client refuses before looking at the signature.
    let key = default_key();
    let (mut c, mut s) = simplex_parties(&key, &key);
    let answer = s.receive(&c.start(NOW).unwrap().transmit[0], NOW);
    let packet = &answer.transmit[0];
    let mut msg = ConnectResponse::decode(&packet[HEADER_LEN..]).unwrap();
    let mut caps = Capabilities::decode(&msg.capabilities).unwrap();
    caps.kex_suites = vec![KemSuite::X25519.code()];
    msg.capabilities = caps.encode().unwrap();
    let payload = msg.encode().unwrap();
    let mut forged = packet[..HEADER_LEN].to_vec();
    forged[1..5].copy_from_slice(&(payload.len() as u32).to_be_bytes());
    forged.extend_from_slice(&payload);
    refusal(&mut c, &forged, NOW, "PQ_REQUIRED");
}
