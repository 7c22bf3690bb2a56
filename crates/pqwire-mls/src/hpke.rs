//! HPKE (RFC 9180) for MLS: `hpke-rs` runs the protocol (key schedule, DHKEM, contexts);
//! [`PqwireHpke`] gives it pqwire's primitives. KEMs: DHKEM(X25519), DHKEM(P-256),
//! ML-KEM-768/1024 and X-Wing; KDFs: HKDF-SHA256/384/512; AEADs: AES-128/256-GCM and
//! ChaCha20-Poly1305.
//!
//! `hpke-rs` draws DHKEM's ephemeral keys from an infallible generator. Ours asks the OS;
//! should the OS fail, it notes that on the thread and [`guarded`] throws the operation's
//! output away with `InsufficientRandomness`: nothing made from bad randomness leaves.

use crate::aead::{self, Algorithm};
use crate::nist_curves::{p256_dh, p256_ecdsa};
use crate::rand::fill_random;
use core::cell::Cell;
use core::convert::Infallible;
use hpke_rs::{Hpke, HpkeError, Mode};
use hpke_rs_crypto::error::Error;
use hpke_rs_crypto::types::{AeadAlgorithm, KdfAlgorithm, KemAlgorithm};
use hpke_rs_crypto::{HpkeCrypto, HpkeTestRng, TryCryptoRng, TryRng};
use openmls_traits::types::{CryptoError, HpkeAeadType, HpkeConfig, HpkeKdfType, HpkeKemType};
use pqwire_core::kdf::{self, HkdfHash};
use pqwire_core::{kem, x25519, KemSuite};
use zeroize::Zeroize;

thread_local! {
    /// Set when the OS failed to give randomness during the current HPKE operation.
    static RANDOMNESS_FAILED: Cell<bool> = const { Cell::new(false) };
}

/// Runs one HPKE operation; its result is dropped if randomness failed meanwhile.
pub(crate) fn guarded<T>(
    operation: impl FnOnce() -> Result<T, CryptoError>,
) -> Result<T, CryptoError> {
    RANDOMNESS_FAILED.with(|f| f.set(false));
    let result = operation();
    if RANDOMNESS_FAILED.with(|f| f.replace(false)) {
        return Err(CryptoError::InsufficientRandomness);
    }
    result
}

/// An `hpke-rs` instance in base mode for an MLS HPKE configuration.
pub(crate) fn base_mode(config: HpkeConfig) -> Hpke<PqwireHpke> {
    let kem = match config.0 {
        HpkeKemType::DhKemP256 => KemAlgorithm::DhKemP256,
        HpkeKemType::DhKemP384 => KemAlgorithm::DhKemP384,
        HpkeKemType::DhKemP521 => KemAlgorithm::DhKemP521,
        HpkeKemType::DhKem25519 => KemAlgorithm::DhKem25519,
        HpkeKemType::DhKem448 => KemAlgorithm::DhKem448,
        HpkeKemType::MlKem768 => KemAlgorithm::MlKem768,
        HpkeKemType::MlKem1024 => KemAlgorithm::MlKem1024,
        // MLS's X-Wing code point (0x004D) is the KEM of draft-06, whose HPKE KEM id is
        // 0x647A (as openmls's own providers map it).
        HpkeKemType::XWingKemDraft6 => KemAlgorithm::XWingDraft06,
    };
    let kdf = match config.1 {
        HpkeKdfType::HkdfSha256 => KdfAlgorithm::HkdfSha256,
        HpkeKdfType::HkdfSha384 => KdfAlgorithm::HkdfSha384,
        HpkeKdfType::HkdfSha512 => KdfAlgorithm::HkdfSha512,
    };
    let aead = match config.2 {
        HpkeAeadType::AesGcm128 => AeadAlgorithm::Aes128Gcm,
        HpkeAeadType::AesGcm256 => AeadAlgorithm::Aes256Gcm,
        HpkeAeadType::ChaCha20Poly1305 => AeadAlgorithm::ChaCha20Poly1305,
        HpkeAeadType::Export => AeadAlgorithm::HpkeExport,
    };
    Hpke::new(Mode::Base, kem, kdf, aead)
}

/// Maps `hpke-rs`'s errors for a failure while `doing` (`HpkeDecryptionError`, ...).
pub(crate) fn failed(doing: CryptoError) -> impl Fn(HpkeError) -> CryptoError {
    move |e| match e {
        HpkeError::InsufficientRandomness => CryptoError::InsufficientRandomness,
        _ => doing,
    }
}

/// pqwire's primitives as `hpke-rs` asks for them.
#[derive(Debug)]
pub struct PqwireHpke;

