//! [`Channel`]: the sans-I/O state machine (docs/channel.md §4, §8, §9). Bytes and time
//! in; packets, plaintext and events out.

use std::sync::Arc;

use super::asymmetric_rekey::RatchetPhase;
use super::codes::{code_from_wire, code_to_wire, ChannelCode, NORMAL};
use super::config::{ChannelConfig, Limits, HEADER_LEN};
use super::events::{Direction, Event, Output};
use super::handshake::{ClientHandshake, HandshakeDone, ServerCredentials, ServerHandshake};
use super::keys::{self, DirectionKeys, Secret};
use super::packet::{Flag, Header, Reassembler};
use super::server_key::{ServerKey, ServerPublicKey};
use crate::aead::TAG_LEN;
use crate::negotiation::Agreement;
use crate::random::{OsRandom, RandomSource};
use crate::ratchet::KeyId;
use crate::wire::channel::{ExchangeResponse, CONFIRMATION_LEN};
use crate::wire::WireMessage;
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
enum Phase {
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
    role: ChannelRole,
    limits: Limits,
    rng: Box<dyn RandomSource + Send>,
    phase: Phase,
    send_seq: u64,
    recv_seq: u64,
    last_sent: u64,
    last_received: u64,
    reassembler: Reassembler,
    header_checked: bool,
    peer_key_id: Option<KeyId>,
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

    /// The next sequence number of our direction.
    fn next_sequence(&mut self) -> Result<u64> {
        let seq = self.send_seq;
        self.send_seq = seq.checked_add(1).ok_or_else(|| {
            ChannelCode::ProtocolError.error("the sequence numbers of this direction are used up")
        })?;
        Ok(seq)
    }

    /// A packet with a plaintext payload (handshake, or close/error before keys).
    pub(crate) fn plain_packet(&mut self, flag: Flag, payload: &[u8], now: u64) -> Result<Vec<u8>> {
        let length = u32::try_from(payload.len())
            .map_err(|_| ChannelCode::PacketTooLarge.error("payload over 4 GiB"))?;
        let sequence = self.next_sequence()?;
        let header = Header {
            flag,
            length,
            sequence,
            time: now,
        };
        let mut packet = Vec::with_capacity(HEADER_LEN + payload.len());
        packet.extend_from_slice(&header.to_bytes());
        packet.extend_from_slice(payload);
        Ok(packet)
    }

    /// A packet whose payload is sealed under our current send key.
    pub(crate) fn sealed_packet(
        &mut self,
        flag: Flag,
        plaintext: &[u8],
        now: u64,
    ) -> Result<Vec<u8>> {
        let length = u32::try_from(plaintext.len() + TAG_LEN)
            .map_err(|_| ChannelCode::PacketTooLarge.error("payload over 4 GiB"))?;
        let sequence = self.next_sequence()?;
        let Phase::Established(e) = &mut self.phase else {
            return Err(ChannelCode::ProtocolError.error("no keys to seal a packet with"));
        };
        let header = Header {
            flag,
            length,
            sequence,
            time: now,
        }
        .to_bytes();
        let mut packet = Vec::with_capacity(HEADER_LEN + plaintext.len() + TAG_LEN);
        packet.extend_from_slice(&header);
        packet.extend_from_slice(plaintext);
        e.send
            .seal_into(e.agreement.aead, &header, sequence, &mut packet, HEADER_LEN)?;
        Ok(packet)
    }

    /// Queues a packet to transmit, or refuses (closes) if it could not be built. Returns
    /// whether it was queued.
    pub(crate) fn push(&mut self, out: &mut Output, packet: Result<Vec<u8>>, now: u64) -> bool {
        match packet {
            Ok(p) => {
                self.last_sent = now;
                out.transmit.push(p);
                true
            }
            Err(e) => {
                self.refuse(out, e, now, false);
                false
            }
        }
    }

    /// Before a data, keep-alive or ratchet-request packet: a re-key when the current send
    /// key already protected `N − 1` packets.
    pub(crate) fn auto_rekey(&mut self, out: &mut Output, now: u64) -> Result<()> {
        let Phase::Established(e) = &self.phase else {
            return Ok(());
        };
        if e.send.used >= self.limits.rekey_every_packets - 1 {
            self.send_rekey(out, now)?;
        }
        Ok(())
    }

