/**
 * Issue 15: each session-layer finding of the security review, performed as an attack
 * through the public API and shown refused. Findings 6 and 7 (the channel) are in the
 * channel suites; the hand-built impersonations of finding 1 are in
 * crates/pqwire-core/tests/impersonation.rs.
 */
import { Worker } from 'node:worker_threads';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DisposedError,
  DowngradeError,
  InMemoryIdentityStore,
  InMemoryPrekeyStore,
  InMemorySessionStore,
  InvalidArgumentError,
  ReplayError,
  Session,
  SessionConflictError,
  SessionExistsError,
  SessionRollbackError,
  WireFormatError,
  acceptSession,
  assemblePrekeyBundle,
  createPrekeyBatch,
  createIdentity,
  createPrekeyBundle,
  generatePrekeys,
  initiateSession,
  wire,
  type Identity,
  type SessionSave,
  type SessionSecurityEvent,
  type SessionStore,
} from '../ts/src/index';
import { BackupRestoringStore, expectReject, expectThrow, utf8, timeLimit } from './helpers';
import { appendField, dropField } from './wire-bytes';

const T0 = 1_700_000_000;
const DAY = 86_400;
const text = (b: Uint8Array): string => new TextDecoder().decode(b);
const TRANSCRIPT_SIGNATURE = 0x000a;

interface Parties {
  alice: Identity;
  bob: Identity;
  prekeyStore: InMemoryPrekeyStore;
}

function parties(): Parties {
  return { alice: createIdentity({ created: T0 - 10 }), bob: createIdentity({ created: T0 - 10 }), prekeyStore: new InMemoryPrekeyStore() };
}

/** A bundle of Bob's with only the signed and the last-resort prekey (nothing to consume). */
const lastResortBundle = (p: Parties, now = T0): Promise<Uint8Array> =>
  createPrekeyBundle(p.bob, { prekeyStore: p.prekeyStore, oneTimePrekey: false, oneTimeKemPrekey: false, now });

/** The (ratchet key, counter) of a ratchet message: its message key's name. */
function keyName(m: Uint8Array): string {
  const h = wire.decode(m, 'ratchet-message');
  return `${Buffer.from(h.ratchetKey).toString('hex')}/${h.counter}`;
}

describe('finding 1: the initiator cannot be impersonated by leaving its signature out', () => {
  it('an initial message without the transcript signature is refused, under every feature set', async () => {
    const p = parties();
    const identityStore = new InMemoryIdentityStore();
    // Alice pinned at Bob's from an earlier session.
    await identityStore.savePeerIdentity('alice', p.alice.publicIdentity);
    const noHybridAuth = { features: ['kem-ratchet' as const] };
    const bundle = await createPrekeyBundle(p.bob, { prekeyStore: p.prekeyStore, capabilities: noHybridAuth, now: T0 });
    const { initialMessage } = await initiateSession(bundle, { identity: p.alice, capabilities: noHybridAuth, plaintext: utf8('pay 10 EUR'), now: T0 });
    // What an attacker holding only Alice's X25519 identity secret could send on 4bfa000.
    const forged = dropField(initialMessage, TRANSCRIPT_SIGNATURE);
    const counts = (): number[] => (['signed', 'last-resort-kem', 'one-time', 'one-time-kem'] as const).map((k) => p.prekeyStore.count(k));
    const before = counts();
    const sessionStore = new InMemorySessionStore();
    const options = { identity: p.bob, prekeyStore: p.prekeyStore, capabilities: noHybridAuth, identityStore, sessionStore, address: 'alice', now: T0 };
    const e = await expectReject<WireFormatError>(() => acceptSession(forged, options), WireFormatError, 'MISSING_FIELD');
    expect(e.tag).toBe(TRANSCRIPT_SIGNATURE);
    expect(counts()).toEqual(before);
    expect(await sessionStore.addresses()).toEqual([]);
    // The genuine message, signed although the capabilities lack hybrid-auth, is accepted.
    const ok = await acceptSession(initialMessage, options);
    expect(ok.session.info.hybridAuth).toBe(true);
    expect(text(ok.plaintext)).toBe('pay 10 EUR');
  });

  it('extension fields of an initial message are refused: nothing authenticates them', async () => {
    const p = parties();
    const bundle = await createPrekeyBundle(p.bob, { prekeyStore: p.prekeyStore, now: T0 });
    const { initialMessage } = await initiateSession(bundle, { identity: p.alice, now: T0 });
    const extended = appendField(initialMessage, 0xf000, utf8('unauthenticated'));
    expect(wire.decode(extended, 'initial-message')).toBeDefined(); // a well-formed message
    await expectReject(() => acceptSession(extended, { identity: p.bob, prekeyStore: p.prekeyStore, now: T0 }), WireFormatError, 'UNKNOWN_TAG');
    await acceptSession(initialMessage, { identity: p.bob, prekeyStore: p.prekeyStore, now: T0 });
  });
});

