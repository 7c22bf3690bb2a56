//! [`Session`]: one party's end of an established session.

use crate::negotiation::Role;
use crate::pqxdh::HandshakeInfo;
use crate::random::{OsRandom, RandomSource};
use crate::ratchet::{KeyId, RatchetState};
use crate::wire::limits::MAX_PAYLOAD_LEN;
use crate::wire::{RatchetMessage, WireMessage};
use crate::{AeadSuite, Error, KemSuite, Result, SigSuite};

/// What the handshake settled for the session's lifetime: public values only.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionFacts {
    /// Whether we started the session.
    pub role: Role,
    /// The wire version.
    pub version: u8,
    /// The ratchet's KEM suite (the KEM prekey's).
    pub kem: KemSuite,
    /// The negotiated signature suite.
    pub sig: SigSuite,
    /// The AEAD suite.
    pub aead: AeadSuite,
    /// The feature bits both sides offered.
    pub features: u32,
    /// Whether the initiator signed the transcript with its hybrid identity key.
    pub hybrid_auth: bool,
    /// Whether the handshake used a KEM prekey (else the first keys rest on X25519 alone).
    pub post_quantum: bool,
    /// `TH`, the handshake transcript hash.
    pub transcript_hash: [u8; 32],
    /// Our identity's key id (fingerprint).
    pub local_identity: KeyId,
    /// The peer's identity, verified at the handshake, as its fingerprint: the key id of
    /// its signing key `IKsig`, which is derived from that key (protocol.md §2), so it
    /// names one identity. The session keeps no second copy of the identity's keys
    /// (several KB with ML-DSA): the handshake hands the whole identity to the caller
    /// once, for pinning (`Accepted::peer`, [`Session::initiate_with_peer`]), and the
    /// pin is where it lives.
    pub peer_identity: KeyId,
    /// When the handshake happened (unix seconds).
    pub established_at: u64,
}

impl SessionFacts {
    pub(crate) fn from_handshake(
        role: Role,
        local_identity: KeyId,
        info: &HandshakeInfo,
        now: u64,
    ) -> Self {
        Self {
            role,
            version: info.agreement.version,
            kem: info.kem,
            sig: info.agreement.sig,
            aead: info.agreement.aead,
            features: info.agreement.features,
            hybrid_auth: info.hybrid_auth,
            post_quantum: info.post_quantum,
            transcript_hash: info.transcript_hash,
            local_identity,
            peer_identity: info.peer.key_id(),
            established_at: now,
        }
    }
}

/// A decrypted ratchet message.
#[derive(Clone, PartialEq, Eq)]
pub struct Decrypted {
    /// The plaintext.
    pub plaintext: Vec<u8>,
    /// The application metadata the sender authenticated (not encrypted); empty if none.
    pub associated_data: Vec<u8>,
}

impl core::fmt::Debug for Decrypted {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Decrypted")
            .field("plaintext_len", &self.plaintext.len())
            .field("associated_data_len", &self.associated_data.len())
            .finish()
    }
}

/// One party's end of a session: the ratchet and the facts of the handshake. Messages go
/// in and out as encoded `ratchet-message` wire bytes. Every method that fails leaves
/// the session exactly as it was.
///
/// `Clone` copies the secrets (each copy zeroizes its own on drop); `Debug` shows none.
#[derive(Clone, PartialEq, Eq)]
pub struct Session {
    pub(super) facts: SessionFacts,
    pub(super) ratchet: RatchetState,
    /// Whether a message of the peer decrypted in this session: the responder's from the
    /// start (the initial message), the initiator's from the first reply. A session store
    /// uses it to tell a simultaneous initiation (docs/protocol.md §7).
    pub(super) peer_confirmed: bool,
}

impl Session {
    /// Builds a session from a handshake's outcome: confirmed for the responder (it
    /// decrypted the initial message), not yet for the initiator.
    pub fn from_parts(facts: SessionFacts, ratchet: RatchetState) -> Self {
        let peer_confirmed = facts.role == Role::Responder;
        Self {
            facts,
            ratchet,
            peer_confirmed,
        }
    }

