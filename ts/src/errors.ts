/**
 * Typed errors. Every failure pqwire reports is a {@link PqwireError} subclass with a
 * stable `code`; the mapping from the native layer's codes lives here and only here.
 *
 * @example
 * ```ts
 * import { mlKem768, PqwireError, InvalidLengthError } from 'pqwire';
 * try {
 *   mlKem768.encapsulate(new Uint8Array(3));
 * } catch (e) {
 *   if (e instanceof InvalidLengthError) console.log(e.code); // 'BAD_LENGTH'
 * }
 * ```
 */

/** Every error code pqwire can report. */
export type ErrorCode =
  | 'BAD_LENGTH'
  | 'INVALID_TYPE'
  | 'INVALID_ARGUMENT'
  | 'UNKNOWN_SUITE'
  | 'INVALID_KEY'
  | 'NON_CONTRIBUTORY'
  | 'AUTH_FAILED'
  | 'UNSUPPORTED'
  | 'RANDOMNESS_UNAVAILABLE'
  | 'OUTPUT_TOO_LONG'
  | 'INTERNAL';

/** Base class of every pqwire error. */
export class PqwireError extends Error {
  /** Stable, machine-readable code. */
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.code = code;
    this.name = new.target.name;
  }
}

/** An input had the wrong length (`BAD_LENGTH`). */
export class InvalidLengthError extends PqwireError {}
/** An input had the wrong type, e.g. a string where bytes were expected (`INVALID_TYPE`). */
export class InvalidTypeError extends PqwireError {}
/** An argument is out of range or not allowed for this suite (`INVALID_ARGUMENT`). */
export class InvalidArgumentError extends PqwireError {}
/** The suite name is not known (`UNKNOWN_SUITE`). */
export class UnknownSuiteError extends PqwireError {}
/** A key failed its validity check (`INVALID_KEY`), or a key agreement was all-zero (`NON_CONTRIBUTORY`). */
export class InvalidKeyError extends PqwireError {}
/** Authentication failed (`AUTH_FAILED`). Says nothing about which check failed. */
export class AuthenticationError extends PqwireError {}
/** The backend does not offer this operation (`UNSUPPORTED`). */
export class UnsupportedError extends PqwireError {}
/** The system random generator failed (`RANDOMNESS_UNAVAILABLE`). */
export class RandomnessError extends PqwireError {}
/** More output was requested than the algorithm can give (`OUTPUT_TOO_LONG`). */
export class OutputTooLongError extends PqwireError {}
/** A bug inside pqwire (`INTERNAL`); please report it. */
export class InternalError extends PqwireError {}

type ErrorClass = new (code: ErrorCode, message: string) => PqwireError;

const CLASSES: Record<ErrorCode, ErrorClass> = {
  BAD_LENGTH: InvalidLengthError,
  INVALID_TYPE: InvalidTypeError,
  INVALID_ARGUMENT: InvalidArgumentError,
  UNKNOWN_SUITE: UnknownSuiteError,
  INVALID_KEY: InvalidKeyError,
  NON_CONTRIBUTORY: InvalidKeyError,
  AUTH_FAILED: AuthenticationError,
  UNSUPPORTED: UnsupportedError,
  RANDOMNESS_UNAVAILABLE: RandomnessError,
  OUTPUT_TOO_LONG: OutputTooLongError,
  INTERNAL: InternalError,
};

/** Creates the typed error for `code`. */
export function makeError(code: ErrorCode, message: string): PqwireError {
  return new CLASSES[code](code, message);
}

const NATIVE_MESSAGE = /^([A-Z_]+): ([\s\S]*)$/;

/**
 * Converts whatever the native layer threw into a typed error. Native messages start
 * with the code (`"BAD_LENGTH: ..."`); anything else (a caught panic) is `INTERNAL`.
 * @internal
 */
export function fromNative(e: unknown): PqwireError {
  if (e instanceof PqwireError) return e;
  const message = e instanceof Error ? e.message : String(e);
  const m = NATIVE_MESSAGE.exec(message);
  if (m && m[1] !== undefined && m[2] !== undefined && m[1] in CLASSES) {
    return makeError(m[1] as ErrorCode, m[2]);
  }
  return makeError('INTERNAL', message);
}

/** Runs a native call, turning its failure into a typed error. @internal */
export function call<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw fromNative(e);
  }
}

/** Awaits a native promise, turning its rejection into a typed error. @internal */
export async function callAsync<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    throw fromNative(e);
  }
}
