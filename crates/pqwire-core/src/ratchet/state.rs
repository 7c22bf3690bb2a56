//! The ratchet state of protocol.md §5.1, its initialisation, and its accessors.

use super::cadence::KemClock;
use super::chains::{Chains, ReceivingChain, SendingChain};
use super::config::RatchetConfig;
use super::header::KemPublicKey;
use super::kdf::KEY_LEN;
use super::skipped::SkippedKeys;
use crate::suite::{AeadSuite, KemSuite};
use crate::wire::KeyId;
use crate::{x25519, Error, Result, SecretBytes};

/// An X25519 ratchet key pair (`DHs`), loaded once for the agreements it takes part in.
pub(crate) type DhKeyPair = x25519::StaticSecret;

/// Our ratchet KEM key pair (`KEMs`), with the key id it is advertised under.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct OwnKemKey {
    pub(crate) key_id: KeyId,
    pub(crate) public_key: Vec<u8>,
    pub(crate) secret_key: SecretBytes,
    /// Whether the messages of the current sending chain advertise it (the chain's step
    /// generated it).
    pub(crate) advertised: bool,
}

impl OwnKemKey {
    /// The key as a header advertises it.
    pub(crate) fn public(&self) -> KemPublicKey {
        KemPublicKey {
            key_id: self.key_id,
            public_key: self.public_key.clone(),
        }
    }
}

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
    /// `KEMs`: our ratchet KEM key, from our first step on.
    pub(super) kem_self: Option<OwnKemKey>,
    /// `KEMr`: the peer's, once a header advertised one.
    pub(super) kem_remote: Option<KemPublicKey>,
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
    /// performs the first asymmetric step (never a KEM step: the handshake has just
    /// encapsulated to Bob's KEM prekey) and advertises her first ratchet KEM key.
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
            kem_ciphertext: None,
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
            kem_self: None,
            kem_remote: None,
            skipped: SkippedKeys::default(),
            kem_clock: KemClock::started(init.now),
            epoch: 0,
        })
    }

    /// Requests a KEM step: the next asymmetric step this party performs carries a KEM
    /// encapsulation whatever the cadence says (for `rekeyAllSessions`). The step
    /// happens at the first send after the peer's next ratchet key arrived (at once on
    /// the next send when one has arrived already), and needs the peer's KEM key.
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

    /// Whether a requested KEM step ([`RatchetState::force_kem_step`]) is still pending.
    pub fn kem_step_forced(&self) -> bool {
        self.kem_clock.forced
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
            .field("has_kem_key", &self.kem_self.is_some())
            .field("has_peer_kem_key", &self.kem_remote.is_some())
            .field("skipped_keys", &self.skipped.len())
            .field("secrets", &"[REDACTED]")
            .finish()
    }
}
