//! [`Member`]: one client's MLS state (its signature key, key packages and groups) with
//! the operations an application needs, every one of them all-or-nothing: a failure leaves
//! the state exactly as it was (docs/groups.md, "Operations").
//!
//! Commits follow the delivery-service model: making a commit (add, remove, update) leaves
//! it pending; [`Member::confirm_commit`] applies it once the delivery service accepted it,
//! [`Member::discard_commit`] drops it when another member's commit for the same epoch won.
//! Commits from others are applied as they are processed.

use crate::changes::Unsaved;
use crate::credential::{self, Bound};
use crate::error::{because, from_process, GroupCode, GroupError, Result};
use crate::{suites, MlsSigner, PqwireProvider};
use openmls::prelude::tls_codec::{Deserialize as _, Serialize as _};
use openmls::prelude::*;
use openmls_traits::OpenMlsProvider;
use pqwire_core::pqxdh::Identity;
use pqwire_core::random::OsRandom;
use std::collections::{BTreeMap, HashMap};
use zeroize::Zeroizing;

/// Out-of-order application messages a member accepts within an epoch, per sender.
pub const OUT_OF_ORDER_TOLERANCE: u32 = 32;
/// Messages a sender may skip ahead within an epoch.
pub const MAXIMUM_FORWARD_DISTANCE: u32 = 1000;
/// Past epochs whose application messages a member reads by default: none. A member that
/// keeps past epochs rewrites their member lists (each leaf's HPKE key: 1,216 bytes with
/// X-Wing) on every message it sends or reads, so a message's cost grows with the group;
/// a delivery service that orders a group's messages and refuses stale ones (pqwire's
/// does) makes late messages rare instead (docs/groups.md, "Limits").
pub const DEFAULT_PAST_EPOCHS: u8 = 0;
/// The most past epochs a member may keep ([`Member::with_past_epochs`]).
pub const MAX_PAST_EPOCHS: u8 = 8;

/// What a commit made by this member carries to the others.
#[derive(Debug)]
pub struct Commit {
    /// The commit, for the group (through the delivery service).
    pub commit: Vec<u8>,
    /// The welcome for the members it adds, if any.
    pub welcome: Option<Vec<u8>>,
    /// With a welcome: the group's ratchet tree after the commit, which the new members join
    /// with ([`Member::join`]). It travels beside the welcome, not in it (docs/groups.md,
    /// "Operations"): the committer then signs and encrypts a GroupInfo without the tree.
    pub ratchet_tree: Option<Vec<u8>>,
}

/// A member of a group as the others see it: its credential, checked when it was met.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupMember {
    /// Its position in the group's tree.
    pub index: u32,
    /// The application's name for it, from its credential.
    pub name: Vec<u8>,
    /// Its pqwire identity signing key (the key package encoding), which signed its MLS key.
    pub identity_key: Vec<u8>,
    /// Its MLS signature public key.
    pub signature_key: Vec<u8>,
}

/// What processing a message gave.
#[derive(Debug, PartialEq, Eq)]
pub enum Received {
    /// An application message.
    Application {
        /// The sender's name (its credential's; [`Member::members`] has its identity key).
        sender: Vec<u8>,
        /// The plaintext.
        plaintext: Vec<u8>,
        /// The authenticated data the sender attached (not encrypted).
        aad: Vec<u8>,
    },
    /// Another member's commit, now applied.
    Commit {
        /// The committer's name.
        sender: Vec<u8>,
        /// The group's epoch after it.
        epoch: u64,
        /// Names added.
        added: Vec<Vec<u8>>,
        /// Names removed.
        removed: Vec<Vec<u8>>,
        /// Whether this member is among the removed (its group is then inactive).
        removed_self: bool,
    },
}

