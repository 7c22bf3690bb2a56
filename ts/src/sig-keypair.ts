/**
 * Signing key-pair handles: the secret key stays in native memory and leaves it only
 * through an explicit `exportSecretKey()`. It is wiped by `dispose()` (or `using`), or else
 * when the handle is garbage-collected.
 *
 * @example
 * ```ts
 * import { mlDsa65 } from 'pqwire';
 * const message = new TextEncoder().encode('hello');
 * using signer = mlDsa65.generateKeyPair(); // disposed (wiped) at the end of the block
 * const signature = signer.sign(message);
 * mlDsa65.verify(signature, message, signer.publicKey).valid; // true
 * ```
 */
import type { NativeSigKeyPair } from './native';
import { bytes } from './bytes';
import { call, callAsync } from './errors';
import { batchItems, cutResults } from './batch';
import { DISPOSE } from './dispose';
import type { SigSuiteName } from './suites';
import { signingMode, type SignOptions } from './sign-options';

/**
 * A signing key pair held in native memory. After {@link SigKeyPair.dispose} every use but
 * `suite`, `disposed` and `toJSON()` throws `DisposedError` (`DISPOSED`).
 */
export class SigKeyPair {
  readonly #native: NativeSigKeyPair;

  /** @internal Created by `Signature.generateKeyPair` / `Signature.importKeyPair`. */
  constructor(handle: NativeSigKeyPair) {
    this.#native = handle;
  }

  /** The suite of this key pair. */
  get suite(): SigSuiteName {
    return this.#native.suite as SigSuiteName;
  }

  /** The public (verification) key. */
  get publicKey(): Uint8Array {
    return call(() => this.#native.publicKey);
  }

  /** Signs `message` (hedged unless `deterministic` or `randomness` is given). */
  sign(message: Uint8Array, options: SignOptions = {}): Uint8Array {
    const msg = bytes('message', message);
    const { context, mode, randomness } = signingMode(options);
    return call(() => this.#native.sign(msg, context, mode, randomness));
  }

  /** {@link sign} on the libuv thread pool. */
  signAsync(message: Uint8Array, options: SignOptions = {}): Promise<Uint8Array> {
    return callAsync(async () => {
      const msg = bytes('message', message);
      const { context, mode, randomness } = signingMode(options);
      return this.#native.signAsync(msg, context, mode, randomness);
    });
  }

  /**
   * Signs each message of `messages` with the same `options`, in one task on the libuv
   * thread pool whose items are split across the CPU cores; the secret key stays in native
   * memory, and the task keeps it until it ends even if {@link SigKeyPair.dispose} is
   * called meanwhile. Item `i` of the result is what {@link sign} would give for
   * `messages[i]` (byte for byte with `deterministic` or `randomness`; hedged signing draws
   * fresh randomness per item). Every argument is checked before any work; a message that
   * is not a `Uint8Array` rejects the whole batch with its index in the message. At most
   * `MAX_BATCH_ITEMS` messages; `[]` gives `[]`. A disposed key pair rejects with
   * `DisposedError`.
   *
   * @example
   * ```ts
   * using signer = mlDsa65.generateKeyPair();
   * const signatures = await signer.signBatch(outgoing, { context: new TextEncoder().encode('app v1') });
   * ```
   */
  signBatch(messages: readonly Uint8Array[], options: SignOptions = {}): Promise<Uint8Array[]> {
    return callAsync(async () => {
      const msgs = batchItems('messages', messages, (m, name) => bytes(name, m));
      const { context, mode, randomness } = signingMode(options);
      return cutResults(await this.#native.signBatch(msgs, context, mode, randomness), msgs.length, false);
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
   * Complete in the default build: ML-DSA, with every backend, and every suite's key pairs
   * made with `{ lockable: true }` (`Signature.generateKeyPair`,
   * `Signature.importKeyPair`: `ed25519-dalek` holds the Ed25519 key). Not complete:
   * Ed25519, alone and in the hybrids, in a key pair made without it, whose key AWS-LC holds
   * in its own heap (see `docs/primitives.md`, "Secrets in memory").
   *
   * The pages stay locked until the process ends: they may hold other allocations too, and
   * locks do not nest, so nothing unlocks them. {@link SigKeyPair.dispose} still wipes the
   * secret. Calling it again is harmless. Throws `DisposedError` after
   * {@link SigKeyPair.dispose}.
   *
   * @example
   * ```ts
   * using signer = mlDsa87.generateKeyPair();
   * if (!signer.lockMemory()) log.warn('the signing key may be written to swap');
   * using hybrid = sig('Ed25519+ML-DSA-87').generateKeyPair(undefined, { lockable: true });
   * hybrid.lockMemory(); // true as root or within RLIMIT_MEMLOCK
   * ```
   */
  lockMemory(): boolean {
    return call(() => this.#native.lockMemory());
  }

  /**
   * Wipes the secret key now instead of at garbage collection (a `signAsync` still
   * running keeps it until it ends). Later uses throw `DisposedError`; calling it again
   * does nothing. `using signer = sig.generateKeyPair()` calls it at the end of the block.
   *
   * @example
   * ```ts
   * const signer = mlDsa65.importKeyPair(secretKey, publicKey);
   * const signature = signer.sign(message);
   * signer.dispose();
   * ```
   */
  dispose(): void {
    call(() => this.#native.dispose());
  }

  /** {@link SigKeyPair.dispose}, for `using`. */
  [DISPOSE](): void {
    this.dispose();
  }

  /** Whether {@link SigKeyPair.dispose} was called. */
  get disposed(): boolean {
    return this.#native.disposed;
  }

  /** Never prints key material. */
  toJSON(): { suite: string; publicKeyLength?: number; disposed?: true } {
    return this.disposed ? { suite: this.suite, disposed: true } : { suite: this.suite, publicKeyLength: this.publicKey.length };
  }
}

