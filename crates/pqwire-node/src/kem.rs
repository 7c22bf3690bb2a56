//! KEM bindings: byte-level functions, their async twins, and the `KemKeyPair` handle.

use crate::errors::js;
use crate::js_bytes::Bytes;
use crate::key_pair::key_pair_handle;
use crate::output::{self, Out};
use crate::parallel::{self, Owned};
use crate::suite_id::{kem_backend, kem_pair_backend};
use crate::task::{IntoJs, Job};
use napi::bindgen_prelude::AsyncTask;
use napi_derive::napi;
use pqwire_core::kem::{Encapsulation, KemKeyPair as CoreKemKeyPair};
use pqwire_core::{Error, KemSuite, SecretBytes};

/// Sizes of a KEM suite's keys, ciphertext and seeds, in bytes.
#[napi(object)]
pub struct KemLengths {
    pub public_key: u32,
    pub secret_key: u32,
    pub cipher_text: u32,
    pub shared_secret: u32,
    pub keygen_seed: u32,
    pub encapsulation_randomness: u32,
}

/// A generated key pair (both halves as bytes).
#[napi(object, object_from_js = false)]
pub struct KemKeys {
    #[napi(ts_type = "Uint8Array")]
    pub public_key: Bytes,
    #[napi(ts_type = "Uint8Array")]
    pub secret_key: Bytes,
}

/// The result of an encapsulation.
#[napi(object, object_from_js = false)]
pub struct KemEncapsulation {
    #[napi(ts_type = "Uint8Array")]
    pub cipher_text: Bytes,
    #[napi(ts_type = "Uint8Array")]
    pub shared_secret: Bytes,
}

/// The encapsulations of a batch: the ciphertexts end to end, and the shared secrets end
/// to end (the facade cuts them by the suite's lengths).
#[napi(object, object_from_js = false)]
pub struct KemEncapsulations {
    #[napi(ts_type = "Uint8Array")]
    pub cipher_texts: Bytes,
    #[napi(ts_type = "Uint8Array")]
    pub shared_secrets: Bytes,
}

pub struct Keys(Vec<u8>, SecretBytes);

impl IntoJs for Keys {
    type Js = KemKeys;
    fn into_js(self) -> KemKeys {
        KemKeys {
            public_key: Bytes::from(self.0),
            secret_key: Bytes::from(self.1.into_exposed()),
        }
    }
}

pub struct Encapsulated(Encapsulation);

impl IntoJs for Encapsulated {
    type Js = KemEncapsulation;
    fn into_js(self) -> KemEncapsulation {
        KemEncapsulation {
            cipher_text: Bytes::from(self.0.cipher_text),
            shared_secret: Bytes::from(self.0.shared_secret.into_exposed()),
        }
    }
}

pub struct EncapsulatedBatch(Vec<u8>, SecretBytes);

impl IntoJs for EncapsulatedBatch {
    type Js = KemEncapsulations;
    fn into_js(self) -> KemEncapsulations {
        KemEncapsulations {
            cipher_texts: Bytes::from(self.0),
            shared_secrets: Bytes::from(self.1.into_exposed()),
        }
    }
}

/// The shared secrets of a batch end to end.
fn secrets(results: &[SecretBytes]) -> crate::errors::Fallible<SecretBytes> {
    let parts: Vec<&[u8]> = results.iter().map(SecretBytes::expose).collect();
    parallel::concat(&parts).map(SecretBytes::from)
}

fn owned(bytes: Option<&[u8]>) -> Option<Vec<u8>> {
    bytes.map(<[u8]>::to_vec)
}

/// Sizes for a KEM suite id.
#[napi(catch_unwind)]
pub fn kem_lengths(id: f64) -> napi::Result<KemLengths> {
    let l = kem_backend(id)?.lengths();
    let n = |v: usize| v as u32;
    Ok(KemLengths {
        public_key: n(l.public_key),
        secret_key: n(l.secret_key),
        cipher_text: n(l.cipher_text),
        shared_secret: n(l.shared_secret),
        keygen_seed: n(l.keygen_seed),
        encapsulation_randomness: n(l.encapsulation_randomness),
    })
}

/// Generates a key pair into `public_out` and `secret_out`, from `seed` when given.
#[napi(catch_unwind)]
pub fn kem_keygen(
    id: f64,
    seed: Option<&[u8]>,
    #[napi(ts_arg_type = "Uint8Array")] mut public_out: Out,
    #[napi(ts_arg_type = "Uint8Array")] mut secret_out: Out,
) -> napi::Result<()> {
    let backend = kem_backend(id)?;
    let l = backend.lengths();
    output::two_outputs(
        ["KEM public key output", "KEM secret key output"],
        [l.public_key, l.secret_key],
        (&mut public_out, &mut secret_out),
        &[seed.unwrap_or_default()],
        || backend.keygen(seed),
    )
}

