//! The online channel over time (docs/channel.md §6–§8): keep-alives and the dead-peer
//! timeout with injected time, symmetric re-keys every N packets and on demand, the
//! asymmetric ratchet with packets in flight both ways, the per-connection state size and
//! a thousand handshakes that leave nothing behind.
#![allow(clippy::unwrap_used, clippy::panic, clippy::expect_used)]

mod channel_support;

use std::sync::Arc;

use channel_support::*;
use pqwire_core::channel::*;

fn kinds(out: &Output) -> Vec<&'static str> {
    out.events.iter().map(Event::kind).collect()
}

fn flags(out: &Output) -> Vec<u8> {
    out.transmit.iter().map(|p| p[0]).collect()
}

#[test]
fn keep_alive_after_send_silence() {
    let (mut c, mut s) = simplex_pair(ChannelConfig::default());
    assert!(c.poll(NOW + 119).transmit.is_empty());
    let ka = c.poll(NOW + 120);
    assert_eq!(flags(&ka), vec![0x11]);
    assert_eq!(ka.events, vec![Event::KeepAlive(Direction::Send)]);
    let seen = s.receive(&ka.transmit[0], NOW + 120);
    assert_eq!(seen.events, vec![Event::KeepAlive(Direction::Receive)]);
    assert!(seen.received.is_empty() && !seen.closed);
    // Data resets the timer.
    let sent = c.send(b"x", NOW + 130).unwrap();
    s.receive(&sent.transmit[0], NOW + 130);
    assert!(c.poll(NOW + 249).transmit.is_empty());
    assert_eq!(flags(&c.poll(NOW + 250)), vec![0x11]);
    // Configurable.
    let config = ChannelConfig {
        keep_alive_seconds: 5,
        ..ChannelConfig::default()
    };
    let (mut c, _) = simplex_pair(config);
    assert_eq!(flags(&c.poll(NOW + 5)), vec![0x11]);
}

#[test]
fn keep_alives_keep_a_quiet_channel_open() {
    let (mut c, mut s) = simplex_pair(ChannelConfig::default());
    let mut received = 0;
    for t in (NOW..NOW + 2000).step_by(30) {
        let from_c = c.poll(t);
        let from_s = s.poll(t);
        let at_s = deliver(&mut s, &from_c.transmit, t, Delivery::Whole);
        let at_c = deliver(&mut c, &from_s.transmit, t, Delivery::Whole);
        for out in [&from_c, &from_s, &at_s, &at_c] {
            assert!(out.error_code().is_none() && !out.closed, "{t}: {out:?}");
        }
        received += at_s.events.len() + at_c.events.len();
    }
    assert!(received >= 2 * 15, "{received}");
}

#[test]
fn a_silent_peer_is_dead() {
    let (mut c, mut s) = simplex_pair(ChannelConfig::default());
    // At 299 seconds the server only sends a keep-alive (it has been silent too).
    let alive = s.poll(NOW + 299);
    assert_eq!(flags(&alive), vec![0x11]);
    assert!(alive.error_code().is_none());
    let dead = s.poll(NOW + 300);
    assert!(closed_with(&dead, "DEAD_PEER", false), "{dead:?}");
    assert_eq!(flags(&dead), vec![0x13]);
    // The error packet reaches the peer (it was only silent, or its packets were lost).
    let seen = deliver(
        &mut c,
        &[alive.transmit, dead.transmit].concat(),
        NOW + 300,
        Delivery::Coalesced,
    );
    assert!(closed_with(&seen, "DEAD_PEER", true), "{seen:?}");
    assert_eq!(seen.events[0], Event::KeepAlive(Direction::Receive));
    // Configurable, and during the handshake too.
    let config = ChannelConfig {
        dead_peer_seconds: 10,
        ..ChannelConfig::default()
    };
    let key = default_key();
    let mut s = server(vec![key.clone()], vec![], config.clone(), 2);
    assert!(closed_with(&s.poll(NOW + 10), "DEAD_PEER", false));
    let mut c = client(&key, config, None, 1);
    c.start(NOW).unwrap();
    assert!(c.poll(NOW + 9).transmit.is_empty());
    assert!(closed_with(&c.poll(NOW + 10), "DEAD_PEER", false));
}

