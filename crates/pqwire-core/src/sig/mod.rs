//! Signatures: one trait, [`SigBackend`], and one implementation per suite and backend.
//!
//! | suite | backend(s) | public key | secret key | signature |
//! | --- | --- | ---: | ---: | ---: |
//! | ML-DSA-44/65/87 | libcrux `libcrux-ml-dsa` (default), RustCrypto `ml-dsa`, PQClean | 1312/1952/2592 | 2560/4032/4896 (expanded, FIPS 204) | 2420/3309/4627 |
//! | Ed25519 | AWS-LC (`ed25519-dalek` in the pure-Rust build), strict verification | 32 | 32 (seed) | 64 |
//! | Ed25519+ML-DSA-65/87 | pqwire over that Ed25519 and libcrux (default) or RustCrypto ML-DSA | 1984/2624 | 4064/4928 | 3373/4691 |
//!
//! [`backend`] gives a suite's default implementation, [`backend_of`] the one of a chosen
//! [`Backend`]. Each backend is a cargo feature; the default is the fastest measured among
//! those built in.
//!
//! ML-DSA is the pure variant with a context string (at most 255 bytes), hedged by
//! default, deterministic or with caller-supplied randomness on request. External μ
//! ([`sign_mu`], [`verify_mu`]) is RustCrypto's whatever the backend.

mod ed25519;
#[cfg(feature = "aws-lc")]
mod ed25519_aws_lc;
// The pure-Rust build's Ed25519, and in a build with both, the one of lockable key pairs.
#[cfg(feature = "rustcrypto")]
mod ed25519_dalek;
mod hybrid;
mod key_pair_check;
mod lengths;
mod ml_dsa;
#[cfg(feature = "libcrux")]
mod ml_dsa_libcrux;
#[cfg(feature = "pqclean")]
mod ml_dsa_pqclean;

use crate::backend::Offers;
use crate::secret::region_of;
use crate::suite::SigSuite;
use crate::{Backend, Result, SecretBytes, SecretMemory};

pub use ml_dsa::{sign_mu, verify_mu};

// The default ML-DSA, alone and in the hybrids: libcrux where it is built, else RustCrypto.
#[cfg(feature = "libcrux")]
use {hybrid::libcrux as default_hybrids, ml_dsa_libcrux as default_ml_dsa};
#[cfg(not(feature = "libcrux"))]
use {hybrid::rustcrypto as default_hybrids, ml_dsa as default_ml_dsa};

/// Sizes, in bytes, of everything a signature suite takes or returns.
/// They are the suite's, the same in every backend (the values: `lengths.rs`).
///
/// ```
/// use pqwire_core::{sig, SigSuite};
/// let l = sig::backend(SigSuite::Ed25519MlDsa65).lengths();
/// assert_eq!((l.public_key, l.secret_key, l.signature), (1984, 4064, 3373));
/// ```
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
    /// Signs the message `msg` under the context string `ctx`.
    fn sign(&self, msg: &[u8], ctx: &[u8], randomness: SignRandomness<'_>) -> Result<Vec<u8>>;

    /// The heap buffers this loaded key owns that hold secret state, beyond its own storage
    /// (`size_of_val` bytes at its address, which its holder reports), and whether they
    /// are all of it ([`SecretMemory::complete`]: `false` when part of the key lives where
    /// pqwire cannot see, such as a C library's heap). The default says nothing and is
    /// not complete, so that an implementation that does not override it is never taken
    /// for locked.
    fn secret_heap(&self) -> SecretMemory {
        SecretMemory::unknown()
    }
}

