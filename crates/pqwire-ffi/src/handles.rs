//! The handle registry: objects holding secrets that outlive a call (identities, prekey
//! stores, sessions) stay here, in Rust, and the caller holds a `u32` handle. Handles are
//! counted up from 1 and never reused, so a freed handle is told from one never handed
//! out (`DISPOSED` against `INVALID_ARGUMENT`), and a handle of the wrong kind is refused:
//! misuse from JavaScript is a typed error, never undefined behaviour. Dropping an object
//! wipes its secrets (the core types zeroize on drop).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use pqwire_core::pqxdh::{Identity, PrekeySecrets};
use pqwire_core::session::Session;
use pqwire_core::Error;

use crate::status::{run, Failure, Fallible};
use crate::PqwStatus;

/// One object behind a handle. Mutable ones sit behind their own lock, so that one
/// session's work does not hold the registry.
pub(crate) enum Object {
    Identity(Arc<Identity>),
    Prekeys(Arc<Mutex<PrekeySecrets>>),
    Session(Arc<Mutex<Session>>),
}

struct Registry {
    next: u32,
    objects: BTreeMap<u32, Object>,
}

static REGISTRY: Mutex<Registry> = Mutex::new(Registry {
    next: 1,
    objects: BTreeMap::new(),
});

/// Locks `m`; a lock poisoned by a panic (a bug) refuses rather than go on from a state
/// that may be half changed.
pub(crate) fn lock<T>(m: &Mutex<T>) -> Fallible<MutexGuard<'_, T>> {
    m.lock()
        .map_err(|_| Failure::internal("internal error: state is unusable after a caught panic"))
}

/// Registers `object` and returns its new handle.
pub(crate) fn insert(object: Object) -> Fallible<u32> {
    let mut r = lock(&REGISTRY)?;
    let handle = r.next;
    r.next = handle
        .checked_add(1)
        .ok_or_else(|| Failure::internal("internal error: no handles left"))?;
    r.objects.insert(handle, object);
    Ok(handle)
}

fn missing(r: &Registry, handle: u32) -> Failure {
    if handle != 0 && handle < r.next {
        Error::Disposed {
            what: "the object behind this handle",
        }
        .into()
    } else {
        Failure::invalid("unknown handle")
    }
}

fn find<T>(
    handle: u32,
    pick: impl FnOnce(&Object) -> Option<T>,
    kind: &'static str,
) -> Fallible<T> {
    let r = lock(&REGISTRY)?;
    let object = r.objects.get(&handle).ok_or_else(|| missing(&r, handle))?;
    pick(object).ok_or_else(|| Failure::invalid(kind))
}

/// The identity behind `handle`.
pub(crate) fn identity(handle: u32) -> Fallible<Arc<Identity>> {
    find(
        handle,
        |o| match o {
            Object::Identity(i) => Some(Arc::clone(i)),
            _ => None,
        },
        "handle is not an identity",
    )
}

/// The prekey store behind `handle`.
pub(crate) fn prekeys(handle: u32) -> Fallible<Arc<Mutex<PrekeySecrets>>> {
    find(
        handle,
        |o| match o {
            Object::Prekeys(p) => Some(Arc::clone(p)),
            _ => None,
        },
        "handle is not a prekey store",
    )
}

/// The session behind `handle`.
pub(crate) fn session(handle: u32) -> Fallible<Arc<Mutex<Session>>> {
    find(
        handle,
        |o| match o {
            Object::Session(s) => Some(Arc::clone(s)),
            _ => None,
        },
        "handle is not a session",
    )
}

/// Frees the object behind `handle`, wiping its secrets (`dispose()` in TypeScript). A
/// handle freed already is `DISPOSED`; one never handed out `INVALID_ARGUMENT`.
///
/// # Safety
/// `status` must be null or point to a writable [`PqwStatus`].
#[no_mangle]
pub unsafe extern "C" fn pqw_handle_free(handle: u32, status: *mut PqwStatus) -> i32 {
    run(status, || {
        let object = {
            let mut r = lock(&REGISTRY)?;
            match r.objects.remove(&handle) {
                Some(o) => o,
                None => return Err(missing(&r, handle)),
            }
        };
        // Dropped outside the registry's lock; a call running on it meanwhile holds its
        // own reference, and the secrets are wiped when the last one goes.
        drop(object);
        Ok(())
    })
}
