//! MLS group bindings (docs/groups.md): `NativeGroupMember`, pqwire-mls's [`Member`]
//! behind a mutex (its operations run on the JavaScript thread or, as `*Async`, on the
//! thread pool), and `mlsSuites()`. Conversion and error mapping only: the group logic is
//! pqwire-mls's and openmls's.

use crate::errors::{js, Failure, Fallible};
use crate::handle::disposable_handle;
use crate::identity::NativeIdentity;
use crate::js_bytes::Bytes;
use crate::task::{IntoJs, Job};
use napi::bindgen_prelude::{AsyncTask, Uint8Array};
use napi_derive::napi;
use pqwire_core::Disposable;
use pqwire_mls::inspect::{self, Content, Inspected};
use pqwire_mls::{suites, Commit, GroupError, Member, Received};
use std::sync::{Arc, Mutex};

impl From<GroupError> for Failure {
    fn from(e: GroupError) -> Self {
        Failure::coded(e.code.as_str(), e.to_string())
    }
}

/// One MLS suite pqwire offers.
#[napi(object)]
pub struct NativeMlsSuite {
    /// Its full name (`MLS_256_XWING_CHACHA20POLY1305_SHA256_Ed25519`).
    pub name: String,
    /// Its code point.
    pub code: u32,
    /// Whether its key exchange is post-quantum (ML-KEM or X-Wing).
    pub post_quantum: bool,
    /// Whether its code point is provisional (from a draft, not RFC 9420).
    pub provisional: bool,
}

/// Every MLS suite pqwire offers, RFC 9420's first.
#[napi(catch_unwind)]
pub fn mls_suites() -> Vec<NativeMlsSuite> {
    suites::SUPPORTED
        .into_iter()
        .map(|s| NativeMlsSuite {
            name: suites::name(s),
            code: u16::from(s).into(),
            post_quantum: suites::is_post_quantum(s),
            provisional: suites::is_provisional(s),
        })
        .collect()
}

/// What an MLS message shows from outside its group (for a delivery service).
#[napi(object)]
pub struct NativeMlsInspected {
    /// `key-package`, `application`, `proposal`, `commit` or `welcome`.
    #[napi(ts_type = "'key-package' | 'application' | 'proposal' | 'commit' | 'welcome'")]
    pub kind: String,
    /// A key package's or welcome's suite (full name).
    pub suite: Option<String>,
    /// A key package owner's pqwire identity signing key (key package encoding).
    pub identity_key: Option<Uint8Array>,
    /// The name in a key package owner's credential.
    pub name: Option<Uint8Array>,
    /// Whether a key package is a last-resort one.
    pub last_resort: Option<bool>,
    /// A group message's group id.
    pub group_id: Option<Uint8Array>,
    /// A group message's epoch.
    pub epoch: Option<f64>,
}

/// Reads what an MLS message shows from outside its group: a key package's suite and owner
/// (its signature and credential binding checked), a group message's group, epoch and
/// content type, a welcome's suite. Anything else throws its group code.
#[napi(catch_unwind)]
pub fn mls_inspect(message: &[u8]) -> napi::Result<NativeMlsInspected> {
    let none = |kind: &str| NativeMlsInspected {
        kind: kind.to_string(),
        suite: None,
        identity_key: None,
        name: None,
        last_resort: None,
        group_id: None,
        epoch: None,
    };
    Ok(match js(inspect::inspect(message))? {
        Inspected::KeyPackage {
            suite,
            identity_key,
            name,
            last_resort,
        } => NativeMlsInspected {
            suite: Some(suites::name(suite)),
            identity_key: Some(identity_key.into()),
            name: Some(name.into()),
            last_resort: Some(last_resort),
            ..none("key-package")
        },
        Inspected::Group {
            group_id,
            epoch,
            content,
        } => NativeMlsInspected {
            group_id: Some(group_id.into()),
            epoch: Some(epoch as f64),
            ..none(match content {
                Content::Application => "application",
                Content::Proposal => "proposal",
                Content::Commit => "commit",
            })
        },
        Inspected::Welcome { suite } => NativeMlsInspected {
            suite: Some(suites::name(suite)),
            ..none("welcome")
        },
    })
}

