//! What an initiator checks of a prekey bundle (protocol.md §4.1 steps 2–4): one batch
//! signature (or a hit in the verified-batch cache), the Merkle proofs of the bundled
//! prekeys, their derived packages' validity and the KEM prekey itself.

use super::batch::LABEL_BATCH;
use super::batch_cache::{batch_entry, verified_batches, VerifiedBatches};
use super::identity::PublicIdentity;
use super::merkle::{self, LEAF_LAST_RESORT_KEM, LEAF_ONE_TIME, LEAF_ONE_TIME_KEM};
use super::package::{self, Validity};
use super::prekeys::PrekeyKind;
use crate::wire::{BundledPrekey, KeyPackage, PackageSuite, PrekeyBatch, PrekeyBundle};
use crate::{kem, Error, KemSuite, Result, SigSuite};

/// The responder's prekeys as the bundle proved them: key packages rebuilt from the
/// statement (suite, derived key id, the statement's validity).
#[derive(Clone, Debug)]
pub(crate) struct ProvedPrekeys {
    /// `SPK`.
    pub signed_prekey: KeyPackage,
    /// The KEM prekey and its kind (from its signed leaf index: 0 is `PQLR`).
    pub kem_prekey: Option<(KeyPackage, PrekeyKind)>,
    /// `OPK`.
    pub one_time_prekey: Option<KeyPackage>,
}

/// The peer's public identity of a bundle: its `IKsig` package and the statement's
/// `IKdh`.
pub(crate) fn bundle_identity(bundle: &PrekeyBundle) -> PublicIdentity {
    PublicIdentity::from_parts(
        bundle.identity_sig_key.clone(),
        bundle.identity_sig_key_encoded.clone(),
        &bundle.batch.identity_dh_key,
    )
}

/// Verifies the batch signature unless the process-wide cache holds this exact
/// identity key, statement and signature (`AUTH_FAILED`).
fn verify_batch_signature(bundle: &PrekeyBundle, suite: SigSuite) -> Result<()> {
    let entry = batch_entry(
        &bundle.identity_sig_key_encoded,
        &bundle.batch_encoded,
        &bundle.batch_signature,
    );
    VerifiedBatches::check_shared(verified_batches(), entry, || {
        package::verify(
            suite,
            &bundle.identity_sig_key.public_key,
            LABEL_BATCH,
            &bundle.batch_encoded,
            &bundle.batch_signature,
        )
    })
}

/// The leaf kind of leaf `index` of `batch`'s tree.
fn leaf_kind(batch: &PrekeyBatch, index: u32) -> u8 {
    let kems = u64::from(batch.kem_suite.is_some()) + u64::from(batch.one_time_kem_count);
    match u64::from(index) {
        0 if batch.kem_suite.is_some() => LEAF_LAST_RESORT_KEM,
        i if i < kems => LEAF_ONE_TIME_KEM,
        _ => LEAF_ONE_TIME,
    }
}

/// The prekey's Merkle proof leads to the statement's root (`AUTH_FAILED`).
fn verify_proof(batch: &PrekeyBatch, prekey: &BundledPrekey) -> Result<()> {
    let leaf = merkle::leaf_hash(
        leaf_kind(batch, prekey.index),
        prekey.index,
        &prekey.public_key,
    );
    let path = merkle::proof_from_bytes(&prekey.proof).ok_or(Error::AuthenticationFailed)?;
    let size = usize::try_from(batch.leaf_count()).map_err(|_| Error::AuthenticationFailed)?;
    if merkle::verify(
        &batch.merkle_root,
        &leaf,
        prekey.index as usize,
        size,
        &path,
    ) {
        Ok(())
    } else {
        Err(Error::AuthenticationFailed)
    }
}

/// Authenticates the bundle (protocol.md §4.1 steps 2–4), in this order: the identity
/// package's structure (`INVALID_KEY`); the batch signature (`AUTH_FAILED`, skipped for a
/// cached batch); each bundled prekey's proof (`AUTH_FAILED`); both identities and each
/// prekey valid at `now` (`KEY_EXPIRED`); the KEM prekey's key check (`INVALID_KEY`).
pub(crate) fn check_bundle(
    bundle: &PrekeyBundle,
    peer: &PublicIdentity,
    ours: &PublicIdentity,
    now: u64,
) -> Result<ProvedPrekeys> {
    peer.verify()?;
    verify_batch_signature(bundle, peer.suite()?)?;
    let b = &bundle.batch;
    for k in bundle.kem_prekey.iter().chain(&bundle.one_time_prekey) {
        verify_proof(b, k)?;
    }
    let signed = Validity {
        created: b.created,
        expires: b.signed_expires,
    };
    let one_time = Validity {
        created: b.created,
        expires: b.one_time_expires,
    };
    let x25519 =
        |key: &[u8], v| package::package(PackageSuite::Kem(KemSuite::X25519), key.to_vec(), v);
    let proved = ProvedPrekeys {
        signed_prekey: x25519(&b.signed_prekey, signed),
        kem_prekey: match (&bundle.kem_prekey, b.kem_suite) {
            (Some(k), Some(suite)) => {
                let (kind, v) = if k.index == 0 {
                    (PrekeyKind::LastResortKem, signed)
                } else {
                    (PrekeyKind::OneTimeKem, one_time)
                };
                let key = package::package(PackageSuite::Kem(suite), k.public_key.clone(), v);
                Some((key, kind))
            }
            _ => None,
        },
        one_time_prekey: bundle
            .one_time_prekey
            .as_ref()
            .map(|k| x25519(&k.public_key, one_time)),
    };
    ours.check_validity(now)?;
    peer.check_validity(now)?;
    package::check_validity(&proved.signed_prekey, now, "signed prekey")?;
    if let Some((k, _)) = &proved.kem_prekey {
        package::check_validity(k, now, "KEM prekey")?;
        if let PackageSuite::Kem(s) = k.suite {
            kem::backend(s)
                .check_public_key(&k.public_key)
                .map_err(|_| Error::InvalidKey { what: "KEM prekey" })?;
        }
    }
    if let Some(k) = &proved.one_time_prekey {
        package::check_validity(k, now, "one-time prekey")?;
    }
    Ok(proved)
}
