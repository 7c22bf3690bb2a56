//! Issue 17, lever 3 (benches/README.md, "Lever 3"): what establishment could gain from
//!
//! - ML-DSA-65 verification through AWS-LC instead of libcrux. aws-lc-rs (1.19) verifies
//!   ML-DSA only with an empty context string; pqwire's hybrid signature passes the suite
//!   name as the FIPS 204 context, so the context goes through aws-lc-sys's
//!   `EVP_PKEY_CTX_set1_signature_context_string` here (raw FFI: `unsafe`, which pqwire
//!   itself forbids). The safe aws-lc-rs path (empty context) is timed beside it.
//! - libcrux's AVX2 code: ML-DSA-65 and ML-KEM-768 through libcrux's multiplexed API (what
//!   pqwire calls: AVX2 picked at run time), its `portable` module and its `avx2` module.
//!   Run it twice: a default build (runtime dispatch) and one with
//!   `RUSTFLAGS="-C target-cpu=x86-64-v3"`.
//!
//! Prints one line per operation: the fastest of `LEVER3_SAMPLES` (default 15) samples of
//! about 0.05 s each, in µs per operation and operations per second, and the median.

use std::hint::black_box;
use std::time::Instant;

/// The message pqwire's benchmarks sign: 1 KiB.
const MESSAGE: [u8; 1024] = [0x5a; 1024];
/// The context pqwire's hybrid signature gives ML-DSA: the suite's name.
const CONTEXT: &[u8] = b"Ed25519+ML-DSA-65";

