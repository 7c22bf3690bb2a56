//! HKDF bindings.

use crate::errors::js;
use crate::js_bytes::Bytes;
use napi_derive::napi;
use pqwire_core::kdf::{self, HkdfHash};
use pqwire_core::SecretBytes;

/// What `derive` gives with the hash named `hash` ("SHA-256" or "SHA-512"), for JavaScript.
fn derived(
    hash: &str,
    derive: impl FnOnce(HkdfHash) -> pqwire_core::Result<SecretBytes>,
) -> napi::Result<Bytes> {
    let okm = js(HkdfHash::from_name(hash).and_then(derive))?;
    Ok(Bytes::from(okm.into_exposed()))
}

/// HKDF extract-then-expand over `hash` ("SHA-256" or "SHA-512").
#[napi(catch_unwind, ts_return_type = "Uint8Array")]
pub fn hkdf(
    hash: String,
    ikm: &[u8],
    salt: Option<&[u8]>,
    info: Option<&[u8]>,
    length: u32,
) -> napi::Result<Bytes> {
    derived(&hash, |h| {
        let (salt, info) = (salt.unwrap_or_default(), info.unwrap_or_default());
        kdf::hkdf(h, ikm, salt, info, length as usize)
    })
}

/// HKDF-Extract: the pseudorandom key.
#[napi(catch_unwind, ts_return_type = "Uint8Array")]
pub fn hkdf_extract(hash: String, ikm: &[u8], salt: Option<&[u8]>) -> napi::Result<Bytes> {
    derived(&hash, |h| {
        Ok(kdf::extract(h, ikm, salt.unwrap_or_default()))
    })
}

/// HKDF-Expand from a pseudorandom key.
#[napi(catch_unwind, ts_return_type = "Uint8Array")]
pub fn hkdf_expand(
    hash: String,
    prk: &[u8],
    info: Option<&[u8]>,
    length: u32,
) -> napi::Result<Bytes> {
    derived(&hash, |h| {
        kdf::expand(h, prk, info.unwrap_or_default(), length as usize)
    })
}
