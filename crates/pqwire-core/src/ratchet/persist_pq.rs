//! The post-quantum pipelines' part of a `session-state` record (protocol.md §5.6, §6):
//! each pipeline as a sequence number, a phase and the few fields the phase keeps. Our
//! own key is kept as its key-generation seed (64 bytes for ML-KEM), not expanded; a
//! stream is `u8 cursor ‖ u16 unanswered ‖ value`; a shard buffer is its entries
//! `u8 index ‖ data[D]` back to back.
//!
//! Restore checks structure and lengths, never keys: the peer's key was checked when it
//! was decoded, our public key is the seed's by construction, and a record is trusted
//! storage (the session layer's checksum covers it).

use super::erasure::{self, ShardBuffer};
use super::layout::*;
use super::pipeline::{OutStream, Own, Pq, Serve};
use crate::record::{RecordField, RecordReader, RecordWriter};
use crate::wire::WireErrorCode as Code;
use crate::{kem, Error, KemSuite, Result};

const IDLE: u8 = 0;
const SENDING: u8 = 1;
const READY: u8 = 2;
const COLLECTING: u8 = 0;
const ENCAPSULATE: u8 = 1;
const ANSWERING: u8 = 2;

/// Writes the pipelines.
pub(super) fn write_pq<'a>(w: &mut RecordWriter<'a>, pq: &'a Pq) {
    w.u64(PQ_STEPS, pq.steps)
        .flag(PQ_CIPHERTEXT_TURN, pq.ciphertext_turn)
        .u32(PQ_OWN_SEQ, pq.own_seq)
        .u32(PQ_SERVE_SEQ, pq.serve_seq);
    match &pq.own {
        Own::Idle => {
            w.u8(PQ_OWN_PHASE, IDLE);
        }
        Own::Sending {
            seed,
            key,
            ciphertext,
        } => {
            w.u8(PQ_OWN_PHASE, SENDING)
                .bytes(PQ_OWN_SECRET, seed.expose());
            if let Some(k) = key {
                w.owned(PQ_OWN_STREAM, stream_bytes(k));
            }
            if !ciphertext.entries.is_empty() {
                w.bytes(PQ_OWN_SHARDS, &ciphertext.entries);
            }
        }
        Own::Ready { ss } => {
            w.u8(PQ_OWN_PHASE, READY).bytes(PQ_OWN_SECRET, ss.expose());
        }
    }
    match &pq.serve {
        Serve::Collecting { key } => {
            w.u8(PQ_SERVE_PHASE, COLLECTING);
            if !key.entries.is_empty() {
                w.bytes(PQ_SERVE_SHARDS, &key.entries);
            }
        }
        Serve::Encapsulate { key } => {
            w.u8(PQ_SERVE_PHASE, ENCAPSULATE).bytes(PQ_SERVE_KEY, key);
        }
        Serve::Answering { ss, ciphertext } => {
            w.u8(PQ_SERVE_PHASE, ANSWERING)
                .bytes(PQ_SERVE_SECRET, ss.expose())
                .owned(PQ_SERVE_STREAM, stream_bytes(ciphertext));
        }
    }
}

fn stream_bytes(s: &OutStream) -> zeroize::Zeroizing<Vec<u8>> {
    let mut v = Vec::with_capacity(3 + s.value.len());
    v.push(s.cursor);
    v.extend_from_slice(&s.unanswered.to_be_bytes());
    v.extend_from_slice(&s.value);
    zeroize::Zeroizing::new(v)
}

