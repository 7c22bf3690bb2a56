//! ML-DSA (FIPS 204) through the RustCrypto `ml-dsa` crate, pure mode with contexts.
//!
//! Secret keys are exchanged in the expanded FIPS 204 encoding (the format of PQClean
//! and `@noble/post-quantum`); key generation takes the 32-byte seed ξ. Because the
//! upstream decoder of expanded keys does not validate them, [`check_expanded_key`]
//! refuses encodings whose s1/s2 coefficients are out of range before they are used.
//!
//! The [`SigBackend`] here is generic over [`MlDsaParams`], so it also serves the libcrux
//! implementation (`ml_dsa_libcrux.rs`). External μ ([`sign_mu`], [`verify_mu`]) and public
//! key derivation are RustCrypto's for every backend.

#![allow(deprecated)] // the expanded key encoding is deprecated upstream but is the interchange format

use super::{single, SigBackend, SigLengths, SignRandomness, Signer, Verification};
use crate::random::{fixed, given_or_random, FixedBytes};
use crate::suite::SigSuite;
use crate::{Error, Result, SecretBytes};
use ml_dsa::signature::Keypair as _;
use ml_dsa::{ExpandedSigningKey, Signature, SigningKey, VerifyingKey};
use subtle::{Choice, ConstantTimeGreater as _};
use zeroize::Zeroizing;

/// Longest context string FIPS 204 allows.
pub const MAX_CONTEXT_LEN: usize = 255;

