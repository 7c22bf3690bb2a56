//! How often the asymmetric step also runs the KEM (protocol.md §5.3): a policy.
//!
//! The clock of a cadence measures the traffic protected since a KEM shared secret last
//! entered the root key, in either direction (our own encapsulation, or the peer's that
//! we decapsulated; the handshake's encapsulation starts it). Time is the caller's
//! `now` (unix seconds): the ratchet never reads a clock.

use crate::suite::KemSuite;
use crate::{Error, Result};

/// When an asymmetric step carries a KEM encapsulation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KemCadence {
    /// Every asymmetric step (every change of speaker).
    EveryHop,
    /// The first step after at least this many messages (sent and received) were
    /// protected since a KEM secret last entered the root key.
    EveryMessages(u32),
    /// The first step at least this many seconds after a KEM secret last entered the
    /// root key.
    EverySeconds(u64),
    /// Whichever of [`KemCadence::EveryMessages`] and [`KemCadence::EverySeconds`]
    /// comes first.
    MessagesOrSeconds {
        /// Message count, as in `EveryMessages`.
        messages: u32,
        /// Seconds, as in `EverySeconds`.
        seconds: u64,
    },
}

impl KemCadence {
    /// The default of protocol.md §8: every hop for ML-KEM-512/768 and the suites built
    /// on them, every 50 messages or 10 minutes for the ML-KEM-1024 suites, whose keys
    /// and ciphertexts are twice as large.
    pub fn default_for(suite: KemSuite) -> Self {
        match suite {
            KemSuite::MlKem1024 | KemSuite::X25519MlKem1024 => KemCadence::MessagesOrSeconds {
                messages: 50,
                seconds: 600,
            },
            _ => KemCadence::EveryHop,
        }
    }

    /// Refuses a zero count or period (use [`KemCadence::EveryHop`] instead).
    pub fn validate(self) -> Result<()> {
        let zero = match self {
            KemCadence::EveryHop => false,
            KemCadence::EveryMessages(n) => n == 0,
            KemCadence::EverySeconds(t) => t == 0,
            KemCadence::MessagesOrSeconds { messages, seconds } => messages == 0 || seconds == 0,
        };
        if zero {
            return Err(Error::InvalidArgument {
                what: "KEM cadence of zero messages or seconds",
            });
        }
        Ok(())
    }

    /// Whether a step taken now, with `clock`, is a KEM step (forced steps included).
    pub(crate) fn is_due(self, clock: &KemClock, now: u64) -> bool {
        let messages_due = |n: u32| clock.messages >= u64::from(n);
        let time_due = |t: u64| now.saturating_sub(clock.since) >= t;
        clock.forced
            || match self {
                KemCadence::EveryHop => true,
                KemCadence::EveryMessages(n) => messages_due(n),
                KemCadence::EverySeconds(t) => time_due(t),
                KemCadence::MessagesOrSeconds { messages, seconds } => {
                    messages_due(messages) || time_due(seconds)
                }
            }
    }
}

/// The counters a cadence reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct KemClock {
    /// Messages (sent and received) since a KEM secret last entered the root key.
    pub(crate) messages: u64,
    /// When a KEM secret last entered the root key (unix seconds, the caller's clock).
    pub(crate) since: u64,
    /// A KEM step was requested ([`super::RatchetState::force_kem_step`]) and has not
    /// happened yet.
    pub(crate) forced: bool,
}

impl KemClock {
    /// A clock started now (by the handshake's encapsulation).
    pub(crate) fn started(now: u64) -> Self {
        Self {
            messages: 0,
            since: now,
            forced: false,
        }
    }

    /// A KEM secret entered the root key now.
    pub(crate) fn reset(&mut self, now: u64) {
        self.messages = 0;
        self.since = now;
    }

    /// One more message was protected.
    pub(crate) fn count_message(&mut self) {
        self.messages = self.messages.saturating_add(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cadences_fire_when_due() {
        let mut c = KemClock::started(100);
        assert!(KemCadence::EveryHop.is_due(&c, 100));
        assert!(!KemCadence::EveryMessages(3).is_due(&c, 100));
        c.count_message();
        c.count_message();
        assert!(!KemCadence::EveryMessages(3).is_due(&c, 100));
        c.count_message();
        assert!(KemCadence::EveryMessages(3).is_due(&c, 100));
        assert!(!KemCadence::EverySeconds(60).is_due(&c, 159));
        assert!(KemCadence::EverySeconds(60).is_due(&c, 160));
        // A clock that went backwards never makes a step due by time.
        assert!(!KemCadence::EverySeconds(60).is_due(&c, 10));
        let either = KemCadence::MessagesOrSeconds {
            messages: 5,
            seconds: 60,
        };
        assert!(!either.is_due(&c, 100));
        assert!(either.is_due(&c, 161));
        c.reset(200);
        assert!(!KemCadence::EveryMessages(3).is_due(&c, 200));
        c.forced = true;
        assert!(KemCadence::EveryMessages(3).is_due(&c, 200));
    }

    #[test]
    fn zero_cadences_are_refused_and_defaults_follow_the_spec() {
        assert!(KemCadence::EveryMessages(0).validate().is_err());
        assert!(KemCadence::EverySeconds(0).validate().is_err());
        assert!(KemCadence::EveryHop.validate().is_ok());
        assert_eq!(
            KemCadence::default_for(KemSuite::MlKem768),
            KemCadence::EveryHop
        );
        assert_eq!(
            KemCadence::default_for(KemSuite::MlKem1024),
            KemCadence::MessagesOrSeconds {
                messages: 50,
                seconds: 600
            }
        );
    }
}
