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