/// One client's MLS state.
///
/// ```
/// use pqwire_core::{pqxdh::{Identity, Validity}, SigSuite};
/// use pqwire_mls::{Member, suites::Ciphersuite};
/// let suite = Ciphersuite::MLS_256_XWING_CHACHA20POLY1305_SHA256_Ed25519;
/// // Each member's credential is signed by a pqwire identity (credential.rs).
/// let identity = || Identity::generate_random(SigSuite::Ed25519MlDsa65, Validity::new(0, 1 << 40).unwrap()).unwrap();
/// let mut alice = Member::new(suite, &identity(), b"alice")?;
/// let mut bob = Member::new(suite, &identity(), b"bob")?;
/// let group = alice.create_group()?;
/// let added = alice.add_members(&group, &[bob.key_package(false)?])?;
/// alice.confirm_commit(&group)?;
/// assert_eq!(bob.join(added.welcome.as_deref().unwrap(), added.ratchet_tree.as_deref())?, group);
/// let sealed = alice.encrypt(&group, b"hello", b"")?;
/// assert!(matches!(bob.process(&group, &sealed)?, pqwire_mls::Received::Application { plaintext, .. } if plaintext == b"hello"));
/// # Ok::<(), pqwire_mls::GroupError>(())
/// ```
pub struct Member {
    suite: Ciphersuite,
    /// The basic credential's content: the binding to a pqwire identity (credential.rs).
    credential: Vec<u8>,
    provider: PqwireProvider,
    signer: MlsSigner,
    /// Groups read from the storage, kept parsed between operations.
    groups: HashMap<Vec<u8>, MlsGroup>,
    /// Past epochs kept for late application messages, in every group of this member.
    past_epochs: u8,
    /// What changed since the last save.
    pub(crate) unsaved: Unsaved,
}

impl Member {
    /// A new member for `suite` whose credential binds its new MLS signature key and `name`
    /// (the application's name for it, at most 1,024 bytes) to the pqwire `identity`, which
    /// signs them once, here. Keeps no past epochs ([`DEFAULT_PAST_EPOCHS`]).
    pub fn new(suite: Ciphersuite, identity: &Identity, name: &[u8]) -> Result<Self> {
        Self::with_past_epochs(suite, identity, name, DEFAULT_PAST_EPOCHS)
    }

    /// A new member that reads application messages up to `past_epochs` epochs late (at most
    /// [`MAX_PAST_EPOCHS`]; `GROUP_INVALID` beyond), in every group it makes or joins.
    pub fn with_past_epochs(
        suite: Ciphersuite,
        identity: &Identity,
        name: &[u8],
        past_epochs: u8,
    ) -> Result<Self> {
        if past_epochs > MAX_PAST_EPOCHS {
            return Err(GroupError::new(
                GroupCode::Invalid,
                format!("past epochs: {past_epochs} is more than {MAX_PAST_EPOCHS}"),
            ));
        }
        if !suites::is_supported(suite) {
            return Err(GroupError::new(
                GroupCode::Unsupported,
                format!("suite {suite:?} is not offered"),
            ));
        }
        let signer = MlsSigner::generate(suite.signature_algorithm())
            .map_err(because(GroupCode::RandomnessUnavailable))?;
        let credential =
            credential::bind(identity, name, suite, signer.public_key(), &mut OsRandom)?;
        Ok(Self {
            suite,
            credential,
            provider: PqwireProvider::default(),
            signer,
            groups: HashMap::new(),
            past_epochs,
            unsaved: Unsaved::default(),
        })
    }

    /// The member's suite.
    pub fn suite(&self) -> Ciphersuite {
        self.suite
    }

    /// Past epochs kept for late application messages.
    pub fn past_epochs(&self) -> u8 {
        self.past_epochs
    }

    /// The application's name for this member, in its credential.
    pub fn name(&self) -> &[u8] {
        credential::name_of(&self.credential)
    }

    /// The credential's content: the binding of the MLS signature key to the pqwire identity.
    pub fn credential_bytes(&self) -> &[u8] {
        &self.credential
    }

    /// The member's signature public key.
    pub fn signature_key(&self) -> &[u8] {
        self.signer.public_key()
    }

    fn credential(&self) -> CredentialWithKey {
        CredentialWithKey {
            credential: BasicCredential::new(self.credential.clone()).into(),
            signature_key: self.signer.public_key().to_vec().into(),
        }
    }

