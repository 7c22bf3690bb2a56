/**
 * The reference server's foundation (docs/server.md): one store interface on SQLite and
 * on PostgreSQL (the same tests for both), its schema migrations, `GET /v1/health`, and
 * `pqwire serve` from the command line (address printed, SIGTERM drains, exit 0; bad
 * flags exit 2, a store that cannot open exits 1).
 *
 * PostgreSQL: a throwaway cluster (scripts/pg-test-server.sh) when a server is installed;
 * without one the PostgreSQL half is skipped, except under CI, where it must run.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InMemoryPrekeyStore, InvalidArgumentError, acceptSession, createIdentity, createPrekeyBatch, decodeMessage, initiateSession } from '../ts/src/index';
import type { Identity } from '../ts/src/index';
import { DEFAULT_LOGGER, LOGIN_CONTEXT, MAX_BODY_BYTES, MAX_CONNECTIONS_PER_DEVICE, MAX_ENVELOPE_BYTES, MAX_UNACKED, MIGRATIONS, REGISTER_CONTEXT, TOKEN_SECONDS, buildServer, challengeData, openServerStore, serve } from '../ts/src/server';
import type { ServerStore } from '../ts/src/server';
import type { FastifyInstance } from 'fastify';
import WebSocket from 'ws';
import { tokenHash } from '../ts/src/server/auth';
import { bad, expectReject, logSink } from './helpers';
import { startPostgres } from './pg-cluster';

const ROOT = join(__dirname, '..');
const CLI = join(ROOT, 'bin', 'pqwire.js');
const dir = mkdtempSync(join(tmpdir(), 'pqwire-server-'));

const pg = startPostgres();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const databases = [
  { name: 'sqlite', db: () => join(dir, `store-${Math.random().toString(36).slice(2)}.db`) },
  ...(pg ? [{ name: 'postgres', db: () => pg.url }] : []),
];

describe.each(databases)('the server store on $name', ({ name, db }) => {
  let store: ServerStore;
  beforeAll(async () => {
    store = await openServerStore(db());
  });
  afterAll(async () => {
    await store.close();
  });

  it('runs every migration once, and again changes nothing', async () => {
    const last = Math.max(...MIGRATIONS.map((m) => m.version));
    expect(store.database).toBe(name);
    expect(await store.schemaVersion()).toBe(last);
    await store.migrate();
    expect(await store.schemaVersion()).toBe(last);
  });

  it('GET /v1/health answers 200 with the database; a closed store is 503', async () => {
    const app = await buildServer({ store, logger: false });
    const ok = await app.inject({ method: 'GET', url: '/v1/health' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ status: 'ok', db: name });
    const other = await openServerStore(db());
    const closed = await buildServer({ store: other, logger: false });
    await other.close();
    const down = await closed.inject({ method: 'GET', url: '/v1/health' });
    expect(down.statusCode).toBe(503);
    expect(down.json()).toEqual({ status: 'unavailable', db: name });
    expect((await app.inject({ method: 'GET', url: '/v1/nothing' })).statusCode).toBe(404);
    await app.close();
    await closed.close();
  });
});

/** A device's client for the tests: challenges, answers, registration, login. */
function device(app: FastifyInstance, account: string, number: number, identity: Identity = createIdentity()) {
  const post = (url: string, payload: unknown) => app.inject({ method: 'POST', url, payload: payload as object });
  const challenge = async (forAccount = account, forDevice = number): Promise<string> => {
    const res = await post('/v1/auth/challenge', { account: forAccount, device: forDevice });
    expect(res.statusCode).toBe(200);
    return res.json().challenge;
  };
  const sign = (c: string, context: Uint8Array, by: Identity = identity) => Buffer.from(by.sign(challengeData(account, number, c), { context })).toString('hex');
  return {
    identity,
    challenge,
    sign,
    register: async (c?: string, signature?: string, as: Identity = identity, voucher?: string) => {
      const ch = c ?? (await challenge());
      const payload = { account, device: number, identity: as.publicIdentity.toJSON(), challenge: ch, signature: signature ?? sign(ch, REGISTER_CONTEXT, as) };
      return app.inject({ method: 'POST', url: '/v1/devices', payload, ...(voucher && { headers: { authorization: `Bearer ${voucher}` } }) });
    },
    login: async (c?: string, signature?: string) => {
      const ch = c ?? (await challenge());
      return post('/v1/auth/token', { account, device: number, challenge: ch, signature: signature ?? sign(ch, LOGIN_CONTEXT) });
    },
    me: (token: string) => app.inject({ method: 'GET', url: '/v1/devices/me', headers: { authorization: `Bearer ${token}` } }),
  };
}