    /// Sends a rekey marker under the current key, then advances the send direction.
    fn send_rekey(&mut self, out: &mut Output, now: u64) -> Result<()> {
        let packet = self.sealed_packet(Flag::Rekey, &[], now)?;
        self.last_sent = now;
        out.transmit.push(packet);
        if let Phase::Established(e) = &mut self.phase {
            e.send.rekey()?;
        }
        out.events.push(Event::Rekey(Direction::Send));
        Ok(())
    }

    /// Refuses: an `error` event, an error packet to the peer when `reply`, then closed
    /// with a `close` event carrying the code.
    pub(crate) fn refuse(&mut self, out: &mut Output, error: Error, now: u64, reply: bool) {
        if self.is_closed() {
            return;
        }
        let code = error.code();
        out.events.push(Event::Error {
            code,
            message: error.to_string(),
            remote: false,
        });
        // A client that never started has said nothing: it answers nothing either.
        let silent = matches!(&self.phase, Phase::Client(hs) if !hs.started());
        if reply && !silent {
            let payload = code_to_wire(code).to_be_bytes();
            let packet = match self.phase {
                Phase::Established(_) => self.sealed_packet(Flag::Error, &payload, now),
                _ => self.plain_packet(Flag::Error, &payload, now),
            };
            if let Ok(p) = packet {
                out.transmit.push(p);
            }
        }
        self.close_now();
        out.events.push(Event::Close { code });
    }

    /// Drops every key and buffer: the channel is inert from now on.
    fn close_now(&mut self) {
        self.phase = Phase::Closed;
        self.reassembler.clear();
        self.header_checked = false;
    }

    /// Everything a header decides, before any byte of its payload is buffered
    /// (docs/channel.md §4.4, rules 2–6): the cap, sequence, time, whether the phase
    /// expects the flag, and the length that flag may have in this phase. So a packet
    /// that will be refused costs its 21 header bytes, never the length it declares.
    fn check_header(&self, header: &Header, now: u64) -> Result<()> {
        let flag = header.flag;
        let cap = self.limits.cap(flag.is_handshake());
        if header.length as usize > cap {
            return Err(ChannelCode::PacketTooLarge.error(format!(
                "{} packet of {} bytes, the cap is {cap}",
                flag.name(),
                header.length
            )));
        }
        if header.sequence != self.recv_seq {
            return Err(if header.sequence < self.recv_seq {
                Error::Replayed
            } else {
                ChannelCode::OutOfOrder.error(format!(
                    "packet {} arrived, packet {} was expected",
                    header.sequence, self.recv_seq
                ))
            });
        }
        if now.abs_diff(header.time) > self.limits.window_seconds {
            return Err(ChannelCode::StalePacket.error(format!(
                "packet outside the {}-second window",
                self.limits.window_seconds
            )));
        }
        let expected = match &self.phase {
            Phase::Established(_) if flag.is_handshake() => {
                return Err(ChannelCode::ProtocolError
                    .error(format!("{} packet after the handshake", flag.name())))
            }
            Phase::Established(_) | Phase::Closed => return Ok(()),
            Phase::Client(hs) => hs.expected(),
            Phase::Server(hs) => hs.expected(),
        };
        match flag {
            // Before keys a close or error is its plaintext 2-byte code, nothing else.
            Flag::Close | Flag::Error if header.length == 2 => Ok(()),
            Flag::Close | Flag::Error => Err(ChannelCode::ProtocolError.error(format!(
                "an encrypted {} packet before the channel has keys",
                flag.name()
            ))),
            _ if Some(flag) == expected => Ok(()),
            _ => Err(ChannelCode::ProtocolError.error(format!(
                "{} packet not expected during the handshake",
                flag.name()
            ))),
        }
    }

    /// One whole packet, its header checked ([`Self::check_header`]): by state
    /// (docs/channel.md §4.4).
    fn on_packet(&mut self, out: &mut Output, header: Header, packet: &[u8], now: u64) {
        let reply = header.flag != Flag::Error;
        self.recv_seq = self.recv_seq.saturating_add(1);
        self.last_received = now;
        let header_bytes = &packet[..HEADER_LEN];
        let payload = &packet[HEADER_LEN..];
        let result = match header.flag {
            Flag::Close | Flag::Error => self.on_close_or_error(out, header, header_bytes, payload),
            _ => match &self.phase {
                Phase::Established(_) => {
                    self.on_established(out, header, header_bytes, payload, now)
                }
                _ => self.on_handshake(out, header, header_bytes, payload, now),
            },
        };
        if let Err(e) = result {
            self.refuse(out, e, now, reply);
        }
    }