    /// A new key package to publish (an MLS message); `last_resort` marks the one the
    /// delivery service may hand out more than once.
    pub fn key_package(&mut self, last_resort: bool) -> Result<Vec<u8>> {
        self.transaction(|m| {
            // The leaf says it supports the last-resort extension: a key package carrying
            // the extension without that is refused by every validator (RFC 9420 §13.4).
            let mut builder = KeyPackage::builder().leaf_node_capabilities(Capabilities::new(
                None,
                None,
                Some(&[ExtensionType::LastResort]),
                None,
                None,
            ));
            if last_resort {
                builder = builder.mark_as_last_resort();
            }
            let bundle = builder
                .build(m.suite, &m.provider, &m.signer, m.credential())
                .map_err(because(GroupCode::Internal))?;
            MlsMessageOut::from(bundle.key_package().clone())
                .to_bytes()
                .map_err(because(GroupCode::Internal))
        })
    }

    /// A new group with this member alone in it; returns its id.
    pub fn create_group(&mut self) -> Result<Vec<u8>> {
        self.transaction(|m| {
            let config = member_settings!(
                MlsGroupCreateConfig::builder().ciphersuite(m.suite),
                m.past_epochs
            )
            .build();
            let group = MlsGroup::new(&m.provider, &m.signer, &config, m.credential())
                .map_err(because(GroupCode::Internal))?;
            let id = group.group_id().as_slice().to_vec();
            m.groups.insert(id.clone(), group);
            Ok(id)
        })
    }

    /// Joins the group a welcome invites to, with the group's ratchet tree (the committer's
    /// [`Commit::ratchet_tree`]; `None` when the welcome carries the tree itself, as other
    /// MLS implementations' may); returns its id. A tree that does not match the welcome's
    /// group is `GROUP_INVALID`.
    pub fn join(&mut self, welcome: &[u8], ratchet_tree: Option<&[u8]>) -> Result<Vec<u8>> {
        self.transaction(|m| {
            let message = MlsMessageIn::tls_deserialize_exact(welcome)
                .map_err(because(GroupCode::Malformed))?;
            let MlsMessageBodyIn::Welcome(welcome) = message.extract() else {
                return Err(GroupError::new(GroupCode::Malformed, "not a welcome"));
            };
            let tree = ratchet_tree
                .map(RatchetTreeIn::tls_deserialize_exact)
                .transpose()
                .map_err(because(GroupCode::Malformed))?;
            let staged = StagedWelcome::new_from_welcome(
                &m.provider,
                &join_config(m.past_epochs),
                welcome,
                tree,
            )
            .map_err(|e| {
                let text = format!("{e:?}");
                let code = if text.contains("NoMatchingKeyPackage") {
                    GroupCode::UnknownMember
                } else {
                    GroupCode::Invalid
                };
                GroupError::new(code, text)
            })?;
            for leaf in staged.members() {
                checked(&leaf.credential, &leaf.signature_key, m.suite, None)?;
            }
            let group = staged
                .into_group(&m.provider)
                .map_err(because(GroupCode::Invalid))?;
            let id = group.group_id().as_slice().to_vec();
            m.groups.insert(id.clone(), group);
            Ok(id)
        })
    }

    /// Commits adding the members of these key packages (pending until confirmed). The commit
    /// carries no update path (RFC 9420 allows that for adds): its size and cost stay the same
    /// whatever the group's size; `self_update` refreshes the committer's keys when wanted.
    pub fn add_members(&mut self, group: &[u8], key_packages: &[Vec<u8>]) -> Result<Commit> {
        self.transaction(|m| {
            let mut packages = Vec::with_capacity(key_packages.len());
            for bytes in key_packages {
                let message = MlsMessageIn::tls_deserialize_exact(&bytes[..])
                    .map_err(because(GroupCode::Malformed))?;
                let MlsMessageBodyIn::KeyPackage(package) = message.extract() else {
                    return Err(GroupError::new(GroupCode::Malformed, "not a key package"));
                };
                let package = package
                    .validate(m.provider.crypto(), ProtocolVersion::Mls10)
                    .map_err(because(GroupCode::Invalid))?;
                if package.ciphersuite() != m.suite {
                    return Err(GroupError::new(
                        GroupCode::Unsupported,
                        format!(
                            "a key package for {:?} in a {:?} group",
                            package.ciphersuite(),
                            m.suite
                        ),
                    ));
                }
                checked(
                    package.leaf_node().credential(),
                    package.leaf_node().signature_key().as_slice(),
                    m.suite,
                    Some(credential::now()),
                )?;
                packages.push(package);
            }
            let (provider, signer) = (&m.provider, &m.signer);
            let g = open(&mut m.groups, provider, group)?;
            pending_free(g)?;
            let (commit, welcome, _) = g
                .add_members_without_update(provider, signer, &packages)
                .map_err(because(GroupCode::Invalid))?;
            commit_out(g, provider, commit, Some(welcome))
        })
    }

