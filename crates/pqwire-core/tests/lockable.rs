//! Lockable key pairs (`KemKeyPair::generate_lockable` / `import_lockable`,
//! `SigKeyPair::generate_lockable` / `import_lockable`, `kem::lockable_backend(_of)`,
//! `sig::lockable_backend(_of)`): their whole secret state is where `secret_memory()`
//! reports it (`complete`) for every suite, in the default build (AWS-LC's X25519 and
//! Ed25519 replaced by `x25519-dalek`'s and `ed25519-dalek`'s, ML-KEM by libcrux's) and in
//! the pure-Rust build, and they compute exactly what the normal key pairs compute: the
//! same public key from the same seed, the same shared secrets for the same ciphertexts
//! (low-order X25519 halves included), the same deterministic signatures, and signatures
//! the normal verifiers accept. Runs in both builds, like `backends.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use pqwire_core::kem::{self, KemKeyPair};
use pqwire_core::sig::{self, SigKeyPair, SignRandomness};
use pqwire_core::{Backend, KemSuite, SigSuite};

/// Lockable key pairs are complete in every suite where the build has libcrux (for
/// ML-KEM) and RustCrypto (`x25519-dalek` and `ed25519-dalek`): the default and the
/// pure-Rust build, the two this file runs in.
const COMPLETE: bool = cfg!(all(feature = "libcrux", feature = "rustcrypto"));

/// Seeds of each key-generation seed length a suite takes.
fn seed(len: usize, i: u8) -> Vec<u8> {
    (0..len).map(|j| (j as u8).wrapping_mul(31) ^ i).collect()
}

/// Low-order X25519 encodings (RFC 7748: their X25519 output is all zero).
const LOW_ORDER: [[u8; 32]; 2] = [[0; 32], {
    let mut one = [0; 32];
    one[0] = 1;
    one
}];

#[test]
fn lockable_kem_key_pairs_are_complete_and_decapsulate_like_the_normal_ones() {
    for &suite in KemSuite::ALL {
        let b = kem::backend(suite);
        let l = b.lengths();
        for i in 0..3u8 {
            let s = seed(l.keygen_seed, i);
            let normal = KemKeyPair::generate(suite, Some(&s)).unwrap();
            let lockable = KemKeyPair::generate_lockable(suite, Some(&s)).unwrap();
            let what = format!("{suite} seed {i}");
            assert_eq!(lockable.suite(), suite, "{what}");
            assert_eq!(lockable.public_key(), normal.public_key(), "{what}");
            assert_eq!(
                lockable.export_secret_key(),
                normal.export_secret_key(),
                "{what}"
            );
            assert_eq!(lockable.secret_memory().complete, COMPLETE, "{what}");
            // The normal key pair of this suite is complete only where the default is
            // already within reach (no AWS-LC: the pure-Rust build).
            let normal_complete = normal.secret_memory().complete;
            assert_eq!(normal_complete, !cfg!(feature = "aws-lc"), "{what}");

            // Random and seeded encapsulations by the default backend open the same.
            let mut cts: Vec<Vec<u8>> = (0..4)
                .map(|_| {
                    b.encapsulate(normal.public_key(), None)
                        .unwrap()
                        .cipher_text
                })
                .collect();
            let r = seed(l.encapsulation_randomness, i + 100);
            cts.push(
                b.encapsulate(normal.public_key(), Some(&r))
                    .unwrap()
                    .cipher_text,
            );
            // Any ciphertext of the right length: ML-KEM's implicit rejection, and for the
            // hybrids a low-order X25519 half (hashed in as zeros by both).
            cts.push(seed(l.cipher_text, i + 200));
            if suite.is_hybrid() {
                for point in LOW_ORDER {
                    let mut ct = cts[0].clone();
                    let at = ct.len() - 32;
                    ct[at..].copy_from_slice(&point);
                    cts.push(ct);
                }
            }
            for (j, ct) in cts.iter().enumerate() {
                let ours = lockable.decapsulate(ct);
                let theirs = normal.decapsulate(ct);
                match (ours, theirs) {
                    (Ok(a), Ok(b)) => assert_eq!(a, b, "{what} ciphertext {j}"),
                    (Err(a), Err(b)) => assert_eq!(a.code(), b.code(), "{what} ciphertext {j}"),
                    (a, b) => panic!("{what} ciphertext {j}: {a:?} vs {b:?}"),
                }
            }
            // X25519 alone refuses a low-order ciphertext in both.
            if suite == KemSuite::X25519 {
                for point in LOW_ORDER {
                    assert_eq!(
                        lockable.decapsulate(&point).unwrap_err().code(),
                        "NON_CONTRIBUTORY"
                    );
                    assert_eq!(
                        normal.decapsulate(&point).unwrap_err().code(),
                        "NON_CONTRIBUTORY"
                    );
                }
            }
            // Wrong lengths are refused the same way.
            let short = &cts[0][1..];
            assert_eq!(
                lockable.decapsulate(short).unwrap_err().code(),
                normal.decapsulate(short).unwrap_err().code()
            );

            // Imported both ways: a lockable import of the normal key pair's bytes, and a
            // normal import of the lockable one's, open each other's ciphertexts.
            let sk = normal.export_secret_key();
            let imported =
                KemKeyPair::import_lockable(suite, sk.expose(), normal.public_key()).expect(&what);
            assert_eq!(imported.secret_memory().complete, COMPLETE, "{what}");
            let back = KemKeyPair::import(
                suite,
                lockable.export_secret_key().expose(),
                lockable.public_key(),
            )
            .unwrap();
            let lb = kem::lockable_backend(suite);
            let enc = lb.encapsulate(imported.public_key(), None).unwrap();
            assert_eq!(
                back.decapsulate(&enc.cipher_text).unwrap(),
                enc.shared_secret
            );
            assert_eq!(
                imported.decapsulate(&enc.cipher_text).unwrap(),
                enc.shared_secret
            );
            // A mismatched public key is refused as by the normal import.
            let other = KemKeyPair::generate(suite, Some(&seed(l.keygen_seed, i + 50))).unwrap();
            let e =
                KemKeyPair::import_lockable(suite, sk.expose(), other.public_key()).unwrap_err();
            assert_eq!(e.code(), "INVALID_KEY", "{what}");
        }
        // Without a seed too.
        let kp = KemKeyPair::generate_lockable(suite, None).unwrap();
        assert_eq!(kp.secret_memory().complete, COMPLETE, "{suite}");
        let enc = b.encapsulate(kp.public_key(), None).unwrap();
        assert_eq!(kp.decapsulate(&enc.cipher_text).unwrap(), enc.shared_secret);
    }
}

