//! The key-pair handles `KemKeyPair` and `SigKeyPair`: a core key pair behind
//! `Disposable`, made from a suite id. What the two share is written once here
//! ([`key_pair_handle!`]); each adds its own operations (`decapsulate`, `sign`) in an
//! `impl` block of its own.

/// Declares the napi class `$name`, documented by the lines `$doc`, around the core key
/// pair `$core` of suite type `$suite` (`$backend` maps a suite id and the `lockable` flag
/// to the backend that holds the key pair, `$label` names the handle in
/// `DISPOSED` errors), with `generate`, `import`, `suite`,
/// `publicKey`, `exportSecretKey` and `lockMemory`, and `dispose` and `disposed` through
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

            /// Generates a key pair with the backend of the suite id, from `seed` when given;
            /// with `lockable`, one whose whole secret state `lockMemory` can lock
            /// (pqwire-core's `lockable_backend_of`: pure-Rust X25519/Ed25519, libcrux ML-KEM).
            #[napi(factory, catch_unwind)]
            pub fn generate(id: f64, seed: Option<&[u8]>, lockable: Option<bool>) -> napi::Result<Self> {
                Ok(Self::wrap($crate::errors::js(<$core>::generate_with($backend(id, lockable)?, seed))?))
            }

            /// Imports a key pair from exported bytes into the backend of the suite id (its
            /// lockable form with `lockable`, as `generate`); the two halves must belong
            /// together.
            #[napi(factory, catch_unwind)]
            pub fn import(
                id: f64,
                secret_key: &[u8],
                public_key: &[u8],
                lockable: Option<bool>,
            ) -> napi::Result<Self> {
                let kp = <$core>::import_with($backend(id, lockable)?, secret_key, public_key);
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

            /// Locks every page holding the key pair's secret state into RAM (`mlock`, Unix)
            /// and returns whether all of it is locked: `false` when a page could not be
            /// locked (`RLIMIT_MEMLOCK`), when part of the secret is where pqwire cannot
            /// see it (AWS-LC's heap: make the key pair with `lockable`), or on other
            /// platforms. Pages stay locked until the process ends (never unlocked: they
            /// may hold other allocations too).
            #[napi(catch_unwind)]
            pub fn lock_memory(&self) -> napi::Result<bool> {
                let memory = self.shared()?.secret_memory();
                Ok($crate::memory::lock_secret_memory(&memory))
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
