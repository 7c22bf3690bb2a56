//! The online channel (docs/channel.md) end to end in memory: both modes in every delivery
//! pattern, and every refusal with its code, the channel closed cleanly on both sides.
#![allow(clippy::unwrap_used, clippy::panic, clippy::expect_used)]

mod channel_support;

mod record_edit;
use std::sync::Arc;

use channel_support::*;
use pqwire_core::channel::*;
use pqwire_core::negotiation::{Policy, PolicyMode};
use pqwire_core::wire::{self, Capabilities, WireMessage};
use pqwire_core::{KemSuite, SigSuite};

const SUITES: &str = "X25519+ML-KEM-768 Ed25519+ML-DSA-65 ChaCha20-Poly1305";

#[test]
fn simplex_end_to_end_in_every_delivery() {
    for how in [Delivery::Whole, Delivery::ByteAtATime, Delivery::Coalesced] {
        let key = default_key();
        let mut c = client(&key, ChannelConfig::default(), None, 3);
        let mut s = server(vec![key.clone()], vec![], ChannelConfig::default(), 4);
        assert_eq!(c.state(), ChannelState::Handshake);
        let (co, so) = handshake(&mut c, &mut s, how);
        let secure = Event::Secure {
            suites: SUITES.into(),
        };
        assert_eq!(so.events, vec![secure.clone()], "{how:?}");
        assert_eq!(co.events, vec![secure], "{how:?}");
        assert_eq!(c.state(), ChannelState::Established);
        assert_eq!(s.state(), ChannelState::Established);
        assert_eq!(c.peer_key_id(), Some(key.public().key_id));
        assert_eq!(s.peer_key_id(), None);
        assert_eq!(c.agreement().unwrap().kem, KemSuite::XWing);

        // Several packets each way, delivered the same way.
        let mut sent = c.send(b"hello server", NOW + 1).unwrap();
        sent.append(c.send(b"second", NOW + 1).unwrap());
        let got = deliver(&mut s, &sent.transmit, NOW + 1, how);
        assert_eq!(
            got.received,
            vec![b"hello server".to_vec(), b"second".to_vec()]
        );
        let back = s.send(b"hello client", NOW + 2).unwrap();
        let got = deliver(&mut c, &back.transmit, NOW + 2, how);
        assert_eq!(got.received, vec![b"hello client".to_vec()]);
    }
}

#[test]
fn duplex_end_to_end_in_every_delivery() {
    for how in [Delivery::Whole, Delivery::ByteAtATime, Delivery::Coalesced] {
        let key = default_key();
        let own = other_key();
        let mut c = client(&key, duplex(), Some(own.clone()), 5);
        let mut s = server(vec![key.clone()], vec![pin(&own)], duplex(), 6);
        let (co, so) = handshake(&mut c, &mut s, how);
        assert_eq!(so.events.first().map(Event::kind), Some("secure"), "{so:?}");
        assert_eq!(co.events.first().map(Event::kind), Some("secure"), "{co:?}");
        assert_eq!(s.peer_key_id(), Some(own.public().key_id));
        assert_eq!(c.peer_key_id(), Some(key.public().key_id));
        let sent = c.send(b"mutual", NOW + 1).unwrap();
        let got = deliver(&mut s, &sent.transmit, NOW + 1, how);
        assert_eq!(got.received, vec![b"mutual".to_vec()]);
        let back = s.send(b"indeed", NOW + 1).unwrap();
        assert_eq!(
            deliver(&mut c, &back.transmit, NOW + 1, how).received,
            vec![b"indeed".to_vec()]
        );
    }
}

#[test]
fn every_kem_of_the_issue_and_aes_work() {
    for config in [
        "pqwire-channel/v1 X25519+ML-KEM-1024 Ed25519+ML-DSA-87 AES-256-GCM",
        "pqwire-channel/v1 ML-KEM-1024 Ed25519+ML-DSA-65 ChaCha20-Poly1305",
    ] {
        let key = key_with(config, NOW - 1, NOW + YEAR, 9);
        let own = key_with(config, NOW - 1, NOW + YEAR, 10);
        let mut c = client(&key, duplex(), Some(own.clone()), 1);
        let mut s = server(vec![key], vec![pin(&own)], duplex(), 2);
        let (co, so) = handshake(&mut c, &mut s, Delivery::Coalesced);
        let suites = config.trim_start_matches("pqwire-channel/v1 ");
        assert_eq!(
            co.events,
            vec![Event::Secure {
                suites: suites.into()
            }]
        );
        assert_eq!(so.events.len(), 1);
        let sent = c.send(&[7; 3000], NOW).unwrap();
        assert_eq!(
            deliver(&mut s, &sent.transmit, NOW, Delivery::Whole).received,
            vec![vec![7; 3000]]
        );
    }
}

#[test]
fn large_data_is_split_at_the_packet_cap() {
    let config = ChannelConfig {
        max_packet_size: 1024,
        ..ChannelConfig::default()
    };
    let (mut c, mut s) = simplex_pair(config);
    let data: Vec<u8> = (0..5000u32).map(|i| i as u8).collect();
    let sent = c.send(&data, NOW).unwrap();
    assert_eq!(sent.transmit.len(), 5); // 1008 plaintext bytes per packet
    assert!(sent.transmit.iter().all(|p| p.len() <= HEADER_LEN + 1024));
    let got = deliver(&mut s, &sent.transmit, NOW, Delivery::ByteAtATime);
    assert_eq!(got.received.concat(), data);
    assert!(c.send(&[], NOW).unwrap().transmit.is_empty());
}

