//! Negotiation: every `DowngradeCode`, both roles reaching the same agreement and
//! transcript hash, the transcript changing with anything an attacker could strip or
//! reorder, the three policies, unknown suite codes, features, and bad input; and the MLS
//! suite (`Agreement::mls`, `negotiate_mls`) under each policy.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use pqwire_core::hash::sha3_256;
use pqwire_core::negotiation::{
    negotiate, negotiate_mls, verify_transcript, Agreement, DowngradeCode, Policy, PolicyMode,
    Role, TRANSCRIPT_LABEL,
};
use pqwire_core::wire::{self, Capabilities, Envelope, WireMessage};
use pqwire_core::{AeadSuite, Error, ErrorKind, KemSuite, MlsSuite, SigSuite};

const PQ_REQUIRED: PolicyMode = PolicyMode::PqRequired;
const PQ_PREFERRED: PolicyMode = PolicyMode::PqPreferred;
const CLASSICAL: PolicyMode = PolicyMode::ClassicalAllowed;

fn kex(list: &[KemSuite]) -> Vec<u16> {
    list.iter().map(|s| s.code()).collect()
}

fn sigs(list: &[SigSuite]) -> Vec<u16> {
    list.iter().map(|s| s.code()).collect()
}

fn aeads(list: &[AeadSuite]) -> Vec<u16> {
    list.iter().map(|s| s.code()).collect()
}

/// Capabilities with the defaults, changed by `f`, encoded.
fn caps(f: impl FnOnce(&mut Capabilities)) -> Vec<u8> {
    let mut c = Capabilities::default();
    f(&mut c);
    c.encode().unwrap()
}

/// Capabilities offering only classical suites: X25519 and Ed25519.
fn classical_only() -> Vec<u8> {
    caps(|c| {
        c.kex_suites = kex(&[KemSuite::X25519]);
        c.sig_suites = sigs(&[SigSuite::Ed25519]);
    })
}

fn policy(mode: PolicyMode) -> Policy {
    Policy::new(mode)
}

/// The initiator's agreement (`init` is local) and the responder's (`resp` is local),
/// checked to be identical.
#[track_caller]
fn both(init: &[u8], resp: &[u8], mode: PolicyMode) -> Agreement {
    let a = negotiate(init, resp, Role::Initiator, &policy(mode)).unwrap();
    let b = negotiate(resp, init, Role::Responder, &policy(mode)).unwrap();
    assert_eq!(a, b, "initiator and responder disagree");
    assert!(verify_transcript(&a.transcript_hash, &b.transcript_hash).is_ok());
    a
}

/// The downgrade code of a refusal.
#[track_caller]
fn refusal(r: pqwire_core::Result<Agreement>) -> DowngradeCode {
    match r {
        Ok(a) => panic!("expected a refusal, agreed {a:?}"),
        Err(Error::Downgrade { code, detail }) => {
            assert!(!detail.is_empty());
            code
        }
        Err(e) => panic!("expected a downgrade error, got {e:?}"),
    }
}

/// Both roles refuse with `code` (`init` is the initiator's encoding).
#[track_caller]
fn both_refuse(init: &[u8], resp: &[u8], p: &Policy, code: DowngradeCode) -> Error {
    assert_eq!(
        refusal(negotiate(init, resp, Role::Initiator, p)),
        code,
        "initiator"
    );
    assert_eq!(
        refusal(negotiate(resp, init, Role::Responder, p)),
        code,
        "responder"
    );
    let err = negotiate(init, resp, Role::Initiator, p).unwrap_err();
    assert_eq!(err.code(), code.as_str());
    assert_eq!(err.kind(), ErrorKind::Policy);
    err
}

// ---------------------------------------------------------------------------------------
// Agreement

#[test]
fn defaults_agree_on_the_strongest_post_quantum_suites() {
    let d = Capabilities::default().encode().unwrap();
    for &mode in PolicyMode::ALL {
        let a = both(&d, &d, mode);
        assert_eq!(a.version, 2);
        assert_eq!(a.kem, KemSuite::XWing);
        assert_eq!(a.sig, SigSuite::Ed25519MlDsa65);
        assert_eq!(a.aead, AeadSuite::ChaCha20Poly1305);
        assert_eq!(a.features, 0xF);
        assert!(!a.is_classical());
    }
}