#[test]
fn lockable_sig_key_pairs_are_complete_and_sign_like_the_normal_ones() {
    for &suite in SigSuite::ALL {
        let b = sig::backend(suite);
        let l = b.lengths();
        let ctx: &[u8] = if suite == SigSuite::Ed25519 {
            b""
        } else {
            b"ctx"
        };
        for i in 0..3u8 {
            let s = seed(l.keygen_seed, i);
            let normal = SigKeyPair::generate(suite, Some(&s)).unwrap();
            let lockable = SigKeyPair::generate_lockable(suite, Some(&s)).unwrap();
            let what = format!("{suite} seed {i}");
            assert_eq!(lockable.suite(), suite, "{what}");
            assert_eq!(lockable.public_key(), normal.public_key(), "{what}");
            assert_eq!(
                lockable.export_secret_key(),
                normal.export_secret_key(),
                "{what}"
            );
            assert_eq!(lockable.secret_memory().complete, COMPLETE, "{what}");
            // ML-DSA alone is complete in every build; anything with Ed25519 only without AWS-LC.
            let normal_complete =
                !suite.is_hybrid() && suite.is_post_quantum() || !cfg!(feature = "aws-lc");
            assert_eq!(normal.secret_memory().complete, normal_complete, "{what}");

            for (j, msg) in [&b""[..], b"m", &[0xa5; 1000]].iter().enumerate() {
                let det = SignRandomness::Deterministic;
                let ours = lockable.sign(msg, ctx, det).unwrap();
                assert_eq!(
                    ours,
                    normal.sign(msg, ctx, det).unwrap(),
                    "{what} message {j}"
                );
                assert!(
                    b.verify(&ours, msg, normal.public_key(), ctx)
                        .unwrap()
                        .valid
                );
                if suite != SigSuite::Ed25519 {
                    let rnd = seed(32, j as u8);
                    let given = SignRandomness::Given(&rnd);
                    let ours = lockable.sign(msg, ctx, given).unwrap();
                    assert_eq!(
                        ours,
                        normal.sign(msg, ctx, given).unwrap(),
                        "{what} message {j}"
                    );
                    let hedged = lockable.sign(msg, ctx, SignRandomness::Hedged).unwrap();
                    let v = b.verify(&hedged, msg, normal.public_key(), ctx).unwrap();
                    assert!(v.valid, "{what} message {j}");
                    assert_eq!(
                        v.classic_valid,
                        !suite.is_post_quantum() || suite.is_hybrid()
                    );
                }
            }
            // Errors as the normal key pair's: Ed25519 takes no context nor randomness, ML-DSA
            // no context over 255 bytes.
            let long = [0u8; 256];
            let e = |kp: &SigKeyPair| {
                kp.sign(b"m", &long, SignRandomness::Hedged)
                    .unwrap_err()
                    .code()
            };
            assert_eq!(e(&lockable), e(&normal), "{what}");

            // Imported both ways.
            let sk = normal.export_secret_key();
            let imported =
                SigKeyPair::import_lockable(suite, sk.expose(), normal.public_key()).expect(&what);
            assert_eq!(imported.secret_memory().complete, COMPLETE, "{what}");
            let det = SignRandomness::Deterministic;
            assert_eq!(
                imported.sign(b"i", ctx, det).unwrap(),
                normal.sign(b"i", ctx, det).unwrap()
            );
            let back = SigKeyPair::import(
                suite,
                lockable.export_secret_key().expose(),
                lockable.public_key(),
            )
            .unwrap();
            assert_eq!(
                back.sign(b"i", ctx, det).unwrap(),
                imported.sign(b"i", ctx, det).unwrap()
            );
            let other = SigKeyPair::generate(suite, Some(&seed(l.keygen_seed, i + 50))).unwrap();
            let e =
                SigKeyPair::import_lockable(suite, sk.expose(), other.public_key()).unwrap_err();
            assert_eq!(e.code(), "INVALID_KEY", "{what}");
        }
        let kp = SigKeyPair::generate_lockable(suite, None).unwrap();
        assert_eq!(kp.secret_memory().complete, COMPLETE, "{suite}");
        let s = kp.sign(b"x", ctx, SignRandomness::Hedged).unwrap();
        assert!(b.verify(&s, b"x", kp.public_key(), ctx).unwrap().valid);
    }
}

