//! The primitives: suite lookups, KEM, signatures, AEAD, HKDF and hashes. Suites are
//! passed as their 16-bit wire codes (`pqw_*_suite` resolves a name or alias); every
//! operation uses the suite's default backend (the pure-Rust set in the mobile build).
//! Byte inputs are checked by the core (`BAD_LENGTH`, `INVALID_KEY`, …).

use pqwire_core::kdf::{self, HkdfHash};
use pqwire_core::sig::SignRandomness;
use pqwire_core::{aead, hash, kem, sig, AeadSuite, Error, KemSuite, SigSuite};

use crate::buf::{input, optional, put, value_out, Out};
use crate::status::{run, Failure, Fallible};
use crate::{PqwBuf, PqwStatus};

/// The largest SHAKE256 output one call gives (16 MiB, as the Node facade).
pub const PQW_SHAKE256_MAX_OUTPUT: usize = 16 * 1024 * 1024;

/// Sizes of a KEM suite's inputs and outputs, in bytes.
#[repr(C)]
pub struct PqwKemLengths {
    /// Public (encapsulation) key.
    pub public_key: u32,
    /// Secret (decapsulation) key.
    pub secret_key: u32,
    /// Ciphertext.
    pub cipher_text: u32,
    /// Shared secret.
    pub shared_secret: u32,
    /// Seed of deterministic key generation.
    pub keygen_seed: u32,
    /// Randomness of deterministic encapsulation.
    pub encapsulation_randomness: u32,
}

/// Sizes of a signature suite's inputs and outputs, in bytes.
#[repr(C)]
pub struct PqwSigLengths {
    /// Public key.
    pub public_key: u32,
    /// Secret key.
    pub secret_key: u32,
    /// Signature.
    pub signature: u32,
    /// Seed of deterministic key generation.
    pub keygen_seed: u32,
    /// Signing randomness (0: the suite signs deterministically).
    pub signing_randomness: u32,
}

/// Sizes of an AEAD suite's key, nonce and tag, in bytes.
#[repr(C)]
pub struct PqwAeadLengths {
    /// Key.
    pub key: u32,
    /// Nonce.
    pub nonce: u32,
    /// Tag (appended to the ciphertext).
    pub tag: u32,
}

/// The outcome of a verification: 1 or 0 each. A hybrid is `valid` only when both halves
/// hold.
#[repr(C)]
pub struct PqwVerification {
    /// The signature is valid for the suite.
    pub valid: u8,
    /// The classical half (Ed25519) verified.
    pub classic_valid: u8,
    /// The post-quantum half (ML-DSA) verified.
    pub quantum_valid: u8,
}

/// Signing with fresh OS randomness (FIPS 204 hedged; the default).
pub const PQW_SIGN_HEDGED: u32 = 0;
/// Signing without randomness (FIPS 204 deterministic variant).
pub const PQW_SIGN_DETERMINISTIC: u32 = 1;
/// Signing with the caller's randomness (`rnd`), for test vectors.
pub const PQW_SIGN_GIVEN: u32 = 2;

fn n(v: usize) -> Fallible<u32> {
    u32::try_from(v).map_err(|_| Failure::internal("internal error: a length over 4 GiB"))
}

fn code_of(code: u32) -> Fallible<u16> {
    u16::try_from(code).map_err(|_| {
        Error::UnknownSuite {
            name: format!("code 0x{code:08X}"),
        }
        .into()
    })
}

pub(crate) fn kem_suite(code: u32) -> Fallible<KemSuite> {
    Ok(KemSuite::from_code(code_of(code)?)?)
}

pub(crate) fn sig_suite(code: u32) -> Fallible<SigSuite> {
    Ok(SigSuite::from_code(code_of(code)?)?)
}

fn aead_suite(code: u32) -> Fallible<AeadSuite> {
    Ok(AeadSuite::from_code(code_of(code)?)?)
}

