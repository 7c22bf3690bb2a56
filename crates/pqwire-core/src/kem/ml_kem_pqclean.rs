//! ML-KEM through PQClean (the `pqcrypto-mlkem` crate): the second implementation,
//! used for differential tests and selectable by applications. PQClean draws its own
//! randomness, so the seeded variants are refused with `UNSUPPORTED`.
//!
//! `pqcrypto`'s secret types (`SecretKey`, `SharedSecret`) are plain `Copy` arrays with no
//! `Zeroize`: every one pqwire receives is copied out into [`SecretBytes`] and overwritten
//! with zeros ([`wipe`]); a loaded key lives in one heap place, wiped on drop ([`Wiped`]).
//! PQClean's own C temporaries are out of reach (docs/primitives.md, "Secrets in memory").

use super::ml_kem::{self as rc, MlKemParams};
use super::{Decapsulator, Encapsulation, KemBackend, KemLengths};
use crate::secret::{wipe, Blank, Wiped};
use crate::suite::KemSuite;
use crate::{Error, Result, SecretBytes};
use pqcrypto_traits::kem::{Ciphertext as _, PublicKey as _, SecretKey as _, SharedSecret as _};

macro_rules! pqclean_ml_kem {
    ($name:ident, $static:ident, $m:ident, $rc:ty, $suite:expr, $pk:expr, $sk:expr, $ct:expr) => {
        pub(crate) struct $name;

        pub(crate) static $static: $name = $name;

        impl Blank for pqcrypto_mlkem::$m::SecretKey {
            fn blank() -> Option<Self> {
                Self::from_bytes(&[0u8; $sk]).ok()
            }
        }

        impl Blank for pqcrypto_mlkem::$m::SharedSecret {
            fn blank() -> Option<Self> {
                Self::from_bytes(&[0u8; 32]).ok()
            }
        }

        impl $name {
            fn parse_sk(sk: &[u8]) -> Result<Loaded<pqcrypto_mlkem::$m::SecretKey>> {
                Error::check_len("ML-KEM secret key", $sk, sk.len())?;
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
                $suite
            }

            fn backend_name(&self) -> &'static str {
                "pqclean"
            }

            fn lengths(&self) -> KemLengths {
                KemLengths {
                    public_key: $pk,
                    secret_key: $sk,
                    cipher_text: $ct,
                    shared_secret: 32,
                    keygen_seed: 64,
                    encapsulation_randomness: 32,
                }
            }

            fn keygen(&self, seed: Option<&[u8]>) -> Result<(Vec<u8>, SecretBytes)> {
                if seed.is_some() {
                    return Err(Error::Unsupported {
                        what: "seeded key generation in the PQClean backend",
                    });
                }
                let (pk, mut sk) = pqcrypto_mlkem::$m::keypair();
                let secret_key = SecretBytes::from_slice(sk.as_bytes());
                wipe(&mut sk);
                Ok((pk.as_bytes().to_vec(), secret_key))
            }

            fn encapsulate(
                &self,
                public_key: &[u8],
                randomness: Option<&[u8]>,
            ) -> Result<Encapsulation> {
                if randomness.is_some() {
                    return Err(Error::Unsupported {
                        what: "seeded encapsulation in the PQClean backend",
                    });
                }
                self.check_public_key(public_key)?;
                let pk = pqcrypto_mlkem::$m::PublicKey::from_bytes(public_key).map_err(|_| {
                    Error::InvalidKey {
                        what: "ML-KEM public key",
                    }
                })?;
                let (mut ss, ct) = pqcrypto_mlkem::$m::encapsulate(&pk);
                let shared_secret = SecretBytes::from_slice(ss.as_bytes());
                wipe(&mut ss);
                Ok(Encapsulation {
                    cipher_text: ct.as_bytes().to_vec(),
                    shared_secret,
                })
            }

            fn load_secret_key(&self, secret_key: &[u8]) -> Result<Box<dyn Decapsulator>> {
                Ok(Box::new(Self::parse_sk(secret_key)?))
            }

            fn check_public_key(&self, public_key: &[u8]) -> Result<()> {
                // PQClean does not run the FIPS 203 modulus check; reuse RustCrypto's.
                Error::check_len("ML-KEM public key", $pk, public_key.len())?;
                <$rc>::check_ek(public_key)
            }
        }

        impl Decapsulator for Loaded<pqcrypto_mlkem::$m::SecretKey> {
            fn decapsulate(&self, cipher_text: &[u8]) -> Result<SecretBytes> {
                Error::check_len("ML-KEM ciphertext", $ct, cipher_text.len())?;
                let ct = pqcrypto_mlkem::$m::Ciphertext::from_bytes(cipher_text).map_err(|_| {
                    Error::BadLength {
                        what: "ML-KEM ciphertext",
                        expected: $ct,
                        actual: cipher_text.len(),
                    }
                })?;
                let mut ss = pqcrypto_mlkem::$m::decapsulate(&ct, self.0.get());
                let shared_secret = SecretBytes::from_slice(ss.as_bytes());
                wipe(&mut ss);
                Ok(shared_secret)
            }
        }
    };
}

/// A PQClean secret key held for repeated decapsulation, wiped on drop.
struct Loaded<K: Blank>(Wiped<K>);

pqclean_ml_kem!(
    PqcleanMlKem512,
    ML_KEM_512,
    mlkem512,
    rc::P512,
    KemSuite::MlKem512,
    800,
    1632,
    768
);
pqclean_ml_kem!(
    PqcleanMlKem768,
    ML_KEM_768,
    mlkem768,
    rc::P768,
    KemSuite::MlKem768,
    1184,
    2400,
    1088
);
pqclean_ml_kem!(
    PqcleanMlKem1024,
    ML_KEM_1024,
    mlkem1024,
    rc::P1024,
    KemSuite::MlKem1024,
    1568,
    3168,
    1568
);

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
        wipe(&mut ss);
        assert!(ss.as_bytes().iter().all(|&x| x == 0));
    }
}
