//! CCTV Ed25519 edge cases (`ed25519vectors.json`). The file has no verdicts; it checks
//! pqwire's documented policy (strict verification, docs/primitives.md): reject
//! non-canonical A or R and small-order A or R, accept the plain signature. For the cases
//! the standards leave open it pins what strict verification does: the cofactorless
//! equation, so a low-order residue is rejected while a mixed-order A or R without one is
//! accepted. It prints how many vectors carrying each flag were accepted and rejected.

use super::common::*;
use pqwire_core::{sig, SigSuite};
use std::collections::BTreeMap;

#[test]
fn cctv_ed25519() {
    let file = "ed25519/ed25519vectors.json";
    let v = load_json(&format!("cctv/{file}"));
    let b = sig::backend(SigSuite::Ed25519);
    let mut tally = Tally::new(format!("cctv {file}"));
    let mut per_flag: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for t in v.as_array().expect("a JSON array") {
        let flags: Vec<&str> = t
            .get("flags")
            .and_then(|f| f.as_array())
            .map(|a| a.iter().filter_map(|f| f.as_str()).collect())
            .unwrap_or_default();
        let msg = st(t, "msg").as_bytes();
        let res = b
            .verify(&hx(t, "sig"), msg, &hx(t, "key"), b"")
            .map(|v| v.valid);
        let accepted = matches!(res, Ok(true));
        let must_reject = flags.iter().any(|f| {
            matches!(
                *f,
                "non_canonical_A" | "non_canonical_R" | "low_order_A" | "low_order_R"
            )
        });
        let residue = flags.contains(&"low_order_residue");
        let r = case(|| {
            if must_reject {
                ensure!(!accepted, "accepted although flagged {flags:?}");
            } else if flags.is_empty() {
                ensure!(accepted, "plain signature gave {res:?}");
            } else if residue {
                ensure!(
                    !accepted,
                    "cofactorless check accepted a low-order residue {flags:?}"
                );
            } else {
                ensure!(accepted, "mixed-order point {flags:?} gave {res:?}");
            }
            Ok(())
        });
        for f in if flags.is_empty() {
            vec!["(none)"]
        } else {
            flags.clone()
        } {
            let e = per_flag.entry(f).or_default();
            if accepted {
                e.0 += 1;
            } else {
                e.1 += 1;
            }
        }
        if !must_reject && !flags.is_empty() {
            // Left open by RFC 8032 / FIPS 186-5.
            tally.record(format!(
                "left open by the standards [{}] → {}",
                flags.join(","),
                if accepted { "accepted" } else { "rejected" }
            ));
        }
        tally.check(format!("number {}", num(t, "number")), r);
    }
    for (f, (acc, rej)) in per_flag {
        tally.note(format!("flag {f}: accepted {acc}, rejected {rej}"));
    }
    tally.finish();
}
