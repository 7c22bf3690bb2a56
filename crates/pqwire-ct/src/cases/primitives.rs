//! The cases of the primitives: KEM decapsulation, signatures, X25519, the AEADs and HKDF,
//! on every backend pqwire has for them (the second implementations through
//! pqwire-core's `test-support` feature).

use super::{all_secret, declassified, ensure, err, opened, with_secret, Case, Outcome};
use crate::memcheck::{public, unreported};
use pqwire_core::kdf::{self, HkdfHash};
use pqwire_core::kem::{self, KemBackend};
use pqwire_core::sig::{self, SigBackend, SignRandomness};
use pqwire_core::{aead, x25519, AeadSuite, Backend, KemSuite, SigSuite};
use std::hint::black_box;

// --- KEM decapsulation -----------------------------------------------------------------

/// The secret parts of a KEM secret key: for ML-KEM's expanded `dk` = `dk_PKE ‖ ek ‖ H(ek)
/// ‖ z`, the vector s and z (ek and its hash are public); the hybrids' and X25519's keys
/// are secret whole.
pub(super) fn kem_secret_ranges(suite: KemSuite, len: usize) -> Vec<core::ops::Range<usize>> {
    let k = match suite {
        KemSuite::MlKem512 => 2,
        KemSuite::MlKem768 => 3,
        KemSuite::MlKem1024 => 4,
        _ => return vec![0..len],
    };
    vec![0..384 * k, len - 32..len]
}

/// The backends an application can choose besides the default.
const CHOICES: [Backend; 3] = [Backend::Libcrux, Backend::RustCrypto, Backend::PqClean];

/// Every implementation of `suite`, with the name of the ML-KEM (or X25519) code
/// underneath (the hybrids' own `backend_name` is "pqwire"). The default backend is one of
/// them (AWS-LC for ML-KEM, libcrux for the hybrids); only X25519 has no other.
fn kem_backends(suite: KemSuite) -> Vec<(&'static str, &'static dyn KemBackend)> {
    let mut listed: Vec<(&'static str, &'static dyn KemBackend)> = Vec::new();
    listed.extend(kem::aws_lc_backend(suite).map(|b| ("aws-lc", b)));
    for b in CHOICES {
        listed.extend(kem::backend_of(suite, b).ok().map(|k| (b.name(), k)));
    }
    if listed.is_empty() {
        vec![("aws-lc", kem::backend(suite))]
    } else {
        listed
    }
}

pub(super) fn kem_cases(cases: &mut Vec<Case>) {
    for suite in [
        KemSuite::MlKem512,
        KemSuite::MlKem768,
        KemSuite::MlKem1024,
        KemSuite::XWing,
        KemSuite::X25519MlKem512,
        KemSuite::X25519MlKem1024,
        KemSuite::X25519,
    ] {
        for (label, backend) in kem_backends(suite) {
            for tampered in [false, true] {
                let name = format!(
                    "kem/{}/{label}/decapsulate-{}",
                    suite.name(),
                    if tampered { "tampered" } else { "valid" }
                );
                cases.push(Case::new(name, move || kem_decapsulate(backend, tampered)));
            }
        }
    }
}

/// Loads a secret key and decapsulates a valid or tampered ciphertext with it.
fn kem_decapsulate(backend: &'static dyn KemBackend, tampered: bool) -> Outcome {
    let suite = backend.suite();
    let (pk, sk) = backend.keygen(None).map_err(err)?;
    let enc = backend.encapsulate(&pk, None).map_err(err)?;
    let mut ct = enc.cipher_text.clone();
    if tampered {
        if let Some(b) = ct.first_mut() {
            *b ^= 1;
        }
    }
    let sk = with_secret(sk.expose(), &kem_secret_ranges(suite, sk.expose().len()));

    let ss = backend
        .load_secret_key(&sk)
        .and_then(|d| d.decapsulate(&ct))
        .map_err(err)?;

    let same = declassified(ss.expose()) == enc.shared_secret.expose();
    ensure(
        same != tampered,
        "decapsulation gave the wrong secret (valid: must match; tampered: must not)",
    )
}

// --- signatures ------------------------------------------------------------------------

/// The secret parts of an expanded ML-DSA key `ρ ‖ K ‖ tr ‖ s1 ‖ s2 ‖ t0`: K and from s1
/// on (ρ and tr = H(pk) are public), shifted by `offset` (the hybrids' Ed25519 seed).
fn ml_dsa_secret_ranges(offset: usize, len: usize) -> Vec<core::ops::Range<usize>> {
    vec![offset + 32..offset + 64, offset + 128..len]
}

fn sig_secret_ranges(suite: SigSuite, len: usize) -> Vec<core::ops::Range<usize>> {
    match suite {
        SigSuite::Ed25519 => vec![0..len],
        SigSuite::MlDsa44 | SigSuite::MlDsa65 | SigSuite::MlDsa87 => ml_dsa_secret_ranges(0, len),
        SigSuite::Ed25519MlDsa65 | SigSuite::Ed25519MlDsa87 => {
            let mut r = vec![0..32];
            r.extend(ml_dsa_secret_ranges(32, len));
            r
        }
    }
}

fn sig_backends(suite: SigSuite) -> Vec<(&'static str, &'static dyn SigBackend)> {
    let mut out = Vec::new();
    if suite == SigSuite::Ed25519 {
        out.push(("aws-lc", sig::backend(suite)));
    }
    for b in CHOICES {
        out.extend(sig::backend_of(suite, b).ok().map(|s| (b.name(), s)));
    }
    out
}

