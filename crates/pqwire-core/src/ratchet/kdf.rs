//! The ratchet's key derivations, with the exact labels of `docs/protocol.md` §5.2.
//!
//! ```text
//! KDF_RK(RK, dh, ss) = HKDF-SHA512(salt = RK, ikm = dh ‖ ss, "pqwire/v2 ratchet", 64) → RK' ‖ CK
//! KDF_CK(CK)         = HMAC-SHA256(CK, 0x02) → CK',  HMAC-SHA256(CK, 0x01) → MK
//! message keys       = HKDF-SHA512(salt = 0×32, MK, "pqwire/v2 message keys", 44) → key ‖ nonce
//! session id         = SHA3-256("pqwire/v2 session id" ‖ AD_KEY)
//! KEM key id         = SHA3-256("pqwire/v2 ratchet kem key id" ‖ u16(kem) ‖ publicKey)[0..16]
//! ```
//!
//! These functions are public so that test vectors and other implementations can be
//! checked against them; the state machine in [`super::RatchetState`] is the only
//! caller inside pqwire.

use crate::hash::sha3_256;
use crate::kdf::{self, HkdfHash};
use crate::suite::KemSuite;
use crate::{aead, Error, Result, SecretBytes};
use zeroize::Zeroizing;

use crate::wire::KeyId;

/// Info label of [`kdf_rk`].
pub const LABEL_RATCHET: &[u8] = b"pqwire/v2 ratchet";
/// Info label of [`message_keys`].
pub const LABEL_MESSAGE_KEYS: &[u8] = b"pqwire/v2 message keys";
/// First bytes of every message's AEAD associated data (see [`super::Header::aead_associated_data`]).
pub const LABEL_MESSAGE: &[u8] = b"pqwire/v2 message";
/// Label of [`session_id`].
pub const LABEL_SESSION_ID: &[u8] = b"pqwire/v2 session id";
/// Label of [`kem_key_id`].
pub const LABEL_KEM_KEY_ID: &[u8] = b"pqwire/v2 ratchet kem key id";

/// Length of root keys, chain keys and message keys.
pub const KEY_LEN: usize = 32;

/// The input of `KDF_CK` that yields the next chain key.
const CHAIN_KEY_INPUT: u8 = 0x02;
/// The input of `KDF_CK` that yields the message key.
const MESSAGE_KEY_INPUT: u8 = 0x01;

/// `KDF_RK`: mixes a DH output and a KEM shared secret (empty on a step without KEM)
/// into the root key; returns `(RK', CK)`.
///
/// ```
/// use pqwire_core::ratchet::kdf::kdf_rk;
/// let (rk, ck) = kdf_rk(&[1; 32], &[2; 32], &[]).unwrap();
/// let (rk2, _) = kdf_rk(&[1; 32], &[2; 32], &[3; 32]).unwrap();
/// assert_eq!((rk.len(), ck.len()), (32, 32));
/// assert_ne!(rk, rk2);
/// ```
pub fn kdf_rk(root_key: &[u8], dh: &[u8], ss: &[u8]) -> Result<(SecretBytes, SecretBytes)> {
    Error::check_len("ratchet root key", KEY_LEN, root_key.len())?;
    let mut ikm = Zeroizing::new(Vec::with_capacity(dh.len() + ss.len()));
    ikm.extend_from_slice(dh);
    ikm.extend_from_slice(ss);
    let okm = kdf::hkdf(HkdfHash::Sha512, &ikm, root_key, LABEL_RATCHET, 2 * KEY_LEN)?;
    let (rk, ck) = okm.expose().split_at(KEY_LEN);
    Ok((SecretBytes::from_slice(rk), SecretBytes::from_slice(ck)))
}

/// `KDF_CK`: one step of a symmetric chain; returns `(CK', MK)`.
///
/// HMAC-SHA256 with the chain key as the HMAC key. HKDF-Extract is that very HMAC
/// (RFC 5869 §2.2, with the salt as the key), so it serves here without a second
/// HMAC dependency; a unit test checks it against RFC 4231.
pub fn kdf_ck(chain_key: &[u8]) -> Result<(SecretBytes, SecretBytes)> {
    Error::check_len("ratchet chain key", KEY_LEN, chain_key.len())?;
    Ok((
        hmac_sha256(chain_key, &[CHAIN_KEY_INPUT]),
        hmac_sha256(chain_key, &[MESSAGE_KEY_INPUT]),
    ))
}

