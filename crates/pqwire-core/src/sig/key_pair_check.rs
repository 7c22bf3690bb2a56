//! The key-pair check of [`SigKeyPair::import`](super::SigKeyPair::import): the public key
//! must belong to the secret key, and an expanded ML-DSA secret key must be consistent in
//! itself.
//!
//! With AWS-LC (the default build) the ML-DSA check is complete (FIPS 204 skDecode /
//! pkEncode): t = A·s1 + s2 is recomputed from the key's own ρ, s1 and s2, and its t1 must
//! be the public key's, its t0 the stored t0, and H(pk) the stored tr. RustCrypto's
//! `ml-dsa` cannot do this (its expanded key keeps t0 private and exposes neither the NTT
//! nor Power2Round); AWS-LC's mldsa-native `pk_from_sk` performs exactly these checks, in
//! constant time.
//!
//! Without AWS-LC (the pure-Rust build) the check is the best the pure-Rust crates allow:
//! the s1/s2 range check, t1 recomputed by RustCrypto and compared with the public key's,
//! tr = H(pk), and a sign-and-verify probe. A damaged t0 that still yields valid
//! signatures passes it (docs/primitives.md, "Cargo features and the pure-Rust build").

use super::backend;
use crate::suite::SigSuite;
use crate::{Error, Result};

/// Checks that `public_key` belongs to `secret_key` (lengths already checked).
pub(crate) fn check(suite: SigSuite, secret_key: &[u8], public_key: &[u8]) -> Result<()> {
    match suite {
        SigSuite::Ed25519 => ed25519(secret_key, public_key),
        SigSuite::MlDsa44 | SigSuite::MlDsa65 | SigSuite::MlDsa87 => {
            ml_dsa(suite, secret_key, public_key)
        }
        SigSuite::Ed25519MlDsa65 | SigSuite::Ed25519MlDsa87 => {
            let ml = if suite == SigSuite::Ed25519MlDsa65 {
                SigSuite::MlDsa65
            } else {
                SigSuite::MlDsa87
            };
            let (ed_sk, ml_sk) = secret_key.split_at(32);
            let (ed_pk, ml_pk) = public_key.split_at(32);
            ed25519(ed_sk, ed_pk)?;
            ml_dsa(ml, ml_sk, ml_pk)
        }
    }
}

/// An Ed25519 seed's public key must be `public_key`.
fn ed25519(secret_key: &[u8], public_key: &[u8]) -> Result<()> {
    if backend(SigSuite::Ed25519).public_key(secret_key)? != public_key {
        return Err(Error::InvalidKey {
            what: "public key does not belong to the secret key",
        });
    }
    Ok(())
}

/// The error of every failed ML-DSA check: no detail (no field, no value).
const REFUSED: Error = Error::InvalidKey {
    what: "ML-DSA key pair is inconsistent (secret key damaged, or another key's public key)",
};

/// The complete check, through AWS-LC: loading an expanded key runs mldsa-native's
/// `pk_from_sk`, which recomputes t and checks t0 and tr, and derives the public key.
#[cfg(feature = "aws-lc")]
fn ml_dsa(suite: SigSuite, secret_key: &[u8], public_key: &[u8]) -> Result<()> {
    use aws_lc_rs::signature::{self as lc, KeyPair as _};
    let algorithm = match suite {
        SigSuite::MlDsa44 => &lc::ML_DSA_44_SIGNING,
        SigSuite::MlDsa65 => &lc::ML_DSA_65_SIGNING,
        SigSuite::MlDsa87 => &lc::ML_DSA_87_SIGNING,
        _ => {
            return Err(Error::Unsupported {
                what: "ML-DSA key pair check of a non-ML-DSA suite",
            })
        }
    };
    let derived =
        lc::PqdsaKeyPair::from_raw_private_key(algorithm, secret_key).map_err(|_| REFUSED)?;
    // Both public: the derived key is a function of the secret, but revealing whether it
    // equals the (public) key offered with it is the point of the check.
    if derived.public_key().as_ref() != public_key {
        return Err(REFUSED);
    }
    Ok(())
}

/// The pure-Rust check: everything but t0 (see the module documentation).
#[cfg(not(feature = "aws-lc"))]
fn ml_dsa(suite: SigSuite, secret_key: &[u8], public_key: &[u8]) -> Result<()> {
    const PROBE: &[u8] = b"pqwire key pair check";
    let b = backend(suite);
    // Range check of s1 and s2 (in loading), then t1 = Power2Round(A·s1 + s2) from the
    // key's own ρ: public values, compared as such.
    if b.public_key(secret_key)? != public_key {
        return Err(REFUSED);
    }
    // tr (bytes 64..128 of the expanded key) must be H(pk).
    if secret_key.get(64..128) != Some(&crate::hash::shake256(public_key, 64)[..]) {
        return Err(REFUSED);
    }
    // The probe catches some damage to t0 (and to K), not all. Deterministic, so that a
    // key is accepted or refused the same way every time.
    let probe = b.sign(PROBE, secret_key, b"", super::SignRandomness::Deterministic)?;
    if !b.verify(&probe, PROBE, public_key, b"")?.valid {
        return Err(REFUSED);
    }
    Ok(())
}
