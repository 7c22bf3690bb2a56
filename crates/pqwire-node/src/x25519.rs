//! X25519 bindings.

use crate::errors::js;
use crate::output::{self, Out};
use napi_derive::napi;
use pqwire_core::x25519;

/// Generates a key pair into `public_out` and `secret_out` (32 bytes each).
#[napi(catch_unwind)]
pub fn x25519_keygen(
    seed: Option<&[u8]>,
    #[napi(ts_arg_type = "Uint8Array")] mut public_out: Out,
    #[napi(ts_arg_type = "Uint8Array")] mut secret_out: Out,
) -> napi::Result<()> {
    output::check("X25519 public key output", &public_out, x25519::KEY_LEN)?;
    output::check("X25519 secret key output", &secret_out, x25519::KEY_LEN)?;
    // Overlapping outputs would leave secret bytes in the "public key".
    output::check_disjoint(&[&public_out, &secret_out], &[seed.unwrap_or_default()])?;
    let (sk, pk) = js(x25519::keygen(seed))?;
    output::write("X25519 public key output", &mut public_out, &pk)?;
    output::write("X25519 secret key output", &mut secret_out, sk.expose())
}

/// Derives the public key of `secret_key` into `out` (32 bytes).
#[napi(catch_unwind)]
pub fn x25519_public_key(
    secret_key: &[u8],
    #[napi(ts_arg_type = "Uint8Array")] mut out: Out,
) -> napi::Result<()> {
    output::check("X25519 public key output", &out, x25519::KEY_LEN)?;
    output::check_disjoint(&[&out], &[secret_key])?;
    output::write(
        "X25519 public key output",
        &mut out,
        &js(x25519::public_key(secret_key))?,
    )
}

/// Computes the shared secret into `out` (32 bytes); throws `NON_CONTRIBUTORY` for a
/// low-order peer key.
#[napi(catch_unwind)]
pub fn x25519_shared_secret(
    secret_key: &[u8],
    public_key: &[u8],
    #[napi(ts_arg_type = "Uint8Array")] mut out: Out,
) -> napi::Result<()> {
    output::check("X25519 shared secret output", &out, x25519::KEY_LEN)?;
    output::check_disjoint(&[&out], &[secret_key, public_key])?;
    let ss = js(x25519::shared_secret(secret_key, public_key))?;
    output::write("X25519 shared secret output", &mut out, ss.expose())
}
