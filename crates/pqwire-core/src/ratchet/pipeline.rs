//! The sparse post-quantum ratchet's two pipelines (protocol.md §5.6): our outgoing one
//! (we generate ML-KEM keys, the peer encapsulates) and the peer's, which we serve (we
//! encapsulate). Keys and ciphertexts travel as erasure-coded shards, one per message.
//!
//! Everything here is pure state: the caller ([`super::RatchetState`]'s encrypt and
//! decrypt) works on a copy and commits it only once the message is sealed or
//! authenticated.

use zeroize::Zeroizing;

use super::cadence::{KemCadence, KemClock};
use super::erasure::{self, ShardBuffer};
use super::header::{ChunkKind, PqChunk};
use crate::random::RandomSource;
use crate::{kem, Error, KemSuite, Result, SecretBytes};

/// A value we send in shards: a KEM public key or ciphertext, the next shard index,
/// and the shards sent since the peer's last authenticated message.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct OutStream {
    pub(crate) value: Vec<u8>,
    pub(crate) cursor: u8,
    pub(crate) unanswered: u16,
}

impl OutStream {
    pub(crate) fn new(value: Vec<u8>) -> Self {
        Self {
            value,
            cursor: 0,
            unanswered: 0,
        }
    }

    /// Paused after a full cycle of `n` shards without an answer from the peer.
    fn paused(&self, d: usize) -> bool {
        usize::from(self.unanswered) >= erasure::total_shards(self.value.len(), d)
    }

    fn next(&mut self, kind: ChunkKind, seq: u32, d: usize) -> Result<PqChunk> {
        let n = erasure::total_shards(self.value.len(), d);
        let index = self.cursor;
        let data = erasure::shard(&self.value, d, usize::from(index))?;
        self.cursor = u8::try_from((usize::from(index) + 1) % n).unwrap_or(0);
        self.unanswered = self.unanswered.saturating_add(1);
        Ok(PqChunk {
            kind,
            seq,
            index,
            data,
        })
    }
}

/// Our outgoing pipeline, for key `Pq::own_seq`.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum Own {
    /// No key in flight; the next starts when the cadence says.
    Idle,
    /// Key in flight: its key-generation seed (`d ‖ z` for ML-KEM), its shards still to
    /// send (`None` once a ciphertext shard came back), the ciphertext shards received.
    Sending {
        seed: SecretBytes,
        key: Option<OutStream>,
        ciphertext: ShardBuffer,
    },
    /// Decapsulated: the secret mixes at our next sending DH step.
    Ready { ss: SecretBytes },
}

/// The peer's pipeline as we serve it, for key `Pq::serve_seq`.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum Serve {
    /// Collecting the shards of the peer's key.
    Collecting { key: ShardBuffer },
    /// The peer's key, decoded and checked: we encapsulate when we next send.
    Encapsulate { key: Vec<u8> },
    /// Encapsulated: the ciphertext's shards go out; the secret waits for the peer's
    /// `pqMix`.
    Answering {
        ss: SecretBytes,
        ciphertext: OutStream,
    },
}

/// Both pipelines and the count of completed steps.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Pq {
    pub(crate) own: Own,
    /// Sequence number of our latest key (0 before the first).
    pub(crate) own_seq: u32,
    pub(crate) serve: Serve,
    /// Sequence number of the peer's key we collect or answer (from 1).
    pub(crate) serve_seq: u32,
    /// Completed post-quantum steps, both pipelines.
    pub(crate) steps: u64,
    /// When both streams have a shard to send: the ciphertext's turn.
    pub(crate) ciphertext_turn: bool,
}

impl Default for Pq {
    fn default() -> Self {
        Self {
            own: Own::Idle,
            own_seq: 0,
            serve: Serve::Collecting {
                key: ShardBuffer::default(),
            },
            serve_seq: 1,
            steps: 0,
            ciphertext_turn: false,
        }
    }
}

impl Pq {
    /// At a sending DH step: the secret of our completed pipeline step, if any, with its
    /// sequence number (the chain's `pqMix`). Counts the step.
    pub(crate) fn take_mix(
        &mut self,
        clock: &mut KemClock,
        now: u64,
    ) -> Option<(SecretBytes, u32)> {
        if !matches!(self.own, Own::Ready { .. }) {
            return None;
        }
        let Own::Ready { ss } = core::mem::replace(&mut self.own, Own::Idle) else {
            return None;
        };
        self.steps = self.steps.saturating_add(1);
        clock.reset(now);
        Some((ss, self.own_seq))
    }

