/**
 * Server keys of the online channel (docs/channel.md): a 16-byte key id, a
 * configuration string naming the suites, a validity period and the signing key. The
 * secret file stays on the server; the public key is what clients pin.
 *
 * @example
 * ```ts
 * import { channel } from 'pqwire';
 * import { writeFileSync } from 'node:fs';
 * const key = channel.generateServerKey({ lifetime: 90 * 24 * 3600 });
 * writeFileSync('server.key', key.toFile(), { mode: 0o600 }); // secret
 * writeFileSync('server.pub', key.publicKey);                  // give this to clients
 * key.info.keyId;                                               // 32 hex digits
 * ```
 */
import { call, makeError } from '../errors';
import { bytes, describe, optionalBytes, text } from '../bytes';
import { toHex } from '../hex';
import { nowSeconds, seconds } from '../identity';
import { DISPOSE } from '../dispose';
import type { AeadSuiteName, KemSuiteName, SigSuiteName } from '../suites';
import { channelServerKeyInfo, NativeServerKey } from './native';
import type { NativeServerKeyHandle } from './native';

/** Seconds in a day. */
const DAY = 24 * 60 * 60;

/**
 * Default lifetime of a server key: one year.
 *
 * @example
 * ```ts
 * const key = channel.generateServerKey({ lifetime: channel.DEFAULT_SERVER_KEY_LIFETIME / 4 });
 * ```
 */
export const DEFAULT_SERVER_KEY_LIFETIME = 365 * DAY;

/**
 * The default configuration: protocol version 1, X-Wing (X25519+ML-KEM-768) key
 * exchange, Ed25519+ML-DSA-65 signatures, ChaCha20-Poly1305 (docs/channel.md lists the
 * configuration strings the core accepts).
 *
 * @example
 * ```ts
 * channel.generateServerKey().info.config === channel.DEFAULT_SERVER_KEY_CONFIG; // true
 * ```
 */
export const DEFAULT_SERVER_KEY_CONFIG = 'pqwire-channel/v1 X25519+ML-KEM-768 Ed25519+ML-DSA-65 ChaCha20-Poly1305';

/**
 * The public facts of a server key, as a client sees them in the key it pins.
 *
 * @example
 * ```ts
 * const { keyId, kemSuite, expires } = channel.serverKeyInfo(pinnedKey);
 * ```
 */
export interface ServerKeyInfo {
  /** The key id, 16 bytes in hex: names the key in the handshake and in logs. */
  keyId: string;
  /** The configuration string the key was generated with. */
  config: string;
  kemSuite: KemSuiteName;
  sigSuite: SigSuiteName;
  aeadSuite: AeadSuiteName;
  /** Start of validity (unix seconds). */
  created: number;
  /** End of validity (unix seconds): after it, both sides refuse the key (`KEY_EXPIRED`). */
  expires: number;
}

/**
 * Options of {@link generateServerKey}.
 *
 * @example
 * ```ts
 * channel.generateServerKey({ created: Math.floor(Date.now() / 1000), lifetime: 90 * 86400 });
 * ```
 */
export interface GenerateServerKeyOptions {
  /** Configuration string naming version and suites; default {@link DEFAULT_SERVER_KEY_CONFIG}. */
  config?: string;
  /** Validity in seconds from `created`; default one year. */
  lifetime?: number;
  /** Start of validity (unix seconds); default now. */
  created?: number;
  /** 32 bytes: derive the key deterministically (tests only). */
  seed?: Uint8Array;
}

/**
 * A server's long-term channel key, secret included. The same kind of key
 * authenticates a client in duplex mode (`clientKey`), where servers list the clients'
 * public keys in `trustedClients`.
 *
 * @example
 * ```ts
 * import { channel } from 'pqwire';
 * import { readFileSync } from 'node:fs';
 * const key = channel.ServerKey.fromFile(readFileSync('server.key'));
 * if (key.info.expires < Date.now() / 1000 + 7 * 24 * 3600) console.warn('rotate the server key');
 * ```
 *
 * {@link ServerKey.dispose} (or `using`) wipes the secret without waiting for garbage
 * collection; afterwards `toFile()`, `publicKey`, `keyId` and creating a server or client
 * with the key throw `DisposedError` (`DISPOSED`), while `info` and `toJSON()` still work.
 */
export class ServerKey {
  readonly #native: NativeServerKeyHandle;
  #info: ServerKeyInfo | undefined;

  /** @internal */
  constructor(handle: NativeServerKeyHandle) {
    this.#native = handle;
  }

  /** @internal */
  get native(): NativeServerKeyHandle {
    return this.#native;
  }

  /**
   * Restores a key from its secret file ({@link ServerKey.toFile}). A malformed or
   * inconsistent file is refused with a typed error.
   *
   * @example
   * ```ts
   * const key = channel.ServerKey.fromFile(readFileSync('server.key'));
   * ```
   */
  static fromFile(file: Uint8Array): ServerKey {
    const record = bytes('file', file);
    return new ServerKey(call(() => NativeServerKey.fromRecord(record)));
  }

