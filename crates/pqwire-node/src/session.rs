//! Session bindings: `NativeSession` holds a core [`Session`] (secrets stay in native
//! memory) behind a mutex, so that the `*Async` methods can run on the thread pool.
//! The facade serializes the calls on one session, so the mutex is never contended in
//! normal use; it only keeps a misuse from racing.

use crate::errors::{js, Failure, Fallible};
use crate::identity::{public_identity_js, NativeIdentity, NativePublicIdentity};
use crate::js_bytes::Bytes;
use crate::options::{handshake_options, time, NativeHandshakeOptions};
use crate::task::{IntoJs, Job};
use crate::wire::feature_entries;
use napi::bindgen_prelude::{AsyncTask, Either, Uint8Array};
use napi_derive::napi;
use pqwire_core::negotiation::Role;
use pqwire_core::pqxdh::{
    FirstMessage, HandshakeReplay, PrekeySecret, PrekeySecrets, PublicIdentity, UsedPrekeys,
};
use pqwire_core::random::OsRandom;
use pqwire_core::session::{Decrypted, Session};
use pqwire_core::{Error, Result, SecretBytes};
use std::sync::{Arc, Mutex};

/// What the handshake settled, public values only.
#[napi(object, object_from_js = false)]
pub struct NativeSessionFacts {
    /// `initiator` or `responder`.
    pub role: String,
    pub version: u32,
    pub kem_suite: String,
    pub sig_suite: String,
    pub aead_suite: String,
    pub features: Vec<Either<String, u32>>,
    pub hybrid_auth: bool,
    pub post_quantum: bool,
    #[napi(ts_type = "Uint8Array")]
    pub transcript_hash: Bytes,
    #[napi(ts_type = "Uint8Array")]
    pub session_id: Bytes,
    #[napi(ts_type = "Uint8Array")]
    pub local_identity: Bytes,
    /// The peer identity's fingerprint (its signing key's key id).
    #[napi(ts_type = "Uint8Array")]
    pub peer_identity: Bytes,
    pub established_at: f64,
}

/// A decrypted message.
#[napi(object, object_from_js = false)]
pub struct NativeDecrypted {
    #[napi(ts_type = "Uint8Array")]
    pub plaintext: Bytes,
    #[napi(ts_type = "Uint8Array")]
    pub associated_data: Bytes,
}

impl IntoJs for Decrypted {
    type Js = NativeDecrypted;
    fn into_js(self) -> NativeDecrypted {
        NativeDecrypted {
            plaintext: Bytes::from(self.plaintext),
            associated_data: Bytes::from(self.associated_data),
        }
    }
}

/// What opening a session produced besides the session: the initial message to send
/// (initiator), or the first message and the prekeys used (responder).
#[napi(object, object_from_js = false)]
pub struct NativeOpening {
    #[napi(ts_type = "Uint8Array")]
    pub initial_message: Option<Bytes>,
    /// The peer's whole verified identity, to pin (the session keeps its fingerprint).
    pub peer: NativePublicIdentity,
    #[napi(ts_type = "Uint8Array")]
    pub plaintext: Option<Bytes>,
    #[napi(ts_type = "Uint8Array")]
    pub associated_data: Option<Bytes>,
    /// Key ids of the one-time prekeys used: the store must consume them.
    #[napi(ts_type = "Array<Uint8Array>")]
    pub one_time_prekeys: Vec<Bytes>,
    /// Key ids of the rotated prekeys used (signed, last-resort): the store counts uses.
    #[napi(ts_type = "Array<Uint8Array>")]
    pub rotated_prekeys: Vec<Bytes>,
    /// With no one-time prekey used: until when (unix seconds) the prekey store's replay
    /// cache must remember the session id.
    pub replay_until: Option<f64>,
    /// The session's `facts` flags the handshake reports on (a classical session), given
    /// here so that the facade need not build the whole `facts`.
    pub post_quantum: bool,
    pub hybrid_auth: bool,
}

/// A session's record together with the epoch and id it holds, read under one lock so
/// that the three always agree.
#[napi(object, object_from_js = false)]
pub struct NativeSnapshot {
    /// `serialize()`'s record. Secret.
    #[napi(ts_type = "Uint8Array")]
    pub record: Bytes,
    pub epoch: f64,
    #[napi(ts_type = "Uint8Array")]
    pub session_id: Bytes,
}

