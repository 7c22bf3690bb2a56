//! Shared helpers of the channel tests: keys, channels, and delivery of packets between
//! two channels whole, byte by byte or coalesced.
#![allow(dead_code, clippy::unwrap_used, clippy::panic, clippy::expect_used)]

use std::sync::{Arc, OnceLock};

use pqwire_core::channel::*;
use pqwire_core::random::SeededRandom;

/// The test clock's start.
pub const NOW: u64 = 1_700_000_000;
/// A year.
pub const YEAR: u64 = 365 * 86_400;

/// A server key of `config`, valid from `created` to `expires`, from a fixed seed.
pub fn key_with(config: &str, created: u64, expires: u64, seed: u8) -> Arc<ServerKey> {
    Arc::new(ServerKey::generate(config, created, expires, Some([seed; 32])).unwrap())
}

/// The default server key (X-Wing, Ed25519+ML-DSA-65, ChaCha20-Poly1305), generated once.
pub fn default_key() -> Arc<ServerKey> {
    static KEY: OnceLock<Arc<ServerKey>> = OnceLock::new();
    Arc::clone(KEY.get_or_init(|| key_with(DEFAULT_CONFIG, NOW - 100, NOW + YEAR, 1)))
}

/// A second default-configuration key (a Duplex client's, or another server's).
pub fn other_key() -> Arc<ServerKey> {
    static KEY: OnceLock<Arc<ServerKey>> = OnceLock::new();
    Arc::clone(KEY.get_or_init(|| key_with(DEFAULT_CONFIG, NOW - 100, NOW + YEAR, 2)))
}

/// The public key a client pins, decoded from its encoding.
pub fn pin(key: &ServerKey) -> ServerPublicKey {
    ServerPublicKey::decode(key.public().encoded()).unwrap()
}

/// A client pinning `server`, seeded.
pub fn client(
    server: &ServerKey,
    config: ChannelConfig,
    own: Option<Arc<ServerKey>>,
    seed: u8,
) -> Channel {
    Channel::client_with(
        ClientConfig {
            channel: config,
            server_key: pin(server),
            client_key: own,
        },
        NOW,
        Box::new(SeededRandom::new([seed; 32])),
    )
    .unwrap()
}

/// A server holding `keys` and trusting `trusted`, seeded.
pub fn server(
    keys: Vec<Arc<ServerKey>>,
    trusted: Vec<ServerPublicKey>,
    config: ChannelConfig,
    seed: u8,
) -> Channel {
    Channel::server_with(
        ServerConfig {
            channel: config,
            credentials: Arc::new(ServerCredentials {
                keys,
                trusted_clients: trusted,
            }),
        },
        NOW,
        Box::new(SeededRandom::new([seed; 32])),
    )
    .unwrap()
}

/// A Simplex client pinning `pinned` (seed 1) and a server holding `held` (seed 2), both
/// of the default configuration, not yet connected.
pub fn simplex_parties(pinned: &ServerKey, held: &Arc<ServerKey>) -> (Channel, Channel) {
    let c = client(pinned, ChannelConfig::default(), None, 1);
    let s = server(vec![Arc::clone(held)], vec![], ChannelConfig::default(), 2);
    (c, s)
}

/// A Duplex client holding `own` and pinning `key` (seed 1), and a Duplex server holding
/// `key` and trusting `trusted` (seed 2), not yet connected.
pub fn duplex_parties(
    key: &Arc<ServerKey>,
    own: &Arc<ServerKey>,
    trusted: &ServerKey,
) -> (Channel, Channel) {
    let c = client(key, duplex(), Some(Arc::clone(own)), 1);
    let s = server(vec![Arc::clone(key)], vec![pin(trusted)], duplex(), 2);
    (c, s)
}

/// A Duplex configuration.
pub fn duplex() -> ChannelConfig {
    ChannelConfig {
        mode: Mode::Duplex,
        ..ChannelConfig::default()
    }
}

/// How packets travel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// One `receive` per packet.
    Whole,
    /// One `receive` per byte.
    ByteAtATime,
    /// All packets in one `receive`.
    Coalesced,
}

/// Delivers `packets` to `to`, merging the outputs.
pub fn deliver(to: &mut Channel, packets: &[Vec<u8>], now: u64, how: Delivery) -> Output {
    let mut out = Output::default();
    match how {
        Delivery::Whole => {
            for p in packets {
                out.append(to.receive(p, now));
            }
        }
        Delivery::ByteAtATime => {
            for b in packets.concat() {
                out.append(to.receive(&[b], now));
            }
        }
        Delivery::Coalesced => out.append(to.receive(&packets.concat(), now)),
    }
    out.closed = to.is_closed();
    out
}

/// `from` sends `text` at `now`, and `to`, given the packets as `how` says, receives
/// exactly it.
#[track_caller]
pub fn passes(from: &mut Channel, to: &mut Channel, text: &[u8], now: u64, how: Delivery) {
    let sent = from.send(text, now).unwrap();
    let got = deliver(to, &sent.transmit, now, how);
    assert_eq!(got.received, vec![text.to_vec()], "{how:?}");
}

