//! The C ABI from Rust: round trips, and every bad-path rule of the ABI (null pointers,
//! wrong lengths, tampered inputs, stale and wrong handles) answering its typed code.
// Every unsafe call below passes pointers to live locals and slices (the ABI contract).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::undocumented_unsafe_blocks
)]

use std::ffi::CStr;
use std::ptr::{null, null_mut};

use pqwire_ffi::*;

/// The code of a failed call, or `Ok` of a successful one.
fn call(f: impl FnOnce(*mut PqwStatus) -> i32) -> Result<(), String> {
    let mut s = PqwStatus {
        code: [0; PQW_CODE_LEN],
        message: [0; PQW_MESSAGE_LEN],
    };
    let rc = f(&mut s);
    // SAFETY: the status strings are always NUL-terminated.
    let code = unsafe { CStr::from_ptr(s.code.as_ptr()) }
        .to_str()
        .unwrap()
        .to_string();
    match rc {
        PQW_OK => {
            assert_eq!(code, "");
            Ok(())
        }
        PQW_ERROR => {
            assert!(!code.is_empty());
            Err(code)
        }
        other => panic!("return code {other}"),
    }
}

fn buf() -> PqwBuf {
    PqwBuf {
        ptr: null_mut(),
        len: 0,
    }
}

/// Copies a buffer out and frees it.
fn take(mut b: PqwBuf) -> Vec<u8> {
    let v = if b.ptr.is_null() {
        Vec::new()
    } else {
        // SAFETY: filled by pqwire.
        unsafe { std::slice::from_raw_parts(b.ptr, b.len) }.to_vec()
    };
    // SAFETY: filled by pqwire, freed once.
    unsafe { pqw_buf_free(&mut b) };
    v
}

fn err<T: std::fmt::Debug>(r: Result<T, String>) -> String {
    r.expect_err("expected a failure")
}

fn kem_code(name: &str) -> u32 {
    let mut code = 0;
    // SAFETY: valid pointers.
    call(|s| unsafe { pqw_kem_suite(name.as_ptr(), name.len(), &mut code, s) }).unwrap();
    code
}

fn sig_code(name: &str) -> u32 {
    let mut code = 0;
    // SAFETY: valid pointers.
    call(|s| unsafe { pqw_sig_suite(name.as_ptr(), name.len(), &mut code, s) }).unwrap();
    code
}

fn kem_keygen(code: u32, seed: Option<&[u8]>) -> Result<(Vec<u8>, Vec<u8>), String> {
    let (mut pk, mut sk) = (buf(), buf());
    let (p, l) = seed.map_or((null(), 0), |s| (s.as_ptr(), s.len()));
    // SAFETY: valid pointers.
    call(|s| unsafe { pqw_kem_keygen(code, p, l, &mut pk, &mut sk, s) })?;
    Ok((take(pk), take(sk)))
}

fn encapsulate(code: u32, pk: &[u8]) -> Result<(Vec<u8>, Vec<u8>), String> {
    let (mut ct, mut ss) = (buf(), buf());
    // SAFETY: valid pointers.
    call(|s| unsafe {
        pqw_kem_encapsulate(code, pk.as_ptr(), pk.len(), null(), 0, &mut ct, &mut ss, s)
    })?;
    Ok((take(ct), take(ss)))
}

fn decapsulate(code: u32, ct: &[u8], sk: &[u8]) -> Result<Vec<u8>, String> {
    let mut ss = buf();
    // SAFETY: valid pointers.
    call(|s| unsafe {
        pqw_kem_decapsulate(
            code,
            ct.as_ptr(),
            ct.len(),
            sk.as_ptr(),
            sk.len(),
            &mut ss,
            s,
        )
    })?;
    Ok(take(ss))
}

