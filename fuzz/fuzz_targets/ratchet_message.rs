//! Typed ratchet-message decoding (wire type 0x12): never panics; typed and generic
//! (`decode_as`) decoders accept the same inputs; an accepted message re-encodes to
//! exactly the input and obeys every rule of protocol.md §5.4 (a 32-byte ratchet key,
//! `pqChunk` of a known kind, sequence number from 1 and 16 to 1,024 data bytes, `pqMix`
//! from 1, no empty associated data, a ciphertext of at least the AEAD tag); and the bytes
//! between the message header and the `ciphertext` field are exactly
//! `Header::to_ad_bytes()`, the AEAD's associated data.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pqwire_core::wire::{
    self, limits, tags::ratchet_message::TAG_CIPHERTEXT, MessageType, WireMessage,
};
use pqwire_core::wire::{RatchetMessage, WireErrorCode};

fuzz_target!(|data: &[u8]| {
    let typed = RatchetMessage::decode(data);
    let generic = wire::decode_as(data, MessageType::RatchetMessage);
    assert_eq!(
        typed.is_ok(),
        generic.is_ok(),
        "typed and generic decoders disagree"
    );
    if let Err(e) = &typed {
        assert!(e.offset <= data.len(), "error offset past the input: {e}");
        assert_eq!(Some(&e.code), generic.as_ref().err().map(|g| &g.code));
        if e.code == WireErrorCode::UnexpectedType {
            assert!(wire::decode(data).is_ok());
        }
        return;
    }
    let (Ok(m), Ok(msg)) = (typed, generic) else {
        return;
    };
    let encoded = m
        .encode()
        .expect("an accepted ratchet message must re-encode");
    assert_eq!(encoded, data, "RatchetMessage encode(decode(b)) != b");

    let h = &m.header;
    if let Some(c) = &h.pq_chunk {
        assert!(c.seq >= 1, "pqChunk sequence number 0");
        assert!(
            (16..=1024).contains(&c.data.len()),
            "pqChunk of {} data bytes",
            c.data.len()
        );
    }
    assert_ne!(h.pq_mix, Some(0), "pqMix of 0");
    assert!(m.ciphertext.len() >= limits::MIN_AEAD_CIPHERTEXT_LEN);

    // The header on the wire is the associated data, byte for byte.
    let at = msg
        .get(TAG_CIPHERTEXT)
        .expect("ciphertext is required")
        .offset;
    assert_eq!(
        &data[limits::HEADER_LEN..at],
        h.to_ad_bytes().as_slice(),
        "the wire header fields differ from Header::to_ad_bytes"
    );
});
