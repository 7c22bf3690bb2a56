//! The channel's error codes (docs/channel.md §11): the five new ones ([`ChannelCode`]) and
//! the u16 every code has inside an error or close packet.

use crate::{Error, ErrorKind};

/// Refusals that only the channel makes. `REPLAYED`, `AUTH_FAILED`, `KEY_EXPIRED` and
/// `UNKNOWN_KEY` are the existing [`Error`] variants.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChannelCode {
    /// A packet's sequence number is higher than the next expected one.
    OutOfOrder,
    /// A packet's time is outside the validity window.
    StalePacket,
    /// A packet's declared length is over the cap.
    PacketTooLarge,
    /// Nothing was received for the dead-peer timeout.
    DeadPeer,
    /// A packet the state does not expect, an unknown flag, or content that does not fit
    /// its flag or the channel's mode.
    ProtocolError,
}

impl ChannelCode {
    /// Every channel code.
    pub const ALL: &'static [ChannelCode] = &[
        ChannelCode::OutOfOrder,
        ChannelCode::StalePacket,
        ChannelCode::PacketTooLarge,
        ChannelCode::DeadPeer,
        ChannelCode::ProtocolError,
    ];

    /// The stable string code.
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelCode::OutOfOrder => "OUT_OF_ORDER",
            ChannelCode::StalePacket => "STALE_PACKET",
            ChannelCode::PacketTooLarge => "PACKET_TOO_LARGE",
            ChannelCode::DeadPeer => "DEAD_PEER",
            ChannelCode::ProtocolError => "PROTOCOL_ERROR",
        }
    }

    /// The cause group ([`ErrorKind`]).
    pub fn kind(self) -> ErrorKind {
        match self {
            ChannelCode::OutOfOrder | ChannelCode::StalePacket => ErrorKind::Replay,
            ChannelCode::PacketTooLarge => ErrorKind::MalformedInput,
            ChannelCode::DeadPeer | ChannelCode::ProtocolError => ErrorKind::State,
        }
    }

    /// An [`Error::Channel`] with this code.
    pub fn error(self, detail: impl Into<String>) -> Error {
        Error::Channel {
            code: self,
            detail: detail.into(),
        }
    }
}

/// The code of a clean close.
pub const NORMAL: &str = "NORMAL";

/// Every code an error or close packet can carry, with its u16 (docs/channel.md §11).
/// Codes not listed travel as `INTERNAL` (`0x00FF`).
pub const WIRE_CODES: &[(u16, &str)] = &[
    (0x0000, NORMAL),
    (0x0001, "PROTOCOL_ERROR"),
    (0x0002, "AUTH_FAILED"),
    (0x0003, "REPLAYED"),
    (0x0004, "OUT_OF_ORDER"),
    (0x0005, "STALE_PACKET"),
    (0x0006, "PACKET_TOO_LARGE"),
    (0x0007, "KEY_EXPIRED"),
    (0x0008, "UNKNOWN_KEY"),
    (0x0009, "DEAD_PEER"),
    (0x000A, "INVALID_KEY"),
    (0x000B, "NON_CONTRIBUTORY"),
    (0x0010, "NO_COMMON_SUITE"),
    (0x0011, "NO_COMMON_VERSION"),
    (0x0012, "PQ_REQUIRED"),
    (0x0013, "VERSION_ROLLBACK"),
    (0x0014, "TRANSCRIPT_MISMATCH"),
    (0x0020, "TRUNCATED"),
    (0x0021, "TRAILING_BYTES"),
    (0x0022, "UNKNOWN_TAG"),
    (0x0023, "DUPLICATE_TAG"),
    (0x0024, "TAG_ORDER"),
    (0x0025, "BAD_LENGTH"),
    (0x0026, "TOO_LARGE"),
    (0x0027, "BAD_MAGIC"),
    (0x0028, "UNSUPPORTED_VERSION"),
    (0x0029, "UNKNOWN_TYPE"),
    (0x002A, "UNEXPECTED_TYPE"),
    (0x002B, "UNKNOWN_SUITE"),
    (0x002C, "MISSING_FIELD"),
    (0x002D, "INVALID_FIELD"),
    (0x002E, "DUPLICATE_ENTRY"),
    (INTERNAL_CODE, "INTERNAL"),
];

/// The u16 of `INTERNAL`.
pub const INTERNAL_CODE: u16 = 0x00FF;

/// The u16 an error or close packet carries for `code` (`INTERNAL` for a code the table
/// does not list).
///
/// ```
/// use pqwire_core::channel::{code_from_wire, code_to_wire};
/// assert_eq!(code_to_wire("STALE_PACKET"), 0x0005);
/// assert_eq!(code_from_wire(0x0005), Some("STALE_PACKET"));
/// assert_eq!(code_to_wire("RANDOMNESS_UNAVAILABLE"), 0x00FF);
/// assert_eq!(code_from_wire(0x1234), None);
/// ```
pub fn code_to_wire(code: &str) -> u16 {
    WIRE_CODES
        .iter()
        .find(|(_, c)| *c == code)
        .map_or(INTERNAL_CODE, |(n, _)| *n)
}

/// The code of a u16 from an error or close packet, or `None` for a number the table does
/// not define.
pub fn code_from_wire(n: u16) -> Option<&'static str> {
    WIRE_CODES.iter().find(|(w, _)| *w == n).map(|(_, c)| *c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_codes_are_unique_and_cover_the_channel_codes() {
        for (i, (n, c)) in WIRE_CODES.iter().enumerate() {
            assert!(WIRE_CODES[..i].iter().all(|(m, d)| m != n && d != c));
        }
        for c in ChannelCode::ALL {
            assert_ne!(code_to_wire(c.as_str()), INTERNAL_CODE);
            assert_eq!(c.error("x").code(), c.as_str());
        }
    }
}
