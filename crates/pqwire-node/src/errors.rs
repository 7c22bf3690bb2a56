//! The single mapping from core errors to JavaScript errors.

/// Converts a core error into a JavaScript error whose message starts with its code.
pub(crate) fn to_js(e: pqwire_core::Error) -> napi::Error {
    napi::Error::new(napi::Status::GenericFailure, format!("{}: {}", e.code(), e))
}

/// Shorthand: run a core operation and map its error.
pub(crate) fn js<T>(r: pqwire_core::Result<T>) -> napi::Result<T> {
    r.map_err(to_js)
}
