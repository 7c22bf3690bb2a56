//! ML-DSA (FIPS 204) through libcrux (`libcrux-ml-dsa`, Cryspen), whose field arithmetic,
//! NTT and serialization are verified with hax/F*; its AVX2 code is chosen at run time
//! on x86_64 CPUs that have AVX2, portable code otherwise. Pure ML-DSA with
//! contexts; libcrux takes the key-generation seed ξ and the signing randomness `rnd` as
//! arrays, so hedged, deterministic (`rnd` = 0) and given-randomness signing all map onto it.
//!
//! What libcrux 0.0.11 does not offer is delegated to RustCrypto (`ml_dsa.rs`): signing or
//! verifying an external μ (it has no such interface), and deriving the public key from a
//! secret key. Expanded secret keys get the same checks as in the other backends (length,
//! s1/s2 ranges) before libcrux sees them.

use super::ml_dsa::{self as rc, check_secret_key, MlDsaParams, MsgOrMu};
use super::{SigBackend, SigLengths};
use crate::random::sized;
use crate::suite::SigSuite;
use crate::{Error, Result, SecretBytes, SecretMemory};
use libcrux_ml_dsa::{MLDSASignature, MLDSASigningKey, MLDSAVerificationKey};
use zeroize::Zeroize;

/// A libcrux signing key, wiped on drop (libcrux's own key type is not).
pub(crate) struct Sk<const SK: usize>(MLDSASigningKey<SK>);

impl<const SK: usize> Drop for Sk<SK> {
    fn drop(&mut self) {
        self.0.as_mut_slice().zeroize();
    }
}

macro_rules! libcrux_ml_dsa_params {
    ($name:ident, $static:ident, $m:ident, $rc:ty, $suite:expr, $label:literal) => {
        pub(crate) struct $name;

        pub(crate) static $static: $name = $name;

        impl MlDsaParams for $name {
            type Sk = Sk<{ SigLengths::of($suite).secret_key }>;
            const BACKEND: &'static str = "libcrux";
            const SUITE: SigSuite = $suite;

            fn keygen_internal(xi: &[u8; 32]) -> (Vec<u8>, SecretBytes) {
                let kp = libcrux_ml_dsa::$m::generate_key_pair(*xi);
                let sk = Sk(kp.signing_key);
                (
                    kp.verification_key.as_slice().to_vec(),
                    SecretBytes::from_slice(sk.0.as_slice()),
                )
            }

            fn load(sk: &[u8]) -> Result<Self::Sk> {
                check_secret_key($suite, concat!($label, " secret key"), sk)?;
                let mut key = Sk(MLDSASigningKey::zero());
                key.0.as_mut_slice().copy_from_slice(sk);
                Ok(key)
            }

            fn public_key_of(sk: &Self::Sk) -> Result<Vec<u8>> {
                // libcrux cannot derive it; RustCrypto can (same key encoding).
                <$rc>::public_key_of(&<$rc>::load(sk.0.as_slice())?)
            }

            fn sign_internal(sk: &Self::Sk, msg: MsgOrMu<'_>, rnd: &[u8; 32]) -> Result<Vec<u8>> {
                match msg {
                    MsgOrMu::Message { msg, ctx } => {
                        libcrux_ml_dsa::$m::sign(&sk.0, msg, ctx, *rnd)
                            .map(|sig| sig.as_slice().to_vec())
                            // A context over 255 bytes (checked before we get here), or
                            // the FIPS 204 Appendix C bound of 814 rejection rounds,
                            // which a valid key reaches with negligible probability.
                            .map_err(|_| Error::InvalidArgument {
                                what: "ML-DSA signing failed (context over 255 bytes, or too many rejections)",
                            })
                    }
                    // libcrux 0.0.11 has no external-mu interface: RustCrypto signs.
                    MsgOrMu::Mu(_) => {
                        <$rc>::sign_internal(&<$rc>::load(sk.0.as_slice())?, msg, rnd)
                    }
                }
            }

            fn verify_internal(pk: &[u8], msg: MsgOrMu<'_>, sig: &[u8]) -> Result<bool> {
                let MsgOrMu::Message { msg, ctx } = msg else {
                    // No external-mu interface in libcrux 0.0.11: RustCrypto verifies.
                    return <$rc>::verify_internal(pk, msg, sig);
                };
                let what = concat!($label, " public key");
                let pk = sized(what, Self::LENGTHS.public_key, pk)?;
                let Ok(sig) = sig.try_into() else {
                    return Ok(false);
                };
                Ok(libcrux_ml_dsa::$m::verify(
                    &MLDSAVerificationKey::new(pk),
                    msg,
                    ctx,
                    &MLDSASignature::new(sig),
                )
                .is_ok())
            }

            fn sk_secret_heap(_: &Self::Sk) -> SecretMemory {
                // libcrux's key is an inline array: all of it is in the holder's storage.
                SecretMemory::all([])
            }
        }
    };
}

libcrux_ml_dsa_params!(
    P44,
    ML_DSA_44,
    ml_dsa_44,
    rc::P44,
    SigSuite::MlDsa44,
    "ML-DSA-44"
);
libcrux_ml_dsa_params!(
    P65,
    ML_DSA_65,
    ml_dsa_65,
    rc::P65,
    SigSuite::MlDsa65,
    "ML-DSA-65"
);
libcrux_ml_dsa_params!(
    P87,
    ML_DSA_87,
    ml_dsa_87,
    rc::P87,
    SigSuite::MlDsa87,
    "ML-DSA-87"
);

/// libcrux's parameter sets, as `Backend::Libcrux` offers them.
pub(crate) static ALL: [&dyn SigBackend; 3] = [&ML_DSA_44, &ML_DSA_65, &ML_DSA_87];
