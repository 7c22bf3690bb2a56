//! ML-KEM (FIPS 203) through AWS-LC (`aws-lc-rs`; mlkem-native inside, with AVX2 code
//! chosen at run time): the default ML-KEM backend, the fastest measured
//! (docs/primitives.md, "Backends and why").
//!
//! `aws-lc-rs` draws its own randomness: it has no key generation from a seed and no
//! encapsulation with given randomness. Those seeded twins (the test vectors, the hybrids'
//! construction, the handshake's reproducible runs) are libcrux's, which computes the same
//! function, so keys and ciphertexts of one open in the other (tests/vectors/differential.rs).
//! As in every ML-KEM backend, the FIPS 203 input checks are RustCrypto's (`ml_kem.rs`).
//! AWS-LC wipes its keys when it frees them, and `aws-lc-rs` wipes the key bytes and
//! shared secrets it hands out.

use super::ml_kem::{self as rc, MlKemParams};
use super::seeded;
use super::{Decapsulator, Encapsulation, KemBackend};
use crate::suite::KemSuite;
use crate::{Error, Result, SecretBytes, SecretMemory};
use aws_lc_rs::kem::{Algorithm, Ciphertext, DecapsulationKey, EncapsulationKey};

/// One parameter set: AWS-LC's algorithm, RustCrypto's checks, the seeded ML-KEM (libcrux
/// where built) for seeded calls.
pub(crate) struct AwsLcMlKem<P: MlKemParams> {
    algorithm: &'static Algorithm,
    seeded: &'static dyn KemBackend,
    checks: core::marker::PhantomData<fn() -> P>,
}

pub(crate) static ML_KEM_512: AwsLcMlKem<rc::P512> = AwsLcMlKem {
    algorithm: &aws_lc_rs::kem::ML_KEM_512,
    seeded: &seeded::ML_KEM_512,
    checks: core::marker::PhantomData,
};
pub(crate) static ML_KEM_768: AwsLcMlKem<rc::P768> = AwsLcMlKem {
    algorithm: &aws_lc_rs::kem::ML_KEM_768,
    seeded: &seeded::ML_KEM_768,
    checks: core::marker::PhantomData,
};
pub(crate) static ML_KEM_1024: AwsLcMlKem<rc::P1024> = AwsLcMlKem {
    algorithm: &aws_lc_rs::kem::ML_KEM_1024,
    seeded: &seeded::ML_KEM_1024,
    checks: core::marker::PhantomData,
};

/// An AWS-LC decapsulation key held for repeated use.
struct Loaded {
    key: DecapsulationKey,
    cipher_text: usize,
}

impl Decapsulator for Loaded {
    fn decapsulate(&self, cipher_text: &[u8]) -> Result<SecretBytes> {
        Error::check_len("ML-KEM ciphertext", self.cipher_text, cipher_text.len())?;
        // Cannot fail on a ciphertext of the right length (implicit rejection).
        let ss = self
            .key
            .decapsulate(Ciphertext::from(cipher_text))
            .map_err(|_| Error::InvalidKey {
                what: "ML-KEM decapsulation refused by AWS-LC",
            })?;
        Ok(SecretBytes::from_slice(ss.as_ref()))
    }

    fn secret_heap(&self) -> SecretMemory {
        // The key is in AWS-LC's own heap (an `EVP_PKEY`), which pqwire cannot see.
        SecretMemory::unknown()
    }
}

impl<P: MlKemParams> KemBackend for AwsLcMlKem<P> {
    fn suite(&self) -> KemSuite {
        P::SUITE
    }

