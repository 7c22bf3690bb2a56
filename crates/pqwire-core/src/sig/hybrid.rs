//! Hybrid signatures Ed25519 + ML-DSA-65/87: both halves sign, both must verify.
//!
//! ```text
//! seed        32 bytes; SHAKE256(seed | label, 64) = ed25519 seed (32) | ML-DSA ξ (32)
//! public key  Ed25519 pk (32) | ML-DSA pk
//! secret key  Ed25519 seed (32) | ML-DSA expanded sk
//! signed      M' = "pqwire hybrid signature v1" | suite code (u16 BE) | len(ctx) (u8) | ctx | M
//! signature   Ed25519(M') (64) | ML-DSA(M', context = suite name)
//! ```
//!
//! Binding the suite into M' and into the ML-DSA context keeps either half from being
//! lifted out and verified as a stand-alone signature over M.
//!
//! Each suite exists over both seeded ML-DSA implementations: libcrux (the default where it
//! is built) and RustCrypto (`Backend::RustCrypto`). Both give identical bytes. Each also
//! exists with the Ed25519 key of lockable key pairs (`ed25519::LockableKey`), again with
//! identical bytes.

use super::ml_dsa::{check_context, signing_rnd, MlDsaParams, MsgOrMu};
use super::{ed25519, SigBackend, SigLengths, SignRandomness, Signer, Verification};
use crate::hash::shake256_into;
use crate::random::given_or_random;
use crate::suite::SigSuite;
use crate::{Error, Result, SecretBytes, SecretMemory};
use zeroize::Zeroizing;

const PREFIX: &[u8] = b"pqwire hybrid signature v1";
const KEYGEN_LABEL: &[u8] = b"pqwire hybrid signature keygen";

pub(crate) trait HybridSigParams: Send + Sync + 'static {
    type MlDsa: MlDsaParams;
    const SUITE: SigSuite;
}

/// One hybrid suite: its parameters `$name` and its backends, the statics `$static` (the
/// build's Ed25519) and `$lockable` (lockable key pairs' Ed25519).
macro_rules! hybrid_sig {
    ($name:ident, $static:ident, $lockable:ident, $mldsa:ty, $suite:expr) => {
        pub(crate) struct $name;
        impl HybridSigParams for $name {
            type MlDsa = $mldsa;
            const SUITE: SigSuite = $suite;
        }
        pub(crate) static $static: HybridSig<$name> = HybridSig(core::marker::PhantomData);
        pub(crate) static $lockable: HybridSig<$name, crate::sig::ed25519::LockableKey> =
            HybridSig(core::marker::PhantomData);
    };
}

/// The two hybrid suites over one ML-DSA implementation (`$ml_dsa`, the module of its
/// `MlDsaParams`), as the module `$family` with statics `ED25519_ML_DSA_65` and
/// `ED25519_ML_DSA_87`, and `ALL` of them; and with the Ed25519 key of lockable key pairs,
/// `ED25519_ML_DSA_65_LOCKABLE`, `ED25519_ML_DSA_87_LOCKABLE` and `LOCKABLE`.
macro_rules! hybrids_over {
    ($family:ident, $ml_dsa:ident) => {
        pub(crate) mod $family {
            use super::{HybridSig, HybridSigParams};
            use crate::sig::$ml_dsa as m;
            use crate::suite::SigSuite;

            hybrid_sig!(
                H65,
                ED25519_ML_DSA_65,
                ED25519_ML_DSA_65_LOCKABLE,
                m::P65,
                SigSuite::Ed25519MlDsa65
            );
            hybrid_sig!(
                H87,
                ED25519_ML_DSA_87,
                ED25519_ML_DSA_87_LOCKABLE,
                m::P87,
                SigSuite::Ed25519MlDsa87
            );

            /// The two, as the backend of `$ml_dsa` offers them.
            #[cfg_attr(not(feature = "rustcrypto"), allow(dead_code))] // the default's alone
            pub(crate) static ALL: [&dyn crate::sig::SigBackend; 2] =
                [&ED25519_ML_DSA_65, &ED25519_ML_DSA_87];

            /// The two for lockable key pairs, as the backend of `$ml_dsa` offers them.
            #[cfg_attr(not(feature = "rustcrypto"), allow(dead_code))] // the default's alone
            pub(crate) static LOCKABLE: [&dyn crate::sig::SigBackend; 2] =
                [&ED25519_ML_DSA_65_LOCKABLE, &ED25519_ML_DSA_87_LOCKABLE];
        }
    };
}

#[cfg(feature = "libcrux")]
hybrids_over!(libcrux, ml_dsa_libcrux);
// RustCrypto's: a `Backend::RustCrypto` choice, and the default where libcrux is not built.
#[cfg(any(feature = "rustcrypto", not(feature = "libcrux")))]
hybrids_over!(rustcrypto, ml_dsa);

/// The hybrid backend for parameters `H`, its Ed25519 keys held as `K`.
pub(crate) struct HybridSig<H, K = ed25519::SigningKey>(core::marker::PhantomData<fn() -> (H, K)>);

