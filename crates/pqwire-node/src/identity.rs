//! Identity, prekey and bundle bindings: secrets of identities stay in native memory
//! (`NativeIdentity`); prekey secrets leave only as explicit records for the app's
//! prekey store.

use crate::errors::{js, to_js};
use crate::handle::disposable_handle;
use crate::js_bytes::Bytes;
use crate::options::time;
use napi_derive::napi;
use pqwire_core::pqxdh::{
    continuity_proof, generate_prekey, needs_rotation as core_needs_rotation, promote_legacy,
    verify_continuity as core_verify_continuity, Identity, PrekeyKind, PrekeySecret,
    PublicIdentity, RotationPolicy, Validity,
};
use pqwire_core::random::OsRandom;
use pqwire_core::wire::{KeyPackage, SignedKey, WireMessage};
use pqwire_core::{Disposable, Error, KemSuite, SigSuite};
use zeroize::Zeroizing;

/// The public half of an identity: what peers see, pin and verify.
#[napi(object, object_from_js = false)]
pub struct NativePublicIdentity {
    /// Key id of the signing key: the identity's fingerprint (16 bytes).
    #[napi(ts_type = "Uint8Array")]
    pub key_id: Bytes,
    /// The signing key's suite name.
    pub suite: String,
    /// The signing key's key package, encoded.
    #[napi(ts_type = "Uint8Array")]
    pub sig_key: Bytes,
    /// The X25519 key's key package, encoded.
    #[napi(ts_type = "Uint8Array")]
    pub dh_key: Bytes,
    /// Empty: protocol v2 signs no X25519 identity key package of its own (the batch
    /// statement and the transcript signature bind it); kept for the layout.
    #[napi(ts_type = "Uint8Array")]
    pub dh_signature: Bytes,
    /// Validity of the signing key package (unix seconds).
    pub created: f64,
    pub expires: f64,
}

pub(crate) fn public_identity_js(p: &PublicIdentity) -> NativePublicIdentity {
    NativePublicIdentity {
        key_id: Bytes::copy(&p.key_id()),
        suite: p.suite().map(|s| s.name().to_string()).unwrap_or_default(),
        sig_key: Bytes::from(p.sig_key_encoded.clone()),
        dh_key: Bytes::from(p.dh_key.encoded.clone()),
        dh_signature: Bytes::from(p.dh_key.signature.clone()),
        created: p.sig_key.created as f64,
        expires: p.sig_key.expires as f64,
    }
}

/// Rebuilds and verifies a public identity from its three encodings.
#[napi(catch_unwind)]
pub fn public_identity_verify(
    sig_key: &[u8],
    dh_key: &[u8],
    dh_signature: &[u8],
) -> napi::Result<NativePublicIdentity> {
    let p = PublicIdentity {
        sig_key: js(KeyPackage::decode(sig_key).map_err(Error::from))?,
        sig_key_encoded: sig_key.to_vec(),
        dh_key: signed_key(dh_key, dh_signature)?,
    };
    js(p.verify())?;
    Ok(public_identity_js(&p))
}

fn signed_key(package: &[u8], signature: &[u8]) -> napi::Result<SignedKey> {
    Ok(SignedKey {
        key: js(KeyPackage::decode(package).map_err(Error::from))?,
        encoded: package.to_vec(),
        signature: signature.to_vec(),
    })
}

/// A party's identity; its secret keys stay in native memory until `dispose()` or
/// garbage collection.
#[napi]
pub struct NativeIdentity {
    inner: Disposable<Identity>,
}

