//! Key-encapsulation mechanisms: one trait, [`KemBackend`], and one implementation per
//! suite and backend.
//!
//! | suite | backend(s) | public key | secret key | ciphertext |
//! | --- | --- | ---: | ---: | ---: |
//! | ML-KEM-512/768/1024 | AWS-LC `aws-lc-rs` (default; its seeded twins are libcrux's), libcrux `libcrux-ml-kem`, RustCrypto `ml-kem`, PQClean | 800/1184/1568 | 1632/2400/3168 (expanded, FIPS 203) | 768/1088/1568 |
//! | X25519+ML-KEM-768 (X-Wing) | pqwire over libcrux (default) or RustCrypto ML-KEM, and [`crate::x25519`] | 1216 | 32 (seed) | 1120 |
//! | X25519+ML-KEM-512/1024 | same construction, own labels | 832/1600 | 32 (seed) | 800/1600 |
//! | X25519 | pqwire over [`crate::x25519`] | 32 | 32 | 32 |
//!
//! [`backend`] gives a suite's default implementation, [`backend_of`] the one of a chosen
//! [`Backend`]. Each backend is a cargo feature; the default is the fastest measured among
//! those built in.
//!
//! Every randomized operation has a seeded twin (`seed`, `randomness`), used by the
//! test vectors and for reproducible runs (except in the PQClean backend).
//!
//! Every ML-KEM backend runs the same FIPS 203 key checks, RustCrypto's parsers, whatever
//! implementation then computes.

mod hybrid;
mod lengths;
mod ml_kem;
#[cfg(feature = "aws-lc")]
mod ml_kem_aws_lc;
#[cfg(feature = "libcrux")]
mod ml_kem_libcrux;
#[cfg(feature = "pqclean")]
mod ml_kem_pqclean;
mod stored_pair;
mod x25519_kem;

use crate::backend::Offers;
use crate::secret::region_of;
use crate::suite::KemSuite;
use crate::{Backend, Result, SecretBytes, SecretMemory};

pub use hybrid::hybrid_label;
pub use stored_pair::check_stored_pair;

// The seeded ML-KEM (key generation from d ‖ z, encapsulation with a given m) behind the
// defaults and the hybrids: libcrux where it is built, else RustCrypto.
#[cfg(feature = "libcrux")]
use {hybrid::libcrux as default_hybrids, ml_kem_libcrux as seeded};
#[cfg(not(feature = "libcrux"))]
use {hybrid::rustcrypto as default_hybrids, ml_kem as seeded};
// The default ML-KEM: AWS-LC where it is built (its seeded twins are `seeded`'s).
#[cfg(feature = "aws-lc")]
use ml_kem_aws_lc as default_ml_kem;
#[cfg(not(feature = "aws-lc"))]
use seeded as default_ml_kem;

/// Sizes, in bytes, of everything a KEM suite takes or returns.
/// They are the suite's, the same in every backend (the values: `lengths.rs`).
///
/// ```
/// use pqwire_core::{kem, KemSuite};
/// let l = kem::backend(KemSuite::XWing).lengths();
/// assert_eq!((l.public_key, l.cipher_text, l.secret_key), (1216, 1120, 32));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KemLengths {
    /// Encapsulation (public) key.
    pub public_key: usize,
    /// Decapsulation (secret) key as exported by pqwire.
    pub secret_key: usize,
    /// Ciphertext.
    pub cipher_text: usize,
    /// Shared secret.
    pub shared_secret: usize,
    /// Seed accepted by seeded key generation.
    pub keygen_seed: usize,
    /// Randomness accepted by seeded encapsulation.
    pub encapsulation_randomness: usize,
}

/// The result of an encapsulation.
#[derive(Debug)]
pub struct Encapsulation {
    /// Ciphertext to send to the key's owner.
    pub cipher_text: Vec<u8>,
    /// Shared secret, zeroized on drop.
    pub shared_secret: SecretBytes,
}

