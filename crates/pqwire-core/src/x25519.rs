//! X25519 (RFC 7748) key agreement. An all-zero shared secret (a low-order peer key)
//! is refused with `NON_CONTRIBUTORY`.

use crate::rng::{fixed, given_or_random};
use crate::{Error, Result, SecretBytes};
use x25519_dalek::{PublicKey, StaticSecret};

/// Length of X25519 secret keys, public keys and shared secrets.
pub const KEY_LEN: usize = 32;

/// Derives the public key of a 32-byte secret key.
pub fn public_key(secret_key: &[u8]) -> Result<[u8; 32]> {
    let sk = StaticSecret::from(fixed::<32>("X25519 secret key", secret_key)?);
    Ok(PublicKey::from(&sk).to_bytes())
}

/// Generates a key pair; the secret key is `seed` when given (32 bytes), else random.
///
/// ```
/// let (sk, pk) = pqwire_core::x25519::keygen(Some(&[9u8; 32])).unwrap();
/// assert_eq!(pqwire_core::x25519::public_key(sk.expose()).unwrap(), pk);
/// ```
pub fn keygen(seed: Option<&[u8]>) -> Result<(SecretBytes, [u8; 32])> {
    let sk = given_or_random::<32>("X25519 seed", seed)?;
    let pk = public_key(sk.as_ref())?;
    Ok((SecretBytes::from_slice(sk.as_ref()), pk))
}

/// Computes the shared secret of `secret_key` and a peer's `public_key`.
/// Fails with `NON_CONTRIBUTORY` when the result is all zero.
pub fn shared_secret(secret_key: &[u8], public_key: &[u8]) -> Result<SecretBytes> {
    let sk = StaticSecret::from(fixed::<32>("X25519 secret key", secret_key)?);
    let pk = PublicKey::from(fixed::<32>("X25519 public key", public_key)?);
    let ss = sk.diffie_hellman(&pk);
    if !ss.was_contributory() {
        return Err(Error::NonContributory);
    }
    Ok(SecretBytes::from_slice(ss.as_bytes()))
}
