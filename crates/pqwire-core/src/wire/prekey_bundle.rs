//! The prekey bundle (docs/protocol.md §3.4, type 0x10): what a server hands an
//! initiator so that it can start a session with an offline responder. The owner's
//! identity signing key, its signed batch statement, and at most one KEM prekey and one
//! one-time X25519 prekey, each with its leaf index and Merkle proof. Anyone holding the
//! owner's prekey upload assembles one (`pqxdh::assemble_bundle`); nothing in it is
//! signed per key.

use super::error::{WireError, WireErrorCode};
use super::key_package::{check_signature_lengths, KeyPackage, PackageSuite};
use super::message::{Extension, Message, MessageType};
use super::prekey_batch::PrekeyBatch;
use super::schema::FieldKind;
use super::typed::{wire_fields, WireMessage};
use crate::{kem, SigSuite};

/// Most hashes in a Merkle proof (a batch has at most 2^20 leaves).
pub const MAX_PROOF_HASHES: usize = 20;

wire_fields! {
    "prekey-bundle", validate: validate;
    /// Tag of the identity signing key (nested key package, signature suite).
    TAG_IDENTITY_SIG_KEY = 0x0001, "identitySigKey", FieldKind::KEY_PACKAGE, required;
    /// Tag of the batch statement (a nested prekey-batch message).
    TAG_BATCH = 0x0002, "batch", FieldKind::Message(MessageType::PrekeyBatch), required;
    /// Tag of the identity's signature over the statement.
    TAG_BATCH_SIGNATURE = 0x0003, "batchSignature", FieldKind::SIGNATURE, required;
    /// Tag of the KEM prekey: `u32 leaf index ‖ public key` (leaf 0 is the last-resort
    /// key, 1..=m the one-time KEM prekeys).
    TAG_KEM_PREKEY = 0x0004, "kemPrekey", FieldKind::Bytes { min: 5, max: 4100 }, optional;
    /// Tag of the KEM prekey's Merkle proof (hashes bottom-up, 32 bytes each).
    TAG_KEM_PREKEY_PROOF = 0x0005, "kemPrekeyProof", FieldKind::Bytes { min: 0, max: 32 * MAX_PROOF_HASHES }, optional;
    /// Tag of the one-time X25519 prekey: `u32 leaf index ‖ 32-byte public key`.
    TAG_ONE_TIME_PREKEY = 0x0006, "oneTimePrekey", FieldKind::Bytes { min: 36, max: 36 }, optional;
    /// Tag of the one-time prekey's Merkle proof.
    TAG_ONE_TIME_PREKEY_PROOF = 0x0007, "oneTimePrekeyProof", FieldKind::Bytes { min: 0, max: 32 * MAX_PROOF_HASHES }, optional;
}
use tags::*;

/// A prekey carried in a bundle: its leaf index in the batch's tree, its public key and
/// the Merkle proof of that leaf.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BundledPrekey {
    /// The leaf index.
    pub index: u32,
    /// The raw public key.
    pub public_key: Vec<u8>,
    /// The proof: sibling hashes bottom-up, concatenated (32 bytes each).
    pub proof: Vec<u8>,
}

impl BundledPrekey {
    fn read(msg: &Message, key: u16, proof: u16) -> Result<Option<Self>, WireError> {
        let Some(bytes) = msg.opt_bytes(key) else {
            return Ok(None);
        };
        let (index, public_key) = bytes.split_at(4);
        Ok(Some(BundledPrekey {
            index: u32::from_be_bytes([index[0], index[1], index[2], index[3]]),
            public_key: public_key.to_vec(),
            proof: msg.bytes(proof)?.to_vec(),
        }))
    }

    fn put(&self, msg: &mut Message, key: u16, proof: u16) {
        let mut bytes = Vec::with_capacity(4 + self.public_key.len());
        bytes.extend_from_slice(&self.index.to_be_bytes());
        bytes.extend_from_slice(&self.public_key);
        msg.set_bytes(key, &bytes).set_bytes(proof, &self.proof);
    }
}

/// The rules of one bundled prekey: its proof comes with it, is whole hashes, its index
/// is in `range` and its key has `len` bytes.
fn check_prekey(
    msg: &Message,
    (key, proof): (u16, u16),
    range: core::ops::Range<u64>,
    len: usize,
) -> Result<(), WireError> {
    let invalid = |tag, detail: &str| msg.field_error(WireErrorCode::InvalidField, tag, detail);
    let Some(bytes) = msg.opt_bytes(key) else {
        if msg.get(proof).is_some() {
            return Err(invalid(proof, "present without the key it belongs to"));
        }
        return Ok(());
    };
    let p = msg.opt_bytes(proof).ok_or_else(|| msg.missing(proof))?;
    if !p.len().is_multiple_of(32) {
        return Err(msg.field_error(
            WireErrorCode::BadLength,
            proof,
            "a proof is whole 32-byte hashes",
        ));
    }
    let index = u64::from(u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]));
    if !range.contains(&index) {
        return Err(invalid(key, "leaf index outside the statement's range"));
    }
    msg.check_field_len(
        key,
        ("public key", bytes.len() - 4),
        "the statement's suite",
        len,
    )
}

