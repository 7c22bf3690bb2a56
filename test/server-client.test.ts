/**
 * `pqwire/client` against the reference server, on SQLite and on PostgreSQL: messages
 * both ways (one side offline for part of it), sealed sender, several devices per
 * account, identity rotation, the fallback policy; and the server's routes for sealed
 * sender and rotation with every refusal shown, changing nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import {
  IdentityChangedError,
  InMemoryIdentityStore,
  InMemoryPrekeyStore,
  InMemorySessionStore,
  PublicIdentity,
  createIdentity,
  createPrekeyBatch,
  createSealingKey,
  initiateSession,
  seal,
  verifySealingKey,
  verifySenderCertificate,
} from '../ts/src/index';
import type { Identity } from '../ts/src/index';
import { CERTIFICATE_KEY, DEFAULT_LOGGER, QUEUE_LIMIT, ROTATE_CONTEXT, SEALED_QUEUE_LIMIT, buildServer, openServerStore, rotationData } from '../ts/src/server';
import type { LimitName, LimitSetting, ServerStore } from '../ts/src/server';
import { Client, ClientError, InMemoryStateStore } from '../ts/src/client';
import type { ClientOptions, ClientSecurityEvent, ClientStores, ReceivedMessage } from '../ts/src/client';
import { ServerApi } from '../ts/src/client/server-api';
import { openSqliteStores } from '../ts/src/stores/sqlite';
import { logSink } from './helpers';
import { startPostgres } from './pg-cluster';

const dir = mkdtempSync(join(tmpdir(), 'pqwire-client-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const pg = startPostgres();
const databases = [
  { name: 'sqlite', db: () => join(dir, `client-${Math.random().toString(36).slice(2)}.db`) },
  ...(pg ? [{ name: 'postgres', db: () => pg.url }] : []),
];

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const read = (b: Uint8Array): string => new TextDecoder().decode(b);
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** A listening server on `db` (rate limits as given; `port` 0: any). */
async function start(db: string, limits: Partial<Record<LimitName, LimitSetting>> = {}, port = 0): Promise<{ url: string; app: FastifyInstance; store: ServerStore; close(): Promise<void> }> {
  const store = await openServerStore(db);
  const app = await buildServer({ store, logger: false, limits });
  const url = await app.listen({ host: '127.0.0.1', port });
  return { url, app, store, close: async () => (await app.close(), await store.close()) };
}

