//! The only `unsafe` of the harness: calls into `memcheck.c`, which issues valgrind's
//! memcheck client requests (`VALGRIND_MAKE_MEM_UNDEFINED` and friends).
//!
//! The requests only change valgrind's shadow state (whether memcheck treats bytes as
//! defined); they never read or write the bytes, and outside valgrind they do nothing.
//! So the safe wrappers below take ordinary slices and cannot cause undefined behaviour.
#![allow(unsafe_code)]

use core::ffi::c_void;

extern "C" {
    fn pqwire_ct_have_valgrind() -> i32;
    fn pqwire_ct_running_on_valgrind() -> u32;
    fn pqwire_ct_secret(addr: *const c_void, len: usize);
    fn pqwire_ct_public(addr: *const c_void, len: usize);
    fn pqwire_ct_reports_off();
    fn pqwire_ct_reports_on();
}

/// Whether the harness was compiled with `<valgrind/memcheck.h>` (else every request is a
/// no-op and the check cannot run).
pub fn compiled_with_valgrind() -> bool {
    // SAFETY: no arguments, no memory touched.
    unsafe { pqwire_ct_have_valgrind() != 0 }
}

/// Whether this process runs under valgrind.
pub fn running_on_valgrind() -> bool {
    // SAFETY: no arguments, no memory touched.
    unsafe { pqwire_ct_running_on_valgrind() != 0 }
}

/// Marks `bytes` secret: memcheck reports every branch and memory index computed from them.
///
/// `&mut` on purpose: through a shared reference the compiler may assume the bytes did not
/// change, keep using a copy it already has in registers (or a constant it knows them to
/// be) and never load the marked memory, so that nothing would be checked.
pub fn secret(bytes: &mut [u8]) {
    // SAFETY: a valid slice; the request changes valgrind's shadow state only.
    unsafe { pqwire_ct_secret(bytes.as_mut_ptr().cast(), bytes.len()) }
}

/// Marks `bytes` public again (declassifies them), e.g. a ciphertext about to go on the
/// wire. `&mut` for the same reason as [`secret`].
pub fn public(bytes: &mut [u8]) {
    // SAFETY: a valid slice; the request changes valgrind's shadow state only.
    unsafe { pqwire_ct_public(bytes.as_mut_ptr().cast(), bytes.len()) }
}

/// Runs `f` with memcheck's error reports off in this thread: a case's setup (producing
/// the inputs of the operation it checks) is not what the case checks.
pub fn unreported<T>(f: impl FnOnce() -> T) -> T {
    // SAFETY: no arguments, no memory touched.
    unsafe { pqwire_ct_reports_off() };
    let out = f();
    // SAFETY: as above.
    unsafe { pqwire_ct_reports_on() };
    out
}
