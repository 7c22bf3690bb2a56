//! [`PqwireStorage`]: the openmls `StorageProvider` of a pqwire member, an in-memory map
//! from byte keys to byte values like openmls's own `MemoryStorage`, with the same public
//! shape (`values`, which the member's record, change sets and transactions read and
//! write as a whole), but whose values are binary.
//!
//! **Why binary.** openmls hands its storage serde types, and `MemoryStorage` writes them
//! as JSON, where every byte vector becomes a list of numbers (about 3.5 characters per
//! byte). The ratchet tree is one entry, rewritten by every applied commit, and with X-Wing
//! each leaf carries a 1,216-byte HPKE key: at 1,000 members that entry was about 5 MB of
//! JSON, and writing it was about a third of an add's time (docs/groups.md, "Storage").
//! Here it is about 1.4 MB, written in a fraction of the time.
//!
//! **Which format.** [postcard](https://docs.rs/postcard) 1.x: serde, compact (a byte is one
//! byte, lengths and integers are varints, fields carry no names), maintained, with a
//! wire format that is stable across its 1.x releases, and pure Rust (it builds for
//! wasm32 too). Values must decode exactly: trailing bytes are an error. Keys are the
//! label (length-prefixed, so no label is a prefix of another's keys), the postcard
//! encoding of openmls's key (a tuple for composite keys) and the storage version
//! (`CURRENT_VERSION`, 2 bytes).
//!
//! **The exception: the join config.** postcard's encoding does not describe itself, so it
//! cannot serve a `Deserialize` that asks the format what comes next (`deserialize_any`).
//! Of the types openmls stores, only `MlsGroupJoinConfig` does: its
//! `PastEpochDeletionPolicy` reads either an integer or an older tagged form through
//! `#[serde(untagged)]`. That entry (a few hundred bytes, written when a group is made or
//! joined) stays JSON. The others were checked for `untagged`, `flatten`,
//! `skip_serializing_if` and hand-written `deserialize_any` in openmls 0.9.2, tls_codec
//! 0.5 and openmls_traits 0.6 (tls_codec's `VLByteVec` uses `deserialize_any`, but openmls
//! stores it only under its virtual-clients draft feature, which is off here).
//!
//! **What it costs.** Unlike JSON, postcard has no field names or defaults to fall back on:
//! an openmls release that changes the shape of a stored type (adds a field, even with
//! `#[serde(default)]`) reads states written before it as damaged. Upgrading openmls
//! therefore needs a look at its storage changes and, where they touch a stored type, a
//! migration (decode with the old shape, write the new).
//!
//! Lists (the own leaf nodes, a group's queued proposal references) are their items'
//! encodings one after the other: appending is a write at the end, and reading decodes
//! items until the value is used up.

use openmls_traits::storage::{traits, StorageProvider, CURRENT_VERSION};
use serde::{de::DeserializeOwned, Serialize};
use std::collections::HashMap;
use std::sync::{Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};

// The entries, by label. Those of a group are keyed by its id.
const KEY_PACKAGE: &str = "KeyPackage";
const PSK: &str = "Psk";
const ENCRYPTION_KEY_PAIR: &str = "EncryptionKeyPair";
const SIGNATURE_KEY_PAIR: &str = "SignatureKeyPair";
const EPOCH_KEY_PAIRS: &str = "EpochKeyPairs";
const TREE: &str = "Tree";
const GROUP_CONTEXT: &str = "GroupContext";
const INTERIM_TRANSCRIPT_HASH: &str = "InterimTranscriptHash";
const CONFIRMATION_TAG: &str = "ConfirmationTag";
const JOIN_CONFIG: &str = "MlsGroupJoinConfig";
const OWN_LEAF_NODES: &str = "OwnLeafNodes";
const GROUP_STATE: &str = "GroupState";
const QUEUED_PROPOSAL: &str = "QueuedProposal";
const PROPOSAL_QUEUE_REFS: &str = "ProposalQueueRefs";
const OWN_LEAF_INDEX: &str = "OwnLeafNodeIndex";
const EPOCH_SECRETS: &str = "EpochSecrets";
const RESUMPTION_PSK_STORE: &str = "ResumptionPsk";
const MESSAGE_SECRETS: &str = "MessageSecrets";

/// A failure of [`PqwireStorage`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum StorageError {
    /// A thread panicked while holding the storage's lock.
    Poisoned,
    /// A value or key did not encode.
    Encode {
        /// The entry's label.
        entry: &'static str,
        /// What the encoder said.
        reason: String,
    },
    /// A stored value did not decode: damaged, or written in another format.
    Decode {
        /// The entry's label.
        entry: &'static str,
        /// What the decoder said.
        reason: String,
    },
    /// A queued proposal's reference is stored without the proposal.
    MissingProposal,
}

