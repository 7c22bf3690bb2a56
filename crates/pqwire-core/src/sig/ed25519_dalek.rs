//! Ed25519 keys and the verification equation through `ed25519-dalek` (pure Rust, the
//! pure-Rust build's), behind pqwire's strict checks (`ed25519.rs`); where AWS-LC is built
//! too, the signing key of lockable key pairs (`ed25519::LockableKey`). Its signing key
//! wipes itself on drop (`zeroize` feature).

use crate::{Result, SecretMemory};
use ed25519_dalek::Signer as _;

/// A loaded Ed25519 signing key.
pub(crate) struct SigningKey(ed25519_dalek::SigningKey);

impl super::ed25519::Key for SigningKey {
    const NAME: &'static str = "dalek";

    fn from_seed(seed: &[u8]) -> Result<Self> {
        let seed = zeroize::Zeroizing::new(crate::random::fixed::<32>("Ed25519 secret key", seed)?);
        Ok(Self(ed25519_dalek::SigningKey::from_bytes(&seed)))
    }

    fn secret_heap(&self) -> SecretMemory {
        // Nowhere: `ed25519-dalek`'s signing key (seed and public key) is inline.
        SecretMemory::all([])
    }

    fn public_key(&self) -> Result<[u8; 32]> {
        Ok(self.0.verifying_key().to_bytes())
    }

    fn sign(&self, message: &[u8]) -> Vec<u8> {
        self.0.sign(message).to_bytes().to_vec()
    }
}

/// `ed25519-dalek`'s `verify_strict` (cofactorless; it also refuses small-order A and R,
/// which pqwire's checks refused already).
#[cfg_attr(feature = "aws-lc", allow(dead_code))] // AWS-LC's verifies there
pub(crate) fn verify_equation(public_key: &[u8; 32], message: &[u8], signature: &[u8; 64]) -> bool {
    ed25519_dalek::VerifyingKey::from_bytes(public_key).is_ok_and(|vk| {
        vk.verify_strict(message, &ed25519_dalek::Signature::from_bytes(signature))
            .is_ok()
    })
}
