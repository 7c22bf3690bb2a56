//! Identities, prekeys and sessions (docs/protocol.md §2–§6), behind handles: the
//! secrets never leave Rust except as the records an application asks for explicitly
//! (`pqw_identity_export`, `pqw_session_serialize`), to keep in its keychain.
//!
//! Both parties use pqwire's default capabilities and handshake options (policy
//! `pq-required`, the ratchet settings of the session's KEM): the React Native package
//! offers the handshake as `createPrekeyBundle` / `initiateSession` / `acceptSession` with
//! those defaults.

use std::sync::{Arc, Mutex};

use pqwire_core::negotiation::Role;
use pqwire_core::pqxdh::{
    assemble_bundle, create_batch, BatchOptions, FirstMessage, HandshakeOptions, Identity,
    PrekeySecrets, Validity,
};
use pqwire_core::random::OsRandom;
use pqwire_core::session::Session;
use pqwire_core::wire::{Capabilities, WireMessage};

use crate::buf::{input, optional, put, value_out, Out};
use crate::handles::{self, lock, Object};
use crate::primitives::{kem_suite, sig_suite};
use crate::status::{run, Failure, Fallible};
use crate::{PqwBuf, PqwStatus};

/// A session's public facts ([`pqw_session_info`]).
#[repr(C)]
pub struct PqwSessionInfo {
    /// +1 on every change: the rollback check of [`pqw_session_deserialize`].
    pub epoch: u64,
    /// Completed post-quantum ratchet steps.
    pub pq_steps: u64,
    /// When the handshake happened (unix seconds).
    pub established_at: u64,
    /// The ratchet's KEM suite (wire code).
    pub kem_suite: u32,
    /// The negotiated signature suite (wire code).
    pub sig_suite: u32,
    /// The AEAD suite (wire code).
    pub aead_suite: u32,
    /// 0: we initiated; 1: we responded.
    pub role: u8,
    /// 1 when the handshake used an ML-KEM prekey.
    pub post_quantum: u8,
    /// 1 when the initiator signed the transcript with a hybrid identity key.
    pub hybrid_auth: u8,
    /// 1 once a message of the peer decrypted in this session.
    pub peer_confirmed: u8,
    /// The session id bound into every message.
    pub session_id: [u8; 32],
    /// Our identity's fingerprint.
    pub local_identity: [u8; PQW_KEY_ID_LEN],
    /// The peer identity's fingerprint, verified at the handshake.
    pub peer_identity: [u8; PQW_KEY_ID_LEN],
}

/// The length of a fingerprint (an identity's key id).
pub const PQW_KEY_ID_LEN: usize = 16;
const _: () = assert!(PQW_KEY_ID_LEN == pqwire_core::wire::limits::KEY_ID_LEN);

/// No KEM: a classical prekey bundle (refused as `PQ_REQUIRED` under the default policy).
pub const PQW_NO_KEM: u32 = 0;

fn default_capabilities() -> Fallible<Vec<u8>> {
    Ok(Capabilities::default().encode()?)
}

/// Generates a hybrid identity (`Ed25519+ML-DSA-65` or `Ed25519+ML-DSA-87`) valid from
/// `created` for `lifetime` seconds; deterministic when `seed` (32 bytes) is given.
///
/// # Safety
/// `seed` null or readable for its length; `handle` writable; `status` null or writable.
#[no_mangle]
pub unsafe extern "C" fn pqw_identity_generate(
    sig_suite_code: u32,
    created: u64,
    lifetime: u64,
    seed: *const u8,
    seed_len: usize,
    handle: *mut u32,
    status: *mut PqwStatus,
) -> i32 {
    run(status, || {
        // SAFETY: forwarded from this function's contract.
        let (seed, handle) = unsafe {
            (
                optional(seed, seed_len, "seed")?,
                value_out(handle, "handle")?,
            )
        };
        let suite = sig_suite(sig_suite_code)?;
        let validity = Validity::starting(created, lifetime)?;
        let identity = match seed {
            None => Identity::generate(suite, validity, &mut OsRandom)?,
            Some(s) => {
                let s: [u8; 32] = s.try_into().map_err(|_| pqwire_core::Error::BadLength {
                    what: "identity seed",
                    expected: 32,
                    actual: s.len(),
                })?;
                Identity::from_seed(suite, validity, s)?
            }
        };
        *handle = handles::insert(Object::Identity(Arc::new(identity)))?;
        Ok(())
    })
}

