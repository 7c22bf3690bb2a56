//! Numeric suite ids passed between the facade and the addon:
//! `id = wire code | backend << 16` (backend 0 = default, 1 = PQClean).

use crate::errors::{js, to_js};
use napi_derive::napi;
use pqwire_core::kem::{self, KemBackend};
use pqwire_core::sig::{self, SigBackend};
use pqwire_core::{AeadSuite, Error, KemSuite, SigSuite};

const BACKEND_PQCLEAN: u32 = 1;

fn backend_bits(backend: Option<String>) -> napi::Result<u32> {
    match backend.as_deref() {
        None | Some("default") => Ok(0),
        Some("pqclean") => Ok(BACKEND_PQCLEAN << 16),
        Some(_) => Err(to_js(Error::InvalidArgument {
            what: "backend must be \"default\" or \"pqclean\"",
        })),
    }
}

fn unsupported_backend() -> napi::Error {
    to_js(Error::Unsupported {
        what: "the PQClean backend offers ML-KEM and ML-DSA only",
    })
}

/// Resolves a KEM suite name (or legacy alias) and backend to an id.
#[napi(catch_unwind)]
pub fn kem_suite_id(name: String, backend: Option<String>) -> napi::Result<u32> {
    let suite = js(KemSuite::from_name(&name))?;
    let bits = backend_bits(backend)?;
    if bits != 0 && kem::pqclean_backend(suite).is_none() {
        return Err(unsupported_backend());
    }
    Ok(u32::from(suite.code()) | bits)
}

/// Resolves a signature suite name (or legacy alias) and backend to an id.
#[napi(catch_unwind)]
pub fn sig_suite_id(name: String, backend: Option<String>) -> napi::Result<u32> {
    let suite = js(SigSuite::from_name(&name))?;
    let bits = backend_bits(backend)?;
    if bits != 0 && sig::pqclean_backend(suite).is_none() {
        return Err(unsupported_backend());
    }
    Ok(u32::from(suite.code()) | bits)
}

/// Resolves an AEAD suite name to an id.
#[napi(catch_unwind)]
pub fn aead_suite_id(name: String) -> napi::Result<u32> {
    Ok(u32::from(js(AeadSuite::from_name(&name))?.code()))
}

/// The canonical name of a KEM suite id.
#[napi(catch_unwind)]
pub fn kem_suite_name(id: u32) -> napi::Result<String> {
    Ok(kem_backend(id)?.suite().name().to_string())
}

/// The canonical name of a signature suite id.
#[napi(catch_unwind)]
pub fn sig_suite_name(id: u32) -> napi::Result<String> {
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

fn split(id: u32) -> napi::Result<(u16, u32)> {
    let code = u16::try_from(id & 0xFFFF).map_err(|_| unsupported_backend())?;
    Ok((code, id >> 16))
}

/// The KEM backend an id names.
pub(crate) fn kem_backend(id: u32) -> napi::Result<&'static dyn KemBackend> {
    let (code, backend) = split(id)?;
    let suite = js(KemSuite::from_code(code))?;
    match backend {
        0 => Ok(kem::backend(suite)),
        BACKEND_PQCLEAN => kem::pqclean_backend(suite).ok_or_else(unsupported_backend),
        _ => Err(unsupported_backend()),
    }
}

/// The signature backend an id names.
pub(crate) fn sig_backend(id: u32) -> napi::Result<&'static dyn SigBackend> {
    let (code, backend) = split(id)?;
    let suite = js(SigSuite::from_code(code))?;
    match backend {
        0 => Ok(sig::backend(suite)),
        BACKEND_PQCLEAN => sig::pqclean_backend(suite).ok_or_else(unsupported_backend),
        _ => Err(unsupported_backend()),
    }
}

/// The AEAD suite an id names.
pub(crate) fn aead_suite(id: u32) -> napi::Result<AeadSuite> {
    let (code, _) = split(id)?;
    js(AeadSuite::from_code(code))
}
