/**
 * {@link connect}: a secure channel to a server over TCP, shaped like `tls.connect`.
 *
 * @example
 * ```ts
 * import { channel } from 'pqwire';
 * const secure = channel.connect({ host: 'localhost', port: 4433, serverPublicKey: readFileSync('server.pub') }, () => {
 *   secure.end('hello');
 * });
 * secure.on('data', (d) => console.log(d.toString()));
 * secure.on('error', (e) => console.error(e.code, e.message));
 * ```
 */
import * as net from 'node:net';
import { makeError } from '../errors';
import { describe, text } from '../bytes';
import { checkClient, fn } from './options';
import type { ClientChannelOptions } from './options';
import type { SecureChannel } from './secure-channel';
import type { SecureInfo } from './events';
import { prepareClient } from './wrap';

/**
 * Options of {@link connect}: where to connect, and a client end's options.
 *
 * @example
 * ```ts
 * channel.connect({ host: 'api.example', port: 4433, serverPublicKey, noDelay: false });
 * ```
 */
export interface ConnectOptions extends ClientChannelOptions {
  /** Default `localhost`. */
  host?: string;
  /** The server's TCP port (or give `path`). */
  port?: number;
  /** A Unix socket or Windows pipe path instead of host and port. */
  path?: string;
  /** Disable Nagle's algorithm (default `true`). */
  noDelay?: boolean;
}

/**
 * Connects to a secure-channel server and starts the handshake. Returns the channel at
 * once; `onSecure` (and `'secure'`) runs when the handshake is done. Writes before then
 * are held and sent once secure. A failed handshake or connection is an `'error'` with a
 * typed error (`UNKNOWN_KEY`, `AUTH_FAILED`, `KEY_EXPIRED`, ... or the socket's own).
 *
 * @example
 * ```ts
 * const secure = channel.connect({ port: 4433, serverPublicKey, mode: 'duplex', clientKey }, (info) => {
 *   console.log(`secure with server key ${info.peerKeyId}`);
 * });
 * ```
 */
export function connect(options: ConnectOptions, onSecure?: (info: SecureInfo) => void): SecureChannel {
  const o = checkClient(options, ['host', 'port', 'path', 'noDelay']);
  const host = options.host === undefined ? 'localhost' : text('host', options.host);
  const path = options.path === undefined ? undefined : text('path', options.path);
  if (options.noDelay !== undefined && typeof options.noDelay !== 'boolean') {
    throw makeError('INVALID_TYPE', `noDelay must be a boolean, got ${describe(options.noDelay)}`);
  }
  let port: number | undefined;
  if (path === undefined) {
    const p = options.port;
    if (typeof p !== 'number') throw makeError('INVALID_TYPE', `port must be a number, got ${describe(p)}`);
    if (!Number.isInteger(p) || p < 1 || p > 65535) throw makeError('INVALID_ARGUMENT', `port must be 1 to 65535, got ${p}`);
    port = p;
  } else if (options.port !== undefined) {
    throw makeError('INVALID_ARGUMENT', 'give either path or port, not both');
  }
  const listener = onSecure === undefined ? undefined : fn<(info: SecureInfo) => void>('onSecure', onSecure);

  const open = prepareClient(o);
  const socket = path === undefined ? net.connect({ host, port: port! }) : net.connect({ path });
  if (options.noDelay ?? true) socket.setNoDelay(true);
  const secure = open(socket);
  if (listener) secure.once('secure', listener);
  return secure;
}
