//! Packets (docs/channel.md §4): the 21-byte header, the flags, and the reassembly of
//! packets from a byte stream split or coalesced arbitrarily.

use std::borrow::Cow;

use super::codes::ChannelCode;
use super::config::HEADER_LEN;
use crate::Result;

/// The kind of a packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Flag {
    /// Handshake: the client's connect-request (`0x21`).
    ConnectRequest,
    /// Handshake: the server's connect-response (`0x22`).
    ConnectResponse,
    /// Handshake: the client's exchange-request (`0x23`).
    ExchangeRequest,
    /// Handshake: the server's exchange-response (`0x24`).
    ExchangeResponse,
    /// Application data.
    Data,
    /// Keep-alive (empty).
    KeepAlive,
    /// Clean close (code `NORMAL`).
    Close,
    /// Error (a u16 code); the sender has closed.
    Error,
    /// Symmetric re-key marker: the last packet under the sender's current key.
    Rekey,
    /// Asymmetric ratchet: a fresh KEM public key.
    RatchetRequest,
    /// Asymmetric ratchet: the KEM ciphertext; the last packet under the sender's key.
    RatchetResponse,
    /// Asymmetric ratchet: the initiator's switch marker.
    RatchetFinish,
}

impl Flag {
    /// Every flag.
    pub const ALL: &'static [Flag] = &[
        Flag::ConnectRequest,
        Flag::ConnectResponse,
        Flag::ExchangeRequest,
        Flag::ExchangeResponse,
        Flag::Data,
        Flag::KeepAlive,
        Flag::Close,
        Flag::Error,
        Flag::Rekey,
        Flag::RatchetRequest,
        Flag::RatchetResponse,
        Flag::RatchetFinish,
    ];

    /// The byte on the wire.
    pub fn code(self) -> u8 {
        match self {
            Flag::ConnectRequest => 0x01,
            Flag::ConnectResponse => 0x02,
            Flag::ExchangeRequest => 0x03,
            Flag::ExchangeResponse => 0x04,
            Flag::Data => 0x10,
            Flag::KeepAlive => 0x11,
            Flag::Close => 0x12,
            Flag::Error => 0x13,
            Flag::Rekey => 0x14,
            Flag::RatchetRequest => 0x15,
            Flag::RatchetResponse => 0x16,
            Flag::RatchetFinish => 0x17,
        }
    }

    /// The flag of a byte.
    pub fn from_code(code: u8) -> Option<Self> {
        Flag::ALL.iter().copied().find(|f| f.code() == code)
    }

    /// The name used in docs and errors.
    pub fn name(self) -> &'static str {
        match self {
            Flag::ConnectRequest => "connect-request",
            Flag::ConnectResponse => "connect-response",
            Flag::ExchangeRequest => "exchange-request",
            Flag::ExchangeResponse => "exchange-response",
            Flag::Data => "data",
            Flag::KeepAlive => "keep-alive",
            Flag::Close => "close",
            Flag::Error => "error",
            Flag::Rekey => "rekey",
            Flag::RatchetRequest => "ratchet-request",
            Flag::RatchetResponse => "ratchet-response",
            Flag::RatchetFinish => "ratchet-finish",
        }
    }

    /// Whether the flag is one of the four handshake messages.
    pub fn is_handshake(self) -> bool {
        matches!(
            self,
            Flag::ConnectRequest
                | Flag::ConnectResponse
                | Flag::ExchangeRequest
                | Flag::ExchangeResponse
        )
    }
}

/// A packet header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// The packet's kind.
    pub flag: Flag,
    /// The payload's length.
    pub length: u32,
    /// The sender's packet number in its direction.
    pub sequence: u64,
    /// The sender's clock (unix seconds).
    pub time: u64,
}

impl Header {
    /// The 21 bytes on the wire (and the AEAD's associated data).
    pub fn to_bytes(&self) -> [u8; HEADER_LEN] {
        let mut b = [0u8; HEADER_LEN];
        b[0] = self.flag.code();
        b[1..5].copy_from_slice(&self.length.to_be_bytes());
        b[5..13].copy_from_slice(&self.sequence.to_be_bytes());
        b[13..21].copy_from_slice(&self.time.to_be_bytes());
        b
    }

    /// Parses a header: an unknown flag is `PROTOCOL_ERROR`.
    pub fn parse(b: &[u8; HEADER_LEN]) -> Result<Self> {
        let flag = Flag::from_code(b[0]).ok_or_else(|| {
            ChannelCode::ProtocolError.error(format!("unknown packet flag 0x{:02X}", b[0]))
        })?;
        let be = |bytes: &[u8]| bytes.iter().fold(0u64, |acc, x| (acc << 8) | u64::from(*x));
        Ok(Header {
            flag,
            length: u32::from_be_bytes([b[1], b[2], b[3], b[4]]),
            sequence: be(&b[5..13]),
            time: be(&b[13..21]),
        })
    }
}

