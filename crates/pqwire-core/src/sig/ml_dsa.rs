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
use crate::random::{fixed, given_or_random, sized, FixedBytes};
use crate::suite::SigSuite;
use crate::{Error, Result, SecretBytes, SecretMemory};
use ml_dsa::signature::Keypair as _;
use ml_dsa::{ExpandedSigningKey, Signature, SigningKey, VerifyingKey};
use subtle::{Choice, ConstantTimeGreater as _};
use zeroize::Zeroizing;

/// Longest context string FIPS 204 allows.
pub const MAX_CONTEXT_LEN: usize = 255;

/// The operations of one ML-DSA parameter set of one implementation that the generic
/// code needs (FIPS 204's internal functions). Implemented by a macro for the three
/// parameter sets; each of them is then a [`SigBackend`] (below).
pub(crate) trait MlDsaParams: Send + Sync + 'static {
    /// Loaded secret key, zeroized on drop.
    type Sk: Send + Sync;
    /// The implementation's name, reported by [`SigBackend::backend_name`].
    const BACKEND: &'static str;
    const SUITE: SigSuite;
    /// The parameter set's sizes.
    const LENGTHS: SigLengths = SigLengths::of(Self::SUITE);
    /// ML-DSA.KeyGen_internal(ξ): the encoded public key and the expanded secret key.
    fn keygen_internal(xi: &[u8; 32]) -> (Vec<u8>, SecretBytes);
    /// Loads an expanded secret key after the checks of [`check_secret_key`].
    fn load(sk: &[u8]) -> Result<Self::Sk>;
    /// pkEncode of the public key belonging to a loaded secret key.
    fn public_key_of(sk: &Self::Sk) -> Result<Vec<u8>>;
    /// Signs the FIPS 204 μ (external-μ interface) or, with `ctx`, a message.
    fn sign_internal(sk: &Self::Sk, msg: MsgOrMu<'_>, rnd: &[u8; 32]) -> Result<Vec<u8>>;
    fn verify_internal(pk: &[u8], msg: MsgOrMu<'_>, sig: &[u8]) -> Result<bool>;
    /// The heap buffers a loaded key owns beyond its own storage ([`Signer::secret_heap`]).
    fn sk_secret_heap(sk: &Self::Sk) -> SecretMemory;
}

/// What is signed: a message with its context, or a precomputed μ (64 bytes).
#[derive(Clone, Copy)]
pub(crate) enum MsgOrMu<'a> {
    Message { msg: &'a [u8], ctx: &'a [u8] },
    Mu(&'a [u8; 64]),
}

macro_rules! ml_dsa_params {
    ($name:ident, $static:ident, $p:ty, $suite:expr) => {
        pub(crate) struct $name;

        // RustCrypto's own backend: a `Backend::RustCrypto` choice, and the default ML-DSA
        // where libcrux is not built. (Its parameter sets serve every build.)
        #[cfg(any(feature = "rustcrypto", not(feature = "libcrux")))]
        pub(crate) static $static: $name = $name;

        impl MlDsaParams for $name {
            type Sk = ExpandedSigningKey<$p>;
            const BACKEND: &'static str = "rustcrypto";
            const SUITE: SigSuite = $suite;

            fn keygen_internal(xi: &[u8; 32]) -> (Vec<u8>, SecretBytes) {
                let kp = SigningKey::<$p>::from_seed(&(*xi).into());
                let pk = kp.verifying_key().encode().to_vec();
                let sk = SecretBytes::from_slice(&kp.expanded_key().to_expanded());
                (pk, sk)
            }

            fn load(sk: &[u8]) -> Result<Self::Sk> {
                check_secret_key($suite, concat!(stringify!($p), " secret key"), sk)?;
                let arr = ml_dsa::ExpandedSigningKeyBytes::<$p>::try_from(sk).map_err(|_| {
                    Error::InvalidKey {
                        what: "ML-DSA secret key",
                    }
                })?;
                Ok(ExpandedSigningKey::<$p>::from_expanded(&arr))
            }

            fn public_key_of(sk: &Self::Sk) -> Result<Vec<u8>> {
                Ok(sk.verifying_key().encode().to_vec())
            }

            fn sign_internal(sk: &Self::Sk, msg: MsgOrMu<'_>, rnd: &[u8; 32]) -> Result<Vec<u8>> {
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

            fn verify_internal(pk: &[u8], msg: MsgOrMu<'_>, sig: &[u8]) -> Result<bool> {
                let what = concat!(stringify!($p), " public key");
                let pk: ml_dsa::EncodedVerifyingKey<$p> =
                    sized(what, Self::LENGTHS.public_key, pk)?;
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

            fn sk_secret_heap(_: &Self::Sk) -> SecretMemory {
                // `ml-dsa`'s expanded key holds K, s1, s2, t0 and their NTTs inline; its
                // only heap buffers are the rows of Â = ExpandA(ρ), which is public.
                SecretMemory::all([])
            }
        }
    };
}

ml_dsa_params!(P44, ML_DSA_44, ml_dsa::MlDsa44, SigSuite::MlDsa44);
ml_dsa_params!(P65, ML_DSA_65, ml_dsa::MlDsa65, SigSuite::MlDsa65);
ml_dsa_params!(P87, ML_DSA_87, ml_dsa::MlDsa87, SigSuite::MlDsa87);

/// RustCrypto's parameter sets, as `Backend::RustCrypto` offers them.
#[cfg(feature = "rustcrypto")]
pub(crate) static ALL: [&dyn SigBackend; 3] = [&ML_DSA_44, &ML_DSA_65, &ML_DSA_87];

/// The checks every backend runs on an expanded secret key before it uses it: its length
/// (`BAD_LENGTH` naming `what`) and [`check_expanded_key`] with the parameter set's k, ℓ
/// and η (FIPS 204, Table 1).
pub(crate) fn check_secret_key(suite: SigSuite, what: &'static str, sk: &[u8]) -> Result<()> {
    Error::check_len(what, SigLengths::of(suite).secret_key, sk.len())?;
    let (k, l, eta) = match suite {
        SigSuite::MlDsa44 => (4, 4, 2),
        SigSuite::MlDsa65 => (6, 5, 4),
        SigSuite::MlDsa87 => (8, 7, 2),
        _ => {
            return Err(Error::Unsupported {
                what: "an ML-DSA secret key check for a non-ML-DSA suite",
            })
        }
    };
    check_expanded_key(sk, k, l, eta)
}

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

struct Loaded<P: MlDsaParams>(P::Sk);

impl<P: MlDsaParams> Signer for Loaded<P> {
    fn sign(&self, msg: &[u8], ctx: &[u8], randomness: SignRandomness<'_>) -> Result<Vec<u8>> {
        check_context(ctx)?;
        let rnd = signing_rnd(randomness)?;
        P::sign_internal(&self.0, MsgOrMu::Message { msg, ctx }, &rnd)
    }

    fn secret_heap(&self) -> SecretMemory {
        P::sk_secret_heap(&self.0)
    }
}

/// Every parameter set of a seeded implementation is a backend.
impl<P: MlDsaParams> SigBackend for P {
    fn suite(&self) -> SigSuite {
        P::SUITE
    }

    fn backend_name(&self) -> &'static str {
        P::BACKEND
    }

    fn keygen(&self, seed: Option<&[u8]>) -> Result<(Vec<u8>, SecretBytes)> {
        let xi = given_or_random::<32>("ML-DSA key generation seed", seed)?;
        Ok(P::keygen_internal(&xi))
    }

    fn load_secret_key(&self, secret_key: &[u8]) -> Result<Box<dyn Signer>> {
        Ok(Box::new(Loaded::<P>(P::load(secret_key)?)))
    }

    fn public_key(&self, secret_key: &[u8]) -> Result<Vec<u8>> {
        P::public_key_of(&P::load(secret_key)?)
    }

    fn verify(&self, sig: &[u8], msg: &[u8], pk: &[u8], ctx: &[u8]) -> Result<Verification> {
        check_context(ctx)?;
        let valid = P::verify_internal(pk, MsgOrMu::Message { msg, ctx }, sig)?;
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
        SigSuite::MlDsa44 => P44::sign_internal(&P44::load(secret_key)?, MsgOrMu::Mu(&mu), &rnd),
        SigSuite::MlDsa65 => P65::sign_internal(&P65::load(secret_key)?, MsgOrMu::Mu(&mu), &rnd),
        SigSuite::MlDsa87 => P87::sign_internal(&P87::load(secret_key)?, MsgOrMu::Mu(&mu), &rnd),
        _ => Err(Error::Unsupported {
            what: "external mu for a non-ML-DSA suite",
        }),
    }
}

/// External-μ verification. `suite` must be an ML-DSA suite.
pub fn verify_mu(suite: SigSuite, public_key: &[u8], mu: &[u8], signature: &[u8]) -> Result<bool> {
    let mu = fixed::<64>("ML-DSA mu", mu)?;
    match suite {
        SigSuite::MlDsa44 => P44::verify_internal(public_key, MsgOrMu::Mu(&mu), signature),
        SigSuite::MlDsa65 => P65::verify_internal(public_key, MsgOrMu::Mu(&mu), signature),
        SigSuite::MlDsa87 => P87::verify_internal(public_key, MsgOrMu::Mu(&mu), signature),
        _ => Err(Error::Unsupported {
            what: "external mu for a non-ML-DSA suite",
        }),
    }
}