#[test]
fn seeded_channels_are_reproducible() {
    let run = || {
        let key = default_key();
        let mut c = client(&key, ChannelConfig::default(), None, 11);
        let mut s = server(vec![key], vec![], ChannelConfig::default(), 12);
        let hello = c.start(NOW).unwrap().transmit.concat();
        let answer = s.receive(&hello, NOW).transmit.concat();
        let exchange = c.receive(&answer, NOW).transmit.concat();
        [hello, answer, exchange].concat()
    };
    assert_eq!(run(), run());
}

#[test]
fn handshake_messages_are_wire_messages() {
    let key = default_key();
    let own = other_key();
    let mut c = client(&key, duplex(), Some(own.clone()), 5);
    let mut s = server(vec![key.clone()], vec![pin(&own)], duplex(), 6);
    let hello = c.start(NOW).unwrap();
    let answer = s.receive(&hello.transmit[0], NOW);
    let exchange = c.receive(&answer.transmit[0], NOW);
    let done = s.receive(&exchange.transmit[0], NOW);
    for (packet, name, flag) in [
        (&hello.transmit[0], "connect-request", 0x01),
        (&answer.transmit[0], "connect-response", 0x02),
        (&exchange.transmit[0], "exchange-request", 0x03),
        (&done.transmit[0], "exchange-response", 0x04),
    ] {
        assert_eq!(packet[0], flag);
        let payload = &packet[HEADER_LEN..];
        let len = u32::from_be_bytes(packet[1..5].try_into().unwrap()) as usize;
        assert_eq!(len, payload.len());
        let text = wire::inspect(payload);
        assert!(text.contains(name) && text.contains("canonical"), "{text}");
        assert_eq!(
            wire::encode(&wire::decode(payload).unwrap()).unwrap(),
            payload
        );
    }
    let request = ConnectRequest::decode(&hello.transmit[0][HEADER_LEN..]).unwrap();
    assert_eq!(request.server_key_id, key.public().key_id);
    assert_eq!(request.client_key_id, Some(own.public().key_id));
    assert_eq!(request.mode, 2);
    let text = wire::inspect(key.public().encoded());
    assert!(text.contains("channel-server-key"), "{text}");
    assert!(text.contains(&format!("{DEFAULT_CONFIG:?}")), "{text}");
}

// ---------------------------------------------------------------------------------------
// Refusals of established channels

#[test]
fn a_tampered_packet_is_auth_failed_on_both_sides() {
    // A flipped payload byte, and a flipped time inside the window (the header is the AD).
    for i in [HEADER_LEN + 3, 20] {
        let (mut c, mut s) = simplex_pair(ChannelConfig::default());
        let sent = c.send(b"attack at dawn", NOW + 5).unwrap();
        let tampered = flip(&sent.transmit[0], i);
        let refused = s.receive(&tampered, NOW + 5);
        assert!(closed_with(&refused, "AUTH_FAILED", false), "{refused:?}");
        assert!(refused.received.is_empty());
        peer_sees(&mut c, &refused, "AUTH_FAILED", NOW + 5);
        assert!(inert(&s.receive(&sent.transmit[0], NOW + 5)));
    }
}

#[test]
fn a_replayed_packet_is_refused() {
    let (mut c, mut s) = simplex_pair(ChannelConfig::default());
    let sent = c.send(b"pay 10", NOW).unwrap();
    assert_eq!(s.receive(&sent.transmit[0], NOW).received.len(), 1);
    let refused = s.receive(&sent.transmit[0], NOW);
    assert!(closed_with(&refused, "REPLAYED", false), "{refused:?}");
    assert!(refused.received.is_empty());
    peer_sees(&mut c, &refused, "REPLAYED", NOW);
}

#[test]
fn a_reordered_packet_is_out_of_order() {
    let (mut c, mut s) = simplex_pair(ChannelConfig::default());
    let first = c.send(b"one", NOW).unwrap();
    let second = c.send(b"two", NOW).unwrap();
    let refused = s.receive(&second.transmit[0], NOW);
    assert!(closed_with(&refused, "OUT_OF_ORDER", false), "{refused:?}");
    assert!(inert(&s.receive(&first.transmit[0], NOW)));
    peer_sees(&mut c, &refused, "OUT_OF_ORDER", NOW);
}

#[test]
fn a_stale_packet_is_refused_either_way_of_the_window() {
    for (sent_at, received_at) in [(NOW, NOW + 61), (NOW + 200, NOW + 100)] {
        let (mut c, mut s) = simplex_pair(ChannelConfig::default());
        let sent = c.send(b"late", sent_at).unwrap();
        let refused = s.receive(&sent.transmit[0], received_at);
        assert!(closed_with(&refused, "STALE_PACKET", false), "{refused:?}");
        let Some(Event::Error { message, .. }) = refused.events.first() else {
            panic!("{refused:?}")
        };
        assert_eq!(message, "packet outside the 60-second window");
        peer_sees(&mut c, &refused, "STALE_PACKET", received_at);
    }
    // At exactly 60 seconds it is still fresh.
    let (mut c, mut s) = simplex_pair(ChannelConfig::default());
    let sent = c.send(b"just in time", NOW).unwrap();
    assert_eq!(s.receive(&sent.transmit[0], NOW + 60).received.len(), 1);
    // A handshake packet's time is checked too.
    let key = default_key();
    let mut c = client(&key, ChannelConfig::default(), None, 1);
    let mut s = server(vec![key], vec![], ChannelConfig::default(), 2);
    let hello = c.start(NOW).unwrap();
    let refused = s.receive(&with_time(&hello.transmit[0], NOW - 61), NOW);
    assert!(closed_with(&refused, "STALE_PACKET", false), "{refused:?}");
    peer_sees(&mut c, &refused, "STALE_PACKET", NOW);
}