/// Ed25519's 64-byte `seed ‖ publicKey` form loads into a lockable key pair as into a
/// normal one, and a wrong public half is refused.
#[test]
fn lockable_ed25519_takes_the_64_byte_form() {
    let b = sig::lockable_backend(SigSuite::Ed25519);
    let (pk, seed) = b.keygen(Some(&[3; 32])).unwrap();
    let pair = [seed.expose(), &pk[..]].concat();
    let det = SignRandomness::Deterministic;
    assert_eq!(
        b.sign(b"m", &pair, b"", det).unwrap(),
        sig::backend(SigSuite::Ed25519)
            .sign(b"m", seed.expose(), b"", det)
            .unwrap()
    );
    let mut wrong = pair.clone();
    wrong[40] ^= 1;
    assert_eq!(
        b.sign(b"m", &wrong, b"", det).unwrap_err().code(),
        "INVALID_KEY"
    );
}

/// `lockable_backend_of`: refused exactly where `backend_of` is; for each backend that
/// offers the suite, key pairs that compute the normal ones' bytes, complete where the
/// backend's post-quantum part can be (every ML-DSA; ML-KEM but RustCrypto's).
#[test]
fn lockable_backends_of_each_backend() {
    for backend in Backend::ALL {
        for &suite in KemSuite::ALL {
            let what = format!("{backend} {suite}");
            let Ok(b) = kem::backend_of(suite, backend) else {
                let e = kem::lockable_backend_of(suite, backend)
                    .map(|_| ())
                    .unwrap_err();
                assert_eq!(e.code(), "UNSUPPORTED", "{what}");
                continue;
            };
            let lb = kem::lockable_backend_of(suite, backend).unwrap();
            assert_eq!(lb.suite(), suite, "{what}");
            let kp = KemKeyPair::generate_with(lb, None).unwrap();
            let complete = COMPLETE && backend != Backend::RustCrypto;
            assert_eq!(kp.secret_memory().complete, complete, "{what}");
            let enc = b.encapsulate(kp.public_key(), None).unwrap();
            assert_eq!(
                kp.decapsulate(&enc.cipher_text).unwrap(),
                enc.shared_secret,
                "{what}"
            );
            let normal =
                KemKeyPair::import_with(b, kp.export_secret_key().expose(), kp.public_key())
                    .unwrap();
            let enc = lb.encapsulate(kp.public_key(), None).unwrap();
            assert_eq!(
                normal.decapsulate(&enc.cipher_text).unwrap(),
                enc.shared_secret,
                "{what}"
            );
        }
        for &suite in SigSuite::ALL {
            let what = format!("{backend} {suite}");
            let Ok(b) = sig::backend_of(suite, backend) else {
                let e = sig::lockable_backend_of(suite, backend)
                    .map(|_| ())
                    .unwrap_err();
                assert_eq!(e.code(), "UNSUPPORTED", "{what}");
                continue;
            };
            let lb = sig::lockable_backend_of(suite, backend).unwrap();
            assert_eq!(lb.suite(), suite, "{what}");
            let kp = SigKeyPair::generate_with(lb, None).unwrap();
            assert_eq!(kp.secret_memory().complete, COMPLETE, "{what}");
            let ctx: &[u8] = if suite == SigSuite::Ed25519 {
                b""
            } else {
                b"c"
            };
            let s = kp.sign(b"m", ctx, SignRandomness::Hedged).unwrap();
            assert!(
                b.verify(&s, b"m", kp.public_key(), ctx).unwrap().valid,
                "{what}"
            );
            if backend != Backend::PqClean {
                let normal =
                    SigKeyPair::import_with(b, kp.export_secret_key().expose(), kp.public_key())
                        .unwrap();
                let det = SignRandomness::Deterministic;
                assert_eq!(
                    kp.sign(b"d", ctx, det).unwrap(),
                    normal.sign(b"d", ctx, det).unwrap(),
                    "{what}"
                );
            }
        }
    }
}