/// The operations of one ML-DSA parameter set of one implementation that the generic code needs.
pub(crate) trait MlDsaParams: Send + Sync + 'static {
    /// Loaded secret key, zeroized on drop.
    type Sk: Send + Sync;
    /// The implementation's name, reported by [`SigBackend::backend_name`].
    const BACKEND: &'static str;
    const SUITE: SigSuite;
    const PUBLIC_KEY: usize;
    const SECRET_KEY: usize;
    const SIGNATURE: usize;
    fn keygen(xi: &[u8; 32]) -> (Vec<u8>, SecretBytes);
    fn load(sk: &[u8]) -> Result<Self::Sk>;
    /// pkEncode of the public key belonging to a loaded secret key.
    fn public_key(sk: &Self::Sk) -> Result<Vec<u8>>;
    /// Signs the FIPS 204 μ (external-μ interface) or, with `ctx`, a message.
    fn sign(sk: &Self::Sk, msg: MsgOrMu<'_>, rnd: &[u8; 32]) -> Result<Vec<u8>>;
    fn verify(pk: &[u8], msg: MsgOrMu<'_>, sig: &[u8]) -> Result<bool>;
}

/// What is signed: a message with its context, or a precomputed μ (64 bytes).
#[derive(Clone, Copy)]
pub(crate) enum MsgOrMu<'a> {
    Message { msg: &'a [u8], ctx: &'a [u8] },
    Mu(&'a [u8; 64]),
}

macro_rules! ml_dsa_params {
    ($name:ident, $p:ty, $suite:expr, $pk:expr, $sk:expr, $sig:expr, $k:expr, $l:expr, $eta:expr) => {
        pub(crate) struct $name;

        impl MlDsaParams for $name {
            type Sk = ExpandedSigningKey<$p>;
            const BACKEND: &'static str = "rustcrypto";
            const SUITE: SigSuite = $suite;
            const PUBLIC_KEY: usize = $pk;
            const SECRET_KEY: usize = $sk;
            const SIGNATURE: usize = $sig;

            fn keygen(xi: &[u8; 32]) -> (Vec<u8>, SecretBytes) {
                let kp = SigningKey::<$p>::from_seed(&(*xi).into());
                let pk = kp.verifying_key().encode().to_vec();
                let sk = SecretBytes::from_slice(&kp.expanded_key().to_expanded());
                (pk, sk)
            }

            fn load(sk: &[u8]) -> Result<Self::Sk> {
                Error::check_len(concat!(stringify!($p), " secret key"), $sk, sk.len())?;
                check_expanded_key(sk, $k, $l, $eta)?;
                let arr = ml_dsa::ExpandedSigningKeyBytes::<$p>::try_from(sk).map_err(|_| {
                    Error::InvalidKey {
                        what: "ML-DSA secret key",
                    }
                })?;
                Ok(ExpandedSigningKey::<$p>::from_expanded(&arr))
            }

            fn public_key(sk: &Self::Sk) -> Result<Vec<u8>> {
                Ok(sk.verifying_key().encode().to_vec())
            }

            fn sign(sk: &Self::Sk, msg: MsgOrMu<'_>, rnd: &[u8; 32]) -> Result<Vec<u8>> {
                let mut rng = FixedBytes::new(rnd);
                let sig = match msg {
                    MsgOrMu::Message { msg, ctx } => sk.sign_randomized(msg, ctx, &mut rng),
                    MsgOrMu::Mu(mu) => sk.sign_mu_randomized(&(*mu).into(), &mut rng),
                }
                .map_err(|_| Error::InvalidArgument {
                    what: "ML-DSA signing failed (context over 255 bytes?)",
                })?;
                Ok(sig.encode().to_vec())
            }

            fn verify(pk: &[u8], msg: MsgOrMu<'_>, sig: &[u8]) -> Result<bool> {
                let pk = ml_dsa::EncodedVerifyingKey::<$p>::try_from(pk).map_err(|_| {
                    Error::BadLength {
                        what: concat!(stringify!($p), " public key"),
                        expected: $pk,
                        actual: pk.len(),
                    }
                })?;
                let Ok(sig) = ml_dsa::EncodedSignature::<$p>::try_from(sig) else {
                    return Ok(false);
                };
                let Some(sig) = Signature::<$p>::decode(&sig) else {
                    return Ok(false);
                };
                let vk = VerifyingKey::<$p>::decode(&pk);
                Ok(match msg {
                    MsgOrMu::Message { msg, ctx } => vk.verify_with_context(msg, ctx, &sig),
                    MsgOrMu::Mu(mu) => vk.verify_mu(&(*mu).into(), &sig),
                })
            }
        }
    };
}

ml_dsa_params!(
    P44,
    ml_dsa::MlDsa44,
    SigSuite::MlDsa44,
    1312,
    2560,
    2420,
    4,
    4,
    2
);
ml_dsa_params!(
    P65,
    ml_dsa::MlDsa65,
    SigSuite::MlDsa65,
    1952,
    4032,
    3309,
    6,
    5,
    4
);
ml_dsa_params!(
    P87,
    ml_dsa::MlDsa87,
    SigSuite::MlDsa87,
    2592,
    4896,
    4627,
    8,
    7,
    2
);

/// Refuses an expanded ML-DSA secret key whose s1 or s2 coefficients lie outside
/// [-η, η] (FIPS 204 skDecode would otherwise accept values the algorithm never produces).
///
/// Branch-free over the coefficients, which are secret: every coefficient is compared in
/// constant time (`subtle`) and the out-of-range flags are OR-ed together; only the final
/// verdict, whether the key is refused, is branched on. The loop's shape depends on the
/// public `k`, `l` and `eta` alone. The constant-time check (crates/pqwire-ct) holds it to that.
pub(crate) fn check_expanded_key(sk: &[u8], k: usize, l: usize, eta: u8) -> Result<()> {
    let bits: usize = if eta == 2 { 3 } else { 4 };
    let poly_bytes = 32 * bits;
    let start = 32 + 32 + 64;
    let end = start + (k + l) * poly_bytes;
    let packed = sk.get(start..end).ok_or(Error::InvalidKey {
        what: "ML-DSA secret key",
    })?;
    let max = 2 * u32::from(eta);
    let mask = (1u32 << bits) - 1;
    let mut out_of_range = Choice::from(0);
    let mut acc: u32 = 0;
    let mut have = 0usize;
    for &byte in packed {
        acc |= u32::from(byte) << have;
        have += 8;
        while have >= bits {
            out_of_range |= (acc & mask).ct_gt(&max);
            acc >>= bits;
            have -= bits;
        }
    }
    if bool::from(out_of_range) {
        return Err(Error::InvalidKey {
            what: "ML-DSA secret key has an out-of-range coefficient",
        });
    }
    Ok(())
}

/// Checks a context string's length (FIPS 204: at most 255 bytes).
pub(crate) fn check_context(ctx: &[u8]) -> Result<()> {
    if ctx.len() > MAX_CONTEXT_LEN {
        return Err(Error::InvalidArgument {
            what: "ML-DSA context must be at most 255 bytes",
        });
    }
    Ok(())
}

/// The 32 bytes of `rnd` for a signing call.
pub(crate) fn signing_rnd(randomness: SignRandomness<'_>) -> Result<Zeroizing<[u8; 32]>> {
    match randomness {
        SignRandomness::Hedged => given_or_random::<32>("ML-DSA signing randomness", None),
        SignRandomness::Deterministic => Ok(Zeroizing::new([0u8; 32])),
        SignRandomness::Given(r) => {
            Ok(Zeroizing::new(fixed::<32>("ML-DSA signing randomness", r)?))
        }
    }
}

/// The ML-DSA backend for parameter set (and implementation) `P`.
pub(crate) struct MlDsa<P>(core::marker::PhantomData<fn() -> P>);

impl<P> MlDsa<P> {
    /// The backend, for a `static`.
    pub(crate) const fn new() -> Self {
        Self(core::marker::PhantomData)
    }
}

// RustCrypto's own backend: a `Backend::RustCrypto` choice, and the default ML-DSA where
// libcrux is not built. (Its parameter sets above serve every build.)
#[cfg(any(feature = "rustcrypto", not(feature = "libcrux")))]
pub(crate) static ML_DSA_44: MlDsa<P44> = MlDsa::new();
#[cfg(any(feature = "rustcrypto", not(feature = "libcrux")))]
pub(crate) static ML_DSA_65: MlDsa<P65> = MlDsa::new();
#[cfg(any(feature = "rustcrypto", not(feature = "libcrux")))]
pub(crate) static ML_DSA_87: MlDsa<P87> = MlDsa::new();

struct Loaded<P: MlDsaParams>(P::Sk);

impl<P: MlDsaParams> Signer for Loaded<P> {
    fn sign(&self, msg: &[u8], ctx: &[u8], randomness: SignRandomness<'_>) -> Result<Vec<u8>> {
        check_context(ctx)?;
        let rnd = signing_rnd(randomness)?;
        P::sign(&self.0, MsgOrMu::Message { msg, ctx }, &rnd)
    }
}

impl<P: MlDsaParams> SigBackend for MlDsa<P> {
    fn suite(&self) -> SigSuite {
        P::SUITE
    }

    fn backend_name(&self) -> &'static str {
        P::BACKEND
    }

    fn lengths(&self) -> SigLengths {
        SigLengths {
            public_key: P::PUBLIC_KEY,
            secret_key: P::SECRET_KEY,
            signature: P::SIGNATURE,
            keygen_seed: 32,
            signing_randomness: 32,
        }
    }

    fn keygen(&self, seed: Option<&[u8]>) -> Result<(Vec<u8>, SecretBytes)> {
        let xi = given_or_random::<32>("ML-DSA key generation seed", seed)?;
        Ok(P::keygen(&xi))
    }

    fn load_secret_key(&self, secret_key: &[u8]) -> Result<Box<dyn Signer>> {
        Ok(Box::new(Loaded::<P>(P::load(secret_key)?)))
    }

    fn public_key(&self, secret_key: &[u8]) -> Result<Vec<u8>> {
        P::public_key(&P::load(secret_key)?)
    }

    fn verify(&self, sig: &[u8], msg: &[u8], pk: &[u8], ctx: &[u8]) -> Result<Verification> {
        check_context(ctx)?;
        let valid = P::verify(pk, MsgOrMu::Message { msg, ctx }, sig)?;
        Ok(single(P::SUITE, valid))
    }
}

