//! The initial message (docs/protocol.md §4.2): what an initiator sends to start a
//! session from a prekey bundle. It carries the initiator's capabilities and identity,
//! the ids of the responder's prekeys it used, its ephemeral key, the KEM ciphertext,
//! the initiator's transcript signature (always present) and the first ratchet message.

use super::codec::lay_out;
use super::error::{WireError, WireErrorCode};
use super::key_package::{check_signature_lengths, nested_suite, KeyId, KeyPackage, PackageSuite};
use super::limits::MAX_KEM_CIPHERTEXT_LEN;
use super::message::{Extension, Message, MessageType};
use super::ratchet_message::RatchetMessage;
use super::schema::{FieldKind, Value};
use super::typed::{wire_fields, WireMessage};
use crate::{kem, KemSuite, SigSuite};

wire_fields! {
    "initial-message", validate: validate;
    /// Tag of the initiator's capabilities (a nested capabilities message).
    TAG_CAPABILITIES = 0x0001, "capabilities", FieldKind::CAPABILITIES, required;
    /// Tag of the initiator's identity signing key (nested key package, signature suite).
    TAG_IDENTITY_SIG_KEY = 0x0002, "identitySigKey", FieldKind::KEY_PACKAGE, required;
    /// Tag of the initiator's identity DH key (raw X25519 public key: no signature of its
    /// own, the transcript signature binds it).
    TAG_IDENTITY_DH_KEY = 0x0003, "identityDhKey", FieldKind::Bytes { min: 32, max: 32 }, required;
    // 0x0004 (v1's identityDhSignature) is unused: v2 signs no identity DH key.
    /// Tag of the key id of the responder's signed prekey.
    TAG_SIGNED_PREKEY_ID = 0x0005, "signedPrekeyId", FieldKind::KeyId, required;
    /// Tag of the key id of the responder's KEM prekey.
    TAG_KEM_PREKEY_ID = 0x0006, "kemPrekeyId", FieldKind::KeyId, optional;
    /// Tag of the key id of the responder's one-time prekey.
    TAG_ONE_TIME_PREKEY_ID = 0x0007, "oneTimePrekeyId", FieldKind::KeyId, optional;
    /// Tag of the initiator's ephemeral X25519 public key.
    TAG_EPHEMERAL_KEY = 0x0008, "ephemeralKey", FieldKind::Bytes { min: 32, max: 32 }, required;
    /// Tag of the KEM ciphertext to the KEM prekey.
    TAG_KEM_CIPHERTEXT = 0x0009, "kemCiphertext", FieldKind::Bytes { min: 1, max: MAX_KEM_CIPHERTEXT_LEN }, optional;
    /// Tag of the hybrid signature over the handshake transcript. Required: initiator
    /// authentication must survive a quantum adversary and a compromised responder
    /// prekey, so it cannot be negotiated away (protocol.md §4.2).
    TAG_TRANSCRIPT_SIGNATURE = 0x000A, "transcriptSignature", FieldKind::SIGNATURE, required;
    /// Tag of the first ratchet message (a nested ratchet message).
    TAG_MESSAGE = 0x000B, "message", FieldKind::Message(MessageType::RatchetMessage), required;
}
use tags::*;

/// The ML-KEM suites a handshake KEM prekey may have.
pub(crate) const HANDSHAKE_KEMS: [KemSuite; 3] =
    [KemSuite::MlKem512, KemSuite::MlKem768, KemSuite::MlKem1024];

/// The identity signing key has a signature suite; signatures have the identity
/// suite's exact length; the KEM prekey id and the ciphertext come together, the
/// ciphertext an ML-KEM ciphertext's length; the nested ratchet message (checked by the
/// codec) is an initiator's first-chain message (no KEM ciphertext, a KEM key, `PN = 0`).
fn validate(msg: &Message) -> Result<(), WireError> {
    let invalid =
        |tag, detail: &str| Err(msg.field_error(WireErrorCode::InvalidField, tag, detail));
    let Some(PackageSuite::Sig(identity)) = nested_suite(msg, TAG_IDENTITY_SIG_KEY)? else {
        return invalid(
            TAG_IDENTITY_SIG_KEY,
            "the identity signing key must have a signature suite",
        );
    };
    match (
        msg.get(TAG_KEM_PREKEY_ID).is_some(),
        msg.get(TAG_KEM_CIPHERTEXT).is_some(),
    ) {
        (true, false) => return Err(msg.missing(TAG_KEM_CIPHERTEXT)),
        (false, true) => return invalid(TAG_KEM_CIPHERTEXT, "present without the KEM prekey id"),
        _ => {}
    }
    if let Some(ct) = msg.opt_bytes(TAG_KEM_CIPHERTEXT) {
        if !HANDSHAKE_KEMS
            .iter()
            .any(|s| kem::backend(*s).lengths().cipher_text == ct.len())
        {
            return Err(msg.field_error(
                WireErrorCode::BadLength,
                TAG_KEM_CIPHERTEXT,
                format!(
                    "ciphertext of {} bytes is no ML-KEM ciphertext (768, 1088 or 1568)",
                    ct.len()
                ),
            ));
        }
    }
    check_signature_lengths(msg, identity, &[TAG_TRANSCRIPT_SIGNATURE])?;
    let first = RatchetMessage::decode(msg.bytes(TAG_MESSAGE)?)?;
    let header = &first.header;
    if header.pq_chunk.is_some() || header.pq_mix.is_some() || header.previous_chain_length != 0 {
        return invalid(
            TAG_MESSAGE,
            "an initial message's ratchet message has no pqChunk, no pqMix and \
             previousChainLength 0",
        );
    }
    Ok(())
}

