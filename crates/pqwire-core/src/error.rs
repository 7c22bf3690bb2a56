//! The one error type of pqwire-core.
//!
//! Every failure has a stable, machine-readable [`Error::code`] (the string the
//! TypeScript facade exposes as `error.code`) and a [`ErrorKind`] grouping it by
//! cause. Messages never contain secret material: they name the input that was
//! wrong and, for lengths, the expected and actual sizes.

use core::fmt;

use crate::channel::ChannelCode;
use crate::negotiation::DowngradeCode;
use crate::wire::{WireError, WireErrorCode};

/// The cause group of an [`Error`], as recorded in DESIGN.md ("Errors and bad input").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The caller handed over bytes or arguments that are not well formed.
    MalformedInput,
    /// A tag, signature or other authenticator did not verify.
    Authentication,
    /// A policy refused the operation (for example a downgrade).
    Policy,
    /// A message was replayed or arrived out of the permitted order.
    Replay,
    /// The operation is not valid in the current state.
    State,
    /// A key is invalid, weak, expired or unknown.
    KeyManagement,
    /// A backend could not perform the operation (missing feature, no randomness).
    Backend,
}

impl ErrorKind {
    /// The group's stable name, as the bindings report it beside each code (the Node
    /// addon's `errorCodes()`, the C ABI's code list).
    ///
    /// ```
    /// use pqwire_core::ErrorKind;
    /// assert_eq!(ErrorKind::MalformedInput.name(), "malformed-input");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::MalformedInput => "malformed-input",
            ErrorKind::Authentication => "authentication",
            ErrorKind::Policy => "policy",
            ErrorKind::Replay => "replay",
            ErrorKind::State => "state",
            ErrorKind::KeyManagement => "key-management",
            ErrorKind::Backend => "backend",
        }
    }
}

/// Every error pqwire-core can return.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// An input had the wrong length.
    BadLength {
        /// Which input (for example `"ML-KEM-768 public key"`).
        what: &'static str,
        /// The length that was required.
        expected: usize,
        /// The length that was given.
        actual: usize,
    },
    /// An argument is outside its permitted range (for example a context string over 255 bytes).
    InvalidArgument {
        /// What was wrong, in words that contain no secret.
        what: &'static str,
    },
    /// A suite name or code is not known to pqwire.
    UnknownSuite {
        /// The name or code that was given.
        name: String,
    },
    /// A key failed its encoding or validity check (for example an ML-KEM modulus check).
    InvalidKey {
        /// Which key.
        what: &'static str,
    },
    /// A key agreement produced an all-zero (non-contributory) shared secret.
    NonContributory,
    /// Authentication failed. Deliberately says nothing about which check failed.
    AuthenticationFailed,
    /// The backend does not offer this operation (for example seeded key generation in PQClean).
    Unsupported {
        /// The operation that is not offered.
        what: &'static str,
    },
    /// The operating system's random number generator failed.
    RandomnessUnavailable,
    /// A requested output is larger than the algorithm can produce (for example HKDF over 255 blocks).
    OutputTooLong {
        /// The largest output permitted.
        max: usize,
        /// The length that was asked for.
        requested: usize,
    },
    /// A wire message broke a rule of the format (the code says which).
    Wire(WireError),
    /// Negotiation refused to go on: no common suite, a policy forbade the only
    /// choice, a version rollback or a transcript mismatch.
    Downgrade {
        /// Which refusal.
        code: DowngradeCode,
        /// What was refused, in words (suite names, versions; never key material).
        detail: String,
    },
    /// A ratchet message whose key was already used: a duplicate or a replay.
    Replayed,
    /// A ratchet message is further ahead in its chain than the permitted number of
    /// skipped message keys (`maxSkip`).
    TooManySkipped {
        /// The largest number of message keys that may be skipped in one chain.
        max: u32,
    },
    /// A ratchet message arrived after its stored (skipped) message key was deleted,
    /// because it was older than the permitted age or the store was full.
    StaleMessage,
    /// A key package is outside its validity period (`created <= now < expires` fails):
    /// expired, or not yet valid.
    KeyExpired {
        /// Which key (for example `"signed prekey"`).
        what: &'static str,
    },
    /// A key id names no key this party holds (or one held for another role).
    UnknownKey {
        /// Which key was looked up (for example `"one-time prekey"`).
        what: &'static str,
    },
    /// A one-time prekey was already consumed: the initial message that used it is a
    /// replay, or two sessions raced for it.
    PrekeyReused,
    /// A restored session is older than a copy already used: its epoch is lower than
    /// the highest epoch seen for that session (a backup restored over newer state,
    /// which would reuse message keys).
    SessionRollback {
        /// The restored copy's epoch.
        epoch: u64,
        /// The lowest epoch that is accepted.
        minimum: u64,
    },
    /// A stored session changed since this copy was loaded or last saved: another copy
    /// (a second load of one record, another process) advanced it first. Saving this copy
    /// would fork the session and reuse message keys, so it is refused; load it again.
    SessionConflict,
    /// A different session is stored for this peer: a new handshake replaces it only when
    /// the application asks for that explicitly.
    SessionExists,
    /// The online channel refused a packet or gave up on its peer (docs/channel.md §11):
    /// out of order, outside the time window, over the size cap, a dead peer, or a packet
    /// its state does not expect.
    Channel {
        /// Which refusal.
        code: ChannelCode,
        /// What was refused, in words (sizes, times, flags; never key material).
        detail: String,
    },
    /// An object holding secrets was used after its `dispose()` wiped them.
    Disposed {
        /// Which object (for example `"KEM key pair"`).
        what: &'static str,
    },
}

