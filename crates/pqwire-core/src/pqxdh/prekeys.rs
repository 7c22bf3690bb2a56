//! Prekeys (protocol.md §2): the signed X25519 prekey `SPK`, the signed last-resort
//! ML-KEM prekey `PQLR`, one-time X25519 prekeys `OPK` and one-time ML-KEM prekeys
//! `PQOPK`. Each is a key package with a derived 16-byte key id and a validity period;
//! the secret half stays in a [`PrekeySecret`]. Nothing signs a prekey on its own: a
//! batch of them is signed once (`batch.rs`). [`needs_rotation`] says when `SPK` and
//! `PQLR` are due for replacement.

use super::package::{self, Validity};
use crate::random::RandomSource;
use crate::ratchet::KeyId;
use crate::wire::{KeyPackage, PackageSuite};
use crate::{kem, Error, KemSuite, Result, SecretBytes};
use zeroize::Zeroizing;

/// Seconds in a day.
const DAY: u64 = 24 * 60 * 60;
/// Default age after which `SPK` and `PQLR` are replaced: 7 days.
pub const DEFAULT_ROTATION_AGE: u64 = 7 * DAY;
/// Default number of uses after which `SPK` and `PQLR` are replaced.
pub const DEFAULT_ROTATION_USES: u64 = 10_000;
/// Default lifetime of `SPK` and `PQLR`: the rotation age plus 30 days in which
/// initial messages made from a bundle that held them still arrive.
pub const DEFAULT_SIGNED_PREKEY_LIFETIME: u64 = DEFAULT_ROTATION_AGE + 30 * DAY;
/// Default lifetime of one-time prekeys: 90 days.
pub const DEFAULT_ONE_TIME_PREKEY_LIFETIME: u64 = 90 * DAY;
/// Default lifetime of an identity: 5 years (365-day years).
pub const DEFAULT_IDENTITY_LIFETIME: u64 = 5 * 365 * DAY;

/// The role of a prekey. A responder uses a prekey only in the role it was made for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PrekeyKind {
    /// `SPK`: the signed X25519 prekey, rotated.
    Signed,
    /// `PQLR`: the signed last-resort ML-KEM prekey, rotated like `SPK`.
    LastResortKem,
    /// `OPK`: a one-time X25519 prekey.
    OneTime,
    /// `PQOPK`: a one-time ML-KEM prekey.
    OneTimeKem,
}

impl PrekeyKind {
    /// Whether a key of this kind is used once and then consumed.
    pub fn is_one_time(self) -> bool {
        matches!(self, PrekeyKind::OneTime | PrekeyKind::OneTimeKem)
    }

    /// Whether a key of this kind is an ML-KEM key (else X25519).
    pub fn is_kem(self) -> bool {
        matches!(self, PrekeyKind::LastResortKem | PrekeyKind::OneTimeKem)
    }

    /// The role's name, as errors show it.
    pub fn name(self) -> &'static str {
        match self {
            PrekeyKind::Signed => "signed prekey",
            PrekeyKind::LastResortKem => "last-resort KEM prekey",
            PrekeyKind::OneTime => "one-time prekey",
            PrekeyKind::OneTimeKem => "one-time KEM prekey",
        }
    }

    /// Checks that `suite` fits the role: X25519, or ML-KEM-512/768/1024.
    fn check_suite(self, suite: KemSuite) -> Result<()> {
        let fits = if self.is_kem() {
            matches!(
                suite,
                KemSuite::MlKem512 | KemSuite::MlKem768 | KemSuite::MlKem1024
            )
        } else {
            suite == KemSuite::X25519
        };
        if fits {
            Ok(())
        } else {
            Err(Error::InvalidArgument {
                what: "X25519 prekeys are X25519 keys, KEM prekeys ML-KEM-512/768/1024 keys",
            })
        }
    }
}

/// The public half of a prekey: its role and its key package.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prekey {
    /// The role.
    pub kind: PrekeyKind,
    /// The key package (suite, derived key id, validity, public key).
    pub key: KeyPackage,
}

