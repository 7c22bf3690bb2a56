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
import { call, callAsync, fromNative, makeError, PqwireError, WireFormatError } from './errors';
import { bytes, describe } from './bytes';
import { toHex } from './hex';
import { DISPOSE } from './dispose';
import { seconds } from './identity';
import type { SessionSave, SessionStore, StoredPreviousSession } from './stores';
import type { FeatureName } from './wire';
import type { AeadSuiteName, KemSuiteName, SigSuiteName } from './suites';
import { report } from './session-events';
import type { SessionEvents, SessionSecurityEventListener, SessionSecurityEventType } from './session-events';
import { decryptArgs, encryptArgs } from './session-options';
import { options as knownOptions } from './options';
import type { DecryptOptions, DeserializeOptions, EncryptOptions, LoadOptions } from './session-options';

/** What the handshake settled. */
export interface SessionInfo {
  role: 'initiator' | 'responder';
  version: number;
  kemSuite: KemSuiteName;
  sigSuite: SigSuiteName;
  aeadSuite: AeadSuiteName;
  features: (FeatureName | number)[];
  /**
   * Whether the initiator's transcript signature (mandatory in wire version 2) is
   * post-quantum: `false` only for a classical Ed25519 initiator identity, which
   * `pq-required` refuses and other policies report as `classical-session`.
   */
  hybridAuth: boolean;
  /** Whether the handshake used an ML-KEM prekey. */
  postQuantum: boolean;
  transcriptHash: Uint8Array;
  /** Our identity's fingerprint. */
  localFingerprint: string;
  /**
   * The peer's identity, verified at the handshake, as its fingerprint
   * ({@link PublicIdentity.fingerprint}). The session keeps no copy of the identity's keys
   * (several KB with ML-DSA): the handshake gave the whole {@link PublicIdentity}
   * (`initiateSession` / `acceptSession` results' `peer`), and the identity store pins it.
   */
  peerFingerprint: string;
  /** Unix seconds. */
  establishedAt: number;
  /**
   * Post-quantum ratchet steps completed so far (both parties' pipelines, docs/protocol.md
   * §5.6): read when `info` is read.
   */
  pqSteps: number;
}

/** A decrypted message. */
export interface DecryptedMessage {
  plaintext: Uint8Array;
  /** The sender's authenticated metadata (empty when none). */
  associatedData: Uint8Array;
}

type NativeSession = ReturnType<typeof native.NativeSession.deserialize>;
type NativeSnapshot = ReturnType<NativeSession['snapshot']>;

/** Where a new session goes in its store: see {@link SessionSave}. @internal */
export type Placement = Pick<SessionSave, 'replace' | 'as' | 'supersede'>;

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
export class Session {
  #native: NativeSession;
  readonly #listener: SessionSecurityEventListener | undefined;
  /** Created on the first listener: an idle session carries no emitter. */
  #events: EventEmitter | undefined;
  /** The tail of the operation queue, `undefined` while nothing ever queued. */
  #queue: Promise<unknown> | undefined;
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
  /** The peer's address in the app, if given. */
  readonly address: string | undefined;

  /**
   * @internal Lean on purpose (docs/protocol.md §6.5): a restored session is the native
   * handle and a few slots; the id, the facts and the event emitter are made on demand.
   */
  constructor(handle: NativeSession, address: string | undefined, listener: SessionSecurityEventListener | undefined) {
    this.#native = handle;
    this.#listener = listener;
    this.address = address;
  }

