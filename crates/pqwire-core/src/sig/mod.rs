//! Signatures: one trait, [`SigBackend`], and one implementation per suite and backend.
//!
//! | suite | backend(s) | public key | secret key | signature |
//! | --- | --- | ---: | ---: | ---: |
//! | ML-DSA-44/65/87 | libcrux `libcrux-ml-dsa` (default), RustCrypto `ml-dsa`, PQClean | 1312/1952/2592 | 2560/4032/4896 (expanded, FIPS 204) | 2420/3309/4627 |
//! | Ed25519 | `ed25519-dalek`, strict verification | 32 | 32 (seed) | 64 |
//! | Ed25519+ML-DSA-65/87 | pqwire over `ed25519-dalek` and libcrux (default) or RustCrypto ML-DSA | 1984/2624 | 4064/4928 | 3373/4691 |
//!
//! ML-DSA is the pure variant with a context string (at most 255 bytes), hedged by
//! default, deterministic or with caller-supplied randomness on request. External μ
//! ([`sign_mu`], [`verify_mu`]) is RustCrypto's whatever the backend.

mod ed25519;
mod hybrid;
mod ml_dsa;
mod ml_dsa_libcrux;
mod ml_dsa_pqclean;

use crate::suite::SigSuite;
use crate::{Result, SecretBytes};

pub use ml_dsa::{sign_mu, verify_mu};

/// Sizes, in bytes, of everything a signature suite takes or returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SigLengths {
    /// Public (verification) key.
    pub public_key: usize,
    /// Secret (signing) key as exported by pqwire.
    pub secret_key: usize,
    /// Signature.
    pub signature: usize,
    /// Seed accepted by seeded key generation.
    pub keygen_seed: usize,
    /// Randomness accepted by signing (0: the suite is deterministic).
    pub signing_randomness: usize,
}

/// Where signing randomness comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignRandomness<'a> {
    /// Fresh randomness from the OS (FIPS 204 "hedged"; the default).
    Hedged,
    /// No randomness (FIPS 204 deterministic variant).
    Deterministic,
    /// Caller-supplied randomness (`rnd`), for test vectors.
    Given(&'a [u8]),
}

/// The outcome of a verification. For a hybrid suite `valid` holds only when both halves hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Verification {
    /// The signature is valid for the suite.
    pub valid: bool,
    /// The classical half (Ed25519) verified; `false` for a suite without one.
    pub classic_valid: bool,
    /// The post-quantum half (ML-DSA) verified; `false` for a suite without one.
    pub quantum_valid: bool,
    /// The suite that was checked.
    pub suite: SigSuite,
}

/// A signing key parsed once and kept in memory, for repeated use.
pub trait Signer: Send + Sync {
    /// Signs `message` under `context`.
    fn sign(
        &self,
        message: &[u8],
        context: &[u8],
        randomness: SignRandomness<'_>,
    ) -> Result<Vec<u8>>;
}

/// One signature suite from one backend.
pub trait SigBackend: Send + Sync {
    /// The suite implemented.
    fn suite(&self) -> SigSuite;
    /// The backend's name (`"libcrux"`, `"rustcrypto"`, `"pqclean"`, `"dalek"`, or
    /// `"pqwire"` for the hybrids).
    fn backend_name(&self) -> &'static str;
    /// Sizes of keys, signatures and seeds.
    fn lengths(&self) -> SigLengths;
    /// Generates `(public_key, secret_key)`, from `seed` when given.
    fn keygen(&self, seed: Option<&[u8]>) -> Result<(Vec<u8>, SecretBytes)>;
    /// Parses a secret key into a reusable [`Signer`].
    fn load_secret_key(&self, secret_key: &[u8]) -> Result<Box<dyn Signer>>;
    /// Derives the public key of a secret key.
    fn public_key(&self, secret_key: &[u8]) -> Result<Vec<u8>>;
    /// Signs with a secret key given as bytes.
    fn sign(
        &self,
        message: &[u8],
        secret_key: &[u8],
        context: &[u8],
        randomness: SignRandomness<'_>,
    ) -> Result<Vec<u8>> {
        self.load_secret_key(secret_key)?
            .sign(message, context, randomness)
    }
    /// Verifies. A public key of the wrong length or a context over 255 bytes is an
    /// error; a signature of the wrong length or that does not verify is `valid: false`.
    fn verify(
        &self,
        signature: &[u8],
        message: &[u8],
        public_key: &[u8],
        context: &[u8],
    ) -> Result<Verification>;
}

