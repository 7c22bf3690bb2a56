//! Differential tests between the ML-KEM backends (AWS-LC, libcrux, RustCrypto, PQClean)
//! and the ML-DSA backends (libcrux, RustCrypto, PQClean) on random inputs, every pair
//! both ways: keys, ciphertexts and signatures made by one are accepted by the other, and
//! tampering gives the same answer in both. The two
//! seeded backends (libcrux, RustCrypto) must also give identical bytes from the same
//! seeds and randomness, for ML-KEM, ML-DSA and the hybrids built on them.

use super::common::*;
use pqwire_core::kem::KemBackend;
use pqwire_core::random::random_array;
use pqwire_core::sig::{SigBackend, SignRandomness};
use pqwire_core::{KemSuite, SigSuite};

/// A random index below `n`.
fn random_below(n: usize) -> usize {
    let r = random_array::<8>().unwrap();
    (u64::from_le_bytes(*r) % n as u64) as usize
}

/// Flips one random bit of `bytes`.
fn flip_random_bit(bytes: &mut [u8]) {
    let bit = random_below(bytes.len() * 8);
    bytes[bit / 8] ^= 1 << (bit % 8);
}

/// A random context string of random length (0..=255 bytes).
fn random_context() -> Vec<u8> {
    let buf = random_array::<256>().unwrap();
    let len = random_below(256);
    buf[..len].to_vec()
}

const KEM_ROUNDS: usize = 50;
const SIG_ROUNDS: usize = 20;
const SEEDED_ROUNDS: usize = 20;

/// Every unordered pair of backends.
const PAIRS: [(&str, &str); 3] = [
    ("libcrux", "rustcrypto"),
    ("libcrux", "pqclean"),
    ("rustcrypto", "pqclean"),
];

/// Every unordered pair of ML-KEM backends: [`PAIRS`] and AWS-LC with each.
const KEM_PAIRS: [(&str, &str); 6] = [
    ("aws-lc", "libcrux"),
    ("aws-lc", "rustcrypto"),
    ("aws-lc", "pqclean"),
    ("libcrux", "rustcrypto"),
    ("libcrux", "pqclean"),
    ("rustcrypto", "pqclean"),
];

/// The pairs whose two backends this build has.
fn built_pairs(pairs: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    pairs
        .iter()
        .copied()
        .filter(|(a, b)| is_built(a) && is_built(b))
        .collect()
}

#[test]
fn differential_ml_kem() {
    for (suite, n) in ML_KEM {
        for (a, b) in built_pairs(&KEM_PAIRS) {
            kem_pair(
                suite,
                n,
                kem_backend_named(suite, a),
                kem_backend_named(suite, b),
            );
        }
    }
}

fn kem_pair(suite: KemSuite, n: u32, x: &dyn KemBackend, y: &dyn KemBackend) {
    assert_eq!(x.suite(), suite);
    let mut tally = Tally::new(format!(
        "differential ML-KEM-{n} ({} ⇄ {}, {KEM_ROUNDS} rounds each way)",
        x.backend_name(),
        y.backend_name()
    ));
    let directions: [(&dyn KemBackend, &dyn KemBackend); 2] = [(x, y), (y, x)];
    for round in 0..KEM_ROUNDS {
        for (owner, sender) in directions {
            let r = case(|| {
                let (pk, sk) = owner.keygen(None).map_err(|e| format!("keygen: {e}"))?;
                ensure!(
                    sender.check_public_key(&pk).is_ok(),
                    "other backend refuses pk"
                );
                let enc = sender
                    .encapsulate(&pk, None)
                    .map_err(|e| format!("encapsulate: {e}"))?;
                let back = owner
                    .decapsulate(&enc.cipher_text, sk.expose())
                    .map_err(|e| format!("decapsulate: {e}"))?;
                ensure!(back == enc.shared_secret, "shared secrets differ");
                let also = sender
                    .decapsulate(&enc.cipher_text, sk.expose())
                    .map_err(|e| format!("decapsulate (sender's backend): {e}"))?;
                ensure!(
                    also == enc.shared_secret,
                    "sender's backend opens differently"
                );
                // Implicit rejection: same pseudorandom secret from both backends.
                let mut tampered = enc.cipher_text.clone();
                flip_random_bit(&mut tampered);
                let a = owner
                    .decapsulate(&tampered, sk.expose())
                    .map_err(|e| e.to_string())?;
                let b = sender
                    .decapsulate(&tampered, sk.expose())
                    .map_err(|e| e.to_string())?;
                ensure!(a == b, "implicit-rejection secrets differ between backends");
                ensure!(
                    a != enc.shared_secret,
                    "tampered ciphertext gave the real secret"
                );
                Ok(())
            });
            tally.check(
                format!(
                    "round {round} (keys {}, encapsulation {})",
                    owner.backend_name(),
                    sender.backend_name()
                ),
                r,
            );
        }
    }
    tally.finish();
}

