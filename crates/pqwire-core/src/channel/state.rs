//! [`Channel`]: the sans-I/O state machine (docs/channel.md §4, §8, §9). Bytes and time
//! in; packets, plaintext and events out.

use std::sync::Arc;

use super::asymmetric_rekey::RatchetPhase;
use super::codes::ChannelCode;
use super::config::{ChannelConfig, Limits, HEADER_LEN};
use super::events::{Direction, Event, Output};
use super::handshake::{ClientHandshake, ServerCredentials, ServerHandshake};
use super::keys::{DirectionKeys, Secret};
use super::packet::{Flag, Header, Reassembler};
use super::server_key::{ServerKey, ServerPublicKey};
use crate::aead::TAG_LEN;
use crate::negotiation::Agreement;
use crate::random::{OsRandom, RandomSource};
use crate::ratchet::KeyId;
use crate::{Error, Result};

/// Which end of the channel this is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChannelRole {
    /// Starts the handshake; pins the server's key.
    Client,
    /// Answers it with one of its keys.
    Server,
}

/// The public state of a channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChannelState {
    /// Before the `secure` event.
    Handshake,
    /// Data may flow.
    Established,
    /// Closed: every call is inert.
    Closed,
}

impl ChannelState {
    /// `handshake`, `established` or `closed`.
    pub fn name(self) -> &'static str {
        match self {
            ChannelState::Handshake => "handshake",
            ChannelState::Established => "established",
            ChannelState::Closed => "closed",
        }
    }
}

/// What a client needs: the settings, the pinned server key and, in Duplex, its own key.
#[derive(Debug)]
pub struct ClientConfig {
    /// The channel's settings.
    pub channel: ChannelConfig,
    /// The server's public key, as pinned (decoded with [`ServerPublicKey::decode`]).
    pub server_key: ServerPublicKey,
    /// Duplex: the client's own key (its public part must be trusted by the server).
    pub client_key: Option<Arc<ServerKey>>,
}

/// What a server needs: the settings and its credentials (shared by its connections).
#[derive(Debug)]
pub struct ServerConfig {
    /// The channel's settings.
    pub channel: ChannelConfig,
    /// The server's keys and trusted client keys.
    pub credentials: Arc<ServerCredentials>,
}

/// An established channel's keys and ratchet.
pub(crate) struct Established {
    pub agreement: Agreement,
    pub channel_secret: Secret,
    pub send: DirectionKeys,
    pub recv: DirectionKeys,
    pub ratchet: RatchetPhase,
    pub last_ratchet: u64,
}

// The established state stays inline: it is what a connection holds for its lifetime, and
// boxing it would cost an allocation per connection; the handshake states are boxed, so
// their key pairs and transcripts are freed once the channel is established.
#[allow(clippy::large_enum_variant)]
pub(super) enum Phase {
    Client(Box<ClientHandshake>),
    Server(Box<ServerHandshake>),
    Established(Established),
    Closed,
}

/// One end of an online channel (docs/channel.md), sans I/O: the caller feeds it the bytes
/// that arrived and the time, and writes out the packets it returns. Input may be split
/// or coalesced arbitrarily. No clock is read; randomness comes from a [`RandomSource`]
/// (the OS by default).
///
/// Every call returns an [`Output`]; refusals are `error` events (and an error packet to
/// the peer), after which the channel is closed and inert. Only misuse by the caller
/// (sending before the `secure` event or after close, starting twice) is an `Err`.
///
/// Secrets (traffic secrets, keys, ephemeral KEM keys) are wiped on drop and never shown
/// by `Debug`.
pub struct Channel {
    pub(super) role: ChannelRole,
    pub(super) limits: Limits,
    pub(super) rng: Box<dyn RandomSource + Send>,
    pub(super) phase: Phase,
    pub(super) send_seq: u64,
    pub(super) recv_seq: u64,
    pub(super) last_sent: u64,
    pub(super) last_received: u64,
    pub(super) reassembler: Reassembler,
    pub(super) header_checked: bool,
    pub(super) peer_key_id: Option<KeyId>,
}

impl Channel {
    /// A client, with the OS's randomness.
    pub fn client(config: ClientConfig, now: u64) -> Result<Self> {
        Self::client_with(config, now, Box::new(OsRandom))
    }

    /// A client drawing its randomness from `rng` (a seeded source makes runs
    /// reproducible).
    pub fn client_with(
        config: ClientConfig,
        now: u64,
        rng: Box<dyn RandomSource + Send>,
    ) -> Result<Self> {
        let limits = Limits::of(&config.channel);
        let hs = ClientHandshake::new(config.channel, config.server_key, config.client_key)?;
        let peer = Some(hs.server_key_id());
        Ok(Self::new(
            ChannelRole::Client,
            limits,
            rng,
            Phase::Client(Box::new(hs)),
            now,
            peer,
        ))
    }

    /// A server, with the OS's randomness.
    pub fn server(config: ServerConfig, now: u64) -> Result<Self> {
        Self::server_with(config, now, Box::new(OsRandom))
    }

