/**
 * {@link wrap}: a secure channel over any raw `Duplex` byte stream, and the pieces the
 * TCP adapters share — a client end prepared before its connection exists, a server's
 * credentials checked once for all its connections.
 *
 * @example
 * ```ts
 * import { channel } from 'pqwire';
 * const secure = channel.wrap(socket, { role: 'client', serverPublicKey });
 * ```
 */
import type { Duplex } from 'node:stream';
import { call, fromNative, makeError } from '../errors';
import { describe } from '../bytes';
import { NativeChannel, NativeServerCredentials } from './native';
import type { NativeServerCredentialsHandle } from './native';
import { checkClient, checkServer, object, readClock } from './options';
import type { ClientChannelOptions, ServerChannelOptions } from './options';
import { maxPlaintext, SecureChannel } from './secure-channel';
import { checkRaw } from './raw';
import { ClientAdmission } from './admission';
import { serverKeyInfo } from './server-key';
import type { ServerKeyInfo } from './server-key';

/**
 * Options of {@link wrap} for a client end.
 *
 * @example
 * ```ts
 * channel.wrap(raw, { role: 'client', serverPublicKey });
 * ```
 */
export interface WrapClientOptions extends ClientChannelOptions {
  role: 'client';
}

/**
 * Options of {@link wrap} for a server end.
 *
 * @example
 * ```ts
 * channel.wrap(raw, { role: 'server', keys: [key] });
 * ```
 */
export interface WrapServerOptions extends ServerChannelOptions {
  role: 'server';
}

/**
 * Options of {@link wrap}: a client's or a server's, told apart by `role`.
 *
 * @example
 * ```ts
 * const options: WrapOptions = isServer ? { role: 'server', keys: [key] } : { role: 'client', serverPublicKey };
 * ```
 */
export type WrapOptions = WrapClientOptions | WrapServerOptions;

/**
 * Runs a secure channel over any raw `Duplex` byte stream and returns its secure end.
 * The client starts the handshake at once; both ends emit `'secure'` when it is done.
 * Options are checked before anything is written (`INVALID_TYPE` / `INVALID_ARGUMENT`).
 *
 * @example
 * ```ts
 * import { channel } from 'pqwire';
 * // a server end over a child process's stdio, a client end over a WebSocket stream:
 * const serverEnd = channel.wrap(Duplex.from({ readable: child.stdout, writable: child.stdin }), { role: 'server', keys: [key] });
 * const clientEnd = channel.wrap(createWebSocketStream(ws), { role: 'client', serverPublicKey });
 * ```
 */
export function wrap(raw: Duplex, options: WrapOptions): SecureChannel {
  checkRaw(raw);
  const role = object('options', options).role;
  if (role === 'client') {
    return prepareClient(checkClient(options, ['role']))(raw);
  }
  if (role === 'server') {
    const o = checkServer(options, ['role']);
    return serverChannel(raw, o, trustedInfos(o.trustedClients), serverCredentials(o));
  }
  throw makeError(
    role === undefined ? 'INVALID_ARGUMENT' : typeof role === 'string' ? 'INVALID_ARGUMENT' : 'INVALID_TYPE',
    `options.role must be 'client' or 'server', got ${role === undefined ? 'nothing' : describe(role)}`,
  );
}

/**
 * Prepares a client end: checks the pinned key and creates the state machine, before
 * any connection exists; the result wraps the raw stream. @internal
 */
export function prepareClient(o: ReturnType<typeof checkClient>): (raw: Duplex) => SecureChannel {
  const info = serverKeyInfo(o.serverPublicKey);
  const now = readClock(o.clock);
  const handle = call(() => NativeChannel.client(o.serverPublicKey, o.clientKey?.native ?? null, o.native, now));
  return (raw) => new SecureChannel(raw, handle, { ...o, role: 'client', maxPlaintext: maxPlaintext(o), peerKeys: new Map([[info.keyId, info]]) });
}

/**
 * A server's keys and trusted client keys as one native handle, checked once: every
 * connection of the server shares it (nothing is decoded per connection). @internal
 */
export function serverCredentials(o: ReturnType<typeof checkServer>): NativeServerCredentialsHandle {
  return call(() =>
    NativeServerCredentials.create(
      o.keys.map((k) => k.native),
      o.trustedClients ?? null,
    ),
  );
}

/** Creates a server end over `raw`, sharing `credentials` ({@link serverCredentials}). @internal */
export function serverChannel(
  raw: Duplex,
  o: ReturnType<typeof checkServer>,
  peerKeys: Map<string, ServerKeyInfo>,
  credentials: NativeServerCredentialsHandle,
): SecureChannel {
  const now = readClock(o.clock);
  const handle = call(() => NativeChannel.serverWith(credentials, o.native, now));
  const admission = o.verifyClient && new ClientAdmission(o.verifyClient, credentials, o.native, peerKeys);
  return new SecureChannel(raw, handle, { ...o, role: 'server', maxPlaintext: maxPlaintext(o), peerKeys, admission });
}

/** The facts of trusted client keys by key id (checks their encoding). @internal */
export function trustedInfos(trusted: Uint8Array[] | undefined): Map<string, ServerKeyInfo> {
  const map = new Map<string, ServerKeyInfo>();
  for (const [i, pk] of (trusted ?? []).entries()) {
    try {
      const info = serverKeyInfo(pk);
      map.set(info.keyId, info);
    } catch (e) {
      const error = fromNative(e);
      throw makeError(error.code, `trustedClients[${i}]: ${error.message}`);
    }
  }
  return map;
}
