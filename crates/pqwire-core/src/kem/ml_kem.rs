//! ML-KEM (FIPS 203) through the RustCrypto `ml-kem` crate.
//!
//! Secret keys are exchanged in the expanded FIPS 203 encoding (`dk`), the format of
//! PQClean and `@noble/post-quantum`, so keys move between libraries unchanged.
//! Key generation takes the 64-byte seed `d || z`; encapsulation takes the 32-byte `m`.
//!
//! The [`KemBackend`] here is generic over [`MlKemParams`], so it also serves the libcrux
//! implementation (`ml_kem_libcrux.rs`), and the parsers here (FIPS 203 modulus and hash
//! checks) are the ones every ML-KEM backend runs on its inputs.

#![allow(deprecated)] // the expanded key encoding is deprecated upstream but is the interchange format

use super::{Decapsulator, Encapsulation, KemBackend, KemLengths};
use crate::random::given_or_random;
use crate::suite::KemSuite;
use crate::{Error, Result, SecretBytes};
use ml_kem::array::Array;
use ml_kem::{Decapsulate, DecapsulationKey, EncapsulationKey, ExpandedKeyEncoding, KeyExport};
use zeroize::Zeroize;

/// The operations of one ML-KEM parameter set of one implementation that the generic
/// code needs. Implemented by a macro for the three parameter sets, so the rest stays generic.
pub(crate) trait MlKemParams: Send + Sync + 'static {
    /// Parsed decapsulation key, zeroized on drop.
    type Dk: Send + Sync;
    /// The implementation's name, reported by [`KemBackend::backend_name`].
    const BACKEND: &'static str;
    const SUITE: KemSuite;
    const PUBLIC_KEY: usize;
    const SECRET_KEY: usize;
    const CIPHER_TEXT: usize;
    /// ML-KEM.KeyGen_internal(d, z): the parsed key and the encoded encapsulation key.
    fn keygen(seed: &[u8; 64]) -> (Self::Dk, Vec<u8>);
    /// Encaps_internal(ek, m) after the FIPS 203 encapsulation-key check.
    fn encapsulate(ek: &[u8], m: &[u8; 32]) -> Result<(Vec<u8>, SecretBytes)>;
    /// The FIPS 203 encapsulation-key check (length and modulus) alone.
    fn check_ek(ek: &[u8]) -> Result<()>;
    /// Decaps_internal(dk, c) after the ciphertext length check.
    fn decapsulate(dk: &Self::Dk, ct: &[u8]) -> Result<SecretBytes>;
    /// Parses and checks (hash check) an expanded decapsulation key.
    fn dk_from_expanded(sk: &[u8]) -> Result<Self::Dk>;
    /// Encodes a decapsulation key in the expanded form.
    fn dk_to_expanded(dk: &Self::Dk) -> SecretBytes;
}

macro_rules! ml_kem_params {
    ($name:ident, $p:ty, $suite:expr, $pk:expr, $sk:expr, $ct:expr) => {
        pub(crate) struct $name;

        impl $name {
            fn parse_ek(ek: &[u8]) -> Result<EncapsulationKey<$p>> {
                let arr = Array::try_from(ek).map_err(|_| Error::BadLength {
                    what: concat!(stringify!($p), " public key"),
                    expected: $pk,
                    actual: ek.len(),
                })?;
                EncapsulationKey::<$p>::new(&arr).map_err(|_| Error::InvalidKey {
                    what: "ML-KEM encapsulation key fails the FIPS 203 modulus check",
                })
            }
        }

        impl MlKemParams for $name {
            type Dk = DecapsulationKey<$p>;
            const BACKEND: &'static str = "rustcrypto";
            const SUITE: KemSuite = $suite;
            const PUBLIC_KEY: usize = $pk;
            const SECRET_KEY: usize = $sk;
            const CIPHER_TEXT: usize = $ct;

            fn keygen(seed: &[u8; 64]) -> (Self::Dk, Vec<u8>) {
                let dk = DecapsulationKey::<$p>::from_seed(Array::from(*seed));
                let ek = dk.encapsulation_key().to_bytes().to_vec();
                (dk, ek)
            }

            fn encapsulate(ek: &[u8], m: &[u8; 32]) -> Result<(Vec<u8>, SecretBytes)> {
                let (ct, mut ss) = Self::parse_ek(ek)?.encapsulate_deterministic(&Array::from(*m));
                // `ml-kem`'s shared key is a plain array: copied out, then wiped.
                let shared = SecretBytes::from_slice(&ss);
                ss.as_mut_slice().zeroize();
                Ok((ct.to_vec(), shared))
            }

            fn check_ek(ek: &[u8]) -> Result<()> {
                Self::parse_ek(ek).map(|_| ())
            }

            fn decapsulate(dk: &Self::Dk, ct: &[u8]) -> Result<SecretBytes> {
                let ct = Array::try_from(ct).map_err(|_| Error::BadLength {
                    what: concat!(stringify!($p), " ciphertext"),
                    expected: $ct,
                    actual: ct.len(),
                })?;
                let mut ss = dk.decapsulate(&ct);
                let shared = SecretBytes::from_slice(&ss);
                ss.as_mut_slice().zeroize();
                Ok(shared)
            }

            fn dk_from_expanded(sk: &[u8]) -> Result<Self::Dk> {
                let arr = Array::try_from(sk).map_err(|_| Error::BadLength {
                    what: concat!(stringify!($p), " secret key"),
                    expected: $sk,
                    actual: sk.len(),
                })?;
                DecapsulationKey::<$p>::from_expanded_bytes(&arr).map_err(|_| Error::InvalidKey {
                    what: "ML-KEM decapsulation key fails the FIPS 203 key check",
                })
            }

            fn dk_to_expanded(dk: &Self::Dk) -> SecretBytes {
                let mut bytes = dk.to_expanded_bytes();
                let expanded = SecretBytes::from_slice(&bytes);
                bytes.as_mut_slice().zeroize();
                expanded
            }
        }
    };
}

