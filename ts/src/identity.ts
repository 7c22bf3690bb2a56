/**
 * Identities: a hybrid signing key (Ed25519+ML-DSA-65 by default, Ed25519+ML-DSA-87
 * selectable) and an X25519 key it signs (docs/protocol.md §2). The secret keys stay in
 * native memory; {@link Identity.export} hands them out only on explicit request, for an
 * identity store, and {@link Identity.dispose} wipes them without waiting for garbage
 * collection.
 *
 * @example
 * ```ts
 * import { createIdentity, Identity } from 'pqwire';
 * const me = createIdentity();
 * me.publicIdentity.fingerprint;            // 32 hex digits, what users compare
 * const record = me.export();               // secrets: keep it in a keychain
 * const again = Identity.import(record);
 * again.publicIdentity.equals(me.publicIdentity); // true
 * ```
 */
import native from './native';
import { call, callAsync, makeError } from './errors';
import { bytes, describe, optionalBytes } from './bytes';
import { options as knownOptions } from './options';
import { DISPOSE } from './dispose';
import { fromHex, toHex } from './hex';
import type { SigSuiteName } from './suites';

/** Signature suites an identity may use. */
export type IdentitySuite = 'Ed25519+ML-DSA-65' | 'Ed25519+ML-DSA-87';

/** Seconds in a day. */
const DAY = 24 * 60 * 60;
/** Default identity lifetime: 5 years. */
export const DEFAULT_IDENTITY_LIFETIME = 5 * 365 * DAY;

/** Unix seconds now. @internal */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** Checks a time or count option. @internal */
export function seconds(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw makeError('INVALID_TYPE', `${name} must be a non-negative integer (seconds), got ${describe(value)}`);
  }
  return value;
}

/**
 * Options of {@link Identity.sign} and {@link PublicIdentity.verify}.
 *
 * @example
 * ```ts
 * const options: DataSignatureOptions = { context: new TextEncoder().encode('example.com login v1') };
 * ```
 */
export interface DataSignatureOptions {
  /**
   * What the signature is for, at most 255 bytes (default empty): a signature made under
   * one context never verifies under another, so name the application and the purpose.
   */
  context?: Uint8Array;
}

const EMPTY = new Uint8Array(0);

/** The context of `options`, checked. */
function contextOf(options: DataSignatureOptions | undefined): Uint8Array {
  const o = knownOptions<DataSignatureOptions>('signature', options, ['context']);
  const context = optionalBytes('context', o.context) ?? EMPTY;
  if (context.length > 255) throw makeError('INVALID_ARGUMENT', `context must be at most 255 bytes, got ${context.length}`);
  return context;
}

/** The native shape of a public identity. @internal */
export interface PublicIdentityParts {
  keyId: Uint8Array;
  suite: string;
  sigKey: Uint8Array;
  dhKey: Uint8Array;
  dhSignature: Uint8Array;
  created: number;
  expires: number;
}

/**
 * The public half of an identity: what peers see in bundles and initial messages, pin
 * and verify. Plain data; {@link PublicIdentity.toJSON} / {@link PublicIdentity.fromJSON}
 * store it.
 */
export class PublicIdentity {
  /** The identity's fingerprint: the signing key's 16-byte key id, in hex. */
  readonly fingerprint: string;
  readonly suite: SigSuiteName;
  /** The signing key's key package, encoded. */
  readonly signingKey: Uint8Array;
  /** The X25519 key's key package, encoded. */
  readonly dhKey: Uint8Array;
  /** The signing key's signature over `dhKey`. */
  readonly dhSignature: Uint8Array;
  /** Validity of the signing key (unix seconds). */
  readonly created: number;
  readonly expires: number;

  /** @internal */
  constructor(parts: PublicIdentityParts) {
    this.fingerprint = toHex(parts.keyId);
    this.suite = parts.suite as SigSuiteName;
    this.signingKey = parts.sigKey;
    this.dhKey = parts.dhKey;
    this.dhSignature = parts.dhSignature;
    this.created = parts.created;
    this.expires = parts.expires;
  }

