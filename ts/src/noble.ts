/**
 * `pqwire/noble`: the byte API of `@noble/post-quantum` 0.7 (ML-KEM, ML-DSA and X-Wing), running
 * on pqwire's native core instead of JavaScript.
 *
 * Change one import and keep the rest of your code: the objects have noble's export names,
 * method names, argument order, option names, return shapes and `lengths`, and they throw
 * where noble throws, with noble's error classes and messages.
 *
 * @example
 * ```ts
 * // Before:
 * // import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
 * // import { ml_dsa65 } from '@noble/post-quantum/ml-dsa.js';
 * // import { ml_kem768_x25519 } from '@noble/post-quantum/hybrid.js';
 * import { ml_kem768, ml_dsa65, ml_kem768_x25519 } from 'pqwire/noble';
 *
 * const alice = ml_kem768.keygen();
 * const { cipherText, sharedSecret } = ml_kem768.encapsulate(alice.publicKey);
 * ml_kem768.decapsulate(cipherText, alice.secretKey); // equals sharedSecret
 *
 * const keys = ml_dsa65.keygen();
 * const msg = new TextEncoder().encode('hello noble');
 * const sig = ml_dsa65.sign(msg, keys.secretKey, { context: new Uint8Array([1, 2, 3]) });
 * ml_dsa65.verify(sig, msg, keys.publicKey, { context: new Uint8Array([1, 2, 3]) }); // true
 * ml_dsa65.sign(msg, keys.secretKey, { extraEntropy: false }); // deterministic
 *
 * const xw = ml_kem768_x25519.keygen(); // X-Wing; the secret key is the 32-byte seed
 * ```
 *
 * Keys, ciphertexts and signatures are byte-for-byte those of noble (same FIPS 203 / FIPS 204
 * encodings, same seeds give the same keys, same randomness gives the same ciphertexts and
 * signatures, same X-Wing construction), so data moves freely between the two.
 *
 * Errors, as in noble:
 * - a byte argument that is not a `Uint8Array` throws a `TypeError`, one of the wrong length a
 *   `RangeError`, with noble's message (for example `"publicKey" expected Uint8Array of length
 *   1184, got length=3`); options that are not a plain object or carry an unknown key throw a
 *   `TypeError`, and a context over 255 bytes a `RangeError`. pqwire adds a `code` property
 *   (`INVALID_TYPE`, `BAD_LENGTH`, `INVALID_ARGUMENT`) to each, as its own errors have;
 * - where noble throws a plain `Error` (an ML-KEM public key failing the modulus check, a secret
 *   key failing the hash check, a low-order X25519 key in X-Wing), pqwire throws its
 *   {@link InvalidKeyError} (a subclass of `Error`) with noble's message.
 *
 * Deliberate differences from noble 0.7.1:
 * - ML-DSA `internal` (external µ, `Sign_internal`) and `prehash` (HashML-DSA) are not offered;
 *   TypeScript code using them fails to compile rather than at run time.
 * - ML-KEM `decapsulate` also refuses (with {@link InvalidKeyError}) a secret key whose embedded
 *   public key fails the FIPS 203 modulus check; noble only runs the hash check there.
 * - ML-KEM `prepare(publicKey)` checks the key and binds it, like noble's, but caches nothing:
 *   the native operations are already faster than noble's prepared ones. `clean()` does nothing.
 * - Only the ML-KEM, ML-DSA and X-Wing objects exist here; SLH-DSA, Falcon and the other
 *   hybrids stay in noble.
 *
 * @packageDocumentation
 */
export { InvalidKeyError, UnsupportedError } from './errors';

import { mlKem512, mlKem768, mlKem1024, xWing, type Kem } from './kem';
import { mlDsa44, mlDsa65, mlDsa87, type Signature } from './sig';
import { sha3_256 } from './hash';
import { InvalidKeyError, PqwireError, makeError, type ErrorCode } from './errors';

