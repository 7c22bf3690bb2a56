//! Bytes across the boundary: borrowed inputs, and [`PqwBuf`] outputs that Rust owns
//! until [`pqw_buf_free`] wipes and frees them.

use zeroize::Zeroize;

use crate::status::{Failure, Fallible};

/// Bytes allocated by pqwire and handed to the caller; free them with [`pqw_buf_free`],
/// which wipes them first (outputs may be secret: keys, shared secrets, plaintexts,
/// records). `ptr` is null when `len` is 0.
#[repr(C)]
pub struct PqwBuf {
    /// The first byte, or null for an empty buffer.
    pub ptr: *mut u8,
    /// The number of bytes.
    pub len: usize,
}

/// An output slot checked to be non-null, cleared when the call starts so that a failed
/// call leaves it empty.
pub(crate) struct Out(*mut PqwBuf);

impl Out {
    /// # Safety
    /// `p` must be null or point to a writable [`PqwBuf`] for the duration of the call.
    pub(crate) unsafe fn new(p: *mut PqwBuf, what: &'static str) -> Fallible<Self> {
        // SAFETY: null or valid and writable, by this function's contract.
        let slot = unsafe { p.as_mut() }.ok_or_else(|| null_pointer(what))?;
        slot.ptr = std::ptr::null_mut();
        slot.len = 0;
        Ok(Out(p))
    }
}

/// A null pointer where the ABI needs one (`INVALID_ARGUMENT`).
pub(crate) fn null_pointer(what: &'static str) -> Failure {
    Failure {
        code: "INVALID_ARGUMENT",
        message: format!("invalid argument: {what} is a null pointer"),
    }
}

/// Copies `bytes` into a fresh allocation of exactly their length and hands it out.
/// (An exact allocation: a `Vec` shrunk into a box could leave a secret copy behind.)
pub(crate) fn put(out: Out, bytes: &[u8]) -> Fallible<()> {
    let (ptr, len) = if bytes.is_empty() {
        (std::ptr::null_mut(), 0)
    } else {
        let boxed: Box<[u8]> = bytes.into();
        let len = boxed.len();
        (Box::into_raw(boxed).cast::<u8>(), len)
    };
    // SAFETY: `Out` holds a non-null pointer to a writable `PqwBuf` (checked in `Out::new`).
    let slot = unsafe { &mut *out.0 };
    slot.ptr = ptr;
    slot.len = len;
    Ok(())
}

/// Wipes and frees a buffer pqwire handed out, and sets it empty (so freeing it twice is
/// harmless). Null, and an empty buffer, are allowed.
///
/// # Safety
/// `buf` must be null or point to a [`PqwBuf`] that is empty or was filled by pqwire and
/// not changed since.
#[no_mangle]
pub unsafe extern "C" fn pqw_buf_free(buf: *mut PqwBuf) {
    // SAFETY: null or a valid `PqwBuf`, by this function's contract.
    let Some(slot) = (unsafe { buf.as_mut() }) else {
        return;
    };
    if !slot.ptr.is_null() && slot.len > 0 {
        let raw = std::ptr::slice_from_raw_parts_mut(slot.ptr, slot.len);
        // SAFETY: `ptr` and `len` came from `Box::into_raw` of a `Box<[u8]>` in `put` and
        // were not changed (the contract), so this rebuilds that box, once.
        let mut boxed = unsafe { Box::from_raw(raw) };
        boxed.zeroize();
        drop(boxed);
    }
    slot.ptr = std::ptr::null_mut();
    slot.len = 0;
}

/// A required byte input: null is allowed only with length 0 (an empty input).
///
/// # Safety
/// `ptr` must be null or valid for reads of `len` bytes for the duration of the call.
pub(crate) unsafe fn input<'a>(
    ptr: *const u8,
    len: usize,
    what: &'static str,
) -> Fallible<&'a [u8]> {
    if ptr.is_null() {
        return if len == 0 {
            Ok(&[])
        } else {
            Err(null_pointer(what))
        };
    }
    if len > isize::MAX as usize {
        return Err(Failure::invalid("input length out of range"));
    }
    // SAFETY: non-null and readable for `len` bytes (the contract), `len` within isize.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// An optional byte input: null (whatever the length) is absent.
///
/// # Safety
/// As [`input`].
pub(crate) unsafe fn optional<'a>(
    ptr: *const u8,
    len: usize,
    what: &'static str,
) -> Fallible<Option<&'a [u8]>> {
    if ptr.is_null() {
        Ok(None)
    } else {
        // SAFETY: forwarded from this function's contract.
        unsafe { input(ptr, len, what) }.map(Some)
    }
}

/// A required output value (a handle, a struct): checked to be non-null.
///
/// # Safety
/// `p` must be null or point to a writable `T` for the duration of the call.
pub(crate) unsafe fn value_out<'a, T>(p: *mut T, what: &'static str) -> Fallible<&'a mut T> {
    // SAFETY: null or valid and writable, by this function's contract.
    unsafe { p.as_mut() }.ok_or_else(|| null_pointer(what))
}

#[cfg(test)]
#[allow(clippy::undocumented_unsafe_blocks)] // pointers to live locals throughout
mod tests {
    use super::*;

    #[test]
    fn a_buffer_round_trips_and_freeing_twice_is_harmless() {
        let mut b = PqwBuf {
            ptr: std::ptr::null_mut(),
            len: 7,
        };
        // SAFETY: `b` is a valid PqwBuf.
        let out = unsafe { Out::new(&mut b, "b") }.unwrap_or_else(|_| unreachable!());
        assert_eq!(b.len, 0);
        put(out, b"secret").unwrap_or_else(|_| unreachable!());
        // SAFETY: filled by put just now.
        assert_eq!(
            unsafe { std::slice::from_raw_parts(b.ptr, b.len) },
            b"secret"
        );
        // SAFETY: filled by put, then freed: freeing an emptied buffer again is allowed.
        unsafe {
            pqw_buf_free(&mut b);
            pqw_buf_free(&mut b);
            pqw_buf_free(std::ptr::null_mut());
        }
        assert!(b.ptr.is_null() && b.len == 0);
    }

    #[test]
    fn null_inputs_are_empty_only_with_length_zero() {
        // SAFETY: null pointers are within the contract.
        unsafe {
            assert_eq!(
                input(std::ptr::null(), 0, "x").map(|s| s.len()).ok(),
                Some(0)
            );
            assert_eq!(
                input(std::ptr::null(), 3, "x").map_err(|f| f.code).err(),
                Some("INVALID_ARGUMENT")
            );
            assert!(matches!(optional(std::ptr::null(), 3, "x"), Ok(None)));
            assert!(Out::new(std::ptr::null_mut(), "x").is_err());
        }
    }
}
