/**
 * The delivery service of MLS groups (docs/groups.md, "Delivery service") on SQLite and on
 * PostgreSQL, through `pqwire/client`'s group methods and through raw requests: a
 * three-device post-quantum group (adds, messages both ways, an update, a removal that
 * locks the removed device out), one-time key packages with a last-resort one, concurrent
 * commits (one wins, the other is refused and made again on top), and every refusal of
 * the server (stale epochs, a committer that has not read the whole log, non-members,
 * messages of another group or kind, bad key packages), each changing nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GroupMember, InMemoryGroupStore, createIdentity } from '../ts/src/index';
import type { GroupMessage, Identity, MlsSuiteName } from '../ts/src/index';
import { buildServer, openServerStore } from '../ts/src/server';
import type { ServerStore } from '../ts/src/server';
import { Client, ClientError, ClientGroups, deviceName } from '../ts/src/client';
import { ServerApi } from '../ts/src/client/server-api';
import type { FastifyInstance } from 'fastify';
import { startPostgres } from './pg-cluster';

const dir = mkdtempSync(join(tmpdir(), 'pqwire-groups-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const pg = startPostgres();
const databases = [
  { name: 'sqlite', db: () => join(dir, `groups-${Math.random().toString(36).slice(2)}.db`) },
  ...(pg ? [{ name: 'postgres', db: () => pg.url }] : []),
];

const XWING: MlsSuiteName = 'MLS_256_XWING_CHACHA20POLY1305_SHA256_Ed25519';
const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const read = (b: Uint8Array): string => new TextDecoder().decode(b);
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');
const plaintexts = (r: { received: GroupMessage[] }) => r.received.flatMap((m) => (m.kind === 'application' ? [read(m.plaintext)] : []));

/** The server's refusal of `p`: its status and code. */
async function refusal(p: Promise<unknown>): Promise<{ status: number; code: string; epoch?: number }> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e, 'expected the server to refuse').toBeInstanceOf(ClientError);
  const d = (e as ClientError).details;
  return { status: d.status!, code: d.serverCode!, ...(typeof d.epoch === 'number' && { epoch: d.epoch }) };
}

