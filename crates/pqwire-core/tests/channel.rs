//! The online channel (docs/channel.md) end to end in memory: both modes, every delivery
//! pattern, and every refusal with its code on both sides.
#![allow(clippy::unwrap_used, clippy::panic, clippy::expect_used)]

mod channel_support;

use channel_support::*;
use pqwire_core::channel::*;

#[test]
fn simplex_end_to_end_in_every_delivery() {
    for how in [Delivery::Whole, Delivery::ByteAtATime, Delivery::Coalesced] {
        let key = default_key();
        let mut c = client(&key, ChannelConfig::default(), None, 3);
        let mut s = server(vec![key], vec![], ChannelConfig::default(), 4);
        let (co, so) = handshake(&mut c, &mut s, how);
        assert_eq!(
            so.events,
            vec![Event::Secure {
                suites: "X25519+ML-KEM-768 Ed25519+ML-DSA-65 ChaCha20-Poly1305".into()
            }],
            "{how:?}"
        );
        assert_eq!(co.events.len(), 1, "{how:?} {co:?}");
        assert_eq!(c.state(), ChannelState::Established);
        let sent = c.send(b"hello server", NOW + 1).unwrap();
        let got = deliver(&mut s, &sent.transmit, NOW + 1, how);
        assert_eq!(got.received, vec![b"hello server".to_vec()]);
        let back = s.send(b"hello client", NOW + 2).unwrap();
        let got = deliver(&mut c, &back.transmit, NOW + 2, how);
        assert_eq!(got.received, vec![b"hello client".to_vec()]);
    }
}