/// The generator `hpke-rs` keeps per instance: the OS, every time.
#[derive(Debug, Default)]
pub struct OsPrng;

impl Zeroize for OsPrng {
    fn zeroize(&mut self) {
        // Holds nothing.
    }
}

impl TryRng for OsPrng {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        let mut b = [0u8; 4];
        self.try_fill_bytes(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let mut b = [0u8; 8];
        self.try_fill_bytes(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        if getrandom::fill(dst).is_err() {
            // Cannot fail here: mark the operation, which `guarded` then refuses.
            dst.zeroize();
            RANDOMNESS_FAILED.with(|f| f.set(true));
        }
        Ok(())
    }
}

impl TryCryptoRng for OsPrng {}

impl HpkeTestRng for OsPrng {
    type Error = CryptoErrorText;

    fn try_fill_test_bytes(&mut self, dest: &mut [u8]) -> Result<(), CryptoErrorText> {
        getrandom::fill(dest).map_err(|_| CryptoErrorText)
    }

    fn seed(&mut self, _: &[u8]) {
        // Never seeded: pqwire's HPKE randomness is always the OS's.
    }
}

/// The OS gave no randomness (for `hpke-rs`'s test interface).
#[derive(Debug)]
pub struct CryptoErrorText;

impl core::fmt::Display for CryptoErrorText {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("randomness unavailable")
    }
}

fn hkdf_hash(alg: KdfAlgorithm) -> HkdfHash {
    match alg {
        KdfAlgorithm::HkdfSha256 => HkdfHash::Sha256,
        KdfAlgorithm::HkdfSha384 => HkdfHash::Sha384,
        KdfAlgorithm::HkdfSha512 => HkdfHash::Sha512,
    }
}

/// The pqwire KEM of a post-quantum HPKE KEM.
fn pq_suite(alg: KemAlgorithm) -> Result<KemSuite, Error> {
    #[allow(deprecated)]
    match alg {
        KemAlgorithm::XWingDraft06 | KemAlgorithm::XWingDraft06Obsolete => Ok(KemSuite::XWing),
        KemAlgorithm::MlKem768 => Ok(KemSuite::MlKem768),
        KemAlgorithm::MlKem1024 => Ok(KemSuite::MlKem1024),
        _ => Err(Error::UnsupportedKemOperation),
    }
}

fn aead_algorithm(alg: AeadAlgorithm) -> Result<Algorithm, Error> {
    match alg {
        AeadAlgorithm::Aes128Gcm => Ok(Algorithm::Aes128Gcm),
        AeadAlgorithm::Aes256Gcm => Ok(Algorithm::Aes256Gcm),
        AeadAlgorithm::ChaCha20Poly1305 => Ok(Algorithm::ChaCha20Poly1305),
        AeadAlgorithm::HpkeExport => Err(Error::UnknownAeadAlgorithm),
    }
}

impl HpkeCrypto for PqwireHpke {
    type HpkePrng = OsPrng;

    fn name() -> String {
        "pqwire".into()
    }

    fn supports_kdf(_: KdfAlgorithm) -> Result<(), Error> {
        Ok(())
    }

    fn supports_kem(alg: KemAlgorithm) -> Result<(), Error> {
        match alg {
            KemAlgorithm::DhKem25519 | KemAlgorithm::DhKemP256 => Ok(()),
            _ => pq_suite(alg)
                .map(|_| ())
                .map_err(|_| Error::UnknownKemAlgorithm),
        }
    }

    fn supports_aead(alg: AeadAlgorithm) -> Result<(), Error> {
        match alg {
            AeadAlgorithm::HpkeExport => Ok(()),
            _ => aead_algorithm(alg).map(|_| ()),
        }
    }

    fn prng() -> OsPrng {
        OsPrng
    }

    fn kdf_extract(alg: KdfAlgorithm, salt: &[u8], ikm: &[u8]) -> Result<Vec<u8>, Error> {
        Ok(kdf::extract(hkdf_hash(alg), ikm, salt).into_exposed())
    }

    fn kdf_expand(
        alg: KdfAlgorithm,
        prk: &[u8],
        info: &[u8],
        output_size: usize,
    ) -> Result<Vec<u8>, Error> {
        kdf::expand(hkdf_hash(alg), prk, info, output_size)
            .map(|okm| okm.into_exposed())
            .map_err(|_| Error::HpkeInvalidOutputLength)
    }