/// A commit this member made: for the group, and a welcome for those it adds.
#[napi(object)]
pub struct NativeGroupCommit {
    /// The commit message.
    pub commit: Uint8Array,
    /// The welcome message, when the commit adds members.
    pub welcome: Option<Uint8Array>,
    /// With a welcome: the ratchet tree the new members join with.
    pub ratchet_tree: Option<Uint8Array>,
}

impl IntoJs for Commit {
    type Js = NativeGroupCommit;
    fn into_js(self) -> NativeGroupCommit {
        NativeGroupCommit {
            commit: self.commit.into(),
            welcome: self.welcome.map(Into::into),
            ratchet_tree: self.ratchet_tree.map(Into::into),
        }
    }
}

/// What processing a message gave.
#[napi(object)]
pub struct NativeGroupReceived {
    /// `application` or `commit`.
    #[napi(ts_type = "'application' | 'commit'")]
    pub kind: String,
    /// The sender's identity.
    pub sender: Uint8Array,
    /// An application message's plaintext.
    pub plaintext: Option<Uint8Array>,
    /// An application message's authenticated data.
    pub aad: Option<Uint8Array>,
    /// The epoch after a commit.
    pub epoch: Option<f64>,
    /// Identities a commit added.
    pub added: Option<Vec<Uint8Array>>,
    /// Identities a commit removed.
    pub removed: Option<Vec<Uint8Array>>,
    /// Whether the commit removed this member.
    pub removed_self: Option<bool>,
}

impl IntoJs for Received {
    type Js = NativeGroupReceived;
    fn into_js(self) -> NativeGroupReceived {
        let empty = |kind: &str, sender: Vec<u8>| NativeGroupReceived {
            kind: kind.to_string(),
            sender: sender.into(),
            plaintext: None,
            aad: None,
            epoch: None,
            added: None,
            removed: None,
            removed_self: None,
        };
        match self {
            Received::Application {
                sender,
                plaintext,
                aad,
            } => NativeGroupReceived {
                plaintext: Some(plaintext.into()),
                aad: Some(aad.into()),
                ..empty("application", sender)
            },
            Received::Commit {
                sender,
                epoch,
                added,
                removed,
                removed_self,
            } => NativeGroupReceived {
                epoch: Some(epoch as f64),
                added: Some(added.into_iter().map(Into::into).collect()),
                removed: Some(removed.into_iter().map(Into::into).collect()),
                removed_self: Some(removed_self),
                ..empty("commit", sender)
            },
        }
    }
}

/// A member of a group, as the others see it.
#[napi(object)]
pub struct NativeGroupMemberInfo {
    /// Its position in the group's tree.
    pub index: u32,
    /// The application's name for it.
    pub name: Uint8Array,
    /// Its pqwire identity signing key (key package encoding), which signed its MLS key.
    pub identity_key: Uint8Array,
    /// Its signature public key.
    pub signature_key: Uint8Array,
}

/// One client's MLS state: its suite, credential, signature key and groups. Secrets stay
/// in native memory until `dispose()` or garbage collection.
#[napi]
pub struct NativeGroupMember {
    inner: Disposable<Mutex<Member>>,
}

disposable_handle!(
    NativeGroupMember(Mutex<Member>, "group member"),
    "Drops the member's state (keys, groups) now; every later call is `DISPOSED`."
);

/// Runs `f` on the member, holding its lock.
fn with<T>(
    member: &Arc<Mutex<Member>>,
    f: impl FnOnce(&mut Member) -> pqwire_mls::Result<T>,
) -> Fallible<T> {
    let mut guard = member
        .lock()
        .map_err(|_| Failure::internal("a group member's lock was poisoned"))?;
    Ok(f(&mut guard)?)
}