describe.each(databases)('devices and logins on $name', ({ name, db }) => {
  let store: ServerStore;
  let app: FastifyInstance;
  const account = `acct-${name}`;
  beforeAll(async () => {
    store = await openServerStore(db());
    app = await buildServer({ store, logger: false });
  });
  afterAll(async () => {
    await app.close();
    await store.close();
  });

  it('binds a device to its identity once: 201, the same again 200, another identity or device 409', async () => {
    const alice = device(app, account, 1);
    const first = await alice.register();
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json()).toEqual({ account, device: 1, fingerprint: alice.identity.publicIdentity.fingerprint });
    expect((await alice.register()).statusCode).toBe(200);
    const other = createIdentity();
    const rebind = await alice.register(undefined, undefined, other);
    expect(rebind.statusCode).toBe(409);
    expect(rebind.json().error).toBe('IDENTITY_BOUND');
    // A second device joins only with a device of the account vouching (its token).
    const aliceToken = (await alice.login()).json().token as string;
    const stranger = device(app, account, 5);
    const refused = await stranger.register();
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error).toBe('NOT_AUTHORIZED');
    const otherAccount = device(app, `${account}-other`, 1);
    expect((await otherAccount.register()).statusCode).toBe(201);
    const foreignToken = (await otherAccount.login()).json().token as string;
    expect((await stranger.register(undefined, undefined, undefined, foreignToken)).statusCode).toBe(403);
    expect((await stranger.register(undefined, undefined, undefined, aliceToken)).statusCode).toBe(201);
    // The same identity for another device is refused, vouched for or not.
    const second = device(app, account, 2, alice.identity);
    expect((await second.register(undefined, undefined, undefined, aliceToken)).statusCode).toBe(409);
    expect(await store.deviceIdentity({ account, device: 2 })).toBeUndefined();
    expect(JSON.parse((await store.deviceIdentity({ account, device: 1 }))!)).toEqual(alice.identity.publicIdentity.toJSON());
  });

  it('a login answered with the identity key yields a token; wrong or reused answers are 401', async () => {
    const bob = device(app, `${account}-bob`, 3);
    expect((await bob.register()).statusCode).toBe(201);
    const ok = await bob.login();
    expect(ok.statusCode, ok.body).toBe(200);
    const { token, expires } = ok.json();
    expect(expires).toBeGreaterThan(Date.now() / 1000);
    const me = await bob.me(token);
    expect(me.statusCode).toBe(200);
    expect(me.json()).toEqual({ account: `${account}-bob`, device: 3, fingerprint: bob.identity.publicIdentity.fingerprint });

    // A wrong signature uses the challenge up: the right answer after it is refused too.
    const c = await bob.challenge();
    const wrong = await bob.login(c, bob.sign(c, LOGIN_CONTEXT, createIdentity()));
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error).toBe('UNAUTHORIZED');
    expect((await bob.login(c)).statusCode).toBe(401);
    // A replayed answer, a register-context signature, another device's challenge.
    const c2 = await bob.challenge();
    expect((await bob.login(c2)).statusCode).toBe(200);
    expect((await bob.login(c2)).statusCode).toBe(401);
    const c3 = await bob.challenge();
    expect((await bob.login(c3, bob.sign(c3, REGISTER_CONTEXT))).statusCode).toBe(401);
    const c4 = await bob.challenge(account, 1);
    expect((await bob.login(c4)).statusCode).toBe(401);
    // An unknown device.
    const ghost = device(app, `${account}-ghost`, 99);
    expect((await ghost.login()).statusCode).toBe(401);
    // Tokens: missing, wrong, expired.
    expect((await app.inject({ method: 'GET', url: '/v1/devices/me' })).statusCode).toBe(401);
    expect((await bob.me('not-a-token')).statusCode).toBe(401);
    expect(await store.tokenDevice(tokenHash(token), Math.floor(Date.now() / 1000))).toEqual({ account: `${account}-bob`, device: 3, expires });
    expect(await store.tokenDevice(tokenHash(token), Math.floor(Date.now() / 1000) + TOKEN_SECONDS + 1)).toBeUndefined();
  });

  it('a token the server remembers is still refused once it expires', async () => {
    expect((await device(app, `${account}-remembered`, 1).register()).statusCode).toBe(201);
    const short = `remembered-token-${name}`;
    await store.putToken(tokenHash(short), { account: `${account}-remembered`, device: 1 }, Math.floor(Date.now() / 1000) + 1);
    const me = () => app.inject({ method: 'GET', url: '/v1/devices/me', headers: { authorization: `Bearer ${short}` } });
    expect((await me()).statusCode).toBe(200); // looked up, now remembered
    await new Promise((r) => setTimeout(r, 2100));
    expect((await me()).statusCode).toBe(401);
  });

  it('the sweep deletes expired challenges, tokens and messages, and nothing else', async () => {
    const d = { account: `${account}-sweep`, device: 1 };
    const t = Math.floor(Date.now() / 1000);
    await store.putChallenge('d1'.repeat(32), d, t - 1);
    await store.putChallenge('d2'.repeat(32), d, t + 60);
    await store.putToken('e1'.repeat(32), d, t - 1);
    await store.putToken('e2'.repeat(32), d, t + 60);
    const m = (id: string, expires: number) => ({ id, ...d, envelope: new Uint8Array([1]), sender: 'x/1', sent: t - 100, expires });
    await store.enqueue([m('f1'.repeat(16), t - 1)], 100);
    await store.enqueue([m('f2'.repeat(16), t + 60)], 100);
    expect(await store.sweep(t)).toBeGreaterThanOrEqual(3);
    expect(await store.takeChallenge('d1'.repeat(32), d, t - 10)).toBe(false); // gone, though valid at t − 10
    expect(await store.takeChallenge('d2'.repeat(32), d, t)).toBe(true);
    expect(await store.tokenDevice('e1'.repeat(32), t - 10)).toBeUndefined();
    expect(await store.tokenDevice('e2'.repeat(32), t)).toMatchObject(d);
    expect((await store.pending(d, t - 10, 10)).map((x) => x.id)).toEqual(['f2'.repeat(16)]);
  });

  it('an expired challenge is refused, and taken once only', async () => {
    const d = { account, device: 7 };
    const t = 1_000_000;
    await store.putChallenge('aa'.repeat(32), d, t + 60);
    expect(await store.takeChallenge('aa'.repeat(32), d, t + 61)).toBe(false);
    await store.putChallenge('bb'.repeat(32), d, t + 60);
    expect(await store.takeChallenge('bb'.repeat(32), { account, device: 8 }, t)).toBe(false);
    expect(await store.takeChallenge('bb'.repeat(32), d, t)).toBe(false); // gone with the wrong claim
    await store.putChallenge('cc'.repeat(32), d, t + 60);
    expect(await store.takeChallenge('cc'.repeat(32), d, t)).toBe(true);
    expect(await store.takeChallenge('cc'.repeat(32), d, t)).toBe(false);
  });

  it('malformed, oversized and forged requests get a typed 4xx and change nothing', async () => {
    const carol = device(app, `${account}-carol`, 4);
    const c = await carol.challenge();
    const good = { account: `${account}-carol`, device: 4, identity: carol.identity.publicIdentity.toJSON(), challenge: c, signature: carol.sign(c, REGISTER_CONTEXT) };
    const cases: [string, unknown][] = [
      ['missing field', { ...good, signature: undefined }],
      ['extra field', { ...good, admin: true }],
      ['account with a newline', { ...good, account: 'a\nb' }],
      ['device 0', { ...good, device: 0 }],
      ['device as a string', { ...good, device: '4' }],
      ['odd hex', { ...good, signature: 'abc' }],
      ['identity not an identity', { ...good, identity: { signingKey: 'aa', dhKey: 'bb', dhSignature: '' } }],
    ];
    for (const [label, payload] of cases) {
      const res = await app.inject({ method: 'POST', url: '/v1/devices', payload: payload as object });
      expect(res.statusCode, label).toBe(400);
      expect(res.json().error, label).toBe('INVALID_REQUEST');
    }
    const notJson = await app.inject({ method: 'POST', url: '/v1/devices', headers: { 'content-type': 'application/json' }, payload: '{"account":' });
    expect(notJson.statusCode).toBe(400);
    expect(notJson.json().error).toBe('INVALID_REQUEST');
    const huge = await app.inject({ method: 'POST', url: '/v1/devices', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ pad: 'x'.repeat(MAX_BODY_BYTES) }) });
    expect(huge.statusCode).toBe(413);
    expect(huge.json().error).toBe('TOO_LARGE');
    expect(await store.deviceIdentity({ account: `${account}-carol`, device: 4 })).toBeUndefined();
    // The untouched request still works: none of the above used its challenge.
    expect((await app.inject({ method: 'POST', url: '/v1/devices', payload: good })).statusCode).toBe(201);
  });
});