#[test]
fn differential_ml_dsa() {
    for (suite, n) in ML_DSA {
        for (a, b) in built_pairs(&PAIRS) {
            sig_pair(
                suite,
                n,
                sig_backend_named(suite, a),
                sig_backend_named(suite, b),
            );
        }
    }
}

fn sig_pair(suite: SigSuite, n: u32, x: &dyn SigBackend, y: &dyn SigBackend) {
    assert_eq!(x.suite(), suite);
    let mut tally = Tally::new(format!(
        "differential ML-DSA-{n} ({} ⇄ {}, {SIG_ROUNDS} rounds per key source and direction)",
        x.backend_name(),
        y.backend_name()
    ));
    let pairs: [(&dyn SigBackend, &dyn SigBackend); 2] = [(x, y), (y, x)];
    for round in 0..SIG_ROUNDS {
        for (key_source, _) in pairs {
            let (pk, sk) = key_source.keygen(None).unwrap();
            for (signer, verifier) in pairs {
                let r = case(|| {
                    let ctx = random_context();
                    let msg = random_array::<64>().unwrap()[..random_below(65)].to_vec();
                    let signature = signer
                        .sign(&msg, sk.expose(), &ctx, SignRandomness::Hedged)
                        .map_err(|e| format!("sign: {e}"))?;
                    for b in [verifier, signer] {
                        let v = b
                            .verify(&signature, &msg, &pk, &ctx)
                            .map_err(|e| e.to_string())?;
                        ensure!(v.valid, "{} rejects a valid signature", b.backend_name());
                    }
                    let mut bad = signature.clone();
                    flip_random_bit(&mut bad);
                    for b in [verifier, signer] {
                        let v = b.verify(&bad, &msg, &pk, &ctx).map_err(|e| e.to_string())?;
                        ensure!(
                            !v.valid,
                            "{} accepts a flipped signature bit",
                            b.backend_name()
                        );
                    }
                    let mut other_ctx = ctx.clone();
                    other_ctx.push(0);
                    if other_ctx.len() <= 255 {
                        for b in [verifier, signer] {
                            let v = b
                                .verify(&signature, &msg, &pk, &other_ctx)
                                .map_err(|e| e.to_string())?;
                            ensure!(!v.valid, "{} ignores the context", b.backend_name());
                        }
                    }
                    Ok(())
                });
                tally.check(
                    format!(
                        "round {round} (keys {}, signed {}, verified {})",
                        key_source.backend_name(),
                        signer.backend_name(),
                        verifier.backend_name()
                    ),
                    r,
                );
            }
        }
    }
    tally.finish();
}

/// The KEM suites that exist over both seeded backends.
const SEEDED_KEMS: [KemSuite; 6] = [
    KemSuite::MlKem512,
    KemSuite::MlKem768,
    KemSuite::MlKem1024,
    KemSuite::XWing,
    KemSuite::X25519MlKem512,
    KemSuite::X25519MlKem1024,
];

/// The signature suites that exist over both seeded backends.
const SEEDED_SIGS: [SigSuite; 5] = [
    SigSuite::MlDsa44,
    SigSuite::MlDsa65,
    SigSuite::MlDsa87,
    SigSuite::Ed25519MlDsa65,
    SigSuite::Ed25519MlDsa87,
];