/// Runs the two round trips; returns the client's and the server's last outputs.
pub fn handshake(client: &mut Channel, server: &mut Channel, how: Delivery) -> (Output, Output) {
    let hello = client.start(NOW).unwrap();
    assert_eq!(hello.transmit.len(), 1, "{hello:?}");
    let answer = deliver(server, &hello.transmit, NOW, how);
    assert_eq!(answer.transmit.len(), 1, "{answer:?}");
    let exchange = deliver(client, &answer.transmit, NOW, how);
    assert_eq!(exchange.transmit.len(), 1, "{exchange:?}");
    let finished = deliver(server, &exchange.transmit, NOW, how);
    let confirmed = deliver(client, &finished.transmit, NOW, how);
    (confirmed, finished)
}

/// A connected Simplex pair with the default key.
pub fn simplex_pair(config: ChannelConfig) -> (Channel, Channel) {
    let key = default_key();
    let mut c = client(&key, config.clone(), None, 3);
    let mut s = server(vec![key], vec![], config, 4);
    let (co, so) = handshake(&mut c, &mut s, Delivery::Whole);
    assert_eq!(so.events.first().map(Event::kind), Some("secure"), "{so:?}");
    assert_eq!(co.events.first().map(Event::kind), Some("secure"), "{co:?}");
    (c, s)
}

/// Whether `out` closed with `code`: an error event of that code (from us, or reported
/// by the peer when `remote`), then a close event with it, and `closed`.
pub fn closed_with(out: &Output, code: &str, remote: bool) -> bool {
    let error = out.events.iter().find_map(|e| match e {
        Event::Error {
            code: c, remote: r, ..
        } => Some((*c, *r)),
        _ => None,
    });
    out.closed
        && error == Some((code_of(code), remote))
        && matches!(out.events.last(), Some(Event::Close { code: c }) if *c == code)
}

fn code_of(code: &str) -> &'static str {
    WIRE_CODES
        .iter()
        .find(|(_, c)| *c == code)
        .map_or("?", |(_, c)| *c)
}

/// Delivers `out`'s packets to `to` and checks that `to` closed with the peer's `code`:
/// `remote` when `to` is established (a sealed error), not `remote` during the handshake
/// (a plaintext error packet, which nothing authenticates).
pub fn peer_sees(to: &mut Channel, out: &Output, code: &str, now: u64) {
    assert!(
        !out.transmit.is_empty(),
        "no error packet was sent: {out:?}"
    );
    let authenticated = to.state() == ChannelState::Established;
    let seen = deliver(to, &out.transmit, now, Delivery::Whole);
    assert!(closed_with(&seen, code, authenticated), "{code}: {seen:?}");
}

/// `to` receives `packet` at `now`, refuses it with `code` and closes (the error its own,
/// not the peer's): its output.
#[track_caller]
pub fn refusal(to: &mut Channel, packet: &[u8], now: u64, code: &str) -> Output {
    let out = to.receive(packet, now);
    assert!(closed_with(&out, code, false), "{code}: {out:?}");
    out
}

/// [`refusal`], then the sender `from` receives `to`'s error and closes with `code` too
/// ([`peer_sees`]).
#[track_caller]
pub fn refused_by(to: &mut Channel, packet: &[u8], now: u64, code: &str, from: &mut Channel) {
    let out = refusal(to, packet, now, code);
    peer_sees(from, &out, code, now);
}

/// The client's connect-request, sent at `NOW`, reaches the server at `now`: refused there
/// with `code`, and the client closes with it too ([`refused_by`]).
#[track_caller]
pub fn hello_refused(c: &mut Channel, s: &mut Channel, now: u64, code: &str) {
    let hello = c.start(NOW).unwrap().transmit.remove(0);
    refused_by(s, &hello, now, code, c);
}

/// A packet written by hand: the header (`flag`, the body's length, `sequence`, `time`)
/// and `body`.
pub fn packet(flag: u8, sequence: u64, time: u64, body: &[u8]) -> Vec<u8> {
    let mut p = vec![flag];
    p.extend_from_slice(&u32::try_from(body.len()).unwrap().to_be_bytes());
    p.extend_from_slice(&sequence.to_be_bytes());
    p.extend_from_slice(&time.to_be_bytes());
    p.extend_from_slice(body);
    p
}

/// Flips one bit of byte `i`.
pub fn flip(packet: &[u8], i: usize) -> Vec<u8> {
    let mut p = packet.to_vec();
    p[i] ^= 0x01;
    p
}

/// The same packet with another time in its header (bytes 13..21).
pub fn with_time(packet: &[u8], t: u64) -> Vec<u8> {
    let mut p = packet.to_vec();
    p[13..21].copy_from_slice(&t.to_be_bytes());
    p
}

/// Whether an output is inert: closed and nothing else.
pub fn inert(out: &Output) -> bool {
    out.closed && out.transmit.is_empty() && out.received.is_empty() && out.events.is_empty()
}