impl core::fmt::Display for StorageError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Poisoned => f.write_str("group storage: its lock is poisoned"),
            Self::Encode { entry, reason } => {
                write!(f, "group storage: {entry} does not encode: {reason}")
            }
            Self::Decode { entry, reason } => {
                write!(f, "group storage: {entry} does not decode: {reason}")
            }
            Self::MissingProposal => f.write_str("group storage: a queued proposal is missing"),
        }
    }
}

impl std::error::Error for StorageError {}

type Result<T> = core::result::Result<T, StorageError>;

/// How a value is written: postcard, or JSON for the one type postcard cannot read back.
#[derive(Clone, Copy)]
enum Codec {
    Postcard,
    Json,
}

impl Codec {
    fn encode<T: Serialize + ?Sized>(self, entry: &'static str, value: &T) -> Result<Vec<u8>> {
        let encoded = match self {
            Self::Postcard => postcard::to_allocvec(value).map_err(|e| e.to_string()),
            Self::Json => serde_json::to_vec(value).map_err(|e| e.to_string()),
        };
        encoded.map_err(|reason| StorageError::Encode { entry, reason })
    }

    fn decode<T: DeserializeOwned>(self, entry: &'static str, bytes: &[u8]) -> Result<T> {
        let decoded = match self {
            Self::Postcard => match postcard::take_from_bytes(bytes) {
                Ok((value, [])) => Ok(value),
                Ok(_) => Err("trailing bytes".to_string()),
                Err(e) => Err(e.to_string()),
            },
            Self::Json => serde_json::from_slice(bytes).map_err(|e| e.to_string()),
        };
        decoded.map_err(|reason| StorageError::Decode { entry, reason })
    }
}

/// The storage key of `key` under `label`: `label-length u8 | label | postcard(key) | version u16`.
fn address<K: Serialize + ?Sized>(label: &'static str, key: &K) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(label.len() + 48);
    out.push(label.len() as u8);
    out.extend_from_slice(label.as_bytes());
    let mut out = postcard::to_extend(key, out).map_err(|e| StorageError::Encode {
        entry: label,
        reason: e.to_string(),
    })?;
    out.extend_from_slice(&CURRENT_VERSION.to_be_bytes());
    Ok(out)
}

/// The items of a list value, with the byte range each occupies.
fn list_items<T: DeserializeOwned>(
    label: &'static str,
    bytes: &[u8],
) -> Result<Vec<(T, core::ops::Range<usize>)>> {
    let mut items = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let start = bytes.len() - rest.len();
        let (item, after) = postcard::take_from_bytes(rest).map_err(|e| StorageError::Decode {
            entry: label,
            reason: e.to_string(),
        })?;
        rest = after;
        items.push((item, start..bytes.len() - rest.len()));
    }
    Ok(items)
}

/// A member's openmls storage: every entry in memory, values in postcard (see the module
/// documentation). Its `Debug` shows the number of entries, not their contents (secrets).
#[derive(Default)]
pub struct PqwireStorage {
    /// The entries; the member's record and change sets read and write them as a whole.
    pub values: RwLock<HashMap<Vec<u8>, Vec<u8>>>,
    /// While an operation runs ([`PqwireStorage::begin_journal`]): each entry it wrote or
    /// deleted, with its value before (`None`: there was none). Undoing an operation, or
    /// saving only what it changed, needs no copy of the whole state.
    journal: Mutex<Option<Journal>>,
}

/// Entries changed since [`PqwireStorage::begin_journal`], each with its value before.
pub type Journal = HashMap<Vec<u8>, Option<Vec<u8>>>;

impl core::fmt::Debug for PqwireStorage {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let entries = self.values.read().map(|v| v.len()).ok();
        f.debug_struct("PqwireStorage")
            .field("entries", &entries)
            .finish()
    }
}

impl PqwireStorage {
    /// A storage holding `values` (a restored state).
    pub fn with_values(values: HashMap<Vec<u8>, Vec<u8>>) -> Self {
        Self {
            values: RwLock::new(values),
            journal: Mutex::new(None),
        }
    }

    /// Starts noting every entry changed, with its value before (a previous journal is
    /// dropped).
    pub fn begin_journal(&self) -> Result<()> {
        *self.journal.lock().map_err(|_| StorageError::Poisoned)? = Some(Journal::new());
        Ok(())
    }

    /// Stops noting changes and returns what changed since [`PqwireStorage::begin_journal`].
    pub fn take_journal(&self) -> Result<Journal> {
        Ok(self
            .journal
            .lock()
            .map_err(|_| StorageError::Poisoned)?
            .take()
            .unwrap_or_default())
    }