/// Restores an identity from [`pqw_identity_export`]'s record.
///
/// # Safety
/// `record` readable for its length; `handle` writable; `status` null or writable.
#[no_mangle]
pub unsafe extern "C" fn pqw_identity_import(
    record: *const u8,
    record_len: usize,
    handle: *mut u32,
    status: *mut PqwStatus,
) -> i32 {
    run(status, || {
        // SAFETY: forwarded from this function's contract.
        let (record, handle) = unsafe {
            (
                input(record, record_len, "record")?,
                value_out(handle, "handle")?,
            )
        };
        let identity = Identity::from_record(record)?;
        *handle = handles::insert(Object::Identity(Arc::new(identity)))?;
        Ok(())
    })
}

/// The identity's secret record, to keep in a keychain. **Secret.**
///
/// # Safety
/// `out` writable; `status` null or writable.
#[no_mangle]
pub unsafe extern "C" fn pqw_identity_export(
    identity: u32,
    out: *mut PqwBuf,
    status: *mut PqwStatus,
) -> i32 {
    run(status, || {
        // SAFETY: forwarded from this function's contract.
        let out = unsafe { Out::new(out, "out") }?;
        put(out, &handles::identity(identity)?.to_record())
    })
}

/// The identity's fingerprint (its signing key's key id, 16 bytes) and suite code.
///
/// # Safety
/// `fingerprint` and `suite` writable; `status` null or writable.
#[no_mangle]
pub unsafe extern "C" fn pqw_identity_public(
    identity: u32,
    fingerprint: *mut PqwBuf,
    suite: *mut u32,
    status: *mut PqwStatus,
) -> i32 {
    run(status, || {
        // SAFETY: forwarded from this function's contract.
        let (out, suite) = unsafe {
            (
                Out::new(fingerprint, "fingerprint")?,
                value_out(suite, "suite")?,
            )
        };
        let id = handles::identity(identity)?;
        *suite = u32::from(id.suite().code());
        put(out, &id.public().key_id())
    })
}

/// A new, empty prekey store: it holds prekey secrets, consumes one-time prekeys exactly
/// once and keeps the replay cache of handshakes that used none.
///
/// # Safety
/// `handle` writable; `status` null or writable.
#[no_mangle]
pub unsafe extern "C" fn pqw_prekey_store_new(handle: *mut u32, status: *mut PqwStatus) -> i32 {
    run(status, || {
        // SAFETY: forwarded from this function's contract.
        let handle = unsafe { value_out(handle, "handle") }?;
        *handle = handles::insert(Object::Prekeys(Arc::new(Mutex::new(PrekeySecrets::new()))))?;
        Ok(())
    })
}

/// The number of prekey secrets a store holds.
///
/// # Safety
/// `count` writable; `status` null or writable.
#[no_mangle]
pub unsafe extern "C" fn pqw_prekey_store_count(
    store: u32,
    count: *mut u32,
    status: *mut PqwStatus,
) -> i32 {
    run(status, || {
        // SAFETY: forwarded from this function's contract.
        let count = unsafe { value_out(count, "count") }?;
        let prekeys = handles::prekeys(store)?;
        let n = lock(&prekeys)?.len();
        *count =
            u32::try_from(n).map_err(|_| Failure::internal("internal error: too many prekeys"))?;
        Ok(())
    })
}

/// Creates one prekey bundle for `identity` at `now`: a signed batch (signed X25519
/// prekey, last-resort ML-KEM prekey of `kem_suite_code`, and, when asked, one one-time
/// prekey of each kind) whose secrets go into `store`, then the bundle to publish.
/// `kem_suite_code` [`PQW_NO_KEM`] makes a classical bundle (no ML-KEM prekey).
///
/// # Safety
/// `bundle` writable; `status` null or writable.
#[no_mangle]
pub unsafe extern "C" fn pqw_prekey_bundle_create(
    identity: u32,
    store: u32,
    kem_suite_code: u32,
    one_time_prekey: u8,
    one_time_kem_prekey: u8,
    now: u64,
    bundle: *mut PqwBuf,
    status: *mut PqwStatus,
) -> i32 {
    run(status, || {
        // SAFETY: forwarded from this function's contract.
        let out = unsafe { Out::new(bundle, "bundle") }?;
        let id = handles::identity(identity)?;
        let prekeys = handles::prekeys(store)?;
        let kem = match kem_suite_code {
            PQW_NO_KEM => None,
            c => Some(kem_suite(c)?),
        };
        let with_kem = kem.is_some() && one_time_kem_prekey != 0;
        let options = BatchOptions {
            kem,
            one_time_count: u32::from(one_time_prekey != 0),
            one_time_kem_count: u32::from(with_kem),
            ..BatchOptions::default()
        };
        let batch = create_batch(&id, &default_capabilities()?, &options, now, &mut OsRandom)?;
        let encoded = assemble_bundle(
            &batch.upload,
            with_kem.then_some(0),
            (one_time_prekey != 0).then_some(0),
        )?
        .encode()?;
        let mut store = lock(&prekeys)?;
        for secret in batch.secrets {
            store.insert(secret);
        }
        put(out, &encoded)
    })
}

