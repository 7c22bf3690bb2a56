//! The sizes of every signature suite. They are the standard's (FIPS 204, RFC 8032) or
//! the hybrid construction's, so every backend of a suite has the same: they are written
//! once, here.

use super::SigLengths;
use crate::suite::SigSuite;

const ML_DSA_65: SigLengths = SigLengths::ml_dsa(1952, 4032, 3309);
const ML_DSA_87: SigLengths = SigLengths::ml_dsa(2592, 4896, 4627);

impl SigLengths {
    /// The sizes of `suite`, whatever the backend.
    pub(crate) const fn of(suite: SigSuite) -> Self {
        match suite {
            SigSuite::MlDsa44 => Self::ml_dsa(1312, 2560, 2420),
            SigSuite::MlDsa65 => ML_DSA_65,
            SigSuite::MlDsa87 => ML_DSA_87,
            SigSuite::Ed25519 => Self {
                public_key: 32,
                secret_key: 32,
                signature: 64,
                keygen_seed: 32,
                signing_randomness: 0,
            },
            SigSuite::Ed25519MlDsa65 => ML_DSA_65.with_ed25519(),
            SigSuite::Ed25519MlDsa87 => ML_DSA_87.with_ed25519(),
        }
    }

    /// An ML-DSA parameter set: the expanded secret key, key generation from ξ (32
    /// bytes), signing with `rnd` (32 bytes).
    const fn ml_dsa(public_key: usize, secret_key: usize, signature: usize) -> Self {
        Self {
            public_key,
            secret_key,
            signature,
            keygen_seed: 32,
            signing_randomness: 32,
        }
    }

    /// The hybrid over this ML-DSA (`sig/hybrid.rs`): Ed25519's public key, seed and
    /// signature come first; key generation takes one 32-byte seed for both.
    const fn with_ed25519(self) -> Self {
        Self {
            public_key: 32 + self.public_key,
            secret_key: 32 + self.secret_key,
            signature: 64 + self.signature,
            keygen_seed: 32,
            signing_randomness: 32,
        }
    }
}
