/**
 * {@link createServer}: a TCP server whose connections are secure channels, shaped
 * like `tls.Server` — `listen`, `close`, `address`, `'secureConnection'`.
 *
 * @example
 * ```ts
 * import { channel } from 'pqwire';
 * const key = channel.ServerKey.fromFile(readFileSync('server.key'));
 * const server = channel.createServer({ keys: [key] }, (secure) => secure.pipe(secure)); // echo
 * server.on('security', (e) => log.warn({ code: e.code, from: e.remoteAddress }, e.message));
 * server.listen(4433, '0.0.0.0');
 * ```
 */
import { EventEmitter } from 'node:events';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { fromNative, makeError } from '../errors';
import type { PqwireError } from '../errors';
import { describe } from '../bytes';
import { checkServer, fn } from './options';
import type { ServerChannelOptions } from './options';
import { serverChannel, serverCredentials, trustedInfos } from './wrap';
import type { SecureChannel } from './secure-channel';
import type { ChannelSecurityEvent } from './events';

/**
 * Options of {@link createServer}: a server end's options.
 *
 * @example
 * ```ts
 * channel.createServer({ keys: [key], policy: 'pq-required', maxPacketSize: 16_384 }, onConnection);
 * ```
 */
export interface CreateServerOptions extends ServerChannelOptions {
  /** Disable Nagle's algorithm on accepted sockets (default `true`: packets go out at once). */
  noDelay?: boolean;
}

/**
 * Events of a {@link ChannelServer}.
 *
 * @example
 * ```ts
 * server.on('handshakeError', (err, c) => log.info(`handshake from ${c.remoteAddress} failed: ${err.message}`));
 * ```
 */
export interface ChannelServerEvents {
  /** A connection finished its handshake. */
  secureConnection: (channel: SecureChannel) => void;
  /** A connection's handshake failed (refused, timed out, or the client went away). */
  handshakeError: (error: PqwireError | Error, channel: SecureChannel) => void;
  /** A security event of any connection. */
  security: (event: ChannelSecurityEvent) => void;
  listening: () => void;
  /** The server closed and its last connection ended. */
  close: () => void;
  /** An error of the listening socket (`EADDRINUSE`, ...). */
  error: (error: Error) => void;
}

/**
 * A secure-channel server. Connections reach the `onConnection` callback (and
 * `'secureConnection'`) only once their handshake is done; a failed handshake is
 * reported as `'handshakeError'` (and `'security'` when a check refused it), never as an
 * `'error'` of the server. After `'secureConnection'` the channel is the application's:
 * like a `net.Socket`, it emits `'error'` for transport errors (`ECONNRESET`), so give it
 * an `'error'` listener.
 *
 * @example
 * ```ts
 * const server = channel.createServer({ keys: [key], mode: 'duplex', trustedClients: [alicePub] }, (c) => {
 *   c.on('error', () => {});
 *   c.on('data', (d) => c.write(d));
 * });
 * server.listen(0, '127.0.0.1', () => console.log(server.address()));
 * ```
 */
export class ChannelServer extends EventEmitter {
  readonly #server: net.Server;
  readonly #secure = new Set<SecureChannel>();
  readonly #handshaking = new Set<SecureChannel>();

