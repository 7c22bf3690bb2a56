/**
 * Input checks run before anything crosses into native code, as in `pqwire`: type first,
 * then length. @internal
 */
import { makeError } from './errors';

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an Array';
  if (typeof value === 'object') return `a ${(value as object).constructor?.name ?? 'object'}`;
  return typeof value;
}

/** Requires a `Uint8Array`, optionally of an exact length. */
export function bytes(name: string, value: unknown, length?: number): Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw makeError('INVALID_TYPE', `${name} must be a Uint8Array, got ${describe(value)}`);
  }
  if (length !== undefined && value.length !== length) {
    throw makeError('BAD_LENGTH', `${name} must be ${length} bytes, got ${value.length}`);
  }
  return value;
}

/** Like {@link bytes}, but `undefined` and `null` pass through as `null` (absent). */
export function optionalBytes(name: string, value: unknown, length?: number): Uint8Array | null {
  return value === undefined || value === null ? null : bytes(name, value, length);
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

/** Requires a non-negative safe integer (unix seconds, lifetimes, epochs). */
export function seconds(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw makeError('INVALID_ARGUMENT', `${name} must be a non-negative integer number of seconds`);
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

/** Requires an options object (or nothing) whose defined keys are all in `allowed`. */
export function options(value: unknown, allowed: readonly string[]): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value) || ArrayBuffer.isView(value)) {
    throw makeError('INVALID_TYPE', 'options must be an object');
  }
  const o = value as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (o[key] !== undefined && !allowed.includes(key)) {
      throw makeError('INVALID_ARGUMENT', `unknown option ${JSON.stringify(key)}; expected one of: ${allowed.join(', ')}`);
    }
  }
  return o;
}

const EMPTY = new Uint8Array(0);

/** An optional input as bytes: absent is empty. */
export function orEmpty(value: Uint8Array | null): Uint8Array {
  return value ?? EMPTY;
}

const HEX = '0123456789abcdef';

/** Lower-case hex of `b`. */
export function toHex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += HEX[x >> 4]! + HEX[x & 15]!;
  return s;
}
