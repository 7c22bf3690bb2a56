/**
 * Sessions: asynchronous end-to-end encrypted conversations between two parties
 * (docs/protocol.md). The initiator fetches the peer's prekey bundle and calls
 * {@link initiateSession}; the responder passes the initial message to
 * {@link acceptSession}; both then `encrypt` and `decrypt` ratchet messages. The
 * handshake is a hybrid PQXDH (X25519 DH1–DH4 and ML-KEM), the ratchet a hybrid double
 * ratchet whose asymmetric steps mix in ML-KEM at the configured cadence.
 *
 * Every failure is a typed error with a stable code and leaves the session exactly as
 * it was; replays, skipped-key exhaustion, identity changes, downgrades and rollbacks
 * are also reported as {@link SessionSecurityEvent}s.
 *
 * @example
 * ```ts
 * import { createIdentity, createPrekeyBundle, initiateSession, acceptSession, InMemoryPrekeyStore } from 'pqwire';
 * const alice = createIdentity(), bob = createIdentity();
 * const prekeyStore = new InMemoryPrekeyStore();
 * const bundle = await createPrekeyBundle(bob, { prekeyStore });
 *
 * const { session: a, initialMessage } = await initiateSession(bundle, {
 *   identity: alice, plaintext: new TextEncoder().encode('hello Bob'),
 * });
 * const { session: b, plaintext } = await acceptSession(initialMessage, { identity: bob, prekeyStore });
 *
 * const reply = b.encrypt(new TextEncoder().encode('hi Alice'), { associatedData: new TextEncoder().encode('thread-7') });
 * a.decrypt(reply).plaintext;   // 'hi Alice'
 * ```
 */
import { EventEmitter } from 'node:events';
import native from './native';
import { call, callAsync, fromNative, makeError, PqwireError } from './errors';
import type { ErrorCode } from './errors';
import { bytes, describe, optionalBytes } from './bytes';
import { toHex } from './hex';
import { DISPOSE } from './dispose';
import { nowSeconds, PublicIdentity, seconds } from './identity';
import type { Identity } from './identity';
import { capabilities as defaultCapabilities } from './negotiation';
import type { CapabilitiesInput } from './negotiation';
import { normalizePolicy } from './policy';
import type { PolicyInput } from './policy';
import { checkPrekeyStore, identityChanged } from './stores';
import { deliver } from './security-events';
import type { IdentityStore, PrekeyStore, SessionStore, StoredPrekey, StoredSession } from './stores';
import { encode, initialMessagePrekeyIds } from './wire';
import type { FeatureName } from './wire';
import type { AeadSuiteName, KemSuiteName, SigSuiteName } from './suites';

/**
 * - `handshake-refused`: a handshake was refused by policy or negotiation
 *   (`DowngradeError` codes such as `PQ_REQUIRED`).
 * - `classical-session`: a session was established without a KEM prekey (allowed by
 *   the policy): its first keys rest on X25519 alone.
 * - `identity-changed`: a peer's identity differs from the pinned one.
 * - `replay-refused`: a ratchet message already received (`REPLAYED`), an initial
 *   message accepted before (`REPLAYED`, from the prekey store's replay cache or the
 *   session store), or one whose one-time prekey was consumed (`PREKEY_REUSED`).
 * - `skipped-keys-exhausted`: a message too far ahead (`TOO_MANY_SKIPPED`) or whose
 *   stored key was deleted (`STALE_MESSAGE`).
 * - `session-rollback`: a restored session older than one already used.
 * - `session-conflict`: a copy of a stored session tried to save over a newer state
 *   (two copies of one record were in use); its operation was refused.
 * - `session-replaced`: a handshake replaced a different session stored for the peer,
 *   as asked with `replaceSession: true`.
 */
export type SessionSecurityEventType =
  | 'handshake-refused'
  | 'classical-session'
  | 'identity-changed'
  | 'replay-refused'
  | 'skipped-keys-exhausted'
  | 'session-rollback'
  | 'session-conflict'
  | 'session-replaced';

/** A security event of the session layer. */
export interface SessionSecurityEvent {
  type: SessionSecurityEventType;
  code?: ErrorCode;
  /** Human-readable summary (no key material). */
  message: string;
  /** The peer's address, when the app gave one. */
  address?: string;
  /** The session id (hex), once there is a session. */
  sessionId?: string;
  /**
   * Whether the offending message authenticated. Replay and skipped-key refusals are
   * decided before any key could authenticate the message (docs/protocol.md §5.5), so
   * a forger can provoke them: they are `false`.
   */
  authenticated: boolean;
  /** Milliseconds since the epoch. */
  time: number;
}

/** Receives session security events. */
export type SessionSecurityEventListener = (event: SessionSecurityEvent) => void;

