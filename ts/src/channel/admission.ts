/**
 * Duplex servers that decide on client keys as they come ({@link VerifyClient}) instead
 * of, or besides, a fixed `trustedClients` list: the first packet of a connection waits
 * until the key it names was looked up, and the connection's state machine then trusts
 * that key; the handshake still proves the client holds it.
 * @internal
 */
import { call } from '../errors';
import { toHex } from '../hex';
import { channelRequestedClientKey, NativeChannel } from './native';
import type { NativeChannelHandle, NativeChannelOptions, NativeServerCredentialsHandle } from './native';
import { serverKeyInfo } from './server-key';
import type { ServerKeyInfo } from './server-key';

/**
 * What a {@link VerifyClient} callback is asked about: the key id a Duplex client names
 * in its connect request (hex), and where it connects from.
 *
 * @example
 * ```ts
 * const verifyClient: VerifyClient = ({ keyId, remoteAddress }) => devices.publicKeyOf(keyId, remoteAddress);
 * ```
 */
export interface ClientKeyRequest {
  keyId: string;
  remoteAddress: string | undefined;
}

/**
 * Decides on a Duplex client key not in `trustedClients`: returns the client's public key
 * (the bytes of its `ServerKey.publicKey`, say from a database of registered devices) to
 * let the handshake go on — it then proves the client holds that key — or `undefined` to
 * refuse it (`UNKNOWN_KEY`). May return a promise; a callback that throws ends the
 * handshake with its error.
 *
 * @example
 * ```ts
 * channel.createServer({ keys: [key], mode: 'duplex', verifyClient: async ({ keyId }) => (await db.device(keyId))?.publicKey }, onConnection);
 * ```
 */
export type VerifyClient = (request: ClientKeyRequest) => Uint8Array | undefined | Promise<Uint8Array | undefined>;

/** One connection's wait for its client key. @internal */
export class ClientAdmission {
  readonly #verify: VerifyClient;
  readonly #credentials: NativeServerCredentialsHandle;
  readonly #options: NativeChannelOptions;
  readonly #trusted: Map<string, ServerKeyInfo>;
  #held = new Uint8Array(0);
  /** The client key the callback gave, once the handshake may go on with it. */
  peer: ServerKeyInfo | undefined;

  constructor(verify: VerifyClient, credentials: NativeServerCredentialsHandle, options: NativeChannelOptions, trusted: Map<string, ServerKeyInfo>) {
    this.#verify = verify;
    this.#credentials = credentials;
    this.#options = options;
    this.#trusted = trusted;
  }

  /** Holds `bytes`; returns everything held once the first packet is complete. */
  collect(bytes: Uint8Array): Uint8Array | undefined {
    const held = new Uint8Array(this.#held.length + bytes.length);
    held.set(this.#held);
    held.set(bytes, this.#held.length);
    this.#held = held;
    return call(() => channelRequestedClientKey(held)).complete ? held : undefined;
  }

  /**
   * The state machine for this connection: one trusting the client key the callback gave
   * for the key id `first` names, or `undefined` to keep the server's (which refuses a
   * key it does not trust).
   */
  async handle(first: Uint8Array, remoteAddress: string | undefined, now: () => number): Promise<NativeChannelHandle | undefined> {
    const id = call(() => channelRequestedClientKey(first)).keyId;
    const keyId = id === undefined ? undefined : toHex(id);
    if (keyId === undefined || this.#trusted.has(keyId)) return undefined;
    const publicKey = await this.#verify({ keyId, remoteAddress });
    if (publicKey === undefined || publicKey === null) return undefined;
    const info = serverKeyInfo(publicKey);
    if (info.keyId === keyId) this.peer = info;
    const credentials = call(() => this.#credentials.withClient(publicKey));
    return call(() => NativeChannel.serverWith(credentials, this.#options, now()));
  }
}
