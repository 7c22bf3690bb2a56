/**
 * Signatures: ML-DSA (FIPS 204, pure, with contexts), Ed25519 (strict verification), and the
 * hybrids Ed25519+ML-DSA-65/87 whose verification reports each half.
 *
 * @example
 * ```ts
 * import { sig } from 'pqwire';
 * const hybrid = sig('Ed25519+ML-DSA-65');
 * const { publicKey, secretKey } = hybrid.keygen();
 * const msg = new TextEncoder().encode('hello');
 * const signature = hybrid.sign(msg, secretKey, { context: new TextEncoder().encode('app v1') });
 * const v = hybrid.verify(signature, msg, publicKey, { context: new TextEncoder().encode('app v1') });
 * // v = { valid: true, classicValid: true, quantumValid: true, algorithm: 'Ed25519+ML-DSA-65' }
 * ```
 */
import native from './native';
import { bytes, describe, optionalBytes, text } from './bytes';
import { call, callAsync, makeError } from './errors';
import { batchItems, cutResults } from './batch';
import { keyPairOutput, publicOutput } from './output';
import { SigKeyPair } from './sig-keypair';
import { lockableOption, type KeyPairOptions } from './options';
import { checkContext, signingMode, verifyContext, type SignOptions, type VerifyOptions } from './sign-options';
import type { Backend, SigSuiteInput, SigSuiteName } from './suites';
import type { KeyPairBytes } from './kem';

export type { SignOptions, VerifyOptions } from './sign-options';

/** Sizes, in bytes, of everything a signature suite takes or returns. */
export interface SigLengths {
  readonly publicKey: number;
  readonly secretKey: number;
  readonly signature: number;
  /** Seed accepted by `keygen(seed)`. */
  readonly keygenSeed: number;
  /** Randomness accepted by `sign(..., { randomness })` (0: the suite is deterministic). */
  readonly signingRandomness: number;
}

/** The outcome of a verification. For a hybrid, `valid` holds only when both halves hold. */
export interface Verification {
  valid: boolean;
  /** The Ed25519 half verified (`false` for a suite without one). */
  classicValid: boolean;
  /** The ML-DSA half verified (`false` for a suite without one). */
  quantumValid: boolean;
  /** The suite that was checked. */
  algorithm: SigSuiteName;
}

/** One item of {@link Signature.verifyBatch}: what {@link Signature.verify} takes. Other properties are ignored. */
export interface VerifyBatchItem {
  signature: Uint8Array;
  message: Uint8Array;
  publicKey: Uint8Array;
  /** The context string the signer used (as `VerifyOptions.context`). */
  context?: Uint8Array;
}

/** Options of {@link sig}. */
export interface SigOptions {
  /**
   * `'default'` (libcrux), `'libcrux'` (the same today), `'rustcrypto'` (ML-DSA and the
   * hybrids) or `'pqclean'` (ML-DSA only; hedged signing only, no seeded keygen).
   */
  backend?: Backend;
}

/** One signature suite. Obtain instances with {@link sig} or the named constants. */
export class Signature {
  /** Canonical suite name. */
  readonly name: SigSuiteName;
  /** The implementation in use. */
  readonly backend: Backend;
  /** Sizes of keys, signatures and seeds. */
  readonly lengths: SigLengths;
  /** Whether the suite resists a quantum adversary. */
  readonly postQuantum: boolean;
  /** Whether the suite combines Ed25519 and ML-DSA. */
  readonly hybrid: boolean;
  readonly #id: number;

  /** @internal Use {@link sig}. */
  constructor(id: number, backend: Backend) {
    this.#id = id;
    this.backend = backend;
    this.name = call(() => native.sigSuiteName(id)) as SigSuiteName;
    this.lengths = Object.freeze(call(() => native.sigLengths(id)));
    this.postQuantum = this.name.includes('ML-DSA');
    this.hybrid = this.postQuantum && this.name.includes('Ed25519');
    Object.freeze(this);
  }