/// M' of the construction above.
fn bound_message(suite: SigSuite, ctx: &[u8], msg: &[u8]) -> Result<Vec<u8>> {
    check_context(ctx)?;
    let mut m = Vec::with_capacity(PREFIX.len() + 3 + ctx.len() + msg.len());
    m.extend_from_slice(PREFIX);
    m.extend_from_slice(&suite.code().to_be_bytes());
    m.push(ctx.len() as u8); // at most 255, checked above
    m.extend_from_slice(ctx);
    m.extend_from_slice(msg);
    Ok(m)
}

struct Loaded<H: HybridSigParams, K> {
    ed: K,
    ml: <H::MlDsa as MlDsaParams>::Sk,
}

impl<H: HybridSigParams, K: ed25519::Key> Loaded<H, K> {
    /// Splits and loads a secret key `Ed25519 seed (32) | ML-DSA expanded sk`.
    fn parse(secret_key: &[u8]) -> Result<Self> {
        let len = SigLengths::of(H::SUITE).secret_key;
        Error::check_len("hybrid signature secret key", len, secret_key.len())?;
        let (ed, ml) = secret_key.split_at(32);
        Ok(Self {
            ed: K::from_seed(ed)?,
            ml: H::MlDsa::load(ml)?,
        })
    }
}

impl<H: HybridSigParams, K: ed25519::Key> Signer for Loaded<H, K> {
    fn sign(&self, msg: &[u8], ctx: &[u8], randomness: SignRandomness<'_>) -> Result<Vec<u8>> {
        let m = bound_message(H::SUITE, ctx, msg)?;
        let rnd = signing_rnd(randomness)?;
        let mut out = self.ed.sign(&m);
        let ml = H::MlDsa::sign_internal(
            &self.ml,
            MsgOrMu::Message {
                msg: &m,
                ctx: H::SUITE.name().as_bytes(),
            },
            &rnd,
        )?;
        out.extend_from_slice(&ml);
        Ok(out)
    }

    fn secret_heap(&self) -> SecretMemory {
        self.ed
            .secret_heap()
            .and(H::MlDsa::sk_secret_heap(&self.ml))
    }
}

impl<H: HybridSigParams, K: ed25519::Key> SigBackend for HybridSig<H, K> {
    fn suite(&self) -> SigSuite {
        H::SUITE
    }

    fn backend_name(&self) -> &'static str {
        "pqwire"
    }

    fn keygen(&self, seed: Option<&[u8]>) -> Result<(Vec<u8>, SecretBytes)> {
        let seed = given_or_random::<32>("hybrid signature key generation seed", seed)?;
        let mut expanded = Zeroizing::new([0u8; 64]);
        shake256_into(
            &[seed.as_ref(), KEYGEN_LABEL, &H::SUITE.code().to_be_bytes()],
            expanded.as_mut(),
        );
        let mut ed_seed = Zeroizing::new([0u8; 32]);
        ed_seed.copy_from_slice(&expanded[..32]);
        let mut xi = Zeroizing::new([0u8; 32]);
        xi.copy_from_slice(&expanded[32..]);
        let ed = K::from_seed(ed_seed.as_ref())?;
        let (ml_pk, ml_sk) = H::MlDsa::keygen_internal(&xi);
        let mut pk = ed.public_key()?.to_vec();
        pk.extend_from_slice(&ml_pk);
        let sk = SecretBytes::from([ed_seed.as_slice(), ml_sk.expose()].concat());
        Ok((pk, sk))
    }

    fn load_secret_key(&self, secret_key: &[u8]) -> Result<Box<dyn Signer>> {
        Ok(Box::new(Loaded::<H, K>::parse(secret_key)?))
    }

    fn public_key(&self, secret_key: &[u8]) -> Result<Vec<u8>> {
        let loaded = Loaded::<H, K>::parse(secret_key)?;
        let mut pk = loaded.ed.public_key()?.to_vec();
        pk.extend_from_slice(&H::MlDsa::public_key_of(&loaded.ml)?);
        Ok(pk)
    }

    fn verify(&self, sig: &[u8], msg: &[u8], pk: &[u8], ctx: &[u8]) -> Result<Verification> {
        let lengths = self.lengths();
        Error::check_len("hybrid signature public key", lengths.public_key, pk.len())?;
        let m = bound_message(H::SUITE, ctx, msg)?;
        let (ed_pk, ml_pk) = pk.split_at(32);
        let (classic_valid, quantum_valid) = if sig.len() == lengths.signature {
            let (ed_sig, ml_sig) = sig.split_at(64);
            // Both halves are always checked, so the result reports each of them.
            let classic = ed25519::verify_strict(ed_sig, &m, ed_pk)?;
            let quantum = H::MlDsa::verify_internal(
                ml_pk,
                MsgOrMu::Message {
                    msg: &m,
                    ctx: H::SUITE.name().as_bytes(),
                },
                ml_sig,
            )?;
            (classic, quantum)
        } else {
            (false, false)
        };
        Ok(Verification {
            valid: classic_valid && quantum_valid,
            classic_valid,
            quantum_valid,
            suite: H::SUITE,
        })
    }
}
