/**
 * Security events of sessions: what the handshakes and {@link Session}s report so an
 * operator can log and alert — refusals by policy, identity changes, replays, tampered
 * messages, rollbacks and conflicts of stored sessions.
 *
 * @example
 * ```ts
 * session.on('security', (e) => log.warn({ type: e.type, code: e.code, peer: e.address }, e.message));
 * ```
 */
import type { ErrorCode } from './errors';
import { deliver } from './security-events';

/**
 * - `handshake-refused`: a handshake was refused by policy or negotiation
 *   (`DowngradeError` codes such as `PQ_REQUIRED`).
 * - `classical-session`: a session was established without a KEM prekey (allowed by
 *   the policy): its first keys rest on X25519 alone.
 * - `identity-changed`: a peer's identity differs from the pinned one.
 * - `replay-refused`: a ratchet message already received (`REPLAYED`), an initial
 *   message accepted before (`REPLAYED`, from the prekey store's replay cache or the
 *   session store), or one whose one-time prekey was consumed (`PREKEY_REUSED`).
 * - `skipped-keys-exhausted`: a message too far ahead (`TOO_MANY_SKIPPED`) or whose
 *   stored key was deleted (`STALE_MESSAGE`).
 * - `session-rollback`: a restored session older than one already used.
 * - `session-conflict`: a copy of a stored session tried to save over a newer state
 *   (two copies of one record were in use); its operation was refused.
 * - `session-replaced`: a handshake replaced a different session stored for the peer,
 *   as asked with `replaceSession: true`.
 * - `tampered-message`: a message failed authentication (`AUTH_FAILED`: tampered with,
 *   forged, or under other keys) or broke the wire format (a `WireFormatError` code) —
 *   a ratchet message at `decrypt`, an initial message or a bundle in a handshake. Nothing
 *   authenticated it, so anyone on the path can provoke one: `authenticated` is `false`.
 */
export type SessionSecurityEventType =
  | 'handshake-refused'
  | 'classical-session'
  | 'identity-changed'
  | 'replay-refused'
  | 'skipped-keys-exhausted'
  | 'session-rollback'
  | 'session-conflict'
  | 'session-replaced'
  | 'tampered-message';

/** A security event of the session layer. */
export interface SessionSecurityEvent {
  type: SessionSecurityEventType;
  code?: ErrorCode;
  /** Human-readable summary (no key material). */
  message: string;
  /** The peer's address, when the app gave one. */
  address?: string;
  /** The session id (hex), once there is a session. */
  sessionId?: string;
  /**
   * Whether the offending message authenticated. Replay and skipped-key refusals are
   * decided before any key could authenticate the message (docs/protocol.md §5.5), so
   * a forger can provoke them: they are `false`.
   */
  authenticated: boolean;
  /** Milliseconds since the epoch. */
  time: number;
}

/** Receives session security events. */
export type SessionSecurityEventListener = (event: SessionSecurityEvent) => void;

/**
 * The events a {@link Session} emits besides those of every `EventEmitter`.
 *
 * @example
 * ```ts
 * const onSecurity: SessionEvents['security'] = (e) => metrics.increment(`session.${e.type}`);
 * session.on('security', onSecurity);
 * ```
 */
export interface SessionEvents {
  security: (event: SessionSecurityEvent) => void;
}

/** Delivers a session security event, stamped with the time. @internal */
export function report(listeners: (SessionSecurityEventListener | undefined)[], event: Omit<SessionSecurityEvent, 'time'>): void {
  deliver<SessionSecurityEvent>({ ...event, time: Date.now() }, listeners);
}
