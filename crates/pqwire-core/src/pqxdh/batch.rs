//! The prekey batch (protocol.md §3.1–§3.3): the owner signs one statement over its
//! signed prekey and the Merkle root of its KEM and one-time prekeys, and publishes the
//! statement, the signature and the public keys as a prekey upload.
//!
//! ```text
//! leaves: 0 = PQLR (kind 0x01), 1..=m = PQOPK (0x02), m+1..=m+n = OPK (0x03)
//! batch signature = Sign(IKsig, "pqwire/v2 prekey batch" ‖ encodedStatement, ctx)
//! ```

use super::identity::Identity;
use super::merkle::{self, LEAF_LAST_RESORT_KEM, LEAF_ONE_TIME, LEAF_ONE_TIME_KEM};
use super::package::{self, Validity};
use super::prekeys::{generate_prekey, Prekey, PrekeyKind, PrekeySecret};
use crate::random::RandomSource;
use crate::wire::{PackageSuite, PrekeyBatch, PrekeyUpload, WireMessage};
use crate::{kem, Error, KemSuite, Result};

/// Prefix of the message the batch signature covers.
pub const LABEL_BATCH: &[u8] = b"pqwire/v2 prekey batch";

/// Default number of one-time X25519 prekeys, and of one-time ML-KEM prekeys, in a batch:
/// 100 of each (201 leaves with `PQLR`, proofs of 8 hashes). A prekey bundle from such a
/// batch stays under 7,500 bytes with ML-KEM-768 and Ed25519+ML-DSA-65 (§3.4).
pub const DEFAULT_BATCH_SIZE: u32 = 100;

/// The keys of a batch, public halves. `one_time_kem` needs `last_resort_kem`.
#[derive(Clone, Copy, Debug)]
pub struct BatchKeys<'a> {
    /// `SPK`.
    pub signed_prekey: &'a Prekey,
    /// `PQLR`; `None` for an owner offering no ML-KEM.
    pub last_resort_kem: Option<&'a Prekey>,
    /// The `PQOPK`s, of `PQLR`'s suite.
    pub one_time_kem: &'a [Prekey],
    /// The `OPK`s.
    pub one_time: &'a [Prekey],
}

fn require(ok: bool, what: &'static str) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidArgument { what })
    }
}

impl BatchKeys<'_> {
    /// Roles and suites fit one statement. Gives `(kem suite, created, signedExpires,
    /// oneTimeExpires)`: the latest creation time of any key (so that no key is claimed
    /// valid before it exists), the earliest end of `SPK` and `PQLR`, the earliest end of
    /// the one-time keys (`signedExpires` when there are none). The statement's window is
    /// thus inside every key's own: an owner may reuse an older `SPK` and `PQLR` in a new
    /// batch.
    fn check(&self) -> Result<(Option<KemSuite>, u64, u64, u64)> {
        require(
            self.signed_prekey.kind == PrekeyKind::Signed,
            "the signed prekey must be of kind Signed",
        )?;
        let lr = self.last_resort_kem;
        require(
            lr.is_none_or(|k| k.kind == PrekeyKind::LastResortKem),
            "the last-resort KEM prekey must be of kind LastResortKem",
        )?;
        require(
            lr.is_some() || self.one_time_kem.is_empty(),
            "one-time KEM prekeys need a last-resort KEM prekey",
        )?;
        let suite = lr.map(|k| k.key.suite);
        require(
            self.one_time_kem
                .iter()
                .all(|k| k.kind == PrekeyKind::OneTimeKem && Some(k.key.suite) == suite),
            "one-time KEM prekeys must be of kind OneTimeKem and the last-resort key's suite",
        )?;
        require(
            self.one_time.iter().all(|k| k.kind == PrekeyKind::OneTime),
            "one-time prekeys must be of kind OneTime",
        )?;
        let signed = || core::iter::once(self.signed_prekey).chain(lr);
        let one_time = || self.one_time_kem.iter().chain(self.one_time);
        let created = signed().chain(one_time()).map(|k| k.key.created).max();
        let signed_expires = signed().map(|k| k.key.expires).min();
        let one_time_expires = one_time().map(|k| k.key.expires).min();
        let created = created.unwrap_or(self.signed_prekey.key.created);
        let signed_expires = signed_expires.unwrap_or(self.signed_prekey.key.expires);
        let one_time_expires = one_time_expires.unwrap_or(signed_expires);
        require(
            signed_expires > created && one_time_expires > created,
            "a key of the batch expires before another one is created",
        )?;
        let kem = match suite {
            Some(PackageSuite::Kem(s)) => Some(s),
            _ => None,
        };
        Ok((kem, created, signed_expires, one_time_expires))
    }
}

