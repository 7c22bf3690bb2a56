//! A party's long-term identity (protocol.md §2): a hybrid signing key `IKsig`
//! (Ed25519+ML-DSA-65 by default, Ed25519+ML-DSA-87 selectable) and an X25519 key
//! `IKdh` whose key package `IKsig` signs. [`PublicIdentity`] is what peers see, pin
//! and verify.

use super::package::{self, Validity, LABEL_IDENTITY_DH};
use crate::random::{OsRandom, RandomSource, SeededRandom};
use crate::ratchet::KeyId;
use crate::sig::SigKeyPair;
use crate::wire::{KeyPackage, PackageSuite, SignedKey, WireMessage};
use crate::{x25519, Error, KemSuite, Result, SecretBytes, SigSuite};
use zeroize::Zeroizing;

/// The public half of an identity: the signing key's package, the DH key's package and
/// the signing key's signature over it. These are the `identitySigKey`,
/// `identityDhKey` and `identityDhSignature` fields of bundles and initial messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicIdentity {
    /// The identity signing key `IKsig`.
    pub sig_key: KeyPackage,
    /// Its exact encoding (what transcripts hash and stores pin).
    pub sig_key_encoded: Vec<u8>,
    /// The identity DH key `IKdh`, signed by `IKsig` under `"pqwire/v2 identity dh key"`.
    pub dh_key: SignedKey,
}

impl PublicIdentity {
    /// The signature suite of `IKsig`, or `INVALID_KEY` when the package holds a KEM key.
    pub fn suite(&self) -> Result<SigSuite> {
        match self.sig_key.suite {
            PackageSuite::Sig(s) => Ok(s),
            PackageSuite::Kem(_) => Err(Error::InvalidKey {
                what: "identity signing key is not a signature key",
            }),
        }
    }

    /// The key id of `IKsig`: a fingerprint of the identity.
    pub fn key_id(&self) -> KeyId {
        self.sig_key.key_id
    }

    /// The X25519 public key of `IKdh`.
    pub fn dh_public_key(&self) -> &[u8] {
        &self.dh_key.key.public_key
    }

    /// Checks the structure and the signature, not the time (see
    /// [`PublicIdentity::check_validity`]), in this order: the packages match their
    /// encodings and hold a signature key and an X25519 key (`INVALID_KEY`); `IKsig`
    /// signed `IKdh`'s package — both halves of a hybrid signature (`AUTH_FAILED`);
    /// their key ids are derived from their keys (`INVALID_KEY`).
    pub fn verify(&self) -> Result<()> {
        let suite = self.check_packages()?;
        package::verify_signed(
            suite,
            &self.sig_key.public_key,
            LABEL_IDENTITY_DH,
            &self.dh_key,
        )?;
        self.check_key_ids()
    }

    /// [`PublicIdentity::verify`] without the signature: the structure and the key ids
    /// (`INVALID_KEY`). For an identity read back from pqwire's own records, whose
    /// signature was verified when the identity arrived (docs/protocol.md §6.2).
    pub fn check_structure(&self) -> Result<()> {
        self.check_packages()?;
        self.check_key_ids()
    }

    /// The packages match their encodings and hold a signature key and an X25519 key.
    fn check_packages(&self) -> Result<SigSuite> {
        let suite = self.suite()?;
        if KeyPackage::decode(&self.sig_key_encoded).ok().as_ref() != Some(&self.sig_key)
            || KeyPackage::decode(&self.dh_key.encoded).ok().as_ref() != Some(&self.dh_key.key)
        {
            return Err(Error::InvalidKey {
                what: "identity key package does not match its encoding",
            });
        }
        if self.dh_key.key.suite != PackageSuite::Kem(KemSuite::X25519) {
            return Err(Error::InvalidKey {
                what: "identity DH key is not an X25519 key",
            });
        }
        Ok(suite)
    }

    fn check_key_ids(&self) -> Result<()> {
        package::check_key_id(&self.sig_key, "identity signing key id")?;
        package::check_key_id(&self.dh_key.key, "identity DH key id")
    }

    /// Both identity key packages are valid at `now` (`KEY_EXPIRED`).
    pub fn check_validity(&self, now: u64) -> Result<()> {
        package::check_validity(&self.sig_key, now, "identity signing key")?;
        package::check_validity(&self.dh_key.key, now, "identity DH key")
    }
}

