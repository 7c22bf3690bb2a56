//! The online channel of `docs/channel.md` (QSMP-style Simplex and Duplex), sans I/O:
//! [`Channel`] takes the bytes that arrived and the time, and returns the packets to
//! write, the plaintext received and events. No sockets, no clock; randomness from a
//! [`RandomSource`](crate::random::RandomSource).
//!
//! | file | concept |
//! | --- | --- |
//! | `server_key.rs` | [`ServerKey`], [`ServerPublicKey`] (wire `0x20`, record `0x16`) (§3) |
//! | `packet.rs` | [`Header`], [`Flag`], reassembly from a stream (§4) |
//! | `keys.rs` | transcript hashes, key schedule, re-key, ratchet secret, nonces (§5.2, §5.3, §6, §7) |
//! | `handshake.rs` | the client's and the server's handshake steps, [`ServerCredentials`] (§5.4, §5.5) |
//! | `asymmetric_rekey.rs` | the asymmetric ratchet: a fresh KEM exchange mixed into the channel secret (§7) |
//! | `state.rs` | [`Channel`]: its calls, timers and close (§8, §9) |
//! | `receive.rs` | packets in: the header rules, then each packet by state, refusals (§4.4, §5) |
//! | `transmit.rs` | packets out: sequence numbers, plaintext and sealed packets, re-key markers (§4.1–§4.3) |
//! | `config.rs` | [`ChannelConfig`], [`Mode`], limits and defaults (§12) |
//! | `events.rs` | [`Event`], [`Output`] (§10) |
//! | `codes.rs` | [`ChannelCode`] and the u16 of every code (§11) |
//!
//! ```
//! use std::sync::Arc;
//! use pqwire_core::channel::*;
//! use pqwire_core::random::SeededRandom;
//!
//! let now = 1_700_000_000;
//! let key = Arc::new(ServerKey::generate(DEFAULT_CONFIG, now, now + 86_400, Some([1; 32]))?);
//! let pinned = ServerPublicKey::decode(key.public().encoded())?;
//! let credentials = Arc::new(ServerCredentials { keys: vec![key], trusted_clients: vec![] });
//!
//! let mut client = Channel::client_with(
//!     ClientConfig { channel: ChannelConfig::default(), server_key: pinned, client_key: None },
//!     now, Box::new(SeededRandom::new([2; 32])))?;
//! let mut server = Channel::server(
//!     ServerConfig { channel: ChannelConfig::default(), credentials }, now)?;
//!
//! // Two round trips, bytes passed by hand.
//! let hello = client.start(now)?.transmit.concat();
//! let answer = server.receive(&hello, now).transmit.concat();
//! let exchange = client.receive(&answer, now).transmit.concat();
//! let done = server.receive(&exchange, now);
//! assert_eq!(done.events[0].kind(), "secure");
//! let secure = client.receive(&done.transmit.concat(), now);
//! assert_eq!(secure.events[0].kind(), "secure");
//!
//! let packet = client.send(b"hello", now + 1)?.transmit.concat();
//! assert_eq!(server.receive(&packet, now + 1).received, vec![b"hello".to_vec()]);
//!
//! // A replayed packet is refused and closes the channel.
//! let refused = server.receive(&packet, now + 2);
//! assert_eq!(refused.error_code(), Some("REPLAYED"));
//! assert!(refused.closed);
//! # Ok::<(), pqwire_core::Error>(())
//! ```

mod admission;
mod asymmetric_rekey;
mod codes;
mod config;
mod events;
mod handshake;
mod keys;
mod packet;
mod receive;
mod server_key;
mod state;
mod transmit;

pub use crate::wire::channel::{
    ChannelSuites, ConnectRequest, ConnectResponse, ExchangeRequest, ExchangeResponse,
    CHANNEL_VERSION, CLIENT_RANDOM_LEN, CONFIRMATION_LEN, DEFAULT_CONFIG,
};
pub use admission::{requested_client_key, RequestedClientKey};
pub use codes::{code_from_wire, code_to_wire, ChannelCode, NORMAL, WIRE_CODES};
pub use config::{
    ChannelConfig, Mode, DEFAULT_DEAD_PEER_SECONDS, DEFAULT_KEEP_ALIVE_SECONDS,
    DEFAULT_MAX_PACKET_SIZE, DEFAULT_REKEY_EVERY_PACKETS, DEFAULT_WINDOW_SECONDS,
    HANDSHAKE_PACKET_CAP, HEADER_LEN, MAX_CONFIG_LEN, MAX_MAX_PACKET_SIZE, MIN_MAX_PACKET_SIZE,
};
pub use events::{Direction, Event, Output};
pub use handshake::ServerCredentials;
pub use keys::{
    LABEL_CHANNEL_SECRET, LABEL_CLIENT_SIGNATURE, LABEL_CLIENT_TO_SERVER, LABEL_IV, LABEL_KEY,
    LABEL_RATCHET, LABEL_RATCHET_TRANSCRIPT, LABEL_REKEY, LABEL_SERVER_SIGNATURE,
    LABEL_SERVER_TO_CLIENT, LABEL_TH1, LABEL_TH2, LABEL_TH3,
};
pub use packet::{Flag, Header};
pub use server_key::{ServerKey, ServerPublicKey};
pub use state::{Channel, ChannelRole, ChannelState, ClientConfig, ServerConfig};

/// Tags of the channel's wire messages (the wire format's, [`crate::wire::tags`]).
pub mod tags {
    pub use crate::wire::tags::channel_server_key as server_key;
    pub use crate::wire::tags::{
        connect_request, connect_response, exchange_request, exchange_response,
    };
}
