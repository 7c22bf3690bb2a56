//! The ratchet state of protocol.md §5.1, its initialisation, and its accessors.

use super::cadence::KemClock;
use super::chains::{Chains, ReceivingChain, SendingChain};
use super::config::RatchetConfig;
use super::kdf::KEY_LEN;
use super::pipeline::Pq;
use super::skipped::SkippedKeys;
use crate::suite::{AeadSuite, KemSuite};
use crate::{x25519, Error, Result, SecretBytes};

/// An X25519 ratchet key pair (`DHs`), loaded once for the agreements it takes part in.
pub(crate) type DhKeyPair = x25519::StaticSecret;

/// What both parties take from the handshake (protocol.md §4.1 step 7, §4.3 step 4).
/// `Debug` shows the suites and the time, never the keys.
#[derive(Clone, Copy)]
pub struct RatchetInit<'a> {
    /// `RK0`, 32 bytes.
    pub root_key: &'a [u8],
    /// `CKs0`, 32 bytes: the responder's first sending chain, under `SPK_B`
    /// (the initiator's receiving chain for `SPK_B`).
    pub chain_key: &'a [u8],
    /// [`super::kdf::session_id`] of the handshake's `AD_KEY`.
    pub session_id: [u8; 32],
    /// The negotiated KEM suite: every ratchet KEM key and ciphertext is of this suite.
    pub kem: KemSuite,
    /// The negotiated AEAD suite.
    pub aead: AeadSuite,
    /// Cadence and skipped-key limits.
    pub config: RatchetConfig,
    /// The time of the handshake (unix seconds): the cadence's clock starts here.
    pub now: u64,
}

impl core::fmt::Debug for RatchetInit<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RatchetInit")
            .field("kem", &self.kem)
            .field("aead", &self.aead)
            .field("config", &self.config)
            .field("now", &self.now)
            .field("keys", &"[REDACTED]")
            .finish()
    }
}

/// The state of one party of a hybrid double ratchet session (protocol.md §5.1).
///
/// A value: [`Clone`] copies it (secrets included), `==` compares every field (secrets
/// in constant time), `Debug` shows counters and flags only. Every secret is held in a
/// [`SecretBytes`], zeroized when the state (or a copy) is dropped.
#[derive(Clone, PartialEq, Eq)]
pub struct RatchetState {
    pub(super) kem: KemSuite,
    pub(super) aead: AeadSuite,
    pub(super) session_id: [u8; 32],
    pub(super) config: RatchetConfig,
    /// `RK`.
    pub(super) root_key: SecretBytes,
    /// The sending and receiving chains, and whether the next send steps.
    pub(super) chains: Chains,
    /// The post-quantum pipelines (§5.6).
    pub(super) pq: Pq,
    /// Skipped message keys and receive history.
    pub(super) skipped: SkippedKeys,
    /// The cadence's counters.
    pub(super) kem_clock: KemClock,
    /// `epoch`.
    pub(super) epoch: u64,
}

impl RatchetState {
    /// The initiator (Alice) after the handshake. `peer_ratchet_key` is Bob's signed
    /// prekey `SPK_B`, his first ratchet key. Alice's first [`RatchetState::encrypt`]
    /// performs the first asymmetric step and carries no post-quantum field (it travels
    /// in the initial message); her pipeline starts with her next message.
    pub fn init_initiator(init: RatchetInit<'_>, peer_ratchet_key: &[u8]) -> Result<Self> {
        let peer: [u8; 32] = crate::random::fixed("peer ratchet public key", peer_ratchet_key)?;
        // Refuse a low-order key now rather than at the first send.
        if x25519::is_low_order(&peer) {
            return Err(Error::NonContributory);
        }
        let chains = Chains::ReceiveOnly(ReceivingChain {
            ratchet_key: peer,
            chain_key: SecretBytes::from_slice(init.chain_key),
            counter: 0,
        });
        Self::common(init, chains)
    }