impl Prekey {
    /// The key id.
    pub fn key_id(&self) -> KeyId {
        self.key.key_id
    }
}

/// The secret half of a prekey, with its role and key package. The secret key is
/// zeroized on drop and never shown by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct PrekeySecret {
    kind: PrekeyKind,
    package: KeyPackage,
    secret_key: SecretBytes,
}

impl PrekeySecret {
    /// Rebuilds a prekey secret from storage. The package's suite must fit the role
    /// (`INVALID_ARGUMENT`) and the secret key have the suite's length (`BAD_LENGTH`).
    pub fn new(kind: PrekeyKind, package: KeyPackage, secret_key: SecretBytes) -> Result<Self> {
        let PackageSuite::Kem(suite) = package.suite else {
            return Err(Error::InvalidArgument {
                what: "a prekey package holds a KEM or X25519 key",
            });
        };
        kind.check_suite(suite)?;
        Error::check_len(
            "prekey secret key",
            kem::backend(suite).lengths().secret_key,
            secret_key.len(),
        )?;
        Ok(Self {
            kind,
            package,
            secret_key,
        })
    }

    /// The role.
    pub fn kind(&self) -> PrekeyKind {
        self.kind
    }

    /// The public key package (suite, key id, validity).
    pub fn package(&self) -> &KeyPackage {
        &self.package
    }

    /// The key id.
    pub fn key_id(&self) -> KeyId {
        self.package.key_id
    }

    /// The suite: X25519 or an ML-KEM suite.
    pub fn suite(&self) -> KemSuite {
        match self.package.suite {
            PackageSuite::Kem(s) => s,
            // `new` and the generators only build KEM packages.
            PackageSuite::Sig(_) => KemSuite::X25519,
        }
    }

    /// The secret key. Callers must not log it.
    pub fn secret_key(&self) -> &SecretBytes {
        &self.secret_key
    }
}

impl core::fmt::Debug for PrekeySecret {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PrekeySecret")
            .field("kind", &self.kind)
            .field("key_id", &self.package.key_id)
            .field("suite", &self.package.suite)
            .field("secret_key", &"[REDACTED]")
            .finish()
    }
}

/// A freshly generated prekey: the public half to publish, the secret half to keep.
#[derive(Clone, Debug)]
pub struct GeneratedPrekey {
    /// What goes into bundles.
    pub public: Prekey,
    /// What the responder keeps (in its [`super::PrekeySource`]).
    pub secret: PrekeySecret,
}

/// Generates a prekey of `kind` and `suite` (X25519 for `Signed` and `OneTime`,
/// ML-KEM-512/768/1024 for the KEM kinds). Randomness from `rng`: the key-generation
/// seed.
pub fn generate_prekey(
    kind: PrekeyKind,
    suite: KemSuite,
    validity: Validity,
    rng: &mut dyn RandomSource,
) -> Result<GeneratedPrekey> {
    kind.check_suite(suite)?;
    let backend = kem::backend(suite);
    let mut seed = Zeroizing::new(vec![0u8; backend.lengths().keygen_seed]);
    rng.fill(&mut seed)?;
    let (public_key, secret_key) = backend.keygen(Some(&seed))?;
    let key = package::package(PackageSuite::Kem(suite), public_key, validity);
    Ok(GeneratedPrekey {
        secret: PrekeySecret {
            kind,
            package: key.clone(),
            secret_key,
        },
        public: Prekey { kind, key },
    })
}

/// A signed X25519 prekey `SPK`.
pub fn signed_prekey(validity: Validity, rng: &mut dyn RandomSource) -> Result<GeneratedPrekey> {
    generate_prekey(PrekeyKind::Signed, KemSuite::X25519, validity, rng)
}

/// A signed last-resort ML-KEM prekey `PQLR` of `suite` (ML-KEM-512/768/1024).
pub fn last_resort_kem_prekey(
    suite: KemSuite,
    validity: Validity,
    rng: &mut dyn RandomSource,
) -> Result<GeneratedPrekey> {
    generate_prekey(PrekeyKind::LastResortKem, suite, validity, rng)
}