/// A decapsulation key parsed once and kept in memory, for repeated use.
pub trait Decapsulator: Send + Sync {
    /// Decapsulates `cipher_text`. ML-KEM never fails on a well-sized ciphertext
    /// (implicit rejection returns a pseudorandom secret instead).
    fn decapsulate(&self, cipher_text: &[u8]) -> Result<SecretBytes>;

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

/// One KEM suite from one backend.
pub trait KemBackend: Send + Sync {
    /// The suite implemented.
    fn suite(&self) -> KemSuite;
    /// The backend's name (`"aws-lc"`, `"libcrux"`, `"rustcrypto"`, `"pqclean"`, or
    /// `"pqwire"` for a construction of pqwire's own such as the hybrids).
    fn backend_name(&self) -> &'static str;
    /// Sizes of keys, ciphertexts and seeds: the suite's, the same in every backend.
    fn lengths(&self) -> KemLengths {
        KemLengths::of(self.suite())
    }
    /// Generates `(public_key, secret_key)`, from `seed` when given.
    fn keygen(&self, seed: Option<&[u8]>) -> Result<(Vec<u8>, SecretBytes)>;
    /// Encapsulates to `public_key`, using `randomness` when given.
    fn encapsulate(&self, public_key: &[u8], randomness: Option<&[u8]>) -> Result<Encapsulation>;
    /// Parses a secret key into a reusable [`Decapsulator`].
    fn load_secret_key(&self, secret_key: &[u8]) -> Result<Box<dyn Decapsulator>>;
    /// Decapsulates with a secret key given as bytes.
    fn decapsulate(&self, cipher_text: &[u8], secret_key: &[u8]) -> Result<SecretBytes> {
        self.load_secret_key(secret_key)?.decapsulate(cipher_text)
    }
    /// Checks a public key (length and, for ML-KEM, the FIPS 203 modulus check).
    fn check_public_key(&self, public_key: &[u8]) -> Result<()>;
}

/// The default backend of `suite`, per operation the fastest measured of those built in:
/// AWS-LC for ML-KEM (with libcrux for the seeded key generation and encapsulation AWS-LC
/// does not offer), and libcrux's ML-KEM inside pqwire's construction for the hybrids,
/// which need the seeded operations. Without AWS-LC (the pure-Rust build) ML-KEM is
/// libcrux's too; without libcrux, RustCrypto's.
///
/// ```
/// use pqwire_core::{kem, KemSuite};
/// let k = kem::backend(KemSuite::MlKem768);
/// let (pk, sk) = k.keygen(None).unwrap();
/// let enc = k.encapsulate(&pk, None).unwrap();
/// assert_eq!(k.decapsulate(&enc.cipher_text, sk.expose()).unwrap(), enc.shared_secret);
/// ```
pub fn backend(suite: KemSuite) -> &'static dyn KemBackend {
    match suite {
        KemSuite::MlKem512 => &default_ml_kem::ML_KEM_512,
        KemSuite::MlKem768 => &default_ml_kem::ML_KEM_768,
        KemSuite::MlKem1024 => &default_ml_kem::ML_KEM_1024,
        KemSuite::XWing => &default_hybrids::X_WING,
        KemSuite::X25519MlKem512 => &default_hybrids::X25519_ML_KEM_512,
        KemSuite::X25519MlKem1024 => &default_hybrids::X25519_ML_KEM_1024,
        KemSuite::X25519 => &x25519_kem::X25519_KEM,
    }
}