/// External-μ signing (FIPS 204 Algorithm 7 with a precomputed μ), for the ACVP and
/// Wycheproof "internal" interface. `suite` must be an ML-DSA suite.
pub fn sign_mu(
    suite: SigSuite,
    secret_key: &[u8],
    mu: &[u8],
    randomness: SignRandomness<'_>,
) -> Result<Vec<u8>> {
    let mu = fixed::<64>("ML-DSA mu", mu)?;
    let rnd = signing_rnd(randomness)?;
    match suite {
        SigSuite::MlDsa44 => P44::sign(&P44::load(secret_key)?, MsgOrMu::Mu(&mu), &rnd),
        SigSuite::MlDsa65 => P65::sign(&P65::load(secret_key)?, MsgOrMu::Mu(&mu), &rnd),
        SigSuite::MlDsa87 => P87::sign(&P87::load(secret_key)?, MsgOrMu::Mu(&mu), &rnd),
        _ => Err(Error::Unsupported {
            what: "external mu for a non-ML-DSA suite",
        }),
    }
}

/// External-μ verification. `suite` must be an ML-DSA suite.
pub fn verify_mu(suite: SigSuite, public_key: &[u8], mu: &[u8], signature: &[u8]) -> Result<bool> {
    let mu = fixed::<64>("ML-DSA mu", mu)?;
    match suite {
        SigSuite::MlDsa44 => P44::verify(public_key, MsgOrMu::Mu(&mu), signature),
        SigSuite::MlDsa65 => P65::verify(public_key, MsgOrMu::Mu(&mu), signature),
        SigSuite::MlDsa87 => P87::verify(public_key, MsgOrMu::Mu(&mu), signature),
        _ => Err(Error::Unsupported {
            what: "external mu for a non-ML-DSA suite",
        }),
    }
}
