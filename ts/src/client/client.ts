/**
 * The client of the reference server (docs/server.md, "Client"): one device of an
 * account. It registers the device with its hybrid identity, logs in by signing
 * challenges, keeps prekeys uploaded (refilled when they run low, the signed prekey
 * rotated weekly), publishes a sealing key, fans each message out to every device of the
 * recipient account through sessions it opens and keeps, and hands decrypted messages to
 * the application as events or an async iterator, acknowledging each once handled.
 *
 * Data path: `send` → device list → per device: stored session or bundle + handshake →
 * (sealed) envelope → relay. Incoming: WebSocket frame → (unseal, check certificate) →
 * handshake or session → `message` event → acknowledgement.
 *
 * @example
 * ```ts
 * import { Client } from 'pqwire/client';
 * const alice = await Client.open({ url: 'http://127.0.0.1:8080', account: 'alice' });
 * await alice.connect();
 * alice.on('message', (m) => console.log(m.from, new TextDecoder().decode(m.plaintext)));
 * await alice.send('bob', new TextEncoder().encode('hello Bob'));
 * ```
 */
import { EventEmitter } from 'node:events';
import { createIdentity, Identity, nowSeconds, PublicIdentity } from '../identity';
import type { IdentitySuite } from '../identity';
import { createPrekeyBatch } from '../prekeys';
import type { PrekeyKemSuite } from '../prekeys';
import { initiateSession, acceptSession } from '../handshake';
import type { InitiatedSession } from '../handshake';
import type { HandshakeOptions } from '../session-options';
import { Session } from '../session';
import { decode as decodeMessage } from '../wire';
import { IdentityChangedError, PqwireError } from '../errors';
import { InMemoryIdentityStore, InMemoryPrekeyStore, InMemorySessionStore, saveLocalIdentity, trustIdentity } from '../stores';
import type { IdentityStore, PrekeyStore, SessionStore } from '../stores';
import type { PolicyInput } from '../policy';
import type { CapabilitiesInput } from '../negotiation';
import type { SessionSecurityEvent } from '../session-events';
import { createSealingKey, isSealed, seal, sealedKeyId, sealingKeyId, unseal, verifySealingKey, verifySenderCertificate } from '../sealed-sender';
import type { PublicSealingKey } from '../sealed-sender';
import { fromHex, toHex } from '../hex';
import { ClientError } from './errors';
import { fallbackAction, fallbackError } from './fallback';
import type { ClientSecurityEvent, FallbackPolicy, FallbackReason } from './fallback';
import { ServerApi } from './server-api';
import type { DeviceName } from './server-api';
import { InMemoryStateStore } from './state-store';
import type { StateStore } from './state-store';
import { LiveConnection } from './live-connection';
import { ClientGroups, deviceName } from './groups';
import { GroupMember } from '../groups';
import type { GroupStore, MlsSuiteName } from '../groups';
import type { RelayedMessage } from './live-connection';

/** Where a client keeps everything: the library's three stores and its own state. */
export interface ClientStores {
  identityStore: IdentityStore;
  prekeyStore: PrekeyStore;
  sessionStore: SessionStore;
  stateStore: StateStore;
}

/** Options of {@link Client.open}. */
export interface ClientOptions {
  /** The server, e.g. `http://127.0.0.1:8080`. */
  url: string;
  account: string;
  /** This device's number; default 1. */
  device?: number;
  /** Default: in memory (lost with the process). `pqwire/stores/sqlite` keeps them in a file. */
  stores?: Partial<ClientStores>;
  /** The suite of a new identity; default `Ed25519+ML-DSA-65`. */
  identitySuite?: IdentitySuite;
  /** The session policy; default `pq-required`. */
  policy?: PolicyInput;
  /** Peers without end-to-end or post-quantum support; default `block`. */
  fallback?: FallbackPolicy;
  /** Send sealed (the server does not learn the sender) unless a send says otherwise; default false. */
  sealedSender?: boolean;
  /** A new device of an account that has devices: the token of one of them, vouching. */
  voucher?: string;
  /** The expected fingerprint of the server's certificate identity; default: pinned on first connect. */
  serverFingerprint?: string;
  /** Prekeys: how many one-time prekeys of each kind per upload (default 100), refilled below `refillBelow` (default 20); `kem: null` uploads classical prekeys only (for tests of classical peers). */
  prekeys?: { batchSize?: number; refillBelow?: number; kem?: PrekeyKemSuite | null };
  /** The capabilities this device states in its prekey batches and handshakes (default: every pqwire suite). */
  capabilities?: CapabilitiesInput;
  /** Listen over a WebSocket on `connect` (default true); otherwise call {@link Client.receive}. */
  live?: boolean;
}

/** A message delivered to the application. */
export interface ReceivedMessage {
  /** The relay's id (a message comes at least once; the client drops the ids it has handled). */
  id: string;
  from: DeviceName;
  plaintext: Uint8Array;
  associatedData: Uint8Array;
  /** When the server queued it (unix seconds). */
  sent: number;
  /** Whether it came sealed (the server did not know the sender). */
  sealed: boolean;
}

