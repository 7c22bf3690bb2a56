//! # pqwire-ffi
//!
//! A C ABI over `pqwire-core` for the React Native binding (`packages/pqwire-react-native`):
//! the JSI module there calls these functions and nothing else. The header is
//! `include/pqwire.h`, generated from this crate by cbindgen (`cbindgen.toml`) and
//! checked against it by `npm run test:react-native` when cbindgen is installed.
//!
//! Conventions of every exported function (docs/react-native.md, "The C ABI"):
//! - it returns [`PQW_OK`] (0) or [`PQW_ERROR`] (1); on an error the caller's
//!   [`PqwStatus`] (may be null) holds the stable error code, the same string the Node
//!   addon and the TypeScript facade report as `error.code`, and a message that never
//!   contains key material;
//! - byte inputs are `(pointer, length)` pairs; a null pointer is an absent input for an
//!   optional one, an empty input when the length is 0, and `INVALID_ARGUMENT` otherwise;
//! - byte outputs are [`PqwBuf`]s that Rust allocates and [`pqw_buf_free`] wipes and
//!   frees; an output is empty when the call fails;
//! - secrets that outlive a call (identities, prekey secrets, sessions) stay in Rust,
//!   behind `u32` handles from a registry ([`pqw_handle_free`] wipes them): a wrong,
//!   stale or freed handle is a typed error, never undefined behaviour;
//! - no panic crosses the boundary: each call runs under `catch_unwind`, and a caught
//!   panic is `INTERNAL` (the crate must be built with `panic = "unwind"`, as every
//!   profile of the workspace is).

mod buf;
mod handles;
mod primitives;
mod session;
mod status;

pub use buf::{pqw_buf_free, PqwBuf};
pub use handles::pqw_handle_free;
pub use primitives::*;
pub use session::*;
pub use status::{pqw_error_codes, PqwStatus, PQW_CODE_LEN, PQW_ERROR, PQW_MESSAGE_LEN, PQW_OK};

/// The version of this ABI; the JSI module refuses a library of another one.
pub const PQW_ABI_VERSION: u32 = 1;

/// The ABI version of the loaded library ([`PQW_ABI_VERSION`]).
#[no_mangle]
pub extern "C" fn pqw_abi_version() -> u32 {
    PQW_ABI_VERSION
}
