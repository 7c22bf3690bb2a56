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
  | 'INTERNAL'
  | WireErrorCode
  | DowngradeCode
  | ReplayCode
  | KeyManagementCode
  | ChannelCode
  | 'IDENTITY_CHANGED'
  | 'SESSION_ROLLBACK'
  | 'SESSION_CONFLICT'
  | 'SESSION_EXISTS'
  | 'DISPOSED';

/**
 * Codes only the online channel reports ({@link ChannelError}); see docs/channel.md §11.
 * A channel also reports `AUTH_FAILED`, `REPLAYED`, `KEY_EXPIRED`, `UNKNOWN_KEY`,
 * downgrade and wire codes with their own classes.
 *
 * @example
 * ```ts
 * import { ChannelError, type ChannelCode } from 'pqwire';
 * const code: ChannelCode | undefined = secure.closeError instanceof ChannelError ? (secure.closeError.code as ChannelCode) : undefined;
 * ```
 */
export type ChannelCode = 'OUT_OF_ORDER' | 'STALE_PACKET' | 'PACKET_TOO_LARGE' | 'DEAD_PEER' | 'PROTOCOL_ERROR';

/** Codes of key-management refusals ({@link KeyManagementError}). */
export type KeyManagementCode = 'KEY_EXPIRED' | 'UNKNOWN_KEY' | 'PREKEY_REUSED';

/** Codes of messages refused for their order or freshness ({@link ReplayError}). */
export type ReplayCode = 'REPLAYED' | 'TOO_MANY_SKIPPED' | 'STALE_MESSAGE';

/** Codes of wire-format rules ({@link WireFormatError}); see docs/wire-format.md. */
export type WireErrorCode =
  | 'TRUNCATED'
  | 'TRAILING_BYTES'
  | 'UNKNOWN_TAG'
  | 'DUPLICATE_TAG'
  | 'TAG_ORDER'
  | 'BAD_LENGTH'
  | 'TOO_LARGE'
  | 'BAD_MAGIC'
  | 'UNSUPPORTED_VERSION'
  | 'UNKNOWN_TYPE'
  | 'UNEXPECTED_TYPE'
  | 'UNKNOWN_SUITE'
  | 'MISSING_FIELD'
  | 'INVALID_FIELD'
  | 'DUPLICATE_ENTRY';

/** Codes of negotiation refusals ({@link DowngradeError}). */
export type DowngradeCode =
  | 'NO_COMMON_SUITE'
  | 'NO_COMMON_VERSION'
  | 'PQ_REQUIRED'
  | 'VERSION_ROLLBACK'
  | 'TRANSCRIPT_MISMATCH';

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

/** Where in a message a wire-format rule fired. */
export interface WireErrorLocation {
  /** Byte offset of the offending header or field (for a missing field: the message end). */
  offset?: number;
  /** Tag of the offending field. */
  tag?: number;
  /** Name of the offending field, when its tag is defined. */
  field?: string;
}

/**
 * A message broke a rule of the wire format. `code` names the rule; `offset`, `tag` and
 * `field` say where. Every failure of `wire.decode` and `wire.encode` is one of these,
 * including `BAD_LENGTH` and `UNKNOWN_SUITE` found inside a message.
 */
export class WireFormatError extends PqwireError {
  /** Byte offset where the rule fired, when known. */
  readonly offset: number | undefined;
  /** Tag of the offending field, when there is one. */
  readonly tag: number | undefined;
  /** Name of the offending field, when its tag is defined. */
  readonly field: string | undefined;
  constructor(code: ErrorCode, message: string, where: WireErrorLocation = {}) {
    super(code, message);
    this.offset = where.offset;
    this.tag = where.tag;
    this.field = where.field;
  }
}

/**
 * Negotiation refused to continue rather than fall back silently: no common suite or
 * version, a `pq-required` policy facing classical-only suites, a version rollback, or a
 * transcript mismatch showing the capability exchange was altered.
 */
export class DowngradeError extends PqwireError {}

/**
 * A message was refused for its order or freshness: a replay (`REPLAYED`), too far ahead
 * (`TOO_MANY_SKIPPED`) or too old (`STALE_MESSAGE`). These are decided before the message
 * is authenticated, so a forger can cause them; the session's state never changes.
 */
export class ReplayError extends PqwireError {}

/**
 * A key could not be used: it has expired (`KEY_EXPIRED`), its key id is not known
 * (`UNKNOWN_KEY`), or a one-time prekey was already consumed (`PREKEY_REUSED`).
 */
export class KeyManagementError extends PqwireError {}

/**
 * A peer presented an identity other than the one pinned for its address (trust on
 * first use). Nothing was stored or consumed; the app decides — typically after the
 * user compared fingerprints — and calls `trustIdentity` to accept the new one.
 */