    /// Before `address` changes: its value now, into the journal if one is kept and it has
    /// none for that entry yet (the first change keeps the value from before the operation).
    fn note(&self, map: &HashMap<Vec<u8>, Vec<u8>>, address: &[u8]) -> Result<()> {
        if let Some(journal) = self
            .journal
            .lock()
            .map_err(|_| StorageError::Poisoned)?
            .as_mut()
        {
            if !journal.contains_key(address) {
                journal.insert(address.to_vec(), map.get(address).cloned());
            }
        }
        Ok(())
    }

    fn map(&self) -> Result<RwLockReadGuard<'_, HashMap<Vec<u8>, Vec<u8>>>> {
        self.values.read().map_err(|_| StorageError::Poisoned)
    }

    fn map_mut(&self) -> Result<RwLockWriteGuard<'_, HashMap<Vec<u8>, Vec<u8>>>> {
        self.values.write().map_err(|_| StorageError::Poisoned)
    }

    /// Writes `value` as the entry `key` under `label`, replacing any.
    fn write<K: Serialize + ?Sized, T: Serialize + ?Sized>(
        &self,
        codec: Codec,
        label: &'static str,
        key: &K,
        value: &T,
    ) -> Result<()> {
        let address = address(label, key)?;
        let value = codec.encode(label, value)?;
        let mut map = self.map_mut()?;
        self.note(&map, &address)?;
        map.insert(address, value);
        Ok(())
    }

    /// The entry `key` under `label`, if there is one.
    fn read<K: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        codec: Codec,
        label: &'static str,
        key: &K,
    ) -> Result<Option<T>> {
        let address = address(label, key)?;
        self.map()?
            .get(&address)
            .map(|bytes| codec.decode(label, bytes))
            .transpose()
    }

    /// Deletes the entry `key` under `label` (nothing if there is none).
    fn delete<K: Serialize + ?Sized>(&self, label: &'static str, key: &K) -> Result<()> {
        let address = address(label, key)?;
        let mut map = self.map_mut()?;
        self.note(&map, &address)?;
        map.remove(&address);
        Ok(())
    }

    /// Adds `item` at the end of the list `key` under `label`.
    fn append<K: Serialize + ?Sized, T: Serialize + ?Sized>(
        &self,
        label: &'static str,
        key: &K,
        item: &T,
    ) -> Result<()> {
        let address = address(label, key)?;
        let item = Codec::Postcard.encode(label, item)?;
        let mut map = self.map_mut()?;
        self.note(&map, &address)?;
        map.entry(address).or_default().extend_from_slice(&item);
        Ok(())
    }

    /// The items of the list `key` under `label` (none if there is no such list).
    fn read_list<K: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        label: &'static str,
        key: &K,
    ) -> Result<Vec<T>> {
        let address = address(label, key)?;
        match self.map()?.get(&address) {
            Some(bytes) => Ok(list_items(label, bytes)?
                .into_iter()
                .map(|(item, _)| item)
                .collect()),
            None => Ok(Vec::new()),
        }
    }

    /// Removes the first item of the list `key` under `label` that encodes as `item` does;
    /// the list goes when it is empty.
    fn remove_from_list<K: Serialize + ?Sized, T: Serialize + DeserializeOwned>(
        &self,
        label: &'static str,
        key: &K,
        item: &T,
    ) -> Result<()> {
        let address = address(label, key)?;
        let target = Codec::Postcard.encode(label, item)?;
        let mut map = self.map_mut()?;
        if !map.contains_key(&address) {
            return Ok(());
        }
        self.note(&map, &address)?;
        let Some(list) = map.get_mut(&address) else {
            return Ok(());
        };
        let found = list_items::<T>(label, list)?
            .into_iter()
            .map(|(_, range)| range)
            .find(|range| list[range.clone()] == target[..]);
        if let Some(range) = found {
            list.drain(range);
        }
        if list.is_empty() {
            map.remove(&address);
        }
        Ok(())
    }
}

impl StorageProvider<CURRENT_VERSION> for PqwireStorage {
    type Error = StorageError;

    // Group state: writers.

    fn write_mls_join_config<
        GroupId: traits::GroupId<CURRENT_VERSION>,
        MlsGroupJoinConfig: traits::MlsGroupJoinConfig<CURRENT_VERSION>,
    >(
        &self,
        group_id: &GroupId,
        config: &MlsGroupJoinConfig,
    ) -> Result<()> {
        self.write(Codec::Json, JOIN_CONFIG, group_id, config)
    }

    fn append_own_leaf_node<
        GroupId: traits::GroupId<CURRENT_VERSION>,
        LeafNode: traits::LeafNode<CURRENT_VERSION>,
    >(
        &self,
        group_id: &GroupId,
        leaf_node: &LeafNode,
    ) -> Result<()> {
        self.append(OWN_LEAF_NODES, group_id, leaf_node)
    }

