//! The capabilities message: the wire versions, suites and features a party offers,
//! each list in the party's order of preference. Negotiation (the `negotiation` module)
//! picks from two of these and hashes both encodings into the transcript.

use super::error::WireError;
use super::limits::VERSION;
use super::message::{Extension, Message, MessageType};
use super::schema::{FieldKind, SuiteRole, Value};
use super::typed::{wire_fields, WireMessage};
use crate::{AeadSuite, KemSuite, SigSuite};

wire_fields! {
    "capabilities", validate: |_| Ok(());
    /// Tag of the wire-version list.
    TAG_VERSIONS = 0x0001, "versions", FieldKind::VersionList, required;
    /// Tag of the key-exchange suite list.
    TAG_KEX_SUITES = 0x0002, "kexSuites", FieldKind::SuiteList(SuiteRole::Kem), required;
    /// Tag of the signature suite list.
    TAG_SIG_SUITES = 0x0003, "sigSuites", FieldKind::SuiteList(SuiteRole::Sig), required;
    /// Tag of the AEAD suite list.
    TAG_AEAD_SUITES = 0x0004, "aeadSuites", FieldKind::SuiteList(SuiteRole::Aead), required;
    /// Tag of the feature flags.
    TAG_FEATURES = 0x0005, "features", FieldKind::Features, required;
}
use tags::*;

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

impl WireMessage for Capabilities {
    const TYPE: MessageType = MessageType::Capabilities;

    fn from_message(msg: &Message) -> Result<Self, WireError> {
        Ok(Capabilities {
            versions: msg.versions(TAG_VERSIONS)?.to_vec(),
            kex_suites: msg.suites(TAG_KEX_SUITES)?.to_vec(),
            sig_suites: msg.suites(TAG_SIG_SUITES)?.to_vec(),
            aead_suites: msg.suites(TAG_AEAD_SUITES)?.to_vec(),
            features: msg.uint(TAG_FEATURES)? as u32,
            extensions: msg.extensions.clone(),
        })
    }

    fn to_message(&self) -> Message {
        let mut msg = Message::new(Self::TYPE);
        msg.set(TAG_VERSIONS, Value::Versions(self.versions.clone()))
            .set(TAG_KEX_SUITES, Value::Suites(self.kex_suites.clone()))
            .set(TAG_SIG_SUITES, Value::Suites(self.sig_suites.clone()))
            .set(TAG_AEAD_SUITES, Value::Suites(self.aead_suites.clone()))
            .set(TAG_FEATURES, Value::Uint(self.features.into()));
        msg.extensions = self.extensions.clone();
        msg
    }
}
