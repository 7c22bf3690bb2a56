//! Ed25519 (RFC 8032) through `ed25519-dalek`, with strict verification.
//!
//! Strict means: non-canonical encodings of A, R and S are refused, and so are
//! small-order A and R (`verify_strict`), following RFC 8032 and FIPS 186-5 and going
//! beyond them for the cases they leave open; see `docs/primitives.md`. Ed25519 is
//! deterministic and takes no context, so a context or given randomness is refused.

use super::{single, SigBackend, SigLengths, SignRandomness, Signer, Verification};
use crate::rng::{fixed, given_or_random};
use crate::suite::SigSuite;
use crate::{Error, Result, SecretBytes};
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use zeroize::Zeroizing;

pub(crate) struct Ed25519;
pub(crate) static ED25519: Ed25519 = Ed25519;

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
        Ok(self.0.sign(message).to_bytes().to_vec())
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

/// Loads an Ed25519 signing key from its 32-byte seed.
pub(crate) fn signing_key(secret_key: &[u8]) -> Result<SigningKey> {
    let seed = Zeroizing::new(fixed::<32>("Ed25519 secret key", secret_key)?);
    Ok(SigningKey::from_bytes(&seed))
}

impl SigBackend for Ed25519 {
    fn suite(&self) -> SigSuite {
        SigSuite::Ed25519
    }

    fn backend_name(&self) -> &'static str {
        "dalek"
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
        let sk = SigningKey::from_bytes(&seed);
        Ok((
            sk.verifying_key().to_bytes().to_vec(),
            SecretBytes::from_slice(seed.as_ref()),
        ))
    }

    fn load_secret_key(&self, secret_key: &[u8]) -> Result<Box<dyn Signer>> {
        Ok(Box::new(Loaded(signing_key(secret_key)?)))
    }

    fn public_key(&self, secret_key: &[u8]) -> Result<Vec<u8>> {
        Ok(signing_key(secret_key)?.verifying_key().to_bytes().to_vec())
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
