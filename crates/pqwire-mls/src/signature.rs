//! MLS signature schemes on pqwire's keys: Ed25519 and ML-DSA-44/65/87 from pqwire-core
//! (ML-DSA pure, with the empty context, as draft-ietf-mls-pq-ciphersuites specifies),
//! ECDSA on P-256 and P-384 from [`crate::nist_curves`].
//!
//! A secret key is what [`keygen`] returns: the 32-byte seed for Ed25519 and ML-DSA (as
//! openmls's own providers keep it), the scalar for ECDSA.

use crate::nist_curves::{p256_ecdsa, p384_ecdsa};
use crate::rand::fill_random;
use openmls_traits::types::{CryptoError, SignatureScheme};
use pqwire_core::sig::{self, SigKeyPair, SignRandomness};
use pqwire_core::SigSuite;
use zeroize::Zeroizing;

/// The pqwire suite of an MLS scheme, or `None` for ECDSA (not in pqwire-core).
pub(crate) fn pqwire_suite(scheme: SignatureScheme) -> Result<Option<SigSuite>, CryptoError> {
    match scheme {
        SignatureScheme::ED25519 => Ok(Some(SigSuite::Ed25519)),
        SignatureScheme::MLDSA44 => Ok(Some(SigSuite::MlDsa44)),
        SignatureScheme::MLDSA65 => Ok(Some(SigSuite::MlDsa65)),
        SignatureScheme::MLDSA87 => Ok(Some(SigSuite::MlDsa87)),
        SignatureScheme::ECDSA_SECP256R1_SHA256 | SignatureScheme::ECDSA_SECP384R1_SHA384 => {
            Ok(None)
        }
        _ => Err(CryptoError::UnsupportedSignatureScheme),
    }
}

/// `(secret key, public key)` for `scheme`, from fresh randomness.
pub(crate) fn keygen(scheme: SignatureScheme) -> Result<(Vec<u8>, Vec<u8>), CryptoError> {
    match pqwire_suite(scheme)? {
        Some(suite) => {
            let mut seed = Zeroizing::new([0u8; 32]);
            fill_random(seed.as_mut())?;
            let pair = SigKeyPair::generate(suite, Some(seed.as_ref()))
                .map_err(|_| CryptoError::CryptoLibraryError)?;
            Ok((seed.to_vec(), pair.public_key().to_vec()))
        }
        None if scheme == SignatureScheme::ECDSA_SECP256R1_SHA256 => p256_ecdsa::keygen(),
        None => p384_ecdsa::keygen(),
    }
}

/// The key pair a [`keygen`] secret key stands for (pqwire suites only).
pub(crate) fn key_pair(suite: SigSuite, secret: &[u8]) -> Result<SigKeyPair, CryptoError> {
    if secret.len() != 32 {
        return Err(CryptoError::InvalidLength);
    }
    SigKeyPair::generate(suite, Some(secret)).map_err(|_| CryptoError::CryptoLibraryError)
}

/// Signs `data` with a [`keygen`] secret key.
pub(crate) fn sign(
    scheme: SignatureScheme,
    data: &[u8],
    secret: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    match pqwire_suite(scheme)? {
        Some(suite) => key_pair(suite, secret)?
            .sign(data, b"", SignRandomness::Hedged)
            .map_err(|_| CryptoError::CryptoLibraryError),
        None if scheme == SignatureScheme::ECDSA_SECP256R1_SHA256 => p256_ecdsa::sign(secret, data),
        None => p384_ecdsa::sign(secret, data),
    }
}

/// `Ok` when `signature` signs `data` under `public`; `InvalidSignature` otherwise
/// (whatever the reason: a wrong length, a bad encoding, a signature that does not hold).
pub(crate) fn verify(
    scheme: SignatureScheme,
    data: &[u8],
    public: &[u8],
    signature: &[u8],
) -> Result<(), CryptoError> {
    let valid = match pqwire_suite(scheme)? {
        Some(suite) => sig::backend(suite)
            .verify(signature, data, public, b"")
            .is_ok_and(|v| v.valid),
        None if scheme == SignatureScheme::ECDSA_SECP256R1_SHA256 => {
            p256_ecdsa::verify(public, data, signature)
        }
        None => p384_ecdsa::verify(public, data, signature),
    };
    if valid {
        Ok(())
    } else {
        Err(CryptoError::InvalidSignature)
    }
}