/// The implementation of `suite` in `backend`: [`backend`] for [`Backend::Default`];
/// `UNSUPPORTED` when the backend does not implement the suite (X25519 is the default's
/// only; PQClean has no hybrids) or is not in this build.
///
/// ```
/// use pqwire_core::{kem, Backend, KemSuite};
/// let rc = kem::backend_of(KemSuite::XWing, Backend::RustCrypto)?;
/// let lc = kem::backend_of(KemSuite::XWing, Backend::Libcrux)?;
/// // The same bytes from the same seed.
/// assert_eq!(rc.keygen(Some(&[7; 32]))?, lc.keygen(Some(&[7; 32]))?);
/// # Ok::<(), pqwire_core::Error>(())
/// ```
pub fn backend_of(suite: KemSuite, backend: Backend) -> Result<&'static dyn KemBackend> {
    match backend {
        Backend::Default => Ok(self::backend(suite)),
        _ => backend.find(OFFERS, |b| b.suite() == suite),
    }
}

/// The implementation of `suite` for lockable key pairs ([`KemKeyPair::generate_lockable`]):
/// one whose parsed keys hold all their secret state where
/// [`KemKeyPair::secret_memory`] can report it, so that a binding can lock all of it. It
/// computes the same function as [`backend`] (same keys from the same seed, same shared
/// secrets), only differently held:
///
/// - ML-KEM: libcrux's (inline arrays) instead of AWS-LC's (its own C heap);
/// - the X25519+ML-KEM hybrids: libcrux's ML-KEM as in the default, with `x25519-dalek`'s
///   X25519 key inline instead of AWS-LC's;
/// - X25519: `x25519-dalek`'s, inline.
///
/// Slower where it swaps AWS-LC out. Where a crate it needs is not built (`libcrux` for
/// ML-KEM and the hybrids; `rustcrypto`, which brings `x25519-dalek`, for X25519 next to
/// AWS-LC) that part is the default's, and [`SecretMemory::complete`] says so; in the
/// pure-Rust build it is the default.
///
/// ```
/// use pqwire_core::{kem::{self, KemKeyPair}, KemSuite};
/// let kp = KemKeyPair::generate_lockable(KemSuite::X25519MlKem1024, Some(&[7; 32]))?;
/// assert!(kp.secret_memory().complete);
/// let normal = KemKeyPair::generate(KemSuite::X25519MlKem1024, Some(&[7; 32]))?;
/// assert_eq!(kp.public_key(), normal.public_key());
/// let enc = kem::backend(KemSuite::X25519MlKem1024).encapsulate(kp.public_key(), None)?;
/// assert_eq!(kp.decapsulate(&enc.cipher_text)?, normal.decapsulate(&enc.cipher_text)?);
/// # Ok::<(), pqwire_core::Error>(())
/// ```
pub fn lockable_backend(suite: KemSuite) -> &'static dyn KemBackend {
    match suite {
        KemSuite::X25519 => &x25519_kem::X25519_KEM_LOCKABLE,
        #[cfg(feature = "libcrux")]
        KemSuite::MlKem512 => &ml_kem_libcrux::ML_KEM_512,
        #[cfg(feature = "libcrux")]
        KemSuite::MlKem768 => &ml_kem_libcrux::ML_KEM_768,
        #[cfg(feature = "libcrux")]
        KemSuite::MlKem1024 => &ml_kem_libcrux::ML_KEM_1024,
        #[cfg(feature = "libcrux")]
        KemSuite::XWing => &hybrid::lockable::X_WING,
        #[cfg(feature = "libcrux")]
        KemSuite::X25519MlKem512 => &hybrid::lockable::X25519_ML_KEM_512,
        #[cfg(feature = "libcrux")]
        KemSuite::X25519MlKem1024 => &hybrid::lockable::X25519_ML_KEM_1024,
        // Without libcrux, ML-KEM is AWS-LC's or RustCrypto's (which boxes its key
        // privately): neither can be all within reach, so the default stays.
        #[cfg(not(feature = "libcrux"))]
        _ => backend(suite),
    }
}

