//! The channel's packet-level rules (docs/channel.md §4): error codes on the wire, close
//! and error packets during the handshake, data before a refused packet, forged error
//! packets, and headers decided before any payload is buffered.
#![allow(clippy::unwrap_used, clippy::panic, clippy::expect_used)]

mod channel_support;

use channel_support::*;
use pqwire_core::channel::*;

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
    let error = packet(0x13, 0, NOW, &[0x12, 0x34]);
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
// Forged error packets, headers decided before buffering (docs/channel.md §4.3, §4.4)

/// A packet with a plaintext payload, as anyone on the path can write it.
fn raw_packet(flag: u8, sequence: u64, payload: &[u8]) -> Vec<u8> {
    packet(flag, sequence, NOW, payload)
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
    #[derive(Clone, Copy)]
    enum To {
        FreshServer,
        WaitingClient,
    }
    // (what, who receives it, flag, declared length)
    let cases = [
        ("data at a fresh server", To::FreshServer, 0x10, 60_000),
        ("ratchet at a fresh server", To::FreshServer, 0x15, 60_000),
        ("exchange-request first", To::FreshServer, 0x03, 16_000),
        (
            "connect-response at a server",
            To::FreshServer,
            0x02,
            16_000,
        ),
        (
            "exchange-response too early",
            To::WaitingClient,
            0x04,
            16_000,
        ),
        ("an encrypted close before keys", To::FreshServer, 0x12, 18),
        (
            "an encrypted error before keys",
            To::WaitingClient,
            0x13,
            18,
        ),
    ];
    for (what, to, flag, length) in cases {
        let mut ch = match to {
            To::FreshServer => fresh_server(),
            To::WaitingClient => waiting_client(),
        };
        let header = raw_header(flag, length, 0);
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
