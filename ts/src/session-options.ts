/**
 * Options of the session calls and their checks: every value is checked (type first, then
 * range) and an unknown option name is refused (`INVALID_ARGUMENT`), as the channel's
 * calls do, so that a misspelt setting (`polcy`) cannot silently fall back to a default.
 *
 * @example
 * ```ts
 * const options: InitiateOptions = { identity: alice, address: 'bob', policy: 'pq-required', ratchet: { kemEveryMessages: 50 } };
 * ```
 */
import { makeError } from './errors';
import { bytes, describe, optionalBytes } from './bytes';
import { nowSeconds, seconds } from './identity';
import type { Identity } from './identity';
import { sessionCapabilities as defaultCapabilities } from './negotiation';
import type { CapabilitiesInput } from './negotiation';
import { object, onlyKnown, options as knownOptions } from './options';
import { normalizePolicy } from './policy';
import type { PolicyInput } from './policy';
import type { IdentityStore, PrekeyStore, SessionStore } from './stores';
import type { SessionSecurityEventListener } from './session-events';
import { encode } from './wire';

/**
 * When this party's post-quantum pipeline starts its next ML-KEM key (docs/protocol.md
 * §5.6): `continuous` (the default, for every suite: the next key starts as soon as the
 * previous step completed; v1's name `every-hop` means the same), or once at least
 * `kemEveryMessages` messages (sent and received) and/or `kemEverySeconds` seconds
 * passed since our previous step completed. Keys and ciphertexts travel in 80-byte
 * chunks, one per message at most, so the cadence sets how often steps happen, never
 * how large a message is.
 *
 * @example
 * ```ts
 * const options = { ratchet: { kemEveryMessages: 100 } }; // at most one step per 100 messages
 * ```
 */
export interface RatchetOptions {
  cadence?: 'continuous' | 'every-hop';
  kemEveryMessages?: number;
  kemEverySeconds?: number;
  /** Most message keys one message may make the receiver skip (default 1,000). */
  maxSkip?: number;
  /** Most skipped message keys stored (default 1,000). */
  maxSkippedKeys?: number;
  /** Seconds a skipped message key is kept (default 7 days). */
  maxSkippedAge?: number;
}

/** Options shared by {@link initiateSession} and {@link acceptSession}. */
export interface HandshakeOptions {
  /** Our identity. */
  identity: Identity;
  /** The peer's address in the app (user id, device id): pins its identity, names the stored session, labels events. */
  address?: string;
  /** Pins peer identities (trust on first use); needs `address`. */
  identityStore?: IdentityStore;
  /**
   * Saves the new session under `address`; the session stays attached to the store
   * (see {@link Session}). A *different* session already stored there is replaced only
   * with `replaceSession: true` (else `SessionExistsError`, nothing consumed or stored).
   */
  sessionStore?: SessionStore;
  /** Replace a different session stored for `address` (reported as `session-replaced`). */
  replaceSession?: boolean;
  /** Default `pq-required`: a bundle without an ML-KEM prekey is refused. */
  policy?: PolicyInput;
  /** Our capabilities; the responder must use those its bundle published. `capabilities()`'s defaults, but no MLS unless `mlsSuites` or `features` is given. */
  capabilities?: CapabilitiesInput;
  ratchet?: RatchetOptions;
  /** Unix seconds; default now. */
  now?: number;
  onSecurityEvent?: SessionSecurityEventListener;
  /**
   * Where the handshake's cryptography runs (docs/protocol.md §9, "Where handshakes
   * run"): `'pool'` on the libuv thread pool, always; `'inline'` on the calling
   * (JavaScript) thread, always; `'auto'` (the default) inline when no other handshake
   * of this process is in flight, on the pool when one is. A lone handshake is about a
   * fifth faster inline — the pool's round trip costs more than the event loop loses —
   * and blocks the event loop for its cryptography (about 0.4 ms on a 2-core x86-64
   * server); concurrent handshakes use the pool, so they spread over the cores and the
   * loop stays responsive. A server that must never block its loop passes `'pool'`.
   */
  thread?: HandshakeThread;
}

/**
 * Where a handshake's cryptography runs: see {@link HandshakeOptions.thread}.
 *
 * @example
 * ```ts
 * // A server that must never block its event loop, even for a lone handshake:
 * await acceptSession(initialMessage, { identity: server, prekeyStore, thread: 'pool' });
 * ```
 */
export type HandshakeThread = 'auto' | 'pool' | 'inline';

/** Options of {@link initiateSession}. */
export interface InitiateOptions extends HandshakeOptions {
  /** The first message, carried in the initial message (default empty). */
  plaintext?: Uint8Array;
  associatedData?: Uint8Array;
}

/** Options of {@link acceptSession}. */
export interface AcceptOptions extends HandshakeOptions {
  /** Where our prekey secrets are; one-time prekeys are consumed exactly once. */
  prekeyStore: PrekeyStore;
}


/** Options of encrypt. */
export interface EncryptOptions {
  /** Metadata sent authenticated, not encrypted. */
  associatedData?: Uint8Array;
  /** Unix seconds; default now. */
  now?: number;
}

/** Options of decrypt. */
export interface DecryptOptions {
  /** Unix seconds; default now. */
  now?: number;
}

/** Options of {@link Session.deserialize}. */
export interface DeserializeOptions {
  /** The highest epoch the app has seen for this session: an older copy is `SESSION_ROLLBACK`. */
  minimumEpoch?: number;
  /** The peer's address in the app (labels events). */
  address?: string;
  onSecurityEvent?: SessionSecurityEventListener;
}