/// Reads and checks the pipelines: phases known, every field of a phase present and
/// no other (`MISSING_FIELD` / `INVALID_FIELD`), exact lengths (`BAD_LENGTH`), shard
/// buffers of distinct indices below `n`, fewer than `k` (`INVALID_FIELD`).
pub(super) fn read_pq(r: &mut RecordReader<'_>, suite: KemSuite, d: usize) -> Result<Pq> {
    let lengths = kem::backend(suite).lengths();
    let steps = r.u64(PQ_STEPS)?;
    let ciphertext_turn = r.flag(PQ_CIPHERTEXT_TURN)?;
    let own_seq = r.u32(PQ_OWN_SEQ)?;
    let serve_seq = r.u32(PQ_SERVE_SEQ)?;
    if serve_seq == 0 {
        return Err(invalid(r, PQ_SERVE_SEQ, "sequence numbers start at 1"));
    }
    let (seed_len, ss_len) = (lengths.keygen_seed, lengths.shared_secret);
    let own_phase = r.u8(PQ_OWN_PHASE)?;
    let own_secret = r.opt_secret(PQ_OWN_SECRET, seed_len.min(ss_len), seed_len.max(ss_len))?;
    // A secret of the other phase's length is a phase without its fields.
    let own_secret = match own_phase {
        SENDING => own_secret.filter(|s| s.len() == seed_len),
        _ => own_secret.filter(|s| s.len() == ss_len),
    };
    let own_stream = r.opt_bytes(PQ_OWN_STREAM, 3, 3 + lengths.public_key)?;
    let own_shards = r.opt_bytes(PQ_OWN_SHARDS, 1, usize::MAX)?;
    let own = match (own_phase, own_secret) {
        (IDLE, None) if own_stream.is_none() && own_shards.is_none() => Own::Idle,
        (SENDING, Some(seed)) if own_seq > 0 => Own::Sending {
            seed,
            key: own_stream
                .map(|v| stream(r, PQ_OWN_STREAM, v, lengths.public_key, d))
                .transpose()?,
            ciphertext: shards(r, PQ_OWN_SHARDS, own_shards, lengths.cipher_text, d)?,
        },
        (READY, Some(ss)) if own_seq > 0 && own_stream.is_none() && own_shards.is_none() => {
            Own::Ready { ss }
        }
        _ => return Err(invalid(r, PQ_OWN_PHASE, "not a phase with these fields")),
    };
    let serve_phase = r.u8(PQ_SERVE_PHASE)?;
    let serve_secret = r.opt_secret(PQ_SERVE_SECRET, ss_len, ss_len)?;
    let serve_stream = r.opt_bytes(PQ_SERVE_STREAM, 3, 3 + lengths.cipher_text)?;
    let pk_len = lengths.public_key;
    let serve_key = r.opt_bytes(PQ_SERVE_KEY, pk_len, pk_len)?;
    let serve_shards = r.opt_bytes(PQ_SERVE_SHARDS, 1, usize::MAX)?;
    let serve = match (serve_phase, serve_secret, serve_stream, serve_key) {
        (COLLECTING, None, None, None) => Serve::Collecting {
            key: shards(r, PQ_SERVE_SHARDS, serve_shards, pk_len, d)?,
        },
        (ENCAPSULATE, None, None, Some(key)) if serve_shards.is_none() => {
            Serve::Encapsulate { key: key.to_vec() }
        }
        (ANSWERING, Some(ss), Some(s), None) if serve_shards.is_none() => Serve::Answering {
            ss,
            ciphertext: stream(r, PQ_SERVE_STREAM, s, lengths.cipher_text, d)?,
        },
        _ => return Err(invalid(r, PQ_SERVE_PHASE, "not a phase with these fields")),
    };
    Ok(Pq {
        own,
        own_seq,
        serve,
        serve_seq,
        steps,
        ciphertext_turn,
    })
}

fn stream(
    r: &RecordReader<'_>,
    f: RecordField,
    v: &[u8],
    len: usize,
    d: usize,
) -> Result<OutStream> {
    if v.len() != 3 + len {
        return Err(Error::Wire(r.error(
            f,
            Code::BadLength,
            format!("length {}, expected {}", v.len(), 3 + len),
        )));
    }
    let n = erasure::total_shards(len, d);
    let unanswered = u16::from_be_bytes([v[1], v[2]]);
    if usize::from(v[0]) >= n || usize::from(unanswered) > n {
        return Err(invalid(
            r,
            f,
            "cursor or count beyond the stream's n shards",
        ));
    }
    Ok(OutStream {
        value: v[3..].to_vec(),
        cursor: v[0],
        unanswered,
    })
}

fn shards(
    r: &RecordReader<'_>,
    f: RecordField,
    v: Option<&[u8]>,
    len: usize,
    d: usize,
) -> Result<ShardBuffer> {
    let Some(v) = v else {
        return Ok(ShardBuffer::default());
    };
    if v.len() % (d + 1) != 0 {
        return Err(Error::Wire(r.error(f, Code::BadLength, "not whole shards")));
    }
    let k = erasure::data_shards(len, d);
    let mut b = ShardBuffer::default();
    for e in v.chunks_exact(d + 1) {
        if usize::from(e[0]) >= 2 * k || !b.add(d, e[0], &e[1..]) {
            return Err(invalid(r, f, "a shard index beyond n or twice"));
        }
    }
    if b.count(d) >= k {
        return Err(invalid(r, f, "k shards are decoded, not kept"));
    }
    Ok(b)
}

fn invalid(r: &RecordReader<'_>, f: RecordField, what: &str) -> Error {
    Error::Wire(r.error(f, Code::InvalidField, what))
}
