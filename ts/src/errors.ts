/**
 * Typed errors. Every failure pqwire reports is a {@link PqwireError} subclass with a
 * stable `code`; which code gets which class is decided here and only here.
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
import type { PublicIdentity } from './identity';

/**
 * Every error code and the class of its errors: the facade's one list of codes. The
 * native addon's `errorCodes()` lists the codes of the Rust core and bindings, and
 * test/errors.test.ts checks that both lists hold the same codes, so a code added in Rust
 * is added here and nowhere else.
 */
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

/**
 * Every error code pqwire can report.
 *
 * @example
 * ```ts
 * const counts = new Map<ErrorCode, number>();
 * counts.set(e.code, (counts.get(e.code) ?? 0) + 1);
 * ```
 */
export type ErrorCode = keyof typeof CLASS_OF;

/** The name of an error class. */
type ClassName = (typeof CLASS_OF)[ErrorCode];

/** The codes whose errors have class `N`. */
type CodesOf<N extends ClassName> = { [C in ErrorCode]: (typeof CLASS_OF)[C] extends N ? C : never }[ErrorCode];

/**
 * Wire rules reported with their own classes outside `wire.decode` / `wire.encode`
 * (`InvalidLengthError`, `UnknownSuiteError`). @internal
 */
export const SHARED_WIRE_CODES = ['BAD_LENGTH', 'UNKNOWN_SUITE'] as const;

/**
 * Codes only the online channel reports ({@link ChannelError}): `OUT_OF_ORDER`,
 * `STALE_PACKET`, `PACKET_TOO_LARGE`, `DEAD_PEER`, `PROTOCOL_ERROR`; see docs/channel.md
 * §11. A channel also reports `AUTH_FAILED`, `REPLAYED`, `KEY_EXPIRED`, `UNKNOWN_KEY`,
 * downgrade and wire codes with their own classes.
 *
 * @example
 * ```ts
 * import { ChannelError, type ChannelCode } from 'pqwire';
 * const code: ChannelCode | undefined = secure.closeError instanceof ChannelError ? secure.closeError.code : undefined;
 * ```
 */
export type ChannelCode = CodesOf<'ChannelError'>;

/** Codes of key-management refusals ({@link KeyManagementError}): `KEY_EXPIRED`, `UNKNOWN_KEY`, `PREKEY_REUSED`. */
export type KeyManagementCode = CodesOf<'KeyManagementError'>;

/** Codes of messages refused for their order or freshness ({@link ReplayError}): `REPLAYED`, `TOO_MANY_SKIPPED`, `STALE_MESSAGE`. */
export type ReplayCode = CodesOf<'ReplayError'>;

/**
 * Codes of wire-format rules ({@link WireFormatError}; docs/wire-format.md): `TRUNCATED`,
 * `TRAILING_BYTES`, `UNKNOWN_TAG`, `DUPLICATE_TAG`, `TAG_ORDER`, `BAD_LENGTH`, `TOO_LARGE`,
 * `BAD_MAGIC`, `UNSUPPORTED_VERSION`, `UNKNOWN_TYPE`, `UNEXPECTED_TYPE`, `UNKNOWN_SUITE`,
 * `MISSING_FIELD`, `INVALID_FIELD`, `DUPLICATE_ENTRY`.
 */
export type WireErrorCode = CodesOf<'WireFormatError'> | (typeof SHARED_WIRE_CODES)[number];

/**
 * Codes of negotiation refusals ({@link DowngradeError}): `NO_COMMON_SUITE`,
 * `NO_COMMON_VERSION`, `PQ_REQUIRED`, `VERSION_ROLLBACK`, `TRANSCRIPT_MISMATCH`.
 */
export type DowngradeCode = CodesOf<'DowngradeError'>;

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

// Each subclass narrows `code` to its own codes (`declare`: no field is emitted).