/** Options of {@link Session.load}. */
export interface LoadOptions {
  onSecurityEvent?: SessionSecurityEventListener;
}

const EMPTY = new Uint8Array(0);

/** The option names each call knows. */
const HANDSHAKE_KEYS = ['identity', 'address', 'identityStore', 'sessionStore', 'replaceSession', 'policy', 'capabilities', 'ratchet', 'now', 'onSecurityEvent', 'thread'];
/** @internal */
export const INITIATE_KEYS: readonly string[] = [...HANDSHAKE_KEYS, 'plaintext', 'associatedData'];
/** @internal */
export const ACCEPT_KEYS: readonly string[] = [...HANDSHAKE_KEYS, 'prekeyStore'];
const RATCHET_KEYS = ['cadence', 'kemEveryMessages', 'kemEverySeconds', 'maxSkip', 'maxSkippedKeys', 'maxSkippedAge'] as const;

/** The plaintext, associated data and time of an encryption. @internal */
export function encryptArgs(plaintext: Uint8Array, options: EncryptOptions | undefined): [Uint8Array, Uint8Array, number] {
  const o = knownOptions<EncryptOptions>('encrypt', options, ['associatedData', 'now']);
  return [
    bytes('plaintext', plaintext),
    optionalBytes('associatedData', o.associatedData) ?? EMPTY,
    o.now === undefined ? nowSeconds() : seconds('now', o.now),
  ];
}

/** The message and time of a decryption. @internal */
export function decryptArgs(message: Uint8Array, options: DecryptOptions | undefined): [Uint8Array, number] {
  const o = knownOptions<DecryptOptions>('decrypt', options, ['now']);
  return [bytes('message', message), o.now === undefined ? nowSeconds() : seconds('now', o.now)];
}

/** The checked form of {@link HandshakeOptions}. @internal */
export interface CheckedHandshake {
  identity: Identity;
  capabilities: Uint8Array;
  native: { policy: string; minVersion: number; ratchet?: Record<string, unknown> };
  now: number;
  thread: HandshakeThread;
}

/** Checks a handshake's options; `keys` are the option names the call knows. @internal */
export function checkHandshake(call: string, options: HandshakeOptions, keys: readonly string[]): CheckedHandshake {
  onlyKnown(call, object('options', options), keys);
  if (typeof options.identity !== 'object' || options.identity === null || !('native' in options.identity)) {
    throw makeError('INVALID_TYPE', 'options.identity must be an Identity (createIdentity())');
  }
  if (options.address !== undefined && typeof options.address !== 'string') {
    throw makeError('INVALID_TYPE', `address must be a string, got ${describe(options.address)}`);
  }
  if (options.identityStore !== undefined && options.address === undefined) {
    throw makeError('INVALID_ARGUMENT', 'pinning identities (identityStore) needs the peer address');
  }
  if (options.sessionStore !== undefined && options.address === undefined) {
    throw makeError('INVALID_ARGUMENT', 'saving the session (sessionStore) needs the peer address');
  }
  if (options.replaceSession !== undefined && typeof options.replaceSession !== 'boolean') {
    throw makeError('INVALID_TYPE', `replaceSession must be a boolean, got ${describe(options.replaceSession)}`);
  }
  if (options.onSecurityEvent !== undefined && typeof options.onSecurityEvent !== 'function') {
    throw makeError('INVALID_TYPE', `onSecurityEvent must be a function, got ${describe(options.onSecurityEvent)}`);
  }
  const thread = options.thread === undefined ? 'auto' : options.thread;
  if (thread !== 'auto' && thread !== 'pool' && thread !== 'inline') {
    throw makeError('INVALID_ARGUMENT', `thread must be 'auto', 'pool' or 'inline', got ${describe(options.thread)}`);
  }
  const policy = normalizePolicy(options.policy ?? 'pq-required');
  return {
    identity: options.identity,
    capabilities: encodedCapabilities(options.capabilities),
    native: { policy: policy.mode, minVersion: policy.minVersion, ratchet: ratchetOptions(options.ratchet) },
    now: options.now === undefined ? nowSeconds() : seconds('now', options.now),
    thread,
  };
}

/** The default capabilities, encoded once: every handshake that gives none sends these bytes. */
let defaultCapabilitiesBytes: Uint8Array | undefined;

/** Encoding the capabilities costs a few percent of a handshake (benches/README.md): done once. */
function encodedCapabilities(input: CapabilitiesInput | undefined): Uint8Array {
  if (input !== undefined) return encode(defaultCapabilities(input));
  return (defaultCapabilitiesBytes ??= encode(defaultCapabilities()).slice());
}

function ratchetOptions(r: RatchetOptions | undefined): Record<string, unknown> | undefined {
  if (r === undefined) return undefined;
  onlyKnown('ratchet', object('ratchet options', r), RATCHET_KEYS);
  if (r.cadence !== undefined && r.cadence !== 'continuous' && r.cadence !== 'every-hop') {
    throw makeError('INVALID_ARGUMENT', `cadence must be 'continuous' (or use kemEveryMessages / kemEverySeconds), got ${describe(r.cadence)}`);
  }
  for (const key of RATCHET_KEYS.slice(1) as (keyof RatchetOptions)[]) {
    if (r[key] !== undefined) seconds(key, r[key]);
  }
  return { ...r };
}