/// An encryption computed on a copy of the session, not yet committed.
#[napi(object, object_from_js = false)]
pub struct NativeStagedEncrypt {
    #[napi(ts_type = "Uint8Array")]
    pub message: Bytes,
    /// The advanced copy's record, to save before `commitStaged`.
    pub snapshot: NativeSnapshot,
}

/// A decryption computed on a copy of the session, not yet committed.
#[napi(object, object_from_js = false)]
pub struct NativeStagedDecrypt {
    #[napi(ts_type = "Uint8Array")]
    pub plaintext: Bytes,
    #[napi(ts_type = "Uint8Array")]
    pub associated_data: Bytes,
    /// The advanced copy's record, to save before `commitStaged`.
    pub snapshot: NativeSnapshot,
}

enum Opening {
    Initiated(Vec<u8>, PublicIdentity),
    Accepted {
        peer: PublicIdentity,
        plaintext: Vec<u8>,
        associated_data: Vec<u8>,
        used: UsedPrekeys,
        replay: HandshakeReplay,
    },
}

/// A snapshot of `s`, taken while its lock is held.
fn snapshot(s: &Session) -> Result<Snapshot> {
    Ok(Snapshot {
        record: s.serialize()?,
        epoch: s.epoch(),
        session_id: *s.id(),
    })
}

/// [`NativeSnapshot`] before it reaches JavaScript (built on the thread pool).
pub struct Snapshot {
    record: zeroize::Zeroizing<Vec<u8>>,
    epoch: u64,
    session_id: [u8; 32],
}

impl Snapshot {
    fn into_js(self) -> NativeSnapshot {
        NativeSnapshot {
            record: Bytes::copy(&self.record),
            epoch: self.epoch as f64,
            session_id: Bytes::copy(&self.session_id),
        }
    }
}

/// An operation computed on a copy: its output, and the copy to install on commit.
pub struct Staged<T> {
    output: T,
    snapshot: Snapshot,
}

impl IntoJs for Staged<Vec<u8>> {
    type Js = NativeStagedEncrypt;
    fn into_js(self) -> NativeStagedEncrypt {
        NativeStagedEncrypt {
            message: Bytes::from(self.output),
            snapshot: self.snapshot.into_js(),
        }
    }
}

impl IntoJs for Staged<Decrypted> {
    type Js = NativeStagedDecrypt;
    fn into_js(self) -> NativeStagedDecrypt {
        NativeStagedDecrypt {
            plaintext: Bytes::from(self.output.plaintext),
            associated_data: Bytes::from(self.output.associated_data),
            snapshot: self.snapshot.into_js(),
        }
    }
}

/// The session and its staged copy, shared with the operations running on the thread
/// pool: one allocation per open session (two before).
struct Slots {
    /// The session, `None` once disposed.
    session: Mutex<Option<Session>>,
    /// A copy advanced by a staged operation, with the epoch of the state it started
    /// from. Boxed, so that an idle session's slot is a pointer, not a second
    /// `Session`'s room.
    staged: Mutex<Option<Box<(u64, Session)>>>,
}

fn ids(list: Vec<pqwire_core::ratchet::KeyId>) -> Vec<Bytes> {
    list.into_iter().map(|id| Bytes::copy(&id)).collect()
}

/// One party's end of a session.
///
/// Besides the direct `encrypt`/`decrypt`, the staged forms compute an operation on a
/// copy and hold it until `commitStaged` installs it (or `discardStaged` drops it): the
/// facade saves the copy's record to the session store first, so that a store that
/// refuses the save (another copy advanced the session) leaves this one unchanged and no
/// ciphertext of the refused state is ever returned.
#[napi]
pub struct NativeSession {
    slots: Arc<Slots>,
    /// Boxed: empty (a null pointer) once taken, which is at once after a handshake.
    opening: Mutex<Option<Box<Opening>>>,
    /// The session id, kept apart so that it stays readable after `dispose`.
    id: [u8; 32],
}

/// A session just made on the thread pool, becoming a `NativeSession` on the JS thread.
pub struct Opened(Session, Option<Opening>);

impl IntoJs for Opened {
    type Js = NativeSession;
    fn into_js(self) -> NativeSession {
        NativeSession::wrap(self.0, self.1)
    }
}