describe('finding 2: a replayed initial message is refused and never replaces the live session', () => {
  it('last-resort prekeys only: the replay is REPLAYED, the stored session unchanged and still loadable', async () => {
    const p = parties();
    const sessionStore = new InMemorySessionStore();
    const events: SessionSecurityEvent[] = [];
    const options = { identity: p.bob, prekeyStore: p.prekeyStore, sessionStore, address: 'alice', now: T0, onSecurityEvent: (e: SessionSecurityEvent) => events.push(e) };
    const { session: a, initialMessage } = await initiateSession(await lastResortBundle(p), { identity: p.alice, plaintext: utf8('pay 10 EUR'), now: T0 });
    const { session: b, plaintext } = await acceptSession(initialMessage, options);
    expect(text(plaintext)).toBe('pay 10 EUR');
    // The conversation goes on: the stored record moves past the handshake.
    a.decrypt(await b.encryptAsync(utf8('paid'), { now: T0 + 1 }), { now: T0 + 1 });
    await b.decryptAsync(a.encrypt(utf8('thanks'), { now: T0 + 2 }), { now: T0 + 2 });
    const stored = await sessionStore.load('alice');

    await expectReject(() => acceptSession(initialMessage, options), ReplayError, 'REPLAYED');
    expect(events).toMatchObject([{ type: 'replay-refused', code: 'REPLAYED', address: 'alice', authenticated: true }]);
    expect(await sessionStore.load('alice')).toEqual(stored);
    const loaded = (await Session.load(sessionStore, 'alice'))!;
    expect(loaded.epoch).toBe(b.epoch);

    // Without a session store the prekey store's replay cache refuses it.
    await expectReject(() => acceptSession(initialMessage, { identity: p.bob, prekeyStore: p.prekeyStore, now: T0 }), ReplayError, 'REPLAYED');
    // Another initiator's handshake with the same last-resort keys is accepted.
    const other = await initiateSession(await lastResortBundle(p), { identity: createIdentity({ created: T0 - 10 }), now: T0 });
    await acceptSession(other.initialMessage, { identity: p.bob, prekeyStore: p.prekeyStore, now: T0 });
  });

  it('a new session for a stored peer is refused unless replaceSession, which reports it', async () => {
    const p = parties();
    const sessionStore = new InMemorySessionStore();
    const first = await initiateSession(await lastResortBundle(p), { identity: p.alice, now: T0 });
    await acceptSession(first.initialMessage, { identity: p.bob, prekeyStore: p.prekeyStore, sessionStore, address: 'alice', now: T0 });
    const stored = await sessionStore.load('alice');
    const second = await initiateSession(await lastResortBundle(p), { identity: p.alice, now: T0 });
    const events: SessionSecurityEvent[] = [];
    const options = { identity: p.bob, prekeyStore: p.prekeyStore, sessionStore, address: 'alice', now: T0, onSecurityEvent: (e: SessionSecurityEvent) => events.push(e) };
    await expectReject(() => acceptSession(second.initialMessage, options), SessionExistsError, 'SESSION_EXISTS');
    expect(await sessionStore.load('alice')).toEqual(stored);
    // Nothing was remembered either: the same message is accepted once the app says so.
    const { session } = await acceptSession(second.initialMessage, { ...options, replaceSession: true });
    expect(events).toMatchObject([{ type: 'session-replaced', address: 'alice', sessionId: session.id }]);
    expect((await sessionStore.load('alice'))!.sessionId).toBe(session.id);
  });
});