pub(super) fn sig_cases(cases: &mut Vec<Case>) {
    for suite in [
        SigSuite::MlDsa44,
        SigSuite::MlDsa65,
        SigSuite::MlDsa87,
        SigSuite::Ed25519,
        SigSuite::Ed25519MlDsa65,
        SigSuite::Ed25519MlDsa87,
    ] {
        for (label, backend) in sig_backends(suite) {
            if suite != SigSuite::Ed25519 {
                cases.push(Case::new(
                    format!("sig/{}/{label}/load-secret-key", suite.name()),
                    move || sig_load(backend),
                ));
            }
            cases.push(Case::new(
                format!("sig/{}/{label}/sign", suite.name()),
                move || sig_sign(backend),
            ));
        }
    }
}

/// A freshly generated key pair (the PQClean backend has random key generation only).
fn sig_keygen(backend: &dyn SigBackend) -> Result<(Vec<u8>, Vec<u8>), String> {
    let (pk, sk) = backend.keygen(None).map_err(err)?;
    Ok((pk, sk.expose().to_vec()))
}

/// Loads (parses and checks) a secret key.
fn sig_load(backend: &'static dyn SigBackend) -> Outcome {
    let (_, sk) = sig_keygen(backend)?;
    let sk = with_secret(&sk, &sig_secret_ranges(backend.suite(), sk.len()));
    let loaded = backend.load_secret_key(&sk).map_err(err)?;
    drop(black_box(loaded));
    Ok(())
}

/// Signs with a loaded key and secret randomness (hedged PQClean takes its own).
fn sig_sign(backend: &'static dyn SigBackend) -> Outcome {
    let suite = backend.suite();
    let (pk, sk) = sig_keygen(backend)?;
    let sk = with_secret(&sk, &sig_secret_ranges(suite, sk.len()));
    // Ed25519 loads and signs in one step below; ML-DSA loading has its own case.
    let signer = if suite == SigSuite::Ed25519 {
        backend.load_secret_key(&sk)
    } else {
        unreported(|| backend.load_secret_key(&sk))
    }
    .map_err(err)?;
    let rnd = all_secret(&[0x42; 32]);
    let randomness = if suite == SigSuite::Ed25519 || backend.backend_name() == "pqclean" {
        SignRandomness::Hedged
    } else {
        SignRandomness::Given(&rnd)
    };
    let message = b"pqwire constant-time check";

    let mut signature = signer.sign(message, b"", randomness).map_err(err)?;

    public(&mut signature);
    let v = backend.verify(&signature, message, &pk, b"").map_err(err)?;
    ensure(v.valid, "the signature does not verify")
}

// --- X25519 ----------------------------------------------------------------------------

pub(super) fn x25519_cases(cases: &mut Vec<Case>) {
    cases.push(Case::new("x25519/aws-lc/shared-secret".into(), || {
        let (a, a_pub) = x25519::keygen(None).map_err(err)?;
        let (b, b_pub) = x25519::keygen(None).map_err(err)?;
        let a = all_secret(a.expose());

        let ss = x25519::shared_secret(&a, &b_pub).map_err(err)?;

        let expected = x25519::shared_secret(b.expose(), &a_pub).map_err(err)?;
        ensure(
            declassified(ss.expose()) == expected.expose(),
            "the two sides disagree",
        )
    }));
}

// --- AEAD ------------------------------------------------------------------------------

pub(super) fn aead_cases(cases: &mut Vec<Case>) {
    for suite in [AeadSuite::ChaCha20Poly1305, AeadSuite::Aes256Gcm] {
        for (label, reference) in [("aws-lc", false), ("rustcrypto", true)] {
            for forged in [false, true] {
                let name = format!(
                    "aead/{}/{label}/open-{}",
                    suite.name(),
                    if forged { "forged-tag" } else { "valid" }
                );
                cases.push(Case::new(name, move || aead_open(suite, reference, forged)));
            }
        }
    }
}

fn aead_open(suite: AeadSuite, reference: bool, forged: bool) -> Outcome {
    let alg = if reference {
        aead::reference(suite)
    } else {
        aead::algorithm(suite)
    };
    let key = [0x17u8; aead::KEY_LEN];
    let nonce = [0x03u8; aead::NONCE_LEN];
    let plaintext = b"a message of a few blocks for the constant-time check, 64 bytes.";
    let mut sealed = alg.seal(&key, &nonce, plaintext, b"ad").map_err(err)?;
    if forged {
        if let Some(last) = sealed.last_mut() {
            *last ^= 0x80;
        }
    }
    let key = all_secret(&key);

    opened(
        alg.open(&key, &nonce, &sealed, b"ad"),
        forged,
        plaintext,
        "ciphertext",
    )
}

// --- HKDF ------------------------------------------------------------------------------

pub(super) fn hkdf_cases(cases: &mut Vec<Case>) {
    for (label, hash) in [
        ("HKDF-SHA256", HkdfHash::Sha256),
        ("HKDF-SHA512", HkdfHash::Sha512),
    ] {
        cases.push(Case::new(
            format!("kdf/{label}/extract-expand"),
            move || {
                let ikm = all_secret(&[0x0b; 48]);

                let okm = kdf::hkdf(hash, &ikm, b"salt", b"info", 80).map_err(err)?;

                let again = kdf::hkdf(hash, &[0x0b; 48], b"salt", b"info", 80).map_err(err)?;
                ensure(
                    declassified(okm.expose()) == again.expose(),
                    "HKDF is not deterministic",
                )
            },
        ));
    }
}