impl From<WireError> for Error {
    fn from(e: WireError) -> Self {
        Error::Wire(e)
    }
}

impl Error {
    /// The stable code of this error, shared with the TypeScript facade.
    ///
    /// ```
    /// use pqwire_core::Error;
    /// assert_eq!(Error::AuthenticationFailed.code(), "AUTH_FAILED");
    /// ```
    pub fn code(&self) -> &'static str {
        match self {
            Error::BadLength { .. } => "BAD_LENGTH",
            Error::InvalidArgument { .. } => "INVALID_ARGUMENT",
            Error::UnknownSuite { .. } => "UNKNOWN_SUITE",
            Error::InvalidKey { .. } => "INVALID_KEY",
            Error::NonContributory => "NON_CONTRIBUTORY",
            Error::AuthenticationFailed => "AUTH_FAILED",
            Error::Unsupported { .. } => "UNSUPPORTED",
            Error::RandomnessUnavailable => "RANDOMNESS_UNAVAILABLE",
            Error::OutputTooLong { .. } => "OUTPUT_TOO_LONG",
            Error::Wire(e) => e.code.as_str(),
            Error::Downgrade { code, .. } => code.as_str(),
            Error::Replayed => "REPLAYED",
            Error::TooManySkipped { .. } => "TOO_MANY_SKIPPED",
            Error::StaleMessage => "STALE_MESSAGE",
            Error::KeyExpired { .. } => "KEY_EXPIRED",
            Error::UnknownKey { .. } => "UNKNOWN_KEY",
            Error::PrekeyReused => "PREKEY_REUSED",
            Error::SessionRollback { .. } => "SESSION_ROLLBACK",
            Error::SessionConflict => "SESSION_CONFLICT",
            Error::SessionExists => "SESSION_EXISTS",
            Error::Channel { code, .. } => code.as_str(),
            Error::Disposed { .. } => "DISPOSED",
        }
    }

    /// The cause group of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::BadLength { .. }
            | Error::InvalidArgument { .. }
            | Error::UnknownSuite { .. }
            | Error::OutputTooLong { .. }
            | Error::Wire(_) => ErrorKind::MalformedInput,
            Error::Downgrade { .. } => ErrorKind::Policy,
            Error::InvalidKey { .. }
            | Error::NonContributory
            | Error::KeyExpired { .. }
            | Error::UnknownKey { .. } => ErrorKind::KeyManagement,
            Error::AuthenticationFailed => ErrorKind::Authentication,
            Error::Unsupported { .. } | Error::RandomnessUnavailable => ErrorKind::Backend,
            Error::Replayed
            | Error::TooManySkipped { .. }
            | Error::StaleMessage
            | Error::PrekeyReused => ErrorKind::Replay,
            Error::SessionRollback { .. }
            | Error::SessionConflict
            | Error::SessionExists
            | Error::Disposed { .. } => ErrorKind::State,
            Error::Channel { code, .. } => code.kind(),
        }
    }

    /// Every code [`Error::code`] can return, once each, with its cause group. This is the
    /// list the Node bindings expose (`errorCodes()`) and the TypeScript facade's error
    /// codes are tested against, so no code is listed by hand anywhere else.
    ///
    /// ```
    /// use pqwire_core::{Error, ErrorKind};
    /// let codes = Error::codes();
    /// assert!(codes.contains(&("AUTH_FAILED", ErrorKind::Authentication)));
    /// assert!(codes.contains(&("TAG_ORDER", ErrorKind::MalformedInput)));
    /// ```
    pub fn codes() -> Vec<(&'static str, ErrorKind)> {
        let mut codes: Vec<(&'static str, ErrorKind)> = Vec::new();
        for e in Self::examples() {
            // BAD_LENGTH and UNKNOWN_SUITE are both variants and wire rules.
            if !codes.iter().any(|(c, _)| *c == e.code()) {
                codes.push((e.code(), e.kind()));
            }
        }
        codes
    }

    /// One error of each variant, and of each code of the variants that carry a code enum.
    fn examples() -> Vec<Error> {
        // Adding a variant makes this match fail to build: give it an example below too.
        let _every_variant_has_an_example = |e: &Error| match e {
            Error::BadLength { .. }
            | Error::InvalidArgument { .. }
            | Error::UnknownSuite { .. }
            | Error::InvalidKey { .. }
            | Error::NonContributory
            | Error::AuthenticationFailed
            | Error::Unsupported { .. }
            | Error::RandomnessUnavailable
            | Error::OutputTooLong { .. }
            | Error::Wire(_)
            | Error::Downgrade { .. }
            | Error::Replayed
            | Error::TooManySkipped { .. }
            | Error::StaleMessage
            | Error::KeyExpired { .. }
            | Error::UnknownKey { .. }
            | Error::PrekeyReused
            | Error::SessionRollback { .. }
            | Error::SessionConflict
            | Error::SessionExists
            | Error::Channel { .. }
            | Error::Disposed { .. } => (),
        };
        let mut all = vec![
            Error::BadLength {
                what: "",
                expected: 0,
                actual: 0,
            },
            Error::InvalidArgument { what: "" },
            Error::UnknownSuite {
                name: String::new(),
            },
            Error::InvalidKey { what: "" },
            Error::NonContributory,
            Error::AuthenticationFailed,
            Error::Unsupported { what: "" },
            Error::RandomnessUnavailable,
            Error::OutputTooLong {
                max: 0,
                requested: 0,
            },
            Error::Replayed,
            Error::TooManySkipped { max: 0 },
            Error::StaleMessage,
            Error::KeyExpired { what: "" },
            Error::UnknownKey { what: "" },
            Error::PrekeyReused,
            Error::SessionRollback {
                epoch: 0,
                minimum: 0,
            },
            Error::SessionConflict,
            Error::SessionExists,
            Error::Disposed { what: "" },
        ];
        all.extend(
            WireErrorCode::ALL
                .iter()
                .map(|&c| Error::Wire(WireError::at(c, 0, ""))),
        );
        all.extend(DowngradeCode::ALL.iter().map(|&code| Error::Downgrade {
            code,
            detail: String::new(),
        }));
        all.extend(ChannelCode::ALL.iter().map(|c| c.error("")));
        all
    }

    /// Shorthand for a length check: `Ok(())` when `actual == expected`.
    pub(crate) fn check_len(what: &'static str, expected: usize, actual: usize) -> Result<()> {
        if actual == expected {
            Ok(())
        } else {
            Err(Error::BadLength {
                what,
                expected,
                actual,
            })
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::BadLength {
                what,
                expected,
                actual,
            } => write!(f, "{what} must be {expected} bytes, got {actual}"),
            Error::InvalidArgument { what } => write!(f, "invalid argument: {what}"),
            Error::UnknownSuite { name } => write!(f, "unknown suite: {name:?}"),
            Error::InvalidKey { what } => write!(f, "invalid key: {what}"),
            Error::NonContributory => {
                f.write_str("key agreement produced an all-zero shared secret")
            }
            Error::AuthenticationFailed => f.write_str("authentication failed"),
            Error::Unsupported { what } => write!(f, "unsupported: {what}"),
            Error::RandomnessUnavailable => f.write_str("the system random generator failed"),
            Error::OutputTooLong { max, requested } => {
                write!(f, "requested {requested} bytes, at most {max} allowed")
            }
            Error::Wire(e) => e.fmt(f),
            Error::Downgrade { detail, .. } => f.write_str(detail),
            Error::Replayed => f.write_str("message already received (duplicate or replay)"),
            Error::TooManySkipped { max } => {
                write!(f, "message is more than {max} messages ahead in its chain")
            }
            Error::StaleMessage => {
                f.write_str("message arrived after its skipped message key was deleted")
            }
            Error::KeyExpired { what } => write!(f, "{what} is outside its validity period"),
            Error::UnknownKey { what } => write!(f, "unknown key id for the {what}"),
            Error::PrekeyReused => f.write_str("one-time prekey was already used"),
            Error::SessionRollback { epoch, minimum } => write!(
                f,
                "session state of epoch {epoch} is older than the newest seen (epoch {minimum})"
            ),
            Error::SessionConflict => {
                f.write_str("the stored session changed since this copy was loaded: load it again")
            }
            Error::SessionExists => {
                f.write_str("a different session is stored for this peer and was not replaced")
            }
            Error::Channel { detail, .. } => f.write_str(detail),
            Error::Disposed { what } => write!(f, "{what} was disposed; its secrets are wiped"),
        }
    }
}

impl std::error::Error for Error {}

/// Result type of pqwire-core.
pub type Result<T> = core::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_listed_once_with_the_kind_of_its_errors() {
        let codes = Error::codes();
        for (i, (code, _)) in codes.iter().enumerate() {
            assert!(codes[..i].iter().all(|(c, _)| c != code), "{code} twice");
        }
        for e in Error::examples() {
            assert!(codes.contains(&(e.code(), e.kind())), "{}", e.code());
        }
        // 19 plain variants, 13 wire rules not shared with them, 5 refusals, 5 channel codes.
        assert_eq!(codes.len(), 19 + 13 + 5 + 5);
    }
}
