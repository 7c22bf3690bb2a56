/**
 * The reference server's HTTP API as a device sees it (docs/server.md): JSON in and
 * out, the bearer token once logged in, every refusal a {@link ClientError}
 * `SERVER_REFUSED` with the server's status and code. Registration and login sign the
 * server's challenges with the device's identity.
 *
 * @example
 * ```ts
 * const api = new ServerApi('http://127.0.0.1:8080', { account: 'alice', device: 1 });
 * await api.register(identity);
 * await api.login(identity);
 * const bundle = await api.bytes('GET', '/v1/prekeys/bob/1');
 * ```
 */
import type { Identity } from '../identity';
import { LOGIN_CONTEXT, REGISTER_CONTEXT, ROTATE_CONTEXT, challengeData, rotationData } from '../server/auth';
import { ClientError } from './errors';

/** A device's address on the server. */
export interface DeviceName {
  account: string;
  device: number;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

export class ServerApi {
  /** The bearer token, once logged in. */
  token: string | undefined;
  /** When the token expires (unix seconds). */
  tokenExpires = 0;

  constructor(
    readonly url: string,
    readonly me: DeviceName,
  ) {}

  /** A JSON request; resolves the JSON answer (`undefined` for 204). */
  async json<T>(method: string, path: string, body?: unknown, options: { token?: boolean; voucher?: string } = {}): Promise<T> {
    const res = await this.#request(method, path, body === undefined ? undefined : JSON.stringify(body), 'application/json', options);
    return (res.status === 204 ? undefined : await res.json()) as T;
  }

  /** A request answered with bytes (a prekey bundle), or sending bytes (a prekey upload). */
  async bytes(method: string, path: string, body?: Uint8Array): Promise<Uint8Array> {
    const res = await this.#request(method, path, body, 'application/octet-stream', {});
    return new Uint8Array(await res.arrayBuffer());
  }

  async #request(method: string, path: string, body: string | Uint8Array | undefined, type: string, options: { token?: boolean; voucher?: string }): Promise<Response> {
    const bearer = options.voucher ?? (options.token === false ? undefined : this.token);
    let res: Response;
    try {
      res = await fetch(`${this.url}${path}`, {
        method,
        headers: { ...(body !== undefined && { 'content-type': type }), ...(bearer !== undefined && { authorization: `Bearer ${bearer}` }) },
        body,
      });
    } catch (e) {
      throw new ClientError('SERVER_REFUSED', `${method} ${path}: the server is unreachable (${(e as Error).message})`, { status: 0 });
    }
    if (!res.ok) {
      const answer = (await res.json().catch(() => ({}))) as { error?: string; message?: string };
      throw new ClientError('SERVER_REFUSED', `${method} ${path}: ${res.status} ${answer.error ?? ''} ${answer.message ?? ''}`.trim(), {
        ...answer,
        status: res.status,
        serverCode: answer.error,
      });
    }
    return res;
  }

  /** A fresh challenge for this device. */
  async challenge(): Promise<string> {
    return (await this.json<{ challenge: string }>('POST', '/v1/auth/challenge', this.me, { token: false })).challenge;
  }

  /**
   * Binds this device to `identity` (again with the same identity is fine). A new device
   * of an account with devices needs `voucher`, the token of one of them.
   */
  async register(identity: Identity, voucher?: string): Promise<void> {
    const challenge = await this.challenge();
    const signature = hex(await identity.signAsync(challengeData(this.me.account, this.me.device, challenge), { context: REGISTER_CONTEXT }));
    await this.json('POST', '/v1/devices', { ...this.me, identity: identity.publicIdentity.toJSON(), challenge, signature }, { token: false, ...(voucher !== undefined && { voucher }) });
  }

  /** Logs in: a token for the next hour. */
  async login(identity: Identity): Promise<void> {
    const challenge = await this.challenge();
    const signature = hex(await identity.signAsync(challengeData(this.me.account, this.me.device, challenge), { context: LOGIN_CONTEXT }));
    const answer = await this.json<{ token: string; expires: number }>('POST', '/v1/auth/token', { ...this.me, challenge, signature }, { token: false });
    this.token = answer.token;
    this.tokenExpires = answer.expires;
  }

  /** Rebinds this device from `old` to `next` (both sign). */
  async rotate(old: Identity, next: Identity): Promise<void> {
    const challenge = await this.challenge();
    const data = rotationData(this.me.account, this.me.device, challenge, next.publicIdentity.fingerprint);
    const [oldSignature, newSignature] = await Promise.all([old.signAsync(data, { context: ROTATE_CONTEXT }), next.signAsync(data, { context: ROTATE_CONTEXT })]);
    await this.json('POST', '/v1/devices/rotate', { ...this.me, identity: next.publicIdentity.toJSON(), challenge, oldSignature: hex(oldSignature), newSignature: hex(newSignature) }, { token: false });
  }
}