export class IdentityChangedError extends PqwireError {
  /** The peer's address, as the app named it. */
  readonly address: string;
  /** Fingerprint (hex key id) of the pinned identity. */
  readonly previousFingerprint: string;
  /** Fingerprint of the identity presented now. */
  readonly fingerprint: string;
  constructor(code: ErrorCode, message: string, details: { address?: string; previousFingerprint?: string; fingerprint?: string } = {}) {
    super(code, message);
    this.address = details.address ?? '';
    this.previousFingerprint = details.previousFingerprint ?? '';
    this.fingerprint = details.fingerprint ?? '';
  }
}

/**
 * A restored session is older than a copy already used (its epoch is below the highest
 * the store has seen): using it would reuse message keys, so it is refused.
 */
export class SessionRollbackError extends PqwireError {}

/**
 * The stored session changed since this copy was loaded or last saved (`SESSION_CONFLICT`):
 * another copy — a second `Session.load` of the same record, another process — advanced
 * it first. This copy's operation was not committed and returned nothing (no ciphertext
 * under a key the other copy may also use); the copy is unusable. Load the session again
 * and retry.
 *
 * @example
 * ```ts
 * import { Session, SessionConflictError } from 'pqwire';
 * try {
 *   await session.encryptAsync(data);
 * } catch (e) {
 *   if (!(e instanceof SessionConflictError)) throw e;
 *   session = (await Session.load(store, address))!;   // the newest copy
 *   await session.encryptAsync(data);
 * }
 * ```
 */
export class SessionConflictError extends PqwireError {}

/**
 * A different session is stored for this peer (`SESSION_EXISTS`), and the handshake was
 * not told to replace it (`replaceSession: true`). Nothing was consumed, pinned or stored.
 */
export class SessionExistsError extends PqwireError {}

/**
 * An object holding native secrets (a key pair, an identity, a server key, a session) was
 * used after its `dispose()` wiped them (`DISPOSED`).
 *
 * @example
 * ```ts
 * import { mlKem768, DisposedError } from 'pqwire';
 * const kp = mlKem768.generateKeyPair();
 * kp.dispose();
 * try { kp.decapsulate(cipherText); } catch (e) { e instanceof DisposedError; } // true
 * ```
 */
export class DisposedError extends PqwireError {}

/**
 * The online channel refused a packet or gave up on its peer, and closed: a packet out of
 * order (`OUT_OF_ORDER`), outside the time window (`STALE_PACKET`), over the size cap
 * (`PACKET_TOO_LARGE`), a silent peer (`DEAD_PEER`), or a packet its state does not expect
 * (`PROTOCOL_ERROR`). Reads like `ChannelError [STALE_PACKET]: packet outside the
 * 60-second window`.
 *
 * @example
 * ```ts
 * import { ChannelError } from 'pqwire';
 * secure.on('security', (e) => {
 *   if (e.error instanceof ChannelError) console.warn(String(e.error)); // 'ChannelError [STALE_PACKET]: …'
 * });
 * ```
 */
export class ChannelError extends PqwireError {
  override toString(): string {
    return `${this.name} [${this.code}]: ${this.message}`;
  }
}

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
  TRUNCATED: WireFormatError,
  TRAILING_BYTES: WireFormatError,
  UNKNOWN_TAG: WireFormatError,
  DUPLICATE_TAG: WireFormatError,
  TAG_ORDER: WireFormatError,
  TOO_LARGE: WireFormatError,
  BAD_MAGIC: WireFormatError,
  UNSUPPORTED_VERSION: WireFormatError,
  UNKNOWN_TYPE: WireFormatError,
  UNEXPECTED_TYPE: WireFormatError,
  MISSING_FIELD: WireFormatError,
  INVALID_FIELD: WireFormatError,
  DUPLICATE_ENTRY: WireFormatError,
  NO_COMMON_SUITE: DowngradeError,
  NO_COMMON_VERSION: DowngradeError,
  PQ_REQUIRED: DowngradeError,
  VERSION_ROLLBACK: DowngradeError,
  TRANSCRIPT_MISMATCH: DowngradeError,
  REPLAYED: ReplayError,
  TOO_MANY_SKIPPED: ReplayError,
  STALE_MESSAGE: ReplayError,
  KEY_EXPIRED: KeyManagementError,
  UNKNOWN_KEY: KeyManagementError,
  PREKEY_REUSED: KeyManagementError,
  OUT_OF_ORDER: ChannelError,
  STALE_PACKET: ChannelError,
  PACKET_TOO_LARGE: ChannelError,
  DEAD_PEER: ChannelError,
  PROTOCOL_ERROR: ChannelError,
  IDENTITY_CHANGED: IdentityChangedError,
  SESSION_ROLLBACK: SessionRollbackError,
  SESSION_CONFLICT: SessionConflictError,
  SESSION_EXISTS: SessionExistsError,
  DISPOSED: DisposedError,
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
