//! The verified-batch cache (docs/protocol.md §4.1 step 3): a second session from the same
//! batch verifies no batch signature; a failed verification is not cached. Alone in its
//! test binary, so that the process-wide counter counts only these handshakes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod handshake_support;

use handshake_support::*;
use pqwire_core::pqxdh::{create_batch, verified_batches, BatchOptions};

fn verifications() -> u64 {
    verified_batches().lock().unwrap().verifications()
}

#[test]
fn a_second_session_from_the_same_batch_verifies_no_signature() {
    let bob = alice(SigSuite::Ed25519MlDsa65, 0xB1);
    let caps = Capabilities::default().encode().unwrap();
    let options = BatchOptions {
        one_time_count: 3,
        one_time_kem_count: 3,
        ..BatchOptions::default()
    };
    let created = create_batch(
        &bob,
        &caps,
        &options,
        T0 - 1,
        &mut SeededRandom::new([1; 32]),
    )
    .unwrap();
    let alice = alice(SigSuite::Ed25519MlDsa65, 2);
    let p = Params::default();
    let bundle = |i: u32| {
        assemble_bundle(&created.upload, Some(i), Some(i))
            .unwrap()
            .encode()
            .unwrap()
    };

    // A tampered signature: verified, refused, not cached, so verified again next time.
    let mut bad = PrekeyBundle::decode(&bundle(0)).unwrap();
    bad.batch_signature[70] ^= 1;
    let bad = bad.encode().unwrap();
    let n0 = verifications();
    for _ in 0..2 {
        assert_eq!(code(start(&alice, p, &bad, b"", 3)), "AUTH_FAILED");
    }
    assert_eq!(verifications(), n0 + 2);

    // The first session verifies the signature once; the next ones from other bundles
    // of the same batch verify none, and still check their proofs.
    start(&alice, p, &bundle(0), b"", 3).unwrap();
    assert_eq!(verifications(), n0 + 3);
    start(&alice, p, &bundle(1), b"", 4).unwrap();
    start(&alice, p, &bundle(2), b"", 5).unwrap();
    assert_eq!(verifications(), n0 + 3);
    let mut forged = PrekeyBundle::decode(&bundle(1)).unwrap();
    forged.kem_prekey.as_mut().unwrap().proof[0] ^= 1;
    assert_eq!(
        code(start(&alice, p, &forged.encode().unwrap(), b"", 6)),
        "AUTH_FAILED"
    );
    // Still refused after the cache hit, and still a hit: the tampered signature above
    // stays uncached.
    assert_eq!(code(start(&alice, p, &bad, b"", 3)), "AUTH_FAILED");
    assert_eq!(verifications(), n0 + 4);
}
