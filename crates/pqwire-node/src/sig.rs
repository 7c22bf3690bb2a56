//! Signature bindings: byte-level functions, their async twins, and the `SigKeyPair` handle.

use crate::errors::js;
use crate::js_bytes::Bytes;
use crate::key_pair::key_pair_handle;
use crate::output::{self, Out};
use crate::parallel::{self, Owned};
use crate::suite_id::{sig_backend, sig_pair_backend};
use crate::task::{IntoJs, Job};
use napi::bindgen_prelude::AsyncTask;
use napi_derive::napi;
use pqwire_core::sig::{SigKeyPair as CoreSigKeyPair, SignRandomness, Verification};
use pqwire_core::{Error, SecretBytes, SigSuite};

/// Sizes of a signature suite's keys, signature and seeds, in bytes.
#[napi(object)]
pub struct SigLengths {
    pub public_key: u32,
    pub secret_key: u32,
    pub signature: u32,
    pub keygen_seed: u32,
    pub signing_randomness: u32,
}

/// A generated key pair (both halves as bytes).
#[napi(object, object_from_js = false)]
pub struct SigKeys {
    #[napi(ts_type = "Uint8Array")]
    pub public_key: Bytes,
    #[napi(ts_type = "Uint8Array")]
    pub secret_key: Bytes,
}

/// The outcome of a verification; `valid` holds for a hybrid only when both halves hold.
#[napi(object)]
pub struct SigVerification {
    pub valid: bool,
    pub classic_valid: bool,
    pub quantum_valid: bool,
    pub algorithm: String,
}

/// Signing randomness mode: 0 hedged (OS randomness), 1 deterministic, 2 given bytes.
const MODE_HEDGED: u32 = 0;
const MODE_DETERMINISTIC: u32 = 1;
const MODE_GIVEN: u32 = 2;

fn randomness<'a>(mode: u32, rnd: Option<&'a [u8]>) -> pqwire_core::Result<SignRandomness<'a>> {
    match (mode, rnd) {
        (MODE_HEDGED, None) => Ok(SignRandomness::Hedged),
        (MODE_DETERMINISTIC, None) => Ok(SignRandomness::Deterministic),
        (MODE_GIVEN, Some(r)) => Ok(SignRandomness::Given(r)),
        _ => Err(Error::InvalidArgument {
            what: "signing randomness mode does not match the randomness given",
        }),
    }
}

pub struct Keys(Vec<u8>, SecretBytes);

impl IntoJs for Keys {
    type Js = SigKeys;
    fn into_js(self) -> SigKeys {
        SigKeys {
            public_key: Bytes::from(self.0),
            secret_key: Bytes::from(self.1.into_exposed()),
        }
    }
}

pub struct Verified(Verification);

impl IntoJs for Verified {
    type Js = SigVerification;
    fn into_js(self) -> SigVerification {
        SigVerification {
            valid: self.0.valid,
            classic_valid: self.0.classic_valid,
            quantum_valid: self.0.quantum_valid,
            algorithm: self.0.suite.name().to_string(),
        }
    }
}

/// Sizes for a signature suite id.
#[napi(catch_unwind)]
pub fn sig_lengths(id: f64) -> napi::Result<SigLengths> {
    let l = sig_backend(id)?.lengths();
    let n = |v: usize| v as u32;
    Ok(SigLengths {
        public_key: n(l.public_key),
        secret_key: n(l.secret_key),
        signature: n(l.signature),
        keygen_seed: n(l.keygen_seed),
        signing_randomness: n(l.signing_randomness),
    })
}

/// Generates a key pair into `public_out` and `secret_out`, from `seed` when given.
#[napi(catch_unwind)]
pub fn sig_keygen(
    id: f64,
    seed: Option<&[u8]>,
    #[napi(ts_arg_type = "Uint8Array")] mut public_out: Out,
    #[napi(ts_arg_type = "Uint8Array")] mut secret_out: Out,
) -> napi::Result<()> {
    let backend = sig_backend(id)?;
    let l = backend.lengths();
    output::two_outputs(
        ["signature public key output", "signature secret key output"],
        [l.public_key, l.secret_key],
        (&mut public_out, &mut secret_out),
        &[seed.unwrap_or_default()],
        || backend.keygen(seed),
    )
}

/// Signs `message` with a secret key given as bytes, into `out`.
#[napi(catch_unwind)]
pub fn sig_sign(
    id: f64,
    message: &[u8],
    secret_key: &[u8],
    context: Option<&[u8]>,
    mode: u32,
    rnd: Option<&[u8]>,
    #[napi(ts_arg_type = "Uint8Array")] mut out: Out,
) -> napi::Result<()> {
    let backend = sig_backend(id)?;
    output::check("signature output", &out, backend.lengths().signature)?;
    let context = context.unwrap_or_default();
    output::check_disjoint(
        &[&out],
        &[message, secret_key, context, rnd.unwrap_or_default()],
    )?;
    let r = js(randomness(mode, rnd))?;
    let sig = js(backend.sign(message, secret_key, context, r))?;
    output::write("signature output", &mut out, &sig)
}

