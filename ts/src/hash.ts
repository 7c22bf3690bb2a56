/**
 * Hash functions: SHA3-256 and SHAKE256 (FIPS 202).
 *
 * @example
 * ```ts
 * import { sha3_256, shake256 } from 'pqwire';
 * const digest = sha3_256(new TextEncoder().encode('abc')); // 32 bytes
 * const out = shake256(new TextEncoder().encode('abc'), 64); // 64 bytes
 * ```
 */
import native from './native';
import { bytes, length } from './bytes';
import { call } from './errors';
import { withSecret } from './output';

/** Largest SHAKE256 output the API produces in one call (16 MiB). */
export const SHAKE256_MAX_OUTPUT = 16 * 1024 * 1024;

/** SHA3-256 of `data`. */
export function sha3_256(data: Uint8Array): Uint8Array {
  const d = bytes('data', data);
  // A digest of secret input is secret too: each gets a buffer of its own.
  return call(() => withSecret(32, (out) => native.sha3_256(d, out)));
}

/** SHAKE256 of `data`, `outputLength` bytes (default 32). */
export function shake256(data: Uint8Array, outputLength = 32): Uint8Array {
  const d = bytes('data', data);
  const n = length('outputLength', outputLength, SHAKE256_MAX_OUTPUT);
  return call(() => withSecret(n, (out) => native.shake256(d, out)));
}