#[test]
fn initiator_and_responder_reach_the_same_agreement_and_transcript() {
    let alice = caps(|c| {
        c.kex_suites = kex(&[KemSuite::MlKem768, KemSuite::XWing, KemSuite::X25519]);
        c.sig_suites = sigs(&[SigSuite::MlDsa44, SigSuite::Ed25519MlDsa65]);
        c.aead_suites = aeads(&[AeadSuite::Aes256Gcm, AeadSuite::ChaCha20Poly1305]);
        c.features = 0b0111;
    });
    let bob = caps(|c| {
        c.kex_suites = kex(&[KemSuite::XWing, KemSuite::MlKem768]);
        c.sig_suites = sigs(&[SigSuite::Ed25519MlDsa65, SigSuite::MlDsa44]);
        c.aead_suites = aeads(&[AeadSuite::ChaCha20Poly1305, AeadSuite::Aes256Gcm]);
        c.features = 0b1110;
    });
    for &mode in PolicyMode::ALL {
        // Alice initiates: her order decides.
        let a = both(&alice, &bob, mode);
        assert_eq!(
            (a.kem, a.sig, a.aead),
            (KemSuite::MlKem768, SigSuite::MlDsa44, AeadSuite::Aes256Gcm)
        );
        // Bob initiates: his order decides.
        let b = both(&bob, &alice, mode);
        assert_eq!(
            (b.kem, b.sig, b.aead),
            (
                KemSuite::XWing,
                SigSuite::Ed25519MlDsa65,
                AeadSuite::ChaCha20Poly1305
            )
        );
        // Who initiated is part of the transcript.
        assert_ne!(a.transcript_hash, b.transcript_hash);
    }
}

#[test]
fn transcript_hash_is_the_documented_construction() {
    let init = caps(|c| c.kex_suites = kex(&[KemSuite::MlKem1024, KemSuite::XWing]));
    let resp = caps(|c| c.features = 0b1001);
    let a = both(&init, &resp, PQ_REQUIRED);
    let mut chosen = vec![a.version];
    chosen.extend_from_slice(&a.kem.code().to_be_bytes());
    chosen.extend_from_slice(&a.sig.code().to_be_bytes());
    chosen.extend_from_slice(&a.aead.code().to_be_bytes());
    chosen.extend_from_slice(&a.features.to_be_bytes());
    let expected = sha3_256(&[
        b"pqwire/v2 negotiation transcript",
        &(init.len() as u32).to_be_bytes(),
        &init,
        &(resp.len() as u32).to_be_bytes(),
        &resp,
        &chosen,
    ]);
    assert_eq!(TRANSCRIPT_LABEL, b"pqwire/v2 negotiation transcript");
    assert_eq!(a.transcript_hash, expected);
    assert_eq!(a.kem, KemSuite::MlKem1024);
    assert_eq!(a.features, 0b1001);
}

#[test]
fn transcript_changes_when_a_list_is_reordered_or_stripped() {
    let init = Capabilities::default().encode().unwrap();
    let resp = Capabilities::default().encode().unwrap();
    let base = both(&init, &resp, PQ_PREFERRED);

    // Alterations that leave the choice itself unchanged: only the transcript shows them.
    let reordered_tail = |c: &mut Capabilities| c.kex_suites[1..].reverse();
    let stripped_classical = |c: &mut Capabilities| {
        c.kex_suites.retain(|&s| s != KemSuite::X25519.code());
        c.sig_suites.retain(|&s| s != SigSuite::Ed25519.code());
    };
    let reordered_aead = |c: &mut Capabilities| c.aead_suites.swap(0, 1);
    let stripped_sig_list = |c: &mut Capabilities| c.sig_suites.truncate(1);
    let alterations: [&dyn Fn(&mut Capabilities); 4] = [
        &reordered_tail,
        &stripped_classical,
        &reordered_aead,
        &stripped_sig_list,
    ];
    for (i, alter) in alterations.iter().enumerate() {
        let mut c = Capabilities::default();
        alter(&mut c);
        let altered = c.encode().unwrap();
        assert_ne!(altered, init);

        // The initiator's list altered (as the responder received it)...
        let a = negotiate(&altered, &resp, Role::Initiator, &policy(PQ_PREFERRED)).unwrap();
        // ...or the responder's list altered (as the initiator received it).
        let b = negotiate(&init, &altered, Role::Initiator, &policy(PQ_PREFERRED)).unwrap();
        for x in [&a, &b] {
            if i != 2 {
                assert_eq!(
                    (x.kem, x.sig, x.aead),
                    (base.kem, base.sig, base.aead),
                    "{i}"
                );
            }
            assert_ne!(x.transcript_hash, base.transcript_hash, "alteration {i}");
            let err = verify_transcript(&x.transcript_hash, &base.transcript_hash).unwrap_err();
            assert_eq!(err.code(), "TRANSCRIPT_MISMATCH");
        }
        assert_ne!(a.transcript_hash, b.transcript_hash);
    }
}