fn lock<T>(m: &Mutex<T>) -> Fallible<std::sync::MutexGuard<'_, T>> {
    // A poisoned lock means a panic inside an operation (a bug): refuse rather than go on
    // from a state that may be half changed.
    m.lock()
        .map_err(|_| Failure::internal("session is unusable after an internal failure"))
}

const DISPOSED: Error = Error::Disposed { what: "session" };

/// Runs `f` on the session unless it was disposed.
fn with<R>(
    slot: &Mutex<Option<Session>>,
    f: impl FnOnce(&mut Session) -> Result<R>,
) -> Fallible<R> {
    let mut guard = lock(slot)?;
    let session = guard.as_mut().ok_or(DISPOSED)?;
    Ok(f(session)?)
}

/// Runs `op` on a copy of the session and keeps the copy as the staged state.
fn stage<T>(
    slot: &Mutex<Option<Session>>,
    staged: &Mutex<Option<Box<(u64, Session)>>>,
    op: impl FnOnce(&mut Session) -> Result<T>,
) -> Fallible<Staged<T>> {
    let (base, mut copy) = with(slot, |s| Ok((s.epoch(), s.clone())))?;
    let output = op(&mut copy)?;
    let snapshot = snapshot(&copy)?;
    // Disposed meanwhile: keep no copy of the secrets.
    with(slot, |_| Ok(()))?;
    *lock(staged)? = Some(Box::new((base, copy)));
    Ok(Staged { output, snapshot })
}

fn initiate_core(
    identity: &NativeIdentity,
    capabilities: &[u8],
    bundle: &[u8],
    plaintext: &[u8],
    associated_data: &[u8],
    options: Option<NativeHandshakeOptions>,
    now: f64,
) -> napi::Result<impl FnOnce() -> Result<Opened> + Send + 'static> {
    let identity = identity.shared()?;
    let (caps, bundle, pt, ad) = (
        capabilities.to_vec(),
        bundle.to_vec(),
        plaintext.to_vec(),
        associated_data.to_vec(),
    );
    let options = handshake_options(options)?;
    let now = time(now)?;
    Ok(move || {
        let first = FirstMessage {
            plaintext: &pt,
            associated_data: &ad,
        };
        let (session, initial, peer) = Session::initiate_with_peer(
            &identity,
            &caps,
            &bundle,
            first,
            &options,
            now,
            &mut OsRandom,
        )?;
        Ok(Opened(session, Some(Opening::Initiated(initial, peer))))
    })
}

fn accept_core(
    identity: &NativeIdentity,
    capabilities: &[u8],
    prekeys: Vec<Uint8Array>,
    initial_message: &[u8],
    options: Option<NativeHandshakeOptions>,
    now: f64,
) -> napi::Result<impl FnOnce() -> Result<Opened> + Send + 'static> {
    let identity = identity.shared()?;
    // The records are parsed (and their key pairs checked) in the work itself, so that
    // `acceptAsync` does it on the thread pool, not on the JavaScript thread.
    // They hold secrets: copied into buffers wiped on drop.
    let records: Vec<SecretBytes> = prekeys.iter().map(|r| SecretBytes::from_slice(r)).collect();
    let caps = capabilities.to_vec();
    let msg = initial_message.to_vec();
    let options = handshake_options(options)?;
    let now = time(now)?;
    Ok(move || {
        let mut secrets = PrekeySecrets::new();
        for record in &records {
            secrets.insert(PrekeySecret::from_record(record.expose())?);
        }
        let a = Session::accept(&identity, &caps, &mut secrets, &msg, &options, now)?;
        Ok(Opened(
            a.session,
            Some(Opening::Accepted {
                peer: a.peer,
                plaintext: a.plaintext,
                associated_data: a.associated_data,
                used: a.used_prekeys,
                replay: a.replay,
            }),
        ))
    })
}

#[napi]
impl NativeSession {
    fn wrap(session: Session, opening: Option<Opening>) -> Self {
        Self {
            id: *session.id(),
            slots: Arc::new(Slots {
                session: Mutex::new(Some(session)),
                staged: Mutex::new(None),
            }),
            opening: Mutex::new(opening.map(Box::new)),
        }
    }

