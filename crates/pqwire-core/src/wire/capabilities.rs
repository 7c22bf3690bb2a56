//! The capabilities message: the wire versions, suites and features a party offers,
//! each list in the party's order of preference. Negotiation ([`crate::negotiation`])
//! picks from two of these and hashes both encodings into the transcript.

use super::codec::{decode_as, encode};
use super::error::WireError;
use super::limits::VERSION;
use super::message::{Extension, Message, MessageSpec, MessageType};
use super::schema::{FieldKind, FieldSpec, SuiteRole, Value};
use crate::{AeadSuite, KemSuite, SigSuite};

/// Tag of the wire-version list.
pub const TAG_VERSIONS: u16 = 0x0001;
/// Tag of the key-exchange suite list.
pub const TAG_KEX_SUITES: u16 = 0x0002;
/// Tag of the signature suite list.
pub const TAG_SIG_SUITES: u16 = 0x0003;
/// Tag of the AEAD suite list.
pub const TAG_AEAD_SUITES: u16 = 0x0004;
/// Tag of the feature flags.
pub const TAG_FEATURES: u16 = 0x0005;

/// The field table of the capabilities message.
pub(crate) static SPEC: MessageSpec = MessageSpec {
    name: "capabilities",
    fields: &[
        FieldSpec {
            tag: TAG_VERSIONS,
            name: "versions",
            kind: FieldKind::VersionList,
            required: true,
        },
        FieldSpec {
            tag: TAG_KEX_SUITES,
            name: "kexSuites",
            kind: FieldKind::SuiteList(SuiteRole::Kem),
            required: true,
        },
        FieldSpec {
            tag: TAG_SIG_SUITES,
            name: "sigSuites",
            kind: FieldKind::SuiteList(SuiteRole::Sig),
            required: true,
        },
        FieldSpec {
            tag: TAG_AEAD_SUITES,
            name: "aeadSuites",
            kind: FieldKind::SuiteList(SuiteRole::Aead),
            required: true,
        },
        FieldSpec {
            tag: TAG_FEATURES,
            name: "features",
            kind: FieldKind::Features,
            required: true,
        },
    ],
    validate: |_| Ok(()),
};

/// Feature flags of wire version 1: `(bit, name)`. Unknown bits are carried, never used.
pub const FEATURES: &[(u32, &str)] = &[
    (0, "hybrid-auth"),
    (1, "kem-ratchet"),
    (2, "channel-simplex"),
    (3, "channel-duplex"),
];

/// The bit of a named feature.
pub fn feature_bit(name: &str) -> Option<u32> {
    FEATURES.iter().find(|(_, n)| *n == name).map(|(b, _)| *b)
}

/// The name of a feature bit, if wire version 1 defines it.
pub fn feature_name(bit: u32) -> Option<&'static str> {
    FEATURES.iter().find(|(b, _)| *b == bit).map(|(_, n)| *n)
}

/// What a party offers. Suite lists hold raw codes: a code this library does not know is
/// kept (so the encoding round-trips) and never chosen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Capabilities {
    /// Wire versions, most preferred first.
    pub versions: Vec<u8>,
    /// Key-exchange suite codes, most preferred first.
    pub kex_suites: Vec<u16>,
    /// Signature suite codes, most preferred first.
    pub sig_suites: Vec<u16>,
    /// AEAD suite codes, most preferred first.
    pub aead_suites: Vec<u16>,
    /// Feature bits (see [`FEATURES`]).
    pub features: u32,
    /// Extension fields, kept as they came.
    pub extensions: Vec<Extension>,
}

impl Default for Capabilities {
    /// Everything this library offers, post-quantum first, and every feature.
    fn default() -> Self {
        Capabilities {
            versions: vec![VERSION],
            kex_suites: KemSuite::ALL.iter().map(|s| s.code()).collect(),
            sig_suites: SigSuite::ALL.iter().map(|s| s.code()).collect(),
            aead_suites: AeadSuite::ALL.iter().map(|s| s.code()).collect(),
            features: FEATURES.iter().fold(0, |acc, (bit, _)| acc | (1 << bit)),
            extensions: Vec::new(),
        }
    }
}

impl Capabilities {
    /// The typed view of a decoded capabilities message.
    pub fn from_message(msg: &Message) -> Result<Self, WireError> {
        Ok(Capabilities {
            versions: msg.versions(TAG_VERSIONS)?.to_vec(),
            kex_suites: msg.suites(TAG_KEX_SUITES)?.to_vec(),
            sig_suites: msg.suites(TAG_SIG_SUITES)?.to_vec(),
            aead_suites: msg.suites(TAG_AEAD_SUITES)?.to_vec(),
            features: msg.uint(TAG_FEATURES)? as u32,
            extensions: msg.extensions.clone(),
        })
    }

    /// The generic message for this value.
    pub fn to_message(&self) -> Message {
        let mut msg = Message::new(MessageType::Capabilities);
        msg.set(TAG_VERSIONS, Value::Versions(self.versions.clone()))
            .set(TAG_KEX_SUITES, Value::Suites(self.kex_suites.clone()))
            .set(TAG_SIG_SUITES, Value::Suites(self.sig_suites.clone()))
            .set(TAG_AEAD_SUITES, Value::Suites(self.aead_suites.clone()))
            .set(TAG_FEATURES, Value::Uint(self.features.into()));
        msg.extensions = self.extensions.clone();
        msg
    }

    /// Decodes a capabilities message.
    pub fn decode(bytes: &[u8]) -> Result<Self, WireError> {
        Self::from_message(&decode_as(bytes, MessageType::Capabilities)?)
    }

    /// Encodes canonically.
    pub fn encode(&self) -> Result<Vec<u8>, WireError> {
        encode(&self.to_message())
    }
}