fn all(list: Vec<Uint8Array>) -> Vec<Vec<u8>> {
    list.into_iter().map(|b| b.to_vec()).collect()
}

#[napi]
impl NativeGroupMember {
    /// A new member for the suite named `suite`, whose credential binds its MLS signature
    /// key and `name` to the pqwire `identity` (which signs them once, here), reading
    /// application messages up to `past_epochs` epochs late (0 by default).
    #[napi(factory, catch_unwind)]
    pub fn create(
        suite: String,
        identity: &NativeIdentity,
        name: &[u8],
        past_epochs: Option<u32>,
    ) -> napi::Result<Self> {
        let suite = suites::from_name(&suite).ok_or_else(|| {
            crate::errors::to_js(Failure::coded(
                "UNKNOWN_SUITE",
                format!(
                    "no MLS suite named {:?} is offered",
                    suite.chars().take(80).collect::<String>()
                ),
            ))
        })?;
        let past_epochs = past_epochs.unwrap_or(pqwire_mls::DEFAULT_PAST_EPOCHS.into());
        let past_epochs = u8::try_from(past_epochs).unwrap_or(u8::MAX);
        let identity = identity.shared()?;
        Ok(Self::wrap(Mutex::new(js(Member::with_past_epochs(
            suite,
            &identity,
            name,
            past_epochs,
        ))?)))
    }

    /// Reads a member's state (record type `0x19`).
    #[napi(factory, catch_unwind)]
    pub fn from_record(record: &[u8]) -> napi::Result<Self> {
        Ok(Self::wrap(Mutex::new(js(Member::from_record(record))?)))
    }

    /// The member's whole state: **secret bytes** (for the application's group store).
    #[napi(catch_unwind)]
    pub fn to_record(&self) -> napi::Result<Uint8Array> {
        let record = js(with(&self.shared()?, |m| m.to_record()))?;
        Ok(Uint8Array::new(record.to_vec()))
    }

    /// What changed since the last save (record type `0x1A`): **secret bytes**, or `null`
    /// when nothing did.
    #[napi(catch_unwind)]
    pub fn unsaved_changes(&self) -> napi::Result<Option<Uint8Array>> {
        let changes = js(with(&self.shared()?, |m| m.unsaved_changes()))?;
        Ok(changes.map(|c| Uint8Array::new(c.to_vec())))
    }

    /// The store has the changes (or a whole record written after them).
    #[napi(catch_unwind)]
    pub fn mark_saved(&self) -> napi::Result<()> {
        js(with(&self.shared()?, |m| {
            m.mark_saved();
            Ok(())
        }))
    }

    /// Undoes every change since the last save (the store refused them).
    #[napi(catch_unwind)]
    pub fn revert_unsaved(&self) -> napi::Result<()> {
        js(with(&self.shared()?, |m| m.revert_unsaved()))
    }

    /// Applies a change set read back from the store, after the record it followed.
    #[napi(catch_unwind)]
    pub fn apply_changes(&self, changes: &[u8]) -> napi::Result<()> {
        js(with(&self.shared()?, |m| m.apply_changes(changes)))
    }

    /// The suite's full name.
    #[napi(getter, catch_unwind)]
    pub fn suite(&self) -> napi::Result<String> {
        js(with(&self.shared()?, |m| Ok(suites::name(m.suite()))))
    }

    /// Past epochs whose late application messages the member reads.
    #[napi(getter, catch_unwind)]
    pub fn past_epochs(&self) -> napi::Result<u32> {
        js(with(&self.shared()?, |m| Ok(m.past_epochs().into())))
    }

    /// The application's name for the member, in its credential.
    #[napi(getter, catch_unwind)]
    pub fn name(&self) -> napi::Result<Uint8Array> {
        js(with(&self.shared()?, |m| Ok(m.name().to_vec().into())))
    }

