//! Output buffers of the synchronous byte API.
//!
//! The TypeScript facade allocates every result (`ts/src/output.ts`) and native code
//! writes into it. Creating a typed array from native code (a new off-heap backing store
//! and a finalizer) costs more than a whole ChaCha20-Poly1305 seal of 64 bytes
//! (benches/README.md); the facade instead carves public results from a slab and copies small
//! secrets out of a private scratch buffer. The async API still returns new arrays:
//! its results are created once the thread-pool job is done.
//!
//! An output must not share a byte with any input or other output of the same call
//! ([`check_disjoint`]): two views of one `ArrayBuffer` whose ranges overlap are refused
//! with `INVALID_ARGUMENT` before any work. Otherwise the primitive would read bytes it
//! has already overwritten (a ciphertext sealed from half-encrypted plaintext, a key read
//! after its first bytes were replaced), and Rust would hold a shared and a mutable
//! reference to the same memory.
//!
//! On WebAssembly (emnapi, docs/wasm.md) a JavaScript buffer is not in the module's memory:
//! emnapi gives native code a copy of it there, refreshed from JavaScript at every call, and
//! what native code writes stays in that copy. [`Out`] copies its bytes back to the
//! JavaScript buffer when it is dropped, at the end of the call, whether the call succeeded
//! or not (a failed `aeadOpen` wipes its output). Native builds write into the buffer itself
//! and have nothing to copy back.

use crate::errors::{js, to_js};
use napi::bindgen_prelude::{BufferSlice, FromNapiValue, TypeName, ValidateNapiValue};
use napi::{sys, ValueType};
use pqwire_core::{Error, SecretBytes};
use std::ops::{Deref, DerefMut};

/// A JavaScript `Uint8Array` the facade hands in for a result.
pub(crate) struct Out<'a>(BufferSlice<'a>);

impl FromNapiValue for Out<'_> {
    unsafe fn from_napi_value(env: sys::napi_env, value: sys::napi_value) -> napi::Result<Self> {
        // SAFETY: the caller's contract, passed on unchanged.
        Ok(Self(unsafe { BufferSlice::from_napi_value(env, value) }?))
    }
}

impl TypeName for Out<'_> {
    fn type_name() -> &'static str {
        BufferSlice::type_name()
    }
    fn value_type() -> ValueType {
        BufferSlice::value_type()
    }
}

impl ValidateNapiValue for Out<'_> {
    unsafe fn validate(
        env: sys::napi_env,
        value: sys::napi_value,
    ) -> napi::Result<sys::napi_value> {
        // SAFETY: the caller's contract, passed on unchanged.
        unsafe { BufferSlice::validate(env, value) }
    }
}

impl Deref for Out<'_> {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl DerefMut for Out<'_> {
    fn deref_mut(&mut self) -> &mut [u8] {
        &mut self.0
    }
}

#[cfg(target_family = "wasm")]
impl Drop for Out<'_> {
    fn drop(&mut self) {
        use napi::JsValue;
        let value = self.0.value();
        // SAFETY: `value` is the `Uint8Array` this call received, alive in the call's
        // scope, which is still open: `Out` is dropped when the binding's body ends, before
        // napi-rs returns to JavaScript.
        let status = unsafe { crate::emnapi::copy_out(value.env, value.value, self.0.len()) };
        if status != sys::Status::napi_ok {
            // The result never reached JavaScript, whose buffer holds what the facade put
            // there (zeros): the call must not look successful. A drop has no caller to
            // return to, so the error is thrown from here (the first one thrown wins, if
            // the call was failing anyway).
            let error = to_js(crate::errors::Failure::internal(
                "a result could not be copied out of WebAssembly memory",
            ));
            // SAFETY: `value.env` is the environment of the call still in progress.
            unsafe { napi::JsError::from(error).throw_into(value.env) };
        }
    }
}

/// Fails with `BAD_LENGTH` unless `out` holds exactly `expected` bytes: checked before
/// any work, so a wrongly sized buffer never receives part of a result.
pub(crate) fn check(what: &'static str, out: &Out<'_>, expected: usize) -> napi::Result<()> {
    if out.len() == expected {
        Ok(())
    } else {
        Err(to_js(Error::BadLength {
            what,
            expected,
            actual: out.len(),
        }))
    }
}

/// Copies `bytes` into `out` (which must hold exactly as many).
pub(crate) fn write(what: &'static str, out: &mut Out<'_>, bytes: &[u8]) -> napi::Result<()> {
    check(what, out, bytes.len())?;
    out.copy_from_slice(bytes);
    Ok(())
}

/// A call with two outputs (a key pair; a ciphertext and its shared secret): the sizes of
/// the outputs checked (`BAD_LENGTH` naming `names`) and the outputs kept apart from each other
/// and from `inputs` before any work; then `op`, and its two results written.
pub(crate) fn two_outputs(
    names: [&'static str; 2],
    lengths: [usize; 2],
    (first, second): (&mut Out<'_>, &mut Out<'_>),
    inputs: &[&[u8]],
    op: impl FnOnce() -> pqwire_core::Result<(Vec<u8>, SecretBytes)>,
) -> napi::Result<()> {
    check(names[0], first, lengths[0])?;
    check(names[1], second, lengths[1])?;
    check_disjoint(&[first, second], inputs)?;
    let (a, b) = js(op())?;
    write(names[0], first, &a)?;
    write(names[1], second, b.expose())
}

/// Whether `a` and `b` share at least one byte (empty slices share none).
fn overlap(a: &[u8], b: &[u8]) -> bool {
    let (a, b) = (a.as_ptr_range(), b.as_ptr_range());
    a.start < b.end && b.start < a.end
}

/// Fails with `INVALID_ARGUMENT` when one of `outputs` overlaps one of `inputs` or
/// another output (same `ArrayBuffer`, overlapping byte ranges). Adjacent views are fine.
/// Called before any work, so a refused call writes nothing.
pub(crate) fn check_disjoint(outputs: &[&Out<'_>], inputs: &[&[u8]]) -> napi::Result<()> {
    for (i, out) in outputs.iter().enumerate() {
        let clash = inputs.iter().any(|input| overlap(out, input))
            || outputs[i + 1..].iter().any(|other| overlap(out, other));
        if clash {
            return Err(to_js(Error::InvalidArgument {
                what: "an output buffer overlaps an input or another output of the same call",
            }));
        }
    }
    Ok(())
}