    /// A server drawing its randomness from `rng`.
    pub fn server_with(
        config: ServerConfig,
        now: u64,
        rng: Box<dyn RandomSource + Send>,
    ) -> Result<Self> {
        let limits = Limits::of(&config.channel);
        let hs = ServerHandshake::new(config.channel, config.credentials)?;
        Ok(Self::new(
            ChannelRole::Server,
            limits,
            rng,
            Phase::Server(Box::new(hs)),
            now,
            None,
        ))
    }

    fn new(
        role: ChannelRole,
        limits: Limits,
        rng: Box<dyn RandomSource + Send>,
        phase: Phase,
        now: u64,
        peer_key_id: Option<KeyId>,
    ) -> Self {
        Channel {
            role,
            limits,
            rng,
            phase,
            send_seq: 0,
            recv_seq: 0,
            last_sent: now,
            last_received: now,
            reassembler: Reassembler::default(),
            header_checked: false,
            peer_key_id,
        }
    }

    /// Client or server.
    pub fn role(&self) -> ChannelRole {
        self.role
    }

    /// Handshake, established or closed.
    pub fn state(&self) -> ChannelState {
        match self.phase {
            Phase::Client(_) | Phase::Server(_) => ChannelState::Handshake,
            Phase::Established(_) => ChannelState::Established,
            Phase::Closed => ChannelState::Closed,
        }
    }

    /// Whether the channel is closed.
    pub fn is_closed(&self) -> bool {
        matches!(self.phase, Phase::Closed)
    }

    /// The peer's key id: the server key's (client side), the client key's (server side,
    /// Duplex, once the connect request named it).
    pub fn peer_key_id(&self) -> Option<KeyId> {
        self.peer_key_id
    }

    /// What the handshake agreed on, once established.
    pub fn agreement(&self) -> Option<&Agreement> {
        match &self.phase {
            Phase::Established(e) => Some(&e.agreement),
            _ => None,
        }
    }

    /// The memory this connection holds: the struct itself and what it owns on the heap
    /// (buffers, handshake or ratchet state). Keys shared between connections (a server's
    /// credentials) are not counted. Handshake and ratchet key pairs are estimated from
    /// their suites' key sizes.
    pub fn memory_bytes(&self) -> usize {
        let phase = match &self.phase {
            Phase::Client(hs) => core::mem::size_of::<ClientHandshake>() + hs.heap_bytes(),
            Phase::Server(hs) => core::mem::size_of::<ServerHandshake>() + hs.heap_bytes(),
            Phase::Established(e) => e.ratchet.heap_bytes(),
            Phase::Closed => 0,
        };
        core::mem::size_of::<Self>()
            + core::mem::size_of_val(&*self.rng)
            + self.reassembler.held_bytes()
            + phase
    }

    /// Client: sends the connect-request (an expired pinned key is refused with
    /// `KEY_EXPIRED`, nothing sent). Server: nothing to do. Twice, or after close, is
    /// `INVALID_ARGUMENT`.
    pub fn start(&mut self, now: u64) -> Result<Output> {
        let mut out = Output::default();
        match &mut self.phase {
            Phase::Client(hs) if !hs.started() => match hs.connect_request(now, &mut *self.rng) {
                Ok(payload) => {
                    let packet = self.plain_packet(Flag::ConnectRequest, &payload, now);
                    self.push(&mut out, packet, now);
                }
                Err(e) => self.refuse(&mut out, e, now, false),
            },
            Phase::Server(_) => {}
            Phase::Closed => {
                return Err(Error::InvalidArgument {
                    what: "the channel is closed",
                })
            }
            _ => {
                return Err(Error::InvalidArgument {
                    what: "start was already called",
                })
            }
        }
        out.closed = self.is_closed();
        Ok(out)
    }

    /// Feeds bytes that arrived from the peer: any number of packets or parts of packets.
    /// Data received is in [`Output::received`]; a refused packet closes the channel (an
    /// `error` event, an error packet to the peer). After close: inert.
    pub fn receive(&mut self, bytes: &[u8], now: u64) -> Output {
        let mut out = Output::default();
        let mut input = bytes;
        while !self.is_closed() {
            let Some(raw) = self.reassembler.header(&mut input) else {
                break;
            };
            let header = match Header::parse(&raw) {
                Ok(h) => h,
                Err(e) => {
                    self.refuse(&mut out, e, now, true);
                    break;
                }
            };
            if !self.header_checked {
                if let Err(e) = self.check_header(&header, now) {
                    self.refuse(&mut out, e, now, header.flag != Flag::Error);
                    break;
                }
                self.header_checked = true;
            }
            let total = HEADER_LEN + header.length as usize;
            let Some(packet) = self.reassembler.packet(&mut input, total) else {
                break;
            };
            self.header_checked = false;
            self.on_packet(&mut out, header, &packet, now);
        }
        out.closed = self.is_closed();
        out
    }