/// Verifies `signature` over `message`. Returns bit 0 = valid, bit 1 = the classical
/// half valid, bit 2 = the post-quantum half valid (the facade builds the result object:
/// cheaper than creating it here).
#[napi(catch_unwind)]
pub fn sig_verify(
    id: f64,
    signature: &[u8],
    message: &[u8],
    public_key: &[u8],
    context: Option<&[u8]>,
) -> napi::Result<u32> {
    let v =
        js(sig_backend(id)?.verify(signature, message, public_key, context.unwrap_or_default()))?;
    Ok(u32::from(v.valid) | (u32::from(v.classic_valid) << 1) | (u32::from(v.quantum_valid) << 2))
}

#[napi(catch_unwind, ts_return_type = "Promise<SigKeys>")]
pub fn sig_keygen_async(id: f64, seed: Option<&[u8]>) -> napi::Result<AsyncTask<Job<Keys>>> {
    let backend = sig_backend(id)?;
    let seed = seed.map(SecretBytes::from_slice);
    Ok(AsyncTask::new(Job::new(move || {
        let (pk, sk) = backend.keygen(seed.as_ref().map(SecretBytes::expose))?;
        Ok(Keys(pk, sk))
    })))
}

/// `sigSign` on the thread pool.
#[napi(catch_unwind, ts_return_type = "Promise<Uint8Array>")]
pub fn sig_sign_async(
    id: f64,
    message: &[u8],
    secret_key: &[u8],
    context: Option<&[u8]>,
    mode: u32,
    rnd: Option<&[u8]>,
) -> napi::Result<AsyncTask<Job<Vec<u8>>>> {
    let backend = sig_backend(id)?;
    js(randomness(mode, rnd))?;
    let (message, ctx) = (message.to_vec(), context.unwrap_or_default().to_vec());
    let sk = SecretBytes::from_slice(secret_key);
    let rnd = rnd.map(SecretBytes::from_slice);
    Ok(AsyncTask::new(Job::new(move || {
        let r = randomness(mode, rnd.as_ref().map(SecretBytes::expose))?;
        backend.sign(&message, sk.expose(), &ctx, r)
    })))
}

/// `sigVerify` on the thread pool.
#[napi(catch_unwind, ts_return_type = "Promise<SigVerification>")]
pub fn sig_verify_async(
    id: f64,
    signature: &[u8],
    message: &[u8],
    public_key: &[u8],
    context: Option<&[u8]>,
) -> napi::Result<AsyncTask<Job<Verified>>> {
    let backend = sig_backend(id)?;
    let (sig, msg, pk) = (signature.to_vec(), message.to_vec(), public_key.to_vec());
    let ctx = context.unwrap_or_default().to_vec();
    Ok(AsyncTask::new(Job::new(move || {
        backend.verify(&sig, &msg, &pk, &ctx).map(Verified)
    })))
}

/// The signatures of a batch end to end.
fn signatures_end_to_end(signatures: &[Vec<u8>]) -> crate::errors::Fallible<Vec<u8>> {
    let parts: Vec<&[u8]> = signatures.iter().map(Vec::as_slice).collect();
    parallel::concat(&parts)
}

/// Signs each message of `messages` with one secret key given as bytes (parsed once; mode
/// as in `sigSign`, the same for every item), in one thread-pool task whose items are
/// split across the cores (parallel.rs). Returns the signatures end to end.
#[napi(catch_unwind, ts_return_type = "Promise<Uint8Array>")]
pub fn sig_sign_batch(
    id: f64,
    #[napi(ts_arg_type = "Array<Uint8Array>")] messages: Vec<&[u8]>,
    secret_key: &[u8],
    context: Option<&[u8]>,
    mode: u32,
    rnd: Option<&[u8]>,
) -> napi::Result<AsyncTask<Job<Vec<u8>>>> {
    let backend = sig_backend(id)?;
    parallel::check_count("messages", messages.len())?;
    js(randomness(mode, rnd))?;
    let (messages, ctx) = (Owned::new(&messages), context.unwrap_or_default().to_vec());
    let sk = SecretBytes::from_slice(secret_key);
    let rnd = rnd.map(SecretBytes::from_slice);
    Ok(AsyncTask::new(Job::fallible(move || {
        let signer = backend.load_secret_key(sk.expose())?;
        drop(sk);
        parallel::map("messages", messages.len(), |i| {
            let r = randomness(mode, rnd.as_ref().map(SecretBytes::expose))?;
            signer.sign(messages.get(i), &ctx, r)
        })
        .and_then(|signatures| signatures_end_to_end(&signatures))
    })))
}

