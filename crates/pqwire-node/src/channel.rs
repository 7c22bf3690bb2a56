//! Online channel bindings (docs/channel.md): `NativeServerKey` (a channel signing key;
//! its secret stays in native memory), `channelServerKeyInfo`, `NativeServerCredentials`
//! (a server's keys and trusted client keys, checked once and shared by its connections),
//! and `NativeChannel`, the core's sans-I/O [`Channel`] behind a mutex so that
//! `receiveAsync` can run the heavy handshake steps on the thread pool. The TypeScript
//! adapters feed it socket bytes and the time and write out what it returns.

use crate::channel_output::NativeChannelOutput;
use crate::errors::{js, to_js, Failure, Fallible};
use crate::handle::disposable_handle;
use crate::options::time;
use crate::task::{IntoJs, Job};
use napi::bindgen_prelude::{AsyncTask, Uint8Array};
use napi_derive::napi;
use pqwire_core::channel::{
    requested_client_key, Channel, ChannelConfig, ClientConfig, Mode, Output, RequestedClientKey,
    ServerConfig, ServerCredentials, ServerKey, ServerPublicKey,
};
use pqwire_core::negotiation::{Policy, PolicyMode};
use pqwire_core::random::{OsRandom, RandomSource, SeededRandom};
use pqwire_core::{Disposable, Error, Result};
use std::sync::{Arc, Mutex};

fn seed32(bytes: &[u8], what: &'static str) -> napi::Result<[u8; 32]> {
    bytes.try_into().map_err(|_| {
        to_js(Error::BadLength {
            what,
            expected: 32,
            actual: bytes.len(),
        })
    })
}

/// A channel signing key (a server's, or a Duplex client's); its secret stays in native
/// memory until `dispose()` or garbage collection.
#[napi]
pub struct NativeServerKey {
    inner: Disposable<ServerKey>,
}

#[napi]
impl NativeServerKey {
    /// Generates a key for `config` (`pqwire-channel/v1 <KEM> <SIG> <AEAD>`) valid from
    /// `created` to `expires` (unix seconds), from a 32-byte `seed` when given.
    #[napi(factory, catch_unwind)]
    pub fn generate(
        config: String,
        created: f64,
        expires: f64,
        seed: Option<&[u8]>,
    ) -> napi::Result<Self> {
        let seed = seed.map(|s| seed32(s, "server key seed")).transpose()?;
        let key = js(ServerKey::generate(
            &config,
            time(created)?,
            time(expires)?,
            seed,
        ))?;
        Ok(Self::wrap(key))
    }

    /// Reads a secret key file (record type `0x16`).
    #[napi(factory, catch_unwind)]
    pub fn from_record(record: &[u8]) -> napi::Result<Self> {
        Ok(Self::wrap(js(ServerKey::from_record(record))?))
    }

    /// The secret key file: **secret bytes** (explicit export for the application's
    /// storage).
    #[napi(catch_unwind)]
    pub fn to_record(&self) -> napi::Result<Uint8Array> {
        Ok(Uint8Array::new(self.shared()?.to_record().to_vec()))
    }

    /// The public key clients pin: the encoded `channel-server-key` message (`0x20`).
    #[napi(getter, catch_unwind)]
    pub fn public_key(&self) -> napi::Result<Uint8Array> {
        Ok(Uint8Array::new(self.shared()?.public().encoded().to_vec()))
    }

    /// The key id (16 bytes).
    #[napi(getter, catch_unwind)]
    pub fn key_id(&self) -> napi::Result<Uint8Array> {
        Ok(Uint8Array::new(self.shared()?.public().key_id.to_vec()))
    }
}

disposable_handle!(
    NativeServerKey(ServerKey, "server key"),
    " Drops this handle's hold on the secret key now: wiped at once unless credentials",
    " or connections made with it still hold it (then when the last of them is dropped).",
    " Every later use of this handle is `DISPOSED`. Idempotent."
);

