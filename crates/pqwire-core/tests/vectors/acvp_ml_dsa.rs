//! NIST ACVP ML-DSA (FIPS 204): KeyGen_internal(ξ), signature generation (prompt joined
//! with expectedResults on tcId) and verification, for the external "pure" interface
//! with contexts and the internal interface (with an external μ, or with a raw message
//! whose μ the test computes as FIPS 204 defines it). HashML-DSA is not offered.
//!
//! Every file runs once per seeded backend (RustCrypto, libcrux); the μ groups, which
//! `sig::sign_mu` / `sig::verify_mu` serve with RustCrypto's code, in the RustCrypto pass.

use super::common::*;
use pqwire_core::hash::shake256_into;
use pqwire_core::sig::{self, SigBackend, SignRandomness};
use pqwire_core::Error;
use serde_json::Value;
use std::collections::HashMap;

const HASH_ML_DSA: &str = "HashML-DSA not offered by pqwire (pure ML-DSA only)";

/// μ = SHAKE256(tr ‖ M', 64) for the internal interface, where M' is the raw message.
fn mu_from_tr(tr: &[u8], message: &[u8]) -> [u8; 64] {
    let mut mu = [0u8; 64];
    shake256_into(&[tr, message], &mut mu);
    mu
}

/// tr = SHAKE256(pk, 64).
fn tr_from_pk(pk: &[u8]) -> [u8; 64] {
    let mut tr = [0u8; 64];
    shake256_into(&[pk], &mut tr);
    tr
}

/// Whether the external-μ cases run in the pass of `s` (see the module comment).
fn runs_mu(s: &dyn SigBackend) -> bool {
    s.backend_name() == "rustcrypto"
}

const PURE: &str = "external pure (with context)";
const MU: &str = "internal, external mu";
const MESSAGE: &str = "internal, message (mu computed by the test)";

/// The interface a group of sigGen or sigVer tests uses ([`PURE`], [`MU`] or
/// [`MESSAGE`]), from its `(signatureInterface, preHash, externalMu)`; `None` when its
/// tests are skipped (and counted): HashML-DSA, and the internal interface outside the
/// RustCrypto pass.
fn group_mode(
    tally: &mut Tally,
    g: &Value,
    s: &dyn SigBackend,
    (interface, pre_hash, external_mu): (&str, &str, bool),
) -> Option<&'static str> {
    let mode = match (interface, pre_hash, external_mu) {
        ("external", "preHash", _) => {
            tally.skip_n(HASH_ML_DSA, test_count(g));
            return None;
        }
        ("external", "pure", _) => PURE,
        ("internal", _, true) => MU,
        ("internal", _, false) => MESSAGE,
        other => panic!("unknown ML-DSA test group {other:?}"),
    };
    if interface == "internal" && !runs_mu(s) {
        tally.skip_n(MU_ELSEWHERE, test_count(g));
        return None;
    }
    Some(mode)
}

#[test]
fn acvp_ml_dsa_keygen() {
    let file = "ML-DSA-keyGen-FIPS204/internalProjection.json";
    acvp_keygen(file, seeded_backends(), ["pk", "sk"], |set, backend, t| {
        sig_backend_named(sig_suite(set), backend).keygen(Some(&hx(t, "seed")))
    });
}

