//! The online channel (docs/channel.md) end to end in memory: both modes in every delivery
//! pattern, and the refusals of an established channel, each with its code and the
//! channel closed cleanly on both sides. Handshake refusals are in `channel_handshake.rs`,
//! server keys in `channel_server_key.rs`, packet-level rules in `channel_packets.rs`.
#![allow(clippy::unwrap_used, clippy::panic, clippy::expect_used)]

mod channel_support;

use std::sync::Arc;

use channel_support::*;
use pqwire_core::channel::*;
use pqwire_core::wire::{self, WireMessage};
use pqwire_core::KemSuite;

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
        passes(&mut s, &mut c, b"hello client", NOW + 2, how);
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
        passes(&mut c, &mut s, b"mutual", NOW + 1, how);
        passes(&mut s, &mut c, b"indeed", NOW + 1, how);
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
        let (mut c, mut s) = duplex_parties(&key, &own, &own);
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
    let close = packet(0x12, 2, NOW, &[0, 0]);
    refusal(&mut s, &close, NOW, "AUTH_FAILED");
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

/// The code of the error a client of `config` without a key of its own, pinning `key`,
/// is refused with.
fn keyless_client(config: ChannelConfig, key: &ServerKey) -> &'static str {
    let config = ClientConfig {
        channel: config,
        server_key: pin(key),
        client_key: None,
    };
    Channel::client(config, NOW).unwrap_err().code()
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
        assert_eq!(keyless_client(bad, &key), "INVALID_ARGUMENT");
    }
    // Duplex needs the client's key; Simplex has none.
    assert_eq!(keyless_client(duplex(), &key), "INVALID_ARGUMENT");
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