    fn queue_proposal<
        GroupId: traits::GroupId<CURRENT_VERSION>,
        ProposalRef: traits::ProposalRef<CURRENT_VERSION>,
        QueuedProposal: traits::QueuedProposal<CURRENT_VERSION>,
    >(
        &self,
        group_id: &GroupId,
        proposal_ref: &ProposalRef,
        proposal: &QueuedProposal,
    ) -> Result<()> {
        let key = (group_id, proposal_ref);
        self.write(Codec::Postcard, QUEUED_PROPOSAL, &key, proposal)?;
        self.append(PROPOSAL_QUEUE_REFS, group_id, proposal_ref)
    }

    fn write_tree<
        GroupId: traits::GroupId<CURRENT_VERSION>,
        TreeSync: traits::TreeSync<CURRENT_VERSION>,
    >(
        &self,
        group_id: &GroupId,
        tree: &TreeSync,
    ) -> Result<()> {
        self.write(Codec::Postcard, TREE, group_id, tree)
    }

    fn write_interim_transcript_hash<
        GroupId: traits::GroupId<CURRENT_VERSION>,
        InterimTranscriptHash: traits::InterimTranscriptHash<CURRENT_VERSION>,
    >(
        &self,
        group_id: &GroupId,
        interim_transcript_hash: &InterimTranscriptHash,
    ) -> Result<()> {
        let hash = interim_transcript_hash;
        self.write(Codec::Postcard, INTERIM_TRANSCRIPT_HASH, group_id, hash)
    }

    fn write_context<
        GroupId: traits::GroupId<CURRENT_VERSION>,
        GroupContext: traits::GroupContext<CURRENT_VERSION>,
    >(
        &self,
        group_id: &GroupId,
        group_context: &GroupContext,
    ) -> Result<()> {
        self.write(Codec::Postcard, GROUP_CONTEXT, group_id, group_context)
    }

    fn write_confirmation_tag<
        GroupId: traits::GroupId<CURRENT_VERSION>,
        ConfirmationTag: traits::ConfirmationTag<CURRENT_VERSION>,
    >(
        &self,
        group_id: &GroupId,
        confirmation_tag: &ConfirmationTag,
    ) -> Result<()> {
        self.write(
            Codec::Postcard,
            CONFIRMATION_TAG,
            group_id,
            confirmation_tag,
        )
    }

    fn write_group_state<
        GroupState: traits::GroupState<CURRENT_VERSION>,
        GroupId: traits::GroupId<CURRENT_VERSION>,
    >(
        &self,
        group_id: &GroupId,
        group_state: &GroupState,
    ) -> Result<()> {
        self.write(Codec::Postcard, GROUP_STATE, group_id, group_state)
    }

    fn write_message_secrets<
        GroupId: traits::GroupId<CURRENT_VERSION>,
        MessageSecrets: traits::MessageSecrets<CURRENT_VERSION>,
    >(
        &self,
        group_id: &GroupId,
        message_secrets: &MessageSecrets,
    ) -> Result<()> {
        self.write(Codec::Postcard, MESSAGE_SECRETS, group_id, message_secrets)
    }

    fn write_resumption_psk_store<
        GroupId: traits::GroupId<CURRENT_VERSION>,
        ResumptionPskStore: traits::ResumptionPskStore<CURRENT_VERSION>,
    >(
        &self,
        group_id: &GroupId,
        resumption_psk_store: &ResumptionPskStore,
    ) -> Result<()> {
        let store = resumption_psk_store;
        self.write(Codec::Postcard, RESUMPTION_PSK_STORE, group_id, store)
    }

    fn write_own_leaf_index<
        GroupId: traits::GroupId<CURRENT_VERSION>,
        LeafNodeIndex: traits::LeafNodeIndex<CURRENT_VERSION>,
    >(
        &self,
        group_id: &GroupId,
        own_leaf_index: &LeafNodeIndex,
    ) -> Result<()> {
        self.write(Codec::Postcard, OWN_LEAF_INDEX, group_id, own_leaf_index)
    }

    fn write_group_epoch_secrets<
        GroupId: traits::GroupId<CURRENT_VERSION>,
        GroupEpochSecrets: traits::GroupEpochSecrets<CURRENT_VERSION>,
    >(
        &self,
        group_id: &GroupId,
        group_epoch_secrets: &GroupEpochSecrets,
    ) -> Result<()> {
        self.write(
            Codec::Postcard,
            EPOCH_SECRETS,
            group_id,
            group_epoch_secrets,
        )
    }

    // Crypto objects: writers.

    fn write_signature_key_pair<
        SignaturePublicKey: traits::SignaturePublicKey<CURRENT_VERSION>,
        SignatureKeyPair: traits::SignatureKeyPair<CURRENT_VERSION>,
    >(
        &self,
        public_key: &SignaturePublicKey,
        signature_key_pair: &SignatureKeyPair,
    ) -> Result<()> {
        let pair = signature_key_pair;
        self.write(Codec::Postcard, SIGNATURE_KEY_PAIR, public_key, pair)
    }

