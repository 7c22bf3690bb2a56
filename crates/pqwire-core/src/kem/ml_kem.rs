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
use crate::random::{given_or_random, sized};
use crate::suite::KemSuite;
use crate::{Error, Result, SecretBytes, SecretMemory};
use ml_kem::array::Array;
use ml_kem::{Decapsulate, DecapsulationKey, EncapsulationKey, ExpandedKeyEncoding, KeyExport};
use zeroize::Zeroize;

/// The operations of one ML-KEM parameter set of one implementation that the generic
/// code needs. Implemented by a macro for the three parameter sets; each of them is then
/// a [`KemBackend`] (below), so the rest stays generic.
pub(crate) trait MlKemParams: Send + Sync + 'static {
    /// Parsed decapsulation key, zeroized on drop.
    type Dk: Send + Sync;
    /// The implementation's name, reported by [`KemBackend::backend_name`].
    const BACKEND: &'static str;
    const SUITE: KemSuite;
    /// The parameter set's sizes.
    const LENGTHS: KemLengths = KemLengths::of(Self::SUITE);
    /// ML-KEM.KeyGen_internal(d, z): the parsed key and the encoded encapsulation key.
    fn keygen_internal(seed: &[u8; 64]) -> (Self::Dk, Vec<u8>);
    /// Encaps_internal(ek, m) after the FIPS 203 encapsulation-key check.
    fn encaps_internal(ek: &[u8], m: &[u8; 32]) -> Result<(Vec<u8>, SecretBytes)>;
    /// The FIPS 203 encapsulation-key check (length and modulus) alone.
    fn check_ek(ek: &[u8]) -> Result<()>;
    /// Decaps_internal(dk, c) after the ciphertext length check.
    fn decaps_internal(dk: &Self::Dk, ct: &[u8]) -> Result<SecretBytes>;
    /// Parses and checks (hash check) an expanded decapsulation key.
    fn dk_from_expanded(sk: &[u8]) -> Result<Self::Dk>;
    /// Encodes a decapsulation key in the expanded form.
    fn dk_to_expanded(dk: &Self::Dk) -> SecretBytes;
    /// The heap buffers a parsed key owns beyond its own storage
    /// ([`Decapsulator::secret_heap`]).
    fn dk_secret_heap(dk: &Self::Dk) -> SecretMemory;
}

/// Copies out `ml-kem`'s shared key or expanded key, a plain array, and wipes it.
fn copy_out(bytes: &mut [u8]) -> SecretBytes {
    let secret = SecretBytes::from_slice(bytes);
    bytes.zeroize();
    secret
}