#[napi]
impl NativeIdentity {
    /// Generates an identity of `suite` valid from `created` to `expires` (unix
    /// seconds), from a 32-byte `seed` when given (deterministic), else OS randomness.
    #[napi(factory, catch_unwind)]
    pub fn generate(
        suite: String,
        created: f64,
        expires: f64,
        seed: Option<&[u8]>,
    ) -> napi::Result<Self> {
        let suite = js(SigSuite::from_name(&suite))?;
        let valid = js(Validity::new(time(created)?, time(expires)?))?;
        let identity = match seed {
            Some(s) => {
                let seed = Zeroizing::new(<[u8; 32]>::try_from(s).map_err(|_| {
                    to_js(Error::BadLength {
                        what: "identity seed",
                        expected: 32,
                        actual: s.len(),
                    })
                })?);
                js(Identity::from_seed(suite, valid, *seed))?
            }
            None => js(Identity::generate_random(suite, valid))?,
        };
        Ok(Self::wrap(identity))
    }

    /// A hybrid identity of `suite` whose Ed25519 half is the legacy key `ed25519_secret`
    /// (32-byte seed) and whose X25519 key is `x25519_secret` when given.
    #[napi(factory, catch_unwind)]
    pub fn promote(
        ed25519_secret: &[u8],
        x25519_secret: Option<&[u8]>,
        suite: String,
        created: f64,
        expires: f64,
    ) -> napi::Result<Self> {
        let suite = js(SigSuite::from_name(&suite))?;
        let valid = js(Validity::new(time(created)?, time(expires)?))?;
        let identity = js(promote_legacy(
            ed25519_secret,
            x25519_secret,
            suite,
            valid,
            &mut OsRandom,
        ))?;
        Ok(Self::wrap(identity))
    }

    /// The Ed25519 half's signature over the signing key package (continuity proof).
    #[napi(catch_unwind, ts_return_type = "Uint8Array")]
    pub fn continuity_proof(&self) -> napi::Result<Bytes> {
        Ok(Bytes::from(js(continuity_proof(&*self.shared()?))?))
    }

    /// Restores an identity from a record made by `toRecord`.
    #[napi(factory, catch_unwind)]
    pub fn from_record(record: &[u8]) -> napi::Result<Self> {
        Ok(Self::wrap(js(Identity::from_record(record))?))
    }

    /// Exports the identity, secrets included, as a record for an identity store.
    #[napi(catch_unwind, ts_return_type = "Uint8Array")]
    pub fn to_record(&self) -> napi::Result<Bytes> {
        Ok(Bytes::copy(&self.shared()?.to_record()))
    }

    /// The public half.
    #[napi(getter, catch_unwind)]
    pub fn public_identity(&self) -> napi::Result<NativePublicIdentity> {
        Ok(public_identity_js(self.shared()?.public()))
    }
}

disposable_handle!(
    NativeIdentity(Identity, "identity"),
    " Drops the secret keys now (wiped at once, or when a running handshake that uses",
    " them ends); every later use is `DISPOSED`. Idempotent."
);

/// Checks that the Ed25519 key `legacy_public_key` vouched for the identity whose
/// encoded signing key package is `sig_key` (`AUTH_FAILED` otherwise).
#[napi(catch_unwind)]
pub fn verify_continuity(
    legacy_public_key: &[u8],
    sig_key: &[u8],
    proof: &[u8],
) -> napi::Result<()> {
    let package = js(KeyPackage::decode(sig_key).map_err(Error::from))?;
    js(core_verify_continuity(
        legacy_public_key,
        sig_key,
        &package.public_key,
        proof,
    ))
}

/// A generated prekey: public parts for bundles, the secret as a record for the store.
#[napi(object, object_from_js = false)]
pub struct NativePrekey {
    #[napi(ts_type = "Uint8Array")]
    pub key_id: Bytes,
    /// `signed`, `last-resort-kem`, `one-time` or `one-time-kem`.
    pub kind: String,
    /// The KEM suite name (`X25519` for X25519 prekeys).
    pub suite: String,
    /// The key package, encoded.
    #[napi(ts_type = "Uint8Array")]
    pub package: Bytes,
    pub created: f64,
    pub expires: f64,
    /// The secret record (explicit export: it holds the secret key).
    #[napi(ts_type = "Uint8Array")]
    pub secret: Bytes,
}

