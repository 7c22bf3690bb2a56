//! Suite negotiation that cannot be downgraded silently (DESIGN.md, "Negotiation and
//! downgrade"). Both parties publish [`Capabilities`]; the initiator's order decides,
//! the policy filters, and the transcript hash over both encodings is what later
//! protocol steps sign and mix into their keys.
//!
//! MLS groups are negotiated alongside: [`Agreement::mls`] is the MLS cipher suite both
//! offer, chosen by the same rules, or `None` (a session never fails over MLS);
//! [`negotiate_mls`] is the strict form that refuses instead.
//!
//! ```
//! use pqwire_core::negotiation::{negotiate, Policy, PolicyMode, Role};
//! use pqwire_core::wire::{Capabilities, WireMessage};
//! use pqwire_core::KemSuite;
//! let ours = Capabilities::default().encode()?;
//! let theirs = Capabilities::default().encode()?;
//! let a = negotiate(&ours, &theirs, Role::Initiator, &Policy::new(PolicyMode::PqRequired))?;
//! let b = negotiate(&theirs, &ours, Role::Responder, &Policy::new(PolicyMode::PqRequired))?;
//! assert_eq!(a.kem, KemSuite::XWing);
//! assert_eq!(a.transcript_hash, b.transcript_hash);
//! # Ok::<(), pqwire_core::Error>(())
//! ```

mod policy;
mod transcript;

pub use policy::{Policy, PolicyMode};
pub use transcript::{verify_transcript, TRANSCRIPT_LABEL};

use crate::suite::Suite;
use crate::wire::limits::SUPPORTED_VERSIONS;
use crate::wire::{Capabilities, WireMessage};
use crate::{AeadSuite, Error, KemSuite, MlsSuite, Result, SigSuite};

/// Why negotiation refused to go on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DowngradeCode {
    /// The two parties share no suite of some role.
    NoCommonSuite,
    /// The two parties share no wire version.
    NoCommonVersion,
    /// Only classical-only suites are common and the policy is `pq-required`.
    PqRequired,
    /// The agreed version would be below the policy's minimum or the peer offers only
    /// older versions.
    VersionRollback,
    /// The peer's transcript hash differs from ours.
    TranscriptMismatch,
}

impl DowngradeCode {
    /// Every refusal, in the order of the enum.
    pub const ALL: &'static [DowngradeCode] = &[
        DowngradeCode::NoCommonSuite,
        DowngradeCode::NoCommonVersion,
        DowngradeCode::PqRequired,
        DowngradeCode::VersionRollback,
        DowngradeCode::TranscriptMismatch,
    ];

    /// The stable string code.
    pub fn as_str(self) -> &'static str {
        match self {
            DowngradeCode::NoCommonSuite => "NO_COMMON_SUITE",
            DowngradeCode::NoCommonVersion => "NO_COMMON_VERSION",
            DowngradeCode::PqRequired => "PQ_REQUIRED",
            DowngradeCode::VersionRollback => "VERSION_ROLLBACK",
            DowngradeCode::TranscriptMismatch => "TRANSCRIPT_MISMATCH",
        }
    }
}

/// Which side of the exchange we are: the initiator's preference order decides.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// We start the handshake; our order decides.
    Initiator,
    /// The peer started it; its order decides and we check our policy.
    Responder,
}

/// The outcome of a negotiation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Agreement {
    /// The wire version.
    pub version: u8,
    /// The key-exchange suite.
    pub kem: KemSuite,
    /// The signature suite.
    pub sig: SigSuite,
    /// The AEAD suite.
    pub aead: AeadSuite,
    /// Feature bits both sides offer.
    pub features: u32,
    /// The MLS cipher suite for groups between the two: the first in the initiator's
    /// `mlsSuites` that the responder also lists and the policy allows (`pq-required`:
    /// post-quantum ones only; `pq-preferred`: a post-quantum one whenever one is common;
    /// `classical-allowed`: the initiator's order). `None` when either side lacks the
    /// `mls` feature or nothing allowed is common: MLS never makes a session's
    /// negotiation fail ([`negotiate_mls`] refuses instead). The transcript hash covers
    /// it through the capability encodings, which carry both MLS lists.
    pub mls: Option<MlsSuite>,
    /// SHA3-256 over both capability encodings and this choice (see [`verify_transcript`]).
    pub transcript_hash: [u8; 32],
}

