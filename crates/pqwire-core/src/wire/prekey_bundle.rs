//! The prekey bundle (docs/protocol.md §3): what a server hands an initiator so that it
//! can start a session with an offline responder. Every key is a nested key package,
//! so its suite, id and validity travel with it; the signatures cover those exact bytes.

use super::codec::{decode_as, encode};
use super::error::{WireError, WireErrorCode};
use super::key_package::{check_signature_lengths, nested_suite, KeyPackage, PackageSuite};
use super::limits::MAX_SIGNATURE_LEN;
use super::message::{Extension, Message, MessageSpec, MessageType};
use super::schema::{FieldKind, FieldSpec, Value};
use crate::{KemSuite, SigSuite};

/// Tag of the responder's capabilities (a nested capabilities message).
pub const TAG_CAPABILITIES: u16 = 0x0001;
/// Tag of the identity signing key (nested key package, signature suite).
pub const TAG_IDENTITY_SIG_KEY: u16 = 0x0002;
/// Tag of the identity DH key (nested key package, X25519).
pub const TAG_IDENTITY_DH_KEY: u16 = 0x0003;
/// Tag of the identity signing key's signature over the identity DH key package.
pub const TAG_IDENTITY_DH_SIGNATURE: u16 = 0x0004;
/// Tag of the signed prekey (nested key package, X25519).
pub const TAG_SIGNED_PREKEY: u16 = 0x0005;
/// Tag of the signed prekey's signature.
pub const TAG_SIGNED_PREKEY_SIGNATURE: u16 = 0x0006;
/// Tag of the KEM prekey (nested key package, ML-KEM): one-time, or the last-resort one.
pub const TAG_KEM_PREKEY: u16 = 0x0007;
/// Tag of the KEM prekey's signature.
pub const TAG_KEM_PREKEY_SIGNATURE: u16 = 0x0008;
/// Tag of the flag saying the KEM prekey is the last-resort one (1) or one-time (0).
pub const TAG_KEM_PREKEY_LAST_RESORT: u16 = 0x0009;
/// Tag of the one-time X25519 prekey (nested key package).
pub const TAG_ONE_TIME_PREKEY: u16 = 0x000A;
/// Tag of the one-time prekey's signature.
pub const TAG_ONE_TIME_PREKEY_SIGNATURE: u16 = 0x000B;

const fn nested(tag: u16, name: &'static str, ty: MessageType, required: bool) -> FieldSpec {
    FieldSpec {
        tag,
        name,
        kind: FieldKind::Message(ty),
        required,
    }
}

const fn signature(tag: u16, name: &'static str, required: bool) -> FieldSpec {
    FieldSpec {
        tag,
        name,
        kind: FieldKind::Bytes {
            min: 1,
            max: MAX_SIGNATURE_LEN,
        },
        required,
    }
}

/// The field table of the prekey bundle.
pub(crate) static SPEC: MessageSpec = MessageSpec {
    name: "prekey-bundle",
    fields: &[
        nested(
            TAG_CAPABILITIES,
            "capabilities",
            MessageType::Capabilities,
            true,
        ),
        nested(
            TAG_IDENTITY_SIG_KEY,
            "identitySigKey",
            MessageType::KeyPackage,
            true,
        ),
        nested(
            TAG_IDENTITY_DH_KEY,
            "identityDhKey",
            MessageType::KeyPackage,
            true,
        ),
        signature(TAG_IDENTITY_DH_SIGNATURE, "identityDhSignature", true),
        nested(
            TAG_SIGNED_PREKEY,
            "signedPrekey",
            MessageType::KeyPackage,
            true,
        ),
        signature(TAG_SIGNED_PREKEY_SIGNATURE, "signedPrekeySignature", true),
        nested(TAG_KEM_PREKEY, "kemPrekey", MessageType::KeyPackage, false),
        signature(TAG_KEM_PREKEY_SIGNATURE, "kemPrekeySignature", false),
        FieldSpec {
            tag: TAG_KEM_PREKEY_LAST_RESORT,
            name: "kemPrekeyLastResort",
            kind: FieldKind::U8,
            required: false,
        },
        nested(
            TAG_ONE_TIME_PREKEY,
            "oneTimePrekey",
            MessageType::KeyPackage,
            false,
        ),
        signature(
            TAG_ONE_TIME_PREKEY_SIGNATURE,
            "oneTimePrekeySignature",
            false,
        ),
    ],
    validate,
};