#[test]
fn acvp_ml_dsa_siggen() {
    let dir = "ML-DSA-sigGen-FIPS204";
    let prompt = load_json(&format!("acvp/{dir}/prompt.json"));
    let results = load_json(&format!("acvp/{dir}/expectedResults.json"));
    let expected: HashMap<u64, Vec<u8>> = group_tests(&results)
        .map(|(_, t)| (num(t, "tcId"), hx(t, "signature")))
        .collect();
    for backend in seeded_backends() {
        let mut tally = Tally::new(format!(
            "acvp {dir}/prompt.json + expectedResults.json{}",
            tag(backend)
        ));
        for g in arr(&prompt, "testGroups") {
            let suite = sig_suite(st(g, "parameterSet"));
            let s = sig_backend_named(suite, backend);
            let pre_hash = g.get("preHash").and_then(Value::as_str).unwrap_or("");
            let external_mu = g.get("externalMu").and_then(Value::as_bool) == Some(true);
            let interface = (st(g, "signatureInterface"), pre_hash, external_mu);
            let Some(mode) = group_mode(&mut tally, g, s, interface) else {
                continue;
            };
            let deterministic = flag(g, "deterministic");
            for t in arr(g, "tests") {
                let r = siggen_case(s, mode, deterministic, t, &expected[&num(t, "tcId")]);
                let how = if deterministic {
                    "deterministic"
                } else {
                    "hedged"
                };
                tally.record(format!("{mode}, {how}"));
                tally.check(tc(t), r);
            }
        }
        tally.finish();
    }
}

/// Signs a sigGen case in `mode` and compares with the expected signature `want`.
fn siggen_case(
    s: &dyn SigBackend,
    mode: &str,
    deterministic: bool,
    t: &Value,
    want: &[u8],
) -> Result<(), String> {
    let suite = s.suite();
    let rnd = opt_hx(t, "rnd");
    let randomness = match (&rnd, deterministic) {
        (_, true) => SignRandomness::Deterministic,
        (Some(r), false) => SignRandomness::Given(r),
        (None, false) => panic!("hedged case without rnd"),
    };
    let sk = hx(t, "sk");
    let got = match mode {
        PURE => s.sign(&hx(t, "message"), &sk, &hx(t, "context"), randomness),
        MU => sig::sign_mu(suite, &sk, &hx(t, "mu"), randomness),
        _ => {
            // tr is bytes 64..128 of the encoded secret key (ρ ‖ K ‖ tr ‖ …).
            let mu = mu_from_tr(&sk[64..128], &hx(t, "message"));
            sig::sign_mu(suite, &sk, &mu, randomness)
        }
    }
    .map_err(|e| format!("sign: {e}"))?;
    ensure!(
        got == want,
        "{suite} {mode}: signature {} differs from {}",
        short(&got),
        short(want)
    );
    Ok(())
}

#[test]
fn acvp_ml_dsa_sigver() {
    for backend in seeded_backends() {
        let (v, mut tally) = acvp(
            "ML-DSA-sigVer-FIPS204/internalProjection.json",
            Some(backend),
        );
        for g in arr(&v, "testGroups") {
            let suite = sig_suite(st(g, "parameterSet"));
            let s = sig_backend_named(suite, backend);
            let interface = (
                st(g, "signatureInterface"),
                st(g, "preHash"),
                flag(g, "externalMu"),
            );
            let Some(mode) = group_mode(&mut tally, g, s, interface) else {
                continue;
            };
            for t in arr(g, "tests") {
                let want = flag(t, "testPassed");
                let r = case(|| {
                    let got = sigver_case(s, mode, t);
                    let accepted = matches!(got, Ok(true));
                    ensure!(
                        accepted == want,
                        "{suite} {mode}: verify gave {got:?}, testPassed={want} ({})",
                        st(t, "reason")
                    );
                    Ok(())
                });
                let verdict = if want { "accepted" } else { "rejected" };
                tally.record(format!("{mode}: {verdict}"));
                tally.check(tc(t), r);
            }
        }
        tally.finish();
    }
}

/// Verifies a sigVer case in `mode`.
fn sigver_case(s: &dyn SigBackend, mode: &str, t: &Value) -> Result<bool, Error> {
    let (suite, pk, sig_bytes) = (s.suite(), hx(t, "pk"), hx(t, "signature"));
    match mode {
        PURE => s
            .verify(&sig_bytes, &hx(t, "message"), &pk, &hx(t, "context"))
            .map(|v| v.valid),
        MU => sig::verify_mu(suite, &pk, &hx(t, "mu"), &sig_bytes),
        _ => {
            let mu = mu_from_tr(&tr_from_pk(&pk), &hx(t, "message"));
            sig::verify_mu(suite, &pk, &mu, &sig_bytes)
        }
    }
}