#[test]
fn a_stripping_attacker_is_caught_by_the_transcript() {
    // The initiator offers a PQ suite first; an attacker strips everything but X25519
    // from what the responder sees. A classical-allowed responder would accept X25519,
    // but the initiator's transcript (over what it really sent) differs.
    let sent = Capabilities::default().encode().unwrap();
    let seen = classical_only();
    let resp = Capabilities::default().encode().unwrap();
    let initiator = negotiate(&sent, &resp, Role::Initiator, &policy(CLASSICAL)).unwrap();
    let responder = negotiate(&resp, &seen, Role::Responder, &policy(CLASSICAL)).unwrap();
    assert_eq!(responder.kem, KemSuite::X25519);
    assert!(responder.is_classical());
    assert_eq!(initiator.kem, KemSuite::XWing);
    let err =
        verify_transcript(&responder.transcript_hash, &initiator.transcript_hash).unwrap_err();
    assert_eq!(err.code(), "TRANSCRIPT_MISMATCH");
    // A pq-required responder refuses outright.
    assert_eq!(
        refusal(negotiate(
            &resp,
            &seen,
            Role::Responder,
            &policy(PQ_REQUIRED)
        )),
        DowngradeCode::PqRequired
    );
}

#[test]
fn transcript_changes_with_the_chosen_suite() {
    // The same two encodings, different policies, different choices.
    let init = caps(|c| {
        c.kex_suites = kex(&[KemSuite::X25519, KemSuite::MlKem768]);
        c.sig_suites = sigs(&[SigSuite::Ed25519, SigSuite::MlDsa65]);
    });
    let resp = Capabilities::default().encode().unwrap();
    let classical = both(&init, &resp, CLASSICAL);
    let preferred = both(&init, &resp, PQ_PREFERRED);
    assert_ne!(classical.kem, preferred.kem);
    assert_ne!(classical.transcript_hash, preferred.transcript_hash);

    // Only the AEAD differs.
    let i1 = caps(|c| c.aead_suites = aeads(&[AeadSuite::Aes256Gcm, AeadSuite::ChaCha20Poly1305]));
    let r1 = caps(|c| c.aead_suites = aeads(&[AeadSuite::ChaCha20Poly1305]));
    let r2 = caps(|c| c.aead_suites = aeads(&[AeadSuite::Aes256Gcm]));
    let x = both(&i1, &r1, PQ_REQUIRED);
    let y = both(&i1, &r2, PQ_REQUIRED);
    assert_eq!((x.kem, x.sig), (y.kem, y.sig));
    assert_ne!(x.aead, y.aead);
    assert_ne!(x.transcript_hash, y.transcript_hash);
}

// ---------------------------------------------------------------------------------------
// Policies

#[test]
fn pq_preferred_picks_post_quantum_over_an_earlier_classical_suite() {
    let init = caps(|c| {
        c.kex_suites = kex(&[KemSuite::X25519, KemSuite::XWing, KemSuite::MlKem768]);
        c.sig_suites = sigs(&[SigSuite::Ed25519, SigSuite::MlDsa65]);
    });
    let resp = Capabilities::default().encode().unwrap();

    let a = both(&init, &resp, PQ_PREFERRED);
    assert_eq!((a.kem, a.sig), (KemSuite::XWing, SigSuite::MlDsa65));
    assert!(!a.is_classical());

    let a = both(&init, &resp, PQ_REQUIRED);
    assert_eq!((a.kem, a.sig), (KemSuite::XWing, SigSuite::MlDsa65));
    assert!(!a.is_classical());

    // classical-allowed takes the initiator's order as it is, and reports it.
    let a = both(&init, &resp, CLASSICAL);
    assert_eq!((a.kem, a.sig), (KemSuite::X25519, SigSuite::Ed25519));
    assert!(a.is_classical());

    // One classical half is enough to be reported.
    let init = caps(|c| c.kex_suites = kex(&[KemSuite::X25519, KemSuite::XWing]));
    let a = both(&init, &resp, CLASSICAL);
    assert_eq!((a.kem, a.sig), (KemSuite::X25519, SigSuite::Ed25519MlDsa65));
    assert!(a.is_classical());
    let init = caps(|c| c.sig_suites = sigs(&[SigSuite::Ed25519, SigSuite::MlDsa87]));
    let a = both(&init, &resp, CLASSICAL);
    assert_eq!((a.kem, a.sig), (KemSuite::XWing, SigSuite::Ed25519));
    assert!(a.is_classical());
}

