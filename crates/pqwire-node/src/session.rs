//! Session bindings: `NativeSession` holds a core [`Session`] (secrets stay in native
//! memory) behind a mutex, so that the `*Async` methods can run on the thread pool.
//! The facade serializes the calls on one session, so the mutex is never contended in
//! normal use; it only keeps a misuse from racing.

use crate::errors::{js, to_js};
use crate::identity::{public_identity_js, NativeIdentity, NativePublicIdentity};
use crate::options::{handshake_options, time, NativeHandshakeOptions};
use crate::task::{IntoJs, Job};
use crate::wire::feature_entries;
use napi::bindgen_prelude::{AsyncTask, Either, Uint8Array};
use napi_derive::napi;
use pqwire_core::handshake::{FirstMessage, PrekeySecret, PrekeySecrets, UsedPrekeys};
use pqwire_core::negotiation::Role;
use pqwire_core::ratchet::OsRandom;
use pqwire_core::session::{Decrypted, Session};
use pqwire_core::{Error, Result, SecretBytes};
use std::sync::{Arc, Mutex};

/// What the handshake settled, public values only.
#[napi(object)]
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
    pub transcript_hash: Uint8Array,
    pub session_id: Uint8Array,
    pub local_identity: Uint8Array,
    pub peer: NativePublicIdentity,
    pub established_at: f64,
}

/// A decrypted message.
#[napi(object)]
pub struct NativeDecrypted {
    pub plaintext: Uint8Array,
    pub associated_data: Uint8Array,
}

impl IntoJs for Decrypted {
    type Js = NativeDecrypted;
    fn into_js(self) -> NativeDecrypted {
        NativeDecrypted {
            plaintext: Uint8Array::new(self.plaintext),
            associated_data: Uint8Array::new(self.associated_data),
        }
    }
}

/// What opening a session produced besides the session: the initial message to send
/// (initiator), or the first message and the prekeys used (responder).
#[napi(object)]
pub struct NativeOpening {
    pub initial_message: Option<Uint8Array>,
    pub plaintext: Option<Uint8Array>,
    pub associated_data: Option<Uint8Array>,
    /// Key ids of the one-time prekeys used: the store must consume them.
    pub one_time_prekeys: Vec<Uint8Array>,
    /// Key ids of the rotated prekeys used (signed, last-resort): the store counts uses.
    pub rotated_prekeys: Vec<Uint8Array>,
}

enum Opening {
    Initiated(Vec<u8>),
    Accepted {
        plaintext: Vec<u8>,
        associated_data: Vec<u8>,
        used: UsedPrekeys,
    },
}

fn ids(list: Vec<pqwire_core::ratchet::KeyId>) -> Vec<Uint8Array> {
    list.into_iter()
        .map(|id| Uint8Array::new(id.to_vec()))
        .collect()
}

/// One party's end of a session.
#[napi]
pub struct NativeSession {
    inner: Arc<Mutex<Session>>,
    opening: Mutex<Option<Opening>>,
}

/// A session just made on the thread pool, becoming a `NativeSession` on the JS thread.
pub struct Opened(Session, Option<Opening>);

impl IntoJs for Opened {
    type Js = NativeSession;
    fn into_js(self) -> NativeSession {
        NativeSession::wrap(self.0, self.1)
    }
}

fn lock(m: &Mutex<Session>) -> Result<std::sync::MutexGuard<'_, Session>> {
    // A poisoned lock means a panic inside an operation: refuse rather than go on from a
    // state that may be half changed.
    m.lock().map_err(|_| Error::InvalidArgument {
        what: "session is unusable after an internal failure",
    })
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
        let (session, initial) = Session::initiate(
            &identity,
            &caps,
            &bundle,
            first,
            &options,
            now,
            &mut OsRandom,
        )?;
        Ok(Opened(session, Some(Opening::Initiated(initial))))
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
                plaintext: a.plaintext,
                associated_data: a.associated_data,
                used: a.used_prekeys,
            }),
        ))
    })
}

