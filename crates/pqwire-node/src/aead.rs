//! AEAD bindings.

use crate::errors::js;
use crate::suite_id::aead_suite;
use crate::task::Job;
use napi::bindgen_prelude::{AsyncTask, Uint8Array};
use napi_derive::napi;
use pqwire_core::{aead, SecretBytes};

/// Encrypts `plaintext`; returns ciphertext followed by the 16-byte tag.
#[napi(catch_unwind)]
pub fn aead_seal(
    id: u32,
    key: &[u8],
    nonce: &[u8],
    plaintext: &[u8],
    aad: Option<&[u8]>,
) -> napi::Result<Uint8Array> {
    let a = aead::algorithm(aead_suite(id)?);
    Ok(Uint8Array::new(js(a.seal(
        key,
        nonce,
        plaintext,
        aad.unwrap_or_default(),
    ))?))
}

/// Checks the tag and decrypts; throws `AUTH_FAILED` on any mismatch.
#[napi(catch_unwind)]
pub fn aead_open(
    id: u32,
    key: &[u8],
    nonce: &[u8],
    ciphertext: &[u8],
    aad: Option<&[u8]>,
) -> napi::Result<Uint8Array> {
    let a = aead::algorithm(aead_suite(id)?);
    Ok(Uint8Array::new(js(a.open(
        key,
        nonce,
        ciphertext,
        aad.unwrap_or_default(),
    ))?))
}

/// `aeadSeal` on the thread pool (for large messages).
#[napi(catch_unwind, ts_return_type = "Promise<Uint8Array>")]
pub fn aead_seal_async(
    id: u32,
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
    id: u32,
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