fn new_session(session: Session) -> Fallible<u32> {
    handles::insert(Object::Session(Arc::new(Mutex::new(session))))
}

/// Starts a session from the peer's encoded prekey bundle, carrying the first message
/// (`plaintext`, `associated_data`) in the initial message to send.
///
/// # Safety
/// Each input null or readable for its length; `session` and `initial_message`
/// writable; `status` null or writable.
#[no_mangle]
pub unsafe extern "C" fn pqw_session_initiate(
    identity: u32,
    bundle: *const u8,
    bundle_len: usize,
    plaintext: *const u8,
    plaintext_len: usize,
    associated_data: *const u8,
    associated_data_len: usize,
    now: u64,
    session: *mut u32,
    initial_message: *mut PqwBuf,
    status: *mut PqwStatus,
) -> i32 {
    run(status, || {
        // SAFETY: forwarded from this function's contract.
        let (bundle, pt, ad, session, out) = unsafe {
            (
                input(bundle, bundle_len, "bundle")?,
                input(plaintext, plaintext_len, "plaintext")?,
                input(associated_data, associated_data_len, "associated_data")?,
                value_out(session, "session")?,
                Out::new(initial_message, "initial_message")?,
            )
        };
        let id = handles::identity(identity)?;
        let first = FirstMessage {
            plaintext: pt,
            associated_data: ad,
        };
        let (s, initial) = Session::initiate(
            &id,
            &default_capabilities()?,
            bundle,
            first,
            &HandshakeOptions::default(),
            now,
            &mut OsRandom,
        )?;
        let handle = new_session(s)?;
        *session = handle;
        put(out, &initial)
    })
}

/// Accepts an initial message with the prekeys in `store` (its one-time prekeys are
/// consumed only when the message authenticated; a replay is `PREKEY_REUSED` or
/// `REPLAYED`), giving the session and the first message.
///
/// # Safety
/// `initial_message` readable for its length; `session`, `plaintext` and
/// `associated_data` writable; `status` null or writable.
#[no_mangle]
pub unsafe extern "C" fn pqw_session_accept(
    identity: u32,
    store: u32,
    initial_message: *const u8,
    initial_message_len: usize,
    now: u64,
    session: *mut u32,
    plaintext: *mut PqwBuf,
    associated_data: *mut PqwBuf,
    status: *mut PqwStatus,
) -> i32 {
    run(status, || {
        // SAFETY: forwarded from this function's contract.
        let (msg, session, pt_out, ad_out) = unsafe {
            (
                input(initial_message, initial_message_len, "initial_message")?,
                value_out(session, "session")?,
                Out::new(plaintext, "plaintext")?,
                Out::new(associated_data, "associated_data")?,
            )
        };
        let id = handles::identity(identity)?;
        let prekeys = handles::prekeys(store)?;
        let accepted = {
            let mut store = lock(&prekeys)?;
            Session::accept(
                &id,
                &default_capabilities()?,
                &mut *store,
                msg,
                &HandshakeOptions::default(),
                now,
            )?
        };
        let plaintext = zeroize::Zeroizing::new(accepted.plaintext);
        *session = new_session(accepted.session)?;
        put(pt_out, &plaintext)?;
        put(ad_out, &accepted.associated_data)
    })
}