#[test]
fn an_oversized_packet_is_refused_on_its_header() {
    let big = ChannelConfig {
        max_packet_size: 128 * 1024,
        ..ChannelConfig::default()
    };
    let key = default_key();
    let mut c = client(&key, big, None, 1);
    let mut s = server(vec![key], vec![], ChannelConfig::default(), 2);
    handshake(&mut c, &mut s, Delivery::Whole);
    let sent = c.send(&vec![1; 100_000], NOW).unwrap();
    assert_eq!(sent.transmit.len(), 1);
    // The 21 header bytes are enough to refuse it.
    let refused = s.receive(&sent.transmit[0][..HEADER_LEN], NOW);
    assert!(
        closed_with(&refused, "PACKET_TOO_LARGE", false),
        "{refused:?}"
    );
    peer_sees(&mut c, &refused, "PACKET_TOO_LARGE", NOW);

    // A header declaring 4 GiB during the handshake: refused, nothing buffered.
    let key = default_key();
    let mut s = server(vec![key], vec![], ChannelConfig::default(), 2);
    let mut header = vec![0x01];
    header.extend_from_slice(&u32::MAX.to_be_bytes());
    header.extend_from_slice(&0u64.to_be_bytes());
    header.extend_from_slice(&NOW.to_be_bytes());
    let before = s.memory_bytes();
    let refused = s.receive(&[header, vec![0; 1000]].concat(), NOW);
    assert!(
        closed_with(&refused, "PACKET_TOO_LARGE", false),
        "{refused:?}"
    );
    assert!(s.memory_bytes() <= before);
}

#[test]
fn a_plaintext_close_cannot_end_an_established_channel() {
    // Only an authenticated close is NORMAL once established (no silent truncation).
    let (_, mut s) = simplex_pair(ChannelConfig::default());
    let mut close = vec![0x12, 0, 0, 0, 2];
    close.extend_from_slice(&2u64.to_be_bytes());
    close.extend_from_slice(&NOW.to_be_bytes());
    close.extend_from_slice(&[0, 0]);
    let refused = s.receive(&close, NOW);
    assert!(closed_with(&refused, "AUTH_FAILED", false), "{refused:?}");
}

#[test]
fn close_is_seen_as_normal_and_leaves_both_sides_inert() {
    let (mut c, mut s) = simplex_pair(ChannelConfig::default());
    let data = c.send(b"last words", NOW).unwrap();
    let bye = c.close(NOW);
    assert_eq!(bye.events, vec![Event::Close { code: NORMAL }]);
    assert!(bye.closed && bye.transmit.len() == 1);
    let seen = deliver(
        &mut s,
        &[data.transmit, bye.transmit].concat(),
        NOW,
        Delivery::Coalesced,
    );
    assert_eq!(seen.received, vec![b"last words".to_vec()]);
    assert_eq!(seen.events, vec![Event::Close { code: NORMAL }]);
    assert!(seen.closed && seen.transmit.is_empty());
    for ch in [&mut c, &mut s] {
        assert_eq!(ch.state(), ChannelState::Closed);
        assert!(inert(&ch.receive(&[1, 2, 3], NOW)));
        assert!(inert(&ch.poll(NOW + 10_000)));
        assert!(inert(&ch.close(NOW)));
        assert_eq!(ch.send(b"x", NOW).unwrap_err().code(), "INVALID_ARGUMENT");
        assert_eq!(ch.rekey(NOW).unwrap_err().code(), "INVALID_ARGUMENT");
        assert_eq!(ch.ratchet(NOW).unwrap_err().code(), "INVALID_ARGUMENT");
        assert!(ch.memory_bytes() < 512);
    }
}

#[test]
fn misuse_is_invalid_argument() {
    let key = default_key();
    let mut c = client(&key, ChannelConfig::default(), None, 1);
    assert_eq!(c.send(b"x", NOW).unwrap_err().code(), "INVALID_ARGUMENT");
    c.start(NOW).unwrap();
    assert_eq!(c.start(NOW).unwrap_err().code(), "INVALID_ARGUMENT");
    assert_eq!(c.rekey(NOW).unwrap_err().code(), "INVALID_ARGUMENT");
    let mut s = server(vec![key.clone()], vec![], ChannelConfig::default(), 2);
    assert!(s.start(NOW).unwrap().transmit.is_empty());
    // Configurations out of range.
    for bad in [
        ChannelConfig {
            max_packet_size: 100,
            ..ChannelConfig::default()
        },
        ChannelConfig {
            max_packet_size: (1 << 20) + 1,
            ..ChannelConfig::default()
        },
        ChannelConfig {
            rekey_every_packets: 1,
            ..ChannelConfig::default()
        },
        ChannelConfig {
            keep_alive_seconds: 0,
            ..ChannelConfig::default()
        },
    ] {
        let e = Channel::client(
            ClientConfig {
                channel: bad,
                server_key: pin(&key),
                client_key: None,
            },
            NOW,
        )
        .unwrap_err();
        assert_eq!(e.code(), "INVALID_ARGUMENT");
    }
    // Duplex needs the client's key; Simplex has none.
    let e = Channel::client(
        ClientConfig {
            channel: duplex(),
            server_key: pin(&key),
            client_key: None,
        },
        NOW,
    )
    .unwrap_err();
    assert_eq!(e.code(), "INVALID_ARGUMENT");
    let e = Channel::server(
        ServerConfig {
            channel: ChannelConfig::default(),
            credentials: Arc::new(ServerCredentials::default()),
        },
        NOW,
    )
    .unwrap_err();
    assert_eq!(e.code(), "INVALID_ARGUMENT");
}

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
    let mut c = client(&key, ChannelConfig::default(), None, 1);
    let mut s = server(vec![key], vec![], ChannelConfig::default(), 2);
    let hello = c.start(NOW).unwrap();
    let refused = s.receive(&hello.transmit[0], NOW + 40);
    assert!(closed_with(&refused, "KEY_EXPIRED", false), "{refused:?}");
    peer_sees(&mut c, &refused, "KEY_EXPIRED", NOW + 40);
}