  /**
   * Rebuilds a public identity from its three encodings, verifying the signature (both
   * halves of the hybrid) and the key ids: `AUTH_FAILED` / `INVALID_KEY` otherwise.
   */
  static fromParts(signingKey: Uint8Array, dhKey: Uint8Array, dhSignature: Uint8Array): PublicIdentity {
    const parts = call(() =>
      native.publicIdentityVerify(bytes('signingKey', signingKey), bytes('dhKey', dhKey), bytes('dhSignature', dhSignature)),
    );
    return new PublicIdentity(parts);
  }

  /**
   * Whether `signature` is this identity's signature ({@link Identity.sign}) over `data`
   * under `options.context`: `true` only when both halves of the hybrid verify.
   *
   * @example
   * ```ts
   * // server side: the client's pinned identity, the challenge it was sent, its answer
   * if (!client.verify(answer, challenge, { context: LOGIN })) throw new Error('login refused');
   * ```
   */
  verify(signature: Uint8Array, data: Uint8Array, options?: DataSignatureOptions): boolean {
    const args = verifyArgs(this, signature, data, options);
    return call(() => native.identityVerifyData(...args));
  }

  /** {@link PublicIdentity.verify} on the thread pool. */
  async verifyAsync(signature: Uint8Array, data: Uint8Array, options?: DataSignatureOptions): Promise<boolean> {
    const args = verifyArgs(this, signature, data, options);
    return callAsync(() => native.identityVerifyDataAsync(...args));
  }

  /** Whether `other` is the same identity (same encodings, byte for byte). */
  equals(other: PublicIdentity): boolean {
    return (
      other instanceof PublicIdentity &&
      equalBytes(this.signingKey, other.signingKey) &&
      equalBytes(this.dhKey, other.dhKey) &&
      equalBytes(this.dhSignature, other.dhSignature)
    );
  }

  /** A JSON-safe form (hex), for stores. */
  toJSON(): { signingKey: string; dhKey: string; dhSignature: string } {
    return { signingKey: toHex(this.signingKey), dhKey: toHex(this.dhKey), dhSignature: toHex(this.dhSignature) };
  }

  /** The inverse of {@link PublicIdentity.toJSON}; verifies as {@link PublicIdentity.fromParts}. */
  static fromJSON(json: { signingKey: string; dhKey: string; dhSignature: string }): PublicIdentity {
    if (typeof json !== 'object' || json === null) {
      throw makeError('INVALID_TYPE', `public identity JSON must be an object, got ${describe(json)}`);
    }
    return PublicIdentity.fromParts(fromHexField('signingKey', json.signingKey), fromHexField('dhKey', json.dhKey), fromHexField('dhSignature', json.dhSignature));
  }
}

/** The native arguments of a data-signature check. */
function verifyArgs(
  identity: PublicIdentity,
  signature: Uint8Array,
  data: Uint8Array,
  options: DataSignatureOptions | undefined,
): [Uint8Array, Uint8Array, Uint8Array, Uint8Array] {
  return [identity.signingKey, bytes('data', data), contextOf(options), bytes('signature', signature)];
}

/** Byte equality of public values (no secret is compared here). */
function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function fromHexField(name: string, value: unknown): Uint8Array {
  if (typeof value !== 'string' || !/^(?:[0-9a-f]{2})*$/i.test(value)) {
    throw makeError('INVALID_TYPE', `${name} must be a hex string, got ${describe(value)}`);
  }
  return fromHex(value);
}

/** Options of {@link createIdentity}. */
export interface IdentityOptions {
  /** Default `Ed25519+ML-DSA-65`. */
  suite?: IdentitySuite;
  /** Start of validity (unix seconds); default now. */
  created?: number;
  /** Lifetime in seconds; default 5 years. */
  lifetime?: number;
  /** 32 bytes: derive the identity deterministically (tests, key backup phrases). */
  seed?: Uint8Array;
}

type NativeIdentity = ReturnType<typeof native.NativeIdentity.generate>;

/**
 * A party's own identity. Secrets stay in native memory until {@link Identity.dispose} (or
 * `using`), or else garbage collection. After `dispose()`, `export()` and every handshake
 * or prekey generation with it throw `DisposedError` (`DISPOSED`); the public half
 * (`publicIdentity`, `fingerprint`, `suite`) stays readable.
 */
export class Identity {
  /** @internal */
  readonly native: NativeIdentity;
  readonly publicIdentity: PublicIdentity;

