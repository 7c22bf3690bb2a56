//! Prekey bundles from a prekey upload (protocol.md §3.4): public bytes in, a bundle
//! out. No secret is needed, so a server assembles one per fetch; the owner's secrets
//! never leave the owner.

use super::batch::upload_leaves;
use super::merkle;
use crate::wire::{BundledPrekey, PrekeyBundle, PrekeyUpload};
use crate::{kem, Error, Result};

/// Assembles bundles from one upload, its whole Merkle tree computed once (for a server
/// that hands out many bundles of the same batch: each bundle is then lookups).
#[derive(Clone, Debug)]
pub struct BundleAssembler {
    upload: PrekeyUpload,
    tree: merkle::Tree,
}

impl BundleAssembler {
    /// Hashes the upload's leaves. Does not verify the signature (see
    /// [`super::verify_upload`]): the initiator verifies every bundle.
    pub fn new(upload: PrekeyUpload) -> Self {
        let tree = merkle::Tree::new(&upload_leaves(&upload));
        Self { upload, tree }
    }

    /// The upload.
    pub fn upload(&self) -> &PrekeyUpload {
        &self.upload
    }

    /// A bundle with the one-time KEM prekey `kem_index` (0-based among the one-time
    /// KEM prekeys; `None`: the last-resort KEM prekey) and the one-time X25519 prekey
    /// `one_time_index` (0-based; `None`: none). An index out of range, or a KEM index
    /// for a batch without ML-KEM, is `INVALID_ARGUMENT`. A batch without ML-KEM gives a
    /// bundle without a KEM prekey.
    pub fn bundle(
        &self,
        kem_index: Option<u32>,
        one_time_index: Option<u32>,
    ) -> Result<PrekeyBundle> {
        bundle_from(
            &self.upload,
            &|i| self.tree.proof(i),
            kem_index,
            one_time_index,
        )
    }
}

/// The bundle of `u` at the given indexes, `proof` giving the Merkle path of a leaf.
fn bundle_from(
    u: &PrekeyUpload,
    proof: &dyn Fn(usize) -> Vec<[u8; 32]>,
    kem_index: Option<u32>,
    one_time_index: Option<u32>,
) -> Result<PrekeyBundle> {
    let b = &u.batch;
    let out_of_range = || Error::InvalidArgument {
        what: "no prekey of the batch has that index",
    };
    let kem_prekey = match (b.kem_suite, kem_index) {
        (None, None) => None,
        (None, Some(_)) => return Err(out_of_range()),
        (Some(_), None) => Some((0u32, u.last_resort_kem_key.clone().unwrap_or_default())),
        (Some(s), Some(i)) if i < b.one_time_kem_count => {
            let len = kem::backend(s).lengths().public_key;
            let start = i as usize * len;
            let key = u
                .one_time_kem_keys
                .get(start..start + len)
                .ok_or_else(out_of_range)?;
            Some((i + 1, key.to_vec()))
        }
        (Some(_), Some(_)) => return Err(out_of_range()),
    };
    let first_one_time = u32::from(b.kem_suite.is_some()) + b.one_time_kem_count;
    let one_time_prekey = match one_time_index {
        None => None,
        Some(i) if i < b.one_time_count => {
            let start = i as usize * 32;
            let key = u
                .one_time_keys
                .get(start..start + 32)
                .ok_or_else(out_of_range)?;
            Some((first_one_time + i, key.to_vec()))
        }
        Some(_) => return Err(out_of_range()),
    };
    let prove = |(index, public_key): (u32, Vec<u8>)| BundledPrekey {
        index,
        proof: merkle::proof_to_bytes(&proof(index as usize)),
        public_key,
    };
    Ok(PrekeyBundle {
        identity_sig_key: u.identity_sig_key.clone(),
        identity_sig_key_encoded: u.identity_sig_key_encoded.clone(),
        batch: b.clone(),
        batch_encoded: u.batch_encoded.clone(),
        batch_signature: u.batch_signature.clone(),
        kem_prekey: kem_prekey.map(prove),
        one_time_prekey: one_time_prekey.map(prove),
        extensions: Vec::new(),
    })
}

/// A prekey bundle from `upload` (see [`BundleAssembler::bundle`] for the indexes):
/// public bytes only. Encode it with [`crate::wire::WireMessage::encode`].
///
/// ```
/// # use pqwire_core::pqxdh::*;
/// # use pqwire_core::random::SeededRandom;
/// # use pqwire_core::wire::{Capabilities, PrekeyUpload, WireMessage};
/// # let mut rng = SeededRandom::new([1; 32]);
/// # let bob = Identity::generate(pqwire_core::SigSuite::Ed25519MlDsa65,
/// #     Validity::new(0, 1 << 40)?, &mut rng)?;
/// # let caps = Capabilities::default().encode()?;
/// # let options = BatchOptions { one_time_count: 1, one_time_kem_count: 0, ..Default::default() };
/// # let upload_bytes = create_batch(&bob, &caps, &options, 10, &mut rng)?.upload.encode()?;
/// // A server holding only the upload's bytes:
/// let upload = PrekeyUpload::decode(&upload_bytes)?;
/// let bundle = assemble_bundle(&upload, None, Some(0))?; // last-resort KEM key, OPK 0
/// assert!(bundle.kem_prekey_last_resort());
/// # Ok::<(), pqwire_core::Error>(())
/// ```
pub fn assemble_bundle(
    upload: &PrekeyUpload,
    kem_index: Option<u32>,
    one_time_index: Option<u32>,
) -> Result<PrekeyBundle> {
    let leaves = upload_leaves(upload);
    bundle_from(
        upload,
        &|i| merkle::proof(&leaves, i),
        kem_index,
        one_time_index,
    )
}
