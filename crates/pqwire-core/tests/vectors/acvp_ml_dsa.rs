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

#[test]
fn acvp_ml_dsa_keygen() {
    for backend in seeded_backends() {
        run_keygen(backend);
    }
}

fn run_keygen(backend: &str) {
    let file = "ML-DSA-keyGen-FIPS204/internalProjection.json";
    let v = load_json(&format!("acvp/{file}"));
    let mut tally = Tally::new(format!("acvp {file}{}", tag(backend)));
    for g in arr(&v, "testGroups") {
        let suite = sig_suite(st(g, "parameterSet"));
        let s = sig_backend_named(suite, backend);
        for t in arr(g, "tests") {
            let r = case(|| {
                let (pk, sk) = s
                    .keygen(Some(&hx(t, "seed")))
                    .map_err(|e| format!("keygen: {e}"))?;
                ensure!(pk == hx(t, "pk"), "{suite}: pk {} differs", short(&pk));
                ensure!(sk.expose() == hx(t, "sk"), "{suite}: sk differs");
                Ok(())
            });
            tally.check(tc(t), r);
        }
    }
    tally.finish();
}

#[test]
fn acvp_ml_dsa_siggen() {
    for backend in seeded_backends() {
        run_siggen(backend);
    }
}

fn run_siggen(backend: &str) {
    let dir = "ML-DSA-sigGen-FIPS204";
    let prompt = load_json(&format!("acvp/{dir}/prompt.json"));
    let results = load_json(&format!("acvp/{dir}/expectedResults.json"));
    let expected: HashMap<u64, Vec<u8>> = arr(&results, "testGroups")
        .iter()
        .flat_map(|g| arr(g, "tests"))
        .map(|t| (num(t, "tcId"), hx(t, "signature")))
        .collect();
    let mut tally = Tally::new(format!(
        "acvp {dir}/prompt.json + expectedResults.json{}",
        tag(backend)
    ));
    for g in arr(&prompt, "testGroups") {
        let suite = sig_suite(st(g, "parameterSet"));
        let s = sig_backend_named(suite, backend);
        let deterministic = flag(g, "deterministic");
        let interface = st(g, "signatureInterface");
        let pre_hash = g.get("preHash").and_then(Value::as_str).unwrap_or("");
        let external_mu = g.get("externalMu").and_then(Value::as_bool) == Some(true);
        let mode = match (interface, pre_hash, external_mu) {
            ("external", "preHash", _) => {
                tally.skip_n(HASH_ML_DSA, arr(g, "tests").len());
                continue;
            }
            ("external", "pure", _) => "external pure (with context)",
            ("internal", _, true) => "internal, external mu",
            ("internal", _, false) => "internal, message (mu computed by the test)",
            other => panic!("unknown sigGen group {other:?}"),
        };
        if interface == "internal" && !runs_mu(s) {
            tally.skip_n(MU_ELSEWHERE, arr(g, "tests").len());
            continue;
        }
        for t in arr(g, "tests") {
            let rnd = opt_hx(t, "rnd");
            let randomness = match (&rnd, deterministic) {
                (_, true) => SignRandomness::Deterministic,
                (Some(r), false) => SignRandomness::Given(r),
                (None, false) => panic!("hedged case without rnd"),
            };
            let want = &expected[&num(t, "tcId")];
            let r = case(|| {
                let sk = hx(t, "sk");
                let got = match mode {
                    "external pure (with context)" => {
                        s.sign(&hx(t, "message"), &sk, &hx(t, "context"), randomness)
                    }
                    "internal, external mu" => sig::sign_mu(suite, &sk, &hx(t, "mu"), randomness),
                    _ => {
                        // tr is bytes 64..128 of the encoded secret key (ρ ‖ K ‖ tr ‖ …).
                        let mu = mu_from_tr(&sk[64..128], &hx(t, "message"));
                        sig::sign_mu(suite, &sk, &mu, randomness)
                    }
                }
                .map_err(|e| format!("sign: {e}"))?;
                ensure!(
                    &got == want,
                    "{suite} {mode}: signature {} differs from {}",
                    short(&got),
                    short(want)
                );
                Ok(())
            });
            tally.record(format!(
                "{mode}, {}",
                if deterministic {
                    "deterministic"
                } else {
                    "hedged"
                }
            ));
            tally.check(tc(t), r);
        }
    }
    tally.finish();
}

#[test]
fn acvp_ml_dsa_sigver() {
    for backend in seeded_backends() {
        run_sigver(backend);
    }
}

fn run_sigver(backend: &str) {
    let file = "ML-DSA-sigVer-FIPS204/internalProjection.json";
    let v = load_json(&format!("acvp/{file}"));
    let mut tally = Tally::new(format!("acvp {file}{}", tag(backend)));
    for g in arr(&v, "testGroups") {
        let suite = sig_suite(st(g, "parameterSet"));
        let s = sig_backend_named(suite, backend);
        let interface = st(g, "signatureInterface");
        let pre_hash = st(g, "preHash");
        let external_mu = flag(g, "externalMu");
        let mode = match (interface, pre_hash, external_mu) {
            ("external", "preHash", _) => {
                tally.skip_n(HASH_ML_DSA, arr(g, "tests").len());
                continue;
            }
            ("external", "pure", _) => "external pure (with context)",
            ("internal", _, true) => "internal, external mu",
            ("internal", _, false) => "internal, message (mu computed by the test)",
            other => panic!("unknown sigVer group {other:?}"),
        };
        if interface == "internal" && !runs_mu(s) {
            tally.skip_n(MU_ELSEWHERE, arr(g, "tests").len());
            continue;
        }
        for t in arr(g, "tests") {
            let want = flag(t, "testPassed");
            let r = case(|| {
                let pk = hx(t, "pk");
                let sig_bytes = hx(t, "signature");
                let got = match mode {
                    "external pure (with context)" => s
                        .verify(&sig_bytes, &hx(t, "message"), &pk, &hx(t, "context"))
                        .map(|v| v.valid),
                    "internal, external mu" => sig::verify_mu(suite, &pk, &hx(t, "mu"), &sig_bytes),
                    _ => {
                        let mu = mu_from_tr(&tr_from_pk(&pk), &hx(t, "message"));
                        sig::verify_mu(suite, &pk, &mu, &sig_bytes)
                    }
                };
                let accepted = matches!(got, Ok(true));
                ensure!(
                    accepted == want,
                    "{suite} {mode}: verify gave {got:?}, testPassed={want} ({})",
                    st(t, "reason")
                );
                Ok(())
            });
            tally.record(format!(
                "{mode}: {}",
                if want { "accepted" } else { "rejected" }
            ));
            tally.check(tc(t), r);
        }
    }
    tally.finish();
}
