//! Backend selection (`kem::backend_of`, `sig::backend_of`, `Backend`): which backend
//! offers which suite, the defaults of the default and of the pure-Rust build, and that
//! every backend runs the same key checks and gives the same bytes where it takes seeds.
//! Runs in both builds: `cargo test -p pqwire-core` and, without AWS-LC and PQClean,
//! `--no-default-features --features pure-rust`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use pqwire_core::sig::{self, SignRandomness};
use pqwire_core::{kem, Backend, KemSuite, SigSuite};

fn code<T>(r: pqwire_core::Result<T>) -> &'static str {
    match r {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.code(),
    }
}

/// Whether `backend` implements the KEM `suite` (docs/primitives.md, "Backends and why").
fn offers_kem(backend: Backend, suite: KemSuite) -> bool {
    match backend {
        Backend::Default => true,
        Backend::Libcrux | Backend::RustCrypto => suite != KemSuite::X25519,
        Backend::PqClean => !suite.is_hybrid() && suite.is_post_quantum(),
    }
}

/// Whether `backend` implements the signature `suite`.
fn offers_sig(backend: Backend, suite: SigSuite) -> bool {
    match backend {
        Backend::Default => true,
        Backend::Libcrux | Backend::RustCrypto => suite != SigSuite::Ed25519,
        Backend::PqClean => !suite.is_hybrid() && suite.is_post_quantum(),
    }
}

/// A lookup found the suite (`Ok(true)`: the implementation of that suite) exactly when
/// the backend is built and offers it, and is `UNSUPPORTED` otherwise.
fn expect(found: pqwire_core::Result<bool>, built_and_offered: bool, what: String) {
    match found {
        Ok(right_suite) => assert!(built_and_offered && right_suite, "{what}"),
        Err(e) => {
            assert!(!built_and_offered, "{what}: {e}");
            assert_eq!(e.code(), "UNSUPPORTED", "{what}");
        }
    }
}

#[test]
fn each_backend_offers_its_suites_when_built_and_nothing_else() {
    for backend in Backend::ALL {
        for &suite in KemSuite::ALL {
            expect(
                kem::backend_of(suite, backend).map(|k| k.suite() == suite),
                backend.is_built() && offers_kem(backend, suite),
                format!("{backend} {suite}"),
            );
        }
        for &suite in SigSuite::ALL {
            expect(
                sig::backend_of(suite, backend).map(|s| s.suite() == suite),
                backend.is_built() && offers_sig(backend, suite),
                format!("{backend} {suite}"),
            );
        }
    }
}

#[test]
fn the_build_has_the_backends_of_its_features() {
    assert!(Backend::Default.is_built());
    assert_eq!(Backend::Libcrux.is_built(), cfg!(feature = "libcrux"));
    assert_eq!(Backend::RustCrypto.is_built(), cfg!(feature = "rustcrypto"));
    assert_eq!(Backend::PqClean.is_built(), cfg!(feature = "pqclean"));
}

/// The default build: AWS-LC's ML-KEM and Ed25519, libcrux's ML-DSA and hybrids.
#[cfg(all(feature = "aws-lc", feature = "libcrux"))]
#[test]
fn the_defaults_are_aws_lc_and_libcrux() {
    for suite in [KemSuite::MlKem512, KemSuite::MlKem768, KemSuite::MlKem1024] {
        let default = kem::backend(suite);
        assert!(std::ptr::addr_eq(
            default,
            kem::aws_lc_backend(suite).unwrap()
        ));
        assert_eq!(default.backend_name(), "aws-lc");
    }
    assert!(kem::aws_lc_backend(KemSuite::XWing).is_none());
    assert_eq!(sig::backend(SigSuite::Ed25519).backend_name(), "aws-lc");
    the_rest_is_libcrux();
}

/// The pure-Rust build: libcrux everywhere it can, `ed25519-dalek` for Ed25519.
#[cfg(all(not(feature = "aws-lc"), feature = "libcrux"))]
#[test]
fn the_pure_rust_defaults_are_libcrux_and_dalek() {
    for suite in [KemSuite::MlKem512, KemSuite::MlKem768, KemSuite::MlKem1024] {
        let default = kem::backend(suite);
        let libcrux = kem::backend_of(suite, Backend::Libcrux).unwrap();
        assert!(std::ptr::addr_eq(default, libcrux), "{suite}");
    }
    assert_eq!(sig::backend(SigSuite::Ed25519).backend_name(), "dalek");
    the_rest_is_libcrux();
}

