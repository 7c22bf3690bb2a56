//! What a channel call returns (docs/channel.md §10): packets to transmit, plaintext
//! received, events, and whether the channel is closed.

use super::codes::NORMAL;

/// Which of a party's two directions an event is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// What this party sends.
    Send,
    /// What this party receives.
    Receive,
}

impl Direction {
    /// `"send"` or `"receive"`.
    pub fn name(self) -> &'static str {
        match self {
            Direction::Send => "send",
            Direction::Receive => "receive",
        }
    }
}

/// Something that happened on the channel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// The handshake completed: data may flow. Carries the agreed suites.
    Secure {
        /// For example `X25519+ML-KEM-768 Ed25519+ML-DSA-65 ChaCha20-Poly1305`.
        suites: String,
    },
    /// A symmetric re-key of one direction.
    Rekey(Direction),
    /// An asymmetric ratchet completed: both directions switched to keys from a fresh KEM
    /// secret.
    Ratchet,
    /// A keep-alive was sent or received.
    KeepAlive(Direction),
    /// The channel refused something (ours or the peer's report) and is closing.
    Error {
        /// The stable code (`STALE_PACKET`, `AUTH_FAILED`, …).
        code: &'static str,
        /// What was refused, in words.
        message: String,
        /// Whether the peer reported it (an error packet) rather than this side deciding.
        remote: bool,
    },
    /// The channel closed: `NORMAL`, or the code of the error before it. Always the last
    /// event of a channel.
    Close {
        /// `NORMAL` or an error code.
        code: &'static str,
    },
}

impl Event {
    /// The event's type name: `secure`, `rekey`, `ratchet`, `keepalive`, `error`, `close`.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::Secure { .. } => "secure",
            Event::Rekey(_) => "rekey",
            Event::Ratchet => "ratchet",
            Event::KeepAlive(_) => "keepalive",
            Event::Error { .. } => "error",
            Event::Close { .. } => "close",
        }
    }

    /// The event's code: the error's, the close's; none for the others.
    pub fn code(&self) -> Option<&'static str> {
        match self {
            Event::Error { code, .. } | Event::Close { code } => Some(code),
            _ => None,
        }
    }

    /// The event's message: the suites (`secure`), the direction (`rekey`, `keepalive`),
    /// what was refused (`error`).
    pub fn message(&self) -> Option<String> {
        match self {
            Event::Secure { suites } => Some(suites.clone()),
            Event::Rekey(d) => Some(d.name().to_string()),
            Event::KeepAlive(d) => Some(if *d == Direction::Send {
                "sent".to_string()
            } else {
                "received".to_string()
            }),
            Event::Error { message, .. } => Some(message.clone()),
            Event::Ratchet | Event::Close { .. } => None,
        }
    }

    /// A clean close.
    pub(crate) fn normal_close() -> Self {
        Event::Close { code: NORMAL }
    }
}

/// What one call produced.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Output {
    /// Packets to write to the transport, in order.
    pub transmit: Vec<Vec<u8>>,
    /// Application data received, in order.
    pub received: Vec<Vec<u8>>,
    /// Events, in order.
    pub events: Vec<Event>,
    /// Whether the channel is closed (after this call).
    pub closed: bool,
}

impl Output {
    /// Appends another output's packets, data and events (`closed` is the later one's).
    pub fn append(&mut self, mut other: Output) {
        self.transmit.append(&mut other.transmit);
        self.received.append(&mut other.received);
        self.events.append(&mut other.events);
        self.closed = other.closed;
    }

    /// The first error event's code, if any (for tests and logs).
    pub fn error_code(&self) -> Option<&'static str> {
        self.events.iter().find_map(|e| match e {
            Event::Error { code, .. } => Some(*code),
            _ => None,
        })
    }
}
