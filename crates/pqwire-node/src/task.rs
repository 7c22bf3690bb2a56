//! One generic libuv-thread-pool task: runs a boxed closure off the JavaScript thread,
//! catches panics, and converts the result, or makes the error, on the JavaScript thread.

use crate::errors::{Failure, Fallible};
use crate::js_bytes::Bytes;
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

/// What a job returns: a value, or a core error or one of the bindings' own.
type Work<T> = Box<dyn FnOnce() -> Fallible<T> + Send>;

/// A closure run on the thread pool.
pub struct Job<T: IntoJs> {
    work: Option<Work<T>>,
}

impl<T: IntoJs> Job<T> {
    /// A job running a core operation.
    pub(crate) fn new(work: impl FnOnce() -> pqwire_core::Result<T> + Send + 'static) -> Self {
        Self::fallible(|| Ok(work()?))
    }

    /// A job that can also fail with one of the bindings' own errors (a poisoned lock).
    pub(crate) fn fallible(work: impl FnOnce() -> Fallible<T> + Send + 'static) -> Self {
        Self {
            work: Some(Box::new(work)),
        }
    }
}

impl<T: IntoJs> Task for Job<T> {
    /// The failure too: the JavaScript error can only be made on the JavaScript thread.
    type Output = Fallible<T>;
    type JsValue = T::Js;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        let Some(work) = self.work.take() else {
            return Ok(Err(Failure::internal("task ran twice")));
        };
        Ok(catch_unwind(AssertUnwindSafe(work))
            .unwrap_or_else(|_| Err(Failure::internal("a native operation panicked"))))
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> napi::Result<T::Js> {
        output.map(IntoJs::into_js).map_err(|f| f.into_js(&env))
    }
}

impl IntoJs for bool {
    type Js = bool;
    fn into_js(self) -> bool {
        self
    }
}

impl IntoJs for Vec<u8> {
    type Js = Bytes;
    fn into_js(self) -> Self::Js {
        Bytes::from(self)
    }
}

impl IntoJs for pqwire_core::SecretBytes {
    type Js = Bytes;
    fn into_js(self) -> Self::Js {
        Bytes::from(self.into_exposed())
    }
}
