//! Output buffers of the synchronous byte API.
//!
//! The TypeScript facade allocates every result (`ts/src/output.ts`) and native code
//! writes into it. Creating a typed array from native code costs about 0.8 µs (a new
//! off-heap backing store and a finalizer), more than a whole ChaCha20-Poly1305 seal of
//! 64 bytes; the facade instead carves public results from a slab and copies small
//! secrets out of a private scratch buffer. The async API still returns new arrays:
//! its results are created once the thread-pool job is done.

use crate::errors::to_js;
use napi::bindgen_prelude::BufferSlice;
use pqwire_core::Error;

/// A JavaScript `Uint8Array` the facade hands in for a result.
pub(crate) type Out<'a> = BufferSlice<'a>;

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