/// [`lockable_backend`] for a chosen [`Backend`], for key pairs that are to be both
/// (`UNSUPPORTED` where [`backend_of`] is): [`lockable_backend`] for the default and
/// libcrux (whose hybrids then hold `x25519-dalek`'s X25519 key); for RustCrypto and
/// PQClean the backend's own implementation, unchanged (RustCrypto's ML-KEM is never all
/// within reach, so its hybrids would gain nothing; PQClean's ML-KEM already is).
///
/// ```
/// use pqwire_core::{kem::{self, KemKeyPair}, Backend, KemSuite};
/// let b = kem::lockable_backend_of(KemSuite::MlKem768, Backend::PqClean)?;
/// assert!(std::ptr::addr_eq(b, kem::backend_of(KemSuite::MlKem768, Backend::PqClean)?));
/// assert!(KemKeyPair::generate_with(b, None)?.secret_memory().complete);
/// # Ok::<(), pqwire_core::Error>(())
/// ```
pub fn lockable_backend_of(suite: KemSuite, backend: Backend) -> Result<&'static dyn KemBackend> {
    let own = backend_of(suite, backend)?;
    Ok(match backend {
        Backend::Default | Backend::Libcrux => lockable_backend(suite),
        Backend::RustCrypto | Backend::PqClean => own,
    })
}

/// What each backend but the default implements.
static OFFERS: &Offers<dyn KemBackend> = &[
    #[cfg(feature = "libcrux")]
    (
        Backend::Libcrux,
        &[&ml_kem_libcrux::ALL, &hybrid::libcrux::ALL],
    ),
    #[cfg(feature = "rustcrypto")]
    (
        Backend::RustCrypto,
        &[&ml_kem::ALL, &hybrid::rustcrypto::ALL],
    ),
    #[cfg(feature = "pqclean")]
    (Backend::PqClean, &[&ml_kem_pqclean::ALL]),
];

/// The AWS-LC backend of `suite`, where there is one (ML-KEM): today the default, named so
/// that tests and benchmarks need not assume that. Its seeded key generation and
/// encapsulation are libcrux's. Not a [`Backend`]: applications choose the default.
#[cfg(all(feature = "aws-lc", feature = "test-support"))]
pub fn aws_lc_backend(suite: KemSuite) -> Option<&'static dyn KemBackend> {
    let all: [&'static dyn KemBackend; 3] = [
        &ml_kem_aws_lc::ML_KEM_512,
        &ml_kem_aws_lc::ML_KEM_768,
        &ml_kem_aws_lc::ML_KEM_1024,
    ];
    all.into_iter().find(|b| b.suite() == suite)
}

/// A KEM key pair whose secret stays in native memory, parsed once for fast decapsulation.
///
/// ```
/// use pqwire_core::{kem::{self, KemKeyPair}, KemSuite};
/// let kp = KemKeyPair::generate(KemSuite::XWing, None).unwrap();
/// let enc = kem::backend(KemSuite::XWing).encapsulate(kp.public_key(), None).unwrap();
/// assert_eq!(kp.decapsulate(&enc.cipher_text).unwrap(), enc.shared_secret);
/// ```
pub struct KemKeyPair {
    suite: KemSuite,
    public_key: Vec<u8>,
    secret_key: SecretBytes,
    decapsulator: Box<dyn Decapsulator>,
}

impl KemKeyPair {
    /// Generates a key pair with the default backend, from `seed` when given.
    pub fn generate(suite: KemSuite, seed: Option<&[u8]>) -> Result<Self> {
        Self::generate_with(backend(suite), seed)
    }

    /// Generates a key pair of `b`'s suite with the backend `b` (from [`backend_of`]),
    /// which also parses and holds the secret key, from `seed` when given (`UNSUPPORTED`
    /// where the backend has no seeded key generation: PQClean).
    pub fn generate_with(b: &dyn KemBackend, seed: Option<&[u8]>) -> Result<Self> {
        let (public_key, secret_key) = b.keygen(seed)?;
        let decapsulator = b.load_secret_key(secret_key.expose())?;
        Ok(Self {
            suite: b.suite(),
            public_key,
            secret_key,
            decapsulator,
        })
    }

