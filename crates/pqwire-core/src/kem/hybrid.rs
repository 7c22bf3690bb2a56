//! Hybrid KEMs: X-Wing (draft-connolly-cfrg-xwing-kem) for X25519 + ML-KEM-768, and the
//! same construction with its own label for X25519 + ML-KEM-512 and X25519 + ML-KEM-1024.
//!
//! ```text
//! secret key  sk (32 bytes)
//! expand      SHAKE256(sk, 96) = d (32) | z (32) | sk_X (32)
//! public key  pk_M (ML-KEM.KeyGen_internal(d, z)) | pk_X = X25519(sk_X, 9)
//! encaps      eseed (64) = m (32) | ek_X (32)
//!             (ss_M, ct_M) = ML-KEM.Encaps_internal(pk_M, m)
//!             ct_X = X25519(ek_X, 9), ss_X = X25519(ek_X, pk_X)
//!             ct = ct_M | ct_X
//! combiner    ss = SHA3-256(ss_M | ss_X | ct_X | pk_X | label)
//! ```
//!
//! X-Wing's label is the six bytes `\.//^\`; the other pairs use `pqwire X25519+ML-KEM-512`
//! and `pqwire X25519+ML-KEM-1024`, so a ciphertext cannot be moved between suites.
//! As in the draft, the X25519 half is not checked for contributory behaviour: the
//! hybrid stays secure through ML-KEM even when the classical half is degenerate.
//!
//! Each suite exists over both seeded ML-KEM implementations: libcrux (the default where it
//! is built) and RustCrypto (`Backend::RustCrypto`). Both give identical bytes. Over
//! libcrux each also exists with the X25519 key of lockable key pairs
//! ([`x25519::LockableSecret`], module [`lockable`]), again with identical bytes.

use super::ml_kem::MlKemParams;
use super::{Decapsulator, Encapsulation, KemBackend, KemLengths};
use crate::hash::{sha3_256, shake256_into};
use crate::random::{fixed, given_or_random};
use crate::suite::KemSuite;
use crate::x25519::{self, SecretKey};
use crate::{Error, Result, SecretBytes, SecretMemory};
use zeroize::Zeroizing;

/// Per-suite constants of a hybrid KEM.
pub(crate) trait HybridParams: Send + Sync + 'static {
    type MlKem: MlKemParams;
    const SUITE: KemSuite;
    const LABEL: &'static [u8];
}

/// One hybrid suite: its parameters `$name` and its backend, the static `$static`.
macro_rules! hybrid_params {
    ($name:ident, $static:ident, $mlkem:ty, $suite:expr, $label:expr) => {
        pub(crate) struct $name;
        impl HybridParams for $name {
            type MlKem = $mlkem;
            const SUITE: KemSuite = $suite;
            const LABEL: &'static [u8] = $label;
        }
        pub(crate) static $static: Hybrid<$name> = Hybrid(core::marker::PhantomData);
    };
}

/// The three hybrid suites over one ML-KEM implementation (`$ml_kem`, the module of its
/// `MlKemParams`), as the module `$family` with statics `X_WING`, `X25519_ML_KEM_512` and
/// `X25519_ML_KEM_1024`, and `ALL` of them.
macro_rules! hybrids_over {
    ($family:ident, $ml_kem:ident) => {
        pub(crate) mod $family {
            use super::{Hybrid, HybridParams, H1024_LABEL, H512_LABEL, X_WING_LABEL};
            use crate::kem::$ml_kem as m;
            use crate::suite::KemSuite;

            hybrid_params!(XWing, X_WING, m::P768, KemSuite::XWing, X_WING_LABEL);
            hybrid_params!(
                H512,
                X25519_ML_KEM_512,
                m::P512,
                KemSuite::X25519MlKem512,
                H512_LABEL
            );
            hybrid_params!(
                H1024,
                X25519_ML_KEM_1024,
                m::P1024,
                KemSuite::X25519MlKem1024,
                H1024_LABEL
            );

            /// The three, as the backend of `$ml_kem` offers them.
            #[cfg_attr(not(feature = "rustcrypto"), allow(dead_code))] // the default's alone
            pub(crate) static ALL: [&dyn crate::kem::KemBackend; 3] =
                [&X_WING, &X25519_ML_KEM_512, &X25519_ML_KEM_1024];
        }
    };
}

