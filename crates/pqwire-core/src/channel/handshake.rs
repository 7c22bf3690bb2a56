//! The handshake's steps (docs/channel.md §5.4, §5.5), on each side: message in, message
//! out, state advanced. The channel ([`super::Channel`]) frames the messages in packets.

use std::sync::Arc;

use subtle::ConstantTimeEq;

use super::config::{ChannelConfig, Mode};
use super::keys::{self, Secret, Th1Input, LABEL_CLIENT_SIGNATURE, LABEL_SERVER_SIGNATURE};
use super::packet::Flag;
use super::server_key::{ServerKey, ServerPublicKey};
use super::ChannelCode;
use crate::kem::{self, KemKeyPair};
use crate::negotiation::{negotiate, Agreement, DowngradeCode, PolicyMode, Role};
use crate::random::RandomSource;
use crate::ratchet::KeyId;
use crate::wire::channel::{
    ConnectRequest, ConnectResponse, ExchangeRequest, ExchangeResponse, CLIENT_RANDOM_LEN,
};
use crate::wire::{
    self, Capabilities, Message, MessageType, WireError, WireErrorCode, WireMessage,
};
use crate::{Error, KemSuite, Result, SecretBytes};

/// What a server holds for its connections: its keys and, for Duplex, the client keys it
/// trusts. Shared by every connection (`Arc`).
#[derive(Debug, Default)]
pub struct ServerCredentials {
    /// The server's keys; a connect request names one by key id.
    pub keys: Vec<Arc<ServerKey>>,
    /// Duplex: the client keys the server accepts.
    pub trusted_clients: Vec<ServerPublicKey>,
}

/// The outcome of a handshake, on either side.
pub(crate) struct HandshakeDone {
    pub agreement: Agreement,
    pub channel_secret: Secret,
    pub th3: [u8; 32],
}

/// Draws `n` bytes (none for `n == 0`).
fn draw(rng: &mut dyn RandomSource, n: usize) -> Result<zeroize::Zeroizing<Vec<u8>>> {
    let mut v = zeroize::Zeroizing::new(vec![0u8; n]);
    if n > 0 {
        rng.fill(&mut v)?;
    }
    Ok(v)
}

/// A fresh ephemeral KEM key pair of `suite`, from the channel's randomness.
pub(crate) fn ephemeral_key(suite: KemSuite, rng: &mut dyn RandomSource) -> Result<KemKeyPair> {
    let seed = draw(rng, kem::backend(suite).lengths().keygen_seed)?;
    KemKeyPair::generate(suite, Some(&seed))
}

/// Encapsulates to `public_key` with randomness from the channel's source.
pub(crate) fn encapsulate(
    suite: KemSuite,
    public_key: &[u8],
    rng: &mut dyn RandomSource,
) -> Result<kem::Encapsulation> {
    let b = kem::backend(suite);
    let n = b.lengths().encapsulation_randomness;
    let r = draw(rng, n)?;
    b.encapsulate(public_key, (n > 0).then_some(&r[..]))
}

/// A peer's KEM public key: the suite's length (`BAD_LENGTH`) and its check
/// (`INVALID_KEY`).
pub(crate) fn check_kem_public_key(suite: KemSuite, key: &[u8]) -> Result<()> {
    let b = kem::backend(suite);
    Error::check_len(
        "ephemeral KEM public key",
        b.lengths().public_key,
        key.len(),
    )?;
    b.check_public_key(key).map_err(|e| match e {
        Error::BadLength { .. } | Error::InvalidKey { .. } => e,
        _ => Error::InvalidKey {
            what: "ephemeral KEM public key",
        },
    })
}

/// A KEM ciphertext of the suite's length (`BAD_LENGTH`).
pub(crate) fn check_kem_ciphertext(suite: KemSuite, ct: &[u8]) -> Result<()> {
    Error::check_len(
        "KEM ciphertext",
        kem::backend(suite).lengths().cipher_text,
        ct.len(),
    )
}

/// Decodes a handshake message of `ty`; channel handshake messages carry no extensions
/// (`UNKNOWN_TAG`): the transcript does not cover all of them.
fn decode(bytes: &[u8], ty: MessageType) -> Result<Message> {
    let msg = wire::decode_as(bytes, ty)?;
    if let Some(ext) = msg.extensions.first() {
        return Err(Error::Wire(WireError::in_field(
            WireErrorCode::UnknownTag,
            bytes.len(),
            ext.tag,
            None,
            "channel handshake messages carry no extensions",
        )));
    }
    Ok(msg)
}