#[test]
fn rekey_every_n_packets() {
    let config = ChannelConfig {
        rekey_every_packets: 4,
        dead_peer_seconds: 10_000,
        ..ChannelConfig::default()
    };
    let key = default_key();
    let mut c = client(&key, config, None, 1);
    let mut s = server(vec![key], vec![], ChannelConfig::default(), 2);
    handshake(&mut c, &mut s, Delivery::Whole);
    let mut sent = Output::default();
    for i in 0..10u8 {
        sent.append(c.send(&[i], NOW).unwrap());
    }
    // d d d R d d d R d d d R d: a key protects at most 4 packets, the last its marker.
    assert_eq!(
        flags(&sent),
        vec![0x10, 0x10, 0x10, 0x14, 0x10, 0x10, 0x10, 0x14, 0x10, 0x10, 0x10, 0x14, 0x10]
    );
    assert_eq!(
        sent.events,
        vec![Event::Rekey(Direction::Send); 3],
        "{:?}",
        sent.events
    );
    let got = deliver(&mut s, &sent.transmit, NOW, Delivery::ByteAtATime);
    assert_eq!(got.received, (0..10u8).map(|i| vec![i]).collect::<Vec<_>>());
    assert_eq!(got.events, vec![Event::Rekey(Direction::Receive); 3]);
    // Keep-alives count too.
    let mut out = Output::default();
    for t in 1..=4 {
        let o = c.poll(NOW + 120 * t);
        let seen = deliver(&mut s, &o.transmit, NOW + 120 * t, Delivery::Coalesced);
        assert!(seen.error_code().is_none(), "{seen:?}");
        out.append(o);
    }
    assert_eq!(flags(&out), vec![0x11, 0x11, 0x14, 0x11, 0x11]);
}

#[test]
fn rekey_on_demand_with_packets_in_flight() {
    for how in [Delivery::Whole, Delivery::ByteAtATime, Delivery::Coalesced] {
        let (mut c, mut s) = simplex_pair(ChannelConfig::default());
        let mut to_s = c.send(b"c1", NOW).unwrap();
        to_s.append(c.rekey(NOW).unwrap());
        to_s.append(c.send(b"c2", NOW).unwrap());
        assert_eq!(to_s.events, vec![Event::Rekey(Direction::Send)]);
        let mut to_c = s.send(b"s1", NOW).unwrap();
        to_c.append(s.rekey(NOW).unwrap());
        to_c.append(s.rekey(NOW).unwrap());
        to_c.append(s.send(b"s2", NOW).unwrap());
        let at_s = deliver(&mut s, &to_s.transmit, NOW, how);
        let at_c = deliver(&mut c, &to_c.transmit, NOW, how);
        assert_eq!(
            at_s.received,
            vec![b"c1".to_vec(), b"c2".to_vec()],
            "{how:?}"
        );
        assert_eq!(
            at_c.received,
            vec![b"s1".to_vec(), b"s2".to_vec()],
            "{how:?}"
        );
        assert_eq!(at_c.events, vec![Event::Rekey(Direction::Receive); 2]);
        // After the switch, a packet sealed under the old key cannot be passed off: a
        // tampered rekey marker (so the receiver does not switch) breaks the next packet.
        let (mut c, mut s) = simplex_pair(ChannelConfig::default());
        let mut to_s = c.rekey(NOW).unwrap();
        to_s.append(c.send(b"after", NOW).unwrap());
        let refused = s.receive(&flip(&to_s.transmit[0], HEADER_LEN), NOW);
        assert!(closed_with(&refused, "AUTH_FAILED", false), "{refused:?}");
    }
}