#[test]
fn an_unknown_server_key_id_is_refused() {
    let key = default_key();
    let mut c = client(&key, ChannelConfig::default(), None, 1);
    let mut s = server(vec![other_key()], vec![], ChannelConfig::default(), 2);
    let hello = c.start(NOW).unwrap();
    let refused = s.receive(&hello.transmit[0], NOW);
    assert!(closed_with(&refused, "UNKNOWN_KEY", false), "{refused:?}");
    peer_sees(&mut c, &refused, "UNKNOWN_KEY", NOW);
}

#[test]
fn a_server_that_does_not_hold_the_pinned_key_fails_authentication() {
    // The client pins the default key; a machine in the middle names another key the
    // server holds: the server signs with it, the client's check fails.
    let pinned = default_key();
    let impostor = other_key();
    let mut c = client(&pinned, ChannelConfig::default(), None, 1);
    let mut s = server(vec![impostor.clone()], vec![], ChannelConfig::default(), 2);
    let mut hello = c.start(NOW).unwrap().transmit.remove(0);
    // serverKeyId: the first field of the connect-request (header 21, message header 4,
    // field header 6).
    let at = HEADER_LEN + 4 + 6;
    assert_eq!(&hello[at..at + 16], &pinned.public().key_id);
    hello[at..at + 16].copy_from_slice(&impostor.public().key_id);
    let answer = s.receive(&hello, NOW);
    assert_eq!(answer.transmit.len(), 1, "{answer:?}");
    let refused = c.receive(&answer.transmit[0], NOW);
    assert!(closed_with(&refused, "AUTH_FAILED", false), "{refused:?}");
    peer_sees(&mut s, &refused, "AUTH_FAILED", NOW);
}

#[test]
fn tampered_handshake_messages_fail() {
    let key = default_key();
    // A flipped byte in the server's signature.
    let mut c = client(&key, ChannelConfig::default(), None, 1);
    let mut s = server(vec![key.clone()], vec![], ChannelConfig::default(), 2);
    let hello = c.start(NOW).unwrap();
    let answer = s.receive(&hello.transmit[0], NOW);
    let last = answer.transmit[0].len() - 1;
    let refused = c.receive(&flip(&answer.transmit[0], last), NOW);
    assert!(closed_with(&refused, "AUTH_FAILED", false), "{refused:?}");
    peer_sees(&mut s, &refused, "AUTH_FAILED", NOW);

    // A flipped byte in the client's KEM ciphertext: the confirmation fails at the
    // client, which has no keys and reports in plaintext. The established server cannot
    // tell that error from a forged one: it refuses it as unauthenticated (and, the
    // refused packet being an error, answers nothing). Either way both ends are closed.
    let mut c = client(&key, ChannelConfig::default(), None, 1);
    let mut s = server(vec![key.clone()], vec![], ChannelConfig::default(), 2);
    let hello = c.start(NOW).unwrap();
    let answer = s.receive(&hello.transmit[0], NOW);
    let exchange = c.receive(&answer.transmit[0], NOW);
    let done = s.receive(&flip(&exchange.transmit[0], HEADER_LEN + 20), NOW);
    assert_eq!(done.events.first().map(Event::kind), Some("secure"));
    let refused = c.receive(&done.transmit[0], NOW);
    assert!(closed_with(&refused, "AUTH_FAILED", false), "{refused:?}");
    assert_eq!(refused.transmit.len(), 1);
    assert_eq!(refused.transmit[0].len(), HEADER_LEN + 2, "plaintext");
    let seen = s.receive(&refused.transmit[0], NOW);
    assert!(closed_with(&seen, "AUTH_FAILED", false), "{seen:?}");
    assert!(seen.transmit.is_empty(), "an error is never answered");

    // A flipped confirmation.
    let mut c = client(&key, ChannelConfig::default(), None, 1);
    let mut s = server(vec![key], vec![], ChannelConfig::default(), 2);
    let hello = c.start(NOW).unwrap();
    let answer = s.receive(&hello.transmit[0], NOW);
    let exchange = c.receive(&answer.transmit[0], NOW);
    let done = s.receive(&exchange.transmit[0], NOW);
    let last = done.transmit[0].len() - 1;
    let refused = c.receive(&flip(&done.transmit[0], last), NOW);
    assert!(closed_with(&refused, "AUTH_FAILED", false), "{refused:?}");
}

#[test]
fn a_malformed_handshake_message_has_its_wire_code() {
    let key = default_key();
    let mut c = client(&key, ChannelConfig::default(), None, 1);
    let mut s = server(vec![key], vec![], ChannelConfig::default(), 2);
    let hello = c.start(NOW).unwrap();
    // "PX" instead of "PW".
    let refused = s.receive(&flip(&hello.transmit[0], HEADER_LEN + 1), NOW);
    assert!(closed_with(&refused, "BAD_MAGIC", false), "{refused:?}");
    peer_sees(&mut c, &refused, "BAD_MAGIC", NOW);
}