macro_rules! ml_kem_params {
    ($name:ident, $static:ident, $p:ty, $suite:expr) => {
        pub(crate) struct $name;

        // RustCrypto's own backend: a `Backend::RustCrypto` choice, and the seeded ML-KEM
        // where libcrux is not built. (Its parsers serve every build.)
        #[cfg(any(feature = "rustcrypto", not(feature = "libcrux")))]
        pub(crate) static $static: $name = $name;

        impl $name {
            fn parse_ek(ek: &[u8]) -> Result<EncapsulationKey<$p>> {
                let what = concat!(stringify!($p), " public key");
                let arr = sized(what, Self::LENGTHS.public_key, ek)?;
                EncapsulationKey::<$p>::new(&arr).map_err(|_| Error::InvalidKey {
                    what: "ML-KEM encapsulation key fails the FIPS 203 modulus check",
                })
            }
        }

        impl MlKemParams for $name {
            type Dk = DecapsulationKey<$p>;
            const BACKEND: &'static str = "rustcrypto";
            const SUITE: KemSuite = $suite;

            fn keygen_internal(seed: &[u8; 64]) -> (Self::Dk, Vec<u8>) {
                let dk = DecapsulationKey::<$p>::from_seed(Array::from(*seed));
                let ek = dk.encapsulation_key().to_bytes().to_vec();
                (dk, ek)
            }

            fn encaps_internal(ek: &[u8], m: &[u8; 32]) -> Result<(Vec<u8>, SecretBytes)> {
                let (ct, mut ss) = Self::parse_ek(ek)?.encapsulate_deterministic(&Array::from(*m));
                Ok((ct.to_vec(), copy_out(&mut ss)))
            }

            fn check_ek(ek: &[u8]) -> Result<()> {
                Self::parse_ek(ek).map(|_| ())
            }

            fn decaps_internal(dk: &Self::Dk, ct: &[u8]) -> Result<SecretBytes> {
                let what = concat!(stringify!($p), " ciphertext");
                let ct = sized(what, Self::LENGTHS.cipher_text, ct)?;
                Ok(copy_out(&mut dk.decapsulate(&ct)))
            }

            fn dk_from_expanded(sk: &[u8]) -> Result<Self::Dk> {
                let what = concat!(stringify!($p), " secret key");
                let arr = sized(what, Self::LENGTHS.secret_key, sk)?;
                DecapsulationKey::<$p>::from_expanded_bytes(&arr).map_err(|_| Error::InvalidKey {
                    what: "ML-KEM decapsulation key fails the FIPS 203 key check",
                })
            }

            fn dk_to_expanded(dk: &Self::Dk) -> SecretBytes {
                copy_out(&mut dk.to_expanded_bytes())
            }

            fn dk_secret_heap(_: &Self::Dk) -> SecretMemory {
                // `ml-kem` (with `alloc`, which `ml-dsa` turns on for `module-lattice`)
                // boxes ŝ, z and d in private fields: out of reach.
                SecretMemory::unknown()
            }
        }
    };
}

ml_kem_params!(P512, ML_KEM_512, ml_kem::MlKem512, KemSuite::MlKem512);
ml_kem_params!(P768, ML_KEM_768, ml_kem::MlKem768, KemSuite::MlKem768);
ml_kem_params!(P1024, ML_KEM_1024, ml_kem::MlKem1024, KemSuite::MlKem1024);

/// RustCrypto's parameter sets, as `Backend::RustCrypto` offers them.
#[cfg(feature = "rustcrypto")]
pub(crate) static ALL: [&dyn KemBackend; 3] = [&ML_KEM_512, &ML_KEM_768, &ML_KEM_1024];

struct Loaded<P: MlKemParams>(P::Dk);

impl<P: MlKemParams> Decapsulator for Loaded<P> {
    fn decapsulate(&self, cipher_text: &[u8]) -> Result<SecretBytes> {
        P::decaps_internal(&self.0, cipher_text)
    }

    fn secret_heap(&self) -> SecretMemory {
        P::dk_secret_heap(&self.0)
    }
}

/// Every parameter set of a seeded implementation is a backend.
impl<P: MlKemParams> KemBackend for P {
    fn suite(&self) -> KemSuite {
        P::SUITE
    }

    fn backend_name(&self) -> &'static str {
        P::BACKEND
    }

    fn keygen(&self, seed: Option<&[u8]>) -> Result<(Vec<u8>, SecretBytes)> {
        let seed = given_or_random::<64>("ML-KEM key generation seed (d || z)", seed)?;
        let (dk, ek) = P::keygen_internal(&seed);
        Ok((ek, P::dk_to_expanded(&dk)))
    }

    fn encapsulate(&self, public_key: &[u8], randomness: Option<&[u8]>) -> Result<Encapsulation> {
        Error::check_len("ML-KEM public key", P::LENGTHS.public_key, public_key.len())?;
        let m = given_or_random::<32>("ML-KEM encapsulation randomness (m)", randomness)?;
        let (cipher_text, shared_secret) = P::encaps_internal(public_key, &m)?;
        Ok(Encapsulation {
            cipher_text,
            shared_secret,
        })
    }

    fn load_secret_key(&self, secret_key: &[u8]) -> Result<Box<dyn Decapsulator>> {
        Ok(Box::new(Loaded::<P>(P::dk_from_expanded(secret_key)?)))
    }

    fn check_public_key(&self, public_key: &[u8]) -> Result<()> {
        Error::check_len("ML-KEM public key", P::LENGTHS.public_key, public_key.len())?;
        P::check_ek(public_key)
    }
}
