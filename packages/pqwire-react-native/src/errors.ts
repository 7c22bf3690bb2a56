/**
 * Typed errors: the same classes, names and codes as `pqwire`'s (ts/src/errors.ts).
 * test/errors.test.ts in this package checks that every code maps to the class of the
 * same name there, and that the native library reports no code missing here.
 */

/** Every error code and the class of its errors (as in `pqwire`). */
const CLASS_OF = {
  BAD_LENGTH: 'InvalidLengthError',
  INVALID_TYPE: 'InvalidTypeError',
  INVALID_ARGUMENT: 'InvalidArgumentError',
  UNKNOWN_SUITE: 'UnknownSuiteError',
  INVALID_KEY: 'InvalidKeyError',
  NON_CONTRIBUTORY: 'InvalidKeyError',
  AUTH_FAILED: 'AuthenticationError',
  UNSUPPORTED: 'UnsupportedError',
  RANDOMNESS_UNAVAILABLE: 'RandomnessError',
  OUTPUT_TOO_LONG: 'OutputTooLongError',
  INTERNAL: 'InternalError',
  TRUNCATED: 'WireFormatError',
  TRAILING_BYTES: 'WireFormatError',
  UNKNOWN_TAG: 'WireFormatError',
  DUPLICATE_TAG: 'WireFormatError',
  TAG_ORDER: 'WireFormatError',
  TOO_LARGE: 'WireFormatError',
  BAD_MAGIC: 'WireFormatError',
  UNSUPPORTED_VERSION: 'WireFormatError',
  UNKNOWN_TYPE: 'WireFormatError',
  UNEXPECTED_TYPE: 'WireFormatError',
  MISSING_FIELD: 'WireFormatError',
  INVALID_FIELD: 'WireFormatError',
  DUPLICATE_ENTRY: 'WireFormatError',
  NO_COMMON_SUITE: 'DowngradeError',
  NO_COMMON_VERSION: 'DowngradeError',
  PQ_REQUIRED: 'DowngradeError',
  VERSION_ROLLBACK: 'DowngradeError',
  TRANSCRIPT_MISMATCH: 'DowngradeError',
  REPLAYED: 'ReplayError',
  TOO_MANY_SKIPPED: 'ReplayError',
  STALE_MESSAGE: 'ReplayError',
  KEY_EXPIRED: 'KeyManagementError',
  UNKNOWN_KEY: 'KeyManagementError',
  PREKEY_REUSED: 'KeyManagementError',
  OUT_OF_ORDER: 'ChannelError',
  STALE_PACKET: 'ChannelError',
  PACKET_TOO_LARGE: 'ChannelError',
  DEAD_PEER: 'ChannelError',
  PROTOCOL_ERROR: 'ChannelError',
  IDENTITY_CHANGED: 'IdentityChangedError',
  SESSION_ROLLBACK: 'SessionRollbackError',
  SESSION_CONFLICT: 'SessionConflictError',
  SESSION_EXISTS: 'SessionExistsError',
  DISPOSED: 'DisposedError',
  GROUP_MALFORMED: 'GroupError',
  GROUP_WRONG_EPOCH: 'GroupError',
  GROUP_UNKNOWN_MEMBER: 'GroupError',
  GROUP_REMOVED: 'GroupError',
  GROUP_UNBOUND_CREDENTIAL: 'AuthenticationError',
  GROUP_INVALID: 'GroupError',
  GROUP_UNKNOWN: 'GroupError',
  GROUP_PENDING_COMMIT: 'GroupError',
  GROUP_NO_PENDING_COMMIT: 'GroupError',
  GROUP_BAD_RECORD: 'GroupError',
  GROUP_CONFLICT: 'GroupError',
  GROUP_INTERNAL: 'InternalError',
} as const;