    fn write_encryption_key_pair<
        EncryptionKey: traits::EncryptionKey<CURRENT_VERSION>,
        HpkeKeyPair: traits::HpkeKeyPair<CURRENT_VERSION>,
    >(
        &self,
        public_key: &EncryptionKey,
        key_pair: &HpkeKeyPair,
    ) -> Result<()> {
        self.write(Codec::Postcard, ENCRYPTION_KEY_PAIR, public_key, key_pair)
    }

    fn write_encryption_epoch_key_pairs<
        GroupId: traits::GroupId<CURRENT_VERSION>,
        EpochKey: traits::EpochKey<CURRENT_VERSION>,
        HpkeKeyPair: traits::HpkeKeyPair<CURRENT_VERSION>,
    >(
        &self,
        group_id: &GroupId,
        epoch: &EpochKey,
        leaf_index: u32,
        key_pairs: &[HpkeKeyPair],
    ) -> Result<()> {
        let key = (group_id, epoch, leaf_index);
        self.write(Codec::Postcard, EPOCH_KEY_PAIRS, &key, key_pairs)
    }

    fn write_key_package<
        HashReference: traits::HashReference<CURRENT_VERSION>,
        KeyPackage: traits::KeyPackage<CURRENT_VERSION>,
    >(
        &self,
        hash_ref: &HashReference,
        key_package: &KeyPackage,
    ) -> Result<()> {
        self.write(Codec::Postcard, KEY_PACKAGE, hash_ref, key_package)
    }

    fn write_psk<
        PskId: traits::PskId<CURRENT_VERSION>,
        PskBundle: traits::PskBundle<CURRENT_VERSION>,
    >(
        &self,
        psk_id: &PskId,
        psk: &PskBundle,
    ) -> Result<()> {
        self.write(Codec::Postcard, PSK, psk_id, psk)
    }

    // Group state: readers.

    fn mls_group_join_config<
        GroupId: traits::GroupId<CURRENT_VERSION>,
        MlsGroupJoinConfig: traits::MlsGroupJoinConfig<CURRENT_VERSION>,
    >(
        &self,
        group_id: &GroupId,
    ) -> Result<Option<MlsGroupJoinConfig>> {
        self.read(Codec::Json, JOIN_CONFIG, group_id)
    }

    fn own_leaf_nodes<
        GroupId: traits::GroupId<CURRENT_VERSION>,
        LeafNode: traits::LeafNode<CURRENT_VERSION>,
    >(
        &self,
        group_id: &GroupId,
    ) -> Result<Vec<LeafNode>> {
        self.read_list(OWN_LEAF_NODES, group_id)
    }

    fn queued_proposal_refs<
        GroupId: traits::GroupId<CURRENT_VERSION>,
        ProposalRef: traits::ProposalRef<CURRENT_VERSION>,
    >(
        &self,
        group_id: &GroupId,
    ) -> Result<Vec<ProposalRef>> {
        self.read_list(PROPOSAL_QUEUE_REFS, group_id)
    }

    fn queued_proposals<
        GroupId: traits::GroupId<CURRENT_VERSION>,
        ProposalRef: traits::ProposalRef<CURRENT_VERSION>,
        QueuedProposal: traits::QueuedProposal<CURRENT_VERSION>,
    >(
        &self,
        group_id: &GroupId,
    ) -> Result<Vec<(ProposalRef, QueuedProposal)>> {
        let refs: Vec<ProposalRef> = self.read_list(PROPOSAL_QUEUE_REFS, group_id)?;
        refs.into_iter()
            .map(|proposal_ref| {
                let key = (group_id, &proposal_ref);
                self.read(Codec::Postcard, QUEUED_PROPOSAL, &key)?
                    .map(|proposal| (proposal_ref, proposal))
                    .ok_or(StorageError::MissingProposal)
            })
            .collect()
    }

    fn tree<
        GroupId: traits::GroupId<CURRENT_VERSION>,
        TreeSync: traits::TreeSync<CURRENT_VERSION>,
    >(
        &self,
        group_id: &GroupId,
    ) -> Result<Option<TreeSync>> {
        self.read(Codec::Postcard, TREE, group_id)
    }

    fn group_context<
        GroupId: traits::GroupId<CURRENT_VERSION>,
        GroupContext: traits::GroupContext<CURRENT_VERSION>,
    >(
        &self,
        group_id: &GroupId,
    ) -> Result<Option<GroupContext>> {
        self.read(Codec::Postcard, GROUP_CONTEXT, group_id)
    }

