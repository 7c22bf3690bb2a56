//! Any byte string as a prekey bundle and as a prekey upload (docs/protocol.md §3–§4).
//! Checks:
//! - the initiator's checks of a bundle (batch signature, Merkle proofs, validity, the
//!   stripped-KEM rule) never panic and fail with a typed error;
//! - an upload that decodes can be assembled at any index without a panic; what is
//!   assembled encodes and decodes as a bundle; and when the upload's signature and root
//!   verify, its bundles' proofs verify too (the initiator never says `AUTH_FAILED`).
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use pqwire_core::negotiation::{Policy, PolicyMode};
use pqwire_core::pqxdh::{
    assemble_bundle, initiate, verify_upload, FirstMessage, HandshakeOptions, Identity, Validity,
};
use pqwire_core::random::SeededRandom;
use pqwire_core::wire::{Capabilities, PrekeyBundle, PrekeyUpload, WireMessage};
use pqwire_core::SigSuite;
use pqwire_fuzz::T0;

fn alice() -> &'static (Identity, Vec<u8>) {
    static ALICE: OnceLock<(Identity, Vec<u8>)> = OnceLock::new();
    ALICE.get_or_init(|| {
        let valid = Validity::new(0, 1 << 40).expect("validity");
        let id = Identity::from_seed(SigSuite::Ed25519MlDsa65, valid, [0xA1; 32]).expect("id");
        (id, Capabilities::default().encode().expect("caps"))
    })
}

fn start(bundle: &[u8]) -> Result<(), pqwire_core::Error> {
    let (alice, caps) = alice();
    let options = HandshakeOptions {
        policy: Policy::new(PolicyMode::PqPreferred),
        ..HandshakeOptions::default()
    };
    let first = FirstMessage {
        plaintext: b"hi",
        associated_data: b"",
    };
    let mut rng = SeededRandom::new([7; 32]);
    initiate(alice, caps, bundle, first, &options, T0, &mut rng).map(|_| ())
}

fuzz_target!(|data: &[u8]| {
    if let Err(e) = start(data) {
        assert!(!e.code().is_empty());
    }
    let Ok(upload) = PrekeyUpload::decode(data) else {
        return;
    };
    let verified = verify_upload(&upload).is_ok();
    let b = &upload.batch;
    let picks = [
        (None, None),
        (Some(0), Some(0)),
        (
            b.one_time_kem_count.checked_sub(1),
            b.one_time_count.checked_sub(1),
        ),
    ];
    for (kem, one_time) in picks {
        let Ok(bundle) = assemble_bundle(&upload, kem, one_time) else {
            continue;
        };
        let bytes = bundle.encode().expect("an assembled bundle encodes");
        assert_eq!(PrekeyBundle::decode(&bytes).as_ref(), Ok(&bundle));
        if verified {
            let r = start(&bytes);
            assert!(
                r.as_ref().err().map(|e| e.code()) != Some("AUTH_FAILED"),
                "a verified upload's bundle failed authentication"
            );
        }
    }
});