    /// The member's signature public key.
    #[napi(getter, catch_unwind)]
    pub fn signature_key(&self) -> napi::Result<Uint8Array> {
        js(with(&self.shared()?, |m| {
            Ok(m.signature_key().to_vec().into())
        }))
    }

    /// A new key package (an MLS message) to publish.
    #[napi(catch_unwind)]
    pub fn key_package(&self, last_resort: bool) -> napi::Result<Uint8Array> {
        js(with(&self.shared()?, |m| m.key_package(last_resort))).map(Into::into)
    }

    /// A new group with this member alone; its id.
    #[napi(catch_unwind)]
    pub fn create_group(&self) -> napi::Result<Uint8Array> {
        js(with(&self.shared()?, |m| m.create_group())).map(Into::into)
    }

    /// Joins from a welcome and the committer's ratchet tree (absent when the welcome
    /// carries it); the group's id.
    #[napi(catch_unwind)]
    pub fn join(&self, welcome: &[u8], ratchet_tree: Option<&[u8]>) -> napi::Result<Uint8Array> {
        js(with(&self.shared()?, |m| m.join(welcome, ratchet_tree))).map(Into::into)
    }

    /// `join` on the thread pool.
    #[napi(catch_unwind, ts_return_type = "Promise<Uint8Array>")]
    pub fn join_async(
        &self,
        welcome: Uint8Array,
        ratchet_tree: Option<Uint8Array>,
    ) -> napi::Result<AsyncTask<Job<Vec<u8>>>> {
        let (member, welcome) = (self.shared()?, welcome.to_vec());
        let tree = ratchet_tree.map(|t| t.to_vec());
        Ok(AsyncTask::new(Job::fallible(move || {
            with(&member, |m| m.join(&welcome, tree.as_deref()))
        })))
    }

    /// Commits adding the members of these key packages (pending until confirmed).
    #[napi(catch_unwind)]
    pub fn add_members(
        &self,
        group: &[u8],
        key_packages: Vec<Uint8Array>,
    ) -> napi::Result<NativeGroupCommit> {
        let packages = all(key_packages);
        js(with(&self.shared()?, |m| m.add_members(group, &packages))).map(IntoJs::into_js)
    }

    /// `addMembers` on the thread pool.
    #[napi(catch_unwind, ts_return_type = "Promise<NativeGroupCommit>")]
    pub fn add_members_async(
        &self,
        group: Uint8Array,
        key_packages: Vec<Uint8Array>,
    ) -> napi::Result<AsyncTask<Job<Commit>>> {
        let (member, group, packages) = (self.shared()?, group.to_vec(), all(key_packages));
        Ok(AsyncTask::new(Job::fallible(move || {
            with(&member, |m| m.add_members(&group, &packages))
        })))
    }

    /// Commits removing the members with these identities (pending until confirmed).
    #[napi(catch_unwind)]
    pub fn remove_members(
        &self,
        group: &[u8],
        identities: Vec<Uint8Array>,
    ) -> napi::Result<NativeGroupCommit> {
        let identities = all(identities);
        js(with(&self.shared()?, |m| {
            m.remove_members(group, &identities)
        }))
        .map(IntoJs::into_js)
    }

    /// `removeMembers` on the thread pool.
    #[napi(catch_unwind, ts_return_type = "Promise<NativeGroupCommit>")]
    pub fn remove_members_async(
        &self,
        group: Uint8Array,
        identities: Vec<Uint8Array>,
    ) -> napi::Result<AsyncTask<Job<Commit>>> {
        let (member, group, identities) = (self.shared()?, group.to_vec(), all(identities));
        Ok(AsyncTask::new(Job::fallible(move || {
            with(&member, |m| m.remove_members(&group, &identities))
        })))
    }

