/**
 * Identities, prekey bundles and sessions with `pqwire`'s names: `createIdentity`,
 * `Identity`, `InMemoryPrekeyStore`, `createPrekeyBundle`, `initiateSession`,
 * `acceptSession`, `Session`. The secrets stay in native memory behind handles;
 * `dispose()` wipes them (call it: there is no collection-time finalizer).
 *
 * The subset: pqwire's default capabilities, policy (`pq-required`) and ratchet
 * settings; no identity or session stores (pin the `peer.fingerprint` yourself, keep
 * `serialize()`'s record in the keychain), no security events, no async thread option.
 */
import { native } from './native';
import { bytes, optionalBytes, options, orEmpty, seconds, toHex } from './bytes';
import { call, makeError } from './errors';
import { type AeadSuiteName, type KemSuiteName, type SigSuiteName } from './primitives';

const DAY = 86_400;
/** Default identity lifetime: five years. */
export const DEFAULT_IDENTITY_LIFETIME = 5 * 365 * DAY;

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** Hybrid identity suites. */
export type IdentitySuite = 'Ed25519+ML-DSA-65' | 'Ed25519+ML-DSA-87';

/** Options of {@link createIdentity}. */
export interface IdentityOptions {
  /** Default `Ed25519+ML-DSA-65`. */
  suite?: IdentitySuite;
  /** Start of validity (unix seconds); default now. */
  created?: number;
  /** Lifetime in seconds; default 5 years. */
  lifetime?: number;
  /** 32 bytes: derive the identity deterministically. */
  seed?: Uint8Array;
}

/** Wipes the native object behind `handle` once; later uses are `DisposedError`. */
class Handle {
  #handle: number | undefined;
  constructor(handle: number, readonly what: string) {
    this.#handle = handle;
  }
  get(): number {
    if (this.#handle === undefined) throw makeError('DISPOSED', `${this.what} was disposed; its secrets are wiped`);
    return this.#handle;
  }
  get disposed(): boolean {
    return this.#handle === undefined;
  }
  dispose(): void {
    const h = this.#handle;
    this.#handle = undefined;
    if (h !== undefined) call(() => native().handleFree(h));
  }
}

/** A peer's identity as the handshake verified it: its fingerprint, to pin. */
export class PublicIdentity {
  constructor(readonly fingerprint: string) {
    Object.freeze(this);
  }
  equals(other: PublicIdentity): boolean {
    return other instanceof PublicIdentity && other.fingerprint === this.fingerprint;
  }
}

/** Our long-term hybrid identity; its secret keys stay in native memory. */
export class Identity {
  readonly #handle: Handle;
  readonly fingerprint: string;
  readonly suite: SigSuiteName;

  /** @internal Use {@link createIdentity} or {@link Identity.import}. */
  constructor(handle: number) {
    this.#handle = new Handle(handle, 'identity');
    const [fp, suite] = call(() => native().identityPublic(handle));
    this.fingerprint = toHex(fp);
    this.suite = call(() => native().sigSuiteName(suite)) as SigSuiteName;
  }

  /** @internal */
  get native(): number {
    return this.#handle.get();
  }

  /** The secret record (keep it in the keychain); {@link Identity.import} restores it. */
  export(): Uint8Array {
    const h = this.#handle.get();
    return call(() => native().identityExport(h));
  }

  /** Wipes the secret keys; later uses are `DisposedError`. */
  dispose(): void {
    this.#handle.dispose();
  }

  get disposed(): boolean {
    return this.#handle.disposed;
  }

  /** Restores an exported identity (`WireFormatError` for a corrupted record, `INVALID_KEY` for mismatched keys). */
  static import(record: Uint8Array): Identity {
    const r = bytes('record', record);
    return new Identity(call(() => native().identityImport(r)));
  }