describe.each(databases)('the prekey directory on $name', ({ name, db }) => {
  let store: ServerStore;
  let app: FastifyInstance;
  const account = `keys-${name}`;
  let location: string;
  beforeAll(async () => {
    location = db();
    store = await openServerStore(location);
    app = await buildServer({ store, logger: false });
  });
  afterAll(async () => {
    await app.close();
    await store.close();
  });

  /** A registered, logged-in device: its token and identity. */
  async function loggedIn(number: number) {
    const d = device(app, `${account}-${number}`, 1);
    expect((await d.register()).statusCode).toBe(201);
    return { ...d, token: (await d.login()).json().token as string };
  }
  const put = (token: string | undefined, body: Uint8Array | string, type = 'application/octet-stream') =>
    app.inject({ method: 'PUT', url: '/v1/prekeys', headers: { 'content-type': type, ...(token ? { authorization: `Bearer ${token}` } : {}) }, payload: Buffer.from(body) });
  const fetchBundle = (token: string, owner: number) => app.inject({ method: 'GET', url: `/v1/prekeys/${account}-${owner}/1`, headers: { authorization: `Bearer ${token}` } });
  /** The leaf indices a bundle carries (4 bytes before each key). */
  const leaves = (bundle: Uint8Array) => {
    const m = decodeMessage(bundle, 'prekey-bundle');
    const at = (b: Uint8Array | undefined) => (b === undefined ? undefined : Buffer.from(b).readUInt32BE(0));
    return { kem: at(m.kemPrekey), oneTime: at(m.oneTimePrekey) };
  };

  it('takes a verified upload of the device\'s own identity, and counts what is left', async () => {
    const owner = await loggedIn(1);
    const prekeyStore = new InMemoryPrekeyStore();
    const upload = await createPrekeyBatch(owner.identity, { prekeyStore, oneTimeCount: 3, oneTimeKemCount: 2 });
    const res = await put(owner.token, upload);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ oneTimeKem: 2, oneTime: 3 });
    const counts = await app.inject({ method: 'GET', url: '/v1/prekeys', headers: { authorization: `Bearer ${owner.token}` } });
    expect(counts.json()).toMatchObject({ oneTimeKem: 2, oneTime: 3 });

    // Refusals, none of which replaces the stored upload.
    const stranger = createIdentity();
    const foreign = await createPrekeyBatch(stranger, { prekeyStore: new InMemoryPrekeyStore(), oneTimeCount: 1, oneTimeKemCount: 1 });
    const wrong = await put(owner.token, foreign);
    expect(wrong.statusCode).toBe(403);
    expect(wrong.json().error).toBe('WRONG_IDENTITY');
    const tampered = Uint8Array.from(upload);
    tampered[tampered.length - 10]! ^= 1;
    expect((await put(owner.token, tampered)).json().error).toBe('INVALID_UPLOAD');
    expect((await put(owner.token, upload.subarray(0, 100))).json().error).toBe('INVALID_UPLOAD');
    expect((await put(owner.token, JSON.stringify({ upload: 'x' }), 'application/json')).statusCode).toBe(400);
    expect((await put(undefined, upload)).statusCode).toBe(401);
    expect((await put('forged', upload)).statusCode).toBe(401);
    const after = await app.inject({ method: 'GET', url: '/v1/prekeys', headers: { authorization: `Bearer ${owner.token}` } });
    expect(after.json()).toMatchObject({ oneTimeKem: 2, oneTime: 3 });
  });

  it('hands out bundles that open sessions, each one-time prekey once, then the last-resort KEM prekey', async () => {
    const owner = await loggedIn(2);
    const fetcher = await loggedIn(3);
    const prekeyStore = new InMemoryPrekeyStore();
    expect((await put(owner.token, await createPrekeyBatch(owner.identity, { prekeyStore, oneTimeCount: 8, oneTimeKemCount: 8 }))).statusCode).toBe(200);
    // 24 fetches at once: 8 carry a one-time prekey of each kind, each index once.
    const responses = await Promise.all(Array.from({ length: 24 }, () => fetchBundle(fetcher.token, 2)));
    const bundles = responses.map((r) => {
      expect(r.statusCode, r.body).toBe(200);
      expect(r.headers['content-type']).toBe('application/octet-stream');
      return new Uint8Array(r.rawPayload);
    });
    const all = bundles.map(leaves);
    const withOneTime = all.filter((l) => l.oneTime !== undefined);
    expect(withOneTime).toHaveLength(8);
    expect(new Set(withOneTime.map((l) => l.oneTime)).size).toBe(8);
    expect(new Set(withOneTime.map((l) => l.kem)).size).toBe(8);
    expect(all.filter((l) => l.oneTime === undefined).every((l) => l.kem === 0)).toBe(true); // leaf 0: the last-resort KEM prekey
    // Every bundle opens a session with the owner, whose store consumes each one-time prekey once.
    for (const bundle of bundles) {
      const { initialMessage } = await initiateSession(bundle, { identity: fetcher.identity });
      const { plaintext } = await acceptSession(initialMessage, { identity: owner.identity, prekeyStore });
      expect(plaintext).toEqual(new Uint8Array(0));
    }
    const left = await app.inject({ method: 'GET', url: '/v1/prekeys', headers: { authorization: `Bearer ${owner.token}` } });
    expect(left.json()).toMatchObject({ oneTimeKem: 0, oneTime: 0 });
    // A device without an upload, a bad target, no token.
    expect((await fetchBundle(fetcher.token, 99)).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: `/v1/prekeys/${account}-2/0`, headers: { authorization: `Bearer ${fetcher.token}` } })).statusCode).toBe(400);
    expect((await app.inject({ method: 'GET', url: `/v1/prekeys/${account}-2/9999999999`, headers: { authorization: `Bearer ${fetcher.token}` } })).statusCode).toBe(400);
    expect((await app.inject({ method: 'GET', url: `/v1/prekeys/${account}-2/1` })).statusCode).toBe(401);
  });

  it('a second server process on the same database never hands out a one-time prekey twice', async () => {
    const owner = await loggedIn(4);
    const fetcher = await loggedIn(5);
    expect((await put(owner.token, await createPrekeyBatch(owner.identity, { prekeyStore: new InMemoryPrekeyStore(), oneTimeCount: 30, oneTimeKemCount: 30 }))).statusCode).toBe(200);
    // Another server on the same database (for SQLite, another connection to the same file).
    const otherStore = await openServerStore(location);
    const other = await buildServer({ store: otherStore, logger: false });
    const apps = [app, other];
    const responses = await Promise.all(
      Array.from({ length: 40 }, (_, i) => apps[i % 2]!.inject({ method: 'GET', url: `/v1/prekeys/${account}-4/1`, headers: { authorization: `Bearer ${fetcher.token}` } })),
    );
    const oneTime = responses.map((r) => leaves(new Uint8Array(r.rawPayload)).oneTime).filter((x) => x !== undefined);
    expect(oneTime).toHaveLength(30);
    expect(new Set(oneTime).size).toBe(30);
    await other.close();
    await otherStore.close();
  });
});