/// The leaf hashes of a batch: `PQLR`, the `PQOPK`s, then the `OPK`s (keys as the
/// upload concatenates them, each `key_len` / 32 bytes long).
pub(crate) fn leaves(
    last_resort: Option<&[u8]>,
    one_time_kem: &[u8],
    kem_len: usize,
    one_time: &[u8],
) -> Vec<[u8; 32]> {
    let mut out = Vec::with_capacity(1 + one_time_kem.len() / kem_len.max(1) + one_time.len() / 32);
    if let Some(k) = last_resort {
        out.push(merkle::leaf_hash(LEAF_LAST_RESORT_KEM, 0, k));
    }
    if kem_len > 0 {
        for k in one_time_kem.chunks_exact(kem_len) {
            out.push(merkle::leaf_hash(LEAF_ONE_TIME_KEM, out.len() as u32, k));
        }
    }
    for k in one_time.chunks_exact(32) {
        out.push(merkle::leaf_hash(LEAF_ONE_TIME, out.len() as u32, k));
    }
    out
}

/// The leaf hashes of an upload.
pub(crate) fn upload_leaves(upload: &PrekeyUpload) -> Vec<[u8; 32]> {
    let kem_len = upload
        .batch
        .kem_suite
        .map_or(0, |s| kem::backend(s).lengths().public_key);
    leaves(
        upload.last_resort_kem_key.as_deref(),
        &upload.one_time_kem_keys,
        kem_len,
        &upload.one_time_keys,
    )
}

/// Signs a batch of `identity`'s prekeys once and gives the upload (protocol.md §3.3):
/// `capabilities` as encoded (the exact bytes the owner will pass to
/// [`super::respond`]). Keys of the wrong role, mixed KEM suites, or a key expiring
/// before another is created, are `INVALID_ARGUMENT`. Randomness from `rng`: the
/// signature's.
pub fn sign_batch(
    identity: &Identity,
    capabilities: &[u8],
    keys: &BatchKeys<'_>,
    rng: &mut dyn RandomSource,
) -> Result<PrekeyUpload> {
    let (kem_suite, created, signed_expires, one_time_expires) = keys.check()?;
    let concat = |ks: &[Prekey]| -> Vec<u8> {
        ks.iter()
            .flat_map(|k| k.key.public_key.iter().copied())
            .collect()
    };
    let last_resort = keys.last_resort_kem.map(|k| k.key.public_key.clone());
    let one_time_kem = concat(keys.one_time_kem);
    let one_time = concat(keys.one_time);
    let kem_len = kem_suite.map_or(0, |s| kem::backend(s).lengths().public_key);
    let root = merkle::root(&leaves(
        last_resort.as_deref(),
        &one_time_kem,
        kem_len,
        &one_time,
    ));
    let count = |n: usize| {
        u32::try_from(n).map_err(|_| Error::InvalidArgument {
            what: "too many prekeys in one batch",
        })
    };
    let public = identity.public();
    let batch = PrekeyBatch {
        capabilities: capabilities.to_vec(),
        identity_sig_key_id: public.key_id(),
        identity_dh_key: x25519_key(public.dh_public_key())?,
        signed_prekey: x25519_key(&keys.signed_prekey.key.public_key)?,
        kem_suite,
        one_time_kem_count: count(keys.one_time_kem.len())?,
        one_time_count: count(keys.one_time.len())?,
        created,
        signed_expires,
        one_time_expires,
        merkle_root: root,
        extensions: Vec::new(),
    };
    let batch_encoded = batch.encode()?;
    let batch_signature = package::sign(identity.signer(), LABEL_BATCH, &batch_encoded, rng)?;
    Ok(PrekeyUpload {
        identity_sig_key: public.sig_key.clone(),
        identity_sig_key_encoded: public.sig_key_encoded.clone(),
        batch,
        batch_encoded,
        batch_signature,
        last_resort_kem_key: last_resort,
        one_time_kem_keys: one_time_kem,
        one_time_keys: one_time,
        extensions: Vec::new(),
    })
}

fn x25519_key(key: &[u8]) -> Result<[u8; 32]> {
    key.try_into().map_err(|_| Error::InvalidKey {
        what: "an X25519 public key is 32 bytes",
    })
}

/// Verifies an upload as an initiator would its bundles, for a server that wants to
/// refuse bad uploads early: the identity key's id (`INVALID_KEY`), the batch signature
/// and the Merkle root over the keys (`AUTH_FAILED`).
pub fn verify_upload(upload: &PrekeyUpload) -> Result<()> {
    let suite = upload
        .identity_sig_key
        .sig_suite()
        .ok_or(Error::InvalidKey {
            what: "identity signing key is not a signature key",
        })?;
    package::check_key_id(&upload.identity_sig_key, "identity signing key id")?;
    package::verify(
        suite,
        &upload.identity_sig_key.public_key,
        LABEL_BATCH,
        &upload.batch_encoded,
        &upload.batch_signature,
    )?;
    if merkle::root(&upload_leaves(upload)) != upload.batch.merkle_root {
        return Err(Error::AuthenticationFailed);
    }
    Ok(())
}

