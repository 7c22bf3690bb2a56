//! WebAssembly only (emnapi, docs/wasm.md): a JavaScript `ArrayBuffer` is not in the module's
//! memory. emnapi hands native code a copy of it there (refreshed from JavaScript each
//! time native code asks for the data), and bytes native code writes stay in that copy
//! until they are copied back with [`copy_out`]. Native builds write into the buffer
//! itself and have no such step.

use napi::sys;

extern "C" {
    /// emnapi's copy between a JavaScript buffer or view and its copy in the module's
    /// memory (`js_to_wasm` false: from the copy to JavaScript); `offset` counts from the
    /// view's start.
    fn emnapi_sync_memory(
        env: sys::napi_env,
        js_to_wasm: bool,
        arraybuffer_or_view: *mut sys::napi_value,
        offset: usize,
        len: usize,
    ) -> sys::napi_status;
}

/// Copies the first `len` bytes of emnapi's copy of `value` (an `ArrayBuffer` or a view of
/// one, whose data native code asked for in this call) into `value` itself. Does nothing
/// for no bytes (emnapi refuses an empty buffer).
///
/// # Safety
///
/// `env` is the environment of a Node-API call in progress, `value` a handle to an
/// `ArrayBuffer` or typed array of at least `len` bytes alive in that call's scope.
pub(crate) unsafe fn copy_out(
    env: sys::napi_env,
    value: sys::napi_value,
    len: usize,
) -> sys::napi_status {
    if len == 0 {
        return sys::Status::napi_ok;
    }
    let mut value = value;
    // SAFETY: the caller's contract; the function reads `value` and may write a handle
    // back to it (for a view it re-creates), which is a local here.
    unsafe { emnapi_sync_memory(env, false, &mut value, 0, len) }
}