#[test]
fn pq_preferred_falls_back_to_classical_when_no_post_quantum_suite_is_common() {
    let init = Capabilities::default().encode().unwrap();
    let resp = classical_only();
    let a = both(&init, &resp, PQ_PREFERRED);
    assert_eq!((a.kem, a.sig), (KemSuite::X25519, SigSuite::Ed25519));
    assert!(a.is_classical());
    let a = both(&init, &resp, CLASSICAL);
    assert_eq!((a.kem, a.sig), (KemSuite::X25519, SigSuite::Ed25519));
}

/// Both roles refuse under `pq-required`, with a message naming the role and the suite
/// (`named`).
#[track_caller]
fn pq_required_refuses(init: &[u8], resp: &[u8], named: [&str; 2]) {
    let p = policy(PQ_REQUIRED);
    let err = both_refuse(init, resp, &p, DowngradeCode::PqRequired);
    for word in named {
        assert!(err.to_string().contains(word), "{err}");
    }
}

#[test]
fn pq_required_refuses_classical_only_key_exchange() {
    let init = Capabilities::default().encode().unwrap();
    let resp = caps(|c| c.kex_suites = kex(&[KemSuite::X25519]));
    pq_required_refuses(&init, &resp, ["key exchange", "X25519"]);
}

#[test]
fn pq_required_refuses_classical_only_signatures() {
    let init = caps(|c| c.sig_suites = sigs(&[SigSuite::Ed25519]));
    let resp = Capabilities::default().encode().unwrap();
    pq_required_refuses(&init, &resp, ["signature", "Ed25519"]);
}

#[test]
fn policy_names() {
    assert_eq!(PolicyMode::from_name("pq-required").unwrap(), PQ_REQUIRED);
    assert_eq!(PolicyMode::from_name("pq-preferred").unwrap(), PQ_PREFERRED);
    assert_eq!(
        PolicyMode::from_name("classical-allowed").unwrap(),
        CLASSICAL
    );
    for &mode in PolicyMode::ALL {
        assert_eq!(PolicyMode::from_name(mode.name()).unwrap(), mode);
    }
    for bad in [
        "pq_required",
        "PQ-REQUIRED",
        "classical",
        "",
        "pq-required ",
    ] {
        let err = PolicyMode::from_name(bad).unwrap_err();
        assert_eq!(err.code(), "INVALID_ARGUMENT", "{bad:?}");
    }
    let d = Policy::default();
    assert_eq!(d.mode, PQ_REQUIRED);
    assert_eq!(d.min_version, 2);
}

// ---------------------------------------------------------------------------------------
// Refusals

/// Under every policy, both roles refuse with `NO_COMMON_SUITE`, naming the suite's role.
#[track_caller]
fn no_common_suite(init: &[u8], resp: &[u8], role: &str) {
    for &mode in PolicyMode::ALL {
        let err = both_refuse(init, resp, &policy(mode), DowngradeCode::NoCommonSuite);
        assert!(err.to_string().contains(role), "{err}");
    }
}

#[test]
fn no_common_key_exchange_suite() {
    let init = caps(|c| c.kex_suites = kex(&[KemSuite::XWing, KemSuite::X25519]));
    let resp = caps(|c| c.kex_suites = kex(&[KemSuite::MlKem512, KemSuite::MlKem1024]));
    no_common_suite(&init, &resp, "key exchange");
}

#[test]
fn a_classical_only_offer_under_pq_required_is_pq_required_even_with_nothing_in_common() {
    let classical = caps(|c| c.kex_suites = kex(&[KemSuite::X25519]));
    let pq = caps(|c| c.kex_suites = kex(&[KemSuite::XWing]));
    let err = both_refuse(
        &classical,
        &pq,
        &policy(PQ_REQUIRED),
        DowngradeCode::PqRequired,
    );
    assert!(
        err.to_string()
            .contains("only classical key exchange suites: X25519"),
        "{err}"
    );
    both_refuse(
        &pq,
        &classical,
        &policy(PQ_REQUIRED),
        DowngradeCode::PqRequired,
    );
    for mode in [PolicyMode::PqPreferred, PolicyMode::ClassicalAllowed] {
        both_refuse(&classical, &pq, &policy(mode), DowngradeCode::NoCommonSuite);
    }
}

#[test]
fn no_common_signature_suite() {
    let init = caps(|c| c.sig_suites = sigs(&[SigSuite::MlDsa65, SigSuite::Ed25519]));
    let resp = caps(|c| c.sig_suites = sigs(&[SigSuite::MlDsa87]));
    no_common_suite(&init, &resp, "signature");
}

#[test]
fn no_common_aead_suite() {
    let init = caps(|c| c.aead_suites = aeads(&[AeadSuite::ChaCha20Poly1305]));
    let resp = caps(|c| c.aead_suites = aeads(&[AeadSuite::Aes256Gcm]));
    no_common_suite(&init, &resp, "AEAD");
}

