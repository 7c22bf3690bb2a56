//! Bytes returned to JavaScript as a `Uint8Array` over a fresh JavaScript-owned
//! `ArrayBuffer`, the bytes copied in.
//!
//! napi-rs's `Uint8Array::new(Vec)` hands the vector over as an *external* buffer: V8
//! then tracks an off-heap backing store with a finalizer, which costs several
//! microseconds per array when it is made and again when it is collected — more than
//! copying the few kilobytes a handshake or a session record returns
//! (benches/README.md, "Results as JavaScript-owned arrays"). [`Bytes`] copies instead,
//! and wipes its own copy when dropped: some results are secret (a secret key, a session
//! record), and JavaScript now holds the only copy.

use napi::bindgen_prelude::{ToNapiValue, TypeName, ValidateNapiValue};
use napi::{sys, Result, Status, ValueType};
use std::ptr;
use zeroize::Zeroize;

/// Bytes that become a `Uint8Array` owning a copy when they reach JavaScript.
pub struct Bytes(Vec<u8>);

impl Bytes {
    /// Copies `bytes` out (to JavaScript when converted).
    pub fn copy(bytes: &[u8]) -> Self {
        Self(bytes.to_vec())
    }
}

impl From<Vec<u8>> for Bytes {
    fn from(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }
}

impl Drop for Bytes {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl TypeName for Bytes {
    fn type_name() -> &'static str {
        "Uint8Array"
    }
    fn value_type() -> ValueType {
        ValueType::Object
    }
}

impl ValidateNapiValue for Bytes {}

impl ToNapiValue for Bytes {
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> Result<sys::napi_value> {
        let len = val.0.len();
        let mut data = ptr::null_mut();
        let mut buffer = ptr::null_mut();
        check(unsafe { sys::napi_create_arraybuffer(env, len, &mut data, &mut buffer) })?;
        if len > 0 {
            // SAFETY: V8 just allocated `len` writable bytes at `data`, which nothing else
            // references yet.
            unsafe { ptr::copy_nonoverlapping(val.0.as_ptr(), data.cast::<u8>(), len) };
        }
        // On WebAssembly `data` is emnapi's copy of the buffer in the module's memory
        // (emnapi.rs): copy it into the JavaScript buffer.
        #[cfg(target_family = "wasm")]
        // SAFETY: `buffer` is the `len`-byte ArrayBuffer just made in this call's `env`.
        check(unsafe { crate::emnapi::copy_out(env, buffer, len) })?;
        let mut array = ptr::null_mut();
        check(unsafe {
            sys::napi_create_typedarray(
                env,
                sys::TypedarrayType::uint8_array,
                len,
                buffer,
                0,
                &mut array,
            )
        })?;
        Ok(array)
    }
}

fn check(status: sys::napi_status) -> Result<()> {
    if status == sys::Status::napi_ok {
        Ok(())
    } else {
        Err(napi::Error::new(
            Status::from(status),
            "could not create a Uint8Array",
        ))
    }
}
