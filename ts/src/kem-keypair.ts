/**
 * KEM key-pair handles: the secret key stays in native memory (zeroized when the handle is
 * garbage-collected) and leaves it only through an explicit `exportSecretKey()`.
 *
 * @example
 * ```ts
 * import { xWing } from 'pqwire';
 * const kp = xWing.generateKeyPair();
 * const { cipherText, sharedSecret } = xWing.encapsulate(kp.publicKey);
 * kp.decapsulate(cipherText); // equals sharedSecret
 * ```
 */
import type { NativeKemKeyPair } from './native';
import { bytes } from './bytes';
import { call, callAsync } from './errors';
import type { KemSuiteName } from './suites';

/** A KEM key pair held in native memory. */
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
    return this.#native.publicKey;
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

  /** Copies the secret key out of native memory. The caller is then responsible for it. */
  exportSecretKey(): Uint8Array {
    return this.#native.exportSecretKey();
  }

  /** Never prints key material. */
  toJSON(): { suite: string; publicKeyLength: number } {
    return { suite: this.suite, publicKeyLength: this.publicKey.length };
  }
}