/// Verifies item `i` of the four lists (signature, message, public key, context; an empty
/// context is none) for each `i`, in one thread-pool task whose items are split across the
/// cores. Returns one byte per item, bits as in `sigVerify`.
#[napi(catch_unwind, ts_return_type = "Promise<Uint8Array>")]
pub fn sig_verify_batch(
    id: f64,
    #[napi(ts_arg_type = "Array<Uint8Array>")] signatures: Vec<&[u8]>,
    #[napi(ts_arg_type = "Array<Uint8Array>")] messages: Vec<&[u8]>,
    #[napi(ts_arg_type = "Array<Uint8Array>")] public_keys: Vec<&[u8]>,
    #[napi(ts_arg_type = "Array<Uint8Array>")] contexts: Vec<&[u8]>,
) -> napi::Result<AsyncTask<Job<Vec<u8>>>> {
    let backend = sig_backend(id)?;
    let count = signatures.len();
    parallel::check_count("items", count)?;
    if [messages.len(), public_keys.len(), contexts.len()] != [count; 3] {
        return Err(crate::errors::to_js(Error::InvalidArgument {
            what: "the signature, message, public key and context lists differ in length",
        }));
    }
    let sigs = Owned::new(&signatures);
    let msgs = Owned::new(&messages);
    let pks = Owned::new(&public_keys);
    let ctxs = Owned::new(&contexts);
    Ok(AsyncTask::new(Job::fallible(move || {
        parallel::map("items", count, |i| {
            let v = backend.verify(sigs.get(i), msgs.get(i), pks.get(i), ctxs.get(i))?;
            Ok::<u8, Error>(
                u8::from(v.valid)
                    | (u8::from(v.classic_valid) << 1)
                    | (u8::from(v.quantum_valid) << 2),
            )
        })
    })))
}

key_pair_handle!(
    SigKeyPair(
        CoreSigKeyPair,
        SigSuite,
        "signature key pair",
        sig_pair_backend
    ),
    " A signing key pair whose secret key stays in native memory until `dispose()` or",
    " garbage collection."
);

#[napi]
impl SigKeyPair {
    /// Signs `message` (mode as in `sigSign`).
    #[napi(catch_unwind, ts_return_type = "Uint8Array")]
    pub fn sign(
        &self,
        message: &[u8],
        context: Option<&[u8]>,
        mode: u32,
        rnd: Option<&[u8]>,
    ) -> napi::Result<Bytes> {
        let inner = self.shared()?;
        let r = js(randomness(mode, rnd))?;
        Ok(Bytes::from(js(inner.sign(
            message,
            context.unwrap_or_default(),
            r,
        ))?))
    }

    /// `sign` on the thread pool (the job keeps the key until it ends, even if
    /// `dispose()` is called meanwhile).
    #[napi(catch_unwind, ts_return_type = "Promise<Uint8Array>")]
    pub fn sign_async(
        &self,
        message: &[u8],
        context: Option<&[u8]>,
        mode: u32,
        rnd: Option<&[u8]>,
    ) -> napi::Result<AsyncTask<Job<Vec<u8>>>> {
        let inner = self.shared()?;
        js(randomness(mode, rnd))?;
        let (message, ctx) = (message.to_vec(), context.unwrap_or_default().to_vec());
        let rnd = rnd.map(SecretBytes::from_slice);
        Ok(AsyncTask::new(Job::new(move || {
            let r = randomness(mode, rnd.as_ref().map(SecretBytes::expose))?;
            inner.sign(&message, &ctx, r)
        })))
    }

    /// Signs each message of `messages` (mode as in `sigSign`, the same for every item),
    /// in one thread-pool task whose items are split across the cores (the task keeps the
    /// key until it ends, even if `dispose()` is called meanwhile). Returns the signatures
    /// end to end.
    #[napi(catch_unwind, ts_return_type = "Promise<Uint8Array>")]
    pub fn sign_batch(
        &self,
        #[napi(ts_arg_type = "Array<Uint8Array>")] messages: Vec<&[u8]>,
        context: Option<&[u8]>,
        mode: u32,
        rnd: Option<&[u8]>,
    ) -> napi::Result<AsyncTask<Job<Vec<u8>>>> {
        let inner = self.shared()?;
        parallel::check_count("messages", messages.len())?;
        js(randomness(mode, rnd))?;
        let (messages, ctx) = (Owned::new(&messages), context.unwrap_or_default().to_vec());
        let rnd = rnd.map(SecretBytes::from_slice);
        Ok(AsyncTask::new(Job::fallible(move || {
            parallel::map("messages", messages.len(), |i| {
                let r = randomness(mode, rnd.as_ref().map(SecretBytes::expose))?;
                inner.sign(messages.get(i), &ctx, r)
            })
            .and_then(|signatures| signatures_end_to_end(&signatures))
        })))
    }
}

/// Derives the public key of a secret key given as bytes, into `out`.
#[napi(catch_unwind)]
pub fn sig_public_key(
    id: f64,
    secret_key: &[u8],
    #[napi(ts_arg_type = "Uint8Array")] mut out: Out,
) -> napi::Result<()> {
    let backend = sig_backend(id)?;
    output::check(
        "signature public key output",
        &out,
        backend.lengths().public_key,
    )?;
    output::check_disjoint(&[&out], &[secret_key])?;
    output::write(
        "signature public key output",
        &mut out,
        &js(backend.public_key(secret_key))?,
    )
}
