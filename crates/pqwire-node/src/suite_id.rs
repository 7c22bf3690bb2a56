//! Numeric suite ids passed between the facade and the addon:
//! `id = wire code | backend << 16` (backend 0 = default, 1 = PQClean, 2 = RustCrypto,
//! 3 = libcrux); AEAD ids are the bare wire code (no backend).
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
use pqwire_core::{AeadSuite, Error, KemSuite, SigSuite};

const BACKEND_DEFAULT: u32 = 0;
const BACKEND_PQCLEAN: u32 = 1;
const BACKEND_RUSTCRYPTO: u32 = 2;
const BACKEND_LIBCRUX: u32 = 3;
/// The largest backend number defined above.
const BACKEND_MAX: u32 = BACKEND_LIBCRUX;

fn backend_number(backend: Option<String>) -> napi::Result<u32> {
    match backend.as_deref() {
        None | Some("default") => Ok(BACKEND_DEFAULT),
        Some("pqclean") => Ok(BACKEND_PQCLEAN),
        Some("rustcrypto") => Ok(BACKEND_RUSTCRYPTO),
        Some("libcrux") => Ok(BACKEND_LIBCRUX),
        Some(_) => Err(to_js(Error::InvalidArgument {
            what: "backend must be \"default\", \"libcrux\", \"rustcrypto\" or \"pqclean\"",
        })),
    }
}

fn unsupported_backend() -> napi::Error {
    to_js(Error::Unsupported {
        what: "the PQClean backend offers ML-KEM and ML-DSA only; the libcrux and RustCrypto \
               backends ML-KEM, ML-DSA and their hybrids",
    })
}

/// The KEM backend `backend` (a number above) of `suite`, if it has one.
fn kem_of(suite: KemSuite, backend: u32) -> Option<&'static dyn KemBackend> {
    match backend {
        BACKEND_DEFAULT => Some(kem::backend(suite)),
        BACKEND_PQCLEAN => kem::pqclean_backend(suite),
        BACKEND_RUSTCRYPTO => kem::rustcrypto_backend(suite),
        BACKEND_LIBCRUX => kem::libcrux_backend(suite),
        _ => None,
    }
}

/// The signature backend `backend` (a number above) of `suite`, if it has one.
fn sig_of(suite: SigSuite, backend: u32) -> Option<&'static dyn SigBackend> {
    match backend {
        BACKEND_DEFAULT => Some(sig::backend(suite)),
        BACKEND_PQCLEAN => sig::pqclean_backend(suite),
        BACKEND_RUSTCRYPTO => sig::rustcrypto_backend(suite),
        BACKEND_LIBCRUX => sig::libcrux_backend(suite),
        _ => None,
    }
}

/// Resolves a KEM suite name (or legacy alias) and backend to an id.
#[napi(catch_unwind)]
pub fn kem_suite_id(name: String, backend: Option<String>) -> napi::Result<u32> {
    let suite = js(KemSuite::from_name(&name))?;
    let backend = backend_number(backend)?;
    kem_of(suite, backend).ok_or_else(unsupported_backend)?;
    Ok(u32::from(suite.code()) | backend << 16)
}

/// Resolves a signature suite name (or legacy alias) and backend to an id.
#[napi(catch_unwind)]
pub fn sig_suite_id(name: String, backend: Option<String>) -> napi::Result<u32> {
    let suite = js(SigSuite::from_name(&name))?;
    let backend = backend_number(backend)?;
    sig_of(suite, backend).ok_or_else(unsupported_backend)?;
    Ok(u32::from(suite.code()) | backend << 16)
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

/// `(wire code, backend number)` of an id whose upper 16 bits are a defined backend
/// number (`UNKNOWN_SUITE` otherwise).
fn split(id: f64) -> napi::Result<(u16, u32)> {
    let n = whole(id).ok_or_else(|| unknown_id(id))?;
    let backend = n >> 16;
    if backend > BACKEND_MAX {
        return Err(unknown_id(id));
    }
    let code = u16::try_from(n & 0xFFFF).map_err(|_| unknown_id(id))?;
    Ok((code, backend))
}

/// The KEM backend an id names.
pub(crate) fn kem_backend(id: f64) -> napi::Result<&'static dyn KemBackend> {
    let (code, backend) = split(id)?;
    kem_of(js(KemSuite::from_code(code))?, backend).ok_or_else(unsupported_backend)
}

/// The signature backend an id names.
pub(crate) fn sig_backend(id: f64) -> napi::Result<&'static dyn SigBackend> {
    let (code, backend) = split(id)?;
    sig_of(js(SigSuite::from_code(code))?, backend).ok_or_else(unsupported_backend)
}

/// The AEAD suite an id names: AEAD ids carry no backend, so the upper bits must be zero.
pub(crate) fn aead_suite(id: f64) -> napi::Result<AeadSuite> {
    match split(id)? {
        (code, BACKEND_DEFAULT) => js(AeadSuite::from_code(code)),
        _ => Err(unknown_id(id)),
    }
}
