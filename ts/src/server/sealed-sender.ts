/**
 * Sealed sender on the server (docs/server.md, "Sealed sender"; the formats are in
 * pqwire's `sealed-sender` module):
 *
 * - `GET /v1/server/identity`: the server's public identity, which signs sender
 *   certificates (clients pin it);
 * - `GET /v1/certificate` (a device's token): a sender certificate for that device, valid
 *   {@link CERTIFICATE_SECONDS};
 * - `PUT /v1/devices/me/sealing-key {publicKey, signature}` (own token): publishes the
 *   device's X-Wing sealing key, signed by its identity (checked here, and again by every
 *   sender, so the server cannot substitute one);
 * - `GET /v1/accounts/:account/devices` (any device's token): the account's devices with
 *   their fingerprints and sealing keys, for a fan-out;
 * - `POST /v1/sealed/:account` (**no token**): the same body and checks as
 *   `POST /v1/messages/:account`, envelopes sealed to each device; queued with no sender.
 *   Rate-limited per client address and per recipient account, since it has no sender.
 *
 * @example
 * ```ts
 * registerSealedSenderRoutes(app, store, limits, serverIdentity);
 * ```
 */
import type { FastifyInstance } from 'fastify';
import { nowSeconds } from '../identity';
import type { Identity } from '../identity';
import { issueSenderCertificate, verifySealingKey } from '../sealed-sender';
import { PqwireError } from '../errors';
import { HEX, authenticate, storedIdentity } from './devices';
import { ServerError } from './errors';
import type { Limits } from './limits';
import { QUEUE_LIMIT, accountParam, queueFanOut, sendBody } from './relay';
import type { SendBody } from './relay';
import type { ServerStore } from './store';

/** Seconds a sender certificate is valid. */
export const CERTIFICATE_SECONDS = 24 * 3600;
/**
 * A sealed send is refused (`429 QUEUE_FULL`) once a recipient queue holds this many
 * messages: a sender nobody can name can fill a tenth of a queue, not all of it.
 */
export const SEALED_QUEUE_LIMIT = QUEUE_LIMIT / 10;
/** The name of the server's certificate-signing identity among its keys. */
export const CERTIFICATE_KEY = 'sender-certificates';

const sealingKeyBody = {
  type: 'object',
  additionalProperties: false,
  required: ['publicKey', 'signature'],
  properties: { publicKey: HEX(1_216), signature: HEX(16_384) },
} as const;

/** Adds the sealed-sender routes to `app`; `identity` signs the certificates. */
export function registerSealedSenderRoutes(app: FastifyInstance, store: ServerStore, limits: Limits, identity: Identity): void {
  const publicIdentity = identity.publicIdentity;

  app.get('/v1/server/identity', async () => ({ identity: publicIdentity.toJSON(), fingerprint: publicIdentity.fingerprint }));

  app.get('/v1/certificate', async (request) => {
    const device = await authenticate(store, request);
    const fingerprint = (await storedIdentity(store, device)).fingerprint;
    const expires = nowSeconds() + CERTIFICATE_SECONDS;
    const certificate = issueSenderCertificate(identity, { account: device.account, device: device.device, fingerprint, expires });
    return { certificate: Buffer.from(certificate).toString('base64'), expires };
  });

  app.put<{ Body: { publicKey: string; signature: string } }>('/v1/devices/me/sealing-key', { schema: { body: sealingKeyBody } }, async (request, reply) => {
    const device = await authenticate(store, request);
    const identity = await storedIdentity(store, device);
    try {
      verifySealingKey(request.body, identity);
    } catch (e) {
      if (e instanceof PqwireError) throw new ServerError(403, 'WRONG_IDENTITY', "the sealing key is not signed by this device's identity");
      throw e;
    }
    if (!(await store.putSealingKey(device, identity.fingerprint, JSON.stringify(request.body)))) {
      throw new ServerError(409, 'IDENTITY_BOUND', 'the device was rotated meanwhile: sign the key with its current identity');
    }
    return reply.code(204).send();
  });

  app.get<{ Params: { account: string } }>('/v1/accounts/:account/devices', { schema: { params: accountParam } }, async (request) => {
    await authenticate(store, request);
    const devices = await store.directory(request.params.account);
    if (devices.length === 0) throw new ServerError(404, 'NOT_FOUND', 'no such account');
    return { devices: devices.map((d) => ({ device: d.device, fingerprint: d.fingerprint, ...(d.sealingKey && { sealingKey: JSON.parse(d.sealingKey) as unknown }) })) };
  });

  app.post<{ Params: { account: string }; Body: SendBody }>('/v1/sealed/:account', { schema: { params: accountParam, body: sendBody } }, async (request) => {
    await limits.check(request, 'sealed', request.ip);
    await limits.check(request, 'sealedTarget', request.params.account);
    return { ids: await queueFanOut(store, request.params.account, request.body.messages, '', SEALED_QUEUE_LIMIT) };
  });
}
