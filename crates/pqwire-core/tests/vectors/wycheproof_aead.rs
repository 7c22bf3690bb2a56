//! Wycheproof ChaCha20-Poly1305 and AES-GCM. pqwire offers AES-256-GCM only and takes
//! 96-bit nonces only: other key sizes are skipped, and other nonce sizes must be
//! refused by the API (valid cases with such nonces are counted as skipped once refused).
//! Each file runs on both implementations: AWS-LC (the default) and RustCrypto (the
//! pure-Rust build's only one).

use super::common::*;
use pqwire_core::{aead, AeadSuite};

fn run(file: &str, a: &dyn aead::AeadAlgorithm, implementation: &str) {
    let v = load_json(&format!("wycheproof/testvectors_v1/{file}"));
    let mut tally = Tally::new(format!("wycheproof {file} ({implementation})"));
    for g in arr(&v, "testGroups") {
        let key_bits = num(g, "keySize");
        let iv_bits = num(g, "ivSize");
        assert_eq!(num(g, "tagSize"), 128);
        if key_bits != 256 {
            tally.skip_n("pqwire offers AES-256-GCM only", arr(g, "tests").len());
            continue;
        }
        for t in arr(g, "tests") {
            let (key, iv, aad, msg) = (hx(t, "key"), hx(t, "iv"), hx(t, "aad"), hx(t, "msg"));
            let sealed = [hx(t, "ct"), hx(t, "tag")].concat();
            let e = expect(t);
            if iv_bits != 96 {
                let seal = a.seal(&key, &iv, &msg, &aad);
                let open = a.open(&key, &iv, &sealed, &aad);
                let refused = outcome(&seal) == "BAD_LENGTH" && outcome(&open) == "BAD_LENGTH";
                if e == Expect::Valid && refused {
                    tally.skip("nonce not 96 bits: refused by pqwire's API (12-byte nonces only)");
                    continue;
                }
                tally.check(
                    tc(t),
                    case(|| {
                        ensure!(
                            refused,
                            "{iv_bits}-bit nonce not refused: seal {}, open {}",
                            outcome(&seal),
                            outcome(&open)
                        );
                        Ok(())
                    }),
                );
                continue;
            }
            let r = case(|| match e {
                Expect::Valid => {
                    let ct = a
                        .seal(&key, &iv, &msg, &aad)
                        .map_err(|e| format!("seal: {e}"))?;
                    ensure!(ct == sealed, "ciphertext ‖ tag differs");
                    let pt = a
                        .open(&key, &iv, &sealed, &aad)
                        .map_err(|e| format!("open: {e}"))?;
                    ensure!(pt == msg, "plaintext differs");
                    Ok(())
                }
                Expect::Invalid | Expect::Acceptable => {
                    let open = a.open(&key, &iv, &sealed, &aad);
                    ensure!(
                        e == Expect::Acceptable || outcome(&open) == "AUTH_FAILED",
                        "open gave {} ({:?})",
                        outcome(&open),
                        t.get("comment")
                    );
                    Ok(())
                }
            });
            tally.check(tc(t), r);
        }
    }
    tally.finish();
}

/// The implementations of `suite`: the default (AWS-LC's) and RustCrypto's; in the
/// pure-Rust build these are one and the same, run once.
fn implementations(suite: AeadSuite) -> Vec<(&'static dyn aead::AeadAlgorithm, &'static str)> {
    if is_built("aws-lc") {
        vec![
            (aead::algorithm(suite), "aws-lc"),
            (aead::reference(suite), "rustcrypto"),
        ]
    } else {
        vec![(aead::algorithm(suite), "rustcrypto")]
    }
}

#[test]
fn wycheproof_chacha20_poly1305() {
    for (a, name) in implementations(AeadSuite::ChaCha20Poly1305) {
        run("chacha20_poly1305_test.json", a, name);
    }
}

#[test]
fn wycheproof_aes_256_gcm() {
    for (a, name) in implementations(AeadSuite::Aes256Gcm) {
        run("aes_gcm_test.json", a, name);
    }
}
