//! Ed25519 keys and the verification equation through AWS-LC (`aws-lc-rs`), behind
//! pqwire's strict checks (`ed25519.rs`). AWS-LC keeps the expanded key in native memory
//! and wipes it when freed.

use crate::random::fixed;
use crate::{Error, Result, SecretMemory};
use aws_lc_rs::signature::{self as lc, Ed25519KeyPair, KeyPair as _, UnparsedPublicKey};

/// A loaded Ed25519 signing key.
pub(crate) struct SigningKey(Ed25519KeyPair);

impl super::ed25519::Key for SigningKey {
    const NAME: &'static str = "aws-lc";

    fn from_seed(seed: &[u8]) -> Result<Self> {
        Error::check_len("Ed25519 secret key", 32, seed.len())?;
        Ed25519KeyPair::from_seed_unchecked(seed)
            .map(Self)
            .map_err(|_| Error::InvalidArgument {
                what: "Ed25519 secret key",
            })
    }

    fn secret_heap(&self) -> SecretMemory {
        // In AWS-LC's own heap (an `EVP_PKEY`), out of pqwire's sight.
        SecretMemory::unknown()
    }

    fn public_key(&self) -> Result<[u8; 32]> {
        fixed::<32>("Ed25519 public key", self.0.public_key().as_ref())
    }

    fn sign(&self, message: &[u8]) -> Vec<u8> {
        self.0.sign(message).as_ref().to_vec()
    }
}

/// AWS-LC's cofactorless equation (S below the order, R the encoding of [S]B − [k]A), for
/// encodings pqwire's checks already accepted.
pub(crate) fn verify_equation(public_key: &[u8; 32], message: &[u8], signature: &[u8; 64]) -> bool {
    UnparsedPublicKey::new(&lc::ED25519, public_key)
        .verify(message, signature)
        .is_ok()
}
