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
use pqwire_core::{KemSuite, SecretBytes, SigSuite};

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

/// Runs `f` on each parameter set of `sets` with each pair of `pairs` this build has.
fn each_pair<S: Copy>(
    sets: [(S, u32); 3],
    pairs: &[(&'static str, &'static str)],
    f: fn(S, u32, &str, &str),
) {
    for (suite, n) in sets {
        for (a, b) in built_pairs(pairs) {
            f(suite, n, a, b);
        }
    }
}

#[test]
fn differential_ml_kem() {
    each_pair(ML_KEM, &KEM_PAIRS, kem_pair);
}

fn kem_pair(suite: KemSuite, n: u32, a: &str, b: &str) {
    let mut tally = Tally::new(format!(
        "differential ML-KEM-{n} ({a} ⇄ {b}, {KEM_ROUNDS} rounds each way)"
    ));
    let (x, y) = (kem_backend_named(suite, a), kem_backend_named(suite, b));
    assert_eq!(x.suite(), suite);
    for round in 0..KEM_ROUNDS {
        for (owner, sender) in [(x, y), (y, x)] {
            let (keys, enc) = (owner.backend_name(), sender.backend_name());
            let id = format!("round {round} (keys {keys}, encapsulation {enc})");
            tally.check(id, kem_round_trip(owner, sender));
        }
    }
    tally.finish();
}

/// `owner`'s key pair, encapsulated to by `sender`: both open it to the same secret, and
/// a tampered ciphertext to the same implicit-rejection secret.
fn kem_round_trip(owner: &dyn KemBackend, sender: &dyn KemBackend) -> Result<(), String> {
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
    let differ = "implicit-rejection secrets differ between backends";
    let a = decapsulate_both(owner, sender, &tampered, sk.expose(), differ)?;
    ensure!(
        a != enc.shared_secret,
        "tampered ciphertext gave the real secret"
    );
    Ok(())
}

/// The secret both backends decapsulate `ct` to with `sk`; they must agree (`differ` says
/// what it means if not).
fn decapsulate_both(
    x: &dyn KemBackend,
    y: &dyn KemBackend,
    ct: &[u8],
    sk: &[u8],
    differ: &str,
) -> Result<SecretBytes, String> {
    let a = x.decapsulate(ct, sk).map_err(|e| e.to_string())?;
    let b = y.decapsulate(ct, sk).map_err(|e| e.to_string())?;
    ensure!(a == b, "{differ}");
    Ok(a)
}

#[test]
fn differential_ml_dsa() {
    each_pair(ML_DSA, &PAIRS, sig_pair);
}

fn sig_pair(suite: SigSuite, n: u32, a: &str, b: &str) {
    let rounds = format!("{SIG_ROUNDS} rounds per key source and direction");
    let mut tally = Tally::new(format!("differential ML-DSA-{n} ({a} ⇄ {b}, {rounds})"));
    let (x, y) = (sig_backend_named(suite, a), sig_backend_named(suite, b));
    assert_eq!(x.suite(), suite);
    for round in 0..SIG_ROUNDS {
        for key_source in [x, y] {
            let (pk, sk) = key_source.keygen(None).unwrap();
            for (signer, verifier) in [(x, y), (y, x)] {
                let r = sign_both_ways(signer, verifier, &pk, sk.expose());
                let keys = key_source.backend_name();
                let (signed, verified) = (signer.backend_name(), verifier.backend_name());
                let id =
                    format!("round {round} (keys {keys}, signed {signed}, verified {verified})");
                tally.check(id, r);
            }
        }
    }
    tally.finish();
}

/// A random message and context signed by `signer`: both backends accept the signature,
/// and refuse it with one bit flipped or under another context.
fn sign_both_ways(
    signer: &dyn SigBackend,
    verifier: &dyn SigBackend,
    pk: &[u8],
    sk: &[u8],
) -> Result<(), String> {
    let ctx = random_context();
    let msg = random_array::<64>().unwrap()[..random_below(65)].to_vec();
    let signature = signer
        .sign(&msg, sk, &ctx, SignRandomness::Hedged)
        .map_err(|e| format!("sign: {e}"))?;
    for b in [verifier, signer] {
        let v = b
            .verify(&signature, &msg, pk, &ctx)
            .map_err(|e| e.to_string())?;
        ensure!(v.valid, "{} rejects a valid signature", b.backend_name());
    }
    let mut bad = signature.clone();
    flip_random_bit(&mut bad);
    for b in [verifier, signer] {
        let v = b.verify(&bad, &msg, pk, &ctx).map_err(|e| e.to_string())?;
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
                .verify(&signature, &msg, pk, &other_ctx)
                .map_err(|e| e.to_string())?;
            ensure!(!v.valid, "{} ignores the context", b.backend_name());
        }
    }
    Ok(())
}

/// The KEM suites that exist over both seeded backends: every post-quantum one.
fn seeded_kems() -> impl Iterator<Item = KemSuite> {
    KemSuite::ALL
        .iter()
        .copied()
        .filter(|s| s.is_post_quantum())
}

/// The signature suites that exist over both seeded backends: every post-quantum one.
fn seeded_sigs() -> impl Iterator<Item = SigSuite> {
    SigSuite::ALL
        .iter()
        .copied()
        .filter(|s| s.is_post_quantum())
}

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
    for suite in seeded_kems() {
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
                let differ = "decapsulations of a random ciphertext differ";
                decapsulate_both(lc, rc, &junk, sk.expose(), differ)?;
                Ok(())
            });
            tally.check(format!("round {round}"), r);
        }
        tally.finish();
    }
}

#[test]
fn differential_seeded_sig() {
    for suite in seeded_sigs() {
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
