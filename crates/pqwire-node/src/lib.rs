//! napi-rs bindings of pqwire-core and pqwire-mls. Only conversion, dispatch and error
//! mapping live here; every algorithm and check is in `pqwire-core` (MLS groups: `pqwire-mls`
//! on openmls).
//!
//! Conventions shared by every exported function:
//! - byte inputs are borrowed `Uint8Array`s (no copy on the synchronous path);
//! - suites are passed as numeric ids from `kemSuiteId` / `sigSuiteId` / `aeadSuiteId`;
//! - errors are thrown as `Error`s with the stable `code` (and `offset`, `tag`, `field` for
//!   a wire-format rule), made in one place (`errors.rs`); `errorCodes()` lists every code,
//!   and the TypeScript facade turns them into its typed classes;
//! - every function catches panics (`catch_unwind`), so none reaches JavaScript;
//! - `*Async` variants run on the libuv thread pool; `*Batch` variants run one task per
//!   batch, its items split across the cores inside it (parallel.rs).

mod aead;
mod app_signature;
mod batch;
mod channel;
mod channel_output;
#[cfg(target_family = "wasm")]
mod emnapi;
mod errors;
mod group;
mod handle;
mod hash;
mod identity;
mod js_bytes;
mod kdf;
mod kem;
mod key_pair;
mod memory;
mod negotiation;
mod options;
mod output;
mod parallel;
mod session;
mod sig;
mod suite_id;
mod task;
mod wire;
mod x25519;