/// Encapsulates to `public_key` (using `randomness` when given) into `cipher_text_out`
/// and `shared_secret_out`.
#[napi(catch_unwind)]
pub fn kem_encapsulate(
    id: f64,
    public_key: &[u8],
    randomness: Option<&[u8]>,
    #[napi(ts_arg_type = "Uint8Array")] mut cipher_text_out: Out,
    #[napi(ts_arg_type = "Uint8Array")] mut shared_secret_out: Out,
) -> napi::Result<()> {
    let backend = kem_backend(id)?;
    let l = backend.lengths();
    output::two_outputs(
        ["KEM ciphertext output", "KEM shared secret output"],
        [l.cipher_text, l.shared_secret],
        (&mut cipher_text_out, &mut shared_secret_out),
        &[public_key, randomness.unwrap_or_default()],
        || {
            let e = backend.encapsulate(public_key, randomness)?;
            Ok((e.cipher_text, e.shared_secret))
        },
    )
}

/// Decapsulates `cipher_text` with a secret key given as bytes, into `out`.
#[napi(catch_unwind)]
pub fn kem_decapsulate(
    id: f64,
    cipher_text: &[u8],
    secret_key: &[u8],
    #[napi(ts_arg_type = "Uint8Array")] mut out: Out,
) -> napi::Result<()> {
    let backend = kem_backend(id)?;
    output::check(
        "KEM shared secret output",
        &out,
        backend.lengths().shared_secret,
    )?;
    output::check_disjoint(&[&out], &[cipher_text, secret_key])?;
    let ss = js(backend.decapsulate(cipher_text, secret_key))?;
    output::write("KEM shared secret output", &mut out, ss.expose())
}

#[napi(catch_unwind, ts_return_type = "Promise<KemKeys>")]
pub fn kem_keygen_async(id: f64, seed: Option<&[u8]>) -> napi::Result<AsyncTask<Job<Keys>>> {
    let backend = kem_backend(id)?;
    let seed = owned(seed).map(SecretBytes::from);
    Ok(AsyncTask::new(Job::new(move || {
        let (pk, sk) = backend.keygen(seed.as_ref().map(SecretBytes::expose))?;
        Ok(Keys(pk, sk))
    })))
}

/// `kemEncapsulate` on the thread pool.
#[napi(catch_unwind, ts_return_type = "Promise<KemEncapsulation>")]
pub fn kem_encapsulate_async(
    id: f64,
    public_key: &[u8],
    randomness: Option<&[u8]>,
) -> napi::Result<AsyncTask<Job<Encapsulated>>> {
    let backend = kem_backend(id)?;
    let pk = public_key.to_vec();
    let randomness = owned(randomness).map(SecretBytes::from);
    Ok(AsyncTask::new(Job::new(move || {
        backend
            .encapsulate(&pk, randomness.as_ref().map(SecretBytes::expose))
            .map(Encapsulated)
    })))
}

/// `kemDecapsulate` on the thread pool.
#[napi(catch_unwind, ts_return_type = "Promise<Uint8Array>")]
pub fn kem_decapsulate_async(
    id: f64,
    cipher_text: &[u8],
    secret_key: &[u8],
) -> napi::Result<AsyncTask<Job<SecretBytes>>> {
    let backend = kem_backend(id)?;
    let ct = cipher_text.to_vec();
    let sk = SecretBytes::from_slice(secret_key);
    Ok(AsyncTask::new(Job::new(move || {
        backend.decapsulate(&ct, sk.expose())
    })))
}

/// Encapsulates to each public key of `public_keys` (OS randomness), in one thread-pool
/// task whose items are split across the cores (parallel.rs). Returns the ciphertexts and
/// the shared secrets, each end to end.
#[napi(catch_unwind, ts_return_type = "Promise<KemEncapsulations>")]
pub fn kem_encapsulate_batch(
    id: f64,
    #[napi(ts_arg_type = "Array<Uint8Array>")] public_keys: Vec<&[u8]>,
) -> napi::Result<AsyncTask<Job<EncapsulatedBatch>>> {
    let backend = kem_backend(id)?;
    parallel::check_count("publicKeys", public_keys.len())?;
    let pks = Owned::new(&public_keys);
    Ok(AsyncTask::new(Job::fallible(move || {
        let done = parallel::map("publicKeys", pks.len(), |i| {
            backend.encapsulate(pks.get(i), None)
        })?;
        let cts: Vec<&[u8]> = done.iter().map(|e| e.cipher_text.as_slice()).collect();
        let sss: Vec<&[u8]> = done.iter().map(|e| e.shared_secret.expose()).collect();
        let cipher_texts = parallel::concat(&cts)?;
        let shared_secrets = SecretBytes::from(parallel::concat(&sss)?);
        Ok(EncapsulatedBatch(cipher_texts, shared_secrets))
    })))
}