/// Reassembles packets from a stream split or coalesced arbitrarily. It holds at most one
/// incomplete packet, whose header the caller checked (cap, sequence, time, flag and
/// phase) before any of its payload is buffered. The buffer grows with the bytes that
/// arrived, never to the length a header declares: an unauthenticated peer's header
/// costs nothing until its bytes are there.
#[derive(Default)]
pub(crate) struct Reassembler {
    pending: Vec<u8>,
}

impl Reassembler {
    /// Bytes held for an incomplete packet (the buffer's capacity).
    pub(crate) fn held_bytes(&self) -> usize {
        self.pending.capacity()
    }

    /// Releases the buffer (after close).
    pub(crate) fn clear(&mut self) {
        self.pending = Vec::new();
    }

    /// The header of the next packet once its 21 bytes are there (taking what it needs
    /// from `input`), else `None` with the input buffered.
    pub(crate) fn header(&mut self, input: &mut &[u8]) -> Option<[u8; HEADER_LEN]> {
        if self.pending.is_empty() {
            if let Some(h) = input.first_chunk::<HEADER_LEN>() {
                return Some(*h);
            }
            self.pending.extend_from_slice(input);
            *input = &[];
            return None;
        }
        if self.pending.len() < HEADER_LEN {
            let take = (HEADER_LEN - self.pending.len()).min(input.len());
            self.pending.extend_from_slice(&input[..take]);
            *input = &input[take..];
        }
        self.pending.first_chunk::<HEADER_LEN>().copied()
    }

    /// The whole packet of `total` bytes (header included) once it is there: borrowed
    /// from the input when it lies there whole (no copy), else gathered in the buffer.
    /// `None` while incomplete.
    pub(crate) fn packet<'a>(
        &mut self,
        input: &mut &'a [u8],
        total: usize,
    ) -> Option<Cow<'a, [u8]>> {
        if self.pending.is_empty() && input.len() >= total {
            let (packet, rest) = input.split_at(total);
            *input = rest;
            return Some(Cow::Borrowed(packet));
        }
        let take = total.saturating_sub(self.pending.len()).min(input.len());
        self.grow(take, total);
        self.pending.extend_from_slice(&input[..take]);
        *input = &input[take..];
        if self.pending.len() < total {
            return None;
        }
        Some(Cow::Owned(core::mem::take(&mut self.pending)))
    }

    /// Room for `more` bytes: at most twice what is buffered, and never more than the
    /// packet's `total`. Doubling keeps the copies linear; the bound keeps memory
    /// proportional to the bytes received.
    fn grow(&mut self, more: usize, total: usize) {
        let needed = self.pending.len() + more;
        if needed > self.pending.capacity() {
            let target = needed.saturating_mul(2).min(total).max(needed);
            self.pending.reserve_exact(target - self.pending.len());
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn header_round_trip_and_flags() {
        for f in Flag::ALL {
            assert_eq!(Flag::from_code(f.code()), Some(*f));
            let h = Header {
                flag: *f,
                length: 7,
                sequence: 1 << 40,
                time: 1_700_000_000,
            };
            assert_eq!(Header::parse(&h.to_bytes()).unwrap(), h);
        }
        let mut b = [0u8; HEADER_LEN];
        b[0] = 0x99;
        assert_eq!(Header::parse(&b).unwrap_err().code(), "PROTOCOL_ERROR");
    }

    #[test]
    fn the_buffer_follows_the_bytes_not_the_declared_length() {
        let total = 1 << 20;
        let packet = vec![7u8; total];
        let mut r = Reassembler::default();
        let mut input = &packet[..HEADER_LEN + 5];
        assert!(r.packet(&mut input, total).is_none());
        assert!(r.held_bytes() <= 2 * (HEADER_LEN + 5), "{}", r.held_bytes());
        // Piece by piece: never more than twice what arrived, never more than the packet.
        let mut at = HEADER_LEN + 5;
        while at < total {
            let end = (at + 40_000).min(total);
            let mut input = &packet[at..end];
            let done = r.packet(&mut input, total);
            assert!(input.is_empty());
            if end < total {
                assert!(done.is_none());
                assert!(r.held_bytes() <= (2 * end).min(total), "{}", r.held_bytes());
            } else {
                assert_eq!(done.unwrap().as_ref(), &packet[..]);
            }
            at = end;
        }
        assert_eq!(r.held_bytes(), 0);
        // Whole in the input: borrowed, nothing buffered.
        let mut input = &packet[..];
        assert!(matches!(
            r.packet(&mut input, total),
            Some(Cow::Borrowed(_))
        ));
        assert_eq!(r.held_bytes(), 0);
    }
}