describe('finding 2: replays racing, failing stores, typed stores', () => {
  it('two acceptances of one initial message at once: one session, one REPLAYED', async () => {
    const p = parties();
    const { initialMessage } = await initiateSession(await lastResortBundle(p), { identity: p.alice, now: T0 });
    const results = await Promise.allSettled([0, 1, 2].map(() => acceptSession(initialMessage, { identity: p.bob, prekeyStore: p.prekeyStore, now: T0 })));
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected', 'rejected']);
    for (const r of results) if (r.status === 'rejected') expect((r.reason as ReplayError).code).toBe('REPLAYED');
  });

  it('an early PREKEY_REUSED (a consumed key id, public) is reported as unauthenticated', async () => {
    const p = parties();
    const bundle = await createPrekeyBundle(p.bob, { prekeyStore: p.prekeyStore, now: T0 });
    const { initialMessage } = await initiateSession(bundle, { identity: p.alice, now: T0 });
    await acceptSession(initialMessage, { identity: p.bob, prekeyStore: p.prekeyStore, now: T0 });
    const events: SessionSecurityEvent[] = [];
    await expectReject(() => acceptSession(initialMessage, { identity: p.bob, prekeyStore: p.prekeyStore, now: T0, onSecurityEvent: (e) => events.push(e) }), Error, 'PREKEY_REUSED');
    expect(events).toMatchObject([{ type: 'replay-refused', code: 'PREKEY_REUSED', authenticated: false }]);
  });

  it('a session store failing after the prekeys were consumed: the handshake is lost (at most once), nothing pinned', async () => {
    const p = parties();
    const bundle = await createPrekeyBundle(p.bob, { prekeyStore: p.prekeyStore, now: T0 });
    const { initialMessage } = await initiateSession(bundle, { identity: p.alice, now: T0 });
    const identityStore = new InMemoryIdentityStore();
    const broken: SessionStore = {
      load: async () => undefined,
      save: async () => {
        throw new Error('disk full');
      },
      delete: async () => undefined,
      addresses: async () => [],
    };
    const options = { identity: p.bob, prekeyStore: p.prekeyStore, identityStore, sessionStore: broken, address: 'alice', now: T0 };
    await expect(acceptSession(initialMessage, options)).rejects.toThrow('disk full');
    expect(await identityStore.getPeerIdentity('alice')).toBeUndefined();
    // The one-time prekeys are gone: the message can never open twice, even here.
    await expectReject(() => acceptSession(initialMessage, { ...options, sessionStore: new InMemorySessionStore() }), Error, 'PREKEY_REUSED');
  });

  it('a prekey store without the replay-cache methods is a typed error, not INTERNAL', async () => {
    const p = parties();
    const bundle = await createPrekeyBundle(p.bob, { prekeyStore: p.prekeyStore, now: T0 });
    const { initialMessage } = await initiateSession(bundle, { identity: p.alice, now: T0 });
    const old = { save: p.prekeyStore.save, load: p.prekeyStore.load, isConsumed: p.prekeyStore.isConsumed, consume: p.prekeyStore.consume, current: p.prekeyStore.current, countUse: p.prekeyStore.countUse };
    const e = await expectReject(() => acceptSession(initialMessage, { identity: p.bob, prekeyStore: old as never, now: T0 }), Error, 'INVALID_TYPE');
    expect(e.message).toContain('rememberHandshake, removeExpired');
    await expectReject(() => createPrekeyBundle(p.bob, { prekeyStore: old as never, now: T0 }), Error, 'INVALID_TYPE');
  });
});

