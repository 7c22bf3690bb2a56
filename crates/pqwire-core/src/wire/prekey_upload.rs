//! The prekey upload (docs/protocol.md §3.3, type 0x18): what a prekey owner gives a
//! server. The signed batch statement and the public keys it commits to, nothing
//! secret: anyone holding it assembles prekey bundles (`pqxdh::assemble_bundle`).

use super::error::{WireError, WireErrorCode};
use super::key_package::{check_signature_lengths, KeyPackage, PackageSuite};
use super::limits::MAX_MESSAGE_LEN;
use super::message::{Extension, Message, MessageType};
use super::prekey_batch::PrekeyBatch;
use super::schema::FieldKind;
use super::typed::{wire_fields, WireMessage};
use crate::kem;

wire_fields! {
    "prekey-upload", validate: validate;
    /// Tag of the owner's identity signing key (nested key package, signature suite).
    TAG_IDENTITY_SIG_KEY = 0x0001, "identitySigKey", FieldKind::KEY_PACKAGE, required;
    /// Tag of the batch statement (a nested prekey-batch message).
    TAG_BATCH = 0x0002, "batch", FieldKind::Message(MessageType::PrekeyBatch), required;
    /// Tag of the identity's signature over the statement.
    TAG_BATCH_SIGNATURE = 0x0003, "batchSignature", FieldKind::SIGNATURE, required;
    /// Tag of the last-resort ML-KEM prekey (raw public key; with a `kemSuite`).
    TAG_LAST_RESORT_KEM_KEY = 0x0004, "lastResortKemKey", FieldKind::Bytes { min: 1, max: 4096 }, optional;
    /// Tag of the one-time ML-KEM prekeys, concatenated (with `oneTimeKemCount > 0`).
    TAG_ONE_TIME_KEM_KEYS = 0x0005, "oneTimeKemKeys", FieldKind::Bytes { min: 1, max: MAX_MESSAGE_LEN }, optional;
    /// Tag of the one-time X25519 prekeys, concatenated (with `oneTimeCount > 0`).
    TAG_ONE_TIME_KEYS = 0x0006, "oneTimeKeys", FieldKind::Bytes { min: 1, max: MAX_MESSAGE_LEN }, optional;
}
use tags::*;

/// `field` holds `count` keys of `len` bytes (absent when `count` is 0).
fn check_keys(msg: &Message, tag: u16, count: u64, len: usize) -> Result<(), WireError> {
    let have = msg.opt_bytes(tag).map_or(0, <[u8]>::len) as u64;
    let want = count.saturating_mul(len as u64);
    if have == want {
        return Ok(());
    }
    Err(msg.field_error(
        WireErrorCode::BadLength,
        tag,
        format!("{have} bytes where the statement says {count} keys of {len} bytes"),
    ))
}

/// The identity key has a signature suite and the statement's key id; the signature its
/// exact length; each key field holds the statement's count of keys of the suite's
/// length.
fn validate(msg: &Message) -> Result<(), WireError> {
    let identity = KeyPackage::decode(msg.bytes(TAG_IDENTITY_SIG_KEY)?)?;
    let batch = PrekeyBatch::decode(msg.bytes(TAG_BATCH)?)?;
    let PackageSuite::Sig(suite) = identity.suite else {
        return Err(msg.field_error(
            WireErrorCode::InvalidField,
            TAG_IDENTITY_SIG_KEY,
            "the identity signing key must have a signature suite",
        ));
    };
    if identity.key_id != batch.identity_sig_key_id {
        return Err(msg.field_error(
            WireErrorCode::InvalidField,
            TAG_BATCH,
            "the statement names another identity signing key",
        ));
    }
    check_signature_lengths(msg, suite, &[TAG_BATCH_SIGNATURE])?;
    let kem_len = batch
        .kem_suite
        .map_or(0, |s| kem::backend(s).lengths().public_key);
    check_keys(
        msg,
        TAG_LAST_RESORT_KEM_KEY,
        u64::from(batch.kem_suite.is_some()),
        kem_len,
    )?;
    check_keys(
        msg,
        TAG_ONE_TIME_KEM_KEYS,
        batch.one_time_kem_count.into(),
        kem_len,
    )?;
    check_keys(msg, TAG_ONE_TIME_KEYS, batch.one_time_count.into(), 32)
}

/// A prekey upload (docs/protocol.md §3.3). Structure only: the signature and the
/// Merkle root are checked by whoever relies on them (a server that wants to may verify
/// with `pqxdh::verify_upload`; an initiator always verifies the bundle).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrekeyUpload {
    /// The owner's identity signing key.
    pub identity_sig_key: KeyPackage,
    /// Its encoding.
    pub identity_sig_key_encoded: Vec<u8>,
    /// The statement.
    pub batch: PrekeyBatch,
    /// Its encoding (what the signature covers).
    pub batch_encoded: Vec<u8>,
    /// `Sign(IKsig, "pqwire/v2 prekey batch" ‖ batch)`.
    pub batch_signature: Vec<u8>,
    /// `PQLR` (with a KEM suite).
    pub last_resort_kem_key: Option<Vec<u8>>,
    /// The `PQOPK`s, concatenated.
    pub one_time_kem_keys: Vec<u8>,
    /// The `OPK`s, concatenated.
    pub one_time_keys: Vec<u8>,
    /// Extension fields, kept as they came.
    pub extensions: Vec<Extension>,
}

impl WireMessage for PrekeyUpload {
    const TYPE: MessageType = MessageType::PrekeyUpload;

    fn from_message(msg: &Message) -> Result<Self, WireError> {
        let identity = msg.bytes(TAG_IDENTITY_SIG_KEY)?;
        let batch = msg.bytes(TAG_BATCH)?;
        let bytes = |tag| msg.opt_bytes(tag).unwrap_or_default().to_vec();
        Ok(PrekeyUpload {
            identity_sig_key: KeyPackage::decode(identity)?,
            identity_sig_key_encoded: identity.to_vec(),
            batch: PrekeyBatch::decode(batch)?,
            batch_encoded: batch.to_vec(),
            batch_signature: msg.bytes(TAG_BATCH_SIGNATURE)?.to_vec(),
            last_resort_kem_key: msg.opt_bytes(TAG_LAST_RESORT_KEM_KEY).map(<[u8]>::to_vec),
            one_time_kem_keys: bytes(TAG_ONE_TIME_KEM_KEYS),
            one_time_keys: bytes(TAG_ONE_TIME_KEYS),
            extensions: msg.extensions.clone(),
        })
    }

    fn to_message(&self) -> Message {
        let mut msg = Message::new(Self::TYPE);
        let non_empty = |b: &Vec<u8>| (!b.is_empty()).then(|| b.clone());
        msg.set_bytes(TAG_IDENTITY_SIG_KEY, &self.identity_sig_key_encoded)
            .set_bytes(TAG_BATCH, &self.batch_encoded)
            .set_bytes(TAG_BATCH_SIGNATURE, &self.batch_signature)
            .set_opt_bytes(TAG_LAST_RESORT_KEM_KEY, self.last_resort_kem_key.as_ref())
            .set_opt_bytes(TAG_ONE_TIME_KEM_KEYS, non_empty(&self.one_time_kem_keys))
            .set_opt_bytes(TAG_ONE_TIME_KEYS, non_empty(&self.one_time_keys));
        msg.extensions = self.extensions.clone();
        msg
    }
}
