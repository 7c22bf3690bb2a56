//! The prekey batch statement (docs/protocol.md §3.1, type 0x17): what a prekey owner
//! signs once per upload. It names the owner's identity, its identity DH key, the signed
//! X25519 prekey, which kinds of prekey the batch holds (so that a server cannot strip
//! the KEM prekey from a bundle unnoticed), their validity, and the Merkle root over the
//! KEM and one-time prekeys.

use super::error::{WireError, WireErrorCode};
use super::key_package::KeyId;
use super::message::{Extension, Message, MessageType};
use super::schema::{FieldKind, SuiteRole, Value};
use super::typed::{wire_fields, WireMessage};
use super::HANDSHAKE_KEMS;
use crate::KemSuite;

wire_fields! {
    "prekey-batch", validate: validate;
    /// Tag of the owner's capabilities (nested: signed, so no suite can be stripped).
    TAG_CAPABILITIES = 0x0001, "capabilities", FieldKind::CAPABILITIES, required;
    /// Tag of the key id of the owner's identity signing key.
    TAG_IDENTITY_SIG_KEY_ID = 0x0002, "identitySigKeyId", FieldKind::KeyId, required;
    /// Tag of the owner's identity DH key (raw X25519 public key).
    TAG_IDENTITY_DH_KEY = 0x0003, "identityDhKey", FieldKind::Bytes { min: 32, max: 32 }, required;
    /// Tag of the signed X25519 prekey `SPK` (raw public key).
    TAG_SIGNED_PREKEY = 0x0004, "signedPrekey", FieldKind::Bytes { min: 32, max: 32 }, required;
    /// Tag of the ML-KEM suite of the KEM prekeys; absent only for an owner offering no
    /// ML-KEM (then the batch has no last-resort and no one-time KEM prekey).
    TAG_KEM_SUITE = 0x0005, "kemSuite", FieldKind::Suite(SuiteRole::Kem), optional;
    /// Tag of the number of one-time ML-KEM prekeys (leaves 1..=m).
    TAG_ONE_TIME_KEM_COUNT = 0x0006, "oneTimeKemCount", FieldKind::U32, required;
    /// Tag of the number of one-time X25519 prekeys (the leaves after them).
    TAG_ONE_TIME_COUNT = 0x0007, "oneTimeCount", FieldKind::U32, required;
    /// Tag of the creation time of every key of the batch.
    TAG_CREATED = 0x0008, "created", FieldKind::Time, required;
    /// Tag of the end of validity of `SPK` and the last-resort KEM prekey.
    TAG_SIGNED_EXPIRES = 0x0009, "signedExpires", FieldKind::Time, required;
    /// Tag of the end of validity of the one-time prekeys (X25519 and ML-KEM).
    TAG_ONE_TIME_EXPIRES = 0x000A, "oneTimeExpires", FieldKind::Time, required;
    /// Tag of the Merkle root over the KEM and one-time prekeys.
    TAG_MERKLE_ROOT = 0x000B, "merkleRoot", FieldKind::Bytes { min: 32, max: 32 }, required;
}
use tags::*;

/// Most leaves a batch may have (one last-resort KEM prekey and the one-time keys).
pub const MAX_BATCH_LEAVES: u64 = 1 << 20;

/// The KEM suite is an ML-KEM suite; without one there is no one-time KEM prekey; the
/// leaf count is bounded; both validity periods end after they start.
fn validate(msg: &Message) -> Result<(), WireError> {
    let invalid =
        |tag, detail: &str| Err(msg.field_error(WireErrorCode::InvalidField, tag, detail));
    let kem = msg.opt_suite(TAG_KEM_SUITE);
    if let Some(code) = kem {
        if !HANDSHAKE_KEMS.iter().any(|s| s.code() == code) {
            return invalid(TAG_KEM_SUITE, "the KEM prekeys must be ML-KEM keys");
        }
    }
    let kem_count = msg.uint(TAG_ONE_TIME_KEM_COUNT)?;
    if kem.is_none() && kem_count != 0 {
        return invalid(
            TAG_ONE_TIME_KEM_COUNT,
            "one-time KEM prekeys need a kemSuite",
        );
    }
    let leaves = u64::from(kem.is_some()) + kem_count + msg.uint(TAG_ONE_TIME_COUNT)?;
    if leaves > MAX_BATCH_LEAVES {
        return invalid(TAG_ONE_TIME_COUNT, "a batch holds at most 2^20 keys");
    }
    let created = msg.uint(TAG_CREATED)?;
    for tag in [TAG_SIGNED_EXPIRES, TAG_ONE_TIME_EXPIRES] {
        if msg.uint(tag)? <= created {
            return invalid(tag, "must be after created");
        }
    }
    Ok(())
}