/**
 * Bytes returned by this module: a `Uint8Array` over a plain `ArrayBuffer` (what noble's `TRet`
 * gives, so code passing results to APIs that require `Uint8Array<ArrayBuffer>` keeps compiling).
 */
export type Bytes = ReturnType<typeof Uint8Array.of>;

/** A key pair, as noble returns it. */
export interface NobleKeys {
  secretKey: Bytes;
  publicKey: Bytes;
}

/** An encapsulation, as noble returns it. */
export interface NobleEncapsulation {
  cipherText: Bytes;
  sharedSecret: Bytes;
}

/** `lengths` of a KEM object (noble's names: `seed` for keygen, `msgRand` for encapsulation randomness). */
export interface NobleKemLengths {
  readonly secretKey: number;
  readonly publicKey: number;
  readonly cipherText: number;
  /** Seed accepted by `keygen(seed)`. */
  readonly seed: number;
  /** ML-KEM: the message `m` (32); X-Wing: the shared secret (32). As in noble. */
  readonly msg: number;
  /** Randomness accepted by `encapsulate(publicKey, msg)`. */
  readonly msgRand: number;
}

/** noble's generic KEM surface. Methods do not use `this`, so they can be destructured. */
export interface NobleKEM {
  readonly lengths: NobleKemLengths;
  /** Generates a key pair; deterministic when `seed` (`lengths.seed` bytes) is given. */
  keygen: (seed?: Uint8Array) => NobleKeys;
  /** The public key belonging to `secretKey`. */
  getPublicKey: (secretKey: Uint8Array) => Bytes;
  /** Encapsulates to `publicKey`; deterministic when `msg` (`lengths.msgRand` bytes) is given. */
  encapsulate: (publicKey: Uint8Array, msg?: Uint8Array) => NobleEncapsulation;
  /** Decapsulates; a tampered ciphertext yields a different secret (implicit rejection), not an error. */
  decapsulate: (cipherText: Uint8Array, secretKey: Uint8Array) => Bytes;
}

/** The result of ML-KEM `prepare(publicKey)`. */
export interface NobleKEMPrepared {
  /** Detached copy of the prepared public key. */
  publicKey: Bytes;
  /** `encapsulate(publicKey, msg)` to the prepared key. */
  encapsulate: (msg?: Uint8Array) => NobleEncapsulation;
  /** `decapsulate(cipherText, secretKey)`; throws if `secretKey` does not embed the prepared key. */
  decapsulate: (cipherText: Uint8Array, secretKey: Uint8Array) => Bytes;
  /** Nothing is cached, so there is nothing to wipe; kept for noble compatibility. */
  clean: () => void;
}

/** An ML-KEM object (`ml_kem512`, `ml_kem768`, `ml_kem1024`). */
export interface NobleMLKEM extends NobleKEM {
  readonly info: { readonly type: 'ml-kem' };
  /** Checks `publicKey` once (length, modulus) and binds later operations to it. */
  prepare: (publicKey: Uint8Array) => NobleKEMPrepared;
}

/** Verification options (noble's `VerOpts`). */
export interface NobleVerOpts {
  /** FIPS 204 context string, at most 255 bytes; must match between `sign` and `verify`. */
  context?: Uint8Array;
}

/** Signing options (noble's `SigOpts`). */
export interface NobleSigOpts extends NobleVerOpts {
  /** Hedged-signing randomness: fresh random by default, `false` for deterministic, or 32 given bytes. */
  extraEntropy?: Uint8Array | false;
}

/** `lengths` of an ML-DSA object. */
export interface NobleDsaLengths {
  readonly secretKey: number;
  readonly publicKey: number;
  /** Seed ξ accepted by `keygen(seed)`. */
  readonly seed: number;
  readonly signature: number;
  /** Length of `extraEntropy`. */
  readonly signRand: number;
}

