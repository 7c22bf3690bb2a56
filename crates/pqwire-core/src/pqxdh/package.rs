//! Key packages as the handshake uses them (protocol.md §2): validity periods, key ids
//! derived from the keys, and key packages signed by an identity signing key.
//!
//! ```text
//! keyId(package)  = SHA3-256("pqwire/v2 key id" ‖ u8(role) ‖ u16(suite) ‖ publicKey)[0..16]
//!                   role: 0x01 KEM or X25519 key, 0x02 signature key
//! batch signature  = Sign(IKsig, "pqwire/v2 prekey batch" ‖ statement, ctx) (batch.rs)
//! ctx              = "pqwire/v2" (no context for Ed25519 alone, which takes none)
//! ```

use crate::hash::sha3_256;
use crate::random::RandomSource;
use crate::ratchet::KeyId;
use crate::sig::{self, SigKeyPair, SignRandomness};
use crate::wire::limits::MAX_TIME;
use crate::wire::{KeyPackage, PackageSuite};
use crate::{Error, Result, SigSuite};

/// Label of derived key ids.
pub const LABEL_KEY_ID: &[u8] = b"pqwire/v2 key id";
/// Context string of every handshake signature (for suites that take one).
pub const SIGNATURE_CONTEXT: &[u8] = b"pqwire/v2";

/// A validity period in unix seconds: a key is valid at `now` when
/// `created <= now < expires`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Validity {
    /// First second of validity.
    pub created: u64,
    /// First second the key is no longer valid.
    pub expires: u64,
}

impl Validity {
    /// `created..expires`; refuses an empty period or times over the wire format's
    /// maximum (2^53 − 1).
    pub fn new(created: u64, expires: u64) -> Result<Self> {
        if expires <= created || expires > MAX_TIME {
            return Err(Error::InvalidArgument {
                what: "validity must end after it starts and at most at 2^53 - 1",
            });
        }
        Ok(Self { created, expires })
    }

    /// From `now` for `lifetime` seconds (capped at the maximum time).
    pub fn starting(now: u64, lifetime: u64) -> Result<Self> {
        Self::new(now, now.saturating_add(lifetime).min(MAX_TIME))
    }
}

/// The derived key id of a public key of `suite`.
///
/// ```
/// use pqwire_core::pqxdh::key_id;
/// use pqwire_core::wire::PackageSuite;
/// use pqwire_core::KemSuite;
/// let a = key_id(PackageSuite::Kem(KemSuite::X25519), &[9; 32]);
/// assert_ne!(a, key_id(PackageSuite::Kem(KemSuite::X25519), &[8; 32]));
/// ```
pub fn key_id(suite: PackageSuite, public_key: &[u8]) -> KeyId {
    let (role, code) = match suite {
        PackageSuite::Kem(s) => (0x01u8, s.code()),
        PackageSuite::Sig(s) => (0x02u8, s.code()),
    };
    let digest = sha3_256(&[LABEL_KEY_ID, &[role], &code.to_be_bytes(), public_key]);
    let mut id = [0u8; 16];
    id.copy_from_slice(&digest[..16]);
    id
}

/// A key package for `public_key`, with its derived key id.
pub(crate) fn package(suite: PackageSuite, public_key: Vec<u8>, validity: Validity) -> KeyPackage {
    KeyPackage {
        key_id: key_id(suite, &public_key),
        suite,
        public_key,
        created: validity.created,
        expires: validity.expires,
        extensions: Vec::new(),
    }
}

/// The context string of handshake signatures in `suite`.
pub(crate) fn context(suite: SigSuite) -> &'static [u8] {
    match suite {
        SigSuite::Ed25519 => b"",
        _ => SIGNATURE_CONTEXT,
    }
}

/// `label ‖ data`, the message a handshake signature covers.
pub(crate) fn labelled(label: &[u8], data: &[u8]) -> Vec<u8> {
    [label, data].concat()
}

/// Signs `label ‖ data` with randomness drawn from `rng` (hedged signing when `rng` is
/// the OS, deterministic runs with a seeded source).
pub(crate) fn sign(
    signer: &SigKeyPair,
    label: &[u8],
    data: &[u8],
    rng: &mut dyn RandomSource,
) -> Result<Vec<u8>> {
    let suite = signer.suite();
    let n = sig::backend(suite).lengths().signing_randomness;
    let mut rnd = zeroize::Zeroizing::new(vec![0u8; n]);
    let randomness = if n == 0 {
        SignRandomness::Deterministic
    } else {
        rng.fill(&mut rnd)?;
        SignRandomness::Given(&rnd)
    };
    signer.sign(&labelled(label, data), context(suite), randomness)
}

/// Verifies a handshake signature: both halves of a hybrid must hold. Any failure,
/// including a key of the wrong length, is `AUTH_FAILED`.
pub(crate) fn verify(
    suite: SigSuite,
    public_key: &[u8],
    label: &[u8],
    data: &[u8],
    signature: &[u8],
) -> Result<()> {
    let ok = sig::backend(suite)
        .verify(
            signature,
            &labelled(label, data),
            public_key,
            context(suite),
        )
        .is_ok_and(|v| v.valid && (!suite.is_hybrid() || (v.classic_valid && v.quantum_valid)));
    if ok {
        Ok(())
    } else {
        Err(Error::AuthenticationFailed)
    }
}

/// The key id of a package must be the one derived from its key (`INVALID_KEY`).
pub(crate) fn check_key_id(key: &KeyPackage, what: &'static str) -> Result<()> {
    if key.key_id == key_id(key.suite, &key.public_key) {
        Ok(())
    } else {
        Err(Error::InvalidKey { what })
    }
}

/// A package must be valid at `now` (`KEY_EXPIRED`).
pub(crate) fn check_validity(key: &KeyPackage, now: u64, what: &'static str) -> Result<()> {
    if key.is_valid_at(now) {
        Ok(())
    } else {
        Err(Error::KeyExpired { what })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::random::SeededRandom;
    use crate::KemSuite;

    #[test]
    fn validity_rules() {
        assert!(Validity::new(5, 5).is_err());
        assert!(Validity::new(5, MAX_TIME + 1).is_err());
        assert_eq!(Validity::starting(1, u64::MAX).unwrap().expires, MAX_TIME);
    }

    #[test]
    fn key_ids_depend_on_role_suite_and_key() {
        let x = key_id(PackageSuite::Kem(KemSuite::X25519), &[1; 32]);
        assert_ne!(x, key_id(PackageSuite::Kem(KemSuite::MlKem768), &[1; 32]));
        assert_ne!(x, key_id(PackageSuite::Sig(SigSuite::Ed25519), &[1; 32]));
    }

    #[test]
    fn signatures_bind_label_and_bytes() {
        let kp = SigKeyPair::generate(SigSuite::Ed25519MlDsa65, Some(&[3; 32])).unwrap();
        let mut rng = SeededRandom::new([1; 32]);
        let s = sign(&kp, crate::pqxdh::LABEL_BATCH, b"abc", &mut rng).unwrap();
        let suite = SigSuite::Ed25519MlDsa65;
        let check = |label: &[u8], bytes: &[u8]| verify(suite, kp.public_key(), label, bytes, &s);
        assert!(check(crate::pqxdh::LABEL_BATCH, b"abc").is_ok());
        assert!(check(crate::pqxdh::LABEL_INITIATOR, b"abc").is_err());
        assert!(check(crate::pqxdh::LABEL_BATCH, b"abd").is_err());
        assert!(verify(suite, &[0; 3], crate::pqxdh::LABEL_BATCH, b"abc", &s).is_err());
    }
}