const X_WING_LABEL: &[u8] = b"\\.//^\\";
const H512_LABEL: &[u8] = b"pqwire X25519+ML-KEM-512";
const H1024_LABEL: &[u8] = b"pqwire X25519+ML-KEM-1024";

#[cfg(feature = "libcrux")]
hybrids_over!(libcrux, ml_kem_libcrux);
// RustCrypto's: a `Backend::RustCrypto` choice, and the default where libcrux is not built.
#[cfg(any(feature = "rustcrypto", not(feature = "libcrux")))]
hybrids_over!(rustcrypto, ml_kem);

/// The three suites over libcrux's ML-KEM with the X25519 key of lockable key pairs
/// ([`x25519::LockableSecret`]): all of their secret state is inline in the parsed key,
/// where AWS-LC and `x25519-dalek` are both built (see `kem::lockable_backend`).
#[cfg(feature = "libcrux")]
pub(crate) mod lockable {
    use super::libcrux::{XWing, H1024, H512};
    use super::Hybrid;
    use crate::x25519::LockableSecret;
    use core::marker::PhantomData;

    pub(crate) static X_WING: Hybrid<XWing, LockableSecret> = Hybrid(PhantomData);
    pub(crate) static X25519_ML_KEM_512: Hybrid<H512, LockableSecret> = Hybrid(PhantomData);
    pub(crate) static X25519_ML_KEM_1024: Hybrid<H1024, LockableSecret> = Hybrid(PhantomData);
}

/// The combiner label of a hybrid suite (`None` for a non-hybrid suite).
pub fn hybrid_label(suite: KemSuite) -> Option<&'static [u8]> {
    match suite {
        KemSuite::XWing => Some(X_WING_LABEL),
        KemSuite::X25519MlKem512 => Some(H512_LABEL),
        KemSuite::X25519MlKem1024 => Some(H1024_LABEL),
        _ => None,
    }
}

/// The hybrid backend for parameters `H`, its X25519 keys held as `X`.
pub(crate) struct Hybrid<H, X = x25519::StaticSecret>(core::marker::PhantomData<fn() -> (H, X)>);

impl<H: HybridParams, X: SecretKey> Hybrid<H, X> {
    /// Splits a public key `pk_M | pk_X` after its length check.
    fn split_public_key(public_key: &[u8]) -> Result<(&[u8], &[u8])> {
        let len = KemLengths::of(H::SUITE).public_key;
        Error::check_len("hybrid KEM public key", len, public_key.len())?;
        Ok(public_key.split_at(H::MlKem::LENGTHS.public_key))
    }
}

/// An expanded hybrid secret key.
struct Expanded<H: HybridParams, X> {
    dk_m: <H::MlKem as MlKemParams>::Dk,
    pk_m: Vec<u8>,
    sk_x: X,
}

impl<H: HybridParams, X: SecretKey> Expanded<H, X> {
    fn from_seed(sk: &[u8]) -> Result<Self> {
        let sk = Zeroizing::new(fixed::<32>("hybrid KEM secret key", sk)?);
        let mut expanded = Zeroizing::new([0u8; 96]);
        shake256_into(&[sk.as_ref()], expanded.as_mut());
        let mut seed_m = Zeroizing::new([0u8; 64]);
        seed_m.copy_from_slice(&expanded[..64]);
        let (dk_m, pk_m) = H::MlKem::keygen_internal(&seed_m);
        let mut sk_x_bytes = Zeroizing::new([0u8; 32]);
        sk_x_bytes.copy_from_slice(&expanded[64..]);
        Ok(Self {
            dk_m,
            pk_m,
            sk_x: X::load(sk_x_bytes.as_ref())?,
        })
    }