/// A suite name given as UTF-8 bytes.
///
/// # Safety
/// As [`input`].
unsafe fn name<'a>(ptr: *const u8, len: usize) -> Fallible<&'a str> {
    // SAFETY: forwarded from this function's contract.
    let bytes = unsafe { input(ptr, len, "name") }?;
    std::str::from_utf8(bytes).map_err(|_| Failure::invalid("a suite name must be UTF-8"))
}

/// Names, one per line.
fn lines<'a>(names: impl Iterator<Item = &'a str>) -> String {
    names.map(|n| format!("{n}\n")).collect()
}

/// Resolves a KEM suite name or alias (UTF-8, case-insensitive) to its wire code.
///
/// # Safety
/// `name_ptr` null (with `name_len` 0) or readable for `name_len` bytes; `code` writable;
/// `status` null or writable.
#[no_mangle]
pub unsafe extern "C" fn pqw_kem_suite(
    name_ptr: *const u8,
    name_len: usize,
    code: *mut u32,
    status: *mut PqwStatus,
) -> i32 {
    run(status, || {
        // SAFETY: forwarded from this function's contract.
        let (text, code) = unsafe { (name(name_ptr, name_len)?, value_out(code, "code")?) };
        *code = u32::from(KemSuite::from_name(text)?.code());
        Ok(())
    })
}

/// The canonical name of a KEM suite code.
///
/// # Safety
/// `out` writable; `status` null or writable.
#[no_mangle]
pub unsafe extern "C" fn pqw_kem_suite_name(
    code: u32,
    out: *mut PqwBuf,
    status: *mut PqwStatus,
) -> i32 {
    run(status, || {
        // SAFETY: forwarded from this function's contract.
        let out = unsafe { Out::new(out, "out") }?;
        put(out, kem_suite(code)?.name().as_bytes())
    })
}

/// Every KEM suite name, most preferred first, one per line.
///
/// # Safety
/// `out` writable; `status` null or writable.
#[no_mangle]
pub unsafe extern "C" fn pqw_kem_suite_names(out: *mut PqwBuf, status: *mut PqwStatus) -> i32 {
    run(status, || {
        // SAFETY: forwarded from this function's contract.
        let out = unsafe { Out::new(out, "out") }?;
        put(
            out,
            lines(KemSuite::ALL.iter().map(|s| s.name())).as_bytes(),
        )
    })
}

/// Resolves a signature suite name or alias (UTF-8, case-insensitive) to its wire code.
///
/// # Safety
/// `name_ptr` null (with `name_len` 0) or readable for `name_len` bytes; `code` writable;
/// `status` null or writable.
#[no_mangle]
pub unsafe extern "C" fn pqw_sig_suite(
    name_ptr: *const u8,
    name_len: usize,
    code: *mut u32,
    status: *mut PqwStatus,
) -> i32 {
    run(status, || {
        // SAFETY: forwarded from this function's contract.
        let (text, code) = unsafe { (name(name_ptr, name_len)?, value_out(code, "code")?) };
        *code = u32::from(SigSuite::from_name(text)?.code());
        Ok(())
    })
}

/// The canonical name of a signature suite code.
///
/// # Safety
/// `out` writable; `status` null or writable.
#[no_mangle]
pub unsafe extern "C" fn pqw_sig_suite_name(
    code: u32,
    out: *mut PqwBuf,
    status: *mut PqwStatus,
) -> i32 {
    run(status, || {
        // SAFETY: forwarded from this function's contract.
        let out = unsafe { Out::new(out, "out") }?;
        put(out, sig_suite(code)?.name().as_bytes())
    })
}

/// Every signature suite name, most preferred first, one per line.
///
/// # Safety
/// `out` writable; `status` null or writable.
#[no_mangle]
pub unsafe extern "C" fn pqw_sig_suite_names(out: *mut PqwBuf, status: *mut PqwStatus) -> i32 {
    run(status, || {
        // SAFETY: forwarded from this function's contract.
        let out = unsafe { Out::new(out, "out") }?;
        put(
            out,
            lines(SigSuite::ALL.iter().map(|s| s.name())).as_bytes(),
        )
    })
}

