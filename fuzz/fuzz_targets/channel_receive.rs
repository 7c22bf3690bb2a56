//! The online channel's receiving side (docs/channel.md §4.4): a server, or a client past
//! its connect request, fed arbitrary bytes never panics. Checks:
//! - every refusal is an `error` event whose code is one of the channel's wire codes
//!   (no `INVALID_ARGUMENT` or `INTERNAL` from inside), followed by a `close` event with
//!   the same code as the last event, and the channel is closed;
//! - a closed channel is inert: more input changes nothing and produces nothing;
//! - every packet transmitted in reply starts with a defined flag and its header's length
//!   is the payload's.
//!
//! The first input byte picks the scenario: bit 0 the side (server or client), bit 1
//! whether the rest is raw bytes or a patch over a genuine conversation, bits 2–7 the
//! size of the pieces it is delivered in (0: all at once). A patch is `u16 offset ‖
//! bytes`, XORed onto the genuine stream of the other side (connect request or response,
//! the exchange, data, a re-key, a ratchet, a close) from a seeded run: with an empty
//! patch the whole conversation is accepted, so the fuzzer reaches every state.
#![no_main]

use std::sync::{Arc, OnceLock};

use libfuzzer_sys::fuzz_target;
use pqwire_core::channel::{
    Channel, ChannelConfig, ClientConfig, Event, Flag, Output, ServerConfig, ServerCredentials,
    ServerKey, ServerPublicKey, DEFAULT_CONFIG, HEADER_LEN, NORMAL, WIRE_CODES,
};
use pqwire_core::random::SeededRandom;

const NOW: u64 = 1_700_000_000;

fn key() -> Arc<ServerKey> {
    static KEY: OnceLock<Arc<ServerKey>> = OnceLock::new();
    Arc::clone(KEY.get_or_init(|| {
        Arc::new(
            ServerKey::generate(DEFAULT_CONFIG, NOW - 100, NOW + 100_000_000, Some([1; 32]))
                .expect("server key"),
        )
    }))
}

fn server() -> Channel {
    let credentials = Arc::new(ServerCredentials {
        keys: vec![key()],
        trusted_clients: vec![],
    });
    Channel::server_with(
        ServerConfig {
            channel: config(),
            credentials,
        },
        NOW,
        Box::new(SeededRandom::new([2; 32])),
    )
    .expect("server")
}

/// A started client and its connect request (a client is only fed after its start).
fn client() -> (Channel, Output) {
    let pinned = ServerPublicKey::decode(key().public().encoded()).expect("pin");
    let mut c = Channel::client_with(
        ClientConfig {
            channel: config(),
            server_key: pinned,
            client_key: None,
        },
        NOW,
        Box::new(SeededRandom::new([3; 32])),
    )
    .expect("client");
    let hello = c.start(NOW).expect("start");
    (c, hello)
}

/// The genuine stream a channel of this side receives in a seeded conversation: the
/// handshake, data, a re-key, a ratchet started by the other side, a keep-alive and a
/// close. (A ratchet started by the fed side would need its own request first.)
fn genuine(as_client: bool) -> &'static [u8] {
    static STREAMS: OnceLock<(Vec<u8>, Vec<u8>)> = OnceLock::new();
    let (to_s, to_c) = STREAMS.get_or_init(|| (conversation(false), conversation(true)));
    if as_client {
        to_c
    } else {
        to_s
    }
}

/// What the server (`to_client` false) or the client receives in a seeded conversation.
fn conversation(to_client: bool) -> Vec<u8> {
    let mut s = server();
    let (mut c, hello) = client();
    let mut to_s = hello.transmit.concat();
    let mut to_c = Vec::new();
    let mut pending = to_s.clone();
    for _ in 0..2 {
        let a = s.receive(&pending, NOW).transmit.concat();
        to_c.extend_from_slice(&a);
        pending = c.receive(&a, NOW).transmit.concat();
        to_s.extend_from_slice(&pending);
    }
    // The fed side's peer sends data, re-keys, starts a ratchet, sends data again.
    let (fed, peer) = if to_client {
        (&mut c, &mut s)
    } else {
        (&mut s, &mut c)
    };
    let mut stream = Vec::new();
    let mut out = peer.send(b"hello", NOW).expect("send").transmit;
    out.extend(peer.rekey(NOW).expect("rekey").transmit);
    out.extend(peer.ratchet(NOW).expect("ratchet").transmit);
    out.extend(peer.send(b"old key", NOW).expect("send").transmit);
    let out = out.concat();
    stream.extend_from_slice(&out);
    let answer = fed.receive(&out, NOW).transmit.concat();
    let finish = peer.receive(&answer, NOW).transmit.concat();
    stream.extend_from_slice(&finish);
    fed.receive(&finish, NOW);
    let mut tail = peer.send(b"new key", NOW).expect("send").transmit;
    tail.extend(peer.poll(NOW + 1).transmit);
    tail.extend(peer.close(NOW + 1).transmit);
    stream.extend_from_slice(&tail.concat());
    if to_client {
        [to_c, stream].concat()
    } else {
        [to_s, stream].concat()
    }
}

