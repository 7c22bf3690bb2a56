/**
 * Devices and logins (docs/server.md, "Devices and authentication"):
 *
 * - `POST /v1/auth/challenge {account, device}` → `{challenge, expires}`;
 * - `POST /v1/devices {account, device, identity, challenge, signature}` binds the device
 *   to its public identity once (201), again with the same identity is 200, with another
 *   `409 IDENTITY_BOUND`; the signature (under {@link REGISTER_CONTEXT}) proves the key;
 * - `POST /v1/auth/token {account, device, challenge, signature}` → `{token, expires}`
 *   for a correct answer (under {@link LOGIN_CONTEXT}), else `401 UNAUTHORIZED`;
 * - `GET /v1/devices/me` with `Authorization: Bearer <token>` → the device.
 *
 * Every challenge is used at most once, whether the answer was right or not.
 *
 * @example
 * ```ts
 * registerDeviceRoutes(app, store);
 * ```
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { nowSeconds, PublicIdentity } from '../identity';
import { CHALLENGE_SECONDS, LOGIN_CONTEXT, REGISTER_CONTEXT, TOKEN_SECONDS, challengeData, newChallenge, newToken } from './auth';
import { ServerError } from './errors';
import type { Limits } from './limits';
import { tokenHolder } from './token-cache';
import type { DeviceAddress, ServerStore } from './store';


/** Account names: 1–64 letters, digits, `.`, `_`, `-` (no separator of the signed data). */
export const ACCOUNT = { type: 'string', pattern: '^[A-Za-z0-9._-]{1,64}$' } as const;
/** The largest device number (a PostgreSQL INTEGER). */
export const MAX_DEVICE = 2_147_483_647;
/** Device numbers: 1 to {@link MAX_DEVICE}. */
export const DEVICE = { type: 'integer', minimum: 1, maximum: MAX_DEVICE } as const;
/** Lowercase hex of 1 to `max` bytes. */
export const HEX = (max: number) => ({ type: 'string', pattern: `^([0-9a-f]{2}){1,${max}}$` }) as const;
const OPTIONAL_HEX = (max: number) => ({ type: 'string', pattern: `^([0-9a-f]{2}){0,${max}}$` }) as const;
/** A challenge: 32 bytes, hex. */
export const CHALLENGE = { type: 'string', pattern: '^[0-9a-f]{64}$' } as const;
/** A signature of a hybrid identity, hex. */
export const SIGNATURE = HEX(16_384);
/** A public identity ({@link PublicIdentity.toJSON}). */
export const IDENTITY = {
  type: 'object',
  additionalProperties: false,
  required: ['signingKey', 'dhKey', 'dhSignature'],
  properties: { signingKey: HEX(16_384), dhKey: HEX(1_024), dhSignature: OPTIONAL_HEX(16_384) },
} as const;

const deviceBody = { type: 'object', additionalProperties: false, required: ['account', 'device'], properties: { account: ACCOUNT, device: DEVICE } } as const;
const answerBody = {
  type: 'object',
  additionalProperties: false,
  required: ['account', 'device', 'challenge', 'signature'],
  properties: { account: ACCOUNT, device: DEVICE, challenge: CHALLENGE, signature: SIGNATURE },
} as const;
const registerBody = {
  type: 'object',
  additionalProperties: false,
  required: ['account', 'device', 'identity', 'challenge', 'signature'],
  properties: {
    ...answerBody.properties,
    identity: IDENTITY,
  },
} as const;

interface Answer extends DeviceAddress {
  challenge: string;
  signature: string;
}
interface Registration extends Answer {
  identity: { signingKey: string; dhKey: string; dhSignature: string };
}

/** Whether `identity` signed `answer`'s challenge under `context`; the challenge is used up either way. */
async function answered(store: ServerStore, identity: PublicIdentity, answer: Answer, context: Uint8Array): Promise<boolean> {
  if (!(await store.takeChallenge(answer.challenge, answer, nowSeconds()))) return false;
  const data = challengeData(answer.account, answer.device, answer.challenge);
  return identity.verifyAsync(Buffer.from(answer.signature, 'hex'), data, { context });
}

