/**
 * Signing key-pair handles: the secret key stays in native memory (zeroized when the handle
 * is garbage-collected) and leaves it only through an explicit `exportSecretKey()`.
 *
 * @example
 * ```ts
 * import { mlDsa65 } from 'pqwire';
 * const message = new TextEncoder().encode('hello');
 * const signer = mlDsa65.generateKeyPair();
 * const signature = signer.sign(message);
 * mlDsa65.verify(signature, message, signer.publicKey).valid; // true
 * ```
 */
import type { NativeSigKeyPair } from './native';
import { bytes } from './bytes';
import { call, callAsync } from './errors';
import type { SigSuiteName } from './suites';
import { signingMode, type SignOptions } from './sign-options';

/** A signing key pair held in native memory. */
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
    return this.#native.publicKey;
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

  /** Copies the secret key out of native memory. The caller is then responsible for it. */
  exportSecretKey(): Uint8Array {
    return this.#native.exportSecretKey();
  }

  /** Never prints key material. */
  toJSON(): { suite: string; publicKeyLength: number } {
    return { suite: this.suite, publicKeyLength: this.publicKey.length };
  }
}

