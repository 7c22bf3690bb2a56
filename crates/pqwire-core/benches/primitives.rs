//! Raw Rust figures of the primitives, called the way the Node addon calls them (keys as
//! bytes, fresh randomness), so `benches/run.js` can show what the JavaScript boundary costs.
//!
//! Benchmark ids are `<suite>/<operation>` and match the JavaScript case names with the
//! slash read as a space (`ML-KEM-768/encapsulate` is the case `ML-KEM-768 encapsulate`).
//!
//! ```text
//! cargo bench -p pqwire-core --bench primitives                      # everything
//! cargo bench -p pqwire-core --bench primitives -- ML-KEM-768        # a subset (regex)
//! cargo bench -p pqwire-core --bench primitives -- --output-format bencher
//! cargo bench -p pqwire-core --bench primitives -- backends/       # AWS-LC vs libcrux vs RustCrypto vs PQClean
//! ```

// A bench that cannot set itself up should stop loudly, as a test would.
#![allow(clippy::expect_used)]

use criterion::{criterion_group, criterion_main, Criterion};
use pqwire_core::kem::KemBackend;
use pqwire_core::sig::{SigBackend, SignRandomness};
use pqwire_core::{aead, kem, sig, x25519, AeadSuite, Backend, KemSuite, SigSuite};
use std::hint::black_box;

/// keygen, encapsulate and decapsulate with `k`, each named `id(operation)`.
fn bench_kem(c: &mut Criterion, k: &dyn KemBackend, id: impl Fn(&str) -> String) {
    let (pk, sk) = k.keygen(None).expect("keygen");
    let enc = k.encapsulate(&pk, None).expect("encapsulate");
    c.bench_function(&id("keygen"), |b| b.iter(|| black_box(k.keygen(None))));
    c.bench_function(&id("encapsulate"), |b| {
        b.iter(|| black_box(k.encapsulate(black_box(&pk), None)))
    });
    c.bench_function(&id("decapsulate"), |b| {
        b.iter(|| black_box(k.decapsulate(black_box(&enc.cipher_text), sk.expose())))
    });
}

/// keygen, sign 1 KiB and verify 1 KiB with `s`, each named `id(operation)`.
fn bench_sig(c: &mut Criterion, s: &dyn SigBackend, id: impl Fn(&str) -> String) {
    let msg = [7u8; 1024];
    let (pk, sk) = s.keygen(None).expect("keygen");
    let signature = s
        .sign(&msg, sk.expose(), b"", SignRandomness::Hedged)
        .expect("sign");
    c.bench_function(&id("keygen"), |b| b.iter(|| black_box(s.keygen(None))));
    c.bench_function(&id("sign 1 KiB"), |b| {
        b.iter(|| black_box(s.sign(black_box(&msg), sk.expose(), b"", SignRandomness::Hedged)))
    });
    c.bench_function(&id("verify 1 KiB"), |b| {
        b.iter(|| black_box(s.verify(black_box(&signature), &msg, &pk, b"")))
    });
}

/// ML-KEM and the X25519 + ML-KEM hybrids (every post-quantum KEM suite).
fn kems(c: &mut Criterion) {
    for &suite in KemSuite::ALL.iter().filter(|s| s.is_post_quantum()) {
        bench_kem(c, kem::backend(suite), |op| {
            format!("{}/{op}", suite.name())
        });
    }
}

/// ML-DSA, Ed25519 and the Ed25519 hybrids (every signature suite).
fn signatures(c: &mut Criterion) {
    for &suite in SigSuite::ALL {
        bench_sig(c, sig::backend(suite), |op| {
            format!("{}/{op}", suite.name())
        });
    }
}

/// The backends an application can choose, those of this build measured.
const CHOICES: [Backend; 3] = [Backend::Libcrux, Backend::RustCrypto, Backend::PqClean];

/// The same operations in every backend of ML-KEM-768 and ML-DSA-65 (`backends/<suite>/
/// <operation>/<backend>`): the measurement that picks the default backend.
fn backends(c: &mut Criterion) {
    let suite = KemSuite::MlKem768;
    let mut kems: Vec<(&str, &dyn KemBackend)> = Vec::new();
    #[cfg(feature = "aws-lc")]
    kems.extend(kem::aws_lc_backend(suite).map(|k| ("aws-lc", k)));
    for b in CHOICES {
        kems.extend(kem::backend_of(suite, b).ok().map(|k| (b.name(), k)));
    }
    for (backend, k) in kems {
        bench_kem(c, k, |op| {
            format!("backends/{}/{op}/{backend}", suite.name())
        });
    }
    let suite = SigSuite::MlDsa65;
    for b in CHOICES {
        if let Ok(s) = sig::backend_of(suite, b) {
            bench_sig(c, s, |op| {
                format!("backends/{}/{op}/{}", suite.name(), b.name())
            });
        }
    }
}

/// X25519 key generation and shared secret.
fn key_agreement(c: &mut Criterion) {
    let (sk, _) = x25519::keygen(None).expect("keygen");
    let (_, peer) = x25519::keygen(None).expect("keygen");
    c.bench_function("X25519/keygen", |b| {
        b.iter(|| black_box(x25519::keygen(None)))
    });
    c.bench_function("X25519/shared secret", |b| {
        b.iter(|| black_box(x25519::shared_secret(sk.expose(), black_box(&peer))))
    });
}

/// ChaCha20-Poly1305 and AES-256-GCM: one seal and one open per iteration.
fn aeads(c: &mut Criterion) {
    let key = [1u8; 32];
    let nonce = [2u8; 12];
    for suite in [AeadSuite::ChaCha20Poly1305, AeadSuite::Aes256Gcm] {
        let a = aead::algorithm(suite);
        for (label, len) in [("64 B", 64), ("1 KiB", 1024), ("64 KiB", 65536)] {
            let plaintext = vec![3u8; len];
            c.bench_function(&format!("{}/seal+open {label}", suite.name()), |b| {
                b.iter(|| {
                    let sealed = a
                        .seal(&key, &nonce, black_box(&plaintext), b"")
                        .expect("seal");
                    black_box(a.open(&key, &nonce, &sealed, b""))
                })
            });
        }
    }
}

criterion_group!(benches, kems, signatures, backends, key_agreement, aeads);
criterion_main!(benches);