    /// Commits removing every member with one of these names (all of a person's devices,
    /// when they share a name; pending until confirmed). A name no member has is
    /// `GROUP_UNKNOWN_MEMBER`.
    pub fn remove_members(&mut self, group: &[u8], names: &[Vec<u8>]) -> Result<Commit> {
        self.transaction(|m| {
            let (provider, signer) = (&m.provider, &m.signer);
            let g = open(&mut m.groups, provider, group)?;
            pending_free(g)?;
            let mut leaves = Vec::with_capacity(names.len());
            for name in names {
                let before = leaves.len();
                leaves.extend(
                    g.members()
                        .filter(|x| name_in(&x.credential) == name.as_slice())
                        .map(|x| x.index),
                );
                if leaves.len() == before {
                    return Err(GroupError::new(
                        GroupCode::UnknownMember,
                        "no member with that name",
                    ));
                }
            }
            let (commit, welcome, _) = g
                .remove_members(provider, signer, &leaves)
                .map_err(because(GroupCode::Invalid))?;
            commit_out(g, provider, commit, welcome)
        })
    }

    /// Commits a fresh leaf key for this member (post-compromise security; pending until confirmed).
    pub fn self_update(&mut self, group: &[u8]) -> Result<Commit> {
        self.transaction(|m| {
            let (provider, signer) = (&m.provider, &m.signer);
            let g = open(&mut m.groups, provider, group)?;
            pending_free(g)?;
            let bundle = g
                .self_update(provider, signer, LeafNodeParameters::default())
                .map_err(because(GroupCode::Invalid))?;
            let (commit, welcome, _) = bundle.into_messages();
            commit_out(g, provider, commit, welcome)
        })
    }

    /// Applies this member's pending commit (the delivery service accepted it).
    pub fn confirm_commit(&mut self, group: &[u8]) -> Result<()> {
        self.transaction(|m| {
            let provider = &m.provider;
            let g = open(&mut m.groups, provider, group)?;
            pending(g)?;
            g.merge_pending_commit(provider)
                .map_err(because(GroupCode::Internal))
        })
    }

    /// Drops this member's pending commit (another commit won the epoch).
    pub fn discard_commit(&mut self, group: &[u8]) -> Result<()> {
        self.transaction(|m| {
            let provider = &m.provider;
            let g = open(&mut m.groups, provider, group)?;
            pending(g)?;
            g.clear_pending_commit(provider.storage())
                .map_err(because(GroupCode::Internal))
        })
    }

    /// An application message for the group, with `aad` authenticated (not encrypted).
    pub fn encrypt(&mut self, group: &[u8], plaintext: &[u8], aad: &[u8]) -> Result<Vec<u8>> {
        self.transaction(|m| {
            let (provider, signer) = (&m.provider, &m.signer);
            let g = open(&mut m.groups, provider, group)?;
            if !g.is_active() {
                return Err(GroupError::new(
                    GroupCode::Removed,
                    "this member was removed from the group",
                ));
            }
            pending_free(g)?;
            g.set_aad(aad.to_vec());
            let message = g
                .create_message(provider, signer, plaintext)
                .map_err(because(GroupCode::Invalid))?;
            message.to_bytes().map_err(because(GroupCode::Internal))
        })
    }

