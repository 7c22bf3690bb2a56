//! Typed key-package decoding: never panics; an accepted package re-encodes to exactly
//! the input, has exactly one known suite, a public key of that suite's length and
//! `expires > created`, and the generic decoder agrees with the typed one.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pqwire_core::wire::{self, KeyPackage, MessageType, PackageSuite, WireMessage};
use pqwire_core::{kem, sig};

fuzz_target!(|data: &[u8]| {
    let typed = KeyPackage::decode(data);
    let generic = wire::decode_as(data, MessageType::KeyPackage);
    assert_eq!(
        typed.is_ok(),
        generic.is_ok(),
        "typed and generic decoders disagree"
    );
    if let Ok(kp) = typed {
        let encoded = kp.encode().expect("an accepted key package must re-encode");
        assert_eq!(encoded, data, "KeyPackage encode(decode(b)) != b");
        let expected = match kp.suite {
            PackageSuite::Kem(s) => kem::backend(s).lengths().public_key,
            PackageSuite::Sig(s) => sig::backend(s).lengths().public_key,
        };
        assert_eq!(
            kp.public_key.len(),
            expected,
            "public key length for {:?}",
            kp.suite
        );
        assert!(
            kp.expires > kp.created,
            "accepted a package that expires before it was created"
        );
    }
});
