/**
 * Options shared by every channel adapter, and their checks: everything is validated
 * (type first, then range) before a socket is touched or native code runs.
 * @internal
 */
import { makeError } from '../errors';
import { object, onlyKnown } from '../options';
import { bytes, describe, optionalBytes } from '../bytes';
import { seconds } from '../identity';
import { sessionCapabilities as defaultCapabilities } from '../negotiation';
import type { CapabilitiesInput } from '../negotiation';
import { normalizePolicy } from '../policy';
import type { PolicyInput } from '../policy';
import { encode } from '../wire';
import { ServerKey } from './server-key';
import type { NativeChannelOptions } from './native';
import type { ChannelSecurityEventListener } from './events';
import type { VerifyClient } from './admission';

/**
 * `simplex`: the server authenticates; `duplex`: both sides do.
 *
 * @example
 * ```ts
 * channel.createServer({ keys: [key], mode: 'duplex', trustedClients: [clientPub] });
 * ```
 */
export type ChannelMode = 'simplex' | 'duplex';

/**
 * Options of a channel, on either side. Time-related values are in seconds of the
 * channel's clock (`clock`), so tests can move time without waiting.
 *
 * @example
 * ```ts
 * let now = Math.floor(Date.now() / 1000);
 * const secure = channel.connect({
 *   port, serverPublicKey,
 *   keepAliveSeconds: 30, deadPeerSeconds: 90, rekeyEveryPackets: 100_000,
 *   ratchetEverySeconds: 3600,                     // a fresh KEM exchange every hour
 *   clock: () => now, pollIntervalMs: 10,          // tests: move `now` by hand
 *   onSecurityEvent: (e) => log.warn(e),
 * });
 * ```
 */
export interface ChannelOptions {
  /** `simplex` (default) or `duplex`; both sides must agree. */
  mode?: ChannelMode;
  /** Negotiation policy; default `pq-required`. */
  policy?: PolicyInput;
  /** Our capabilities (suites, versions); default: every suite pqwire offers, no MLS unless `mlsSuites` or `features` is given. */
  capabilities?: CapabilitiesInput;
  /** Largest packet accepted or sent, header included (bytes); larger ones are `PACKET_TOO_LARGE`. */
  maxPacketSize?: number;
  /** Symmetric re-key after this many packets in a direction. */
  rekeyEveryPackets?: number;
  /** A keep-alive is sent after this many idle seconds (default 120). */
  keepAliveSeconds?: number;
  /** The channel closes with `DEAD_PEER` after this many seconds without a packet from the peer. */
  deadPeerSeconds?: number;
  /** Packets whose time differs from ours by more than this are `STALE_PACKET` (default 60). */
  windowSeconds?: number;
  /**
   * Run an asymmetric ratchet (a fresh KEM exchange inside the channel, as
   * `SecureChannel.ratchet()` does) this many seconds of the channel's clock after the
   * last one, or after the handshake; checked every `pollIntervalMs`. Default: none, only
   * on demand. Either side may set it; both emit `'ratchet'`.
   */
  ratchetEverySeconds?: number;
  /** Unix seconds now; default `Date.now() / 1000`. Inject it to test timeouts. */
  clock?: () => number;
  /** How often (milliseconds, real time) keep-alive and dead-peer timers are checked; default 1000. */
  pollIntervalMs?: number;
  /** Real milliseconds the handshake may take before the channel gives up; default 30,000. */
  handshakeTimeoutMs?: number;
  /** Receives every {@link ChannelSecurityEvent} of this channel. */
  onSecurityEvent?: ChannelSecurityEventListener;
  /**
   * 32 bytes: deterministic randomness, hence deterministic ephemeral keys (tests only).
   * Client ends only: a server end refuses it (`INVALID_ARGUMENT`), since all its
   * connections would get the same ephemeral KEM key.
   */
  seed?: Uint8Array;
}

/**
 * Options of a client end.
 *
 * @example
 * ```ts
 * channel.wrap(socket, { role: 'client', serverPublicKey: readFileSync('server.pub') });
 * ```
 */
export interface ClientChannelOptions extends ChannelOptions {
  /** The server's encoded public key ({@link ServerKey.publicKey}), pinned. */
  serverPublicKey: Uint8Array;
  /** Our own key, for duplex mode (`channel.generateClientKey()`; the server trusts its public key). */
  clientKey?: ServerKey;
}

