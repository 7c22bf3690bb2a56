//! ML-KEM through PQClean (the `pqcrypto-mlkem` crate): the second implementation,
//! used for differential tests and selectable by applications. PQClean draws its own
//! randomness, so the seeded variants are refused with `UNSUPPORTED`.
//!
//! `pqcrypto`'s secret types (`SecretKey`, `SharedSecret`) are plain `Copy` arrays with no
//! `Zeroize`: every one pqwire receives is copied out into [`SecretBytes`] and overwritten
//! with zeros ([`wipe`]); a loaded key lives in one heap place, wiped on drop ([`Wiped`]).
//! PQClean's own C temporaries are out of reach (docs/primitives.md, "Secrets in memory").

use super::ml_kem::{self as rc, MlKemParams};
use super::{Decapsulator, Encapsulation, KemBackend};
use crate::secret::{pqclean_blank, take, Blank, Wiped};
use crate::suite::KemSuite;
use crate::{Error, Result, SecretBytes, SecretMemory};
use pqcrypto_traits::kem::{Ciphertext as _, PublicKey as _, SecretKey as _, SharedSecret as _};

macro_rules! pqclean_ml_kem {
    ($name:ident, $static:ident, $m:ident, $rc:ty) => {
        pub(crate) struct $name;

        pub(crate) static $static: $name = $name;

        pqclean_blank!(
            pqcrypto_mlkem::$m::SecretKey: <$rc>::LENGTHS.secret_key,
            pqcrypto_mlkem::$m::SharedSecret: <$rc>::LENGTHS.shared_secret,
        );

        impl $name {
            fn parse_sk(sk: &[u8]) -> Result<Loaded<pqcrypto_mlkem::$m::SecretKey>> {
                Error::check_len("ML-KEM secret key", <$rc>::LENGTHS.secret_key, sk.len())?;
                // PQClean does not run the FIPS 203 decapsulation-key check (hash of the
                // embedded ek, modulus check); reuse RustCrypto's, as every backend does.
                <$rc>::dk_from_expanded(sk)?;
                let mut key = pqcrypto_mlkem::$m::SecretKey::from_bytes(sk).map_err(|_| {
                    Error::InvalidKey {
                        what: "ML-KEM secret key",
                    }
                })?;
                Ok(Loaded(Wiped::new(&mut key)))
            }
        }

        impl KemBackend for $name {
            fn suite(&self) -> KemSuite {
                <$rc>::SUITE
            }

            fn backend_name(&self) -> &'static str {
                "pqclean"
            }

            fn keygen(&self, seed: Option<&[u8]>) -> Result<(Vec<u8>, SecretBytes)> {
                refuse_given(seed, "seeded key generation in the PQClean backend")?;
                let (pk, mut sk) = pqcrypto_mlkem::$m::keypair();
                Ok((pk.as_bytes().to_vec(), take(&mut sk)))
            }

            fn encapsulate(
                &self,
                public_key: &[u8],
                randomness: Option<&[u8]>,
            ) -> Result<Encapsulation> {
                refuse_given(randomness, "seeded encapsulation in the PQClean backend")?;
                self.check_public_key(public_key)?;
                let pk = pqcrypto_mlkem::$m::PublicKey::from_bytes(public_key).map_err(|_| {
                    Error::InvalidKey {
                        what: "ML-KEM public key",
                    }
                })?;
                let (mut ss, ct) = pqcrypto_mlkem::$m::encapsulate(&pk);
                Ok(Encapsulation {
                    cipher_text: ct.as_bytes().to_vec(),
                    shared_secret: take(&mut ss),
                })
            }

            fn load_secret_key(&self, secret_key: &[u8]) -> Result<Box<dyn Decapsulator>> {
                Ok(Box::new(Self::parse_sk(secret_key)?))
            }

            fn check_public_key(&self, public_key: &[u8]) -> Result<()> {
                // PQClean does not run the FIPS 203 modulus check; reuse RustCrypto's.
                let len = <$rc>::LENGTHS.public_key;
                Error::check_len("ML-KEM public key", len, public_key.len())?;
                <$rc>::check_ek(public_key)
            }
        }

        impl Decapsulator for Loaded<pqcrypto_mlkem::$m::SecretKey> {
            fn decapsulate(&self, cipher_text: &[u8]) -> Result<SecretBytes> {
                // `from_bytes` fails on a wrong length only.
                let ct = pqcrypto_mlkem::$m::Ciphertext::from_bytes(cipher_text).map_err(|_| {
                    Error::BadLength {
                        what: "ML-KEM ciphertext",
                        expected: <$rc>::LENGTHS.cipher_text,
                        actual: cipher_text.len(),
                    }
                })?;
                let mut ss = pqcrypto_mlkem::$m::decapsulate(&ct, self.0.get());
                Ok(take(&mut ss))
            }

            fn secret_heap(&self) -> SecretMemory {
                // PQClean's key is an inline array, in its one heap place.
                SecretMemory::all([self.0.region()])
            }
        }
    };
}

/// A PQClean secret key held for repeated decapsulation, wiped on drop.
struct Loaded<K: Blank>(Wiped<K>);

/// PQClean draws its own randomness: randomness given to it is `UNSUPPORTED`.
fn refuse_given(given: Option<&[u8]>, what: &'static str) -> Result<()> {
    match given {
        Some(_) => Err(Error::Unsupported { what }),
        None => Ok(()),
    }
}

pqclean_ml_kem!(PqcleanMlKem512, ML_KEM_512, mlkem512, rc::P512);
pqclean_ml_kem!(PqcleanMlKem768, ML_KEM_768, mlkem768, rc::P768);
pqclean_ml_kem!(PqcleanMlKem1024, ML_KEM_1024, mlkem1024, rc::P1024);

/// PQClean's parameter sets, as `Backend::PqClean` offers them.
pub(crate) static ALL: [&dyn KemBackend; 3] = [&ML_KEM_512, &ML_KEM_768, &ML_KEM_1024];

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use zeroize::{Zeroize, ZeroizeOnDrop};

    fn wiped_on_drop<T: ZeroizeOnDrop>(_: &T) {}

    /// PQClean's types do not wipe themselves: the loaded key is wiped on drop (what
    /// `drop` runs is shown by `zeroize`), and so is a shared secret once copied out.
    #[test]
    fn pqclean_secrets_are_wiped() {
        let b = &ML_KEM_768;
        let (pk, sk) = b.keygen(None).unwrap();
        let mut loaded = PqcleanMlKem768::parse_sk(sk.expose()).unwrap();
        wiped_on_drop(&loaded.0);
        let enc = b.encapsulate(&pk, None).unwrap();
        assert_eq!(
            loaded.decapsulate(&enc.cipher_text).unwrap(),
            enc.shared_secret
        );
        assert!(loaded.0.get().as_bytes() == sk.expose());
        loaded.0.zeroize();
        assert!(loaded.0.get().as_bytes().iter().all(|&x| x == 0));

        let pk = pqcrypto_mlkem::mlkem768::PublicKey::from_bytes(&pk).unwrap();
        let (mut ss, _) = pqcrypto_mlkem::mlkem768::encapsulate(&pk);
        assert!(ss.as_bytes().iter().any(|&x| x != 0));
        let copy = take(&mut ss);
        assert!(copy.expose().iter().any(|&x| x != 0));
        assert!(ss.as_bytes().iter().all(|&x| x == 0));
    }
}
