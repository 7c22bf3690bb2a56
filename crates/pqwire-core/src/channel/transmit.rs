//! Packets out (docs/channel.md §4.1–§4.3): sequence numbers, plaintext handshake
//! packets, sealed packets, queuing them, and the re-key marker.

use super::config::HEADER_LEN;
use super::events::{Direction, Event, Output};
use super::packet::{Flag, Header};
use super::state::{Channel, Phase};
use super::ChannelCode;
use crate::aead::TAG_LEN;
use crate::Result;

impl Channel {
    /// The next sequence number of our direction.
    pub(super) fn next_sequence(&mut self) -> Result<u64> {
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

    /// Sends a plaintext handshake packet.
    pub(super) fn send_plain(
        &mut self,
        out: &mut Output,
        flag: Flag,
        payload: &[u8],
        now: u64,
    ) -> Result<()> {
        let packet = self.plain_packet(flag, payload, now)?;
        self.last_sent = now;
        out.transmit.push(packet);
        Ok(())
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
    pub(super) fn send_rekey(&mut self, out: &mut Output, now: u64) -> Result<()> {
        let packet = self.sealed_packet(Flag::Rekey, &[], now)?;
        self.last_sent = now;
        out.transmit.push(packet);
        if let Phase::Established(e) = &mut self.phase {
            e.send.rekey()?;
        }
        out.events.push(Event::Rekey(Direction::Send));
        Ok(())
    }
}