/// HMAC-SHA256(key, data) for a non-empty key.
fn hmac_sha256(key: &[u8], data: &[u8]) -> SecretBytes {
    kdf::extract(HkdfHash::Sha256, data, key)
}

/// The AEAD key and nonce of one message.
pub struct MessageKeys {
    /// AEAD key (32 bytes).
    pub key: SecretBytes,
    /// AEAD nonce (12 bytes). Unique because every message key is used once.
    pub nonce: [u8; aead::NONCE_LEN],
}

impl core::fmt::Debug for MessageKeys {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("MessageKeys([REDACTED])")
    }
}

/// Expands a message key `MK` into the AEAD key and nonce.
pub fn message_keys(message_key: &[u8]) -> Result<MessageKeys> {
    Error::check_len("ratchet message key", KEY_LEN, message_key.len())?;
    let okm = kdf::hkdf(
        HkdfHash::Sha512,
        message_key,
        &[0u8; KEY_LEN],
        LABEL_MESSAGE_KEYS,
        aead::KEY_LEN + aead::NONCE_LEN,
    )?;
    let (key, nonce) = okm.expose().split_at(aead::KEY_LEN);
    Ok(MessageKeys {
        key: SecretBytes::from_slice(key),
        nonce: crate::random::fixed("ratchet nonce", nonce)?,
    })
}

/// The session id bound into every message's associated data, derived from the
/// handshake's `AD_KEY` (protocol.md §4.1 step 7). Public: it may name the session in
/// stores and logs without revealing `AD_KEY`.
pub fn session_id(ad_key: &[u8]) -> [u8; 32] {
    sha3_256(&[LABEL_SESSION_ID, ad_key])
}

/// The key id a ratchet KEM public key is advertised with.
pub fn kem_key_id(suite: KemSuite, public_key: &[u8]) -> KeyId {
    let digest = sha3_256(&[LABEL_KEM_KEY_ID, &suite.code().to_be_bytes(), public_key]);
    let mut id = [0u8; 16];
    id.copy_from_slice(&digest[..16]);
    id
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn hmac_is_rfc_4231() {
        // RFC 4231 test case 2.
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        let expected = [
            0x5b, 0xdc, 0xc1, 0x46, 0xbf, 0x60, 0x75, 0x4e, 0x6a, 0x04, 0x24, 0x26, 0x08, 0x95,
            0x75, 0xc7, 0x5a, 0x00, 0x3f, 0x08, 0x9d, 0x27, 0x39, 0x83, 0x9d, 0xec, 0x58, 0xb9,
            0x64, 0xec, 0x38, 0x43,
        ];
        assert!(mac.ct_eq_bytes(&expected));
    }

    #[test]
    fn chain_and_message_keys_differ_and_lengths_are_checked() {
        let (ck, mk) = kdf_ck(&[7; 32]).unwrap();
        assert_ne!(ck, mk);
        let keys = message_keys(mk.expose()).unwrap();
        assert_eq!(keys.key.len(), 32);
        assert_eq!(format!("{keys:?}"), "MessageKeys([REDACTED])");
        assert_eq!(kdf_ck(&[7; 31]).unwrap_err().code(), "BAD_LENGTH");
        assert_eq!(
            kdf_rk(&[7; 31], &[1; 32], &[]).unwrap_err().code(),
            "BAD_LENGTH"
        );
        assert_eq!(message_keys(&[1; 33]).unwrap_err().code(), "BAD_LENGTH");
    }

    #[test]
    fn kem_key_ids_depend_on_suite_and_key() {
        let a = kem_key_id(KemSuite::MlKem768, &[1; 4]);
        assert_ne!(a, kem_key_id(KemSuite::MlKem512, &[1; 4]));
        assert_ne!(a, kem_key_id(KemSuite::MlKem768, &[2; 4]));
        assert_ne!(session_id(b"a"), session_id(b"b"));
    }
}
