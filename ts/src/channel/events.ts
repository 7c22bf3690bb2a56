/**
 * Events of a secure channel: what the handshake settled (`'secure'`), re-keys, ratchets
 * and keep-alives, and the security events — every packet or handshake message the
 * channel refused, every error the peer reported, and every connection that ended without
 * a close packet. An operator logs the security events; a burst of them is an attack or a
 * broken peer.
 *
 * @example
 * ```ts
 * import { channel } from 'pqwire';
 * const server = channel.createServer({ keys: [key], onSecurityEvent: (e) => log.warn(e) }, onConnection);
 * server.on('security', (e) => metrics.increment(`channel.${e.type}.${e.code ?? 'none'}`));
 * ```
 */
import type { ErrorCode, PqwireError } from '../errors';
import type { AeadSuiteName, KemSuiteName, SigSuiteName } from '../suites';
import type { ChannelMode } from './options';
import type { ServerKeyInfo } from './server-key';

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

/**
 * What the handshake settled, given with the `'secure'` event.
 *
 * @example
 * ```ts
 * secure.on('secure', ({ mode, peerKeyId, handshakeMs }) => log.info({ mode, peerKeyId, handshakeMs }, 'secure'));
 * ```
 */
export interface SecureInfo {
  role: 'client' | 'server';
  mode: ChannelMode;
  /**
   * The key id (hex) that authenticated the peer: the server's key on a client, the
   * client's key on a duplex server; `undefined` on a simplex server (clients are
   * anonymous there).
   */
  peerKeyId: string | undefined;
  /** The public facts of the peer's key, when this side knows it (pinned or trusted). */
  peerKey: ServerKeyInfo | undefined;
  /** Channel clock (unix seconds) when the channel became secure. */
  establishedAt: number;
  /** Real milliseconds from wrapping the stream to secure. */
  handshakeMs: number;
  /** The key-exchange suite agreed on (the server key's). */
  kemSuite: KemSuiteName;
  /** The signature suite agreed on. */
  sigSuite: SigSuiteName;
  /** The AEAD suite of the packets. */
  aeadSuite: AeadSuiteName;
}

/**
 * Why a channel closed.
 *
 * @example
 * ```ts
 * secure.on('close', () => { if (secure.closeReason === 'error') log.warn(secure.closeError); });
 * ```
 */
export type CloseReason =
  /** We sent a close packet (`end()`). */
  | 'local'
  /** The peer sent a close packet. */
  | 'peer'
  /** A refusal (ours or the peer's), a dead peer or a failed handshake; see {@link SecureChannel.closeError}. */
  | 'error'
  /** The raw stream ended or was destroyed without a close packet. */
  | 'transport';


/**
 * Events emitted besides those of every `Duplex`.
 *
 * @example
 * ```ts
 * secure.on('rekey', (direction) => log.debug(`re-keyed our ${direction} direction`));
 * ```
 */
export interface SecureChannelEvents {
  secure: (info: SecureInfo) => void;
  /** Which direction advanced: our sending keys, or our receiving keys (the peer re-keyed). */
  rekey: (direction: 'send' | 'receive') => void;
  ratchet: () => void;
  /** Which direction: a keep-alive we sent, or one the peer sent. */
  keepalive: (direction: 'send' | 'receive') => void;
  security: (event: ChannelSecurityEvent) => void;
}

/** What kind of refusal a channel reports: the peer's, a dead peer, or one of ours. @internal */
export function refusalType(code: ErrorCode, source: 'refused' | 'peer' | 'dead', inHandshake: boolean): ChannelSecurityEventType {
  if (source === 'peer') return 'peer-error';
  if (code === 'DEAD_PEER' || source === 'dead') return 'dead-peer';
  return inHandshake ? 'handshake-refused' : 'packet-refused';
}

/** The {@link SecureInfo} of a channel end whose handshake just completed. @internal */
export function secureInfo(
  end: { role: 'client' | 'server'; mode: ChannelMode },
  facts: Pick<SecureInfo, 'peerKeyId' | 'peerKey' | 'establishedAt' | 'handshakeMs'>,
  event: { suites?: { kem: string; sig: string; aead: string } },
): SecureInfo {
  return {
    role: end.role,
    mode: end.mode,
    ...facts,
    kemSuite: event.suites?.kem as KemSuiteName,
    sigSuite: event.suites?.sig as SigSuiteName,
    aeadSuite: event.suites?.aead as AeadSuiteName,
  };
}
