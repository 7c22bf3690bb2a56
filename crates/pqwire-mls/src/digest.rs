//! MLS's hash functions and HKDF: SHA-256, SHA-384 and SHA-512 (pqwire-core's HKDF and
//! HMAC, RustCrypto's digests).

use openmls_traits::types::{CryptoError, HashType};
use pqwire_core::kdf::{self, HkdfHash};
use sha2::Digest;

/// The HKDF hash of an MLS hash type.
pub(crate) fn hkdf_hash(hash: HashType) -> HkdfHash {
    match hash {
        HashType::Sha2_256 => HkdfHash::Sha256,
        HashType::Sha2_384 => HkdfHash::Sha384,
        HashType::Sha2_512 => HkdfHash::Sha512,
    }
}

/// The digest of `data`.
pub(crate) fn hash(hash: HashType, data: &[u8]) -> Vec<u8> {
    match hash {
        HashType::Sha2_256 => sha2::Sha256::digest(data).to_vec(),
        HashType::Sha2_384 => sha2::Sha384::digest(data).to_vec(),
        HashType::Sha2_512 => sha2::Sha512::digest(data).to_vec(),
    }
}

/// HKDF-Expand; an output over 255 blocks is `HkdfOutputLengthInvalid`.
pub(crate) fn expand(
    hash: HashType,
    prk: &[u8],
    info: &[u8],
    len: usize,
) -> Result<Vec<u8>, CryptoError> {
    kdf::expand(hkdf_hash(hash), prk, info, len)
        .map(|okm| okm.into_exposed())
        .map_err(|_| CryptoError::HkdfOutputLengthInvalid)
}
