/**
 * The prekey directory (docs/server.md, "Prekey directory"):
 *
 * - `PUT /v1/prekeys` (a device's token; body: the upload `createPrekeyBatch` made, as
 *   `application/octet-stream`): the server verifies the batch signature and Merkle root,
 *   that the signing identity is the device's, and that the signed prekeys are still
 *   valid, then stores it in place of the device's previous upload;
 * - `GET /v1/prekeys` (own token): the one-time prekeys of each kind left unclaimed;
 * - `GET /v1/prekeys/:account/:device` (any device's token): a prekey bundle, with one
 *   one-time prekey of each kind claimed atomically (never handed out twice), or the
 *   last-resort KEM prekey and no one-time X25519 prekey once they run out.
 *
 * The server holds public keys only: it assembles bundles from the upload's public bytes.
 *
 * @example
 * ```ts
 * registerPrekeyRoutes(app, store);
 * ```
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { nowSeconds } from '../identity';
import { PrekeyBundleAssembler, verifyPrekeyUpload } from '../prekeys';
import { PqwireError } from '../errors';
import { ACCOUNT, MAX_DEVICE, authenticate } from './devices';
import { ServerError } from './errors';
import type { Limits } from './limits';
import type { DeviceAddress, ServerStore } from './store';


/**
 * Assemblers of the uploads served lately are kept, by upload id (each decodes and hashes
 * its upload once), up to this many bytes of uploads in all (an upload is up to 1.1 MB;
 * a default one of 100 + 100 one-time prekeys about 250 KB).
 */
export const ASSEMBLER_CACHE_BYTES = 64 * 1024 * 1024;

const target = {
  type: 'object',
  additionalProperties: false,
  required: ['account', 'device'],
  properties: { account: ACCOUNT, device: { type: 'string', pattern: '^[1-9][0-9]{0,9}$' } },
} as const;

/** Adds the prekey directory's routes to `app`. */
export function registerPrekeyRoutes(app: FastifyInstance, store: ServerStore, limits: Limits): void {
  const assemblers = new Map<string, { assembler: PrekeyBundleAssembler; bytes: number }>();
  let cached = 0;

  /** The assembler of `uploadId`, decoded on first use; the oldest dropped past the byte budget. */
  async function assembler(device: DeviceAddress, uploadId: string): Promise<PrekeyBundleAssembler | undefined> {
    const kept = assemblers.get(uploadId);
    if (kept !== undefined) return kept.assembler;
    const upload = await store.uploadBytes(device, uploadId);
    if (upload === undefined) return undefined;
    const made = { assembler: new PrekeyBundleAssembler(upload), bytes: upload.length };
    assemblers.set(uploadId, made);
    cached += made.bytes;
    for (const [id, old] of assemblers) {
      if (cached <= ASSEMBLER_CACHE_BYTES || id === uploadId) break;
      assemblers.delete(id);
      cached -= old.bytes;
    }
    return made.assembler;
  }

  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.put('/v1/prekeys', async (request) => {
    const device = await authenticate(store, request);
    await limits.check(request, 'upload', `${device.account}/${device.device}`);
    if (!Buffer.isBuffer(request.body)) throw new ServerError(400, 'INVALID_REQUEST', 'the upload goes as application/octet-stream');
    const upload = new Uint8Array(request.body);
    let facts: ReturnType<typeof verifyPrekeyUpload>;
    try {
      facts = verifyPrekeyUpload(upload);
    } catch (e) {
      if (e instanceof PqwireError) throw new ServerError(400, 'INVALID_UPLOAD', `the upload does not verify: ${e.code}`);
      throw e;
    }
    // The identity as stored at registration (verified then): its signing key, compared.
    const stored = JSON.parse((await store.deviceIdentity(device))!) as { signingKey: string };
    if (Buffer.from(facts.identitySigningKey).toString('hex') !== stored.signingKey) {
      throw new ServerError(403, 'WRONG_IDENTITY', "the upload is signed by another identity than this device's");
    }
    if (facts.signedExpires <= nowSeconds()) throw new ServerError(400, 'INVALID_UPLOAD', 'the signed prekeys of the upload have expired');
    await store.putUpload(device, randomBytes(16).toString('hex'), upload, facts, nowSeconds());
    return { oneTimeKem: facts.oneTimeKemCount, oneTime: facts.oneTimeCount, signedExpires: facts.signedExpires };
  });

  app.get('/v1/prekeys', async (request) => {
    const device = await authenticate(store, request);
    const counts = await store.prekeyCounts(device);
    if (counts === undefined) throw new ServerError(404, 'NOT_FOUND', 'this device has uploaded no prekeys');
    return counts;
  });

  app.get<{ Params: { account: string; device: string } }>('/v1/prekeys/:account/:device', { schema: { params: target } }, async (request, reply) => {
    const requester = await authenticate(store, request);
    const device = { account: request.params.account, device: Number(request.params.device) };
    if (device.device > MAX_DEVICE) throw new ServerError(400, 'INVALID_REQUEST', 'device numbers go up to 2^31 − 1');
    await limits.check(request, 'bundle', `${requester.account}/${requester.device}`);
    await limits.check(request, 'bundleTarget', `${device.account}/${device.device}`);
    // A claim whose upload was replaced meanwhile is retried on the new one.
    for (let attempt = 0; attempt < 3; attempt++) {
      const claim = await store.claimPrekeys(device);
      if (claim === undefined) throw new ServerError(404, 'NOT_FOUND', 'no prekeys for this device');
      const a = await assembler(device, claim.uploadId);
      if (a === undefined) continue;
      const bundle = a.bundle({ kemIndex: claim.kemIndex, oneTimeIndex: claim.oneTimeIndex });
      return reply.type('application/octet-stream').send(Buffer.from(bundle.buffer, bundle.byteOffset, bundle.byteLength));
    }
    throw new ServerError(503, 'INTERNAL', 'the prekeys changed during the fetch: try again');
  });
}
