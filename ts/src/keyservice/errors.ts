/**
 * The key service's errors: one stable `code` per failure, the HTTP status it is sent
 * with, and a message that never holds key material. Every error body is
 * `{ "error": { "code": "…", "message": "…" } }`.
 */
import { PqwireError } from '../errors';

/** Every code the key service answers with, and its HTTP status. */
export const KEY_SERVICE_CODES = {
  /** No `Authorization: Bearer …` header, or a token that is not the service's. */
  UNAUTHORIZED: 401,
  /** The body is not JSON, or not an object. */
  MALFORMED_JSON: 400,
  /** A field is missing, of the wrong type, not base64, or out of range. */
  INVALID_FIELD: 400,
  /** A key, ciphertext or signature of the wrong size for its suite. */
  BAD_LENGTH: 400,
  /** A suite the service does not offer (classical-only suites are refused). */
  UNKNOWN_SUITE: 400,
  /** A POST without an `X-Request-Id` header, or a malformed one. */
  REQUEST_ID_REQUIRED: 400,
  /** A request id already seen within the replay window (15 minutes). */
  REPLAYED_REQUEST: 409,
  /** No key with that id (or no such version). */
  UNKNOWN_KEY: 404,
  /** The key or version was retired: it no longer decrypts, signs or verifies. */
  KEY_RETIRED: 410,
  /** A KEM key used to sign, or a signing key used to encrypt. */
  WRONG_KEY_TYPE: 400,
  /** The only live version of a key cannot be retired alone: rotate first, or retire the key. */
  KEY_IN_USE: 409,
  /** Decryption failed: tampered ciphertext, other `aad`, other key. */
  AUTH_FAILED: 400,
  /** A key envelope whose signature does not hold (the message says which half). */
  ENVELOPE_SIGNATURE_INVALID: 400,
  /** A key envelope from a node this one does not trust. */
  UNTRUSTED_SENDER: 403,
  /** A key envelope addressed to another node. */
  WRONG_RECIPIENT: 400,
  /** A key envelope not newer than the last one imported from its sender (replay or downgrade). */
  STALE_ENVELOPE: 409,
  /** A key envelope that does not decode. */
  MALFORMED_ENVELOPE: 400,
  /** No such endpoint. */
  NOT_FOUND: 404,
  /** The endpoint exists, not with this method. */
  METHOD_NOT_ALLOWED: 405,
  /** The body is larger than the service accepts, or a batch has too many items. */
  PAYLOAD_TOO_LARGE: 413,
  /** The replay cache is full (more distinct request ids in 15 minutes than it holds). */
  REPLAY_CACHE_FULL: 503,
  /** The key set on disk is older than the last one written (rollback). */
  KEYSET_ROLLBACK: 500,
  /** Another key service uses the data directory (its lock file names a live process). */
  KEYSET_LOCKED: 500,
  /** The key set on disk cannot be read or unwrapped (wrong key-encryption key, damage). */
  KEYSET_UNREADABLE: 500,
  /** `--require-mlock`: a key whose memory cannot be locked against swapping is refused. */
  MEMORY_NOT_LOCKED: 503,
  /** A bug; the message says where. */
  INTERNAL: 500,
} as const;

/** A key-service error code. */
export type KeyServiceCode = keyof typeof KEY_SERVICE_CODES;

/**
 * A failure the key service reports to its caller.
 *
 * @example
 * ```ts
 * try { await service.keys.get('nope'); } catch (e) {
 *   if (e instanceof KeyServiceError && e.code === 'UNKNOWN_KEY') console.log(e.status); // 404
 * }
 * ```
 */
export class KeyServiceError extends Error {
  override readonly name = 'KeyServiceError';
  /** Stable, machine-readable code. */
  readonly code: KeyServiceCode;
  /** The HTTP status the code is sent with. */
  readonly status: number;
  constructor(code: KeyServiceCode, message: string) {
    super(message);
    this.code = code;
    this.status = KEY_SERVICE_CODES[code];
  }
}

/** The key-service error for any thrown value: pqwire's typed errors keep their code where the service has it. */
export function toKeyServiceError(e: unknown): KeyServiceError {
  if (e instanceof KeyServiceError) return e;
  if (e instanceof PqwireError) {
    if (e.code === 'BAD_LENGTH' || e.code === 'AUTH_FAILED' || e.code === 'UNKNOWN_SUITE') return new KeyServiceError(e.code, e.message);
    if (e.code === 'INVALID_TYPE' || e.code === 'INVALID_ARGUMENT' || e.code === 'INVALID_KEY') return new KeyServiceError('INVALID_FIELD', e.message);
    // A version retired (its handle disposed) while a request using it was in flight.
    if (e.code === 'DISPOSED') return new KeyServiceError('KEY_RETIRED', 'the key version was retired during the request');
  }
  return new KeyServiceError('INTERNAL', e instanceof Error ? `${e.name}: ${e.message}` : 'unexpected failure');
}
