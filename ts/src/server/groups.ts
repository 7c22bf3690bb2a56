/**
 * The delivery service of MLS groups (docs/groups.md, "Delivery service"). Every route
 * needs a device's token. The server reads of an MLS message only what MLS leaves in the
 * clear (its group, epoch and content type; a key package's suite and owner), through
 * `mlsInspect`: it never holds a group key and never sees a plaintext.
 *
 * - `PUT /v1/groups/key-packages {keyPackages, lastResort?}` (base64): replaces the
 *   device's key packages. Each must verify (signature, lifetime, a credential bound to a
 *   pqwire identity) and be bound to *this device's* identity (`403 WRONG_IDENTITY`); the
 *   one-time ones must not be marked last-resort and the last-resort one must be; each
 *   credential names the device `account/device` (`403 WRONG_IDENTITY` otherwise).
 * - `GET /v1/groups/key-packages`: per suite, the one-time key packages left and whether a
 *   last-resort one is there.
 * - `POST /v1/groups/key-packages/:account/:device {suite}`: claims one: a one-time key
 *   package, never handed out twice, else the last-resort one (`lastResort: true`);
 *   `404 NOT_FOUND` when the device has none for that suite.
 * - `POST /v1/groups {group}` (hex id): creates the group with the caller its only member
 *   (`409 GROUP_EXISTS`).
 * - `POST /v1/groups/:group/commits {commit, seen, welcome?, ratchetTree?, add?, remove?}`:
 *   a commit of the group's current epoch from a member that has read the log up to its
 *   last entry (`seen`): the epoch moves on, `add` become members and get `welcome` with
 *   the `ratchetTree` to join with, `remove` stop
 *   being members. Otherwise `409 STALE_EPOCH` with the current `epoch` (another commit or
 *   message came first: read the log, then retry).
 * - `POST /v1/groups/:group/messages {message}`: an application message of the current
 *   epoch from a member (`409 STALE_EPOCH` otherwise; proposals on their own are refused,
 *   as members refuse them).
 * - `GET /v1/groups/:group/messages?after=N`: the log entries after `N` the caller may read
 *   (from after the commit that added it to the one that removed it), oldest first.
 * - `GET /v1/groups/welcomes`, `POST /v1/groups/welcomes/ack {ids}`: welcomes waiting for
 *   the caller, kept until acknowledged.
 *
 * @example
 * ```ts
 * registerGroupRoutes(app, store, limits);
 * ```
 */
import type { FastifyInstance } from 'fastify';
import native from '../native';
import { nowSeconds } from '../identity';
import { toHex } from '../hex';
import { ACCOUNT, DEVICE, MAX_DEVICE, authenticate } from './devices';
import { ServerError } from './errors';
import type { Limits } from './limits';
import type { DeviceAddress, GroupWrite, ServerStore, StoredKeyPackage } from './store';

/** One-time key packages a device may keep published at once. */
export const MAX_KEY_PACKAGES = 64;
/**
 * Largest key package, commit, welcome or message, in bytes (after base64 decoding): what
 * fits a request body (`MAX_BODY_BYTES`) once in base64. A welcome carries the
 * ratchet tree, about 6.8 KB per X-Wing member with its bound credential: groups of up to
 * about 110 such members.
 */
export const MAX_GROUP_MESSAGE_BYTES = 768 * 1024;
/** Log entries one `GET /v1/groups/:group/messages` answers at most. */
export const GROUP_FETCH_LIMIT = 100;
/** Devices a commit may add or remove at once. */
export const MAX_COMMIT_DEVICES = 100;

const B64 = { type: 'string', minLength: 1, maxLength: Math.ceil(MAX_GROUP_MESSAGE_BYTES / 3) * 4, pattern: '^[A-Za-z0-9+/]*={0,2}$' } as const;
const GROUP_ID = { type: 'string', pattern: '^([0-9a-f]{2}){1,255}$' } as const;
const DEVICES = {
  type: 'array',
  maxItems: MAX_COMMIT_DEVICES,
  items: { type: 'object', additionalProperties: false, required: ['account', 'device'], properties: { account: ACCOUNT, device: DEVICE } },
} as const;
const groupParam = { type: 'object', additionalProperties: false, required: ['group'], properties: { group: GROUP_ID } } as const;
const obj = (required: string[], properties: Record<string, unknown>) => ({ type: 'object', additionalProperties: false, required, properties }) as const;

type Inspected = ReturnType<typeof native.mlsInspect>;

/** What `bytes` shows from outside its group; a refusal names `what`. */
function inspect(bytes: Uint8Array, what: string): Inspected {
  try {
    return native.mlsInspect(bytes);
  } catch (e) {
    const code = (e as { code?: string }).code ?? 'INVALID';
    throw new ServerError(400, 'INVALID_REQUEST', `${what} is not a valid MLS message for this service: ${code}`);
  }
}

const fromBase64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'));
const base64 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');