    fn backend_name(&self) -> &'static str {
        "aws-lc"
    }

    fn keygen(&self, seed: Option<&[u8]>) -> Result<(Vec<u8>, SecretBytes)> {
        if seed.is_some() {
            return self.seeded.keygen(seed);
        }
        // Key generation fails only when AWS-LC's random generator does.
        let dk =
            DecapsulationKey::generate(self.algorithm).map_err(|_| Error::RandomnessUnavailable)?;
        let secret_key = dk.key_bytes().map_err(|_| Error::RandomnessUnavailable)?;
        let public_key = dk
            .encapsulation_key()
            .and_then(|ek| ek.key_bytes())
            .map_err(|_| Error::RandomnessUnavailable)?;
        Ok((
            public_key.as_ref().to_vec(),
            SecretBytes::from_slice(secret_key.as_ref()),
        ))
    }

    fn encapsulate(&self, public_key: &[u8], randomness: Option<&[u8]>) -> Result<Encapsulation> {
        if randomness.is_some() {
            return self.seeded.encapsulate(public_key, randomness);
        }
        self.check_public_key(public_key)?;
        let ek =
            EncapsulationKey::new(self.algorithm, public_key).map_err(|_| Error::InvalidKey {
                what: "ML-KEM encapsulation key refused by AWS-LC",
            })?;
        // After the checks above, encapsulation fails only when the random generator does.
        let (cipher_text, shared_secret) =
            ek.encapsulate().map_err(|_| Error::RandomnessUnavailable)?;
        Ok(Encapsulation {
            cipher_text: cipher_text.as_ref().to_vec(),
            shared_secret: SecretBytes::from_slice(shared_secret.as_ref()),
        })
    }

    fn load_secret_key(&self, secret_key: &[u8]) -> Result<Box<dyn Decapsulator>> {
        // RustCrypto's parser runs the FIPS 203 checks (length, H(ek), the embedded ek's
        // modulus check); its parsed key is wiped on drop right away.
        P::dk_from_expanded(secret_key)?;
        let key =
            DecapsulationKey::new(self.algorithm, secret_key).map_err(|_| Error::InvalidKey {
                what: "ML-KEM decapsulation key refused by AWS-LC",
            })?;
        Ok(Box::new(Loaded {
            key,
            cipher_text: P::LENGTHS.cipher_text,
        }))
    }

    fn check_public_key(&self, public_key: &[u8]) -> Result<()> {
        self.seeded.check_public_key(public_key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The three parameter sets, AWS-LC's and the seeded implementation's (libcrux).
    fn pairs() -> [(&'static dyn KemBackend, &'static dyn KemBackend); 3] {
        [
            (&ML_KEM_512, &seeded::ML_KEM_512),
            (&ML_KEM_768, &seeded::ML_KEM_768),
            (&ML_KEM_1024, &seeded::ML_KEM_1024),
        ]
    }

    #[test]
    fn seeded_operations_are_libcruxs_and_the_rest_opens_in_libcrux() {
        for (a, l) in pairs() {
            let seed = [7u8; 64];
            let (pk, sk) = a.keygen(Some(&seed)).unwrap();
            assert_eq!((pk.clone(), sk.clone()), l.keygen(Some(&seed)).unwrap());
            let m = [9u8; 32];
            let enc = a.encapsulate(&pk, Some(&m)).unwrap();
            let lenc = l.encapsulate(&pk, Some(&m)).unwrap();
            assert_eq!(enc.cipher_text, lenc.cipher_text);
            assert_eq!(enc.shared_secret, lenc.shared_secret);
            // AWS-LC's own key generation, encapsulation and decapsulation meet libcrux's.
            let (pk, sk) = a.keygen(None).unwrap();
            assert_eq!(
                (pk.len(), sk.len()),
                (a.lengths().public_key, a.lengths().secret_key)
            );
            let enc = a.encapsulate(&pk, None).unwrap();
            assert_eq!(
                l.decapsulate(&enc.cipher_text, sk.expose()).unwrap(),
                enc.shared_secret
            );
            let lenc = l.encapsulate(&pk, None).unwrap();
            assert_eq!(
                a.decapsulate(&lenc.cipher_text, sk.expose()).unwrap(),
                lenc.shared_secret
            );
        }
    }

    #[test]
    fn wrong_lengths_are_refused_before_aws_lc_sees_them() {
        let a = pairs()[1].0;
        let (pk, sk) = a.keygen(None).unwrap();
        let bad_length = |r: Result<()>| matches!(r, Err(Error::BadLength { .. }));
        assert!(bad_length(a.encapsulate(&pk[1..], None).map(|_| ())));
        assert!(bad_length(a.load_secret_key(&sk.expose()[1..]).map(|_| ())));
        let loaded = a.load_secret_key(sk.expose()).unwrap();
        assert!(bad_length(loaded.decapsulate(&[0u8; 1087]).map(|_| ())));
        assert!(bad_length(loaded.decapsulate(&[0u8; 1089]).map(|_| ())));
        // A secret key whose embedded hash does not match is refused (FIPS 203 check).
        let mut tampered = sk.expose().to_vec();
        let last = tampered.len() - 40; // inside H(ek)
        tampered[last] ^= 1;
        assert!(matches!(
            a.load_secret_key(&tampered).map(|_| ()),
            Err(Error::InvalidKey { .. })
        ));
    }
}