#[test]
fn packets_the_state_does_not_expect_are_protocol_errors() {
    let key = default_key();
    // A data packet before the handshake.
    let mut s = server(vec![key.clone()], vec![], ChannelConfig::default(), 2);
    let mut data = vec![0x10, 0, 0, 0, 16];
    data.extend_from_slice(&0u64.to_be_bytes());
    data.extend_from_slice(&NOW.to_be_bytes());
    data.extend_from_slice(&[0; 16]);
    let refused = s.receive(&data, NOW);
    assert!(
        closed_with(&refused, "PROTOCOL_ERROR", false),
        "{refused:?}"
    );
    // An unknown flag.
    let mut s = server(vec![key.clone()], vec![], ChannelConfig::default(), 2);
    let mut unknown = data.clone();
    unknown[0] = 0x99;
    let refused = s.receive(&unknown[..HEADER_LEN], NOW);
    assert!(
        closed_with(&refused, "PROTOCOL_ERROR", false),
        "{refused:?}"
    );
    // A connect-request sent twice (its replay is REPLAYED, a second one in sequence is
    // unexpected).
    let mut c = client(&key, ChannelConfig::default(), None, 1);
    let mut s = server(vec![key.clone()], vec![], ChannelConfig::default(), 2);
    let hello = c.start(NOW).unwrap();
    s.receive(&hello.transmit[0], NOW);
    let mut again = hello.transmit[0].clone();
    again[5..13].copy_from_slice(&1u64.to_be_bytes());
    let refused = s.receive(&again, NOW);
    assert!(
        closed_with(&refused, "PROTOCOL_ERROR", false),
        "{refused:?}"
    );
    // A duplex client at a simplex server.
    let own = other_key();
    let mut c = client(&key, duplex(), Some(own.clone()), 1);
    let mut s = server(vec![key], vec![pin(&own)], ChannelConfig::default(), 2);
    let refused = s.receive(&c.start(NOW).unwrap().transmit[0], NOW);
    assert!(
        closed_with(&refused, "PROTOCOL_ERROR", false),
        "{refused:?}"
    );
    peer_sees(&mut c, &refused, "PROTOCOL_ERROR", NOW);
}

#[test]
fn an_unknown_duplex_client_is_refused() {
    let key = default_key();
    let own = other_key();
    let stranger = key_with(DEFAULT_CONFIG, NOW - 1, NOW + YEAR, 33);
    let mut c = client(&key, duplex(), Some(stranger), 1);
    let mut s = server(vec![key], vec![pin(&own)], duplex(), 2);
    let refused = s.receive(&c.start(NOW).unwrap().transmit[0], NOW);
    assert!(closed_with(&refused, "UNKNOWN_KEY", false), "{refused:?}");
    peer_sees(&mut c, &refused, "UNKNOWN_KEY", NOW);
}

#[test]
fn a_duplex_client_with_a_key_the_server_does_not_trust_by_that_key_fails() {
    // The client presents the trusted key's id but signs with another key.
    let key = default_key();
    let trusted = other_key();
    let forger = key_with(DEFAULT_CONFIG, NOW - 1, NOW + YEAR, 34);
    let mut c = client(&key, duplex(), Some(forger.clone()), 1);
    let mut s = server(vec![key], vec![pin(&trusted)], duplex(), 2);
    let mut hello = c.start(NOW).unwrap().transmit.remove(0);
    let id = forger.public().key_id;
    let at = hello
        .windows(16)
        .rposition(|w| w == id)
        .expect("client key id in the request");
    hello[at..at + 16].copy_from_slice(&trusted.public().key_id);
    let answer = s.receive(&hello, NOW);
    // The client's transcript differs (its request as sent): the server's signature fails.
    let refused = c.receive(&answer.transmit[0], NOW);
    assert!(closed_with(&refused, "AUTH_FAILED", false), "{refused:?}");
}

#[test]
fn an_expired_duplex_client_key_is_refused() {
    let key = default_key();
    let own = key_with(DEFAULT_CONFIG, NOW - 1000, NOW + 20, 35);
    let mut c = client(&key, duplex(), Some(own.clone()), 1);
    let mut s = server(vec![key], vec![pin(&own)], duplex(), 2);
    let hello = c.start(NOW).unwrap();
    let refused = s.receive(&hello.transmit[0], NOW + 30);
    assert!(closed_with(&refused, "KEY_EXPIRED", false), "{refused:?}");
    peer_sees(&mut c, &refused, "KEY_EXPIRED", NOW + 30);
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
    let refused = c.receive(&answer.transmit[0], NOW);
    assert!(closed_with(&refused, "PQ_REQUIRED", false), "{refused:?}");
    peer_sees(&mut s, &refused, "PQ_REQUIRED", NOW);

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

    // A client offering only classical suites finds nothing in common with a
    // post-quantum server.
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
    let refused = s.receive(&c.start(NOW).unwrap().transmit[0], NOW);
    assert!(
        closed_with(&refused, "NO_COMMON_SUITE", false),
        "{refused:?}"
    );
    peer_sees(&mut c, &refused, "NO_COMMON_SUITE", NOW);

    // A pq-required duplex server refuses a classical client key.
    let classical_client = key_with(
        "pqwire-channel/v1 X25519+ML-KEM-768 Ed25519 ChaCha20-Poly1305",
        NOW - 1,
        NOW + YEAR,
        41,
    );
    let mut c = client(&key, duplex(), Some(classical_client.clone()), 1);
    let mut s = server(vec![key], vec![pin(&classical_client)], duplex(), 2);
    let refused = s.receive(&c.start(NOW).unwrap().transmit[0], NOW);
    assert!(closed_with(&refused, "PQ_REQUIRED", false), "{refused:?}");
}

#[test]
fn an_altered_server_offer_is_refused() {
    // The server's capabilities swapped in flight for a classical list: a pq-required
    // client refuses before looking at the signature.
    let key = default_key();
    let mut c = client(&key, ChannelConfig::default(), None, 1);
    let mut s = server(vec![key], vec![], ChannelConfig::default(), 2);
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
    let refused = c.receive(&forged, NOW);
    assert!(closed_with(&refused, "PQ_REQUIRED", false), "{refused:?}");
}

// ---------------------------------------------------------------------------------------
// Server keys