/**
 * When an asymmetric ratchet step also runs ML-KEM: `every-hop` (each change of
 * speaker), or after `kemEveryMessages` messages and/or `kemEverySeconds` seconds since
 * a KEM secret last entered the root key. Default (also when only limits are given):
 * every hop for ML-KEM-512/768, every 50 messages or 10 minutes for ML-KEM-1024.
 */
export interface RatchetOptions {
  cadence?: 'every-hop';
  kemEveryMessages?: number;
  kemEverySeconds?: number;
  /** Most message keys one message may make the receiver skip (default 1,000). */
  maxSkip?: number;
  /** Most skipped message keys stored (default 1,000). */
  maxSkippedKeys?: number;
  /** Seconds a skipped message key is kept (default 7 days). */
  maxSkippedAge?: number;
}

/** Options shared by {@link initiateSession} and {@link acceptSession}. */
export interface HandshakeOptions {
  /** Our identity. */
  identity: Identity;
  /** The peer's address in the app (user id, device id): pins its identity, names the stored session, labels events. */
  address?: string;
  /** Pins peer identities (trust on first use); needs `address`. */
  identityStore?: IdentityStore;
  /**
   * Saves the new session under `address`; the session stays attached to the store
   * (see {@link Session}). A *different* session already stored there is replaced only
   * with `replaceSession: true` (else `SessionExistsError`, nothing consumed or stored).
   */
  sessionStore?: SessionStore;
  /** Replace a different session stored for `address` (reported as `session-replaced`). */
  replaceSession?: boolean;
  /** Default `pq-required`: a bundle without an ML-KEM prekey is refused. */
  policy?: PolicyInput;
  /** Our capabilities; the responder must use those its bundle published. */
  capabilities?: CapabilitiesInput;
  ratchet?: RatchetOptions;
  /** Unix seconds; default now. */
  now?: number;
  onSecurityEvent?: SessionSecurityEventListener;
}

/** Options of {@link initiateSession}. */
export interface InitiateOptions extends HandshakeOptions {
  /** The first message, carried in the initial message (default empty). */
  plaintext?: Uint8Array;
  associatedData?: Uint8Array;
}

/** Options of {@link acceptSession}. */
export interface AcceptOptions extends HandshakeOptions {
  /** Where our prekey secrets are; one-time prekeys are consumed exactly once. */
  prekeyStore: PrekeyStore;
}

/** What the handshake settled. */
export interface SessionInfo {
  role: 'initiator' | 'responder';
  version: number;
  kemSuite: KemSuiteName;
  sigSuite: SigSuiteName;
  aeadSuite: AeadSuiteName;
  features: (FeatureName | number)[];
  /**
   * Whether the initiator's transcript signature (mandatory in wire version 1) is
   * post-quantum: `false` only for a classical Ed25519 initiator identity, which
   * `pq-required` refuses and other policies report as `classical-session`.
   */
  hybridAuth: boolean;
  /** Whether the handshake used an ML-KEM prekey. */
  postQuantum: boolean;
  transcriptHash: Uint8Array;
  /** Our identity's fingerprint. */
  localFingerprint: string;
  /** The peer's verified identity. */
  peer: PublicIdentity;
  /** Unix seconds. */
  establishedAt: number;
}

/** A decrypted message. */
export interface DecryptedMessage {
  plaintext: Uint8Array;
  /** The sender's authenticated metadata (empty when none). */
  associatedData: Uint8Array;
}

/** Options of encrypt. */
export interface EncryptOptions {
  /** Metadata sent authenticated, not encrypted. */
  associatedData?: Uint8Array;
  /** Unix seconds; default now. */
  now?: number;
}

type NativeSession = ReturnType<typeof native.NativeSession.deserialize>;
type NativeSnapshot = ReturnType<NativeSession['snapshot']>;

/** Where an attached session saves itself, and the epoch it holds the store's record at. */
interface Attachment {
  store: SessionStore;
  address: string;
  /** The epoch of the stored record this copy continues (its claim on the record). */
  claim: number | undefined;
}

/**
 * One party's end of a session. Emits `'security'` with {@link SessionSecurityEvent}s.
 *
 * **Attached sessions.** A session from {@link Session.load}, from a handshake given a
 * `sessionStore`, or saved once with {@link Session.save} is *attached* to that store
 * and address, and holds a claim on the stored record: the epoch it was loaded or last
 * saved at. Its `encryptAsync` and `decryptAsync` compute the operation on a copy, save
 * the copy's record to the store (a compare-and-swap on the claim, see
 * {@link SessionStore}), and only then commit and return the message. If another copy of
 * the session saved first, the store refuses, nothing is returned or changed, the copy
 * becomes unusable and the call throws `SessionConflictError` (and reports
 * `session-conflict`): load the session again. No message key is ever used by two
 * copies. The synchronous `encrypt` and `decrypt` cannot wait for a store, so an
 * attached session refuses them (`INVALID_ARGUMENT`); a session without a store
 * (`Session.deserialize`, a handshake without `sessionStore`) offers both, and saving it
 * is then the application's business.
 *
 * @example
 * ```ts
 * const session = (await Session.load(store, 'bob'))!;
 * const message = await session.encryptAsync(data);   // saved before it is returned
 * ```
 */