    /// Processes a message of the group: decrypts an application message, applies a commit,
    /// keeps a proposal. A failure changes nothing.
    pub fn process(&mut self, group: &[u8], message: &[u8]) -> Result<Received> {
        self.transaction(|m| {
            let provider = &m.provider;
            let parsed = MlsMessageIn::tls_deserialize_exact(message)
                .map_err(because(GroupCode::Malformed))?;
            let protocol = parsed
                .try_into_protocol_message()
                .map_err(|_| GroupError::new(GroupCode::Malformed, "not a group message"))?;
            let g = open(&mut m.groups, provider, group)?;
            if protocol.group_id().as_slice() != group {
                return Err(GroupError::new(
                    GroupCode::Malformed,
                    "a message of another group",
                ));
            }
            if !g.is_active() {
                return Err(GroupError::new(
                    GroupCode::Removed,
                    "this member was removed from the group",
                ));
            }
            // Later epochs, and earlier ones whose keys are gone, are refused by number.
            let (epoch, current) = (protocol.epoch().as_u64(), g.epoch().as_u64());
            if epoch > current || current - epoch > u64::from(m.past_epochs) {
                return Err(GroupError::new(
                    GroupCode::WrongEpoch,
                    format!("a message of epoch {epoch}; the group is at {current}"),
                ));
            }
            let processed = g
                .process_message(provider, protocol)
                .map_err(from_process)?;
            let sender = name_in(processed.credential()).to_vec();
            let committer = match processed.sender() {
                Sender::Member(i) => Some(i.u32()),
                _ => None,
            };
            let aad = processed.aad().to_vec();
            match processed.into_content() {
                ProcessedMessageContent::ApplicationMessage(a) => Ok(Received::Application {
                    sender,
                    plaintext: a.into_bytes(),
                    aad,
                }),
                ProcessedMessageContent::StagedCommitMessage(staged) => {
                    check_commit(&staged, m.suite, &identities(g), committer)?;
                    let names: BTreeMap<u32, Vec<u8>> = g
                        .members()
                        .map(|x| (x.index.u32(), name_in(&x.credential).to_vec()))
                        .collect();
                    let added = staged
                        .add_proposals()
                        .map(|p| {
                            name_in(p.add_proposal().key_package().leaf_node().credential())
                                .to_vec()
                        })
                        .collect();
                    let removed = staged
                        .remove_proposals()
                        .filter_map(|p| names.get(&p.remove_proposal().removed().u32()).cloned())
                        .collect();
                    let removed_self = staged.self_removed();
                    g.merge_staged_commit(provider, *staged)
                        .map_err(because(GroupCode::Internal))?;
                    Ok(Received::Commit {
                        sender,
                        epoch: g.epoch().as_u64(),
                        added,
                        removed,
                        removed_self,
                    })
                }
                // Proposals are not kept for a later commit: they would go into this member's
                // next commit unchecked by it, and pqwire's API makes none (docs/groups.md,
                // "Operations"). Refused, nothing stored.
                ProcessedMessageContent::ProposalMessage(_) => Err(GroupError::new(
                    GroupCode::Invalid,
                    "a proposal sent on its own: pqwire groups take commits and application messages",
                )),
                _ => Err(GroupError::new(
                    GroupCode::Invalid,
                    "an external join proposal (not supported)",
                )),
            }
        })
    }

    /// The group's current epoch.
    pub fn epoch(&mut self, group: &[u8]) -> Result<u64> {
        Ok(open(&mut self.groups, &self.provider, group)?
            .epoch()
            .as_u64())
    }

    /// The group's members, in tree order.
    pub fn members(&mut self, group: &[u8]) -> Result<Vec<GroupMember>> {
        let g = open(&mut self.groups, &self.provider, group)?;
        Ok(g.members()
            .map(|x| {
                // Every credential was checked when this member met it.
                let bytes = x.credential.serialized_content();
                GroupMember {
                    index: x.index.u32(),
                    name: credential::name_of(bytes).to_vec(),
                    identity_key: credential::identity_key_of(bytes).to_vec(),
                    signature_key: x.signature_key,
                }
            })
            .collect())
    }

    /// Whether this member is still in the group (false once removed).
    pub fn is_active(&mut self, group: &[u8]) -> Result<bool> {
        Ok(open(&mut self.groups, &self.provider, group)?.is_active())
    }

    /// A secret every member of the current epoch derives alike (MLS exporter).
    pub fn export_secret(
        &mut self,
        group: &[u8],
        label: &str,
        context: &[u8],
        length: usize,
    ) -> Result<Zeroizing<Vec<u8>>> {
        let g = open(&mut self.groups, &self.provider, group)?;
        g.export_secret(self.provider.crypto(), label, context, length)
            .map(Zeroizing::new)
            .map_err(|e| match e {
                ExportSecretError::GroupStateError(_) => {
                    GroupError::new(GroupCode::Removed, "this member was removed from the group")
                }
                other => GroupError::new(GroupCode::Invalid, format!("{other:?}")),
            })
    }