/// Which suite each key has; signatures have the identity suite's exact length and come
/// with their keys; the last-resort flag is 0 or 1 and comes with the KEM prekey.
fn validate(msg: &Message) -> Result<(), WireError> {
    let invalid =
        |tag, detail: &str| Err(msg.field_error(WireErrorCode::InvalidField, tag, detail));
    let Some(PackageSuite::Sig(identity)) = nested_suite(msg, TAG_IDENTITY_SIG_KEY)? else {
        return invalid(
            TAG_IDENTITY_SIG_KEY,
            "the identity signing key must have a signature suite",
        );
    };
    for tag in [TAG_IDENTITY_DH_KEY, TAG_SIGNED_PREKEY, TAG_ONE_TIME_PREKEY] {
        match nested_suite(msg, tag)? {
            None | Some(PackageSuite::Kem(KemSuite::X25519)) => {}
            Some(_) => return invalid(tag, "this key must be an X25519 key"),
        }
    }
    match nested_suite(msg, TAG_KEM_PREKEY)? {
        None
        | Some(PackageSuite::Kem(KemSuite::MlKem512 | KemSuite::MlKem768 | KemSuite::MlKem1024)) => {
        }
        Some(_) => return invalid(TAG_KEM_PREKEY, "the KEM prekey must be an ML-KEM key"),
    }
    let pairs = [
        (TAG_KEM_PREKEY, TAG_KEM_PREKEY_SIGNATURE),
        (TAG_KEM_PREKEY, TAG_KEM_PREKEY_LAST_RESORT),
        (TAG_ONE_TIME_PREKEY, TAG_ONE_TIME_PREKEY_SIGNATURE),
    ];
    for (key, companion) in pairs {
        match (msg.get(key).is_some(), msg.get(companion).is_some()) {
            (true, false) => return Err(msg.missing(companion)),
            (false, true) => return invalid(companion, "present without the key it belongs to"),
            _ => {}
        }
    }
    if msg
        .opt_uint(TAG_KEM_PREKEY_LAST_RESORT)
        .is_some_and(|v| v > 1)
    {
        return invalid(TAG_KEM_PREKEY_LAST_RESORT, "must be 0 or 1");
    }
    check_signature_lengths(
        msg,
        identity,
        &[
            TAG_IDENTITY_DH_SIGNATURE,
            TAG_SIGNED_PREKEY_SIGNATURE,
            TAG_KEM_PREKEY_SIGNATURE,
            TAG_ONE_TIME_PREKEY_SIGNATURE,
        ],
    )?;
    Ok(())
}

/// A key package with the identity key's signature over its encoding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedKey {
    /// The key package.
    pub key: KeyPackage,
    /// The exact encoding the signature covers (as received, or as encoded).
    pub encoded: Vec<u8>,
    /// The signature.
    pub signature: Vec<u8>,
}

/// A prekey bundle (docs/protocol.md §3). Structure only: signatures and validity times
/// are checked by the handshake, which knows the time and the pinned identities.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrekeyBundle {
    /// The responder's capabilities, encoded (they go into the negotiation transcript as is).
    pub capabilities: Vec<u8>,
    /// The identity signing key.
    pub identity_sig_key: KeyPackage,
    /// Its encoding.
    pub identity_sig_key_encoded: Vec<u8>,
    /// The identity DH key, signed.
    pub identity_dh_key: SignedKey,
    /// The signed X25519 prekey.
    pub signed_prekey: SignedKey,
    /// The ML-KEM prekey (one-time, or last-resort when `kem_prekey_last_resort`).
    pub kem_prekey: Option<SignedKey>,
    /// Whether `kem_prekey` is the last-resort key.
    pub kem_prekey_last_resort: bool,
    /// A one-time X25519 prekey.
    pub one_time_prekey: Option<SignedKey>,
    /// Extension fields, kept as they came.
    pub extensions: Vec<Extension>,
}