/// Resolves a AEAD suite name or alias (UTF-8, case-insensitive) to its wire code.
///
/// # Safety
/// `name_ptr` null (with `name_len` 0) or readable for `name_len` bytes; `code` writable;
/// `status` null or writable.
#[no_mangle]
pub unsafe extern "C" fn pqw_aead_suite(
    name_ptr: *const u8,
    name_len: usize,
    code: *mut u32,
    status: *mut PqwStatus,
) -> i32 {
    run(status, || {
        // SAFETY: forwarded from this function's contract.
        let (text, code) = unsafe { (name(name_ptr, name_len)?, value_out(code, "code")?) };
        *code = u32::from(AeadSuite::from_name(text)?.code());
        Ok(())
    })
}

/// The canonical name of a AEAD suite code.
///
/// # Safety
/// `out` writable; `status` null or writable.
#[no_mangle]
pub unsafe extern "C" fn pqw_aead_suite_name(
    code: u32,
    out: *mut PqwBuf,
    status: *mut PqwStatus,
) -> i32 {
    run(status, || {
        // SAFETY: forwarded from this function's contract.
        let out = unsafe { Out::new(out, "out") }?;
        put(out, aead_suite(code)?.name().as_bytes())
    })
}

/// Every AEAD suite name, most preferred first, one per line.
///
/// # Safety
/// `out` writable; `status` null or writable.
#[no_mangle]
pub unsafe extern "C" fn pqw_aead_suite_names(out: *mut PqwBuf, status: *mut PqwStatus) -> i32 {
    run(status, || {
        // SAFETY: forwarded from this function's contract.
        let out = unsafe { Out::new(out, "out") }?;
        put(
            out,
            lines(AeadSuite::ALL.iter().map(|s| s.name())).as_bytes(),
        )
    })
}

/// The sizes of a KEM suite.
///
/// # Safety
/// `out` writable; `status` null or writable.
#[no_mangle]
pub unsafe extern "C" fn pqw_kem_lengths(
    code: u32,
    out: *mut PqwKemLengths,
    status: *mut PqwStatus,
) -> i32 {
    run(status, || {
        // SAFETY: forwarded from this function's contract.
        let out = unsafe { value_out(out, "out") }?;
        let l = kem::backend(kem_suite(code)?).lengths();
        *out = PqwKemLengths {
            public_key: n(l.public_key)?,
            secret_key: n(l.secret_key)?,
            cipher_text: n(l.cipher_text)?,
            shared_secret: n(l.shared_secret)?,
            keygen_seed: n(l.keygen_seed)?,
            encapsulation_randomness: n(l.encapsulation_randomness)?,
        };
        Ok(())
    })
}

/// Generates a KEM key pair; deterministic when `seed` (`keygen_seed` bytes) is given,
/// random when it is null.
///
/// # Safety
/// Each input null or readable for its length; `public_key` and `secret_key` writable;
/// `status` null or writable.
#[no_mangle]
pub unsafe extern "C" fn pqw_kem_keygen(
    code: u32,
    seed: *const u8,
    seed_len: usize,
    public_key: *mut PqwBuf,
    secret_key: *mut PqwBuf,
    status: *mut PqwStatus,
) -> i32 {
    run(status, || {
        // SAFETY: forwarded from this function's contract.
        let (seed, pk_out, sk_out) = unsafe {
            (
                optional(seed, seed_len, "seed")?,
                Out::new(public_key, "public_key")?,
                Out::new(secret_key, "secret_key")?,
            )
        };
        let (pk, sk) = kem::backend(kem_suite(code)?).keygen(seed)?;
        put(pk_out, &pk)?;
        put(sk_out, sk.expose())
    })
}