/** Every error code pqwire can report. */
export type ErrorCode = keyof typeof CLASS_OF;
type ClassName = (typeof CLASS_OF)[ErrorCode];

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
/** An input had the wrong type (`INVALID_TYPE`). */
export class InvalidTypeError extends PqwireError {}
/** An argument is out of range or not allowed (`INVALID_ARGUMENT`). */
export class InvalidArgumentError extends PqwireError {}
/** The suite name is not known (`UNKNOWN_SUITE`). */
export class UnknownSuiteError extends PqwireError {}
/** A key failed its validity check (`INVALID_KEY`, `NON_CONTRIBUTORY`). */
export class InvalidKeyError extends PqwireError {}
/** Authentication failed (`AUTH_FAILED`). Says nothing about which check failed. */
export class AuthenticationError extends PqwireError {}
/** The backend does not offer this operation (`UNSUPPORTED`). */
export class UnsupportedError extends PqwireError {}
/** The system random generator failed (`RANDOMNESS_UNAVAILABLE`). */
export class RandomnessError extends PqwireError {}
/** More output was requested than the algorithm can give (`OUTPUT_TOO_LONG`). */
export class OutputTooLongError extends PqwireError {}
/** A bug inside pqwire (`INTERNAL`). */
export class InternalError extends PqwireError {}
/** A message or record broke a rule of the wire format (no `offset` on React Native). */
export class WireFormatError extends PqwireError {}
/** Negotiation refused to continue rather than fall back silently (`PQ_REQUIRED`, …). */
export class DowngradeError extends PqwireError {}
/** A message was refused for its order or freshness (`REPLAYED`, …). */
export class ReplayError extends PqwireError {}
/** A key could not be used (`KEY_EXPIRED`, `UNKNOWN_KEY`, `PREKEY_REUSED`). */
export class KeyManagementError extends PqwireError {}
/** The online channel refused a packet (not offered on React Native). */
export class ChannelError extends PqwireError {}
/** An MLS group operation refused (not raised on React Native: groups are not offered there yet). */
export class GroupError extends PqwireError {}
/** A pinned peer identity changed (not raised on React Native: no identity store). */
export class IdentityChangedError extends PqwireError {}
/** A restored session is older than a copy already used (`SESSION_ROLLBACK`). */
export class SessionRollbackError extends PqwireError {}
/** A stored session changed since this copy was loaded (`SESSION_CONFLICT`). */
export class SessionConflictError extends PqwireError {}
/** A different session is stored for this peer (`SESSION_EXISTS`). */
export class SessionExistsError extends PqwireError {}
/** An object was used after `dispose()` wiped its secrets (`DISPOSED`). */
export class DisposedError extends PqwireError {}

const CLASSES: Record<ClassName, new (code: ErrorCode, message: string) => PqwireError> = {
  InvalidLengthError,
  InvalidTypeError,
  InvalidArgumentError,
  UnknownSuiteError,
  InvalidKeyError,
  AuthenticationError,
  UnsupportedError,
  RandomnessError,
  OutputTooLongError,
  InternalError,
  WireFormatError,
  DowngradeError,
  ReplayError,
  KeyManagementError,
  ChannelError,
  GroupError,
  IdentityChangedError,
  SessionRollbackError,
  SessionConflictError,
  SessionExistsError,
  DisposedError,
};

/** Every error code. @internal */
export const ERROR_CODES = Object.keys(CLASS_OF) as readonly ErrorCode[];

function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.prototype.hasOwnProperty.call(CLASS_OF, code);
}

/** Creates the typed error for `code`. */
export function makeError(code: ErrorCode, message: string): PqwireError {
  return new CLASSES[CLASS_OF[code]](code, message);
}

/** Converts what the native module threw into a typed error (`INTERNAL` for anything else). @internal */
export function fromNative(e: unknown): PqwireError {
  if (e instanceof PqwireError) return e;
  if (!(e instanceof Error)) return makeError('INTERNAL', String(e));
  const code = (e as { code?: unknown }).code;
  return isErrorCode(code) ? makeError(code, e.message) : makeError('INTERNAL', e.message);
}

/** Runs a native call, turning its failure into a typed error. @internal */
export function call<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw fromNative(e);
  }
}
