//! X25519 through AWS-LC (`aws-lc-rs`), the default build's. Its private keys live in
//! native memory and are wiped when freed.

use crate::{Error, Result, SecretBytes, SecretMemory};
use aws_lc_rs::agreement::{self, PrivateKey, UnparsedPublicKey, X25519};

/// A loaded secret key.
pub(super) type Loaded = PrivateKey;

pub(super) fn load(secret_key: &[u8; 32]) -> Result<Loaded> {
    // Only a wrong length is refused, and the type rules that out.
    PrivateKey::from_private_key(&X25519, secret_key).map_err(|_| Error::BadLength {
        what: "X25519 secret key",
        expected: 32,
        actual: secret_key.len(),
    })
}

/// Where a loaded key is: in AWS-LC's own heap (an `EVP_PKEY`), out of pqwire's sight.
pub(super) fn loaded_memory(_: &Loaded) -> SecretMemory {
    SecretMemory::unknown()
}

/// The public key of a loaded secret key.
pub(super) fn public_key(key: &Loaded) -> Result<[u8; 32]> {
    let public = key
        .compute_public_key()
        .map_err(|_| Error::InvalidArgument {
            what: "X25519 secret key",
        })?;
    crate::random::fixed::<32>("X25519 public key", public.as_ref())
}

/// The shared secret; `NON_CONTRIBUTORY` when it is all zero.
pub(super) fn agree(key: &Loaded, public_key: &[u8; 32]) -> Result<SecretBytes> {
    // AWS-LC's X25519 fails exactly when the output is all zero (RFC 7748 §6.1).
    agreement::agree(
        key,
        UnparsedPublicKey::new(&X25519, public_key),
        Error::NonContributory,
        |ss| Ok(SecretBytes::from_slice(ss)),
    )
}
