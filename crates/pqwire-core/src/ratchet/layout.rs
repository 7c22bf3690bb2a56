//! The layout of the ratchet's part of a `session-state` record (the table of
//! protocol.md §6): every field's tag and name, and the sizes of list entries.

use super::kdf::KEY_LEN;
use crate::record::RecordField;

pub(super) const EPOCH: RecordField = RecordField::new(0x0002, "epoch");
pub(super) const KEM_SUITE: RecordField = RecordField::new(0x0003, "kemSuite");
pub(super) const AEAD_SUITE: RecordField = RecordField::new(0x0004, "aeadSuite");
pub(super) const SESSION_ID: RecordField = RecordField::new(0x0005, "sessionId");
pub(super) const CADENCE_MESSAGES: RecordField = RecordField::new(0x0006, "cadenceMessages");
pub(super) const CADENCE_SECONDS: RecordField = RecordField::new(0x0007, "cadenceSeconds");
pub(super) const MAX_SKIP: RecordField = RecordField::new(0x0008, "maxSkip");
pub(super) const MAX_SKIPPED_KEYS: RecordField = RecordField::new(0x0009, "maxSkippedKeys");
pub(super) const MAX_SKIPPED_AGE: RecordField = RecordField::new(0x000A, "maxSkippedAge");
pub(super) const ROOT_KEY: RecordField = RecordField::new(0x000B, "rootKey");
pub(super) const SEND_CHAIN_KEY: RecordField = RecordField::new(0x000C, "sendChainKey");
pub(super) const SEND_COUNTER: RecordField = RecordField::new(0x000D, "sendCounter");
pub(super) const PREVIOUS_CHAIN_LENGTH: RecordField =
    RecordField::new(0x000E, "previousChainLength");
pub(super) const RECV_CHAIN_KEY: RecordField = RecordField::new(0x000F, "recvChainKey");
pub(super) const RECV_COUNTER: RecordField = RecordField::new(0x0010, "recvCounter");
pub(super) const RATCHET_SECRET_KEY: RecordField = RecordField::new(0x0011, "ratchetSecretKey");
pub(super) const RATCHET_PUBLIC_KEY: RecordField = RecordField::new(0x0012, "ratchetPublicKey");
pub(super) const PEER_RATCHET_KEY: RecordField = RecordField::new(0x0013, "peerRatchetKey");
pub(super) const PQ_CHUNK_LEN: RecordField = RecordField::new(0x0014, "pqChunkLen");
pub(super) const PQ_STEPS: RecordField = RecordField::new(0x0015, "pqSteps");
pub(super) const PQ_CIPHERTEXT_TURN: RecordField = RecordField::new(0x0016, "pqCiphertextTurn");
pub(super) const SEND_PQ_MIX: RecordField = RecordField::new(0x0017, "sendPqMix");
pub(super) const PQ_OWN_SEQ: RecordField = RecordField::new(0x0018, "pqOwnSeq");
pub(super) const PQ_OWN_PHASE: RecordField = RecordField::new(0x0019, "pqOwnPhase");
pub(super) const PQ_OWN_SECRET: RecordField = RecordField::new(0x001A, "pqOwnSecret");
pub(super) const PQ_OWN_STREAM: RecordField = RecordField::new(0x001B, "pqOwnStream");
pub(super) const SEND_STEP_DUE: RecordField = RecordField::new(0x001C, "sendStepDue");
pub(super) const KEM_CLOCK_MESSAGES: RecordField = RecordField::new(0x001D, "kemClockMessages");
pub(super) const KEM_CLOCK_SINCE: RecordField = RecordField::new(0x001E, "kemClockSince");
pub(super) const KEM_STEP_FORCED: RecordField = RecordField::new(0x001F, "kemStepForced");
pub(super) const SKIPPED_KEYS: RecordField = RecordField::new(0x0020, "skippedKeys");
pub(super) const DELETED_KEYS: RecordField = RecordField::new(0x0021, "deletedKeys");
pub(super) const PAST_CHAINS: RecordField = RecordField::new(0x0022, "pastChains");
pub(super) const PQ_OWN_SHARDS: RecordField = RecordField::new(0x0023, "pqOwnShards");
pub(super) const PQ_SERVE_SEQ: RecordField = RecordField::new(0x0024, "pqServeSeq");
pub(super) const PQ_SERVE_PHASE: RecordField = RecordField::new(0x0025, "pqServePhase");
pub(super) const PQ_SERVE_SECRET: RecordField = RecordField::new(0x0026, "pqServeSecret");
pub(super) const PQ_SERVE_STREAM: RecordField = RecordField::new(0x0027, "pqServeStream");
pub(super) const PQ_SERVE_KEY: RecordField = RecordField::new(0x0028, "pqServeKey");
pub(super) const PQ_SERVE_SHARDS: RecordField = RecordField::new(0x0029, "pqServeShards");

/// The session layer's fields of a `session-state` record, `(tag, value)` in tag order
/// ([`super::RatchetState::deserialize_with`]).
pub type SessionFields = Vec<(u16, Vec<u8>)>;

/// `ratchetKey(32) ‖ u32 counter ‖ u64 storedAt ‖ messageKey(32)`.
pub(super) const SKIPPED_ENTRY_LEN: usize = 32 + 4 + 8 + KEY_LEN;
/// `ratchetKey(32) ‖ u32 counter` (deleted keys) or `ratchetKey(32) ‖ u32 length` (chains).
pub(super) const CHAIN_ENTRY_LEN: usize = 32 + 4;
