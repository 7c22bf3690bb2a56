//! Typed envelope decoding: never panics; an accepted envelope re-encodes to exactly the
//! input, and the generic decoder agrees with the typed one.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pqwire_core::wire::{self, Envelope, MessageType, WireMessage};

fuzz_target!(|data: &[u8]| {
    let typed = Envelope::decode(data);
    let generic = wire::decode_as(data, MessageType::Envelope);
    assert_eq!(
        typed.is_ok(),
        generic.is_ok(),
        "typed and generic decoders disagree"
    );
    if let Ok(env) = typed {
        let encoded = env.encode().expect("an accepted envelope must re-encode");
        assert_eq!(encoded, data, "Envelope encode(decode(b)) != b");
    }
});
