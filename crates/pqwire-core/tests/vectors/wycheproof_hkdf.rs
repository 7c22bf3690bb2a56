//! Wycheproof HKDF-SHA256 (RFC 5869), including requests for more than 255 blocks.

use super::common::*;
use pqwire_core::kdf::{self, HkdfHash};

#[test]
fn wycheproof_hkdf_sha256() {
    let (v, mut tally) = wycheproof("hkdf_sha256_test.json", None);
    for (_, t) in group_tests(&v) {
        let size = num(t, "size") as usize;
        let res = kdf::hkdf(
            HkdfHash::Sha256,
            &hx(t, "ikm"),
            &hx(t, "salt"),
            &hx(t, "info"),
            size,
        );
        let r = case(|| match expect(t) {
            Expect::Valid => {
                let okm = res.as_ref().map_err(|e| format!("refused: {e}"))?;
                ensure!(okm.expose() == hx(t, "okm"), "okm differs");
                Ok(())
            }
            Expect::Invalid => {
                ensure!(
                    outcome(&res) == "OUTPUT_TOO_LONG",
                    "size {size}: gave {} instead of OUTPUT_TOO_LONG",
                    outcome(&res)
                );
                Ok(())
            }
            Expect::Acceptable => Ok(()),
        });
        tally.check(tc(t), r);
    }
    tally.finish();
}
