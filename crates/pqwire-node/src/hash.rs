//! Hash bindings.

use napi::bindgen_prelude::Uint8Array;
use napi_derive::napi;
use pqwire_core::hash;

/// SHA3-256 of `data`.
#[napi(js_name = "sha3_256", catch_unwind)]
pub fn sha3_256(data: &[u8]) -> napi::Result<Uint8Array> {
    Ok(Uint8Array::new(hash::sha3_256(&[data]).to_vec()))
}

/// SHAKE256 of `data`, `length` bytes of output.
#[napi(catch_unwind)]
pub fn shake256(data: &[u8], length: u32) -> napi::Result<Uint8Array> {
    Ok(Uint8Array::new(hash::shake256(data, length as usize)))
}
