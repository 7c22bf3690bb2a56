//! Encrypting: the sending half of the asymmetric step (protocol.md §5.3), the sending
//! chain, and the post-quantum pipelines' sending side (§5.6).

use zeroize::Zeroizing;

use super::chains::{Chains, NextSend, SendingChain};
use super::header::Header;
use super::kdf::{kdf_ck, kdf_rk, message_keys};
use super::pipeline::Pq;
use super::state::{DhKeyPair, RatchetState};
use crate::random::{OsRandom, RandomSource};
use crate::{aead, x25519, Error, Result, SecretBytes};

/// An asymmetric step computed but not yet applied.
struct SendStep {
    dh: DhKeyPair,
    root_key: SecretBytes,
    chain_key: SecretBytes,
    /// `PN` of the new chain.
    previous_length: u32,
    /// `pqMix` of the new chain.
    pq_mix: Option<u32>,
}

/// What [`RatchetState::encrypt_with`] sends with: a step's new chain, or the current one.
/// Lives on the stack for one call, so the size difference of the variants does not
/// matter.
#[allow(clippy::large_enum_variant)]
enum Plan<'a> {
    Step(SendStep),
    Chain(&'a SendingChain),
}

impl RatchetState {
    /// Encrypts `plaintext` with randomness from the operating system; see
    /// [`RatchetState::encrypt_with`].
    pub fn encrypt(
        &mut self,
        plaintext: &[u8],
        associated_data: &[u8],
        now: u64,
    ) -> Result<(Header, Vec<u8>)> {
        self.encrypt_with(plaintext, associated_data, now, &mut OsRandom)
    }

    /// Encrypts `plaintext`; `associated_data` travels in the header, authenticated and
    /// not encrypted. Returns the header and the AEAD ciphertext (plaintext length + 16).
    ///
    /// When the peer's new ratchet key arrived since our last step (and at the
    /// initiator's first message), this first performs an asymmetric step: a new
    /// ratchet key, and the secret of our completed post-quantum pipeline step when
    /// there is one (the chain then carries `pqMix`). Every message but the initiator's
    /// first then runs the pipelines (§5.6): our next key starts when the cadence says,
    /// a peer's key decoded since is encapsulated to, and the message carries at most
    /// one shard (`pqChunk`). Randomness comes from `rng`, drawn in this order: the
    /// ratchet key's seed, the encapsulation's randomness, the new key's seed.
    /// `now` (unix seconds) feeds the cadence and the expiry of skipped keys.
    ///
    /// On error the state is unchanged.
    pub fn encrypt_with(
        &mut self,
        plaintext: &[u8],
        associated_data: &[u8],
        now: u64,
        rng: &mut dyn RandomSource,
    ) -> Result<(Header, Vec<u8>)> {
        let first = matches!(self.chains, Chains::ReceiveOnly(_));
        let mut pq = self.pq.clone();
        let mut clock = self.kem_clock;
        let plan = match self.chains.next_send() {
            NextSend::Step {
                peer,
                previous_length,
            } => {
                let mix = pq.take_mix(&mut clock, now);
                Plan::Step(self.plan_send_step(peer, previous_length, mix, rng)?)
            }
            NextSend::Chain(c) => Plan::Chain(c),
        };
        let pq_chunk = if first {
            None
        } else {
            let cadence = self.config.cadence;
            pq.before_send(self.kem, cadence, &mut clock, now, rng)?;
            pq.next_chunk(usize::from(self.config.pq_chunk_len))?
        };
        let (chain_key, counter, ratchet_key, previous_length, pq_mix) = match &plan {
            Plan::Step(s) => (
                &s.chain_key,
                0,
                *s.dh.public_key(),
                s.previous_length,
                s.pq_mix,
            ),
            Plan::Chain(c) => (
                &c.chain_key,
                c.counter,
                *c.ratchet_key.public_key(),
                c.previous_length,
                c.pq_mix,
            ),
        };
        let header = Header {
            ratchet_key,
            previous_chain_length: previous_length,
            counter,
            pq_chunk,
            pq_mix,
            associated_data: associated_data.to_vec(),
        };
        let next_counter = counter.checked_add(1).ok_or(Error::InvalidArgument {
            what: "sending chain exhausted (2^32 - 1 messages): wait for the peer's reply",
        })?;
        header.check_lengths(self.kem, usize::from(self.config.pq_chunk_len))?;
        let (next_chain_key, message_key) = kdf_ck(chain_key.expose())?;
        let keys = message_keys(message_key.expose())?;
        let ad = header.aead_associated_data(&self.session_id, self.kem, self.aead);
        let ciphertext =
            aead::algorithm(self.aead).seal(keys.key.expose(), &keys.nonce, plaintext, &ad)?;

        // Commit: nothing below can fail.
        match plan {
            Plan::Step(s) => self.apply_send_step(s, next_chain_key),
            Plan::Chain(_) => {
                if let Some(chain) = self.chains.sending_mut() {
                    chain.chain_key = next_chain_key;
                    chain.counter = next_counter;
                }
            }
        }
        self.commit_pq(pq, clock);
        self.kem_clock.count_message();
        self.purge(now);
        self.bump_epoch();
        Ok((header, ciphertext))
    }

    /// Replaces the pipelines and the cadence's clock with a copy worked on.
    pub(super) fn commit_pq(&mut self, pq: Pq, clock: super::cadence::KemClock) {
        self.pq = pq;
        self.kem_clock = clock;
    }

    /// Computes the asymmetric step of protocol.md §5.3 without changing the state:
    /// `RK, CKs = KDF_RK(RK, dh, ss)` with `ss` our pipeline's secret or empty.
    fn plan_send_step(
        &self,
        peer: &[u8; 32],
        previous_length: u32,
        mix: Option<(SecretBytes, u32)>,
        rng: &mut dyn RandomSource,
    ) -> Result<SendStep> {
        let mut dh_seed = Zeroizing::new([0u8; x25519::KEY_LEN]);
        rng.fill(dh_seed.as_mut())?;
        let own = DhKeyPair::from_bytes(dh_seed.as_ref())?;
        let dh = own.shared_secret(peer)?;
        let (ss, pq_mix) = match mix {
            Some((ss, seq)) => (ss, Some(seq)),
            None => (SecretBytes::default(), None),
        };
        let (root_key, chain_key) = kdf_rk(self.root_key.expose(), dh.expose(), ss.expose())?;
        Ok(SendStep {
            dh: own,
            root_key,
            chain_key,
            previous_length,
            pq_mix,
        })
    }

    /// Applies a computed step: its sending chain, at the key after its first message.
    fn apply_send_step(&mut self, s: SendStep, chain_key: SecretBytes) {
        self.chains.start_sending(SendingChain {
            ratchet_key: s.dh,
            chain_key,
            counter: 1,
            previous_length: s.previous_length,
            pq_mix: s.pq_mix,
        });
        self.root_key = s.root_key;
    }
}