    fn dh(alg: KemAlgorithm, pk: &[u8], sk: &[u8]) -> Result<Vec<u8>, Error> {
        match alg {
            // pqwire refuses a low-order point (an all-zero result), as RFC 9180 §7.1.4 asks.
            KemAlgorithm::DhKem25519 => x25519::shared_secret(sk, pk)
                .map(|s| s.into_exposed())
                .map_err(|_| Error::KemInvalidPublicKey),
            KemAlgorithm::DhKemP256 => p256_dh::agree(sk, pk)
                .map(|s| s.to_vec())
                .ok_or(Error::KemInvalidPublicKey),
            _ => Err(Error::UnknownKemAlgorithm),
        }
    }

    fn secret_to_public(alg: KemAlgorithm, sk: &[u8]) -> Result<Vec<u8>, Error> {
        match alg {
            KemAlgorithm::DhKem25519 => x25519::public_key(sk)
                .map(|p| p.to_vec())
                .map_err(|_| Error::KemInvalidSecretKey),
            KemAlgorithm::DhKemP256 => p256_dh::public_key(sk).ok_or(Error::KemInvalidSecretKey),
            _ => Err(Error::UnknownKemAlgorithm),
        }
    }

    fn kem_key_gen(alg: KemAlgorithm, _: &mut OsPrng) -> Result<(Vec<u8>, Vec<u8>), Error> {
        match alg {
            KemAlgorithm::DhKem25519 => {
                let (secret, public) =
                    x25519::keygen(None).map_err(|_| Error::InsufficientRandomness)?;
                Ok((public.to_vec(), secret.into_exposed()))
            }
            KemAlgorithm::DhKemP256 => p256_ecdsa::keygen()
                .map(|(secret, public)| (public, secret))
                .map_err(|_| Error::InsufficientRandomness),
            _ => {
                let suite = pq_suite(alg)?;
                let mut seed = vec![0u8; kem::backend(suite).lengths().keygen_seed];
                fill_random(&mut seed).map_err(|_| Error::InsufficientRandomness)?;
                let pair = Self::kem_key_gen_derand(alg, &seed);
                seed.zeroize();
                pair
            }
        }
    }

    fn kem_key_gen_derand(alg: KemAlgorithm, seed: &[u8]) -> Result<(Vec<u8>, Vec<u8>), Error> {
        let (public, secret) = kem::backend(pq_suite(alg)?)
            .keygen(Some(seed))
            .map_err(|_| Error::KemInvalidSecretKey)?;
        Ok((public, secret.into_exposed()))
    }

    fn kem_encaps(
        alg: KemAlgorithm,
        pk_r: &[u8],
        _: &mut OsPrng,
    ) -> Result<(Vec<u8>, Vec<u8>), Error> {
        // pqwire draws the encapsulation randomness from the OS itself, with its errors.
        let encapsulation = kem::backend(pq_suite(alg)?)
            .encapsulate(pk_r, None)
            .map_err(|e| match e {
                pqwire_core::Error::RandomnessUnavailable => Error::InsufficientRandomness,
                _ => Error::KemInvalidPublicKey,
            })?;
        Ok((
            encapsulation.shared_secret.into_exposed(),
            encapsulation.cipher_text,
        ))
    }

    fn kem_decaps(alg: KemAlgorithm, ct: &[u8], sk_r: &[u8]) -> Result<Vec<u8>, Error> {
        kem::backend(pq_suite(alg)?)
            .decapsulate(ct, sk_r)
            .map(|s| s.into_exposed())
            .map_err(|_| Error::KemInvalidCiphertext)
    }

    fn dh_validate_sk(alg: KemAlgorithm, sk: &[u8]) -> Result<Vec<u8>, Error> {
        match alg {
            KemAlgorithm::DhKem25519 if sk.len() == 32 => Ok(sk.to_vec()),
            KemAlgorithm::DhKemP256 if p256_dh::public_key(sk).is_some() => Ok(sk.to_vec()),
            KemAlgorithm::DhKem25519 | KemAlgorithm::DhKemP256 => Err(Error::KemInvalidSecretKey),
            _ => Err(Error::UnknownKemAlgorithm),
        }
    }

    fn aead_seal(
        alg: AeadAlgorithm,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        msg: &[u8],
    ) -> Result<Vec<u8>, Error> {
        aead_algorithm(alg)?
            .seal(key, nonce, msg, aad)
            .map_err(|_| Error::AeadInvalidNonce)
    }

    fn aead_open(
        alg: AeadAlgorithm,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        msg: &[u8],
    ) -> Result<Vec<u8>, Error> {
        aead_algorithm(alg)?
            .open(key, nonce, msg, aad)
            .map_err(|e| match e {
                aead::Failure::BadLength => Error::AeadInvalidNonce,
                aead::Failure::NotAuthentic => Error::AeadOpenError,
            })
    }
}