/// One signature suite from one backend.
pub trait SigBackend: Send + Sync {
    /// The suite implemented.
    fn suite(&self) -> SigSuite;
    /// The backend's name (`"libcrux"`, `"rustcrypto"`, `"pqclean"`, `"dalek"`, or
    /// `"pqwire"` for the hybrids).
    fn backend_name(&self) -> &'static str;
    /// Sizes of keys, signatures and seeds: the suite's, the same in every backend.
    fn lengths(&self) -> SigLengths {
        SigLengths::of(self.suite())
    }
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
    /// Verifies the signature `sig` of the message `msg` under the public key `pk` and the
    /// context string `ctx`. A public key of the wrong length or a context over 255 bytes
    /// is an error; a signature of the wrong length or that does not verify is
    /// `valid: false`.
    fn verify(&self, sig: &[u8], msg: &[u8], pk: &[u8], ctx: &[u8]) -> Result<Verification>;
}

/// The default backend of `suite`, the fastest measured of those built in: libcrux for
/// ML-DSA and, inside pqwire's construction, for the hybrids (RustCrypto where libcrux is
/// not built); Ed25519 is AWS-LC's, or `ed25519-dalek`'s in the pure-Rust build.
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
        SigSuite::MlDsa44 => &default_ml_dsa::ML_DSA_44,
        SigSuite::MlDsa65 => &default_ml_dsa::ML_DSA_65,
        SigSuite::MlDsa87 => &default_ml_dsa::ML_DSA_87,
        SigSuite::Ed25519 => &ed25519::ED25519,
        SigSuite::Ed25519MlDsa65 => &default_hybrids::ED25519_ML_DSA_65,
        SigSuite::Ed25519MlDsa87 => &default_hybrids::ED25519_ML_DSA_87,
    }
}

/// The implementation of `suite` in `backend`: [`backend`] for [`Backend::Default`];
/// `UNSUPPORTED` when the backend does not implement the suite (Ed25519 is the default's
/// only; PQClean has no hybrids) or is not in this build.
///
/// ```
/// use pqwire_core::{sig::{self, SignRandomness}, Backend, SigSuite};
/// let rc = sig::backend_of(SigSuite::MlDsa44, Backend::RustCrypto)?;
/// let lc = sig::backend_of(SigSuite::MlDsa44, Backend::Libcrux)?;
/// let (pk, sk) = rc.keygen(Some(&[9; 32]))?;
/// let s = rc.sign(b"m", sk.expose(), b"", SignRandomness::Deterministic)?;
/// assert_eq!(s, lc.sign(b"m", sk.expose(), b"", SignRandomness::Deterministic)?);
/// assert!(lc.verify(&s, b"m", &pk, b"")?.valid);
/// # Ok::<(), pqwire_core::Error>(())
/// ```
pub fn backend_of(suite: SigSuite, backend: Backend) -> Result<&'static dyn SigBackend> {
    match backend {
        Backend::Default => Ok(self::backend(suite)),
        _ => backend.find(OFFERS, |b| b.suite() == suite),
    }
}

/// The implementation of `suite` for lockable key pairs ([`SigKeyPair::generate_lockable`]):
/// one whose parsed keys hold all their secret state where [`SigKeyPair::secret_memory`]
/// can report it, so that a binding can lock all of it. It computes the same function as
/// [`backend`] (same keys from the same seed, same deterministic signatures), only
/// differently held: Ed25519, alone and in the hybrids, is `ed25519-dalek`'s (inline)
/// instead of AWS-LC's (its own C heap), somewhat slower; ML-DSA is the default's, whose
/// keys are inline in every backend. Without the `rustcrypto` feature next to AWS-LC
/// (no `ed25519-dalek`), and in the pure-Rust build, it is the default.
///
/// ```
/// use pqwire_core::{sig::{self, SigKeyPair, SignRandomness}, SigSuite};
/// let suite = SigSuite::Ed25519MlDsa87;
/// let kp = SigKeyPair::generate_lockable(suite, Some(&[7; 32]))?;
/// assert!(kp.secret_memory().complete);
/// let normal = SigKeyPair::generate(suite, Some(&[7; 32]))?;
/// assert_eq!(kp.public_key(), normal.public_key());
/// let det = SignRandomness::Deterministic;
/// assert_eq!(kp.sign(b"m", b"", det)?, normal.sign(b"m", b"", det)?);
/// # Ok::<(), pqwire_core::Error>(())
/// ```
pub fn lockable_backend(suite: SigSuite) -> &'static dyn SigBackend {
    match suite {
        SigSuite::Ed25519 => &ed25519::ED25519_LOCKABLE,
        SigSuite::Ed25519MlDsa65 => &default_hybrids::ED25519_ML_DSA_65_LOCKABLE,
        SigSuite::Ed25519MlDsa87 => &default_hybrids::ED25519_ML_DSA_87_LOCKABLE,
        SigSuite::MlDsa44 | SigSuite::MlDsa65 | SigSuite::MlDsa87 => backend(suite),
    }
}