/// The ratchet with packets in flight in both directions, and a re-key in the middle.
#[test]
fn ratchet_on_demand_with_packets_in_flight_both_ways() {
    for how in [Delivery::Whole, Delivery::ByteAtATime, Delivery::Coalesced] {
        let (mut c, mut s) = simplex_pair(ChannelConfig::default());
        // The client: data, the request, a re-key, more data — all under its old keys.
        let mut to_s = c.send(b"c1", NOW).unwrap();
        let request = c.ratchet(NOW).unwrap();
        assert_eq!(flags(&request), vec![0x15]);
        to_s.append(request);
        assert!(c.ratchet(NOW).unwrap().transmit.is_empty()); // one at a time
        to_s.append(c.rekey(NOW).unwrap());
        to_s.append(c.send(b"c2", NOW).unwrap());
        // The server, not yet aware: data under its old key.
        let s1 = s.send(b"s1", NOW).unwrap();
        // The server reads everything; it answers the request and switches its sending.
        let at_s = deliver(&mut s, &to_s.transmit, NOW, how);
        assert_eq!(
            at_s.received,
            vec![b"c1".to_vec(), b"c2".to_vec()],
            "{how:?}"
        );
        assert_eq!(flags(&at_s), vec![0x16], "{how:?}");
        assert!(!kinds(&at_s).contains(&"ratchet"));
        let s2 = s.send(b"s2", NOW).unwrap();
        // The client reads s1 (old key), the response, s2 (new key); sends its finish.
        let to_c = [s1.transmit, at_s.transmit, s2.transmit].concat();
        let at_c = deliver(&mut c, &to_c, NOW, how);
        assert_eq!(
            at_c.received,
            vec![b"s1".to_vec(), b"s2".to_vec()],
            "{how:?}"
        );
        assert_eq!(flags(&at_c), vec![0x17]);
        assert_eq!(at_c.events, vec![Event::Ratchet]);
        let c3 = c.send(b"c3", NOW).unwrap();
        let at_s = deliver(&mut s, &[at_c.transmit, c3.transmit].concat(), NOW, how);
        assert_eq!(at_s.received, vec![b"c3".to_vec()]);
        assert_eq!(at_s.events, vec![Event::Ratchet]);
        // And again, from the server this time.
        let request = s.ratchet(NOW + 1).unwrap();
        let answer = deliver(&mut c, &request.transmit, NOW + 1, how);
        let finish = deliver(&mut s, &answer.transmit, NOW + 1, how);
        assert_eq!(finish.events, vec![Event::Ratchet]);
        let done = deliver(&mut c, &finish.transmit, NOW + 1, how);
        assert_eq!(done.events, vec![Event::Ratchet]);
        passes(&mut s, &mut c, b"still here", NOW + 2, how);
    }
}

#[test]
fn crossing_ratchet_requests_resolve_to_the_clients() {
    let key = default_key();
    let own = other_key();
    let (mut c, mut s) = duplex_parties(&key, &own, &own);
    handshake(&mut c, &mut s, Delivery::Whole);
    let rc = c.ratchet(NOW).unwrap();
    let rs = s.ratchet(NOW).unwrap();
    // The server drops its own request and answers the client's.
    let at_s = deliver(&mut s, &rc.transmit, NOW, Delivery::Whole);
    assert_eq!(flags(&at_s), vec![0x16]);
    // The client ignores the server's request (its own is pending), then finishes.
    let at_c = deliver(
        &mut c,
        &[rs.transmit, at_s.transmit].concat(),
        NOW,
        Delivery::Coalesced,
    );
    assert_eq!(flags(&at_c), vec![0x17]);
    assert_eq!(at_c.events, vec![Event::Ratchet]);
    let done = deliver(&mut s, &at_c.transmit, NOW, Delivery::Whole);
    assert_eq!(done.events, vec![Event::Ratchet]);
    // Both are idle and in step.
    passes(&mut c, &mut s, b"ping", NOW, Delivery::Whole);
    passes(&mut s, &mut c, b"pong", NOW, Delivery::Whole);
    assert_eq!(flags(&s.ratchet(NOW).unwrap()), vec![0x15]);
}