/// What a public channel key says.
#[napi(object)]
pub struct NativeChannelServerKeyInfo {
    pub key_id: Uint8Array,
    /// The canonical configuration string.
    pub config: String,
    pub kem_suite: String,
    pub sig_suite: String,
    pub aead_suite: String,
    pub created: f64,
    pub expires: f64,
}

/// Decodes and checks a public channel key (wire rules, derived key id).
#[napi(catch_unwind)]
pub fn channel_server_key_info(public_key: &[u8]) -> napi::Result<NativeChannelServerKeyInfo> {
    let k = js(ServerPublicKey::decode(public_key))?;
    Ok(NativeChannelServerKeyInfo {
        key_id: Uint8Array::new(k.key_id.to_vec()),
        config: k.config(),
        kem_suite: k.suites.kem.name().to_string(),
        sig_suite: k.suites.sig.name().to_string(),
        aead_suite: k.suites.aead.name().to_string(),
        created: k.created as f64,
        expires: k.expires as f64,
    })
}

/// What a server holds for all its connections: its keys and, for Duplex, the client keys
/// it trusts, each trusted key decoded and checked once here rather than per connection.
/// Connections made with `NativeChannel.serverWith` share it (no copy).
///
/// ```js
/// const credentials = NativeServerCredentials.create([key], [alicePublicKey]);
/// const a = NativeChannel.serverWith(credentials, { mode: 'duplex' }, now);
/// const b = NativeChannel.serverWith(credentials, { mode: 'duplex' }, now);
/// ```
#[napi]
pub struct NativeServerCredentials {
    inner: Arc<ServerCredentials>,
}

/// The credentials of `keys` and `trusted_clients`: at least one key (`INVALID_ARGUMENT`);
/// every trusted key decodes with the wire rules and its key id is its own (the wire code
/// or `INVALID_KEY`, naming the entry).
fn credentials(
    keys: &[&NativeServerKey],
    trusted_clients: Option<&[Uint8Array]>,
) -> napi::Result<Arc<ServerCredentials>> {
    if keys.is_empty() {
        return Err(to_js(Error::InvalidArgument {
            what: "a server needs at least one key",
        }));
    }
    let trusted = trusted_clients
        .unwrap_or_default()
        .iter()
        .enumerate()
        .map(|(i, k)| {
            ServerPublicKey::decode(k)
                .map_err(|e| to_js(Failure::from(e).in_entry(&format!("trustedClients[{i}]"))))
        })
        .collect::<napi::Result<Vec<_>>>()?;
    Ok(Arc::new(ServerCredentials {
        keys: keys
            .iter()
            .map(|k| k.shared())
            .collect::<napi::Result<_>>()?,
        trusted_clients: trusted,
    }))
}

#[napi]
impl NativeServerCredentials {
    /// Checks and holds `keys` (at least one) and the trusted client public keys (encoded
    /// `channel-server-key` messages; Duplex servers).
    #[napi(factory, catch_unwind)]
    pub fn create(
        keys: Vec<&NativeServerKey>,
        trusted_clients: Option<Vec<Uint8Array>>,
    ) -> napi::Result<Self> {
        Ok(Self {
            inner: credentials(&keys, trusted_clients.as_deref())?,
        })
    }

    /// The key ids of the server's keys (16 bytes each), in the order given.
    #[napi(getter, catch_unwind)]
    pub fn key_ids(&self) -> napi::Result<Vec<Uint8Array>> {
        Ok(self
            .inner
            .keys
            .iter()
            .map(|k| Uint8Array::new(k.public().key_id.to_vec()))
            .collect())
    }

