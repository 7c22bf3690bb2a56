//! The knobs of a ratchet session, with the defaults of protocol.md §5.

use super::cadence::KemCadence;
use crate::suite::KemSuite;
use crate::Result;

/// Default of [`RatchetConfig::max_skip`].
pub const DEFAULT_MAX_SKIP: u32 = 1_000;
/// Default of [`RatchetConfig::max_skipped_keys`].
pub const DEFAULT_MAX_SKIPPED_KEYS: usize = 1_000;
/// Default of [`RatchetConfig::max_skipped_age`]: 7 days, in seconds.
pub const DEFAULT_MAX_SKIPPED_AGE: u64 = 7 * 24 * 60 * 60;

/// Policy of one ratchet session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RatchetConfig {
    /// When an asymmetric step also runs the KEM.
    pub cadence: KemCadence,
    /// `maxSkip`: at most this many message keys are skipped (derived and stored) in
    /// one chain by one message; a message further ahead is `TOO_MANY_SKIPPED`.
    pub max_skip: u32,
    /// At most this many skipped message keys are stored; beyond it the oldest are
    /// deleted (a message for one of them is then `STALE_MESSAGE`).
    pub max_skipped_keys: usize,
    /// `maxSkippedAge`, in seconds: stored keys older than this are deleted.
    pub max_skipped_age: u64,
}

impl Default for RatchetConfig {
    /// Every-hop cadence and the limits of protocol.md §5.
    fn default() -> Self {
        Self {
            cadence: KemCadence::EveryHop,
            max_skip: DEFAULT_MAX_SKIP,
            max_skipped_keys: DEFAULT_MAX_SKIPPED_KEYS,
            max_skipped_age: DEFAULT_MAX_SKIPPED_AGE,
        }
    }
}

impl RatchetConfig {
    /// The defaults, with the suite's default cadence ([`KemCadence::default_for`]).
    pub fn for_suite(suite: KemSuite) -> Self {
        Self {
            cadence: KemCadence::default_for(suite),
            ..Self::default()
        }
    }

    /// Checks the settings (the cadence must not be zero).
    pub fn validate(&self) -> Result<()> {
        self.cadence.validate()
    }
}
