//! The channel server key (docs/channel.md §3.1, §3.2): the configuration string and the
//! public key clients pin (wire type `0x20` `channel-server-key`). The key itself, with
//! its secret half, is the channel's (`channel::ServerKey`, `channel::ServerPublicKey`).

use crate::wire::limits::MAX_PUBLIC_KEY_LEN;
use crate::wire::schema::{FieldKind, SuiteRole};
use crate::wire::typed::wire_fields;
use crate::wire::{Message, WireError, WireErrorCode};
use crate::{sig, AeadSuite, Error, KemSuite, Result, SigSuite};

/// The first token of every configuration string: the channel protocol and its version.
pub const CHANNEL_VERSION: &str = "pqwire-channel/v1";
/// The default configuration: X-Wing, Ed25519+ML-DSA-65, ChaCha20-Poly1305.
pub const DEFAULT_CONFIG: &str =
    "pqwire-channel/v1 X25519+ML-KEM-768 Ed25519+ML-DSA-65 ChaCha20-Poly1305";

/// The longest configuration string of a server key.
pub const MAX_CONFIG_LEN: usize = 256;

wire_fields! {
    "channel-server-key", validate: validate;
    /// Tag of the key id.
    TAG_KEY_ID = 0x0001, "keyId", FieldKind::KeyId, required;
    /// Tag of the configuration string.
    TAG_CONFIG = 0x0002, "config", FieldKind::Bytes { min: 1, max: MAX_CONFIG_LEN }, required;
    /// Tag of the signature suite.
    TAG_SIG_SUITE = 0x0003, "sigSuite", FieldKind::Suite(SuiteRole::Sig), required;
    /// Tag of the verification key.
    TAG_VERIFICATION_KEY = 0x0004, "verificationKey", FieldKind::Bytes { min: 1, max: MAX_PUBLIC_KEY_LEN }, required;
    /// Tag of the creation time.
    TAG_CREATED = 0x0005, "created", FieldKind::Time, required;
    /// Tag of the expiry time.
    TAG_EXPIRES = 0x0006, "expires", FieldKind::Time, required;
}
use tags::*;

/// The configuration string parses and is canonical; its signature suite is `sigSuite`;
/// the verification key has the suite's length; the key expires after it was created.
pub(crate) fn validate(msg: &Message) -> core::result::Result<(), WireError> {
    let config = msg.bytes(TAG_CONFIG)?;
    let suites = core::str::from_utf8(config)
        .ok()
        .and_then(|s| ChannelSuites::parse(s).ok().map(|p| (s, p)))
        .filter(|(s, p)| *s == p.config())
        .map(|(_, p)| p)
        .ok_or_else(|| {
            msg.field_error(
                WireErrorCode::InvalidField,
                TAG_CONFIG,
                "not a canonical configuration \"pqwire-channel/v1 <KEM> <SIG> <AEAD>\"",
            )
        })?;
    let sig_suite = msg
        .opt_suite(TAG_SIG_SUITE)
        .and_then(|c| SigSuite::from_code(c).ok())
        .ok_or_else(|| msg.missing(TAG_SIG_SUITE))?;
    if sig_suite != suites.sig {
        return Err(msg.field_error(
            WireErrorCode::InvalidField,
            TAG_SIG_SUITE,
            "differs from the configuration's signature suite",
        ));
    }
    let expected = sig::backend(sig_suite).lengths().public_key;
    let key = msg.bytes(TAG_VERIFICATION_KEY)?;
    let len = ("verification key", key.len());
    msg.check_field_len(TAG_VERIFICATION_KEY, len, sig_suite.name(), expected)?;
    if msg.uint(TAG_EXPIRES)? <= msg.uint(TAG_CREATED)? {
        return Err(msg.field_error(
            WireErrorCode::InvalidField,
            TAG_EXPIRES,
            "expiry must be after creation",
        ));
    }
    Ok(())
}

/// The three suites a configuration string names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ChannelSuites {
    /// The KEM of the ephemeral keys.
    pub kem: KemSuite,
    /// The signature suite of the key.
    pub sig: SigSuite,
    /// The AEAD of the packets.
    pub aead: AeadSuite,
}

impl Default for ChannelSuites {
    fn default() -> Self {
        ChannelSuites {
            kem: KemSuite::XWing,
            sig: SigSuite::Ed25519MlDsa65,
            aead: AeadSuite::ChaCha20Poly1305,
        }
    }
}

impl ChannelSuites {
    /// Parses `pqwire-channel/v1 <KEM> <SIG> <AEAD>`: four tokens separated by single
    /// spaces; suite names and aliases are matched without regard to case. A wrong shape
    /// or version is `INVALID_ARGUMENT`, an unknown suite `UNKNOWN_SUITE`.
    ///
    /// ```
    /// use pqwire_core::channel::ChannelSuites;
    /// let s = ChannelSuites::parse("pqwire-channel/v1 X-Wing Ed25519+ML-DSA-65 ChaCha20-Poly1305")?;
    /// assert_eq!(s.config(), "pqwire-channel/v1 X25519+ML-KEM-768 Ed25519+ML-DSA-65 ChaCha20-Poly1305");
    /// assert_eq!(ChannelSuites::parse("pqwire-channel/v2 X-Wing Ed25519 AES-256-GCM").unwrap_err().code(), "INVALID_ARGUMENT");
    /// # Ok::<(), pqwire_core::Error>(())
    /// ```
    pub fn parse(config: &str) -> Result<Self> {
        let shape = Error::InvalidArgument {
            what:
                "configuration must be \"pqwire-channel/v1 <KEM> <SIG> <AEAD>\" (at most 256 bytes)",
        };
        if config.len() > MAX_CONFIG_LEN {
            return Err(shape);
        }
        let tokens: Vec<&str> = config.split(' ').collect();
        let [version, kem, sig, aead] = tokens.as_slice() else {
            return Err(shape);
        };
        if *version != CHANNEL_VERSION {
            return Err(shape);
        }
        Ok(ChannelSuites {
            kem: KemSuite::from_name(kem)?,
            sig: SigSuite::from_name(sig)?,
            aead: AeadSuite::from_name(aead)?,
        })
    }

    /// The canonical configuration string: each suite by its API name.
    pub fn config(&self) -> String {
        format!(
            "{CHANNEL_VERSION} {} {} {}",
            self.kem.name(),
            self.sig.name(),
            self.aead.name()
        )
    }

    /// Whether both the KEM and the signature suite resist a quantum adversary.
    pub fn is_post_quantum(&self) -> bool {
        self.kem.is_post_quantum() && self.sig.is_post_quantum()
    }
}