/** An input had the wrong length (`BAD_LENGTH`). */
export class InvalidLengthError extends PqwireError {
  declare readonly code: CodesOf<'InvalidLengthError'>;
}
/** An input had the wrong type, e.g. a string where bytes were expected (`INVALID_TYPE`). */
export class InvalidTypeError extends PqwireError {
  declare readonly code: CodesOf<'InvalidTypeError'>;
}
/** An argument is out of range or not allowed for this suite (`INVALID_ARGUMENT`). */
export class InvalidArgumentError extends PqwireError {
  declare readonly code: CodesOf<'InvalidArgumentError'>;
}
/** The suite name is not known (`UNKNOWN_SUITE`). */
export class UnknownSuiteError extends PqwireError {
  declare readonly code: CodesOf<'UnknownSuiteError'>;
}
/** A key failed its validity check (`INVALID_KEY`), or a key agreement was all-zero (`NON_CONTRIBUTORY`). */
export class InvalidKeyError extends PqwireError {
  declare readonly code: CodesOf<'InvalidKeyError'>;
}
/** Authentication failed (`AUTH_FAILED`). Says nothing about which check failed. */
export class AuthenticationError extends PqwireError {
  declare readonly code: CodesOf<'AuthenticationError'>;
}
/** The backend does not offer this operation (`UNSUPPORTED`). */
export class UnsupportedError extends PqwireError {
  declare readonly code: CodesOf<'UnsupportedError'>;
}
/** The system random generator failed (`RANDOMNESS_UNAVAILABLE`). */
export class RandomnessError extends PqwireError {
  declare readonly code: CodesOf<'RandomnessError'>;
}
/** More output was requested than the algorithm can give (`OUTPUT_TOO_LONG`). */
export class OutputTooLongError extends PqwireError {
  declare readonly code: CodesOf<'OutputTooLongError'>;
}
/** A bug inside pqwire (`INTERNAL`); please report it. */
export class InternalError extends PqwireError {
  declare readonly code: CodesOf<'InternalError'>;
}

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
 * including `BAD_LENGTH` and `UNKNOWN_SUITE` found inside a message; so are the rules a
 * message or record breaks anywhere else (a session's `decrypt`, `Session.deserialize`).
 *
 * @example
 * ```ts
 * try { wire.decode(bytes); } catch (e) {
 *   if (e instanceof WireFormatError) log.warn(`${e.code} at offset ${e.offset} (${e.field ?? 'header'})`);
 * }
 * ```
 */
export class WireFormatError extends PqwireError {
  declare readonly code: WireErrorCode;
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
 *
 * @example
 * ```ts
 * if (e instanceof DowngradeError && e.code === 'PQ_REQUIRED') alerts.raise('classical-only peer');
 * ```
 */
export class DowngradeError extends PqwireError {
  declare readonly code: DowngradeCode;
}

/**
 * A message was refused for its order or freshness: a replay (`REPLAYED`), too far ahead
 * (`TOO_MANY_SKIPPED`) or too old (`STALE_MESSAGE`). These are decided before the message
 * is authenticated, so a forger can cause them; the session's state never changes.
 */
export class ReplayError extends PqwireError {
  declare readonly code: ReplayCode;
}

/**
 * A key could not be used: it has expired (`KEY_EXPIRED`), its key id is not known
 * (`UNKNOWN_KEY`), or a one-time prekey was already consumed (`PREKEY_REUSED`).
 */
export class KeyManagementError extends PqwireError {
  declare readonly code: KeyManagementCode;
}

/** What an {@link IdentityChangedError} knows: the peer, and the identities pinned and presented. */
export interface IdentityChange {
  address: string;
  /** The identity pinned for `address`. */
  pinned: PublicIdentity;
  /** The identity presented now. */
  identity: PublicIdentity;
}

/**
 * A peer presented an identity other than the one pinned for its address (trust on
 * first use). Nothing was stored or consumed; the app decides — typically after the
 * user compared fingerprints — and calls `trustIdentity` with {@link IdentityChangedError.identity}
 * to accept the new one. pqwire's identity checks make it with both identities.
 *
 * @example
 * ```ts
 * try {
 *   await initiateSession(bundle, { identity, address: 'bob', identityStore });
 * } catch (e) {
 *   if (!(e instanceof IdentityChangedError)) throw e;
 *   if (await askUser(e.pinned.fingerprint, e.identity.fingerprint)) {
 *     await trustIdentity(identityStore, e.address, e.identity);
 *   }
 * }
 * ```
 */
export class IdentityChangedError extends PqwireError {
  declare readonly code: CodesOf<'IdentityChangedError'>;
  /** The peer's address, as the app named it. */
  readonly address: string;
  /** The identity pinned for the address. */
  readonly pinned: PublicIdentity;
  /** The identity presented now: what `trustIdentity` takes to accept it. */
  readonly identity: PublicIdentity;
  /** Fingerprint (hex key id) of the pinned identity. */
  readonly previousFingerprint: string;
  /** Fingerprint of the identity presented now. */
  readonly fingerprint: string;
  constructor(code: ErrorCode, message: string, change: IdentityChange) {
    super(code, message);
    // `change` is required; the optional chains only keep a misuse from throwing here.
    const c = change as Partial<IdentityChange> | undefined;
    this.address = c?.address ?? '';
    this.pinned = c?.pinned as PublicIdentity;
    this.identity = c?.identity as PublicIdentity;
    this.previousFingerprint = c?.pinned?.fingerprint ?? '';
    this.fingerprint = c?.identity?.fingerprint ?? '';
  }
}

/**
 * A restored session is older than a copy already used (its epoch is below the highest
 * the store has seen): using it would reuse message keys, so it is refused.
 */
export class SessionRollbackError extends PqwireError {
  declare readonly code: CodesOf<'SessionRollbackError'>;
}

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
export class SessionConflictError extends PqwireError {
  declare readonly code: CodesOf<'SessionConflictError'>;
}

/**
 * A different session is stored for this peer (`SESSION_EXISTS`), and the handshake was
 * not told to replace it (`replaceSession: true`). Nothing was consumed, pinned or stored.
 */
export class SessionExistsError extends PqwireError {
  declare readonly code: CodesOf<'SessionExistsError'>;
}

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
export class DisposedError extends PqwireError {
  declare readonly code: CodesOf<'DisposedError'>;
}

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
  declare readonly code: ChannelCode;
  override toString(): string {
    return `${this.name} [${this.code}]: ${this.message}`;
  }
}

/**
 * Codes only MLS groups report ({@link GroupError}; docs/groups.md "Operations"):
 * `GROUP_MALFORMED`, `GROUP_WRONG_EPOCH`, `GROUP_UNKNOWN_MEMBER`, `GROUP_REMOVED`,
 * `GROUP_INVALID`, `GROUP_UNKNOWN`, `GROUP_PENDING_COMMIT`, `GROUP_NO_PENDING_COMMIT`,
 * `GROUP_BAD_RECORD`, `GROUP_CONFLICT`. Groups also report `AUTH_FAILED`,
 * `GROUP_UNBOUND_CREDENTIAL` (an {@link AuthenticationError}: a credential no pqwire
 * identity signed), `REPLAYED`, `STALE_MESSAGE`, `TOO_MANY_SKIPPED` and `UNSUPPORTED`
 * with their own classes.
 */
export type GroupErrorCode = CodesOf<'GroupError'>;

/**
 * A group operation refused: a message that is not MLS or not of this group, of another
 * epoch, from or about someone not in the group; a member that was removed; a commit MLS's
 * rules refuse; a pending commit in the way; a stored state that does not read back or
 * that another copy changed. Nothing changed.
 *
 * @example
 * ```ts
 * try {
 *   await bob.process(group, message);
 * } catch (e) {
 *   if (e instanceof GroupError && e.code === 'GROUP_WRONG_EPOCH') fetchMissedCommits();
 * }
 * ```
 */
export class GroupError extends PqwireError {
  declare readonly code: GroupErrorCode;
}

type ErrorClass = new (code: ErrorCode, message: string, where?: WireErrorLocation) => PqwireError;

/** The class of every class name in {@link CLASS_OF}. */
const CLASSES: Record<ClassName, ErrorClass> = {
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
  // Made with both identities by the identity checks (stores.ts), never from a code alone.
  IdentityChangedError: IdentityChangedError as unknown as ErrorClass,
  SessionRollbackError,
  SessionConflictError,
  SessionExistsError,
  DisposedError,
};

/** Every error code, in the order of the list. @internal */
export const ERROR_CODES = Object.keys(CLASS_OF) as readonly ErrorCode[];

/** Whether `code` is one of pqwire's error codes. @internal */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(CLASS_OF, code);
}