/// What a batch holds: its size, suite and validity (see [`create_batch`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchOptions {
    /// The KEM prekeys' suite (ML-KEM-512/768/1024); `None`: a classical-only batch.
    pub kem: Option<KemSuite>,
    /// One-time X25519 prekeys.
    pub one_time_count: u32,
    /// One-time ML-KEM prekeys (0 without `kem`).
    pub one_time_kem_count: u32,
    /// Lifetime of `SPK` and `PQLR` in seconds.
    pub signed_lifetime: u64,
    /// Lifetime of the one-time prekeys in seconds.
    pub one_time_lifetime: u64,
}

impl Default for BatchOptions {
    /// ML-KEM-768, [`DEFAULT_BATCH_SIZE`] one-time keys of each kind, the default
    /// lifetimes.
    fn default() -> Self {
        Self {
            kem: Some(KemSuite::MlKem768),
            one_time_count: DEFAULT_BATCH_SIZE,
            one_time_kem_count: DEFAULT_BATCH_SIZE,
            signed_lifetime: super::DEFAULT_SIGNED_PREKEY_LIFETIME,
            one_time_lifetime: super::DEFAULT_ONE_TIME_PREKEY_LIFETIME,
        }
    }
}

/// A batch made by [`create_batch`]: the upload to publish, the secrets to keep.
#[derive(Debug)]
pub struct CreatedBatch {
    /// The public upload (give it to the server).
    pub upload: PrekeyUpload,
    /// Every prekey's secret half (keep them in a [`super::PrekeySource`]).
    pub secrets: Vec<PrekeySecret>,
}

/// Generates a batch of prekeys created at `now` and signs it once: `SPK`, `PQLR` and
/// the one-time keys `options` asks for. Randomness from `rng`: the keys' seeds in leaf
/// order after `SPK`'s, then the signature's.
///
/// ```
/// use pqwire_core::pqxdh::*;
/// use pqwire_core::random::SeededRandom;
/// use pqwire_core::wire::{Capabilities, WireMessage};
/// let mut rng = SeededRandom::new([1; 32]);
/// let now = 1_700_000_000;
/// let bob = Identity::generate(pqwire_core::SigSuite::Ed25519MlDsa65,
///     Validity::starting(now, DEFAULT_IDENTITY_LIFETIME)?, &mut rng)?;
/// let caps = Capabilities::default().encode()?;
/// let options = BatchOptions { one_time_count: 2, one_time_kem_count: 2, ..Default::default() };
/// let batch = create_batch(&bob, &caps, &options, now, &mut rng)?;
/// assert_eq!(batch.secrets.len(), 6);
/// verify_upload(&batch.upload)?;
/// let bundle = assemble_bundle(&batch.upload, Some(1), Some(0))?;
/// assert!(bundle.encode()?.len() < 7_500);
/// # Ok::<(), pqwire_core::Error>(())
/// ```
pub fn create_batch(
    identity: &Identity,
    capabilities: &[u8],
    options: &BatchOptions,
    now: u64,
    rng: &mut dyn RandomSource,
) -> Result<CreatedBatch> {
    require(
        options.kem.is_some() || options.one_time_kem_count == 0,
        "one-time KEM prekeys need a KEM suite",
    )?;
    let signed = Validity::starting(now, options.signed_lifetime)?;
    let one_time = Validity::starting(now, options.one_time_lifetime)?;
    let spk = generate_prekey(PrekeyKind::Signed, KemSuite::X25519, signed, rng)?;
    let lr = options
        .kem
        .map(|s| generate_prekey(PrekeyKind::LastResortKem, s, signed, rng))
        .transpose()?;
    let mut kems = Vec::with_capacity(options.one_time_kem_count as usize);
    if let Some(s) = options.kem {
        for _ in 0..options.one_time_kem_count {
            kems.push(generate_prekey(PrekeyKind::OneTimeKem, s, one_time, rng)?);
        }
    }
    let mut otks = Vec::with_capacity(options.one_time_count as usize);
    for _ in 0..options.one_time_count {
        otks.push(generate_prekey(
            PrekeyKind::OneTime,
            KemSuite::X25519,
            one_time,
            rng,
        )?);
    }
    let publics = |v: &[super::GeneratedPrekey]| v.iter().map(|g| g.public.clone()).collect();
    let (kem_public, otk_public): (Vec<Prekey>, Vec<Prekey>) = (publics(&kems), publics(&otks));
    let keys = BatchKeys {
        signed_prekey: &spk.public,
        last_resort_kem: lr.as_ref().map(|g| &g.public),
        one_time_kem: &kem_public,
        one_time: &otk_public,
    };
    let upload = sign_batch(identity, capabilities, &keys, rng)?;
    let secrets = [spk]
        .into_iter()
        .chain(lr)
        .chain(kems)
        .chain(otks)
        .map(|g| g.secret)
        .collect();
    Ok(CreatedBatch { upload, secrets })
}