#[test]
fn no_common_version() {
    let ours = Capabilities::default().encode().unwrap();
    for theirs in [vec![3], vec![3, 4], vec![1, 3], vec![10, 1]] {
        let remote = caps(|c| c.versions = theirs.clone());
        for role in [Role::Initiator, Role::Responder] {
            let r = negotiate(&ours, &remote, role, &Policy::default());
            assert_eq!(refusal(r), DowngradeCode::NoCommonVersion, "{theirs:?}");
        }
    }
}

#[test]
fn version_rollback_below_the_policy_minimum() {
    let d = Capabilities::default().encode().unwrap();
    let strict = Policy {
        mode: PQ_REQUIRED,
        min_version: 3,
    };
    let err = both_refuse(&d, &d, &strict, DowngradeCode::VersionRollback);
    assert!(err.to_string().contains("minimum 3"), "{err}");
    // At the minimum is fine.
    let exact = Policy {
        mode: PQ_REQUIRED,
        min_version: 2,
    };
    assert_eq!(
        negotiate(&d, &d, Role::Initiator, &exact).unwrap().version,
        2
    );
}

#[test]
fn version_rollback_by_a_peer_offering_only_older_versions() {
    let ours = Capabilities::default().encode().unwrap();
    let old = caps(|c| c.versions = vec![1]);
    for role in [Role::Initiator, Role::Responder] {
        for &mode in PolicyMode::ALL {
            let r = negotiate(&ours, &old, role, &policy(mode));
            assert_eq!(refusal(r), DowngradeCode::VersionRollback);
        }
    }
}

#[test]
fn a_peer_offering_newer_versions_too_agrees_on_ours() {
    let ours = Capabilities::default().encode().unwrap();
    let newer = caps(|c| c.versions = vec![4, 3, 2, 1]);
    // (Only `ours` can be local: this library cannot speak the newer versions itself.)
    for role in [Role::Initiator, Role::Responder] {
        let a = negotiate(&ours, &newer, role, &Policy::default()).unwrap();
        assert_eq!(a.version, 2);
    }
}

#[test]
fn transcript_mismatch() {
    let a = [7u8; 32];
    let mut b = a;
    b[31] ^= 1;
    assert!(verify_transcript(&a, &a).is_ok());
    for peer in [&b[..], &a[..31], &[][..], &[7u8; 33][..]] {
        let err = verify_transcript(&a, peer).unwrap_err();
        assert!(
            matches!(
                err,
                Error::Downgrade {
                    code: DowngradeCode::TranscriptMismatch,
                    ..
                }
            ),
            "{err:?}"
        );
        assert_eq!(err.code(), "TRANSCRIPT_MISMATCH");
        assert_eq!(err.kind(), ErrorKind::Policy);
    }
}

#[test]
fn downgrade_codes_have_their_documented_strings() {
    for (code, s) in [
        (DowngradeCode::NoCommonSuite, "NO_COMMON_SUITE"),
        (DowngradeCode::NoCommonVersion, "NO_COMMON_VERSION"),
        (DowngradeCode::PqRequired, "PQ_REQUIRED"),
        (DowngradeCode::VersionRollback, "VERSION_ROLLBACK"),
        (DowngradeCode::TranscriptMismatch, "TRANSCRIPT_MISMATCH"),
    ] {
        assert_eq!(code.as_str(), s);
    }
}

// ---------------------------------------------------------------------------------------
// Unknown codes, features, bad input

#[test]
fn unknown_suite_codes_are_never_chosen() {
    let init = caps(|c| {
        c.kex_suites = vec![0xFFFF, 0x1234, KemSuite::MlKem768.code()];
        c.sig_suites = vec![0x7777, SigSuite::MlDsa87.code()];
        c.aead_suites = vec![0x0001, AeadSuite::Aes256Gcm.code()];
    });
    let resp = caps(|c| {
        c.kex_suites = vec![0x1234, KemSuite::MlKem768.code(), 0xFFFF];
        c.sig_suites = vec![SigSuite::MlDsa87.code(), 0x7777];
        c.aead_suites = vec![AeadSuite::Aes256Gcm.code(), 0x0001];
    });
    for &mode in PolicyMode::ALL {
        let a = both(&init, &resp, mode);
        assert_eq!(
            (a.kem, a.sig, a.aead),
            (KemSuite::MlKem768, SigSuite::MlDsa87, AeadSuite::Aes256Gcm)
        );
    }
    // Only unknown codes in common: nothing to choose, under every policy.
    let init = caps(|c| c.kex_suites = vec![0xFFFF, KemSuite::XWing.code()]);
    let resp = caps(|c| c.kex_suites = vec![0xFFFF, KemSuite::MlKem512.code()]);
    for &mode in PolicyMode::ALL {
        both_refuse(&init, &resp, &policy(mode), DowngradeCode::NoCommonSuite);
    }
    let init = caps(|c| c.aead_suites = vec![0x0001]);
    let resp = caps(|c| c.aead_suites = vec![0x0001]);
    both_refuse(
        &init,
        &resp,
        &policy(CLASSICAL),
        DowngradeCode::NoCommonSuite,
    );
}

