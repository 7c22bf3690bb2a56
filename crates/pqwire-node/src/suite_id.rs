//! Numeric suite ids passed between the facade and the addon:
//! `id = wire code | backend code << 16` (`pqwire_core::Backend::code`: 0 = default,
//! 1 = PQClean, 2 = RustCrypto, 3 = libcrux); AEAD ids are the bare wire code (no backend).
//!
//! An id is read strictly: it arrives as a JavaScript number (taken as `f64`, because
//! N-API's `u32` conversion would wrap `2 ** 32 + 0x0201` or `-1` and truncate `513.5`
//! silently), must be an integer from 0 to `u32::MAX`, and every bit above the wire code
//! must name a defined backend (KEM, signature) or be zero (AEAD). Anything else is
//! `UNKNOWN_SUITE`: no such id was ever handed out.

use crate::errors::{js, to_js};
use napi_derive::napi;
use pqwire_core::kem::{self, KemBackend};
use pqwire_core::sig::{self, SigBackend};
use pqwire_core::{AeadSuite, Backend, Error, KemSuite, MlsSuite, SigSuite};

/// The backend named `backend` (`None` is the default); an unknown name is `INVALID_ARGUMENT`.
fn backend_named(backend: Option<String>) -> napi::Result<Backend> {
    match backend.as_deref() {
        None => Ok(Backend::Default),
        Some(name) => Backend::from_name(name).ok_or_else(|| {
            to_js(Error::InvalidArgument {
                what: "backend must be \"default\", \"libcrux\", \"rustcrypto\" or \"pqclean\"",
            })
        }),
    }
}

/// The id of `code` in `backend`: the wire code, and the backend's code above it.
fn id(code: u16, backend: Backend) -> u32 {
    u32::from(code) | u32::from(backend.code()) << 16
}

/// Resolves a KEM suite name (or legacy alias) and backend to an id.
#[napi(catch_unwind)]
pub fn kem_suite_id(name: String, backend: Option<String>) -> napi::Result<u32> {
    let suite = js(KemSuite::from_name(&name))?;
    let backend = backend_named(backend)?;
    js(kem::backend_of(suite, backend))?;
    Ok(id(suite.code(), backend))
}

/// Resolves a signature suite name (or legacy alias) and backend to an id.
#[napi(catch_unwind)]
pub fn sig_suite_id(name: String, backend: Option<String>) -> napi::Result<u32> {
    let suite = js(SigSuite::from_name(&name))?;
    let backend = backend_named(backend)?;
    js(sig::backend_of(suite, backend))?;
    Ok(id(suite.code(), backend))
}

/// Resolves an AEAD suite name to an id.
#[napi(catch_unwind)]
pub fn aead_suite_id(name: String) -> napi::Result<u32> {
    Ok(u32::from(js(AeadSuite::from_name(&name))?.code()))
}

/// The canonical name of a KEM suite id.
#[napi(catch_unwind)]
pub fn kem_suite_name(id: f64) -> napi::Result<String> {
    Ok(kem_backend(id)?.suite().name().to_string())
}

/// The canonical name of a signature suite id.
#[napi(catch_unwind)]
pub fn sig_suite_name(id: f64) -> napi::Result<String> {
    Ok(sig_backend(id)?.suite().name().to_string())
}

/// Every KEM suite name, in pqwire's default preference order.
#[napi(catch_unwind)]
pub fn kem_suite_names() -> Vec<String> {
    KemSuite::ALL.iter().map(|s| s.name().to_string()).collect()
}

/// Every signature suite name, in pqwire's default preference order.
#[napi(catch_unwind)]
pub fn sig_suite_names() -> Vec<String> {
    SigSuite::ALL.iter().map(|s| s.name().to_string()).collect()
}

/// Every AEAD suite name.
#[napi(catch_unwind)]
pub fn aead_suite_names() -> Vec<String> {
    AeadSuite::ALL
        .iter()
        .map(|s| s.name().to_string())
        .collect()
}

/// Every MLS suite name, in pqwire's default preference order (X-Wing first, the other
/// post-quantum suites, then RFC 9420's 1, 3, 2): what capabilities offer by default.
#[napi(catch_unwind)]
pub fn mls_suite_names() -> Vec<String> {
    MlsSuite::ALL.iter().map(|s| s.name().to_string()).collect()
}

/// The id as a `u32`, if it is an integer from 0 to `u32::MAX` (not NaN, not infinite).
fn whole(id: f64) -> Option<u32> {
    (id.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&id)).then_some(id as u32)
}

fn unknown_id(id: f64) -> napi::Error {
    let name = match whole(id) {
        Some(n) => format!("id 0x{n:08X}"),
        None => format!("id {id}"),
    };
    to_js(Error::UnknownSuite { name })
}

/// `(wire code, backend)` of an id whose upper 16 bits are a backend's code
/// (`UNKNOWN_SUITE` otherwise).
fn split(id: f64) -> napi::Result<(u16, Backend)> {
    let n = whole(id).ok_or_else(|| unknown_id(id))?;
    let backend = u8::try_from(n >> 16)
        .ok()
        .and_then(Backend::from_code)
        .ok_or_else(|| unknown_id(id))?;
    let code = u16::try_from(n & 0xFFFF).map_err(|_| unknown_id(id))?;
    Ok((code, backend))
}

/// The KEM backend an id names.
pub(crate) fn kem_backend(id: f64) -> napi::Result<&'static dyn KemBackend> {
    let (code, backend) = split(id)?;
    js(kem::backend_of(js(KemSuite::from_code(code))?, backend))
}

/// The signature backend an id names.
pub(crate) fn sig_backend(id: f64) -> napi::Result<&'static dyn SigBackend> {
    let (code, backend) = split(id)?;
    js(sig::backend_of(js(SigSuite::from_code(code))?, backend))
}

/// The KEM backend that holds a key pair of what an id names: with `lockable`, the one of
/// lockable key pairs (`kem::lockable_backend_of`).
pub(crate) fn kem_pair_backend(
    id: f64,
    lockable: Option<bool>,
) -> napi::Result<&'static dyn KemBackend> {
    let (code, backend) = split(id)?;
    let suite = js(KemSuite::from_code(code))?;
    js(match lockable {
        Some(true) => kem::lockable_backend_of(suite, backend),
        _ => kem::backend_of(suite, backend),
    })
}

/// The signature backend that holds a key pair of what an id names: with `lockable`, the
/// one of lockable key pairs (`sig::lockable_backend_of`).
pub(crate) fn sig_pair_backend(
    id: f64,
    lockable: Option<bool>,
) -> napi::Result<&'static dyn SigBackend> {
    let (code, backend) = split(id)?;
    let suite = js(SigSuite::from_code(code))?;
    js(match lockable {
        Some(true) => sig::lockable_backend_of(suite, backend),
        _ => sig::backend_of(suite, backend),
    })
}

/// The AEAD suite an id names: AEAD ids carry no backend, so the upper bits must be zero.
pub(crate) fn aead_suite(id: f64) -> napi::Result<AeadSuite> {
    match split(id)? {
        (code, Backend::Default) => js(AeadSuite::from_code(code)),
        _ => Err(unknown_id(id)),
    }
}