    /// The responder (Bob) after the handshake. `own_ratchet_secret_key` is the secret
    /// key of his signed prekey `SPK_B`, his first ratchet key; the KEM prekey Alice
    /// encapsulated to has done its work in the handshake and is not needed here.
    pub fn init_responder(init: RatchetInit<'_>, own_ratchet_secret_key: &[u8]) -> Result<Self> {
        let chains = Chains::SendOnly(SendingChain {
            ratchet_key: DhKeyPair::from_bytes(own_ratchet_secret_key)?,
            chain_key: SecretBytes::from_slice(init.chain_key),
            counter: 0,
            previous_length: 0,
            pq_mix: None,
        });
        Self::common(init, chains)
    }

    fn common(init: RatchetInit<'_>, chains: Chains) -> Result<Self> {
        Error::check_len("ratchet root key", KEY_LEN, init.root_key.len())?;
        Error::check_len("ratchet chain key", KEY_LEN, init.chain_key.len())?;
        init.config.validate()?;
        Ok(Self {
            kem: init.kem,
            aead: init.aead,
            session_id: init.session_id,
            config: init.config,
            root_key: SecretBytes::from_slice(init.root_key),
            chains,
            pq: Pq::default(),
            skipped: SkippedKeys::default(),
            kem_clock: KemClock::started(init.now),
            epoch: 0,
        })
    }

    /// Requests a post-quantum step (for `rekeyAllSessions`): our pipeline starts its
    /// next key with our next message whatever the cadence says (at once when no key of
    /// ours is in flight, else as soon as the one in flight completed its step).
    pub fn force_kem_step(&mut self) {
        if !self.kem_clock.forced {
            self.kem_clock.forced = true;
            self.bump_epoch();
        }
    }

    /// Deletes the stored skipped keys older than the maximum age; returns how many
    /// remain. Encrypting and decrypting do this too.
    pub fn purge_expired(&mut self, now: u64) -> usize {
        if self.purge(now) {
            self.bump_epoch();
        }
        self.skipped.len()
    }

    /// The epoch: 0 after initialisation, +1 on every change of the state.
    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// The KEM suite of the session.
    pub fn kem_suite(&self) -> KemSuite {
        self.kem
    }

    /// The AEAD suite of the session.
    pub fn aead_suite(&self) -> AeadSuite {
        self.aead
    }

    /// The session id bound into every message.
    pub fn session_id(&self) -> &[u8; 32] {
        &self.session_id
    }

    /// The policy of the session.
    pub fn config(&self) -> &RatchetConfig {
        &self.config
    }

    /// Number of skipped message keys currently stored.
    pub fn skipped_keys(&self) -> usize {
        self.skipped.len()
    }

    /// Whether a requested step ([`RatchetState::force_kem_step`]) has not started its key yet.
    pub fn kem_step_forced(&self) -> bool {
        self.kem_clock.forced
    }

    /// Completed post-quantum steps (§5.6): both pipelines, each step counted once by
    /// both parties (the key sender when its sending chain mixes the secret, the peer
    /// when it receives that chain).
    pub fn pq_steps(&self) -> u64 {
        self.pq.steps
    }

    pub(super) fn purge(&mut self, now: u64) -> bool {
        self.skipped.purge(
            now,
            self.config.max_skipped_age,
            self.config.max_skipped_keys,
        )
    }

    pub(super) fn bump_epoch(&mut self) {
        self.epoch = self.epoch.saturating_add(1);
    }
}

impl core::fmt::Debug for RatchetState {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RatchetState")
            .field("kem", &self.kem)
            .field("aead", &self.aead)
            .field("epoch", &self.epoch)
            .field(
                "send_counter",
                &self.chains.sending().map_or(0, |c| c.counter),
            )
            .field(
                "previous_chain_length",
                &self.chains.sending().map_or(0, |c| c.previous_length),
            )
            .field(
                "recv_counter",
                &self.chains.receiving().map_or(0, |c| c.counter),
            )
            .field("send_step_due", &self.chains.step_due())
            .field("pq_steps", &self.pq.steps)
            .field("pq_own_seq", &self.pq.own_seq)
            .field("pq_serve_seq", &self.pq.serve_seq)
            .field("skipped_keys", &self.skipped.len())
            .field("secrets", &"[REDACTED]")
            .finish()
    }
}