    /// Runs `operation`; on failure, puts back every entry it changed, on success notes them
    /// (the next change set). The storage's journal says which entries changed and what
    /// they held: no copy of the whole state is made.
    fn transaction<T>(&mut self, operation: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
        let storage = self.provider.storage();
        storage
            .begin_journal()
            .map_err(because(GroupCode::Internal))?;
        let result = operation(self);
        let journal = self
            .provider
            .storage()
            .take_journal()
            .map_err(because(GroupCode::Internal))?;
        if result.is_ok() {
            self.unsaved.note(journal);
        } else {
            self.set_entries(journal)?;
        }
        result
    }

    /// Sets each storage entry to its value (`None`: deletes it), then drops the parsed
    /// groups, which may hold what the storage held before. Rolling back a failed
    /// operation, undoing unsaved changes and replaying a change set all come down to this.
    pub(crate) fn set_entries(
        &mut self,
        entries: impl IntoIterator<Item = (Vec<u8>, Option<Vec<u8>>)>,
    ) -> Result<()> {
        let mut values = self
            .provider
            .storage()
            .values
            .write()
            .map_err(because(GroupCode::Internal))?;
        for (key, value) in entries {
            match value {
                Some(value) => values.insert(key, value),
                None => values.remove(&key),
            };
        }
        drop(values);
        self.groups.clear();
        Ok(())
    }

    pub(crate) fn parts(&self) -> (&PqwireProvider, &MlsSigner) {
        (&self.provider, &self.signer)
    }

    pub(crate) fn from_parts(
        suite: Ciphersuite,
        credential: Vec<u8>,
        signer: MlsSigner,
        provider: PqwireProvider,
        past_epochs: u8,
    ) -> Self {
        Self {
            suite,
            credential,
            provider,
            signer,
            groups: HashMap::new(),
            past_epochs,
            unsaved: Unsaved::default(),
        }
    }
}

impl core::fmt::Debug for Member {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Member")
            .field("suite", &self.suite)
            .field("groups", &self.groups.len())
            .finish_non_exhaustive()
    }
}

/// The settings of every group a member makes or joins, on either of openmls's two config
/// builders (they share these methods but no trait): the ratchet tree travels beside the
/// welcome, not in it ([`Commit::ratchet_tree`]), and the sender-ratchet and past-epoch
/// limits of docs/groups.md, "Limits".
macro_rules! member_settings {
    ($builder:expr, $past_epochs:expr) => {
        $builder
            .use_ratchet_tree_extension(false)
            .sender_ratchet_configuration(SenderRatchetConfiguration::new(
                OUT_OF_ORDER_TOLERANCE,
                MAXIMUM_FORWARD_DISTANCE,
            ))
            .max_past_epochs(usize::from($past_epochs))
    };
}
use member_settings;

fn join_config(past_epochs: u8) -> MlsGroupJoinConfig {
    member_settings!(MlsGroupJoinConfig::builder(), past_epochs).build()
}

/// The name in a member's credential.
fn name_in(c: &Credential) -> &[u8] {
    credential::name_of(c.serialized_content())
}

/// A credential with its MLS signature key must be bound to a pqwire identity (valid at
/// `now` when given): `GROUP_UNBOUND_CREDENTIAL` otherwise.
fn checked(
    c: &Credential,
    signature_key: &[u8],
    suite: Ciphersuite,
    now: Option<u64>,
) -> Result<Bound> {
    credential::verify(c.serialized_content(), suite, signature_key, now)
}

