//! ML-DSA through PQClean (the `pqcrypto-mldsa` crate): the second implementation, for
//! differential tests. PQClean signs hedged with its own randomness, so seeded key
//! generation, deterministic signing and given randomness are refused with `UNSUPPORTED`.
//!
//! Only PQClean's portable ("clean") code is built (no `avx2` feature, see Cargo.toml):
//! its AVX2 verifier lacks the FIPS 204 bound check on z and mishandles `use_hint`
//! (pq-crystals/dilithium#113), so it accepted invalid Wycheproof signatures and refused
//! a valid one. Expanded secret keys get the same range check as in the default backend.
//!
//! `pqcrypto`'s `SecretKey` is a plain `Copy` array with no `Zeroize`: a generated one is
//! copied out into [`SecretBytes`] and overwritten with zeros ([`wipe`]), a loaded one
//! lives in one heap place, wiped on drop ([`Wiped`]). PQClean's own C temporaries are out
//! of reach (docs/primitives.md, "Secrets in memory").

use super::ml_dsa::{self as rc, check_context, check_secret_key, MlDsaParams};
use super::{single, SigBackend, SignRandomness, Signer, Verification};
use crate::secret::{pqclean_blank, take, Blank, Wiped};
use crate::suite::SigSuite;
use crate::{Error, Result, SecretBytes, SecretMemory};
use pqcrypto_traits::sign::{DetachedSignature as _, PublicKey as _, SecretKey as _};

macro_rules! pqclean_ml_dsa {
    ($name:ident, $static:ident, $m:ident, $rc:ty) => {
        pub(crate) struct $name;
        pub(crate) static $static: $name = $name;

        pqclean_blank!(pqcrypto_mldsa::$m::SecretKey: <$rc>::LENGTHS.secret_key);

        impl Signer for Loaded<pqcrypto_mldsa::$m::SecretKey> {
            fn sign(
                &self,
                msg: &[u8],
                ctx: &[u8],
                randomness: SignRandomness<'_>,
            ) -> Result<Vec<u8>> {
                check_context(ctx)?;
                if randomness != SignRandomness::Hedged {
                    return Err(Error::Unsupported {
                        what: "deterministic or seeded signing in the PQClean backend",
                    });
                }
                let sig = pqcrypto_mldsa::$m::detached_sign_ctx(msg, ctx, self.0.get());
                Ok(sig.as_bytes().to_vec())
            }

            fn secret_heap(&self) -> SecretMemory {
                // PQClean's key is an inline array, in its one heap place.
                SecretMemory::all([self.0.region()])
            }
        }

        impl SigBackend for $name {
            fn suite(&self) -> SigSuite {
                <$rc>::SUITE
            }

            fn backend_name(&self) -> &'static str {
                "pqclean"
            }

            fn keygen(&self, seed: Option<&[u8]>) -> Result<(Vec<u8>, SecretBytes)> {
                if seed.is_some() {
                    return Err(Error::Unsupported {
                        what: "seeded key generation in the PQClean backend",
                    });
                }
                let (pk, mut sk) = pqcrypto_mldsa::$m::keypair();
                Ok((pk.as_bytes().to_vec(), take(&mut sk)))
            }

            fn public_key(&self, secret_key: &[u8]) -> Result<Vec<u8>> {
                // Same expanded key format as RustCrypto's, which derives it.
                <$rc>::public_key_of(&<$rc>::load(secret_key)?)
            }

            fn load_secret_key(&self, secret_key: &[u8]) -> Result<Box<dyn Signer>> {
                check_secret_key(<$rc>::SUITE, "ML-DSA secret key", secret_key)?;
                let mut sk =
                    pqcrypto_mldsa::$m::SecretKey::from_bytes(secret_key).map_err(|_| {
                        Error::InvalidKey {
                            what: "ML-DSA secret key",
                        }
                    })?;
                Ok(Box::new(Loaded(Wiped::new(&mut sk))))
            }

            fn verify(
                &self,
                sig: &[u8],
                msg: &[u8],
                pk: &[u8],
                ctx: &[u8],
            ) -> Result<Verification> {
                check_context(ctx)?;
                Error::check_len("ML-DSA public key", <$rc>::LENGTHS.public_key, pk.len())?;
                let pk = pqcrypto_mldsa::$m::PublicKey::from_bytes(pk).map_err(|_| {
                    Error::InvalidKey {
                        what: "ML-DSA public key",
                    }
                })?;
                let suite = <$rc>::SUITE;
                let Ok(detached) = pqcrypto_mldsa::$m::DetachedSignature::from_bytes(sig) else {
                    return Ok(single(suite, false));
                };
                let valid = sig.len() == <$rc>::LENGTHS.signature
                    && pqcrypto_mldsa::$m::verify_detached_signature_ctx(&detached, msg, ctx, &pk)
                        .is_ok();
                Ok(single(suite, valid))
            }
        }
    };
}

/// A PQClean secret key held for repeated signing, wiped on drop.
struct Loaded<K: Blank>(Wiped<K>);

pqclean_ml_dsa!(PqcleanMlDsa44, ML_DSA_44, mldsa44, rc::P44);
pqclean_ml_dsa!(PqcleanMlDsa65, ML_DSA_65, mldsa65, rc::P65);
pqclean_ml_dsa!(PqcleanMlDsa87, ML_DSA_87, mldsa87, rc::P87);

/// PQClean's parameter sets, as `Backend::PqClean` offers them.
pub(crate) static ALL: [&dyn SigBackend; 3] = [&ML_DSA_44, &ML_DSA_65, &ML_DSA_87];

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use zeroize::{Zeroize, ZeroizeOnDrop};

    fn wiped_on_drop<T: ZeroizeOnDrop>(_: &T) {}

    /// PQClean's key type does not wipe itself: a loaded key is wiped on drop (what
    /// `drop` runs is shown by `zeroize`).
    #[test]
    fn pqclean_secret_keys_are_wiped() {
        let (_, sk) = ML_DSA_44.keygen(None).unwrap();
        let mut key = pqcrypto_mldsa::mldsa44::SecretKey::from_bytes(sk.expose()).unwrap();
        let mut loaded = Loaded(Wiped::new(&mut key));
        wiped_on_drop(&loaded.0);
        assert!(key.as_bytes().iter().all(|&x| x == 0));
        assert!(loaded.0.get().as_bytes() == sk.expose());
        assert!(loaded.sign(b"m", b"", SignRandomness::Hedged).is_ok());
        loaded.0.zeroize();
        assert!(loaded.0.get().as_bytes().iter().all(|&x| x == 0));
    }
}
