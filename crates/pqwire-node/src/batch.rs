//! Prekey batch bindings (docs/protocol.md §3): the owner signs a batch of public prekeys
//! once (`prekeyBatchSign`); anyone holding the upload assembles bundles
//! (`bundleAssemble`) or verifies it (`prekeyUploadVerify`) — no secret involved.

use crate::errors::js;
use crate::identity::{kind_of, NativeIdentity};
use crate::js_bytes::Bytes;
use napi::bindgen_prelude::Uint8Array;
use napi_derive::napi;
use pqwire_core::pqxdh::{
    assemble_bundle, sign_batch, verify_upload, BatchKeys, BundleAssembler, Prekey,
};
use pqwire_core::random::OsRandom;
use pqwire_core::wire::{KeyPackage, PrekeyUpload, WireMessage};
use pqwire_core::Error;

/// A prekey's public parts, as `prekeyBatchSign` takes them.
#[napi(object)]
pub struct NativePublicPrekey {
    /// `signed`, `last-resort-kem`, `one-time` or `one-time-kem`.
    pub kind: String,
    /// The key package, encoded.
    pub package: Uint8Array,
}

fn prekey(p: &NativePublicPrekey) -> napi::Result<Prekey> {
    Ok(Prekey {
        kind: kind_of(&p.kind)?,
        key: js(KeyPackage::decode(&p.package).map_err(Error::from))?,
    })
}

fn prekeys(list: &[NativePublicPrekey]) -> napi::Result<Vec<Prekey>> {
    list.iter().map(prekey).collect()
}

/// Signs a batch of `identity`'s public prekeys once (OS randomness) and returns the
/// encoded prekey upload: `capabilities` encoded, the signed prekey, the last-resort KEM
/// prekey (absent: no ML-KEM), the one-time KEM and X25519 prekeys in leaf order.
#[napi(catch_unwind, ts_return_type = "Uint8Array")]
pub fn prekey_batch_sign(
    identity: &NativeIdentity,
    capabilities: &[u8],
    signed_prekey: NativePublicPrekey,
    last_resort_kem: Option<NativePublicPrekey>,
    one_time_kem: Vec<NativePublicPrekey>,
    one_time: Vec<NativePublicPrekey>,
) -> napi::Result<Bytes> {
    let spk = prekey(&signed_prekey)?;
    let lr = last_resort_kem.as_ref().map(prekey).transpose()?;
    let (kems, otks) = (prekeys(&one_time_kem)?, prekeys(&one_time)?);
    let keys = BatchKeys {
        signed_prekey: &spk,
        last_resort_kem: lr.as_ref(),
        one_time_kem: &kems,
        one_time: &otks,
    };
    let identity = identity.shared()?;
    let upload = js(sign_batch(&identity, capabilities, &keys, &mut OsRandom))?;
    Ok(Bytes::from(js(upload.encode().map_err(Error::from))?))
}

/// A bundle from an encoded upload: the one-time KEM prekey `kem_index` (absent: the
/// last-resort one) and the one-time X25519 prekey `one_time_index` (absent: none).
/// Public bytes only.
#[napi(catch_unwind, ts_return_type = "Uint8Array")]
pub fn bundle_assemble(
    upload: &[u8],
    kem_index: Option<u32>,
    one_time_index: Option<u32>,
) -> napi::Result<Bytes> {
    let upload = js(PrekeyUpload::decode(upload).map_err(Error::from))?;
    let bundle = js(assemble_bundle(&upload, kem_index, one_time_index))?;
    Ok(Bytes::from(js(bundle.encode().map_err(Error::from))?))
}

/// What a verified upload holds, for a server deciding whether to store it.
#[napi(object, object_from_js = false)]
pub struct NativeUploadFacts {
    /// The owner's identity signing key package, encoded (compare it with the device's).
    #[napi(ts_type = "Uint8Array")]
    pub identity_sig_key: Bytes,
    pub one_time_kem_count: u32,
    pub one_time_count: u32,
    pub has_kem: bool,
    /// End of validity of the signed and last-resort prekeys, and of the one-time ones (unix seconds).
    pub signed_expires: f64,
    pub one_time_expires: f64,
}

/// Verifies an upload's signature and Merkle root (`AUTH_FAILED`) and returns its facts.
#[napi(catch_unwind)]
pub fn prekey_upload_verify(upload: &[u8]) -> napi::Result<NativeUploadFacts> {
    let upload = js(PrekeyUpload::decode(upload).map_err(Error::from))?;
    js(verify_upload(&upload))?;
    let b = &upload.batch;
    Ok(NativeUploadFacts {
        identity_sig_key: Bytes::copy(&upload.identity_sig_key_encoded),
        one_time_kem_count: b.one_time_kem_count,
        one_time_count: b.one_time_count,
        has_kem: b.kem_suite.is_some(),
        signed_expires: b.signed_expires as f64,
        one_time_expires: b.one_time_expires as f64,
    })
}

/// A prekey upload decoded once, its leaf hashes computed once: bundles from it cost a
/// Merkle path each (a server serving many bundles of one batch).
#[napi]
pub struct NativeBundleAssembler {
    inner: BundleAssembler,
}

#[napi]
impl NativeBundleAssembler {
    /// Decodes `upload` (wire errors) and hashes its leaves. Verifies nothing.
    #[napi(constructor, catch_unwind)]
    pub fn new(upload: &[u8]) -> napi::Result<Self> {
        let upload = js(PrekeyUpload::decode(upload).map_err(Error::from))?;
        Ok(Self {
            inner: BundleAssembler::new(upload),
        })
    }

    /// The encoded bundle at `kem_index` (absent: the last-resort KEM prekey) and
    /// `one_time_index` (absent: none), as `bundleAssemble`.
    #[napi(catch_unwind, ts_return_type = "Uint8Array")]
    pub fn bundle(
        &self,
        kem_index: Option<u32>,
        one_time_index: Option<u32>,
    ) -> napi::Result<Bytes> {
        let bundle = js(self.inner.bundle(kem_index, one_time_index))?;
        Ok(Bytes::from(js(bundle.encode().map_err(Error::from))?))
    }
}
