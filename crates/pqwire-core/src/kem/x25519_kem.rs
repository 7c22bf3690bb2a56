//! X25519 used as a KEM (classical only, for `classical-allowed` policies and tests).
//!
//! ```text
//! keygen   sk (32), pk = X25519(sk, 9)
//! encaps   ek (32 bytes of randomness), ct = X25519(ek, 9), dh = X25519(ek, pk)
//! decaps   dh = X25519(sk, ct)
//! secret   SHA3-256(dh | ct | pk | "pqwire X25519-KEM")
//! ```
//! An all-zero `dh` (low-order key) is refused with `NON_CONTRIBUTORY` on both sides.
//!
//! Generic over how the X25519 keys are held ([`x25519::SecretKey`]): [`X25519_KEM`] with
//! the build's own, [`X25519_KEM_LOCKABLE`] with the one of lockable key pairs.

use super::{Decapsulator, Encapsulation, KemBackend};
use crate::hash::sha3_256;
use crate::random::{fixed, given_or_random};
use crate::suite::KemSuite;
use crate::x25519::{self, SecretKey};
use crate::{Error, Result, SecretBytes, SecretMemory};
use zeroize::Zeroizing;

const LABEL: &[u8] = b"pqwire X25519-KEM";

/// X25519 as a KEM, its keys held as `X`.
pub(crate) struct X25519Kem<X = x25519::StaticSecret>(core::marker::PhantomData<fn() -> X>);
/// The default: the build's X25519.
pub(crate) static X25519_KEM: X25519Kem = X25519Kem(core::marker::PhantomData);
/// Lockable key pairs' ([`x25519::LockableSecret`]).
pub(crate) static X25519_KEM_LOCKABLE: X25519Kem<x25519::LockableSecret> =
    X25519Kem(core::marker::PhantomData);

struct Loaded<X>(X);

fn derive(dh: &SecretBytes, ct: &[u8], pk: &[u8]) -> SecretBytes {
    SecretBytes::from_slice(&Zeroizing::new(sha3_256(&[dh.expose(), ct, pk, LABEL]))[..])
}

impl<X: SecretKey> Decapsulator for Loaded<X> {
    fn decapsulate(&self, cipher_text: &[u8]) -> Result<SecretBytes> {
        Error::check_len("X25519 KEM ciphertext", 32, cipher_text.len())?;
        let dh = self.0.shared_secret(cipher_text)?;
        Ok(derive(&dh, cipher_text, self.0.public_key()))
    }

    fn secret_heap(&self) -> SecretMemory {
        self.0.secret_heap()
    }
}

impl<X: SecretKey> KemBackend for X25519Kem<X> {
    fn suite(&self) -> KemSuite {
        KemSuite::X25519
    }

    fn backend_name(&self) -> &'static str {
        "pqwire"
    }

    fn keygen(&self, seed: Option<&[u8]>) -> Result<(Vec<u8>, SecretBytes)> {
        let (sk, pk) = X::keygen(seed)?;
        Ok((pk.to_vec(), sk))
    }

    fn encapsulate(&self, public_key: &[u8], randomness: Option<&[u8]>) -> Result<Encapsulation> {
        fixed::<32>("X25519 public key", public_key)?;
        let ek = given_or_random::<32>("X25519 KEM encapsulation randomness", randomness)?;
        let ek = X::load(ek.as_ref())?;
        let ct = ek.public_key();
        let dh = ek.shared_secret(public_key)?;
        Ok(Encapsulation {
            shared_secret: derive(&dh, ct, public_key),
            cipher_text: ct.to_vec(),
        })
    }

    fn load_secret_key(&self, secret_key: &[u8]) -> Result<Box<dyn Decapsulator>> {
        Ok(Box::new(Loaded(X::load(secret_key)?)))
    }

    fn check_public_key(&self, public_key: &[u8]) -> Result<()> {
        fixed::<32>("X25519 public key", public_key).map(|_| ())
    }
}
