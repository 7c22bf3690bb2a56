//! The channel's settings and limits (docs/channel.md §12), in one place.

use crate::negotiation::Policy;
use crate::wire::{Capabilities, WireMessage};
use crate::{Error, Result};

/// Bytes of a packet header: flag (1), length (4), sequence (8), time (8).
pub const HEADER_LEN: usize = 21;
/// The default cap on a packet's payload.
pub const DEFAULT_MAX_PACKET_SIZE: usize = 64 * 1024;
/// The smallest payload cap a channel may be configured with.
pub const MIN_MAX_PACKET_SIZE: usize = 1024;
/// The largest payload cap a channel may be configured with (the hard maximum).
pub const MAX_MAX_PACKET_SIZE: usize = 1 << 20;
/// Handshake packets may be this large whatever the configured cap: they carry keys and
/// signatures (the largest, a Duplex exchange-request with X25519+ML-KEM-1024 and
/// Ed25519+ML-DSA-87, is under 8 KiB).
pub const HANDSHAKE_PACKET_CAP: usize = 16 * 1024;
/// The default re-key period: a send key protects at most this many packets.
pub const DEFAULT_REKEY_EVERY_PACKETS: u64 = 1 << 20;
/// The default keep-alive period (seconds of send silence).
pub const DEFAULT_KEEP_ALIVE_SECONDS: u64 = 120;
/// The default dead-peer timeout (seconds without any packet received).
pub const DEFAULT_DEAD_PEER_SECONDS: u64 = 300;
/// The default validity window of a packet's time (seconds either way).
pub const DEFAULT_WINDOW_SECONDS: u64 = 60;
pub use crate::wire::channel::MAX_CONFIG_LEN;

/// Simplex (server-authenticated) or Duplex (mutual).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Mode {
    /// The server signs; one KEM secret.
    #[default]
    Simplex,
    /// Both sign; both contribute a KEM secret.
    Duplex,
}

impl Mode {
    /// The code in a connect-request.
    pub fn code(self) -> u8 {
        match self {
            Mode::Simplex => 1,
            Mode::Duplex => 2,
        }
    }

    /// The mode of a code.
    pub fn from_code(code: u8) -> Option<Self> {
        match code {
            1 => Some(Mode::Simplex),
            2 => Some(Mode::Duplex),
            _ => None,
        }
    }

    /// The API name (`"simplex"`, `"duplex"`).
    pub fn name(self) -> &'static str {
        match self {
            Mode::Simplex => "simplex",
            Mode::Duplex => "duplex",
        }
    }

    /// The mode named `name`.
    pub fn from_name(name: &str) -> Result<Self> {
        match name {
            "simplex" => Ok(Mode::Simplex),
            "duplex" => Ok(Mode::Duplex),
            _ => Err(Error::InvalidArgument {
                what: "mode must be 'simplex' or 'duplex'",
            }),
        }
    }
}

/// Settings of one channel, on either side.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChannelConfig {
    /// Simplex or Duplex. A server accepts connect requests of its own mode only.
    pub mode: Mode,
    /// The negotiation policy (default `pq-required`).
    pub policy: Policy,
    /// Our capabilities, encoded (default pqwire's). A server takes its versions and
    /// features; its suites are its key's.
    pub capabilities: Vec<u8>,
    /// The cap on a packet's payload, from [`MIN_MAX_PACKET_SIZE`] to
    /// [`MAX_MAX_PACKET_SIZE`]; `send` splits data to fit it.
    pub max_packet_size: usize,
    /// A send key protects at most this many packets (at least 2).
    pub rekey_every_packets: u64,
    /// A keep-alive is sent after this many seconds without sending (at least 1).
    pub keep_alive_seconds: u64,
    /// The channel closes with `DEAD_PEER` after this many seconds without receiving (at
    /// least 1).
    pub dead_peer_seconds: u64,
    /// A packet whose time differs from ours by more than this is `STALE_PACKET`.
    pub window_seconds: u64,
    /// Start an asymmetric ratchet this many seconds after the last one (or the
    /// handshake); `None`: only on demand.
    pub ratchet_every_seconds: Option<u64>,
}

impl Default for ChannelConfig {
    fn default() -> Self {
        ChannelConfig {
            mode: Mode::Simplex,
            policy: Policy::default(),
            capabilities: Capabilities::default().encode().unwrap_or_default(),
            max_packet_size: DEFAULT_MAX_PACKET_SIZE,
            rekey_every_packets: DEFAULT_REKEY_EVERY_PACKETS,
            keep_alive_seconds: DEFAULT_KEEP_ALIVE_SECONDS,
            dead_peer_seconds: DEFAULT_DEAD_PEER_SECONDS,
            window_seconds: DEFAULT_WINDOW_SECONDS,
            ratchet_every_seconds: None,
        }
    }
}

impl ChannelConfig {
    /// Checks every setting's range (`INVALID_ARGUMENT`) and that the capabilities decode
    /// (their wire code).
    pub fn validate(&self) -> Result<()> {
        let bad = |what| Err(Error::InvalidArgument { what });
        if !(MIN_MAX_PACKET_SIZE..=MAX_MAX_PACKET_SIZE).contains(&self.max_packet_size) {
            return bad("maxPacketSize must be from 1024 to 1048576");
        }
        if self.rekey_every_packets < 2 {
            return bad("rekeyEveryPackets must be at least 2");
        }
        if self.keep_alive_seconds == 0 || self.dead_peer_seconds == 0 {
            return bad("keepAliveSeconds and deadPeerSeconds must be at least 1");
        }
        if self.ratchet_every_seconds == Some(0) {
            return bad("ratchetEverySeconds must be at least 1");
        }
        Capabilities::decode(&self.capabilities)?;
        Ok(())
    }
}

/// The numbers of [`ChannelConfig`] a channel keeps once established (the capabilities
/// and policy are only needed during the handshake).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Limits {
    pub max_packet_size: usize,
    pub rekey_every_packets: u64,
    pub keep_alive_seconds: u64,
    pub dead_peer_seconds: u64,
    pub window_seconds: u64,
    pub ratchet_every_seconds: Option<u64>,
}

impl Limits {
    pub(crate) fn of(c: &ChannelConfig) -> Self {
        Limits {
            max_packet_size: c.max_packet_size,
            rekey_every_packets: c.rekey_every_packets,
            keep_alive_seconds: c.keep_alive_seconds,
            dead_peer_seconds: c.dead_peer_seconds,
            window_seconds: c.window_seconds,
            ratchet_every_seconds: c.ratchet_every_seconds,
        }
    }

    /// The payload cap for a packet (handshake packets at least
    /// [`HANDSHAKE_PACKET_CAP`]).
    pub(crate) fn cap(&self, handshake: bool) -> usize {
        if handshake {
            self.max_packet_size.max(HANDSHAKE_PACKET_CAP)
        } else {
            self.max_packet_size
        }
    }
}
