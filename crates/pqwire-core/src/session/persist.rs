//! Sessions at rest (protocol.md §6): a `session-state` record holding the ratchet's
//! fields (`0x0001`–`0x00FF`, [`RatchetState::write_record`]) and the facts of the
//! handshake in the session layer's range (`0x0100`–`0x01FF`). Restoring checks the
//! epoch against the highest one the caller has seen, so an older copy — a backup
//! restored over newer state, which would reuse message keys — is `SESSION_ROLLBACK`.

use super::state::{Session, SessionFacts};
use crate::negotiation::Role;
use crate::ratchet::RatchetState;
use crate::record::{RecordField, RecordReader, RecordWriter, TYPE_SESSION_STATE};
use crate::wire::limits::KEY_ID_LEN;
use crate::wire::WireErrorCode;
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
const PEER_IDENTITY: RecordField = RecordField::new(0x0109, "peerIdentity");
const ESTABLISHED_AT: RecordField = RecordField::new(0x010A, "establishedAt");
const PEER_CONFIRMED: RecordField = RecordField::new(0x010B, "peerConfirmed");

const ROLE_INITIATOR: u8 = 1;
const ROLE_RESPONDER: u8 = 2;

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
        .bytes(PEER_IDENTITY, &f.peer_identity)
        .u64(ESTABLISHED_AT, f.established_at)
        .flag(PEER_CONFIRMED, self.peer_confirmed);
        Ok(w.finish())
    }

    /// Restores a session from [`Session::serialize`]'s record. `minimum_epoch` is the
    /// highest epoch the caller has seen for this session (kept where a restored backup
    /// cannot lower it): a lower epoch is `SESSION_ROLLBACK`. Every check of
    /// [`RatchetState::deserialize`] applies; the session layer's fields are checked for
    /// structure only (the peer's identity, stored as its fingerprint, was verified in
    /// the handshake; docs/protocol.md §6.2).
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
        let peer_identity = r.fixed::<KEY_ID_LEN>(PEER_IDENTITY)?;
        let established_at = r.u64(ESTABLISHED_AT)?;
        let peer_confirmed = r.flag(PEER_CONFIRMED)?;
        if role == Role::Responder && !peer_confirmed {
            return Err(r
                .error(
                    PEER_CONFIRMED,
                    WireErrorCode::InvalidField,
                    "a responder decrypted the initial message",
                )
                .into());
        }
        r.finish()?;
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
            peer_identity,
            established_at,
        };
        Ok(Session {
            facts,
            ratchet,
            peer_confirmed,
        })
    }
}
