//! The key-pair check of a KEM key pair read back from a record (a `prekey-secret`,
//! protocol.md §6), where [`KemKeyPair::import`](super::KemKeyPair::import)'s round trip
//! (an encapsulation and a decapsulation, two X25519 agreements for an X25519 key) would
//! cost more than the handshake's own use of the key. The record's checksum already turns
//! accidental damage into a refusal; this check refuses a pair that does not belong
//! together, exactly and cheaply:
//!
//! - X25519: the public key derived from the secret key (one base-point multiplication)
//!   equals the stored one.
//! - ML-KEM (expanded secret key, FIPS 203): loading runs the FIPS 203 decapsulation-key
//!   check (`H(ek)` stored in the key matches its embedded `ek`), and the embedded `ek`
//!   equals the stored public key.
//! - The hybrids (a 32-byte seed): the public key derived from the seed equals the stored
//!   one.

use subtle::ConstantTimeEq;

use super::backend;
use crate::suite::KemSuite;
use crate::{x25519, Error, Result};

/// Checks that `public_key` belongs to `secret_key`, both read from one record.
///
/// ```
/// use pqwire_core::{kem, KemSuite};
/// let b = kem::backend(KemSuite::MlKem768);
/// let (pk, sk) = b.keygen(None).unwrap();
/// assert!(kem::check_stored_pair(KemSuite::MlKem768, sk.expose(), &pk).is_ok());
/// let (other, _) = b.keygen(None).unwrap();
/// assert!(kem::check_stored_pair(KemSuite::MlKem768, sk.expose(), &other).is_err());
/// ```
pub fn check_stored_pair(suite: KemSuite, secret_key: &[u8], public_key: &[u8]) -> Result<()> {
    let b = backend(suite);
    let derived = match suite {
        KemSuite::X25519 => {
            b.check_public_key(public_key)?;
            x25519::public_key(secret_key)?.to_vec()
        }
        // Loading checks the embedded ek (length, modulus, H(ek)): equal to it, the public
        // key needs no check of its own.
        KemSuite::MlKem512 | KemSuite::MlKem768 | KemSuite::MlKem1024 => {
            b.load_secret_key(secret_key)?;
            embedded_ek(secret_key, b.lengths().public_key).to_vec()
        }
        _ => {
            b.check_public_key(public_key)?;
            b.keygen(Some(secret_key))?.0
        }
    };
    if bool::from(derived.as_slice().ct_eq(public_key)) {
        Ok(())
    } else {
        Err(Error::InvalidKey {
            what: "public key does not belong to the secret key",
        })
    }
}

/// The encapsulation key inside an expanded ML-KEM decapsulation key
/// (`dk_pke ‖ ek ‖ H(ek) ‖ z`, FIPS 203 Algorithm 16); its length was checked by loading.
fn embedded_ek(dk: &[u8], ek_len: usize) -> &[u8] {
    let start = dk.len() - ek_len - 64;
    &dk[start..start + ek_len]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_prekey_suite_accepts_its_own_pair_and_refuses_another() {
        for suite in [
            KemSuite::X25519,
            KemSuite::MlKem512,
            KemSuite::MlKem768,
            KemSuite::MlKem1024,
            KemSuite::XWing,
        ] {
            let b = backend(suite);
            let (pk, sk) = b.keygen(None).unwrap();
            let (other, _) = b.keygen(None).unwrap();
            assert!(
                check_stored_pair(suite, sk.expose(), &pk).is_ok(),
                "{suite:?}"
            );
            let refused = check_stored_pair(suite, sk.expose(), &other);
            assert!(
                matches!(refused, Err(Error::InvalidKey { .. })),
                "{suite:?}"
            );
        }
    }

    #[test]
    fn a_damaged_ml_kem_key_fails_the_fips_203_check() {
        let b = backend(KemSuite::MlKem768);
        let (pk, sk) = b.keygen(None).unwrap();
        // A byte of the embedded ek changed: H(ek) no longer matches it.
        let mut damaged = sk.expose().to_vec();
        let at = damaged.len() - pk.len() - 64 + 5;
        damaged[at] ^= 1;
        assert!(check_stored_pair(KemSuite::MlKem768, &damaged, &pk).is_err());
    }
}
