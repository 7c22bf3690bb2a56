//! The key package: one public key with its suite, a 16-byte key id and its validity
//! period. Prekey bundles and server key files are built from these.

use super::codec::{decode_as, encode};
use super::error::{WireError, WireErrorCode};
use super::limits::{KEY_ID_LEN, MAX_PUBLIC_KEY_LEN};
use super::message::{Extension, Message, MessageSpec, MessageType};
use super::schema::{FieldKind, FieldSpec, SuiteRole, Value};
use crate::{kem, sig, KemSuite, SigSuite};

/// Tag of the key id.
pub const TAG_KEY_ID: u16 = 0x0001;
/// Tag of the KEM suite (present for a KEM key).
pub const TAG_KEM_SUITE: u16 = 0x0002;
/// Tag of the signature suite (present for a signing key).
pub const TAG_SIG_SUITE: u16 = 0x0003;
/// Tag of the public key.
pub const TAG_PUBLIC_KEY: u16 = 0x0004;
/// Tag of the creation time.
pub const TAG_CREATED: u16 = 0x0005;
/// Tag of the expiry time.
pub const TAG_EXPIRES: u16 = 0x0006;

/// The field table of the key package.
pub(crate) static SPEC: MessageSpec = MessageSpec {
    name: "key-package",
    fields: &[
        FieldSpec {
            tag: TAG_KEY_ID,
            name: "keyId",
            kind: FieldKind::KeyId,
            required: true,
        },
        FieldSpec {
            tag: TAG_KEM_SUITE,
            name: "kemSuite",
            kind: FieldKind::Suite(SuiteRole::Kem),
            required: false,
        },
        FieldSpec {
            tag: TAG_SIG_SUITE,
            name: "sigSuite",
            kind: FieldKind::Suite(SuiteRole::Sig),
            required: false,
        },
        FieldSpec {
            tag: TAG_PUBLIC_KEY,
            name: "publicKey",
            kind: FieldKind::Bytes {
                min: 1,
                max: MAX_PUBLIC_KEY_LEN,
            },
            required: true,
        },
        FieldSpec {
            tag: TAG_CREATED,
            name: "created",
            kind: FieldKind::Time,
            required: true,
        },
        FieldSpec {
            tag: TAG_EXPIRES,
            name: "expires",
            kind: FieldKind::Time,
            required: true,
        },
    ],
    validate,
};

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
    if key.len() != expected {
        return Err(msg.field_error(
            WireErrorCode::BadLength,
            TAG_PUBLIC_KEY,
            format!(
                "public key of {} bytes, the suite needs {expected}",
                key.len()
            ),
        ));
    }
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
    pub key_id: [u8; KEY_ID_LEN],
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

impl KeyPackage {
    /// The typed view of a decoded key package.
    pub fn from_message(msg: &Message) -> Result<Self, WireError> {
        let suite = match (msg.opt_suite(TAG_KEM_SUITE), msg.opt_suite(TAG_SIG_SUITE)) {
            (Some(code), _) => KemSuite::from_code(code).ok().map(PackageSuite::Kem),
            (None, Some(code)) => SigSuite::from_code(code).ok().map(PackageSuite::Sig),
            (None, None) => None,
        }
        .ok_or_else(|| msg.missing(TAG_KEM_SUITE))?;
        Ok(KeyPackage {
            key_id: msg
                .opt_key_id(TAG_KEY_ID)
                .ok_or_else(|| msg.missing(TAG_KEY_ID))?,
            suite,
            public_key: msg.bytes(TAG_PUBLIC_KEY)?.to_vec(),
            created: msg.uint(TAG_CREATED)?,
            expires: msg.uint(TAG_EXPIRES)?,
            extensions: msg.extensions.clone(),
        })
    }

    /// The generic message for this value.
    pub fn to_message(&self) -> Message {
        let mut msg = Message::new(MessageType::KeyPackage);
        msg.set(TAG_KEY_ID, Value::Bytes(self.key_id.to_vec()));
        match self.suite {
            PackageSuite::Kem(s) => msg.set(TAG_KEM_SUITE, Value::Suite(s.code())),
            PackageSuite::Sig(s) => msg.set(TAG_SIG_SUITE, Value::Suite(s.code())),
        };
        msg.set(TAG_PUBLIC_KEY, Value::Bytes(self.public_key.clone()))
            .set(TAG_CREATED, Value::Uint(self.created))
            .set(TAG_EXPIRES, Value::Uint(self.expires));
        msg.extensions = self.extensions.clone();
        msg
    }

    /// Decodes a key package.
    pub fn decode(bytes: &[u8]) -> Result<Self, WireError> {
        Self::from_message(&decode_as(bytes, MessageType::KeyPackage)?)
    }

    /// Encodes canonically.
    pub fn encode(&self) -> Result<Vec<u8>, WireError> {
        encode(&self.to_message())
    }

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
            if s.len() != expected {
                return Err(msg.field_error(
                    WireErrorCode::BadLength,
                    tag,
                    format!(
                        "signature of {} bytes, {} needs {expected}",
                        s.len(),
                        identity.name()
                    ),
                ));
            }
        }
    }
    Ok(())
}
