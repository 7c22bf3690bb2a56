//! Editing encoded wire messages in tests below the encoder, which refuses what a test
//! needs to send (a required field left out). Shared by the handshake test files
//! (`mod wire_edit;`).
#![allow(dead_code)]

/// `bytes` (an encoded wire message) without its field `tag`, the framing walked by hand.
/// Panics when there is no such field, so a test cannot strip nothing by mistake.
pub fn without_field(bytes: &[u8], tag: u16) -> Vec<u8> {
    let mut out = bytes[..4].to_vec();
    let mut at = 4;
    while at < bytes.len() {
        let t = u16::from_be_bytes([bytes[at], bytes[at + 1]]);
        let len = u32::from_be_bytes([bytes[at + 2], bytes[at + 3], bytes[at + 4], bytes[at + 5]])
            as usize;
        if t != tag {
            out.extend_from_slice(&bytes[at..at + 6 + len]);
        }
        at += 6 + len;
    }
    assert_ne!(out.len(), bytes.len(), "no field {tag:#06x}");
    out
}