#[test]
fn configuration_strings() {
    let s = ChannelSuites::parse("pqwire-channel/v1 x-wing ED25519+ML-DSA-65 chacha20-poly1305")
        .unwrap();
    assert_eq!(s, ChannelSuites::default());
    assert_eq!(s.config(), DEFAULT_CONFIG);
    for bad in [
        "",
        "pqwire-channel/v1",
        "pqwire-channel/v1 X-Wing Ed25519+ML-DSA-65",
        "pqwire-channel/v1  X-Wing Ed25519+ML-DSA-65 ChaCha20-Poly1305",
        "pqwire-channel/v2 X-Wing Ed25519+ML-DSA-65 ChaCha20-Poly1305",
        "pqwire-channel/v1 X-Wing Ed25519+ML-DSA-65 ChaCha20-Poly1305 extra",
    ] {
        assert_eq!(
            ChannelSuites::parse(bad).unwrap_err().code(),
            "INVALID_ARGUMENT",
            "{bad:?}"
        );
    }
    assert_eq!(
        ChannelSuites::parse("pqwire-channel/v1 Kyber9000 Ed25519 AES-256-GCM")
            .unwrap_err()
            .code(),
        "UNKNOWN_SUITE"
    );
    let long = format!("{DEFAULT_CONFIG}{}", " ".repeat(300));
    assert_eq!(
        ChannelSuites::parse(&long).unwrap_err().code(),
        "INVALID_ARGUMENT"
    );
    assert_eq!(
        ServerKey::generate(DEFAULT_CONFIG, 10, 10, None)
            .unwrap_err()
            .code(),
        "INVALID_ARGUMENT"
    );
}

#[test]
fn public_key_rules() {
    let key = default_key();
    let public = key.public();
    let decoded = ServerPublicKey::decode(public.encoded()).unwrap();
    assert_eq!(&decoded, public);
    assert_eq!(decoded.encode().unwrap(), public.encoded());
    assert!(public.is_valid_at(NOW) && !public.is_valid_at(NOW + YEAR));

    let code_of = |bytes: &[u8]| ServerPublicKey::decode(bytes).unwrap_err().code();
    let with = |f: &dyn Fn(&mut wire::Message)| {
        let mut m = public.to_message();
        f(&mut m);
        pqwire_core::wire::encode(&m).map_err(|e| e.code.as_str())
    };
    use pqwire_core::wire::Value;
    // A config that is not canonical (an alias), a signature suite that differs, a key
    // of the wrong length, an expiry before creation: the encoder refuses what the
    // decoder would.
    let alias = "pqwire-channel/v1 X-Wing Ed25519+ML-DSA-65 ChaCha20-Poly1305";
    assert_eq!(
        with(&|m| {
            m.set(0x0002, Value::Bytes(alias.as_bytes().to_vec()));
        }),
        Err("INVALID_FIELD")
    );
    assert_eq!(
        with(&|m| {
            m.set(0x0003, Value::Suite(SigSuite::Ed25519MlDsa87.code()));
        }),
        Err("INVALID_FIELD")
    );
    assert_eq!(
        with(&|m| {
            m.set(0x0004, Value::Bytes(vec![1; 32]));
        }),
        Err("BAD_LENGTH")
    );
    assert_eq!(
        with(&|m| {
            m.set(0x0006, Value::Uint(public.created));
        }),
        Err("INVALID_FIELD")
    );
    // A key id that is not the key's.
    let mut forged = public.encoded().to_vec();
    forged[4 + 6] ^= 1;
    assert_eq!(code_of(&forged), "INVALID_KEY");
    // A record is not a public key.
    assert_eq!(code_of(&key.to_record()), "UNKNOWN_TYPE");
}

#[test]
fn secret_key_files_round_trip_and_refuse_every_corruption() {
    let key = default_key();
    let file = key.to_record();
    assert_eq!(&file[..4], b"PW\x01\x16");
    let back = ServerKey::from_record(&file).unwrap();
    assert_eq!(back.public(), key.public());
    assert_eq!(*back.to_record(), *file);
    // A restored key serves a channel.
    let back = Arc::new(back);
    let mut c = client(&key, ChannelConfig::default(), None, 1);
    let mut s = server(vec![back], vec![], ChannelConfig::default(), 2);
    let (co, _) = handshake(&mut c, &mut s, Delivery::Whole);
    assert_eq!(co.events.len(), 1);
    // wire::decode never reads it.
    assert_eq!(
        wire::decode(&file).unwrap_err().code.as_str(),
        "UNKNOWN_TYPE"
    );
    // Every truncation is a typed error.
    for n in (0..file.len()).step_by(97).chain([file.len() - 1]) {
        let e = ServerKey::from_record(&file[..n]).unwrap_err();
        assert!(matches!(e, pqwire_core::Error::Wire(_)), "{n}: {e:?}");
    }
    // Every byte flipped is refused: the framing, the public part, and — through the
    // record's checksum — the secret key too (a flip in an expanded ML-DSA secret key's
    // signing seed K or t0 would still sign validly, so the key-pair probe alone could not
    // tell).
    for i in (2..file.len())
        .step_by(13)
        .chain([file.len() - 40, file.len() - 1])
    {
        let e = ServerKey::from_record(&flip(&file, i)).unwrap_err();
        assert!(
            matches!(
                e.code(),
                "UNSUPPORTED_VERSION"
                    | "UNEXPECTED_TYPE"
                    | "UNKNOWN_TYPE"
                    | "INVALID_KEY"
                    | "INVALID_FIELD"
                    | "BAD_LENGTH"
                    | "TRUNCATED"
                    | "TOO_LARGE"
                    | "UNKNOWN_TAG"
                    | "TRAILING_BYTES"
                    | "TAG_ORDER"
                    | "DUPLICATE_TAG"
                    | "MISSING_FIELD"
            ),
            "{i}: {e:?}"
        );
    }
    // The secret key of another key.
    let other = other_key().to_record();
    let public_len = key.public().encoded().len();
    let mut swapped = file[..4 + 7 + 6 + public_len].to_vec();
    swapped.extend_from_slice(&other[4 + 7 + 6 + other_key().public().encoded().len()..]);
    // Spliced records need a new checksum to reach the key check.
    let swapped = record_edit::resealed(&swapped);
    assert_eq!(
        ServerKey::from_record(&swapped).unwrap_err().code(),
        "INVALID_KEY"
    );
}