  /** @internal */
  constructor(options: CreateServerOptions, onConnection: ((channel: SecureChannel) => void) | undefined) {
    super();
    const o = checkServer(options, ['noDelay']);
    if (options.noDelay !== undefined && typeof options.noDelay !== 'boolean') {
      throw makeError('INVALID_TYPE', `noDelay must be a boolean, got ${describe(options.noDelay)}`);
    }
    const noDelay = options.noDelay ?? true;
    // Checked and decoded once for the server's lifetime; each connection shares them.
    const peerKeys = trustedInfos(o.trustedClients);
    const credentials = serverCredentials(o);
    if (onConnection !== undefined) this.on('secureConnection', fn('onConnection', onConnection));

    this.#server = net.createServer((socket) => {
      if (noDelay) socket.setNoDelay(true);
      let secure: SecureChannel;
      try {
        secure = serverChannel(socket, o, peerKeys, credentials);
      } catch (e) {
        // Only a broken clock can get here (the keys were checked above); the connection cannot be served.
        socket.destroy();
        this.emit('error', fromNative(e));
        return;
      }
      this.#handshaking.add(secure);
      const onHandshakeError = (error: Error): void => {
        this.emit('handshakeError', error, secure);
      };
      secure.on('error', onHandshakeError);
      secure.on('security', (event: ChannelSecurityEvent) => this.emit('security', event));
      secure.once('secure', () => {
        this.#handshaking.delete(secure);
        this.#secure.add(secure);
        secure.off('error', onHandshakeError);
        this.emit('secureConnection', secure);
      });
      const forget = (): void => {
        this.#handshaking.delete(secure);
        this.#secure.delete(secure);
      };
      secure.once('close', forget);
      socket.once('close', forget);
    });
    this.#server.on('listening', () => this.emit('listening'));
    this.#server.on('close', () => this.emit('close'));
    this.#server.on('error', (error) => this.emit('error', error));
  }

  /**
   * Starts listening; the arguments are those of `net.Server.listen`.
   *
   * @example
   * ```ts
   * server.listen({ port: 0, host: '127.0.0.1', backlog: 2048 }, () => console.log(server.address()));
   * ```
   */
  listen(port?: number, hostname?: string, backlog?: number, listeningListener?: () => void): this;
  listen(port?: number, hostname?: string, listeningListener?: () => void): this;
  listen(port?: number, listeningListener?: () => void): this;
  listen(path: string, listeningListener?: () => void): this;
  listen(options: net.ListenOptions, listeningListener?: () => void): this;
  listen(...args: unknown[]): this {
    (this.#server.listen as (...a: unknown[]) => net.Server)(...args);
    return this;
  }

  /**
   * Stops accepting connections; `callback` runs (and `'close'` is emitted) once every
   * connection has ended. Open channels are not closed: end them, or call
   * {@link ChannelServer.closeAllConnections}.
   *
   * @example
   * ```ts
   * server.close(() => console.log('stopped'));
   * server.closeAllConnections();
   * ```
   */
  close(callback?: (error?: Error) => void): this {
    this.#server.close(callback);
    return this;
  }

  /**
   * Closes every secure connection with a close packet, and abandons handshakes.
   *
   * @example
   * ```ts
   * process.on('SIGTERM', () => server.close().closeAllConnections());
   * ```
   */
  closeAllConnections(): this {
    for (const c of this.#secure) c.end();
    for (const c of this.#handshaking) c.destroy();
    return this;
  }

  /**
   * The bound address, as `net.Server.address()` gives it.
   *
   * @example
   * ```ts
   * const { port } = server.address() as AddressInfo;
   * ```
   */
  address(): AddressInfo | string | null {
    return this.#server.address();
  }

  /**
   * Whether the server is listening.
   *
   * @example
   * ```ts
   * if (!server.listening) server.listen(4433);
   * ```
   */
  get listening(): boolean {
    return this.#server.listening;
  }

  /**
   * Secure connections currently open.
   *
   * @example
   * ```ts
   * setInterval(() => metrics.gauge('channel.connections', server.connections), 10_000).unref();
   * ```
   */
  get connections(): number {
    return this.#secure.size;
  }

  /**
   * Connections still in their handshake.
   *
   * @example
   * ```ts
   * if (server.handshakes > 10_000) log.warn('many unfinished handshakes');
   * ```
   */
  get handshakes(): number {
    return this.#handshaking.size;
  }

  /**
   * Lets the process exit while the server listens (as `net.Server.unref`).
   *
   * @example
   * ```ts
   * channel.createServer({ keys: [key] }, onConnection).listen(0).unref();
   * ```
   */
  unref(): this {
    this.#server.unref();
    return this;
  }

  /**
   * Undoes {@link ChannelServer.unref}.
   *
   * @example
   * ```ts
   * server.ref();
   * ```
   */
  ref(): this {
    this.#server.ref();
    return this;
  }
}

// Typed `on`/`once` for the server's events.
export interface ChannelServer {
  on<E extends keyof ChannelServerEvents>(event: E, listener: ChannelServerEvents[E]): this;
  on(event: string | symbol, listener: (...args: any[]) => void): this;
  once<E extends keyof ChannelServerEvents>(event: E, listener: ChannelServerEvents[E]): this;
  once(event: string | symbol, listener: (...args: any[]) => void): this;
}

/**
 * Creates a secure-channel server over TCP. `onConnection` receives each channel once it
 * is secure. Every option is checked here (`INVALID_TYPE` / `INVALID_ARGUMENT`).
 *
 * @example
 * ```ts
 * import { channel } from 'pqwire';
 * const key = channel.generateServerKey();
 * const server = channel.createServer({ keys: [key] }, (secure) => {
 *   secure.on('data', (d) => secure.write(d));
 * });
 * server.listen(4433);
 * ```
 */
export function createServer(options: CreateServerOptions, onConnection?: (channel: SecureChannel) => void): ChannelServer {
  return new ChannelServer(options, onConnection);
}