    /// The server's keys with `public_key` as the one trusted client key: for a single
    /// connection whose client the application accepted by its `verifyClient` callback.
    /// The key decodes with the wire rules and its key id is its own (`INVALID_KEY`).
    #[napi(catch_unwind)]
    pub fn with_client(&self, public_key: &[u8]) -> napi::Result<NativeServerCredentials> {
        Ok(Self {
            inner: Arc::new(ServerCredentials {
                keys: self.inner.keys.clone(),
                trusted_clients: vec![js(ServerPublicKey::decode(public_key))?],
            }),
        })
    }

    /// The key ids of the trusted client keys, in the order given.
    #[napi(getter, catch_unwind)]
    pub fn trusted_client_ids(&self) -> napi::Result<Vec<Uint8Array>> {
        Ok(self
            .inner
            .trusted_clients
            .iter()
            .map(|k| Uint8Array::new(k.key_id.to_vec()))
            .collect())
    }
}

/// What a connection's first bytes say about the client's key.
#[napi(object)]
pub struct NativeRequestedClientKey {
    /// Whether the first packet is all there (else: wait for more bytes).
    pub complete: bool,
    /// The key id a Duplex connect request names.
    pub key_id: Option<Uint8Array>,
}

/// The client key id a connection's first bytes name, read without consuming them: a
/// server with a `verifyClient` callback looks the key up before the handshake runs.
#[napi(catch_unwind)]
pub fn channel_requested_client_key(bytes: &[u8]) -> NativeRequestedClientKey {
    let (complete, key_id) = match requested_client_key(bytes) {
        RequestedClientKey::Incomplete => (false, None),
        RequestedClientKey::Named(id) => (true, Some(Uint8Array::new(id.to_vec()))),
        RequestedClientKey::None => (true, None),
    };
    NativeRequestedClientKey { complete, key_id }
}

/// A channel's settings; absent fields take the defaults of docs/channel.md §12.
#[napi(object)]
pub struct NativeChannelOptions {
    /// `simplex` (default) or `duplex`.
    pub mode: Option<String>,
    /// `pq-required` (default), `pq-preferred` or `classical-allowed`.
    pub policy: Option<String>,
    pub min_version: Option<u32>,
    /// Encoded capabilities (default pqwire's).
    pub capabilities: Option<Uint8Array>,
    pub max_packet_size: Option<f64>,
    pub rekey_every_packets: Option<f64>,
    pub keep_alive_seconds: Option<f64>,
    pub dead_peer_seconds: Option<f64>,
    pub window_seconds: Option<f64>,
    /// Start an asymmetric ratchet (a fresh KEM exchange) this many seconds after the last
    /// one or the handshake, checked by `poll`; absent: only on demand. At least 1.
    pub ratchet_every_seconds: Option<f64>,
    /// 32 bytes: deterministic randomness (tests), client ends only: a server end
    /// refuses it (`INVALID_ARGUMENT`), since its connections would all draw the same
    /// ephemeral KEM key.
    pub seed: Option<Uint8Array>,
}

fn config_and_rng(
    o: Option<NativeChannelOptions>,
) -> napi::Result<(ChannelConfig, Box<dyn RandomSource + Send>)> {
    let mut c = ChannelConfig::default();
    let Some(o) = o else {
        return Ok((c, Box::new(OsRandom)));
    };
    if let Some(m) = &o.mode {
        c.mode = js(Mode::from_name(m))?;
    }
    let mut policy = Policy::default();
    if let Some(p) = &o.policy {
        policy.mode = js(PolicyMode::from_name(p))?;
    }
    if let Some(v) = o.min_version {
        policy.min_version = u8::try_from(v).map_err(|_| {
            to_js(Error::InvalidArgument {
                what: "minVersion must be an integer from 0 to 255",
            })
        })?;
    }
    c.policy = policy;
    if let Some(caps) = &o.capabilities {
        c.capabilities = caps.to_vec();
    }
    let size = |v: f64, what| -> napi::Result<usize> {
        usize::try_from(time(v)?).map_err(|_| to_js(Error::InvalidArgument { what }))
    };
    if let Some(v) = o.max_packet_size {
        c.max_packet_size = size(v, "maxPacketSize too large")?;
    }
    if let Some(v) = o.rekey_every_packets {
        c.rekey_every_packets = time(v)?;
    }
    if let Some(v) = o.keep_alive_seconds {
        c.keep_alive_seconds = time(v)?;
    }
    if let Some(v) = o.dead_peer_seconds {
        c.dead_peer_seconds = time(v)?;
    }
    if let Some(v) = o.window_seconds {
        c.window_seconds = time(v)?;
    }
    if let Some(v) = o.ratchet_every_seconds {
        c.ratchet_every_seconds = Some(time(v)?);
    }
    js(c.validate())?;
    let rng: Box<dyn RandomSource + Send> = match &o.seed {
        Some(s) => Box::new(SeededRandom::new(seed32(s, "channel seed")?)),
        None => Box::new(OsRandom),
    };
    Ok((c, rng))
}

