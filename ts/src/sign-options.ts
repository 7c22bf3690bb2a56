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

const SIGN_KEYS: readonly string[] = ['context', 'randomness', 'deterministic'];
const VERIFY_KEYS: readonly string[] = ['context'];

/**
 * Requires an options object whose defined keys are all in `allowed`. A misspelt or foreign
 * key (`ctx`, noble's `extraEntropy`) or bytes passed where options belong would otherwise be
 * ignored silently, and signing would then run without the context or mode the caller meant.
 */
function checkOptions(options: unknown, allowed: readonly string[]): Record<string, unknown> {
  if (typeof options !== 'object' || options === null || Array.isArray(options) || ArrayBuffer.isView(options)) {
    throw makeError('INVALID_TYPE', 'options must be an object');
  }
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (o[key] !== undefined && !allowed.includes(key)) {
      throw makeError('INVALID_ARGUMENT', `unknown option ${JSON.stringify(key)}; expected one of: ${allowed.join(', ')}`);
    }
  }
  return o;
}

/** A context string: bytes of at most 255 (FIPS 204), or absent; `name` names it in errors. */
export function checkContext(value: unknown, name = 'context'): Uint8Array | undefined {
  const context = optionalBytes(name, value);
  if (context && context.length > 255) {
    throw makeError('INVALID_ARGUMENT', `${name} must be at most 255 bytes, got ${context.length}`);
  }
  return context;
}

/** Translates {@link SignOptions} into the native call's arguments. */
export function signingMode(options: SignOptions): {
  context: Uint8Array | undefined;
  mode: number;
  randomness: Uint8Array | undefined;
} {
  const o = checkOptions(options, SIGN_KEYS);
  const context = checkContext(o['context']);
  const deterministic = o['deterministic'];
  if (deterministic !== undefined && typeof deterministic !== 'boolean') {
    throw makeError('INVALID_TYPE', 'deterministic must be a boolean');
  }
  if (o['randomness'] !== undefined && o['randomness'] !== null) {
    if (deterministic) {
      throw makeError('INVALID_ARGUMENT', 'randomness and deterministic cannot be combined');
    }
    return { context, mode: GIVEN, randomness: bytes('randomness', o['randomness'], 32) };
  }
  return { context, mode: deterministic ? DETERMINISTIC : HEDGED, randomness: undefined };
}

/** The context of {@link VerifyOptions}, checked like a signing context. */
export function verifyContext(options: VerifyOptions): Uint8Array | undefined {
  return checkContext(checkOptions(options, VERIFY_KEYS)['context']);
}
