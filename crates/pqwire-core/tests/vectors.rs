//! Official test vectors (NIST ACVP, Wycheproof, CCTV, the X-Wing draft) run against the
//! public API of pqwire-core, plus differential tests between the two ML-KEM / ML-DSA
//! backends.
//!
//! The vectors are read in place from `shared/vectors` (or `$PQWIRE_VECTORS`); see its
//! README for provenance and formats. Every file prints one line
//! `[vectors] <source> <file>: ran N, passed N, skipped N [reasons]` and fails when a case
//! that ran did not pass. Run with an optimized profile:
//!
//! ```text
//! cargo test -p pqwire-core --profile ci --test vectors -- --nocapture
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

// An inline module, so that its submodules live in tests/vectors/.
mod vectors {
    #[macro_use]
    mod common;

    mod acvp_ml_dsa;
    mod acvp_ml_kem;
    mod acvp_sha3;
    mod cctv_ed25519;
    mod cctv_ml_dsa;
    mod cctv_ml_kem;
    mod differential;
    mod wycheproof_aead;
    mod wycheproof_ed25519;
    mod wycheproof_hkdf;
    mod wycheproof_ml_dsa;
    mod wycheproof_ml_kem;
    mod wycheproof_x25519;
    mod xwing;
}