    fn public_key(&self) -> Vec<u8> {
        [self.pk_m.as_slice(), self.sk_x.public_key()].concat()
    }
}

fn combine(label: &[u8], ss_m: &[u8], ss_x: &[u8], ct_x: &[u8], pk_x: &[u8]) -> SecretBytes {
    SecretBytes::from_slice(&Zeroizing::new(sha3_256(&[ss_m, ss_x, ct_x, pk_x, label]))[..])
}

impl<H: HybridParams, X: SecretKey> Decapsulator for Expanded<H, X> {
    fn decapsulate(&self, cipher_text: &[u8]) -> Result<SecretBytes> {
        let ct_len = KemLengths::of(H::SUITE).cipher_text;
        Error::check_len("hybrid KEM ciphertext", ct_len, cipher_text.len())?;
        let (ct_m, ct_x) = cipher_text.split_at(H::MlKem::LENGTHS.cipher_text);
        let ss_m = H::MlKem::decaps_internal(&self.dk_m, ct_m)?;
        // X-Wing hashes a low-order X25519 output in as it is (the ML-KEM secret
        // still carries the security), so the raw function is used.
        let ss_x = self.sk_x.raw_shared_secret(ct_x)?;
        Ok(combine(
            H::LABEL,
            ss_m.expose(),
            ss_x.expose(),
            ct_x,
            self.sk_x.public_key(),
        ))
    }

    fn secret_heap(&self) -> SecretMemory {
        // `pk_m` is public; the ML-KEM key and the X25519 key say for themselves.
        H::MlKem::dk_secret_heap(&self.dk_m).and(self.sk_x.secret_heap())
    }
}

impl<H: HybridParams, X: SecretKey> KemBackend for Hybrid<H, X> {
    fn suite(&self) -> KemSuite {
        H::SUITE
    }

    fn backend_name(&self) -> &'static str {
        "pqwire"
    }

    fn keygen(&self, seed: Option<&[u8]>) -> Result<(Vec<u8>, SecretBytes)> {
        let sk = given_or_random::<32>("hybrid KEM key generation seed", seed)?;
        let expanded = Expanded::<H, X>::from_seed(sk.as_ref())?;
        Ok((expanded.public_key(), SecretBytes::from_slice(sk.as_ref())))
    }

    fn encapsulate(&self, public_key: &[u8], randomness: Option<&[u8]>) -> Result<Encapsulation> {
        let (pk_m, pk_x) = Self::split_public_key(public_key)?;
        let eseed = given_or_random::<64>("hybrid KEM encapsulation randomness", randomness)?;
        let mut m = Zeroizing::new([0u8; 32]);
        m.copy_from_slice(&eseed[..32]);
        let (ct_m, ss_m) = H::MlKem::encaps_internal(pk_m, &m)?;
        let mut ek_x = Zeroizing::new([0u8; 32]);
        ek_x.copy_from_slice(&eseed[32..]);
        let ek_x = X::load(ek_x.as_ref())?;
        let ct_x = *ek_x.public_key();
        let ss_x = ek_x.raw_shared_secret(pk_x)?;
        let shared_secret = combine(H::LABEL, ss_m.expose(), ss_x.expose(), &ct_x, pk_x);
        let mut cipher_text = ct_m;
        cipher_text.extend_from_slice(&ct_x);
        Ok(Encapsulation {
            cipher_text,
            shared_secret,
        })
    }

    fn load_secret_key(&self, secret_key: &[u8]) -> Result<Box<dyn Decapsulator>> {
        Ok(Box::new(Expanded::<H, X>::from_seed(secret_key)?))
    }

    fn check_public_key(&self, public_key: &[u8]) -> Result<()> {
        let (pk_m, _) = Self::split_public_key(public_key)?;
        H::MlKem::check_ek(pk_m)
    }
}
