//! The key package: one public key with its suite, a 16-byte key id and its validity
//! period. Prekey bundles and server key files are built from these.

use super::error::{WireError, WireErrorCode};
use super::limits::{KEY_ID_LEN, MAX_PUBLIC_KEY_LEN};
use super::message::{Extension, Message, MessageType};
use super::schema::{FieldKind, SuiteRole, Value};
use super::typed::{wire_fields, WireMessage};
use crate::{kem, sig, KemSuite, SigSuite};

/// A 16-byte key id (protocol.md §2): of a key package, a prekey, a ratchet KEM key, a
/// channel key.
pub type KeyId = [u8; KEY_ID_LEN];

wire_fields! {
    "key-package", validate: validate;
    /// Tag of the key id.
    TAG_KEY_ID = 0x0001, "keyId", FieldKind::KeyId, required;
    /// Tag of the KEM suite (present for a KEM key).
    TAG_KEM_SUITE = 0x0002, "kemSuite", FieldKind::Suite(SuiteRole::Kem), optional;
    /// Tag of the signature suite (present for a signing key).
    TAG_SIG_SUITE = 0x0003, "sigSuite", FieldKind::Suite(SuiteRole::Sig), optional;
    /// Tag of the public key.
    TAG_PUBLIC_KEY = 0x0004, "publicKey", FieldKind::Bytes { min: 1, max: MAX_PUBLIC_KEY_LEN }, required;
    /// Tag of the creation time.
    TAG_CREATED = 0x0005, "created", FieldKind::Time, required;
    /// Tag of the expiry time.
    TAG_EXPIRES = 0x0006, "expires", FieldKind::Time, required;
}
use tags::*;

/// Exactly one suite; the public key has that suite's exact length; it expires after it
/// was created.
fn validate(msg: &Message) -> Result<(), WireError> {
    let expected = match (msg.opt_suite(TAG_KEM_SUITE), msg.opt_suite(TAG_SIG_SUITE)) {
        (Some(code), None) => {
            KemSuite::from_code(code).map(|s| kem::backend(s).lengths().public_key)
        }
        (None, Some(code)) => {
            SigSuite::from_code(code).map(|s| sig::backend(s).lengths().public_key)
        }
        (Some(_), Some(_)) => {
            return Err(msg.field_error(
                WireErrorCode::InvalidField,
                TAG_SIG_SUITE,
                "a key package names either a KEM suite or a signature suite, not both",
            ))
        }
        (None, None) => {
            return Err(msg.field_error(
                WireErrorCode::MissingField,
                TAG_KEM_SUITE,
                "a key package needs a KEM suite or a signature suite",
            ))
        }
    }
    .map_err(|_| msg.field_error(WireErrorCode::UnknownSuite, TAG_KEM_SUITE, "unknown suite"))?;
    let key = msg.bytes(TAG_PUBLIC_KEY)?;
    msg.check_field_len(
        TAG_PUBLIC_KEY,
        ("public key", key.len()),
        "the suite",
        expected,
    )?;
    let (created, expires) = (msg.uint(TAG_CREATED)?, msg.uint(TAG_EXPIRES)?);
    if expires <= created {
        return Err(msg.field_error(
            WireErrorCode::InvalidField,
            TAG_EXPIRES,
            "expiry must be after creation",
        ));
    }
    Ok(())
}

/// Which key a package holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PackageSuite {
    /// A KEM public key.
    Kem(KemSuite),
    /// A signature verification key.
    Sig(SigSuite),
}

/// A public key with its suite, key id and validity period (unix seconds).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyPackage {
    /// The key id.
    pub key_id: KeyId,
    /// The suite.
    pub suite: PackageSuite,
    /// The public key, exactly as long as the suite requires.
    pub public_key: Vec<u8>,
    /// Creation time.
    pub created: u64,
    /// Expiry time (after `created`).
    pub expires: u64,
    /// Extension fields, kept as they came.
    pub extensions: Vec<Extension>,
}

impl WireMessage for KeyPackage {
    const TYPE: MessageType = MessageType::KeyPackage;

    fn from_message(msg: &Message) -> Result<Self, WireError> {
        let suite = match (msg.opt_suite(TAG_KEM_SUITE), msg.opt_suite(TAG_SIG_SUITE)) {
            (Some(code), _) => KemSuite::from_code(code).ok().map(PackageSuite::Kem),
            (None, Some(code)) => SigSuite::from_code(code).ok().map(PackageSuite::Sig),
            (None, None) => None,
        }
        .ok_or_else(|| msg.missing(TAG_KEM_SUITE))?;
        Ok(KeyPackage {
            key_id: msg.fixed(TAG_KEY_ID)?,
            suite,
            public_key: msg.bytes(TAG_PUBLIC_KEY)?.to_vec(),
            created: msg.uint(TAG_CREATED)?,
            expires: msg.uint(TAG_EXPIRES)?,
            extensions: msg.extensions.clone(),
        })
    }

    fn to_message(&self) -> Message {
        let mut msg = Message::new(Self::TYPE);
        msg.set_bytes(TAG_KEY_ID, &self.key_id);
        match self.suite {
            PackageSuite::Kem(s) => msg.set(TAG_KEM_SUITE, Value::Suite(s.code())),
            PackageSuite::Sig(s) => msg.set(TAG_SIG_SUITE, Value::Suite(s.code())),
        };
        msg.set_bytes(TAG_PUBLIC_KEY, &self.public_key)
            .set(TAG_CREATED, Value::Uint(self.created))
            .set(TAG_EXPIRES, Value::Uint(self.expires));
        msg.extensions = self.extensions.clone();
        msg
    }
}

impl KeyPackage {
    /// The signature suite, for a signing key.
    pub fn sig_suite(&self) -> Option<SigSuite> {
        match self.suite {
            PackageSuite::Sig(s) => Some(s),
            PackageSuite::Kem(_) => None,
        }
    }

    /// Whether the key is valid at `now` (unix seconds): `created <= now < expires`.
    pub fn is_valid_at(&self, now: u64) -> bool {
        self.created <= now && now < self.expires
    }
}

/// The suite of the nested key package in field `tag` of `msg` (already decoded once by
/// the codec), for the cross-field rules of messages that carry keys.
pub(crate) fn nested_suite(msg: &Message, tag: u16) -> Result<Option<PackageSuite>, WireError> {
    match msg.opt_bytes(tag) {
        Some(b) => Ok(Some(KeyPackage::decode(b)?.suite)),
        None => Ok(None),
    }
}

/// Every signature field among `tags` that is present has `identity`'s exact signature
/// length, else `BAD_LENGTH` at that field.
pub(crate) fn check_signature_lengths(
    msg: &Message,
    identity: SigSuite,
    tags: &[u16],
) -> Result<(), WireError> {
    let expected = sig::backend(identity).lengths().signature;
    for &tag in tags {
        if let Some(s) = msg.opt_bytes(tag) {
            msg.check_field_len(tag, ("signature", s.len()), identity.name(), expected)?;
        }
    }
    Ok(())
}

/// A key package with the identity key's signature over its encoding (an identity's own
/// DH key, in its record; protocol v2 signs no key package on the wire).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedKey {
    /// The key package.
    pub key: KeyPackage,
    /// The exact encoding the signature covers (as received, or as encoded).
    pub encoded: Vec<u8>,
    /// The signature (empty when nothing signed the package).
    pub signature: Vec<u8>,
}
