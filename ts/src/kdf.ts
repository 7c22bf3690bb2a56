/**
 * HKDF (RFC 5869) over SHA-256, SHA-384 or SHA-512.
 *
 * @example
 * ```ts
 * import { hkdf } from 'pqwire';
 * const okm = hkdf('SHA-256', inputKey, { salt, info: new TextEncoder().encode('app keys'), length: 64 });
 * const prk = hkdf.extract('SHA-256', inputKey, salt);
 * const more = hkdf.expand('SHA-256', prk, info, 32);
 * ```
 */
import native from './native';
import { bytes, length, optionalBytes, text } from './bytes';
import { call, makeError } from './errors';

/** Hashes HKDF runs over. */
export type HkdfHash = 'SHA-256' | 'SHA-384' | 'SHA-512';

/** Options of {@link hkdf}. */
export interface HkdfOptions {
  /** Salt (optional; empty means none). */
  salt?: Uint8Array;
  /** Context and application-specific information. */
  info?: Uint8Array;
  /** Output length in bytes (at most 255 × the hash size). Default: the hash size. */
  length?: number;
}

function hashSize(hash: HkdfHash): number {
  const h = text('hash', hash).toUpperCase().replace('-', '');
  if (h === 'SHA256') return 32;
  if (h === 'SHA384') return 48;
  if (h === 'SHA512') return 64;
  throw makeError('UNKNOWN_SUITE', `unknown HKDF hash ${JSON.stringify(hash)}`);
}

/** HKDF extract-then-expand. */
function hkdfFn(hash: HkdfHash, ikm: Uint8Array, options: HkdfOptions = {}): Uint8Array {
  const size = hashSize(hash);
  const i = bytes('ikm', ikm);
  const salt = optionalBytes('salt', options.salt);
  const info = optionalBytes('info', options.info);
  const len = length('length', options.length ?? size, 255 * size);
  return call(() => native.hkdf(hash, i, salt, info, len));
}

/** HKDF-Extract: the pseudorandom key. */
function extract(hash: HkdfHash, ikm: Uint8Array, salt?: Uint8Array): Uint8Array {
  hashSize(hash);
  return call(() => native.hkdfExtract(hash, bytes('ikm', ikm), optionalBytes('salt', salt)));
}

/** HKDF-Expand from a pseudorandom key of at least the hash size. */
function expand(hash: HkdfHash, prk: Uint8Array, info: Uint8Array | undefined, outputLength: number): Uint8Array {
  const size = hashSize(hash);
  const p = bytes('prk', prk);
  const len = length('length', outputLength, 255 * size);
  return call(() => native.hkdfExpand(hash, p, optionalBytes('info', info), len));
}

/** HKDF, with `hkdf.extract` and `hkdf.expand` for the two steps. */
export const hkdf: typeof hkdfFn & { extract: typeof extract; expand: typeof expand } = Object.assign(hkdfFn, {
  extract,
  expand,
});
