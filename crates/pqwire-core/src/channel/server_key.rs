//! Server keys (docs/channel.md §3): the configuration string, the public key clients pin
//! (wire type `0x20` `channel-server-key`) and the secret key file (record type `0x16`).
//!
//! A Duplex client authenticates with a key of the same kind: [`ServerKey`] is "a channel
//! signing key", whichever side holds it.

use core::fmt;

use zeroize::Zeroizing;

use super::config::MAX_CONFIG_LEN;
use crate::pqxdh::key_id;
use crate::random::RandomSource;
use crate::ratchet::KeyId;
use crate::record::{RecordField, RecordReader, RecordWriter, TYPE_CHANNEL_SERVER_KEY};
use crate::sig::{self, SigKeyPair, SignRandomness};
use crate::wire::limits::{MAX_PUBLIC_KEY_LEN, MAX_TIME};
use crate::wire::{
    self, Extension, FieldKind, FieldSpec, Message, MessageSpec, MessageType, PackageSuite,
    SuiteRole, Value, WireError, WireErrorCode,
};
use crate::{AeadSuite, Error, KemSuite, Result, SigSuite};

/// The first token of every configuration string: the channel protocol and its version.
pub const CHANNEL_VERSION: &str = "pqwire-channel/v1";
/// The default configuration: X-Wing, Ed25519+ML-DSA-65, ChaCha20-Poly1305.
pub const DEFAULT_CONFIG: &str =
    "pqwire-channel/v1 X25519+ML-KEM-768 Ed25519+ML-DSA-65 ChaCha20-Poly1305";

/// Context string of channel signatures (none for Ed25519 alone), as in the handshake.
const SIGNATURE_CONTEXT: &[u8] = b"pqwire/v1";

/// Tag of the key id.
pub const TAG_KEY_ID: u16 = 0x0001;
/// Tag of the configuration string.
pub const TAG_CONFIG: u16 = 0x0002;
/// Tag of the signature suite.
pub const TAG_SIG_SUITE: u16 = 0x0003;
/// Tag of the verification key.
pub const TAG_VERIFICATION_KEY: u16 = 0x0004;
/// Tag of the creation time.
pub const TAG_CREATED: u16 = 0x0005;
/// Tag of the expiry time.
pub const TAG_EXPIRES: u16 = 0x0006;

