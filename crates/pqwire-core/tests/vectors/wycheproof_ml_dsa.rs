//! Wycheproof ML-DSA: signing with a key given as its seed (`_sign_seed_test`) or as the
//! expanded private key (`_sign_noseed_test`), pure with contexts or internal with μ,
//! deterministic or with a given `rnd`; and verification (`_verify_test`).
//!
//! Every file runs against RustCrypto and libcrux; the verification and expanded-key
//! signing files also against PQClean. PQClean signs hedged only, so its valid signing
//! cases sign with fresh randomness and check that the default backend verifies the
//! result (exact bytes cannot be compared). The external-μ cases, which `sig::sign_mu`
//! serves with RustCrypto's code whatever the backend, run in the RustCrypto pass.

use super::common::*;
use pqwire_core::sig::{self, SignRandomness};
use pqwire_core::{Error, SigSuite};

fn run_sign(suite: SigSuite, file: &str, seeded: bool, backend: &str) {
    let b = sig_backend_named(suite, backend);
    let pqclean = is_pqclean(backend);
    let v = load_json(&format!("wycheproof/testvectors_v1/{file}"));
    // Derives keys from seeds and checks the signatures made: the backend under test,
    // or the default one for PQClean, which has no seeded key generation.
    let checker = if pqclean { sig::backend(suite) } else { b };
    let mut tally = Tally::new(format!("wycheproof {file}{}", tag(backend)));
    for g in arr(&v, "testGroups") {
        let group_pk = opt_hx(g, "publicKey");
        // (derived public key, expanded secret key)
        let key: Result<(Option<Vec<u8>>, Vec<u8>), Error> = if seeded {
            checker
                .keygen(Some(&hx(g, "privateSeed")))
                .map(|(pk, sk)| (Some(pk), sk.expose().to_vec()))
        } else {
            Ok((None, hx(g, "privateKey")))
        };
        for t in arr(g, "tests") {
            let msg = opt_hx(t, "msg");
            let mu = opt_hx(t, "mu");
            let ctx = opt_hx(t, "ctx").unwrap_or_default();
            let rnd = opt_hx(t, "rnd");
            let want = hx(t, "sig");
            let e = expect(t);
            if pqclean && msg.is_none() {
                tally.skip("PQClean backend has no external-mu interface");
                continue;
            }
            if backend == "libcrux" && msg.is_none() {
                tally.skip(MU_ELSEWHERE);
                continue;
            }
            let randomness = match (&rnd, pqclean) {
                (_, true) => SignRandomness::Hedged,
                (Some(r), false) => SignRandomness::Given(r),
                (None, false) => SignRandomness::Deterministic,
            };
            let res = key.clone().and_then(|(_, sk)| match (&msg, &mu) {
                (Some(m), _) => b.sign(m, &sk, &ctx, randomness),
                (None, Some(mu)) => sig::sign_mu(suite, &sk, mu, randomness),
                (None, None) => panic!("case without msg or mu"),
            });
            let r = match e {
                Expect::Valid => case(|| {
                    let (derived_pk, _) = key.as_ref().map_err(|e| format!("key: {e}"))?;
                    let got = res.as_ref().map_err(|e| format!("sign: {e}"))?;
                    let pk = group_pk.as_ref().ok_or("valid case without public key")?;
                    if let Some(d) = derived_pk {
                        ensure!(d == pk, "public key from the seed differs");
                    }
                    if !pqclean {
                        ensure!(
                            got == &want,
                            "signature {} differs from {}",
                            short(got),
                            short(&want)
                        );
                    }
                    let verified = match (&msg, &mu) {
                        (Some(m), _) => checker.verify(got, m, pk, &ctx).map(|v| v.valid),
                        (None, Some(mu)) => sig::verify_mu(suite, pk, mu, got),
                        (None, None) => unreachable!(),
                    };
                    ensure!(
                        matches!(verified, Ok(true)),
                        "own signature does not verify: {verified:?}"
                    );
                    Ok(())
                }),
                Expect::Invalid => case(|| match &res {
                    Err(err) => {
                        tally.record(format!("invalid → refused with {}", err.code()));
                        Ok(())
                    }
                    Ok(s) if !want.is_empty() && *s != want => {
                        tally.record("invalid → different signature");
                        Ok(())
                    }
                    Ok(s) => Err(format!(
                        "signed anyway ({}): {:?}",
                        short(s),
                        t.get("comment")
                    )),
                }),
                Expect::Acceptable => {
                    tally.record(format!("acceptable → {}", outcome(&res)));
                    Ok(())
                }
            };
            if e == Expect::Valid {
                tally.record(match (msg.is_some(), rnd.is_some() || pqclean) {
                    (true, false) => "valid: pure, deterministic",
                    (true, true) => "valid: pure, hedged / given rnd",
                    (false, false) => "valid: external mu, deterministic",
                    (false, true) => "valid: external mu, given rnd",
                });
            }
            tally.check(tc(t), r);
        }
    }
    tally.finish();
}

fn run_verify(file: &str, suite: SigSuite, backend: &str) {
    let b = sig_backend_named(suite, backend);
    let v = load_json(&format!("wycheproof/testvectors_v1/{file}"));
    let mut tally = Tally::new(format!("wycheproof {file}{}", tag(backend)));
    for g in arr(&v, "testGroups") {
        let pk = hx(g, "publicKey");
        for t in arr(g, "tests") {
            let ctx = opt_hx(t, "ctx").unwrap_or_default();
            let res = b
                .verify(&hx(t, "sig"), &hx(t, "msg"), &pk, &ctx)
                .map(|v| v.valid);
            let r = match expect(t) {
                Expect::Valid => case(|| {
                    ensure!(matches!(res, Ok(true)), "valid signature gave {res:?}");
                    Ok(())
                }),
                Expect::Invalid => case(|| {
                    match &res {
                        Ok(true) => return Err(format!("accepted: {:?}", t.get("comment"))),
                        Ok(false) => tally.record("invalid → valid: false"),
                        Err(e) => tally.record(format!("invalid → refused with {}", e.code())),
                    }
                    Ok(())
                }),
                Expect::Acceptable => {
                    tally.record(format!("acceptable → {res:?}"));
                    Ok(())
                }
            };
            tally.check(tc(t), r);
        }
    }
    tally.finish();
}

#[test]
fn wycheproof_ml_dsa_sign_seed() {
    for (suite, n) in ML_DSA {
        for backend in seeded_backends() {
            run_sign(
                suite,
                &format!("mldsa_{n}_sign_seed_test.json"),
                true,
                backend,
            );
        }
    }
}

#[test]
fn wycheproof_ml_dsa_sign_noseed() {
    for (suite, n) in ML_DSA {
        for backend in all_backends() {
            run_sign(
                suite,
                &format!("mldsa_{n}_sign_noseed_test.json"),
                false,
                backend,
            );
        }
    }
}

#[test]
fn wycheproof_ml_dsa_verify() {
    for (suite, n) in ML_DSA {
        for backend in all_backends() {
            run_verify(&format!("mldsa_{n}_verify_test.json"), suite, backend);
        }
    }
}