/// `count` one-time X25519 prekeys `OPK`.
pub fn one_time_prekeys(
    count: usize,
    validity: Validity,
    rng: &mut dyn RandomSource,
) -> Result<Vec<GeneratedPrekey>> {
    (0..count)
        .map(|_| generate_prekey(PrekeyKind::OneTime, KemSuite::X25519, validity, rng))
        .collect()
}

/// `count` one-time ML-KEM prekeys `PQOPK` of `suite`.
pub fn one_time_kem_prekeys(
    suite: KemSuite,
    count: usize,
    validity: Validity,
    rng: &mut dyn RandomSource,
) -> Result<Vec<GeneratedPrekey>> {
    (0..count)
        .map(|_| generate_prekey(PrekeyKind::OneTimeKem, suite, validity, rng))
        .collect()
}

/// When `SPK` and `PQLR` are replaced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RotationPolicy {
    /// Replace a key at least this many seconds after its creation.
    pub max_age: u64,
    /// Replace a key after this many uses (initial messages that authenticated with it).
    pub max_uses: u64,
}

impl Default for RotationPolicy {
    /// Every 7 days or 10,000 uses, whichever comes first.
    fn default() -> Self {
        Self {
            max_age: DEFAULT_ROTATION_AGE,
            max_uses: DEFAULT_ROTATION_USES,
        }
    }
}

/// Whether a key created at `created` and used `uses` times is due for rotation at
/// `now`: `now − created ≥ max_age` or `uses ≥ max_uses`. A clock behind `created`
/// never triggers the age rule.
///
/// ```
/// use pqwire_core::pqxdh::{needs_rotation, RotationPolicy};
/// let p = RotationPolicy::default();
/// assert!(!needs_rotation(1_000, 0, 1_000 + 6 * 86_400, &p));
/// assert!(needs_rotation(1_000, 0, 1_000 + 7 * 86_400, &p));
/// assert!(needs_rotation(1_000, 10_000, 1_000, &p));
/// ```
pub fn needs_rotation(created: u64, uses: u64, now: u64, policy: &RotationPolicy) -> bool {
    now.checked_sub(created)
        .is_some_and(|age| age >= policy.max_age)
        || uses >= policy.max_uses
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::random::SeededRandom;

    #[test]
    fn every_kind_is_generated_and_checked() {
        let v = Validity::new(1, 1_000).unwrap();
        let mut rng = SeededRandom::new([7; 32]);
        let spk = signed_prekey(v, &mut rng).unwrap();
        let lr = last_resort_kem_prekey(KemSuite::MlKem1024, v, &mut rng).unwrap();
        let otks = one_time_prekeys(3, v, &mut rng).unwrap();
        let kems = one_time_kem_prekeys(KemSuite::MlKem512, 2, v, &mut rng).unwrap();
        assert_eq!(otks.len(), 3);
        assert_ne!(otks[0].public.key_id(), otks[1].public.key_id());
        for p in [&spk, &lr, &otks[0], &kems[1]] {
            package::check_key_id(&p.public.key, "k").unwrap();
            assert_eq!(p.secret.key_id(), p.public.key_id());
            assert!(format!("{:?}", p.secret).contains("REDACTED"));
        }
        assert!(generate_prekey(PrekeyKind::Signed, KemSuite::MlKem768, v, &mut rng).is_err());
        assert!(generate_prekey(PrekeyKind::OneTimeKem, KemSuite::XWing, v, &mut rng).is_err());
    }

    #[test]
    fn rotation() {
        let p = RotationPolicy {
            max_age: 10,
            max_uses: 3,
        };
        assert!(!needs_rotation(100, 2, 109, &p));
        assert!(needs_rotation(100, 2, 110, &p));
        assert!(needs_rotation(100, 3, 100, &p));
        assert!(!needs_rotation(100, 0, 5, &p));
    }
}