#[napi]
impl NativeSession {
    fn wrap(session: Session, opening: Option<Opening>) -> Self {
        Self {
            inner: Arc::new(Mutex::new(session)),
            opening: Mutex::new(opening),
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
        let mut slot = self.opening.lock().map_err(|_| {
            to_js(Error::InvalidArgument {
                what: "session lock poisoned",
            })
        })?;
        Ok(slot.take().map(|o| match o {
            Opening::Initiated(m) => NativeOpening {
                initial_message: Some(Uint8Array::new(m)),
                plaintext: None,
                associated_data: None,
                one_time_prekeys: Vec::new(),
                rotated_prekeys: Vec::new(),
            },
            Opening::Accepted {
                plaintext,
                associated_data,
                used,
            } => NativeOpening {
                initial_message: None,
                plaintext: Some(Uint8Array::new(plaintext)),
                associated_data: Some(Uint8Array::new(associated_data)),
                one_time_prekeys: ids(used.one_time()),
                rotated_prekeys: ids(used.rotated()),
            },
        }))
    }

    /// Encrypts into an encoded ratchet message.
    #[napi(catch_unwind)]
    pub fn encrypt(
        &self,
        plaintext: &[u8],
        associated_data: &[u8],
        now: f64,
    ) -> napi::Result<Uint8Array> {
        let now = time(now)?;
        let out =
            js(lock(&self.inner).and_then(|mut s| s.encrypt(plaintext, associated_data, now)))?;
        Ok(Uint8Array::new(out))
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
        let inner = Arc::clone(&self.inner);
        let (pt, ad) = (plaintext.to_vec(), associated_data.to_vec());
        Ok(AsyncTask::new(Job::new(move || {
            lock(&inner)?.encrypt(&pt, &ad, now)
        })))
    }

    /// Decrypts an encoded ratchet message; any error leaves the session unchanged.
    #[napi(catch_unwind)]
    pub fn decrypt(&self, message: &[u8], now: f64) -> napi::Result<NativeDecrypted> {
        let now = time(now)?;
        Ok(js(lock(&self.inner).and_then(|mut s| s.decrypt(message, now)))?.into_js())
    }

    /// `decrypt` on the thread pool.
    #[napi(catch_unwind, ts_return_type = "Promise<NativeDecrypted>")]
    pub fn decrypt_async(
        &self,
        message: &[u8],
        now: f64,
    ) -> napi::Result<AsyncTask<Job<Decrypted>>> {
        let now = time(now)?;
        let inner = Arc::clone(&self.inner);
        let msg = message.to_vec();
        Ok(AsyncTask::new(Job::new(move || {
            lock(&inner)?.decrypt(&msg, now)
        })))
    }

    /// Serializes the whole session, secrets included (explicit export for a store).
    #[napi(catch_unwind)]
    pub fn serialize(&self) -> napi::Result<Uint8Array> {
        let bytes = js(lock(&self.inner).and_then(|s| s.serialize()))?;
        Ok(Uint8Array::new(bytes.to_vec()))
    }

    /// Makes the next asymmetric step a KEM step.
    #[napi(catch_unwind)]
    pub fn force_kem_step(&self) -> napi::Result<()> {
        js(lock(&self.inner).map(|mut s| s.force_kem_step()))
    }

    /// The epoch: +1 on every change.
    #[napi(getter, catch_unwind)]
    pub fn epoch(&self) -> napi::Result<f64> {
        js(lock(&self.inner).map(|s| s.epoch() as f64))
    }

    /// Whether a forced KEM step is pending.
    #[napi(getter, catch_unwind)]
    pub fn kem_step_forced(&self) -> napi::Result<bool> {
        js(lock(&self.inner).map(|s| s.ratchet().kem_step_forced()))
    }

    /// Number of stored skipped message keys.
    #[napi(getter, catch_unwind)]
    pub fn skipped_keys(&self) -> napi::Result<u32> {
        js(
            lock(&self.inner)
                .map(|s| u32::try_from(s.ratchet().skipped_keys()).unwrap_or(u32::MAX)),
        )
    }

    /// The facts of the handshake.
    #[napi(getter, catch_unwind)]
    pub fn facts(&self) -> napi::Result<NativeSessionFacts> {
        let s = js(lock(&self.inner))?;
        let f = s.facts();
        Ok(NativeSessionFacts {
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
            transcript_hash: Uint8Array::new(f.transcript_hash.to_vec()),
            session_id: Uint8Array::new(s.id().to_vec()),
            local_identity: Uint8Array::new(f.local_identity.to_vec()),
            peer: public_identity_js(&f.peer),
            established_at: f.established_at as f64,
        })
    }
}