  toJSON(): { fingerprint: string; suite: string } {
    return { fingerprint: this.fingerprint, suite: this.suite };
  }
}

/** Creates a hybrid identity. */
export function createIdentity(identityOptions: IdentityOptions = {}): Identity {
  const o = options(identityOptions, ['suite', 'created', 'lifetime', 'seed']);
  const suite = o['suite'] ?? 'Ed25519+ML-DSA-65';
  if (suite !== 'Ed25519+ML-DSA-65' && suite !== 'Ed25519+ML-DSA-87') {
    throw makeError('INVALID_ARGUMENT', 'an identity suite is Ed25519+ML-DSA-65 or Ed25519+ML-DSA-87');
  }
  const created = seconds('created', o['created'] ?? nowSeconds());
  const lifetime = seconds('lifetime', o['lifetime'] ?? DEFAULT_IDENTITY_LIFETIME);
  const seed = optionalBytes('seed', o['seed'], 32);
  const code = call(() => native().sigSuite(suite));
  return new Identity(call(() => native().identityGenerate(code, created, lifetime, seed)));
}

/**
 * Our prekey secrets, in native memory: one-time prekeys are consumed exactly once, and
 * handshakes that used none go into a replay cache. In memory only: a restart loses
 * them (publish new bundles then).
 */
export class InMemoryPrekeyStore {
  readonly #handle: Handle;
  constructor() {
    this.#handle = new Handle(call(() => native().prekeyStoreNew()), 'prekey store');
  }
  /** @internal */
  get native(): number {
    return this.#handle.get();
  }
  /** The number of prekey secrets held. */
  get size(): number {
    const h = this.#handle.get();
    return call(() => native().prekeyStoreCount(h));
  }
  /** Wipes every secret. */
  dispose(): void {
    this.#handle.dispose();
  }
}

/** ML-KEM suites of KEM prekeys. */
export type PrekeyKemSuite = 'ML-KEM-512' | 'ML-KEM-768' | 'ML-KEM-1024';

/** Options of {@link createPrekeyBundle}. */
export interface CreatePrekeyBundleOptions {
  prekeyStore: InMemoryPrekeyStore;
  /** Default `ML-KEM-768`. */
  kem?: PrekeyKemSuite;
  /** Include a one-time ML-KEM prekey (default true); else the last-resort one is used. */
  oneTimeKemPrekey?: boolean;
  /** Include a one-time X25519 prekey (default true). */
  oneTimePrekey?: boolean;
  /** Unix seconds; default now. */
  now?: number;
}

function flag(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw makeError('INVALID_TYPE', `${name} must be a boolean`);
  return value;
}

function prekeyStore(value: unknown, where: string): InMemoryPrekeyStore {
  if (!(value instanceof InMemoryPrekeyStore)) throw makeError('INVALID_TYPE', `${where} needs { prekeyStore: InMemoryPrekeyStore }`);
  return value;
}

function identityOf(value: unknown, where: string): Identity {
  if (!(value instanceof Identity)) throw makeError('INVALID_TYPE', `${where} needs { identity: Identity }`);
  return value;
}

/** Creates one signed prekey bundle for `identity`; the secrets go into `prekeyStore`. */
export async function createPrekeyBundle(identity: Identity, bundleOptions: CreatePrekeyBundleOptions): Promise<Uint8Array> {
  const id = identityOf(identity, 'createPrekeyBundle');
  const o = options(bundleOptions, ['prekeyStore', 'kem', 'oneTimeKemPrekey', 'oneTimePrekey', 'now']);
  const store = prekeyStore(o['prekeyStore'], 'createPrekeyBundle');
  const suite = (o['kem'] ?? 'ML-KEM-768') as string;
  if (!['ML-KEM-512', 'ML-KEM-768', 'ML-KEM-1024'].includes(suite)) {
    throw makeError('INVALID_ARGUMENT', 'kem must be ML-KEM-512, ML-KEM-768 or ML-KEM-1024');
  }
  const code = call(() => native().kemSuite(suite));
  const oneTime = flag('oneTimePrekey', o['oneTimePrekey'], true);
  const oneTimeKem = flag('oneTimeKemPrekey', o['oneTimeKemPrekey'], true);
  const now = seconds('now', o['now'] ?? nowSeconds());
  return call(() => native().prekeyBundleCreate(id.native, store.native, code, oneTime, oneTimeKem, now));
}

/** What the handshake settled (a subset of `pqwire`'s `SessionInfo`). */
export interface SessionInfo {
  role: 'initiator' | 'responder';
  kemSuite: KemSuiteName;
  sigSuite: SigSuiteName;
  aeadSuite: AeadSuiteName;
  hybridAuth: boolean;
  postQuantum: boolean;
  localFingerprint: string;
  peerFingerprint: string;
  establishedAt: number;
  pqSteps: number;
}

/** A decrypted message. */
export interface DecryptedMessage {
  plaintext: Uint8Array;
  associatedData: Uint8Array;
}

/** Options of encrypt. */
export interface EncryptOptions {
  associatedData?: Uint8Array;
  now?: number;
}

/** Options of decrypt. */
export interface DecryptOptions {
  now?: number;
}

/** Options of {@link Session.deserialize}. */
export interface DeserializeOptions {
  /** The highest epoch the app has seen for this session: an older copy is `SESSION_ROLLBACK`. */
  minimumEpoch?: number;
}

/** One party's end of a session; its keys stay in native memory. */
export class Session {
  readonly #handle: Handle;
  readonly id: string;

  /** @internal */
  constructor(handle: number) {
    this.#handle = new Handle(handle, 'session');
    this.id = toHex(call(() => native().sessionInfo(handle)).sessionId);
  }

  #info() {
    const h = this.#handle.get();
    return call(() => native().sessionInfo(h));
  }

  /** What the handshake settled. */
  get info(): SessionInfo {
    const i = this.#info();
    const n = native();
    return {
      role: i.role === 0 ? 'initiator' : 'responder',
      kemSuite: call(() => n.kemSuiteName(i.kemSuite)) as KemSuiteName,
      sigSuite: call(() => n.sigSuiteName(i.sigSuite)) as SigSuiteName,
      aeadSuite: call(() => n.aeadSuiteName(i.aeadSuite)) as AeadSuiteName,
      hybridAuth: i.hybridAuth,
      postQuantum: i.postQuantum,
      localFingerprint: toHex(i.localIdentity),
      peerFingerprint: toHex(i.peerIdentity),
      establishedAt: i.establishedAt,
      pqSteps: i.pqSteps,
    };
  }

