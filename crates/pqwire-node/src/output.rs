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

use crate::errors::{js, to_js};
use napi::bindgen_prelude::BufferSlice;
use pqwire_core::{Error, SecretBytes};

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
