//! CCTV ML-DSA accumulated test: SHAKE128("") supplies a 32-byte seed per iteration;
//! the public key from KeyGen(seed) and the deterministic signature of the empty message
//! with an empty context go into a second SHAKE128, whose first 32 bytes are compared
//! with the published value (final FIPS 204). Runs once per seeded backend.

use super::common::*;
use pqwire_core::sig::SignRandomness;
use shake::{Update, XofReader};

fn accumulated_all(iterations: usize, expected: [&str; 3]) {
    for backend in seeded_backends() {
        for ((suite, n), want) in ML_DSA.into_iter().zip(expected) {
            let s = sig_backend_named(suite, backend);
            let set = format!("ML-DSA-{n}");
            accumulated(
                (&set, backend),
                ("iteration", iterations),
                want,
                |source, acc| {
                    let mut seed = [0u8; 32];
                    source.read(&mut seed);
                    let (pk, sk) = s.keygen(Some(&seed)).map_err(|e| format!("keygen: {e}"))?;
                    let signature = s
                        .sign(b"", sk.expose(), b"", SignRandomness::Deterministic)
                        .map_err(|e| format!("sign: {e}"))?;
                    let v = s
                        .verify(&signature, b"", &pk, b"")
                        .map_err(|e| format!("verify: {e}"))?;
                    ensure!(v.valid, "signature does not verify");
                    acc.update(&pk);
                    acc.update(&signature);
                    Ok(())
                },
            );
        }
    }
}

#[test]
fn cctv_ml_dsa_accumulated_100() {
    accumulated_all(
        100,
        [
            "d51148e1f9f4fa1a723a6cf42e25f2a99eb5c1b378b3d2dbbd561b1203beeae4",
            "8358a1843220194417cadbc2651295cd8fc65125b5a5c1a239a16dc8b57ca199",
            "8c3ad714777622b8f21ce31bb35f71394f23bc0fcf3c78ace5d608990f3b061b",
        ],
    );
}

/// The 10,000-iteration values (a minute or two in the `ci` profile): run with `--ignored`.
#[test]
#[ignore = "slow: 30,000 key generations and signatures"]
fn cctv_ml_dsa_accumulated_10000() {
    accumulated_all(
        10_000,
        [
            "e7fd21f6a59bcba60d65adc44404bb29a7c00e5d8d3ec06a732c00a306a7d143",
            "5ff5e196f0b830c3b10a9eb5358e7c98a3a20136cb677f3ae3b90175c3ace329",
            "80a8cf39317f7d0be0e24972c51ac152bd2a3e09bc0c32ce29dd82c4e7385e60",
        ],
    );
}