/**
 * Creates the typed error for `code`; `where` locates a wire rule (kept by
 * {@link WireFormatError}s).
 */
export function makeError(code: ErrorCode, message: string, where?: WireErrorLocation): PqwireError {
  return new CLASSES[CLASS_OF[code]](code, message, where);
}

/** What the native layer throws: an `Error` with a `code`, and where a wire rule fired. */
interface NativeError extends Error {
  code?: unknown;
  offset?: unknown;
  tag?: unknown;
  field?: unknown;
}

/** Where a native wire-rule error fired, if it says. */
function location(e: NativeError): WireErrorLocation | undefined {
  if (typeof e.offset !== 'number') return undefined;
  return {
    offset: e.offset,
    ...(typeof e.tag === 'number' ? { tag: e.tag } : {}),
    ...(typeof e.field === 'string' ? { field: e.field } : {}),
  };
}

/**
 * Converts whatever the native layer threw into a typed error. Native errors carry their
 * `code` (and, for a wire rule, `offset`, `tag`, `field`); anything else (a caught panic,
 * a value that is no pqwire error) is `INTERNAL`. With `wire`, a wire rule is a
 * {@link WireFormatError} whatever its code (`wire.decode`, `wire.encode`).
 * @internal
 */
export function fromNative(e: unknown, options: { wire?: boolean } = {}): PqwireError {
  if (e instanceof PqwireError) return e;
  if (!(e instanceof Error)) return makeError('INTERNAL', String(e));
  const native = e as NativeError;
  if (!isErrorCode(native.code)) return makeError('INTERNAL', e.message);
  const where = location(native);
  if (options.wire && where !== undefined) return new WireFormatError(native.code, e.message, where);
  return makeError(native.code, e.message, where);
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