/** Collects a client's messages and security events; `next(n)` waits for n messages. */
function watch(client: Client) {
  const messages: ReceivedMessage[] = [];
  const events: ClientSecurityEvent[] = [];
  const errors: unknown[] = [];
  client.on('message', (m: ReceivedMessage) => messages.push(m));
  client.on('security', (e: ClientSecurityEvent) => events.push(e));
  client.on('error', (e: unknown) => errors.push(e));
  return {
    messages,
    events,
    errors,
    async next(n: number, ms = 10_000): Promise<string[]> {
      const end = Date.now() + ms;
      while (messages.length < n && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
      return messages.map((m) => read(m.plaintext));
    },
  };
}

/** Waits until `ready()` holds (at most 5 s). */
async function until(ready: () => Promise<boolean> | boolean): Promise<void> {
  const end = Date.now() + 5000;
  while (!(await ready())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function expectClientError(p: Promise<unknown>, code: string): Promise<ClientError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e, `expected ClientError ${code}`).toBeInstanceOf(ClientError);
  expect((e as ClientError).code).toBe(code);
  return e as ClientError;
}

describe.each(databases)('pqwire/client on $name', ({ db }) => {
  let server: Awaited<ReturnType<typeof start>>;
  const open = (account: string, options: Partial<ClientOptions> = {}) => Client.open({ url: server.url, account, ...options });
  const clients: Client[] = [];
  async function connected(account: string, options: Partial<ClientOptions> = {}): Promise<Client> {
    const c = await open(account, options);
    await c.connect();
    clients.push(c);
    return c;
  }
  beforeAll(async () => {
    server = await start(db());
  });
  /** Alice and Bob: two new accounts of this test, connected, their messages and events watched. */
  async function pair() {
    const run = Math.random().toString(36).slice(2, 8);
    const [a, b] = [`alice-${run}`, `bob-${run}`];
    const alice = await connected(a);
    const bob = await connected(b);
    return { a, b, alice, bob, seenA: watch(alice), seenB: watch(bob) };
  }
  afterAll(async () => {
    for (const c of clients) await c.close();
    await server.close();
  });

  it('delivers both ways, queued while the recipient is offline, sealed or not; the server records no sender for sealed ones', async () => {
    const run = Math.random().toString(36).slice(2, 8);
    const [a, b] = [`alice-${run}`, `bob-${run}`];
    const bobStores = memoryStores();
    const bobFirst = await Client.open({ url: server.url, account: b, stores: bobStores });
    await bobFirst.connect();
    // Bob goes offline; his stores stay (passed in below).
    await bobFirst.close();
    const alice = await connected(a, { sealedSender: false });
    const aliceSeen = watch(alice);
    await alice.send(b, text('one'));
    await alice.send(b, text('two'), { sealed: true, associatedData: text('thread-9') });
    await alice.send(b, text('three'));
    const queued = await server.store.pending({ account: b, device: 1 }, 0, 10);
    expect(queued.map((q) => q.sender)).toEqual([`${a}/1`, '', `${a}/1`]);
    // A sealed envelope does not show its sender's name or fingerprint to the server.
    const sealedBytes = Buffer.from(queued[1]!.envelope);
    expect(sealedBytes.includes(Buffer.from(a))).toBe(false);
    expect(sealedBytes.includes(Buffer.from(alice.identity.fingerprint, 'hex'))).toBe(false);

    const bob = await Client.open({ url: server.url, account: b, stores: bobStores, live: false });
    const bobSeen = watch(bob);
    await bob.connect();
    clients.push(bob);
    const iterator = bob.messages();
    expect(await bob.receive()).toBe(3);
    expect(bobSeen.messages.map((m) => [read(m.plaintext), m.sealed, m.from.account, read(m.associatedData)])).toEqual([
      ['one', false, a, ''],
      ['two', true, a, 'thread-9'],
      ['three', false, a, ''],
    ]);
    expect(read((await iterator.next()).value!.plaintext)).toBe('one');
    expect(await server.store.pending({ account: b, device: 1 }, 0, 10)).toEqual([]);

    await bob.send(a, text('hello alice'), { sealed: true });
    expect(await aliceSeen.next(1)).toEqual(['hello alice']);
    expect(aliceSeen.messages[0]!.sealed).toBe(true);
    expect(aliceSeen.messages[0]!.from).toEqual({ account: b, device: 1 });
    expect([...aliceSeen.events, ...bobSeen.events, ...aliceSeen.errors, ...bobSeen.errors]).toEqual([]);
  });

  it('sends and receives of one peer at once never conflict on its session', async () => {
    const { a, b, alice, bob, seenA, seenB } = await pair();
    // Bob answers each message as it arrives, while Alice's next ones are being decrypted.
    bob.on('message', (m: ReceivedMessage) => void bob.send(a, text(`re ${read(m.plaintext)}`)).catch((e: unknown) => seenB.errors.push(e)));
    await Promise.all(Array.from({ length: 20 }, (_, i) => alice.send(b, text(`m${i}`))));
    expect((await seenB.next(20)).length).toBe(20);
    expect((await seenA.next(20)).length).toBe(20);
    expect([...seenA.errors, ...seenB.errors]).toEqual([]);
  });

  it('a session whose initial message never reached the server is replaced by a new handshake at the next send', async () => {
    const { b, alice, seenB } = await pair();
    // The first send's request to the relay fails on the way (the session was made and saved).
    const realFetch = globalThis.fetch;
    let failed = false;
    globalThis.fetch = (async (input: string | URL | Request, init?: RequestInit) => {
      if (!failed && String(input).includes(`/v1/messages/${b}`)) {
        failed = true;
        throw new TypeError('fetch failed');
      }
      return realFetch(input, init);
    }) as typeof fetch;
    try {
      expect((await expectClientError(alice.send(b, text('lost')), 'SERVER_REFUSED')).details.status).toBe(0);
    } finally {
      globalThis.fetch = realFetch;
    }
    await alice.send(b, text('after'));
    await alice.send(b, text('and on'));
    expect(await seenB.next(2)).toEqual(['after', 'and on']);
    expect(seenB.events).toEqual([]);
  });

  it('a live client reconnects by itself after the server restarts, and gets what was sent meanwhile', async () => {
    const location = db();
    let own = await start(location);
    const port = Number(new URL(own.url).port);
    const alice = await Client.open({ url: own.url, account: 'alice-restart' });
    const bob = await Client.open({ url: own.url, account: 'bob-restart' });
    try {
      await alice.connect();
      await bob.connect();
      const seen = watch(bob);
      seen.errors.length = 0;
      await alice.send('bob-restart', text('before'));
      expect(await seen.next(1)).toEqual(['before']);
      await own.close(); // bob's WebSocket breaks; his reconnection attempts fail meanwhile
      await new Promise((r) => setTimeout(r, 1500));
      own = await start(location, {}, port);
      await alice.send('bob-restart', text('after the restart'));
      expect(await seen.next(2)).toEqual(['before', 'after the restart']);
    } finally {
      await alice.close();
      await bob.close();
      await own.close();
    }
  });

  it('a client on pqwire/stores/sqlite keeps its identity, sessions and sealing key across a restart', async () => {
    const run = Math.random().toString(36).slice(2, 8);
    const [a, b] = [`alice-${run}`, `bob-${run}`];
    const file = join(dir, `bob-${run}.db`);
    const alice = await connected(a);
    const seenA = watch(alice);
    let stores = openSqliteStores(file);
    let bob = await Client.open({ url: server.url, account: b, stores });
    await bob.connect();
    const fingerprint = bob.identity.fingerprint;
    await alice.send(b, text('before the restart'));
    await until(() => bob.messages.length >= 0 && seenA.errors.length === 0);
    await bob.close();
    stores.close();
    // While Bob is down, Alice sends sealed (to the sealing key he published).
    await alice.send(b, text('while down'), { sealed: true });
    stores = openSqliteStores(file);
    bob = await Client.open({ url: server.url, account: b, stores, live: false });
    expect(bob.identity.fingerprint).toBe(fingerprint);
    const seenB = watch(bob);
    await bob.connect();
    await bob.receive();
    expect(seenB.messages.map((m) => read(m.plaintext))).toContain('while down');
    await bob.send(a, text('back'));
    expect(await seenA.next(1)).toEqual(['back']);
    await bob.close();
    stores.close();
  });

  it('fans out to every device of an account; a new device joins only with a voucher', async () => {
    const run = Math.random().toString(36).slice(2, 8);
    const [a, b] = [`alice-${run}`, `bob-${run}`];
    const alice = await connected(a);
    const bob1 = await connected(b);
    const stranger = await open(b, { device: 2 });
    const refused = await expectClientError(stranger.connect(), 'SERVER_REFUSED');
    expect(refused.details).toMatchObject({ status: 403, serverCode: 'NOT_AUTHORIZED' });
    const bob2 = await connected(b, { device: 2, voucher: bob1.token! });
    const [seen1, seen2, seenA] = [watch(bob1), watch(bob2), watch(alice)];
    const ids = await alice.send(b, text('to both'));
    expect(ids.map((i) => i.device).sort()).toEqual([1, 2]);
    expect(await seen1.next(1)).toEqual(['to both']);
    expect(await seen2.next(1)).toEqual(['to both']);
    // A device's own account: the message goes to its other devices only.
    expect((await bob1.send(b, text('note to self'), { sealed: true })).map((i) => i.device)).toEqual([2]);
    expect(await seen2.next(2)).toEqual(['to both', 'note to self']);
    expect(seen2.messages[1]!.sealed).toBe(false); // to its own account a device sends unsealed
    await bob2.send(a, text('from bob 2'), { sealed: true });
    expect(await seenA.next(1)).toEqual(['from bob 2']);
    expect(seenA.messages[0]!.from).toEqual({ account: b, device: 2 });
  });

  it('a rotated identity is refused by peers until they trust it; then messages flow again', async () => {
    const { b, alice, bob, seenA, seenB } = await pair();
    await alice.send(b, text('before'));
    expect(await seenB.next(1)).toEqual(['before']);
    const old = bob.identity.fingerprint;
    const next = await bob.rotateIdentity();
    expect(next.fingerprint).not.toBe(old);
    const changed = await alice.send(b, text('after')).catch((e: unknown) => e);
    expect(changed).toBeInstanceOf(IdentityChangedError);
    expect(seenA.events.map((e) => [e.type, e.peer])).toEqual([['identity-changed', `${b}/1`]]);
    expect(seenA.events[0]!.identity!.fingerprint).toBe(next.fingerprint);
    await alice.trustIdentity({ account: b, device: 1 }, seenA.events[0]!.identity!);
    await alice.send(b, text('after'), { sealed: true });
    expect(await seenB.next(2)).toEqual(['before', 'after']);
  });

  it('after a rotation, the messages of the new identity wait, unacknowledged, until the recipient trusts it', async () => {
    const { a, b, alice, bob, seenB } = await pair();
    await alice.send(b, text('first'));
    expect(await seenB.next(1)).toEqual(['first']);
    await alice.rotateIdentity(); // her sessions go: the next send is a new handshake
    await alice.send(b, text('second'), { sealed: true });
    await alice.send(b, text('third'));
    await until(() => seenB.events.some((e) => e.type === 'identity-changed'));
    const event = seenB.events.find((e) => e.type === 'identity-changed')!;
    expect(event.peer).toBe(`${a}/1`);
    expect(event.identity!.fingerprint).toBe(alice.identity.fingerprint);
    await new Promise((r) => setTimeout(r, 200));
    expect(seenB.messages.length).toBe(1);
    expect((await server.store.pending({ account: b, device: 1 }, 0, 10)).length).toBe(2); // both kept
    await bob.trustIdentity({ account: a, device: 1 }, event.identity!);
    expect(await seenB.next(3)).toEqual(['first', 'second', 'third']);
    expect(seenB.events.filter((e) => e.type === 'undecryptable' || e.type === 'sender-mismatch')).toEqual([]);
  });

  it('the fallback policy: block, warn or invite a classical peer; an unknown peer is unreachable', async () => {
    const run = Math.random().toString(36).slice(2, 8);
    const carl = await connected(`carl-${run}`, { policy: 'classical-allowed', prekeys: { kem: null, batchSize: 5 }, capabilities: { kexSuites: ['X25519+ML-KEM-768', 'X25519'] } });
    const seenCarl = watch(carl);
    const blocker = await connected(`block-${run}`);
    const warner = await connected(`warn-${run}`, { fallback: 'warn' });
    const inviter = await connected(`invite-${run}`, { fallback: 'invite' });
    const [seenBlock, seenWarn, seenInvite] = [watch(blocker), watch(warner), watch(inviter)];

    await expectClientError(blocker.send(`carl-${run}`, text('x')), 'PEER_NOT_POST_QUANTUM');
    const own = (events: ClientSecurityEvent[]) => events.filter((e) => e.type !== 'session');
    expect(own(seenBlock.events).map((e) => [e.type, e.reason, e.action])).toEqual([['fallback', 'not-post-quantum', 'blocked']]);
    expect(seenBlock.events.find((e) => e.type === 'session')).toMatchObject({ code: 'handshake-refused' });

    await warner.send(`carl-${run}`, text('classical, warned'));
    expect(own(seenWarn.events).map((e) => [e.type, e.reason, e.action])).toEqual([['fallback', 'not-post-quantum', 'warned']]);
    expect(await seenCarl.next(1)).toEqual(['classical, warned']);

    await expectClientError(inviter.send(`carl-${run}`, text('x')), 'PEER_NOT_POST_QUANTUM');
    expect(own(seenInvite.events)[0]).toMatchObject({ type: 'fallback', action: 'invite', invitation: { account: `invite-${run}`, fingerprint: inviter.identity.fingerprint, server: server.url } });

    await expectClientError(blocker.send(`nobody-${run}`, text('x')), 'PEER_UNREACHABLE');
    await expectClientError(warner.send(`nobody-${run}`, text('x')), 'PEER_UNREACHABLE');
    await expectClientError(inviter.send(`nobody-${run}`, text('x')), 'PEER_UNREACHABLE');
    expect(seenWarn.events.at(-1)).toMatchObject({ reason: 'no-end-to-end', action: 'blocked' });
    expect(seenInvite.events.at(-1)).toMatchObject({ reason: 'no-end-to-end', action: 'invite' });
  });

  it('refills prekeys when they run low, and never hands one out twice', async () => {
    const run = Math.random().toString(36).slice(2, 8);
    const bob = await connected(`bob-${run}`, { prekeys: { batchSize: 4, refillBelow: 2 } });
    const seen = watch(bob);
    for (let i = 0; i < 6; i++) {
      const sender = await connected(`s${i}-${run}`);
      await sender.send(`bob-${run}`, text(`hi ${i}`));
    }
    expect((await seen.next(6)).sort()).toEqual([0, 1, 2, 3, 4, 5].map((i) => `hi ${i}`));
    // Refilled in the background after each accepted handshake: never below the threshold for long.
    const end = Date.now() + 5000;
    let counts = await bob.refillPrekeys();
    while (counts.oneTime < 2 && Date.now() < end) counts = await bob.refillPrekeys();
    expect(counts.oneTime).toBeGreaterThanOrEqual(2);
    expect(seen.errors).toEqual([]);
  });

  it('drops a sealed message whose certificate names another identity, pinning nothing', async () => {
    const run = Math.random().toString(36).slice(2, 8);
    const bob = await connected(`bob-${run}`);
    const seen = watch(bob);
    // Mallory has two devices and seals an initial message from device 1's identity with device 2's certificate.
    const m1 = createIdentity();
    const m2 = createIdentity();
    const api1 = new ServerApi(server.url, { account: `mallory-${run}`, device: 1 });
    const api2 = new ServerApi(server.url, { account: `mallory-${run}`, device: 2 });
    await api1.register(m1);
    await api1.login(m1);
    await api2.register(m2, api1.token);
    await api2.login(m2);
    const directory = await api2.json<{ devices: { device: number; fingerprint: string; sealingKey: { publicKey: string; signature: string } }[] }>('GET', `/v1/accounts/bob-${run}/devices`);
    const bundle = await api1.bytes('GET', `/v1/prekeys/bob-${run}/1`);
    const { initialMessage } = await initiateSession(bundle, { identity: m1, plaintext: text('i am device 2') });
    const certificate = new Uint8Array(Buffer.from((await api2.json<{ certificate: string }>('GET', '/v1/certificate')).certificate, 'base64'));
    const publicKey = verifySealingKey(directory.devices[0]!.sealingKey, bob.identity);
    const envelope = seal(publicKey, certificate, initialMessage);
    await api2.json('POST', `/v1/sealed/bob-${run}`, { messages: [{ device: 1, fingerprint: bob.identity.fingerprint, envelope: Buffer.from(envelope).toString('base64') }] }, { token: false });
    const end = Date.now() + 5000;
    while (seen.events.length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    expect(seen.events.map((e) => [e.type, e.peer])).toEqual([['sender-mismatch', `mallory-${run}/2`]]);
    expect(seen.messages).toEqual([]);
    // Acknowledged (it can never be read).
    await until(async () => (await server.store.pending({ account: `bob-${run}`, device: 1 }, 0, 10)).length === 0);
  });
});

/** Fresh in-memory stores, to hand to a client and to its successor. */
function memoryStores(): ClientStores {
  return { identityStore: new InMemoryIdentityStore(), prekeyStore: new InMemoryPrekeyStore(), sessionStore: new InMemorySessionStore(), stateStore: new InMemoryStateStore() };
}

describe('Client.messages()', () => {
  it('ends a pending next() on return(), without taking a message from another iterator', async () => {
    const client = await Client.open({ url: 'http://127.0.0.1:9', account: 'iterating' });
    const first = client.messages();
    const second = client.messages();
    const pending = first.next();
    await first.return!();
    expect(await pending).toEqual({ value: undefined, done: true });
    const next = second.next();
    await client.close();
    expect(await next).toEqual({ value: undefined, done: true });
    await expectClientError(client.send('x', text('y')), 'NOT_CONNECTED');
  });
});

describe('the logs of a full client run', () => {
  it('hold no plaintext, key, token, certificate, account name or fingerprint, in any encoding', async () => {
    const sink = logSink();
    const store = await openServerStore(join(dir, 'logs.db'));
    const app = await buildServer({ store, logger: { ...DEFAULT_LOGGER, stream: sink.stream } });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    const alice = await Client.open({ url, account: 'alice-logged' });
    const bob = await Client.open({ url, account: 'bob-logged' });
    await alice.connect();
    await bob.connect();
    const seen = watch(bob);
    const seenA = watch(alice);
    await alice.send('bob-logged', text('plaintext number one'));
    await alice.send('bob-logged', text('plaintext number two'), { sealed: true });
    await seen.next(2);
    const before = alice.identity;
    await alice.rotateIdentity();
    await bob.send('alice-logged', text('plaintext number three'), { sealed: true }).catch(() => undefined); // refused: alice's identity changed
    await bob.trustIdentity({ account: 'alice-logged', device: 1 }, alice.identity);
    await bob.send('alice-logged', text('plaintext number four'));
    await seenA.next(1);
    const certificate = Buffer.from((await new ServerApi(url, { account: 'x', device: 1 }).json<{ identity: { signingKey: string } }>('GET', '/v1/server/identity')).identity.signingKey, 'hex');
    const tokens = [alice.token!, bob.token!];
    await alice.close();
    await bob.close();
    await app.close();
    await store.close();

    expect(sink.text()).toContain('"route":"/v1/sealed/:account"'); // it did log the requests
    /** The encodings a byte string could take in a log: hex, base64 at each alignment, decimal arrays. */
    const forms = (what: string, b: Uint8Array): [string, string][] => {
      const part = Buffer.from(b.subarray(0, Math.min(b.length, 48)));
      return [
        [`${what} (hex)`, part.toString('hex').slice(0, 40)],
        ...[0, 1, 2].map((o): [string, string] => [`${what} (base64 at ${o})`, part.subarray(o).toString('base64').slice(4, 36)]),
        [`${what} (array)`, [...part.subarray(0, 12)].join(',')],
      ];
    };
    const secrets: [string, string][] = [
      ...['one', 'two', 'three', 'four'].map((n): [string, string] => [`plaintext ${n}`, `plaintext number ${n}`]),
      ['account name', 'alice-logged'],
      ['account name', 'bob-logged'],
      ...tokens.map((t): [string, string] => ['token', t]),
      ...[before, alice.identity, bob.identity].flatMap((i) => [...forms('signing key', i.signingKey), ['fingerprint', i.fingerprint] as [string, string]]),
      ...forms('server identity', certificate),
    ];
    for (const [what, value] of secrets) expect(sink.text().includes(value), what).toBe(false);
  });
});

describe.each(databases)('the server routes of sealed sender and rotation on $name', ({ db }) => {
  let server: Awaited<ReturnType<typeof start>>;
  beforeAll(async () => {
    server = await start(db(), { sealed: { points: 3, duration: 60 }, upload: { points: 2, duration: 60 } });
  });
  afterAll(async () => server.close());

  async function device(account: string, number = 1, identity: Identity = createIdentity(), voucher?: string) {
    const api = new ServerApi(server.url, { account, device: number });
    await api.register(identity, voucher);
    await api.login(identity);
    return { api, identity };
  }

  it('the certificate identity is made once per database and signs certificates for the token holder only', async () => {
    const run = Math.random().toString(36).slice(2, 8);
    const { api, identity } = await device(`cert-${run}`);
    const first = await api.json<{ identity: never; fingerprint: string }>('GET', '/v1/server/identity');
    // A second application on the same database has the same certificate identity.
    const other = await buildServer({ store: server.store, logger: false });
    const again = (await other.inject({ method: 'GET', url: '/v1/server/identity' })).json();
    await other.close();
    expect(again.fingerprint).toBe(first.fingerprint);
    expect(await server.store.serverKey(CERTIFICATE_KEY, () => new Uint8Array([1]))).not.toEqual(new Uint8Array([1]));
    const { certificate } = await api.json<{ certificate: string }>('GET', '/v1/certificate');
    const facts = verifySenderCertificate(new Uint8Array(Buffer.from(certificate, 'base64')), PublicIdentity.fromJSON(first.identity));
    expect(facts).toMatchObject({ account: `cert-${run}`, device: 1, fingerprint: identity.publicIdentity.fingerprint });
    api.token = 'forged';
    expect((await expectClientError(api.json('GET', '/v1/certificate'), 'SERVER_REFUSED')).details.status).toBe(401);
  });

  it('a sealing key signed by another identity is 403 and leaves the published one', async () => {
    const run = Math.random().toString(36).slice(2, 8);
    const { api, identity } = await device(`seal-${run}`);
    const good = createSealingKey(identity);
    await api.json('PUT', '/v1/devices/me/sealing-key', good.public);
    const bad = createSealingKey(createIdentity());
    const e = await expectClientError(api.json('PUT', '/v1/devices/me/sealing-key', bad.public), 'SERVER_REFUSED');
    expect(e.details).toMatchObject({ status: 403, serverCode: 'WRONG_IDENTITY' });
    const listed = await api.json<{ devices: { sealingKey: unknown }[] }>('GET', `/v1/accounts/seal-${run}/devices`);
    expect(listed.devices[0]!.sealingKey).toEqual(good.public);
    expect((await expectClientError(api.json('GET', `/v1/accounts/none-${run}/devices`), 'SERVER_REFUSED')).details.status).toBe(404);
  });

  it('a sealed send needs no token but the same device list; it is rate-limited per address', async () => {
    const run = Math.random().toString(36).slice(2, 8);
    const { api, identity } = await device(`rcpt-${run}`);
    // A client address of its own: the limit's counters live in the database, shared by this file's tests.
    const remoteAddress = `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.7`;
    const send = (messages: unknown[]) => server.app.inject({ method: 'POST', url: `/v1/sealed/rcpt-${run}`, payload: { messages }, remoteAddress });
    const envelope = Buffer.from('opaque').toString('base64');
    const fingerprint = identity.publicIdentity.fingerprint;
    expect((await send([{ device: 1, fingerprint, envelope }])).statusCode).toBe(200);
    const mismatched = await send([{ device: 2, fingerprint, envelope }]);
    expect([mismatched.statusCode, mismatched.json().error]).toEqual([409, 'MISMATCHED_DEVICES']);
    const stale = await send([{ device: 1, fingerprint: '00'.repeat(16), envelope }]);
    expect([stale.statusCode, stale.json().error]).toEqual([410, 'STALE_DEVICES']);
    const limited = await send([{ device: 1, fingerprint, envelope }]);
    expect([limited.statusCode, limited.json().error]).toEqual([429, 'RATE_LIMITED']);
    const { messages } = await api.json<{ messages: { sender: string | null }[] }>('GET', '/v1/messages');
    expect(messages.map((m) => m.sender)).toEqual([null]);
  });

  it('prekey uploads are rate-limited per device; a refused one changes nothing', async () => {
    const run = Math.random().toString(36).slice(2, 8);
    const { api, identity } = await device(`uploader-${run}`);
    const upload = (n: number) => createPrekeyBatch(identity, { prekeyStore: new InMemoryPrekeyStore(), oneTimeCount: n, oneTimeKemCount: n });
    await api.bytes('PUT', '/v1/prekeys', await upload(1));
    await api.bytes('PUT', '/v1/prekeys', await upload(2));
    const refused = await expectClientError(api.bytes('PUT', '/v1/prekeys', await upload(3)), 'SERVER_REFUSED');
    expect(refused.details).toMatchObject({ status: 429, serverCode: 'RATE_LIMITED' });
    expect(await api.json('GET', '/v1/prekeys')).toMatchObject({ oneTime: 2, oneTimeKem: 2 });
  });

  it('a sealed send stops at a tenth of a queue; a sender with a token can still fill the rest', async () => {
    const run = Math.random().toString(36).slice(2, 8);
    const { identity } = await device(`full-${run}`);
    const sender = await device(`filler-${run}`);
    const now = Math.floor(Date.now() / 1000);
    const filler = Array.from({ length: SEALED_QUEUE_LIMIT }, (_, i) => ({ id: `${run}${String(i).padStart(26, '0')}`, account: `full-${run}`, device: 1, envelope: new Uint8Array([1]), sender: '', sent: now, expires: now + 3600 }));
    expect(await server.store.enqueue(filler, QUEUE_LIMIT)).toBe('queued');
    const entry = [{ device: 1, fingerprint: identity.publicIdentity.fingerprint, envelope: Buffer.from('x').toString('base64') }];
    const sealed = await server.app.inject({ method: 'POST', url: `/v1/sealed/full-${run}`, payload: { messages: entry }, remoteAddress: '10.200.1.1' });
    expect([sealed.statusCode, sealed.json().error]).toEqual([429, 'QUEUE_FULL']);
    await sender.api.json('POST', `/v1/messages/full-${run}`, { messages: entry });
  });

  it("a device sending to its own account names its other devices only (itself is an extra device)", async () => {
    const run = Math.random().toString(36).slice(2, 8);
    const one = await device(`self-${run}`);
    const two = await device(`self-${run}`, 2, createIdentity(), one.api.token);
    const envelope = Buffer.from('x').toString('base64');
    const entry = (d: { identity: Identity }, n: number) => ({ device: n, fingerprint: d.identity.publicIdentity.fingerprint, envelope });
    const refused = await expectClientError(one.api.json('POST', `/v1/messages/self-${run}`, { messages: [entry(one, 1), entry(two, 2)] }), 'SERVER_REFUSED');
    expect(refused.details).toMatchObject({ status: 409, serverCode: 'MISMATCHED_DEVICES', extra: [1], missing: [] });
    const sent = await one.api.json<{ ids: { device: number }[] }>('POST', `/v1/messages/self-${run}`, { messages: [entry(two, 2)] });
    expect(sent.ids.map((i) => i.device)).toEqual([2]);
  });

  it('rotation: both identities sign a fresh challenge; every refusal changes nothing', async () => {
    const run = Math.random().toString(36).slice(2, 8);
    const account = `rot-${run}`;
    const { api, identity: old } = await device(account);
    await api.bytes('PUT', '/v1/prekeys', await createPrekeyBatch(old, { prekeyStore: new InMemoryPrekeyStore(), oneTimeCount: 2, oneTimeKemCount: 2 }));
    await api.json('PUT', '/v1/devices/me/sealing-key', createSealingKey(old).public);
    const next = createIdentity();
    const attempt = async (overrides: Record<string, unknown> = {}, signers: [Identity, Identity] = [old, next], challenge?: string) => {
      const c = challenge ?? (await api.challenge());
      const data = rotationData(account, 1, c, next.publicIdentity.fingerprint);
      return api.json('POST', '/v1/devices/rotate', {
        account,
        device: 1,
        identity: next.publicIdentity.toJSON(),
        challenge: c,
        oldSignature: hex(signers[0].sign(data, { context: ROTATE_CONTEXT })),
        newSignature: hex(signers[1].sign(data, { context: ROTATE_CONTEXT })),
        ...overrides,
      });
    };
    const refusedWith = async (p: Promise<unknown>, status: number) => expect((await expectClientError(p, 'SERVER_REFUSED')).details.status).toBe(status);
    await refusedWith(attempt({}, [createIdentity(), next]), 401); // not the old identity
    await refusedWith(attempt({}, [old, createIdentity()]), 401); // the new key not proven
    await refusedWith(attempt({ challenge: 'ab'.repeat(32) }), 401); // an unknown challenge
    const taken = createIdentity();
    await device(`other-${run}`, 1, taken);
    await refusedWith(attempt({ identity: taken.publicIdentity.toJSON() }, [old, taken]), 401); // signed for another fingerprint
    await refusedWith(attempt({ identity: old.publicIdentity.toJSON() }), 401);
    await refusedWith(attempt({ extra: 1 }), 400);
    // Nothing changed: the old identity still logs in, the prekeys and sealing key are there.
    await api.login(old);
    expect((await api.json<{ oneTime: number }>('GET', '/v1/prekeys')).oneTime).toBe(2);

    const c = await api.challenge();
    const data = rotationData(account, 1, c, next.publicIdentity.fingerprint);
    const body = { account, device: 1, identity: next.publicIdentity.toJSON(), challenge: c, oldSignature: hex(old.sign(data, { context: ROTATE_CONTEXT })), newSignature: hex(next.sign(data, { context: ROTATE_CONTEXT })) };
    expect(await api.json('POST', '/v1/devices/rotate', body)).toEqual({ account, device: 1, fingerprint: next.publicIdentity.fingerprint, previous: old.publicIdentity.fingerprint });
    const oldToken = api.token!;
    await refusedWith(api.json('POST', '/v1/devices/rotate', body), 401); // the challenge is used up
    api.token = oldToken;
    await refusedWith(api.json('GET', '/v1/devices/me'), 401); // the device's tokens went with the old identity
    // A sealing key verified against the old identity and stored after the rotation: refused.
    expect(await server.store.putSealingKey({ account, device: 1 }, old.publicIdentity.fingerprint, '{}')).toBe(false);
    await refusedWith(api.login(old), 401);
    await api.login(next);
    await refusedWith(api.json('GET', '/v1/prekeys'), 404); // the old identity's prekeys went
    const listed = await api.json<{ devices: { fingerprint: string; sealingKey?: unknown }[] }>('GET', `/v1/accounts/${account}/devices`);
    expect(listed.devices).toEqual([{ device: 1, fingerprint: next.publicIdentity.fingerprint }]);
    // A rotation to an identity bound to another device is 409.
    const c2 = await api.challenge();
    const d2 = rotationData(account, 1, c2, taken.publicIdentity.fingerprint);
    const conflict = { account, device: 1, identity: taken.publicIdentity.toJSON(), challenge: c2, oldSignature: hex(next.sign(d2, { context: ROTATE_CONTEXT })), newSignature: hex(taken.sign(d2, { context: ROTATE_CONTEXT })) };
    expect((await expectClientError(api.json('POST', '/v1/devices/rotate', conflict), 'SERVER_REFUSED')).details).toMatchObject({ status: 409, serverCode: 'IDENTITY_BOUND' });
  });
});