/// The field table of `channel-server-key` (`0x20`).
pub(crate) static SPEC: MessageSpec = MessageSpec {
    name: "channel-server-key",
    fields: &[
        FieldSpec {
            tag: TAG_KEY_ID,
            name: "keyId",
            kind: FieldKind::KeyId,
            required: true,
        },
        FieldSpec {
            tag: TAG_CONFIG,
            name: "config",
            kind: FieldKind::Bytes {
                min: 1,
                max: MAX_CONFIG_LEN,
            },
            required: true,
        },
        FieldSpec {
            tag: TAG_SIG_SUITE,
            name: "sigSuite",
            kind: FieldKind::Suite(SuiteRole::Sig),
            required: true,
        },
        FieldSpec {
            tag: TAG_VERIFICATION_KEY,
            name: "verificationKey",
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

/// The configuration string parses and is canonical; its signature suite is `sigSuite`;
/// the verification key has the suite's length; the key expires after it was created.
fn validate(msg: &Message) -> core::result::Result<(), WireError> {
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
    if key.len() != expected {
        return Err(msg.field_error(
            WireErrorCode::BadLength,
            TAG_VERIFICATION_KEY,
            format!(
                "verification key of {} bytes, {} needs {expected}",
                key.len(),
                sig_suite.name()
            ),
        ));
    }
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

/// The public part of a server key: what clients pin (wire type `0x20`).
#[derive(Clone, PartialEq, Eq)]
pub struct ServerPublicKey {
    /// The key id, derived from the verification key (protocol.md §2).
    pub key_id: KeyId,
    /// The suites of the configuration.
    pub suites: ChannelSuites,
    /// The verification key of `suites.sig`.
    pub verification_key: Vec<u8>,
    /// First second of validity.
    pub created: u64,
    /// First second the key is no longer valid.
    pub expires: u64,
    /// Extension fields, kept as they came (they are part of the encoding the transcript
    /// hashes).
    pub extensions: Vec<Extension>,
    encoded: Vec<u8>,
}

impl ServerPublicKey {
    /// The typed view of a decoded `channel-server-key` message (structure only: see
    /// [`ServerPublicKey::decode`] for the key id check).
    pub fn from_message(msg: &Message) -> core::result::Result<Self, WireError> {
        validate(msg)?;
        let config = core::str::from_utf8(msg.bytes(TAG_CONFIG)?).unwrap_or_default();
        let suites = ChannelSuites::parse(config).map_err(|_| {
            msg.field_error(WireErrorCode::InvalidField, TAG_CONFIG, "configuration")
        })?;
        let mut key = ServerPublicKey {
            key_id: msg
                .opt_key_id(TAG_KEY_ID)
                .ok_or_else(|| msg.missing(TAG_KEY_ID))?,
            suites,
            verification_key: msg.bytes(TAG_VERIFICATION_KEY)?.to_vec(),
            created: msg.uint(TAG_CREATED)?,
            expires: msg.uint(TAG_EXPIRES)?,
            extensions: msg.extensions.clone(),
            encoded: Vec::new(),
        };
        key.encoded = wire::encode(&key.to_message())?;
        Ok(key)
    }

    /// The generic message for this value.
    pub fn to_message(&self) -> Message {
        let mut msg = Message::new(MessageType::ChannelServerKey);
        msg.set(TAG_KEY_ID, Value::Bytes(self.key_id.to_vec()))
            .set(TAG_CONFIG, Value::Bytes(self.suites.config().into_bytes()))
            .set(TAG_SIG_SUITE, Value::Suite(self.suites.sig.code()))
            .set(
                TAG_VERIFICATION_KEY,
                Value::Bytes(self.verification_key.clone()),
            )
            .set(TAG_CREATED, Value::Uint(self.created))
            .set(TAG_EXPIRES, Value::Uint(self.expires));
        msg.extensions = self.extensions.clone();
        msg
    }

    /// Decodes the structure only (the wire rules), as the wire codec's typed views do.
    pub fn decode_structure(bytes: &[u8]) -> core::result::Result<Self, WireError> {
        Self::from_message(&wire::decode_as(bytes, MessageType::ChannelServerKey)?)
    }

    /// Decodes a public key to pin or trust: the wire rules (`Error::Wire`), then the key
    /// id derived from the verification key (`INVALID_KEY`).
    ///
    /// ```
    /// use pqwire_core::channel::{ServerKey, ServerPublicKey, DEFAULT_CONFIG};
    /// let key = ServerKey::generate(DEFAULT_CONFIG, 1_700_000_000, 1_800_000_000, Some([7; 32]))?;
    /// let public = ServerPublicKey::decode(key.public().encoded())?;
    /// assert_eq!(public.key_id, key.public().key_id);
    /// let mut forged = key.public().encoded().to_vec();
    /// forged[10] ^= 1; // inside the key id
    /// assert_eq!(ServerPublicKey::decode(&forged).unwrap_err().code(), "INVALID_KEY");
    /// # Ok::<(), pqwire_core::Error>(())
    /// ```
    pub fn decode(bytes: &[u8]) -> Result<Self> {
        let key = Self::decode_structure(bytes)?;
        if key.key_id != key_id(PackageSuite::Sig(key.suites.sig), &key.verification_key) {
            return Err(Error::InvalidKey {
                what: "channel key id is not derived from its verification key",
            });
        }
        Ok(key)
    }

    /// Encodes canonically.
    pub fn encode(&self) -> core::result::Result<Vec<u8>, WireError> {
        wire::encode(&self.to_message())
    }

    /// The exact encoding (what clients pin and the transcript hashes).
    pub fn encoded(&self) -> &[u8] {
        &self.encoded
    }

    /// The canonical configuration string.
    pub fn config(&self) -> String {
        self.suites.config()
    }

    /// Whether the key is valid at `now`: `created <= now < expires`.
    pub fn is_valid_at(&self, now: u64) -> bool {
        self.created <= now && now < self.expires
    }

    /// `KEY_EXPIRED` unless valid at `now`.
    pub(crate) fn check_validity(&self, now: u64, what: &'static str) -> Result<()> {
        if self.is_valid_at(now) {
            Ok(())
        } else {
            Err(Error::KeyExpired { what })
        }
    }

    /// Verifies a channel signature over `label ‖ data`; both halves of a hybrid must hold.
    /// Any failure is `AUTH_FAILED`.
    pub(crate) fn verify(&self, label: &[u8], data: &[u8], signature: &[u8]) -> Result<()> {
        let suite = self.suites.sig;
        let ok = sig::backend(suite)
            .verify(
                signature,
                &[label, data].concat(),
                &self.verification_key,
                context(suite),
            )
            .is_ok_and(|v| v.valid && (!suite.is_hybrid() || (v.classic_valid && v.quantum_valid)));
        if ok {
            Ok(())
        } else {
            Err(Error::AuthenticationFailed)
        }
    }
}

impl fmt::Debug for ServerPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerPublicKey")
            .field("key_id", &hex_id(&self.key_id))
            .field("config", &self.suites.config())
            .field("created", &self.created)
            .field("expires", &self.expires)
            .finish()
    }
}

fn hex_id(id: &KeyId) -> String {
    id.iter().map(|b| format!("{b:02x}")).collect()
}

/// The signature context of `suite`.
fn context(suite: SigSuite) -> &'static [u8] {
    match suite {
        SigSuite::Ed25519 => b"",
        _ => SIGNATURE_CONTEXT,
    }
}

const PUBLIC_KEY: RecordField = RecordField::new(0x0002, "publicKey");
const SIGNING_SECRET_KEY: RecordField = RecordField::new(0x0003, "signingSecretKey");

/// A channel signing key: its public part and the signing key pair, whose secret stays in
/// native memory (zeroized on drop, never in `Debug`).
pub struct ServerKey {
    public: ServerPublicKey,
    signing: SigKeyPair,
}

impl ServerKey {
    /// Generates a key for the configuration `config` (`pqwire-channel/v1 <KEM> <SIG>
    /// <AEAD>`, aliases accepted, stored canonical), valid from `created` to `expires`
    /// (unix seconds, `created < expires ≤ 2^53 − 1`, else `INVALID_ARGUMENT`). The
    /// signing key comes from `seed` when given (reproducible keys for tests), else from
    /// the OS.
    pub fn generate(
        config: &str,
        created: u64,
        expires: u64,
        seed: Option<[u8; 32]>,
    ) -> Result<Self> {
        let suites = ChannelSuites::parse(config)?;
        if expires <= created || expires > MAX_TIME {
            return Err(Error::InvalidArgument {
                what: "a key must expire after it is created, at most at 2^53 - 1",
            });
        }
        let signing = SigKeyPair::generate(suites.sig, seed.as_ref().map(|s| &s[..]))?;
        Self::assemble(suites, signing, created, expires)
    }

    fn assemble(
        suites: ChannelSuites,
        signing: SigKeyPair,
        created: u64,
        expires: u64,
    ) -> Result<Self> {
        let verification_key = signing.public_key().to_vec();
        let mut public = ServerPublicKey {
            key_id: key_id(PackageSuite::Sig(suites.sig), &verification_key),
            suites,
            verification_key,
            created,
            expires,
            extensions: Vec::new(),
            encoded: Vec::new(),
        };
        public.encoded = public.encode()?;
        Ok(ServerKey { public, signing })
    }

    /// The public part.
    pub fn public(&self) -> &ServerPublicKey {
        &self.public
    }

    /// The secret key file: a `channel-server-key` record (type `0x16`, docs/channel.md
    /// §3.3). **The bytes are secret**; the buffer is wiped when dropped.
    ///
    /// ```
    /// use pqwire_core::channel::{ServerKey, DEFAULT_CONFIG};
    /// let key = ServerKey::generate(DEFAULT_CONFIG, 0, 1 << 40, Some([1; 32]))?;
    /// let file = key.to_record();
    /// let back = ServerKey::from_record(&file)?;
    /// assert_eq!(back.public(), key.public());
    /// assert_eq!(*back.to_record(), *file);
    /// # Ok::<(), pqwire_core::Error>(())
    /// ```
    pub fn to_record(&self) -> Zeroizing<Vec<u8>> {
        let secret = self.signing.export_secret_key();
        let mut w = RecordWriter::new(TYPE_CHANNEL_SERVER_KEY);
        w.bytes(PUBLIC_KEY, &self.public.encoded)
            .bytes(SIGNING_SECRET_KEY, secret.expose());
        w.finish()
    }

    /// Reads a secret key file: the record rules and the nested public key's wire rules
    /// (`Error::Wire`), the key id derived from the key and the secret key belonging to it
    /// (`INVALID_KEY`). Validity is not checked here (a connection checks it).
    pub fn from_record(bytes: &[u8]) -> Result<Self> {
        let mut r = RecordReader::new(bytes, TYPE_CHANNEL_SERVER_KEY)?;
        let public = r.nested(
            PUBLIC_KEY,
            MessageType::ChannelServerKey,
            ServerPublicKey::decode_structure,
        )?;
        let len = sig::backend(public.suites.sig).lengths().secret_key;
        let secret = r.secret(SIGNING_SECRET_KEY, len, len)?;
        r.finish()?;
        let public = ServerPublicKey::decode(&public.encoded)?;
        let signing =
            SigKeyPair::import(public.suites.sig, secret.expose(), &public.verification_key)?;
        Ok(ServerKey { public, signing })
    }

    /// Signs `label ‖ data` with randomness drawn from `rng` (deterministic suites draw
    /// nothing).
    pub(crate) fn sign(
        &self,
        label: &[u8],
        data: &[u8],
        rng: &mut dyn RandomSource,
    ) -> Result<Vec<u8>> {
        let suite = self.public.suites.sig;
        let n = sig::backend(suite).lengths().signing_randomness;
        let mut rnd = Zeroizing::new(vec![0u8; n]);
        let randomness = if n == 0 {
            SignRandomness::Deterministic
        } else {
            rng.fill(&mut rnd)?;
            SignRandomness::Given(&rnd)
        };
        self.signing
            .sign(&[label, data].concat(), context(suite), randomness)
    }
}

impl fmt::Debug for ServerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerKey")
            .field("public", &self.public)
            .field("signing_key", &"[REDACTED]")
            .finish()
    }
}
