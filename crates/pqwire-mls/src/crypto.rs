//! [`PqwireCrypto`]: openmls's `OpenMlsCrypto` on pqwire's primitives. Each method only
//! dispatches: hashes and HKDF to [`crate::digest`], AEADs to [`crate::aead`],
//! signatures to [`crate::signature`], HPKE to [`crate::hpke`].

use crate::aead::{Algorithm, Failure};
use crate::hpke::{base_mode, failed, guarded};
use crate::{digest, signature, suites};
use hpke_rs::{HpkePrivateKey, HpkePublicKey};
use openmls_traits::crypto::OpenMlsCrypto;
use openmls_traits::types::{
    AeadType, Ciphersuite, CryptoError, ExporterSecret, HashType, HpkeCiphertext, HpkeConfig,
    HpkeKeyPair, KemOutput, SignatureScheme,
};
use pqwire_core::kdf;
use tls_codec::SecretVLBytes;

/// The cryptography of the pqwire MLS provider.
///
/// ```
/// use openmls_traits::crypto::OpenMlsCrypto;
/// use openmls_traits::types::{Ciphersuite, HashType};
/// let crypto = pqwire_mls::PqwireCrypto;
/// assert!(crypto.supports(Ciphersuite::MLS_256_XWING_CHACHA20POLY1305_SHA256_Ed25519).is_ok());
/// assert_eq!(crypto.hash(HashType::Sha2_384, b"abc").unwrap().len(), 48);
/// ```
#[derive(Debug, Default, Clone, Copy)]
pub struct PqwireCrypto;

fn algorithm(alg: AeadType) -> Algorithm {
    match alg {
        AeadType::Aes128Gcm => Algorithm::Aes128Gcm,
        AeadType::Aes256Gcm => Algorithm::Aes256Gcm,
        AeadType::ChaCha20Poly1305 => Algorithm::ChaCha20Poly1305,
    }
}

impl OpenMlsCrypto for PqwireCrypto {
    fn supports(&self, ciphersuite: Ciphersuite) -> Result<(), CryptoError> {
        if suites::is_supported(ciphersuite) {
            Ok(())
        } else {
            Err(CryptoError::UnsupportedCiphersuite)
        }
    }

    fn supported_ciphersuites(&self) -> Vec<Ciphersuite> {
        suites::SUPPORTED.to_vec()
    }

    fn hkdf_extract(
        &self,
        hash_type: HashType,
        salt: &[u8],
        ikm: &[u8],
    ) -> Result<SecretVLBytes, CryptoError> {
        let prk = kdf::extract(digest::hkdf_hash(hash_type), ikm, salt);
        Ok(prk.into_exposed().into())
    }

    fn hmac(
        &self,
        hash_type: HashType,
        key: &[u8],
        message: &[u8],
    ) -> Result<SecretVLBytes, CryptoError> {
        let tag = kdf::hmac(digest::hkdf_hash(hash_type), key, message);
        Ok(tag.into_exposed().into())
    }

    fn hkdf_expand(
        &self,
        hash_type: HashType,
        prk: &[u8],
        info: &[u8],
        okm_len: usize,
    ) -> Result<SecretVLBytes, CryptoError> {
        digest::expand(hash_type, prk, info, okm_len).map(Into::into)
    }

    fn hash(&self, hash_type: HashType, data: &[u8]) -> Result<Vec<u8>, CryptoError> {
        Ok(digest::hash(hash_type, data))
    }

    fn aead_encrypt(
        &self,
        alg: AeadType,
        key: &[u8],
        data: &[u8],
        nonce: &[u8],
        aad: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        algorithm(alg)
            .seal(key, nonce, data, aad)
            .map_err(|_| CryptoError::InvalidLength)
    }

