//! The erasure code of the sparse post-quantum ratchet (protocol.md §5.6): a KEM public
//! key or ciphertext of `L` bytes is cut into `k = ceil(L / D)` data shards of `D` bytes
//! (the last zero-padded) and `k` parity shards, `n = 2k` in all; any `k` distinct
//! shards give the value back. Reed-Solomon over GF(2^8) (`reed-solomon-erasure`, the
//! systematic Vandermonde-derived code of Backblaze and Klaus Post): shard `i < k` is
//! bytes `i·D..(i+1)·D` of the padded value, so a receiver that got every data shard
//! decodes by concatenation.

use reed_solomon_erasure::galois_8::ReedSolomon;
use zeroize::Zeroize;

use crate::wire::tags::ratchet_message::TAG_PQ_CHUNK;
use crate::wire::{WireError, WireErrorCode};
use crate::{Error, Result};

/// Smallest chunk data size `D` a session may use.
pub const MIN_CHUNK_LEN: u16 = 16;
/// Largest chunk data size `D` a session may use.
pub const MAX_CHUNK_LEN: u16 = 1024;

/// `k`: data shards of a value of `len` bytes in shards of `d` bytes.
pub(crate) fn data_shards(len: usize, d: usize) -> usize {
    len.div_ceil(d.max(1))
}

/// `n = 2k`: all shards of a value of `len` bytes.
pub(crate) fn total_shards(len: usize, d: usize) -> usize {
    2 * data_shards(len, d)
}

fn codec(k: usize) -> Result<ReedSolomon> {
    ReedSolomon::new(k, k).map_err(|_| Error::InvalidArgument {
        what: "erasure code of more than 128 data shards",
    })
}

/// Shard `index` (`< n`) of `value` in shards of `d` bytes.
pub(crate) fn shard(value: &[u8], d: usize, index: usize) -> Result<Vec<u8>> {
    let k = data_shards(value.len(), d);
    if index < k {
        let mut out = vec![0u8; d];
        let part = &value[index * d..value.len().min((index + 1) * d)];
        out[..part.len()].copy_from_slice(part);
        return Ok(out);
    }
    if index >= 2 * k {
        return Err(bad_index());
    }
    let data: Vec<Vec<u8>> = (0..k).map(|i| shard(value, d, i)).collect::<Result<_>>()?;
    let mut parity = vec![vec![0u8; d]; k];
    codec(k)?
        .encode_sep(&data, &mut parity)
        .map_err(|_| bad_index())?;
    Ok(parity.swap_remove(index - k))
}

/// `INVALID_FIELD` at `pqChunk`: a shard index of at least `n`.
pub(crate) fn bad_index() -> Error {
    Error::Wire(WireError::in_field(
        WireErrorCode::InvalidField,
        0,
        TAG_PQ_CHUNK,
        Some("pqChunk"),
        "shard index at least n = 2k",
    ))
}

/// The shards of one value received so far: `u8 index ‖ data[D]` entries back to back,
/// in arrival order, each index once. Decoded (and dropped) as soon as `k` are in.
#[derive(Clone, Default, PartialEq, Eq)]
pub(crate) struct ShardBuffer {
    pub(crate) entries: Vec<u8>,
}

impl ShardBuffer {
    /// Number of distinct shards held.
    pub(crate) fn count(&self, d: usize) -> usize {
        self.entries.len() / (d + 1)
    }

    /// Whether shard `index` is held.
    pub(crate) fn has(&self, d: usize, index: u8) -> bool {
        self.entries.chunks_exact(d + 1).any(|e| e[0] == index)
    }

    /// Adds a shard (a duplicate is ignored); returns whether it was new.
    pub(crate) fn add(&mut self, d: usize, index: u8, data: &[u8]) -> bool {
        if self.has(d, index) || data.len() != d {
            return false;
        }
        self.entries.reserve_exact(d + 1);
        self.entries.push(index);
        self.entries.extend_from_slice(data);
        true
    }

