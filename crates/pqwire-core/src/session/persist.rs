//! Sessions at rest (protocol.md §6): a `session-state` record holding the ratchet's
//! fields (`0x0001`–`0x00FF`, [`RatchetState::write_record`]) and the facts of the
//! handshake in the session layer's range (`0x0100`–`0x01FF`). Restoring checks the
//! epoch against the highest one the caller has seen, so an older copy — a backup
//! restored over newer state, which would reuse message keys — is `SESSION_ROLLBACK`.

use super::state::{Session, SessionFacts};
use crate::negotiation::Role;
use crate::pqxdh::PublicIdentity;
use crate::ratchet::RatchetState;
use crate::record::{RecordField, RecordReader, RecordWriter, TYPE_SESSION_STATE};
use crate::wire::limits::{KEY_ID_LEN, MAX_SIGNATURE_LEN};
use crate::wire::{KeyPackage, MessageType, SignedKey, WireError, WireErrorCode, WireMessage};
use crate::{Error, Result, SigSuite};
use zeroize::Zeroizing;

const ROLE: RecordField = RecordField::new(0x0101, "role");
const VERSION: RecordField = RecordField::new(0x0102, "version");
const SIG_SUITE: RecordField = RecordField::new(0x0103, "sigSuite");
const FEATURES: RecordField = RecordField::new(0x0104, "features");
const HYBRID_AUTH: RecordField = RecordField::new(0x0105, "hybridAuth");
const POST_QUANTUM: RecordField = RecordField::new(0x0106, "postQuantum");
const TRANSCRIPT_HASH: RecordField = RecordField::new(0x0107, "transcriptHash");
const LOCAL_IDENTITY: RecordField = RecordField::new(0x0108, "localIdentity");
const PEER_SIG_KEY: RecordField = RecordField::new(0x0109, "peerSigKey");
const PEER_DH_KEY: RecordField = RecordField::new(0x010A, "peerDhKey");
const PEER_DH_SIGNATURE: RecordField = RecordField::new(0x010B, "peerDhSignature");
const ESTABLISHED_AT: RecordField = RecordField::new(0x010C, "establishedAt");

const ROLE_INITIATOR: u8 = 1;
const ROLE_RESPONDER: u8 = 2;

fn decoded(bytes: &[u8]) -> core::result::Result<(KeyPackage, Vec<u8>), WireError> {
    Ok((KeyPackage::decode(bytes)?, bytes.to_vec()))
}

impl Session {
    /// Serializes the whole session — **secrets included** — as a `session-state`
    /// record (protocol.md §6): the ratchet with its epoch, and the facts of the
    /// handshake. Canonical: the same session gives the same bytes.
    pub fn serialize(&self) -> Result<Zeroizing<Vec<u8>>> {
        let f = &self.facts;
        let mut w = RecordWriter::new(TYPE_SESSION_STATE);
        self.ratchet.write_record(&mut w);
        w.u8(
            ROLE,
            match f.role {
                Role::Initiator => ROLE_INITIATOR,
                Role::Responder => ROLE_RESPONDER,
            },
        )
        .u8(VERSION, f.version)
        .u16(SIG_SUITE, f.sig.code())
        .u32(FEATURES, f.features)
        .flag(HYBRID_AUTH, f.hybrid_auth)
        .flag(POST_QUANTUM, f.post_quantum)
        .bytes(TRANSCRIPT_HASH, &f.transcript_hash)
        .bytes(LOCAL_IDENTITY, &f.local_identity)
        .bytes(PEER_SIG_KEY, &f.peer.sig_key_encoded)
        .bytes(PEER_DH_KEY, &f.peer.dh_key.encoded)
        .bytes(PEER_DH_SIGNATURE, &f.peer.dh_key.signature)
        .u64(ESTABLISHED_AT, f.established_at);
        Ok(w.finish())
    }

    /// Restores a session from [`Session::serialize`]'s record. `minimum_epoch` is the
    /// highest epoch the caller has seen for this session (kept where a restored backup
    /// cannot lower it): a lower epoch is `SESSION_ROLLBACK`. Every check of
    /// [`RatchetState::deserialize`] applies, and the peer's identity must be well formed
    /// (its signature was verified in the handshake; docs/protocol.md §6.2).
    pub fn deserialize(bytes: &[u8], minimum_epoch: Option<u64>) -> Result<Session> {
        let mut r = RecordReader::new(bytes, TYPE_SESSION_STATE)?;
        let ratchet = RatchetState::read_record(&mut r)?;
        let role = match r.u8(ROLE)? {
            ROLE_INITIATOR => Role::Initiator,
            ROLE_RESPONDER => Role::Responder,
            _ => {
                return Err(r
                    .error(ROLE, WireErrorCode::InvalidField, "unknown role")
                    .into())
            }
        };
        let version = r.u8(VERSION)?;
        let sig_code = r.u16(SIG_SUITE)?;
        let sig = SigSuite::from_code(sig_code)?;
        let features = r.u32(FEATURES)?;
        let hybrid_auth = r.flag(HYBRID_AUTH)?;
        let post_quantum = r.flag(POST_QUANTUM)?;
        let transcript_hash = r.fixed::<32>(TRANSCRIPT_HASH)?;
        let local_identity = r.fixed::<KEY_ID_LEN>(LOCAL_IDENTITY)?;
        let (sig_key, sig_key_encoded) =
            r.nested(PEER_SIG_KEY, MessageType::KeyPackage, decoded)?;
        let (dh_key, dh_encoded) = r.nested(PEER_DH_KEY, MessageType::KeyPackage, decoded)?;
        let signature = r.bytes(PEER_DH_SIGNATURE, 0, MAX_SIGNATURE_LEN)?.to_vec();
        let established_at = r.u64(ESTABLISHED_AT)?;
        r.finish()?;

        let peer = PublicIdentity {
            sig_key,
            sig_key_encoded,
            dh_key: SignedKey {
                key: dh_key,
                encoded: dh_encoded,
                signature,
            },
        };
        // The structure, not the signature: see docs/protocol.md §6.2.
        peer.check_structure()?;
        if let Some(minimum) = minimum_epoch {
            if ratchet.epoch() < minimum {
                return Err(Error::SessionRollback {
                    epoch: ratchet.epoch(),
                    minimum,
                });
            }
        }
        let facts = SessionFacts {
            role,
            version,
            kem: ratchet.kem_suite(),
            sig,
            aead: ratchet.aead_suite(),
            features,
            hybrid_auth,
            post_quantum,
            transcript_hash,
            local_identity,
            peer,
            established_at,
        };
        Ok(Session::from_parts(facts, ratchet))
    }
}