/// Encapsulates to `public_key`; deterministic when `randomness` is given.
///
/// # Safety
/// Each input null or readable for its length; `cipher_text` and `shared_secret`
/// writable; `status` null or writable.
#[no_mangle]
pub unsafe extern "C" fn pqw_kem_encapsulate(
    code: u32,
    public_key: *const u8,
    public_key_len: usize,
    randomness: *const u8,
    randomness_len: usize,
    cipher_text: *mut PqwBuf,
    shared_secret: *mut PqwBuf,
    status: *mut PqwStatus,
) -> i32 {
    run(status, || {
        // SAFETY: forwarded from this function's contract.
        let (pk, rnd, ct_out, ss_out) = unsafe {
            (
                input(public_key, public_key_len, "public_key")?,
                optional(randomness, randomness_len, "randomness")?,
                Out::new(cipher_text, "cipher_text")?,
                Out::new(shared_secret, "shared_secret")?,
            )
        };
        let e = kem::backend(kem_suite(code)?).encapsulate(pk, rnd)?;
        put(ct_out, &e.cipher_text)?;
        put(ss_out, e.shared_secret.expose())
    })
}

/// Decapsulates. For ML-KEM a tampered ciphertext gives a different (implicit-rejection)
/// secret, not an error.
///
/// # Safety
/// Each input null or readable for its length; `shared_secret` writable; `status` null
/// or writable.
#[no_mangle]
pub unsafe extern "C" fn pqw_kem_decapsulate(
    code: u32,
    cipher_text: *const u8,
    cipher_text_len: usize,
    secret_key: *const u8,
    secret_key_len: usize,
    shared_secret: *mut PqwBuf,
    status: *mut PqwStatus,
) -> i32 {
    run(status, || {
        // SAFETY: forwarded from this function's contract.
        let (ct, sk, ss_out) = unsafe {
            (
                input(cipher_text, cipher_text_len, "cipher_text")?,
                input(secret_key, secret_key_len, "secret_key")?,
                Out::new(shared_secret, "shared_secret")?,
            )
        };
        let ss = kem::backend(kem_suite(code)?).decapsulate(ct, sk)?;
        put(ss_out, ss.expose())
    })
}

/// The sizes of a signature suite.
///
/// # Safety
/// `out` writable; `status` null or writable.
#[no_mangle]
pub unsafe extern "C" fn pqw_sig_lengths(
    code: u32,
    out: *mut PqwSigLengths,
    status: *mut PqwStatus,
) -> i32 {
    run(status, || {
        // SAFETY: forwarded from this function's contract.
        let out = unsafe { value_out(out, "out") }?;
        let l = sig::backend(sig_suite(code)?).lengths();
        *out = PqwSigLengths {
            public_key: n(l.public_key)?,
            secret_key: n(l.secret_key)?,
            signature: n(l.signature)?,
            keygen_seed: n(l.keygen_seed)?,
            signing_randomness: n(l.signing_randomness)?,
        };
        Ok(())
    })
}

/// Generates a signature key pair; deterministic when `seed` is given.
///
/// # Safety
/// Each input null or readable for its length; `public_key` and `secret_key` writable;
/// `status` null or writable.
#[no_mangle]
pub unsafe extern "C" fn pqw_sig_keygen(
    code: u32,
    seed: *const u8,
    seed_len: usize,
    public_key: *mut PqwBuf,
    secret_key: *mut PqwBuf,
    status: *mut PqwStatus,
) -> i32 {
    run(status, || {
        // SAFETY: forwarded from this function's contract.
        let (seed, pk_out, sk_out) = unsafe {
            (
                optional(seed, seed_len, "seed")?,
                Out::new(public_key, "public_key")?,
                Out::new(secret_key, "secret_key")?,
            )
        };
        let (pk, sk) = sig::backend(sig_suite(code)?).keygen(seed)?;
        put(pk_out, &pk)?;
        put(sk_out, sk.expose())
    })
}

