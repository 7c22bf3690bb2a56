//! Wycheproof Ed25519 verification against pqwire's strict verification.

use super::common::*;
use pqwire_core::{sig, SigSuite};

#[test]
fn wycheproof_ed25519() {
    let (v, mut tally) = wycheproof("ed25519_test.json", None);
    let b = sig::backend(SigSuite::Ed25519);
    for (g, t) in group_tests(&v) {
        let pk = hx(&g["publicKey"], "pk");
        let res = b
            .verify(&hx(t, "sig"), &hx(t, "msg"), &pk, b"")
            .map(|v| v.valid);
        let accepted = matches!(res, Ok(true));
        let e = expect(t);
        let r = case(|| {
            match e {
                Expect::Valid => ensure!(accepted, "valid signature gave {res:?}"),
                Expect::Invalid => ensure!(!accepted, "invalid signature accepted"),
                Expect::Acceptable => {}
            }
            Ok(())
        });
        let flags: Vec<&str> = arr(t, "flags").iter().filter_map(|f| f.as_str()).collect();
        tally.record(
            format!(
                "{e:?} [{}] → {}",
                flags.join(","),
                if accepted { "accepted" } else { "rejected" }
            )
            .to_lowercase(),
        );
        tally.check(tc(t), r);
    }
    tally.finish();
}