/// `len` random bytes.
fn random_bytes(len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        out.extend_from_slice(&random_array::<64>().unwrap()[..]);
    }
    out.truncate(len);
    out
}

#[test]
fn differential_seeded_kem() {
    for suite in SEEDED_KEMS {
        let lc = kem_backend_named(suite, "libcrux");
        let rc = kem_backend_named(suite, "rustcrypto");
        let l = lc.lengths();
        assert_eq!(l, rc.lengths());
        let mut tally = Tally::new(format!(
            "differential {suite} (libcrux = rustcrypto byte for byte, {SEEDED_ROUNDS} random seeds)"
        ));
        for round in 0..SEEDED_ROUNDS {
            let r = case(|| {
                let seed = random_bytes(l.keygen_seed);
                let (pk, sk) = lc.keygen(Some(&seed)).map_err(|e| e.to_string())?;
                let (pk2, sk2) = rc.keygen(Some(&seed)).map_err(|e| e.to_string())?;
                ensure!(pk == pk2, "public keys differ");
                ensure!(sk == sk2, "secret keys differ");
                let m = random_bytes(l.encapsulation_randomness);
                let enc = lc.encapsulate(&pk, Some(&m)).map_err(|e| e.to_string())?;
                let enc2 = rc.encapsulate(&pk, Some(&m)).map_err(|e| e.to_string())?;
                ensure!(enc.cipher_text == enc2.cipher_text, "ciphertexts differ");
                ensure!(
                    enc.shared_secret == enc2.shared_secret,
                    "shared secrets differ"
                );
                // A random ciphertext: the same implicit-rejection secret from both.
                let junk = random_bytes(l.cipher_text);
                let a = lc
                    .decapsulate(&junk, sk.expose())
                    .map_err(|e| e.to_string())?;
                let b = rc
                    .decapsulate(&junk, sk.expose())
                    .map_err(|e| e.to_string())?;
                ensure!(a == b, "decapsulations of a random ciphertext differ");
                Ok(())
            });
            tally.check(format!("round {round}"), r);
        }
        tally.finish();
    }
}

#[test]
fn differential_seeded_sig() {
    for suite in SEEDED_SIGS {
        let lc = sig_backend_named(suite, "libcrux");
        let rc = sig_backend_named(suite, "rustcrypto");
        assert_eq!(lc.lengths(), rc.lengths());
        let mut tally = Tally::new(format!(
            "differential {suite} (libcrux = rustcrypto byte for byte, {SEEDED_ROUNDS} random seeds)"
        ));
        for round in 0..SEEDED_ROUNDS {
            let r = case(|| {
                let seed = random_bytes(lc.lengths().keygen_seed);
                let (pk, sk) = lc.keygen(Some(&seed)).map_err(|e| e.to_string())?;
                let (pk2, sk2) = rc.keygen(Some(&seed)).map_err(|e| e.to_string())?;
                ensure!(pk == pk2, "public keys differ");
                ensure!(sk == sk2, "secret keys differ");
                ensure!(
                    lc.public_key(sk.expose()).map_err(|e| e.to_string())? == pk,
                    "derived public key differs"
                );
                let ctx = random_context();
                let msg = random_bytes(random_below(300));
                let rnd = random_bytes(32);
                for randomness in [SignRandomness::Deterministic, SignRandomness::Given(&rnd)] {
                    let a = lc
                        .sign(&msg, sk.expose(), &ctx, randomness)
                        .map_err(|e| e.to_string())?;
                    let b = rc
                        .sign(&msg, sk.expose(), &ctx, randomness)
                        .map_err(|e| e.to_string())?;
                    ensure!(a == b, "signatures differ ({randomness:?})");
                    for v in [lc, rc] {
                        let ok = v.verify(&a, &msg, &pk, &ctx).map_err(|e| e.to_string())?;
                        ensure!(ok.valid, "{} rejects the signature", v.backend_name());
                    }
                }
                Ok(())
            });
            tally.check(format!("round {round}"), r);
        }
        tally.finish();
    }
}