ml_kem_params!(P512, ml_kem::MlKem512, KemSuite::MlKem512, 800, 1632, 768);
ml_kem_params!(P768, ml_kem::MlKem768, KemSuite::MlKem768, 1184, 2400, 1088);
ml_kem_params!(
    P1024,
    ml_kem::MlKem1024,
    KemSuite::MlKem1024,
    1568,
    3168,
    1568
);

/// The ML-KEM backend for parameter set (and implementation) `P`.
pub(crate) struct MlKem<P>(core::marker::PhantomData<fn() -> P>);

impl<P> MlKem<P> {
    /// The backend, for a `static`.
    pub(crate) const fn new() -> Self {
        Self(core::marker::PhantomData)
    }
}

// RustCrypto's own backend: a `Backend::RustCrypto` choice, and the seeded ML-KEM where
// libcrux is not built. (Its parsers above serve every build.)
#[cfg(any(feature = "rustcrypto", not(feature = "libcrux")))]
pub(crate) static ML_KEM_512: MlKem<P512> = MlKem::new();
#[cfg(any(feature = "rustcrypto", not(feature = "libcrux")))]
pub(crate) static ML_KEM_768: MlKem<P768> = MlKem::new();
#[cfg(any(feature = "rustcrypto", not(feature = "libcrux")))]
pub(crate) static ML_KEM_1024: MlKem<P1024> = MlKem::new();

struct Loaded<P: MlKemParams>(P::Dk);

impl<P: MlKemParams> Decapsulator for Loaded<P> {
    fn decapsulate(&self, cipher_text: &[u8]) -> Result<SecretBytes> {
        P::decapsulate(&self.0, cipher_text)
    }
}

impl<P: MlKemParams> KemBackend for MlKem<P> {
    fn suite(&self) -> KemSuite {
        P::SUITE
    }

    fn backend_name(&self) -> &'static str {
        P::BACKEND
    }

    fn lengths(&self) -> KemLengths {
        KemLengths {
            public_key: P::PUBLIC_KEY,
            secret_key: P::SECRET_KEY,
            cipher_text: P::CIPHER_TEXT,
            shared_secret: 32,
            keygen_seed: 64,
            encapsulation_randomness: 32,
        }
    }

    fn keygen(&self, seed: Option<&[u8]>) -> Result<(Vec<u8>, SecretBytes)> {
        let seed = given_or_random::<64>("ML-KEM key generation seed (d || z)", seed)?;
        let (dk, ek) = P::keygen(&seed);
        Ok((ek, P::dk_to_expanded(&dk)))
    }

    fn encapsulate(&self, public_key: &[u8], randomness: Option<&[u8]>) -> Result<Encapsulation> {
        Error::check_len("ML-KEM public key", P::PUBLIC_KEY, public_key.len())?;
        let m = given_or_random::<32>("ML-KEM encapsulation randomness (m)", randomness)?;
        let (cipher_text, shared_secret) = P::encapsulate(public_key, &m)?;
        Ok(Encapsulation {
            cipher_text,
            shared_secret,
        })
    }

    fn load_secret_key(&self, secret_key: &[u8]) -> Result<Box<dyn Decapsulator>> {
        Ok(Box::new(Loaded::<P>(P::dk_from_expanded(secret_key)?)))
    }

    fn check_public_key(&self, public_key: &[u8]) -> Result<()> {
        Error::check_len("ML-KEM public key", P::PUBLIC_KEY, public_key.len())?;
        P::check_ek(public_key)
    }
}
