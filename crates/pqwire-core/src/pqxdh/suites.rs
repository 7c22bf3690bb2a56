//! Which suites a handshake uses, and the policy over them (protocol.md §4.1 step 1).
//!
//! Negotiation over the two capability lists gives the wire version, the AEAD, the
//! features and `NT`. The keys in play have suites of their own, which must fit it:
//!
//! - the session's KEM is the KEM prekey's suite (ML-KEM-512/768/1024); it must be in
//!   both parties' `kexSuites`. Without a KEM prekey (a classical-only handshake, never
//!   under `pq-required`, and never when both `kexSuites` hold an ML-KEM suite: then the
//!   prekey was stripped) it is the negotiated key-exchange suite.
//! - each identity's signature suite must be in both parties' `sigSuites`, and be
//!   post-quantum under `pq-required`.

use crate::negotiation::{Agreement, DowngradeCode, Policy, PolicyMode};
use crate::wire::{Capabilities, HANDSHAKE_KEMS};
use crate::{Error, KemSuite, Result, SigSuite};

fn refuse(code: DowngradeCode, detail: String) -> Error {
    Error::Downgrade { code, detail }
}

/// Checks `code` (a suite of `role`, named `name`) against both lists and the policy.
fn check(
    code: u16,
    name: &str,
    post_quantum: bool,
    lists: [&[u16]; 2],
    policy: &Policy,
    role: &str,
) -> Result<()> {
    if !lists.iter().all(|l| l.contains(&code)) {
        return Err(refuse(
            DowngradeCode::NoCommonSuite,
            format!("the {role} suite {name} is not offered by both parties"),
        ));
    }
    if policy.mode == PolicyMode::PqRequired && !post_quantum {
        return Err(refuse(
            DowngradeCode::PqRequired,
            format!("policy pq-required refuses the classical-only {role} suite {name}"),
        ));
    }
    Ok(())
}

/// An identity's signature suite fits both capability lists and the policy.
pub(crate) fn check_identity(
    suite: SigSuite,
    a: &Capabilities,
    b: &Capabilities,
    policy: &Policy,
) -> Result<()> {
    check(
        suite.code(),
        suite.name(),
        suite.is_post_quantum(),
        [&a.sig_suites, &b.sig_suites],
        policy,
        "identity signature",
    )
}

/// The session's KEM: the KEM prekey's suite (checked against both lists), or the
/// negotiated one when there is no KEM prekey — refused under `pq-required`.
pub(crate) fn session_kem(
    kem_prekey: Option<KemSuite>,
    agreement: &Agreement,
    a: &Capabilities,
    b: &Capabilities,
    policy: &Policy,
) -> Result<KemSuite> {
    match kem_prekey {
        Some(suite) => {
            check(
                suite.code(),
                suite.name(),
                suite.is_post_quantum(),
                [&a.kex_suites, &b.kex_suites],
                policy,
                "KEM prekey",
            )?;
            Ok(suite)
        }
        None if policy.mode == PolicyMode::PqRequired => Err(refuse(
            DowngradeCode::PqRequired,
            "policy pq-required refuses a handshake without a post-quantum KEM prekey".into(),
        )),
        // Whoever serves a bundle can drop its KEM prekey (its presence is not signed in
        // wire version 1): when both parties can use one, its absence is a downgrade.
        None if offer_prekey_kem(a) && offer_prekey_kem(b) => Err(refuse(
            DowngradeCode::PqRequired,
            "both parties offer ML-KEM, so a handshake needs a KEM prekey: the bundle's was \
             removed"
                .into(),
        )),
        None => Ok(agreement.kem),
    }
}

/// Whether `caps` offer a suite a KEM prekey can have.
fn offer_prekey_kem(caps: &Capabilities) -> bool {
    HANDSHAKE_KEMS
        .iter()
        .any(|s| caps.kex_suites.contains(&s.code()))
}

/// On the responder, a suite the initiator should never have chosen means the two did
/// not see the same capabilities: `TRANSCRIPT_MISMATCH` (policy refusals stay as they are).
pub(crate) fn as_mismatch(e: Error) -> Error {
    match e {
        Error::Downgrade {
            code: DowngradeCode::NoCommonSuite,
            detail,
        } => refuse(DowngradeCode::TranscriptMismatch, detail),
        other => other,
    }
}