describe.each(databases)('the MLS delivery service on $name', ({ db }) => {
  let store: ServerStore;
  let app: FastifyInstance;
  let url: string;
  beforeAll(async () => {
    store = await openServerStore(db());
    app = await buildServer({ store, logger: false });
    url = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await app.close();
    await store.close();
  });

  /** A registered, logged-in device with a group member bound to its identity. */
  async function device(account: string, number = 1, voucher?: string) {
    const identity: Identity = createIdentity();
    const api = new ServerApi(url, { account, device: number });
    await api.register(identity, voucher);
    await api.login(identity);
    const store = new InMemoryGroupStore();
    const member = await GroupMember.create({ id: `${account}/${number}`, suite: XWING, identity, name: deviceName(api.me), store });
    const groups = new ClientGroups(member, api);
    await groups.publishKeyPackages(3);
    return { identity, api, member, groups, address: api.me };
  }
  const run = () => Math.random().toString(36).slice(2, 8);

  it('three devices: adds, messages both ways, an update, a removal that locks the removed one out', async () => {
    const r = run();
    const [alice, bob, carol] = [await device(`alice-${r}`), await device(`bob-${r}`), await device(`carol-${r}`)];
    const group = await alice.groups.create();
    await alice.groups.add(group, [bob.address, carol.address]);
    expect((await bob.groups.acceptWelcomes()).joined).toEqual([group]);
    expect((await carol.groups.acceptWelcomes()).joined).toEqual([group]);
    expect(await bob.groups.acceptWelcomes()).toEqual({ joined: [], errors: [] }); // acknowledged
    expect(alice.member.members(group).map((m) => read(m.name))).toEqual([`alice-${r}/1`, `bob-${r}/1`, `carol-${r}/1`]);

    await alice.groups.send(group, text('hello from alice'), { aad: text('topic') });
    await bob.groups.send(group, text('hello from bob'));
    expect(plaintexts(await carol.groups.sync(group))).toEqual(['hello from alice', 'hello from bob']);
    expect(plaintexts(await alice.groups.sync(group))).toEqual(['hello from bob']);
    const bobRead = await bob.groups.sync(group);
    expect(plaintexts(bobRead)).toEqual(['hello from alice']);
    expect(bobRead.received[0]!.from).toBe(`alice-${r}/1`);

    await carol.groups.update(group);
    await alice.groups.sync(group);
    await bob.groups.sync(group);
    expect([alice, bob, carol].map((d) => d.member.epoch(group))).toEqual([2, 2, 2]);

    await alice.groups.remove(group, [bob.address]);
    const seen = await bob.groups.sync(group);
    expect(seen.received.at(-1)).toMatchObject({ kind: 'commit', removedSelf: true });
    await carol.groups.sync(group);
    await carol.groups.send(group, text('bob cannot read this'));
    // The log ends, for Bob, at the commit that removed him; he may post nothing more.
    expect((await bob.groups.sync(group)).received).toEqual([]);
    const log = await bob.api.json<{ epoch?: number; messages: unknown[] }>('GET', `/v1/groups/${hex(group)}/messages?after=0`);
    expect(log.epoch).toBeUndefined();
    expect(await refusal(bob.api.json('POST', `/v1/groups/${hex(group)}/messages`, { message: b64(await carol.member.encrypt(group, text('x'))) }))).toMatchObject({ status: 403, code: 'NOT_AUTHORIZED' });
    expect(plaintexts(await alice.groups.sync(group))).toEqual(['bob cannot read this']);
    expect(alice.member.exportSecret(group, 'x', new Uint8Array(0), 32)).toEqual(carol.member.exportSecret(group, 'x', new Uint8Array(0), 32));
  });

  it('key packages: each one-time one is claimed once, then the last-resort one; bad uploads are refused and change nothing', async () => {
    const r = run();
    const [alice, bob] = [await device(`alice-${r}`), await device(`bob-${r}`)];
    expect(await bob.api.json('GET', '/v1/groups/key-packages')).toEqual({ suites: { [XWING]: { oneTime: 3, lastResort: true } } });
    const claim = () => alice.api.json<{ keyPackage: string; lastResort: boolean }>('POST', `/v1/groups/key-packages/bob-${r}/1`, { suite: XWING });
    const claims = await Promise.all([claim(), claim(), claim(), claim(), claim()]);
    expect(new Set(claims.filter((c) => !c.lastResort).map((c) => c.keyPackage)).size).toBe(3);
    expect(claims.filter((c) => c.lastResort)).toHaveLength(2);
    expect(claims.filter((c) => c.lastResort)[0]!.keyPackage).toBe(claims.filter((c) => c.lastResort)[1]!.keyPackage);
    expect(await bob.api.json('GET', '/v1/groups/key-packages')).toEqual({ suites: { [XWING]: { oneTime: 0, lastResort: true } } });
    expect(await refusal(alice.api.json('POST', `/v1/groups/key-packages/bob-${r}/1`, { suite: 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519' }))).toMatchObject({ status: 404, code: 'NOT_FOUND' });

    // Alice's key package uploaded by Bob: bound to another identity than his device's.
    const alices = b64(await alice.member.keyPackage());
    const own = b64(await bob.member.keyPackage());
    const lastResort = b64(await bob.member.keyPackage({ lastResort: true }));
    const put = (body: unknown) => bob.api.json('PUT', '/v1/groups/key-packages', body);
    expect(await refusal(put({ keyPackages: [alices], lastResort }))).toMatchObject({ status: 403, code: 'WRONG_IDENTITY' });
    expect(await refusal(put({ keyPackages: [lastResort] }))).toMatchObject({ status: 400, code: 'INVALID_REQUEST' });
    expect(await refusal(put({ keyPackages: [own], lastResort: own }))).toMatchObject({ status: 400, code: 'INVALID_REQUEST' });
    expect(await refusal(put({ keyPackages: [b64(text('not mls'))] }))).toMatchObject({ status: 400, code: 'INVALID_REQUEST' });
    const tampered = Buffer.from(own, 'base64');
    tampered[tampered.length - 5]! ^= 1;
    expect(await refusal(put({ keyPackages: [tampered.toString('base64')] }))).toMatchObject({ status: 400, code: 'INVALID_REQUEST' });
    // A key package whose credential names another device than the uploader.
    const misnamed = await GroupMember.create({ id: 'misnamed', suite: XWING, identity: bob.identity, name: text(`alice-${r}/1`), store: new InMemoryGroupStore() });
    expect(await refusal(put({ keyPackages: [b64(await misnamed.keyPackage())], lastResort }))).toMatchObject({ status: 403, code: 'WRONG_IDENTITY' });
    expect(await bob.api.json('GET', '/v1/groups/key-packages')).toEqual({ suites: { [XWING]: { oneTime: 0, lastResort: true } } });
  });

  it('a garbage welcome does not block the good ones after it; both are acknowledged', async () => {
    const r = run();
    const [alice, bob, mallory] = [await device(`alice-${r}`), await device(`bob-${r}`), await device(`mallory-${r}`)];
    // Mallory "adds" Bob to her group with a welcome for someone else (Alice's key package).
    const junkGroup = await mallory.groups.create();
    const kp = (await mallory.api.json<{ keyPackage: string }>('POST', `/v1/groups/key-packages/alice-${r}/1`, { suite: XWING })).keyPackage;
    const junk = await mallory.member.addMembers(junkGroup, [new Uint8Array(Buffer.from(kp, 'base64'))]);
    await mallory.api.json('POST', `/v1/groups/${hex(junkGroup)}/commits`, { commit: b64(junk.commit), seen: 0, welcome: b64(junk.welcome!), ratchetTree: b64(junk.ratchetTree!), add: [bob.address] });
    const group = await alice.groups.create();
    await alice.groups.add(group, [bob.address]);
    const accepted = await bob.groups.acceptWelcomes();
    expect(accepted.joined).toEqual([group]);
    expect(accepted.errors).toHaveLength(1);
    expect(accepted.errors[0]!.group).toBe(hex(junkGroup));
    expect(await bob.groups.acceptWelcomes()).toEqual({ joined: [], errors: [] });
  });

  it('a commit whose answer was lost is found in the log and applied; one that was not taken is dropped', async () => {
    const r = run();
    const [alice, bob] = [await device(`alice-${r}`), await device(`bob-${r}`)];
    const group = await alice.groups.create();
    await alice.groups.add(group, [bob.address]);
    await bob.groups.acceptWelcomes();
    // The server takes Alice's update, but the answer never reaches her.
    let lose = true;
    const lossy = { me: alice.api.me, json: async <T>(method: string, path: string, body?: unknown): Promise<T> => {
      const answer = await alice.api.json<T>(method, path, body);
      if (lose && path.endsWith('/commits')) {
        lose = false;
        throw new ClientError('SERVER_REFUSED', 'the connection dropped', { status: 0 });
      }
      return answer;
    } };
    const aliceLossy = new ClientGroups(alice.member, lossy);
    aliceLossy.resume(group, alice.groups.cursor(group));
    await aliceLossy.update(group);
    expect(alice.member.epoch(group)).toBe(2);
    await bob.groups.sync(group);
    expect(bob.member.epoch(group)).toBe(2);
    // The server is down for the commit itself: nothing taken, nothing pending after.
    const down = { me: alice.api.me, json: async <T>(method: string, path: string, body?: unknown): Promise<T> => {
      if (path.endsWith('/commits')) throw new ClientError('SERVER_REFUSED', 'unreachable', { status: 0 });
      return alice.api.json<T>(method, path, body);
    } };
    await expect(new ClientGroups(alice.member, down).update(group)).rejects.toThrow('unreachable');
    expect(alice.member.epoch(group)).toBe(2);
    await alice.groups.send(group, text('still in step'));
    expect(plaintexts(await bob.groups.sync(group))).toEqual(['still in step']);
  });

  it('concurrent commits: one wins, the other is refused as stale and made again on top of it', async () => {
    const r = run();
    const [alice, bob, carol, dave] = [await device(`alice-${r}`), await device(`bob-${r}`), await device(`carol-${r}`), await device(`dave-${r}`)];
    const group = await alice.groups.create();
    await alice.groups.add(group, [bob.address]);
    await bob.groups.acceptWelcomes();
    await Promise.all([alice.groups.add(group, [carol.address]), bob.groups.add(group, [dave.address])]);
    await carol.groups.acceptWelcomes();
    await dave.groups.acceptWelcomes();
    for (const d of [alice, bob, carol, dave]) await d.groups.sync(group);
    const epochs = [alice, bob, carol, dave].map((d) => d.member.epoch(group));
    expect(epochs).toEqual([3, 3, 3, 3]);
    const secrets = [alice, bob, carol, dave].map((d) => hex(d.member.exportSecret(group, 'x', new Uint8Array(0), 32)));
    expect(new Set(secrets).size).toBe(1);
    expect(alice.member.members(group)).toHaveLength(4);

    // Deterministically: Alice's update lands between Bob's read of the log and his commit.
    const refusals: string[] = [];
    let raced = false;
    const api = { me: bob.api.me, json: async <T>(method: string, path: string, body?: unknown): Promise<T> => {
      if (path.endsWith('/commits') && !raced) {
        raced = true;
        await alice.groups.update(group);
      }
      return bob.api.json<T>(method, path, body).catch((e: unknown) => {
        refusals.push((e as ClientError).details.serverCode!);
        throw e;
      });
    } };
    await new ClientGroups(bob.member, api).update(group);
    expect(refusals).toEqual(['STALE_EPOCH']);
    for (const d of [alice, carol, dave]) await d.groups.sync(group);
    expect([alice, bob, carol, dave].map((d) => d.member.epoch(group))).toEqual([5, 5, 5, 5]);
  });

  it('refuses stale commits and messages, a committer behind the log, non-members, and messages of another group or kind', async () => {
    const r = run();
    const [alice, bob, eve] = [await device(`alice-${r}`), await device(`bob-${r}`), await device(`eve-${r}`)];
    const group = await alice.groups.create();
    const id = hex(group);
    expect(await refusal(alice.api.json('POST', '/v1/groups', { group: id }))).toMatchObject({ status: 409, code: 'GROUP_EXISTS' });
    await alice.groups.add(group, [bob.address]);
    await bob.groups.acceptWelcomes();
    const logBefore = await alice.api.json('GET', `/v1/groups/${id}/messages?after=0`);
    const post = (who: typeof alice, path: string, body: unknown) => who.api.json('POST', `/v1/groups/${id}/${path}`, body);

    // A commit of epoch 1, then a second one of the same epoch: stale.
    const first = await alice.member.selfUpdate(group);
    const second = await bob.member.selfUpdate(group);
    await post(alice, 'commits', { commit: b64(first.commit), seen: 1 });
    await alice.member.confirmCommit(group);
    expect(await refusal(post(bob, 'commits', { commit: b64(second.commit), seen: 2 }))).toEqual({ status: 409, code: 'STALE_EPOCH', epoch: 2 });
    await bob.member.discardCommit(group);
    // The accepted commit again: its epoch is over.
    expect(await refusal(post(alice, 'commits', { commit: b64(first.commit), seen: 2 }))).toMatchObject({ status: 409, code: 'STALE_EPOCH' });
    // An application message of the epoch that ended.
    const old = await bob.member.encrypt(group, text('late'));
    expect(await refusal(post(bob, 'messages', { message: b64(old) }))).toMatchObject({ status: 409, code: 'STALE_EPOCH', epoch: 2 });
    await bob.groups.sync(group);
    // A commit from a member that has not read the last entry.
    await alice.groups.send(group, text('unread by bob'));
    const behind = await bob.member.selfUpdate(group);
    expect(await refusal(post(bob, 'commits', { commit: b64(behind.commit), seen: 2 }))).toMatchObject({ status: 409, code: 'STALE_EPOCH' });
    await bob.member.discardCommit(group);
    expect(plaintexts(await bob.groups.sync(group))).toEqual(['unread by bob']);

    // Not members: Eve may neither post nor read; an unknown group is 404.
    const evesGroup = await eve.groups.create();
    const evesMessage = await eve.member.encrypt(evesGroup, text('elsewhere'));
    expect(await refusal(eve.api.json('GET', `/v1/groups/${id}/messages?after=0`))).toMatchObject({ status: 403, code: 'NOT_AUTHORIZED' });
    expect(await refusal(post(eve, 'messages', { message: b64(await alice.member.encrypt(group, text('x'))) }))).toMatchObject({ status: 403, code: 'NOT_AUTHORIZED' });
    expect(await refusal(alice.api.json('GET', `/v1/groups/${'ab'.repeat(16)}/messages`))).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    // Another group's message; a commit sent as a message; a message sent as a commit; junk.
    expect(await refusal(post(alice, 'messages', { message: b64(evesMessage) }))).toMatchObject({ status: 400, code: 'INVALID_REQUEST' });
    const update = await alice.member.selfUpdate(group);
    expect(await refusal(post(alice, 'messages', { message: b64(update.commit) }))).toMatchObject({ status: 400, code: 'INVALID_REQUEST' });
    await alice.member.discardCommit(group);
    expect(await refusal(post(alice, 'commits', { commit: b64(await alice.member.encrypt(group, text('x'))), seen: 3 }))).toMatchObject({ status: 400, code: 'INVALID_REQUEST' });
    expect(await refusal(post(alice, 'messages', { message: b64(text('not mls')) }))).toMatchObject({ status: 400, code: 'INVALID_REQUEST' });
    // Adds: without the welcome; of an unregistered device; of a member.
    const kp = (await alice.api.json<{ keyPackage: string }>('POST', `/v1/groups/key-packages/eve-${r}/1`, { suite: XWING })).keyPackage;
    const adding = await alice.member.addMembers(group, [new Uint8Array(Buffer.from(kp, 'base64'))]);
    const base = { commit: b64(adding.commit), seen: 3 };
    expect(await refusal(post(alice, 'commits', { ...base, add: [eve.address] }))).toMatchObject({ status: 400, code: 'INVALID_REQUEST' });
    expect(await refusal(post(alice, 'commits', { ...base, welcome: b64(adding.welcome!), add: [{ account: `nobody-${r}`, device: 1 }] }))).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    expect(await refusal(post(alice, 'commits', { ...base, welcome: b64(adding.welcome!), add: [bob.address] }))).toMatchObject({ status: 409, code: 'ALREADY_MEMBER' });
    expect(await refusal(post(alice, 'commits', { ...base, remove: [eve.address] }))).toMatchObject({ status: 409, code: 'NOT_A_MEMBER' });
    expect(await refusal(post(alice, 'commits', { ...base, welcome: b64(adding.welcome!), add: [eve.address, eve.address] }))).toMatchObject({ status: 400, code: 'INVALID_REQUEST' });
    await alice.member.discardCommit(group);
    // None of it changed the group: the log holds the first commit and the one message.
    const log = await alice.api.json<{ epoch: number; messages: { seq: number; kind: string }[] }>('GET', `/v1/groups/${id}/messages?after=0`);
    expect(log.epoch).toBe(2);
    expect(log.messages.map((m) => m.kind)).toEqual([...(logBefore as { messages: { kind: string }[] }).messages.map((m) => m.kind), 'commit', 'application']);
  });

  it('a device that lost its group state is removed and added again, and reads on from its new welcome', async () => {
    const r = run();
    const [alice, bob] = [await device(`alice-${r}`), await device(`bob-${r}`)];
    const group = await alice.groups.create();
    await alice.groups.add(group, [bob.address]);
    await bob.groups.acceptWelcomes();
    await alice.groups.send(group, text('before the loss'));
    // Bob's device loses its group store: a fresh member for the same device and identity.
    const fresh = await GroupMember.create({ id: `bob-${r}/1`, suite: XWING, identity: bob.identity, name: deviceName(bob.address), store: new InMemoryGroupStore() });
    const bobAgain = new ClientGroups(fresh, bob.api);
    await bobAgain.publishKeyPackages(1);
    await alice.groups.readd(group, [bob.address]);
    expect((await bobAgain.acceptWelcomes()).joined).toEqual([group]);
    await alice.groups.send(group, text('after the re-add'));
    expect(plaintexts(await bobAgain.sync(group))).toEqual(['after the re-add']);
    expect(fresh.epoch(group)).toBe(alice.member.epoch(group));
    expect(alice.member.members(group).map((m) => read(m.name))).toEqual([`alice-${r}/1`, `bob-${r}/1`]);
  });

  it('a Client opens its device\'s group member from the store, bound to the device identity', async () => {
    const r = run();
    const client = await Client.open({ url, account: `frank-${r}`, live: false });
    await client.connect();
    const store = new InMemoryGroupStore();
    const groups = await client.groups({ suite: XWING, store });
    expect(read(groups.member.name)).toBe(`frank-${r}/1`);
    expect(groups.member.members(await groups.create())[0]!.identityKey).toEqual(client.identity.signingKey);
    await groups.publishKeyPackages(1);
    const again = await client.groups({ suite: XWING, store });
    expect(again.member.signatureKey).toEqual(groups.member.signatureKey);
    await client.close();
  });
});