    /// Starts a session from the peer's prekey bundle; `takeOpening()` then gives the
    /// initial message to send.
    #[napi(factory, catch_unwind)]
    pub fn initiate(
        identity: &NativeIdentity,
        capabilities: &[u8],
        bundle: &[u8],
        plaintext: &[u8],
        associated_data: &[u8],
        options: Option<NativeHandshakeOptions>,
        now: f64,
    ) -> napi::Result<Self> {
        let work = initiate_core(
            identity,
            capabilities,
            bundle,
            plaintext,
            associated_data,
            options,
            now,
        )?;
        Ok(js(work())?.into_js())
    }

    /// `initiate` on the thread pool.
    #[napi(catch_unwind, ts_return_type = "Promise<NativeSession>")]
    pub fn initiate_async(
        identity: &NativeIdentity,
        capabilities: &[u8],
        bundle: &[u8],
        plaintext: &[u8],
        associated_data: &[u8],
        options: Option<NativeHandshakeOptions>,
        now: f64,
    ) -> napi::Result<AsyncTask<Job<Opened>>> {
        let work = initiate_core(
            identity,
            capabilities,
            bundle,
            plaintext,
            associated_data,
            options,
            now,
        )?;
        Ok(AsyncTask::new(Job::new(work)))
    }

    /// Accepts an initial message with the given prekey secret records (those the
    /// message names); `takeOpening()` then gives the first message and the prekeys
    /// used, which the caller's store must consume.
    #[napi(factory, catch_unwind)]
    pub fn accept(
        identity: &NativeIdentity,
        capabilities: &[u8],
        prekeys: Vec<Uint8Array>,
        initial_message: &[u8],
        options: Option<NativeHandshakeOptions>,
        now: f64,
    ) -> napi::Result<Self> {
        let work = accept_core(
            identity,
            capabilities,
            prekeys,
            initial_message,
            options,
            now,
        )?;
        Ok(js(work())?.into_js())
    }

    /// `accept` on the thread pool.
    #[napi(catch_unwind, ts_return_type = "Promise<NativeSession>")]
    pub fn accept_async(
        identity: &NativeIdentity,
        capabilities: &[u8],
        prekeys: Vec<Uint8Array>,
        initial_message: &[u8],
        options: Option<NativeHandshakeOptions>,
        now: f64,
    ) -> napi::Result<AsyncTask<Job<Opened>>> {
        let work = accept_core(
            identity,
            capabilities,
            prekeys,
            initial_message,
            options,
            now,
        )?;
        Ok(AsyncTask::new(Job::new(work)))
    }

    /// Restores a serialized session; `minimumEpoch` refuses an older copy
    /// (`SESSION_ROLLBACK`).
    #[napi(factory, catch_unwind)]
    pub fn deserialize(bytes: &[u8], minimum_epoch: Option<f64>) -> napi::Result<Self> {
        let min = minimum_epoch.map(time).transpose()?;
        Ok(Self::wrap(js(Session::deserialize(bytes, min))?, None))
    }

    /// The opening's output, once (it is cleared so the first plaintext does not linger).
    #[napi(catch_unwind)]
    pub fn take_opening(&self) -> napi::Result<Option<NativeOpening>> {
        let (post_quantum, hybrid_auth) = js(with(&self.slots.session, |s| {
            let f = s.facts();
            Ok((f.post_quantum, f.hybrid_auth))
        }))?;
        let mut slot = js(lock(&self.opening))?;
        Ok(slot.take().map(|o| match *o {
            Opening::Initiated(m, peer) => NativeOpening {
                initial_message: Some(Bytes::from(m)),
                peer: public_identity_js(&peer),
                plaintext: None,
                associated_data: None,
                one_time_prekeys: Vec::new(),
                rotated_prekeys: Vec::new(),
                replay_until: None,
                post_quantum,
                hybrid_auth,
            },
            Opening::Accepted {
                peer,
                plaintext,
                associated_data,
                used,
                replay,
            } => NativeOpening {
                initial_message: None,
                peer: public_identity_js(&peer),
                plaintext: Some(Bytes::from(plaintext)),
                associated_data: Some(Bytes::from(associated_data)),
                replay_until: used.one_time().is_empty().then_some(replay.until as f64),
                one_time_prekeys: ids(used.one_time()),
                rotated_prekeys: ids(used.rotated()),
                post_quantum,
                hybrid_auth,
            },
        }))
    }

