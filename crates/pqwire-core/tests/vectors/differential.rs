//! Differential tests between the default (RustCrypto) and PQClean backends of ML-KEM and
//! ML-DSA on random inputs: keys, ciphertexts and signatures made by one are accepted by
//! the other, and tampering gives the same answer in both.

use super::common::*;
use pqwire_core::kem::{self, KemBackend};
use pqwire_core::rng::random_array;
use pqwire_core::sig::{self, SigBackend, SignRandomness};

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

#[test]
fn differential_ml_kem() {
    for (suite, n) in ML_KEM {
        let rc = kem::backend(suite);
        let pq = kem::pqclean_backend(suite).unwrap();
        let mut tally = Tally::new(format!(
            "differential ML-KEM-{n} ({} ⇄ {}, {KEM_ROUNDS} rounds each way)",
            rc.backend_name(),
            pq.backend_name()
        ));
        let directions: [(&dyn KemBackend, &dyn KemBackend); 2] = [(rc, pq), (pq, rc)];
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
}

#[test]
fn differential_ml_dsa() {
    for (suite, n) in ML_DSA {
        let rc = sig::backend(suite);
        let pq = sig::pqclean_backend(suite).unwrap();
        let mut tally = Tally::new(format!(
            "differential ML-DSA-{n} ({} ⇄ {}, {SIG_ROUNDS} rounds per key source and direction)",
            rc.backend_name(),
            pq.backend_name()
        ));
        let pairs: [(&dyn SigBackend, &dyn SigBackend); 2] = [(rc, pq), (pq, rc)];
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
}