    /// A close or error packet (docs/channel.md §4.3). Once established only a sealed one
    /// counts: a plaintext close or error fails to open (`AUTH_FAILED`) like any forged
    /// packet, so no one on the path can end the channel in the peer's name. Before keys
    /// the 2-byte plaintext code (its length checked on the header) is all there is: it
    /// ends the handshake, but is reported as unauthenticated (`remote: false`).
    fn on_close_or_error(
        &mut self,
        out: &mut Output,
        header: Header,
        header_bytes: &[u8],
        payload: &[u8],
    ) -> Result<()> {
        let (code_bytes, authenticated): ([u8; 2], bool) = match &self.phase {
            Phase::Established(e) => {
                let plain =
                    e.recv
                        .open(e.agreement.aead, header_bytes, header.sequence, payload)?;
                match plain.as_slice() {
                    [a, b] => ([*a, *b], true),
                    _ => {
                        return Err(ChannelCode::ProtocolError.error(format!(
                            "a {} packet carries a 2-byte code",
                            header.flag.name()
                        )))
                    }
                }
            }
            _ => match payload {
                [a, b] => ([*a, *b], false),
                _ => {
                    return Err(ChannelCode::ProtocolError.error(format!(
                        "an encrypted {} packet before the channel has keys",
                        header.flag.name()
                    )))
                }
            },
        };
        let n = u16::from_be_bytes(code_bytes);
        if header.flag == Flag::Close {
            if n != 0 {
                return Err(
                    ChannelCode::ProtocolError.error("a close packet carries code NORMAL (0)")
                );
            }
            self.close_now();
            out.events.push(Event::normal_close());
            return Ok(());
        }
        let who = if authenticated {
            "the peer closed the channel"
        } else {
            "an unauthenticated error packet (no keys yet: the peer or anyone on the path) \
             ended the handshake"
        };
        let (code, message) = match code_from_wire(n) {
            Some(c) if c != NORMAL => (c, format!("{who} with {c}")),
            _ => (
                ChannelCode::ProtocolError.as_str(),
                format!("{who} with an unknown error code 0x{n:04X}"),
            ),
        };
        out.events.push(Event::Error {
            code,
            message,
            remote: authenticated,
        });
        self.close_now();
        out.events.push(Event::Close { code });
        Ok(())
    }

    /// A handshake packet.
    fn on_handshake(
        &mut self,
        out: &mut Output,
        header: Header,
        header_bytes: &[u8],
        payload: &[u8],
        now: u64,
    ) -> Result<()> {
        let unexpected = || {
            ChannelCode::ProtocolError.error(format!(
                "{} packet not expected during the handshake",
                header.flag.name()
            ))
        };
        let phase = core::mem::replace(&mut self.phase, Phase::Closed);
        let (next, result) = match (phase, header.flag) {
            (Phase::Client(mut hs), Flag::ConnectResponse) if hs.started() => {
                let r = hs.on_connect_response(payload, &mut *self.rng);
                let r = r.and_then(|reply| self.plain_packet(Flag::ExchangeRequest, &reply, now));
                match r {
                    Ok(packet) => {
                        self.last_sent = now;
                        out.transmit.push(packet);
                        (Phase::Client(hs), Ok(()))
                    }
                    Err(e) => (Phase::Client(hs), Err(e)),
                }
            }
            (Phase::Client(mut hs), Flag::ExchangeResponse) if hs.started() => {
                match hs.on_exchange_response(payload, header_bytes, header.sequence) {
                    Ok(done) => match self.established(done, now) {
                        Ok(e) => (Phase::Established(e), Ok(())),
                        Err(err) => (Phase::Client(hs), Err(err)),
                    },
                    Err(e) => (Phase::Client(hs), Err(e)),
                }
            }
            (Phase::Server(mut hs), Flag::ConnectRequest) => {
                match hs.on_connect_request(payload, now, &mut *self.rng) {
                    Ok((reply, client)) => {
                        self.peer_key_id = client;
                        match self.plain_packet(Flag::ConnectResponse, &reply, now) {
                            Ok(packet) => {
                                self.last_sent = now;
                                out.transmit.push(packet);
                                (Phase::Server(hs), Ok(()))
                            }
                            Err(e) => (Phase::Server(hs), Err(e)),
                        }
                    }
                    Err(e) => (Phase::Server(hs), Err(e)),
                }
            }
            (Phase::Server(mut hs), Flag::ExchangeRequest) => {
                match hs.on_exchange_request(payload, &mut *self.rng) {
                    Ok(done) => match self.server_finish(out, done, now) {
                        Ok(e) => (Phase::Established(e), Ok(())),
                        Err(err) => (Phase::Server(hs), Err(err)),
                    },
                    Err(e) => (Phase::Server(hs), Err(e)),
                }
            }
            (phase, _) => (phase, Err(unexpected())),
        };
        self.phase = next;
        if result.is_ok() {
            if let Phase::Established(e) = &self.phase {
                let a = &e.agreement;
                out.events.push(Event::Secure {
                    suites: format!("{} {} {}", a.kem.name(), a.sig.name(), a.aead.name()),
                });
            }
        }
        result
    }