/**
 * Options of a server end.
 *
 * @example
 * ```ts
 * channel.wrap(socket, { role: 'server', keys: [currentKey, previousKey] });
 * ```
 */
export interface ServerChannelOptions extends ChannelOptions {
  /** The server's keys; a client names the one it pinned by its key id (rotation: list old and new). */
  keys: ServerKey[];
  /** Duplex mode: the public keys of the clients allowed in. */
  trustedClients?: Uint8Array[];
  /**
   * Duplex mode: decides on a client key not in `trustedClients` (a lookup in the
   * application's own records): see {@link VerifyClient}.
   */
  verifyClient?: VerifyClient;
}

/** The checked form of {@link ChannelOptions}. @internal */
export interface CheckedOptions {
  native: NativeChannelOptions;
  mode: ChannelMode;
  clock: () => number;
  pollIntervalMs: number;
  handshakeTimeoutMs: number;
  onSecurityEvent: ChannelSecurityEventListener | undefined;
}

const COMMON = [
  'mode',
  'policy',
  'capabilities',
  'maxPacketSize',
  'rekeyEveryPackets',
  'keepAliveSeconds',
  'deadPeerSeconds',
  'windowSeconds',
  'ratchetEverySeconds',
  'clock',
  'pollIntervalMs',
  'handshakeTimeoutMs',
  'onSecurityEvent',
  'seed',
] as const;

/** Keys the client and server adapters accept besides the common ones. @internal */
export const CLIENT_KEYS = ['serverPublicKey', 'clientKey'] as const;
/** @internal */
export const SERVER_KEYS = ['keys', 'trustedClients', 'verifyClient'] as const;

export { object, onlyKnown } from '../options';

/** A positive safe integer. @internal */
export function positive(name: string, value: unknown): number {
  const n = seconds(name, value);
  if (n === 0) throw makeError('INVALID_ARGUMENT', `${name} must be at least 1`);
  return n;
}

/** A function. @internal */
export function fn<T extends (...args: never[]) => unknown>(name: string, value: unknown): T {
  if (typeof value !== 'function') throw makeError('INVALID_TYPE', `${name} must be a function, got ${describe(value)}`);
  return value as T;
}

/** Checks the common options (the caller has already refused unknown keys). @internal */
export function checkCommon(o: ChannelOptions): CheckedOptions {
  const mode = o.mode ?? 'simplex';
  if (typeof mode !== 'string') throw makeError('INVALID_TYPE', `mode must be a string, got ${describe(mode)}`);
  if (mode !== 'simplex' && mode !== 'duplex') {
    throw makeError('INVALID_ARGUMENT', `mode must be 'simplex' or 'duplex', got ${JSON.stringify(mode)}`);
  }
  const nativeOptions: NativeChannelOptions = { mode };
  if (o.policy !== undefined) {
    const policy = normalizePolicy(o.policy);
    nativeOptions.policy = policy.mode;
    nativeOptions.minVersion = policy.minVersion;
  }
  if (o.capabilities !== undefined) {
    nativeOptions.capabilities = encode(defaultCapabilities(object('capabilities', o.capabilities) as CapabilitiesInput));
  }
  for (const key of ['maxPacketSize', 'rekeyEveryPackets', 'keepAliveSeconds', 'deadPeerSeconds', 'windowSeconds', 'ratchetEverySeconds'] as const) {
    if (o[key] !== undefined) nativeOptions[key] = positive(key, o[key]);
  }
  const seed = optionalBytes('seed', o.seed, 32);
  if (seed !== undefined) nativeOptions.seed = seed;
  const clock = o.clock === undefined ? systemClock : fn<() => number>('clock', o.clock);
  const pollIntervalMs = o.pollIntervalMs === undefined ? 1000 : positive('pollIntervalMs', o.pollIntervalMs);
  const handshakeTimeoutMs = o.handshakeTimeoutMs === undefined ? 30_000 : positive('handshakeTimeoutMs', o.handshakeTimeoutMs);
  if (pollIntervalMs > 2 ** 31 - 1 || handshakeTimeoutMs > 2 ** 31 - 1) {
    throw makeError('INVALID_ARGUMENT', 'timer intervals must be below 2^31 milliseconds');
  }
  const onSecurityEvent =
    o.onSecurityEvent === undefined ? undefined : fn<ChannelSecurityEventListener>('onSecurityEvent', o.onSecurityEvent);
  return { native: nativeOptions, mode, clock, pollIntervalMs, handshakeTimeoutMs, onSecurityEvent };
}