    fn interim_transcript_hash<
        GroupId: traits::GroupId<CURRENT_VERSION>,
        InterimTranscriptHash: traits::InterimTranscriptHash<CURRENT_VERSION>,
    >(
        &self,
        group_id: &GroupId,
    ) -> Result<Option<InterimTranscriptHash>> {
        self.read(Codec::Postcard, INTERIM_TRANSCRIPT_HASH, group_id)
    }

    fn confirmation_tag<
        GroupId: traits::GroupId<CURRENT_VERSION>,
        ConfirmationTag: traits::ConfirmationTag<CURRENT_VERSION>,
    >(
        &self,
        group_id: &GroupId,
    ) -> Result<Option<ConfirmationTag>> {
        self.read(Codec::Postcard, CONFIRMATION_TAG, group_id)
    }

    fn group_state<
        GroupState: traits::GroupState<CURRENT_VERSION>,
        GroupId: traits::GroupId<CURRENT_VERSION>,
    >(
        &self,
        group_id: &GroupId,
    ) -> Result<Option<GroupState>> {
        self.read(Codec::Postcard, GROUP_STATE, group_id)
    }

    fn message_secrets<
        GroupId: traits::GroupId<CURRENT_VERSION>,
        MessageSecrets: traits::MessageSecrets<CURRENT_VERSION>,
    >(
        &self,
        group_id: &GroupId,
    ) -> Result<Option<MessageSecrets>> {
        self.read(Codec::Postcard, MESSAGE_SECRETS, group_id)
    }

    fn resumption_psk_store<
        GroupId: traits::GroupId<CURRENT_VERSION>,
        ResumptionPskStore: traits::ResumptionPskStore<CURRENT_VERSION>,
    >(
        &self,
        group_id: &GroupId,
    ) -> Result<Option<ResumptionPskStore>> {
        self.read(Codec::Postcard, RESUMPTION_PSK_STORE, group_id)
    }

    fn own_leaf_index<
        GroupId: traits::GroupId<CURRENT_VERSION>,
        LeafNodeIndex: traits::LeafNodeIndex<CURRENT_VERSION>,
    >(
        &self,
        group_id: &GroupId,
    ) -> Result<Option<LeafNodeIndex>> {
        self.read(Codec::Postcard, OWN_LEAF_INDEX, group_id)
    }

    fn group_epoch_secrets<
        GroupId: traits::GroupId<CURRENT_VERSION>,
        GroupEpochSecrets: traits::GroupEpochSecrets<CURRENT_VERSION>,
    >(
        &self,
        group_id: &GroupId,
    ) -> Result<Option<GroupEpochSecrets>> {
        self.read(Codec::Postcard, EPOCH_SECRETS, group_id)
    }

    // Crypto objects: readers.

    fn signature_key_pair<
        SignaturePublicKey: traits::SignaturePublicKey<CURRENT_VERSION>,
        SignatureKeyPair: traits::SignatureKeyPair<CURRENT_VERSION>,
    >(
        &self,
        public_key: &SignaturePublicKey,
    ) -> Result<Option<SignatureKeyPair>> {
        self.read(Codec::Postcard, SIGNATURE_KEY_PAIR, public_key)
    }

    fn encryption_key_pair<
        HpkeKeyPair: traits::HpkeKeyPair<CURRENT_VERSION>,
        EncryptionKey: traits::EncryptionKey<CURRENT_VERSION>,
    >(
        &self,
        public_key: &EncryptionKey,
    ) -> Result<Option<HpkeKeyPair>> {
        self.read(Codec::Postcard, ENCRYPTION_KEY_PAIR, public_key)
    }

    fn encryption_epoch_key_pairs<
        GroupId: traits::GroupId<CURRENT_VERSION>,
        EpochKey: traits::EpochKey<CURRENT_VERSION>,
        HpkeKeyPair: traits::HpkeKeyPair<CURRENT_VERSION>,
    >(
        &self,
        group_id: &GroupId,
        epoch: &EpochKey,
        leaf_index: u32,
    ) -> Result<Vec<HpkeKeyPair>> {
        let key = (group_id, epoch, leaf_index);
        let pairs = self.read(Codec::Postcard, EPOCH_KEY_PAIRS, &key)?;
        Ok(pairs.unwrap_or_default())
    }

    fn key_package<
        KeyPackageRef: traits::HashReference<CURRENT_VERSION>,
        KeyPackage: traits::KeyPackage<CURRENT_VERSION>,
    >(
        &self,
        hash_ref: &KeyPackageRef,
    ) -> Result<Option<KeyPackage>> {
        self.read(Codec::Postcard, KEY_PACKAGE, hash_ref)
    }

    fn psk<PskBundle: traits::PskBundle<CURRENT_VERSION>, PskId: traits::PskId<CURRENT_VERSION>>(
        &self,
        psk_id: &PskId,
    ) -> Result<Option<PskBundle>> {
        self.read(Codec::Postcard, PSK, psk_id)
    }