  /** @internal */
  constructor(handle: NativeIdentity) {
    this.native = handle;
    this.publicIdentity = new PublicIdentity(handle.publicIdentity);
  }

  /** The fingerprint of the public identity. */
  get fingerprint(): string {
    return this.publicIdentity.fingerprint;
  }

  /** The signature suite. */
  get suite(): SigSuiteName {
    return this.publicIdentity.suite;
  }

  /**
   * Signs the application's own `data` (a server's login challenge, a document) with the
   * identity's hybrid key, under `options.context`. Such a signature is domain-separated
   * from every signature of the protocol: it can never stand for a prekey or handshake
   * signature. Anyone holding the {@link PublicIdentity} checks it with
   * {@link PublicIdentity.verify}.
   *
   * @example
   * ```ts
   * const LOGIN = new TextEncoder().encode('example.com login v1');
   * const answer = me.sign(challengeFromServer, { context: LOGIN });
   * me.publicIdentity.verify(answer, challengeFromServer, { context: LOGIN }); // true
   * ```
   */
  sign(data: Uint8Array, options?: DataSignatureOptions): Uint8Array {
    const [d, context] = [bytes('data', data), contextOf(options)];
    return call(() => this.native.signData(d, context));
  }

  /** {@link Identity.sign} on the thread pool. */
  async signAsync(data: Uint8Array, options?: DataSignatureOptions): Promise<Uint8Array> {
    const [d, context] = [bytes('data', data), contextOf(options)];
    return callAsync(() => this.native.signDataAsync(d, context));
  }

  /** {@link PublicIdentity.verify} with this identity's public half. */
  verify(signature: Uint8Array, data: Uint8Array, options?: DataSignatureOptions): boolean {
    return this.publicIdentity.verify(signature, data, options);
  }

  /**
   * Exports the identity, **secret keys included**, as a record for an identity store
   * (a keychain, an encrypted database). {@link Identity.import} restores it.
   */
  export(): Uint8Array {
    return call(() => this.native.toRecord());
  }

  /**
   * Wipes the secret keys now instead of at garbage collection (a handshake still
   * running with them keeps them until it ends). Calling it again does nothing.
   *
   * @example
   * ```ts
   * const me = Identity.import(record);
   * try {
   *   await acceptSession({ identity: me, ...rest });
   * } finally {
   *   me.dispose(); // e.g. a short-lived worker done with its identity
   * }
   * ```
   */
  dispose(): void {
    call(() => this.native.dispose());
  }

  /** {@link Identity.dispose}, for `using`. */
  [DISPOSE](): void {
    this.dispose();
  }

  /** Whether {@link Identity.dispose} was called. */
  get disposed(): boolean {
    return this.native.disposed;
  }

  /** Restores an identity exported by {@link Identity.export}; a corrupted record is a `WireFormatError`, a secret that does not match its public key `INVALID_KEY`. */
  static import(record: Uint8Array): Identity {
    return new Identity(call(() => native.NativeIdentity.fromRecord(bytes('record', record))));
  }

  /** Never shows a secret. */
  toJSON(): { fingerprint: string; suite: string } {
    return { fingerprint: this.fingerprint, suite: this.suite };
  }
}

/** Creates a new hybrid identity. */
export function createIdentity(options: IdentityOptions = {}): Identity {
  if (typeof options !== 'object' || options === null) {
    throw makeError('INVALID_TYPE', `options must be an object, got ${describe(options)}`);
  }
  const suite = options.suite ?? 'Ed25519+ML-DSA-65';
  if (suite !== 'Ed25519+ML-DSA-65' && suite !== 'Ed25519+ML-DSA-87') {
    throw makeError('INVALID_ARGUMENT', `identity suite must be Ed25519+ML-DSA-65 or Ed25519+ML-DSA-87, got ${describe(suite)}`);
  }
  const created = options.created === undefined ? nowSeconds() : seconds('created', options.created);
  const lifetime = options.lifetime === undefined ? DEFAULT_IDENTITY_LIFETIME : seconds('lifetime', options.lifetime);
  const seed = optionalBytes('seed', options.seed, 32);
  return new Identity(call(() => native.NativeIdentity.generate(suite, created, created + lifetime, seed)));
}