describe('finding 3: the rollback check is per session, so a new session does not brick the address', () => {
  it('after a long session, a new handshake with the same peer loads; an old record restored is still refused', async () => {
    const p = parties();
    const store = new BackupRestoringStore();
    const one = await initiateSession(await lastResortBundle(p), { identity: p.alice, now: T0 });
    const { session: old } = await acceptSession(one.initialMessage, { identity: p.bob, prekeyStore: p.prekeyStore, sessionStore: store, address: 'alice', now: T0 });
    const backup = (await store.load('alice'))!;
    for (let i = 0; i < 5; i++) {
      one.session.decrypt(await old.encryptAsync(utf8(`m${i}`), { now: T0 + i }), { now: T0 + i });
      await old.decryptAsync(one.session.encrypt(utf8(`r${i}`), { now: T0 + i }), { now: T0 + i });
    }
    expect(old.epoch).toBeGreaterThan(10);

    // Alice reinstalls and starts over: a new session, epoch 1.
    const two = await initiateSession(await lastResortBundle(p), { identity: p.alice, now: T0 + 100 });
    const { session: fresh } = await acceptSession(two.initialMessage, {
      identity: p.bob,
      prekeyStore: p.prekeyStore,
      sessionStore: store,
      address: 'alice',
      replaceSession: true,
      now: T0 + 100,
    });
    expect(fresh.epoch).toBeLessThan(old.epoch);
    const loaded = (await Session.load(store, 'alice'))!;
    expect(loaded.id).toBe(fresh.id);
    expect(text(two.session.decrypt(await loaded.encryptAsync(utf8('hi again'), { now: T0 + 101 }), { now: T0 + 101 }).plaintext)).toBe('hi again');

    // A backup of the first session restored over the record: its own highest epoch refuses it.
    store.restore('alice', backup);
    await expectReject(() => Session.load(store, 'alice'), SessionRollbackError, 'SESSION_ROLLBACK');
  });
});