    /// Imports a key pair from its exported secret and public keys. The public key must
    /// be the one belonging to the secret key; a mismatch is refused.
    pub fn import(suite: KemSuite, secret_key: &[u8], public_key: &[u8]) -> Result<Self> {
        Self::import_with(backend(suite), secret_key, public_key)
    }

    /// [`KemKeyPair::generate`] for a key pair whose secret state is all where
    /// [`KemKeyPair::secret_memory`] reports it (`complete`), so that a binding can lock
    /// all of it: held by [`lockable_backend`] (libcrux's ML-KEM, `x25519-dalek`'s X25519,
    /// both inline), somewhat slower than the default's AWS-LC. The same public key from
    /// the same seed, and the same shared secrets, as [`KemKeyPair::generate`]. Where a
    /// crate it needs is not built, the part concerned is the default's and `complete`
    /// is `false`.
    pub fn generate_lockable(suite: KemSuite, seed: Option<&[u8]>) -> Result<Self> {
        Self::generate_with(lockable_backend(suite), seed)
    }

    /// [`KemKeyPair::import`] into a lockable key pair ([`KemKeyPair::generate_lockable`]).
    pub fn import_lockable(suite: KemSuite, secret_key: &[u8], public_key: &[u8]) -> Result<Self> {
        Self::import_with(lockable_backend(suite), secret_key, public_key)
    }

    /// [`KemKeyPair::import`] with the backend `b` (from [`backend_of`]) for `b`'s suite.
    pub fn import_with(b: &dyn KemBackend, secret_key: &[u8], public_key: &[u8]) -> Result<Self> {
        let suite = b.suite();
        b.check_public_key(public_key)?;
        let decapsulator = b.load_secret_key(secret_key)?;
        // Round-trip check: an encapsulation to the given public key must open.
        let probe = b.encapsulate(public_key, None)?;
        if decapsulator.decapsulate(&probe.cipher_text)? != probe.shared_secret {
            return Err(crate::Error::InvalidKey {
                what: "public key does not belong to the secret key",
            });
        }
        Ok(Self {
            suite,
            public_key: public_key.to_vec(),
            secret_key: SecretBytes::from_slice(secret_key),
            decapsulator,
        })
    }

    /// The suite of this key pair.
    pub fn suite(&self) -> KemSuite {
        self.suite
    }

    /// The public (encapsulation) key.
    pub fn public_key(&self) -> &[u8] {
        &self.public_key
    }

    /// Decapsulates a ciphertext addressed to this key pair.
    pub fn decapsulate(&self, cipher_text: &[u8]) -> Result<SecretBytes> {
        self.decapsulator.decapsulate(cipher_text)
    }

    /// Exports the secret key. Only on explicit request: the caller then owns a copy.
    pub fn export_secret_key(&self) -> SecretBytes {
        self.secret_key.clone()
    }

    /// Where this key pair's secret state is, for locking it into RAM: the secret key's
    /// bytes, the parsed key's storage and the heap buffers that parsed key owns
    /// ([`Decapsulator::secret_heap`]). Not complete where the backend keeps the key out of
    /// pqwire's sight: AWS-LC (the default ML-KEM; X25519, alone and in the hybrids, in
    /// the default build) and RustCrypto's `ml-kem`, which boxes its key privately.
    /// Complete for every suite's lockable key pairs ([`KemKeyPair::generate_lockable`])
    /// in a build with libcrux and RustCrypto (the default and the pure-Rust build).
    pub fn secret_memory(&self) -> SecretMemory {
        SecretMemory::all([self.secret_key.region(), region_of(&*self.decapsulator)])
            .and(self.decapsulator.secret_heap())
    }
}

impl core::fmt::Debug for KemKeyPair {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("KemKeyPair")
            .field("suite", &self.suite)
            .field("public_key_len", &self.public_key.len())
            .field("secret_key", &"[REDACTED]")
            .finish()
    }
}