    /// Sends application data, split into packets of at most `maxPacketSize` payload
    /// bytes (re-keying first when a key's packet budget is spent). Before the `secure`
    /// event or after close: `INVALID_ARGUMENT`.
    pub fn send(&mut self, data: &[u8], now: u64) -> Result<Output> {
        self.require_established("send")?;
        let mut out = Output::default();
        let chunk = self.limits.max_packet_size - TAG_LEN;
        for part in data.chunks(chunk) {
            if let Err(e) = self.auto_rekey(&mut out, now) {
                self.refuse(&mut out, e, now, false);
                break;
            }
            let packet = self.sealed_packet(Flag::Data, part, now);
            if !self.push(&mut out, packet, now) {
                break;
            }
        }
        out.closed = self.is_closed();
        Ok(out)
    }

    /// Timers: a keep-alive after `keepAliveSeconds` of send silence, `DEAD_PEER` after
    /// `deadPeerSeconds` without anything received, a ratchet when the policy says so.
    pub fn poll(&mut self, now: u64) -> Output {
        let mut out = Output::default();
        if self.is_closed() {
            out.closed = true;
            return out;
        }
        let silent = now.saturating_sub(self.last_received);
        if silent >= self.limits.dead_peer_seconds {
            let e = ChannelCode::DeadPeer.error(format!(
                "nothing received from the peer for {silent} seconds (limit {})",
                self.limits.dead_peer_seconds
            ));
            self.refuse(&mut out, e, now, true);
            out.closed = true;
            return out;
        }
        if let (Phase::Established(e), Some(period)) =
            (&self.phase, self.limits.ratchet_every_seconds)
        {
            if e.ratchet.is_idle() && now.saturating_sub(e.last_ratchet) >= period {
                self.start_ratchet(&mut out, now);
            }
        }
        if matches!(self.phase, Phase::Established(_))
            && now.saturating_sub(self.last_sent) >= self.limits.keep_alive_seconds
        {
            match self.auto_rekey(&mut out, now) {
                Ok(()) => {
                    let packet = self.sealed_packet(Flag::KeepAlive, &[], now);
                    if self.push(&mut out, packet, now) {
                        out.events.push(Event::KeepAlive(Direction::Send));
                    }
                }
                Err(e) => self.refuse(&mut out, e, now, false),
            }
        }
        out.closed = self.is_closed();
        out
    }

    /// A symmetric re-key of our sending direction now (docs/channel.md §6).
    pub fn rekey(&mut self, now: u64) -> Result<Output> {
        self.require_established("rekey")?;
        let mut out = Output::default();
        if let Err(e) = self.send_rekey(&mut out, now) {
            self.refuse(&mut out, e, now, false);
        }
        out.closed = self.is_closed();
        Ok(out)
    }

    /// Starts an asymmetric ratchet (docs/channel.md §7); does nothing while one of ours is
    /// in progress.
    pub fn ratchet(&mut self, now: u64) -> Result<Output> {
        self.require_established("ratchet")?;
        let mut out = Output::default();
        self.start_ratchet(&mut out, now);
        out.closed = self.is_closed();
        Ok(out)
    }

    /// Closes the channel: a close packet to the peer (authenticated once established),
    /// a `close` event (`NORMAL`). After close: inert.
    pub fn close(&mut self, now: u64) -> Output {
        let mut out = Output::default();
        if self.is_closed() {
            out.closed = true;
            return out;
        }
        let packet = match &self.phase {
            Phase::Established(_) => Some(self.sealed_packet(Flag::Close, &[0, 0], now)),
            Phase::Client(hs) if !hs.started() => None,
            _ => Some(self.plain_packet(Flag::Close, &[0, 0], now)),
        };
        if let Some(Ok(p)) = packet {
            out.transmit.push(p);
        }
        self.close_now();
        out.events.push(Event::normal_close());
        out.closed = true;
        out
    }

    fn require_established(&self, what: &'static str) -> Result<()> {
        match self.phase {
            Phase::Established(_) => Ok(()),
            Phase::Closed => Err(Error::InvalidArgument {
                what: match what {
                    "send" => "cannot send: the channel is closed",
                    "rekey" => "cannot rekey: the channel is closed",
                    _ => "cannot ratchet: the channel is closed",
                },
            }),
            _ => Err(Error::InvalidArgument {
                what: match what {
                    "send" => "cannot send before the channel is secure",
                    "rekey" => "cannot rekey before the channel is secure",
                    _ => "cannot ratchet before the channel is secure",
                },
            }),
        }
    }

    /// The established keys, for the ratchet's handlers.
    pub(crate) fn established_mut(&mut self) -> Result<&mut Established> {
        match &mut self.phase {
            Phase::Established(e) => Ok(e),
            _ => Err(ChannelCode::ProtocolError.error("not established")),
        }
    }

    /// Records that a packet was sent at `now` (for the keep-alive timer).
    pub(crate) fn last_sent_now(&mut self, now: u64) {
        self.last_sent = now;
    }

    /// The randomness source, for the ratchet's handlers.
    pub(crate) fn rng(&mut self) -> &mut dyn RandomSource {
        &mut *self.rng
    }
}

impl core::fmt::Debug for Channel {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Channel")
            .field("role", &self.role)
            .field("state", &self.state())
            .field("send_seq", &self.send_seq)
            .field("recv_seq", &self.recv_seq)
            .field("keys", &"[REDACTED]")
            .finish()
    }
}