fn protocol(detail: impl Into<String>) -> Error {
    ChannelCode::ProtocolError.error(detail)
}

/// The client's side.
pub(crate) struct ClientHandshake {
    config: ChannelConfig,
    server_key: ServerPublicKey,
    client_key: Option<Arc<ServerKey>>,
    step: ClientStep,
}

enum ClientStep {
    New,
    AwaitConnectResponse {
        connect_request: Vec<u8>,
    },
    AwaitExchangeResponse {
        agreement: Agreement,
        th2: [u8; 32],
        ss1: SecretBytes,
        /// Duplex: our ephemeral key pair and our signature.
        duplex: Option<(KemKeyPair, Vec<u8>)>,
    },
    Done,
}

impl ClientHandshake {
    pub(crate) fn new(
        config: ChannelConfig,
        server_key: ServerPublicKey,
        client_key: Option<Arc<ServerKey>>,
    ) -> Result<Self> {
        config.validate()?;
        match (config.mode, &client_key) {
            (Mode::Duplex, None) => Err(Error::InvalidArgument {
                what: "a duplex client needs its own key",
            }),
            (Mode::Simplex, Some(_)) => Err(Error::InvalidArgument {
                what: "a simplex client has no key of its own (use mode duplex)",
            }),
            _ => Ok(ClientHandshake {
                config,
                server_key,
                client_key,
                step: ClientStep::New,
            }),
        }
    }

    pub(crate) fn started(&self) -> bool {
        !matches!(self.step, ClientStep::New)
    }

    /// The handshake message the client waits for now, if any (checked on the header).
    pub(crate) fn expected(&self) -> Option<Flag> {
        match self.step {
            ClientStep::AwaitConnectResponse { .. } => Some(Flag::ConnectResponse),
            ClientStep::AwaitExchangeResponse { .. } => Some(Flag::ExchangeResponse),
            ClientStep::New | ClientStep::Done => None,
        }
    }

    pub(crate) fn server_key_id(&self) -> KeyId {
        self.server_key.key_id
    }

    /// Estimated heap bytes held.
    pub(crate) fn heap_bytes(&self) -> usize {
        let step = match &self.step {
            ClientStep::AwaitConnectResponse { connect_request } => connect_request.capacity(),
            ClientStep::AwaitExchangeResponse { duplex, .. } => {
                32 + duplex
                    .as_ref()
                    .map_or(0, |(k, s)| kem_pair_bytes(k) + s.capacity())
            }
            ClientStep::New | ClientStep::Done => 0,
        };
        self.config.capabilities.capacity()
            + self.server_key.verification_key.capacity()
            + self.server_key.encoded().len()
            + step
    }

    /// The connect-request (docs/channel.md §5.4): the pinned key (and in Duplex our own)
    /// must be valid now (`KEY_EXPIRED`).
    pub(crate) fn connect_request(
        &mut self,
        now: u64,
        rng: &mut dyn RandomSource,
    ) -> Result<Vec<u8>> {
        self.server_key.check_validity(now, "pinned server key")?;
        if let Some(k) = &self.client_key {
            k.public().check_validity(now, "client key")?;
        }
        let mut client_random = [0u8; CLIENT_RANDOM_LEN];
        rng.fill(&mut client_random)?;
        let request = ConnectRequest {
            server_key_id: self.server_key.key_id,
            capabilities: self.config.capabilities.clone(),
            mode: self.config.mode.code(),
            client_random,
            client_key_id: self.client_key.as_ref().map(|k| k.public().key_id),
            extensions: Vec::new(),
        }
        .encode()?;
        self.step = ClientStep::AwaitConnectResponse {
            connect_request: request.clone(),
        };
        Ok(request)
    }

