//! X25519 through `x25519-dalek` (pure Rust): the pure-Rust build's, and where AWS-LC is
//! built too, the one of lockable key pairs (`DalekSecret`). Its secret keys and shared
//! secrets wipe themselves on drop (`zeroize` feature).

use crate::secret::region_of;
use crate::{Error, Result, SecretBytes, SecretMemory};
use x25519_dalek::{PublicKey, StaticSecret};

/// A loaded secret key.
pub(super) type Loaded = StaticSecret;

pub(super) fn load(secret_key: &[u8; 32]) -> Result<Loaded> {
    Ok(StaticSecret::from(*secret_key))
}

/// Where a loaded key is: `x25519-dalek`'s key is an inline array, all of it at `key`.
#[cfg_attr(feature = "aws-lc", allow(dead_code))] // `DalekSecret` holds its key inline
pub(super) fn loaded_memory(key: &Loaded) -> SecretMemory {
    SecretMemory::all([region_of(key)])
}

/// The public key of a loaded secret key.
pub(super) fn public_key(key: &Loaded) -> Result<[u8; 32]> {
    Ok(PublicKey::from(key).to_bytes())
}

/// The shared secret; `NON_CONTRIBUTORY` when it is all zero.
pub(super) fn agree(key: &Loaded, public_key: &[u8; 32]) -> Result<SecretBytes> {
    let shared = key.diffie_hellman(&PublicKey::from(*public_key));
    if !shared.was_contributory() {
        return Err(Error::NonContributory);
    }
    Ok(SecretBytes::from_slice(shared.as_bytes()))
}
