//! AEAD bindings.

use crate::errors::{js, to_js};
use crate::output::{self, Out};
use crate::suite_id::aead_suite;
use crate::task::Job;
use napi::bindgen_prelude::AsyncTask;
use napi_derive::napi;
use pqwire_core::{aead, SecretBytes};
use zeroize::{Zeroize, Zeroizing};

/// Encrypts `plaintext` into `out`: ciphertext followed by the 16-byte tag, so `out`
/// holds `plaintext.length + 16` bytes.
#[napi(catch_unwind)]
pub fn aead_seal(
    id: u32,
    key: &[u8],
    nonce: &[u8],
    plaintext: &[u8],
    aad: Option<&[u8]>,
    #[napi(ts_arg_type = "Uint8Array")] mut out: Out,
) -> napi::Result<()> {
    let a = aead::algorithm(aead_suite(id)?);
    output::check("AEAD output", &out, plaintext.len() + aead::TAG_LEN)?;
    let (body, tag) = out.split_at_mut(plaintext.len());
    body.copy_from_slice(plaintext);
    match a.seal_in_place(key, nonce, body, aad.unwrap_or_default()) {
        Ok(t) => {
            tag.copy_from_slice(&t);
            Ok(())
        }
        Err(e) => {
            // `out` is a public buffer: never leave the plaintext copy in it.
            body.zeroize();
            Err(to_js(e))
        }
    }
}

/// Checks the tag and decrypts into `out` (`ciphertext.length - 16` bytes); throws
/// `AUTH_FAILED` on any mismatch and leaves `out` untouched.
#[napi(catch_unwind)]
pub fn aead_open(
    id: u32,
    key: &[u8],
    nonce: &[u8],
    ciphertext: &[u8],
    aad: Option<&[u8]>,
    #[napi(ts_arg_type = "Uint8Array")] mut out: Out,
) -> napi::Result<()> {
    let a = aead::algorithm(aead_suite(id)?);
    let expected = ciphertext.len().saturating_sub(aead::TAG_LEN);
    output::check("AEAD output", &out, expected)?;
    let plaintext = Zeroizing::new(js(a.open(key, nonce, ciphertext, aad.unwrap_or_default()))?);
    output::write("AEAD output", &mut out, &plaintext)
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
