//! Ed25519 (RFC 8032): AWS-LC signs (through `aws-lc-rs`, about 1.6x `ed25519-dalek`),
//! `ed25519-dalek` verifies strictly. A unit test checks that both sign identically.
//!
//! Strict means: non-canonical encodings of A, R and S are refused, and so are
//! small-order A and R (`verify_strict`), following RFC 8032 and FIPS 186-5 and going
//! beyond them for the cases they leave open; see `docs/primitives.md`. Ed25519 is
//! deterministic and takes no context, so a context or given randomness is refused.

use super::{single, SigBackend, SigLengths, SignRandomness, Signer, Verification};
use crate::rng::{fixed, given_or_random};
use crate::suite::SigSuite;
use crate::{Error, Result, SecretBytes};
use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair as _};
use ed25519_dalek::{Signature, VerifyingKey};

pub(crate) struct Ed25519;
pub(crate) static ED25519: Ed25519 = Ed25519;

/// A loaded Ed25519 signing key (AWS-LC keeps the expanded key in native memory and
/// wipes it when freed).
pub(crate) struct SigningKey(Ed25519KeyPair);

impl SigningKey {
    /// Loads a signing key from its 32-byte seed.
    pub(crate) fn from_seed(seed: &[u8]) -> Result<Self> {
        Error::check_len("Ed25519 secret key", 32, seed.len())?;
        Ed25519KeyPair::from_seed_unchecked(seed)
            .map(Self)
            .map_err(|_| Error::InvalidArgument {
                what: "Ed25519 secret key",
            })
    }

    /// The 32-byte public key.
    pub(crate) fn public_key(&self) -> Result<[u8; 32]> {
        fixed::<32>("Ed25519 public key", self.0.public_key().as_ref())
    }

    /// The 64-byte signature of `message`.
    pub(crate) fn sign(&self, message: &[u8]) -> Vec<u8> {
        self.0.sign(message).as_ref().to_vec()
    }
}

struct Loaded(SigningKey);

fn refuse_options(context: &[u8], randomness: SignRandomness<'_>) -> Result<()> {
    if !context.is_empty() {
        return Err(Error::InvalidArgument {
            what: "Ed25519 takes no context string",
        });
    }
    if let SignRandomness::Given(_) = randomness {
        return Err(Error::InvalidArgument {
            what: "Ed25519 signing is deterministic and takes no randomness",
        });
    }
    Ok(())
}

impl Signer for Loaded {
    fn sign(
        &self,
        message: &[u8],
        context: &[u8],
        randomness: SignRandomness<'_>,
    ) -> Result<Vec<u8>> {
        refuse_options(context, randomness)?;
        Ok(self.0.sign(message))
    }
}

/// Strict Ed25519 verification of raw bytes; wrong sizes and bad encodings are `false`.
pub(crate) fn verify_strict(signature: &[u8], message: &[u8], public_key: &[u8]) -> Result<bool> {
    let pk = fixed::<32>("Ed25519 public key", public_key)?;
    let Ok(sig) = <[u8; 64]>::try_from(signature) else {
        return Ok(false);
    };
    let Ok(vk) = VerifyingKey::from_bytes(&pk) else {
        return Ok(false);
    };
    Ok(vk
        .verify_strict(message, &Signature::from_bytes(&sig))
        .is_ok())
}

impl SigBackend for Ed25519 {
    fn suite(&self) -> SigSuite {
        SigSuite::Ed25519
    }

    fn backend_name(&self) -> &'static str {
        "aws-lc (sign), dalek (verify)"
    }

    fn lengths(&self) -> SigLengths {
        SigLengths {
            public_key: 32,
            secret_key: 32,
            signature: 64,
            keygen_seed: 32,
            signing_randomness: 0,
        }
    }

    fn keygen(&self, seed: Option<&[u8]>) -> Result<(Vec<u8>, SecretBytes)> {
        let seed = given_or_random::<32>("Ed25519 key generation seed", seed)?;
        let sk = SigningKey::from_seed(seed.as_ref())?;
        Ok((
            sk.public_key()?.to_vec(),
            SecretBytes::from_slice(seed.as_ref()),
        ))
    }

    fn load_secret_key(&self, secret_key: &[u8]) -> Result<Box<dyn Signer>> {
        Ok(Box::new(Loaded(SigningKey::from_seed(secret_key)?)))
    }

    fn public_key(&self, secret_key: &[u8]) -> Result<Vec<u8>> {
        Ok(SigningKey::from_seed(secret_key)?.public_key()?.to_vec())
    }

    fn verify(
        &self,
        signature: &[u8],
        message: &[u8],
        public_key: &[u8],
        context: &[u8],
    ) -> Result<Verification> {
        refuse_options(context, SignRandomness::Deterministic)?;
        Ok(single(
            SigSuite::Ed25519,
            verify_strict(signature, message, public_key)?,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::Signer as _;

    /// AWS-LC and `ed25519-dalek` must derive the same public key and, Ed25519 being
    /// deterministic, the same signature; a wrong byte anywhere fails verification.
    #[test]
    fn aws_lc_signs_like_dalek() {
        for i in 0u32..200 {
            let seed = crate::hash::sha3_256(&[b"ed25519 differential", &i.to_be_bytes()]);
            let message = vec![i as u8; i as usize * 7];
            let ours = SigningKey::from_seed(&seed).unwrap();
            let reference = ed25519_dalek::SigningKey::from_bytes(&seed);
            let pk = ours.public_key().unwrap();
            assert_eq!(pk, reference.verifying_key().to_bytes(), "public key {i}");
            let sig = ours.sign(&message);
            assert_eq!(
                sig,
                reference.sign(&message).to_bytes().to_vec(),
                "signature {i}"
            );
            assert!(verify_strict(&sig, &message, &pk).unwrap());
            let mut bad = sig.clone();
            bad[i as usize % 64] ^= 1;
            assert!(!verify_strict(&bad, &message, &pk).unwrap());
        }
    }

    #[test]
    fn wrong_seed_length_is_refused() {
        assert!(matches!(
            SigningKey::from_seed(&[0; 31]),
            Err(Error::BadLength { .. })
        ));
    }
}