    /// Encrypts `plaintext` (with the operating system's randomness) into an encoded
    /// ratchet message; `associated_data` travels authenticated, not encrypted.
    pub fn encrypt(
        &mut self,
        plaintext: &[u8],
        associated_data: &[u8],
        now: u64,
    ) -> Result<Vec<u8>> {
        self.encrypt_with(plaintext, associated_data, now, &mut OsRandom)
    }

    /// [`Session::encrypt`] with randomness from `rng`.
    ///
    /// Refuses (`INVALID_ARGUMENT`, nothing changed) a plaintext and associated data
    /// together longer than the wire format's payload limit, since the message could not
    /// be encoded after the chain advanced.
    pub fn encrypt_with(
        &mut self,
        plaintext: &[u8],
        associated_data: &[u8],
        now: u64,
        rng: &mut dyn RandomSource,
    ) -> Result<Vec<u8>> {
        let total = plaintext.len().saturating_add(associated_data.len());
        if total > MAX_PAYLOAD_LEN - MESSAGE_OVERHEAD {
            return Err(Error::InvalidArgument {
                what: "plaintext and associated data too long for one message",
            });
        }
        let (header, ciphertext) =
            self.ratchet
                .encrypt_with(plaintext, associated_data, now, rng)?;
        Ok(RatchetMessage::new(header, ciphertext).encode()?)
    }

    /// Decrypts an encoded ratchet message. A message with extension fields is refused
    /// (`UNKNOWN_TAG`): they would not be authenticated. Wire errors, `AUTH_FAILED`, `REPLAYED`,
    /// `TOO_MANY_SKIPPED`, `STALE_MESSAGE` and the others of protocol.md §5.5 leave the
    /// session unchanged.
    pub fn decrypt(&mut self, message: &[u8], now: u64) -> Result<Decrypted> {
        let msg = RatchetMessage::decode(message)?;
        msg.refuse_extensions()?;
        let plaintext = self.ratchet.decrypt(&msg.header, &msg.ciphertext, now)?;
        self.peer_confirmed = true;
        Ok(Decrypted {
            plaintext,
            associated_data: msg.header.associated_data,
        })
    }

    /// Starts a post-quantum step whatever the cadence (for `rekeyAllSessions`): our
    /// pipeline's next ML-KEM key starts with our next message; see
    /// [`RatchetState::force_kem_step`].
    pub fn force_kem_step(&mut self) {
        self.ratchet.force_kem_step();
    }

    /// The facts of the handshake.
    pub fn facts(&self) -> &SessionFacts {
        &self.facts
    }

    /// The ratchet.
    pub fn ratchet(&self) -> &RatchetState {
        &self.ratchet
    }

    /// Completed post-quantum ratchet steps (protocol.md §5.6): see
    /// [`RatchetState::pq_steps`].
    pub fn pq_steps(&self) -> u64 {
        self.ratchet.pq_steps()
    }

    /// The session id bound into every message.
    pub fn id(&self) -> &[u8; 32] {
        self.ratchet.session_id()
    }

    /// Whether a message of the peer decrypted in this session (always for the
    /// responder): until then an initiator's session is not known to have reached the
    /// peer, which is what a simultaneous initiation looks like (docs/protocol.md §7).
    pub fn peer_confirmed(&self) -> bool {
        self.peer_confirmed
    }

    /// The epoch: +1 on every change, for the rollback check of [`Session::deserialize`].
    pub fn epoch(&self) -> u64 {
        self.ratchet.epoch()
    }
}

/// Room left in a message for everything but the plaintext and the associated data:
/// framing, the ratchet key, counters, the largest KEM key and ciphertext, key ids and
/// the AEAD tag (ML-KEM-1024: 1,568 + 1,568 bytes; the rest is under 200 bytes).
const MESSAGE_OVERHEAD: usize = 4 * 1024;

impl core::fmt::Debug for Session {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Session")
            .field("facts", &self.facts)
            .field("ratchet", &self.ratchet)
            .field("peer_confirmed", &self.peer_confirmed)
            .finish()
    }
}
