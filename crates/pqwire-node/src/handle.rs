//! What every handle around a core value held in a [`pqwire_core::Disposable`] shares:
//! `shared` for the operations, and JavaScript's `dispose()` and `disposed`.

/// For the napi class `$name`, whose field `inner` is a `Disposable<$core>`: `shared` (the
/// value for an operation, which keeps it until it ends; `DISPOSED` after `dispose()`) and
/// a `#[napi]` impl block with `dispose()`, documented by the lines `$doc` (what is wiped
/// when), and the `disposed` getter. With a `$label` (which names the value in `DISPOSED`
/// errors), also `wrap`, for a class whose only field is `inner`. The invoking module
/// imports `napi_derive::napi`. (Documentation passes as string literals: napi-rs would
/// copy a forwarded `///` comment into the TypeScript declarations as a raw string.)
macro_rules! disposable_handle {
    ($name:ident($core:ty, $label:literal), $($doc:literal),+) => {
        impl $name {
            fn wrap(value: $core) -> Self {
                Self {
                    inner: ::pqwire_core::Disposable::new(value, $label),
                }
            }
        }

        $crate::handle::disposable_handle!($name($core), $($doc),+);
    };
    ($name:ident($core:ty), $($doc:literal),+) => {
        impl $name {
            /// The value for an operation (which keeps it until it ends); `DISPOSED` after
            /// `dispose()`.
            pub(crate) fn shared(&self) -> napi::Result<::std::sync::Arc<$core>> {
                $crate::errors::js(self.inner.get())
            }
        }

        #[napi]
        impl $name {
            $(#[doc = $doc])+
            #[napi(catch_unwind)]
            pub fn dispose(&self) {
                self.inner.dispose();
            }

            /// Whether `dispose()` was called.
            #[napi(getter)]
            pub fn disposed(&self) -> bool {
                self.inner.is_disposed()
            }
        }
    };
}

pub(crate) use disposable_handle;
