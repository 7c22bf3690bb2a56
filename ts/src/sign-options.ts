/**
 * Signing options shared by byte-level signing and key-pair handles.
 * @internal
 */
import { bytes, optionalBytes } from './bytes';
import { makeError } from './errors';

/** Options of every `sign` call. */
export interface SignOptions {
  /** FIPS 204 context string, at most 255 bytes (ML-DSA and hybrids; Ed25519 takes none). */
  context?: Uint8Array;
  /** Caller-supplied signing randomness (32 bytes), for test vectors and reproducible runs. */
  randomness?: Uint8Array;
  /** Use the deterministic variant (no randomness). Default: hedged with fresh OS randomness. */
  deterministic?: boolean;
}

/** Options of every `verify` call. */
export interface VerifyOptions {
  /** The context string the signer used. */
  context?: Uint8Array;
}

const HEDGED = 0;
const DETERMINISTIC = 1;
const GIVEN = 2;

/** Translates {@link SignOptions} into the native call's arguments. */
export function signingMode(options: SignOptions): {
  context: Uint8Array | undefined;
  mode: number;
  randomness: Uint8Array | undefined;
} {
  if (typeof options !== 'object' || options === null) {
    throw makeError('INVALID_TYPE', 'options must be an object');
  }
  const context = optionalBytes('context', options.context);
  if (context && context.length > 255) {
    throw makeError('INVALID_ARGUMENT', `context must be at most 255 bytes, got ${context.length}`);
  }
  if (options.randomness !== undefined && options.randomness !== null) {
    if (options.deterministic) {
      throw makeError('INVALID_ARGUMENT', 'randomness and deterministic cannot be combined');
    }
    return { context, mode: GIVEN, randomness: bytes('randomness', options.randomness, 32) };
  }
  return { context, mode: options.deterministic ? DETERMINISTIC : HEDGED, randomness: undefined };
}