/// Signs `message` under the FIPS 204 context `context` (at most 255 bytes; none for
/// Ed25519). `mode` is [`PQW_SIGN_HEDGED`], [`PQW_SIGN_DETERMINISTIC`] or
/// [`PQW_SIGN_GIVEN`] (then `randomness` is required; otherwise it must be null).
///
/// # Safety
/// Each input null or readable for its length; `signature` writable; `status` null or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn pqw_sig_sign(
    code: u32,
    message: *const u8,
    message_len: usize,
    secret_key: *const u8,
    secret_key_len: usize,
    context: *const u8,
    context_len: usize,
    mode: u32,
    randomness: *const u8,
    randomness_len: usize,
    signature: *mut PqwBuf,
    status: *mut PqwStatus,
) -> i32 {
    run(status, || {
        // SAFETY: forwarded from this function's contract.
        let (msg, sk, ctx, rnd, out) = unsafe {
            (
                input(message, message_len, "message")?,
                input(secret_key, secret_key_len, "secret_key")?,
                input(context, context_len, "context")?,
                optional(randomness, randomness_len, "randomness")?,
                Out::new(signature, "signature")?,
            )
        };
        let r = match (mode, rnd) {
            (PQW_SIGN_HEDGED, None) => SignRandomness::Hedged,
            (PQW_SIGN_DETERMINISTIC, None) => SignRandomness::Deterministic,
            (PQW_SIGN_GIVEN, Some(r)) => SignRandomness::Given(r),
            _ => {
                return Err(Failure::invalid(
                    "signing mode and randomness do not fit together",
                ))
            }
        };
        let s = sig::backend(sig_suite(code)?).sign(msg, sk, ctx, r)?;
        put(out, &s)
    })
}

/// Verifies `signature`. A public key of the wrong length is an error; a signature that
/// does not verify (or of the wrong length) is `valid = 0`.
///
/// # Safety
/// Each input null or readable for its length; `out` writable; `status` null or writable.
#[no_mangle]
pub unsafe extern "C" fn pqw_sig_verify(
    code: u32,
    signature: *const u8,
    signature_len: usize,
    message: *const u8,
    message_len: usize,
    public_key: *const u8,
    public_key_len: usize,
    context: *const u8,
    context_len: usize,
    out: *mut PqwVerification,
    status: *mut PqwStatus,
) -> i32 {
    run(status, || {
        // SAFETY: forwarded from this function's contract.
        let (s, msg, pk, ctx, out) = unsafe {
            (
                input(signature, signature_len, "signature")?,
                input(message, message_len, "message")?,
                input(public_key, public_key_len, "public_key")?,
                input(context, context_len, "context")?,
                value_out(out, "out")?,
            )
        };
        let v = sig::backend(sig_suite(code)?).verify(s, msg, pk, ctx)?;
        *out = PqwVerification {
            valid: u8::from(v.valid),
            classic_valid: u8::from(v.classic_valid),
            quantum_valid: u8::from(v.quantum_valid),
        };
        Ok(())
    })
}

/// The sizes of an AEAD suite.
///
/// # Safety
/// `out` writable; `status` null or writable.
#[no_mangle]
pub unsafe extern "C" fn pqw_aead_lengths(
    code: u32,
    out: *mut PqwAeadLengths,
    status: *mut PqwStatus,
) -> i32 {
    run(status, || {
        // SAFETY: forwarded from this function's contract.
        let out = unsafe { value_out(out, "out") }?;
        aead_suite(code)?;
        *out = PqwAeadLengths {
            key: n(aead::KEY_LEN)?,
            nonce: n(aead::NONCE_LEN)?,
            tag: n(aead::TAG_LEN)?,
        };
        Ok(())
    })
}

/// Encrypts `plaintext`: ciphertext followed by the tag.
///
/// # Safety
/// Each input null or readable for its length; `out` writable; `status` null or writable.
#[no_mangle]
pub unsafe extern "C" fn pqw_aead_seal(
    code: u32,
    key: *const u8,
    key_len: usize,
    nonce: *const u8,
    nonce_len: usize,
    plaintext: *const u8,
    plaintext_len: usize,
    associated_data: *const u8,
    associated_data_len: usize,
    out: *mut PqwBuf,
    status: *mut PqwStatus,
) -> i32 {
    run(status, || {
        // SAFETY: forwarded from this function's contract.
        let (k, nc, pt, ad, out) = unsafe {
            (
                input(key, key_len, "key")?,
                input(nonce, nonce_len, "nonce")?,
                input(plaintext, plaintext_len, "plaintext")?,
                input(associated_data, associated_data_len, "associated_data")?,
                Out::new(out, "out")?,
            )
        };
        let sealed = aead::algorithm(aead_suite(code)?).seal(k, nc, pt, ad)?;
        put(out, &sealed)
    })
}

