//! One generic libuv-thread-pool task: runs a boxed closure off the JavaScript thread,
//! catches panics, maps core errors, and converts the result on the JavaScript thread.

use crate::errors::to_js;
use napi::bindgen_prelude::{ToNapiValue, TypeName};
use napi::{Env, Task};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// A Rust value that can become a JavaScript value once back on the main thread.
pub trait IntoJs: Send + 'static {
    /// The JavaScript-side type.
    type Js: ToNapiValue + TypeName;
    /// Converts (on the JavaScript thread).
    fn into_js(self) -> Self::Js;
}

/// A closure run on the thread pool.
pub struct Job<T: IntoJs> {
    work: Option<Box<dyn FnOnce() -> pqwire_core::Result<T> + Send>>,
}

impl<T: IntoJs> Job<T> {
    pub(crate) fn new(work: impl FnOnce() -> pqwire_core::Result<T> + Send + 'static) -> Self {
        Self {
            work: Some(Box::new(work)),
        }
    }
}

impl<T: IntoJs> Task for Job<T> {
    type Output = T;
    type JsValue = T::Js;

    fn compute(&mut self) -> napi::Result<T> {
        let work = self
            .work
            .take()
            .ok_or_else(|| napi::Error::from_reason("INTERNAL: task ran twice"))?;
        match catch_unwind(AssertUnwindSafe(work)) {
            Ok(result) => result.map_err(to_js),
            Err(_) => Err(napi::Error::from_reason(
                "INTERNAL: a native operation panicked",
            )),
        }
    }

    fn resolve(&mut self, _env: Env, output: T) -> napi::Result<T::Js> {
        Ok(output.into_js())
    }
}

impl IntoJs for Vec<u8> {
    type Js = napi::bindgen_prelude::Uint8Array;
    fn into_js(self) -> Self::Js {
        napi::bindgen_prelude::Uint8Array::new(self)
    }
}

impl IntoJs for pqwire_core::SecretBytes {
    type Js = napi::bindgen_prelude::Uint8Array;
    fn into_js(self) -> Self::Js {
        napi::bindgen_prelude::Uint8Array::new(self.into_exposed())
    }
}