    /// The value of `len` bytes once `k` distinct shards are held (`None` before).
    /// A decoded value whose padding is not zero is `INVALID_FIELD`: no honest sender
    /// makes it.
    pub(crate) fn decode(&self, len: usize, d: usize) -> Result<Option<Vec<u8>>> {
        let k = data_shards(len, d);
        if self.count(d) < k {
            return Ok(None);
        }
        let mut slots: Vec<Option<Vec<u8>>> = vec![None; 2 * k];
        for e in self.entries.chunks_exact(d + 1) {
            let i = usize::from(e[0]);
            if i >= 2 * k {
                return Err(bad_index());
            }
            slots[i] = Some(e[1..].to_vec());
        }
        if slots[..k].iter().any(Option::is_none) {
            codec(k)?
                .reconstruct_data(&mut slots)
                .map_err(|_| bad_index())?;
        }
        let mut value = Vec::with_capacity(k * d);
        for s in slots.iter_mut().take(k) {
            value.extend_from_slice(s.as_deref().unwrap_or_default());
        }
        for s in slots.iter_mut().flatten() {
            s.zeroize();
        }
        if value.len() != k * d || value[len..].iter().any(|&b| b != 0) {
            return Err(Error::Wire(WireError::in_field(
                WireErrorCode::InvalidField,
                0,
                TAG_PQ_CHUNK,
                Some("pqChunk"),
                "decoded value with non-zero padding",
            )));
        }
        value.truncate(len);
        Ok(Some(value))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn value(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 7 + 3) as u8).collect()
    }

    #[test]
    fn any_k_distinct_shards_decode() {
        for (len, d) in [
            (1184usize, 64usize),
            (1088, 64),
            (1088, 48),
            (32, 16),
            (1600, 16),
            (100, 100),
        ] {
            let v = value(len);
            let k = data_shards(len, d);
            let n = total_shards(len, d);
            let shards: Vec<Vec<u8>> = (0..n).map(|i| shard(&v, d, i).unwrap()).collect();
            // Every window of k consecutive indices (mod n), and parity only.
            for start in 0..n {
                let mut b = ShardBuffer::default();
                for j in 0..k {
                    let i = (start + j * 3) % n;
                    b.add(d, i as u8, &shards[i]);
                }
                if b.count(d) < k {
                    continue;
                }
                assert_eq!(b.decode(len, d).unwrap().unwrap(), v, "len {len} d {d}");
            }
            let mut b = ShardBuffer::default();
            for (i, s) in shards.iter().enumerate().take(n - 1).skip(k) {
                assert!(b.decode(len, d).unwrap().is_none());
                b.add(d, i as u8, s);
            }
            b.add(d, (n - 1) as u8, &shards[n - 1]);
            assert_eq!(b.decode(len, d).unwrap().unwrap(), v);
        }
    }

    #[test]
    fn duplicates_bad_lengths_and_indices() {
        let v = value(100);
        let mut b = ShardBuffer::default();
        let s = shard(&v, 16, 0).unwrap();
        assert!(b.add(16, 0, &s));
        assert!(!b.add(16, 0, &s));
        assert!(!b.add(16, 1, &s[..15]));
        assert_eq!(b.count(16), 1);
        assert_eq!(shard(&v, 16, 14).unwrap_err().code(), "INVALID_FIELD");
        // Non-zero padding is refused.
        let mut b = ShardBuffer::default();
        b.add(16, 0, &[1; 16]);
        b.add(16, 1, &[1; 16]);
        assert_eq!(b.decode(20, 16).unwrap_err().code(), "INVALID_FIELD");
        // Parity shards alone decode.
        let mut b = ShardBuffer::default();
        for i in 7..14u8 {
            b.add(16, i, &shard(&v, 16, usize::from(i)).unwrap());
        }
        assert_eq!(b.decode(100, 16).unwrap().unwrap(), v);
    }
}
