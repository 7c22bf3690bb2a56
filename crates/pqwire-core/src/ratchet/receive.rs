//! Decrypting: the receiving half of the asymmetric step, the receiving chain, skipped
//! keys, the receiving rules of protocol.md §5.5 and the post-quantum pipelines'
//! receiving side (§5.6).
//!
//! Transactional: [`RatchetState::decrypt`] first computes, from `&self`, everything the
//! message would change (a [`Commit`]), opens the AEAD, and only then applies the
//! commit, which cannot fail. Any error before leaves the state as it was; the type
//! system guarantees it, since nothing before the commit holds `&mut self`.

use super::chains::ReceivingChain;
use super::header::Header;
use super::kdf::{kdf_ck, kdf_rk, message_keys};
use super::pipeline::Pq;
use super::skipped::Lookup;
use super::state::RatchetState;
use crate::{aead, Error, Result, SecretBytes};

/// The changes one authenticated message makes. Lives on the stack for one call, so
/// the size difference of the variants does not matter.
#[allow(clippy::large_enum_variant)]
enum Commit {
    /// The message used a stored skipped key, at this position.
    Skipped(usize),
    /// The message was on the current receiving chain or started a new one.
    Chain(ChainCommit),
}

struct ChainCommit {
    /// Set when the message started a new receiving chain.
    new_chain: Option<NewChain>,
    /// The chain's ratchet key.
    ratchet_key: [u8; 32],
    /// Message keys skipped in this chain.
    skipped: SkippedInChain,
    /// `CKr` after this message.
    chain_key: SecretBytes,
    /// `Nr` after this message.
    next_counter: u32,
}

/// Keys of a skipped message in one chain: `(counter, message key)`.
type SkippedInChain = Vec<(u32, SecretBytes)>;

/// The receiving chain a new ratchet key ends.
struct EndedChain {
    ratchet_key: [u8; 32],
    /// Its message keys skipped up to `PN`.
    skipped: SkippedInChain,
    /// Its length.
    length: u32,
}

struct NewChain {
    /// The receiving chain that ended, if there was one.
    old_chain: Option<EndedChain>,
    /// `RK` after the step.
    root_key: SecretBytes,
    /// The step mixed our secret for the peer's pipeline step (`pqMix`).
    pq_mixed: bool,
}

impl RatchetState {
    /// Decrypts a message. Transactional: on any error the state is exactly unchanged.
    ///
    /// Errors: `BAD_LENGTH` (chunk data not of the session's chunk size, or a
    /// ciphertext shorter than the tag), `INVALID_FIELD` (a chunk index at least `n`,
    /// or shards decoding to a value with non-zero padding), `AUTH_FAILED` (anything
    /// that does not authenticate, a `pqMix` we hold no secret for included, without
    /// saying what), `REPLAYED` (the message key was already used), `TOO_MANY_SKIPPED`
    /// (more than `max_skip` messages ahead in a chain), `STALE_MESSAGE` (its skipped
    /// key was deleted), `NON_CONTRIBUTORY` (a low-order ratchet key), `INVALID_KEY` (an
    /// authenticated chunk completing a peer key that fails the FIPS 203 check).
    pub fn decrypt(&mut self, header: &Header, ciphertext: &[u8], now: u64) -> Result<Vec<u8>> {
        let d = usize::from(self.config.pq_chunk_len);
        header.check_lengths(self.kem, d)?;
        if ciphertext.len() < aead::TAG_LEN {
            return Err(Error::BadLength {
                what: "ratchet message ciphertext (at least the tag)",
                expected: aead::TAG_LEN,
                actual: ciphertext.len(),
            });
        }
        let (plaintext, commit) = self.plan_receive(header, ciphertext, now)?;
        // Authenticated: the pipelines' part, on a copy.
        let mut pq = self.pq.clone();
        if let Commit::Chain(ChainCommit {
            new_chain: Some(NewChain { pq_mixed: true, .. }),
            ..
        }) = &commit
        {
            pq.peer_mixed();
        }
        pq.answered();
        if let Some(c) = &header.pq_chunk {
            pq.receive_chunk(self.kem, d, c)?;
        }
        self.apply_receive(commit, pq, now);
        Ok(plaintext)
    }

    fn plan_receive(
        &self,
        header: &Header,
        ciphertext: &[u8],
        now: u64,
    ) -> Result<(Vec<u8>, Commit)> {
        let key = &header.ratchet_key;
        let counter = header.counter;
        match self
            .skipped
            .lookup(key, counter, now, self.config.max_skipped_age)
        {
            Lookup::Usable(index, message_key) => {
                let plaintext = self.open(message_key, header, ciphertext)?;
                return Ok((plaintext, Commit::Skipped(index)));
            }
            Lookup::Stale => return Err(Error::StaleMessage),
            Lookup::Absent => {}
        }

        if let Some(current) = self.chains.receiving().filter(|c| c.ratchet_key == *key) {
            if counter < current.counter {
                return Err(Error::Replayed);
            }
            let (skipped, chain_key) = self.skip(&current.chain_key, current.counter, counter)?;
            let (plaintext, commit) =
                self.finish_chain(header, ciphertext, None, skipped, &chain_key)?;
            return Ok((plaintext, Commit::Chain(commit)));
        }

        if let Some(length) = self.skipped.past_chain_len(key) {
            return Err(if counter < length {
                Error::Replayed
            } else {
                Error::AuthenticationFailed
            });
        }

        self.plan_new_chain(header, ciphertext)
    }