/// The hybrid KEMs and every ML-DSA suite default to libcrux (inside pqwire's
/// construction for the hybrids).
#[cfg(feature = "libcrux")]
fn the_rest_is_libcrux() {
    for &suite in KemSuite::ALL.iter().filter(|s| s.is_hybrid()) {
        let libcrux = kem::backend_of(suite, Backend::Libcrux).unwrap();
        assert!(std::ptr::addr_eq(kem::backend(suite), libcrux), "{suite}");
        assert_eq!(libcrux.backend_name(), "pqwire");
    }
    for &suite in SigSuite::ALL.iter().filter(|s| s.is_post_quantum()) {
        let libcrux = sig::backend_of(suite, Backend::Libcrux).unwrap();
        assert!(std::ptr::addr_eq(sig::backend(suite), libcrux), "{suite}");
    }
    assert_eq!(sig::backend(SigSuite::MlDsa65).backend_name(), "libcrux");
    assert_eq!(kem::backend(KemSuite::XWing).backend_name(), "pqwire");
}

#[cfg(all(feature = "libcrux", feature = "rustcrypto"))]
#[test]
fn libcrux_and_rustcrypto_give_the_same_bytes() {
    for &suite in KemSuite::ALL.iter().filter(|&&s| s != KemSuite::X25519) {
        let lc = kem::backend_of(suite, Backend::Libcrux).unwrap();
        let rc = kem::backend_of(suite, Backend::RustCrypto).unwrap();
        assert_eq!(lc.lengths(), rc.lengths(), "{suite}");
        let seed = vec![7u8; lc.lengths().keygen_seed];
        assert_eq!(
            lc.keygen(Some(&seed)).unwrap(),
            rc.keygen(Some(&seed)).unwrap()
        );
    }
    assert_eq!(
        kem::backend_of(KemSuite::MlKem768, Backend::RustCrypto)
            .unwrap()
            .backend_name(),
        "rustcrypto"
    );
    for &suite in SigSuite::ALL.iter().filter(|&&s| s != SigSuite::Ed25519) {
        let lc = sig::backend_of(suite, Backend::Libcrux).unwrap();
        let rc = sig::backend_of(suite, Backend::RustCrypto).unwrap();
        let (pk, sk) = lc.keygen(Some(&[9u8; 32])).unwrap();
        assert_eq!(
            (pk.clone(), sk.clone()),
            rc.keygen(Some(&[9u8; 32])).unwrap()
        );
        let a = lc.sign(b"m", sk.expose(), b"c", SignRandomness::Deterministic);
        let b = rc.sign(b"m", sk.expose(), b"c", SignRandomness::Deterministic);
        assert_eq!(a.unwrap(), b.unwrap(), "{suite}");
    }
}

#[cfg(feature = "libcrux")]
#[test]
fn libcrux_backends_run_the_same_key_checks() {
    let lc = kem::backend_of(KemSuite::MlKem768, Backend::Libcrux).unwrap();
    let (mut pk, sk) = lc.keygen(None).unwrap();
    // A coefficient of 0xFFF (≥ q) fails the modulus check, on its own and in encapsulation.
    pk[0] = 0xFF;
    pk[1] |= 0x0F;
    assert_eq!(code(lc.check_public_key(&pk)), "INVALID_KEY");
    assert_eq!(code(lc.encapsulate(&pk, Some(&[0; 32]))), "INVALID_KEY");
    // A decapsulation key whose embedded hash H(ek) is wrong fails the hash check.
    let mut bad = sk.expose().to_vec();
    let h = bad.len() - 64;
    bad[h] ^= 1;
    assert_eq!(code(lc.load_secret_key(&bad).map(|_| ())), "INVALID_KEY");
    assert_eq!(code(lc.decapsulate(&[0; 1088], &bad)), "INVALID_KEY");
    // ML-DSA: an s1 coefficient out of range.
    let s = sig::backend_of(SigSuite::MlDsa65, Backend::Libcrux).unwrap();
    let (_, sk) = s.keygen(None).unwrap();
    let mut bad = sk.expose().to_vec();
    bad[128] = 0xFF;
    assert_eq!(code(s.load_secret_key(&bad).map(|_| ())), "INVALID_KEY");
}