    /// Encrypts into an encoded ratchet message.
    #[napi(catch_unwind, ts_return_type = "Uint8Array")]
    pub fn encrypt(
        &self,
        plaintext: &[u8],
        associated_data: &[u8],
        now: f64,
    ) -> napi::Result<Bytes> {
        let now = time(now)?;
        let out = js(with(&self.slots.session, |s| {
            s.encrypt(plaintext, associated_data, now)
        }))?;
        Ok(Bytes::from(out))
    }

    /// `encrypt` on the thread pool.
    #[napi(catch_unwind, ts_return_type = "Promise<Uint8Array>")]
    pub fn encrypt_async(
        &self,
        plaintext: &[u8],
        associated_data: &[u8],
        now: f64,
    ) -> napi::Result<AsyncTask<Job<Vec<u8>>>> {
        let now = time(now)?;
        let slots = Arc::clone(&self.slots);
        let (pt, ad) = (plaintext.to_vec(), associated_data.to_vec());
        Ok(AsyncTask::new(Job::fallible(move || {
            with(&slots.session, |s| s.encrypt(&pt, &ad, now))
        })))
    }

    /// Decrypts an encoded ratchet message; any error leaves the session unchanged.
    #[napi(catch_unwind)]
    pub fn decrypt(&self, message: &[u8], now: f64) -> napi::Result<NativeDecrypted> {
        let now = time(now)?;
        Ok(js(with(&self.slots.session, |s| s.decrypt(message, now)))?.into_js())
    }

    /// `decrypt` on the thread pool.
    #[napi(catch_unwind, ts_return_type = "Promise<NativeDecrypted>")]
    pub fn decrypt_async(
        &self,
        message: &[u8],
        now: f64,
    ) -> napi::Result<AsyncTask<Job<Decrypted>>> {
        let now = time(now)?;
        let slots = Arc::clone(&self.slots);
        let msg = message.to_vec();
        Ok(AsyncTask::new(Job::fallible(move || {
            with(&slots.session, |s| s.decrypt(&msg, now))
        })))
    }

    /// `encrypt` on a copy, on the thread pool: the message and the copy's snapshot; the
    /// session itself changes only at `commitStaged`.
    #[napi(catch_unwind, ts_return_type = "Promise<NativeStagedEncrypt>")]
    pub fn encrypt_staged_async(
        &self,
        plaintext: &[u8],
        associated_data: &[u8],
        now: f64,
    ) -> napi::Result<AsyncTask<Job<Staged<Vec<u8>>>>> {
        let now = time(now)?;
        let slots = Arc::clone(&self.slots);
        let (pt, ad) = (plaintext.to_vec(), associated_data.to_vec());
        Ok(AsyncTask::new(Job::fallible(move || {
            stage(&slots.session, &slots.staged, |s| s.encrypt(&pt, &ad, now))
        })))
    }

    /// `decrypt` on a copy, on the thread pool: the plaintext and the copy's snapshot; the
    /// session itself changes only at `commitStaged`. A refused message stages nothing.
    #[napi(catch_unwind, ts_return_type = "Promise<NativeStagedDecrypt>")]
    pub fn decrypt_staged_async(
        &self,
        message: &[u8],
        now: f64,
    ) -> napi::Result<AsyncTask<Job<Staged<Decrypted>>>> {
        let now = time(now)?;
        let slots = Arc::clone(&self.slots);
        let msg = message.to_vec();
        Ok(AsyncTask::new(Job::fallible(move || {
            stage(&slots.session, &slots.staged, |s| s.decrypt(&msg, now))
        })))
    }

    /// Installs the staged copy. Refused (`INVALID_ARGUMENT`) when there is none or the
    /// session changed since it was staged.
    #[napi(catch_unwind)]
    pub fn commit_staged(&self) -> napi::Result<()> {
        js((|| -> Fallible<()> {
            let mut slot = lock(&self.slots.session)?;
            let current = slot.as_mut().ok_or(DISPOSED)?;
            let (base, copy) = *lock(&self.slots.staged)?
                .take()
                .ok_or(Error::InvalidArgument {
                    what: "no staged session state to commit",
                })?;
            if current.epoch() != base {
                return Err(Error::InvalidArgument {
                    what: "the session changed since the state was staged",
                }
                .into());
            }
            *current = copy;
            Ok(())
        })())
    }

    /// Drops the staged copy (its secrets are wiped on drop).
    #[napi(catch_unwind)]
    pub fn discard_staged(&self) -> napi::Result<()> {
        js(lock(&self.slots.staged).map(|mut s| drop(s.take())))
    }