/// One end of an online channel.
#[napi]
pub struct NativeChannel {
    inner: Arc<Mutex<Channel>>,
}

fn lock(m: &Mutex<Channel>) -> Fallible<std::sync::MutexGuard<'_, Channel>> {
    // A poisoned lock means a panic inside a step (a bug): refuse the channel from then on.
    m.lock()
        .map_err(|_| Failure::internal("channel is unusable after an internal failure"))
}

#[napi]
impl NativeChannel {
    fn wrap(channel: Channel) -> Self {
        Self {
            inner: Arc::new(Mutex::new(channel)),
        }
    }

    fn call<T>(&self, f: impl FnOnce(&mut Channel) -> Result<T>) -> napi::Result<T> {
        let mut channel = js(lock(&self.inner))?;
        js(f(&mut channel))
    }

    /// Runs a step and converts its output.
    fn step(
        &self,
        f: impl FnOnce(&mut Channel) -> Result<Output>,
    ) -> napi::Result<NativeChannelOutput> {
        Ok(self.call(f)?.into_js())
    }

    /// A client pinning `serverPublicKey`; `clientKey` in Duplex only.
    #[napi(factory, catch_unwind)]
    pub fn client(
        server_public_key: &[u8],
        client_key: Option<&NativeServerKey>,
        options: Option<NativeChannelOptions>,
        now: f64,
    ) -> napi::Result<Self> {
        let (channel, rng) = config_and_rng(options)?;
        let config = ClientConfig {
            channel,
            server_key: js(ServerPublicKey::decode(server_public_key))?,
            client_key: client_key.map(NativeServerKey::shared).transpose()?,
        };
        Ok(Self::wrap(js(Channel::client_with(
            config,
            time(now)?,
            rng,
        ))?))
    }

    /// A server holding `keys`; in Duplex it accepts the clients whose public keys are in
    /// `trustedClients`. Checks the keys again for every call: a server with many
    /// connections builds a `NativeServerCredentials` once and uses `serverWith`.
    #[napi(factory, catch_unwind)]
    pub fn server(
        keys: Vec<&NativeServerKey>,
        trusted_clients: Option<Vec<Uint8Array>>,
        options: Option<NativeChannelOptions>,
        now: f64,
    ) -> napi::Result<Self> {
        let credentials = credentials(&keys, trusted_clients.as_deref())?;
        Self::server_of(credentials, options, now)
    }

    /// A server end sharing `credentials` with the server's other connections: nothing is
    /// decoded or copied per connection.
    #[napi(factory, catch_unwind)]
    pub fn server_with(
        credentials: &NativeServerCredentials,
        options: Option<NativeChannelOptions>,
        now: f64,
    ) -> napi::Result<Self> {
        Self::server_of(Arc::clone(&credentials.inner), options, now)
    }