/// The default backend of `suite`, the fastest measured: libcrux for ML-DSA and, inside
/// pqwire's construction, for the hybrids.
///
/// ```
/// use pqwire_core::{sig::{self, SignRandomness}, SigSuite};
/// let s = sig::backend(SigSuite::Ed25519MlDsa65);
/// let (pk, sk) = s.keygen(None).unwrap();
/// let signature = s.sign(b"hi", sk.expose(), b"", SignRandomness::Hedged).unwrap();
/// let v = s.verify(&signature, b"hi", &pk, b"").unwrap();
/// assert!(v.valid && v.classic_valid && v.quantum_valid);
/// ```
pub fn backend(suite: SigSuite) -> &'static dyn SigBackend {
    match suite {
        SigSuite::MlDsa44 => &ml_dsa_libcrux::LIBCRUX_ML_DSA_44,
        SigSuite::MlDsa65 => &ml_dsa_libcrux::LIBCRUX_ML_DSA_65,
        SigSuite::MlDsa87 => &ml_dsa_libcrux::LIBCRUX_ML_DSA_87,
        SigSuite::Ed25519 => &ed25519::ED25519,
        SigSuite::Ed25519MlDsa65 => &hybrid::ED25519_ML_DSA_65,
        SigSuite::Ed25519MlDsa87 => &hybrid::ED25519_ML_DSA_87,
    }
}

/// The RustCrypto backend of `suite`, where there is one: ML-DSA, and the hybrids built
/// over RustCrypto's ML-DSA. The default before libcrux; kept for differential tests and
/// for applications that prefer it.
pub fn rustcrypto_backend(suite: SigSuite) -> Option<&'static dyn SigBackend> {
    match suite {
        SigSuite::MlDsa44 => Some(&ml_dsa::ML_DSA_44),
        SigSuite::MlDsa65 => Some(&ml_dsa::ML_DSA_65),
        SigSuite::MlDsa87 => Some(&ml_dsa::ML_DSA_87),
        SigSuite::Ed25519MlDsa65 => Some(&hybrid::RUSTCRYPTO_ED25519_ML_DSA_65),
        SigSuite::Ed25519MlDsa87 => Some(&hybrid::RUSTCRYPTO_ED25519_ML_DSA_87),
        SigSuite::Ed25519 => None,
    }
}

/// The libcrux backend of `suite`, where there is one: ML-DSA and the hybrids. Today the
/// same objects as [`backend`]; named so that tests and benchmarks need not assume that.
pub fn libcrux_backend(suite: SigSuite) -> Option<&'static dyn SigBackend> {
    match suite {
        SigSuite::MlDsa44 => Some(&ml_dsa_libcrux::LIBCRUX_ML_DSA_44),
        SigSuite::MlDsa65 => Some(&ml_dsa_libcrux::LIBCRUX_ML_DSA_65),
        SigSuite::MlDsa87 => Some(&ml_dsa_libcrux::LIBCRUX_ML_DSA_87),
        SigSuite::Ed25519MlDsa65 => Some(&hybrid::ED25519_ML_DSA_65),
        SigSuite::Ed25519MlDsa87 => Some(&hybrid::ED25519_ML_DSA_87),
        SigSuite::Ed25519 => None,
    }
}

/// The PQClean backend of `suite`, where there is one (ML-DSA only).
/// It signs hedged only (no seeded key generation, no deterministic or given randomness).
pub fn pqclean_backend(suite: SigSuite) -> Option<&'static dyn SigBackend> {
    match suite {
        SigSuite::MlDsa44 => Some(&ml_dsa_pqclean::PQCLEAN_ML_DSA_44),
        SigSuite::MlDsa65 => Some(&ml_dsa_pqclean::PQCLEAN_ML_DSA_65),
        SigSuite::MlDsa87 => Some(&ml_dsa_pqclean::PQCLEAN_ML_DSA_87),
        _ => None,
    }
}

/// Builds the [`Verification`] of a single-algorithm suite.
pub(crate) fn single(suite: SigSuite, valid: bool) -> Verification {
    Verification {
        valid,
        classic_valid: valid && !suite.is_post_quantum(),
        quantum_valid: valid && suite.is_post_quantum(),
        suite,
    }
}