impl Agreement {
    /// Whether the key exchange or the signature suite is classical-only: something a
    /// security log should record. About the session only: a classical MLS suite in
    /// [`Agreement::mls`] does not count (see [`MlsSuite::is_post_quantum`]).
    pub fn is_classical(&self) -> bool {
        !self.kem.is_post_quantum() || !self.sig.is_post_quantum()
    }
}

/// Negotiates version and suites from two capability encodings. `local` is ours and
/// `remote` the peer's, both as encoded on the wire (the transcript hashes these exact
/// bytes). Refusals are [`Error::Downgrade`]; malformed capabilities are [`Error::Wire`].
pub fn negotiate(local: &[u8], remote: &[u8], role: Role, policy: &Policy) -> Result<Agreement> {
    let ours = Capabilities::decode(local)?;
    let theirs = Capabilities::decode(remote)?;
    if ours
        .versions
        .iter()
        .any(|v| !SUPPORTED_VERSIONS.contains(v))
    {
        return Err(Error::Unsupported {
            what: "local capabilities list a wire version this library does not implement",
        });
    }
    let (initiator, responder) = match role {
        Role::Initiator => (&ours, &theirs),
        Role::Responder => (&theirs, &ours),
    };
    let version = choose_version(&ours.versions, &theirs.versions, policy)?;
    let offers = |list: fn(&Capabilities) -> &[u16]| (list(initiator), list(responder));
    let mode = policy.mode;
    let kem = choose(offers(|c| &c.kex_suites), mode, KemSuite::is_post_quantum)?;
    let sig = choose(offers(|c| &c.sig_suites), mode, SigSuite::is_post_quantum)?;
    // Both AEADs are 256-bit symmetric ciphers: no classical/post-quantum distinction.
    let aead: AeadSuite = choose(
        offers(|c| &c.aead_suites),
        PolicyMode::ClassicalAllowed,
        |_| true,
    )?;
    let mut agreement = Agreement {
        version,
        kem,
        sig,
        aead,
        features: ours.features & theirs.features,
        mls: choose_mls(initiator, responder, mode).ok(),
        transcript_hash: [0; 32],
    };
    let (init_bytes, resp_bytes) = match role {
        Role::Initiator => (local, remote),
        Role::Responder => (remote, local),
    };
    agreement.transcript_hash = transcript::transcript_hash(init_bytes, resp_bytes, &agreement);
    Ok(agreement)
}

/// Negotiates the MLS cipher suite alone, strictly: the suite [`Agreement::mls`] would be,
/// or the reason there is none. `local`, `remote` and `role` are as for [`negotiate`];
/// of `policy` only the mode applies (versions and session suites are `negotiate`'s).
///
/// Refusals are [`Error::Downgrade`]: `NO_COMMON_SUITE` when a side lacks the `mls`
/// feature or no MLS suite is common, `PQ_REQUIRED` under `pq-required` when only
/// classical MLS suites are common or a side offers only classical ones. Malformed
/// capabilities are [`Error::Wire`].
///
/// ```
/// use pqwire_core::negotiation::{negotiate_mls, Policy, PolicyMode, Role};
/// use pqwire_core::wire::{Capabilities, WireMessage};
/// use pqwire_core::MlsSuite;
/// let ours = Capabilities::default().with_mls(MlsSuite::ALL).encode()?;
/// let classical = [MlsSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519];
/// let theirs = Capabilities::default().with_mls(&classical).encode()?;
/// let strict = Policy::new(PolicyMode::PqRequired);
/// let refused = negotiate_mls(&ours, &theirs, Role::Initiator, &strict).unwrap_err();
/// assert_eq!(refused.code(), "PQ_REQUIRED");
/// let lax = Policy::new(PolicyMode::ClassicalAllowed);
/// assert_eq!(negotiate_mls(&ours, &theirs, Role::Initiator, &lax)?, classical[0]);
/// let no_mls = Capabilities::default().encode()?;
/// let refused = negotiate_mls(&ours, &no_mls, Role::Initiator, &lax).unwrap_err();
/// assert_eq!(refused.code(), "NO_COMMON_SUITE");
/// # Ok::<(), pqwire_core::Error>(())
/// ```
pub fn negotiate_mls(local: &[u8], remote: &[u8], role: Role, policy: &Policy) -> Result<MlsSuite> {
    let ours = Capabilities::decode(local)?;
    let theirs = Capabilities::decode(remote)?;
    let refuse = |who: &str| Error::Downgrade {
        code: DowngradeCode::NoCommonSuite,
        detail: format!("no common MLS suite: {who} not support MLS (no mls feature)"),
    };
    if !ours.supports_mls() {
        return Err(refuse("we do"));
    }
    if !theirs.supports_mls() {
        return Err(refuse("the peer does"));
    }
    let (initiator, responder) = match role {
        Role::Initiator => (&ours, &theirs),
        Role::Responder => (&theirs, &ours),
    };
    choose_mls(initiator, responder, policy.mode)
}

