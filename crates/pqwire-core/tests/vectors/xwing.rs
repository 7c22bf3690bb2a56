//! X-Wing (draft-connolly-cfrg-xwing-kem): key generation from the seed, encapsulation
//! with fixed `eseed`, decapsulation, byte for byte; over each seeded ML-KEM backend.

use super::common::*;
use pqwire_core::KemSuite;

#[test]
fn xwing_draft_vectors() {
    for backend in seeded_backends() {
        run(backend);
    }
}

fn run(backend: &str) {
    let file = "xwing/test-vectors.json";
    let v = load_json(file);
    let k = kem_backend_named(KemSuite::XWing, backend);
    let mut tally = Tally::new(format!("{file}{}", tag(backend)));
    for (i, t) in v.as_array().expect("a JSON array").iter().enumerate() {
        let r = case(|| {
            let (pk, sk) = k
                .keygen(Some(&hx(t, "seed")))
                .map_err(|e| format!("keygen: {e}"))?;
            ensure!(pk == hx(t, "pk"), "pk {} differs", short(&pk));
            ensure!(sk.expose() == hx(t, "sk"), "sk differs");
            ensure!(
                k.check_public_key(&pk).is_ok(),
                "check_public_key refused pk"
            );
            let enc = k
                .encapsulate(&pk, Some(&hx(t, "eseed")))
                .map_err(|e| format!("encapsulate: {e}"))?;
            ensure!(
                enc.cipher_text == hx(t, "ct"),
                "ct {} differs",
                short(&enc.cipher_text)
            );
            ensure!(
                enc.shared_secret.expose() == hx(t, "ss"),
                "ss differs (encapsulation)"
            );
            let ss = k
                .decapsulate(&hx(t, "ct"), &hx(t, "sk"))
                .map_err(|e| format!("decapsulate: {e}"))?;
            ensure!(ss.expose() == hx(t, "ss"), "ss differs (decapsulation)");
            Ok(())
        });
        tally.check(format!("vector {i}"), r);
    }
    tally.finish();
}