  /** The session id (hex), the same on both sides; readable after `dispose()`. */
  get id(): string {
    return toHex(call(() => this.#native.sessionId));
  }

  /** What the handshake settled (a fresh copy on each read). `DISPOSED` after `dispose()`. */
  get info(): SessionInfo {
    return sessionInfo(call(() => this.#native.facts), call(() => this.#native.pqSteps));
  }

  /** Adds a listener (`'security'`: {@link SessionSecurityEvent}s). */
  on(event: string | symbol, listener: (...args: any[]) => void): this {
    (this.#events ??= new EventEmitter()).on(event, listener);
    return this;
  }

  /** Adds a listener called once. */
  once(event: string | symbol, listener: (...args: any[]) => void): this {
    (this.#events ??= new EventEmitter()).once(event, listener);
    return this;
  }

  /** Removes a listener. */
  off(event: string | symbol, listener: (...args: any[]) => void): this {
    this.#events?.off(event, listener);
    return this;
  }

  /** Emits `event` to its listeners; whether there were any. */
  emit(event: string | symbol, ...args: unknown[]): boolean {
    return this.#events?.emit(event, ...args) ?? false;
  }

  /** The number of listeners of `event`. */
  listenerCount(event: string | symbol): number {
    return this.#events?.listenerCount(event) ?? 0;
  }

  /** +1 on every change of the session; see {@link Session.deserialize}. */
  get epoch(): number {
    return call(() => this.#native.epoch);
  }

  /** Skipped message keys currently stored (for messages still expected out of order). */
  get skippedKeys(): number {
    return call(() => this.#native.skippedKeys);
  }

  /** Whether a forced ML-KEM step ({@link Session.forceKemStep}) has not started its key yet. */
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
  encrypt(plaintext: Uint8Array, options?: EncryptOptions): Uint8Array {
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
  decrypt(message: Uint8Array, options?: DecryptOptions): DecryptedMessage {
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
  async encryptAsync(plaintext: Uint8Array, options?: EncryptOptions): Promise<Uint8Array> {
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
  async decryptAsync(message: Uint8Array, options?: DecryptOptions): Promise<DecryptedMessage> {
    const [msg, now] = decryptArgs(message, options);
    const refused = (e: unknown): PqwireError => this.#refused(fromNative(e));
    return this.#enqueue(async () => {
      if (this.#attachment === undefined) return this.#native.decryptAsync(msg, now).catch((e: unknown) => Promise.reject(refused(e)));
      this.#requireUsable();
      let staged: Awaited<ReturnType<NativeSession['decryptStagedAsync']>>;
      try {
        staged = await this.#native.decryptStagedAsync(msg, now);
      } catch (e) {
        const error = fromNative(e);
        const other = error.code === 'AUTH_FAILED' ? await this.#decryptPrevious(msg, now) : undefined;
        if (other instanceof PqwireError || other === undefined) throw this.#refused(other ?? error);
        return other;
      }
      await this.#commitAfterSave(staged.snapshot);
      return { plaintext: staged.plaintext, associatedData: staged.associatedData };
    });
  }

  /**
   * A message the current session refused as `AUTH_FAILED` may belong to one of the
   * address's previous sessions (docs/protocol.md §7): tries each, most recent first. The
   * one that decrypts is saved, and becomes current — this object then continues it —
   * unless it lost a simultaneous initiation to the current one. Resolves `undefined`
   * when none did, or the refusal of a previous session that recognised the message
   * (`REPLAYED`, …), which says more than `AUTH_FAILED`.
   */
  async #decryptPrevious(msg: Uint8Array, now: number): Promise<DecryptedMessage | PqwireError | undefined> {
    const a = this.#attachment!;
    const previous: StoredPreviousSession[] = (await a.store.loadPrevious?.(a.address)) ?? [];
    const currentId = this.id;
    let refusal: PqwireError | undefined;
    for (const p of previous) {
      let handle: NativeSession;
      try {
        handle = native.NativeSession.deserialize(p.record, Math.max(p.highestEpoch, p.epoch));
      } catch {
        continue;
      }
      try {
        const staged = await handle.decryptStagedAsync(msg, now).catch((e: unknown) => fromNative(e));
        if (staged instanceof PqwireError) {
          if (staged.code !== 'AUTH_FAILED') refusal ??= staged;
          continue;
        }
        const promote = p.supersededBy !== currentId;
        const save: SessionSave = { ...saveOf(staged.snapshot), expectedEpoch: p.epoch, as: promote ? 'current' : 'previous' };
        if (!(await a.store.save(a.address, save))) {
          throw makeError('SESSION_CONFLICT', 'another copy advanced that previous session first: decrypt the message again');
        }
        call(() => handle.commitStaged());
        if (promote) {
          [this.#native, handle] = [handle, this.#native];
          a.claim = staged.snapshot.epoch;
        }
        return { plaintext: staged.plaintext, associatedData: staged.associatedData };
      } finally {
        handle.dispose();
      }
    }
    return refusal;
  }

  /**
   * Starts a post-quantum step whatever the cadence: this party's pipeline starts its
   * next ML-KEM key with its next message (at once when no key of its own is in flight,
   * else as soon as the one in flight completed its step). On an attached session
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
  static deserialize(record: Uint8Array, options?: DeserializeOptions): Session {
    const o = knownOptions<DeserializeOptions>('Session.deserialize', options, ['minimumEpoch', 'address', 'onSecurityEvent']);
    const min = o.minimumEpoch === undefined ? undefined : seconds('minimumEpoch', o.minimumEpoch);
    let handle: NativeSession;
    try {
      handle = native.NativeSession.deserialize(bytes('record', record), min);
    } catch (e) {
      const error = fromNative(e);
      if (error.code === 'SESSION_ROLLBACK') rollbackReported(error, o);
      throw error;
    }
    return new Session(handle, o.address, o.onSecurityEvent);
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
    return this.#attachQueued(store, address, {});
  }

  /**
   * Loads and attaches the session stored for `address` (see {@link Session}), refusing
   * a record older than the highest epoch the store has seen for its session id
   * (`SessionRollbackError`). Resolves `undefined` if none.
   */
  static async load(store: SessionStore, address: string, options?: LoadOptions): Promise<Session | undefined> {
    const o = knownOptions<LoadOptions>('Session.load', options, ['onSecurityEvent']);
    if (typeof address !== 'string') throw makeError('INVALID_TYPE', `address must be a string, got ${describe(address)}`);
    const stored = await store.load(address);
    if (stored === undefined) return undefined;
    const session = Session.deserialize(stored.record, {
      minimumEpoch: Math.max(stored.highestEpoch, stored.epoch),
      address,
      onSecurityEvent: o.onSecurityEvent,
    });
    if (session.id !== stored.sessionId) {
      session.dispose();
      const error = makeError('SESSION_ROLLBACK', `the record stored for ${JSON.stringify(address)} holds another session than the store names`);
      rollbackReported(error, { address, onSecurityEvent: o.onSecurityEvent });
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
  async #attach(store: SessionStore, address: string, placement: Placement): Promise<void> {
    const snap = call(() => this.#native.snapshot());
    const saved = await store.save(address, { ...saveOf(snap), expectedEpoch: undefined, ...placement });
    if (!saved) {
      throw makeError('SESSION_CONFLICT', `the store refused session ${this.id.slice(0, 16)}… for ${JSON.stringify(address)}: it holds another session or a newer state of this one`);
    }
    this.#attachment = { store, address, claim: snap.epoch };
  }

  /** `#attach` through the queue, marked attaching from this call on. */
  async #attachQueued(store: SessionStore, address: string, placement: Placement): Promise<void> {
    this.#attaching = true;
    try {
      await this.#enqueue(() => (this.#attachment === undefined ? this.#attach(store, address, placement) : this.#persist(call(() => this.#native.snapshot()))));
    } finally {
      this.#attaching = false;
    }
  }

  /** @internal Used by the handshakes: stores a new session where `placement` says. */
  static async attachNew(session: Session, store: SessionStore, address: string, placement: Placement): Promise<void> {
    await session.#attachQueued(store, address, placement);
  }

  /** @internal Whether a message of the peer decrypted in this session (always for a responder). */
  get peerConfirmed(): boolean {
    return call(() => this.#native.peerConfirmed);
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
    const run = (this.#queue ?? Promise.resolve()).then(task, task).finally(() => {
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
          : error.code === 'AUTH_FAILED' || error instanceof WireFormatError
            ? 'tampered-message'
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

// Typed `on`/`once`/`off` for the session's events.
export interface Session {
  on<E extends keyof SessionEvents>(event: E, listener: SessionEvents[E]): this;
  on(event: string | symbol, listener: (...args: any[]) => void): this;
  once<E extends keyof SessionEvents>(event: E, listener: SessionEvents[E]): this;
  once(event: string | symbol, listener: (...args: any[]) => void): this;
  off<E extends keyof SessionEvents>(event: E, listener: SessionEvents[E]): this;
  off(event: string | symbol, listener: (...args: any[]) => void): this;
}

/** The store's view of a snapshot. */
function saveOf(snap: NativeSnapshot): { record: Uint8Array; sessionId: string; epoch: number } {
  return { record: snap.record, sessionId: toHex(snap.sessionId), epoch: snap.epoch };
}

/** Reports a refused rollback. */
function rollbackReported(error: PqwireError, options: DeserializeOptions): void {
  report([options.onSecurityEvent], { type: 'session-rollback', code: error.code, message: error.message, address: options.address, authenticated: true });
}


type NativeFacts = NativeSession['facts'];

/** The facts of a handshake as the facade shows them. */
function sessionInfo(f: NativeFacts, pqSteps: number): SessionInfo {
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
    peerFingerprint: toHex(f.peerIdentity),
    establishedAt: f.establishedAt,
    pqSteps,
  };
}
