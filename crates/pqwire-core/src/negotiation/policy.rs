//! Negotiation policies: how far a party lets the choice fall from post-quantum.

use crate::wire::limits::VERSION;
use crate::{Error, Result};

/// How a party treats classical-only suites.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PolicyMode {
    /// Never choose a classical-only key exchange or signature suite, nor an MLS suite
    /// whose key exchange is classical (RFC 9420's 0x0001-0x0003).
    PqRequired,
    /// Choose a post-quantum suite whenever both sides have one, whatever the order;
    /// fall back to classical only when none is common (and report it).
    PqPreferred,
    /// Take the initiator's order as it is; a classical choice is still reported.
    ClassicalAllowed,
}

impl PolicyMode {
    /// Every mode.
    pub const ALL: &'static [PolicyMode] = &[
        PolicyMode::PqRequired,
        PolicyMode::PqPreferred,
        PolicyMode::ClassicalAllowed,
    ];

    /// The API name (`"pq-required"`, `"pq-preferred"`, `"classical-allowed"`).
    pub fn name(self) -> &'static str {
        match self {
            PolicyMode::PqRequired => "pq-required",
            PolicyMode::PqPreferred => "pq-preferred",
            PolicyMode::ClassicalAllowed => "classical-allowed",
        }
    }

    /// Looks a mode up by its API name.
    pub fn from_name(name: &str) -> Result<Self> {
        PolicyMode::ALL
            .iter()
            .copied()
            .find(|m| m.name() == name)
            .ok_or(Error::InvalidArgument {
                what: "policy must be pq-required, pq-preferred or classical-allowed",
            })
    }
}

/// A negotiation policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Policy {
    /// Treatment of classical-only suites.
    pub mode: PolicyMode,
    /// The lowest wire version accepted; a lower agreement is a rollback.
    pub min_version: u8,
}

impl Policy {
    /// A policy with `mode` and the current wire version as minimum.
    pub fn new(mode: PolicyMode) -> Self {
        Policy {
            mode,
            min_version: VERSION,
        }
    }
}

impl Default for Policy {
    /// `pq-required` at the current wire version: the safe default.
    fn default() -> Self {
        Policy::new(PolicyMode::PqRequired)
    }
}