/// Keep-alives after a second, so that the genuine conversation has one within the window.
fn config() -> ChannelConfig {
    ChannelConfig {
        keep_alive_seconds: 1,
        ..ChannelConfig::default()
    }
}

fn known(code: &str) -> bool {
    code != "INTERNAL" && WIRE_CODES.iter().any(|(_, c)| *c == code)
}

fn check(out: &Output, closed_before: bool) {
    if closed_before {
        assert!(
            out.closed
                && out.transmit.is_empty()
                && out.received.is_empty()
                && out.events.is_empty(),
            "a closed channel produced {out:?}"
        );
        return;
    }
    for p in &out.transmit {
        assert!(p.len() >= HEADER_LEN, "short packet");
        assert!(Flag::from_code(p[0]).is_some(), "undefined flag");
        let len = u32::from_be_bytes([p[1], p[2], p[3], p[4]]) as usize;
        assert_eq!(len, p.len() - HEADER_LEN, "header length");
    }
    let mut error = None;
    for (i, e) in out.events.iter().enumerate() {
        match e {
            Event::Error { code, .. } => {
                assert!(known(code), "unexpected error code {code}: {e:?}");
                error = Some(*code);
            }
            Event::Close { code } => {
                assert_eq!(i, out.events.len() - 1, "close is not the last event");
                assert!(
                    *code == NORMAL || Some(*code) == error,
                    "close {code} after {error:?}"
                );
                assert!(out.closed);
            }
            _ => assert!(error.is_none(), "an event after an error: {e:?}"),
        }
    }
    if error.is_some() {
        assert!(out.closed, "an error left the channel open");
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&scenario, rest)) = data.split_first() else {
        return;
    };
    let as_client = scenario & 1 == 1;
    let patched = scenario & 2 == 2;
    let piece = usize::from(scenario >> 2);
    let input = if patched {
        let mut stream = genuine(as_client).to_vec();
        let (offset, patch) = match rest {
            [a, b, patch @ ..] => (usize::from(u16::from_be_bytes([*a, *b])), patch),
            _ => (0, &[][..]),
        };
        for (i, x) in patch.iter().enumerate() {
            match stream.get_mut(offset + i) {
                Some(b) => *b ^= x,
                None => stream.push(*x),
            }
        }
        stream
    } else {
        rest.to_vec()
    };
    let mut channel = if as_client { client().0 } else { server() };
    let pieces: Vec<&[u8]> = if piece == 0 {
        vec![&input[..]]
    } else {
        input.chunks(piece).collect()
    };
    let mut all = Output::default();
    for part in pieces {
        let closed_before = channel.is_closed();
        let out = channel.receive(part, NOW);
        check(&out, closed_before);
        all.append(out);
    }
    if patched && rest.len() <= 2 {
        // The genuine conversation, unchanged, in whatever pieces: all of it accepted.
        assert!(
            all.error_code().is_none(),
            "genuine conversation refused: {all:?}"
        );
        let expected: Vec<&[u8]> = vec![b"hello", b"old key", b"new key"];
        assert_eq!(all.received, expected, "genuine data");
        assert!(all.events.contains(&Event::Ratchet), "no ratchet: {all:?}");
        assert_eq!(all.events.last(), Some(&Event::Close { code: NORMAL }));
    }
    let closed_before = channel.is_closed();
    check(&channel.receive(&[0x10; 40], NOW), closed_before);
});
