//! NIST ACVP ML-KEM (FIPS 203): KeyGen_internal(d, z), Encaps_internal(ek, m),
//! decapsulation with an expanded `dk` or a seed, and both key checks. Every file runs
//! once per seeded backend (RustCrypto, libcrux).

use super::common::*;
use pqwire_core::kem::KemBackend;
use serde_json::Value;

#[test]
fn acvp_ml_kem_keygen() {
    let file = "ML-KEM-keyGen-FIPS203/internalProjection.json";
    acvp_keygen(
        file,
        seeded_kem_backends(),
        ["ek", "dk"],
        |set, backend, t| {
            let seed = [hx(t, "d"), hx(t, "z")].concat();
            kem_backend_named(kem_suite(set), backend).keygen(Some(&seed))
        },
    );
}

/// An encapDecap file, once per seeded backend: each group tests one function.
fn run_encap_decap(file: &str) {
    for backend in seeded_kem_backends() {
        let (v, mut tally) = acvp(file, Some(backend));
        for g in arr(&v, "testGroups") {
            let k = kem_backend_named(kem_suite(st(g, "parameterSet")), backend);
            let function = st(g, "function");
            let key_format = g.get("keyFormat").and_then(|f| f.as_str()).unwrap_or("");
            let run: fn(&dyn KemBackend, &Value, bool) -> Result<(), String> = match function {
                "encapsulation" => encapsulation,
                "decapsulation" => decapsulation,
                "encapsulationKeyCheck" => encapsulation_key_check,
                "decapsulationKeyCheck" => decapsulation_key_check,
                other => panic!("unknown ACVP ML-KEM function {other:?}"),
            };
            let label = if key_format.is_empty() {
                function.to_string()
            } else {
                format!("{function} (keyFormat {key_format})")
            };
            for t in arr(g, "tests") {
                tally.record(label.clone());
                tally.check(tc(t), run(k, t, key_format == "seed"));
            }
        }
        tally.finish();
    }
}

/// Encaps_internal(ek, m) gives c and k, and the listed dk opens c again.
fn encapsulation(k: &dyn KemBackend, t: &Value, _: bool) -> Result<(), String> {
    let suite = k.suite();
    let enc = k
        .encapsulate(&hx(t, "ek"), Some(&hx(t, "m")))
        .map_err(|e| format!("encapsulate: {e}"))?;
    ensure!(enc.cipher_text == hx(t, "c"), "{suite}: c differs");
    ensure!(
        enc.shared_secret.expose() == hx(t, "k"),
        "{suite}: k differs"
    );
    let back = k
        .decapsulate(&enc.cipher_text, &hx(t, "dk"))
        .map_err(|e| format!("decapsulate: {e}"))?;
    ensure!(back == enc.shared_secret, "{suite}: round trip differs");
    Ok(())
}

/// Decapsulation with dk, or with the key generated from the seed (d, z) when the group's
/// key format is `seed` (the generated ek and dk checked too).
fn decapsulation(k: &dyn KemBackend, t: &Value, from_seed: bool) -> Result<(), String> {
    let suite = k.suite();
    let dk = if from_seed {
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
}

/// The encapsulation key check passes as `testPassed` says, and a refused key cannot be
/// encapsulated to.
fn encapsulation_key_check(k: &dyn KemBackend, t: &Value, _: bool) -> Result<(), String> {
    let suite = k.suite();
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
}

/// The decapsulation key check passes as `testPassed` says; a refusal is `INVALID_KEY`.
fn decapsulation_key_check(k: &dyn KemBackend, t: &Value, _: bool) -> Result<(), String> {
    let suite = k.suite();
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
}

#[test]
fn acvp_ml_kem_encap_decap() {
    run_encap_decap("ML-KEM-encapDecap-FIPS203/internalProjection.json");
}

#[test]
fn acvp_ml_kem_encap_decap_tr1() {
    run_encap_decap("ML-KEM-encapDecap-FIPS203-tr1/internalProjection.json");
}