fn signed(msg: &Message, key: u16, signature: u16) -> Result<Option<SignedKey>, WireError> {
    let Some(encoded) = msg.opt_bytes(key) else {
        return Ok(None);
    };
    Ok(Some(SignedKey {
        key: KeyPackage::decode(encoded)?,
        encoded: encoded.to_vec(),
        signature: msg.bytes(signature)?.to_vec(),
    }))
}

impl PrekeyBundle {
    /// The typed view of a decoded bundle.
    pub fn from_message(msg: &Message) -> Result<Self, WireError> {
        let identity = msg.bytes(TAG_IDENTITY_SIG_KEY)?;
        let required = |key, sig| signed(msg, key, sig)?.ok_or_else(|| msg.missing(key));
        Ok(PrekeyBundle {
            capabilities: msg.bytes(TAG_CAPABILITIES)?.to_vec(),
            identity_sig_key: KeyPackage::decode(identity)?,
            identity_sig_key_encoded: identity.to_vec(),
            identity_dh_key: required(TAG_IDENTITY_DH_KEY, TAG_IDENTITY_DH_SIGNATURE)?,
            signed_prekey: required(TAG_SIGNED_PREKEY, TAG_SIGNED_PREKEY_SIGNATURE)?,
            kem_prekey: signed(msg, TAG_KEM_PREKEY, TAG_KEM_PREKEY_SIGNATURE)?,
            kem_prekey_last_resort: msg.opt_uint(TAG_KEM_PREKEY_LAST_RESORT) == Some(1),
            one_time_prekey: signed(msg, TAG_ONE_TIME_PREKEY, TAG_ONE_TIME_PREKEY_SIGNATURE)?,
            extensions: msg.extensions.clone(),
        })
    }

    /// The generic message for this value (nested keys as their `encoded` bytes).
    pub fn to_message(&self) -> Message {
        let mut msg = Message::new(MessageType::PrekeyBundle);
        msg.set(TAG_CAPABILITIES, Value::Bytes(self.capabilities.clone()))
            .set(
                TAG_IDENTITY_SIG_KEY,
                Value::Bytes(self.identity_sig_key_encoded.clone()),
            );
        let mut put = |key: u16, signature: u16, k: &SignedKey| {
            msg.set(key, Value::Bytes(k.encoded.clone()));
            msg.set(signature, Value::Bytes(k.signature.clone()));
        };
        put(
            TAG_IDENTITY_DH_KEY,
            TAG_IDENTITY_DH_SIGNATURE,
            &self.identity_dh_key,
        );
        put(
            TAG_SIGNED_PREKEY,
            TAG_SIGNED_PREKEY_SIGNATURE,
            &self.signed_prekey,
        );
        if let Some(k) = &self.kem_prekey {
            put(TAG_KEM_PREKEY, TAG_KEM_PREKEY_SIGNATURE, k);
        }
        if let Some(k) = &self.one_time_prekey {
            put(TAG_ONE_TIME_PREKEY, TAG_ONE_TIME_PREKEY_SIGNATURE, k);
        }
        if self.kem_prekey.is_some() {
            msg.set(
                TAG_KEM_PREKEY_LAST_RESORT,
                Value::Uint(self.kem_prekey_last_resort.into()),
            );
        }
        msg.extensions = self.extensions.clone();
        msg
    }

    /// Decodes a prekey bundle.
    pub fn decode(bytes: &[u8]) -> Result<Self, WireError> {
        Self::from_message(&decode_as(bytes, MessageType::PrekeyBundle)?)
    }

    /// Encodes canonically.
    pub fn encode(&self) -> Result<Vec<u8>, WireError> {
        encode(&self.to_message())
    }

    /// The identity signature suite.
    pub fn identity_suite(&self) -> Option<SigSuite> {
        self.identity_sig_key.sig_suite()
    }
}
