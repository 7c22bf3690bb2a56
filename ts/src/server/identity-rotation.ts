/**
 * Identity rotation (docs/server.md, "Identity rotation"): a device's identity is
 * immutable after its first bind, except through this explicit operation, which both the
 * old and the new identity sign.
 *
 * - `POST /v1/devices/rotate {account, device, identity, challenge, oldSignature, newSignature}`:
 *   with a fresh challenge (`POST /v1/auth/challenge`), the old identity signs
 *   {@link rotationData} (agreeing to hand the device over) and the new one signs the same
 *   bytes (proving its key). The device is then bound to the new identity; its prekey
 *   upload and sealing key, which the old identity signed, are deleted (upload new ones);
 *   senders still encrypting to the old identity get `410 STALE_DEVICES` and fetch a new
 *   bundle, and their clients see the identity change. The device's tokens are revoked:
 *   it logs in again with the new identity.
 *
 * @example
 * ```ts
 * const data = rotationData('alice', 1, challenge, next.publicIdentity.fingerprint);
 * await post('/v1/devices/rotate', { account: 'alice', device: 1, identity: next.publicIdentity.toJSON(), challenge,
 *   oldSignature: hex(old.sign(data, { context: ROTATE_CONTEXT })), newSignature: hex(next.sign(data, { context: ROTATE_CONTEXT })) });
 * ```
 */
import type { FastifyInstance } from 'fastify';
import { nowSeconds } from '../identity';
import { ROTATE_CONTEXT, rotationData } from './auth';
import { ACCOUNT, CHALLENGE, DEVICE, IDENTITY, SIGNATURE, boundIdentity, parseIdentity } from './devices';
import { ServerError } from './errors';
import { forgetDeviceTokens } from './token-cache';
import type { DeviceAddress, ServerStore } from './store';

const rotateBody = {
  type: 'object',
  additionalProperties: false,
  required: ['account', 'device', 'identity', 'challenge', 'oldSignature', 'newSignature'],
  properties: { account: ACCOUNT, device: DEVICE, identity: IDENTITY, challenge: CHALLENGE, oldSignature: SIGNATURE, newSignature: SIGNATURE },
} as const;

interface Rotation extends DeviceAddress {
  identity: { signingKey: string; dhKey: string; dhSignature: string };
  challenge: string;
  oldSignature: string;
  newSignature: string;
}

/** Adds `POST /v1/devices/rotate` to `app`. */
export function registerRotationRoute(app: FastifyInstance, store: ServerStore): void {
  app.post<{ Body: Rotation }>('/v1/devices/rotate', { schema: { body: rotateBody } }, async (request) => {
    const body = request.body;
    const next = parseIdentity(body.identity);
    const refused = () => new ServerError(401, 'UNAUTHORIZED', 'the challenge is unknown, used or expired, or a signature does not verify');
    // The challenge is used up whatever follows, as at a login.
    if (!(await store.takeChallenge(body.challenge, body, nowSeconds()))) throw refused();
    const old = await boundIdentity(store, body);
    if (old === undefined) throw refused();
    const data = rotationData(body.account, body.device, body.challenge, next.fingerprint);
    const [oldValid, newValid] = await Promise.all([
      old.verifyAsync(Buffer.from(body.oldSignature, 'hex'), data, { context: ROTATE_CONTEXT }),
      next.verifyAsync(Buffer.from(body.newSignature, 'hex'), data, { context: ROTATE_CONTEXT }),
    ]);
    if (!oldValid || !newValid) throw refused();
    if (next.fingerprint === old.fingerprint) throw new ServerError(400, 'INVALID_REQUEST', 'the new identity is the current one');
    const result = await store.rotateIdentity(body, old.fingerprint, JSON.stringify(next.toJSON()), next.fingerprint);
    if (result === 'conflict') throw new ServerError(409, 'IDENTITY_BOUND', 'the new identity is bound to another device');
    if (result === 'changed') throw new ServerError(409, 'IDENTITY_BOUND', 'the device was rotated meanwhile: sign with its current identity');
    forgetDeviceTokens(store, body);
    request.log.info({ rotated: true }, 'identity rotated');
    return { account: body.account, device: body.device, fingerprint: next.fingerprint, previous: old.fingerprint };
  });
}