  /**
   * The secret key file: **contains the signing key**. Store it like a TLS private key
   * (mode 0600, a secrets manager).
   *
   * @example
   * ```ts
   * writeFileSync('server.key', key.toFile(), { mode: 0o600 });
   * ```
   */
  toFile(): Uint8Array {
    return call(() => this.#native.toRecord());
  }

  /**
   * The encoded public key: what clients pin (`serverPublicKey` of
   * {@link connect}) and servers trust (`trustedClients`).
   *
   * @example
   * ```ts
   * writeFileSync('server.pub', key.publicKey);
   * ```
   */
  get publicKey(): Uint8Array {
    return call(() => this.#native.publicKey);
  }

  /**
   * The key id in hex.
   *
   * @example
   * ```ts
   * console.log(`serving with key ${key.keyId}`);
   * ```
   */
  get keyId(): string {
    return toHex(call(() => this.#native.keyId));
  }

  /**
   * The key's public facts.
   *
   * @example
   * ```ts
   * const { kemSuite, expires } = key.info;
   * ```
   */
  get info(): ServerKeyInfo {
    this.#info ??= serverKeyInfo(this.publicKey);
    return { ...this.#info };
  }

  /**
   * Drops this object's hold on the secret key now instead of at garbage collection: it
   * is wiped at once, unless a server or client created with the key still uses it (then
   * when the last of them is gone). Calling it again does nothing.
   *
   * @example
   * ```ts
   * const next = channel.generateServerKey();
   * server.close();
   * oldKey.dispose(); // rotated out: wipe it
   * ```
   */
  dispose(): void {
    if (this.#native.disposed) return;
    // The public facts stay readable afterwards (`info`, `toJSON()`).
    this.#info ??= serverKeyInfo(this.publicKey);
    call(() => this.#native.dispose());
  }

  /** {@link ServerKey.dispose}, for `using`. */
  [DISPOSE](): void {
    this.dispose();
  }

  /** Whether {@link ServerKey.dispose} was called. */
  get disposed(): boolean {
    return this.#native.disposed;
  }

  /**
   * Never shows the secret: the public facts only.
   *
   * @example
   * ```ts
   * console.log(JSON.stringify(key)); // {"keyId":"…","config":"pqwire-channel/v1 …",…}
   * ```
   */
  toJSON(): ServerKeyInfo {
    return this.info;
  }
}

/**
 * Generates a server key (or a client key for duplex mode).
 *
 * @example
 * ```ts
 * import { channel } from 'pqwire';
 * const key = channel.generateServerKey();                                   // X-Wing, one year
 * const strong = channel.generateServerKey({
 *   config: 'pqwire-channel/v1 X25519+ML-KEM-1024 Ed25519+ML-DSA-87 AES-256-GCM',
 *   lifetime: 30 * 24 * 3600,
 * });
 * ```
 */
export function generateServerKey(options: GenerateServerKeyOptions = {}): ServerKey {
  if (typeof options !== 'object' || options === null) {
    throw makeError('INVALID_TYPE', `options must be an object, got ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!['config', 'lifetime', 'created', 'seed'].includes(key)) {
      throw makeError('INVALID_ARGUMENT', `unknown server key option ${JSON.stringify(key)}`);
    }
  }
  const config = options.config === undefined ? DEFAULT_SERVER_KEY_CONFIG : text('config', options.config);
  const created = options.created === undefined ? nowSeconds() : seconds('created', options.created);
  const lifetime = options.lifetime === undefined ? DEFAULT_SERVER_KEY_LIFETIME : seconds('lifetime', options.lifetime);
  if (lifetime === 0) throw makeError('INVALID_ARGUMENT', 'lifetime must be at least one second');
  const expires = created + lifetime;
  if (!Number.isSafeInteger(expires)) throw makeError('INVALID_ARGUMENT', 'created + lifetime is too large');
  const seed = optionalBytes('seed', options.seed, 32);
  return new ServerKey(call(() => NativeServerKey.generate(config, created, expires, seed)));
}

/**
 * {@link generateServerKey} under a name that fits both ends: the same kind of key
 * authenticates a server, and a client in duplex mode.
 *
 * @example
 * ```ts
 * const key = channel.generateKey({ lifetime: 30 * 24 * 3600 });
 * ```
 */
export const generateKey: typeof generateServerKey = generateServerKey;

/**
 * {@link generateServerKey} for a duplex client's own key (`clientKey`), whose public key
 * the server trusts (`trustedClients` or `verifyClient`).
 *
 * @example
 * ```ts
 * const clientKey = channel.generateClientKey();
 * channel.connect({ port, serverPublicKey, mode: 'duplex', clientKey });
 * ```
 */
export const generateClientKey: typeof generateServerKey = generateServerKey;

/**
 * Reads the public facts of an encoded server public key (the bytes a client pins),
 * checking its encoding.
 *
 * @example
 * ```ts
 * import { channel } from 'pqwire';
 * const pinned = readFileSync('server.pub');
 * console.log(channel.serverKeyInfo(pinned)); // { keyId, kemSuite: 'X25519+ML-KEM-768', ... }
 * ```
 */
export function serverKeyInfo(publicKey: Uint8Array): ServerKeyInfo {
  const pk = bytes('publicKey', publicKey);
  const info = call(() => channelServerKeyInfo(pk));
  return {
    keyId: toHex(info.keyId),
    config: info.config,
    kemSuite: info.kemSuite as KemSuiteName,
    sigSuite: info.sigSuite as SigSuiteName,
    aeadSuite: info.aeadSuite as AeadSuiteName,
    created: info.created,
    expires: info.expires,
  };
}
