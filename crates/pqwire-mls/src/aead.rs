//! The AEADs of MLS and its HPKE: ChaCha20-Poly1305 and AES-256-GCM from pqwire-core
//! (AWS-LC in the default build), AES-128-GCM from RustCrypto's `aes-gcm` (pqwire-core
//! has no 128-bit key; only MLS suites 1, 2 and 0x004F use it).

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::Aes128Gcm;
use pqwire_core::{aead, AeadSuite};

/// An AEAD of an MLS suite or of its HPKE.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Algorithm {
    Aes128Gcm,
    Aes256Gcm,
    ChaCha20Poly1305,
}

/// Why sealing or opening failed (MLS and HPKE report these with their own error types).
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Failure {
    /// A key or nonce of the wrong length.
    BadLength,
    /// The ciphertext, its tag or the associated data was not what was sealed.
    NotAuthentic,
}

impl Algorithm {
    fn suite(self) -> Option<AeadSuite> {
        match self {
            Algorithm::Aes128Gcm => None,
            Algorithm::Aes256Gcm => Some(AeadSuite::Aes256Gcm),
            Algorithm::ChaCha20Poly1305 => Some(AeadSuite::ChaCha20Poly1305),
        }
    }

    /// `plaintext` sealed: ciphertext followed by the 16-byte tag.
    pub(crate) fn seal(
        self,
        key: &[u8],
        nonce: &[u8],
        plaintext: &[u8],
        aad: &[u8],
    ) -> Result<Vec<u8>, Failure> {
        match self.suite() {
            Some(suite) => aead::algorithm(suite)
                .seal(key, nonce, plaintext, aad)
                .map_err(|_| Failure::BadLength),
            None => {
                let (cipher, nonce) = aes_128(key, nonce)?;
                cipher
                    .encrypt(
                        &nonce,
                        Payload {
                            msg: plaintext,
                            aad,
                        },
                    )
                    .map_err(|_| Failure::BadLength)
            }
        }
    }

    /// The plaintext of `sealed` (ciphertext and tag), or an error if anything was changed.
    pub(crate) fn open(
        self,
        key: &[u8],
        nonce: &[u8],
        sealed: &[u8],
        aad: &[u8],
    ) -> Result<Vec<u8>, Failure> {
        match self.suite() {
            Some(suite) => {
                if key.len() != 32 || nonce.len() != 12 {
                    return Err(Failure::BadLength);
                }
                aead::algorithm(suite)
                    .open(key, nonce, sealed, aad)
                    .map_err(|_| Failure::NotAuthentic)
            }
            None => {
                let (cipher, nonce) = aes_128(key, nonce)?;
                cipher
                    .decrypt(&nonce, Payload { msg: sealed, aad })
                    .map_err(|_| Failure::NotAuthentic)
            }
        }
    }
}

type Aes128Nonce = aes_gcm::Nonce<<Aes128Gcm as aes_gcm::AeadCore>::NonceSize>;

fn aes_128(key: &[u8], nonce: &[u8]) -> Result<(Aes128Gcm, Aes128Nonce), Failure> {
    if nonce.len() != 12 {
        return Err(Failure::BadLength);
    }
    let cipher = Aes128Gcm::new_from_slice(key).map_err(|_| Failure::BadLength)?;
    Ok((cipher, *Aes128Nonce::from_slice(nonce)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_algorithm_round_trips_and_refuses_tampering() {
        for (alg, key_len) in [
            (Algorithm::Aes128Gcm, 16),
            (Algorithm::Aes256Gcm, 32),
            (Algorithm::ChaCha20Poly1305, 32),
        ] {
            let key = vec![7u8; key_len];
            let sealed = alg.seal(&key, &[1; 12], b"group message", b"ad").unwrap();
            assert_eq!(sealed.len(), 13 + 16);
            assert_eq!(
                alg.open(&key, &[1; 12], &sealed, b"ad").unwrap(),
                b"group message"
            );
            let mut tampered = sealed.clone();
            tampered[0] ^= 1;
            assert_eq!(
                alg.open(&key, &[1; 12], &tampered, b"ad"),
                Err(Failure::NotAuthentic)
            );
            assert_eq!(
                alg.open(&key, &[1; 12], &sealed, b"other"),
                Err(Failure::NotAuthentic)
            );
            assert_eq!(
                alg.open(&key, &[1; 11], &sealed, b"ad"),
                Err(Failure::BadLength)
            );
            assert_eq!(
                alg.seal(&key[1..], &[1; 12], b"m", b""),
                Err(Failure::BadLength)
            );
        }
    }

    #[test]
    fn aes_128_gcm_matches_the_gcm_spec_test_case_2() {
        // McGrew and Viega, "The Galois/Counter Mode of Operation", test case 2: zero key,
        // zero nonce, one zero block.
        let sealed = Algorithm::Aes128Gcm
            .seal(&[0; 16], &[0; 12], &[0; 16], b"")
            .unwrap();
        let hex: String = sealed.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "0388dace60b6a392f328c2b971b2fe78ab6e47d42cec13bdf53a67b21257bddf"
        );
    }
}