    /// The secret a receiving DH step with `pqMix = seq` mixes: ours for the peer's key
    /// `seq` (`AUTH_FAILED` when we have none: the message cannot be ours to open).
    pub(crate) fn mix_secret(&self, seq: u32) -> Result<&SecretBytes> {
        match &self.serve {
            Serve::Answering { ss, .. } if self.serve_seq == seq => Ok(ss),
            _ => Err(Error::AuthenticationFailed),
        }
    }

    /// The peer's chain mixed our secret for its key `serve_seq`: collect its next key.
    pub(crate) fn peer_mixed(&mut self) {
        self.serve = Serve::Collecting {
            key: ShardBuffer::default(),
        };
        self.serve_seq = self.serve_seq.saturating_add(1);
        self.steps = self.steps.saturating_add(1);
    }

    /// Before a (non-first) message is sent: start our next key when the cadence (or a
    /// forced step) says so, and encapsulate to a peer's key decoded since.
    pub(crate) fn before_send(
        &mut self,
        suite: KemSuite,
        cadence: KemCadence,
        clock: &mut KemClock,
        now: u64,
        rng: &mut dyn RandomSource,
    ) -> Result<()> {
        let backend = kem::backend(suite);
        let lengths = backend.lengths();
        if let Serve::Encapsulate { key } = &self.serve {
            let mut r = Zeroizing::new(vec![0u8; lengths.encapsulation_randomness]);
            rng.fill(&mut r)?;
            let enc = backend.encapsulate(key, Some(&r))?;
            self.serve = Serve::Answering {
                ss: enc.shared_secret,
                ciphertext: OutStream::new(enc.cipher_text),
            };
        }
        if matches!(self.own, Own::Idle) && cadence.is_due(clock, now) {
            let mut seed = Zeroizing::new(vec![0u8; lengths.keygen_seed]);
            rng.fill(&mut seed)?;
            let (public_key, _) = backend.keygen(Some(&seed))?;
            self.own = Own::Sending {
                seed: SecretBytes::from_slice(&seed),
                key: Some(OutStream::new(public_key)),
                ciphertext: ShardBuffer::default(),
            };
            self.own_seq = self.own_seq.saturating_add(1);
            clock.forced = false;
        }
        Ok(())
    }

    /// The shard this message carries, if any: our key's or our ciphertext's, taking
    /// turns when both have one; a stream that sent a full cycle without an answer
    /// from the peer is paused.
    pub(crate) fn next_chunk(&mut self, d: usize) -> Result<Option<PqChunk>> {
        let key = match &mut self.own {
            Own::Sending { key: Some(k), .. } if !k.paused(d) => Some(k),
            _ => None,
        };
        let ct = match &mut self.serve {
            Serve::Answering { ciphertext, .. } if !ciphertext.paused(d) => Some(ciphertext),
            _ => None,
        };
        let both = key.is_some() && ct.is_some();
        let use_ct = ct.is_some() && (key.is_none() || self.ciphertext_turn);
        let chunk = match (use_ct, key, ct) {
            (true, _, Some(c)) => Some(c.next(ChunkKind::Ciphertext, self.serve_seq, d)?),
            (false, Some(k), _) => Some(k.next(ChunkKind::Key, self.own_seq, d)?),
            _ => None,
        };
        if both {
            self.ciphertext_turn = !use_ct;
        }
        Ok(chunk)
    }

    /// An authenticated message from the peer arrived: paused streams resume.
    pub(crate) fn answered(&mut self) {
        if let Own::Sending { key: Some(k), .. } = &mut self.own {
            k.unanswered = 0;
        }
        if let Serve::Answering { ciphertext, .. } = &mut self.serve {
            ciphertext.unanswered = 0;
        }
    }

    /// An authenticated message's chunk. A shard for a step not in progress (stale or
    /// unknown sequence number, or a pipeline in another phase) is ignored. `k` shards
    /// of the peer's key decode to a key that must pass the FIPS 203 check
    /// (`INVALID_KEY`); `k` shards of our ciphertext are decapsulated.
    pub(crate) fn receive_chunk(&mut self, suite: KemSuite, d: usize, c: &PqChunk) -> Result<()> {
        let backend = kem::backend(suite);
        let lengths = backend.lengths();
        match c.kind {
            ChunkKind::Key => {
                let Serve::Collecting { key } = &mut self.serve else {
                    return Ok(());
                };
                if c.seq != self.serve_seq || !key.add(d, c.index, &c.data) {
                    return Ok(());
                }
                if let Some(value) = key.decode(lengths.public_key, d)? {
                    backend.check_public_key(&value)?;
                    self.serve = Serve::Encapsulate { key: value };
                }
            }
            ChunkKind::Ciphertext => {
                let Own::Sending {
                    seed,
                    key,
                    ciphertext,
                } = &mut self.own
                else {
                    return Ok(());
                };
                if c.seq != self.own_seq {
                    return Ok(());
                }
                *key = None;
                if !ciphertext.add(d, c.index, &c.data) {
                    return Ok(());
                }
                if let Some(ct) = ciphertext.decode(lengths.cipher_text, d)? {
                    let (_, secret_key) = backend.keygen(Some(seed.expose()))?;
                    let ss = backend.decapsulate(&ct, secret_key.expose())?;
                    self.own = Own::Ready { ss };
                }
            }
        }
        Ok(())
    }

