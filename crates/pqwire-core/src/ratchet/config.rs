//! The knobs of a ratchet session, with the defaults of protocol.md §5.

use super::cadence::KemCadence;
use super::erasure::{MAX_CHUNK_LEN, MIN_CHUNK_LEN};
use crate::suite::KemSuite;
use crate::Result;

/// Default of [`RatchetConfig::max_skip`].
pub const DEFAULT_MAX_SKIP: u32 = 1_000;
/// Default of [`RatchetConfig::max_skipped_keys`].
pub const DEFAULT_MAX_SKIPPED_KEYS: usize = 1_000;
/// Default of [`RatchetConfig::max_skipped_age`]: 7 days, in seconds.
pub const DEFAULT_MAX_SKIPPED_AGE: u64 = 7 * 24 * 60 * 60;

/// Default of [`RatchetConfig::pq_chunk_len`]: `D`, the data bytes of one `pqChunk`
/// (protocol.md §5.6, where the choice is measured).
pub const DEFAULT_PQ_CHUNK_LEN: u16 = 80;

/// Policy of one ratchet session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RatchetConfig {
    /// When our outgoing post-quantum pipeline starts its next key.
    pub cadence: KemCadence,
    /// `D`, the data bytes of every `pqChunk` this session sends and accepts. Both
    /// parties must use the same value: sessions always use
    /// [`DEFAULT_PQ_CHUNK_LEN`]; other values (16..=1024) are for measurements.
    pub pq_chunk_len: u16,
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
    /// Continuous cadence, the default chunk size and the limits of protocol.md §5.
    fn default() -> Self {
        Self {
            cadence: KemCadence::Continuous,
            pq_chunk_len: DEFAULT_PQ_CHUNK_LEN,
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

    /// Checks the settings: the cadence must not be zero, the chunk size in 16..=1024.
    pub fn validate(&self) -> Result<()> {
        if !(MIN_CHUNK_LEN..=MAX_CHUNK_LEN).contains(&self.pq_chunk_len) {
            return Err(crate::Error::InvalidArgument {
                what: "PQ chunk size outside 16..=1024",
            });
        }
        self.cadence.validate()
    }
}