/// Checks the tag and decrypts; `AUTH_FAILED` on any mismatch (no plaintext is given).
///
/// # Safety
/// Each input null or readable for its length; `out` writable; `status` null or writable.
#[no_mangle]
pub unsafe extern "C" fn pqw_aead_open(
    code: u32,
    key: *const u8,
    key_len: usize,
    nonce: *const u8,
    nonce_len: usize,
    sealed: *const u8,
    sealed_len: usize,
    associated_data: *const u8,
    associated_data_len: usize,
    out: *mut PqwBuf,
    status: *mut PqwStatus,
) -> i32 {
    run(status, || {
        // SAFETY: forwarded from this function's contract.
        let (k, nc, ct, ad, out) = unsafe {
            (
                input(key, key_len, "key")?,
                input(nonce, nonce_len, "nonce")?,
                input(sealed, sealed_len, "sealed")?,
                input(associated_data, associated_data_len, "associated_data")?,
                Out::new(out, "out")?,
            )
        };
        let opened =
            zeroize::Zeroizing::new(aead::algorithm(aead_suite(code)?).open(k, nc, ct, ad)?);
        put(out, &opened)
    })
}

/// HKDF (RFC 5869) with `hash` `"SHA-256"` or `"SHA-512"`: `length` bytes.
///
/// # Safety
/// Each input null or readable for its length; `out` writable; `status` null or writable.
#[no_mangle]
pub unsafe extern "C" fn pqw_hkdf(
    hash_name: *const u8,
    hash_name_len: usize,
    ikm: *const u8,
    ikm_len: usize,
    salt: *const u8,
    salt_len: usize,
    info: *const u8,
    info_len: usize,
    length: usize,
    out: *mut PqwBuf,
    status: *mut PqwStatus,
) -> i32 {
    run(status, || {
        // SAFETY: forwarded from this function's contract.
        let (h, ikm, salt, info, out) = unsafe {
            (
                name(hash_name, hash_name_len)?,
                input(ikm, ikm_len, "ikm")?,
                input(salt, salt_len, "salt")?,
                input(info, info_len, "info")?,
                Out::new(out, "out")?,
            )
        };
        let okm = kdf::hkdf(HkdfHash::from_name(h)?, ikm, salt, info, length)?;
        put(out, okm.expose())
    })
}

/// SHA3-256 of `data` (32 bytes).
///
/// # Safety
/// `data` null or readable for its length; `out` writable; `status` null or writable.
#[no_mangle]
pub unsafe extern "C" fn pqw_sha3_256(
    data: *const u8,
    data_len: usize,
    out: *mut PqwBuf,
    status: *mut PqwStatus,
) -> i32 {
    run(status, || {
        // SAFETY: forwarded from this function's contract.
        let (d, out) = unsafe { (input(data, data_len, "data")?, Out::new(out, "out")?) };
        put(out, &hash::sha3_256(&[d]))
    })
}

/// SHAKE256 of `data`: `length` bytes, at most [`PQW_SHAKE256_MAX_OUTPUT`]
/// (`OUTPUT_TOO_LONG` beyond).
///
/// # Safety
/// `data` null or readable for its length; `out` writable; `status` null or writable.
#[no_mangle]
pub unsafe extern "C" fn pqw_shake256(
    data: *const u8,
    data_len: usize,
    length: usize,
    out: *mut PqwBuf,
    status: *mut PqwStatus,
) -> i32 {
    run(status, || {
        // SAFETY: forwarded from this function's contract.
        let (d, out) = unsafe { (input(data, data_len, "data")?, Out::new(out, "out")?) };
        if length > PQW_SHAKE256_MAX_OUTPUT {
            return Err(Error::OutputTooLong {
                max: PQW_SHAKE256_MAX_OUTPUT,
                requested: length,
            }
            .into());
        }
        put(out, &hash::shake256(d, length))
    })
}