#[test]
fn features_are_the_intersection() {
    let init = caps(|c| c.features = 0b1011 | (1 << 31));
    let resp = caps(|c| c.features = 0b0110 | (1 << 31) | (1 << 20));
    let a = both(&init, &resp, PQ_REQUIRED);
    assert_eq!(a.features, 0b0010 | (1 << 31));
    let none = caps(|c| c.features = 0);
    assert_eq!(both(&init, &none, PQ_REQUIRED).features, 0);
}

#[test]
fn local_capabilities_with_an_unsupported_version_are_refused() {
    let good = Capabilities::default().encode().unwrap();
    for versions in [vec![2, 3], vec![3], vec![1, 2]] {
        let local = caps(|c| c.versions = versions.clone());
        for role in [Role::Initiator, Role::Responder] {
            let err = negotiate(&local, &good, role, &Policy::default()).unwrap_err();
            assert_eq!(err.code(), "UNSUPPORTED", "{versions:?}: {err}");
            assert!(matches!(err, Error::Unsupported { .. }), "{err:?}");
        }
        // The same list from the peer is fine: it is the peer's to offer.
        assert_eq!(
            negotiate(&good, &local, Role::Initiator, &Policy::default())
                .map(|a| a.version)
                .ok(),
            if versions.contains(&2) { Some(2) } else { None }
        );
    }
}

#[test]
fn malformed_capabilities_give_the_wire_error() {
    let good = Capabilities::default().encode().unwrap();
    let envelope = Envelope::default().encode().unwrap();
    let mut bad_magic = good.clone();
    bad_magic[0] = b'X';
    // The one-byte version list retagged as a suite list: not a whole number of codes.
    let mut retagged = good.clone();
    retagged[4..6].copy_from_slice(&0x0003u16.to_be_bytes());
    let cases: [(&[u8], &str); 6] = [
        (&good[..good.len() - 1], "TRUNCATED"),
        (&good[..2], "TRUNCATED"),
        (&[], "TRUNCATED"),
        (&envelope, "UNEXPECTED_TYPE"),
        (&bad_magic, "BAD_MAGIC"),
        (&retagged, "BAD_LENGTH"),
    ];
    for (bytes, code) in cases {
        for role in [Role::Initiator, Role::Responder] {
            // Remote malformed.
            let err = negotiate(&good, bytes, role, &Policy::default()).unwrap_err();
            assert_eq!(err.code(), code, "{err}");
            assert_eq!(err.kind(), ErrorKind::MalformedInput);
            let Error::Wire(w) = &err else {
                panic!("expected a wire error, got {err:?}")
            };
            assert_eq!(w.code.as_str(), code);
            if code != "UNEXPECTED_TYPE" {
                assert_eq!(w, &wire::decode(bytes).unwrap_err());
            }
            // Local malformed: the same.
            let err = negotiate(bytes, &good, role, &Policy::default()).unwrap_err();
            assert_eq!(err.code(), code, "{err}");
        }
    }
}

// ---------------------------------------------------------------------------------------
// MLS: `Agreement::mls` (never a refusal) and `negotiate_mls` (strict)

const MLS_XWING: MlsSuite = MlsSuite::MLS_256_XWING_CHACHA20POLY1305_SHA256_Ed25519;
const MLS_MLKEM768: MlsSuite = MlsSuite::MLS_128_MLKEM768_AES256GCM_SHA384_Ed25519;
const MLS_1: MlsSuite = MlsSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519;
const MLS_2: MlsSuite = MlsSuite::MLS_128_DHKEMP256_AES128GCM_SHA256_P256;
const MLS_3: MlsSuite = MlsSuite::MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519;

/// The default capabilities offering MLS with `list` (none: no MLS), encoded.
fn mls(list: &[MlsSuite]) -> Vec<u8> {
    Capabilities::default().with_mls(list).encode().unwrap()
}