/** The common option names. @internal */
export const COMMON_KEYS: readonly string[] = COMMON;

/** Checks a client's options. @internal */
export function checkClient(options: unknown, extra: readonly string[] = []): CheckedOptions & { serverPublicKey: Uint8Array; clientKey: ServerKey | undefined } {
  const o = object('options', options) as unknown as ClientChannelOptions;
  onlyKnown('client channel', o as unknown as Record<string, unknown>, [...COMMON, ...CLIENT_KEYS, ...extra]);
  const checked = checkCommon(o);
  const serverPublicKey = bytes('serverPublicKey', o.serverPublicKey);
  let clientKey: ServerKey | undefined;
  if (o.clientKey !== undefined && o.clientKey !== null) {
    if (!(o.clientKey instanceof ServerKey)) {
      throw makeError('INVALID_TYPE', `clientKey must be a ServerKey (channel.generateClientKey()), got ${describe(o.clientKey)}`);
    }
    clientKey = o.clientKey;
  }
  if (checked.mode === 'duplex' && clientKey === undefined) {
    throw makeError('INVALID_ARGUMENT', 'duplex mode needs clientKey: the client authenticates too');
  }
  return { ...checked, serverPublicKey, clientKey };
}

/** Checks a server's options. @internal */
export function checkServer(
  options: unknown,
  extra: readonly string[] = [],
): CheckedOptions & { keys: ServerKey[]; trustedClients: Uint8Array[] | undefined; verifyClient: VerifyClient | undefined } {
  const o = object('options', options) as unknown as ServerChannelOptions;
  onlyKnown('server channel', o as unknown as Record<string, unknown>, [...COMMON, ...SERVER_KEYS, ...extra]);
  if (o.seed !== undefined) {
    // One seed per server would give every connection the same ephemeral KEM key.
    throw makeError('INVALID_ARGUMENT', 'seed is for client ends only: every connection of a seeded server would use the same ephemeral KEM key');
  }
  const checked = checkCommon(o);
  if (!Array.isArray(o.keys)) throw makeError('INVALID_TYPE', `keys must be an array of ServerKey, got ${describe(o.keys)}`);
  if (o.keys.length === 0) throw makeError('INVALID_ARGUMENT', 'keys must name at least one ServerKey');
  o.keys.forEach((k, i) => {
    if (!(k instanceof ServerKey)) throw makeError('INVALID_TYPE', `keys[${i}] must be a ServerKey, got ${describe(k)}`);
  });
  let trustedClients: Uint8Array[] | undefined;
  if (o.trustedClients !== undefined && o.trustedClients !== null) {
    if (!Array.isArray(o.trustedClients)) {
      throw makeError('INVALID_TYPE', `trustedClients must be an array of public keys, got ${describe(o.trustedClients)}`);
    }
    trustedClients = o.trustedClients.map((k, i) => bytes(`trustedClients[${i}]`, k));
  }
  const verifyClient = o.verifyClient === undefined ? undefined : fn<VerifyClient>('verifyClient', o.verifyClient);
  if (checked.mode === 'duplex' && (trustedClients === undefined || trustedClients.length === 0) && verifyClient === undefined) {
    throw makeError('INVALID_ARGUMENT', 'duplex mode needs trustedClients (the public keys of the clients allowed in) or verifyClient');
  }
  return { ...checked, keys: [...o.keys], trustedClients, verifyClient };
}

/** Unix seconds from the system clock. @internal */
export function systemClock(): number {
  return Date.now() / 1000;
}

/** Reads an injected clock: whole unix seconds. @internal */
export function readClock(clock: () => number): number {
  const t = clock();
  if (typeof t !== 'number' || !Number.isFinite(t) || t < 0 || t > Number.MAX_SAFE_INTEGER) {
    throw makeError('INVALID_ARGUMENT', `clock() must return unix seconds, got ${describe(t)}`);
  }
  return Math.floor(t);
}