    /// A new ratchet key: finish the current receiving chain up to `PN`, then step.
    fn plan_new_chain(&self, header: &Header, ciphertext: &[u8]) -> Result<(Vec<u8>, Commit)> {
        let counter = header.counter;
        let old_chain = match self.chains.receiving() {
            Some(old) => {
                let pn = header.previous_chain_length;
                let (skipped, _) = self.skip(&old.chain_key, old.counter, pn)?;
                Some(EndedChain {
                    ratchet_key: old.ratchet_key,
                    skipped,
                    length: pn.max(old.counter),
                })
            }
            None => None,
        };
        if counter > self.config.max_skip {
            return Err(Error::TooManySkipped {
                max: self.config.max_skip,
            });
        }
        let own = &self
            .chains
            .sending()
            .ok_or(Error::AuthenticationFailed)?
            .ratchet_key;
        let dh = own.shared_secret(&header.ratchet_key)?;
        let empty = SecretBytes::default();
        let ss = match header.pq_mix {
            Some(seq) => self.pq.mix_secret(seq)?,
            None => &empty,
        };
        let (root_key, chain_key) = kdf_rk(self.root_key.expose(), dh.expose(), ss.expose())?;
        let (skipped, chain_key) = self.skip(&chain_key, 0, counter)?;
        let new_chain = NewChain {
            old_chain,
            root_key,
            pq_mixed: header.pq_mix.is_some(),
        };
        let (plaintext, commit) =
            self.finish_chain(header, ciphertext, Some(new_chain), skipped, &chain_key)?;
        Ok((plaintext, Commit::Chain(commit)))
    }

    /// Decrypts with the chain key at the message's counter.
    fn finish_chain(
        &self,
        header: &Header,
        ciphertext: &[u8],
        new_chain: Option<NewChain>,
        skipped: SkippedInChain,
        chain_key: &SecretBytes,
    ) -> Result<(Vec<u8>, ChainCommit)> {
        let next_counter = header
            .counter
            .checked_add(1)
            .ok_or(Error::AuthenticationFailed)?;
        let (next_chain_key, message_key) = kdf_ck(chain_key.expose())?;
        let plaintext = self.open(&message_key, header, ciphertext)?;
        Ok((
            plaintext,
            ChainCommit {
                new_chain,
                ratchet_key: header.ratchet_key,
                skipped,
                chain_key: next_chain_key,
                next_counter,
            },
        ))
    }

    /// Derives the message keys `from..until` of a chain; returns them and the chain
    /// key at `until`. Refuses more than `max_skip` keys.
    fn skip(
        &self,
        chain_key: &SecretBytes,
        from: u32,
        until: u32,
    ) -> Result<(SkippedInChain, SecretBytes)> {
        if until <= from {
            return Ok((Vec::new(), chain_key.clone()));
        }
        if until - from > self.config.max_skip {
            return Err(Error::TooManySkipped {
                max: self.config.max_skip,
            });
        }
        let mut keys = Vec::with_capacity((until - from) as usize);
        let mut ck = chain_key.clone();
        for n in from..until {
            let (next, message_key) = kdf_ck(ck.expose())?;
            keys.push((n, message_key));
            ck = next;
        }
        Ok((keys, ck))
    }

    /// Opens the AEAD with the keys of `message_key` and the header's associated data.
    fn open(
        &self,
        message_key: &SecretBytes,
        header: &Header,
        ciphertext: &[u8],
    ) -> Result<Vec<u8>> {
        let keys = message_keys(message_key.expose())?;
        let ad = header.aead_associated_data(&self.session_id, self.kem, self.aead);
        aead::algorithm(self.aead).open(keys.key.expose(), &keys.nonce, ciphertext, &ad)
    }

    /// Applies the changes of an authenticated message. Cannot fail.
    fn apply_receive(&mut self, commit: Commit, pq: Pq, now: u64) {
        let max_keys = self.config.max_skipped_keys;
        match commit {
            Commit::Skipped(index) => self.skipped.remove(index),
            Commit::Chain(c) => {
                if let Some(step) = c.new_chain {
                    if let Some(old) = step.old_chain {
                        self.skipped
                            .insert(&old.ratchet_key, old.skipped, now, max_keys);
                        self.skipped.end_chain(&old.ratchet_key, old.length);
                    }
                    self.root_key = step.root_key;
                    self.chains.start_receiving(ReceivingChain {
                        ratchet_key: c.ratchet_key,
                        chain_key: c.chain_key,
                        counter: c.next_counter,
                    });
                } else if let Some(chain) = self.chains.receiving_mut() {
                    chain.chain_key = c.chain_key;
                    chain.counter = c.next_counter;
                }
                self.skipped
                    .insert(&c.ratchet_key, c.skipped, now, max_keys);
            }
        }
        self.pq = pq;
        self.kem_clock.count_message();
        self.purge(now);
        self.bump_epoch();
    }
}