/** `json` as a verified public identity, or `400 INVALID_REQUEST`. */
export function parseIdentity(json: { signingKey: string; dhKey: string; dhSignature: string }): PublicIdentity {
  try {
    return PublicIdentity.fromJSON(json);
  } catch (e) {
    throw new ServerError(400, 'INVALID_REQUEST', `not a public identity: ${(e as Error).message}`);
  }
}

/** The identity `device` is bound to, if it is registered. */
export async function boundIdentity(store: ServerStore, device: DeviceAddress): Promise<PublicIdentity | undefined> {
  const stored = await store.deviceIdentity(device);
  return stored === undefined ? undefined : PublicIdentity.fromJSON(JSON.parse(stored));
}

/** The identity `device` is bound to (it is registered: its token was just checked). */
export async function storedIdentity(store: ServerStore, device: DeviceAddress): Promise<PublicIdentity> {
  return (await boundIdentity(store, device))!;
}

/** The token of a request's `Authorization: Bearer …` header, if any. */
export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  return typeof header === 'string' && header.startsWith('Bearer ') ? header.slice(7) : undefined;
}

/** The device of a request's bearer token, or `401 UNAUTHORIZED`. */
export async function authenticate(store: ServerStore, request: FastifyRequest): Promise<DeviceAddress> {
  const token = bearerToken(request);
  const device = token && (await tokenHolder(store, token));
  if (!device) throw new ServerError(401, 'UNAUTHORIZED', 'a valid bearer token is required (POST /v1/auth/token)');
  return device;
}

/** Adds the device and login routes to `app`. */
export function registerDeviceRoutes(app: FastifyInstance, store: ServerStore, limits: Limits): void {
  app.post<{ Body: DeviceAddress }>('/v1/auth/challenge', { schema: { body: deviceBody } }, async (request) => {
    await limits.check(request, 'challenge', request.ip);
    const challenge = newChallenge();
    const expires = nowSeconds() + CHALLENGE_SECONDS;
    await store.putChallenge(challenge, request.body, expires);
    return { challenge, expires };
  });

  app.post<{ Body: Registration }>('/v1/devices', { schema: { body: registerBody } }, async (request, reply) => {
    const body = request.body;
    const identity = parseIdentity(body.identity);
    // A new device of an account that has devices joins only with one of them vouching
    // (its bearer token): else anyone could add a device to any account, and every sender
    // would have to encrypt to it (the fan-out refuses a device list without it).
    const existing = await store.accountDevices(body.account);
    if (existing.size > 0 && !existing.has(body.device)) {
      const voucher = await authenticate(store, request).catch(() => undefined);
      if (voucher?.account !== body.account) {
        throw new ServerError(403, 'NOT_AUTHORIZED', "a new device joins an account with the bearer token of one of the account's devices");
      }
    }
    if (!(await answered(store, identity, body, REGISTER_CONTEXT))) {
      throw new ServerError(401, 'UNAUTHORIZED', 'the challenge is unknown, used or expired, or the signature does not verify');
    }
    const bound = await store.bindDevice(body, JSON.stringify(identity.toJSON()), identity.fingerprint, nowSeconds());
    if (bound === 'conflict') throw new ServerError(409, 'IDENTITY_BOUND', 'this device is bound to another identity, or this identity to another device');
    return reply.code(bound === 'bound' ? 201 : 200).send({ account: body.account, device: body.device, fingerprint: identity.fingerprint });
  });

  app.post<{ Body: Answer }>('/v1/auth/token', { schema: { body: answerBody } }, async (request) => {
    const body = request.body;
    // An unknown device still uses up its challenge: the answer is the same as a wrong signature.
    const identity = await boundIdentity(store, body);
    const ok = identity !== undefined ? await answered(store, identity, body, LOGIN_CONTEXT) : (await store.takeChallenge(body.challenge, body, nowSeconds()), false);
    if (!ok) throw new ServerError(401, 'UNAUTHORIZED', 'the challenge is unknown, used or expired, or the signature does not verify');
    const { token, hash } = newToken();
    const expires = nowSeconds() + TOKEN_SECONDS;
    await store.putToken(hash, body, expires);
    return { token, expires };
  });

  app.get('/v1/devices/me', async (request) => {
    const device = await authenticate(store, request);
    const identity = await storedIdentity(store, device);
    return { account: device.account, device: device.device, fingerprint: identity.fingerprint };
  });
}
