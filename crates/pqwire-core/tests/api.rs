//! Behaviour of the public API on good and bad input: round trips, every length and
//! range check, tampering, typed error codes, and redaction of secrets in `Debug`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use pqwire_core::kdf::{self, HkdfHash};
use pqwire_core::kem::{self, KemKeyPair};
use pqwire_core::sig::{self, SigKeyPair, SignRandomness};
use pqwire_core::{aead, x25519, AeadSuite, Error, KemSuite, SigSuite};

fn code<T>(r: pqwire_core::Result<T>) -> &'static str {
    match r {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.code(),
    }
}

#[test]
fn every_kem_round_trips_and_is_deterministic_when_seeded() {
    for &suite in KemSuite::ALL {
        let k = kem::backend(suite);
        let l = k.lengths();
        let seed = vec![7u8; l.keygen_seed];
        let (pk, sk) = k.keygen(Some(&seed)).unwrap();
        let (pk2, sk2) = k.keygen(Some(&seed)).unwrap();
        assert_eq!(
            (pk.len(), sk.len()),
            (l.public_key, l.secret_key),
            "{suite}"
        );
        assert_eq!(pk, pk2, "{suite}");
        assert_eq!(sk, sk2, "{suite}");
        let r = vec![9u8; l.encapsulation_randomness];
        let e1 = k.encapsulate(&pk, Some(&r)).unwrap();
        let e2 = k.encapsulate(&pk, Some(&r)).unwrap();
        assert_eq!(e1.cipher_text, e2.cipher_text, "{suite}");
        assert_eq!(e1.cipher_text.len(), l.cipher_text);
        assert_eq!(
            k.decapsulate(&e1.cipher_text, sk.expose()).unwrap(),
            e1.shared_secret
        );
        let fresh = k.encapsulate(&pk, None).unwrap();
        assert_ne!(
            fresh.cipher_text, e1.cipher_text,
            "{suite}: OS randomness must differ"
        );
    }
}

#[test]
fn every_kem_refuses_wrong_lengths() {
    for &suite in KemSuite::ALL {
        let k = kem::backend(suite);
        let l = k.lengths();
        let (pk, sk) = k.keygen(None).unwrap();
        let ct = k.encapsulate(&pk, None).unwrap().cipher_text;
        assert_eq!(
            code(k.keygen(Some(&vec![0; l.keygen_seed + 1]))),
            "BAD_LENGTH"
        );
        assert_eq!(code(k.encapsulate(&pk[1..], None)), "BAD_LENGTH");
        assert_eq!(code(k.encapsulate(&pk, Some(&[0; 3]))), "BAD_LENGTH");
        assert_eq!(code(k.decapsulate(&ct[1..], sk.expose())), "BAD_LENGTH");
        assert_eq!(
            code(k.decapsulate(&[ct.clone(), vec![0]].concat(), sk.expose())),
            "BAD_LENGTH"
        );
        assert_eq!(code(k.decapsulate(&ct, &sk.expose()[1..])), "BAD_LENGTH");
    }
}

#[test]
fn tampered_kem_ciphertexts_give_a_different_secret() {
    for &suite in KemSuite::ALL.iter().filter(|s| **s != KemSuite::X25519) {
        let k = kem::backend(suite);
        let (pk, sk) = k.keygen(None).unwrap();
        let e = k.encapsulate(&pk, None).unwrap();
        // first byte (ML-KEM part) and last byte (X25519 part of a hybrid)
        for i in [0, e.cipher_text.len() - 1] {
            let mut ct = e.cipher_text.clone();
            ct[i] ^= 1;
            let ss = k.decapsulate(&ct, sk.expose()).unwrap();
            assert_ne!(ss, e.shared_secret, "{suite} byte {i}");
        }
    }
}

