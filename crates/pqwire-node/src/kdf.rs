//! HKDF bindings.

use crate::errors::js;
use napi::bindgen_prelude::Uint8Array;
use napi_derive::napi;
use pqwire_core::kdf::{self, HkdfHash};

/// HKDF extract-then-expand over `hash` ("SHA-256" or "SHA-512").
#[napi(catch_unwind)]
pub fn hkdf(
    hash: String,
    ikm: &[u8],
    salt: Option<&[u8]>,
    info: Option<&[u8]>,
    length: u32,
) -> napi::Result<Uint8Array> {
    let h = js(HkdfHash::from_name(&hash))?;
    let okm = js(kdf::hkdf(
        h,
        ikm,
        salt.unwrap_or_default(),
        info.unwrap_or_default(),
        length as usize,
    ))?;
    Ok(Uint8Array::new(okm.into_exposed()))
}

/// HKDF-Extract: the pseudorandom key.
#[napi(catch_unwind)]
pub fn hkdf_extract(hash: String, ikm: &[u8], salt: Option<&[u8]>) -> napi::Result<Uint8Array> {
    let h = js(HkdfHash::from_name(&hash))?;
    Ok(Uint8Array::new(
        kdf::extract(h, ikm, salt.unwrap_or_default()).into_exposed(),
    ))
}

/// HKDF-Expand from a pseudorandom key.
#[napi(catch_unwind)]
pub fn hkdf_expand(
    hash: String,
    prk: &[u8],
    info: Option<&[u8]>,
    length: u32,
) -> napi::Result<Uint8Array> {
    let h = js(HkdfHash::from_name(&hash))?;
    let okm = js(kdf::expand(
        h,
        prk,
        info.unwrap_or_default(),
        length as usize,
    ))?;
    Ok(Uint8Array::new(okm.into_exposed()))
}
