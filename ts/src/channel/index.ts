/**
 * The online secure channel (docs/channel.md; DESIGN.md "Online channel"): a
 * post-quantum, QSMP-style channel for live connections, with Node adapters shaped like
 * `tls`. Simplex mode authenticates the server (clients pin its public key); duplex mode
 * authenticates both sides. Keys come from an ephemeral KEM exchange (X-Wing by
 * default) signed with the server's long-term hybrid key; every packet carries a
 * 21-byte header (flag, length, sequence, time) authenticated with the payload, and is
 * refused if tampered, replayed, reordered, stale (outside a 60-second window) or
 * oversized.
 *
 * @example
 * ```ts
 * import { channel } from 'pqwire';
 *
 * const key = channel.generateServerKey();
 * const server = channel.createServer({ keys: [key] }, (secure) => secure.pipe(secure));
 * server.listen(0, '127.0.0.1', () => {
 *   const { port } = server.address() as import('node:net').AddressInfo;
 *   const client = channel.connect({ host: '127.0.0.1', port, serverPublicKey: key.publicKey }, () => {
 *     client.write('hello');
 *   });
 *   client.once('data', (d) => {
 *     console.log(d.toString()); // 'hello'
 *     client.end();
 *     server.close();
 *   });
 * });
 * ```
 */
import { DEFAULT_SERVER_KEY_CONFIG, DEFAULT_SERVER_KEY_LIFETIME, generateClientKey, generateKey, generateServerKey, ServerKey, serverKeyInfo } from './server-key';
import { SecureChannel } from './secure-channel';
import { wrap } from './wrap';
import { ChannelServer, createServer } from './server';
import { connect } from './connect';

export { DEFAULT_SERVER_KEY_CONFIG, DEFAULT_SERVER_KEY_LIFETIME, generateClientKey, generateKey, generateServerKey, ServerKey, serverKeyInfo } from './server-key';
export type { ClientKeyRequest, VerifyClient } from './admission';
export type { ServerKeyInfo, GenerateServerKeyOptions } from './server-key';
export { SecureChannel } from './secure-channel';
export { wrap } from './wrap';
export type { WrapOptions, WrapClientOptions, WrapServerOptions } from './wrap';
export { ChannelServer, createServer } from './server';
export type { CreateServerOptions, ChannelServerEvents } from './server';
export { connect } from './connect';
export type { ConnectOptions } from './connect';
export type { ChannelMode, ChannelOptions, ClientChannelOptions, ServerChannelOptions } from './options';
export type {
  ChannelSecurityEvent,
  ChannelSecurityEventType,
  ChannelSecurityEventListener,
  SecureInfo,
  CloseReason,
  SecureChannelEvents,
} from './events';

/**
 * The channel API in one object: `channel.generateKey` (also as `generateServerKey` and
 * `generateClientKey`), `channel.createServer`,
 * `channel.connect`, `channel.wrap`, and the classes.
 *
 * @example
 * ```ts
 * import { channel } from 'pqwire';
 * const secure = channel.connect({ port: 4433, serverPublicKey });
 * ```
 */
export const channel = Object.freeze({
  generateKey,
  generateClientKey,
  generateServerKey,
  serverKeyInfo,
  createServer,
  connect,
  wrap,
  ServerKey,
  SecureChannel,
  ChannelServer,
  DEFAULT_SERVER_KEY_CONFIG,
  DEFAULT_SERVER_KEY_LIFETIME,
});
