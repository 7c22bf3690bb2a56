//! What changed in a member's state since it was last saved, so that the layer above saves
//! only that (docs/groups.md, "Storage"). An application message changes one entry of a few
//! kilobytes in a member record of hundreds: saving the change set keeps a message's cost
//! independent of the group's size.
//!
//! [`Unsaved`] keeps, for every storage entry changed since the last save, its value at that
//! save, so unsaved changes can also be undone (a save the store refused). A change set at
//! rest is a `group-member-changes` record (type 0x1A): the entries written and the entries
//! deleted, bound to its member by a fingerprint of the member's signature key.

use crate::error::{because, GroupCode, GroupError, Result};
use crate::record::{decode_storage, encode_entries};
use crate::storage::Journal;
use crate::Member;
use openmls_traits::OpenMlsProvider;
use pqwire_core::record::{RecordField, RecordReader, RecordWriter, TYPE_GROUP_CHANGES};
use sha2::Digest as _;
use std::collections::BTreeMap;
use zeroize::Zeroizing;

const MEMBER: RecordField = RecordField::new(0x0002, "member");
const WRITTEN: RecordField = RecordField::new(0x0003, "written");
const DELETED: RecordField = RecordField::new(0x0004, "deleted");

/// Storage entries changed since the last save, each with its value at that save (`None`:
/// it did not exist).
#[derive(Default)]
pub(crate) struct Unsaved(BTreeMap<Vec<u8>, Option<Zeroizing<Vec<u8>>>>);

impl Unsaved {
    /// Notes what an operation changed: its journal, each entry with its value before.
    pub(crate) fn note(&mut self, journal: Journal) {
        for (key, before) in journal {
            // The first change since the save keeps the saved value; later ones keep it too.
            self.0
                .entry(key)
                .or_insert_with(|| before.map(Zeroizing::new));
        }
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Member {
    /// The changes since the last save as a `group-member-changes` record (`None` when there
    /// are none). [`Member::mark_saved`] once the store has them, or
    /// [`Member::revert_unsaved`] when it refused them.
    ///
    /// ```
    /// use pqwire_core::{pqxdh::{Identity, Validity}, SigSuite};
    /// use pqwire_mls::{Member, suites::Ciphersuite};
    /// let identity = Identity::generate_random(SigSuite::Ed25519MlDsa65, Validity::new(0, 1 << 40).unwrap()).unwrap();
    /// let mut alice = Member::new(Ciphersuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, &identity, b"alice")?;
    /// let record = alice.to_record()?;
    /// alice.mark_saved();
    /// let group = alice.create_group()?;
    /// let changes = alice.unsaved_changes()?.expect("a group was made");
    /// let mut back = Member::from_record(&record)?;
    /// back.apply_changes(&changes)?;
    /// assert_eq!(back.epoch(&group)?, 0);
    /// # Ok::<(), pqwire_mls::GroupError>(())
    /// ```
    pub fn unsaved_changes(&self) -> Result<Option<Zeroizing<Vec<u8>>>> {
        if self.unsaved.is_empty() {
            return Ok(None);
        }
        let values = self
            .parts()
            .0
            .storage()
            .values
            .read()
            .map_err(because(GroupCode::Internal))?;
        let written: Vec<(&[u8], &[u8])> = self
            .unsaved
            .0
            .keys()
            .filter_map(|k| values.get(k).map(|v| (k.as_slice(), v.as_slice())))
            .collect();
        let deleted: Vec<(&[u8], &[u8])> = self
            .unsaved
            .0
            .keys()
            .filter(|k| !values.contains_key(*k))
            .map(|k| (k.as_slice(), &[][..]))
            .collect();
        let written = encode_entries(written.into_iter());
        let deleted = encode_entries(deleted.into_iter());
        let fingerprint = self.fingerprint();
        let mut w = RecordWriter::new(TYPE_GROUP_CHANGES);
        w.bytes(MEMBER, &fingerprint)
            .bytes(WRITTEN, &written)
            .bytes(DELETED, &deleted);
        Ok(Some(w.finish()))
    }

    /// Forgets the unsaved changes: the store has them (or a whole record written after them).
    pub fn mark_saved(&mut self) {
        self.unsaved = Unsaved::default();
    }

    /// Puts every entry changed since the last save back as it was then (the store refused
    /// the changes).
    pub fn revert_unsaved(&mut self) -> Result<()> {
        let unsaved = std::mem::take(&mut self.unsaved);
        self.set_entries(
            unsaved
                .0
                .into_iter()
                .map(|(key, before)| (key, before.map(|v| v.to_vec()))),
        )
    }

    /// Applies a change set of this member read back from the store, after the record or
    /// change set it followed. Anything that is not one of this member's change sets is
    /// `GROUP_BAD_RECORD`, and changes nothing.
    pub fn apply_changes(&mut self, bytes: &[u8]) -> Result<()> {
        let bad = crate::record::bad_record;
        let mut r = RecordReader::new(bytes, TYPE_GROUP_CHANGES).map_err(bad)?;
        let member = r.bytes(MEMBER, 16, 16).map_err(bad)?;
        if member != self.fingerprint() {
            return Err(GroupError::new(
                GroupCode::BadRecord,
                "a change set of another group member",
            ));
        }
        let written = decode_storage(r.bytes(WRITTEN, 4, usize::MAX).map_err(bad)?)?;
        let deleted = decode_storage(r.bytes(DELETED, 4, usize::MAX).map_err(bad)?)?;
        r.finish().map_err(bad)?;
        if deleted.values().any(|v| !v.is_empty())
            || deleted.keys().any(|k| written.contains_key(k))
        {
            return Err(GroupError::new(
                GroupCode::BadRecord,
                "a change set that deletes with a value or writes what it deletes",
            ));
        }
        let deletes = deleted.into_keys().map(|key| (key, None));
        self.set_entries(deletes.chain(written.into_iter().map(|(k, v)| (k, Some(v)))))
    }

    /// The first 16 bytes of SHA-256 over the signature public key: which member a change
    /// set belongs to.
    fn fingerprint(&self) -> [u8; 16] {
        let digest = sha2::Sha256::new()
            .chain_update(b"pqwire/mls change set")
            .chain_update(self.signature_key())
            .finalize();
        let mut out = [0u8; 16];
        out.copy_from_slice(&digest[..16]);
        out
    }
}
