//! Editing records at rest in tests: read their fields, replace, insert or remove one,
//! and seal the result with a fresh checksum so that the reader's value rules (not the
//! checksum) decide. Shared by the record test files (`mod record_edit;`).
#![allow(dead_code)]

use pqwire_core::record::{checksum, CHECKSUM_FIELD};

/// The first four bytes of a record of type `ty`: magic, wire version, type.
pub fn head(ty: u8) -> [u8; 4] {
    [b'P', b'W', pqwire_core::wire::limits::VERSION, ty]
}

/// `(offset, tag, value start, value length)` of every field of a record, the checksum
/// excluded.
pub fn fields(b: &[u8]) -> Vec<(usize, u16, usize, usize)> {
    let mut out = Vec::new();
    let mut i = 4;
    while i < b.len() {
        let tag = u16::from_be_bytes([b[i], b[i + 1]]);
        let len = u32::from_be_bytes([b[i + 2], b[i + 3], b[i + 4], b[i + 5]]) as usize;
        if tag != CHECKSUM_FIELD.tag {
            out.push((i, tag, i + 6, len));
        }
        i += 6 + len;
    }
    out
}

/// The value of field `tag`.
pub fn value(b: &[u8], tag: u16) -> Vec<u8> {
    let f = fields(b).into_iter().find(|f| f.1 == tag).expect("field");
    b[f.2..f.2 + f.3].to_vec()
}

/// The record with field `tag` set to `v` (inserted in order if absent), resealed.
pub fn with_field(b: &[u8], tag: u16, v: &[u8]) -> Vec<u8> {
    let mut list: Vec<(u16, Vec<u8>)> = fields(b)
        .into_iter()
        .filter(|f| f.1 != tag)
        .map(|(_, t, start, len)| (t, b[start..start + len].to_vec()))
        .collect();
    list.push((tag, v.to_vec()));
    list.sort_by_key(|(t, _)| *t);
    build(&b[..4], &list)
}

/// The record without field `tag`, resealed.
pub fn without_field(b: &[u8], tag: u16) -> Vec<u8> {
    let list: Vec<(u16, Vec<u8>)> = fields(b)
        .into_iter()
        .filter(|f| f.1 != tag)
        .map(|(_, t, start, len)| (t, b[start..start + len].to_vec()))
        .collect();
    build(&b[..4], &list)
}

/// `bytes` (a record without its checksum) with a checksum field appended.
pub fn seal(mut bytes: Vec<u8>) -> Vec<u8> {
    let sum = checksum(&bytes);
    bytes.extend_from_slice(&CHECKSUM_FIELD.tag.to_be_bytes());
    bytes.extend_from_slice(&32u32.to_be_bytes());
    bytes.extend_from_slice(&sum);
    bytes
}

/// A record edited in place before its checksum field (the last 38 bytes, left as they
/// were) with the checksum recomputed, whatever the edit did to the framing.
pub fn resealed(b: &[u8]) -> Vec<u8> {
    seal(b[..b.len() - 38].to_vec())
}

fn build(header: &[u8], list: &[(u16, Vec<u8>)]) -> Vec<u8> {
    let mut out = header.to_vec();
    for (t, v) in list {
        out.extend_from_slice(&t.to_be_bytes());
        out.extend_from_slice(&(v.len() as u32).to_be_bytes());
        out.extend_from_slice(v);
    }
    seal(out)
}