describe.each(databases)('the relay on $name', ({ name, db }) => {
  let store: ServerStore;
  let app: FastifyInstance;
  beforeAll(async () => {
    store = await openServerStore(db());
    app = await buildServer({ store, logger: false });
  });
  afterAll(async () => {
    await app.close();
    await store.close();
  });

  async function loggedIn(account: string, number: number, voucher?: string) {
    const d = device(app, account, number);
    expect((await d.register(undefined, undefined, undefined, voucher)).statusCode).toBe(201);
    return { ...d, number, fingerprint: d.identity.publicIdentity.fingerprint, token: (await d.login()).json().token as string };
  }
  const auth = (token: string) => ({ authorization: `Bearer ${token}` });
  const send = (token: string, account: string, messages: unknown) => app.inject({ method: 'POST', url: `/v1/messages/${account}`, headers: auth(token), payload: { messages } as object });
  const inbox = async (token: string) => (await app.inject({ method: 'GET', url: '/v1/messages', headers: auth(token) })).json().messages as { id: string; sender: string; envelope: string }[];
  const ack = (token: string, ids: string[]) => app.inject({ method: 'POST', url: '/v1/messages/ack', headers: auth(token), payload: { ids } });

  it('fans out to every device of the account, refusing a mismatched or stale device list', async () => {
    const alice = await loggedIn(`alice-${name}`, 1);
    const bob1 = await loggedIn(`bob-${name}`, 1);
    const bob2 = await loggedIn(`bob-${name}`, 2, bob1.token);
    const to = `bob-${name}`;
    const env = (text: string) => Buffer.from(text).toString('base64');
    const both = [
      { device: 1, fingerprint: bob1.fingerprint, envelope: env('for bob 1') },
      { device: 2, fingerprint: bob2.fingerprint, envelope: env('for bob 2') },
    ];
    const mismatch = await send(alice.token, to, [both[0], { ...both[1]!, device: 3 }]);
    expect(mismatch.statusCode).toBe(409);
    expect(mismatch.json()).toMatchObject({ error: 'MISMATCHED_DEVICES', missing: [2], extra: [3] });
    const stale = await send(alice.token, to, [both[0], { ...both[1]!, fingerprint: bob1.fingerprint }]);
    expect(stale.statusCode).toBe(410);
    expect(stale.json()).toMatchObject({ error: 'STALE_DEVICES', stale: [2] });
    expect(await inbox(bob1.token)).toEqual([]); // refused sends queue nothing
    const ok = await send(alice.token, to, both);
    expect(ok.statusCode, ok.body).toBe(200);
    const one = await inbox(bob1.token);
    expect(one.map((m) => Buffer.from(m.envelope, 'base64').toString())).toEqual(['for bob 1']);
    expect(one[0]!.sender).toBe(`alice-${name}/1`);
    expect((await inbox(bob2.token)).map((m) => Buffer.from(m.envelope, 'base64').toString())).toEqual(['for bob 2']);
    // Unacknowledged, it is delivered again; another device's ack deletes nothing.
    expect((await inbox(bob1.token)).map((m) => m.id)).toEqual([one[0]!.id]);
    expect((await ack(bob2.token, [one[0]!.id])).json()).toEqual({ acknowledged: 0 });
    expect((await ack(bob1.token, [one[0]!.id])).json()).toEqual({ acknowledged: 1 });
    expect(await inbox(bob1.token)).toEqual([]);
    expect(await inbox(bob2.token)).toHaveLength(1);
  });

  it('carries a real initial message: the recipient opens the session from its queue', async () => {
    const carol = await loggedIn(`carol-${name}`, 1);
    const dave = await loggedIn(`dave-${name}`, 1);
    const prekeyStore = new InMemoryPrekeyStore();
    const upload = await createPrekeyBatch(dave.identity, { prekeyStore, oneTimeCount: 1, oneTimeKemCount: 1 });
    expect((await app.inject({ method: 'PUT', url: '/v1/prekeys', headers: { ...auth(dave.token), 'content-type': 'application/octet-stream' }, payload: Buffer.from(upload) })).statusCode).toBe(200);
    const bundle = await app.inject({ method: 'GET', url: `/v1/prekeys/dave-${name}/1`, headers: auth(carol.token) });
    const { initialMessage } = await initiateSession(new Uint8Array(bundle.rawPayload), { identity: carol.identity, plaintext: new TextEncoder().encode('hello dave') });
    expect((await send(carol.token, `dave-${name}`, [{ device: 1, fingerprint: dave.fingerprint, envelope: Buffer.from(initialMessage).toString('base64') }])).statusCode).toBe(200);
    const [m] = await inbox(dave.token);
    const { plaintext, peer } = await acceptSession(new Uint8Array(Buffer.from(m!.envelope, 'base64')), { identity: dave.identity, prekeyStore });
    expect(new TextDecoder().decode(plaintext)).toBe('hello dave');
    expect(peer.fingerprint).toBe(carol.fingerprint);
  });

  it('a full queue refuses the whole send; bad requests are typed and queue nothing', async () => {
    const erin = await loggedIn(`erin-${name}`, 1);
    const frank = await loggedIn(`frank-${name}`, 1);
    const e = (id: string) => ({ id, account: `frank-${name}`, device: 1, envelope: new Uint8Array([1]), sender: 'x/1', sent: 1, expires: 4_000_000_000 });
    expect(await store.enqueue([e('a'.repeat(32)), e('b'.repeat(32))], 2)).toBe('queued');
    expect(await store.enqueue([e('c'.repeat(32))], 2)).toBe('full');
    expect((await inbox(frank.token)).map((m) => m.id)).toEqual(['a'.repeat(32), 'b'.repeat(32)]);
    const good = [{ device: 1, fingerprint: frank.fingerprint, envelope: 'AQID' }];
    expect((await send(erin.token, 'nobody-here', good)).statusCode).toBe(404);
    expect((await app.inject({ method: 'POST', url: `/v1/messages/frank-${name}`, payload: { messages: good } })).statusCode).toBe(401);
    for (const messages of [[], [{ ...good[0], envelope: 'not base64!' }], [{ ...good[0], device: 0 }], [good[0], good[0]], [{ ...good[0], extra: 1 }]]) {
      const res = await send(erin.token, `frank-${name}`, messages);
      expect(res.statusCode, JSON.stringify(messages)).toBe(400);
    }
    const big = await send(erin.token, `frank-${name}`, [{ ...good[0], envelope: Buffer.alloc(MAX_ENVELOPE_BYTES + 1).toString('base64') }]);
    expect(big.statusCode).toBe(413);
    expect((await inbox(frank.token)).map((m) => m.id)).toEqual(['a'.repeat(32), 'b'.repeat(32)]);
    expect((await ack(frank.token, ['not-an-id'])).statusCode).toBe(400);
  });
});