/// A prekey batch statement (docs/protocol.md §3.1). Structure only: the signature over
/// it, the Merkle proofs and the times are checked by the handshake.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrekeyBatch {
    /// The owner's capabilities, encoded.
    pub capabilities: Vec<u8>,
    /// Key id of the owner's identity signing key.
    pub identity_sig_key_id: KeyId,
    /// The owner's identity DH key (X25519 public key).
    pub identity_dh_key: [u8; 32],
    /// `SPK`, the signed X25519 prekey.
    pub signed_prekey: [u8; 32],
    /// The ML-KEM suite of `PQLR` and the `PQOPK`s; `None` for a classical-only owner.
    pub kem_suite: Option<KemSuite>,
    /// `m`, the number of one-time ML-KEM prekeys.
    pub one_time_kem_count: u32,
    /// `n`, the number of one-time X25519 prekeys.
    pub one_time_count: u32,
    /// Creation time of every key of the batch (unix seconds).
    pub created: u64,
    /// End of validity of `SPK` and `PQLR`.
    pub signed_expires: u64,
    /// End of validity of the one-time prekeys.
    pub one_time_expires: u64,
    /// The Merkle root over the leaves.
    pub merkle_root: [u8; 32],
    /// Extension fields, kept as they came (the signature covers them).
    pub extensions: Vec<Extension>,
}

impl WireMessage for PrekeyBatch {
    const TYPE: MessageType = MessageType::PrekeyBatch;

    fn from_message(msg: &Message) -> Result<Self, WireError> {
        let kem_suite = match msg.opt_suite(TAG_KEM_SUITE) {
            None => None,
            Some(code) => Some(KemSuite::from_code(code).map_err(|_| {
                msg.field_error(WireErrorCode::InvalidField, TAG_KEM_SUITE, "unknown suite")
            })?),
        };
        let u32_of = |tag| -> Result<u32, WireError> {
            u32::try_from(msg.uint(tag)?).map_err(|_| msg.missing(tag))
        };
        Ok(PrekeyBatch {
            capabilities: msg.bytes(TAG_CAPABILITIES)?.to_vec(),
            identity_sig_key_id: msg.fixed(TAG_IDENTITY_SIG_KEY_ID)?,
            identity_dh_key: msg.fixed(TAG_IDENTITY_DH_KEY)?,
            signed_prekey: msg.fixed(TAG_SIGNED_PREKEY)?,
            kem_suite,
            one_time_kem_count: u32_of(TAG_ONE_TIME_KEM_COUNT)?,
            one_time_count: u32_of(TAG_ONE_TIME_COUNT)?,
            created: msg.uint(TAG_CREATED)?,
            signed_expires: msg.uint(TAG_SIGNED_EXPIRES)?,
            one_time_expires: msg.uint(TAG_ONE_TIME_EXPIRES)?,
            merkle_root: msg.fixed(TAG_MERKLE_ROOT)?,
            extensions: msg.extensions.clone(),
        })
    }

    fn to_message(&self) -> Message {
        let mut msg = Message::new(Self::TYPE);
        msg.set_bytes(TAG_CAPABILITIES, &self.capabilities)
            .set_bytes(TAG_IDENTITY_SIG_KEY_ID, &self.identity_sig_key_id)
            .set_bytes(TAG_IDENTITY_DH_KEY, &self.identity_dh_key)
            .set_bytes(TAG_SIGNED_PREKEY, &self.signed_prekey);
        if let Some(s) = self.kem_suite {
            msg.set(TAG_KEM_SUITE, Value::Suite(s.code()));
        }
        msg.set(
            TAG_ONE_TIME_KEM_COUNT,
            Value::Uint(self.one_time_kem_count.into()),
        )
        .set(TAG_ONE_TIME_COUNT, Value::Uint(self.one_time_count.into()))
        .set(TAG_CREATED, Value::Uint(self.created))
        .set(TAG_SIGNED_EXPIRES, Value::Uint(self.signed_expires))
        .set(TAG_ONE_TIME_EXPIRES, Value::Uint(self.one_time_expires))
        .set_bytes(TAG_MERKLE_ROOT, &self.merkle_root);
        msg.extensions = self.extensions.clone();
        msg
    }
}

impl PrekeyBatch {
    /// The number of leaves: `PQLR` (with a KEM suite), `m` one-time KEM prekeys and `n`
    /// one-time X25519 prekeys.
    pub fn leaf_count(&self) -> u64 {
        u64::from(self.kem_suite.is_some())
            + u64::from(self.one_time_kem_count)
            + u64::from(self.one_time_count)
    }
}
