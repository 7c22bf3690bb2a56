//! The sizes of every KEM suite. They are the standard's (FIPS 203, the X-Wing draft), so
//! every backend of a suite has the same: they are written once, here.

use super::KemLengths;
use crate::suite::KemSuite;

const ML_KEM_512: KemLengths = KemLengths::ml_kem(800, 1632, 768);
const ML_KEM_768: KemLengths = KemLengths::ml_kem(1184, 2400, 1088);
const ML_KEM_1024: KemLengths = KemLengths::ml_kem(1568, 3168, 1568);

impl KemLengths {
    /// The sizes of `suite`, whatever the backend.
    pub(crate) const fn of(suite: KemSuite) -> Self {
        match suite {
            KemSuite::MlKem512 => ML_KEM_512,
            KemSuite::MlKem768 => ML_KEM_768,
            KemSuite::MlKem1024 => ML_KEM_1024,
            KemSuite::XWing => ML_KEM_768.with_x25519(),
            KemSuite::X25519MlKem512 => ML_KEM_512.with_x25519(),
            KemSuite::X25519MlKem1024 => ML_KEM_1024.with_x25519(),
            KemSuite::X25519 => Self {
                public_key: 32,
                secret_key: 32,
                cipher_text: 32,
                shared_secret: 32,
                keygen_seed: 32,
                encapsulation_randomness: 32,
            },
        }
    }

    /// An ML-KEM parameter set: the expanded secret key, key generation from `d ‖ z`
    /// (64 bytes), encapsulation with `m` (32 bytes).
    const fn ml_kem(public_key: usize, secret_key: usize, cipher_text: usize) -> Self {
        Self {
            public_key,
            secret_key,
            cipher_text,
            shared_secret: 32,
            keygen_seed: 64,
            encapsulation_randomness: 32,
        }
    }

    /// The hybrid over this ML-KEM (`kem/hybrid.rs`): X25519's 32 bytes follow the ML-KEM
    /// public key and ciphertext; the secret key is a 32-byte seed; encapsulation takes
    /// `m` and an ephemeral X25519 key (64 bytes).
    const fn with_x25519(self) -> Self {
        Self {
            public_key: self.public_key + 32,
            secret_key: 32,
            cipher_text: self.cipher_text + 32,
            shared_secret: 32,
            keygen_seed: 32,
            encapsulation_randomness: 64,
        }
    }
}