/** A refused group write as an answer. */
function refuse(w: Exclude<GroupWrite, { result: 'accepted' }>): never {
  switch (w.result) {
    case 'unknown':
      throw new ServerError(404, 'NOT_FOUND', 'no such group');
    case 'not-member':
      throw new ServerError(403, 'NOT_AUTHORIZED', 'this device is not a member of the group');
    case 'stale':
      throw new ServerError(409, 'STALE_EPOCH', `the group is at epoch ${w.epoch}: process the messages since, then retry`, { epoch: w.epoch });
    case 'unknown-device':
      throw new ServerError(404, 'NOT_FOUND', 'the commit adds a device that is not registered');
    case 'already-member':
      throw new ServerError(409, 'ALREADY_MEMBER', 'the commit adds a device that is already a member');
    case 'not-a-member-to-remove':
      throw new ServerError(409, 'NOT_A_MEMBER', 'the commit removes a device that is not a member');
  }
}

/** Adds the delivery service's routes to `app`. */
export function registerGroupRoutes(app: FastifyInstance, store: ServerStore, limits: Limits): void {
  app.put<{ Body: { keyPackages: string[]; lastResort?: string } }>(
    '/v1/groups/key-packages',
    { schema: { body: obj(['keyPackages'], { keyPackages: { type: 'array', maxItems: MAX_KEY_PACKAGES, items: B64 }, lastResort: B64 }) } },
    async (request) => {
      const device = await authenticate(store, request);
      await limits.check(request, 'upload', `${device.account}/${device.device}`);
      const stored = JSON.parse((await store.deviceIdentity(device))!) as { signingKey: string };
      const given = [...request.body.keyPackages.map((k) => ({ k, last: false })), ...(request.body.lastResort === undefined ? [] : [{ k: request.body.lastResort, last: true }])];
      const packages: StoredKeyPackage[] = given.map(({ k, last }, i) => {
        const bytes = fromBase64(k);
        const facts = inspect(bytes, `key package ${i}`);
        if (facts.kind !== 'key-package') throw new ServerError(400, 'INVALID_REQUEST', `key package ${i} is a ${facts.kind}`);
        if (toHex(facts.identityKey!) !== stored.signingKey) throw new ServerError(403, 'WRONG_IDENTITY', `key package ${i} is bound to another identity than this device's`);
        // A device's members are named after it: how others remove it, how they see who sent.
        if (Buffer.from(facts.name!).toString() !== `${device.account}/${device.device}`) throw new ServerError(403, 'WRONG_IDENTITY', `key package ${i} names another device than this one (its credential name must be "account/device")`);
        if (facts.lastResort !== last) throw new ServerError(400, 'INVALID_REQUEST', last ? 'the last-resort key package is not marked last-resort' : `key package ${i} is marked last-resort`);
        return { suite: facts.suite!, keyPackage: bytes, lastResort: last };
      });
      await store.putKeyPackages(device, packages, nowSeconds());
      return { suites: await store.keyPackageCounts(device) };
    },
  );

  app.get('/v1/groups/key-packages', async (request) => {
    const device = await authenticate(store, request);
    return { suites: await store.keyPackageCounts(device) };
  });

  app.post<{ Params: { account: string; device: string }; Body: { suite: string } }>(
    '/v1/groups/key-packages/:account/:device',
    {
      schema: {
        params: obj(['account', 'device'], { account: ACCOUNT, device: { type: 'string', pattern: '^[1-9][0-9]{0,9}$' } }),
        body: obj(['suite'], { suite: { type: 'string', pattern: '^MLS_[A-Za-z0-9_]{1,80}$' } }),
      },
    },
    async (request) => {
      const requester = await authenticate(store, request);
      const target: DeviceAddress = { account: request.params.account, device: Number(request.params.device) };
      if (target.device > MAX_DEVICE) throw new ServerError(400, 'INVALID_REQUEST', 'device numbers go up to 2^31 − 1');
      await limits.check(request, 'bundle', `${requester.account}/${requester.device}`);
      await limits.check(request, 'bundleTarget', `${target.account}/${target.device}`);
      const claim = await store.claimKeyPackage(target, request.body.suite);
      if (claim === undefined) throw new ServerError(404, 'NOT_FOUND', 'no key package of that suite for this device');
      return { keyPackage: base64(claim.keyPackage), lastResort: claim.lastResort };
    },
  );

  app.post<{ Body: { group: string } }>('/v1/groups', { schema: { body: obj(['group'], { group: GROUP_ID }) } }, async (request, reply) => {
    const device = await authenticate(store, request);
    if (!(await store.createGroup(request.body.group, device, nowSeconds()))) throw new ServerError(409, 'GROUP_EXISTS', 'a group with this id exists');
    return reply.code(201).send({ group: request.body.group, epoch: 0 });
  });

  app.post<{ Params: { group: string }; Body: { commit: string; seen: number; welcome?: string; ratchetTree?: string; add?: DeviceAddress[]; remove?: DeviceAddress[] } }>(
    '/v1/groups/:group/commits',
    { schema: { params: groupParam, body: obj(['commit', 'seen'], { commit: B64, seen: { type: 'integer', minimum: 0 }, welcome: B64, ratchetTree: B64, add: DEVICES, remove: DEVICES }) } },
    async (request) => {
      const sender = await authenticate(store, request);
      await limits.check(request, 'send', `${sender.account}/${sender.device}`);
      const { group } = request.params;
      const commit = fromBase64(request.body.commit);
      const facts = inspect(commit, 'the commit');
      if (facts.kind !== 'commit') throw new ServerError(400, 'INVALID_REQUEST', `the commit is a ${facts.kind}`);
      if (toHex(facts.groupId!) !== group) throw new ServerError(400, 'INVALID_REQUEST', 'the commit is for another group');
      const add = request.body.add ?? [];
      const remove = request.body.remove ?? [];
      let welcome: Uint8Array | undefined;
      if (add.length > 0) {
        if (request.body.welcome === undefined) throw new ServerError(400, 'INVALID_REQUEST', 'a commit that adds devices needs their welcome');
        welcome = fromBase64(request.body.welcome);
        if (inspect(welcome, 'the welcome').kind !== 'welcome') throw new ServerError(400, 'INVALID_REQUEST', 'the welcome is not a welcome');
      } else if (request.body.welcome !== undefined || request.body.ratchetTree !== undefined) throw new ServerError(400, 'INVALID_REQUEST', 'a welcome or ratchet tree without devices to add');
      // The tree is public group data the joiners check against the welcome; kept as given.
      const ratchetTree = request.body.ratchetTree === undefined ? undefined : fromBase64(request.body.ratchetTree);
      const key = (d: DeviceAddress) => `${d.account}/${d.device}`;
      const named = [...add, ...remove].map(key);
      if (new Set(named).size !== named.length) throw new ServerError(400, 'INVALID_REQUEST', 'a device is named twice');
      const w = await store.commitToGroup({ group, sender, epoch: facts.epoch!, seen: request.body.seen, commit, ...(welcome && { welcome }), ...(ratchetTree && { ratchetTree }), add, remove, now: nowSeconds() });
      if (w.result !== 'accepted') refuse(w);
      return { seq: w.seq, epoch: w.epoch };
    },
  );

  app.post<{ Params: { group: string }; Body: { message: string } }>(
    '/v1/groups/:group/messages',
    { schema: { params: groupParam, body: obj(['message'], { message: B64 }) } },
    async (request) => {
      const sender = await authenticate(store, request);
      await limits.check(request, 'send', `${sender.account}/${sender.device}`);
      const { group } = request.params;
      const message = fromBase64(request.body.message);
      const facts = inspect(message, 'the message');
      // Proposals on their own are not carried: members refuse them (docs/groups.md).
      if (facts.kind !== 'application') throw new ServerError(400, 'INVALID_REQUEST', `a ${facts.kind} does not go to /messages`);
      if (toHex(facts.groupId!) !== group) throw new ServerError(400, 'INVALID_REQUEST', 'the message is for another group');
      const w = await store.postToGroup({ group, sender, epoch: facts.epoch!, kind: 'application', message, now: nowSeconds() });
      if (w.result !== 'accepted') refuse(w);
      return { seq: w.seq };
    },
  );

  app.get<{ Params: { group: string }; Querystring: { after?: string } }>(
    '/v1/groups/:group/messages',
    { schema: { params: groupParam, querystring: obj([], { after: { type: 'string', pattern: '^(0|[1-9][0-9]{0,14})$' } }) } },
    async (request) => {
      const device = await authenticate(store, request);
      const log = await store.groupLog(request.params.group, device, Number(request.query.after ?? '0'), GROUP_FETCH_LIMIT);
      if (log === 'unknown') throw new ServerError(404, 'NOT_FOUND', 'no such group');
      if (log === 'not-member') throw new ServerError(403, 'NOT_AUTHORIZED', 'this device was never a member of the group');
      return {
        ...(log.epoch !== undefined && { epoch: log.epoch }),
        messages: log.entries.map((e) => ({ seq: e.seq, epoch: e.epoch, kind: e.kind, sender: e.sender, sent: e.sent, message: base64(e.message) })),
      };
    },
  );

  app.get('/v1/groups/welcomes', async (request) => {
    const device = await authenticate(store, request);
    const welcomes = await store.pendingWelcomes(device, GROUP_FETCH_LIMIT);
    return { welcomes: welcomes.map((w) => ({ id: w.id, group: w.group, seq: w.seq, welcome: base64(w.welcome), ...(w.ratchetTree && { ratchetTree: base64(w.ratchetTree) }) })) };
  });

  app.post<{ Body: { ids: string[] } }>(
    '/v1/groups/welcomes/ack',
    { schema: { body: obj(['ids'], { ids: { type: 'array', maxItems: GROUP_FETCH_LIMIT, items: { type: 'string', pattern: '^[0-9a-f]{32}$' } } }) } },
    async (request) => {
      const device = await authenticate(store, request);
      return { acknowledged: await store.acknowledgeWelcomes(device, request.body.ids) };
    },
  );
}