export class Session extends EventEmitter {
  readonly #native: NativeSession;
  readonly #listener: SessionSecurityEventListener | undefined;
  readonly #info: SessionInfo;
  #queue: Promise<unknown> = Promise.resolve();
  #attachment: Attachment | undefined;
  /**
   * Set from the moment `save` is called on an unattached session until it resolves:
   * the session is as good as attached (a synchronous operation now would advance it
   * past the record being stored), so the synchronous forms refuse.
   */
  #attaching = false;
  /** Set once a save was refused: another copy owns the record now. */
  #conflicted = false;
  /** Queued operations not yet settled. */
  #pending = 0;
  /** The session id (hex), the same on both sides. */
  readonly id: string;
  /** The peer's address in the app, if given. */
  readonly address: string | undefined;

  /** @internal */
  constructor(handle: NativeSession, address: string | undefined, listener: SessionSecurityEventListener | undefined) {
    super();
    this.#native = handle;
    this.#listener = listener;
    this.address = address;
    const facts = call(() => handle.facts);
    this.#info = sessionInfo(facts);
    this.id = toHex(facts.sessionId);
  }

  /** What the handshake settled (fixed for the session's life, so read once). */
  get info(): SessionInfo {
    return { ...this.#info, features: [...this.#info.features], transcriptHash: Uint8Array.from(this.#info.transcriptHash) };
  }

  /** +1 on every change of the session; see {@link Session.deserialize}. */
  get epoch(): number {
    return call(() => this.#native.epoch);
  }

  /** Skipped message keys currently stored (for messages still expected out of order). */
  get skippedKeys(): number {
    return call(() => this.#native.skippedKeys);
  }

  /** Whether a forced ML-KEM step ({@link Session.forceKemStep}) is still pending. */
  get kemStepPending(): boolean {
    return call(() => this.#native.kemStepForced);
  }

  /** Whether the session is attached to a session store, or being attached (see {@link Session}). */
  get attached(): boolean {
    return this.#attachment !== undefined || this.#attaching;
  }

  /** Whether {@link Session.dispose} wiped the session. */
  get disposed(): boolean {
    return call(() => this.#native.disposed);
  }

  /**
   * Encrypts into a ratchet message (wire type `0x12`). Only for a session without a
   * store: an attached one must save first, so use {@link Session.encryptAsync}.
   */
  encrypt(plaintext: Uint8Array, options: EncryptOptions = {}): Uint8Array {
    const [pt, ad, now] = encryptArgs(plaintext, options);
    this.#requireDetached('encrypt');
    return call(() => this.#native.encrypt(pt, ad, now));
  }

  /**
   * Decrypts a ratchet message. Any failure — wire errors, `AUTH_FAILED`, `REPLAYED`,
   * `TOO_MANY_SKIPPED`, `STALE_MESSAGE` — leaves the session unchanged. Only for a
   * session without a store: an attached one must save first, so use
   * {@link Session.decryptAsync}.
   */
  decrypt(message: Uint8Array, options: { now?: number } = {}): DecryptedMessage {
    const [msg, now] = decryptArgs(message, options);
    this.#requireDetached('decrypt');
    try {
      return this.#native.decrypt(msg, now);
    } catch (e) {
      throw this.#refused(fromNative(e));
    }
  }

  /**
   * {@link Session.encrypt} off the JavaScript thread; calls on one session run in call
   * order. An attached session saves the advanced state before it returns the message
   * (`SessionConflictError` when another copy advanced the stored record first).
   */
  encryptAsync(plaintext: Uint8Array, options: EncryptOptions = {}): Promise<Uint8Array> {
    const [pt, ad, now] = encryptArgs(plaintext, options);
    return this.#enqueue(async () => {
      if (this.#attachment === undefined) return callAsync(() => this.#native.encryptAsync(pt, ad, now));
      this.#requireUsable();
      const staged = await callAsync(() => this.#native.encryptStagedAsync(pt, ad, now));
      await this.#commitAfterSave(staged.snapshot);
      return staged.message;
    });
  }

  /**
   * {@link Session.decrypt} off the JavaScript thread; calls on one session run in call
   * order. An attached session saves the advanced state before it returns the plaintext
   * (`SessionConflictError` when another copy advanced the stored record first; the
   * message is not lost: load the session again and decrypt it there).
   */
  decryptAsync(message: Uint8Array, options: { now?: number } = {}): Promise<DecryptedMessage> {
    const [msg, now] = decryptArgs(message, options);
    const refused = (e: unknown): PqwireError => this.#refused(fromNative(e));
    return this.#enqueue(async () => {
      if (this.#attachment === undefined) return this.#native.decryptAsync(msg, now).catch((e: unknown) => Promise.reject(refused(e)));
      this.#requireUsable();
      const staged = await this.#native.decryptStagedAsync(msg, now).catch((e: unknown) => Promise.reject(refused(e)));
      await this.#commitAfterSave(staged.snapshot);
      return { plaintext: staged.plaintext, associatedData: staged.associatedData };
    });
  }

  /**
   * Makes this party's next asymmetric ratchet step an ML-KEM step whatever the cadence
   * (it happens at the first send after the peer's next message). On an attached session
   * it is refused while an asynchronous operation is running (`INVALID_ARGUMENT`), and it
   * is stored with the next save.
   */
  forceKemStep(): void {
    this.#requireUsable();
    if (this.attached && this.#pending > 0) {
      throw makeError('INVALID_ARGUMENT', 'an operation of this attached session is running: call forceKemStep once it settled');
    }
    call(() => this.#native.forceKemStep());
  }

  /**
   * Serializes the whole session — **secrets included** — with its format version and
   * epoch, for the application's own storage. Refused on an attached session
   * (`INVALID_ARGUMENT`): its store holds the record, and a second copy made from these
   * bytes could encrypt under keys the attached one also uses; `Session.load` it instead.
   */
  serialize(): Uint8Array {
    this.#requireUsable();
    if (this.attached) {
      throw makeError('INVALID_ARGUMENT', 'this session is attached to a session store, which holds its record: load it from there instead of copying it');
    }
    return call(() => this.#native.snapshot()).record;
  }

  /**
   * Wipes the session's native secrets now, instead of when the garbage collector frees
   * it; every later call throws `DisposedError` (`DISPOSED`). Idempotent. The stored
   * record, if any, is not touched.
   *
   * @example
   * ```ts
   * {
   *   using session = (await Session.load(store, 'bob'))!;
   *   await session.encryptAsync(data);
   * } // disposed here
   * ```
   */
  dispose(): void {
    call(() => this.#native.dispose());
  }

  /** {@link Session.dispose}, for `using`. */
  [DISPOSE](): void {
    this.dispose();
  }

  /**
   * Restores a serialized session, not attached to any store. `minimumEpoch` (the
   * highest epoch the app has seen for this session) refuses an older copy with
   * `SessionRollbackError`.
   */
  static deserialize(
    record: Uint8Array,
    options: { minimumEpoch?: number; address?: string; onSecurityEvent?: SessionSecurityEventListener } = {},
  ): Session {
    const min = options.minimumEpoch === undefined ? undefined : seconds('minimumEpoch', options.minimumEpoch);
    let handle: NativeSession;
    try {
      handle = native.NativeSession.deserialize(bytes('record', record), min);
    } catch (e) {
      const error = fromNative(e);
      if (error.code === 'SESSION_ROLLBACK') rollbackReported(error, options);
      throw error;
    }
    return new Session(handle, options.address, options.onSecurityEvent);
  }

  /**
   * Saves this session in `store` under `address` (compare-and-swap, see
   * {@link SessionStore}) and attaches it there. A session already attached saves its
   * current state under its claim (`SessionConflictError` if another copy saved first).
   * A session not yet attached is stored only where no other state of it is: an address
   * holding a different session, or this session at another epoch, refuses it
   * (`SessionConflictError`, the session stays unattached and usable).
   */
  async save(store: SessionStore, address = this.address): Promise<void> {
    if (typeof address !== 'string') throw makeError('INVALID_ARGUMENT', 'saving a session needs an address');
    if (typeof store !== 'object' || store === null) throw makeError('INVALID_TYPE', 'store must be a SessionStore');
    const attached = this.#attachment;
    if (attached !== undefined && (attached.store !== store || attached.address !== address)) {
      throw makeError('INVALID_ARGUMENT', 'this session is attached to another store or address; load it there');
    }
    if (attached !== undefined) return this.#enqueue(() => this.#persist(call(() => this.#native.snapshot())));
    // From now on no synchronous operation may advance the state past the record stored.
    return this.#attachQueued(store, address, false);
  }

  /**
   * Loads and attaches the session stored for `address` (see {@link Session}), refusing
   * a record older than the highest epoch the store has seen for its session id
   * (`SessionRollbackError`). Resolves `undefined` if none.
   */
  static async load(store: SessionStore, address: string, options: { onSecurityEvent?: SessionSecurityEventListener } = {}): Promise<Session | undefined> {
    if (typeof address !== 'string') throw makeError('INVALID_TYPE', `address must be a string, got ${describe(address)}`);
    const stored = await store.load(address);
    if (stored === undefined) return undefined;
    const session = Session.deserialize(stored.record, {
      minimumEpoch: Math.max(stored.highestEpoch, stored.epoch),
      address,
      onSecurityEvent: options.onSecurityEvent,
    });
    if (session.id !== stored.sessionId) {
      session.dispose();
      const error = makeError('SESSION_ROLLBACK', `the record stored for ${JSON.stringify(address)} holds another session than the store names`);
      rollbackReported(error, { address, onSecurityEvent: options.onSecurityEvent });
      throw error;
    }
    session.#attachment = { store, address, claim: stored.epoch };
    return session;
  }

  /** Never shows a secret. */
  toJSON(): { id: string; address?: string; epoch: number } {
    return { id: this.id, address: this.address, epoch: this.epoch };
  }

  /**
   * Attaches a session never stored: saves it as new (`replace`: over a different
   * session). Refused saves throw `SessionConflictError` and leave it unattached.
   * @internal
   */
  async #attach(store: SessionStore, address: string, replace: boolean): Promise<void> {
    const snap = call(() => this.#native.snapshot());
    const saved = await store.save(address, { ...saveOf(snap), expectedEpoch: undefined, replace });
    if (!saved) {
      throw makeError('SESSION_CONFLICT', `the store refused session ${this.id.slice(0, 16)}… for ${JSON.stringify(address)}: it holds another session or a newer state of this one`);
    }
    this.#attachment = { store, address, claim: snap.epoch };
  }

  /** `#attach` through the queue, marked attaching from this call on. */
  async #attachQueued(store: SessionStore, address: string, replace: boolean): Promise<void> {
    this.#attaching = true;
    try {
      await this.#enqueue(() => (this.#attachment === undefined ? this.#attach(store, address, replace) : this.#persist(call(() => this.#native.snapshot()))));
    } finally {
      this.#attaching = false;
    }
  }

  /** @internal Used by the handshakes. */
  static async attachNew(session: Session, store: SessionStore, address: string, replace: boolean): Promise<void> {
    await session.#attachQueued(store, address, replace);
  }

  /** Saves an attached session's snapshot under its claim; a refusal makes the copy unusable. */
  async #persist(snap: NativeSnapshot): Promise<void> {
    this.#requireUsable();
    // Disposed while the operation ran: store nothing (its commit would be refused).
    if (this.disposed) throw makeError('DISPOSED', 'the session was disposed (its secrets wiped)');
    const a = this.#attachment!;
    const saved = await a.store.save(a.address, { ...saveOf(snap), expectedEpoch: a.claim });
    if (!saved) throw this.#conflict();
    a.claim = snap.epoch;
  }

  /** Saves a staged copy, then installs it; a failed save leaves the session as it was. */
  async #commitAfterSave(snap: NativeSnapshot): Promise<void> {
    try {
      await this.#persist(snap);
    } catch (e) {
      call(() => this.#native.discardStaged());
      throw e;
    }
    call(() => this.#native.commitStaged());
  }

  /** Marks this copy unusable after a refused save, reports it, returns the error. */
  #conflict(): PqwireError {
    this.#conflicted = true;
    const error = makeError('SESSION_CONFLICT', 'the stored session changed since this copy was loaded or last saved: load it again');
    report([this.#listener, (e) => this.emit('security', e)], {
      type: 'session-conflict',
      code: error.code,
      message: error.message,
      address: this.address,
      sessionId: this.id,
      authenticated: true,
    });
    return error;
  }

  #requireUsable(): void {
    if (this.#conflicted) throw makeError('SESSION_CONFLICT', 'another copy of this session saved a newer state: load it again');
  }

  #requireDetached(what: 'encrypt' | 'decrypt'): void {
    this.#requireUsable();
    if (this.attached) {
      throw makeError('INVALID_ARGUMENT', `this session is attached to a session store: use ${what}Async, which saves the new state before it returns`);
    }
  }

  #enqueue<T>(task: () => Promise<T>): Promise<T> {
    this.#pending += 1;
    const run = this.#queue.then(task, task).finally(() => {
      this.#pending -= 1;
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** Reports the refusals that are security events, then returns the error to throw. */
  #refused(error: PqwireError): PqwireError {
    const type: SessionSecurityEventType | undefined =
      error.code === 'REPLAYED'
        ? 'replay-refused'
        : error.code === 'TOO_MANY_SKIPPED' || error.code === 'STALE_MESSAGE'
          ? 'skipped-keys-exhausted'
          : undefined;
    if (type) {
      report([this.#listener, (e) => this.emit('security', e)], {
        type,
        code: error.code,
        message: error.message,
        address: this.address,
        sessionId: this.id,
        authenticated: false,
      });
    }
    return error;
  }
}

/** The store's view of a snapshot. */
function saveOf(snap: NativeSnapshot): { record: Uint8Array; sessionId: string; epoch: number } {
  return { record: snap.record, sessionId: toHex(snap.sessionId), epoch: snap.epoch };
}

/** Reports a refused rollback. */
function rollbackReported(error: PqwireError, options: { address?: string; onSecurityEvent?: SessionSecurityEventListener }): void {
  report([options.onSecurityEvent], { type: 'session-rollback', code: error.code, message: error.message, address: options.address, authenticated: true });
}

function encryptArgs(plaintext: Uint8Array, options: EncryptOptions): [Uint8Array, Uint8Array, number] {
  if (typeof options !== 'object' || options === null) {
    throw makeError('INVALID_TYPE', `options must be an object, got ${describe(options)}`);
  }
  return [
    bytes('plaintext', plaintext),
    optionalBytes('associatedData', options.associatedData) ?? EMPTY,
    options.now === undefined ? nowSeconds() : seconds('now', options.now),
  ];
}

function decryptArgs(message: Uint8Array, options: { now?: number }): [Uint8Array, number] {
  if (typeof options !== 'object' || options === null) {
    throw makeError('INVALID_TYPE', `options must be an object, got ${describe(options)}`);
  }
  return [bytes('message', message), options.now === undefined ? nowSeconds() : seconds('now', options.now)];
}

const EMPTY = new Uint8Array(0);

type NativeFacts = NativeSession['facts'];

/** The facts of a handshake as the facade shows them. */
function sessionInfo(f: NativeFacts): SessionInfo {
  return {
    role: f.role as 'initiator' | 'responder',
    version: f.version,
    kemSuite: f.kemSuite as KemSuiteName,
    sigSuite: f.sigSuite as SigSuiteName,
    aeadSuite: f.aeadSuite as AeadSuiteName,
    features: f.features as (FeatureName | number)[],
    hybridAuth: f.hybridAuth,
    postQuantum: f.postQuantum,
    transcriptHash: f.transcriptHash,
    localFingerprint: toHex(f.localIdentity),
    peer: new PublicIdentity(f.peer),
    establishedAt: f.establishedAt,
  };
}

/** Delivers a session security event, stamped with the time. */
function report(listeners: (SessionSecurityEventListener | undefined)[], event: Omit<SessionSecurityEvent, 'time'>): void {
  deliver<SessionSecurityEvent>({ ...event, time: Date.now() }, listeners);
}

interface CheckedHandshake {
  identity: Identity;
  capabilities: Uint8Array;
  native: { policy: string; minVersion: number; ratchet?: Record<string, unknown> };
  now: number;
}

function checkHandshake(options: HandshakeOptions): CheckedHandshake {
  if (typeof options !== 'object' || options === null) {
    throw makeError('INVALID_TYPE', `options must be an object, got ${describe(options)}`);
  }
  if (typeof options.identity !== 'object' || options.identity === null || !('native' in options.identity)) {
    throw makeError('INVALID_TYPE', 'options.identity must be an Identity (createIdentity())');
  }
  if (options.address !== undefined && typeof options.address !== 'string') {
    throw makeError('INVALID_TYPE', `address must be a string, got ${describe(options.address)}`);
  }
  if (options.identityStore !== undefined && options.address === undefined) {
    throw makeError('INVALID_ARGUMENT', 'pinning identities (identityStore) needs the peer address');
  }
  if (options.sessionStore !== undefined && options.address === undefined) {
    throw makeError('INVALID_ARGUMENT', 'saving the session (sessionStore) needs the peer address');
  }
  if (options.replaceSession !== undefined && typeof options.replaceSession !== 'boolean') {
    throw makeError('INVALID_TYPE', `replaceSession must be a boolean, got ${describe(options.replaceSession)}`);
  }
  if (options.onSecurityEvent !== undefined && typeof options.onSecurityEvent !== 'function') {
    throw makeError('INVALID_TYPE', `onSecurityEvent must be a function, got ${describe(options.onSecurityEvent)}`);
  }
  const policy = normalizePolicy(options.policy ?? 'pq-required');
  return {
    identity: options.identity,
    capabilities: encodedCapabilities(options.capabilities),
    native: { policy: policy.mode, minVersion: policy.minVersion, ratchet: ratchetOptions(options.ratchet) },
    now: options.now === undefined ? nowSeconds() : seconds('now', options.now),
  };
}

/** The default capabilities, encoded once: every handshake that gives none sends these bytes. */
let defaultCapabilitiesBytes: Uint8Array | undefined;

/** Encoding the capabilities costs about 30 µs, a few percent of a handshake. */
function encodedCapabilities(input: CapabilitiesInput | undefined): Uint8Array {
  if (input !== undefined) return encode(defaultCapabilities(input));
  return (defaultCapabilitiesBytes ??= encode(defaultCapabilities()).slice());
}

function ratchetOptions(r: RatchetOptions | undefined): Record<string, unknown> | undefined {
  if (r === undefined) return undefined;
  if (typeof r !== 'object' || r === null) throw makeError('INVALID_TYPE', `ratchet options must be an object, got ${describe(r)}`);
  const known = ['cadence', 'kemEveryMessages', 'kemEverySeconds', 'maxSkip', 'maxSkippedKeys', 'maxSkippedAge'];
  for (const key of Object.keys(r)) {
    if (!known.includes(key)) throw makeError('INVALID_ARGUMENT', `unknown ratchet option ${JSON.stringify(key)}`);
  }
  if (r.cadence !== undefined && r.cadence !== 'every-hop') {
    throw makeError('INVALID_ARGUMENT', `cadence must be 'every-hop' (or use kemEveryMessages / kemEverySeconds), got ${describe(r.cadence)}`);
  }
  for (const key of known.slice(1) as (keyof RatchetOptions)[]) {
    if (r[key] !== undefined) seconds(key, r[key]);
  }
  return { ...r };
}

/** The handshake's refusals that are security events. */
function handshakeRefused(
  error: PqwireError,
  listeners: (SessionSecurityEventListener | undefined)[],
  address: string | undefined,
  authenticated: boolean,
): PqwireError {
  const downgrade = ['NO_COMMON_SUITE', 'NO_COMMON_VERSION', 'PQ_REQUIRED', 'VERSION_ROLLBACK', 'TRANSCRIPT_MISMATCH'];
  if (downgrade.includes(error.code)) {
    report(listeners, { type: 'handshake-refused', code: error.code, message: error.message, address, authenticated: false });
  } else if (error.code === 'IDENTITY_CHANGED') {
    report(listeners, { type: 'identity-changed', code: error.code, message: error.message, address, authenticated: true });
  } else if (error.code === 'PREKEY_REUSED' || error.code === 'REPLAYED') {
    // A consumed key id is public: refused before the message authenticated, a forger can provoke it.
    report(listeners, { type: 'replay-refused', code: error.code, message: error.message, address, authenticated });
  }
  return error;
}

/**
 * Whether the new session replaces a different one stored for the address. The same
 * session stored already means the initial message was accepted before (`REPLAYED`); a
 * different one is replaced only with `replaceSession` (else `SESSION_EXISTS`). Checked
 * before anything is consumed, pinned or stored.
 */
async function storedSession(session: Session, options: HandshakeOptions): Promise<StoredSession | undefined> {
  const stored = options.sessionStore && (await options.sessionStore.load(options.address!));
  if (stored?.sessionId === session.id) throw makeError('REPLAYED', 'this session is stored already: the initial message was accepted before');
  return stored;
}

/** Whether a stored, different session is replaced: only with `replaceSession` (else `SESSION_EXISTS`). */
function replaces(stored: StoredSession | undefined, options: HandshakeOptions): boolean {
  if (stored === undefined) return false;
  if (options.replaceSession !== true) {
    throw makeError('SESSION_EXISTS', `a different session is stored for ${JSON.stringify(options.address)}; pass replaceSession: true to replace it`);
  }
  return true;
}

/** Saves and attaches the new session when a store was given; reports a replacement. */
async function store(session: Session, options: HandshakeOptions, replacing: boolean): Promise<void> {
  if (options.sessionStore === undefined) return;
  await Session.attachNew(session, options.sessionStore, options.address!, replacing);
  if (replacing) {
    report([options.onSecurityEvent, (e) => session.emit('security', e)], {
      type: 'session-replaced',
      message: 'a new handshake replaced the session stored for this peer',
      address: options.address,
      sessionId: session.id,
      authenticated: true,
    });
  }
}

/**
 * Checks the peer's identity against the pinned one (`IdentityChangedError`) without
 * storing anything; returns the function that pins it on first use, called once every
 * other check passed.
 */
async function checkPin(session: Session, options: HandshakeOptions): Promise<() => Promise<void>> {
  const store = options.identityStore;
  const address = options.address;
  if (!store || address === undefined) return async () => undefined;
  const peer = session.info.peer;
  const pinned = await store.getPeerIdentity(address);
  if (pinned !== undefined && !pinned.equals(peer)) throw identityChanged(address, pinned, peer);
  return pinned === undefined ? () => store.savePeerIdentity(address, peer) : async () => undefined;
}

/** Reports a session established without an ML-KEM prekey. */
function reportClassical(session: Session, options: HandshakeOptions): void {
  const { postQuantum, hybridAuth } = session.info;
  if (postQuantum && hybridAuth) return;
  const message = !postQuantum
    ? 'session established without an ML-KEM prekey: its first keys rest on X25519 alone'
    : "the initiator's identity is classical: its authentication rests on Ed25519 alone";
  report([options.onSecurityEvent, (e) => session.emit('security', e)], {
    type: 'classical-session',
    message,
    address: options.address,
    sessionId: session.id,
    authenticated: true,
  });
}

/** What {@link initiateSession} gives. */
export interface InitiatedSession {
  session: Session;
  /** The initial message (wire type `0x11`) to send to the peer. */
  initialMessage: Uint8Array;
}

/**
 * Starts a session from the peer's encoded prekey bundle, off the JavaScript thread.
 * Verifies both halves of every signature in the bundle, negotiates (a bundle without
 * an ML-KEM prekey is `PQ_REQUIRED` under the default policy, and under any policy when
 * both parties offer ML-KEM), pins the peer's identity when an identity store is given
 * (`IdentityChangedError` when it changed), and saves and attaches the session when a
 * session store is given (a different session stored for the address is replaced only
 * with `replaceSession: true`, else `SessionExistsError`).
 */
export async function initiateSession(bundle: Uint8Array, options: InitiateOptions): Promise<InitiatedSession> {
  const h = checkHandshake(options);
  const pt = optionalBytes('plaintext', options.plaintext) ?? EMPTY;
  const ad = optionalBytes('associatedData', options.associatedData) ?? EMPTY;
  const listeners = [options.onSecurityEvent];
  let session: Session | undefined;
  try {
    const handle = await callAsync(() => native.NativeSession.initiateAsync(h.identity.native, h.capabilities, bytes('bundle', bundle), pt, ad, h.native, h.now));
    const opening = call(() => handle.takeOpening());
    session = new Session(handle, options.address, options.onSecurityEvent);
    const pin = await checkPin(session, options);
    const replacing = replaces(await storedSession(session, options), options);
    await store(session, options, replacing);
    await pin();
    reportClassical(session, options);
    return { session, initialMessage: opening!.initialMessage! };
  } catch (e) {
    session?.dispose();
    throw handshakeRefused(fromNative(e), listeners, options.address, session !== undefined);
  }
}

/** What {@link acceptSession} gives. */
export interface AcceptedSession {
  session: Session;
  /** The first message. */
  plaintext: Uint8Array;
  associatedData: Uint8Array;
}

/**
 * Accepts an initial message, off the JavaScript thread: looks up the prekeys it names
 * in the prekey store, verifies the initiator (identity and its hybrid transcript
 * signature, which is mandatory), checks the session store (the same session stored is
 * a replay, `REPLAYED`; a different one is replaced only with `replaceSession: true`,
 * else `SessionExistsError`), pins its identity when an identity store is given, and
 * only then consumes the one-time prekeys — atomically, so a replayed or racing initial
 * message is refused with `PREKEY_REUSED` — or, when none was used, enters the handshake
 * into the prekey store's replay cache (a replay is `REPLAYED`). Any failure consumes,
 * pins and stores nothing, and wipes the new session.
 */
export async function acceptSession(initialMessage: Uint8Array, options: AcceptOptions): Promise<AcceptedSession> {
  const h = checkHandshake(options);
  const prekeys = checkPrekeyStore(options.prekeyStore, 'acceptSession');
  const listeners = [options.onSecurityEvent];
  let session: Session | undefined;
  try {
    const records: Uint8Array[] = [];
    for (const id of initialMessagePrekeyIds(initialMessage)) {
      const hex = toHex(id);
      const found: StoredPrekey | undefined = await prekeys.load(hex);
      if (found) records.push(found.secret);
      else if (await prekeys.isConsumed(hex)) throw makeError('PREKEY_REUSED', 'one-time prekey was already used');
    }
    const handle = await callAsync(() => native.NativeSession.acceptAsync(h.identity.native, h.capabilities, records, initialMessage, h.native, h.now));
    const opening = call(() => handle.takeOpening())!;
    session = new Session(handle, options.address, options.onSecurityEvent);
    // Read-only checks first: a replay of a stored session, the pin, a different session.
    const stored = await storedSession(session, options);
    const pin = await checkPin(session, options);
    const replacing = replaces(stored, options);
    // Then the one irreversible step: from here a failure loses this handshake (its
    // one-time prekeys are gone), which is what keeps a key from ever opening twice.
    const oneTime = opening.oneTimePrekeys.map(toHex);
    if (oneTime.length > 0 && !(await prekeys.consume(oneTime))) {
      throw makeError('PREKEY_REUSED', 'one-time prekey was already used');
    }
    // Without a one-time prekey nothing was consumed: the replay cache refuses a second
    // acceptance of the same handshake for as long as its prekeys would open it.
    if (opening.replayUntil != null && !(await prekeys.rememberHandshake(session.id, opening.replayUntil))) {
      throw makeError('REPLAYED', 'this initial message was accepted before (replay)');
    }
    await prekeys.countUse(opening.rotatedPrekeys.map(toHex));
    await store(session, options, replacing);
    await pin();
    reportClassical(session, options);
    return { session, plaintext: opening.plaintext!, associatedData: opening.associatedData! };
  } catch (e) {
    session?.dispose();
    throw handshakeRefused(fromNative(e), listeners, options.address, session !== undefined);
  }
}