/// Decapsulates each ciphertext of `cipher_texts` with one secret key given as bytes
/// (parsed once), in one thread-pool task whose items are split across the cores. Returns
/// the shared secrets end to end.
#[napi(catch_unwind, ts_return_type = "Promise<Uint8Array>")]
pub fn kem_decapsulate_batch(
    id: f64,
    #[napi(ts_arg_type = "Array<Uint8Array>")] cipher_texts: Vec<&[u8]>,
    secret_key: &[u8],
) -> napi::Result<AsyncTask<Job<SecretBytes>>> {
    let backend = kem_backend(id)?;
    parallel::check_count("cipherTexts", cipher_texts.len())?;
    let cts = Owned::new(&cipher_texts);
    let sk = SecretBytes::from_slice(secret_key);
    Ok(AsyncTask::new(Job::fallible(move || {
        let key = backend.load_secret_key(sk.expose())?;
        drop(sk);
        secrets(&parallel::map("cipherTexts", cts.len(), |i| {
            key.decapsulate(cts.get(i))
        })?)
    })))
}

/// `BAD_LENGTH`, naming the item, for the first ciphertext of `cipher_texts` that is not
/// `suite`'s length: a batch is checked whole before any work starts.
fn check_cipher_texts(suite: KemSuite, cipher_texts: &[&[u8]]) -> napi::Result<()> {
    let expected = pqwire_core::kem::backend(suite).lengths().cipher_text;
    for (i, ct) in cipher_texts.iter().enumerate() {
        if ct.len() != expected {
            let e = Error::BadLength {
                what: "KEM ciphertext",
                expected,
                actual: ct.len(),
            };
            return Err(crate::errors::to_js(
                crate::errors::Failure::from(e).in_entry(&format!("cipherTexts[{i}]")),
            ));
        }
    }
    Ok(())
}

key_pair_handle!(
    KemKeyPair(CoreKemKeyPair, KemSuite, "KEM key pair", kem_pair_backend),
    " A KEM key pair whose secret key stays in native memory until `dispose()` or garbage",
    " collection."
);

#[napi]
impl KemKeyPair {
    /// Decapsulates a ciphertext addressed to this key pair.
    #[napi(catch_unwind, ts_return_type = "Uint8Array")]
    pub fn decapsulate(&self, cipher_text: &[u8]) -> napi::Result<Bytes> {
        Ok(js(self.shared()?.decapsulate(cipher_text))?.into_js())
    }

    /// `decapsulate` on the thread pool (the job keeps the key until it ends, even if
    /// `dispose()` is called meanwhile).
    #[napi(catch_unwind, ts_return_type = "Promise<Uint8Array>")]
    pub fn decapsulate_async(
        &self,
        cipher_text: &[u8],
    ) -> napi::Result<AsyncTask<Job<SecretBytes>>> {
        let inner = self.shared()?;
        let ct = cipher_text.to_vec();
        Ok(AsyncTask::new(Job::new(move || inner.decapsulate(&ct))))
    }

    /// Decapsulates each ciphertext of `cipher_texts`, in one thread-pool task whose items
    /// are split across the cores (the task keeps the key until it ends, even if
    /// `dispose()` is called meanwhile). Every length is checked before any work. Returns
    /// the shared secrets end to end.
    #[napi(catch_unwind, ts_return_type = "Promise<Uint8Array>")]
    pub fn decapsulate_batch(
        &self,
        #[napi(ts_arg_type = "Array<Uint8Array>")] cipher_texts: Vec<&[u8]>,
    ) -> napi::Result<AsyncTask<Job<SecretBytes>>> {
        let inner = self.shared()?;
        parallel::check_count("cipherTexts", cipher_texts.len())?;
        check_cipher_texts(self.suite, &cipher_texts)?;
        let cts = Owned::new(&cipher_texts);
        Ok(AsyncTask::new(Job::fallible(move || {
            secrets(&parallel::map("cipherTexts", cts.len(), |i| {
                inner.decapsulate(cts.get(i))
            })?)
        })))
    }
}