/// Encrypts `plaintext` into an encoded ratchet message; `associated_data` travels
/// authenticated, not encrypted.
///
/// # Safety
/// Each input null or readable for its length; `message` writable; `status` null or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn pqw_session_encrypt(
    session: u32,
    plaintext: *const u8,
    plaintext_len: usize,
    associated_data: *const u8,
    associated_data_len: usize,
    now: u64,
    message: *mut PqwBuf,
    status: *mut PqwStatus,
) -> i32 {
    run(status, || {
        // SAFETY: forwarded from this function's contract.
        let (pt, ad, out) = unsafe {
            (
                input(plaintext, plaintext_len, "plaintext")?,
                input(associated_data, associated_data_len, "associated_data")?,
                Out::new(message, "message")?,
            )
        };
        let s = handles::session(session)?;
        let m = lock(&s)?.encrypt(pt, ad, now)?;
        put(out, &m)
    })
}

/// Decrypts an encoded ratchet message. Every failure (`AUTH_FAILED`, `REPLAYED`, a wire
/// rule, …) leaves the session exactly as it was.
///
/// # Safety
/// `message` readable for its length; `plaintext` and `associated_data` writable;
/// `status` null or writable.
#[no_mangle]
pub unsafe extern "C" fn pqw_session_decrypt(
    session: u32,
    message: *const u8,
    message_len: usize,
    now: u64,
    plaintext: *mut PqwBuf,
    associated_data: *mut PqwBuf,
    status: *mut PqwStatus,
) -> i32 {
    run(status, || {
        // SAFETY: forwarded from this function's contract.
        let (msg, pt_out, ad_out) = unsafe {
            (
                input(message, message_len, "message")?,
                Out::new(plaintext, "plaintext")?,
                Out::new(associated_data, "associated_data")?,
            )
        };
        let s = handles::session(session)?;
        let d = lock(&s)?.decrypt(msg, now)?;
        let plaintext = zeroize::Zeroizing::new(d.plaintext);
        put(pt_out, &plaintext)?;
        put(ad_out, &d.associated_data)
    })
}

/// The session's record, to store. **Secret.**
///
/// # Safety
/// `out` writable; `status` null or writable.
#[no_mangle]
pub unsafe extern "C" fn pqw_session_serialize(
    session: u32,
    out: *mut PqwBuf,
    status: *mut PqwStatus,
) -> i32 {
    run(status, || {
        // SAFETY: forwarded from this function's contract.
        let out = unsafe { Out::new(out, "out") }?;
        let s = handles::session(session)?;
        let record = lock(&s)?.serialize()?;
        put(out, &record)
    })
}

/// Restores a session from [`pqw_session_serialize`]'s record. With `has_minimum_epoch`
/// non-zero, a record older than `minimum_epoch` is refused (`SESSION_ROLLBACK`).
///
/// # Safety
/// `record` readable for its length; `session` writable; `status` null or writable.
#[no_mangle]
pub unsafe extern "C" fn pqw_session_deserialize(
    record: *const u8,
    record_len: usize,
    has_minimum_epoch: u8,
    minimum_epoch: u64,
    session: *mut u32,
    status: *mut PqwStatus,
) -> i32 {
    run(status, || {
        // SAFETY: forwarded from this function's contract.
        let (record, session) = unsafe {
            (
                input(record, record_len, "record")?,
                value_out(session, "session")?,
            )
        };
        let min = (has_minimum_epoch != 0).then_some(minimum_epoch);
        *session = new_session(Session::deserialize(record, min)?)?;
        Ok(())
    })
}

/// The session's public facts.
///
/// # Safety
/// `out` writable; `status` null or writable.
#[no_mangle]
pub unsafe extern "C" fn pqw_session_info(
    session: u32,
    out: *mut PqwSessionInfo,
    status: *mut PqwStatus,
) -> i32 {
    run(status, || {
        // SAFETY: forwarded from this function's contract.
        let out = unsafe { value_out(out, "out") }?;
        let s = handles::session(session)?;
        let s = lock(&s)?;
        let f = s.facts();
        *out = PqwSessionInfo {
            epoch: s.epoch(),
            pq_steps: s.pq_steps(),
            established_at: f.established_at,
            kem_suite: u32::from(f.kem.code()),
            sig_suite: u32::from(f.sig.code()),
            aead_suite: u32::from(f.aead.code()),
            role: u8::from(f.role == Role::Responder),
            post_quantum: u8::from(f.post_quantum),
            hybrid_auth: u8::from(f.hybrid_auth),
            peer_confirmed: u8::from(s.peer_confirmed()),
            session_id: *s.id(),
            local_identity: f.local_identity,
            peer_identity: f.peer_identity,
        };
        Ok(())
    })
}
