//! X25519 bindings.

use crate::errors::js;
use crate::kem::KemKeys;
use napi::bindgen_prelude::Uint8Array;
use napi_derive::napi;
use pqwire_core::x25519;

/// Generates an X25519 key pair; the secret key is `seed` when given.
#[napi(catch_unwind)]
pub fn x25519_keygen(seed: Option<&[u8]>) -> napi::Result<KemKeys> {
    let (sk, pk) = js(x25519::keygen(seed))?;
    Ok(KemKeys {
        public_key: Uint8Array::new(pk.to_vec()),
        secret_key: Uint8Array::new(sk.into_exposed()),
    })
}

/// The public key of a secret key.
#[napi(catch_unwind)]
pub fn x25519_public_key(secret_key: &[u8]) -> napi::Result<Uint8Array> {
    Ok(Uint8Array::new(
        js(x25519::public_key(secret_key))?.to_vec(),
    ))
}

/// The shared secret; throws `NON_CONTRIBUTORY` for an all-zero result.
#[napi(catch_unwind)]
pub fn x25519_shared_secret(secret_key: &[u8], public_key: &[u8]) -> napi::Result<Uint8Array> {
    Ok(Uint8Array::new(
        js(x25519::shared_secret(secret_key, public_key))?.into_exposed(),
    ))
}