/** An ML-DSA object (`ml_dsa44`, `ml_dsa65`, `ml_dsa87`). Methods can be destructured. */
export interface NobleDSA {
  readonly info: { readonly type: 'ml-dsa' };
  /** Security level in bits (128, 192, 256). */
  readonly securityLevel: number;
  readonly lengths: NobleDsaLengths;
  /** Generates a key pair; deterministic when `seed` (32 bytes) is given. */
  keygen: (seed?: Uint8Array) => NobleKeys;
  /** The public key of an (expanded) secret key, as noble derives it. */
  getPublicKey: (secretKey: Uint8Array) => Bytes;
  /** Signs `msg` (pure ML-DSA); hedged unless `extraEntropy` is `false` or 32 given bytes. */
  sign: (msg: Uint8Array, secretKey: Uint8Array, opts?: NobleSigOpts) => Bytes;
  /** `true` for a valid signature; `false` for an invalid one or one of the wrong length. */
  verify: (sig: Uint8Array, msg: Uint8Array, publicKey: Uint8Array, opts?: NobleVerOpts) => boolean;
}

// ---------------------------------------------------------------------------------------------
// Argument checks, with noble's error classes and messages (@noble/hashes `abytes`,
// @noble/post-quantum `checkOptKeys` / `getMessage`), plus pqwire's `code`.

type CodedError<E extends Error> = E & { readonly code: ErrorCode };

function coded<E extends Error>(error: E, code: ErrorCode): CodedError<E> {
  Object.defineProperty(error, 'code', { value: code, enumerable: true });
  return error as CodedError<E>;
}

/** noble's `isBytes`: a `Uint8Array`, including one from another realm. */
function isBytes(value: unknown): value is Uint8Array {
  return (
    value instanceof Uint8Array ||
    (ArrayBuffer.isView(value) &&
      value.constructor.name === 'Uint8Array' &&
      'BYTES_PER_ELEMENT' in value &&
      value.BYTES_PER_ELEMENT === 1)
  );
}

const titled = (title: string): string => (title ? `"${title}" ` : '');

/** noble's `abytes(value, length, title)`; returns a view the native layer accepts. */
function abytes(value: unknown, length: number | undefined, title: string): Uint8Array {
  if (isBytes(value) && (length === undefined || value.length === length)) {
    if (value instanceof Uint8Array) return value;
    const view = value as ArrayBufferView; // a Uint8Array from another realm
    return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  }
  const ofLength = length === undefined ? '' : ` of length ${length}`;
  if (!isBytes(value)) {
    throw coded(new TypeError(`${titled(title)}expected Uint8Array${ofLength}, got type=${typeof value}`), 'INVALID_TYPE');
  }
  throw coded(new RangeError(`${titled(title)}expected Uint8Array${ofLength}, got length=${value.length}`), 'BAD_LENGTH');
}

const VER_OPT_KEYS: readonly string[] = Object.freeze(['context']);
const SIG_OPT_KEYS: readonly string[] = Object.freeze(['context', 'extraEntropy']);

/** noble's `checkOptKeys`: a plain object whose defined keys are all in `allowed`. */
function checkOpts(opts: unknown, allowed: readonly string[]): Record<string, unknown> {
  if (isBytes(opts)) throw coded(new TypeError('"opts" expected object, got Uint8Array'), 'INVALID_TYPE');
  if (opts === null || typeof opts !== 'object' || Array.isArray(opts)) {
    throw coded(new TypeError(`"opts" expected object, got type=${typeof opts}`), 'INVALID_TYPE');
  }
  const proto: unknown = Object.getPrototypeOf(opts);
  if (proto !== null && proto !== Object.prototype) {
    throw coded(new TypeError('"opts" expected a plain object'), 'INVALID_TYPE');
  }
  const normalized = Object.assign(Object.create(null) as Record<string, unknown>, opts);
  for (const [key, value] of Object.entries(normalized)) {
    if (value !== undefined && !allowed.includes(key)) {
      throw coded(
        new TypeError(`unexpected option "${key}"; expected one of: ${allowed.join(', ')}`),
        'INVALID_ARGUMENT',
      );
    }
  }
  return normalized;
}