/** Options of {@link Client.send}. */
export interface SendOptions {
  associatedData?: Uint8Array;
  /** Seal this message (default: the client's `sealedSender`). */
  sealed?: boolean;
}

/** What the server holds of this device's prekeys: unclaimed one-time prekeys of each kind, and when the signed ones expire. */
export interface PrekeyCounts {
  oneTimeKem: number;
  oneTime: number;
  signedExpires: number;
}

/** A device of the directory, as the server lists it. */
interface DirectoryDevice {
  device: number;
  fingerprint: string;
  sealingKey?: PublicSealingKey;
}

const SEALING_SEED = 'sealing-key/current';
const SEALING_KEYS = 'sealing-key/';
const SERVER_IDENTITY = 'server-identity';
const PENDING_INITIAL = 'pending-initial/';
/** The identity a rotation is moving to, until it is saved as the local one. **Secret.** */
const PENDING_ROTATION = 'rotation/pending';
/** Ids of handled messages remembered, to drop a message delivered twice. */
const SEEN_KEPT = 10_000;
/** Refill when the signed prekey expires within this (it lives 37 days, rotated after 7). */
const SIGNED_PREKEY_REFRESH_SECONDS = 30 * 24 * 3600;
/** Fetch a new sender certificate when the one held has less than this left (they last 24 hours). */
const CERTIFICATE_REFRESH_SECONDS = 12 * 3600;
/** The lock prekey refills take ({@link Client.#exclusive}): one at a time. */
const REFILL_LOCK = 'prekey-refill';
/** Log in again this long before the token expires. */
const TOKEN_MARGIN_SECONDS = 60;

const addressOf = (d: DeviceName): string => `${d.account}/${d.device}`;

/**
 * The fingerprint of the identity whose signing key package `identitySigKey` is (a
 * bundle's or an initial message's), read without verifying anything: to compare with
 * the identity a device should have before a handshake pins or saves it.
 */
function signerFingerprint(identitySigKey: Uint8Array): string | undefined {
  const key = decodeMessage(identitySigKey);
  return key.type === 'key-package' ? toHex(key.keyId) : undefined;
}

/** One device's client. Emits `message` ({@link ReceivedMessage}), `security` ({@link ClientSecurityEvent}) and `error` (background work that failed, only when listened to). */
export class Client extends EventEmitter {
  readonly #options: ClientOptions;
  readonly #stores: ClientStores;
  readonly #api: ServerApi;
  #identity: Identity;
  #serverIdentity: PublicIdentity | undefined;
  #certificate: { bytes: Uint8Array; expires: number } | undefined;
  #live: LiveConnection | undefined;
  #connected = false;
  /** Set by `close`: iterators end. */
  #closed = false;
  /** Incoming messages are handled one at a time, in order. */
  #inbox: Promise<void> = Promise.resolve();
  readonly #seen = new Set<string>();
  /** Waiting async iterators, and messages none took yet (only while an iterator exists). */
  readonly #waiters: ((m: IteratorResult<ReceivedMessage>) => void)[] = [];
  readonly #buffered: ReceivedMessage[] = [];
  #iterating = 0;
  /** Peer addresses whose messages wait for the user to trust a changed identity. */
  readonly #held = new Set<string>();
  /** Per peer address, the tail of the work on its session ({@link Client.#exclusive}). */
  readonly #locks = new Map<string, Promise<void>>();

  private constructor(options: ClientOptions, stores: ClientStores, identity: Identity) {
    super();
    this.#options = options;
    this.#stores = stores;
    this.#identity = identity;
    this.#api = new ServerApi(options.url.replace(/\/+$/, ''), { account: options.account, device: options.device ?? 1 });
  }

  /**
   * A client for `options.account`'s device: its identity loaded from the identity store,
   * or created and saved there. Nothing is sent before {@link Client.connect}.
   */
  static async open(options: ClientOptions): Promise<Client> {
    if (typeof options !== 'object' || options === null || typeof options.url !== 'string' || typeof options.account !== 'string') {
      throw new TypeError('Client.open needs { url, account }');
    }
    const stores: ClientStores = {
      identityStore: options.stores?.identityStore ?? new InMemoryIdentityStore(),
      prekeyStore: options.stores?.prekeyStore ?? new InMemoryPrekeyStore(),
      sessionStore: options.stores?.sessionStore ?? new InMemorySessionStore(),
      stateStore: options.stores?.stateStore ?? new InMemoryStateStore(),
    };
    const record = await stores.identityStore.getLocalIdentity();
    let identity: Identity;
    if (record !== undefined) identity = Identity.import(record);
    else {
      identity = createIdentity(options.identitySuite === undefined ? {} : { suite: options.identitySuite });
      await saveLocalIdentity(stores.identityStore, identity);
    }
    return new Client(options, stores, identity);
  }

  /** This device's public identity. */
  get identity(): PublicIdentity {
    return this.#identity.publicIdentity;
  }

