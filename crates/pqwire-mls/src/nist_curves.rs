//! ECDSA on P-256 (SHA-256) and P-384 (SHA-384), and P-256 Diffie-Hellman, for the MLS
//! suites that use the NIST curves (2, 0x0050, 0x0042). RustCrypto's `p256`/`p384`.
//!
//! As RFC 9420 §5.1.1 asks: public keys are uncompressed SEC1 points, signatures DER
//! ECDSA-Sig-Value, secret keys the big-endian scalar.

use crate::rand::fill_random;
use openmls_traits::types::CryptoError;
use p256::ecdsa::signature::{Signer as _, Verifier as _};
use zeroize::Zeroizing;

/// Tries before giving up on drawing a valid scalar (each fails with probability < 2^-32).
const SCALAR_TRIES: usize = 8;

macro_rules! ecdsa_curve {
    ($module:ident, $crate_name:ident, $len:expr) => {
        pub(crate) mod $module {
            use super::*;
            use $crate_name::ecdsa::{Signature, SigningKey, VerifyingKey};

            /// `(secret scalar, uncompressed public key)` from fresh randomness.
            pub(crate) fn keygen() -> Result<(Vec<u8>, Vec<u8>), CryptoError> {
                for _ in 0..SCALAR_TRIES {
                    let mut scalar = Zeroizing::new([0u8; $len]);
                    fill_random(scalar.as_mut())?;
                    if let Ok(key) = SigningKey::from_slice(scalar.as_ref()) {
                        let public = VerifyingKey::from(&key).to_encoded_point(false);
                        return Ok((scalar.to_vec(), public.as_bytes().to_vec()));
                    }
                }
                Err(CryptoError::InsufficientRandomness)
            }

            /// The uncompressed public key of a secret scalar.
            pub(crate) fn public_key(secret: &[u8]) -> Result<Vec<u8>, CryptoError> {
                let key =
                    SigningKey::from_slice(secret).map_err(|_| CryptoError::CryptoLibraryError)?;
                let point = VerifyingKey::from(&key).to_encoded_point(false);
                Ok(point.as_bytes().to_vec())
            }

            /// A deterministic (RFC 6979) DER signature of `data`.
            pub(crate) fn sign(secret: &[u8], data: &[u8]) -> Result<Vec<u8>, CryptoError> {
                let key =
                    SigningKey::from_slice(secret).map_err(|_| CryptoError::CryptoLibraryError)?;
                let signature: Signature = key.sign(data);
                Ok(signature.to_der().as_bytes().to_vec())
            }

            /// Whether `signature` (DER) signs `data` under `public` (SEC1).
            pub(crate) fn verify(public: &[u8], data: &[u8], signature: &[u8]) -> bool {
                let (Ok(key), Ok(signature)) = (
                    VerifyingKey::from_sec1_bytes(public),
                    Signature::from_der(signature),
                ) else {
                    return false;
                };
                key.verify(data, &signature).is_ok()
            }
        }
    };
}

ecdsa_curve!(p256_ecdsa, p256, 32);
ecdsa_curve!(p384_ecdsa, p384, 48);

/// P-256 Diffie-Hellman for DHKEM(P-256, HKDF-SHA256) (RFC 9180 §7.1).
pub(crate) mod p256_dh {
    use super::*;
    use p256::{PublicKey, SecretKey};

    /// The x-coordinate of `secret` · `public`; an invalid point or scalar is an error.
    pub(crate) fn agree(secret: &[u8], public: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        let secret = SecretKey::from_slice(secret).ok()?;
        let public = PublicKey::from_sec1_bytes(public).ok()?;
        let shared = p256::ecdh::diffie_hellman(secret.to_nonzero_scalar(), public.as_affine());
        Some(Zeroizing::new(shared.raw_secret_bytes().to_vec()))
    }

    /// The uncompressed public key of a secret scalar.
    pub(crate) fn public_key(secret: &[u8]) -> Option<Vec<u8>> {
        let secret = SecretKey::from_slice(secret).ok()?;
        Some(secret.public_key().to_sec1_bytes().to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ecdsa_signs_and_verifies_on_both_curves_and_refuses_changes() {
        for (keygen, sign, verify) in [
            (
                p256_ecdsa::keygen as fn() -> _,
                p256_ecdsa::sign as fn(&[u8], &[u8]) -> _,
                p256_ecdsa::verify as fn(&[u8], &[u8], &[u8]) -> bool,
            ),
            (p384_ecdsa::keygen, p384_ecdsa::sign, p384_ecdsa::verify),
        ] {
            let (secret, public) = keygen().unwrap();
            assert_eq!(public[0], 0x04, "uncompressed SEC1");
            let signature = sign(&secret, b"MLS 1.0 content").unwrap();
            assert!(verify(&public, b"MLS 1.0 content", &signature));
            assert!(!verify(&public, b"MLS 1.0 other", &signature));
            assert!(!verify(&public[1..], b"MLS 1.0 content", &signature));
            assert!(!verify(&public, b"MLS 1.0 content", &signature[1..]));
        }
    }

    #[test]
    fn p256_agreement_is_symmetric_and_refuses_bad_points() {
        let (a, a_pub) = p256_ecdsa::keygen().unwrap();
        let (b, b_pub) = p256_ecdsa::keygen().unwrap();
        assert_eq!(
            *p256_dh::agree(&a, &b_pub).unwrap(),
            *p256_dh::agree(&b, &a_pub).unwrap()
        );
        assert_eq!(p256_dh::public_key(&a).unwrap(), a_pub);
        let mut off_curve = b_pub.clone();
        off_curve[64] ^= 1;
        assert!(p256_dh::agree(&a, &off_curve).is_none());
        assert!(p256_dh::agree(&[0; 32], &b_pub).is_none(), "zero scalar");
    }
}