    /// Checks a chunk against the session before any cryptography: data of `d` bytes
    /// (`BAD_LENGTH`) and an index below `n` of its kind (`INVALID_FIELD`).
    pub(crate) fn check_chunk(suite: KemSuite, d: usize, c: &PqChunk) -> Result<()> {
        Error::check_len("pqChunk data", d, c.data.len())?;
        let lengths = kem::backend(suite).lengths();
        let len = match c.kind {
            ChunkKind::Key => lengths.public_key,
            ChunkKind::Ciphertext => lengths.cipher_text,
        };
        if usize::from(c.index) >= erasure::total_shards(len, d) {
            return Err(erasure::bad_index());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::random::SeededRandom;

    const D: usize = 64;

    #[test]
    fn streams_take_turns_and_pause_after_a_cycle() {
        let mut pq = Pq {
            own: Own::Sending {
                seed: SecretBytes::from_slice(&[1; 64]),
                key: Some(OutStream::new(vec![2; 100])),
                ciphertext: ShardBuffer::default(),
            },
            own_seq: 1,
            serve: Serve::Answering {
                ss: SecretBytes::from_slice(&[3; 32]),
                ciphertext: OutStream::new(vec![4; 130]),
            },
            ..Pq::default()
        };
        let kinds: Vec<ChunkKind> = (0..4)
            .map(|_| pq.next_chunk(D).unwrap().unwrap().kind)
            .collect();
        use ChunkKind::{Ciphertext as C, Key as K};
        assert_eq!(kinds, [K, C, K, C]);
        // The key (n = 4) has sent 2, the ciphertext (n = 6) 2: after 4 more turns the key
        // pauses and the ciphertext goes on alone until its cycle ends too.
        let rest: Vec<ChunkKind> = (0..6)
            .map(|_| pq.next_chunk(D).unwrap().unwrap().kind)
            .collect();
        assert_eq!(rest, [K, C, K, C, C, C]);
        assert!(pq.next_chunk(D).unwrap().is_none());
        pq.answered();
        assert!(pq.next_chunk(D).unwrap().is_some());
    }

    #[test]
    fn a_peer_key_failing_the_fips_203_check_is_invalid_key() {
        let suite = KemSuite::MlKem768;
        let len = kem::backend(suite).lengths().public_key;
        let bad = vec![0xFF; len];
        let mut pq = Pq::default();
        let k = erasure::data_shards(len, D);
        for i in 0..k {
            let data = erasure::shard(&bad, D, i).unwrap();
            let c = PqChunk {
                kind: ChunkKind::Key,
                seq: 1,
                index: u8::try_from(i).unwrap(),
                data,
            };
            let r = pq.receive_chunk(suite, D, &c);
            if i + 1 < k {
                r.unwrap();
            } else {
                assert_eq!(r.unwrap_err().code(), "INVALID_KEY");
            }
        }
    }

    #[test]
    fn a_full_exchange_between_two_pipelines_agrees_on_the_secret() {
        let suite = KemSuite::MlKem512;
        let (mut a, mut b) = (Pq::default(), Pq::default());
        let mut clock = KemClock::started(0);
        let mut rng = SeededRandom::new([5; 32]);
        a.before_send(suite, KemCadence::Continuous, &mut clock, 0, &mut rng)
            .unwrap();
        while !matches!(b.serve, Serve::Encapsulate { .. }) {
            let c = a.next_chunk(D).unwrap().unwrap();
            b.receive_chunk(suite, D, &c).unwrap();
        }
        let mut clock_b = KemClock::started(0);
        b.before_send(
            suite,
            KemCadence::EveryMessages(9),
            &mut clock_b,
            0,
            &mut rng,
        )
        .unwrap();
        while !matches!(a.own, Own::Ready { .. }) {
            let c = b.next_chunk(D).unwrap().unwrap();
            assert_eq!(c.kind, ChunkKind::Ciphertext);
            a.receive_chunk(suite, D, &c).unwrap();
        }
        let (ss, seq) = a.take_mix(&mut clock, 1).unwrap();
        assert_eq!(seq, 1);
        assert_eq!(b.mix_secret(1).unwrap(), &ss);
        assert!(b.mix_secret(2).is_err());
        b.peer_mixed();
        assert_eq!((a.steps, b.steps, b.serve_seq), (1, 1, 2));
    }
}
