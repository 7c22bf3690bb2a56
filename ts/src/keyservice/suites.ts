/**
 * Which suites the key service offers: every post-quantum KEM and signature suite of the
 * library, the strongest hybrids by default. Classical-only suites (X25519, Ed25519) are
 * refused: a sidecar for post-quantum protection must not hand out a key without it.
 */
import { kem, kemSuites, type Kem } from '../kem';
import { sig, sigSuites, type Signature } from '../sig';
import type { KemSuiteName, SigSuiteName } from '../suites';
import { KeyServiceError } from './errors';

/** The two kinds of key: for encryption (`kem`) and for signatures (`sign`). */
export type KeyType = 'kem' | 'sign';

/** The default suite of each kind. */
export const DEFAULT_SUITES = { kem: 'X25519+ML-KEM-1024', sign: 'Ed25519+ML-DSA-87' } as const satisfies Record<KeyType, string>;

/** KEM suites the service offers, most preferred first. */
export const KEM_SUITES: readonly KemSuiteName[] = kemSuites.filter((n) => kem(n).postQuantum);
/** Signature suites the service offers, most preferred first. */
export const SIGN_SUITES: readonly SigSuiteName[] = sigSuites.filter((n) => sig(n).postQuantum);

function offered<T extends string>(type: KeyType, name: unknown, list: readonly T[]): T {
  const found = list.find((n) => typeof name === 'string' && n.toLowerCase() === name.toLowerCase());
  if (found === undefined) {
    throw new KeyServiceError('UNKNOWN_SUITE', `the key service offers no ${type} suite ${JSON.stringify(name)}; it offers ${list.join(', ')}`);
  }
  return found;
}

/** The KEM suite `name` (the default when absent), or `UNKNOWN_SUITE`. */
export function kemSuite(name: unknown = DEFAULT_SUITES.kem): Kem {
  return kem(offered('kem', name, KEM_SUITES));
}

/** The signature suite `name` (the default when absent), or `UNKNOWN_SUITE`. */
export function signSuite(name: unknown = DEFAULT_SUITES.sign): Signature {
  return sig(offered('sign', name, SIGN_SUITES));
}

/** The suite `name` of keys of `type` (the type's default when absent), or `UNKNOWN_SUITE`. */
export function keySuite(type: KeyType, name?: unknown): Kem | Signature {
  return type === 'kem' ? kemSuite(name) : signSuite(name);
}

/** `publicKey` once it has `suite`'s length (`BAD_LENGTH` otherwise). */
export function checkedPublicKey(suite: Kem | Signature, publicKey: Uint8Array): Uint8Array {
  if (publicKey.length !== suite.lengths.publicKey) {
    throw new KeyServiceError('BAD_LENGTH', `a ${suite.name} public key is ${suite.lengths.publicKey} bytes, got ${publicKey.length}`);
  }
  return publicKey;
}