describe('finding 4: two copies of one stored session never use a message key twice', () => {
  async function attachedBob(): Promise<{ a: Session; store: InMemorySessionStore }> {
    const p = parties();
    const store = new InMemorySessionStore();
    const { session: a, initialMessage } = await initiateSession(await lastResortBundle(p), { identity: p.alice, now: T0 });
    const { session: b } = await acceptSession(initialMessage, { identity: p.bob, prekeyStore: p.prekeyStore, sessionStore: store, address: 'alice', now: T0 });
    a.decrypt(await b.encryptAsync(utf8('ready'), { now: T0 }), { now: T0 });
    b.dispose();
    return { a, store };
  }

  it('the second copy to encrypt is refused before it returns a ciphertext, and stays unusable', async () => {
    const { a, store } = await attachedBob();
    const one = (await Session.load(store, 'alice'))!;
    const two = (await Session.load(store, 'alice'))!;
    const events: SessionSecurityEvent[] = [];
    two.on('security', (e: SessionSecurityEvent) => events.push(e));
    const m1 = await one.encryptAsync(utf8('my password is hunter2!!'), { now: T0 + 1 });
    await expectReject(() => two.encryptAsync(utf8('attack at dawn, at dawn'), { now: T0 + 1 }), SessionConflictError, 'SESSION_CONFLICT');
    expect(events).toMatchObject([{ type: 'session-conflict', code: 'SESSION_CONFLICT' }]);
    await expectReject(() => two.decryptAsync(a.encrypt(utf8('x'), { now: T0 + 2 }), { now: T0 + 2 }), SessionConflictError, 'SESSION_CONFLICT');
    // The synchronous forms cannot wait for the store, so an attached session refuses them.
    expectThrow(() => one.encrypt(utf8('x')), InvalidArgumentError, 'INVALID_ARGUMENT');
    // A fresh load continues where the winner left off.
    const three = (await Session.load(store, 'alice'))!;
    const m3 = await three.encryptAsync(utf8('second'), { now: T0 + 3 });
    expect(keyName(m3)).not.toBe(keyName(m1));
    expect(text(a.decrypt(m1, { now: T0 + 3 }).plaintext)).toBe('my password is hunter2!!');
    expect(text(a.decrypt(m3, { now: T0 + 3 }).plaintext)).toBe('second');
  });

  it('two copies racing, reloading on conflict: every returned message has its own key and decrypts', async () => {
    const { a, store } = await attachedBob();
    const sent: Uint8Array[] = [];
    let conflicts = 0;
    const worker = async (name: string): Promise<void> => {
      let s = (await Session.load(store, 'alice'))!;
      for (let i = 0; i < 25; i++) {
        for (;;) {
          try {
            sent.push(await s.encryptAsync(utf8(`${name}${i}`), { now: T0 + 5 }));
            break;
          } catch (e) {
            if (!(e instanceof SessionConflictError)) throw e;
            conflicts += 1;
            s = (await Session.load(store, 'alice'))!;
          }
        }
      }
    };
    await Promise.all([worker('x'), worker('y')]);
    expect(conflicts).toBeGreaterThan(0);
    expect(sent).toHaveLength(50);
    expect(new Set(sent.map(keyName)).size).toBe(50);
    const got = new Set(sent.map((m) => text(a.decrypt(m, { now: T0 + 6 }).plaintext)));
    expect(got.size).toBe(50);
  });

  it('two worker threads on one record, the store in the main thread: no key used twice', async () => {
    const { a, store } = await attachedBob();
    const entry = path.resolve(__dirname, '../ts/dist/index.js');
    // Each worker loads the session through a store that forwards to this thread's store,
    // encrypts, and reloads when its copy lost a race.
    const script = `
      const { parentPort, workerData } = require('node:worker_threads');
      const pq = require(workerData.entry);
      let next = 0;
      const pending = new Map();
      parentPort.on('message', (m) => { if (m.reply !== undefined) { pending.get(m.reply)(m.value); pending.delete(m.reply); } });
      const call = (op, args) => new Promise((resolve) => { const id = next++; pending.set(id, resolve); parentPort.postMessage({ id, op, args }); });
      const store = { load: (a) => call('load', [a]), save: (a, s) => call('save', [a, s]), delete: (a) => call('delete', [a]), addresses: () => call('addresses', []) };
      const go = new Promise((resolve) => parentPort.on('message', (m) => { if (m.go) resolve(); }));
      (async () => {
        let s = await pq.Session.load(store, 'alice');
        parentPort.postMessage({ loaded: true });
        await go; // both copies loaded from the same record before either encrypts
        let conflicts = 0;
        for (let i = 0; i < workerData.count; i++) {
          for (;;) {
            try { parentPort.postMessage({ message: await s.encryptAsync(new TextEncoder().encode(workerData.name + i), { now: workerData.now }) }); break; }
            catch (e) { if (e.code !== 'SESSION_CONFLICT') throw e; conflicts++; s = await pq.Session.load(store, 'alice'); }
          }
        }
        parentPort.postMessage({ done: conflicts });
      })().catch((e) => parentPort.postMessage({ error: String(e) }));
    `;
    const sent: Uint8Array[] = [];
    const workers: Worker[] = [];
    let loaded = 0;
    const run = (name: string): Promise<number> =>
      new Promise((resolve, reject) => {
        const w = new Worker(script, { eval: true, workerData: { entry, name, count: 20, now: T0 + 5 } });
        workers.push(w);
        w.on('message', async (m: { id?: number; op?: keyof SessionStore; args?: unknown[]; message?: Uint8Array; done?: number; error?: string; loaded?: true }) => {
          if (m.loaded) {
            if (++loaded === 2) for (const each of workers) each.postMessage({ go: true });
          } else if (m.op !== undefined) {
            const f = store[m.op] as (...args: unknown[]) => Promise<unknown>;
            w.postMessage({ reply: m.id, value: await f.apply(store, m.args ?? []) });
          } else if (m.message !== undefined) sent.push(m.message);
          else if (m.error !== undefined) reject(new Error(m.error));
          else if (m.done !== undefined) void w.terminate().then(() => resolve(m.done!));
        });
        w.on('error', reject);
      });
    const conflicts = await Promise.all([run('x'), run('y')]);
    expect(sent).toHaveLength(40);
    expect(new Set(sent.map(keyName)).size).toBe(40);
    for (const m of sent) a.decrypt(m, { now: T0 + 6 });
    // Both held the same claim when they started: the second save of that epoch lost.
    expect(conflicts.reduce((x, y) => x + y, 0)).toBeGreaterThan(0);
  }, timeLimit(60_000));

  it('a store that fails leaves the session as it was: the operation can be retried', async () => {
    const { a, store } = await attachedBob();
    const s = (await Session.load(store, 'alice'))!;
    const epoch = s.epoch;
    const failing: SessionStore = {
      load: (x) => store.load(x),
      save: async () => {
        throw new Error('disk full');
      },
      delete: (x) => store.delete(x),
      addresses: () => store.addresses(),
    };
    const flaky = (await Session.load(failing, 'alice'))!;
    await expect(flaky.encryptAsync(utf8('lost?'), { now: T0 + 1 })).rejects.toThrow('disk full');
    expect(flaky.epoch).toBe(epoch);
    const m = await s.encryptAsync(utf8('retried'), { now: T0 + 1 });
    expect(text(a.decrypt(m, { now: T0 + 1 }).plaintext)).toBe('retried');
  });
});

