/**
 * Key encapsulation: ML-KEM (FIPS 203), X-Wing and the other X25519 + ML-KEM hybrids, and
 * X25519 as a KEM.
 *
 * @example
 * ```ts
 * import { mlKem768, xWing, kem } from 'pqwire';
 * const { publicKey, secretKey } = mlKem768.keygen();
 * const { cipherText, sharedSecret } = mlKem768.encapsulate(publicKey);
 * const same = mlKem768.decapsulate(cipherText, secretKey); // equals sharedSecret
 * const kyber = kem('X25519+Kyber768'); // legacy alias of X-Wing
 * ```
 */
import native from './native';
import { bytes, optionalBytes, text } from './bytes';
import { call, callAsync } from './errors';
import { batchItems, cutResults } from './batch';
import { keyPairOutput, publicOutput, withSecret } from './output';
import { KemKeyPair } from './kem-keypair';
import { lockableOption, type KeyPairOptions } from './options';
import type { Backend, KemSuiteInput, KemSuiteName } from './suites';

/** Sizes, in bytes, of everything a KEM suite takes or returns. */
export interface KemLengths {
  readonly publicKey: number;
  readonly secretKey: number;
  readonly cipherText: number;
  readonly sharedSecret: number;
  /** Seed accepted by `keygen(seed)`. */
  readonly keygenSeed: number;
  /** Randomness accepted by `encapsulate(publicKey, randomness)`. */
  readonly encapsulationRandomness: number;
}

/** A key pair as bytes. */
export interface KeyPairBytes {
  publicKey: Uint8Array;
  secretKey: Uint8Array;
}

/** The result of an encapsulation. */
export interface Encapsulation {
  cipherText: Uint8Array;
  sharedSecret: Uint8Array;
}

/** Options of {@link kem}. */
export interface KemOptions {
  /**
   * `'default'` (AWS-LC for ML-KEM, with libcrux for the seeded variants; libcrux's ML-KEM
   * inside the hybrids), `'libcrux'`, `'rustcrypto'` (ML-KEM and the hybrids) or
   * `'pqclean'` (ML-KEM only; no seeded variants).
   */
  backend?: Backend;
}

/** One KEM suite. Obtain instances with {@link kem} or the named constants. */
export class Kem {
  /** Canonical suite name. */
  readonly name: KemSuiteName;
  /** The implementation in use. */
  readonly backend: Backend;
  /** Sizes of keys, ciphertexts and seeds. */
  readonly lengths: KemLengths;
  /** Whether the suite resists a quantum adversary. */
  readonly postQuantum: boolean;
  /** Whether the suite combines X25519 and ML-KEM. */
  readonly hybrid: boolean;
  readonly #id: number;

  /** @internal Use {@link kem}. */
  constructor(id: number, backend: Backend) {
    this.#id = id;
    this.backend = backend;
    this.name = call(() => native.kemSuiteName(id)) as KemSuiteName;
    this.lengths = Object.freeze(call(() => native.kemLengths(id)));
    this.postQuantum = this.name.includes('ML-KEM');
    this.hybrid = this.postQuantum && this.name.includes('X25519');
    Object.freeze(this);
  }