    /// The connect-response in, the exchange-request out (docs/channel.md §5.4).
    pub(crate) fn on_connect_response(
        &mut self,
        payload: &[u8],
        rng: &mut dyn RandomSource,
    ) -> Result<Vec<u8>> {
        let ClientStep::AwaitConnectResponse { connect_request } = &self.step else {
            return Err(protocol("connect-response not expected now"));
        };
        let response =
            ConnectResponse::from_message(&decode(payload, MessageType::ConnectResponse)?)?;
        let agreement = negotiate(
            &self.config.capabilities,
            &response.capabilities,
            Role::Initiator,
            &self.config.policy,
        )?;
        let pinned = self.server_key.suites;
        if (agreement.kem, agreement.sig, agreement.aead) != (pinned.kem, pinned.sig, pinned.aead) {
            return Err(Error::Downgrade {
                code: DowngradeCode::TranscriptMismatch,
                detail: "the server's offer differs from its pinned configuration".into(),
            });
        }
        check_kem_public_key(agreement.kem, &response.ephemeral_key)?;
        let client_public = self
            .client_key
            .as_ref()
            .map(|k| k.public().encoded().to_vec())
            .unwrap_or_default();
        let th1 = keys::th1(&Th1Input {
            mode: self.config.mode.code(),
            server_key: self.server_key.encoded(),
            client_key: &client_public,
            connect_request,
            negotiation: &agreement.transcript_hash,
            server_ephemeral: &response.ephemeral_key,
        });
        self.server_key
            .verify(LABEL_SERVER_SIGNATURE, &th1, &response.signature)?;

        let enc = encapsulate(agreement.kem, &response.ephemeral_key, rng)?;
        let (th2, duplex, message) = match &self.client_key {
            None => {
                let th2 = keys::th2(&th1, &response.signature, &enc.cipher_text, &[]);
                let message = ExchangeRequest {
                    kem_ciphertext: enc.cipher_text,
                    duplex: None,
                    extensions: Vec::new(),
                };
                (th2, None, message)
            }
            Some(own) => {
                let ephemeral = ephemeral_key(agreement.kem, rng)?;
                let th2 = keys::th2(
                    &th1,
                    &response.signature,
                    &enc.cipher_text,
                    ephemeral.public_key(),
                );
                let signature = own.sign(LABEL_CLIENT_SIGNATURE, &th2, rng)?;
                let message = ExchangeRequest {
                    kem_ciphertext: enc.cipher_text,
                    duplex: Some((ephemeral.public_key().to_vec(), signature.clone())),
                    extensions: Vec::new(),
                };
                (th2, Some((ephemeral, signature)), message)
            }
        };
        let bytes = message.encode()?;
        self.step = ClientStep::AwaitExchangeResponse {
            agreement,
            th2,
            ss1: enc.shared_secret,
            duplex,
        };
        Ok(bytes)
    }

    /// The exchange-response (docs/channel.md §5.4): the keys, and the confirmation opened
    /// under the server's first key (`header` and `sequence` are the packet's).
    pub(crate) fn on_exchange_response(
        &mut self,
        payload: &[u8],
        header: &[u8],
        sequence: u64,
    ) -> Result<HandshakeDone> {
        let ClientStep::AwaitExchangeResponse {
            agreement,
            th2,
            ss1,
            duplex,
        } = &self.step
        else {
            return Err(protocol("exchange-response not expected now"));
        };
        let response =
            ExchangeResponse::from_message(&decode(payload, MessageType::ExchangeResponse)?)?;
        let kem = agreement.kem;
        let (th3, channel_secret) = match (duplex, &response.kem_ciphertext) {
            (None, None) => {
                let th3 = keys::th3(th2, &[], &[]);
                (th3, keys::channel_secret(&th3, &[ss1], kem)?)
            }
            (Some((ephemeral, signature)), Some(ct2)) => {
                check_kem_ciphertext(kem, ct2)?;
                let ss2 = ephemeral.decapsulate(ct2)?;
                let th3 = keys::th3(th2, signature, ct2);
                (th3, keys::channel_secret(&th3, &[ss1, &ss2], kem)?)
            }
            (None, Some(_)) => {
                return Err(protocol(
                    "a simplex exchange-response carries no KEM ciphertext",
                ))
            }
            (Some(_), None) => {
                return Err(protocol(
                    "a duplex exchange-response needs its KEM ciphertext",
                ))
            }
        };
        let (_, s2c) = keys::traffic_secrets(&channel_secret)?;
        let server_keys = keys::DirectionKeys::new(s2c)?;
        let opened = server_keys.open(agreement.aead, header, sequence, &response.confirmation)?;
        if !bool::from(opened.as_slice().ct_eq(&th3[..])) {
            return Err(Error::AuthenticationFailed);
        }
        let agreement = agreement.clone();
        self.step = ClientStep::Done;
        Ok(HandshakeDone {
            agreement,
            channel_secret,
            th3,
        })
    }
}

/// The server's side.
pub(crate) struct ServerHandshake {
    config: ChannelConfig,
    credentials: Arc<ServerCredentials>,
    step: ServerStep,
}