describe('finding 4: no way around the claim', () => {
  /** A store that takes `ms` per save, so that a test can act while one is pending. */
  function slow(base: SessionStore, ms: number): SessionStore {
    return {
      load: (x) => base.load(x),
      save: async (x, s) => {
        await new Promise((r) => setTimeout(r, ms));
        return base.save(x, s);
      },
      delete: (x) => base.delete(x),
      addresses: () => base.addresses(),
    };
  }

  async function unattachedBob(): Promise<{ a: Session; b: Session }> {
    const p = parties();
    const { session: a, initialMessage } = await initiateSession(await lastResortBundle(p), { identity: p.alice, now: T0 });
    const { session: b } = await acceptSession(initialMessage, { identity: p.bob, prekeyStore: p.prekeyStore, now: T0 });
    return { a, b };
  }

  it('while save attaches a session, the synchronous forms refuse: the stored state is the live one', async () => {
    const { a, b } = await unattachedBob();
    const base = new InMemorySessionStore();
    const pending = b.save(slow(base, 20), 'alice');
    expect(b.attached).toBe(true);
    expectThrow(() => b.encrypt(utf8('my password is hunter2!!'), { now: T0 + 1 }), InvalidArgumentError, 'INVALID_ARGUMENT');
    expectThrow(() => b.decrypt(a.encrypt(utf8('x'), { now: T0 + 1 }), { now: T0 + 1 }), InvalidArgumentError, 'INVALID_ARGUMENT');
    await pending;
    expect((await base.load('alice'))!.epoch).toBe(b.epoch);
    const m1 = await b.encryptAsync(utf8('one'), { now: T0 + 2 });
    const copy = (await Session.load(base, 'alice'))!;
    const m2 = await copy.encryptAsync(utf8('two'), { now: T0 + 2 });
    expect(keyName(m2)).not.toBe(keyName(m1));
  });

  it('a failed attach leaves the session unattached and usable', async () => {
    const { b } = await unattachedBob();
    const store = new InMemorySessionStore();
    await store.save('alice', { record: new Uint8Array([1]), sessionId: 'ff'.repeat(32), epoch: 1, expectedEpoch: undefined });
    await expectReject(() => b.save(store, 'alice'), SessionConflictError, 'SESSION_CONFLICT');
    expect(b.attached).toBe(false);
    b.encrypt(utf8('still mine'), { now: T0 + 1 });
  });

  it('an attached session cannot be copied with serialize()', async () => {
    const { b } = await unattachedBob();
    const store = new InMemorySessionStore();
    await b.save(store, 'alice');
    expectThrow(() => b.serialize(), InvalidArgumentError, 'INVALID_ARGUMENT');
    // The store refuses a second address for the same session too.
    const record = (await store.load('alice'))!;
    expect(await store.save('mallory', { record: record.record, sessionId: record.sessionId, epoch: record.epoch + 1, expectedEpoch: undefined })).toBe(false);
  });

  it('a decryption whose save is refused returns no plaintext, and the message is not lost', async () => {
    const p = parties();
    const store = new InMemorySessionStore();
    const started = await initiateSession(await lastResortBundle(p), { identity: p.alice, now: T0 });
    const { session: bob } = await acceptSession(started.initialMessage, { identity: p.bob, prekeyStore: p.prekeyStore, sessionStore: store, address: 'alice', now: T0 });
    started.session.decrypt(await bob.encryptAsync(utf8('hi'), { now: T0 }), { now: T0 });
    const one = (await Session.load(store, 'alice'))!;
    const two = (await Session.load(store, 'alice'))!;
    const fromAlice = started.session.encrypt(utf8('for exactly one copy'), { now: T0 + 1 });
    await one.encryptAsync(utf8('advance'), { now: T0 + 1 });
    let leaked: unknown;
    await two.decryptAsync(fromAlice, { now: T0 + 1 }).then(
      (got) => (leaked = got),
      (e: unknown) => expect((e as SessionConflictError).code).toBe('SESSION_CONFLICT'),
    );
    expect(leaked).toBeUndefined();
    const three = (await Session.load(store, 'alice'))!;
    expect(text((await three.decryptAsync(fromAlice, { now: T0 + 2 })).plaintext)).toBe('for exactly one copy');
  });

  it('dispose during an operation: DISPOSED, nothing returned', async () => {
    const { b } = await unattachedBob();
    const base = new InMemorySessionStore();
    await b.save(base, 'alice');
    const s = (await Session.load(slow(base, 20), 'alice'))!;
    const running = s.encryptAsync(utf8('x'), { now: T0 + 1 });
    s.dispose();
    await expectReject(() => running, DisposedError, 'DISPOSED');
  });

  it('forceKemStep on an attached session waits for its running operation', async () => {
    const { b } = await unattachedBob();
    const base = new InMemorySessionStore();
    await b.save(base, 'alice');
    const store = slow(base, 20);
    const s = (await Session.load(store, 'alice'))!;
    const running = s.encryptAsync(utf8('x'), { now: T0 + 1 });
    expectThrow(() => s.forceKemStep(), InvalidArgumentError, 'INVALID_ARGUMENT');
    await running;
    s.forceKemStep();
    await s.save(store, 'alice');
    expect((await Session.load(base, 'alice'))!.kemStepPending).toBe(true);
  });
});

