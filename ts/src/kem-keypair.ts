/**
 * KEM key-pair handles: the secret key stays in native memory and leaves it only through
 * an explicit `exportSecretKey()`. It is wiped by `dispose()` (or `using`), or else when
 * the handle is garbage-collected.
 *
 * @example
 * ```ts
 * import { xWing } from 'pqwire';
 * const kp = xWing.generateKeyPair();
 * const { cipherText, sharedSecret } = xWing.encapsulate(kp.publicKey);
 * kp.decapsulate(cipherText); // equals sharedSecret
 * kp.dispose();               // the secret key is wiped now; kp.decapsulate throws DisposedError
 * ```
 */
import type { NativeKemKeyPair } from './native';
import { bytes } from './bytes';
import { call, callAsync } from './errors';
import { batchItems, cutResults } from './batch';
import { DISPOSE } from './dispose';
import type { KemSuiteName } from './suites';

/**
 * A KEM key pair held in native memory. After {@link KemKeyPair.dispose} every use but
 * `suite`, `disposed` and `toJSON()` throws `DisposedError` (`DISPOSED`).
 */
export class KemKeyPair {
  readonly #native: NativeKemKeyPair;

  /** @internal Created by `Kem.generateKeyPair` / `Kem.importKeyPair`. */
  constructor(handle: NativeKemKeyPair) {
    this.#native = handle;
  }

  /** The suite of this key pair. */
  get suite(): KemSuiteName {
    return this.#native.suite as KemSuiteName;
  }

  /** The public (encapsulation) key. */
  get publicKey(): Uint8Array {
    return call(() => this.#native.publicKey);
  }

  /** Decapsulates a ciphertext addressed to this key pair. */
  decapsulate(cipherText: Uint8Array): Uint8Array {
    const ct = bytes('cipherText', cipherText);
    return call(() => this.#native.decapsulate(ct));
  }

  /** {@link decapsulate} on the libuv thread pool. */
  decapsulateAsync(cipherText: Uint8Array): Promise<Uint8Array> {
    return callAsync(async () => this.#native.decapsulateAsync(bytes('cipherText', cipherText)));
  }

  /**
   * Decapsulates each ciphertext of `cipherTexts`, in one task on the libuv thread pool
   * whose items are split across the CPU cores; the secret key stays in native memory, and
   * the task keeps it until it ends even if {@link KemKeyPair.dispose} is called meanwhile.
   * Item `i` of the result is what {@link decapsulate} would give for `cipherTexts[i]`.
   * Every ciphertext's type and length is checked before any work; a bad one rejects the
   * whole batch with its index in the message (`cipherTexts[2]: …`). At most
   * `MAX_BATCH_ITEMS` ciphertexts; `[]` gives `[]`. A disposed key pair rejects with
   * `DisposedError`.
   *
   * @example
   * ```ts
   * using kp = xWing.generateKeyPair();
   * const secrets = await kp.decapsulateBatch(inbox.map((m) => m.cipherText));
   * ```
   */
  decapsulateBatch(cipherTexts: readonly Uint8Array[]): Promise<Uint8Array[]> {
    return callAsync(async () => {
      const cts = batchItems('cipherTexts', cipherTexts, (ct, name) => bytes(name, ct));
      return cutResults(await this.#native.decapsulateBatch(cts), cts.length, true);
    });
  }

  /** Copies the secret key out of native memory. The caller is then responsible for it. */
  exportSecretKey(): Uint8Array {
    return call(() => this.#native.exportSecretKey());
  }

  /**
   * Locks the memory that holds this key pair's secret state into RAM, so that it is never
   * written to swap: `mlock` (Unix) of every page holding the secret key's bytes, the
   * parsed key and any buffer the parsed key owns. Returns `true` only if all of it is
   * locked. `false` when the operating system refused a page (more than `RLIMIT_MEMLOCK`,
   * `ulimit -l`; root or `CAP_IPC_LOCK` is not limited), when the backend keeps part of the
   * key where pqwire cannot reach it, or on platforms without `mlock` (Windows). It locks
   * what it can either way.
   *
   * Complete in the default build: every suite's key pairs made with `{ lockable: true }`
   * (`Kem.generateKeyPair`, `Kem.importKeyPair`: libcrux's ML-KEM and
   * `x25519-dalek`'s X25519 hold the key), and ML-KEM with `backend: 'libcrux'` or
   * `'pqclean'`. Not complete, in key pairs made without it: ML-KEM with the default backend
   * (AWS-LC keeps the key in its own heap) or `'rustcrypto'` (`ml-kem` keeps it in private
   * heap boxes; `lockable` cannot change that), and X25519, alone and in every hybrid, whose
   * key AWS-LC holds (see `docs/primitives.md`, "Secrets in memory").
   *
   * The pages stay locked until the process ends: they may hold other allocations too, and
   * locks do not nest, so nothing unlocks them. {@link KemKeyPair.dispose} still wipes the
   * secret. Calling it again is harmless. Shared secrets returned to JavaScript are not
   * covered. Throws `DisposedError` after {@link KemKeyPair.dispose}.
   *
   * @example
   * ```ts
   * const kp = kem('ML-KEM-1024', { backend: 'libcrux' }).generateKeyPair();
   * if (!kp.lockMemory()) log.warn('the ML-KEM key may be written to swap');
   * const hybrid = kem('X25519+ML-KEM-1024').generateKeyPair(undefined, { lockable: true });
   * hybrid.lockMemory(); // true as root or within RLIMIT_MEMLOCK
   * ```
   */
  lockMemory(): boolean {
    return call(() => this.#native.lockMemory());
  }

  /**
   * Wipes the secret key now instead of at garbage collection (a `decapsulateAsync`
   * still running keeps it until it ends). Later uses throw `DisposedError`; calling it
   * again does nothing. `using kp = kem.generateKeyPair()` calls it at the end of the block.
   *
   * @example
   * ```ts
   * const kp = mlKem768.generateKeyPair();
   * try {
   *   kp.decapsulate(cipherText);
   * } finally {
   *   kp.dispose();
   * }
   * ```
   */
  dispose(): void {
    call(() => this.#native.dispose());
  }

  /** {@link KemKeyPair.dispose}, for `using`. */
  [DISPOSE](): void {
    this.dispose();
  }

  /** Whether {@link KemKeyPair.dispose} was called. */
  get disposed(): boolean {
    return this.#native.disposed;
  }

  /** Never prints key material. */
  toJSON(): { suite: string; publicKeyLength?: number; disposed?: true } {
    return this.disposed ? { suite: this.suite, disposed: true } : { suite: this.suite, publicKeyLength: this.publicKey.length };
  }
}
