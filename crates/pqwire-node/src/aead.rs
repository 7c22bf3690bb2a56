//! AEAD bindings.

use crate::errors::js;
use crate::output::{self, Out};
use crate::suite_id::aead_suite;
use crate::task::Job;
use napi::bindgen_prelude::AsyncTask;
use napi_derive::napi;
use pqwire_core::{aead, SecretBytes};

/// Encrypts `plaintext` into `out`: ciphertext followed by the 16-byte tag, so `out`
/// holds `plaintext.length + 16` bytes. An `out` overlapping any input is refused
/// (`INVALID_ARGUMENT`, nothing written).
#[napi(catch_unwind)]
pub fn aead_seal(
    id: f64,
    key: &[u8],
    nonce: &[u8],
    plaintext: &[u8],
    aad: Option<&[u8]>,
    #[napi(ts_arg_type = "Uint8Array")] mut out: Out,
) -> napi::Result<()> {
    let a = aead::algorithm(aead_suite(id)?);
    let aad = aad.unwrap_or_default();
    output::check_disjoint(&[&out], &[key, nonce, plaintext, aad])?;
    // seal_into checks the size of `out` before any work.
    js(a.seal_into(key, nonce, plaintext, aad, &mut out))
}

/// Checks the tag and decrypts into `out` (`ciphertext.length - 16` bytes; it must not
/// overlap any input: `INVALID_ARGUMENT`, nothing written); throws
/// `AUTH_FAILED` on any mismatch, with `out` wiped (all zeros: AWS-LC decrypts while
/// it authenticates, so nothing unauthenticated is left behind). Decrypting straight into
/// `out` spares a temporary plaintext, its copy and its wiping (a third of the time at
/// 64 KiB).
#[napi(catch_unwind)]
pub fn aead_open(
    id: f64,
    key: &[u8],
    nonce: &[u8],
    ciphertext: &[u8],
    aad: Option<&[u8]>,
    #[napi(ts_arg_type = "Uint8Array")] mut out: Out,
) -> napi::Result<()> {
    let a = aead::algorithm(aead_suite(id)?);
    let expected = ciphertext.len().saturating_sub(aead::TAG_LEN);
    output::check("AEAD output", &out, expected)?;
    let aad = aad.unwrap_or_default();
    output::check_disjoint(&[&out], &[key, nonce, ciphertext, aad])?;
    js(a.open_into(key, nonce, ciphertext, aad, &mut out))
}

/// `aeadSeal` on the thread pool (for large messages).
#[napi(catch_unwind, ts_return_type = "Promise<Uint8Array>")]
pub fn aead_seal_async(
    id: f64,
    key: &[u8],
    nonce: &[u8],
    plaintext: &[u8],
    aad: Option<&[u8]>,
) -> napi::Result<AsyncTask<Job<Vec<u8>>>> {
    let a = aead::algorithm(aead_suite(id)?);
    let key = SecretBytes::from_slice(key);
    let (nonce, pt, aad) = (
        nonce.to_vec(),
        plaintext.to_vec(),
        aad.unwrap_or_default().to_vec(),
    );
    Ok(AsyncTask::new(Job::new(move || {
        a.seal(key.expose(), &nonce, &pt, &aad)
    })))
}

/// `aeadOpen` on the thread pool (for large messages).
#[napi(catch_unwind, ts_return_type = "Promise<Uint8Array>")]
pub fn aead_open_async(
    id: f64,
    key: &[u8],
    nonce: &[u8],
    ciphertext: &[u8],
    aad: Option<&[u8]>,
) -> napi::Result<AsyncTask<Job<Vec<u8>>>> {
    let a = aead::algorithm(aead_suite(id)?);
    let key = SecretBytes::from_slice(key);
    let (nonce, ct, aad) = (
        nonce.to_vec(),
        ciphertext.to_vec(),
        aad.unwrap_or_default().to_vec(),
    );
    Ok(AsyncTask::new(Job::new(move || {
        a.open(key.expose(), &nonce, &ct, &aad)
    })))
}