/// The identity key has a signature suite and the statement's key id; the signature its
/// exact length; a KEM prekey needs a `kemSuite` and is a leaf in `0..=m` of that
/// suite's length; a one-time prekey a leaf after them; proofs come with their keys.
fn validate(msg: &Message) -> Result<(), WireError> {
    let identity = KeyPackage::decode(msg.bytes(TAG_IDENTITY_SIG_KEY)?)?;
    let batch = PrekeyBatch::decode(msg.bytes(TAG_BATCH)?)?;
    let invalid = |tag, detail: &str| msg.field_error(WireErrorCode::InvalidField, tag, detail);
    let PackageSuite::Sig(suite) = identity.suite else {
        return Err(invalid(
            TAG_IDENTITY_SIG_KEY,
            "the identity signing key must have a signature suite",
        ));
    };
    if identity.key_id != batch.identity_sig_key_id {
        return Err(invalid(
            TAG_BATCH,
            "the statement names another identity signing key",
        ));
    }
    check_signature_lengths(msg, suite, &[TAG_BATCH_SIGNATURE])?;
    let m = u64::from(batch.one_time_kem_count);
    match batch.kem_suite {
        Some(s) => check_prekey(
            msg,
            (TAG_KEM_PREKEY, TAG_KEM_PREKEY_PROOF),
            0..m + 1,
            kem::backend(s).lengths().public_key,
        )?,
        None if msg.get(TAG_KEM_PREKEY).is_some() => {
            return Err(invalid(TAG_KEM_PREKEY, "the statement has no kemSuite"));
        }
        None => check_prekey(msg, (TAG_KEM_PREKEY, TAG_KEM_PREKEY_PROOF), 0..0, 0)?,
    }
    let first = u64::from(batch.kem_suite.is_some()) + m;
    check_prekey(
        msg,
        (TAG_ONE_TIME_PREKEY, TAG_ONE_TIME_PREKEY_PROOF),
        first..first + u64::from(batch.one_time_count),
        32,
    )
}

/// A prekey bundle (docs/protocol.md §3.4). Structure only: the signature, the proofs
/// and the times are checked by the handshake.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrekeyBundle {
    /// The identity signing key.
    pub identity_sig_key: KeyPackage,
    /// Its encoding.
    pub identity_sig_key_encoded: Vec<u8>,
    /// The batch statement.
    pub batch: PrekeyBatch,
    /// Its encoding (what the signature covers).
    pub batch_encoded: Vec<u8>,
    /// The identity's signature over the statement.
    pub batch_signature: Vec<u8>,
    /// The KEM prekey (leaf 0: the last-resort one; 1..=m: one-time).
    pub kem_prekey: Option<BundledPrekey>,
    /// A one-time X25519 prekey.
    pub one_time_prekey: Option<BundledPrekey>,
    /// Extension fields, kept as they came.
    pub extensions: Vec<Extension>,
}

impl WireMessage for PrekeyBundle {
    const TYPE: MessageType = MessageType::PrekeyBundle;

    fn from_message(msg: &Message) -> Result<Self, WireError> {
        let identity = msg.bytes(TAG_IDENTITY_SIG_KEY)?;
        let batch = msg.bytes(TAG_BATCH)?;
        Ok(PrekeyBundle {
            identity_sig_key: KeyPackage::decode(identity)?,
            identity_sig_key_encoded: identity.to_vec(),
            batch: PrekeyBatch::decode(batch)?,
            batch_encoded: batch.to_vec(),
            batch_signature: msg.bytes(TAG_BATCH_SIGNATURE)?.to_vec(),
            kem_prekey: BundledPrekey::read(msg, TAG_KEM_PREKEY, TAG_KEM_PREKEY_PROOF)?,
            one_time_prekey: BundledPrekey::read(
                msg,
                TAG_ONE_TIME_PREKEY,
                TAG_ONE_TIME_PREKEY_PROOF,
            )?,
            extensions: msg.extensions.clone(),
        })
    }

    fn to_message(&self) -> Message {
        let mut msg = Message::new(Self::TYPE);
        msg.set_bytes(TAG_IDENTITY_SIG_KEY, &self.identity_sig_key_encoded)
            .set_bytes(TAG_BATCH, &self.batch_encoded)
            .set_bytes(TAG_BATCH_SIGNATURE, &self.batch_signature);
        if let Some(k) = &self.kem_prekey {
            k.put(&mut msg, TAG_KEM_PREKEY, TAG_KEM_PREKEY_PROOF);
        }
        if let Some(k) = &self.one_time_prekey {
            k.put(&mut msg, TAG_ONE_TIME_PREKEY, TAG_ONE_TIME_PREKEY_PROOF);
        }
        msg.extensions = self.extensions.clone();
        msg
    }
}

impl PrekeyBundle {
    /// The identity signature suite.
    pub fn identity_suite(&self) -> Option<SigSuite> {
        self.identity_sig_key.sig_suite()
    }

    /// The owner's capabilities, encoded (from the signed statement).
    pub fn capabilities(&self) -> &[u8] {
        &self.batch.capabilities
    }

    /// Whether the KEM prekey is the last-resort one (leaf 0).
    pub fn kem_prekey_last_resort(&self) -> bool {
        self.kem_prekey.as_ref().is_some_and(|k| k.index == 0)
    }
}
