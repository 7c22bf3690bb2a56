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
use pqwire_core::sig::{self, SigBackend, SignRandomness};
use pqwire_core::{Error, SigSuite};
use serde_json::Value;

/// Runs `run` on `mldsa_<n>_<kind>_test.json` for each ML-DSA parameter set and each of
/// `backends`.
fn each_file(kind: &str, backends: Vec<&'static str>, run: impl Fn(SigSuite, &str, &str)) {
    for (suite, n) in ML_DSA {
        for &backend in &backends {
            run(suite, &format!("mldsa_{n}_{kind}_test.json"), backend);
        }
    }
}

/// What a signing case signs: a message (pure ML-DSA, with a context) or an external μ.
enum Input {
    Message(Vec<u8>),
    Mu(Vec<u8>),
}

impl Input {
    fn of(t: &Value) -> Input {
        match (opt_hx(t, "msg"), opt_hx(t, "mu")) {
            (Some(m), _) => Input::Message(m),
            (None, Some(mu)) => Input::Mu(mu),
            (None, None) => panic!("case without msg or mu"),
        }
    }

    fn sign(
        &self,
        b: &dyn SigBackend,
        sk: &[u8],
        ctx: &[u8],
        r: SignRandomness,
    ) -> Result<Vec<u8>, Error> {
        match self {
            Input::Message(m) => b.sign(m, sk, ctx, r),
            Input::Mu(mu) => sig::sign_mu(b.suite(), sk, mu, r),
        }
    }

    fn verify(
        &self,
        b: &dyn SigBackend,
        pk: &[u8],
        ctx: &[u8],
        signature: &[u8],
    ) -> Result<bool, Error> {
        match self {
            Input::Message(m) => b.verify(signature, m, pk, ctx).map(|v| v.valid),
            Input::Mu(mu) => sig::verify_mu(b.suite(), pk, mu, signature),
        }
    }
}

/// An invalid signing case passes when refused, or when it gives a signature other than a
/// stated (non-empty) one.
fn refused(
    tally: &mut Tally,
    t: &Value,
    res: &Result<Vec<u8>, Error>,
    want: &[u8],
) -> Result<(), String> {
    match res {
        Err(err) => {
            tally.record(format!("invalid → refused with {}", err.code()));
            Ok(())
        }
        Ok(s) if !want.is_empty() && s != want => {
            tally.record("invalid → different signature");
            Ok(())
        }
        Ok(s) => Err(format!(
            "signed anyway ({}): {:?}",
            short(s),
            t.get("comment")
        )),
    }
}

fn run_sign(suite: SigSuite, file: &str, seeded: bool, backend: &str) {
    let b = sig_backend_named(suite, backend);
    let pqclean = is_pqclean(backend);
    let (v, mut tally) = wycheproof(file, Some(backend));
    // Derives keys from seeds and checks the signatures made: the backend under test,
    // or the default one for PQClean, which has no seeded key generation.
    let checker = if pqclean { sig::backend(suite) } else { b };
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
            let input = Input::of(t);
            let ctx = opt_hx(t, "ctx").unwrap_or_default();
            let rnd = opt_hx(t, "rnd");
            let want = hx(t, "sig");
            let e = expect(t);
            let pure = matches!(input, Input::Message(_));
            if pqclean && !pure {
                tally.skip("PQClean backend has no external-mu interface");
                continue;
            }
            if backend == "libcrux" && !pure {
                tally.skip(MU_ELSEWHERE);
                continue;
            }
            let randomness = match (&rnd, pqclean) {
                (_, true) => SignRandomness::Hedged,
                (Some(r), false) => SignRandomness::Given(r),
                (None, false) => SignRandomness::Deterministic,
            };
            let res = key
                .clone()
                .and_then(|(_, sk)| input.sign(b, &sk, &ctx, randomness));
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
                    let verified = input.verify(checker, pk, &ctx, got);
                    ensure!(
                        matches!(verified, Ok(true)),
                        "own signature does not verify: {verified:?}"
                    );
                    Ok(())
                }),
                Expect::Invalid => refused(&mut tally, t, &res, &want),
                Expect::Acceptable => {
                    tally.record(format!("acceptable → {}", outcome(&res)));
                    Ok(())
                }
            };
            if e == Expect::Valid {
                tally.record(match (pure, rnd.is_some() || pqclean) {
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

fn run_verify(suite: SigSuite, file: &str, backend: &str) {
    let b = sig_backend_named(suite, backend);
    let (v, mut tally) = wycheproof(file, Some(backend));
    for (g, t) in group_tests(&v) {
        let pk = hx(g, "publicKey");
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
    tally.finish();
}

#[test]
fn wycheproof_ml_dsa_sign_seed() {
    each_file("sign_seed", seeded_backends(), |suite, file, backend| {
        run_sign(suite, file, true, backend)
    });
}

#[test]
fn wycheproof_ml_dsa_sign_noseed() {
    each_file("sign_noseed", all_backends(), |suite, file, backend| {
        run_sign(suite, file, false, backend)
    });
}

#[test]
fn wycheproof_ml_dsa_verify() {
    each_file("verify", all_backends(), run_verify);
}