describe.each(databases)('live delivery over WebSocket on $name', ({ name, db }) => {
  let location: string;
  let store: ServerStore;
  let app: FastifyInstance;
  let base: string;
  beforeAll(async () => {
    location = db();
    store = await openServerStore(location);
    app = await buildServer({ store, logger: false });
    base = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await app.close();
    await store.close();
  });

  async function loggedIn(on: FastifyInstance, account: string, number: number) {
    const d = device(on, account, number);
    const r = await d.register();
    expect([200, 201]).toContain(r.statusCode);
    return { ...d, fingerprint: d.identity.publicIdentity.fingerprint, token: (await d.login()).json().token as string };
  }
  const sendTo = (on: FastifyInstance, token: string, account: string, fingerprint: string, text: string) =>
    on.inject({ method: 'POST', url: `/v1/messages/${account}`, headers: { authorization: `Bearer ${token}` }, payload: { messages: [{ device: 1, fingerprint, envelope: Buffer.from(text).toString('base64') }] } });

  /** A WebSocket to `url` and its frames, as a queue the test awaits one by one. */
  function connect(url: string, token: string | undefined) {
    const ws = new WebSocket(`${url.replace('http', 'ws')}/v1/ws`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
    const frames: unknown[] = [];
    const waiting: ((f: unknown) => void)[] = [];
    ws.on('message', (data) => {
      const f = JSON.parse(data.toString());
      const w = waiting.shift();
      if (w) w(f);
      else frames.push(f);
    });
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    const next = () => (frames.length > 0 ? Promise.resolve(frames.shift()) : new Promise((resolve) => waiting.push(resolve)));
    return { ws, next: next as () => Promise<{ type: string; id: string; envelope: string; ids: string[] }>, closed };
  }

  it('delivers what was queued, then pushes new messages; only an ack deletes them', async () => {
    const sender = await loggedIn(app, `ws-sender-${name}`, 1);
    const to = await loggedIn(app, `ws-to-${name}`, 1);
    expect((await sendTo(app, sender.token, `ws-to-${name}`, to.fingerprint, 'queued before')).statusCode).toBe(200);
    const c = connect(base, to.token);
    const first = await c.next();
    expect(first.type).toBe('message');
    expect(Buffer.from(first.envelope, 'base64').toString()).toBe('queued before');
    expect((await sendTo(app, sender.token, `ws-to-${name}`, to.fingerprint, 'pushed live')).statusCode).toBe(200);
    const second = await c.next();
    expect(Buffer.from(second.envelope, 'base64').toString()).toBe('pushed live');
    // Unacknowledged: still queued.
    expect((await app.inject({ method: 'GET', url: '/v1/messages', headers: { authorization: `Bearer ${to.token}` } })).json().messages).toHaveLength(2);
    c.ws.send(JSON.stringify({ type: 'ack', ids: [first.id, second.id] }));
    expect(await c.next()).toEqual({ type: 'acked', ids: [first.id, second.id] });
    expect((await app.inject({ method: 'GET', url: '/v1/messages', headers: { authorization: `Bearer ${to.token}` } })).json().messages).toEqual([]);
    c.ws.close();
    await c.closed;
  });

  it('closes without a valid token (4401) and on a frame that is not an ack (1008), losing nothing', async () => {
    expect(await connect(base, undefined).closed).toBe(4401);
    expect(await connect(base, 'forged').closed).toBe(4401);
    const sender = await loggedIn(app, `ws-s2-${name}`, 1);
    const to = await loggedIn(app, `ws-t2-${name}`, 1);
    expect((await sendTo(app, sender.token, `ws-t2-${name}`, to.fingerprint, 'kept')).statusCode).toBe(200);
    for (const frame of ['not json', JSON.stringify({ type: 'ack', ids: ['nope'] }), JSON.stringify({ type: 'hello' })]) {
      const c = connect(base, to.token);
      expect((await c.next()).type).toBe('message');
      c.ws.send(frame);
      expect(await c.closed, frame).toBe(1008);
    }
    expect((await app.inject({ method: 'GET', url: '/v1/messages', headers: { authorization: `Bearer ${to.token}` } })).json().messages).toHaveLength(1);
  });

  it('holds at most MAX_UNACKED unacknowledged messages per connection and MAX_CONNECTIONS_PER_DEVICE connections', async () => {
    const to = await loggedIn(app, `ws-t4-${name}`, 1);
    const many = Array.from({ length: MAX_UNACKED + 20 }, (_, i) => ({ id: i.toString(16).padStart(32, '0'), account: `ws-t4-${name}`, device: 1, envelope: new Uint8Array([i & 255]), sender: 'x/1', sent: 1, expires: 4_000_000_000 }));
    expect(await store.enqueue(many, 10_000)).toBe('queued');
    const c = connect(base, to.token);
    const first: { id: string }[] = [];
    for (let i = 0; i < MAX_UNACKED; i++) first.push(await c.next());
    // Nothing more until an ack: the next frame after it is the acked answer, then the rest.
    await new Promise((r) => setTimeout(r, 200));
    c.ws.send(JSON.stringify({ type: 'ack', ids: first.slice(0, 20).map((m) => m.id) }));
    expect((await c.next()).type).toBe('acked');
    for (let i = 0; i < 20; i++) expect((await c.next()).type).toBe('message');
    // The connections per device.
    const extra = Array.from({ length: MAX_CONNECTIONS_PER_DEVICE - 1 }, () => connect(base, to.token));
    for (const e of extra) expect((await e.next()).type).toBe('message');
    expect(await connect(base, to.token).closed).toBe(4429);
    for (const e of [c, ...extra]) {
      e.ws.close();
      await e.closed;
    }
  });

  it('closes a connection when its token expires (4401)', async () => {
    const to = await loggedIn(app, `ws-t5-${name}`, 1);
    void to;
    const short = 'short-lived-token-for-the-test';
    await store.putToken(tokenHash(short), { account: `ws-t5-${name}`, device: 1 }, Math.floor(Date.now() / 1000) + 2);
    const c = connect(base, short);
    const started = Date.now();
    expect(await c.closed).toBe(4401);
    expect(Date.now() - started).toBeGreaterThan(500); // it was open, then the token ran out
  });

  it.runIf(name === 'postgres')('pushes a message sent through another server process (LISTEN/NOTIFY)', async () => {
    const otherStore = await openServerStore(location);
    const other = await buildServer({ store: otherStore, logger: false });
    const sender = await loggedIn(other, `ws-s3-${name}`, 1);
    const to = await loggedIn(app, `ws-t3-${name}`, 1);
    const c = connect(base, to.token); // connected to this server
    await new Promise((r) => setTimeout(r, 100));
    expect((await sendTo(other, sender.token, `ws-t3-${name}`, to.fingerprint, 'across processes')).statusCode).toBe(200);
    const m = await c.next();
    expect(Buffer.from(m.envelope, 'base64').toString()).toBe('across processes');
    c.ws.close();
    await c.closed;
    await other.close();
    await otherStore.close();
  });
});

describe('POST /v1/session/init: capability negotiation', () => {
  let store: ServerStore;
  beforeAll(async () => {
    store = await openServerStore(join(dir, 'init.db'));
  });
  afterAll(async () => {
    await store.close();
  });
  const init = (app: FastifyInstance, payload: unknown) => app.inject({ method: 'POST', url: '/v1/session/init', payload: payload as object });

  it("negotiates the client's order under the server's policy, with the library's downgrade refusals", async () => {
    const app = await buildServer({ store, logger: false });
    const ok = await init(app, { kex_suites: ['X25519+ML-KEM-1024', 'X25519+ML-KEM-768'], signatures: ['Ed25519+ML-DSA-65'], supports_mls: true });
    expect(ok.statusCode, ok.body).toBe(200);
    const r = ok.json();
    expect(r.suite).toMatchObject({ kex: 'X25519+ML-KEM-1024', signature: 'Ed25519+ML-DSA-65' });
    expect(r.policy).toEqual({ mode: 'pq-required', postQuantumRequired: true });
    expect(r.classical).toBe(false);
    // MLS: X-Wing first, pqwire's order; a client without MLS gets none.
    expect(r).toMatchObject({ mls: true, mlsSuite: 'MLS_256_XWING_CHACHA20POLY1305_SHA256_Ed25519' });
    expect((await init(app, { kex_suites: ['X25519+ML-KEM-768'], signatures: ['Ed25519+ML-DSA-65'] })).json()).toMatchObject({ mls: false });
    expect((await init(app, { kex_suites: ['X25519+ML-KEM-768'], signatures: ['Ed25519+ML-DSA-65'], supports_mls: true, mls_suites: ['MLS_192_MLKEM768_AES256GCM_SHA384_MLDSA65', 'MLS_256_XWING_CHACHA20POLY1305_SHA256_Ed25519'] })).json().mlsSuite).toBe('MLS_192_MLKEM768_AES256GCM_SHA384_MLDSA65');
    // pq-required never agrees on a classical MLS suite: the session goes on, without groups.
    const classicalGroups = (await init(app, { kex_suites: ['X25519+ML-KEM-768'], signatures: ['Ed25519+ML-DSA-65'], supports_mls: true, mls_suites: ['MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519'] })).json();
    expect(classicalGroups).toMatchObject({ mls: false });
    expect(classicalGroups.mlsSuite).toBeUndefined();
    expect(r.sessionId).toMatch(/^[0-9a-f]{32}$/);
    expect(r.transcriptHash).toMatch(/^[0-9a-f]{64}$/);
    expect((await init(app, { kex_suites: ['X25519+ML-KEM-768'], signatures: ['Ed25519+ML-DSA-65'] })).json().sessionId).not.toBe(r.sessionId);
    // A classical-only client: refused under pq-required, as the library refuses it.
    const classical = await init(app, { kex_suites: ['X25519'], signatures: ['Ed25519'] });
    expect(classical.statusCode).toBe(422);
    expect(classical.json()).toMatchObject({ error: 'PQ_REQUIRED', policy: { mode: 'pq-required', postQuantumRequired: true } });
    await app.close();
    // A server allowing classical suites accepts it, and says the result is classical.
    const lenient = await buildServer({ store, logger: false, negotiation: { policy: 'classical-allowed' } });
    const accepted = await init(lenient, { kex_suites: ['X25519'], signatures: ['Ed25519'] });
    expect(accepted.statusCode, accepted.body).toBe(200);
    expect(accepted.json()).toMatchObject({ classical: true, suite: { kex: 'X25519', signature: 'Ed25519' }, policy: { mode: 'classical-allowed', postQuantumRequired: false } });
    const classicalMls = await init(lenient, { kex_suites: ['X25519'], signatures: ['Ed25519'], supports_mls: true, mls_suites: ['MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519'] });
    expect(classicalMls.json()).toMatchObject({ mls: true, mlsSuite: 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519' });
    await lenient.close();
    // A server offering only ML-KEM-1024 and a client only ML-KEM-768: nothing in common.
    const narrow = await buildServer({ store, logger: false, negotiation: { capabilities: { kexSuites: ['ML-KEM-1024'] } } });
    const none = await init(narrow, { kex_suites: ['ML-KEM-768'], signatures: ['Ed25519+ML-DSA-65'] });
    expect(none.statusCode).toBe(422);
    expect(none.json().error).toBe('NO_COMMON_SUITE');
    await narrow.close();
  });

  it('refuses malformed documents with 400', async () => {
    const app = await buildServer({ store, logger: false });
    for (const payload of [{}, { kex_suites: [], signatures: ['Ed25519'] }, { kex_suites: ['Nope-KEM'], signatures: ['Ed25519'] }, { kex_suites: ['X25519'], signatures: 'Ed25519' }, { kex_suites: ['X25519'], signatures: ['Ed25519'], extra: 1 }, { kex_suites: ['X25519'], signatures: ['Ed25519'], mls_suites: ['MLS_256_XWING_CHACHA20POLY1305_SHA256_Ed25519'] }, { kex_suites: ['X25519'], signatures: ['Ed25519'], supports_mls: true, mls_suites: ['MLS_NOPE'] }]) {
      const res = await init(app, payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().error).toBe('INVALID_REQUEST');
    }
    await app.close();
  });
});

describe.each(databases)('GET /metrics on $name', ({ db }) => {
  it('counts requests by route pattern, negotiations and refusals, and reads queue and prekey totals', async () => {
    const store = await openServerStore(db());
    const app = await buildServer({ store, logger: false });
    const owner = device(app, 'metrics-owner', 1);
    expect((await owner.register()).statusCode).toBe(201);
    const token = (await owner.login()).json().token as string;
    const upload = await createPrekeyBatch(owner.identity, { prekeyStore: new InMemoryPrekeyStore(), oneTimeCount: 4, oneTimeKemCount: 3 });
    await app.inject({ method: 'PUT', url: '/v1/prekeys', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' }, payload: Buffer.from(upload) });
    await app.inject({ method: 'GET', url: '/v1/prekeys/metrics-owner/1', headers: { authorization: `Bearer ${token}` } });
    await app.inject({ method: 'POST', url: '/v1/session/init', payload: { kex_suites: ['X25519+ML-KEM-768'], signatures: ['Ed25519+ML-DSA-65'] } });
    await app.inject({ method: 'POST', url: '/v1/session/init', payload: { kex_suites: ['X25519'], signatures: ['Ed25519'] } });
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    const text = res.body;
    expect(text).toContain('pqwire_requests_total{method="GET",route="/v1/prekeys/:account/:device",status="200"} 1');
    expect(text).not.toContain('metrics-owner'); // route patterns, never account names
    expect(text).toContain('pqwire_negotiations_total{kex="X25519+ML-KEM-768",result="ok"} 1');
    expect(text).toContain('pqwire_negotiations_total{kex="none",result="PQ_REQUIRED"} 1');
    // The gauges are the database's totals (on PostgreSQL, shared with the other tests).
    const stats = await store.stats();
    const gauge = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1]);
    expect(gauge('pqwire_devices')).toBe(stats.devices);
    expect(gauge('pqwire_queued_messages')).toBe(stats.queuedMessages);
    expect(gauge('pqwire_one_time_kem_prekeys')).toBe(stats.oneTimeKemPrekeys);
    expect(gauge('pqwire_one_time_prekeys')).toBe(stats.oneTimePrekeys);
    expect(stats.oneTimeKemPrekeys).toBeGreaterThanOrEqual(2); // this test's upload: 3 − 1 claimed
    expect(stats.devices).toBeGreaterThanOrEqual(1);
    await app.close();
    await store.close();
  });
});

describe.each(databases)('rate limits on $name', ({ name, db }) => {
  it('refuses past each limit with 429 and Retry-After, counts the anomaly, and changes nothing', async () => {
    const store = await openServerStore(db());
    const limits = { challenge: { points: 10_000, duration: 60 }, bundle: { points: 2, duration: 60 }, bundleTarget: { points: 3, duration: 60 }, send: { points: 2, duration: 60 } };
    const app = await buildServer({ store, logger: false, limits });
    const tag = `${name}-${process.pid}`;
    // Challenges per client address (a server of its own with a small limit, an address of its own).
    const strict = await buildServer({ store, logger: false, limits: { challenge: { points: 2, duration: 60 } } });
    const ask = () => strict.inject({ method: 'POST', url: '/v1/auth/challenge', remoteAddress: `10.${process.pid % 250}.${name.length}.7`, payload: { account: `rl-${tag}`, device: 1 } });
    expect((await ask()).statusCode).toBe(200);
    expect((await ask()).statusCode).toBe(200);
    const limited = await ask();
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ error: 'RATE_LIMITED' });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await strict.inject({ method: 'GET', url: '/metrics' })).body).toContain('pqwire_anomalies_total{kind="challenge"} 1');
    await strict.close();
    // Bundle fetches per requester and per target.
    const target = device(app, `rl-target-${tag}`, 1);
    expect((await target.register()).statusCode).toBe(201);
    const targetToken = (await target.login()).json().token as string;
    await app.inject({ method: 'PUT', url: '/v1/prekeys', headers: { authorization: `Bearer ${targetToken}`, 'content-type': 'application/octet-stream' }, payload: Buffer.from(await createPrekeyBatch(target.identity, { prekeyStore: new InMemoryPrekeyStore(), oneTimeCount: 10, oneTimeKemCount: 10 })) });
    const tokens: string[] = [];
    for (const n of [1, 2]) {
      const r = device(app, `rl-req${n}-${tag}`, 1);
      expect((await r.register()).statusCode).toBe(201);
      tokens.push((await r.login()).json().token);
    }
    const fetchAs = (token: string) => app.inject({ method: 'GET', url: `/v1/prekeys/rl-target-${tag}/1`, headers: { authorization: `Bearer ${token}` } });
    expect((await fetchAs(tokens[0]!)).statusCode).toBe(200);
    expect((await fetchAs(tokens[0]!)).statusCode).toBe(200);
    expect((await fetchAs(tokens[0]!)).statusCode).toBe(429); // the requester's limit
    expect((await fetchAs(tokens[1]!)).statusCode).toBe(200);
    expect((await fetchAs(tokens[1]!)).statusCode).toBe(429); // the target's limit (3 fetches)
    const counts = await app.inject({ method: 'GET', url: '/v1/prekeys', headers: { authorization: `Bearer ${targetToken}` } });
    expect(counts.json()).toMatchObject({ oneTimeKem: 7, oneTime: 7 }); // refused fetches claimed nothing
    // Sends per device: the refused send queues nothing.
    const fingerprint = target.identity.publicIdentity.fingerprint;
    const send = () => app.inject({ method: 'POST', url: `/v1/messages/rl-target-${tag}`, headers: { authorization: `Bearer ${tokens[1]}` }, payload: { messages: [{ device: 1, fingerprint, envelope: 'AQID' }] } });
    expect((await send()).statusCode).toBe(200);
    expect((await send()).statusCode).toBe(200);
    expect((await send()).statusCode).toBe(429);
    const inbox = await app.inject({ method: 'GET', url: '/v1/messages', headers: { authorization: `Bearer ${targetToken}` } });
    expect(inbox.json().messages).toHaveLength(2);
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain('pqwire_anomalies_total{kind="bundle"} 1');
    expect(metrics).toContain('pqwire_anomalies_total{kind="bundleTarget"} 1');
    expect(metrics).toContain('pqwire_anomalies_total{kind="send"} 1');
    await app.close();
    await store.close();
  });
});

