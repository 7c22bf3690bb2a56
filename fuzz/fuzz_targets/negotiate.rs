//! Suite negotiation on arbitrary capability pairs. Input layout:
//!
//! ```text
//! byte 0      bits 0-1: policy mode (0 pq-required, 1 pq-preferred, 2 classical-allowed,
//!                       3 pq-required); bit 2: role (0 initiator, 1 responder);
//!                       bits 3-7: the policy's minimum wire version (0..=31)
//! bytes 1-2   split point, u16 big-endian (clamped to the rest's length)
//! rest        local capability bytes [..split], remote capability bytes [split..]
//! ```
//!
//! Checks: negotiation never panics. When the other party's run (roles and inputs
//! swapped, same policy) also succeeds, both agree on everything, transcript hash
//! included. When both lists decode and list only supported wire versions, both sides
//! reach the same outcome (the same refusal code). An agreement is the highest common
//! version (at least the policy's minimum), the feature intersection, and for each role
//! the initiator's first common known suite the policy allows (never a classical-only
//! one under `pq-required`); the MLS suite likewise, or none when nothing allowed is
//! common (it never makes negotiation fail).
#![no_main]

use libfuzzer_sys::fuzz_target;
use pqwire_core::negotiation::{negotiate, verify_transcript, Agreement, Policy, PolicyMode, Role};
use pqwire_core::wire::{limits::SUPPORTED_VERSIONS, Capabilities, WireMessage};
use pqwire_core::{AeadSuite, KemSuite, MlsSuite, SigSuite};

fuzz_target!(|data: &[u8]| {
    let Some((&[control, s0, s1], rest)) = data.split_first_chunk::<3>() else {
        return;
    };
    let mode = match control & 0x03 {
        1 => PolicyMode::PqPreferred,
        2 => PolicyMode::ClassicalAllowed,
        _ => PolicyMode::PqRequired,
    };
    let (role, other) = if control & 0x04 == 0 {
        (Role::Initiator, Role::Responder)
    } else {
        (Role::Responder, Role::Initiator)
    };
    let policy = Policy {
        mode,
        min_version: control >> 3,
    };
    let split = usize::from(u16::from_be_bytes([s0, s1])).min(rest.len());
    let (local, remote) = rest.split_at(split);

    let ours = negotiate(local, remote, role, &policy);
    let theirs = negotiate(remote, local, other, &policy);

    // Both runs have the same initiator: whoever runs as `Role::Initiator`.
    let (init_bytes, resp_bytes) = match role {
        Role::Initiator => (local, remote),
        Role::Responder => (remote, local),
    };
    for agreement in [&ours, &theirs].into_iter().flatten() {
        check_agreement(agreement, init_bytes, resp_bytes, &policy);
    }
    match (&ours, &theirs) {
        (Ok(a), Ok(b)) => {
            assert_eq!(
                a.transcript_hash, b.transcript_hash,
                "the two sides' transcript hashes differ"
            );
            assert_eq!(a, b, "the two sides agreed on different things");
            assert!(verify_transcript(&a.transcript_hash, &b.transcript_hash).is_ok());
        }
        _ => {
            let supported =
                |c: &Capabilities| c.versions.iter().all(|v| SUPPORTED_VERSIONS.contains(v));
            if let (Ok(l), Ok(r)) = (Capabilities::decode(local), Capabilities::decode(remote)) {
                if supported(&l) && supported(&r) {
                    let code = |r: &Result<Agreement, pqwire_core::Error>| {
                        r.as_ref().err().map(|e| e.code())
                    };
                    assert_eq!(
                        code(&ours),
                        code(&theirs),
                        "one side agrees where the other refuses"
                    );
                }
            }
        }
    }
});

/// What any agreement must satisfy, whoever computed it: the DESIGN's rule "the
/// initiator chooses the first suite in its own order that the peer supports and its
/// policy allows", the version rules and the feature intersection.
fn check_agreement(a: &Agreement, init_bytes: &[u8], resp_bytes: &[u8], policy: &Policy) {
    let (init, resp) = match (
        Capabilities::decode(init_bytes),
        Capabilities::decode(resp_bytes),
    ) {
        (Ok(i), Ok(r)) => (i, r),
        _ => panic!("negotiation succeeded on capabilities that do not decode"),
    };
    assert!(init.versions.contains(&a.version) && resp.versions.contains(&a.version));
    assert!(
        a.version >= policy.min_version,
        "agreed version below the policy minimum"
    );
    let best = init
        .versions
        .iter()
        .filter(|v| resp.versions.contains(v))
        .max();
    assert_eq!(best, Some(&a.version), "not the highest common version");
    assert_eq!(a.features, init.features & resp.features);

    let kem = expected(&init.kex_suites, &resp.kex_suites, policy.mode, |c| {
        KemSuite::from_code(c)
            .ok()
            .map(|s| (s, s.is_post_quantum()))
    });
    assert_eq!(
        Some(a.kem),
        kem,
        "KEM suite is not the initiator's first allowed common one"
    );
    let sig = expected(&init.sig_suites, &resp.sig_suites, policy.mode, |c| {
        SigSuite::from_code(c)
            .ok()
            .map(|s| (s, s.is_post_quantum()))
    });
    assert_eq!(
        Some(a.sig),
        sig,
        "signature suite is not the initiator's first allowed common one"
    );
    let aead = expected(
        &init.aead_suites,
        &resp.aead_suites,
        PolicyMode::ClassicalAllowed,
        |c| AeadSuite::from_code(c).ok().map(|s| (s, true)),
    );
    assert_eq!(
        Some(a.aead),
        aead,
        "AEAD suite is not the initiator's first common one"
    );
    let mls = expected(&init.mls_suites, &resp.mls_suites, policy.mode, |c| {
        MlsSuite::from_code(c)
            .ok()
            .map(|s| (s, s.is_post_quantum()))
    });
    assert_eq!(
        a.mls, mls,
        "MLS suite is not the initiator's first allowed common one"
    );
    if policy.mode == PolicyMode::PqRequired {
        assert!(
            !a.is_classical(),
            "pq-required agreed on a classical-only suite: {a:?}"
        );
    }
}

/// The suite the policy lets the initiator pick: the first known common suite in its
/// order, the first post-quantum one under `pq-required` / `pq-preferred` when any.
fn expected<S: Copy>(
    initiator: &[u16],
    responder: &[u16],
    mode: PolicyMode,
    known: impl Fn(u16) -> Option<(S, bool)>,
) -> Option<S> {
    let common: Vec<(S, bool)> = initiator
        .iter()
        .filter(|c| responder.contains(c))
        .filter_map(|c| known(*c))
        .collect();
    let first_pq = common.iter().find(|(_, pq)| *pq).map(|(s, _)| *s);
    let first = common.first().map(|(s, _)| *s);
    match mode {
        PolicyMode::PqRequired => first_pq,
        PolicyMode::PqPreferred => first_pq.or(first),
        PolicyMode::ClassicalAllowed => first,
    }
}