describe('finding 5: a saved record always loads', () => {
  it('saves interleaved with decryptions under load store the record with its own epoch', async () => {
    const p = parties();
    const { session: a, initialMessage } = await initiateSession(await lastResortBundle(p), { identity: p.alice, now: T0 });
    const { session: b } = await acceptSession(initialMessage, { identity: p.bob, prekeyStore: p.prekeyStore, now: T0 });
    const base = new InMemorySessionStore();
    let checked = 0;
    // A store that checks every record it is given against the epoch it is told.
    const checking: SessionStore = {
      load: (x) => base.load(x),
      save: async (x: string, s: SessionSave) => {
        const restored = Session.deserialize(s.record);
        expect(restored.epoch).toBe(s.epoch);
        expect(restored.id).toBe(s.sessionId);
        restored.dispose();
        checked += 1;
        return base.save(x, s);
      },
      delete: (x) => base.delete(x),
      addresses: () => base.addresses(),
    };
    const messages = Array.from({ length: 60 }, (_, i) => a.encrypt(utf8(`m${i}`), { now: T0 + 1 }));
    const work: Promise<unknown>[] = [];
    for (const [i, m] of messages.entries()) {
      work.push(b.decryptAsync(m, { now: T0 + 1 }));
      if (i % 3 === 0) work.push(b.save(checking, 'alice'));
    }
    await Promise.all(work);
    expect(checked).toBeGreaterThan(60);
    const stored = (await base.load('alice'))!;
    expect(stored.epoch).toBe(b.epoch);
    expect((await Session.load(base, 'alice'))!.epoch).toBe(b.epoch);
  });
});