/// libcrux's modulus check (the seeded backends') and RustCrypto's give the same verdict
/// on every coefficient at the boundary, at the start, middle and end of each key.
#[cfg(all(feature = "libcrux", feature = "rustcrypto"))]
#[test]
fn libcrux_and_rustcrypto_modulus_checks_agree() {
    for suite in [KemSuite::MlKem512, KemSuite::MlKem768, KemSuite::MlKem1024] {
        let lc = kem::backend_of(suite, Backend::Libcrux).unwrap();
        let rc = kem::backend_of(suite, Backend::RustCrypto).unwrap();
        let (pk, _) = lc.keygen(Some(&[3; 64])).unwrap();
        let t_len = pk.len() - 32; // ByteEncode12(t) ‖ ρ
        for at in [0, t_len / 2 - (t_len / 2) % 3, t_len - 3] {
            for value in [0u16, 1, 3328, 3329, 3330, 4095] {
                for second in [false, true] {
                    let mut k = pk.clone();
                    // Two 12-bit coefficients in three bytes.
                    if second {
                        k[at + 1] = (k[at + 1] & 0x0F) | ((value & 0x0F) as u8) << 4;
                        k[at + 2] = (value >> 4) as u8;
                    } else {
                        k[at] = value as u8;
                        k[at + 1] = (k[at + 1] & 0xF0) | (value >> 8) as u8;
                    }
                    let verdict = |b: &dyn kem::KemBackend| b.check_public_key(&k).is_ok();
                    assert_eq!(verdict(lc), verdict(rc), "{suite} at {at} value {value}");
                    assert_eq!(verdict(lc), value < 3329, "{suite} at {at} value {value}");
                }
            }
        }
    }
}

#[cfg(feature = "pqclean")]
#[test]
fn pqclean_backends_refuse_seeded_operations() {
    let k = kem::backend_of(KemSuite::MlKem768, Backend::PqClean).unwrap();
    assert_eq!(code(k.keygen(Some(&[0; 64]))), "UNSUPPORTED");
    let (pk, _) = k.keygen(None).unwrap();
    assert_eq!(code(k.encapsulate(&pk, Some(&[0; 32]))), "UNSUPPORTED");
    let s = sig::backend_of(SigSuite::MlDsa65, Backend::PqClean).unwrap();
    let (_, sk) = s.keygen(None).unwrap();
    assert_eq!(
        code(s.sign(b"m", sk.expose(), b"", SignRandomness::Deterministic)),
        "UNSUPPORTED"
    );
}

#[cfg(feature = "pqclean")]
#[test]
fn pqclean_public_keys_derive_from_secret_keys() {
    let pq = sig::backend_of(SigSuite::MlDsa44, Backend::PqClean).unwrap();
    let (pk, sk) = pq.keygen(None).unwrap();
    assert_eq!(pq.public_key(sk.expose()).unwrap(), pk);
}

/// A backend not in the build is `UNSUPPORTED`, whatever the suite.
#[cfg(not(feature = "pqclean"))]
#[test]
fn a_backend_left_out_of_the_build_is_unsupported() {
    assert!(!Backend::PqClean.is_built());
    let Err(e) = kem::backend_of(KemSuite::MlKem768, Backend::PqClean) else {
        panic!("PQClean is not built");
    };
    assert_eq!(e.code(), "UNSUPPORTED");
    assert!(e.to_string().contains("not in this build"), "{e}");
}

/// Whether the secret state of a key pair of `suite` made with `backend` is all where
/// pqwire can see it (`secret_memory().complete`): not where AWS-LC holds a key (the
/// default ML-KEM; X25519 and Ed25519, alone and in the hybrids, when AWS-LC is built),
/// nor in RustCrypto's `ml-kem`, which boxes its key in private fields.
fn kem_complete(backend: Backend, suite: KemSuite) -> bool {
    let aws_lc = cfg!(feature = "aws-lc");
    let x25519 = suite == KemSuite::X25519 || suite.is_hybrid();
    let ml_kem_backend = match backend {
        Backend::Default if aws_lc => Backend::Default,
        Backend::Default if cfg!(feature = "libcrux") => Backend::Libcrux,
        Backend::Default => Backend::RustCrypto,
        b => b,
    };
    let ml_kem_ok = matches!(ml_kem_backend, Backend::Libcrux | Backend::PqClean);
    if suite == KemSuite::X25519 {
        !aws_lc
    } else if x25519 {
        !aws_lc && ml_kem_ok
    } else {
        ml_kem_ok
    }
}