    /// The keys of a completed handshake.
    fn established(&self, done: HandshakeDone, now: u64) -> Result<Established> {
        let (c2s, s2c) = keys::traffic_secrets(&done.channel_secret)?;
        let (send, recv) = match self.role {
            ChannelRole::Client => (c2s, s2c),
            ChannelRole::Server => (s2c, c2s),
        };
        Ok(Established {
            agreement: done.agreement,
            channel_secret: done.channel_secret,
            send: DirectionKeys::new(send)?,
            recv: DirectionKeys::new(recv)?,
            ratchet: RatchetPhase::Idle,
            last_ratchet: now,
        })
    }

    /// The server's last handshake packet: the exchange-response, its confirmation sealed
    /// under its header.
    fn server_finish(
        &mut self,
        out: &mut Output,
        done: super::handshake::ServerDone,
        now: u64,
    ) -> Result<Established> {
        let th3 = done.done.th3;
        let mut e = self.established(done.done, now)?;
        let mut message = ExchangeResponse {
            kem_ciphertext: done.ct2,
            confirmation: [0; CONFIRMATION_LEN],
            extensions: Vec::new(),
        }
        .encode()?;
        let length = u32::try_from(message.len())
            .map_err(|_| ChannelCode::PacketTooLarge.error("exchange-response too large"))?;
        let sequence = self.next_sequence()?;
        let header = Header {
            flag: Flag::ExchangeResponse,
            length,
            sequence,
            time: now,
        }
        .to_bytes();
        let sealed = e.send.seal(e.agreement.aead, &header, sequence, &th3)?;
        // `confirmation` is the last field: its value is the message's last 48 bytes.
        let start = message.len() - CONFIRMATION_LEN;
        message[start..].copy_from_slice(&sealed);
        let mut packet = Vec::with_capacity(HEADER_LEN + message.len());
        packet.extend_from_slice(&header);
        packet.extend_from_slice(&message);
        self.last_sent = now;
        out.transmit.push(packet);
        e.last_ratchet = now;
        Ok(e)
    }

    /// A packet of the established channel.
    fn on_established(
        &mut self,
        out: &mut Output,
        header: Header,
        header_bytes: &[u8],
        payload: &[u8],
        now: u64,
    ) -> Result<()> {
        let Phase::Established(e) = &mut self.phase else {
            return Err(ChannelCode::ProtocolError.error("not established"));
        };
        if header.flag.is_handshake() {
            return Err(ChannelCode::ProtocolError
                .error(format!("{} packet after the handshake", header.flag.name())));
        }
        let plain = e
            .recv
            .open(e.agreement.aead, header_bytes, header.sequence, payload)?;
        e.recv.used = e.recv.used.saturating_add(1);
        let empty = |what: &str| {
            if plain.is_empty() {
                Ok(())
            } else {
                Err(ChannelCode::ProtocolError.error(format!("a {what} packet carries nothing")))
            }
        };
        match header.flag {
            Flag::Data => {
                out.received.push(plain);
                Ok(())
            }
            Flag::KeepAlive => {
                empty("keep-alive")?;
                out.events.push(Event::KeepAlive(Direction::Receive));
                Ok(())
            }
            Flag::Rekey => {
                empty("rekey")?;
                e.recv.rekey()?;
                out.events.push(Event::Rekey(Direction::Receive));
                Ok(())
            }
            Flag::RatchetRequest => self.on_ratchet_request(out, &plain, now),
            Flag::RatchetResponse => self.on_ratchet_response(out, &plain, now),
            Flag::RatchetFinish => {
                empty("ratchet-finish")?;
                self.on_ratchet_finish(out, now)
            }
            _ => Err(ChannelCode::ProtocolError
                .error(format!("{} packet not expected", header.flag.name()))),
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