describe('the logs', () => {
  it('hold metadata only: no token, key, upload or envelope bytes, no account name in a route', async () => {
    const sink = logSink();
    const store = await openServerStore(join(dir, 'logs.db'));
    const app = await buildServer({ store, logger: { ...DEFAULT_LOGGER, stream: sink.stream } });
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    const owner = device(app, 'secret-account-name', 1);
    await owner.register();
    const token = (await owner.login()).json().token as string;
    const upload = await createPrekeyBatch(owner.identity, { prekeyStore: new InMemoryPrekeyStore(), oneTimeCount: 2, oneTimeKemCount: 2 });
    await app.inject({ method: 'PUT', url: '/v1/prekeys', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' }, payload: Buffer.from(upload) });
    const bundle = await app.inject({ method: 'GET', url: '/v1/prekeys/secret-account-name/1', headers: { authorization: `Bearer ${token}` } });
    const envelope = Buffer.from('plaintext-looking secret payload').toString('base64');
    const fingerprint = owner.identity.publicIdentity.fingerprint;
    // From another account: a device's sends to its own account go to its other devices only.
    const sender = device(app, 'sender', 1);
    await sender.register();
    const senderToken = (await sender.login()).json().token as string;
    await app.inject({ method: 'POST', url: '/v1/messages/secret-account-name', headers: { authorization: `Bearer ${senderToken}` }, payload: { messages: [{ device: 1, fingerprint, envelope }] } });
    // A browser-style WebSocket, its token in the query string.
    const ws = new WebSocket(`${base.replace('http', 'ws')}/v1/ws?token=${encodeURIComponent(token)}`);
    await new Promise((resolve) => ws.once('message', resolve));
    ws.close();
    await new Promise((resolve) => ws.once('close', resolve));
    await app.inject({ method: 'GET', url: '/v1/nothing/secret-account-name?token=x' });
    await app.close();
    await store.close();

    expect(sink.text()).toContain('"route":"/v1/prekeys/:account/:device"'); // it did log the requests
    const secrets: [string, string][] = [
      ['token', token],
      ['token hash', tokenHash(token)],
      ['envelope', envelope],
      ['account name', 'secret-account-name'],
      ['signing key (hex)', Buffer.from(owner.identity.publicIdentity.signingKey).toString('hex').slice(0, 64)],
      ['signing key (base64)', Buffer.from(owner.identity.publicIdentity.signingKey).toString('base64').slice(0, 40)],
      ['upload', Buffer.from(upload.subarray(100, 140)).toString('base64')],
      ['upload (hex)', Buffer.from(upload.subarray(100, 140)).toString('hex')],
      ['bundle', Buffer.from(bundle.rawPayload.subarray(100, 140)).toString('hex')],
    ];
    for (const [what, value] of secrets) expect(sink.text().includes(value), what).toBe(false);
  });
});

describe('serve()', () => {
  it('closes in a process with nothing else to wait for: what awaits close() runs on', () => {
    // The SQLite store's checkpoint worker is unreferenced; its stop must not let the
    // process end with close() pending.
    const script = `const { serve } = require(${JSON.stringify(join(ROOT, 'ts', 'dist', 'server'))});
      serve({ db: ${JSON.stringify(join(dir, 'close-test.db'))}, port: 0, logger: false })
        .then((s) => fetch(s.url + '/v1/health').then(() => s.close()))
        .then(() => console.log('after close'));`;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20_000 });
    expect(r.stdout).toContain('after close');
  });

  it('listens, answers, and closes', async () => {
    const server = await serve({ db: join(dir, 'serve.db'), port: 0, logger: false });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${server.url}/v1/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', db: 'sqlite' });
    await server.close();
    await server.close(); // idempotent
    await expect(fetch(`${server.url}/v1/health`)).rejects.toThrow();
  });

  it('a keep-alive connection busy when close starts is closed after its response, not after the keep-alive timeout', async () => {
    // A health check that is slow: its request is in flight when close() is called.
    const store = await openServerStore(join(dir, 'drain.db'));
    let entered!: () => void;
    const inHandler = new Promise<void>((r) => (entered = r));
    const slow = new Proxy(store, {
      get: (target, key) =>
        key === 'ping'
          ? async () => {
              entered();
              await new Promise((r) => setTimeout(r, 300));
              return target.ping();
            }
          : (Reflect.get(target, key, target) as unknown) instanceof Function
            ? (Reflect.get(target, key, target) as (...a: unknown[]) => unknown).bind(target)
            : Reflect.get(target, key, target),
    });
    const app = await buildServer({ store: slow, logger: false });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const response = fetch(`${url}/v1/health`); // undici keeps the connection alive
      await inHandler;
      const closed = app.close().then(() => 'closed');
      const res = await response;
      expect(res.status).toBe(200);
      expect(res.headers.get('connection')).toBe('close');
      // Without the fix, close() waits for the keep-alive timeout (72 s).
      const waited = new Promise((r) => setTimeout(() => r('still open after 10 s'), 10_000).unref());
      expect(await Promise.race([closed, waited])).toBe('closed');
    } finally {
      app.server.closeAllConnections();
      await app.close();
      await store.close();
    }
  });

  it('refuses bad options before opening anything', async () => {
    await expectReject(() => serve({ port: -1 }), InvalidArgumentError, 'INVALID_ARGUMENT');
    await expectReject(() => serve({ port: 70000 }), InvalidArgumentError, 'INVALID_ARGUMENT');
    await expectReject(() => serve({ port: bad('8080') }), InvalidArgumentError, 'INVALID_ARGUMENT');
    await expectReject(() => serve({ host: '' }), InvalidArgumentError, 'INVALID_ARGUMENT');
    await expectReject(() => serve(bad({ prot: 8080 })), InvalidArgumentError, 'INVALID_ARGUMENT');
    await expectReject(() => openServerStore(''), InvalidArgumentError, 'INVALID_ARGUMENT');
  });
});

