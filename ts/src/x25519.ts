/**
 * X25519 key agreement (RFC 7748). An all-zero shared secret (a low-order peer key) throws
 * `InvalidKeyError` with code `NON_CONTRIBUTORY`.
 *
 * @example
 * ```ts
 * import { x25519 } from 'pqwire';
 * const alice = x25519.keygen();
 * const bob = x25519.keygen();
 * const k1 = x25519.sharedSecret(alice.secretKey, bob.publicKey);
 * const k2 = x25519.sharedSecret(bob.secretKey, alice.publicKey); // equal to k1
 * ```
 */
import native from './native';
import { bytes, optionalBytes } from './bytes';
import { call } from './errors';
import { keyPairOutput, publicOutput, withSecret } from './output';
import type { KeyPairBytes } from './kem';

const KEY = 32;

/** X25519 functions. */
export const x25519 = Object.freeze({
  /** Sizes of secret keys, public keys and shared secrets. */
  lengths: Object.freeze({ secretKey: KEY, publicKey: KEY, sharedSecret: KEY, keygenSeed: KEY }),
  /** Generates a key pair; the secret key is `seed` when given. */
  keygen(seed?: Uint8Array): KeyPairBytes {
    const s = optionalBytes('seed', seed, KEY);
    return call(() => keyPairOutput(KEY, KEY, (pk, sk) => native.x25519Keygen(s, pk, sk)));
  },
  /** The public key of `secretKey`. */
  publicKey(secretKey: Uint8Array): Uint8Array {
    const sk = bytes('secretKey', secretKey, KEY);
    const out = publicOutput(KEY);
    call(() => native.x25519PublicKey(sk, out));
    return out;
  },
  /** The shared secret of `secretKey` and a peer's `publicKey`. */
  sharedSecret(secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
    const sk = bytes('secretKey', secretKey, KEY);
    const pk = bytes('publicKey', publicKey, KEY);
    return call(() => withSecret(KEY, (out) => native.x25519SharedSecret(sk, pk, out)));
  },
});