    /// Commits a fresh leaf key for this member (pending until confirmed).
    #[napi(catch_unwind)]
    pub fn self_update(&self, group: &[u8]) -> napi::Result<NativeGroupCommit> {
        js(with(&self.shared()?, |m| m.self_update(group))).map(IntoJs::into_js)
    }

    /// `selfUpdate` on the thread pool.
    #[napi(catch_unwind, ts_return_type = "Promise<NativeGroupCommit>")]
    pub fn self_update_async(&self, group: Uint8Array) -> napi::Result<AsyncTask<Job<Commit>>> {
        let (member, group) = (self.shared()?, group.to_vec());
        Ok(AsyncTask::new(Job::fallible(move || {
            with(&member, |m| m.self_update(&group))
        })))
    }

    /// Applies this member's pending commit (the delivery service took it).
    #[napi(catch_unwind)]
    pub fn confirm_commit(&self, group: &[u8]) -> napi::Result<()> {
        js(with(&self.shared()?, |m| m.confirm_commit(group)))
    }

    /// Drops this member's pending commit (another commit took the epoch).
    #[napi(catch_unwind)]
    pub fn discard_commit(&self, group: &[u8]) -> napi::Result<()> {
        js(with(&self.shared()?, |m| m.discard_commit(group)))
    }

    /// An application message with `aad` authenticated.
    #[napi(catch_unwind)]
    pub fn encrypt(&self, group: &[u8], plaintext: &[u8], aad: &[u8]) -> napi::Result<Uint8Array> {
        js(with(&self.shared()?, |m| m.encrypt(group, plaintext, aad))).map(Into::into)
    }

    /// Processes a group message: an application message, a commit (applied) or a proposal.
    #[napi(catch_unwind)]
    pub fn process(&self, group: &[u8], message: &[u8]) -> napi::Result<NativeGroupReceived> {
        js(with(&self.shared()?, |m| m.process(group, message))).map(IntoJs::into_js)
    }

    /// `process` on the thread pool.
    #[napi(catch_unwind, ts_return_type = "Promise<NativeGroupReceived>")]
    pub fn process_async(
        &self,
        group: Uint8Array,
        message: Uint8Array,
    ) -> napi::Result<AsyncTask<Job<Received>>> {
        let (member, group, message) = (self.shared()?, group.to_vec(), message.to_vec());
        Ok(AsyncTask::new(Job::fallible(move || {
            with(&member, |m| m.process(&group, &message))
        })))
    }

    /// The group's epoch.
    #[napi(catch_unwind)]
    pub fn epoch(&self, group: &[u8]) -> napi::Result<f64> {
        js(with(&self.shared()?, |m| m.epoch(group))).map(|e| e as f64)
    }

    /// The group's members in tree order.
    #[napi(catch_unwind)]
    pub fn members(&self, group: &[u8]) -> napi::Result<Vec<NativeGroupMemberInfo>> {
        let members = js(with(&self.shared()?, |m| m.members(group)))?;
        Ok(members
            .into_iter()
            .map(|x| NativeGroupMemberInfo {
                index: x.index,
                name: x.name.into(),
                identity_key: x.identity_key.into(),
                signature_key: x.signature_key.into(),
            })
            .collect())
    }

    /// Whether this member is still in the group.
    #[napi(catch_unwind)]
    pub fn is_active(&self, group: &[u8]) -> napi::Result<bool> {
        js(with(&self.shared()?, |m| m.is_active(group)))
    }

    /// The MLS exporter: `length` bytes every member of the epoch derives alike.
    #[napi(catch_unwind, ts_return_type = "Uint8Array")]
    pub fn export_secret(
        &self,
        group: &[u8],
        label: String,
        context: &[u8],
        length: u32,
    ) -> napi::Result<Bytes> {
        let secret = js(with(&self.shared()?, |m| {
            m.export_secret(group, &label, context, length as usize)
        }))?;
        Ok(Bytes::from(secret.to_vec()))
    }
}