#[test]
fn ml_kem_key_checks_fire() {
    for suite in [KemSuite::MlKem512, KemSuite::MlKem768, KemSuite::MlKem1024] {
        let k = kem::backend(suite);
        let (mut pk, sk) = k.keygen(None).unwrap();
        pk[0] = 0xFF;
        pk[1] |= 0x0F; // first coefficient = 4095 >= q
        assert_eq!(code(k.encapsulate(&pk, None)), "INVALID_KEY", "{suite}");
        assert_eq!(code(k.check_public_key(&pk)), "INVALID_KEY");
        let mut dk = sk.expose().to_vec();
        let h_at = dk.len() - 64; // H(ek) sits before z
        dk[h_at] ^= 1;
        let ct = vec![0u8; k.lengths().cipher_text];
        assert_eq!(code(k.decapsulate(&ct, &dk)), "INVALID_KEY");
    }
}

#[test]
fn x25519_refuses_low_order_points() {
    let (sk, _) = x25519::keygen(None).unwrap();
    assert_eq!(
        code(x25519::shared_secret(sk.expose(), &[0u8; 32])),
        "NON_CONTRIBUTORY"
    );
    let k = kem::backend(KemSuite::X25519);
    assert_eq!(code(k.encapsulate(&[0u8; 32], None)), "NON_CONTRIBUTORY");
    let (_, ksk) = k.keygen(None).unwrap();
    assert_eq!(
        code(k.decapsulate(&[0u8; 32], ksk.expose())),
        "NON_CONTRIBUTORY"
    );
}

#[test]
fn kem_key_pair_handles_decapsulate_and_refuse_mismatched_imports() {
    let kp = KemKeyPair::generate(KemSuite::MlKem768, None).unwrap();
    let k = kem::backend(KemSuite::MlKem768);
    let e = k.encapsulate(kp.public_key(), None).unwrap();
    assert_eq!(kp.decapsulate(&e.cipher_text).unwrap(), e.shared_secret);
    let exported = kp.export_secret_key();
    let again = KemKeyPair::import(KemSuite::MlKem768, exported.expose(), kp.public_key()).unwrap();
    assert_eq!(again.decapsulate(&e.cipher_text).unwrap(), e.shared_secret);
    let other = KemKeyPair::generate(KemSuite::MlKem768, None).unwrap();
    assert_eq!(
        code(KemKeyPair::import(
            KemSuite::MlKem768,
            exported.expose(),
            other.public_key()
        )),
        "INVALID_KEY"
    );
    let debug = format!("{kp:?}");
    assert!(debug.contains("REDACTED"), "{debug}");
    assert!(
        !debug.contains(&format!("{:?}", &exported.expose()[..8])),
        "{debug}"
    );
}

#[test]
fn every_signature_suite_signs_verifies_and_reports_halves() {
    for &suite in SigSuite::ALL {
        let s = sig::backend(suite);
        let l = s.lengths();
        let (pk, sk) = s.keygen(Some(&[3u8; 32])).unwrap();
        assert_eq!((pk.len(), sk.len()), (l.public_key, l.secret_key));
        let ctx: &[u8] = if suite == SigSuite::Ed25519 {
            b""
        } else {
            b"ctx"
        };
        let signature = s
            .sign(b"msg", sk.expose(), ctx, SignRandomness::Deterministic)
            .unwrap();
        assert_eq!(signature.len(), l.signature);
        let again = s
            .sign(b"msg", sk.expose(), ctx, SignRandomness::Deterministic)
            .unwrap();
        assert_eq!(
            signature, again,
            "{suite}: deterministic signing must repeat"
        );
        let v = s.verify(&signature, b"msg", &pk, ctx).unwrap();
        assert!(v.valid, "{suite}");
        assert_eq!(
            v.classic_valid,
            suite == SigSuite::Ed25519 || suite.is_hybrid()
        );
        assert_eq!(v.quantum_valid, suite.is_post_quantum());
        assert!(!s.verify(&signature, b"msh", &pk, ctx).unwrap().valid);
        assert!(!s.verify(&signature[1..], b"msg", &pk, ctx).unwrap().valid);
        assert_eq!(
            code(s.verify(&signature, b"msg", &pk[1..], ctx)),
            "BAD_LENGTH"
        );
        if suite != SigSuite::Ed25519 {
            assert!(!s.verify(&signature, b"msg", &pk, b"other").unwrap().valid);
            let long = [0u8; 256];
            assert_eq!(
                code(s.sign(b"m", sk.expose(), &long, SignRandomness::Hedged)),
                "INVALID_ARGUMENT"
            );
            let r1 = s
                .sign(b"m", sk.expose(), b"", SignRandomness::Given(&[1; 32]))
                .unwrap();
            let r2 = s
                .sign(b"m", sk.expose(), b"", SignRandomness::Given(&[2; 32]))
                .unwrap();
            assert_ne!(r1, r2);
            let short = [1u8; 31];
            assert_eq!(
                code(s.sign(b"m", sk.expose(), b"", SignRandomness::Given(&short))),
                "BAD_LENGTH"
            );
        }
    }
}