/// The strict MLS choice between `init` (the initiator's encoding) and `resp` under
/// `mode`: the same from both roles, and what the session's negotiation puts in
/// `Agreement::mls` (`None` for a refusal), which itself never fails over MLS.
#[track_caller]
fn both_mls(init: &[u8], resp: &[u8], mode: PolicyMode) -> Result<MlsSuite, DowngradeCode> {
    let outcome = |r: pqwire_core::Result<MlsSuite>| match r {
        Ok(s) => Ok(s),
        Err(Error::Downgrade { code, detail }) => {
            assert!(detail.contains("MLS"), "{detail}");
            Err(code)
        }
        Err(e) => panic!("expected a downgrade error, got {e:?}"),
    };
    let p = policy(mode);
    let a = outcome(negotiate_mls(init, resp, Role::Initiator, &p));
    let b = outcome(negotiate_mls(resp, init, Role::Responder, &p));
    assert_eq!(a, b, "initiator and responder disagree on MLS");
    assert_eq!(both(init, resp, mode).mls, a.ok(), "Agreement::mls");
    a
}

#[test]
fn mls_on_both_sides_agrees_on_x_wing_and_leaves_the_rest_as_it_was() {
    let d = mls(MlsSuite::ALL);
    let plain = Capabilities::default().encode().unwrap();
    for &mode in PolicyMode::ALL {
        assert_eq!(both_mls(&d, &d, mode), Ok(MLS_XWING));
        let a = both(&d, &d, mode);
        let b = both(&plain, &plain, mode);
        assert_eq!(
            (a.version, a.kem, a.sig, a.aead),
            (b.version, b.kem, b.sig, b.aead)
        );
        assert_eq!(a.features, 0x1F);
        assert_eq!(b.mls, None);
    }
}

#[test]
fn mls_under_each_policy_with_post_quantum_and_classical_offers() {
    use DowngradeCode::{NoCommonSuite, PqRequired};
    /// The outcome under pq-required, pq-preferred and classical-allowed.
    type ByPolicy = [Result<MlsSuite, DowngradeCode>; 3];
    // (initiator's list, responder's list, outcomes)
    let cases: [(&[MlsSuite], &[MlsSuite], ByPolicy); 8] = [
        // Post-quantum on both sides.
        (MlsSuite::ALL, MlsSuite::ALL, [Ok(MLS_XWING); 3]),
        // The initiator lists a classical suite first: pq-preferred still picks X-Wing.
        (
            &[MLS_1, MLS_XWING],
            MlsSuite::ALL,
            [Ok(MLS_XWING), Ok(MLS_XWING), Ok(MLS_1)],
        ),
        // The responder offers only RFC 9420's suite 1.
        (
            MlsSuite::ALL,
            &[MLS_1],
            [Err(PqRequired), Ok(MLS_1), Ok(MLS_1)],
        ),
        // The initiator offers only classical suites.
        (
            &[MLS_3, MLS_2],
            MlsSuite::ALL,
            [Err(PqRequired), Ok(MLS_3), Ok(MLS_3)],
        ),
        // Both offer post-quantum suites, but only a classical one is common.
        (
            &[MLS_XWING, MLS_1],
            &[MLS_MLKEM768, MLS_1],
            [Err(PqRequired), Ok(MLS_1), Ok(MLS_1)],
        ),
        // Only classical suites on both sides, nothing common: under pq-required the
        // classical-only side is the reason.
        (
            &[MLS_1],
            &[MLS_2],
            [Err(PqRequired), Err(NoCommonSuite), Err(NoCommonSuite)],
        ),
        // Post-quantum suites, nothing common.
        (&[MLS_XWING], &[MLS_MLKEM768], [Err(NoCommonSuite); 3]),
        // A classical suite is common and a post-quantum one too, later in the order.
        (
            &[MLS_2, MLS_MLKEM768],
            &[MLS_MLKEM768, MLS_2],
            [Ok(MLS_MLKEM768), Ok(MLS_MLKEM768), Ok(MLS_2)],
        ),
    ];
    for (init, resp, expected) in cases {
        for (&mode, want) in PolicyMode::ALL.iter().zip(expected) {
            assert_eq!(
                both_mls(&mls(init), &mls(resp), mode),
                want,
                "{mode:?}: {init:?} / {resp:?}"
            );
        }
    }
}

