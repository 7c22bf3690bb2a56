//! The prekey bundle (docs/protocol.md §3): what a server hands an initiator so that it
//! can start a session with an offline responder. Every key is a nested key package,
//! so its suite, id and validity travel with it; the signatures cover those exact bytes.

use super::error::{WireError, WireErrorCode};
use super::key_package::{check_signature_lengths, nested_suite, KeyPackage, PackageSuite};
use super::message::{Extension, Message, MessageType};
use super::schema::{FieldKind, Value};
use super::typed::{wire_fields, WireMessage};
use crate::{KemSuite, SigSuite};

wire_fields! {
    "prekey-bundle", validate: validate;
    /// Tag of the responder's capabilities (a nested capabilities message).
    TAG_CAPABILITIES = 0x0001, "capabilities", FieldKind::CAPABILITIES, required;
    /// Tag of the identity signing key (nested key package, signature suite).
    TAG_IDENTITY_SIG_KEY = 0x0002, "identitySigKey", FieldKind::KEY_PACKAGE, required;
    /// Tag of the identity DH key (nested key package, X25519).
    TAG_IDENTITY_DH_KEY = 0x0003, "identityDhKey", FieldKind::KEY_PACKAGE, required;
    /// Tag of the identity signing key's signature over the identity DH key package.
    TAG_IDENTITY_DH_SIGNATURE = 0x0004, "identityDhSignature", FieldKind::SIGNATURE, required;
    /// Tag of the signed prekey (nested key package, X25519).
    TAG_SIGNED_PREKEY = 0x0005, "signedPrekey", FieldKind::KEY_PACKAGE, required;
    /// Tag of the signed prekey's signature.
    TAG_SIGNED_PREKEY_SIGNATURE = 0x0006, "signedPrekeySignature", FieldKind::SIGNATURE, required;
    /// Tag of the KEM prekey (nested key package, ML-KEM): one-time, or the last-resort one.
    TAG_KEM_PREKEY = 0x0007, "kemPrekey", FieldKind::KEY_PACKAGE, optional;
    /// Tag of the KEM prekey's signature.
    TAG_KEM_PREKEY_SIGNATURE = 0x0008, "kemPrekeySignature", FieldKind::SIGNATURE, optional;
    /// Tag of the flag saying the KEM prekey is the last-resort one (1) or one-time (0).
    TAG_KEM_PREKEY_LAST_RESORT = 0x0009, "kemPrekeyLastResort", FieldKind::U8, optional;
    /// Tag of the one-time X25519 prekey (nested key package).
    TAG_ONE_TIME_PREKEY = 0x000A, "oneTimePrekey", FieldKind::KEY_PACKAGE, optional;
    /// Tag of the one-time prekey's signature.
    TAG_ONE_TIME_PREKEY_SIGNATURE = 0x000B, "oneTimePrekeySignature", FieldKind::SIGNATURE, optional;
}
use tags::*;

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

impl SignedKey {
    /// Sets `key` to the key's encoding and `signature` to its signature.
    pub(crate) fn put(&self, msg: &mut Message, key: u16, signature: u16) {
        msg.set_bytes(key, &self.encoded)
            .set_bytes(signature, &self.signature);
    }
}

impl WireMessage for PrekeyBundle {
    const TYPE: MessageType = MessageType::PrekeyBundle;

    fn from_message(msg: &Message) -> Result<Self, WireError> {
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

    /// Nested keys as their `encoded` bytes.
    fn to_message(&self) -> Message {
        let mut msg = Message::new(Self::TYPE);
        msg.set_bytes(TAG_CAPABILITIES, &self.capabilities)
            .set_bytes(TAG_IDENTITY_SIG_KEY, &self.identity_sig_key_encoded);
        self.identity_dh_key
            .put(&mut msg, TAG_IDENTITY_DH_KEY, TAG_IDENTITY_DH_SIGNATURE);
        self.signed_prekey
            .put(&mut msg, TAG_SIGNED_PREKEY, TAG_SIGNED_PREKEY_SIGNATURE);
        if let Some(k) = &self.kem_prekey {
            k.put(&mut msg, TAG_KEM_PREKEY, TAG_KEM_PREKEY_SIGNATURE);
            msg.set(
                TAG_KEM_PREKEY_LAST_RESORT,
                Value::Uint(self.kem_prekey_last_resort.into()),
            );
        }
        if let Some(k) = &self.one_time_prekey {
            k.put(&mut msg, TAG_ONE_TIME_PREKEY, TAG_ONE_TIME_PREKEY_SIGNATURE);
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
}