/** The context option: bytes (type-checked as noble does), not yet length-checked. */
function contextOption(opts: Record<string, unknown>): Uint8Array | undefined {
  return opts['context'] === undefined ? undefined : abytes(opts['context'], undefined, 'opts.context');
}

/** noble's `getMessage` checks: the message is bytes and the context at most 255 bytes. */
function checkMessage(msg: unknown, context: Uint8Array | undefined): Uint8Array {
  const m = abytes(msg, undefined, 'msg');
  if (context !== undefined && context.length > 255) {
    throw coded(new RangeError('context should be 255 bytes or less'), 'INVALID_ARGUMENT');
  }
  return m;
}

function withCause<E extends Error>(error: E, cause: unknown): E {
  Object.defineProperty(error, 'cause', { value: cause, configurable: true, writable: true });
  return error;
}

function isCode(e: unknown, code: ErrorCode): e is PqwireError {
  return e instanceof PqwireError && e.code === code;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}

/** Runs a pqwire encapsulation, reporting a failed modulus check in noble's words. */
function encapsulateWith(kem: Kem, fn: string, publicKey: Uint8Array, randomness?: Uint8Array): NobleEncapsulation {
  try {
    const { cipherText, sharedSecret } = kem.encapsulate(publicKey, randomness);
    return { cipherText: cipherText as Bytes, sharedSecret: sharedSecret as Bytes };
  } catch (e) {
    if (isCode(e, 'INVALID_KEY')) {
      throw withCause(new InvalidKeyError('INVALID_KEY', `ML-KEM.${fn}: wrong publicKey modulus`), e);
    }
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// ML-KEM (FIPS 203)

function nobleMlKem(kem: Kem): NobleMLKEM {
  const L = kem.lengths;
  const lengths: NobleKemLengths = Object.freeze({
    secretKey: L.secretKey,
    publicKey: L.publicKey,
    cipherText: L.cipherText,
    seed: L.keygenSeed,
    msg: L.encapsulationRandomness,
    msgRand: L.encapsulationRandomness,
  });
  // Expanded dk = dk_PKE (384k) || ek (384k + 32) || H(ek) (32) || z (32).
  const ekStart = L.secretKey - 64 - L.publicKey;
  const ekEnd = ekStart + L.publicKey;
  const embeddedKey = (sk: Uint8Array): Uint8Array => sk.subarray(ekStart, ekEnd);
  const embeddedHash = (sk: Uint8Array): Uint8Array => sk.subarray(ekEnd, ekEnd + 32);

  const keygen = (seed?: Uint8Array): NobleKeys => {
    const s = seed === undefined ? undefined : abytes(seed, L.keygenSeed, 'seed');
    const { publicKey, secretKey } = kem.keygen(s);
    return { publicKey: publicKey as Bytes, secretKey: secretKey as Bytes };
  };

  const getPublicKey = (secretKey: Uint8Array): Bytes => {
    const sk = abytes(secretKey, L.secretKey, 'secretKey');
    return Uint8Array.from(embeddedKey(sk));
  };

  const encapsulate = (publicKey: Uint8Array, msg?: Uint8Array): NobleEncapsulation => {
    const pk = abytes(publicKey, L.publicKey, 'publicKey');
    const m = msg === undefined ? undefined : abytes(msg, L.encapsulationRandomness, 'message');
    return encapsulateWith(kem, 'encapsulate', pk, m);
  };

  const decapsulateChecked = (cipherText: Uint8Array, secretKey: Uint8Array): Bytes => {
    try {
      return kem.decapsulate(cipherText, secretKey) as Bytes;
    } catch (e) {
      if (isCode(e, 'INVALID_KEY')) {
        // pqwire refuses a dk failing the FIPS 203 hash check (as noble does) or whose embedded
        // ek fails the modulus check (noble does not check that); tell the two apart.
        const hashOk = equalBytes(sha3_256(embeddedKey(secretKey)), embeddedHash(secretKey));
        const message = hashOk
          ? 'invalid secretKey: embedded publicKey fails the modulus check'
          : 'invalid secretKey: hash check failed';
        throw withCause(new InvalidKeyError('INVALID_KEY', message), e);
      }
      throw e;
    }
  };

  const decapsulate = (cipherText: Uint8Array, secretKey: Uint8Array): Bytes => {
    const sk = abytes(secretKey, L.secretKey, 'secretKey');
    const ct = abytes(cipherText, L.cipherText, 'cipherText');
    return decapsulateChecked(ct, sk);
  };

  const prepare = (publicKey: Uint8Array): NobleKEMPrepared => {
    const pk = abytes(publicKey, L.publicKey, 'publicKey');
    const ek = Uint8Array.from(pk); // detached from the caller
    encapsulateWith(kem, 'prepare', ek).sharedSecret.fill(0); // the modulus check, as noble runs it
    const ekHash = sha3_256(ek);
    return Object.freeze({
      publicKey: ek,
      encapsulate: (msg?: Uint8Array): NobleEncapsulation => {
        const m = msg === undefined ? undefined : abytes(msg, L.encapsulationRandomness, 'message');
        return encapsulateWith(kem, 'encapsulate', ek, m);
      },
      decapsulate: (cipherText: Uint8Array, secretKey: Uint8Array): Bytes => {
        const sk = abytes(secretKey, L.secretKey, 'secretKey');
        const ct = abytes(cipherText, L.cipherText, 'cipherText');
        if (!equalBytes(embeddedKey(sk), ek) || !equalBytes(embeddedHash(sk), ekHash)) {
          throw new InvalidKeyError('INVALID_KEY', 'ML-KEM.decapsulate: secretKey does not match prepared publicKey');
        }
        return decapsulateChecked(ct, sk);
      },
      clean: (): void => {},
    });
  };

  return Object.freeze({
    info: Object.freeze({ type: 'ml-kem' as const }),
    lengths,
    keygen,
    getPublicKey,
    encapsulate,
    decapsulate,
    prepare,
  });
}

/**
 * ML-KEM-512 (FIPS 203), as `ml_kem512` of `@noble/post-quantum/ml-kem.js`.
 * Sizes: public key 800, secret key 1632 (expanded `dk`), ciphertext 768, seed 64 (`d || z`).
 */
export const ml_kem512: NobleMLKEM = nobleMlKem(mlKem512);
/**
 * ML-KEM-768 (FIPS 203), as `ml_kem768` of `@noble/post-quantum/ml-kem.js`.
 * Sizes: public key 1184, secret key 2400 (expanded `dk`), ciphertext 1088, seed 64 (`d || z`).
 *
 * @example
 * ```ts
 * import { ml_kem768 } from 'pqwire/noble';
 * const aliceKeys = ml_kem768.keygen();
 * const { cipherText, sharedSecret: bobShared } = ml_kem768.encapsulate(aliceKeys.publicKey);
 * const aliceShared = ml_kem768.decapsulate(cipherText, aliceKeys.secretKey); // equals bobShared
 * ```
 */
export const ml_kem768: NobleMLKEM = nobleMlKem(mlKem768);
/**
 * ML-KEM-1024 (FIPS 203), as `ml_kem1024` of `@noble/post-quantum/ml-kem.js`.
 * Sizes: public key 1568, secret key 3168 (expanded `dk`), ciphertext 1568, seed 64 (`d || z`).
 */
export const ml_kem1024: NobleMLKEM = nobleMlKem(mlKem1024);

// ---------------------------------------------------------------------------------------------
// ML-DSA (FIPS 204, pure, with contexts)

function nobleMlDsa(sig: Signature, securityLevel: number): NobleDSA {
  const L = sig.lengths;
  const lengths: NobleDsaLengths = Object.freeze({
    secretKey: L.secretKey,
    publicKey: L.publicKey,
    seed: L.keygenSeed,
    signature: L.signature,
    signRand: L.signingRandomness,
  });
  const name = `ml_dsa${sig.name.slice('ML-DSA-'.length)}`;

  const keygen = (seed?: Uint8Array): NobleKeys => {
    const s = seed === undefined ? undefined : abytes(seed, L.keygenSeed, 'seed');
    const { publicKey, secretKey } = sig.keygen(s);
    return { publicKey: publicKey as Bytes, secretKey: secretKey as Bytes };
  };

  const getPublicKey = (secretKey: Uint8Array): Bytes =>
    sig.getPublicKey(abytes(secretKey, L.secretKey, 'secretKey')) as Bytes;

  // Checks in noble's order: options, message, context length, extraEntropy length, secret key.
  const sign = (msg: Uint8Array, secretKey: Uint8Array, opts: NobleSigOpts = {}): Bytes => {
    const o = checkOpts(opts, SIG_OPT_KEYS);
    const context = contextOption(o);
    const extraEntropy = o['extraEntropy'];
    if (extraEntropy !== false && extraEntropy !== undefined) abytes(extraEntropy, undefined, 'opts.extraEntropy');
    const m = checkMessage(msg, context);
    const randomness =
      extraEntropy === false || extraEntropy === undefined
        ? undefined
        : abytes(extraEntropy, L.signingRandomness, 'extraEntropy');
    const sk = abytes(secretKey, L.secretKey, 'secretKey');
    // noble: `false` means rnd = 0^32 (deterministic), `undefined` fresh random (hedged).
    return sig.sign(m, sk, { context, deterministic: extraEntropy === false, randomness }) as Bytes;
  };

  // Checks in noble's order: options, signature type, message, context length, public key.
  const verify = (signature: Uint8Array, msg: Uint8Array, publicKey: Uint8Array, opts: NobleVerOpts = {}): boolean => {
    const o = checkOpts(opts, VER_OPT_KEYS);
    const context = contextOption(o);
    const s = abytes(signature, undefined, 'signature');
    const m = checkMessage(msg, context);
    const pk = abytes(publicKey, L.publicKey, 'publicKey');
    return sig.verify(s, m, pk, { context }).valid;
  };

  return Object.freeze({
    info: Object.freeze({ type: 'ml-dsa' as const }),
    securityLevel,
    lengths,
    keygen,
    getPublicKey,
    sign,
    verify,
  });
}

/** ML-DSA-44 (FIPS 204), as `ml_dsa44` of `@noble/post-quantum/ml-dsa.js` (without `internal` and `prehash`). */
export const ml_dsa44: NobleDSA = nobleMlDsa(mlDsa44, 128);
/**
 * ML-DSA-65 (FIPS 204), as `ml_dsa65` of `@noble/post-quantum/ml-dsa.js` (without `internal` and `prehash`).
 *
 * @example
 * ```ts
 * import { ml_dsa65 } from 'pqwire/noble';
 * const keys = ml_dsa65.keygen();
 * const msg = new TextEncoder().encode('hello noble');
 * const sig = ml_dsa65.sign(msg, keys.secretKey);
 * const isValid = ml_dsa65.verify(sig, msg, keys.publicKey); // true
 * ```
 */
export const ml_dsa65: NobleDSA = nobleMlDsa(mlDsa65, 192);
/** ML-DSA-87 (FIPS 204), as `ml_dsa87` of `@noble/post-quantum/ml-dsa.js` (without `internal` and `prehash`). */
export const ml_dsa87: NobleDSA = nobleMlDsa(mlDsa87, 256);

// ---------------------------------------------------------------------------------------------
// X-Wing

/**
 * Encodings (top bit cleared) of the X25519 u-coordinates noble refuses as low-order: 0, 1,
 * p - 1, the two points of order 8, and the non-canonical p and p + 1. These are exactly the
 * inputs for which X25519 with any clamped scalar is all-zero (pqwire's `NON_CONTRIBUTORY`).
 */
const LOW_ORDER_U: readonly Uint8Array[] = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
  '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
].map((hex) => Uint8Array.from(hex.match(/../g) as string[], (h) => parseInt(h, 16)));

/** Whether a 32-byte u-coordinate is one noble's X25519 refuses (RFC 7748: the top bit is ignored). */
function isLowOrder(u: Uint8Array): boolean {
  return LOW_ORDER_U.some((c) => {
    let diff = ((u[31] as number) & 0x7f) ^ (c[31] as number);
    for (let i = 0; i < 31; i++) diff |= (u[i] as number) ^ (c[i] as number);
    return diff === 0;
  });
}

function lowOrderError(): InvalidKeyError {
  return new InvalidKeyError('NON_CONTRIBUTORY', 'invalid private or public key received');
}

function nobleXWing(kem: Kem): NobleKEM {
  const L = kem.lengths;
  const lengths: NobleKemLengths = Object.freeze({
    seed: L.keygenSeed,
    publicKey: L.publicKey,
    secretKey: L.secretKey,
    msg: L.sharedSecret,
    msgRand: L.encapsulationRandomness,
    cipherText: L.cipherText,
  });
  const x25519Start = (total: number): number => total - 32;

  const keygen = (seed?: Uint8Array): NobleKeys => {
    let s: Uint8Array | undefined;
    if (seed !== undefined) {
      abytes(seed, undefined, ''); // noble copies the seed first, then checks its length
      s = abytes(seed, L.keygenSeed, '');
    }
    const { secretKey, publicKey } = kem.keygen(s); // the secret key is a fresh copy of the seed
    return { secretKey: secretKey as Bytes, publicKey: publicKey as Bytes };
  };

  const getPublicKey = (secretKey: Uint8Array): Bytes => {
    const keys = keygen(secretKey);
    keys.secretKey.fill(0);
    return keys.publicKey;
  };

  const encapsulate = (publicKey: Uint8Array, msg?: Uint8Array): NobleEncapsulation => {
    const pk = abytes(publicKey, L.publicKey, 'publicKey');
    const r = msg === undefined ? undefined : abytes(msg, L.encapsulationRandomness, 'msg');
    const result = encapsulateWith(kem, 'encapsulate', pk, r);
    // noble checks the ML-KEM half first, then refuses a low-order X25519 half.
    if (isLowOrder(pk.subarray(x25519Start(L.publicKey)))) {
      result.sharedSecret.fill(0);
      throw lowOrderError();
    }
    return result;
  };

  const decapsulate = (cipherText: Uint8Array, secretKey: Uint8Array): Bytes => {
    const ct = abytes(cipherText, L.cipherText, 'cipherText');
    const sk = abytes(secretKey, L.secretKey, '');
    if (isLowOrder(ct.subarray(x25519Start(L.cipherText)))) throw lowOrderError();
    return kem.decapsulate(ct, sk) as Bytes;
  };

  return Object.freeze({ lengths, getPublicKey, keygen, encapsulate, decapsulate });
}

/**
 * X-Wing (X25519 + ML-KEM-768, draft-connolly-cfrg-xwing-kem), as `ml_kem768_x25519` of
 * `@noble/post-quantum/hybrid.js` (noble has no separate `XWing` export, so neither does this
 * module). The secret key is the 32-byte seed; encapsulation randomness is 64 bytes
 * (ML-KEM `m` ‖ X25519 ephemeral secret).
 *
 * Unlike pqwire's own `xWing` (which follows the draft and does not check the X25519 half),
 * this object refuses a low-order X25519 public key or ciphertext half, as noble does, with
 * {@link InvalidKeyError} (`NON_CONTRIBUTORY`, message `invalid private or public key received`).
 *
 * @example
 * ```ts
 * import { ml_kem768_x25519 } from 'pqwire/noble';
 * const { publicKey, secretKey } = ml_kem768_x25519.keygen();
 * const { cipherText, sharedSecret } = ml_kem768_x25519.encapsulate(publicKey);
 * ml_kem768_x25519.decapsulate(cipherText, secretKey); // equals sharedSecret
 * ```
 */
export const ml_kem768_x25519: NobleKEM = nobleXWing(xWing);