pub(crate) fn kind_of(name: &str) -> napi::Result<PrekeyKind> {
    Ok(match name {
        "signed" => PrekeyKind::Signed,
        "last-resort-kem" => PrekeyKind::LastResortKem,
        "one-time" => PrekeyKind::OneTime,
        "one-time-kem" => PrekeyKind::OneTimeKem,
        _ => {
            return Err(to_js(Error::InvalidArgument {
                what: "prekey kind must be signed, last-resort-kem, one-time or one-time-kem",
            }))
        }
    })
}

pub(crate) fn kind_name(kind: PrekeyKind) -> &'static str {
    match kind {
        PrekeyKind::Signed => "signed",
        PrekeyKind::LastResortKem => "last-resort-kem",
        PrekeyKind::OneTime => "one-time",
        PrekeyKind::OneTimeKem => "one-time-kem",
    }
}

/// Generates `count` prekeys of `kind` (X25519 for `signed` and `one-time`, the ML-KEM
/// `kem` suite for the KEM kinds), valid from `created` to `expires`. Nothing signs them
/// one by one: `prekeyBatchSign` signs a batch of them once.
#[napi(catch_unwind)]
pub fn prekey_generate(
    kind: String,
    kem: String,
    created: f64,
    expires: f64,
    count: u32,
) -> napi::Result<Vec<NativePrekey>> {
    let kind = kind_of(&kind)?;
    let suite = if kind.is_kem() {
        js(KemSuite::from_name(&kem))?
    } else {
        KemSuite::X25519
    };
    if count == 0 || count > 10_000 {
        return Err(to_js(Error::InvalidArgument {
            what: "prekey count must be from 1 to 10,000",
        }));
    }
    let valid = js(Validity::new(time(created)?, time(expires)?))?;
    (0..count)
        .map(|_| {
            let g = js(generate_prekey(kind, suite, valid, &mut OsRandom))?;
            let record = js(g.secret.to_record())?;
            Ok(NativePrekey {
                key_id: Bytes::copy(&g.public.key_id()),
                kind: kind_name(kind).to_string(),
                suite: suite.name().to_string(),
                package: Bytes::from(js(g.public.key.encode().map_err(Error::from))?),
                created: g.public.key.created as f64,
                expires: g.public.key.expires as f64,
                secret: Bytes::copy(&record),
            })
        })
        .collect()
}

/// Checks a stored prekey secret record and returns its public facts (no secret).
#[napi(object, object_from_js = false)]
pub struct NativePrekeyInfo {
    #[napi(ts_type = "Uint8Array")]
    pub key_id: Bytes,
    pub kind: String,
    pub suite: String,
    pub created: f64,
    pub expires: f64,
}

/// Reads a prekey secret record (validating it) and returns its public facts.
#[napi(catch_unwind)]
pub fn prekey_record_info(record: &[u8]) -> napi::Result<NativePrekeyInfo> {
    let s = js(PrekeySecret::from_record(record))?;
    Ok(NativePrekeyInfo {
        key_id: Bytes::copy(&s.key_id()),
        kind: kind_name(s.kind()).to_string(),
        suite: s.suite().name().to_string(),
        created: s.package().created as f64,
        expires: s.package().expires as f64,
    })
}

/// Whether a signed or last-resort prekey created at `created` and used `uses` times is
/// due for replacement at `now`, with the default policy unless `max_age` / `max_uses`.
#[napi(catch_unwind)]
pub fn needs_rotation(
    created: f64,
    uses: f64,
    now: f64,
    max_age: Option<f64>,
    max_uses: Option<f64>,
) -> napi::Result<bool> {
    let mut policy = RotationPolicy::default();
    if let Some(a) = max_age {
        policy.max_age = time(a)?;
    }
    if let Some(u) = max_uses {
        policy.max_uses = time(u)?;
    }
    Ok(core_needs_rotation(
        time(created)?,
        time(uses)?,
        time(now)?,
        &policy,
    ))
}