    /// The record with its epoch and session id, read together.
    #[napi(catch_unwind)]
    pub fn snapshot(&self) -> napi::Result<NativeSnapshot> {
        Ok(js(with(&self.slots.session, |s| snapshot(s)))?.into_js())
    }

    /// Wipes the session's secrets now (the ratchet's keys are zeroized on drop); every
    /// later call is `DISPOSED`. Idempotent.
    #[napi(catch_unwind)]
    pub fn dispose(&self) -> napi::Result<()> {
        js((|| -> Fallible<()> {
            drop(lock(&self.slots.staged)?.take());
            drop(lock(&self.slots.session)?.take());
            drop(self.opening.lock().map(|mut o| o.take()));
            Ok(())
        })())
    }

    /// The session id, which never changes (without building the whole `facts`);
    /// readable after `dispose`.
    #[napi(getter, ts_return_type = "Uint8Array")]
    pub fn session_id(&self) -> Bytes {
        Bytes::copy(&self.id)
    }

    /// Whether `dispose` was called.
    #[napi(getter, catch_unwind)]
    pub fn disposed(&self) -> napi::Result<bool> {
        js(lock(&self.slots.session).map(|s| s.is_none()))
    }

    /// Serializes the whole session, secrets included (explicit export for a store).
    #[napi(catch_unwind, ts_return_type = "Uint8Array")]
    pub fn serialize(&self) -> napi::Result<Bytes> {
        let bytes = js(with(&self.slots.session, |s| s.serialize()))?;
        Ok(Bytes::copy(&bytes))
    }

    /// Starts a post-quantum step: our pipeline's next key starts with our next message.
    #[napi(catch_unwind)]
    pub fn force_kem_step(&self) -> napi::Result<()> {
        js(with(&self.slots.session, |s| {
            s.force_kem_step();
            Ok(())
        }))
    }

    /// The epoch: +1 on every change.
    #[napi(getter, catch_unwind)]
    pub fn epoch(&self) -> napi::Result<f64> {
        js(with(&self.slots.session, |s| Ok(s.epoch() as f64)))
    }

    /// Whether a forced KEM step is pending.
    #[napi(getter, catch_unwind)]
    pub fn kem_step_forced(&self) -> napi::Result<bool> {
        js(with(&self.slots.session, |s| {
            Ok(s.ratchet().kem_step_forced())
        }))
    }

    /// Whether a message of the peer decrypted in this session (always for the responder).
    #[napi(getter, catch_unwind)]
    pub fn peer_confirmed(&self) -> napi::Result<bool> {
        js(with(&self.slots.session, |s| Ok(s.peer_confirmed())))
    }

    /// Completed post-quantum ratchet steps (both pipelines).
    #[napi(getter, catch_unwind)]
    pub fn pq_steps(&self) -> napi::Result<f64> {
        js(with(&self.slots.session, |s| Ok(s.pq_steps() as f64)))
    }

    /// Number of stored skipped message keys.
    #[napi(getter, catch_unwind)]
    pub fn skipped_keys(&self) -> napi::Result<u32> {
        js(with(&self.slots.session, |s| {
            Ok(u32::try_from(s.ratchet().skipped_keys()).unwrap_or(u32::MAX))
        }))
    }

    /// The facts of the handshake.
    #[napi(getter, catch_unwind)]
    pub fn facts(&self) -> napi::Result<NativeSessionFacts> {
        js(with(&self.slots.session, |s| Ok(facts(s))))
    }
}

/// The facts of `s` for JavaScript.
fn facts(s: &Session) -> NativeSessionFacts {
    let f = s.facts();
    NativeSessionFacts {
        role: match f.role {
            Role::Initiator => "initiator",
            Role::Responder => "responder",
        }
        .to_string(),
        version: f.version.into(),
        kem_suite: f.kem.name().to_string(),
        sig_suite: f.sig.name().to_string(),
        aead_suite: f.aead.name().to_string(),
        features: feature_entries(f.features),
        hybrid_auth: f.hybrid_auth,
        post_quantum: f.post_quantum,
        transcript_hash: Bytes::copy(&f.transcript_hash),
        session_id: Bytes::copy(s.id()),
        local_identity: Bytes::copy(&f.local_identity),
        peer_identity: Bytes::copy(&f.peer_identity),
        established_at: f.established_at as f64,
    }
}
