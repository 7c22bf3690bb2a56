//! Editing encodings below the encoder, which refuses what a seed needs to show.

use super::*;

pub(crate) fn codes<T: Copy>(suites: &[T], code: fn(T) -> u16) -> Vec<u16> {
    suites.iter().map(|s| code(*s)).collect()
}

/// `bytes` (a wire message) without its field `tag`: the framing walked by hand, since
/// the encoder refuses a message without a required field.
pub(crate) fn without_field(bytes: &[u8], tag: u16) -> Vec<u8> {
    let mut out = bytes[..4].to_vec();
    let mut at = 4;
    while at + 6 <= bytes.len() {
        let t = u16::from_be_bytes([bytes[at], bytes[at + 1]]);
        let len = u32::from_be_bytes([bytes[at + 2], bytes[at + 3], bytes[at + 4], bytes[at + 5]])
            as usize;
        let end = (at + 6 + len).min(bytes.len());
        if t != tag {
            out.extend_from_slice(&bytes[at..end]);
        }
        at = end;
    }
    out
}

pub(crate) fn ext(tag: u16, value: &[u8]) -> Extension {
    Extension {
        tag,
        value: value.to_vec(),
    }
}

/// Fields `(tag, value)` of a well-formed message (after its 4-byte header).
pub(crate) fn fields_of(msg: &[u8]) -> Vec<(u16, Vec<u8>)> {
    let mut out = Vec::new();
    let mut rest = &msg[4..];
    while let Some((&[t0, t1, l0, l1, l2, l3], after)) = rest.split_first_chunk::<6>() {
        let len = u32::from_be_bytes([l0, l1, l2, l3]) as usize;
        out.push((u16::from_be_bytes([t0, t1]), after[..len].to_vec()));
        rest = &after[len..];
    }
    out
}

/// `msg` rebuilt with `edit` applied to its fields.
pub(crate) fn edited(msg: &[u8], edit: impl FnOnce(&mut Vec<(u16, Vec<u8>)>)) -> Vec<u8> {
    let mut fields = fields_of(msg);
    edit(&mut fields);
    let borrowed: Vec<(u16, &[u8])> = fields.iter().map(|(t, v)| (*t, v.as_slice())).collect();
    raw(msg[2], msg[3], &borrowed)
}

/// A record (protocol.md §6) with its checksum, the last field, computed again over
/// what comes before it: an edited record then reaches the rule it breaks instead of
/// the checksum.
pub(crate) fn resealed(record: &[u8]) -> Vec<u8> {
    let mut body = edited(record, |f| f.retain(|(t, _)| *t != CHECKSUM_FIELD.tag));
    let sum = pqwire_core::record::checksum(&body);
    body.extend_from_slice(&CHECKSUM_FIELD.tag.to_be_bytes());
    body.extend_from_slice(&(sum.len() as u32).to_be_bytes());
    body.extend_from_slice(&sum);
    body
}

/// Sets field `tag` to `value`, in place or in tag order.
pub(crate) fn set(fields: &mut Vec<(u16, Vec<u8>)>, tag: u16, value: Vec<u8>) {
    match fields.iter().position(|(t, _)| *t >= tag) {
        Some(i) if fields[i].0 == tag => fields[i].1 = value,
        Some(i) => fields.insert(i, (tag, value)),
        None => fields.push((tag, value)),
    }
}

/// A message from raw parts, with no checks: for the invalid seeds.
pub(crate) fn raw(version: u8, ty: u8, fields: &[(u16, &[u8])]) -> Vec<u8> {
    let mut out = vec![b'P', b'W', version, ty];
    for (tag, value) in fields {
        out.extend_from_slice(&tag.to_be_bytes());
        out.extend_from_slice(&(value.len() as u32).to_be_bytes());
        out.extend_from_slice(value);
    }
    out
}