#[test]
fn hybrid_signatures_report_each_half() {
    for suite in [SigSuite::Ed25519MlDsa65, SigSuite::Ed25519MlDsa87] {
        let s = sig::backend(suite);
        let (pk, sk) = s.keygen(None).unwrap();
        let signature = s
            .sign(b"m", sk.expose(), b"", SignRandomness::Hedged)
            .unwrap();
        let mut classic_broken = signature.clone();
        classic_broken[0] ^= 1;
        let v = s.verify(&classic_broken, b"m", &pk, b"").unwrap();
        assert!(!v.valid && !v.classic_valid && v.quantum_valid, "{suite}");
        let mut quantum_broken = signature.clone();
        quantum_broken[100] ^= 1;
        let v = s.verify(&quantum_broken, b"m", &pk, b"").unwrap();
        assert!(!v.valid && v.classic_valid && !v.quantum_valid, "{suite}");
    }
}

#[test]
fn hybrid_halves_do_not_verify_alone() {
    let h = sig::backend(SigSuite::Ed25519MlDsa65);
    let (pk, sk) = h.keygen(None).unwrap();
    let signature = h
        .sign(b"m", sk.expose(), b"", SignRandomness::Hedged)
        .unwrap();
    let ed = sig::backend(SigSuite::Ed25519)
        .verify(&signature[..64], b"m", &pk[..32], b"")
        .unwrap();
    let ml = sig::backend(SigSuite::MlDsa65)
        .verify(&signature[64..], b"m", &pk[32..], b"")
        .unwrap();
    assert!(!ed.valid && !ml.valid);
}

#[test]
fn ed25519_refuses_context_and_given_randomness() {
    let s = sig::backend(SigSuite::Ed25519);
    let (pk, sk) = s.keygen(None).unwrap();
    assert_eq!(
        code(s.sign(b"m", sk.expose(), b"c", SignRandomness::Hedged)),
        "INVALID_ARGUMENT"
    );
    let r = [0u8; 32];
    assert_eq!(
        code(s.sign(b"m", sk.expose(), b"", SignRandomness::Given(&r))),
        "INVALID_ARGUMENT"
    );
    assert_eq!(
        code(s.verify(&[0; 64], b"m", &pk, b"c")),
        "INVALID_ARGUMENT"
    );
}

#[test]
fn ml_dsa_secret_keys_with_out_of_range_coefficients_are_refused() {
    for suite in [SigSuite::MlDsa44, SigSuite::MlDsa65, SigSuite::MlDsa87] {
        let s = sig::backend(suite);
        let (_, sk) = s.keygen(None).unwrap();
        let mut bad = sk.expose().to_vec();
        bad[128] = 0xFF; // first packed s1 coefficients all ones: above 2*eta
        assert_eq!(code(s.load_secret_key(&bad)), "INVALID_KEY", "{suite}");
        assert_eq!(code(s.load_secret_key(&bad[1..])), "BAD_LENGTH");
    }
}

#[test]
fn sig_key_pairs_sign_and_refuse_mismatched_imports() {
    let suite = SigSuite::Ed25519MlDsa65;
    let kp = SigKeyPair::generate(suite, None).unwrap();
    let signature = kp.sign(b"m", b"", SignRandomness::Hedged).unwrap();
    assert!(
        sig::backend(suite)
            .verify(&signature, b"m", kp.public_key(), b"")
            .unwrap()
            .valid
    );
    let other = SigKeyPair::generate(suite, None).unwrap();
    let sk = kp.export_secret_key();
    assert_eq!(
        code(SigKeyPair::import(suite, sk.expose(), other.public_key())),
        "INVALID_KEY"
    );
    assert!(SigKeyPair::import(suite, sk.expose(), kp.public_key()).is_ok());
    assert!(format!("{kp:?}").contains("REDACTED"));
}

