//! When our outgoing post-quantum pipeline starts its next key (protocol.md §5.6): a
//! policy.
//!
//! The clock of a cadence measures the traffic protected (sent and received) since our
//! own pipeline last completed a step (the handshake starts it). Time is the caller's
//! `now` (unix seconds): the ratchet never reads a clock. A new key is only ever started
//! once the previous one's step completed: one key of ours is in flight at a time.

use crate::suite::KemSuite;
use crate::{Error, Result};

/// When our outgoing pipeline starts its next ML-KEM key.
///
/// v1's names map onto v2's pipeline: "every hop" is [`KemCadence::Continuous`] (the
/// most frequent steps the pipeline can take); the message and time cadences keep
/// their numbers as minimum distances between our steps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KemCadence {
    /// The default: the next key starts with the first message after the previous step
    /// completed.
    Continuous,
    /// The next key starts once at least this many messages (sent and received) were
    /// protected since our previous step completed.
    EveryMessages(u32),
    /// The next key starts at least this many seconds after our previous step
    /// completed.
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
    /// The default of protocol.md §5.6 for every suite: [`KemCadence::Continuous`]. A
    /// message carries at most one chunk whatever the suite, so larger keys make steps
    /// rarer, not messages larger.
    pub fn default_for(_suite: KemSuite) -> Self {
        KemCadence::Continuous
    }

    /// Refuses a zero count or period (use [`KemCadence::Continuous`] instead).
    pub fn validate(self) -> Result<()> {
        let zero = match self {
            KemCadence::Continuous => false,
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

    /// Whether the next key starts now, with `clock` (forced steps included).
    pub(crate) fn is_due(self, clock: &KemClock, now: u64) -> bool {
        let messages_due = |n: u32| clock.messages >= u64::from(n);
        let time_due = |t: u64| now.saturating_sub(clock.since) >= t;
        clock.forced
            || match self {
                KemCadence::Continuous => true,
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
    /// Messages (sent and received) since our pipeline last completed a step.
    pub(crate) messages: u64,
    /// When our pipeline last completed a step (unix seconds, the caller's clock).
    pub(crate) since: u64,
    /// A step was requested ([`super::RatchetState::force_kem_step`]) and its key has
    /// not started yet.
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

    /// Our pipeline completed a step now.
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
        assert!(KemCadence::Continuous.is_due(&c, 100));
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
        assert!(KemCadence::Continuous.validate().is_ok());
        for suite in KemSuite::ALL {
            assert_eq!(KemCadence::default_for(*suite), KemCadence::Continuous);
        }
    }
}
