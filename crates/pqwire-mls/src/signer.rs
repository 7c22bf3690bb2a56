//! [`MlsSigner`]: a member's signature key for openmls, held parsed in memory (pqwire's
//! zeroizing key pair, or an ECDSA scalar), never printed.

use crate::signature::{self, pqwire_suite};
use openmls_traits::signatures::{Signer, SignerError};
use openmls_traits::types::{CryptoError, SignatureScheme};
use pqwire_core::sig::{SigKeyPair, SignRandomness};
use zeroize::Zeroizing;

/// The parsed key: pqwire's pair, or nothing more than the scalar for ECDSA.
enum Key {
    Pqwire(SigKeyPair),
    Ecdsa,
}

/// A member's signing key: Ed25519, ML-DSA-44/65/87 or ECDSA P-256/P-384, by the suite's
/// signature scheme.
///
/// ```
/// use openmls_traits::signatures::Signer;
/// use openmls_traits::types::SignatureScheme;
/// let signer = pqwire_mls::MlsSigner::generate(SignatureScheme::MLDSA65).unwrap();
/// assert_eq!(signer.public_key().len(), 1952);
/// assert_eq!(signer.sign(b"payload").unwrap().len(), 3309);
/// ```
pub struct MlsSigner {
    scheme: SignatureScheme,
    key: Key,
    /// The seed (Ed25519, ML-DSA) or scalar (ECDSA) the key was made from.
    secret: Zeroizing<Vec<u8>>,
    public: Vec<u8>,
}

impl MlsSigner {
    /// A new key for `scheme`.
    pub fn generate(scheme: SignatureScheme) -> Result<Self, CryptoError> {
        let (secret, _) = signature::keygen(scheme)?;
        Self::from_secret(scheme, &secret)
    }

    /// The key whose secret is `secret`, as [`MlsSigner::secret`] gave it: the 32-byte seed
    /// (Ed25519, ML-DSA) or the scalar (ECDSA).
    pub fn from_secret(scheme: SignatureScheme, secret: &[u8]) -> Result<Self, CryptoError> {
        let secret = Zeroizing::new(secret.to_vec());
        let (key, public) = match pqwire_suite(scheme)? {
            Some(suite) => {
                let pair = signature::key_pair(suite, &secret)?;
                let public = pair.public_key().to_vec();
                (Key::Pqwire(pair), public)
            }
            None => (Key::Ecdsa, ecdsa_public(scheme, &secret)?),
        };
        Ok(Self {
            scheme,
            key,
            secret,
            public,
        })
    }

    /// The public key, as MLS carries it in a leaf node.
    pub fn public_key(&self) -> &[u8] {
        &self.public
    }

    /// The secret, for storing the key (keep it as secret as the key itself).
    pub fn secret(&self) -> Zeroizing<Vec<u8>> {
        self.secret.clone()
    }
}

fn ecdsa_public(scheme: SignatureScheme, scalar: &[u8]) -> Result<Vec<u8>, CryptoError> {
    use crate::nist_curves::{p256_ecdsa, p384_ecdsa};
    match scheme {
        SignatureScheme::ECDSA_SECP256R1_SHA256 => p256_ecdsa::public_key(scalar),
        _ => p384_ecdsa::public_key(scalar),
    }
}

impl Signer for MlsSigner {
    fn sign(&self, payload: &[u8]) -> Result<Vec<u8>, SignerError> {
        let signed = match &self.key {
            Key::Pqwire(pair) => pair
                .sign(payload, b"", SignRandomness::Hedged)
                .map_err(|_| CryptoError::CryptoLibraryError),
            Key::Ecdsa => signature::sign(self.scheme, payload, &self.secret),
        };
        signed.map_err(|_| SignerError::SigningError)
    }

    fn signature_scheme(&self) -> SignatureScheme {
        self.scheme
    }
}

impl core::fmt::Debug for MlsSigner {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("MlsSigner")
            .field("scheme", &self.scheme)
            .field("secret", &"<redacted>")
            .finish()
    }
}