  /** Generates a key pair; deterministic when `seed` (`lengths.keygenSeed` bytes) is given. */
  keygen(seed?: Uint8Array): KeyPairBytes {
    const s = optionalBytes('seed', seed, this.lengths.keygenSeed);
    const l = this.lengths;
    return call(() => keyPairOutput(l.publicKey, l.secretKey, (pk, sk) => native.kemKeygen(this.#id, s, pk, sk)));
  }

  /** Encapsulates to `publicKey`; deterministic when `randomness` is given. */
  encapsulate(publicKey: Uint8Array, randomness?: Uint8Array): Encapsulation {
    const pk = bytes('publicKey', publicKey, this.lengths.publicKey);
    const r = optionalBytes('randomness', randomness, this.lengths.encapsulationRandomness);
    const l = this.lengths;
    const cipherText = publicOutput(l.cipherText);
    const sharedSecret = call(() =>
      withSecret(l.sharedSecret, (ss) => native.kemEncapsulate(this.#id, pk, r, cipherText, ss)),
    );
    return { cipherText, sharedSecret };
  }

  /** Decapsulates. For ML-KEM a tampered ciphertext yields a different (implicit-rejection) secret, not an error. */
  decapsulate(cipherText: Uint8Array, secretKey: Uint8Array): Uint8Array {
    const ct = bytes('cipherText', cipherText, this.lengths.cipherText);
    const sk = bytes('secretKey', secretKey, this.lengths.secretKey);
    return call(() => withSecret(this.lengths.sharedSecret, (ss) => native.kemDecapsulate(this.#id, ct, sk, ss)));
  }

  /** {@link keygen} on the libuv thread pool. */
  keygenAsync(seed?: Uint8Array): Promise<KeyPairBytes> {
    return callAsync(async () => {
      const s = optionalBytes('seed', seed, this.lengths.keygenSeed);
      return native.kemKeygenAsync(this.#id, s);
    });
  }

  /** {@link encapsulate} on the libuv thread pool. */
  encapsulateAsync(publicKey: Uint8Array, randomness?: Uint8Array): Promise<Encapsulation> {
    return callAsync(async () => {
      const pk = bytes('publicKey', publicKey, this.lengths.publicKey);
      const r = optionalBytes('randomness', randomness, this.lengths.encapsulationRandomness);
      return native.kemEncapsulateAsync(this.#id, pk, r);
    });
  }

  /** {@link decapsulate} on the libuv thread pool. */
  decapsulateAsync(cipherText: Uint8Array, secretKey: Uint8Array): Promise<Uint8Array> {
    return callAsync(async () => {
      const ct = bytes('cipherText', cipherText, this.lengths.cipherText);
      const sk = bytes('secretKey', secretKey, this.lengths.secretKey);
      return native.kemDecapsulateAsync(this.#id, ct, sk);
    });
  }

  /**
   * Encapsulates to each public key of `publicKeys` (fresh OS randomness for each), in one
   * task on the libuv thread pool whose items are split across the CPU cores. Item `i` of
   * the result is what {@link encapsulate} would give for `publicKeys[i]`; the same key
   * may repeat (the common case: many secrets for one recipient). Every key's type and
   * length is checked before any work, and one bad key rejects the whole batch with its
   * index in the message (`InvalidLengthError`: `publicKeys[3] must be 1216 bytes, got 12`;
   * `InvalidKeyError` for a key failing the FIPS 203 modulus check). At most
   * `MAX_BATCH_ITEMS` keys; `[]` gives `[]`.
   *
   * @example
   * ```ts
   * const sealed = await xWing.encapsulateBatch([alice.publicKey, bob.publicKey, carol.publicKey]);
   * send('bob', sealed[1].cipherText); // sealed[1].sharedSecret is what bob decapsulates
   * ```
   */
  encapsulateBatch(publicKeys: readonly Uint8Array[]): Promise<Encapsulation[]> {
    return callAsync(async () => {
      const pks = batchItems('publicKeys', publicKeys, (pk, name) => bytes(name, pk, this.lengths.publicKey));
      if (pks.length === 0) return [];
      const done = await native.kemEncapsulateBatch(this.#id, pks);
      const cipherTexts = cutResults(done.cipherTexts, pks.length, false);
      const sharedSecrets = cutResults(done.sharedSecrets, pks.length, true);
      return cipherTexts.map((cipherText, i) => ({ cipherText, sharedSecret: sharedSecrets[i]! }));
    });
  }

  /**
   * Decapsulates each ciphertext of `cipherTexts` with `secretKey` (read once), in one task
   * on the libuv thread pool whose items are split across the CPU cores. Item `i` of the
   * result is what {@link decapsulate} would give for `cipherTexts[i]`. Every argument's
   * type and length is checked before any work; a bad ciphertext rejects the whole batch
   * with its index in the message (`cipherTexts[7] must be 1120 bytes, got 1119`). At most
   * `MAX_BATCH_ITEMS` ciphertexts; `[]` gives `[]`.
   *
   * @example
   * ```ts
   * const secrets = await mlKem768.decapsulateBatch(queued.map((m) => m.cipherText), secretKey);
   * ```
   */
  decapsulateBatch(cipherTexts: readonly Uint8Array[], secretKey: Uint8Array): Promise<Uint8Array[]> {
    return callAsync(async () => {
      const cts = batchItems('cipherTexts', cipherTexts, (ct, name) => bytes(name, ct, this.lengths.cipherText));
      const sk = bytes('secretKey', secretKey, this.lengths.secretKey);
      return cts.length === 0 ? [] : cutResults(await native.kemDecapsulateBatch(this.#id, cts, sk), cts.length, true);
    });
  }

  /**
   * Generates a key pair whose secret key stays in native memory, with this suite's
   * {@link Kem.backend} (which also parses and holds the key: what
   * {@link KemKeyPair.lockMemory} can lock depends on it). Deterministic when `seed` is
   * given; the PQClean backend refuses a seed (`UnsupportedError`).
   *
   * With `{ lockable: true }`: a key pair whose secret state {@link KemKeyPair.lockMemory}
   * can lock in full, for every suite; pure-Rust X25519 (`x25519-dalek`) and libcrux's
   * ML-KEM instead of AWS-LC's, somewhat slower. The same public key from the same seed and
   * the same shared secrets as without it. With `backend: 'rustcrypto'` it changes nothing
   * (RustCrypto's ML-KEM cannot be locked in full), with `'pqclean'` nothing either (it
   * already can).
   *
   * @example
   * ```ts
   * const kp = kem('ML-KEM-1024', { backend: 'libcrux' }).generateKeyPair();
   * kp.lockMemory(); // true as root or within RLIMIT_MEMLOCK: libcrux keeps the key inline
   *
   * // A key pair whose secret state lockMemory() can lock in full; pure-Rust X25519, somewhat slower.
   * const hybrid = kem('X25519+ML-KEM-1024').generateKeyPair(undefined, { lockable: true });
   * if (!hybrid.lockMemory()) log.warn('the key may be written to swap');
   * ```
   */
  generateKeyPair(seed?: Uint8Array, options?: KeyPairOptions): KemKeyPair {
    const s = optionalBytes('seed', seed, this.lengths.keygenSeed);
    const lockable = lockableOption(options);
    return new KemKeyPair(call(() => native.KemKeyPair.generate(this.#id, s, lockable)));
  }

  /**
   * Imports exported key bytes into a native key pair held by this suite's
   * {@link Kem.backend}; the halves must belong together. `{ lockable: true }` as in
   * {@link Kem.generateKeyPair}.
   *
   * @example
   * ```ts
   * // A key pair whose secret state lockMemory() can lock in full; pure-Rust X25519, somewhat slower.
   * const kp = kem('X25519+ML-KEM-1024').importKeyPair(secretKey, publicKey, { lockable: true });
   * kp.lockMemory();
   * ```
   */
  importKeyPair(secretKey: Uint8Array, publicKey: Uint8Array, options?: KeyPairOptions): KemKeyPair {
    const sk = bytes('secretKey', secretKey, this.lengths.secretKey);
    const pk = bytes('publicKey', publicKey, this.lengths.publicKey);
    const lockable = lockableOption(options);
    return new KemKeyPair(call(() => native.KemKeyPair.import(this.#id, sk, pk, lockable)));
  }
}

const cache = new Map<number, Kem>();

/**
 * The KEM suite `name` (canonical name or legacy alias, case-insensitive).
 * Throws `UnknownSuiteError` for an unknown name.
 */
export function kem(name: KemSuiteInput, options: KemOptions = {}): Kem {
  const n = text('name', name);
  const backend = options.backend ?? 'default';
  const id = call(() => native.kemSuiteId(n, backend));
  let k = cache.get(id);
  if (!k) {
    k = new Kem(id, backend);
    cache.set(id, k);
  }
  return k;
}

/** Every KEM suite name, most preferred first. */
export const kemSuites: readonly KemSuiteName[] = Object.freeze(native.kemSuiteNames() as KemSuiteName[]);

/** ML-KEM-512 (FIPS 203, category 1). */
export const mlKem512: Kem = kem('ML-KEM-512');
/** ML-KEM-768 (FIPS 203, category 3). */
export const mlKem768: Kem = kem('ML-KEM-768');
/** ML-KEM-1024 (FIPS 203, category 5). */
export const mlKem1024: Kem = kem('ML-KEM-1024');
/** X-Wing: X25519 + ML-KEM-768 (draft-connolly-cfrg-xwing-kem). */
export const xWing: Kem = kem('X25519+ML-KEM-768');