enum ServerStep {
    AwaitConnectRequest,
    AwaitExchangeRequest {
        client: Option<usize>,
        agreement: Agreement,
        ephemeral: KemKeyPair,
        th1: [u8; 32],
        signature: Vec<u8>,
    },
    Done,
}

/// What the server sends last: the exchange-response's KEM ciphertext (Duplex) and the
/// keys (the channel seals the confirmation under the header).
pub(crate) struct ServerDone {
    pub done: HandshakeDone,
    pub ct2: Option<Vec<u8>>,
}

impl ServerHandshake {
    pub(crate) fn new(config: ChannelConfig, credentials: Arc<ServerCredentials>) -> Result<Self> {
        config.validate()?;
        if credentials.keys.is_empty() {
            return Err(Error::InvalidArgument {
                what: "a server needs at least one key",
            });
        }
        Ok(ServerHandshake {
            config,
            credentials,
            step: ServerStep::AwaitConnectRequest,
        })
    }

    /// The handshake message the server waits for now, if any (checked on the header).
    pub(crate) fn expected(&self) -> Option<Flag> {
        match self.step {
            ServerStep::AwaitConnectRequest => Some(Flag::ConnectRequest),
            ServerStep::AwaitExchangeRequest { .. } => Some(Flag::ExchangeRequest),
            ServerStep::Done => None,
        }
    }

    /// Estimated heap bytes held (the shared credentials are not counted).
    pub(crate) fn heap_bytes(&self) -> usize {
        let step = match &self.step {
            ServerStep::AwaitExchangeRequest {
                ephemeral,
                signature,
                ..
            } => kem_pair_bytes(ephemeral) + signature.capacity(),
            _ => 0,
        };
        self.config.capabilities.capacity() + step
    }

    /// The server's capabilities for `key`: its versions, features and MLS suites (which
    /// go with the `mls` feature), and exactly the key's suites.
    fn capabilities(&self, key: &ServerKey) -> Result<Vec<u8>> {
        let own = Capabilities::decode(&self.config.capabilities)?;
        let s = key.public().suites;
        Ok(Capabilities {
            versions: own.versions,
            kex_suites: vec![s.kem.code()],
            sig_suites: vec![s.sig.code()],
            aead_suites: vec![s.aead.code()],
            features: own.features,
            mls_suites: own.mls_suites,
            extensions: Vec::new(),
        }
        .encode()?)
    }

    /// The index of the trusted client key `id` (`UNKNOWN_KEY`), valid at `now`
    /// (`KEY_EXPIRED`) and post-quantum under `pq-required` (`PQ_REQUIRED`).
    fn trusted_client(
        &self,
        credentials: &ServerCredentials,
        id: &KeyId,
        now: u64,
    ) -> Result<usize> {
        let i = credentials
            .trusted_clients
            .iter()
            .position(|c| c.key_id == *id)
            .ok_or(Error::UnknownKey { what: "client key" })?;
        let c = &credentials.trusted_clients[i];
        c.check_validity(now, "client key")?;
        if self.config.policy.mode == PolicyMode::PqRequired && !c.suites.sig.is_post_quantum() {
            return Err(Error::Downgrade {
                code: DowngradeCode::PqRequired,
                detail: format!(
                    "policy pq-required refuses the classical-only client key suite {}",
                    c.suites.sig.name()
                ),
            });
        }
        Ok(i)
    }