/// A party's own identity: the signing key pair, the DH secret key and the public half.
/// The secrets stay in [`SecretBytes`] (zeroized on drop); `Debug` shows no secret.
pub struct Identity {
    signing: SigKeyPair,
    dh_secret: SecretBytes,
    public: PublicIdentity,
}

impl Identity {
    /// Generates an identity of `suite` (Ed25519+ML-DSA-65 or Ed25519+ML-DSA-87) valid for
    /// `validity`, with randomness from `rng`: the signing key seed (32 bytes), the
    /// X25519 secret key (32 bytes) and the randomness of the `IKdh` signature, in this
    /// order.
    pub fn generate(
        suite: SigSuite,
        validity: Validity,
        rng: &mut dyn RandomSource,
    ) -> Result<Self> {
        check_suite(suite)?;
        let mut seed = Zeroizing::new([0u8; 32]);
        rng.fill(seed.as_mut())?;
        let signing = SigKeyPair::generate(suite, Some(seed.as_ref()))?;
        rng.fill(seed.as_mut())?;
        let (dh_secret, _) = x25519::keygen(Some(seed.as_ref()))?;
        Self::assemble(signing, dh_secret, validity, rng)
    }

    /// An identity from a signing key pair and an X25519 secret key: packages both
    /// public keys for `validity` and signs the DH key's package (randomness from `rng`).
    pub(crate) fn assemble(
        signing: SigKeyPair,
        dh_secret: SecretBytes,
        validity: Validity,
        rng: &mut dyn RandomSource,
    ) -> Result<Self> {
        check_suite(signing.suite())?;
        let dh_public = x25519::public_key(dh_secret.expose())?;
        let sig_key = package::package(
            PackageSuite::Sig(signing.suite()),
            signing.public_key().to_vec(),
            validity,
        );
        let dh_key = package::sign_package(
            &signing,
            LABEL_IDENTITY_DH,
            package::package(
                PackageSuite::Kem(KemSuite::X25519),
                dh_public.to_vec(),
                validity,
            ),
            rng,
        )?;
        Ok(Self {
            public: PublicIdentity {
                sig_key_encoded: sig_key.encode()?,
                sig_key,
                dh_key,
            },
            signing,
            dh_secret,
        })
    }

    /// Generates an identity with the operating system's randomness.
    ///
    /// ```
    /// use pqwire_core::pqxdh::{Identity, Validity};
    /// use pqwire_core::SigSuite;
    /// let id = Identity::generate_random(SigSuite::Ed25519MlDsa65, Validity::new(0, 1 << 40)?)?;
    /// id.public().verify()?;
    /// # Ok::<(), pqwire_core::Error>(())
    /// ```
    pub fn generate_random(suite: SigSuite, validity: Validity) -> Result<Self> {
        Self::generate(suite, validity, &mut OsRandom)
    }

    /// Derives an identity deterministically from a 32-byte seed (through
    /// [`SeededRandom`]): the same seed, suite and validity give the same identity.
    pub fn from_seed(suite: SigSuite, validity: Validity, seed: [u8; 32]) -> Result<Self> {
        Self::generate(suite, validity, &mut SeededRandom::new(seed))
    }

    /// Rebuilds an identity from its public half and exported secret keys (see
    /// [`Identity::export_secret_keys`]). The public half must verify and both secret
    /// keys must belong to it (`INVALID_KEY`).
    pub fn import(
        public: PublicIdentity,
        sig_secret_key: &[u8],
        dh_secret_key: &[u8],
    ) -> Result<Self> {
        let suite = public.suite()?;
        check_suite(suite)?;
        public.verify()?;
        let signing = SigKeyPair::import(suite, sig_secret_key, &public.sig_key.public_key)?;
        if x25519::public_key(dh_secret_key)?.as_slice() != public.dh_public_key() {
            return Err(Error::InvalidKey {
                what: "identity DH secret key does not belong to the public key",
            });
        }
        Ok(Self {
            signing,
            dh_secret: SecretBytes::from_slice(dh_secret_key),
            public,
        })
    }

    /// Exports `(signing secret key, DH secret key)`, for an identity store. Only on
    /// explicit request: the caller then owns copies of the secrets.
    pub fn export_secret_keys(&self) -> (SecretBytes, SecretBytes) {
        (self.signing.export_secret_key(), self.dh_secret.clone())
    }

