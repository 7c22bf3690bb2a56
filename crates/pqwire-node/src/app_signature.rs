//! Application signatures of identities (docs/protocol.md §2.5): an identity signs the
//! application's own data under a context, for example a server's login challenge.

use crate::errors::js;
use crate::identity::NativeIdentity;
use crate::js_bytes::Bytes;
use crate::task::Job;
use napi::bindgen_prelude::AsyncTask;
use napi_derive::napi;
use pqwire_core::pqxdh::verify_data;
use pqwire_core::random::OsRandom;
use pqwire_core::wire::{KeyPackage, WireMessage};
use pqwire_core::{Error, Result};

#[napi]
impl NativeIdentity {
    /// Signs `data` under `context` (at most 255 bytes) with the identity's hybrid key.
    #[napi(catch_unwind, ts_return_type = "Uint8Array")]
    pub fn sign_data(&self, data: &[u8], context: &[u8]) -> napi::Result<Bytes> {
        let identity = self.shared()?;
        let signature = js(identity.sign_data(data, context, &mut OsRandom))?;
        Ok(Bytes::from(signature))
    }

    /// `signData` on the thread pool.
    #[napi(catch_unwind, ts_return_type = "Promise<Uint8Array>")]
    pub fn sign_data_async(
        &self,
        data: &[u8],
        context: &[u8],
    ) -> napi::Result<AsyncTask<Job<Vec<u8>>>> {
        let identity = self.shared()?;
        let (data, context) = (data.to_vec(), context.to_vec());
        Ok(AsyncTask::new(Job::new(move || {
            identity.sign_data(&data, &context, &mut OsRandom)
        })))
    }
}

/// Whether `signature` is the identity's application signature over `data` under
/// `context`; the identity is given by its encoded signing key package.
fn verified(signing_key: &[u8], data: &[u8], context: &[u8], signature: &[u8]) -> Result<bool> {
    let key = KeyPackage::decode(signing_key)?;
    match verify_data(&key, data, context, signature) {
        Ok(()) => Ok(true),
        Err(Error::AuthenticationFailed) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Checks an identity's application signature: `false` unless both halves verify.
#[napi(catch_unwind)]
pub fn identity_verify_data(
    signing_key: &[u8],
    data: &[u8],
    context: &[u8],
    signature: &[u8],
) -> napi::Result<bool> {
    js(verified(signing_key, data, context, signature))
}

/// `identityVerifyData` on the thread pool.
#[napi(catch_unwind, ts_return_type = "Promise<boolean>")]
pub fn identity_verify_data_async(
    signing_key: &[u8],
    data: &[u8],
    context: &[u8],
    signature: &[u8],
) -> AsyncTask<Job<bool>> {
    let args = [signing_key, data, context, signature].map(<[u8]>::to_vec);
    AsyncTask::new(Job::new(move || {
        let [key, data, context, signature] = &args;
        verified(key, data, context, signature)
    }))
}
