//! The MLS working group's "Crypto Basics" vectors (tests/vectors/README.md for their
//! provenance) through the pqwire provider, for the RFC 9420 suites it offers (1, 2, 3).
//! Suites 4 to 7 (X448/Ed448, P-521, P-384 DHKEM) are not offered and are counted as
//! skipped; every offered suite in the file must run.
//!
//! The labeled functions are RFC 9420's (§5.1.2, §5.1.3, §5.2, §8), written here from the
//! RFC over the provider's primitives: RefHash, ExpandWithLabel, DeriveSecret,
//! DeriveTreeSecret, SignWithLabel/VerifyWithLabel, EncryptWithLabel/DecryptWithLabel.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // helpers outside #[test]

use openmls_traits::crypto::OpenMlsCrypto;
use openmls_traits::types::{Ciphersuite, HpkeCiphertext};
use pqwire_mls::{suites, PqwireCrypto};
use serde_json::Value;

/// MLS's variable-length vector: a QUIC-style length prefix, then the bytes (RFC 9420 §2.1.2).
fn vec_v(bytes: &[u8]) -> Vec<u8> {
    let n = bytes.len();
    let mut out = if n < 1 << 6 {
        vec![n as u8]
    } else if n < 1 << 14 {
        (0x4000 | n as u16).to_be_bytes().to_vec()
    } else {
        (0x8000_0000 | n as u32).to_be_bytes().to_vec()
    };
    out.extend_from_slice(bytes);
    out
}

fn labeled(label: &str) -> Vec<u8> {
    vec_v(format!("MLS 1.0 {label}").as_bytes())
}

fn hx(v: &Value, key: &str) -> Vec<u8> {
    hex::decode(v[key].as_str().unwrap()).unwrap()
}

fn text<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap()
}

fn expand_with_label(
    suite: Ciphersuite,
    secret: &[u8],
    label: &str,
    context: &[u8],
    length: u16,
) -> Vec<u8> {
    let mut info = length.to_be_bytes().to_vec();
    info.extend(labeled(label));
    info.extend(vec_v(context));
    PqwireCrypto
        .hkdf_expand(suite.hash_algorithm(), secret, &info, length.into())
        .unwrap()
        .as_slice()
        .to_vec()
}

fn sign_content(label: &str, content: &[u8]) -> Vec<u8> {
    [labeled(label), vec_v(content)].concat()
}

fn encrypt_context(label: &str, context: &[u8]) -> Vec<u8> {
    [labeled(label), vec_v(context)].concat()
}

fn check(suite: Ciphersuite, v: &Value) {
    let crypto = PqwireCrypto;
    let hash = suite.hash_algorithm();

    let t = &v["ref_hash"];
    let input = [vec_v(text(t, "label").as_bytes()), vec_v(&hx(t, "value"))].concat();
    assert_eq!(
        crypto.hash(hash, &input).unwrap(),
        hx(t, "out"),
        "{suite:?} RefHash"
    );

    let t = &v["expand_with_label"];
    let length = t["length"].as_u64().unwrap() as u16;
    let out = expand_with_label(
        suite,
        &hx(t, "secret"),
        text(t, "label"),
        &hx(t, "context"),
        length,
    );
    assert_eq!(out, hx(t, "out"), "{suite:?} ExpandWithLabel");

    let t = &v["derive_secret"];
    let out = expand_with_label(
        suite,
        &hx(t, "secret"),
        text(t, "label"),
        b"",
        suite.hash_length() as u16,
    );
    assert_eq!(out, hx(t, "out"), "{suite:?} DeriveSecret");

    let t = &v["derive_tree_secret"];
    let generation = (t["generation"].as_u64().unwrap() as u32).to_be_bytes();
    let length = t["length"].as_u64().unwrap() as u16;
    let out = expand_with_label(
        suite,
        &hx(t, "secret"),
        text(t, "label"),
        &generation,
        length,
    );
    assert_eq!(out, hx(t, "out"), "{suite:?} DeriveTreeSecret");

    let t = &v["sign_with_label"];
    let scheme = suite.signature_algorithm();
    let content = sign_content(text(t, "label"), &hx(t, "content"));
    crypto
        .verify_signature(scheme, &content, &hx(t, "pub"), &hx(t, "signature"))
        .unwrap_or_else(|e| panic!("{suite:?} VerifyWithLabel of the vector's signature: {e:?}"));
    let ours = crypto.sign(scheme, &content, &hx(t, "priv")).unwrap();
    crypto
        .verify_signature(scheme, &content, &hx(t, "pub"), &ours)
        .unwrap();
    let mut changed = hx(t, "signature");
    let last = changed.len() - 1;
    changed[last] ^= 1;
    assert!(
        crypto
            .verify_signature(scheme, &content, &hx(t, "pub"), &changed)
            .is_err(),
        "{suite:?} a changed signature"
    );

    let t = &v["encrypt_with_label"];
    let info = encrypt_context(text(t, "label"), &hx(t, "context"));
    let given = HpkeCiphertext {
        kem_output: hx(t, "kem_output").into(),
        ciphertext: hx(t, "ciphertext").into(),
    };
    let opened = crypto
        .hpke_open(suite.hpke_config(), &given, &hx(t, "priv"), &info, b"")
        .unwrap();
    assert_eq!(opened, hx(t, "plaintext"), "{suite:?} DecryptWithLabel");
    let sealed = crypto
        .hpke_seal(
            suite.hpke_config(),
            &hx(t, "pub"),
            &info,
            b"",
            &hx(t, "plaintext"),
        )
        .unwrap();
    assert_eq!(
        crypto
            .hpke_open(suite.hpke_config(), &sealed, &hx(t, "priv"), &info, b"")
            .unwrap(),
        hx(t, "plaintext")
    );
    let other_context = encrypt_context(text(t, "label"), b"another context");
    assert!(
        crypto
            .hpke_open(
                suite.hpke_config(),
                &given,
                &hx(t, "priv"),
                &other_context,
                b""
            )
            .is_err(),
        "{suite:?} wrong context"
    );
}

#[test]
fn crypto_basics_for_every_offered_rfc_9420_suite() {
    let file = std::fs::read_to_string("tests/vectors/crypto-basics.json").unwrap();
    let vectors: Vec<Value> = serde_json::from_str(&file).unwrap();
    let (mut ran, mut skipped) = (Vec::new(), Vec::new());
    for v in &vectors {
        let code = v["cipher_suite"].as_u64().unwrap() as u16;
        match Ciphersuite::try_from(code) {
            Ok(suite) if suites::is_supported(suite) => {
                check(suite, v);
                ran.push(code);
            }
            _ => skipped.push(code),
        }
    }
    println!("crypto-basics: suites {ran:?} passed, {skipped:?} skipped (not offered)");
    assert_eq!(ran, [1, 2, 3]);
}