#[test]
fn debug_shows_no_secret() {
    let key = default_key();
    let shown = format!("{key:?}");
    assert!(shown.contains("REDACTED"), "{shown}");
    let (c, _) = simplex_pair(ChannelConfig::default());
    let shown = format!("{c:?}");
    assert!(
        shown.contains("REDACTED") && shown.contains("Established"),
        "{shown}"
    );
}

#[test]
fn error_codes_round_trip_on_the_wire() {
    for (n, code) in WIRE_CODES {
        assert_eq!(code_to_wire(code), *n);
        assert_eq!(code_from_wire(*n), Some(*code));
    }
    for c in ChannelCode::ALL {
        let e = c.error("detail");
        assert_eq!(e.code(), c.as_str());
        assert_eq!(e.to_string(), "detail");
    }
}

#[test]
fn close_and_error_packets_during_the_handshake() {
    let key = default_key();
    // A close during the handshake is plaintext and NORMAL.
    let mut c = client(&key, ChannelConfig::default(), None, 1);
    let mut s = server(vec![key.clone()], vec![], ChannelConfig::default(), 2);
    s.receive(&c.start(NOW).unwrap().transmit[0], NOW);
    let bye = c.close(NOW);
    assert_eq!(bye.transmit.len(), 1);
    assert_eq!(bye.transmit[0].len(), HEADER_LEN + 2);
    let seen = s.receive(&bye.transmit[0], NOW);
    assert_eq!(seen.events, vec![Event::Close { code: NORMAL }]);
    assert!(seen.closed && seen.transmit.is_empty());
    // Before start a client sends nothing at all.
    let mut c = client(&key, ChannelConfig::default(), None, 1);
    let bye = c.close(NOW);
    assert!(bye.closed && bye.transmit.is_empty());
    // An error code the receiver does not know is a protocol error (of the peer, or of
    // whoever sent the unauthenticated packet).
    let mut c = client(&key, ChannelConfig::default(), None, 1);
    c.start(NOW).unwrap();
    let mut error = vec![0x13, 0, 0, 0, 2];
    error.extend_from_slice(&0u64.to_be_bytes());
    error.extend_from_slice(&NOW.to_be_bytes());
    error.extend_from_slice(&[0x12, 0x34]);
    let seen = c.receive(&error, NOW);
    assert!(closed_with(&seen, "PROTOCOL_ERROR", false), "{seen:?}");
    assert!(seen.transmit.is_empty(), "an error is never answered");
    let Some(Event::Error { message, .. }) = seen.events.first() else {
        panic!("{seen:?}")
    };
    assert!(message.contains("0x1234"), "{message}");
}

#[test]
fn data_before_a_refused_packet_in_the_same_input_is_delivered() {
    let (mut c, mut s) = simplex_pair(ChannelConfig::default());
    let a = c.send(b"first", NOW).unwrap();
    let b = c.send(b"second", NOW).unwrap();
    let input = [a.transmit[0].clone(), flip(&b.transmit[0], HEADER_LEN)].concat();
    let seen = s.receive(&input, NOW);
    assert_eq!(seen.received, vec![b"first".to_vec()]);
    assert!(closed_with(&seen, "AUTH_FAILED", false), "{seen:?}");
}

// ---------------------------------------------------------------------------------------
// Issue 15: forged error packets (finding 6), headers decided before buffering (finding 7)

/// A packet with a plaintext payload, as anyone on the path can write it.
fn raw_packet(flag: u8, sequence: u64, payload: &[u8]) -> Vec<u8> {
    let mut p = vec![flag];
    p.extend_from_slice(&(payload.len() as u32).to_be_bytes());
    p.extend_from_slice(&sequence.to_be_bytes());
    p.extend_from_slice(&NOW.to_be_bytes());
    p.extend_from_slice(payload);
    p
}

/// Just a header declaring `length` bytes of payload.
fn raw_header(flag: u8, length: u32, sequence: u64) -> Vec<u8> {
    let mut p = raw_packet(flag, sequence, &[]);
    p[1..5].copy_from_slice(&length.to_be_bytes());
    p
}

#[test]
fn a_forged_plaintext_error_cannot_close_an_established_channel_in_the_peers_name() {
    // The attack: 23 bytes, a plaintext error packet with the next sequence number and a
    // code of the attacker's choice, injected into an established connection. It used to
    // close the channel as `{KEY_EXPIRED, remote: true}`. Now it is refused as any forged
    // packet: AUTH_FAILED, decided here (`remote: false`), and no error packet answers it.
    for target_is_client in [true, false] {
        let (mut c, mut s) = simplex_pair(ChannelConfig::default());
        let target = if target_is_client { &mut c } else { &mut s };
        // Both sides sent two handshake packets: the next one is packet 2.
        let forged = raw_packet(0x13, 2, &0x0007u16.to_be_bytes());
        assert_eq!(forged.len(), 23);
        let seen = target.receive(&forged, NOW);
        assert!(closed_with(&seen, "AUTH_FAILED", false), "{seen:?}");
        assert!(
            !seen
                .events
                .iter()
                .any(|e| matches!(e, Event::Error { remote: true, .. })
                    || e.code() == Some("KEY_EXPIRED")),
            "{seen:?}"
        );
        assert!(seen.transmit.is_empty(), "an error is never answered");
    }
    // The peer's genuine (sealed) error is still the peer's.
    let (mut c, mut s) = simplex_pair(ChannelConfig::default());
    let sent = c.send(b"x", NOW).unwrap();
    let refused = s.receive(&flip(&sent.transmit[0], HEADER_LEN), NOW);
    assert_eq!(refused.transmit[0].len(), HEADER_LEN + 2 + 16, "sealed");
    let seen = c.receive(&refused.transmit[0], NOW);
    assert!(closed_with(&seen, "AUTH_FAILED", true), "{seen:?}");
}