describe('finding 8: a stripped ML-KEM prekey is refused when both parties offer ML-KEM', () => {
  it('every policy refuses a bundle whose KEM prekey was removed (the signed statement lists KEM prekeys)', async () => {
    const p = parties();
    const upload = await createPrekeyBatch(p.bob, { prekeyStore: p.prekeyStore, oneTimeCount: 1, oneTimeKemCount: 1, now: T0 });
    const full = wire.decode(assemblePrekeyBundle(upload, { kemIndex: 0, oneTimeIndex: 0 }), 'prekey-bundle');
    delete full.kemPrekey;
    delete full.kemPrekeyProof;
    const stripped = wire.encode(full);
    for (const policy of ['pq-required', 'pq-preferred', 'classical-allowed'] as const) {
      const events: SessionSecurityEvent[] = [];
      const e = await expectReject<DowngradeError>(
        () => initiateSession(stripped, { identity: p.alice, policy, now: T0, onSecurityEvent: (ev) => events.push(ev) }),
        DowngradeError,
        'PQ_REQUIRED',
      );
      expect(e.message).toContain('KEM prekey');
      expect(events).toMatchObject([{ type: 'handshake-refused', code: 'PQ_REQUIRED' }]);
    }
  });
});

describe('finding 9: rotation deletes expired prekey secrets', () => {
  it('a rotated-out signed prekey lives until it expires, then its secret is deleted', async () => {
    const p = parties();
    const oldBundle = await createPrekeyBundle(p.bob, { prekeyStore: p.prekeyStore, oneTimeKemPrekey: false, now: T0 });
    const oldSpk = (await p.prekeyStore.current('signed'))!;
    const oldPqlr = (await p.prekeyStore.current('last-resort-kem'))!;
    const { initialMessage } = await initiateSession(oldBundle, { identity: p.alice, now: T0 });
    // Rotation after 7 days: new keys; the old ones stay for messages still in flight.
    await createPrekeyBundle(p.bob, { prekeyStore: p.prekeyStore, oneTimeKemPrekey: false, now: T0 + 8 * DAY });
    expect((await p.prekeyStore.current('signed'))!.keyId).not.toBe(oldSpk.keyId);
    expect(await p.prekeyStore.load(oldSpk.keyId)).toBeDefined();
    // Once expired (37 days), the next rotation deletes them.
    await createPrekeyBundle(p.bob, { prekeyStore: p.prekeyStore, oneTimeKemPrekey: false, now: oldSpk.expires });
    expect(await p.prekeyStore.load(oldSpk.keyId)).toBeUndefined();
    expect(await p.prekeyStore.load(oldPqlr.keyId)).toBeUndefined();
    expect(await p.prekeyStore.current('signed')).toBeDefined();
    await expectReject(() => acceptSession(initialMessage, { identity: p.bob, prekeyStore: p.prekeyStore, now: T0 + DAY }), Error, 'UNKNOWN_KEY');
  });

  it('the replay cache forgets a handshake once its keys expired', async () => {
    const store = new InMemoryPrekeyStore();
    expect(await store.rememberHandshake('ab', T0 + 10)).toBe(true);
    expect(await store.rememberHandshake('ab', T0 + 10)).toBe(false);
    expect(await store.removeExpired(T0 + 9)).toBe(0);
    expect(await store.rememberHandshake('ab', T0 + 10)).toBe(false);
    await store.removeExpired(T0 + 10);
    expect(await store.rememberHandshake('ab', T0 + 10)).toBe(true);
  });
});

describe('dispose', () => {
  it('wipes a session now; every later use is DisposedError; twice is fine', async () => {
    const p = parties();
    const { session: a } = await initiateSession(await lastResortBundle(p), { identity: p.alice, now: T0 });
    expect(a.disposed).toBe(false);
    a[Symbol.dispose]();
    a.dispose();
    expect(a.disposed).toBe(true);
    expectThrow(() => a.encrypt(utf8('x')), DisposedError, 'DISPOSED');
    expectThrow(() => a.serialize(), DisposedError, 'DISPOSED');
    await expectReject(() => a.encryptAsync(utf8('x')), DisposedError, 'DISPOSED');
    expectThrow(() => a.epoch, DisposedError, 'DISPOSED');
  });
});

// The store contract (compare-and-swap on (session, epoch), the highest epoch per session id,
// previous sessions, prekeys, identities) is test/sqlite-stores.test.ts, one suite run against
// the in-memory stores and the SQLite stores.