#[test]
fn aead_tampering_and_lengths() {
    for &suite in AeadSuite::ALL {
        let a = aead::algorithm(suite);
        let (key, nonce) = ([1u8; 32], [2u8; 12]);
        let ct = a.seal(&key, &nonce, b"plaintext", b"ad").unwrap();
        assert_eq!(a.open(&key, &nonce, &ct, b"ad").unwrap(), b"plaintext");
        for i in [0, ct.len() - 1] {
            let mut t = ct.clone();
            t[i] ^= 0x80;
            assert_eq!(
                code(a.open(&key, &nonce, &t, b"ad")),
                "AUTH_FAILED",
                "{suite}"
            );
        }
        assert_eq!(code(a.open(&key, &nonce, &ct, b"AD")), "AUTH_FAILED");
        assert_eq!(code(a.open(&key, &[3u8; 12], &ct, b"ad")), "AUTH_FAILED");
        assert_eq!(code(a.open(&key, &nonce, &ct[..15], b"ad")), "BAD_LENGTH");
        assert_eq!(code(a.seal(&key[..16], &nonce, b"p", b"")), "BAD_LENGTH");
        assert_eq!(code(a.seal(&key, &nonce[..8], b"p", b"")), "BAD_LENGTH");
    }
}

#[test]
fn hkdf_limits() {
    assert_eq!(
        kdf::hkdf(HkdfHash::Sha256, b"k", b"", b"", 255 * 32)
            .unwrap()
            .len(),
        8160
    );
    assert_eq!(
        code(kdf::hkdf(HkdfHash::Sha256, b"k", b"", b"", 255 * 32 + 1)),
        "OUTPUT_TOO_LONG"
    );
    assert_eq!(
        code(kdf::hkdf(HkdfHash::Sha512, b"k", b"", b"", 255 * 64 + 1)),
        "OUTPUT_TOO_LONG"
    );
    assert_eq!(
        code(kdf::expand(HkdfHash::Sha256, &[0; 31], b"", 32)),
        "INVALID_ARGUMENT"
    );
    assert_eq!(code(HkdfHash::from_name("md5")), "UNKNOWN_SUITE");
}

#[test]
fn error_codes_are_distinct_and_messages_hold_no_secrets() {
    // The primitives' errors, by cause: malformed input, keys, authentication, backend.
    let errors = [
        Error::UnknownSuite { name: "x".into() },
        Error::InvalidArgument { what: "x" },
        Error::BadLength {
            what: "x",
            expected: 1,
            actual: 2,
        },
        Error::OutputTooLong {
            max: 1,
            requested: 2,
        },
        Error::InvalidKey { what: "x" },
        Error::NonContributory,
        Error::AuthenticationFailed,
        Error::Unsupported { what: "x" },
        Error::RandomnessUnavailable,
    ];
    let mut codes: Vec<_> = errors.iter().map(Error::code).collect();
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), errors.len());
    // A wrong-length secret key is reported by its size only.
    let sk = [0xABu8; 31];
    let err = sig::backend(SigSuite::Ed25519)
        .sign(b"m", &sk, b"", SignRandomness::Hedged)
        .unwrap_err();
    let msg = err.to_string();
    assert!(
        !msg.to_lowercase().contains("abab") && !msg.contains("171"),
        "{msg}"
    );
}

#[test]
fn public_keys_derive_from_secret_keys() {
    for &suite in SigSuite::ALL {
        let s = sig::backend(suite);
        let (pk, sk) = s.keygen(None).unwrap();
        assert_eq!(s.public_key(sk.expose()).unwrap(), pk, "{suite}");
        assert_eq!(code(s.public_key(&sk.expose()[1..])), "BAD_LENGTH");
    }
}