/// An initial message (docs/protocol.md §4.2). Structure only: signatures, key ids,
/// validity and the ratchet message are checked by the responder's handshake.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InitialMessage {
    /// The initiator's capabilities, encoded (they go into the negotiation transcript as is).
    pub capabilities: Vec<u8>,
    /// The initiator's identity signing key.
    pub identity_sig_key: KeyPackage,
    /// Its encoding.
    pub identity_sig_key_encoded: Vec<u8>,
    /// The initiator's identity DH key (X25519 public key; bound by the transcript
    /// signature, valid as long as the identity signing key).
    pub identity_dh_key: [u8; 32],
    /// Key id of the responder's signed prekey used.
    pub signed_prekey_id: KeyId,
    /// Key id of the responder's KEM prekey used (absent in a classical-only handshake).
    pub kem_prekey_id: Option<KeyId>,
    /// Key id of the responder's one-time prekey used, if any.
    pub one_time_prekey_id: Option<KeyId>,
    /// The initiator's ephemeral X25519 public key `EK`.
    pub ephemeral_key: [u8; 32],
    /// The KEM ciphertext to the KEM prekey (with `kem_prekey_id`).
    pub kem_ciphertext: Option<Vec<u8>>,
    /// The initiator's hybrid signature over the transcript (always present).
    pub transcript_signature: Vec<u8>,
    /// The first ratchet message.
    pub message: RatchetMessage,
    /// Extension fields, kept as they came.
    pub extensions: Vec<Extension>,
}

impl WireMessage for InitialMessage {
    const TYPE: MessageType = MessageType::InitialMessage;

    fn from_message(msg: &Message) -> Result<Self, WireError> {
        let identity = msg.bytes(TAG_IDENTITY_SIG_KEY)?;
        Ok(InitialMessage {
            capabilities: msg.bytes(TAG_CAPABILITIES)?.to_vec(),
            identity_sig_key: KeyPackage::decode(identity)?,
            identity_sig_key_encoded: identity.to_vec(),
            identity_dh_key: msg.fixed(TAG_IDENTITY_DH_KEY)?,
            signed_prekey_id: msg.fixed(TAG_SIGNED_PREKEY_ID)?,
            kem_prekey_id: msg.opt_key_id(TAG_KEM_PREKEY_ID),
            one_time_prekey_id: msg.opt_key_id(TAG_ONE_TIME_PREKEY_ID),
            ephemeral_key: msg.fixed(TAG_EPHEMERAL_KEY)?,
            kem_ciphertext: msg.opt_bytes(TAG_KEM_CIPHERTEXT).map(<[u8]>::to_vec),
            transcript_signature: msg.bytes(TAG_TRANSCRIPT_SIGNATURE)?.to_vec(),
            message: RatchetMessage::decode(msg.bytes(TAG_MESSAGE)?)?,
            extensions: msg.extensions.clone(),
        })
    }

    fn to_message(&self) -> Message {
        let mut msg = Message::new(Self::TYPE);
        msg.set_bytes(TAG_CAPABILITIES, &self.capabilities)
            .set_bytes(TAG_IDENTITY_SIG_KEY, &self.identity_sig_key_encoded)
            .set_bytes(TAG_IDENTITY_DH_KEY, &self.identity_dh_key)
            .set_bytes(TAG_SIGNED_PREKEY_ID, &self.signed_prekey_id)
            .set_opt_bytes(TAG_KEM_PREKEY_ID, self.kem_prekey_id.as_ref())
            .set_opt_bytes(TAG_ONE_TIME_PREKEY_ID, self.one_time_prekey_id.as_ref())
            .set_bytes(TAG_EPHEMERAL_KEY, &self.ephemeral_key)
            .set_opt_bytes(TAG_KEM_CIPHERTEXT, self.kem_ciphertext.as_deref())
            .set_bytes(TAG_TRANSCRIPT_SIGNATURE, &self.transcript_signature)
            // Laid out unchecked: the encoder checks the nested bytes as the decoder
            // does, so a broken ratchet message gets the decoder's code and offset.
            .set(
                TAG_MESSAGE,
                Value::Bytes(lay_out(&self.message.to_message())),
            );
        msg.extensions = self.extensions.clone();
        msg
    }
}

impl InitialMessage {
    /// Refuses extension fields (`UNKNOWN_TAG`): nothing in the handshake authenticates
    /// them (neither `TH` nor the first message's associated data covers them), so a
    /// responder must not act on bytes anyone on the path could have added.
    pub fn refuse_extensions(&self) -> Result<(), WireError> {
        Extension::refuse_all(
            &self.extensions,
            "an initial message carries no extensions (they would not be authenticated)",
        )
    }

    /// The initiator's identity signature suite.
    pub fn identity_suite(&self) -> Option<SigSuite> {
        self.identity_sig_key.sig_suite()
    }
}