    // Group state: deleters.

    fn remove_proposal<
        GroupId: traits::GroupId<CURRENT_VERSION>,
        ProposalRef: traits::ProposalRef<CURRENT_VERSION>,
    >(
        &self,
        group_id: &GroupId,
        proposal_ref: &ProposalRef,
    ) -> Result<()> {
        self.remove_from_list(PROPOSAL_QUEUE_REFS, group_id, proposal_ref)?;
        self.delete(QUEUED_PROPOSAL, &(group_id, proposal_ref))
    }

    fn delete_own_leaf_nodes<GroupId: traits::GroupId<CURRENT_VERSION>>(
        &self,
        group_id: &GroupId,
    ) -> Result<()> {
        self.delete(OWN_LEAF_NODES, group_id)
    }

    fn delete_group_config<GroupId: traits::GroupId<CURRENT_VERSION>>(
        &self,
        group_id: &GroupId,
    ) -> Result<()> {
        self.delete(JOIN_CONFIG, group_id)
    }

    fn delete_tree<GroupId: traits::GroupId<CURRENT_VERSION>>(
        &self,
        group_id: &GroupId,
    ) -> Result<()> {
        self.delete(TREE, group_id)
    }

    fn delete_confirmation_tag<GroupId: traits::GroupId<CURRENT_VERSION>>(
        &self,
        group_id: &GroupId,
    ) -> Result<()> {
        self.delete(CONFIRMATION_TAG, group_id)
    }

    fn delete_group_state<GroupId: traits::GroupId<CURRENT_VERSION>>(
        &self,
        group_id: &GroupId,
    ) -> Result<()> {
        self.delete(GROUP_STATE, group_id)
    }

    fn delete_context<GroupId: traits::GroupId<CURRENT_VERSION>>(
        &self,
        group_id: &GroupId,
    ) -> Result<()> {
        self.delete(GROUP_CONTEXT, group_id)
    }

    fn delete_interim_transcript_hash<GroupId: traits::GroupId<CURRENT_VERSION>>(
        &self,
        group_id: &GroupId,
    ) -> Result<()> {
        self.delete(INTERIM_TRANSCRIPT_HASH, group_id)
    }

    fn delete_message_secrets<GroupId: traits::GroupId<CURRENT_VERSION>>(
        &self,
        group_id: &GroupId,
    ) -> Result<()> {
        self.delete(MESSAGE_SECRETS, group_id)
    }

    fn delete_all_resumption_psk_secrets<GroupId: traits::GroupId<CURRENT_VERSION>>(
        &self,
        group_id: &GroupId,
    ) -> Result<()> {
        self.delete(RESUMPTION_PSK_STORE, group_id)
    }

    fn delete_own_leaf_index<GroupId: traits::GroupId<CURRENT_VERSION>>(
        &self,
        group_id: &GroupId,
    ) -> Result<()> {
        self.delete(OWN_LEAF_INDEX, group_id)
    }

    fn delete_group_epoch_secrets<GroupId: traits::GroupId<CURRENT_VERSION>>(
        &self,
        group_id: &GroupId,
    ) -> Result<()> {
        self.delete(EPOCH_SECRETS, group_id)
    }

    fn clear_proposal_queue<
        GroupId: traits::GroupId<CURRENT_VERSION>,
        ProposalRef: traits::ProposalRef<CURRENT_VERSION>,
    >(
        &self,
        group_id: &GroupId,
    ) -> Result<()> {
        let refs: Vec<ProposalRef> = self.read_list(PROPOSAL_QUEUE_REFS, group_id)?;
        for proposal_ref in &refs {
            self.delete(QUEUED_PROPOSAL, &(group_id, proposal_ref))?;
        }
        self.delete(PROPOSAL_QUEUE_REFS, group_id)
    }

    // Crypto objects: deleters.

    fn delete_signature_key_pair<
        SignaturePublicKey: traits::SignaturePublicKey<CURRENT_VERSION>,
    >(
        &self,
        public_key: &SignaturePublicKey,
    ) -> Result<()> {
        self.delete(SIGNATURE_KEY_PAIR, public_key)
    }

    fn delete_encryption_key_pair<EncryptionKey: traits::EncryptionKey<CURRENT_VERSION>>(
        &self,
        public_key: &EncryptionKey,
    ) -> Result<()> {
        self.delete(ENCRYPTION_KEY_PAIR, public_key)
    }

    fn delete_encryption_epoch_key_pairs<
        GroupId: traits::GroupId<CURRENT_VERSION>,
        EpochKey: traits::EpochKey<CURRENT_VERSION>,
    >(
        &self,
        group_id: &GroupId,
        epoch: &EpochKey,
        leaf_index: u32,
    ) -> Result<()> {
        self.delete(EPOCH_KEY_PAIRS, &(group_id, epoch, leaf_index))
    }