    /// The public half.
    pub fn public(&self) -> &PublicIdentity {
        &self.public
    }

    /// The signature suite of `IKsig`.
    pub fn suite(&self) -> SigSuite {
        self.signing.suite()
    }

    /// The signing key pair.
    pub(crate) fn signer(&self) -> &SigKeyPair {
        &self.signing
    }

    /// The X25519 secret key of `IKdh`.
    pub(crate) fn dh_secret(&self) -> &SecretBytes {
        &self.dh_secret
    }
}

impl core::fmt::Debug for Identity {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Identity")
            .field("suite", &self.signing.suite())
            .field("key_id", &self.public.key_id())
            .field("secrets", &"[REDACTED]")
            .finish()
    }
}

/// Identities are hybrid: both halves must be broken to forge one.
fn check_suite(suite: SigSuite) -> Result<()> {
    if suite.is_hybrid() {
        Ok(())
    } else {
        Err(Error::InvalidArgument {
            what: "an identity signing key must be Ed25519+ML-DSA-65 or Ed25519+ML-DSA-87",
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn validity() -> Validity {
        Validity::new(100, 1_000).unwrap()
    }

    #[test]
    fn seeded_generation_is_deterministic_and_verifies() {
        for suite in [SigSuite::Ed25519MlDsa65, SigSuite::Ed25519MlDsa87] {
            let a = Identity::from_seed(suite, validity(), [1; 32]).unwrap();
            let b = Identity::from_seed(suite, validity(), [1; 32]).unwrap();
            assert_eq!(a.public(), b.public());
            a.public().verify().unwrap();
            assert_eq!(a.suite(), suite);
            assert_ne!(
                a.public(),
                Identity::from_seed(suite, validity(), [2; 32])
                    .unwrap()
                    .public()
            );
        }
        let e = Identity::from_seed(SigSuite::MlDsa65, validity(), [1; 32]).unwrap_err();
        assert_eq!(e.code(), "INVALID_ARGUMENT");
    }

    #[test]
    fn verify_refuses_tampering_and_validity_is_checked() {
        let id = Identity::from_seed(SigSuite::Ed25519MlDsa65, validity(), [1; 32]).unwrap();
        let mut p = id.public().clone();
        p.dh_key.signature[0] ^= 1;
        assert_eq!(p.verify().unwrap_err().code(), "AUTH_FAILED");
        let mut p = id.public().clone();
        let last = p.dh_key.signature.len() - 1;
        p.dh_key.signature[last] ^= 1;
        assert_eq!(p.verify().unwrap_err().code(), "AUTH_FAILED");
        let mut p = id.public().clone();
        p.sig_key.created = 101;
        assert_eq!(p.verify().unwrap_err().code(), "INVALID_KEY");
        assert_eq!(p.check_structure().unwrap_err().code(), "INVALID_KEY");
        // check_structure leaves the signature alone: restored records rely on it.
        let mut p = id.public().clone();
        p.dh_key.signature[0] ^= 1;
        p.check_structure().unwrap();
        let mut p = id.public().clone();
        p.dh_key.key.key_id[0] ^= 1;
        assert_eq!(p.check_structure().unwrap_err().code(), "INVALID_KEY");
        id.public().check_validity(100).unwrap();
        assert_eq!(
            id.public().check_validity(1_000).unwrap_err().code(),
            "KEY_EXPIRED"
        );
        assert_eq!(
            id.public().check_validity(99).unwrap_err().code(),
            "KEY_EXPIRED"
        );
    }

    #[test]
    fn export_and_import_round_trip() {
        let id = Identity::from_seed(SigSuite::Ed25519MlDsa87, validity(), [4; 32]).unwrap();
        let (s, d) = id.export_secret_keys();
        let back = Identity::import(id.public().clone(), s.expose(), d.expose()).unwrap();
        assert_eq!(back.public(), id.public());
        let other = Identity::from_seed(SigSuite::Ed25519MlDsa87, validity(), [5; 32]).unwrap();
        let (_, d2) = other.export_secret_keys();
        let e = Identity::import(id.public().clone(), s.expose(), d2.expose()).unwrap_err();
        assert_eq!(e.code(), "INVALID_KEY");
        assert!(!format!("{id:?}").contains(&format!("{:?}", d.expose())));
    }
}