#[test]
fn ratchet_by_policy() {
    let config = ChannelConfig {
        ratchet_every_seconds: Some(600),
        dead_peer_seconds: 10_000,
        ..ChannelConfig::default()
    };
    let (mut c, mut s) = simplex_pair(config);
    // Keep-alives before, no ratchet.
    let out = c.poll(NOW + 599);
    assert_eq!(flags(&out), vec![0x11]);
    assert!(s
        .receive(&out.transmit[0], NOW + 599)
        .error_code()
        .is_none());
    let out = c.poll(NOW + 600);
    assert_eq!(flags(&out), vec![0x15]);
    let answer = s.receive(&out.transmit[0], NOW + 600);
    let finish = c.receive(&answer.transmit[0], NOW + 600);
    assert_eq!(finish.events, vec![Event::Ratchet]);
    assert_eq!(
        s.receive(&finish.transmit[0], NOW + 600).events,
        vec![Event::Ratchet]
    );
    // The period restarts at the ratchet.
    assert!(!flags(&c.poll(NOW + 1199)).contains(&0x15));
    assert!(flags(&c.poll(NOW + 1200)).contains(&0x15));
}

#[test]
fn per_connection_server_state_is_under_4_kib() {
    let (_, s) = simplex_pair(ChannelConfig::default());
    let simplex = s.memory_bytes();
    let key = default_key();
    let own = other_key();
    let (mut c, mut s) = duplex_parties(&key, &own, &own);
    let during = {
        let hello = c.start(NOW).unwrap();
        let answer = s.receive(&hello.transmit[0], NOW);
        let bytes = s.memory_bytes();
        let exchange = c.receive(&answer.transmit[0], NOW);
        let done = s.receive(&exchange.transmit[0], NOW);
        c.receive(&done.transmit[0], NOW);
        bytes
    };
    let duplex_bytes = s.memory_bytes();
    // After a ratchet the state is as small again.
    let r = c.ratchet(NOW).unwrap();
    let a = s.receive(&r.transmit[0], NOW);
    let f = c.receive(&a.transmit[0], NOW);
    s.receive(&f.transmit[0], NOW);
    let after_ratchet = s.memory_bytes();
    eprintln!(
        "server state: simplex {simplex} B, duplex {duplex_bytes} B, after a ratchet \
         {after_ratchet} B (during the handshake {during} B)"
    );
    for bytes in [simplex, duplex_bytes, after_ratchet] {
        assert!(bytes < 4096, "{bytes}");
    }
    assert!(during > duplex_bytes);
}

#[test]
fn a_thousand_handshakes_leave_nothing_behind() {
    let key =
        Arc::new(ServerKey::generate(DEFAULT_CONFIG, NOW - 1, NOW + YEAR, Some([50; 32])).unwrap());
    for i in 0..1000u32 {
        let mut c = client(&key, ChannelConfig::default(), None, (i % 251) as u8);
        let mut s = server(vec![Arc::clone(&key)], vec![], ChannelConfig::default(), 7);
        let (co, so) = handshake(&mut c, &mut s, Delivery::Coalesced);
        assert_eq!(co.events.len(), 1, "{i}: {co:?}");
        assert_eq!(so.events.len(), 1, "{i}: {so:?}");
        // Established, the server holds no handle on its credentials any more.
        assert_eq!(Arc::strong_count(&key), 1, "{i}");
        let sent = c.send(&i.to_be_bytes(), NOW).unwrap();
        assert_eq!(
            s.receive(&sent.transmit[0], NOW).received,
            vec![i.to_be_bytes().to_vec()]
        );
        let bye = c.close(NOW);
        assert!(s.receive(&bye.transmit[0], NOW).closed);
        assert!(s.memory_bytes() < 512);
    }
    assert_eq!(Arc::strong_count(&key), 1);
}