  /** Generates a key pair; deterministic when `seed` (`lengths.keygenSeed` bytes) is given. */
  keygen(seed?: Uint8Array): KeyPairBytes {
    const s = optionalBytes('seed', seed, this.lengths.keygenSeed);
    const l = this.lengths;
    return call(() => keyPairOutput(l.publicKey, l.secretKey, (pk, sk) => native.sigKeygen(this.#id, s, pk, sk)));
  }

  /**
   * Signs `message` with `secretKey` (hedged unless `deterministic` or `randomness` is given).
   * Ed25519 also takes the 64-byte `seed ‖ publicKey` form (libsodium's); its public half
   * must be the seed's (`INVALID_KEY` otherwise).
   *
   * @example
   * ```ts
   * const ed = sig('Ed25519');
   * const { publicKey, secretKey } = ed.keygen();
   * ed.sign(msg, secretKey);                                   // the 32-byte seed
   * ed.sign(msg, Buffer.concat([secretKey, publicKey]));       // or seed ‖ publicKey
   * ```
   */
  sign(message: Uint8Array, secretKey: Uint8Array, options: SignOptions = {}): Uint8Array {
    const msg = bytes('message', message);
    const sk = this.#secretKey(secretKey);
    const { context, mode, randomness } = signingMode(options);
    const out = publicOutput(this.lengths.signature);
    call(() => native.sigSign(this.#id, msg, sk, context, mode, randomness, out));
    return out;
  }

  /**
   * Verifies `signature` over `message`. A signature of the wrong length, or one that does
   * not verify, gives `valid: false`; a public key of the wrong length throws.
   */
  verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array, options: VerifyOptions = {}): Verification {
    const s = bytes('signature', signature);
    const msg = bytes('message', message);
    const pk = bytes('publicKey', publicKey, this.lengths.publicKey);
    const context = verifyContext(options);
    const bits = call(() => native.sigVerify(this.#id, s, msg, pk, context));
    return { valid: (bits & 1) !== 0, classicValid: (bits & 2) !== 0, quantumValid: (bits & 4) !== 0, algorithm: this.name };
  }

  /** Derives the public key that belongs to `secretKey` (Ed25519: seed or `seed ‖ publicKey`, checked). */
  getPublicKey(secretKey: Uint8Array): Uint8Array {
    const sk = this.#secretKey(secretKey);
    const out = publicOutput(this.lengths.publicKey);
    call(() => native.sigPublicKey(this.#id, sk, out));
    return out;
  }

  /** {@link keygen} on the libuv thread pool. */
  keygenAsync(seed?: Uint8Array): Promise<KeyPairBytes> {
    return callAsync(async () => native.sigKeygenAsync(this.#id, optionalBytes('seed', seed, this.lengths.keygenSeed)));
  }

  /** {@link sign} on the libuv thread pool. */
  signAsync(message: Uint8Array, secretKey: Uint8Array, options: SignOptions = {}): Promise<Uint8Array> {
    return callAsync(async () => {
      const msg = bytes('message', message);
      const sk = this.#secretKey(secretKey);
      const { context, mode, randomness } = signingMode(options);
      return native.sigSignAsync(this.#id, msg, sk, context, mode, randomness);
    });
  }

  /** {@link verify} on the libuv thread pool. */
  verifyAsync(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array, options: VerifyOptions = {}): Promise<Verification> {
    return callAsync(async () => {
      const s = bytes('signature', signature);
      const msg = bytes('message', message);
      const pk = bytes('publicKey', publicKey, this.lengths.publicKey);
      return (await native.sigVerifyAsync(this.#id, s, msg, pk, verifyContext(options))) as Verification;
    });
  }

  /**
   * Signs each message of `messages` with `secretKey` (read once) and the same `options`,
   * in one task on the libuv thread pool whose items are split across the CPU cores. Item
   * `i` of the result is what {@link sign} would give for `messages[i]` (byte for byte with
   * `deterministic` or `randomness`; hedged signing draws fresh randomness per item). Every
   * argument is checked before any work; a message that is not a `Uint8Array` rejects the
   * whole batch with its index in the message (`messages[4] must be a Uint8Array, got
   * string`). At most `MAX_BATCH_ITEMS` messages; `[]` gives `[]`.
   *
   * @example
   * ```ts
   * const hybrid = sig('Ed25519+ML-DSA-87');
   * const signatures = await hybrid.signBatch(records, secretKey, { context: utf8('audit v1') });
   * ```
   */
  signBatch(messages: readonly Uint8Array[], secretKey: Uint8Array, options: SignOptions = {}): Promise<Uint8Array[]> {
    return callAsync(async () => {
      const msgs = batchItems('messages', messages, (m, name) => bytes(name, m));
      const sk = this.#secretKey(secretKey);
      const { context, mode, randomness } = signingMode(options);
      if (msgs.length === 0) return [];
      return cutResults(await native.sigSignBatch(this.#id, msgs, sk, context, mode, randomness), msgs.length, false);
    });
  }

  /**
   * Verifies each item of `items`, in one task on the libuv thread pool whose items are
   * split across the CPU cores. Item `i` of the result is what {@link verify} would give
   * for `items[i]`: a signature of the wrong length, or one that does not verify, gives
   * `valid: false` (with the half that failed, for a hybrid), and the other items are
   * unaffected. What {@link verify} throws for rejects the whole batch, with the item's
   * index in the message: an item that is not an object or a field of the wrong type
   * (`InvalidTypeError`), a public key of the wrong length (`InvalidLengthError`:
   * `items[5].publicKey must be 2624 bytes, got 32`), a context over 255 bytes. All checks
   * run before any work. At most `MAX_BATCH_ITEMS` items; `[]` gives `[]`.
   *
   * @example
   * ```ts
   * const results = await mlDsa65.verifyBatch(envelopes.map((e) => ({ signature: e.sig, message: e.body, publicKey: e.sender })));
   * const forged = envelopes.filter((_, i) => !results[i]!.valid);
   * ```
   */
  verifyBatch(items: readonly VerifyBatchItem[]): Promise<Verification[]> {
    return callAsync(async () => {
      const checked = batchItems('items', items, (item, name) => this.#verifyItem(item, name));
      if (checked.length === 0) return [];
      const column = (k: 0 | 1 | 2 | 3): Uint8Array[] => checked.map((c) => c[k]);
      const bits = await native.sigVerifyBatch(this.#id, column(0), column(1), column(2), column(3));
      const algorithm = this.name;
      return Array.from(bits, (b) => ({ valid: (b & 1) !== 0, classicValid: (b & 2) !== 0, quantumValid: (b & 4) !== 0, algorithm }));
    });
  }

  /** A {@link verifyBatch} item named `name`, checked as {@link verify} checks its arguments. */
  #verifyItem(item: unknown, name: string): [signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array, context: Uint8Array] {
    if (typeof item !== 'object' || item === null || ArrayBuffer.isView(item)) {
      throw makeError('INVALID_TYPE', `${name} must be an object { signature, message, publicKey, context? }, got ${describe(item)}`);
    }
    const i = item as Record<string, unknown>;
    return [
      bytes(`${name}.signature`, i['signature']),
      bytes(`${name}.message`, i['message']),
      bytes(`${name}.publicKey`, i['publicKey'], this.lengths.publicKey),
      checkContext(i['context'], `${name}.context`) ?? NO_CONTEXT,
    ];
  }

  /**
   * Generates a key pair whose secret key stays in native memory, with this suite's
   * {@link Signature.backend} (which also parses and holds the key: what
   * {@link SigKeyPair.lockMemory} can lock depends on it). Deterministic when `seed` is
   * given; the PQClean backend refuses a seed (`UnsupportedError`).
   *
   * With `{ lockable: true }`: a key pair whose secret state {@link SigKeyPair.lockMemory}
   * can lock in full, for every suite; pure-Rust Ed25519 (`ed25519-dalek`) instead of
   * AWS-LC's, alone and in the hybrids, somewhat slower (ML-DSA keys can always be locked).
   * The same public key from the same seed and the same deterministic signatures as
   * without it.
   *
   * @example
   * ```ts
   * using signer = sig('ML-DSA-87', { backend: 'rustcrypto' }).generateKeyPair();
   *
   * // A key pair whose secret state lockMemory() can lock in full; pure-Rust Ed25519, somewhat slower.
   * const hybrid = sig('Ed25519+ML-DSA-87').generateKeyPair(undefined, { lockable: true });
   * if (!hybrid.lockMemory()) log.warn('the key may be written to swap');
   * ```
   */
  generateKeyPair(seed?: Uint8Array, options?: KeyPairOptions): SigKeyPair {
    const s = optionalBytes('seed', seed, this.lengths.keygenSeed);
    const lockable = lockableOption(options);
    return new SigKeyPair(call(() => native.SigKeyPair.generate(this.#id, s, lockable)));
  }

  /** A secret key argument of the suite's length, or for Ed25519 also `seed ‖ publicKey`. */
  #secretKey(secretKey: Uint8Array): Uint8Array {
    const pair = this.name === 'Ed25519' && secretKey instanceof Uint8Array && secretKey.length === ED25519_KEYPAIR_LEN;
    return bytes('secretKey', secretKey, pair ? ED25519_KEYPAIR_LEN : this.lengths.secretKey);
  }

  /**
   * Imports exported key bytes into a native key pair held by this suite's
   * {@link Signature.backend}; the halves must belong together. `{ lockable: true }` as in
   * {@link Signature.generateKeyPair}.
   *
   * @example
   * ```ts
   * // A key pair whose secret state lockMemory() can lock in full; pure-Rust Ed25519, somewhat slower.
   * const signer = sig('Ed25519+ML-DSA-87').importKeyPair(secretKey, publicKey, { lockable: true });
   * signer.lockMemory();
   * ```
   */
  importKeyPair(secretKey: Uint8Array, publicKey: Uint8Array, options?: KeyPairOptions): SigKeyPair {
    const sk = bytes('secretKey', secretKey, this.lengths.secretKey);
    const pk = bytes('publicKey', publicKey, this.lengths.publicKey);
    const lockable = lockableOption(options);
    return new SigKeyPair(call(() => native.SigKeyPair.import(this.#id, sk, pk, lockable)));
  }
}

/** The context of a batch item without one: an empty context is none (FIPS 204, Ed25519). */
const NO_CONTEXT = new Uint8Array(0);

/** Ed25519's 64-byte `seed ‖ publicKey` secret-key form. */
const ED25519_KEYPAIR_LEN = 64;

const cache = new Map<number, Signature>();

/**
 * The signature suite `name` (canonical name or legacy alias, case-insensitive).
 * Throws `UnknownSuiteError` for an unknown name.
 */
export function sig(name: SigSuiteInput, options: SigOptions = {}): Signature {
  const n = text('name', name);
  const backend = options.backend ?? 'default';
  const id = call(() => native.sigSuiteId(n, backend));
  let s = cache.get(id);
  if (!s) {
    s = new Signature(id, backend);
    cache.set(id, s);
  }
  return s;
}

/** Every signature suite name, most preferred first. */
export const sigSuites: readonly SigSuiteName[] = Object.freeze(native.sigSuiteNames() as SigSuiteName[]);

/** ML-DSA-44 (FIPS 204, category 2). */
export const mlDsa44: Signature = sig('ML-DSA-44');
/** ML-DSA-65 (FIPS 204, category 3). */
export const mlDsa65: Signature = sig('ML-DSA-65');
/** ML-DSA-87 (FIPS 204, category 5). */
export const mlDsa87: Signature = sig('ML-DSA-87');
/** Ed25519 (RFC 8032) with strict verification. */
export const ed25519: Signature = sig('Ed25519');