/** Runs `pqwire serve …` until its first output line; returns the line and the child. */
function startCli(args: string[]): Promise<{ line: string; child: ReturnType<typeof spawn> }> {
  const child = spawn(process.execPath, [CLI, 'serve', ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('pqwire serve:'));
      if (line) resolve({ line, child });
    });
    child.on('exit', (code) => reject(new Error(`pqwire serve exited with ${code} before listening: ${out}`)));
  });
}

const exitOf = (child: ReturnType<typeof spawn>): Promise<number | null> => new Promise((resolve) => child.on('exit', (code) => resolve(code)));

describe('pqwire serve (command line)', () => {
  it('prints its address, answers /v1/health, and exits 0 on SIGTERM', async () => {
    const { line, child } = await startCli(['--port', '0', '--db', join(dir, 'cli.db')]);
    const url = /listening on (http:\/\/\S+) \(sqlite\)/.exec(line)?.[1];
    expect(url, line).toBeDefined();
    expect((await fetch(`${url}/v1/health`)).status).toBe(200);
    const exited = exitOf(child);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('reads --config, the flags taking precedence', async () => {
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ db: join(dir, 'from-config.db'), port: 1 }));
    const { line, child } = await startCli(['--config', config, '--port', '0']);
    expect(line).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+ \(sqlite\)/);
    const exited = exitOf(child);
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  });

  it('exits 2 on a usage error and 1 when the store cannot open', () => {
    const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { cwd: dir, encoding: 'utf8', timeout: 20_000 });
    for (const args of [['serve', '--port', 'abc'], ['serve', '--port', '99999'], ['serve', 'extra'], ['serve', '--bogus'], ['inspect', '00', '--port', '1']]) {
      const r = run(...args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toContain('usage: pqwire');
    }
    writeFileSync(join(dir, 'bad-config.json'), JSON.stringify({ prot: 8080 }));
    expect(run('serve', '--config', join(dir, 'bad-config.json')).status).toBe(2);
    expect(run('serve', '--config', join(dir, 'missing.json')).status).toBe(2);
    writeFileSync(join(dir, 'string-port.json'), JSON.stringify({ port: '80' }));
    const typed = run('serve', '--config', join(dir, 'string-port.json'));
    expect(typed.status).toBe(2);
    expect(typed.stderr).toContain('port must be an integer');
    // A file where the database's directory should be: the store cannot open.
    writeFileSync(join(dir, 'not-a-dir'), 'x');
    const r = run('serve', '--port', '0', '--db', join(dir, 'not-a-dir', 'x.db'));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('could not start');
  });
});

describe('examples/server-chat.js', () => {
  it('two clients exchange messages both ways through the relay, one offline for part of it', async () => {
    const lines: string[] = [];
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { run } = require('../examples/server-chat.js') as { run: (count: number, log: (line: string) => void) => Promise<boolean> };
    expect(await run(20, (line) => lines.push(line))).toBe(true);
    expect(lines).toContain('delivered 40/40');
  });
});
