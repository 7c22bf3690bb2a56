//! Ed25519 keys and the verification equation through `ed25519-dalek` (pure Rust, the
//! pure-Rust build's), behind pqwire's strict checks (`ed25519.rs`). Its signing key wipes
//! itself on drop (`zeroize` feature).

use crate::{Result, SecretMemory};
use ed25519_dalek::Signer as _;

/// The name `SigBackend::backend_name` reports.
pub(crate) const NAME: &str = "dalek";

/// A loaded Ed25519 signing key.
pub(crate) struct SigningKey(ed25519_dalek::SigningKey);

impl SigningKey {
    /// Loads a signing key from its 32-byte seed.
    pub(crate) fn from_seed(seed: &[u8]) -> Result<Self> {
        let seed = zeroize::Zeroizing::new(crate::random::fixed::<32>("Ed25519 secret key", seed)?);
        Ok(Self(ed25519_dalek::SigningKey::from_bytes(&seed)))
    }

    /// Where the key is, beyond this value's own storage: nowhere, `ed25519-dalek`'s
    /// signing key (seed and public key) is inline.
    pub(crate) fn secret_heap(&self) -> SecretMemory {
        SecretMemory::all([])
    }

    /// The 32-byte public key.
    pub(crate) fn public_key(&self) -> Result<[u8; 32]> {
        Ok(self.0.verifying_key().to_bytes())
    }

    /// The 64-byte signature of `message`.
    pub(crate) fn sign(&self, message: &[u8]) -> Vec<u8> {
        self.0.sign(message).to_bytes().to_vec()
    }
}

/// `ed25519-dalek`'s `verify_strict` (cofactorless; it also refuses small-order A and R,
/// which pqwire's checks refused already).
pub(crate) fn verify_equation(public_key: &[u8; 32], message: &[u8], signature: &[u8; 64]) -> bool {
    ed25519_dalek::VerifyingKey::from_bytes(public_key).is_ok_and(|vk| {
        vk.verify_strict(message, &ed25519_dalek::Signature::from_bytes(signature))
            .is_ok()
    })
}
