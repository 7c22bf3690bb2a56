//! Packets in (docs/channel.md §4.4, §5, §8): what a header decides before its payload
//! is buffered, then each whole packet by state (handshake, established, close and
//! error), and refusals.

use super::asymmetric_rekey::RatchetPhase;
use super::codes::{code_from_wire, code_to_wire, NORMAL};
use super::config::HEADER_LEN;
use super::events::{Direction, Event, Output};
use super::handshake::{ClientHandshake, HandshakeDone, ServerDone, ServerHandshake};
use super::keys::{self, DirectionKeys};
use super::packet::{Flag, Header};
use super::state::{Channel, ChannelRole, Established, Phase};
use super::ChannelCode;
use crate::wire::channel::{ExchangeResponse, CONFIRMATION_LEN};
use crate::wire::WireMessage;
use crate::{Error, Result};

/// A whole received packet: its checked header, the header's bytes (the AEAD's associated
/// data) and the payload.
#[derive(Clone, Copy)]
struct Received<'a> {
    header: Header,
    header_bytes: &'a [u8],
    payload: &'a [u8],
}

impl Established {
    /// Opens a packet's payload with the receive keys (`AUTH_FAILED` on any mismatch).
    fn open(&self, packet: Received<'_>) -> Result<Vec<u8>> {
        let Received {
            header,
            header_bytes,
            payload,
        } = packet;
        let aead = self.agreement.aead;
        self.recv.open(aead, header_bytes, header.sequence, payload)
    }
}

impl Channel {
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
    pub(super) fn close_now(&mut self) {
        self.phase = Phase::Closed;
        self.reassembler.clear();
        self.header_checked = false;
    }

    /// Everything a header decides, before any byte of its payload is buffered
    /// (docs/channel.md §4.4, rules 2–6): the cap, sequence, time, whether the phase
    /// expects the flag, and the length that flag may have in this phase. So a packet
    /// that will be refused costs its 21 header bytes, never the length it declares.
    pub(super) fn check_header(&self, header: &Header, now: u64) -> Result<()> {
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
    pub(super) fn on_packet(&mut self, out: &mut Output, header: Header, packet: &[u8], now: u64) {
        let reply = header.flag != Flag::Error;
        self.recv_seq = self.recv_seq.saturating_add(1);
        self.last_received = now;
        let (header_bytes, payload) = packet.split_at(HEADER_LEN);
        let packet = Received {
            header,
            header_bytes,
            payload,
        };
        let result = match header.flag {
            Flag::Close | Flag::Error => self.on_close_or_error(out, packet),
            _ => match &self.phase {
                Phase::Established(_) => self.on_established(out, packet, now),
                _ => self.on_handshake(out, packet, now),
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
    fn on_close_or_error(&mut self, out: &mut Output, packet: Received<'_>) -> Result<()> {
        let Received {
            header, payload, ..
        } = packet;
        let (code_bytes, authenticated): ([u8; 2], bool) = match &self.phase {
            Phase::Established(e) => {
                let plain = e.open(packet)?;
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

    /// A handshake packet: the step of the phase's handshake that the flag names.
    fn on_handshake(&mut self, out: &mut Output, packet: Received<'_>, now: u64) -> Result<()> {
        let Received {
            header,
            header_bytes,
            payload,
        } = packet;
        let phase = core::mem::replace(&mut self.phase, Phase::Closed);
        let (next, result) = match (phase, header.flag) {
            (Phase::Client(mut hs), Flag::ConnectResponse) if hs.started() => {
                let r = self.client_exchange(out, &mut hs, payload, now);
                (Phase::Client(hs), r)
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
                let r = self.server_answer(out, &mut hs, payload, now);
                (Phase::Server(hs), r)
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
            (phase, flag) => (
                phase,
                Err(ChannelCode::ProtocolError.error(format!(
                    "{} packet not expected during the handshake",
                    flag.name()
                ))),
            ),
        };
        self.phase = next;
        if let (Ok(()), Phase::Established(e)) = (&result, &self.phase) {
            let a = &e.agreement;
            out.events.push(Event::Secure {
                suites: format!("{} {} {}", a.kem.name(), a.sig.name(), a.aead.name()),
            });
        }
        result
    }

    /// The client's answer to the connect-response: the exchange-request.
    fn client_exchange(
        &mut self,
        out: &mut Output,
        hs: &mut ClientHandshake,
        payload: &[u8],
        now: u64,
    ) -> Result<()> {
        let reply = hs.on_connect_response(payload, &mut *self.rng)?;
        self.send_plain(out, Flag::ExchangeRequest, &reply, now)
    }

    /// The server's answer to the connect-request: the connect-response.
    fn server_answer(
        &mut self,
        out: &mut Output,
        hs: &mut ServerHandshake,
        payload: &[u8],
        now: u64,
    ) -> Result<()> {
        let (reply, client) = hs.on_connect_request(payload, now, &mut *self.rng)?;
        self.peer_key_id = client;
        self.send_plain(out, Flag::ConnectResponse, &reply, now)
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
        done: ServerDone,
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
    fn on_established(&mut self, out: &mut Output, packet: Received<'_>, now: u64) -> Result<()> {
        let header = packet.header;
        let Phase::Established(e) = &mut self.phase else {
            return Err(ChannelCode::ProtocolError.error("not established"));
        };
        if header.flag.is_handshake() {
            return Err(ChannelCode::ProtocolError
                .error(format!("{} packet after the handshake", header.flag.name())));
        }
        let plain = e.open(packet)?;
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
}