/// [`lockable_backend`] for a chosen [`Backend`], for key pairs that are to be both
/// (`UNSUPPORTED` where [`backend_of`] is): the backend's own ML-DSA (inline in every
/// backend), and for the hybrids over libcrux or RustCrypto ML-DSA, `ed25519-dalek`'s
/// Ed25519 key beside it.
///
/// ```
/// use pqwire_core::{sig::{self, SigKeyPair}, Backend, SigSuite};
/// let b = sig::lockable_backend_of(SigSuite::Ed25519MlDsa65, Backend::RustCrypto)?;
/// assert!(SigKeyPair::generate_with(b, None)?.secret_memory().complete);
/// # Ok::<(), pqwire_core::Error>(())
/// ```
pub fn lockable_backend_of(suite: SigSuite, backend: Backend) -> Result<&'static dyn SigBackend> {
    match backend {
        Backend::Default => Ok(lockable_backend(suite)),
        _ => backend.find(LOCKABLE_OFFERS, |b| b.suite() == suite),
    }
}

/// What each backend but the default implements.
static OFFERS: &Offers<dyn SigBackend> = &[
    #[cfg(feature = "libcrux")]
    (
        Backend::Libcrux,
        &[&ml_dsa_libcrux::ALL, &hybrid::libcrux::ALL],
    ),
    #[cfg(feature = "rustcrypto")]
    (
        Backend::RustCrypto,
        &[&ml_dsa::ALL, &hybrid::rustcrypto::ALL],
    ),
    #[cfg(feature = "pqclean")]
    (Backend::PqClean, &[&ml_dsa_pqclean::ALL]),
];

