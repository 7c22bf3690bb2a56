//! Typed capabilities decoding: never panics; an accepted message re-encodes to exactly
//! the input, and the generic decoder agrees with the typed one.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pqwire_core::wire::{self, Capabilities, MessageType, WireMessage};

fuzz_target!(|data: &[u8]| {
    let typed = Capabilities::decode(data);
    let generic = wire::decode_as(data, MessageType::Capabilities);
    assert_eq!(
        typed.is_ok(),
        generic.is_ok(),
        "typed and generic decoders disagree"
    );
    if let Ok(caps) = typed {
        let encoded = caps.encode().expect("accepted capabilities must re-encode");
        assert_eq!(encoded, data, "Capabilities encode(decode(b)) != b");
        assert_eq!(Capabilities::decode(&encoded).as_ref(), Ok(&caps));
    }
});
