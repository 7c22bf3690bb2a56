//! NIST ACVP ML-KEM (FIPS 203): KeyGen_internal(d, z), Encaps_internal(ek, m),
//! decapsulation with an expanded `dk` or a seed, and both key checks. Every file runs
//! once per seeded backend (RustCrypto, libcrux).

use super::common::*;

#[test]
fn acvp_ml_kem_keygen() {
    for backend in seeded_kem_backends() {
        run_keygen(backend);
    }
}

fn run_keygen(backend: &str) {
    let file = "ML-KEM-keyGen-FIPS203/internalProjection.json";
    let v = load_json(&format!("acvp/{file}"));
    let mut tally = Tally::new(format!("acvp {file}{}", tag(backend)));
    for g in arr(&v, "testGroups") {
        let suite = kem_suite(st(g, "parameterSet"));
        let k = kem_backend_named(suite, backend);
        for t in arr(g, "tests") {
            let seed = [hx(t, "d"), hx(t, "z")].concat();
            let r = case(|| {
                let (ek, dk) = k.keygen(Some(&seed)).map_err(|e| format!("keygen: {e}"))?;
                ensure!(ek == hx(t, "ek"), "{suite}: ek {} differs", short(&ek));
                ensure!(dk.expose() == hx(t, "dk"), "{suite}: dk differs");
                Ok(())
            });
            tally.check(tc(t), r);
        }
    }
    tally.finish();
}

fn run_encap_decap(file: &str) {
    for backend in seeded_kem_backends() {
        run_encap_decap_with(file, backend);
    }
}

fn run_encap_decap_with(file: &str, backend: &str) {
    let v = load_json(&format!("acvp/{file}"));
    let mut tally = Tally::new(format!("acvp {file}{}", tag(backend)));
    for g in arr(&v, "testGroups") {
        let suite = kem_suite(st(g, "parameterSet"));
        let k = kem_backend_named(suite, backend);
        let function = st(g, "function");
        let key_format = g.get("keyFormat").and_then(|f| f.as_str()).unwrap_or("");
        for t in arr(g, "tests") {
            let r = match function {
                "encapsulation" => case(|| {
                    let ek = hx(t, "ek");
                    let enc = k
                        .encapsulate(&ek, Some(&hx(t, "m")))
                        .map_err(|e| format!("encapsulate: {e}"))?;
                    ensure!(enc.cipher_text == hx(t, "c"), "{suite}: c differs");
                    ensure!(
                        enc.shared_secret.expose() == hx(t, "k"),
                        "{suite}: k differs"
                    );
                    // The listed dk opens it again.
                    let back = k
                        .decapsulate(&enc.cipher_text, &hx(t, "dk"))
                        .map_err(|e| format!("decapsulate: {e}"))?;
                    ensure!(back == enc.shared_secret, "{suite}: round trip differs");
                    Ok(())
                }),
                "decapsulation" => case(|| {
                    let dk = if key_format == "seed" {
                        // The private key given as its seed: KeyGen_internal(d, z) first.
                        let seed = [hx(t, "d"), hx(t, "z")].concat();
                        let (ek, dk) = k.keygen(Some(&seed)).map_err(|e| format!("keygen: {e}"))?;
                        ensure!(ek == hx(t, "ek"), "{suite}: ek from seed differs");
                        ensure!(dk.expose() == hx(t, "dk"), "{suite}: dk from seed differs");
                        dk.expose().to_vec()
                    } else {
                        hx(t, "dk")
                    };
                    let ss = k
                        .decapsulate(&hx(t, "c"), &dk)
                        .map_err(|e| format!("decapsulate: {e}"))?;
                    ensure!(
                        ss.expose() == hx(t, "k"),
                        "{suite}: k differs ({})",
                        st(t, "reason")
                    );
                    Ok(())
                }),
                "encapsulationKeyCheck" => case(|| {
                    let ek = hx(t, "ek");
                    let want = flag(t, "testPassed");
                    let got = k.check_public_key(&ek);
                    ensure!(
                        got.is_ok() == want,
                        "{suite}: check_public_key {} but testPassed={want} ({})",
                        outcome(&got),
                        st(t, "reason")
                    );
                    if !want {
                        let enc = k.encapsulate(&ek, Some(&[0u8; 32]));
                        ensure!(
                            outcome(&enc) == "INVALID_KEY",
                            "{suite}: encapsulate to a bad ek gave {}",
                            outcome(&enc)
                        );
                    }
                    Ok(())
                }),
                "decapsulationKeyCheck" => case(|| {
                    let want = flag(t, "testPassed");
                    let got = k.load_secret_key(&hx(t, "dk")).map(|_| ());
                    ensure!(
                        got.is_ok() == want,
                        "{suite}: load_secret_key {} but testPassed={want} ({})",
                        outcome(&got),
                        st(t, "reason")
                    );
                    ensure!(
                        want || outcome(&got) == "INVALID_KEY",
                        "{suite}: bad dk refused with {} instead of INVALID_KEY",
                        outcome(&got)
                    );
                    Ok(())
                }),
                other => panic!("unknown ACVP ML-KEM function {other:?}"),
            };
            let label = if key_format.is_empty() {
                function.to_string()
            } else {
                format!("{function} (keyFormat {key_format})")
            };
            tally.record(label);
            tally.check(tc(t), r);
        }
    }
    tally.finish();
}

#[test]
fn acvp_ml_kem_encap_decap() {
    run_encap_decap("ML-KEM-encapDecap-FIPS203/internalProjection.json");
}

#[test]
fn acvp_ml_kem_encap_decap_tr1() {
    run_encap_decap("ML-KEM-encapDecap-FIPS203-tr1/internalProjection.json");
}