    fn server_of(
        credentials: Arc<ServerCredentials>,
        options: Option<NativeChannelOptions>,
        now: f64,
    ) -> napi::Result<Self> {
        if options.as_ref().is_some_and(|o| o.seed.is_some()) {
            return Err(to_js(Error::InvalidArgument {
                what: "seed is for client ends only: every connection of a seeded server \
                       would use the same ephemeral KEM key",
            }));
        }
        let (channel, rng) = config_and_rng(options)?;
        let config = ServerConfig {
            channel,
            credentials,
        };
        Ok(Self::wrap(js(Channel::server_with(
            config,
            time(now)?,
            rng,
        ))?))
    }

    /// Client: the connect request to send. Server: nothing.
    #[napi(catch_unwind)]
    pub fn start(&self, now: f64) -> napi::Result<NativeChannelOutput> {
        let now = time(now)?;
        self.step(|c| c.start(now))
    }

    /// Bytes from the peer, split or coalesced arbitrarily.
    #[napi(catch_unwind)]
    pub fn receive(&self, bytes: &[u8], now: f64) -> napi::Result<NativeChannelOutput> {
        let now = time(now)?;
        self.step(|c| Ok(c.receive(bytes, now)))
    }

    /// `receive` on the thread pool (handshake steps cost a signature or a KEM operation).
    #[napi(catch_unwind, ts_return_type = "Promise<NativeChannelOutput>")]
    pub fn receive_async(&self, bytes: &[u8], now: f64) -> napi::Result<AsyncTask<Job<Output>>> {
        let now = time(now)?;
        let inner = Arc::clone(&self.inner);
        let bytes = bytes.to_vec();
        Ok(AsyncTask::new(Job::fallible(move || {
            lock(&inner).map(|mut c| c.receive(&bytes, now))
        })))
    }

    /// Application data to send, split into packets of at most `maxPacketSize`.
    #[napi(catch_unwind)]
    pub fn send(&self, data: &[u8], now: f64) -> napi::Result<NativeChannelOutput> {
        let now = time(now)?;
        self.step(|c| c.send(data, now))
    }

    /// Timers: keep-alives due, the dead-peer timeout.
    #[napi(catch_unwind)]
    pub fn poll(&self, now: f64) -> napi::Result<NativeChannelOutput> {
        let now = time(now)?;
        self.step(|c| Ok(c.poll(now)))
    }

    /// A symmetric re-key of our sending direction.
    #[napi(catch_unwind)]
    pub fn rekey(&self, now: f64) -> napi::Result<NativeChannelOutput> {
        let now = time(now)?;
        self.step(|c| c.rekey(now))
    }

    /// An asymmetric ratchet (nothing while one is in progress).
    #[napi(catch_unwind)]
    pub fn ratchet(&self, now: f64) -> napi::Result<NativeChannelOutput> {
        let now = time(now)?;
        self.step(|c| c.ratchet(now))
    }

    /// Closes the channel (a close packet to send).
    #[napi(catch_unwind)]
    pub fn close(&self, now: f64) -> napi::Result<NativeChannelOutput> {
        let now = time(now)?;
        self.step(|c| Ok(c.close(now)))
    }

    /// `handshake`, `established` or `closed`.
    #[napi(getter, catch_unwind)]
    pub fn state(&self) -> napi::Result<String> {
        self.call(|c| Ok(c.state().name().to_string()))
    }

    /// Client side: the server key's id. Server side: the Duplex client's key id (null in
    /// Simplex, and before the connect request).
    #[napi(getter, catch_unwind)]
    pub fn peer_key_id(&self) -> napi::Result<Option<Uint8Array>> {
        self.call(|c| Ok(c.peer_key_id().map(|id| Uint8Array::new(id.to_vec()))))
    }

    /// Memory held by this connection's state, in bytes.
    #[napi(getter, catch_unwind)]
    pub fn state_bytes(&self) -> napi::Result<f64> {
        self.call(|c| Ok(c.memory_bytes() as f64))
    }
}
