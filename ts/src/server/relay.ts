/**
 * The relay's HTTP side (docs/server.md, "Relay"): opaque envelopes into per-device
 * queues, fetched and acknowledged by their device.
 *
 * - `POST /v1/messages/:account {messages: [{device, fingerprint, envelope}]}` (a device's
 *   token): one envelope (base64) per device of the recipient account, all queued or none.
 *   The list must name exactly the account's devices (`409 MISMATCHED_DEVICES` with
 *   `missing` and `extra`), each with the fingerprint of the identity the sender encrypted
 *   to (`410 STALE_DEVICES` with `stale` when it is not the device's), as Signal's server
 *   refuses a stale device list.
 * - `GET /v1/messages` (own token): the oldest queued messages `{id, sender, sent, envelope}`
 *   (`sender` is `null` for a sealed message, docs/server.md "Sealed sender").
 * - `POST /v1/messages/ack {ids}` (own token): deletes them; a message is kept until its
 *   device acknowledges it (or it expires), so delivery is at least once and the client
 *   drops ids it has seen.
 *
 * @example
 * ```ts
 * registerRelayRoutes(app, store);
 * ```
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { nowSeconds } from '../identity';
import { ACCOUNT, DEVICE, authenticate } from './devices';
import { ServerError } from './errors';
import type { Limits } from './limits';
import type { QueuedEnvelope, ServerStore } from './store';


/** Seconds a queued message is kept unacknowledged. */
export const MESSAGE_TTL_SECONDS = 30 * 24 * 3600;
/** Messages a device's queue holds at most; a send that would pass it is `429 QUEUE_FULL`. */
export const QUEUE_LIMIT = 10_000;
/** Messages one `GET /v1/messages` answers at most. */
export const FETCH_LIMIT = 100;
/** Largest envelope, in bytes (after base64 decoding). */
export const MAX_ENVELOPE_BYTES = 256 * 1024;

export const sendBody = {
  type: 'object',
  additionalProperties: false,
  required: ['messages'],
  properties: {
    messages: {
      type: 'array',
      minItems: 1,
      maxItems: 64,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['device', 'fingerprint', 'envelope'],
        properties: {
          device: DEVICE,
          fingerprint: { type: 'string', pattern: '^[0-9a-f]{32}$' },
          envelope: { type: 'string', minLength: 1, maxLength: Math.ceil(MAX_ENVELOPE_BYTES / 3) * 4, pattern: '^[A-Za-z0-9+/]*={0,2}$' },
        },
      },
    },
  },
} as const;
export const accountParam = { type: 'object', required: ['account'], properties: { account: ACCOUNT } } as const;
const ackBody = {
  type: 'object',
  additionalProperties: false,
  required: ['ids'],
  properties: { ids: { type: 'array', minItems: 1, maxItems: FETCH_LIMIT, items: { type: 'string', pattern: '^[0-9a-f]{32}$' } } },
} as const;

/** Random bytes for message ids, drawn 256 ids at a time: one randomBytes call per message cost more than its queueing. */
let idPool = Buffer.alloc(0);
let idUsed = 0;

/** A fresh message id: 16 random bytes, hex. */
function messageId(): string {
  if (idUsed === idPool.length) {
    idPool = randomBytes(16 * 256);
    idUsed = 0;
  }
  idUsed += 16;
  return idPool.toString('hex', idUsed - 16, idUsed);
}

export interface SendBody {
  messages: { device: number; fingerprint: string; envelope: string }[];
}

/**
 * Queues one envelope per device of `account`, all or none, after the checks of a
 * fan-out: the list names exactly the account's devices (409), each with its identity's
 * fingerprint (410), no envelope over {@link MAX_ENVELOPE_BYTES} (413), no queue full
 * (429; `queueLimit` messages, default {@link QUEUE_LIMIT}). `sender` is `account/device`, or empty for a sealed send; a device sending to
 * its own account sends to its other devices only. Resolves the ids.
 */
export async function queueFanOut(store: ServerStore, account: string, messages: SendBody['messages'], sender: string, queueLimit = QUEUE_LIMIT): Promise<{ device: number; id: string }[]> {
  const devices = await store.accountDevices(account);
  if (devices.size === 0) throw new ServerError(404, 'NOT_FOUND', 'no such account');
  if (sender.startsWith(`${account}/`)) devices.delete(Number(sender.slice(account.length + 1)));
  const named = messages.map((m) => m.device);
  if (new Set(named).size !== named.length) throw new ServerError(400, 'INVALID_REQUEST', 'a device is named twice');
  const missing = [...devices.keys()].filter((d) => !named.includes(d));
  const extra = named.filter((d) => !devices.has(d));
  if (missing.length > 0 || extra.length > 0) {
    throw new ServerError(409, 'MISMATCHED_DEVICES', "the device list is not the account's", { missing, extra });
  }
  const stale = messages.filter((m) => devices.get(m.device) !== m.fingerprint).map((m) => m.device);
  if (stale.length > 0) throw new ServerError(410, 'STALE_DEVICES', 'some devices have another identity than the one encrypted to', { stale });
  const sent = nowSeconds();
  const queued = messages.map((m) => ({
    id: messageId(),
    account,
    device: m.device,
    envelope: new Uint8Array(Buffer.from(m.envelope, 'base64')),
    sender,
    sent,
    expires: sent + MESSAGE_TTL_SECONDS,
  }));
  if (queued.some((q) => q.envelope.length > MAX_ENVELOPE_BYTES)) throw new ServerError(413, 'TOO_LARGE', `an envelope is over ${MAX_ENVELOPE_BYTES} bytes`);
  if ((await store.enqueue(queued, queueLimit)) === 'full') throw new ServerError(429, 'QUEUE_FULL', 'a recipient device has too many messages waiting');
  return queued.map((q) => ({ device: q.device, id: q.id }));
}

/** A queued message as the relay hands it out: `sender` is `null` for a sealed one. */
export function outgoing(m: QueuedEnvelope): { id: string; sender: string | null; sent: number; envelope: string } {
  return { id: m.id, sender: m.sender === '' ? null : m.sender, sent: m.sent, envelope: Buffer.from(m.envelope).toString('base64') };
}

/** Adds the relay's HTTP routes to `app`. */
export function registerRelayRoutes(app: FastifyInstance, store: ServerStore, limits: Limits): void {
  app.post<{ Params: { account: string }; Body: SendBody }>('/v1/messages/:account', { schema: { params: accountParam, body: sendBody } }, async (request) => {
    const sender = await authenticate(store, request);
    await limits.check(request, 'send', `${sender.account}/${sender.device}`);
    return { ids: await queueFanOut(store, request.params.account, request.body.messages, `${sender.account}/${sender.device}`) };
  });

  app.get('/v1/messages', async (request) => {
    const device = await authenticate(store, request);
    const messages = await store.pending(device, nowSeconds(), FETCH_LIMIT);
    return { messages: messages.map(outgoing) };
  });

  app.post<{ Body: { ids: string[] } }>('/v1/messages/ack', { schema: { body: ackBody } }, async (request) => {
    const device = await authenticate(store, request);
    return { acknowledged: await store.acknowledge(device, request.body.ids) };
  });
}