/// [`OFFERS`] for lockable key pairs: the hybrids with `ed25519-dalek`'s Ed25519 key.
static LOCKABLE_OFFERS: &Offers<dyn SigBackend> = &[
    #[cfg(feature = "libcrux")]
    (
        Backend::Libcrux,
        &[&ml_dsa_libcrux::ALL, &hybrid::libcrux::LOCKABLE],
    ),
    #[cfg(feature = "rustcrypto")]
    (
        Backend::RustCrypto,
        &[&ml_dsa::ALL, &hybrid::rustcrypto::LOCKABLE],
    ),
    #[cfg(feature = "pqclean")]
    (Backend::PqClean, &[&ml_dsa_pqclean::ALL]),
];

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
        Self::generate_with(backend(suite), seed)
    }

    /// Generates a key pair of `b`'s suite with the backend `b` (from [`backend_of`]),
    /// which also parses and holds the secret key, from `seed` when given (`UNSUPPORTED`
    /// where the backend has no seeded key generation: PQClean).
    pub fn generate_with(b: &dyn SigBackend, seed: Option<&[u8]>) -> Result<Self> {
        let (public_key, secret_key) = b.keygen(seed)?;
        let signer = b.load_secret_key(secret_key.expose())?;
        Ok(Self {
            suite: b.suite(),
            public_key,
            secret_key,
            signer,
        })
    }

    /// Imports a key pair from its exported keys; the public key must match the secret key,
    /// and an ML-DSA secret key must be consistent in itself: t = A·s1 + s2 is recomputed
    /// and must give the public key's t1, the stored t0 and tr = H(pk) (FIPS 204), so that
    /// a damaged t0, which a sign-and-verify probe can miss, is refused. (Without AWS-LC,
    /// in the pure-Rust build, t0 is not checked: see `docs/primitives.md`.) For the
    /// hybrids, the Ed25519 half's public key is derived from its seed and compared too. A
    /// mismatch is `INVALID_KEY`; a public key of the wrong length is `BAD_LENGTH`.
    ///
    /// ```
    /// use pqwire_core::{sig::SigKeyPair, SigSuite};
    /// let kp = SigKeyPair::generate(SigSuite::MlDsa44, None).unwrap();
    /// let mut sk = kp.export_secret_key().expose().to_vec();
    /// assert!(SigKeyPair::import(SigSuite::MlDsa44, &sk, kp.public_key()).is_ok());
    /// sk[64] ^= 1; // a bit of tr = H(pk)
    /// let e = SigKeyPair::import(SigSuite::MlDsa44, &sk, kp.public_key()).unwrap_err();
    /// assert_eq!(e.code(), "INVALID_KEY");
    /// ```
    pub fn import(suite: SigSuite, secret_key: &[u8], public_key: &[u8]) -> Result<Self> {
        Self::import_with(backend(suite), secret_key, public_key)
    }

    /// [`SigKeyPair::generate`] for a key pair whose secret state is all where
    /// [`SigKeyPair::secret_memory`] reports it (`complete`), so that a binding can lock
    /// all of it: held by [`lockable_backend`] (`ed25519-dalek`'s Ed25519 and the default
    /// ML-DSA, both inline), Ed25519 somewhat slower than the default's AWS-LC. The same
    /// public key from the same seed, and the same deterministic signatures, as
    /// [`SigKeyPair::generate`]. Without `ed25519-dalek` next to AWS-LC (no `rustcrypto`
    /// feature) the Ed25519 half is AWS-LC's and `complete` is `false`.
    pub fn generate_lockable(suite: SigSuite, seed: Option<&[u8]>) -> Result<Self> {
        Self::generate_with(lockable_backend(suite), seed)
    }

    /// [`SigKeyPair::import`] into a lockable key pair ([`SigKeyPair::generate_lockable`]).
    pub fn import_lockable(suite: SigSuite, secret_key: &[u8], public_key: &[u8]) -> Result<Self> {
        Self::import_with(lockable_backend(suite), secret_key, public_key)
    }

    /// [`SigKeyPair::import`] with the backend `b` (from [`backend_of`]) for `b`'s suite.
    pub fn import_with(b: &dyn SigBackend, secret_key: &[u8], public_key: &[u8]) -> Result<Self> {
        let suite = b.suite();
        let signer = b.load_secret_key(secret_key)?;
        crate::Error::check_len("public key", b.lengths().public_key, public_key.len())?;
        key_pair_check::check(suite, secret_key, public_key)?;
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

    /// Signs the message `msg` under the context string `ctx`.
    pub fn sign(&self, msg: &[u8], ctx: &[u8], randomness: SignRandomness<'_>) -> Result<Vec<u8>> {
        self.signer.sign(msg, ctx, randomness)
    }

    /// Exports the secret key. Only on explicit request: the caller then owns a copy.
    pub fn export_secret_key(&self) -> SecretBytes {
        self.secret_key.clone()
    }

    /// Where this key pair's secret state is, for locking it into RAM: the secret key's
    /// bytes, the parsed key's storage and the heap buffers that parsed key owns
    /// ([`Signer::secret_heap`]). Not complete where the backend keeps the key out of
    /// pqwire's sight: AWS-LC's Ed25519 (alone and in the hybrids, in the default build).
    /// Complete for every suite's lockable key pairs ([`SigKeyPair::generate_lockable`])
    /// in a build with RustCrypto (the default and the pure-Rust build).
    pub fn secret_memory(&self) -> SecretMemory {
        SecretMemory::all([self.secret_key.region(), region_of(&*self.signer)])
            .and(self.signer.secret_heap())
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