/// What a commit from another member may do, checked before it is applied, the same way
/// on every member (no clock, no local choice): only add, remove and update; every leaf it
/// brings in (added members, updated leaves, the committer's new leaf) carries a bound
/// credential; a leaf that is replaced keeps its pqwire identity (RFC 9420 §5.3.1: the
/// same client). `identities`: the current members' identity keys by leaf index.
fn check_commit(
    staged: &StagedCommit,
    suite: Ciphersuite,
    identities: &BTreeMap<u32, Vec<u8>>,
    committer: Option<u32>,
) -> Result<()> {
    if let Some(other) = staged.queued_proposals().find(|p| {
        !matches!(
            p.proposal(),
            Proposal::Add(_) | Proposal::Remove(_) | Proposal::Update(_)
        )
    }) {
        return Err(GroupError::new(
            GroupCode::Invalid,
            format!(
                "a commit with a {:?} proposal: pqwire groups take adds, removes and updates",
                other.proposal().proposal_type()
            ),
        ));
    }
    for p in staged.add_proposals() {
        let leaf = p.add_proposal().key_package().leaf_node();
        checked(
            leaf.credential(),
            leaf.signature_key().as_slice(),
            suite,
            None,
        )?;
    }
    let same_identity = |index: Option<u32>, leaf: &LeafNode| -> Result<()> {
        let bound = checked(
            leaf.credential(),
            leaf.signature_key().as_slice(),
            suite,
            None,
        )?;
        match index.and_then(|i| identities.get(&i)) {
            Some(before) if *before == bound.identity_key => Ok(()),
            _ => Err(GroupError::new(
                GroupCode::UnboundCredential,
                "a leaf replaced by one bound to another pqwire identity",
            )),
        }
    };
    for p in staged.update_proposals() {
        let sender = match p.sender() {
            Sender::Member(i) => Some(i.u32()),
            _ => None,
        };
        same_identity(sender, p.update_proposal().leaf_node())?;
    }
    if let Some(leaf) = staged.update_path_leaf_node() {
        same_identity(committer, leaf)?;
    }
    Ok(())
}

/// The identity key of each current member, by leaf index.
fn identities(g: &MlsGroup) -> BTreeMap<u32, Vec<u8>> {
    g.members()
        .map(|x| {
            let key = credential::identity_key_of(x.credential.serialized_content()).to_vec();
            (x.index.u32(), key)
        })
        .collect()
}

/// The group `id`, parsed from the storage the first time.
fn open<'a>(
    groups: &'a mut HashMap<Vec<u8>, MlsGroup>,
    provider: &PqwireProvider,
    id: &[u8],
) -> Result<&'a mut MlsGroup> {
    if !groups.contains_key(id) {
        let loaded = MlsGroup::load(provider.storage(), &GroupId::from_slice(id))
            .map_err(because(GroupCode::Internal))?
            .ok_or_else(|| GroupError::new(GroupCode::UnknownGroup, "no group with that id"))?;
        groups.insert(id.to_vec(), loaded);
    }
    groups
        .get_mut(id)
        .ok_or_else(|| GroupError::new(GroupCode::UnknownGroup, "no group with that id"))
}

fn pending(group: &MlsGroup) -> Result<()> {
    match group.pending_commit() {
        Some(_) => Ok(()),
        None => Err(GroupError::new(
            GroupCode::NoPendingCommit,
            "no commit of this member is pending",
        )),
    }
}

fn pending_free(group: &MlsGroup) -> Result<()> {
    match group.pending_commit() {
        Some(_) => Err(GroupError::new(
            GroupCode::PendingCommit,
            "a commit of this member is pending: confirm or discard it first",
        )),
        None => Ok(()),
    }
}

/// The commit's messages, and with a welcome the ratchet tree the commit leads to (the
/// pending commit's, over the group's current tree).
fn commit_out(
    g: &MlsGroup,
    provider: &PqwireProvider,
    commit: MlsMessageOut,
    welcome: Option<MlsMessageOut>,
) -> Result<Commit> {
    let ratchet_tree = match (&welcome, g.pending_commit()) {
        (Some(_), Some(staged)) => {
            let tree = staged
                .export_ratchet_tree(provider.crypto(), g.export_ratchet_tree())
                .map_err(because(GroupCode::Internal))?
                .ok_or_else(|| GroupError::new(GroupCode::Internal, "no tree for the welcome"))?;
            Some(
                tree.tls_serialize_detached()
                    .map_err(because(GroupCode::Internal))?,
            )
        }
        _ => None,
    };
    Ok(Commit {
        commit: commit.to_bytes().map_err(because(GroupCode::Internal))?,
        welcome: welcome
            .map(|w| w.to_bytes())
            .transpose()
            .map_err(because(GroupCode::Internal))?,
        ratchet_tree,
    })
}