/// A signing key pair whose secret stays in native memory.
///
/// ```
/// use pqwire_core::{sig::{self, SigKeyPair, SignRandomness}, SigSuite};
/// let kp = SigKeyPair::generate(SigSuite::MlDsa65, None).unwrap();
/// let s = kp.sign(b"msg", b"ctx", SignRandomness::Hedged).unwrap();
/// assert!(sig::backend(SigSuite::MlDsa65).verify(&s, b"msg", kp.public_key(), b"ctx").unwrap().valid);
/// ```
pub struct SigKeyPair {
    suite: SigSuite,
    public_key: Vec<u8>,
    secret_key: SecretBytes,
    signer: Box<dyn Signer>,
}

impl SigKeyPair {
    /// Generates a key pair with the default backend, from `seed` when given.
    pub fn generate(suite: SigSuite, seed: Option<&[u8]>) -> Result<Self> {
        let b = backend(suite);
        let (public_key, secret_key) = b.keygen(seed)?;
        let signer = b.load_secret_key(secret_key.expose())?;
        Ok(Self {
            suite,
            public_key,
            secret_key,
            signer,
        })
    }

    /// Imports a key pair from its exported keys; the public key must match the secret key,
    /// and an ML-DSA secret key must be consistent in itself: t = A·s1 + s2 is recomputed
    /// and must give the public key's t1, the stored t0 and tr = H(pk) (FIPS 204), so that
    /// a damaged t0, which a sign-and-verify probe can miss, is refused. For the hybrids,
    /// the Ed25519 half's public key is derived from its seed and compared too. A mismatch
    /// is `INVALID_KEY`; a public key of the wrong length is `BAD_LENGTH`.
    ///
    /// ```
    /// use pqwire_core::{sig::SigKeyPair, SigSuite};
    /// let kp = SigKeyPair::generate(SigSuite::MlDsa44, None).unwrap();
    /// let mut sk = kp.export_secret_key().expose().to_vec();
    /// assert!(SigKeyPair::import(SigSuite::MlDsa44, &sk, kp.public_key()).is_ok());
    /// sk[2560 - 1] ^= 1; // a bit of t0
    /// let e = SigKeyPair::import(SigSuite::MlDsa44, &sk, kp.public_key()).unwrap_err();
    /// assert_eq!(e.code(), "INVALID_KEY");
    /// ```
    pub fn import(suite: SigSuite, secret_key: &[u8], public_key: &[u8]) -> Result<Self> {
        let b = backend(suite);
        let signer = b.load_secret_key(secret_key)?;
        crate::Error::check_len("public key", b.lengths().public_key, public_key.len())?;
        check_key_pair(suite, secret_key, public_key)?;
        Ok(Self {
            suite,
            public_key: public_key.to_vec(),
            secret_key: SecretBytes::from_slice(secret_key),
            signer,
        })
    }

    /// The suite of this key pair.
    pub fn suite(&self) -> SigSuite {
        self.suite
    }

    /// The public (verification) key.
    pub fn public_key(&self) -> &[u8] {
        &self.public_key
    }

    /// Signs `message` under `context`.
    pub fn sign(
        &self,
        message: &[u8],
        context: &[u8],
        randomness: SignRandomness<'_>,
    ) -> Result<Vec<u8>> {
        self.signer.sign(message, context, randomness)
    }

    /// Exports the secret key. Only on explicit request: the caller then owns a copy.
    pub fn export_secret_key(&self) -> SecretBytes {
        self.secret_key.clone()
    }
}

/// The key-pair check of [`SigKeyPair::import`]; the lengths were checked by the caller.
fn check_key_pair(suite: SigSuite, secret_key: &[u8], public_key: &[u8]) -> Result<()> {
    let ed25519 = |sk: &[u8], pk: &[u8]| -> Result<()> {
        if backend(SigSuite::Ed25519).public_key(sk)? != pk {
            return Err(crate::Error::InvalidKey {
                what: "public key does not belong to the secret key",
            });
        }
        Ok(())
    };
    match suite {
        SigSuite::Ed25519 => ed25519(secret_key, public_key),
        SigSuite::MlDsa44 | SigSuite::MlDsa65 | SigSuite::MlDsa87 => {
            ml_dsa::check_key_pair(suite, secret_key, public_key)
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
            ml_dsa::check_key_pair(ml, ml_sk, ml_pk)
        }
    }
}

impl core::fmt::Debug for SigKeyPair {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SigKeyPair")
            .field("suite", &self.suite)
            .field("public_key_len", &self.public_key.len())
            .field("secret_key", &"[REDACTED]")
            .finish()
    }
}
