//! A party's long-term identity (protocol.md §2): a hybrid signing key `IKsig`
//! (Ed25519+ML-DSA-65 by default, Ed25519+ML-DSA-87 selectable) and an X25519 key
//! `IKdh`, valid as long as `IKsig`. Protocol v2 signs no `IKdh` package of its own: the
//! owner's prekey batch statement names it, and an initiator's transcript signature
//! covers it. [`PublicIdentity`] is what peers see, pin and check.

use super::package::{self, Validity};
use crate::random::{OsRandom, RandomSource, SeededRandom};
use crate::ratchet::KeyId;
use crate::sig::SigKeyPair;
use crate::wire::{KeyPackage, PackageSuite, SignedKey, WireMessage};
use crate::{x25519, Error, KemSuite, Result, SecretBytes, SigSuite};
use zeroize::Zeroizing;

/// The public half of an identity: the signing key's package and the DH key's package
/// (whose validity is the signing key's). On the wire these are the `identitySigKey`
/// field and the raw `identityDhKey` of statements and initial messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicIdentity {
    /// The identity signing key `IKsig`.
    pub sig_key: KeyPackage,
    /// Its exact encoding (what transcripts hash and stores pin).
    pub sig_key_encoded: Vec<u8>,
    /// The identity DH key `IKdh`: its package (validity: `IKsig`'s) and an empty
    /// signature (v2 signs no `IKdh` package; the field stays for the records' layout).
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

    /// The public identity of an `IKsig` package and a raw `IKdh` key, as statements and
    /// initial messages carry them: `IKdh`'s package gets `IKsig`'s validity and a
    /// derived key id. Checks nothing (see [`PublicIdentity::verify`]).
    pub fn from_parts(sig_key: KeyPackage, sig_key_encoded: Vec<u8>, dh_key: &[u8; 32]) -> Self {
        let validity = Validity {
            created: sig_key.created,
            expires: sig_key.expires,
        };
        let dh = package::package(
            PackageSuite::Kem(KemSuite::X25519),
            dh_key.to_vec(),
            validity,
        );
        let encoded = dh.encode().unwrap_or_default();
        Self {
            sig_key,
            sig_key_encoded,
            dh_key: SignedKey {
                key: dh,
                encoded,
                signature: Vec::new(),
            },
        }
    }

    /// Checks the structure, not the time (see [`PublicIdentity::check_validity`]): the
    /// packages match their encodings and hold a signature key and an X25519 key, `IKdh`
    /// has `IKsig`'s validity, both key ids are derived from their keys (`INVALID_KEY`).
    /// Nothing signs `IKdh` on its own in v2: what binds it to `IKsig` is the signature
    /// of the context that carries it (a batch statement, a transcript signature).
    pub fn verify(&self) -> Result<()> {
        self.check_structure()
    }

    /// The structure and the key ids (`INVALID_KEY`): what [`PublicIdentity::verify`]
    /// checks, for an identity read back from pqwire's own records (docs/protocol.md §6.2).
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
        if self.dh_key.key.suite != PackageSuite::Kem(KemSuite::X25519)
            || self.dh_key.key.public_key.len() != x25519::KEY_LEN
            || (self.dh_key.key.created, self.dh_key.key.expires)
                != (self.sig_key.created, self.sig_key.expires)
        {
            return Err(Error::InvalidKey {
                what: "identity DH key is not an X25519 key valid as long as the signing key",
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
/// The secrets stay in [`SecretBytes`] (zeroized on drop); `Debug` shows no secret. The
/// DH key is kept loaded: every handshake agrees with it once, and loading derives the
/// public key again (a base-point multiplication).
pub struct Identity {
    signing: SigKeyPair,
    dh_key: x25519::StaticSecret,
    public: PublicIdentity,
}

impl Identity {
    /// Generates an identity of `suite` (Ed25519+ML-DSA-65 or Ed25519+ML-DSA-87) valid for
    /// `validity`, with randomness from `rng`: the signing key seed (32 bytes), then the
    /// X25519 secret key (32 bytes).
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
        Self::assemble(signing, dh_secret, validity)
    }

    /// An identity from a signing key pair and an X25519 secret key: packages both
    /// public keys for `validity`.
    pub(crate) fn assemble(
        signing: SigKeyPair,
        dh_secret: SecretBytes,
        validity: Validity,
    ) -> Result<Self> {
        check_suite(signing.suite())?;
        let dh_key = x25519::StaticSecret::from_bytes(dh_secret.expose())?;
        let dh_public = *dh_key.public_key();
        let sig_key = package::package(
            PackageSuite::Sig(signing.suite()),
            signing.public_key().to_vec(),
            validity,
        );
        let sig_key_encoded = sig_key.encode()?;
        Ok(Self {
            public: PublicIdentity::from_parts(sig_key, sig_key_encoded, &dh_public),
            signing,
            dh_key,
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
        let dh_key = x25519::StaticSecret::from_bytes(dh_secret_key)?;
        if dh_key.public_key().as_slice() != public.dh_public_key() {
            return Err(Error::InvalidKey {
                what: "identity DH secret key does not belong to the public key",
            });
        }
        Ok(Self {
            signing,
            dh_key,
            public,
        })
    }

    /// Exports `(signing secret key, DH secret key)`, for an identity store. Only on
    /// explicit request: the caller then owns copies of the secrets.
    pub fn export_secret_keys(&self) -> (SecretBytes, SecretBytes) {
        (
            self.signing.export_secret_key(),
            self.dh_key.secret().clone(),
        )
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

    /// The X25519 key of `IKdh`, loaded.
    pub(crate) fn dh_key(&self) -> &x25519::StaticSecret {
        &self.dh_key
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
        // IKdh's validity is IKsig's.
        let mut p = id.public().clone();
        p.dh_key.key.expires = 999;
        p.dh_key.encoded = p.dh_key.key.encode().unwrap();
        assert_eq!(p.verify().unwrap_err().code(), "INVALID_KEY");
        let mut p = id.public().clone();
        p.sig_key.created = 101;
        assert_eq!(p.verify().unwrap_err().code(), "INVALID_KEY");
        assert_eq!(p.check_structure().unwrap_err().code(), "INVALID_KEY");
        // from_parts rebuilds the same identity from the wire's parts.
        let p = id.public();
        let dh: [u8; 32] = p.dh_public_key().try_into().unwrap();
        let back = PublicIdentity::from_parts(p.sig_key.clone(), p.sig_key_encoded.clone(), &dh);
        assert_eq!(&back, p);
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
