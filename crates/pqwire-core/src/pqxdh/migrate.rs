//! Moving from classical keys (protocol.md §2.4): an app that has an Ed25519 identity key
//! (and perhaps an X25519 one) keeps it as the classical half of a hybrid identity and
//! adds a fresh ML-DSA half; the old key signs the new hybrid key package, so peers who
//! knew the old key can check that the new identity continues it.

use super::identity::Identity;
use super::package::Validity;
use crate::random::RandomSource;
use crate::sig::{self, SigKeyPair, SignRandomness};
use crate::{x25519, Error, Result, SecretBytes, SigSuite};
use zeroize::Zeroizing;

/// What the old Ed25519 key signs: this label, then the new identity's encoded signing
/// key package.
pub const LABEL_CONTINUITY: &[u8] = b"pqwire/v2 identity continuity";

/// Length of an Ed25519 secret key (its seed) and public key.
const ED25519_KEY_LEN: usize = 32;

/// Builds a hybrid identity of `suite` (Ed25519+ML-DSA-65 or -87) whose Ed25519 half is
/// the legacy key `ed25519_secret` (its 32-byte seed) and whose ML-DSA half is new; the
/// X25519 identity key is `x25519_secret` when given (so peers keep the DH key they
/// knew), else new. Randomness from `rng`: the ML-DSA seed, the X25519 key when none is
/// given, then the identity's signature.
///
/// The continuity proof is [`continuity_proof`] of the result.
pub fn promote_legacy(
    ed25519_secret: &[u8],
    x25519_secret: Option<&[u8]>,
    suite: SigSuite,
    validity: Validity,
    rng: &mut dyn RandomSource,
) -> Result<Identity> {
    Error::check_len(
        "legacy Ed25519 secret key",
        ED25519_KEY_LEN,
        ed25519_secret.len(),
    )?;
    let ml_dsa = match suite {
        SigSuite::Ed25519MlDsa65 => SigSuite::MlDsa65,
        SigSuite::Ed25519MlDsa87 => SigSuite::MlDsa87,
        _ => {
            return Err(Error::InvalidArgument {
                what: "identities are Ed25519+ML-DSA-65 or Ed25519+ML-DSA-87",
            })
        }
    };
    let ed_public = sig::backend(SigSuite::Ed25519).public_key(ed25519_secret)?;
    let mut seed = Zeroizing::new([0u8; 32]);
    rng.fill(seed.as_mut())?;
    let (pq_public, pq_secret) = sig::backend(ml_dsa).keygen(Some(seed.as_ref()))?;
    // The hybrid key formats (sig/hybrid.rs): Ed25519 seed ‖ ML-DSA secret key, and
    // Ed25519 public key ‖ ML-DSA public key.
    // One allocation of the final size (`concat`): growing a copy of the Ed25519 secret
    // would leave it behind in freed memory.
    let secret = Zeroizing::new([ed25519_secret, pq_secret.expose()].concat());
    let mut public = ed_public;
    public.extend_from_slice(&pq_public);
    let signing = SigKeyPair::import(suite, &secret, &public)?;
    let dh_secret = match x25519_secret {
        Some(s) => {
            x25519::public_key(s)?;
            SecretBytes::from_slice(s)
        }
        None => {
            rng.fill(seed.as_mut())?;
            x25519::keygen(Some(seed.as_ref()))?.0
        }
    };
    Identity::assemble(signing, dh_secret, validity)
}

/// The Ed25519 half of `identity` signs `LABEL_CONTINUITY ‖ signing key package`: for a
/// promoted identity, that is the legacy key vouching for the new hybrid identity.
pub fn continuity_proof(identity: &Identity) -> Result<Vec<u8>> {
    let secret = identity.signer().export_secret_key();
    let ed_seed = secret
        .expose()
        .get(..ED25519_KEY_LEN)
        .ok_or(Error::InvalidKey {
            what: "identity signing key has no Ed25519 half",
        })?;
    let message = continuity_message(&identity.public().sig_key_encoded);
    sig::backend(SigSuite::Ed25519).sign(&message, ed_seed, b"", SignRandomness::Deterministic)
}

/// Checks a continuity proof: `legacy_public_key` (Ed25519, 32 bytes) signed the
/// identity's signing key package, and the identity's Ed25519 half is that key.
/// `AUTH_FAILED` otherwise.
pub fn verify_continuity(
    legacy_public_key: &[u8],
    identity_sig_key_encoded: &[u8],
    identity_public_key: &[u8],
    proof: &[u8],
) -> Result<()> {
    Error::check_len(
        "legacy Ed25519 public key",
        ED25519_KEY_LEN,
        legacy_public_key.len(),
    )?;
    let message = continuity_message(identity_sig_key_encoded);
    let valid = sig::backend(SigSuite::Ed25519)
        .verify(proof, &message, legacy_public_key, b"")?
        .valid;
    let same_half = identity_public_key.get(..ED25519_KEY_LEN) == Some(legacy_public_key);
    if valid && same_half {
        Ok(())
    } else {
        Err(Error::AuthenticationFailed)
    }
}

fn continuity_message(sig_key_encoded: &[u8]) -> Vec<u8> {
    [LABEL_CONTINUITY, sig_key_encoded].concat()
}
