//! NIST ACVP SHA3-256 (whole-byte AFT cases and the Monte Carlo chain) and SHAKE256
//! (byte-length messages, any output bit length). pqwire offers neither SHA3-512 nor
//! SHAKE128, so those files are only counted and reported as skipped.

use super::common::*;
use pqwire_core::hash;
use serde_json::Value;

/// The message of an AFT case, or `None` when its bit length is not whole bytes (then
/// counted as skipped: pqwire hashes byte strings).
fn whole_bytes(tally: &mut Tally, t: &Value) -> Option<Result<Vec<u8>, String>> {
    let bits = num(t, "len") as usize;
    if !bits.is_multiple_of(8) {
        tally.skip("bit-length message (not whole bytes): pqwire hashes byte strings");
        return None;
    }
    let msg = hx(t, "msg");
    Some(if msg.len() * 8 == bits {
        Ok(msg)
    } else {
        Err(format!("msg is {} bytes, len {bits}", msg.len()))
    })
}

#[test]
fn acvp_sha3_256() {
    let (v, mut tally) = acvp("SHA3-256-2.0/internalProjection.json", None);
    for g in arr(&v, "testGroups") {
        match st(g, "testType") {
            "AFT" => {
                for t in arr(g, "tests") {
                    let Some(msg) = whole_bytes(&mut tally, t) else {
                        continue;
                    };
                    let r = msg.and_then(|msg| {
                        let md = hash::sha3_256(&[&msg]);
                        ensure!(
                            md.as_slice() == hx(t, "md"),
                            "digest {} differs",
                            short(&md)
                        );
                        Ok(())
                    });
                    tally.check(tc(t), r);
                }
            }
            "MCT" => arr(g, "tests")
                .iter()
                .for_each(|t| monte_carlo(&mut tally, t)),
            "LDT" => tally.skip_n("multi-GiB message", test_count(g)),
            other => panic!("unknown SHA3 test type {other:?}"),
        }
    }
    tally.finish();
}

/// A Monte Carlo chain: MD_0 = seed; each entry is the digest after 1,000 more chained
/// hashes.
fn monte_carlo(tally: &mut Tally, t: &Value) {
    assert_eq!(num(t, "len"), 256, "MCT seed is one digest long");
    let mut md: [u8; 32] = hx(t, "msg").try_into().unwrap();
    for (j, entry) in arr(t, "resultsArray").iter().enumerate() {
        for _ in 0..1000 {
            md = hash::sha3_256(&[&md]);
        }
        let want = hx(entry, "md");
        let r = case(|| {
            ensure!(md.as_slice() == want, "chain digest {} differs", short(&md));
            Ok(())
        });
        tally.check(format!("{} MCT entry {j}", tc(t)), r);
        if md.as_slice() != want {
            break; // the rest of the chain cannot match
        }
    }
}

#[test]
fn acvp_shake_256() {
    let (v, mut tally) = acvp("SHAKE-256-FIPS202/internalProjection.json", None);
    for (g, t) in group_tests(&v) {
        assert_eq!(st(g, "testType"), "AFT");
        let Some(msg) = whole_bytes(&mut tally, t) else {
            continue;
        };
        let out_bits = num(t, "outLen") as usize;
        let r = msg.and_then(|msg| {
            let mut out = hash::shake256(&msg, out_bits.div_ceil(8));
            let rem = out_bits % 8;
            if rem != 0 {
                // ACVP puts the last `rem` output bits at the top of the final byte.
                let last = out.last_mut().unwrap();
                *last = (*last & ((1u8 << rem) - 1)) << (8 - rem);
            }
            ensure!(
                out == hx(t, "md"),
                "output {} differs ({out_bits} bits)",
                short(&out)
            );
            Ok(())
        });
        tally.record(if out_bits.is_multiple_of(8) {
            "whole-byte output"
        } else {
            "output not a whole number of bytes (masked)"
        });
        tally.check(tc(t), r);
    }
    tally.finish();
}

#[test]
fn acvp_hashes_not_offered() {
    for (file, reason) in [
        (
            "SHA3-512-2.0/internalProjection.json",
            "SHA3-512 not offered by pqwire (SHA3-256 and SHAKE256 only)",
        ),
        (
            "SHAKE-128-FIPS202/internalProjection.json",
            "SHAKE128 not offered by pqwire (SHA3-256 and SHAKE256 only)",
        ),
    ] {
        let (v, mut tally) = acvp(file, None);
        tally.skip_n(reason, test_count(&v));
        tally.finish();
    }
}
