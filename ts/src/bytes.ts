/**
 * Input checks run before anything crosses into native code: type first, then length.
 * @internal
 */
import { makeError } from './errors';

/** Requires a `Uint8Array` (a `Buffer` is one), optionally of an exact length. */
export function bytes(name: string, value: unknown, length?: number): Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw makeError('INVALID_TYPE', `${name} must be a Uint8Array, got ${describe(value)}`);
  }
  if (length !== undefined && value.length !== length) {
    throw makeError('BAD_LENGTH', `${name} must be ${length} bytes, got ${value.length}`);
  }
  return value;
}

/** Like {@link bytes}, but `undefined` and `null` pass through as `undefined`. */
export function optionalBytes(name: string, value: unknown, length?: number): Uint8Array | undefined {
  return value === undefined || value === null ? undefined : bytes(name, value, length);
}

/** Requires a non-negative safe integer no larger than `max`. */
export function length(name: string, value: unknown, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw makeError('INVALID_TYPE', `${name} must be a non-negative integer, got ${describe(value)}`);
  }
  if (value > max) {
    throw makeError('OUTPUT_TOO_LONG', `${name} must be at most ${max}, got ${value}`);
  }
  return value;
}

/** Requires a string. */
export function text(name: string, value: unknown): string {
  if (typeof value !== 'string') {
    throw makeError('INVALID_TYPE', `${name} must be a string, got ${describe(value)}`);
  }
  return value;
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an Array';
  if (typeof value === 'object') return `a ${(value as object).constructor?.name ?? 'object'}`;
  return typeof value;
}