#[test]
fn mls_is_none_and_negotiate_mls_refuses_when_a_side_lacks_the_feature() {
    let with = mls(MlsSuite::ALL);
    let without = Capabilities::default().encode().unwrap();
    for &mode in PolicyMode::ALL {
        for (init, resp) in [(&with, &without), (&without, &with), (&without, &without)] {
            assert_eq!(
                both_mls(init, resp, mode),
                Err(DowngradeCode::NoCommonSuite)
            );
        }
    }
    // The refusal says which side lacks it.
    let p = Policy::default();
    let theirs = negotiate_mls(&with, &without, Role::Initiator, &p).unwrap_err();
    assert!(
        theirs.to_string().contains("the peer does not support MLS"),
        "{theirs}"
    );
    assert_eq!(theirs.kind(), ErrorKind::Policy);
    let ours = negotiate_mls(&without, &with, Role::Responder, &p).unwrap_err();
    assert!(ours.to_string().contains("we do not support MLS"), "{ours}");
}

#[test]
fn the_initiators_mls_order_decides() {
    let alice = mls(&[MLS_MLKEM768, MLS_XWING, MLS_1]);
    let bob = mls(&[MLS_XWING, MLS_1, MLS_MLKEM768]);
    for &mode in PolicyMode::ALL {
        assert_eq!(both_mls(&alice, &bob, mode), Ok(MLS_MLKEM768));
        assert_eq!(both_mls(&bob, &alice, mode), Ok(MLS_XWING));
    }
}

#[test]
fn unknown_mls_codes_are_kept_but_never_chosen() {
    let caps_with = |codes: Vec<u16>| {
        caps(|c| {
            *c = Capabilities::default().with_mls(&[MLS_1]);
            c.mls_suites = codes;
        })
    };
    // 0x0004 is RFC 9420's X448 suite, which pqwire does not offer.
    let init = caps_with(vec![0xFFFF, 0x0004, MLS_XWING.code()]);
    let resp = caps_with(vec![0x0004, MLS_XWING.code(), 0xFFFF]);
    for &mode in PolicyMode::ALL {
        assert_eq!(both_mls(&init, &resp, mode), Ok(MLS_XWING));
    }
    let init = caps_with(vec![0xFFFF, 0x0004]);
    for &mode in PolicyMode::ALL {
        assert_eq!(
            both_mls(&init, &resp, mode),
            Err(DowngradeCode::NoCommonSuite)
        );
    }
}

#[test]
fn a_classical_mls_suite_does_not_make_the_agreement_classical() {
    let a = both(&mls(&[MLS_1]), &mls(MlsSuite::ALL), CLASSICAL);
    assert_eq!(a.mls, Some(MLS_1));
    assert!(
        !a.is_classical(),
        "is_classical is about the session's suites"
    );
}

#[test]
fn mls_lists_reach_the_transcript_through_the_capability_bytes_only() {
    // The transcript's construction is unchanged: the chosen MLS suite is not in it, the
    // MLS lists are (in the capability encodings).
    let init = mls(&[MLS_XWING, MLS_1]);
    let resp = mls(&[MLS_1, MLS_XWING]);
    let a = both(&init, &resp, PQ_REQUIRED);
    let mut chosen = vec![a.version];
    chosen.extend_from_slice(&a.kem.code().to_be_bytes());
    chosen.extend_from_slice(&a.sig.code().to_be_bytes());
    chosen.extend_from_slice(&a.aead.code().to_be_bytes());
    chosen.extend_from_slice(&a.features.to_be_bytes());
    let expected = sha3_256(&[
        TRANSCRIPT_LABEL,
        &(init.len() as u32).to_be_bytes(),
        &init,
        &(resp.len() as u32).to_be_bytes(),
        &resp,
        &chosen,
    ]);
    assert_eq!(a.transcript_hash, expected);
    // A stripped or reordered MLS list changes the transcript, even where the choice
    // stays the same.
    for altered in [mls(&[MLS_XWING]), mls(&[MLS_XWING, MLS_1, MLS_3])] {
        let b = both(&init, &altered, PQ_REQUIRED);
        assert_eq!(b.mls, a.mls);
        assert!(verify_transcript(&a.transcript_hash, &b.transcript_hash).is_err());
    }
}

#[test]
fn malformed_mls_offers_give_the_wire_error() {
    // The default encoding ends with the features: set the mls bit without the list.
    let good = mls(MlsSuite::ALL);
    let mut bit_only = Capabilities::default().encode().unwrap();
    *bit_only.last_mut().unwrap() |= 0x10;
    for role in [Role::Initiator, Role::Responder] {
        for (local, remote) in [(&good, &bit_only), (&bit_only, &good)] {
            for err in [
                negotiate_mls(local, remote, role, &Policy::default()).unwrap_err(),
                negotiate(local, remote, role, &Policy::default()).unwrap_err(),
            ] {
                assert_eq!(err.code(), "MISSING_FIELD", "{err}");
                assert_eq!(err.kind(), ErrorKind::MalformedInput);
            }
        }
    }
}
