//! ML-KEM (FIPS 203) through libcrux (`libcrux-ml-kem`, Cryspen): code formally verified
//! with hax/F*, with AVX2 (x86_64) or NEON (aarch64) code chosen at run time and portable
//! code elsewhere. The seeded ML-KEM of the defaults (AWS-LC's seeded twins, the hybrids) and
//! the default ML-KEM of the pure-Rust build: the fastest measured of those that offer
//! seeded operations (docs/primitives.md, "Backends and why").
//!
//! libcrux takes its randomness as arrays, so key generation from `d || z` and
//! encapsulation with a given `m` map directly onto [`MlKemParams`]. The FIPS 203 input
//! checks are not left to libcrux: encapsulation keys go through the RustCrypto modulus
//! check and expanded decapsulation keys through its hash check (`ml_kem.rs`), so every
//! backend accepts and refuses exactly the same keys. Keys use the same expanded `dk`
//! encoding as the other backends.

use super::ml_kem::{self as rc, MlKemParams};
use super::{KemBackend, KemLengths};
use crate::random::sized;
use crate::suite::KemSuite;
use crate::{Result, SecretBytes, SecretMemory};
use libcrux_ml_kem::{MlKemCiphertext, MlKemPrivateKey, MlKemPublicKey};
use zeroize::{Zeroize, Zeroizing};

/// A libcrux decapsulation key, wiped on drop (libcrux's own key type is not).
pub(crate) struct Dk<const SK: usize>(MlKemPrivateKey<SK>);

impl<const SK: usize> Drop for Dk<SK> {
    fn drop(&mut self) {
        self.0[0..].zeroize();
    }
}

macro_rules! libcrux_ml_kem_params {
    ($name:ident, $static:ident, $m:ident, $rc:ty, $suite:expr, $label:literal) => {
        pub(crate) struct $name;

        pub(crate) static $static: $name = $name;

        impl MlKemParams for $name {
            type Dk = Dk<{ KemLengths::of($suite).secret_key }>;
            const BACKEND: &'static str = "libcrux";
            const SUITE: KemSuite = $suite;

            fn keygen_internal(seed: &[u8; 64]) -> (Self::Dk, Vec<u8>) {
                let (sk, pk) = libcrux_ml_kem::$m::generate_key_pair(*seed).into_parts();
                (Dk(sk), pk.as_slice().to_vec())
            }

            fn encaps_internal(ek: &[u8], m: &[u8; 32]) -> Result<(Vec<u8>, SecretBytes)> {
                // libcrux's encapsulate skips the modulus check; run RustCrypto's.
                <$rc>::check_ek(ek)?;
                let what = concat!($label, " public key");
                let ek: MlKemPublicKey<_> = sized(what, Self::LENGTHS.public_key, ek)?;
                let (ct, ss) = libcrux_ml_kem::$m::encapsulate(&ek, *m);
                let ss = Zeroizing::new(ss);
                Ok((ct.as_slice().to_vec(), SecretBytes::from_slice(ss.as_ref())))
            }

            fn check_ek(ek: &[u8]) -> Result<()> {
                <$rc>::check_ek(ek)
            }

            fn decaps_internal(dk: &Self::Dk, ct: &[u8]) -> Result<SecretBytes> {
                let what = concat!($label, " ciphertext");
                let ct: MlKemCiphertext<_> = sized(what, Self::LENGTHS.cipher_text, ct)?;
                let ss = Zeroizing::new(libcrux_ml_kem::$m::decapsulate(&dk.0, &ct));
                Ok(SecretBytes::from_slice(ss.as_ref()))
            }

            fn dk_from_expanded(sk: &[u8]) -> Result<Self::Dk> {
                // libcrux does not check a decapsulation key; RustCrypto's parser runs the
                // FIPS 203 hash check (and the modulus check of the embedded ek). Its
                // parsed key is wiped on drop right away.
                <$rc>::dk_from_expanded(sk)?;
                let mut dk = Dk(MlKemPrivateKey::default());
                dk.0[0..].copy_from_slice(sk);
                Ok(dk)
            }

            fn dk_to_expanded(dk: &Self::Dk) -> SecretBytes {
                SecretBytes::from_slice(dk.0.as_slice())
            }

            fn dk_secret_heap(_: &Self::Dk) -> SecretMemory {
                // libcrux's key is an inline array: all of it is in the holder's storage.
                SecretMemory::all([])
            }
        }
    };
}

libcrux_ml_kem_params!(
    P512,
    ML_KEM_512,
    mlkem512,
    rc::P512,
    KemSuite::MlKem512,
    "ML-KEM-512"
);
libcrux_ml_kem_params!(
    P768,
    ML_KEM_768,
    mlkem768,
    rc::P768,
    KemSuite::MlKem768,
    "ML-KEM-768"
);
libcrux_ml_kem_params!(
    P1024,
    ML_KEM_1024,
    mlkem1024,
    rc::P1024,
    KemSuite::MlKem1024,
    "ML-KEM-1024"
);

/// libcrux's parameter sets, as `Backend::Libcrux` offers them.
pub(crate) static ALL: [&dyn KemBackend; 3] = [&ML_KEM_512, &ML_KEM_768, &ML_KEM_1024];
