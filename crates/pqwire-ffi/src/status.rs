//! Status and error mapping: one place turns a core [`Error`] (or a failure of the ABI
//! itself) into the stable code and message written to the caller's [`PqwStatus`].

use std::ffi::c_char;
use std::panic::{catch_unwind, AssertUnwindSafe};

use pqwire_core::Error;

use crate::buf::{put, Out};
use crate::PqwBuf;

/// Returned by every fallible function on success.
pub const PQW_OK: i32 = 0;
/// Returned by every fallible function on failure: the status says which.
pub const PQW_ERROR: i32 = 1;
/// Room for a code in [`PqwStatus::code`], its terminating NUL included.
pub const PQW_CODE_LEN: usize = 32;
/// Room for a message in [`PqwStatus::message`], its terminating NUL included.
pub const PQW_MESSAGE_LEN: usize = 224;

/// What a call failed with. Both strings are NUL-terminated; on success `code` is empty.
#[repr(C)]
pub struct PqwStatus {
    /// The stable error code (`AUTH_FAILED`, `BAD_LENGTH`, …).
    pub code: [c_char; PQW_CODE_LEN],
    /// A message for people, cut to fit; it never contains key material.
    pub message: [c_char; PQW_MESSAGE_LEN],
}

/// Codes this ABI reports that the core never returns: `INTERNAL` (a bug: a caught panic,
/// a lock poisoned by one), with the Node addon's cause group.
const OWN_CODES: [(&str, &str); 1] = [("INTERNAL", "internal")];

/// A failure on its way into a [`PqwStatus`].
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) code: &'static str,
    pub(crate) message: String,
}

/// The result of a step that can fail.
pub(crate) type Fallible<T> = Result<T, Failure>;

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        // Core messages name inputs and sizes, never secrets (pqwire-core's error.rs).
        Failure {
            code: e.code(),
            message: e.to_string(),
        }
    }
}

impl From<pqwire_core::wire::WireError> for Failure {
    fn from(e: pqwire_core::wire::WireError) -> Self {
        Error::Wire(e).into()
    }
}

impl Failure {
    /// A bug inside pqwire (`INTERNAL`).
    pub(crate) fn internal(what: &str) -> Self {
        Failure {
            code: "INTERNAL",
            message: what.to_string(),
        }
    }

    /// An argument out of range (`INVALID_ARGUMENT`).
    pub(crate) fn invalid(what: &'static str) -> Self {
        Error::InvalidArgument { what }.into()
    }
}

/// Copies `text` into `dst`, cut to fit, NUL-terminated.
fn write_c(dst: &mut [c_char], text: &str) {
    let room = dst.len().saturating_sub(1);
    let mut n = text.len().min(room);
    // Cut on a character boundary, so the message stays valid UTF-8.
    while n > 0 && !text.is_char_boundary(n) {
        n -= 1;
    }
    for (d, s) in dst.iter_mut().zip(text.as_bytes()[..n].iter()) {
        *d = *s as c_char;
    }
    if let Some(end) = dst.get_mut(n) {
        *end = 0;
    }
}

fn report(status: *mut PqwStatus, code: &str, message: &str) {
    // SAFETY: the caller passes null or a pointer to a writable `PqwStatus` (the ABI's
    // contract, stated in the header); null is checked here.
    if let Some(s) = unsafe { status.as_mut() } {
        write_c(&mut s.code, code);
        write_c(&mut s.message, message);
    }
}

/// Runs one exported call: catches a panic (`INTERNAL`), writes the status, and returns
/// [`PQW_OK`] or [`PQW_ERROR`].
pub(crate) fn run(status: *mut PqwStatus, f: impl FnOnce() -> Fallible<()>) -> i32 {
    let outcome = catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| {
        Err(Failure::internal(
            "internal error: a panic inside pqwire was caught at the C boundary",
        ))
    });
    match outcome {
        Ok(()) => {
            report(status, "", "");
            PQW_OK
        }
        Err(failure) => {
            report(status, failure.code, &failure.message);
            PQW_ERROR
        }
    }
}

/// Every code this ABI can report, with its cause group (as the Node addon's
/// `errorCodes()` names them), one `CODE kind` pair per line.
pub(crate) fn code_list() -> String {
    Error::codes()
        .into_iter()
        .map(|(code, kind)| (code, kind.name()))
        .chain(OWN_CODES)
        .map(|(code, kind)| format!("{code} {kind}\n"))
        .collect()
}

/// Writes the list of every error code ([`code_list`]'s text, UTF-8) to `out`.
///
/// # Safety
/// `out` must be null or point to a writable [`PqwBuf`]; `status` null or a writable
/// [`PqwStatus`].
#[no_mangle]
pub unsafe extern "C" fn pqw_error_codes(out: *mut PqwBuf, status: *mut PqwStatus) -> i32 {
    run(status, || {
        // SAFETY: forwarded from this function's contract.
        let out = unsafe { Out::new(out, "out") }?;
        put(out, code_list().as_bytes())
    })
}

#[cfg(test)]
#[allow(clippy::undocumented_unsafe_blocks)] // pointers to live locals throughout
mod tests {
    use super::*;
    use std::ffi::CStr;

    fn text(field: &[c_char]) -> String {
        // SAFETY: write_c always NUL-terminates inside the field.
        unsafe { CStr::from_ptr(field.as_ptr()) }
            .to_string_lossy()
            .into_owned()
    }

    fn blank() -> PqwStatus {
        PqwStatus {
            code: [1; PQW_CODE_LEN],
            message: [1; PQW_MESSAGE_LEN],
        }
    }

    #[test]
    fn a_panic_becomes_internal_and_does_not_unwind_further() {
        let mut s = blank();
        let rc = run(&mut s, || -> Fallible<()> {
            #[allow(clippy::panic)]
            {
                panic!("boom")
            }
        });
        assert_eq!(rc, PQW_ERROR);
        assert_eq!(text(&s.code), "INTERNAL");
        assert!(!text(&s.message).contains("boom"));
    }

    #[test]
    fn success_clears_the_status_and_a_null_status_is_allowed() {
        let mut s = blank();
        assert_eq!(run(&mut s, || Ok(())), PQW_OK);
        assert_eq!(text(&s.code), "");
        assert_eq!(
            run(std::ptr::null_mut(), || Err(Failure::invalid("x"))),
            PQW_ERROR
        );
    }

    #[test]
    fn every_code_fits_and_long_messages_are_cut_on_a_character() {
        for line in code_list().lines() {
            let code = line.split(' ').next().unwrap_or_default();
            assert!(code.len() < PQW_CODE_LEN, "{code}");
        }
        let mut s = blank();
        let long = "é".repeat(400);
        run(&mut s, || {
            Err(Failure {
                code: "AUTH_FAILED",
                message: long,
            })
        });
        let m = text(&s.message);
        assert!(m.len() < PQW_MESSAGE_LEN && m.chars().all(|c| c == 'é'));
    }

    #[test]
    fn the_code_list_is_the_core_list_plus_internal() {
        let list = code_list();
        assert_eq!(list.lines().count(), Error::codes().len() + 1);
        assert!(list.contains("AUTH_FAILED authentication\n"));
        assert!(list.ends_with("INTERNAL internal\n"));
    }
}