/// The MLS suite from the two offers, by [`choose`]'s rules: an offer without the `mls`
/// feature has an empty list (the wire rules make the two go together), so nothing is
/// common with it.
fn choose_mls(
    initiator: &Capabilities,
    responder: &Capabilities,
    mode: PolicyMode,
) -> Result<MlsSuite> {
    choose(
        (&initiator.mls_suites, &responder.mls_suites),
        mode,
        MlsSuite::is_post_quantum,
    )
}

/// The highest version both offer, refused when below the policy's minimum.
fn choose_version(ours: &[u8], theirs: &[u8], policy: &Policy) -> Result<u8> {
    let common = ours.iter().copied().filter(|v| theirs.contains(v)).max();
    let refuse = |code, detail: String| Err(Error::Downgrade { code, detail });
    match common {
        Some(v) if v >= policy.min_version => Ok(v),
        Some(v) => refuse(
            DowngradeCode::VersionRollback,
            format!(
                "agreed wire version {v} is below the policy minimum {}",
                policy.min_version
            ),
        ),
        None => {
            let our_min = ours.iter().copied().min().unwrap_or(0);
            if theirs.iter().all(|v| *v < our_min) {
                refuse(
                    DowngradeCode::VersionRollback,
                    format!("peer offers only wire versions {theirs:?}, older than ours {ours:?}"),
                )
            } else {
                refuse(
                    DowngradeCode::NoCommonVersion,
                    format!("no common wire version: ours {ours:?}, peer's {theirs:?}"),
                )
            }
        }
    }
}

/// The first suite in the initiator's order that the responder also offers (the two
/// `offers`) and the policy allows; `is_pq` says whether a suite is post-quantum.
/// Refusals name the suites' role ([`Suite::ROLE`]).
fn choose<S: Suite>(
    (initiator, responder): (&[u16], &[u16]),
    mode: PolicyMode,
    is_pq: fn(S) -> bool,
) -> Result<S> {
    let role = S::ROLE;
    let known = |c: u16| S::from_code(c).ok().map(|s| (s, is_pq(s)));
    let common: Vec<(S, bool)> = initiator
        .iter()
        .filter(|c| responder.contains(c))
        .filter_map(|c| known(*c))
        .collect();
    let first_pq = common.iter().find(|(_, pq)| *pq).map(|(s, _)| *s);
    let first = common.first().map(|(s, _)| *s);
    let chosen = match mode {
        PolicyMode::PqRequired => first_pq,
        PolicyMode::PqPreferred => first_pq.or(first),
        PolicyMode::ClassicalAllowed => first,
    };
    // Under pq-required, a side that offers only classical suites could never be served:
    // say so (PQ_REQUIRED) rather than that nothing is in common.
    let classical_only = |offer: &[u16]| {
        let known: Vec<(S, bool)> = offer.iter().filter_map(|c| known(*c)).collect();
        (!known.is_empty() && known.iter().all(|(_, pq)| !pq)).then_some(known)
    };
    let refused_side = match mode {
        PolicyMode::PqRequired => classical_only(initiator).or_else(|| classical_only(responder)),
        _ => None,
    };
    let names = |list: &[(S, bool)]| {
        let names: Vec<&str> = list.iter().map(|(s, _)| s.name()).collect();
        names.join(", ")
    };
    match (chosen, first, refused_side) {
        (Some(s), _, _) => Ok(s),
        (None, None, Some(offer)) => Err(Error::Downgrade {
            code: DowngradeCode::PqRequired,
            detail: format!(
                "policy pq-required refuses a side offering only classical {role} suites: {}",
                names(&offer)
            ),
        }),
        (None, None, None) => Err(Error::Downgrade {
            code: DowngradeCode::NoCommonSuite,
            detail: format!("no common {role} suite"),
        }),
        (None, Some(_), _) => Err(Error::Downgrade {
            code: DowngradeCode::PqRequired,
            detail: format!(
                "policy pq-required refuses the classical-only {role} suites in common: {}",
                names(&common)
            ),
        }),
    }
}