fn lines(f: unsafe extern "C" fn(*mut PqwBuf, *mut PqwStatus) -> i32) -> Vec<String> {
    let mut b = buf();
    // SAFETY: valid pointers.
    call(|s| unsafe { f(&mut b, s) }).unwrap();
    String::from_utf8(take(b))
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn abi_version() {
    assert_eq!(pqw_abi_version(), PQW_ABI_VERSION);
}

#[test]
fn every_kem_suite_round_trips_and_seeds_are_deterministic() {
    let names = lines(pqw_kem_suite_names);
    assert_eq!(names.len(), 7);
    for name in names {
        let code = kem_code(&name);
        let mut l = PqwKemLengths {
            public_key: 0,
            secret_key: 0,
            cipher_text: 0,
            shared_secret: 0,
            keygen_seed: 0,
            encapsulation_randomness: 0,
        };
        // SAFETY: valid pointers.
        call(|s| unsafe { pqw_kem_lengths(code, &mut l, s) }).unwrap();
        let (pk, sk) = kem_keygen(code, None).unwrap();
        assert_eq!(
            (pk.len(), sk.len()),
            (l.public_key as usize, l.secret_key as usize),
            "{name}"
        );
        let (ct, ss) = encapsulate(code, &pk).unwrap();
        assert_eq!(ct.len(), l.cipher_text as usize);
        assert_eq!(decapsulate(code, &ct, &sk).unwrap(), ss, "{name}");
        let seed = vec![7u8; l.keygen_seed as usize];
        assert_eq!(
            kem_keygen(code, Some(&seed)).unwrap(),
            kem_keygen(code, Some(&seed)).unwrap()
        );
        let mut name_buf = buf();
        // SAFETY: valid pointers.
        call(|s| unsafe { pqw_kem_suite_name(code, &mut name_buf, s) }).unwrap();
        assert_eq!(take(name_buf), name.as_bytes());
    }
}

#[test]
fn kem_bad_paths_answer_typed_codes() {
    let xwing = kem_code("X25519+ML-KEM-768");
    // A legacy alias resolves; an unknown name does not.
    assert_eq!(kem_code("X25519+Kyber768"), xwing);
    let mut code = 0;
    // SAFETY: valid pointers.
    assert_eq!(
        err(call(|s| unsafe {
            pqw_kem_suite(b"RSA".as_ptr(), 3, &mut code, s)
        })),
        "UNKNOWN_SUITE"
    );
    assert_eq!(err(kem_keygen(0xFFFF, None)), "UNKNOWN_SUITE");
    assert_eq!(err(kem_keygen(0x1_0000 + xwing, None)), "UNKNOWN_SUITE");
    assert_eq!(err(kem_keygen(xwing, Some(&[1; 5]))), "BAD_LENGTH");
    let (pk, sk) = kem_keygen(xwing, None).unwrap();
    assert_eq!(err(encapsulate(xwing, &pk[1..])), "BAD_LENGTH");
    let (ct, ss) = encapsulate(xwing, &pk).unwrap();
    assert_eq!(err(decapsulate(xwing, &ct[1..], &sk)), "BAD_LENGTH");
    assert_eq!(err(decapsulate(xwing, &ct, &sk[1..])), "BAD_LENGTH");
    // ML-KEM's implicit rejection: a tampered ciphertext gives another secret, no error.
    let mut bad = ct.clone();
    bad[ct.len() - 1] ^= 1;
    assert_ne!(decapsulate(xwing, &bad, &sk).unwrap(), ss);
    // ML-KEM-768's modulus check on the public key.
    let mlkem = kem_code("ML-KEM-768");
    let (mut pk768, _) = kem_keygen(mlkem, None).unwrap();
    pk768[0] = 0xFF;
    pk768[1] = 0xFF;
    assert_eq!(err(encapsulate(mlkem, &pk768)), "INVALID_KEY");
}

#[test]
fn null_pointers_are_invalid_arguments_not_crashes() {
    let xwing = kem_code("X25519+ML-KEM-768");
    let mut sk = buf();
    // SAFETY: null pointers are within the contract.
    unsafe {
        assert_eq!(
            err(call(|s| pqw_kem_keygen(
                xwing,
                null(),
                0,
                null_mut(),
                &mut sk,
                s
            ))),
            "INVALID_ARGUMENT"
        );
        let (mut ct, mut ss) = (buf(), buf());
        assert_eq!(
            err(call(|s| pqw_kem_encapsulate(
                xwing,
                null(),
                1216,
                null(),
                0,
                &mut ct,
                &mut ss,
                s
            ))),
            "INVALID_ARGUMENT"
        );
        // A null pointer with length 0 is an empty input: the length check answers.
        assert_eq!(
            err(call(|s| pqw_kem_encapsulate(
                xwing,
                null(),
                0,
                null(),
                0,
                &mut ct,
                &mut ss,
                s
            ))),
            "BAD_LENGTH"
        );
        assert_eq!(
            err(call(|s| pqw_kem_lengths(xwing, null_mut(), s))),
            "INVALID_ARGUMENT"
        );
        assert_eq!(
            err(call(|s| pqw_kem_suite(b"x".as_ptr(), 1, null_mut(), s))),
            "INVALID_ARGUMENT"
        );
        // A null status is allowed: the return code still says it failed.
        assert_eq!(
            pqw_kem_keygen(xwing, null(), 0, null_mut(), null_mut(), null_mut()),
            PQW_ERROR
        );
    }
    assert!(sk.ptr.is_null());
}

fn sign(
    code: u32,
    msg: &[u8],
    sk: &[u8],
    ctx: &[u8],
    mode: u32,
    rnd: Option<&[u8]>,
) -> Result<Vec<u8>, String> {
    let mut out = buf();
    let (rp, rl) = rnd.map_or((null(), 0), |r| (r.as_ptr(), r.len()));
    // SAFETY: valid pointers.
    call(|s| unsafe {
        pqw_sig_sign(
            code,
            msg.as_ptr(),
            msg.len(),
            sk.as_ptr(),
            sk.len(),
            ctx.as_ptr(),
            ctx.len(),
            mode,
            rp,
            rl,
            &mut out,
            s,
        )
    })?;
    Ok(take(out))
}

fn verify(
    code: u32,
    sig: &[u8],
    msg: &[u8],
    pk: &[u8],
    ctx: &[u8],
) -> Result<(bool, bool, bool), String> {
    let mut v = PqwVerification {
        valid: 9,
        classic_valid: 9,
        quantum_valid: 9,
    };
    // SAFETY: valid pointers.
    call(|s| unsafe {
        pqw_sig_verify(
            code,
            sig.as_ptr(),
            sig.len(),
            msg.as_ptr(),
            msg.len(),
            pk.as_ptr(),
            pk.len(),
            ctx.as_ptr(),
            ctx.len(),
            &mut v,
            s,
        )
    })?;
    Ok((v.valid == 1, v.classic_valid == 1, v.quantum_valid == 1))
}

fn sig_keygen(code: u32) -> (Vec<u8>, Vec<u8>) {
    let (mut pk, mut sk) = (buf(), buf());
    // SAFETY: valid pointers.
    call(|s| unsafe { pqw_sig_keygen(code, null(), 0, &mut pk, &mut sk, s) }).unwrap();
    (take(pk), take(sk))
}

#[test]
fn every_signature_suite_signs_and_verifies_and_tampering_is_invalid() {
    for name in lines(pqw_sig_suite_names) {
        let code = sig_code(&name);
        let (pk, sk) = sig_keygen(code);
        let ctx: &[u8] = if name == "Ed25519" { b"" } else { b"app" };
        let sig = sign(code, b"msg", &sk, ctx, PQW_SIGN_HEDGED, None).unwrap();
        let (valid, classic, quantum) = verify(code, &sig, b"msg", &pk, ctx).unwrap();
        assert!(valid, "{name}");
        assert_eq!(classic, name.starts_with("Ed25519"));
        assert_eq!(quantum, name.contains("ML-DSA"));
        assert!(!verify(code, &sig, b"msh", &pk, ctx).unwrap().0, "{name}");
        let mut bad = sig.clone();
        bad[0] ^= 1;
        assert!(!verify(code, &bad, b"msg", &pk, ctx).unwrap().0, "{name}");
        assert!(
            !verify(code, &sig[1..], b"msg", &pk, ctx).unwrap().0,
            "{name}"
        );
        assert_eq!(err(verify(code, &sig, b"msg", &pk[1..], ctx)), "BAD_LENGTH");
    }
}

#[test]
fn signing_modes_and_contexts() {
    let code = sig_code("ML-DSA-65");
    let (_, sk) = sig_keygen(code);
    let a = sign(code, b"m", &sk, b"", PQW_SIGN_DETERMINISTIC, None).unwrap();
    assert_eq!(
        a,
        sign(code, b"m", &sk, b"", PQW_SIGN_DETERMINISTIC, None).unwrap()
    );
    let r = [3u8; 32];
    assert_eq!(
        sign(code, b"m", &sk, b"", PQW_SIGN_GIVEN, Some(&r)).unwrap(),
        sign(code, b"m", &sk, b"", PQW_SIGN_GIVEN, Some(&r)).unwrap()
    );
    assert_eq!(
        err(sign(code, b"m", &sk, b"", PQW_SIGN_GIVEN, None)),
        "INVALID_ARGUMENT"
    );
    assert_eq!(
        err(sign(code, b"m", &sk, b"", PQW_SIGN_HEDGED, Some(&r))),
        "INVALID_ARGUMENT"
    );
    assert_eq!(err(sign(code, b"m", &sk, b"", 7, None)), "INVALID_ARGUMENT");
    assert_eq!(
        err(sign(code, b"m", &sk, &[0; 256], PQW_SIGN_HEDGED, None)),
        "INVALID_ARGUMENT"
    );
    assert_eq!(
        err(sign(code, b"m", &sk[1..], b"", PQW_SIGN_HEDGED, None)),
        "BAD_LENGTH"
    );
}

fn aead_code(name: &str) -> u32 {
    let mut code = 0;
    // SAFETY: valid pointers.
    call(|s| unsafe { pqw_aead_suite(name.as_ptr(), name.len(), &mut code, s) }).unwrap();
    code
}

fn seal(
    code: u32,
    key: &[u8],
    nonce: &[u8],
    pt: &[u8],
    ad: &[u8],
    open: bool,
) -> Result<Vec<u8>, String> {
    let mut out = buf();
    let f = if open { pqw_aead_open } else { pqw_aead_seal };
    // SAFETY: valid pointers.
    call(|s| unsafe {
        f(
            code,
            key.as_ptr(),
            key.len(),
            nonce.as_ptr(),
            nonce.len(),
            pt.as_ptr(),
            pt.len(),
            ad.as_ptr(),
            ad.len(),
            &mut out,
            s,
        )
    })?;
    Ok(take(out))
}

#[test]
fn aead_round_trips_and_tampering_fails_authentication() {
    for name in lines(pqw_aead_suite_names) {
        let code = aead_code(&name);
        let (k, n) = ([1u8; 32], [2u8; 12]);
        let sealed = seal(code, &k, &n, b"hello", b"ad", false).unwrap();
        assert_eq!(sealed.len(), 5 + 16);
        assert_eq!(seal(code, &k, &n, &sealed, b"ad", true).unwrap(), b"hello");
        let mut bad = sealed.clone();
        bad[0] ^= 1;
        assert_eq!(err(seal(code, &k, &n, &bad, b"ad", true)), "AUTH_FAILED");
        assert_eq!(err(seal(code, &k, &n, &sealed, b"AD", true)), "AUTH_FAILED");
        assert_eq!(err(seal(code, &k[1..], &n, b"x", b"", false)), "BAD_LENGTH");
        assert_eq!(err(seal(code, &k, &n[1..], b"x", b"", false)), "BAD_LENGTH");
        assert_eq!(
            err(seal(code, &k, &n, &sealed[..15], b"ad", true)),
            "BAD_LENGTH"
        );
    }
}

#[test]
fn hkdf_and_hashes() {
    let run = |h: &str, len: usize| {
        let mut out = buf();
        // SAFETY: valid pointers.
        call(|s| unsafe {
            pqw_hkdf(
                h.as_ptr(),
                h.len(),
                b"ikm".as_ptr(),
                3,
                null(),
                0,
                b"info".as_ptr(),
                4,
                len,
                &mut out,
                s,
            )
        })
        .map(|()| take(out))
    };
    // RFC 5869's first vector (SHA-256), its 42-byte OKM begins 3cb25f25.
    let mut okm = buf();
    let ikm = [0x0bu8; 22];
    let salt: Vec<u8> = (0u8..=12).collect();
    let info: Vec<u8> = (0xf0u8..=0xf9).collect();
    // SAFETY: valid pointers.
    call(|s| unsafe {
        pqw_hkdf(
            b"SHA-256".as_ptr(),
            7,
            ikm.as_ptr(),
            22,
            salt.as_ptr(),
            13,
            info.as_ptr(),
            10,
            42,
            &mut okm,
            s,
        )
    })
    .unwrap();
    assert_eq!(&take(okm)[..4], &[0x3c, 0xb2, 0x5f, 0x25]);
    assert_eq!(run("SHA-512", 64).unwrap().len(), 64);
    assert_eq!(err(run("MD5", 32)), "UNKNOWN_SUITE");
    assert_eq!(err(run("SHA-256", 255 * 32 + 1)), "OUTPUT_TOO_LONG");
    let mut h = buf();
    // SAFETY: valid pointers.
    call(|s| unsafe { pqw_sha3_256(null(), 0, &mut h, s) }).unwrap();
    // SHA3-256 of the empty string begins a7ffc6f8.
    assert_eq!(&take(h)[..4], &[0xa7, 0xff, 0xc6, 0xf8]);
    let mut x = buf();
    // SAFETY: valid pointers.
    call(|s| unsafe { pqw_shake256(null(), 0, 64, &mut x, s) }).unwrap();
    // SHAKE256 of the empty string begins 46b9dd2b.
    assert_eq!(&take(x)[..4], &[0x46, 0xb9, 0xdd, 0x2b]);
    // SAFETY: valid pointers.
    assert_eq!(
        err(call(|s| unsafe {
            pqw_shake256(null(), 0, PQW_SHAKE256_MAX_OUTPUT + 1, &mut buf(), s)
        })),
        "OUTPUT_TOO_LONG"
    );
}

#[test]
fn error_code_list_names_every_core_code() {
    let list = lines(pqw_error_codes);
    assert!(list.contains(&"AUTH_FAILED authentication".to_string()));
    assert!(list.contains(&"SESSION_ROLLBACK state".to_string()));
    assert!(list.contains(&"INTERNAL internal".to_string()));
}

const T0: u64 = 1_700_000_000;

fn identity(seed: Option<[u8; 32]>) -> u32 {
    let mut h = 0;
    let (p, l) = seed.as_ref().map_or((null(), 0), |s| (s.as_ptr(), s.len()));
    let suite = sig_code("Ed25519+ML-DSA-65");
    // SAFETY: valid pointers.
    call(|s| unsafe { pqw_identity_generate(suite, T0 - 10, 86_400 * 365, p, l, &mut h, s) })
        .unwrap();
    h
}

fn store() -> u32 {
    let mut h = 0;
    // SAFETY: valid pointers.
    call(|s| unsafe { pqw_prekey_store_new(&mut h, s) }).unwrap();
    h
}

fn bundle(id: u32, store: u32, kem: u32, one_time: bool) -> Result<Vec<u8>, String> {
    let mut b = buf();
    let o = u8::from(one_time);
    // SAFETY: valid pointers.
    call(|s| unsafe { pqw_prekey_bundle_create(id, store, kem, o, o, T0, &mut b, s) })?;
    Ok(take(b))
}

fn initiate(id: u32, bundle: &[u8], pt: &[u8]) -> Result<(u32, Vec<u8>), String> {
    let (mut h, mut m) = (0, buf());
    // SAFETY: valid pointers.
    call(|s| unsafe {
        pqw_session_initiate(
            id,
            bundle.as_ptr(),
            bundle.len(),
            pt.as_ptr(),
            pt.len(),
            null(),
            0,
            T0,
            &mut h,
            &mut m,
            s,
        )
    })?;
    Ok((h, take(m)))
}

fn accept(id: u32, store: u32, msg: &[u8]) -> Result<(u32, Vec<u8>), String> {
    let (mut h, mut pt, mut ad) = (0, buf(), buf());
    // SAFETY: valid pointers.
    call(|s| unsafe {
        pqw_session_accept(
            id,
            store,
            msg.as_ptr(),
            msg.len(),
            T0 + 1,
            &mut h,
            &mut pt,
            &mut ad,
            s,
        )
    })?;
    take(ad);
    Ok((h, take(pt)))
}

fn encrypt(h: u32, pt: &[u8], ad: &[u8]) -> Result<Vec<u8>, String> {
    let mut m = buf();
    // SAFETY: valid pointers.
    call(|s| unsafe {
        pqw_session_encrypt(
            h,
            pt.as_ptr(),
            pt.len(),
            ad.as_ptr(),
            ad.len(),
            T0 + 2,
            &mut m,
            s,
        )
    })?;
    Ok(take(m))
}

fn decrypt(h: u32, m: &[u8]) -> Result<(Vec<u8>, Vec<u8>), String> {
    let (mut pt, mut ad) = (buf(), buf());
    // SAFETY: valid pointers.
    call(|s| unsafe { pqw_session_decrypt(h, m.as_ptr(), m.len(), T0 + 3, &mut pt, &mut ad, s) })?;
    Ok((take(pt), take(ad)))
}

fn info(h: u32) -> Result<PqwSessionInfo, String> {
    let mut i = PqwSessionInfo {
        epoch: 0,
        pq_steps: 0,
        established_at: 0,
        kem_suite: 0,
        sig_suite: 0,
        aead_suite: 0,
        role: 9,
        post_quantum: 9,
        hybrid_auth: 9,
        peer_confirmed: 9,
        session_id: [0; 32],
        local_identity: [0; 16],
        peer_identity: [0; 16],
    };
    // SAFETY: valid pointers.
    call(|s| unsafe { pqw_session_info(h, &mut i, s) })?;
    Ok(i)
}

fn free(h: u32) -> Result<(), String> {
    // SAFETY: valid pointers.
    call(|s| unsafe { pqw_handle_free(h, s) })
}

#[test]
fn a_session_end_to_end_with_every_refusal_typed() {
    let (alice, bob, bob_store) = (identity(None), identity(None), store());
    let b = bundle(bob, bob_store, kem_code("ML-KEM-768"), true).unwrap();
    let mut count = 0;
    // SAFETY: valid pointers.
    call(|s| unsafe { pqw_prekey_store_count(bob_store, &mut count, s) }).unwrap();
    assert_eq!(count, 4); // SPK, PQLR, one one-time X25519, one one-time ML-KEM
    let (a, initial) = initiate(alice, &b, b"hello Bob").unwrap();
    let (bs, first) = accept(bob, bob_store, &initial).unwrap();
    assert_eq!(first, b"hello Bob");
    // The one-time prekeys were consumed: a replayed initial message is refused.
    assert_eq!(err(accept(bob, bob_store, &initial)), "PREKEY_REUSED");

    let (ia, ib) = (info(a).unwrap(), info(bs).unwrap());
    assert_eq!((ia.role, ib.role), (0, 1));
    assert_eq!(ia.session_id, ib.session_id);
    assert_eq!(ia.peer_identity, ib.local_identity);
    assert_eq!((ia.post_quantum, ia.hybrid_auth), (1, 1));
    assert_eq!(ia.kem_suite, kem_code("ML-KEM-768"));

    let reply = encrypt(bs, b"hi Alice", b"thread 7").unwrap();
    assert_eq!(
        decrypt(a, &reply).unwrap(),
        (b"hi Alice".to_vec(), b"thread 7".to_vec())
    );
    assert_eq!(err(decrypt(a, &reply)), "REPLAYED");
    let next = encrypt(bs, b"second", b"").unwrap();
    let mut bad = next.clone();
    let last = bad.len() - 1;
    bad[last] ^= 1;
    assert_eq!(err(decrypt(a, &bad)), "AUTH_FAILED");
    assert!(err(decrypt(a, &next[..10])).len() > 1); // a wire rule, typed
    assert_eq!(err(decrypt(a, &[])), "TRUNCATED");
    // The failures changed nothing: the genuine message still decrypts.
    assert_eq!(decrypt(a, &next).unwrap().0, b"second");

    // Serialize, restore, roll back.
    let mut rec = buf();
    // SAFETY: valid pointers.
    call(|s| unsafe { pqw_session_serialize(a, &mut rec, s) }).unwrap();
    let old = take(rec);
    let epoch = info(a).unwrap().epoch;
    let mut restored = 0;
    // SAFETY: valid pointers.
    call(|s| unsafe {
        pqw_session_deserialize(old.as_ptr(), old.len(), 1, epoch, &mut restored, s)
    })
    .unwrap();
    assert_eq!(
        decrypt(restored, &encrypt(bs, b"third", b"").unwrap())
            .unwrap()
            .0,
        b"third"
    );
    let newer = info(restored).unwrap().epoch;
    let mut h = 0;
    // SAFETY: valid pointers.
    assert_eq!(
        err(call(|s| unsafe {
            pqw_session_deserialize(old.as_ptr(), old.len(), 1, newer, &mut h, s)
        })),
        "SESSION_ROLLBACK"
    );
    let mut corrupt = old.clone();
    corrupt[0] ^= 0xFF;
    // SAFETY: valid pointers.
    assert!(call(|s| unsafe {
        pqw_session_deserialize(corrupt.as_ptr(), corrupt.len(), 0, 0, &mut h, s)
    })
    .is_err());

    // Handles: freed is DISPOSED, never handed out is INVALID_ARGUMENT, wrong kind too.
    free(a).unwrap();
    assert_eq!(err(free(a)), "DISPOSED");
    assert_eq!(err(encrypt(a, b"x", b"")), "DISPOSED");
    assert_eq!(err(encrypt(u32::MAX, b"x", b"")), "INVALID_ARGUMENT");
    assert_eq!(err(encrypt(0, b"x", b"")), "INVALID_ARGUMENT");
    assert_eq!(err(encrypt(alice, b"x", b"")), "INVALID_ARGUMENT");
    assert_eq!(
        err(bundle(bob_store, bob_store, 0, true)),
        "INVALID_ARGUMENT"
    );
    for h in [restored, bs, alice, bob, bob_store] {
        free(h).unwrap();
    }
}

#[test]
fn handshake_refusals() {
    let (alice, bob, bob_store) = (identity(None), identity(None), store());
    // A classical bundle is refused under the default policy (pq-required).
    let classical = bundle(bob, bob_store, PQW_NO_KEM, true).unwrap();
    assert_eq!(err(initiate(alice, &classical, b"")), "PQ_REQUIRED");
    // A tampered bundle fails its signature.
    let mut b = bundle(bob, bob_store, kem_code("ML-KEM-1024"), false).unwrap();
    let (_, initial) = initiate(alice, &b, b"x").unwrap();
    // Without one-time prekeys, the replay cache refuses a second acceptance.
    accept(bob, bob_store, &initial).unwrap();
    assert_eq!(err(accept(bob, bob_store, &initial)), "REPLAYED");
    let last = b.len() - 1;
    b[last] ^= 1;
    assert!(initiate(alice, &b, b"x").is_err());
    // An initial message for another responder's prekeys: unknown key.
    let (carol, carol_store) = (identity(None), store());
    assert!(accept(carol, carol_store, &initial).is_err());
    assert_eq!(err(bundle(bob, bob_store, 0xABCD, true)), "UNKNOWN_SUITE");
    // Identities: only the hybrid suites; seeds are 32 bytes; records round-trip.
    let mut h = 0;
    let ed = sig_code("Ed25519");
    // SAFETY: valid pointers.
    assert!(call(|s| unsafe { pqw_identity_generate(ed, T0, 100, null(), 0, &mut h, s) }).is_err());
    let seed = [5u8; 32];
    // SAFETY: valid pointers.
    assert_eq!(
        err(call(|s| unsafe {
            pqw_identity_generate(
                sig_code("Ed25519+ML-DSA-87"),
                T0,
                100,
                seed.as_ptr(),
                31,
                &mut h,
                s,
            )
        })),
        "BAD_LENGTH"
    );
    let (x, y) = (identity(Some(seed)), identity(Some(seed)));
    let fp = |h: u32| {
        let (mut f, mut suite) = (buf(), 0);
        // SAFETY: valid pointers.
        call(|s| unsafe { pqw_identity_public(h, &mut f, &mut suite, s) }).unwrap();
        (take(f), suite)
    };
    assert_eq!(fp(x), fp(y));
    assert_eq!(fp(x).0.len(), 16);
    let mut rec = buf();
    // SAFETY: valid pointers.
    call(|s| unsafe { pqw_identity_export(x, &mut rec, s) }).unwrap();
    let rec = take(rec);
    // SAFETY: valid pointers.
    call(|s| unsafe { pqw_identity_import(rec.as_ptr(), rec.len(), &mut h, s) }).unwrap();
    assert_eq!(fp(h), fp(x));
    // SAFETY: valid pointers.
    assert!(
        call(|s| unsafe { pqw_identity_import(rec.as_ptr(), rec.len() - 1, &mut h, s) }).is_err()
    );
}