fn sig_complete(suite: SigSuite) -> bool {
    // Every ML-DSA backend keeps its key inline (or, PQClean's, in one heap place).
    suite.is_post_quantum() && !suite.is_hybrid() || !cfg!(feature = "aws-lc")
}

#[test]
fn key_pairs_use_the_backend_they_are_made_with_and_report_their_secret_memory() {
    for backend in Backend::ALL {
        for &suite in KemSuite::ALL {
            let Ok(b) = kem::backend_of(suite, backend) else {
                continue;
            };
            let what = format!("{backend} {suite}");
            let kp = kem::KemKeyPair::generate_with(b, None).expect(&what);
            assert_eq!(kp.suite(), suite, "{what}");
            // Seeded key generation is the backend's: PQClean refuses it.
            let seed = vec![7; b.lengths().keygen_seed];
            let seeded = kem::KemKeyPair::generate_with(b, Some(&seed));
            assert_eq!(seeded.is_ok(), backend != Backend::PqClean, "{what}");
            let memory = kp.secret_memory();
            assert_eq!(memory.complete, kem_complete(backend, suite), "{what}");
            // At least the secret key's bytes and the parsed key, none empty or overlapping.
            assert!(memory.regions.len() >= 2, "{what}");
            assert_no_overlap(&memory.regions, &what);
            let enc = b.encapsulate(kp.public_key(), None).unwrap();
            assert_eq!(kp.decapsulate(&enc.cipher_text).unwrap(), enc.shared_secret);
            let again =
                kem::KemKeyPair::import_with(b, kp.export_secret_key().expose(), kp.public_key())
                    .expect(&what);
            assert_eq!(again.secret_memory().complete, memory.complete, "{what}");
            assert_eq!(
                again.decapsulate(&enc.cipher_text).unwrap(),
                enc.shared_secret
            );
        }
        for &suite in SigSuite::ALL {
            let Ok(b) = sig::backend_of(suite, backend) else {
                continue;
            };
            let what = format!("{backend} {suite}");
            let kp = sig::SigKeyPair::generate_with(b, None).expect(&what);
            assert_eq!(kp.suite(), suite, "{what}");
            let seeded = sig::SigKeyPair::generate_with(b, Some(&[7; 32]));
            assert_eq!(seeded.is_ok(), backend != Backend::PqClean, "{what}");
            let memory = kp.secret_memory();
            assert_eq!(memory.complete, sig_complete(suite), "{what}");
            assert!(memory.regions.len() >= 2, "{what}");
            assert_no_overlap(&memory.regions, &what);
            let again =
                sig::SigKeyPair::import_with(b, kp.export_secret_key().expose(), kp.public_key())
                    .expect(&what);
            assert_eq!(again.secret_memory().complete, memory.complete, "{what}");
            // Deterministic signing is the backend's too: PQClean refuses it.
            let signed = again.sign(b"m", b"", SignRandomness::Deterministic);
            let hedged_only = backend == Backend::PqClean;
            assert_eq!(
                signed.is_ok(),
                !hedged_only || suite == SigSuite::Ed25519,
                "{what}"
            );
            let s = again.sign(b"m", b"", SignRandomness::Hedged).unwrap();
            assert!(
                b.verify(&s, b"m", kp.public_key(), b"").unwrap().valid,
                "{what}"
            );
        }
    }
}

/// The regions are non-empty and pairwise disjoint.
fn assert_no_overlap(regions: &[(usize, usize)], what: &str) {
    let mut sorted = regions.to_vec();
    sorted.sort_unstable();
    assert!(sorted.iter().all(|&(_, len)| len > 0), "{what}: {sorted:?}");
    for w in sorted.windows(2) {
        assert!(
            w[0].0 + w[0].1 <= w[1].0,
            "{what}: overlapping regions {sorted:?}"
        );
    }
}
