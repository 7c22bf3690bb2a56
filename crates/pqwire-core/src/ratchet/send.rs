//! Encrypting: the sending half of the asymmetric step (protocol.md §5.3) and the
//! sending chain.

use zeroize::Zeroizing;

use super::chains::{NextSend, SendingChain};
use super::header::{Header, KemCiphertext};
use super::kdf::{kdf_ck, kdf_rk, kem_key_id, message_keys};
use super::state::{DhKeyPair, OwnKemKey, RatchetState};
use crate::random::{OsRandom, RandomSource};
use crate::{aead, kem, x25519, Error, Result, SecretBytes};

/// An asymmetric step computed but not yet applied.
struct SendStep {
    dh: DhKeyPair,
    root_key: SecretBytes,
    chain_key: SecretBytes,
    /// `PN` of the new chain.
    previous_length: u32,
    kem_step: bool,
    pending_ct: Option<KemCiphertext>,
    new_kem: Option<OwnKemKey>,
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
    /// ratchet key, a KEM encapsulation when the cadence says so (or one was forced) and
    /// the peer's KEM key is known, a new KEM key on a KEM step or when there is none.
    /// Randomness comes from `rng` (see [`RandomSource`] for the order it is drawn in).
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
        let plan = match self.chains.next_send() {
            NextSend::Step {
                peer,
                previous_length,
            } => Plan::Step(self.plan_send_step(peer, previous_length, now, rng)?),
            NextSend::Chain(c) => Plan::Chain(c),
        };
        let (chain_key, counter, header) = match &plan {
            Plan::Step(s) => (
                &s.chain_key,
                0,
                Header {
                    ratchet_key: *s.dh.public_key(),
                    previous_chain_length: s.previous_length,
                    counter: 0,
                    kem_key: s.new_kem.as_ref().map(OwnKemKey::public),
                    kem_ciphertext: s.pending_ct.clone(),
                    associated_data: associated_data.to_vec(),
                },
            ),
            Plan::Chain(c) => (
                &c.chain_key,
                c.counter,
                Header {
                    ratchet_key: *c.ratchet_key.public_key(),
                    previous_chain_length: c.previous_length,
                    counter: c.counter,
                    kem_key: self.advertised_kem_key(),
                    kem_ciphertext: c.kem_ciphertext.clone(),
                    associated_data: associated_data.to_vec(),
                },
            ),
        };
        let next_counter = counter.checked_add(1).ok_or(Error::InvalidArgument {
            what: "sending chain exhausted (2^32 - 1 messages): wait for the peer's reply",
        })?;
        header.check_lengths(self.kem)?;
        let (next_chain_key, message_key) = kdf_ck(chain_key.expose())?;
        let keys = message_keys(message_key.expose())?;
        let ad = header.aead_associated_data(&self.session_id, self.kem, self.aead);
        let ciphertext =
            aead::algorithm(self.aead).seal(keys.key.expose(), &keys.nonce, plaintext, &ad)?;

        // Commit: nothing below can fail.
        match plan {
            Plan::Step(s) => self.apply_send_step(s, next_chain_key, now),
            Plan::Chain(_) => {
                if let Some(chain) = self.chains.sending_mut() {
                    chain.chain_key = next_chain_key;
                    chain.counter = next_counter;
                }
            }
        }
        self.kem_clock.count_message();
        self.purge(now);
        self.bump_epoch();
        Ok((header, ciphertext))
    }

    /// Our KEM public key when the current sending chain advertises it.
    fn advertised_kem_key(&self) -> Option<super::KemPublicKey> {
        self.kem_self
            .as_ref()
            .filter(|k| k.advertised)
            .map(OwnKemKey::public)
    }

    /// Computes the asymmetric step of protocol.md §5.3 without changing the state.
    fn plan_send_step(
        &self,
        peer: &[u8; 32],
        previous_length: u32,
        now: u64,
        rng: &mut dyn RandomSource,
    ) -> Result<SendStep> {
        let backend = kem::backend(self.kem);
        let lengths = backend.lengths();

        let mut dh_seed = Zeroizing::new([0u8; x25519::KEY_LEN]);
        rng.fill(dh_seed.as_mut())?;
        let own = DhKeyPair::from_bytes(dh_seed.as_ref())?;
        let dh = own.shared_secret(peer)?;

        let kem_step =
            self.kem_remote.is_some() && self.config.cadence.is_due(&self.kem_clock, now);
        let (ss, pending_ct) = match (&self.kem_remote, kem_step) {
            (Some(remote), true) => {
                let mut r = Zeroizing::new(vec![0u8; lengths.encapsulation_randomness]);
                rng.fill(&mut r)?;
                let enc = backend.encapsulate(&remote.public_key, Some(&r))?;
                let ct = KemCiphertext {
                    key_id: remote.key_id,
                    ciphertext: enc.cipher_text,
                };
                (enc.shared_secret, Some(ct))
            }
            _ => (SecretBytes::default(), None),
        };

        let new_kem = if kem_step || self.kem_self.is_none() {
            let mut seed = Zeroizing::new(vec![0u8; lengths.keygen_seed]);
            rng.fill(&mut seed)?;
            let (public_key, secret_key) = backend.keygen(Some(&seed))?;
            Some(OwnKemKey {
                key_id: kem_key_id(self.kem, &public_key),
                public_key,
                secret_key,
                advertised: true,
            })
        } else {
            None
        };

        let (root_key, chain_key) = kdf_rk(self.root_key.expose(), dh.expose(), ss.expose())?;
        Ok(SendStep {
            dh: own,
            root_key,
            chain_key,
            previous_length,
            kem_step,
            pending_ct,
            new_kem,
        })
    }

    /// Applies a computed step: its sending chain, at the key after its first message.
    fn apply_send_step(&mut self, s: SendStep, chain_key: SecretBytes, now: u64) {
        self.chains.start_sending(SendingChain {
            ratchet_key: s.dh,
            chain_key,
            counter: 1,
            previous_length: s.previous_length,
            kem_ciphertext: s.pending_ct,
        });
        self.root_key = s.root_key;
        match (s.new_kem, &mut self.kem_self) {
            (Some(k), _) => self.kem_self = Some(k),
            (None, Some(k)) => k.advertised = false,
            (None, None) => {}
        }
        if s.kem_step {
            self.kem_clock.reset(now);
            self.kem_clock.forced = false;
        }
    }
}
