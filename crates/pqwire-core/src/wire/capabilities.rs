//! The capabilities message: the wire versions, suites and features a party offers,
//! each list in the party's order of preference. Negotiation (the `negotiation` module)
//! picks from two of these and hashes both encodings into the transcript.
//!
//! A party with MLS groups also sets the [`FEATURE_MLS`] bit and lists its MLS cipher
//! suites in `mlsSuites`; the two go together (a message with one and not the other is
//! malformed). Without MLS, neither is there and the encoding is the one it always was.

use super::error::{WireError, WireErrorCode};
use super::limits::VERSION;
use super::message::{Extension, Message, MessageType};
use super::schema::{FieldKind, SuiteRole, Value};
use super::typed::{wire_fields, WireMessage};
use crate::{AeadSuite, KemSuite, SigSuite};

wire_fields! {
    "capabilities", validate: validate;
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
    /// Tag of the MLS cipher suite list: present exactly when the `mls` feature is set.
    TAG_MLS_SUITES = 0x0006, "mlsSuites", FieldKind::SuiteList(SuiteRole::Mls), optional;
}
use tags::*;

/// Feature flags of wire version 2: `(bit, name)`. Unknown bits are carried, never used.
pub const FEATURES: &[(u32, &str)] = &[
    (0, "hybrid-auth"),
    (1, "kem-ratchet"),
    (2, "channel-simplex"),
    (3, "channel-duplex"),
    (FEATURE_MLS, "mls"),
];

/// The bit of the `mls` feature ("supports MLS"): the party has MLS groups and lists its
/// MLS cipher suites in `mlsSuites`.
pub const FEATURE_MLS: u32 = 4;

/// The `mls` feature and the `mlsSuites` list come together: the bit without the list
/// (`MISSING_FIELD` at `mlsSuites`) or the list without the bit (`INVALID_FIELD` at
/// `mlsSuites`) is malformed, so that "supports MLS" never has two meanings.
fn validate(msg: &Message) -> Result<(), WireError> {
    let feature = msg.uint(TAG_FEATURES)? & (1 << FEATURE_MLS) != 0;
    match (feature, msg.get(TAG_MLS_SUITES).is_some()) {
        (true, false) => Err(msg.field_error(
            WireErrorCode::MissingField,
            TAG_MLS_SUITES,
            "the mls feature is set but no MLS suites are listed",
        )),
        (false, true) => Err(msg.field_error(
            WireErrorCode::InvalidField,
            TAG_MLS_SUITES,
            "MLS suites are listed but the mls feature is not set",
        )),
        _ => Ok(()),
    }
}

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
    /// MLS cipher suite codes ([`crate::MlsSuite`]), most preferred first; empty when the
    /// party offers no MLS (the field is then absent). Not empty exactly when `features`
    /// has the [`FEATURE_MLS`] bit: encoding and decoding refuse anything else.
    pub mls_suites: Vec<u16>,
    /// Extension fields, kept as they came.
    pub extensions: Vec<Extension>,
}

impl Capabilities {
    /// Whether the party offers MLS groups (the [`FEATURE_MLS`] bit).
    pub fn supports_mls(&self) -> bool {
        self.features & (1 << FEATURE_MLS) != 0
    }

    /// These capabilities offering MLS with `suites` (most preferred first): sets the
    /// [`FEATURE_MLS`] bit and the list; an empty `suites` offers no MLS (clears both).
    ///
    /// ```
    /// use pqwire_core::wire::{Capabilities, WireMessage};
    /// use pqwire_core::MlsSuite;
    /// let caps = Capabilities::default().with_mls(MlsSuite::ALL);
    /// assert!(caps.supports_mls());
    /// assert_eq!(Capabilities::decode(&caps.encode()?)?, caps);
    /// assert!(!caps.with_mls(&[]).supports_mls());
    /// # Ok::<(), pqwire_core::Error>(())
    /// ```
    pub fn with_mls(mut self, suites: &[crate::MlsSuite]) -> Self {
        self.mls_suites = suites.iter().map(|s| s.code()).collect();
        if self.mls_suites.is_empty() {
            self.features &= !(1 << FEATURE_MLS);
        } else {
            self.features |= 1 << FEATURE_MLS;
        }
        self
    }
}

impl Default for Capabilities {
    /// Everything this library offers, post-quantum first, and every feature but `mls`:
    /// MLS groups are another crate's (`pqwire-mls`), so the core alone offers none (see
    /// [`Capabilities::with_mls`]).
    fn default() -> Self {
        Capabilities {
            versions: vec![VERSION],
            kex_suites: KemSuite::ALL.iter().map(|s| s.code()).collect(),
            sig_suites: SigSuite::ALL.iter().map(|s| s.code()).collect(),
            aead_suites: AeadSuite::ALL.iter().map(|s| s.code()).collect(),
            features: FEATURES
                .iter()
                .filter(|(bit, _)| *bit != FEATURE_MLS)
                .fold(0, |acc, (bit, _)| acc | (1 << bit)),
            mls_suites: Vec::new(),
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
            mls_suites: match msg.get(TAG_MLS_SUITES) {
                Some(_) => msg.suites(TAG_MLS_SUITES)?.to_vec(),
                None => Vec::new(),
            },
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
        if !self.mls_suites.is_empty() {
            msg.set(TAG_MLS_SUITES, Value::Suites(self.mls_suites.clone()));
        }
        msg.extensions = self.extensions.clone();
        msg
    }
}