    fn delete_key_package<KeyPackageRef: traits::HashReference<CURRENT_VERSION>>(
        &self,
        hash_ref: &KeyPackageRef,
    ) -> Result<()> {
        self.delete(KEY_PACKAGE, hash_ref)
    }

    fn delete_psk<PskKey: traits::PskId<CURRENT_VERSION>>(&self, psk_id: &PskKey) -> Result<()> {
        self.delete(PSK, psk_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_journal_keeps_each_changed_entry_as_it_was_before_the_first_change() {
        let storage = PqwireStorage::default();
        let (a, b) = (vec![1u8; 16], vec![2u8; 16]);
        let seven = 7u32;
        assert_eq!(storage.write(Codec::Postcard, TREE, &a, &seven), Ok(()));
        let before = storage.map().map(|m| m.clone());
        assert_eq!(storage.begin_journal(), Ok(()));
        let eight = 8u32;
        assert_eq!(storage.write(Codec::Postcard, TREE, &a, &eight), Ok(()));
        assert_eq!(storage.write(Codec::Postcard, TREE, &a, &seven), Ok(()));
        assert_eq!(storage.append(OWN_LEAF_NODES, &b, &eight), Ok(()));
        assert_eq!(storage.delete(TREE, &b), Ok(()));
        let journal = storage.take_journal().unwrap_or_default();
        let old = before.unwrap_or_default();
        assert_eq!(
            journal.len(),
            3,
            "two entries written, one deleted that was not there"
        );
        for (key, was) in &journal {
            assert_eq!(was.as_ref(), old.get(key));
        }
        // Not recording any more.
        assert_eq!(storage.write(Codec::Postcard, TREE, &b, &seven), Ok(()));
        assert_eq!(storage.take_journal().map(|j| j.len()), Ok(0));
    }

    #[test]
    fn lists_append_read_and_remove_in_order() {
        let storage = PqwireStorage::default();
        let group = vec![7u8; 16];
        for item in [b"one".to_vec(), b"two".to_vec(), b"one".to_vec()] {
            assert_eq!(storage.append(OWN_LEAF_NODES, &group, &item), Ok(()));
        }
        let list: Result<Vec<Vec<u8>>> = storage.read_list(OWN_LEAF_NODES, &group);
        assert_eq!(
            list,
            Ok(vec![b"one".to_vec(), b"two".to_vec(), b"one".to_vec()])
        );
        let one = b"one".to_vec();
        assert_eq!(
            storage.remove_from_list(OWN_LEAF_NODES, &group, &one),
            Ok(())
        );
        let list: Result<Vec<Vec<u8>>> = storage.read_list(OWN_LEAF_NODES, &group);
        assert_eq!(list, Ok(vec![b"two".to_vec(), b"one".to_vec()]));
        for item in [b"two".to_vec(), one] {
            assert_eq!(
                storage.remove_from_list(OWN_LEAF_NODES, &group, &item),
                Ok(())
            );
        }
        assert_eq!(storage.map().map(|v| v.len()), Ok(0), "an empty list goes");
    }

    #[test]
    fn values_decode_exactly_and_labels_never_collide() {
        let storage = PqwireStorage::default();
        assert_eq!(storage.write(Codec::Postcard, TREE, &1u8, &5u32), Ok(()));
        let read: Result<Option<u32>> = storage.read(Codec::Postcard, TREE, &1u8);
        assert_eq!(read, Ok(Some(5)));
        let missing: Result<Option<u32>> = storage.read(Codec::Postcard, TREE, &2u8);
        assert_eq!(missing, Ok(None));
        // A value with bytes left over is damaged.
        assert_eq!(
            storage.write(Codec::Postcard, TREE, &1u8, &(5u8, 6u8)),
            Ok(())
        );
        let trailing: Result<Option<u8>> = storage.read(Codec::Postcard, TREE, &1u8);
        assert!(matches!(
            trailing,
            Err(StorageError::Decode { entry: TREE, .. })
        ));
        // The label's length comes first: no label's keys start like another label's.
        assert_eq!(address(PSK, &()), Ok(b"\x03Psk\x00\x01".to_vec()));
    }

    #[test]
    fn a_poisoned_lock_is_an_error_not_a_panic() {
        let storage = std::sync::Arc::new(PqwireStorage::default());
        let inner = std::sync::Arc::clone(&storage);
        let _ = std::thread::spawn(move || {
            let _guard = inner.values.write();
            panic!("poisoning the lock on purpose");
        })
        .join();
        let read: Result<Option<u8>> = storage.read(Codec::Postcard, TREE, &1u8);
        assert_eq!(read, Err(StorageError::Poisoned));
        assert_eq!(storage.delete(TREE, &1u8), Err(StorageError::Poisoned));
    }
}