  /** This device's account and number. */
  get address(): DeviceName {
    return { ...this.#api.me };
  }

  /** The bearer token (a secret: give it only to a new device of this account, as its `voucher`). */
  get token(): string | undefined {
    return this.#api.token;
  }

  /**
   * Registers the device (once; again is harmless), logs in, uploads prekeys and the
   * sealing key as needed, pins the server's certificate identity, and starts listening
   * (a WebSocket unless `live: false`). Messages queued while offline arrive first.
   */
  async connect(): Promise<void> {
    if (this.#connected) return;
    await this.#registerOrFinishRotation();
    await this.#api.login(this.#identity);
    await this.#pinServerIdentity();
    await this.refillPrekeys();
    await this.#publishSealingKey();
    this.#closed = false;
    this.#connected = true;
    if (this.#options.live !== false) {
      const live = new LiveConnection(
        this.#api.url,
        async () => (await this.#freshToken(), this.#api.token!),
        (m) => this.#enqueueIncoming(m, (id) => live.ack(id)),
        (e) => this.#backgroundError(e),
      );
      this.#live = live;
      try {
        await live.open();
      } catch (e) {
        // Nothing keeps running behind a failed connect.
        live.close();
        this.#live = undefined;
        this.#connected = false;
        throw e;
      }
    }
  }

  /**
   * Registers the device. When the server has it bound to another identity and a rotation
   * to that identity was left unfinished (the process died between the server's answer
   * and saving the new identity), the rotation is finished here.
   */
  async #registerOrFinishRotation(): Promise<void> {
    try {
      await this.#api.register(this.#identity, this.#options.voucher);
    } catch (e) {
      const pending = await this.#stores.stateStore.get(PENDING_ROTATION);
      if (!(e instanceof ClientError && e.details.serverCode === 'IDENTITY_BOUND') || pending === undefined) throw e;
      const next = Identity.import(pending);
      await this.#api.register(next); // the same identity again: 200 when the server has it
      await this.#adopt(next);
    }
  }

  /** Stops listening; the stores stay as they are. Resolves once in-flight messages are handled. */
  async close(): Promise<void> {
    this.#connected = false;
    this.#closed = true;
    this.#live?.close();
    this.#live = undefined;
    await this.#inbox;
    await this.#locks.get(REFILL_LOCK);
    for (const w of this.#waiters.splice(0)) w({ value: undefined, done: true });
  }

  /**
   * Sends `plaintext` to every device of `account` (other than this one), end to end: over
   * the stored session of each device, or a new one from its prekey bundle. All devices
   * get it or none does: the server refuses a stale device list (409/410) and the client
   * brings its list up to date and retries. Resolves the relay's ids per device.
   */
  async send(account: string, plaintext: Uint8Array, options: SendOptions = {}): Promise<{ device: number; id: string }[]> {
    this.#requireConnected();
    // One send per account at a time, encryption through to the server's answer: the
    // server queues them in the order they were encrypted (an initial message before the
    // messages of its session), which is also the order the application sent them.
    return this.#exclusive(`send:${account}`, () => this.#send(account, plaintext, options));
  }

  async #send(account: string, plaintext: Uint8Array, options: SendOptions): Promise<{ device: number; id: string }[]> {
    // To its own account a device sends unsealed: the server knows the account anyway, and
    // a sealed send (no sender) would have to name the sending device too.
    const sealed = (options.sealed ?? this.#options.sealedSender ?? false) && account !== this.#api.me.account;
    const envelopes = new Map<number, { fingerprint: string; envelope: Uint8Array }>();
    for (let attempt = 0; ; attempt++) {
      const devices = (await this.#directory(account)).filter((d) => !(account === this.#api.me.account && d.device === this.#api.me.device));
      if (devices.length === 0) throw new ClientError('PEER_UNREACHABLE', `${account} has no other device`);
      // Envelopes made for a device whose identity is unchanged are kept across retries:
      // its session already advanced past them, and an initial message must go out.
      for (const [device, made] of envelopes) {
        if (!devices.some((d) => d.device === device && d.fingerprint === made.fingerprint)) envelopes.delete(device);
      }
      // Checked before any session advances: a device that cannot take a sealed message.
      const unsealable = sealed ? devices.find((d) => d.sealingKey === undefined) : undefined;
      if (unsealable !== undefined) throw new ClientError('SEALED_UNAVAILABLE', `${account}/${unsealable.device} published no sealing key`);
      for (const d of devices) {
        if (envelopes.has(d.device)) continue;
        const peer = { account, device: d.device };
        const inner = await this.#exclusive(addressOf(peer), () => this.#encryptFor(peer, d, plaintext, options.associatedData));
        envelopes.set(d.device, { fingerprint: d.fingerprint, envelope: sealed ? await this.#seal(peer, d, inner) : inner });
      }
      try {
        const ids = await this.#post(account, devices.map((d) => ({ device: d.device, fingerprint: d.fingerprint, envelope: envelopes.get(d.device)!.envelope })), sealed);
        for (const d of devices) await this.#stores.stateStore.delete(PENDING_INITIAL + addressOf({ account, device: d.device }));
        return ids;
      } catch (e) {
        // 409/410: the list changed; once more with the new one.
        const status = e instanceof ClientError ? e.details.status : undefined;
        if ((status !== 409 && status !== 410) || attempt >= 2) throw e;
      }
    }
  }

  /**
   * Async iterator over incoming messages, from now on (events are emitted too); it ends
   * when the client is closed. Take it before `connect` to miss none of the queued ones.
   * With several iterators at once, each message goes to one of them.
   *
   * @example
   * ```ts
   * for await (const m of client.messages()) console.log(m.from.account, m.plaintext);
   * ```
   */
  messages(): AsyncIterableIterator<ReceivedMessage> {
    // Buffering starts now, not at the first `next()`: nothing arriving in between is missed.
    this.#iterating++;
    let done = false;
    /** This iterator's `next()` waiting for a message, if any. */
    let waiting: ((m: IteratorResult<ReceivedMessage>) => void) | undefined;
    const finish = (): IteratorResult<ReceivedMessage> => {
      if (!done && --this.#iterating === 0) this.#buffered.length = 0;
      done = true;
      if (waiting !== undefined) {
        // A `next()` still waiting ends too, and takes no message from another iterator.
        const at = this.#waiters.indexOf(waiting);
        if (at >= 0) this.#waiters.splice(at, 1);
        waiting({ value: undefined, done: true });
        waiting = undefined;
      }
      return { value: undefined, done: true };
    };
    const iterator: AsyncIterableIterator<ReceivedMessage> = {
      next: async () => {
        if (done) return { value: undefined, done: true };
        const buffered = this.#buffered.shift();
        if (buffered !== undefined) return { value: buffered, done: false };
        if (this.#closed) return finish();
        const result = await new Promise<IteratorResult<ReceivedMessage>>((resolve) => {
          waiting = resolve;
          this.#waiters.push(resolve);
        });
        waiting = undefined;
        return result.done === true ? finish() : result;
      },
      return: async () => finish(),
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  /** Fetches and handles queued messages over HTTP (without a WebSocket, or to catch up); resolves how many were handled. */
  async receive(): Promise<number> {
    this.#requireConnected();
    let handled = 0;
    for (;;) {
      await this.#freshToken();
      const { messages } = await this.#api.json<{ messages: RelayedMessage[] }>('GET', '/v1/messages');
      if (messages.length === 0) return handled;
      const acked: string[] = [];
      for (const m of messages) this.#enqueueIncoming(m, (id) => acked.push(id));
      await this.#inbox;
      if (acked.length > 0) {
        await this.#freshToken();
        await this.#api.json('POST', '/v1/messages/ack', { ids: acked });
      }
      handled += acked.length;
      // Messages left unacknowledged (an identity change waiting for trust) stop the loop.
      if (acked.length < messages.length) return handled;
    }
  }

  /**
   * Uploads a new prekey batch when the server has fewer than `refillBelow` one-time
   * prekeys of a kind left, none at all, or a signed prekey due for rotation (`force`:
   * always). Resolves what the server holds after.
   */
  async refillPrekeys(force = false): Promise<PrekeyCounts> {
    const run = async () => {
      await this.#freshToken();
      const counts = await this.#api.json<PrekeyCounts>('GET', '/v1/prekeys').catch((e: unknown) => {
        if (e instanceof ClientError && e.details.status === 404) return undefined;
        throw e;
      });
      const low = this.#options.prekeys?.refillBelow ?? 20;
      const classical = this.#options.prekeys?.kem === null;
      const due =
        force ||
        counts === undefined ||
        counts.oneTime < low ||
        (!classical && counts.oneTimeKem < low) ||
        counts.signedExpires - nowSeconds() < SIGNED_PREKEY_REFRESH_SECONDS;
      if (!due) return counts;
      const size = this.#options.prekeys?.batchSize ?? 100;
      const upload = await createPrekeyBatch(this.#identity, {
        prekeyStore: this.#stores.prekeyStore,
        oneTimeCount: size,
        oneTimeKemCount: classical ? 0 : size,
        ...(this.#options.prekeys?.kem !== undefined && { kem: this.#options.prekeys.kem }),
        ...(this.#options.capabilities !== undefined && { capabilities: this.#options.capabilities }),
      });
      return JSON.parse(new TextDecoder().decode(await this.#api.bytes('PUT', '/v1/prekeys', upload))) as PrekeyCounts;
    };
    return this.#exclusive(REFILL_LOCK, run);
  }

  /**
   * This device's MLS groups through the server's delivery service (docs/groups.md,
   * "Delivery service"): the device's group member, read from `store` (under
   * `account/device`) or made there, its credential bound to this device's identity and
   * named `account/device`.
   *
   * @example
   * ```ts
   * const groups = await client.groups({ suite: 'MLS_256_XWING_CHACHA20POLY1305_SHA256_Ed25519', store: groupStore });
   * await groups.publishKeyPackages();
   * ```
   */
  async groups(options: { suite: MlsSuiteName; store: GroupStore; pastEpochs?: number }): Promise<ClientGroups> {
    const me = this.#api.me;
    const id = `${me.account}/${me.device}`;
    const member = (await options.store.load(id))
      ? await GroupMember.open({ id, store: options.store })
      : await GroupMember.create({ id, suite: options.suite, identity: this.#identity, name: deviceName(me), store: options.store, ...(options.pastEpochs !== undefined && { pastEpochs: options.pastEpochs }) });
    const api = this.#api;
    return new ClientGroups(member, {
      me,
      json: async <T>(method: string, path: string, body?: unknown) => {
        await this.#freshToken();
        return api.json<T>(method, path, body);
      },
    });
  }

  /**
   * Replaces this device's identity with a new one (an explicit, signed operation: both
   * identities sign it), then uploads new prekeys and a new sealing key. Peers see the
   * change (`identity-changed` on their side) and must trust the new identity.
   */
  async rotateIdentity(): Promise<PublicIdentity> {
    this.#requireConnected();
    const next = createIdentity({ suite: this.#identity.suite as IdentitySuite });
    // Saved before the server is asked: if the process dies after the server rotated,
    // connect() finishes the rotation instead of leaving a device no identity can log into.
    await this.#stores.stateStore.put(PENDING_ROTATION, next.export());
    await this.#api.rotate(this.#identity, next);
    await this.#adopt(next);
    await this.#api.login(next); // the server revoked the device's tokens
    await this.refillPrekeys(true);
    await this.#publishSealingKey(true);
    return next.publicIdentity;
  }

  /**
   * Makes `next` this device's identity after a rotation: saved, and every session
   * deleted, so that each peer gets a new handshake from it (and sees the change) rather
   * than messages over a session its pinned identity no longer matches. The old identity
   * is not disposed: work in flight may still hold it; it goes with garbage collection.
   */
  async #adopt(next: Identity): Promise<void> {
    await saveLocalIdentity(this.#stores.identityStore, next);
    await this.#stores.stateStore.delete(PENDING_ROTATION);
    this.#identity = next;
    this.#certificate = undefined;
    this.#api.token = undefined;
    for (const address of await this.#stores.sessionStore.addresses()) await this.#stores.sessionStore.delete(address);
  }

  /**
   * Trusts `identity` for a peer device after an `identity-changed` event (once the user
   * verified it), then fetches the messages that waited for it.
   */
  async trustIdentity(peer: DeviceName, identity: PublicIdentity): Promise<void> {
    await trustIdentity(this.#stores.identityStore, addressOf(peer), identity);
    this.#held.delete(addressOf(peer));
    if (this.#connected) await this.receive();
  }

  // ---- sending ----

  /** The account's devices, with their fingerprints and sealing keys; a fallback when it has none. */
  async #directory(account: string): Promise<DirectoryDevice[]> {
    await this.#freshToken();
    try {
      return (await this.#api.json<{ devices: DirectoryDevice[] }>('GET', `/v1/accounts/${encodeURIComponent(account)}/devices`)).devices;
    } catch (e) {
      if (e instanceof ClientError && e.details.status === 404) throw this.#fallback('no-end-to-end', account);
      throw e;
    }
  }

  /** The envelope of one device: over its stored session, or a new one from its bundle. */
  async #encryptFor(peer: DeviceName, d: DirectoryDevice, plaintext: Uint8Array, associatedData: Uint8Array | undefined): Promise<Uint8Array> {
    const address = addressOf(peer);
    // An initial message still pending is one the server never confirmed (the send failed,
    // or the process died): the peer may have no session, so a message of the stored one
    // could not be read. A new handshake replaces it.
    const unconfirmed = (await this.#stores.stateStore.get(PENDING_INITIAL + address)) !== undefined;
    const session = unconfirmed ? undefined : await Session.load(this.#stores.sessionStore, address, { onSecurityEvent: (e) => this.#sessionEvent(e) });
    if (session !== undefined && session.info.peerFingerprint === d.fingerprint) {
      return session.encryptAsync(plaintext, associatedData === undefined ? {} : { associatedData });
    }
    // No session, or the device has another identity now: a new session from a bundle.
    let bundle: Uint8Array;
    try {
      await this.#freshToken();
      bundle = await this.#api.bytes('GET', `/v1/prekeys/${encodeURIComponent(peer.account)}/${peer.device}`);
    } catch (e) {
      if (e instanceof ClientError && e.details.status === 404) throw this.#fallback('no-end-to-end', address);
      throw e;
    }
    // The bundle must be the identity the directory lists, checked before the handshake
    // pins or saves anything.
    const bundled = decodeMessage(bundle);
    if (bundled.type !== 'prekey-bundle' || signerFingerprint(bundled.identitySigKey) !== d.fingerprint) {
      throw new ClientError('SERVER_REFUSED', `the server's bundle for ${address} is not signed by the identity its directory lists`);
    }
    const handshake = (policy: PolicyInput | undefined) =>
      initiateSession(bundle, {
        ...this.#handshakeOptions(address),
        plaintext,
        ...(associatedData !== undefined && { associatedData }),
        ...(policy !== undefined && { policy }),
      });
    // Marked pending before the session is saved, until the server has its initial
    // message: after a failed send or a crash the next send starts over (see #send).
    await this.#stores.stateStore.put(PENDING_INITIAL + address, Uint8Array.of(1));
    try {
      return (await this.#handshakeWithFallback(handshake, address)).initialMessage;
    } catch (e) {
      await this.#stores.stateStore.delete(PENDING_INITIAL + address);
      throw e;
    }
  }

  /** What both sides of this client's handshakes with `address` take: its identity, stores and capabilities. */
  #handshakeOptions(address: string): HandshakeOptions {
    return {
      identity: this.#identity,
      identityStore: this.#stores.identityStore,
      sessionStore: this.#stores.sessionStore,
      address,
      replaceSession: true,
      ...(this.#options.capabilities !== undefined && { capabilities: this.#options.capabilities }),
      onSecurityEvent: (e) => this.#sessionEvent(e),
    };
  }

  /** The handshake under the session policy; a classical peer as the fallback policy says. */
  async #handshakeWithFallback(handshake: (policy: PolicyInput | undefined) => Promise<InitiatedSession>, address: string): Promise<InitiatedSession> {
    try {
      return await handshake(this.#options.policy);
    } catch (e) {
      if (e instanceof PqwireError && e.code === 'PQ_REQUIRED') {
        const action = this.#fallbackDecision('not-post-quantum', address);
        if (action !== 'warned') throw fallbackError('not-post-quantum', address, action);
        return handshake('classical-allowed');
      }
      if (e instanceof IdentityChangedError) {
        this.#security({ type: 'identity-changed', peer: address, code: e.code, identity: e.identity, message: `${address} presents a new identity: nothing was sent to it; trust it once verified` });
      }
      throw e;
    }
  }

  /** Seals `inner` to the device's sealing key (verified against its pinned identity) with this device's certificate. */
  async #seal(peer: DeviceName, d: DirectoryDevice, inner: Uint8Array): Promise<Uint8Array> {
    const address = addressOf(peer);
    if (d.sealingKey === undefined) throw new ClientError('SEALED_UNAVAILABLE', `${address} published no sealing key`);
    const pinned = await this.#stores.identityStore.getPeerIdentity(address);
    if (pinned === undefined || pinned.fingerprint !== d.fingerprint) throw new ClientError('SEALED_UNAVAILABLE', `no verified identity of ${address} to check its sealing key with`);
    const publicKey = verifySealingKey(d.sealingKey, pinned);
    return seal(publicKey, await this.#senderCertificate(), inner);
  }

  /** This device's sender certificate, fetched again an hour before it expires. */
  async #senderCertificate(): Promise<Uint8Array> {
    if (this.#certificate === undefined || this.#certificate.expires - nowSeconds() < CERTIFICATE_REFRESH_SECONDS) {
      await this.#freshToken();
      const answer = await this.#api.json<{ certificate: string }>('GET', '/v1/certificate');
      const bytes = new Uint8Array(Buffer.from(answer.certificate, 'base64'));
      const facts = verifySenderCertificate(bytes, this.#serverIdentity!);
      if (facts.account !== this.#api.me.account || facts.device !== this.#api.me.device || facts.fingerprint !== this.identity.fingerprint) {
        throw new ClientError('SERVER_REFUSED', 'the server issued a sender certificate for another device or identity');
      }
      this.#certificate = { bytes, expires: facts.expires };
    }
    return this.#certificate.bytes;
  }

  async #post(account: string, messages: { device: number; fingerprint: string; envelope: Uint8Array }[], sealed: boolean): Promise<{ device: number; id: string }[]> {
    const body = { messages: messages.map((m) => ({ device: m.device, fingerprint: m.fingerprint, envelope: Buffer.from(m.envelope).toString('base64') })) };
    if (!sealed) await this.#freshToken();
    const answer = await this.#api.json<{ ids: { device: number; id: string }[] }>('POST', `/v1/${sealed ? 'sealed' : 'messages'}/${encodeURIComponent(account)}`, body, { token: !sealed });
    return answer.ids;
  }

  // ---- receiving ----

  /** Queues one relayed message for handling, in arrival order; `ack` once handled or dropped. */
  #enqueueIncoming(m: RelayedMessage, ack: (id: string) => void): void {
    const handle = async (): Promise<void> => {
      if (this.#seen.has(m.id)) return ack(m.id);
      try {
        const handled = await this.#handle(m);
        if (handled === 'wait') return;
      } catch (e) {
        // Not handled (a store failing): left queued, so it comes again.
        this.#backgroundError(e);
        return;
      }
      this.#seen.add(m.id);
      if (this.#seen.size > SEEN_KEPT) this.#seen.delete(this.#seen.values().next().value!);
      ack(m.id);
    };
    // Whatever one message does (a listener throwing included), the next is handled.
    this.#inbox = this.#inbox.then(handle).catch((e: unknown) => this.#backgroundError(e));
  }

  /** Handles one message: delivered, dropped (with an event), or `wait` (kept queued). */
  async #handle(m: RelayedMessage): Promise<'done' | 'wait'> {
    let envelope: Uint8Array = new Uint8Array(Buffer.from(m.envelope, 'base64'));
    let from: DeviceName;
    let certified: string | undefined;
    if (m.sender === null) {
      try {
        const opened = unseal(await this.#sealingSeed(sealedKeyId(envelope)), envelope);
        // Valid when the server queued the message: a message waiting for an offline
        // recipient outlives its sender's certificate, not its validity then.
        const facts = verifySenderCertificate(opened.certificate, this.#serverIdentity!, Math.min(m.sent, nowSeconds()));
        from = { account: facts.account, device: facts.device };
        certified = facts.fingerprint;
        envelope = opened.message;
      } catch (e) {
        return this.#drop(m, undefined, e);
      }
    } else {
      const [account, device] = m.sender.split('/');
      from = { account: account!, device: Number(device) };
      if (isSealed(envelope)) return this.#drop(m, addressOf(from), new ClientError('SENDER_MISMATCH', 'a sealed envelope sent with a sender'));
    }
    const address = addressOf(from);
    return this.#exclusive(address, () => this.#decryptFrom(m, from, address, envelope, certified));
  }

  /** Decrypts a message of `from` (under the address's lock): a handshake or its session. */
  async #decryptFrom(m: RelayedMessage, from: DeviceName, address: string, envelope: Uint8Array, certified: string | undefined): Promise<'done' | 'wait'> {
    let plaintext: Uint8Array;
    let associatedData: Uint8Array;
    let peerFingerprint: string;
    // After an identity change waiting for trust, the sender's next messages wait too:
    // they belong to the session its held initial message opens.
    if (this.#held.has(address)) return 'wait';
    const pinned = (await this.#stores.identityStore.getPeerIdentity(address))?.fingerprint;
    let initial = false;
    try {
      const decoded = decodeMessage(envelope);
      initial = decoded.type === 'initial-message';
      if (decoded.type === 'initial-message') {
        // A sealed initial message must come from the identity its certificate names:
        // checked before the handshake pins anything for the address.
        if (certified !== undefined && signerFingerprint(decoded.identitySigKey) !== certified) {
          this.#security({ type: 'sender-mismatch', peer: address, message: `a sealed initial message claims ${address} but comes from another identity: dropped` });
          return 'done';
        }
        const accepted = await acceptSession(envelope, {
          ...this.#handshakeOptions(address),
          prekeyStore: this.#stores.prekeyStore,
          ...(this.#options.policy !== undefined && { policy: this.#options.policy }),
        });
        ({ plaintext, associatedData } = accepted);
        peerFingerprint = accepted.peer.fingerprint;
        // One-time prekeys went: refill in the background when they run low.
        this.refillPrekeys().catch((e: unknown) => this.#backgroundError(e));
      } else {
        const session = await Session.load(this.#stores.sessionStore, address, { onSecurityEvent: (e) => this.#sessionEvent(e) });
        if (session === undefined) return this.#drop(m, address, new ClientError('SENDER_MISMATCH', 'no session with the sender'));
        // Checked before decrypting, so a refused message advances nothing: the session
        // must be with the identity pinned for the address (not one from before a
        // rotation), and with the identity a sealed message's certificate names.
        if (!this.#sameSender(session.info.peerFingerprint, pinned, certified)) return this.#mismatch(address);
        ({ plaintext, associatedData } = await session.decryptAsync(envelope));
        peerFingerprint = session.info.peerFingerprint;
      }
    } catch (e) {
      if (e instanceof IdentityChangedError) {
        this.#held.add(address);
        this.#security({ type: 'identity-changed', peer: address, code: e.code, identity: e.identity, message: `${address} presents a new identity: its messages wait until it is trusted` });
        return 'wait';
      }
      if (e instanceof PqwireError && (e.code === 'SESSION_CONFLICT' || e.code === 'INTERNAL')) throw e;
      return this.#drop(m, address, e);
    }
    // Again after: a previous session of the address may have decrypted it.
    if (!this.#sameSender(peerFingerprint, initial ? undefined : pinned, certified)) return this.#mismatch(address);
    this.#deliver({ id: m.id, from, plaintext, associatedData, sent: m.sent, sealed: m.sender === null });
    return 'done';
  }

  /**
   * Whether a session with `peer` may speak for the address: it is the identity pinned
   * for it (for a new handshake the pin is the handshake's own), and the one a sealed
   * message's certificate names.
   */
  #sameSender(peer: string, pinned: string | undefined, certified: string | undefined): boolean {
    return (pinned === undefined || peer === pinned) && (certified === undefined || peer === certified);
  }

  /** Drops a message whose claimed sender and session disagree. */
  #mismatch(address: string): 'done' {
    this.#security({ type: 'sender-mismatch', peer: address, message: `a message for ${address}'s session does not come from the identity pinned or certified for it: dropped` });
    return 'done';
  }

  /** Drops an undecryptable message with an event (acknowledged: it can never be read). */
  #drop(m: RelayedMessage, peer: string | undefined, e: unknown): 'done' {
    const code = e instanceof PqwireError || e instanceof ClientError ? e.code : 'INTERNAL';
    this.#security({ type: 'undecryptable', ...(peer !== undefined && { peer }), code, message: `message ${m.id} dropped: ${code}` });
    return 'done';
  }

  #deliver(message: ReceivedMessage): void {
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) waiter({ value: message, done: false });
    else if (this.#iterating > 0) this.#buffered.push(message);
    try {
      this.emit('message', message);
    } catch (e) {
      // The application's listener threw: the message was delivered all the same.
      this.#backgroundError(e);
    }
  }

  // ---- keys, tokens, events ----

  /**
   * Runs `work` when no other work under the lock `address` runs: a send and a receive of
   * one peer load and save the same stored session, and the store would refuse the
   * second save (`SESSION_CONFLICT`). Sends to one account (`send:account`) and prekey
   * refills take locks of their own.
   */
  async #exclusive<T>(address: string, work: () => Promise<T>): Promise<T> {
    const before = this.#locks.get(address) ?? Promise.resolve();
    const run = before.then(work, work);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.#locks.set(address, tail);
    try {
      return await run;
    } finally {
      if (this.#locks.get(address) === tail) this.#locks.delete(address);
    }
  }

  /** Pins the server's certificate identity on first connect; refuses another one after. */
  async #pinServerIdentity(): Promise<void> {
    const answer = await this.#api.json<{ identity: { signingKey: string; dhKey: string; dhSignature: string }; fingerprint: string }>('GET', '/v1/server/identity');
    const identity = PublicIdentity.fromJSON(answer.identity);
    const pinned = await this.#stores.stateStore.get(SERVER_IDENTITY);
    const expected = this.#options.serverFingerprint ?? (pinned && new TextDecoder().decode(pinned));
    if (expected !== undefined && expected !== identity.fingerprint) {
      throw new ClientError('SERVER_IDENTITY_CHANGED', `the server's certificate identity is ${identity.fingerprint}, not the pinned ${expected}`);
    }
    if (pinned === undefined) await this.#stores.stateStore.put(SERVER_IDENTITY, new TextEncoder().encode(identity.fingerprint));
    this.#serverIdentity = identity;
  }

  /** Publishes the sealing key (made on first use; `renew`: a new one, the old kept for late messages). */
  async #publishSealingKey(renew = false): Promise<void> {
    let seed = renew ? undefined : await this.#stores.stateStore.get(SEALING_SEED);
    const key = createSealingKey(this.#identity, seed);
    if (seed === undefined) {
      seed = key.seed;
      await this.#stores.stateStore.put(SEALING_SEED, seed);
    }
    await this.#stores.stateStore.put(SEALING_KEYS + sealingKeyId(fromHex(key.public.publicKey)), seed);
    await this.#freshToken();
    await this.#api.json('PUT', '/v1/devices/me/sealing-key', key.public);
  }

  async #sealingSeed(keyId: string): Promise<Uint8Array> {
    const seed = await this.#stores.stateStore.get(SEALING_KEYS + keyId);
    if (seed === undefined) throw new ClientError('SENDER_MISMATCH', 'sealed to a sealing key this device does not have');
    return seed;
  }

  /** Logs in again when the token is about to expire. */
  async #freshToken(): Promise<void> {
    if (this.#api.token === undefined || this.#api.tokenExpires - nowSeconds() < TOKEN_MARGIN_SECONDS) await this.#api.login(this.#identity);
  }

  /**
   * An error of background work (a prekey refill, the WebSocket reconnecting, a message
   * left queued because a store failed): an `error` event when someone listens (with no
   * listener, Node's EventEmitter would throw it and end the process); the work is tried
   * again at its next occasion either way.
   */
  #backgroundError(e: unknown): void {
    if (this.listenerCount('error') > 0) this.emit('error', e);
  }

  #requireConnected(): void {
    if (!this.#connected) throw new ClientError('NOT_CONNECTED', 'call connect() first');
  }

  /** Asks the fallback policy; returns the error to throw for a refusal. */
  #fallback(reason: FallbackReason, peer: string): ClientError {
    return fallbackError(reason, peer, this.#fallbackDecision(reason, peer));
  }

  #fallbackDecision(reason: FallbackReason, peer: string): 'blocked' | 'warned' | 'invite' {
    const action = fallbackAction(this.#options.fallback ?? 'block', reason);
    this.#security({
      type: 'fallback',
      peer,
      reason,
      action,
      ...(action === 'invite' && { invitation: { account: this.#api.me.account, fingerprint: this.identity.fingerprint, server: this.#api.url } }),
      message:
        reason === 'no-end-to-end'
          ? `${peer} cannot be reached end to end (${action})`
          : `${peer} offers only classical keys (${action === 'warned' ? 'a classical session is used' : action})`,
    });
    return action;
  }

  #sessionEvent(e: SessionSecurityEvent): void {
    // The client reports identity changes itself, with the identity presented.
    if (e.type === 'identity-changed') return;
    this.#security({ type: 'session', ...(e.address !== undefined && { peer: e.address }), code: e.type, message: e.message });
  }

  #security(event: Omit<ClientSecurityEvent, 'time'>): void {
    this.emit('security', { ...event, time: Date.now() });
  }
}