    /// The connect-request in, the connect-response out, and the client's key id in Duplex
    /// (docs/channel.md §5.5).
    pub(crate) fn on_connect_request(
        &mut self,
        payload: &[u8],
        now: u64,
        rng: &mut dyn RandomSource,
    ) -> Result<(Vec<u8>, Option<KeyId>)> {
        if !matches!(self.step, ServerStep::AwaitConnectRequest) {
            return Err(protocol("connect-request not expected now"));
        }
        let request = ConnectRequest::from_message(&decode(payload, MessageType::ConnectRequest)?)?;
        let credentials = Arc::clone(&self.credentials);
        let key = credentials
            .keys
            .iter()
            .find(|k| k.public().key_id == request.server_key_id)
            .ok_or(Error::UnknownKey { what: "server key" })?;
        key.public().check_validity(now, "server key")?;
        let mode = Mode::from_code(request.mode).ok_or_else(|| protocol("unknown mode"))?;
        if mode != self.config.mode {
            return Err(protocol(format!(
                "a {} connect request, but this server accepts {} connections only",
                mode.name(),
                self.config.mode.name()
            )));
        }
        let client = request
            .client_key_id
            .map(|id| self.trusted_client(&credentials, &id, now))
            .transpose()?;
        let capabilities = self.capabilities(key)?;
        let agreement = negotiate(
            &capabilities,
            &request.capabilities,
            Role::Responder,
            &self.config.policy,
        )?;
        let ephemeral = ephemeral_key(agreement.kem, rng)?;
        let client_public = client
            .map(|i| credentials.trusted_clients[i].encoded())
            .unwrap_or_default();
        let th1 = keys::th1(&Th1Input {
            mode: mode.code(),
            server_key: key.public().encoded(),
            client_key: client_public,
            connect_request: payload,
            negotiation: &agreement.transcript_hash,
            server_ephemeral: ephemeral.public_key(),
        });
        let signature = key.sign(LABEL_SERVER_SIGNATURE, &th1, rng)?;
        let response = ConnectResponse {
            capabilities,
            ephemeral_key: ephemeral.public_key().to_vec(),
            signature: signature.clone(),
            extensions: Vec::new(),
        }
        .encode()?;
        let client_id = client.map(|i| credentials.trusted_clients[i].key_id);
        self.step = ServerStep::AwaitExchangeRequest {
            client,
            agreement,
            ephemeral,
            th1,
            signature,
        };
        Ok((response, client_id))
    }

    /// The exchange-request in; the keys and, in Duplex, `CT2` out (docs/channel.md §5.5).
    pub(crate) fn on_exchange_request(
        &mut self,
        payload: &[u8],
        rng: &mut dyn RandomSource,
    ) -> Result<ServerDone> {
        let ServerStep::AwaitExchangeRequest {
            client,
            agreement,
            ephemeral,
            th1,
            signature,
        } = &self.step
        else {
            return Err(protocol("exchange-request not expected now"));
        };
        let request =
            ExchangeRequest::from_message(&decode(payload, MessageType::ExchangeRequest)?)?;
        let kem = agreement.kem;
        let trusted = client.map(|i| &self.credentials.trusted_clients[i]);
        let (done, ct2) = match (trusted, &request.duplex) {
            (None, None) => {
                check_kem_ciphertext(kem, &request.kem_ciphertext)?;
                let ss1 = ephemeral.decapsulate(&request.kem_ciphertext)?;
                let th2 = keys::th2(th1, signature, &request.kem_ciphertext, &[]);
                let th3 = keys::th3(&th2, &[], &[]);
                let cs = keys::channel_secret(&th3, &[&ss1], kem)?;
                (cs_done(agreement, cs, th3), None)
            }
            (Some(client_key), Some((client_ephemeral, client_signature))) => {
                check_kem_ciphertext(kem, &request.kem_ciphertext)?;
                check_kem_public_key(kem, client_ephemeral)?;
                let ss1 = ephemeral.decapsulate(&request.kem_ciphertext)?;
                let th2 = keys::th2(th1, signature, &request.kem_ciphertext, client_ephemeral);
                client_key.verify(LABEL_CLIENT_SIGNATURE, &th2, client_signature)?;
                let enc = encapsulate(kem, client_ephemeral, rng)?;
                let th3 = keys::th3(&th2, client_signature, &enc.cipher_text);
                let cs = keys::channel_secret(&th3, &[&ss1, &enc.shared_secret], kem)?;
                (cs_done(agreement, cs, th3), Some(enc.cipher_text))
            }
            (None, Some(_)) => {
                return Err(protocol(
                    "a simplex exchange-request carries no key or signature",
                ))
            }
            (Some(_), None) => {
                return Err(protocol(
                    "a duplex exchange-request needs the client's key and signature",
                ))
            }
        };
        self.step = ServerStep::Done;
        Ok(ServerDone { done, ct2 })
    }
}

fn cs_done(agreement: &Agreement, channel_secret: Secret, th3: [u8; 32]) -> HandshakeDone {
    HandshakeDone {
        agreement: agreement.clone(),
        channel_secret,
        th3,
    }
}

/// Estimated bytes of a KEM key pair: its public key, its exported secret and the parsed
/// decapsulation key (an expanded ML-KEM secret key is at most 3,168 bytes).
pub(crate) fn kem_pair_bytes(k: &KemKeyPair) -> usize {
    let l = kem::backend(k.suite()).lengths();
    core::mem::size_of::<KemKeyPair>() + l.public_key + l.secret_key + 3168
}