/// µs per call of `f`: the fastest of the samples (each calibrated to ~0.05 s). On a
/// shared machine other processes only ever add time, so the minimum is the steadier
/// estimate; the median is printed beside it.
fn time<F: FnMut()>(mut f: F) -> (f64, f64) {
    let samples: usize = std::env::var("LEVER3_SAMPLES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(15);
    let mut n: u64 = 1;
    loop {
        let t = Instant::now();
        for _ in 0..n {
            f();
        }
        let e = t.elapsed().as_secs_f64();
        if e > 0.02 {
            n = ((n as f64) * 0.05 / e).ceil() as u64;
            break;
        }
        n *= 2;
    }
    let mut xs: Vec<f64> = (0..samples.max(1))
        .map(|_| {
            let t = Instant::now();
            for _ in 0..n {
                f();
            }
            t.elapsed().as_secs_f64() * 1e6 / n as f64
        })
        .collect();
    xs.sort_by(|a, b| a.total_cmp(b));
    (xs[0], xs[xs.len() / 2])
}

fn report(name: &str, (min, median): (f64, f64)) {
    println!(
        "{name:<58}{min:>9.2} µs{:>10.0} ops/s   (median {median:.2} µs)",
        1e6 / min
    );
}

/// ML-DSA-65 verification with a context string through AWS-LC's EVP interface.
mod aws_lc_ctx {
    use aws_lc_sys as sys;
    use std::ptr;

    /// Parses `pk` and verifies `sig` over `msg` with the context `ctx` (pure ML-DSA).
    pub fn verify(pk: &[u8], msg: &[u8], ctx: &[u8], sig: &[u8]) -> bool {
        // SAFETY: every pointer passed is valid for the length given with it; the EVP
        // objects are created, used and freed here, none escapes.
        unsafe {
            let pkey =
                sys::EVP_PKEY_pqdsa_new_raw_public_key(sys::NID_MLDSA65, pk.as_ptr(), pk.len());
            if pkey.is_null() {
                sys::ERR_clear_error();
                return false;
            }
            let ok = verify_parsed(pkey, msg, ctx, sig);
            sys::EVP_PKEY_free(pkey);
            ok
        }
    }

    /// Verifies with an already parsed key.
    ///
    /// # Safety
    /// `pkey` must be a valid ML-DSA-65 `EVP_PKEY`.
    pub unsafe fn verify_parsed(
        pkey: *mut sys::EVP_PKEY,
        msg: &[u8],
        ctx: &[u8],
        sig: &[u8],
    ) -> bool {
        let md = sys::EVP_MD_CTX_new();
        if md.is_null() {
            return false;
        }
        let mut pctx = ptr::null_mut();
        let ok = sys::EVP_DigestVerifyInit(md, &mut pctx, ptr::null(), ptr::null_mut(), pkey) == 1
            && sys::EVP_PKEY_CTX_set1_signature_context_string(pctx, ctx.as_ptr(), ctx.len()) == 1
            && sys::EVP_DigestVerify(md, sig.as_ptr(), sig.len(), msg.as_ptr(), msg.len()) == 1;
        sys::EVP_MD_CTX_free(md);
        if !ok {
            sys::ERR_clear_error();
        }
        ok
    }

    /// A parsed public key, freed on drop.
    pub struct Parsed(pub *mut sys::EVP_PKEY);
    impl Parsed {
        pub fn new(pk: &[u8]) -> Self {
            // SAFETY: `pk` is valid for its length; the result is checked for null.
            let p = unsafe {
                sys::EVP_PKEY_pqdsa_new_raw_public_key(sys::NID_MLDSA65, pk.as_ptr(), pk.len())
            };
            assert!(!p.is_null(), "AWS-LC refused the ML-DSA-65 public key");
            Parsed(p)
        }
    }
    impl Drop for Parsed {
        fn drop(&mut self) {
            // SAFETY: created by EVP_PKEY_pqdsa_new_raw_public_key, freed once.
            unsafe { sys::EVP_PKEY_free(self.0) }
        }
    }
}

fn ml_dsa_verify() {
    use libcrux_ml_dsa::ml_dsa_65 as d;
    let kp = d::generate_key_pair([7; 32]);
    let sig = d::sign(&kp.signing_key, &MESSAGE, CONTEXT, [9; 32]).expect("libcrux signs");
    let sig_empty = d::sign(&kp.signing_key, &MESSAGE, b"", [9; 32]).expect("libcrux signs");
    let pk = kp.verification_key.as_slice();

    // The same verdicts before any timing: AWS-LC accepts libcrux's signatures with the
    // right context, refuses them with another or none.
    assert!(d::verify(&kp.verification_key, &MESSAGE, CONTEXT, &sig).is_ok());
    assert!(aws_lc_ctx::verify(pk, &MESSAGE, CONTEXT, sig.as_slice()));
    assert!(!aws_lc_ctx::verify(
        pk,
        &MESSAGE,
        b"Ed25519+ML-DSA-87",
        sig.as_slice()
    ));
    assert!(!aws_lc_ctx::verify(pk, &MESSAGE, b"", sig.as_slice()));
    let mut bad = sig.as_slice().to_vec();
    bad[100] ^= 1;
    assert!(!aws_lc_ctx::verify(pk, &MESSAGE, CONTEXT, &bad));
    let safe = aws_lc_rs::signature::UnparsedPublicKey::new(&aws_lc_rs::signature::ML_DSA_65, pk);
    assert!(safe.verify(&MESSAGE, sig_empty.as_slice()).is_ok());
    assert!(safe.verify(&MESSAGE, sig.as_slice()).is_err());

    println!(
        "ML-DSA-65 verify, 1 KiB message, context \"{}\"",
        String::from_utf8_lossy(CONTEXT)
    );
    report(
        "  libcrux (multiplexed: what pqwire calls)",
        time(|| {
            black_box(d::verify(
                &kp.verification_key,
                black_box(&MESSAGE),
                CONTEXT,
                &sig,
            ))
            .unwrap();
        }),
    );
    report(
        "  AWS-LC via aws-lc-sys FFI, parse key + verify, context",
        time(|| {
            assert!(aws_lc_ctx::verify(
                black_box(pk),
                black_box(&MESSAGE),
                CONTEXT,
                sig.as_slice()
            ));
        }),
    );
    let parsed = aws_lc_ctx::Parsed::new(pk);
    report(
        "  AWS-LC via aws-lc-sys FFI, key parsed once, context",
        time(|| {
            // SAFETY: `parsed` holds a valid ML-DSA-65 key for the whole loop.
            assert!(unsafe {
                aws_lc_ctx::verify_parsed(parsed.0, black_box(&MESSAGE), CONTEXT, sig.as_slice())
            });
        }),
    );
    report(
        "  AWS-LC via aws-lc-rs (safe API), EMPTY context only",
        time(|| {
            safe.verify(black_box(&MESSAGE), sig_empty.as_slice())
                .unwrap();
        }),
    );
}

fn avx2() -> bool {
    std::is_x86_feature_detected!("avx2")
}

fn libcrux_ml_dsa() {
    use libcrux_ml_dsa::ml_dsa_65 as d;
    println!("libcrux ML-DSA-65 (1 KiB message, context)");
    macro_rules! variant {
        ($label:literal, $m:path) => {{
            use $m as m;
            let kp = m::generate_key_pair([7; 32]);
            let sig = m::sign(&kp.signing_key, &MESSAGE, CONTEXT, [9; 32]).expect("signs");
            assert!(d::verify(&kp.verification_key, &MESSAGE, CONTEXT, &sig).is_ok());
            report(
                concat!("  keygen  ", $label),
                time(|| {
                    black_box(m::generate_key_pair(black_box([7; 32])));
                }),
            );
            report(
                concat!("  sign    ", $label),
                time(|| {
                    black_box(m::sign(
                        &kp.signing_key,
                        black_box(&MESSAGE),
                        CONTEXT,
                        [9; 32],
                    ))
                    .unwrap();
                }),
            );
            report(
                concat!("  verify  ", $label),
                time(|| {
                    black_box(m::verify(
                        &kp.verification_key,
                        black_box(&MESSAGE),
                        CONTEXT,
                        &sig,
                    ))
                    .unwrap();
                }),
            );
        }};
    }
    variant!("multiplexed", libcrux_ml_dsa::ml_dsa_65);
    variant!("portable", libcrux_ml_dsa::ml_dsa_65::portable);
    if avx2() {
        variant!("avx2", libcrux_ml_dsa::ml_dsa_65::avx2);
    }
}

fn libcrux_ml_kem() {
    use libcrux_ml_kem::mlkem768 as k;
    println!("libcrux ML-KEM-768 (seeded, as pqwire's handshake and ratchet keys)");
    macro_rules! variant {
        ($label:literal, $m:path) => {{
            use $m as m;
            let kp = m::generate_key_pair([3; 64]);
            let (ct, ss) = m::encapsulate(kp.public_key(), [4; 32]);
            assert_eq!(k::decapsulate(kp.private_key(), &ct), ss);
            report(
                concat!("  keygen       ", $label),
                time(|| {
                    black_box(m::generate_key_pair(black_box([3; 64])));
                }),
            );
            report(
                concat!("  encapsulate  ", $label),
                time(|| {
                    black_box(m::encapsulate(black_box(kp.public_key()), [4; 32]));
                }),
            );
            report(
                concat!("  decapsulate  ", $label),
                time(|| {
                    black_box(m::decapsulate(kp.private_key(), black_box(&ct)));
                }),
            );
        }};
    }
    variant!("multiplexed", libcrux_ml_kem::mlkem768);
    variant!("portable", libcrux_ml_kem::mlkem768::portable);
    if avx2() {
        variant!("avx2", libcrux_ml_kem::mlkem768::avx2);
    }
}

fn main() {
    println!(
        "lever 3 bench: AVX2 {}, built with target features avx2={} (RUSTFLAGS -C target-cpu=x86-64-v3 sets it)",
        if avx2() { "present" } else { "absent" },
        cfg!(target_feature = "avx2"),
    );
    ml_dsa_verify();
    libcrux_ml_dsa();
    libcrux_ml_kem();
}
