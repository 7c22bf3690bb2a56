/**
 * Security events of the channel: every packet or handshake message the channel
 * refused, every error the peer reported, and every connection that ended without a
 * close packet. An operator logs them; a burst of them is an attack or a broken peer.
 *
 * @example
 * ```ts
 * import { channel } from 'pqwire';
 * const server = channel.createServer({ keys: [key], onSecurityEvent: (e) => log.warn(e) }, onConnection);
 * server.on('security', (e) => metrics.increment(`channel.${e.type}.${e.code ?? 'none'}`));
 * ```
 */
import type { ErrorCode, PqwireError } from '../errors';

/**
 * What a {@link ChannelSecurityEvent} reports:
 *
 * - `handshake-refused`: this side refused the handshake (wrong or unknown key,
 *   `AUTH_FAILED`, `KEY_EXPIRED`, `UNKNOWN_KEY`, a downgrade, a malformed message), or an
 *   unauthenticated (plaintext) error packet ended it: before keys nothing proves who sent
 *   one, so its code is only a claim (the message says so).
 * - `packet-refused`: this side refused a packet of an established channel
 *   (`AUTH_FAILED`, `REPLAYED`, `OUT_OF_ORDER`, `STALE_PACKET`, `PACKET_TOO_LARGE`, ...),
 *   a forged or plaintext error or close packet included (`AUTH_FAILED`).
 * - `peer-error`: the peer refused something of ours and said so in an authenticated
 *   error packet (only possible once the channel is established).
 * - `dead-peer`: nothing came from the peer for `deadPeerSeconds` (`DEAD_PEER`).
 * - `truncated`: the connection ended without a close packet (the peer crashed, or
 *   someone cut the connection): data may be missing at the end.
 *
 * In every case but `truncated` the channel is closed (and the connection ended) at
 * once; in every case the stream then ends normally, without an `'error'` event, once
 * it was secure (see {@link SecureChannel}).
 *
 * @example
 * ```ts
 * secure.on('security', (e) => { if (e.type === 'packet-refused') alerts.raise(e.code); });
 * ```
 */
export type ChannelSecurityEventType = 'handshake-refused' | 'packet-refused' | 'peer-error' | 'dead-peer' | 'truncated';

/**
 * A security event of one channel.
 *
 * @example
 * ```ts
 * server.on('security', (e) => log.warn({ type: e.type, code: e.code, peer: e.remoteAddress, secure: e.secure }, e.message));
 * ```
 */
export interface ChannelSecurityEvent {
  type: ChannelSecurityEventType;
  /** The error code (e.g. `REPLAYED`, or a channel code such as `STALE_PACKET`); absent for `truncated`. */
  code?: ErrorCode;
  /** Human-readable summary (no key material). */
  message: string;
  /** The typed error behind the event, when there is one. */
  error?: PqwireError;
  /** Which end reports it. */
  role: 'client' | 'server';
  /** The peer's address (`host:port`) when the raw stream is a socket. */
  remoteAddress?: string;
  /** Whether the channel was secure when it happened. */
  secure: boolean;
  /** Milliseconds since the epoch (real time). */
  time: number;
}

/**
 * Receives channel security events.
 *
 * @example
 * ```ts
 * const onSecurityEvent: ChannelSecurityEventListener = (e) => metrics.increment(`channel.${e.type}`);
 * ```
 */
export type ChannelSecurityEventListener = (event: ChannelSecurityEvent) => void;