    fn aead_decrypt(
        &self,
        alg: AeadType,
        key: &[u8],
        ct_tag: &[u8],
        nonce: &[u8],
        aad: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        algorithm(alg)
            .open(key, nonce, ct_tag, aad)
            .map_err(|e| match e {
                Failure::BadLength => CryptoError::InvalidLength,
                Failure::NotAuthentic => CryptoError::AeadDecryptionError,
            })
    }

    fn signature_key_gen(&self, alg: SignatureScheme) -> Result<(Vec<u8>, Vec<u8>), CryptoError> {
        signature::keygen(alg)
    }

    fn verify_signature(
        &self,
        alg: SignatureScheme,
        data: &[u8],
        pk: &[u8],
        signature: &[u8],
    ) -> Result<(), CryptoError> {
        signature::verify(alg, data, pk, signature)
    }

    fn sign(&self, alg: SignatureScheme, data: &[u8], key: &[u8]) -> Result<Vec<u8>, CryptoError> {
        signature::sign(alg, data, key)
    }

    fn hpke_seal(
        &self,
        config: HpkeConfig,
        pk_r: &[u8],
        info: &[u8],
        aad: &[u8],
        ptxt: &[u8],
    ) -> Result<HpkeCiphertext, CryptoError> {
        guarded(|| {
            let public = HpkePublicKey::new(pk_r.to_vec());
            let (kem_output, ciphertext) = base_mode(config)
                .seal(&public, info, aad, ptxt, None, None, None)
                .map_err(failed(CryptoError::HpkeEncryptionError))?;
            Ok(HpkeCiphertext {
                kem_output: kem_output.into(),
                ciphertext: ciphertext.into(),
            })
        })
    }

    fn hpke_open(
        &self,
        config: HpkeConfig,
        input: &HpkeCiphertext,
        sk_r: &[u8],
        info: &[u8],
        aad: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        let secret = HpkePrivateKey::new(sk_r.to_vec());
        base_mode(config)
            .open(
                input.kem_output.as_slice(),
                &secret,
                info,
                aad,
                input.ciphertext.as_slice(),
                None,
                None,
                None,
            )
            .map_err(failed(CryptoError::HpkeDecryptionError))
    }

    fn hpke_setup_sender_and_export(
        &self,
        config: HpkeConfig,
        pk_r: &[u8],
        info: &[u8],
        exporter_context: &[u8],
        exporter_length: usize,
    ) -> Result<(KemOutput, ExporterSecret), CryptoError> {
        guarded(|| {
            let public = HpkePublicKey::new(pk_r.to_vec());
            let (kem_output, context) = base_mode(config)
                .setup_sender(&public, info, None, None, None)
                .map_err(failed(CryptoError::SenderSetupError))?;
            let exported = context
                .export(exporter_context, exporter_length)
                .map_err(failed(CryptoError::ExporterError))?;
            Ok((kem_output, exported.into()))
        })
    }

    fn hpke_setup_receiver_and_export(
        &self,
        config: HpkeConfig,
        enc: &[u8],
        sk_r: &[u8],
        info: &[u8],
        exporter_context: &[u8],
        exporter_length: usize,
    ) -> Result<ExporterSecret, CryptoError> {
        let secret = HpkePrivateKey::new(sk_r.to_vec());
        let context = base_mode(config)
            .setup_receiver(enc, &secret, info, None, None, None)
            .map_err(failed(CryptoError::ReceiverSetupError))?;
        context
            .export(exporter_context, exporter_length)
            .map(Into::into)
            .map_err(failed(CryptoError::ExporterError))
    }

    fn derive_hpke_keypair(
        &self,
        config: HpkeConfig,
        ikm: &[u8],
    ) -> Result<HpkeKeyPair, CryptoError> {
        let pair = base_mode(config)
            .derive_key_pair(ikm)
            .map_err(failed(CryptoError::CryptoLibraryError))?;
        let (private, public) = pair.into_keys();
        Ok(HpkeKeyPair {
            private: private.as_slice().into(),
            public: public.as_slice().to_vec(),
        })
    }
}
