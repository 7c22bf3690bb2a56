/**
 * Checks of option objects shared by every call that takes one: an object, and only the
 * keys the call knows, so that a misspelt option (`polcy`) fails loudly instead of
 * silently leaving a setting at its default.
 * @internal
 */
import { makeError } from './errors';
import { describe } from './bytes';

/** Requires a plain object. @internal */
export function object(name: string, value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || ArrayBuffer.isView(value)) {
    throw makeError('INVALID_TYPE', `${name} must be an object, got ${describe(value)}`);
  }
  return value as Record<string, unknown>;
}

/** Refuses option names not in `allowed` (`INVALID_ARGUMENT`). @internal */
export function onlyKnown(name: string, options: Record<string, unknown>, allowed: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) throw makeError('INVALID_ARGUMENT', `unknown ${name} option ${JSON.stringify(key)}`);
  }
}

/**
 * The options object of the call `name` (`{}` when `undefined`), with only `allowed` keys:
 * `unknown <name> option "x"` (`INVALID_ARGUMENT`) otherwise. @internal
 */
export function options<T extends object>(name: string, value: T | undefined, allowed: readonly (keyof T & string)[]): T {
  if (value === undefined) return {} as T;
  onlyKnown(name, object('options', value), allowed);
  return value;
}

/**
 * Options of `generateKeyPair` and `importKeyPair` of `Kem` and `Signature`.
 */
export interface KeyPairOptions {
  /**
   * A key pair whose secret state `lockMemory()` can lock in full (`KemKeyPair.lockMemory`,
   * `SigKeyPair.lockMemory`): its X25519 or Ed25519 key (alone or in a hybrid) is held by the
   * pure-Rust `x25519-dalek` / `ed25519-dalek` and its ML-KEM key by libcrux, inline in
   * pqwire's own memory, instead of in AWS-LC's C heap. Somewhat slower (see
   * `docs/primitives.md`, "Secrets in memory"); every result is the same as a normal key
   * pair's: the same public key from the same seed, the same shared secrets, the same
   * deterministic signatures. Default `false`.
   */
  lockable?: boolean;
}

/** The `lockable` flag of {@link KeyPairOptions} (checked: a boolean, no other keys). @internal */
export function lockableOption(value: KeyPairOptions | undefined): boolean {
  const o = options('key pair', value, ['lockable']);
  if (o.lockable !== undefined && typeof o.lockable !== 'boolean') {
    throw makeError('INVALID_TYPE', `lockable must be a boolean, got ${describe(o.lockable)}`);
  }
  return o.lockable === true;
}
