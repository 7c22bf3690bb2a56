//! Hash bindings.

use crate::output::{self, Out};
use napi_derive::napi;
use pqwire_core::hash;

/// SHA3-256 of `data`.
#[napi(js_name = "sha3_256", catch_unwind)]
pub fn sha3_256(data: &[u8], #[napi(ts_arg_type = "Uint8Array")] mut out: Out) -> napi::Result<()> {
    output::check_disjoint(&[&out], &[data])?;
    output::write("SHA3-256 output", &mut out, &hash::sha3_256(&[data]))
}

/// SHAKE256 of `data`, as many bytes as `out` holds.
#[napi(catch_unwind)]
pub fn shake256(data: &[u8], #[napi(ts_arg_type = "Uint8Array")] mut out: Out) -> napi::Result<()> {
    output::check_disjoint(&[&out], &[data])?;
    let digest = hash::shake256(data, out.len());
    output::write("SHAKE256 output", &mut out, &digest)
}
