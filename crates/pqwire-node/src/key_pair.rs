//! The key-pair handles `KemKeyPair` and `SigKeyPair`: a core key pair behind
//! `Disposable`, made from a suite id. What the two share is written once here
//! ([`key_pair_handle!`]); each adds its own operations (`decapsulate`, `sign`) in an
//! `impl` block of its own.

/// Declares the napi class `$name`, documented by the lines `$doc`, around the core key
/// pair `$core` of suite type `$suite` (`$backend` maps a suite id to its backend, `$label`
/// names the handle in `DISPOSED` errors), with `generate`, `import`, `suite`,
/// `publicKey` and `exportSecretKey`, and `dispose` and `disposed` through
/// [`disposable_handle!`](crate::handle::disposable_handle). The invoking module imports
/// `napi` and adds its own operations in a second `#[napi] impl` block. (Documentation
/// passes as string literals: napi-rs would copy a forwarded `///` comment into the
/// TypeScript declarations as a raw string, `r"…"`.)
macro_rules! key_pair_handle {
    ($name:ident($core:ty, $suite:ty, $label:literal, $backend:path), $($doc:literal),+) => {
        $(#[doc = $doc])+
        #[napi]
        pub struct $name {
            inner: ::pqwire_core::Disposable<$core>,
            suite: $suite,
        }

        #[napi]
        impl $name {
            fn wrap(kp: $core) -> Self {
                Self {
                    suite: kp.suite(),
                    inner: ::pqwire_core::Disposable::new(kp, $label),
                }
            }

            /// Generates a key pair (default backend), from `seed` when given.
            #[napi(factory, catch_unwind)]
            pub fn generate(id: f64, seed: Option<&[u8]>) -> napi::Result<Self> {
                let suite = $backend(id)?.suite();
                Ok(Self::wrap($crate::errors::js(<$core>::generate(suite, seed))?))
            }

            /// Imports a key pair from exported bytes; the two halves must belong together.
            #[napi(factory, catch_unwind)]
            pub fn import(id: f64, secret_key: &[u8], public_key: &[u8]) -> napi::Result<Self> {
                let suite = $backend(id)?.suite();
                let kp = <$core>::import(suite, secret_key, public_key);
                Ok(Self::wrap($crate::errors::js(kp)?))
            }

            /// The suite's canonical name (still known after `dispose()`).
            #[napi(getter)]
            pub fn suite(&self) -> String {
                self.suite.name().to_string()
            }

            /// The public key.
            #[napi(getter, catch_unwind, ts_return_type = "Uint8Array")]
            pub fn public_key(&self) -> napi::Result<Bytes> {
                Ok(Bytes::copy(&self.shared()?.public_key()))
            }

            /// Exports the secret key bytes (explicit: the caller then holds a copy in JavaScript).
            #[napi(catch_unwind, ts_return_type = "Uint8Array")]
            pub fn export_secret_key(&self) -> napi::Result<Bytes> {
                Ok($crate::task::IntoJs::into_js(self.shared()?.export_secret_key()))
            }
        }

        $crate::handle::disposable_handle!(
            $name($core),
            " Drops the secret key now (wiped at once, or when a running `*Async` operation",
            " of this key pair ends); every later use but `suite` is `DISPOSED`. Idempotent."
        );
    };
}

pub(crate) use key_pair_handle;
