//! Server keys (docs/channel.md §3): the configuration string, the public key clients pin
//! (wire type `0x20` `channel-server-key`) and the secret key file (record type `0x16`).
//!
//! A Duplex client authenticates with a key of the same kind: [`ServerKey`] is "a channel
//! signing key", whichever side holds it.

use core::fmt;

use zeroize::Zeroizing;

use crate::pqxdh::{key_id, package};
use crate::random::RandomSource;
use crate::ratchet::KeyId;
use crate::record::{RecordField, RecordReader, RecordWriter, TYPE_CHANNEL_SERVER_KEY};
use crate::sig::{self, SigKeyPair};
use crate::wire::channel::server_key::{tags::*, validate};
use crate::wire::limits::MAX_TIME;
use crate::wire::{
    self, ChannelSuites, Extension, Message, MessageType, PackageSuite, Value, WireError,
    WireErrorCode, WireMessage,
};
use crate::{Error, Result};

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

impl WireMessage for ServerPublicKey {
    const TYPE: MessageType = MessageType::ChannelServerKey;

    /// Structure only: see [`ServerPublicKey::decode`] for the key id check.
    fn from_message(msg: &Message) -> core::result::Result<Self, WireError> {
        validate(msg)?;
        let config = core::str::from_utf8(msg.bytes(TAG_CONFIG)?).unwrap_or_default();
        let suites = ChannelSuites::parse(config).map_err(|_| {
            msg.field_error(WireErrorCode::InvalidField, TAG_CONFIG, "configuration")
        })?;
        let mut key = ServerPublicKey {
            key_id: msg.fixed(TAG_KEY_ID)?,
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

    fn to_message(&self) -> Message {
        let mut msg = Message::new(Self::TYPE);
        msg.set_bytes(TAG_KEY_ID, &self.key_id)
            .set_bytes(TAG_CONFIG, self.suites.config().as_bytes())
            .set(TAG_SIG_SUITE, Value::Suite(self.suites.sig.code()))
            .set_bytes(TAG_VERIFICATION_KEY, &self.verification_key)
            .set(TAG_CREATED, Value::Uint(self.created))
            .set(TAG_EXPIRES, Value::Uint(self.expires));
        msg.extensions = self.extensions.clone();
        msg
    }
}

impl ServerPublicKey {
    /// Decodes the structure only (the wire rules), as [`WireMessage::decode`] does.
    pub fn decode_structure(bytes: &[u8]) -> core::result::Result<Self, WireError> {
        <Self as WireMessage>::decode(bytes)
    }

    /// Decodes a public key to pin or trust: the wire rules (`Error::Wire`), then the key
    /// id derived from the verification key (`INVALID_KEY`). Unlike the other typed
    /// views' `decode`, this one checks the key; [`ServerPublicKey::decode_structure`]
    /// is the wire rules alone.
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

    /// Verifies a channel signature over `label ‖ data`, as the handshake's are
    /// verified: both halves of a hybrid must hold; any failure is `AUTH_FAILED`.
    pub(crate) fn verify(&self, label: &[u8], data: &[u8], signature: &[u8]) -> Result<()> {
        package::verify(
            self.suites.sig,
            &self.verification_key,
            label,
            data,
            signature,
        )
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
    /// nothing), with the handshake's signature context.
    pub(crate) fn sign(
        &self,
        label: &[u8],
        data: &[u8],
        rng: &mut dyn RandomSource,
    ) -> Result<Vec<u8>> {
        package::sign(&self.signing, label, data, rng)
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