#[test]
fn an_unauthenticated_error_ends_a_handshake_but_is_not_reported_as_the_peers() {
    let key = default_key();
    // At a client waiting for the connect-response, and at a fresh server.
    let mut c = client(&key, ChannelConfig::default(), None, 1);
    c.start(NOW).unwrap();
    let mut s = server(vec![key], vec![], ChannelConfig::default(), 2);
    for target in [&mut c, &mut s] {
        let seen = target.receive(&raw_packet(0x13, 0, &0x0007u16.to_be_bytes()), NOW);
        assert!(closed_with(&seen, "KEY_EXPIRED", false), "{seen:?}");
        let Some(Event::Error { message, .. }) = seen.events.first() else {
            panic!("{seen:?}")
        };
        assert!(message.contains("unauthenticated"), "{message}");
        assert!(seen.transmit.is_empty(), "an error is never answered");
    }
}

#[test]
fn a_header_costs_nothing_until_its_payload_arrives() {
    // The attack: a header declaring the largest packet the phase allows, plus a byte. The
    // state used to reserve the declared length at once (66 KB, 1 MB with a larger
    // maxPacketSize) for the handshake timeout; now it holds the bytes that arrived.
    for max_packet_size in [DEFAULT_MAX_PACKET_SIZE, MAX_MAX_PACKET_SIZE] {
        let config = ChannelConfig {
            max_packet_size,
            ..ChannelConfig::default()
        };
        let mut s = server(vec![default_key()], vec![], config, 2);
        let before = s.memory_bytes();
        let declared = u32::try_from(max_packet_size).unwrap();
        let mut sent = raw_header(0x01, declared, 0);
        sent.push(0);
        let out = s.receive(&sent, NOW);
        assert!(out.events.is_empty() && !out.closed, "{out:?}");
        let held = s.memory_bytes() - before;
        assert!(
            held <= 2 * sent.len(),
            "{max_packet_size}: {held} bytes held"
        );
        // More bytes: at most twice what arrived.
        let more = vec![0; 10_000];
        assert!(s.receive(&more, NOW).events.is_empty());
        let held = s.memory_bytes() - before;
        assert!(held <= 2 * (sent.len() + more.len()), "{held} bytes held");
    }
    // The same once established: a data packet's header and a few bytes.
    let (mut c, _) = simplex_pair(ChannelConfig::default());
    let before = c.memory_bytes();
    let mut sent = raw_header(0x10, 65_536, 2);
    sent.extend_from_slice(&[0; 5]);
    assert!(c.receive(&sent, NOW).events.is_empty());
    assert!(c.memory_bytes() - before <= 2 * sent.len());
}

#[test]
fn a_flag_the_phase_does_not_expect_is_refused_on_its_header() {
    // Each header alone (no payload yet) is refused at once, and nothing is buffered.
    let key = default_key();
    let fresh_server = || server(vec![default_key()], vec![], ChannelConfig::default(), 2);
    let waiting_client = || {
        let mut c = client(&key, ChannelConfig::default(), None, 1);
        c.start(NOW).unwrap();
        c
    };
    let cases: Vec<(&str, Channel, Vec<u8>)> = vec![
        (
            "data at a fresh server",
            fresh_server(),
            raw_header(0x10, 60_000, 0),
        ),
        (
            "ratchet at a fresh server",
            fresh_server(),
            raw_header(0x15, 60_000, 0),
        ),
        (
            "exchange-request first",
            fresh_server(),
            raw_header(0x03, 16_000, 0),
        ),
        (
            "connect-response at a server",
            fresh_server(),
            raw_header(0x02, 16_000, 0),
        ),
        (
            "exchange-response too early",
            waiting_client(),
            raw_header(0x04, 16_000, 0),
        ),
        (
            "an encrypted close before keys",
            fresh_server(),
            raw_header(0x12, 18, 0),
        ),
        (
            "an encrypted error before keys",
            waiting_client(),
            raw_header(0x13, 18, 0),
        ),
    ];
    for (what, mut ch, header) in cases {
        assert_eq!(header.len(), HEADER_LEN);
        let before = ch.memory_bytes();
        let seen = ch.receive(&header, NOW);
        assert!(
            closed_with(&seen, "PROTOCOL_ERROR", false),
            "{what}: {seen:?}"
        );
        assert!(ch.memory_bytes() <= before, "{what}");
    }
    // Once established, a handshake flag.
    let (mut c, _) = simplex_pair(ChannelConfig::default());
    let seen = c.receive(&raw_header(0x02, 4_000, 2), NOW);
    assert!(closed_with(&seen, "PROTOCOL_ERROR", false), "{seen:?}");
    // Sequence and time are decided on the header too.
    let (mut c, _) = simplex_pair(ChannelConfig::default());
    let seen = c.receive(&raw_header(0x10, 4_000, 5), NOW);
    assert!(closed_with(&seen, "OUT_OF_ORDER", false), "{seen:?}");
    let (mut c, _) = simplex_pair(ChannelConfig::default());
    let seen = c.receive(&with_time(&raw_header(0x10, 4_000, 2), NOW - 61), NOW);
    assert!(closed_with(&seen, "STALE_PACKET", false), "{seen:?}");
}