  /** +1 on every change (the rollback check of {@link Session.deserialize}). */
  get epoch(): number {
    return this.#info().epoch;
  }

  /** Whether a message of the peer decrypted in this session. */
  get peerConfirmed(): boolean {
    return this.#info().peerConfirmed;
  }

  get disposed(): boolean {
    return this.#handle.disposed;
  }

  /** Encrypts into a ratchet message; `associatedData` travels authenticated, not encrypted. */
  encrypt(plaintext: Uint8Array, encryptOptions?: EncryptOptions): Uint8Array {
    const p = bytes('plaintext', plaintext);
    const o = options(encryptOptions, ['associatedData', 'now']);
    const ad = orEmpty(optionalBytes('associatedData', o['associatedData']));
    const now = seconds('now', o['now'] ?? nowSeconds());
    const h = this.#handle.get();
    return call(() => native().sessionEncrypt(h, p, ad, now));
  }

  /** Decrypts a ratchet message; any failure leaves the session as it was. */
  decrypt(message: Uint8Array, decryptOptions?: DecryptOptions): DecryptedMessage {
    const m = bytes('message', message);
    const now = seconds('now', options(decryptOptions, ['now'])['now'] ?? nowSeconds());
    const h = this.#handle.get();
    const [plaintext, associatedData] = call(() => native().sessionDecrypt(h, m, now));
    return { plaintext, associatedData };
  }

  /** The session's record (secret: keep it in the keychain). */
  serialize(): Uint8Array {
    const h = this.#handle.get();
    return call(() => native().sessionSerialize(h));
  }

  /** Wipes the session's keys. */
  dispose(): void {
    this.#handle.dispose();
  }

  /** Restores a serialized session. */
  static deserialize(record: Uint8Array, deserializeOptions?: DeserializeOptions): Session {
    const r = bytes('record', record);
    const min = options(deserializeOptions, ['minimumEpoch'])['minimumEpoch'];
    const m = min === undefined ? null : seconds('minimumEpoch', min);
    return new Session(call(() => native().sessionDeserialize(r, m)));
  }

  toJSON(): { id: string; epoch: number } {
    return { id: this.id, epoch: this.epoch };
  }
}

/** Options of {@link initiateSession}. */
export interface InitiateOptions {
  identity: Identity;
  plaintext?: Uint8Array;
  associatedData?: Uint8Array;
  now?: number;
}

/** What {@link initiateSession} gives. */
export interface InitiatedSession {
  session: Session;
  initialMessage: Uint8Array;
  peer: PublicIdentity;
}

/** Starts a session from the peer's prekey bundle (`DowngradeError` `PQ_REQUIRED` for a bundle without ML-KEM). */
export async function initiateSession(bundle: Uint8Array, initiateOptions: InitiateOptions): Promise<InitiatedSession> {
  const o = options(initiateOptions, ['identity', 'plaintext', 'associatedData', 'now']);
  const id = identityOf(o['identity'], 'initiateSession');
  const b = bytes('bundle', bundle);
  const pt = orEmpty(optionalBytes('plaintext', o['plaintext']));
  const ad = orEmpty(optionalBytes('associatedData', o['associatedData']));
  const now = seconds('now', o['now'] ?? nowSeconds());
  const [handle, initialMessage] = call(() => native().sessionInitiate(id.native, b, pt, ad, now));
  const session = new Session(handle);
  return { session, initialMessage, peer: new PublicIdentity(session.info.peerFingerprint) };
}

/** Options of {@link acceptSession}. */
export interface AcceptOptions {
  identity: Identity;
  prekeyStore: InMemoryPrekeyStore;
  now?: number;
}

/** What {@link acceptSession} gives. */
export interface AcceptedSession {
  session: Session;
  plaintext: Uint8Array;
  associatedData: Uint8Array;
  peer: PublicIdentity;
}

/** Accepts an initial message; a replay is `PREKEY_REUSED` (one-time prekeys) or `REPLAYED`. */
export async function acceptSession(initialMessage: Uint8Array, acceptOptions: AcceptOptions): Promise<AcceptedSession> {
  const o = options(acceptOptions, ['identity', 'prekeyStore', 'now']);
  const id = identityOf(o['identity'], 'acceptSession');
  const store = prekeyStore(o['prekeyStore'], 'acceptSession');
  const m = bytes('initialMessage', initialMessage);
  const now = seconds('now', o['now'] ?? nowSeconds());
  const [handle, plaintext, associatedData] = call(() => native().sessionAccept(id.native, store.native, m, now));
  const session = new Session(handle);
  return { session, plaintext, associatedData, peer: new PublicIdentity(session.info.peerFingerprint) };
}

