/**
 * `pqwire/stores/sqlite` (ts/src/stores/sqlite.ts). The store contract (ts/src/stores.ts,
 * docs/protocol.md §4.3, §6, §7, §9) as one suite run against the in-memory stores, the
 * reference, and the SQLite stores on a real file, so the two provably agree; then what only
 * a file has: persistence across close and reopen, a second connection and other processes
 * on the same file, typed errors for a closed store, a missing driver and a corrupt or
 * foreign file; and real sessions between two parties on SQLite stores, closed, reopened and
 * continued, with what a rolled-back file can and cannot show.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import {
  DisposedError,
  Identity,
  IdentityChangedError,
  InMemoryIdentityStore,
  InMemoryPrekeyStore,
  InMemorySessionStore,
  InvalidArgumentError,
  InvalidTypeError,
  KeyManagementError,
  MAX_PREVIOUS_SESSIONS,
  ReplayError,
  Session,
  SessionConflictError,
  SessionRollbackError,
  WireFormatError,
  acceptSession,
  checkPeerIdentity,
  createIdentity,
  createPrekeyBundle,
  initiateSession,
  saveLocalIdentity,
  trustIdentity,
  type IdentityStore,
  type PrekeyKind,
  type PrekeyStore,
  type SessionSave,
  type SessionStore,
  type StoredPrekey,
  type StoredPreviousSession,
} from '../ts/src/index';
import {
  SQLITE_STORE_APPLICATION_ID,
  SQLITE_STORE_SCHEMA_VERSION,
  SqliteIdentityStore,
  SqlitePrekeyStore,
  SqliteSessionStore,
  SqliteStoreFile,
  openSqliteStores,
  SqliteStateStore,
} from '../ts/src/stores/sqlite';
import { expectReject, expectThrow, utf8 } from './helpers';

const T0 = 1_700_000_000;
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

const TMP = mkdtempSync(path.join(tmpdir(), 'pqwire-sqlite-stores-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));
let files = 0;
/** A path for a new store file in the test's temporary directory. */
const newFile = (): string => path.join(TMP, `store-${++files}`, 'pqwire.db');

/** The three stores under test, and the extras both implementations have. */
interface Kit {
  identityStore: IdentityStore;
  prekeyStore: PrekeyStore & { count(kind: PrekeyKind): number };
  sessionStore: SessionStore & { loadPrevious(address: string): Promise<StoredPreviousSession[]> };
  close(): void;
}

const IMPLEMENTATIONS: ReadonlyArray<readonly [string, () => Kit]> = [
  ['in memory', () => ({ identityStore: new InMemoryIdentityStore(), prekeyStore: new InMemoryPrekeyStore(), sessionStore: new InMemorySessionStore(), close: () => undefined })],
  ['SQLite', () => openSqliteStores(newFile())],
];

/** A session save with defaults: session `aa` at epoch 1, never stored. */
const rec = (n: number): Uint8Array => new Uint8Array([n, n + 1, n + 2]);
const saving = (s: Partial<SessionSave> = {}): SessionSave => ({ record: rec(1), sessionId: 'aa', epoch: 1, expectedEpoch: undefined, ...s });

/** Everything a session store shows for `addresses`: to check that a refused save changed nothing. */
async function snapshot(store: Kit['sessionStore'], addresses: string[]): Promise<unknown> {
  const out: Record<string, unknown> = { addresses: (await store.addresses()).sort() };
  for (const a of addresses) out[a] = { current: await store.load(a), previous: await store.loadPrevious(a) };
  return out;
}

/** What a previous-sessions list says, compactly: `id@epoch` (`>winner` when superseded). */
const ids = (p: StoredPreviousSession[]): string[] => p.map((s) => `${s.sessionId}@${s.epoch}${s.supersededBy ? `>${s.supersededBy}` : ''}`);

function prekey(keyId: string, kind: PrekeyKind, o: Partial<StoredPrekey> = {}): StoredPrekey {
  return { keyId, kind, suite: kind.endsWith('kem') ? 'ML-KEM-768' : 'X25519', created: T0, expires: T0 + 100, package: utf8(`pkg ${keyId}`), secret: utf8(`secret ${keyId}`), uses: 0, ...o };
}

describe.each(IMPLEMENTATIONS)('the store contract: %s', (_name, make) => {
  describe('SessionStore.save, a compare-and-swap', () => {
    it('on (session, epoch), with the highest epoch kept per session id', async () => {
      const { sessionStore: store } = make();
      const save = (s: Partial<SessionSave>): Promise<boolean> => store.save('x', saving(s));
      expect(await save({})).toBe(true);
      expect(await save({})).toBe(false); // already stored: a new save needs the claim
      expect(await save({ epoch: 2, expectedEpoch: 0 })).toBe(false); // a stale claim
      expect(await save({ epoch: 0, expectedEpoch: 1 })).toBe(false); // going back
      expect(await save({ epoch: 2, expectedEpoch: 1 })).toBe(true);
      expect(await save({ epoch: 2, expectedEpoch: 2, record: rec(7) })).toBe(true); // same epoch: not lower
      expect(await save({ sessionId: 'bb', epoch: 1 })).toBe(false); // another session, not replacing
      expect(await save({ sessionId: 'bb', epoch: 1, replace: true })).toBe(true);
      expect(await store.load('x')).toEqual({ record: rec(1), sessionId: 'bb', epoch: 1, highestEpoch: 1 });
      await store.delete('x');
      expect(await save({ sessionId: 'aa', epoch: 2 })).toBe(false); // a deleted session's old state
      expect(await save({ sessionId: 'aa', epoch: 3 })).toBe(true);
      expect(await store.load('x')).toEqual({ record: rec(1), sessionId: 'aa', epoch: 3, highestEpoch: 3 });
    });

    it('claims: only the holder of the stored epoch saves, and only forwards; a refusal changes nothing', async () => {
      const { sessionStore: store } = make();
      expect(await store.save('x', saving({ epoch: 5 }))).toBe(true);
      const before = await snapshot(store, ['x']);
      for (const refused of [
        saving({ epoch: 6 }), // no claim on a stored session
        saving({ epoch: 6, expectedEpoch: 4 }), // stale: below the stored epoch
        saving({ epoch: 7, expectedEpoch: 6 }), // a claim on an epoch never stored
        saving({ epoch: 4, expectedEpoch: 5 }), // going back
        saving({ epoch: 6, expectedEpoch: 5, as: 'previous' }), // the current session as a previous one
        saving({ epoch: 6, expectedEpoch: 5, as: 'previous', replace: true }), // never both
      ]) {
        expect(await store.save('x', refused), JSON.stringify({ ...refused, record: undefined })).toBe(false);
        expect(await snapshot(store, ['x'])).toEqual(before);
      }
      // Two copies loaded at one epoch: only the first advanced save wins.
      const loaded = (await store.load('x'))!;
      expect(await store.save('x', saving({ record: rec(10), epoch: loaded.epoch + 1, expectedEpoch: loaded.epoch }))).toBe(true);
      expect(await store.save('x', saving({ record: rec(20), epoch: loaded.epoch + 1, expectedEpoch: loaded.epoch }))).toBe(false);
      expect(await store.save('x', saving({ record: rec(20), epoch: loaded.epoch + 2, expectedEpoch: loaded.epoch }))).toBe(false);
      expect(await store.load('x')).toEqual({ record: rec(10), sessionId: 'aa', epoch: 6, highestEpoch: 6 });
    });

    it('nothing stored: a new session needs no claim and an epoch above its highest; as previous it has nothing to sit beside', async () => {
      const { sessionStore: store } = make();
      expect(await store.load('x')).toBeUndefined();
      expect(await store.loadPrevious('x')).toEqual([]);
      expect(await store.save('x', saving({ expectedEpoch: 0 }))).toBe(false); // a claim on nothing
      expect(await store.save('x', saving({ as: 'previous' }))).toBe(false);
      expect(await store.save('x', saving({ as: 'previous', replace: true }))).toBe(false);
      expect(await snapshot(store, ['x'])).toEqual({ addresses: [], x: { current: undefined, previous: [] } });
      expect(await store.save('x', saving({ replace: true, as: 'current' }))).toBe(true); // replace with nothing stored: just new
      expect(await store.addresses()).toEqual(['x']);
    });

    it('replace: the current session becomes the most recent previous one, superseded only with supersede', async () => {
      const { sessionStore: store } = make();
      expect(await store.save('x', saving({ sessionId: 'a1', epoch: 3 }))).toBe(true);
      expect(await store.save('x', saving({ sessionId: 'b2', epoch: 1, replace: true, expectedEpoch: 0 }))).toBe(false); // a new session holds no claim
      expect(await store.save('x', saving({ sessionId: 'b2', epoch: 1, replace: true }))).toBe(true);
      expect(ids(await store.loadPrevious('x'))).toEqual(['a1@3']);
      expect(await store.save('x', saving({ sessionId: 'c3', epoch: 1, replace: true, supersede: true }))).toBe(true);
      expect(ids(await store.loadPrevious('x'))).toEqual(['b2@1>c3', 'a1@3']);
      expect(await store.load('x')).toMatchObject({ sessionId: 'c3', epoch: 1 });
      expect(await store.load('x')).not.toHaveProperty('supersededBy');
      expect((await store.loadPrevious('x'))[1]).toEqual({ record: rec(1), sessionId: 'a1', epoch: 3, highestEpoch: 3 });
    });

    it("as: 'previous': a new session goes in beside the current one, superseded by it", async () => {
      const { sessionStore: store } = make();
      expect(await store.save('x', saving({ sessionId: 'a1', epoch: 2 }))).toBe(true);
      expect(await store.save('x', saving({ sessionId: 'b2', epoch: 1, as: 'previous', expectedEpoch: 1 }))).toBe(false);
      expect(await store.save('x', saving({ sessionId: 'b2', epoch: 1, as: 'previous' }))).toBe(true);
      expect(await store.load('x')).toMatchObject({ sessionId: 'a1', epoch: 2 });
      expect(ids(await store.loadPrevious('x'))).toEqual(['b2@1>a1']);
      expect(await store.save('x', saving({ sessionId: 'b2', epoch: 2, as: 'previous' }))).toBe(false); // stored now: needs its claim
    });

    it('a previous session saves in place under its claim, keeping its place and supersededBy', async () => {
      const { sessionStore: store } = make();
      await store.save('x', saving({ sessionId: 'a1', epoch: 1 }));
      await store.save('x', saving({ sessionId: 'b2', epoch: 1, as: 'previous' }));
      await store.save('x', saving({ sessionId: 'c3', epoch: 4, replace: true }));
      expect(ids(await store.loadPrevious('x'))).toEqual(['a1@1', 'b2@1>a1']);
      const before = await snapshot(store, ['x']);
      for (const refused of [
        saving({ sessionId: 'b2', epoch: 2 }), // no claim
        saving({ sessionId: 'b2', epoch: 2, expectedEpoch: 0 }), // stale claim
        saving({ sessionId: 'b2', epoch: 0, expectedEpoch: 1 }), // going back
        saving({ sessionId: 'b2', epoch: 2, expectedEpoch: 1, replace: true, as: 'previous' }), // never both
      ]) {
        expect(await store.save('x', refused)).toBe(false);
        expect(await snapshot(store, ['x'])).toEqual(before);
      }
      expect(await store.save('x', saving({ sessionId: 'b2', epoch: 5, expectedEpoch: 1, record: rec(5) }))).toBe(true);
      expect(ids(await store.loadPrevious('x'))).toEqual(['a1@1', 'b2@5>a1']);
      expect((await store.loadPrevious('x'))[1]).toEqual({ record: rec(5), sessionId: 'b2', epoch: 5, highestEpoch: 5, supersededBy: 'a1' });
      expect(await store.load('x')).toMatchObject({ sessionId: 'c3', epoch: 4 });
      // replace does not move a stored previous session; only as: 'current' does.
      expect(await store.save('x', saving({ sessionId: 'b2', epoch: 6, expectedEpoch: 5, replace: true }))).toBe(true);
      expect(ids(await store.loadPrevious('x'))).toEqual(['a1@1', 'b2@6>a1']);
    });

    it("as: 'current' promotes a previous session under its claim; the current one becomes the most recent previous", async () => {
      const { sessionStore: store } = make();
      await store.save('x', saving({ sessionId: 'a1', epoch: 1 }));
      await store.save('x', saving({ sessionId: 'b2', epoch: 1, as: 'previous' }));
      await store.save('x', saving({ sessionId: 'c3', epoch: 1, replace: true }));
      await store.save('x', saving({ sessionId: 'd4', epoch: 1, replace: true }));
      expect(ids(await store.loadPrevious('x'))).toEqual(['c3@1', 'a1@1', 'b2@1>a1']);
      const before = await snapshot(store, ['x']);
      expect(await store.save('x', saving({ sessionId: 'b2', epoch: 2, expectedEpoch: 0, as: 'current' }))).toBe(false);
      expect(await store.save('x', saving({ sessionId: 'b2', epoch: 2, as: 'current' }))).toBe(false);
      expect(await store.save('x', saving({ sessionId: 'zz', epoch: 2, as: 'current' }))).toBe(false); // not stored: not a promotion
      expect(await snapshot(store, ['x'])).toEqual(before);
      expect(await store.save('x', saving({ sessionId: 'b2', epoch: 2, expectedEpoch: 1, as: 'current', record: rec(2) }))).toBe(true);
      expect(await store.load('x')).toEqual({ record: rec(2), sessionId: 'b2', epoch: 2, highestEpoch: 2 });
      expect(ids(await store.loadPrevious('x'))).toEqual(['d4@1', 'c3@1', 'a1@1']);
      // The current session saved as: 'current' stays where it is.
      expect(await store.save('x', saving({ sessionId: 'b2', epoch: 3, expectedEpoch: 2, as: 'current' }))).toBe(true);
      expect(ids(await store.loadPrevious('x'))).toEqual(['d4@1', 'c3@1', 'a1@1']);
    });

    it(`keeps at most MAX_PREVIOUS_SESSIONS (${MAX_PREVIOUS_SESSIONS}) previous sessions; a dropped one's highest epoch stays`, async () => {
      const { sessionStore: store } = make();
      const sessions = Array.from({ length: MAX_PREVIOUS_SESSIONS + 3 }, (_, i) => `s${i}`);
      for (const [i, id] of sessions.entries()) expect(await store.save('x', saving({ sessionId: id, epoch: 10 + i, replace: true }))).toBe(true);
      const previous = await store.loadPrevious('x');
      expect(previous).toHaveLength(MAX_PREVIOUS_SESSIONS);
      expect(previous.map((p) => p.sessionId)).toEqual(sessions.slice(1, -1).reverse().slice(0, MAX_PREVIOUS_SESSIONS));
      // s0 and s1 were dropped: gone, with their highest epochs kept.
      await store.delete('x');
      expect(await store.save('x', saving({ sessionId: 's0', epoch: 10 }))).toBe(false);
      expect(await store.save('x', saving({ sessionId: 's1', epoch: 11 }))).toBe(false);
      expect(await store.save('x', saving({ sessionId: 's0', epoch: 11 }))).toBe(true);
      // A new session stored as previous counts against the bound too.
      await store.delete('x');
      await store.save('x', saving({ sessionId: 'cur', epoch: 1 }));
      for (let i = 0; i < MAX_PREVIOUS_SESSIONS + 1; i++) await store.save('x', saving({ sessionId: `p${i}`, epoch: 1, as: 'previous' }));
      expect((await store.loadPrevious('x')).map((p) => p.sessionId)).toEqual(['p5', 'p4', 'p3', 'p2', 'p1']);
      // A dropped session is no longer stored, so no longer "elsewhere" either.
      expect(await store.save('y', saving({ sessionId: 'p0', epoch: 2 }))).toBe(true);
    });

    it('delete drops the current and previous sessions; their highest epochs stay', async () => {
      const { sessionStore: store } = make();
      await store.save('x', saving({ sessionId: 'a1', epoch: 4 }));
      await store.save('x', saving({ sessionId: 'b2', epoch: 7, replace: true }));
      await store.save('y', saving({ sessionId: 'c3', epoch: 1 }));
      await store.delete('x');
      await store.delete('nobody'); // nothing stored: nothing happens
      expect(await store.load('x')).toBeUndefined();
      expect(await store.loadPrevious('x')).toEqual([]);
      expect(await store.addresses()).toEqual(['y']);
      expect(await store.save('x', saving({ sessionId: 'a1', epoch: 4 }))).toBe(false); // a backup's copy
      expect(await store.save('x', saving({ sessionId: 'b2', epoch: 7 }))).toBe(false);
      expect(await store.save('x', saving({ sessionId: 'b2', epoch: 6 }))).toBe(false);
      expect(await store.save('x', saving({ sessionId: 'a1', epoch: 4, expectedEpoch: 4 }))).toBe(false);
      expect(await store.save('x', saving({ sessionId: 'b2', epoch: 8 }))).toBe(true);
      expect(await store.load('x')).toMatchObject({ sessionId: 'b2', epoch: 8, highestEpoch: 8 });
      expect((await store.addresses()).sort()).toEqual(['x', 'y']);
    });

    it('one record per session: a session id stored under another address is refused, current or previous', async () => {
      const { sessionStore: store } = make();
      await store.save('x', saving({ sessionId: 'a1', epoch: 1 }));
      await store.save('x', saving({ sessionId: 'b2', epoch: 1, replace: true }));
      await store.save('y', saving({ sessionId: 'c3', epoch: 1 }));
      const before = await snapshot(store, ['x', 'y']);
      for (const refused of [
        saving({ sessionId: 'b2', epoch: 2 }), // x's current, as new
        saving({ sessionId: 'b2', epoch: 2, expectedEpoch: 1 }), // x's current, with x's claim
        saving({ sessionId: 'b2', epoch: 2, replace: true }),
        saving({ sessionId: 'a1', epoch: 2, expectedEpoch: 1, as: 'current' }), // x's previous
        saving({ sessionId: 'a1', epoch: 2, as: 'previous' }),
      ]) {
        expect(await store.save('y', refused)).toBe(false);
        expect(await store.save('z', refused)).toBe(false);
        expect(await snapshot(store, ['x', 'y', 'z'])).toEqual({ ...(before as object), z: { current: undefined, previous: [] } });
      }
      await store.delete('x');
      expect(await store.save('z', saving({ sessionId: 'b2', epoch: 2 }))).toBe(true); // once gone from x, above its highest
    });

    it('records are copies: changing the bytes given or returned changes nothing stored', async () => {
      const { sessionStore: store } = make();
      const record = rec(1);
      await store.save('x', saving({ record }));
      record[0] = 99;
      const loaded = (await store.load('x'))!;
      expect(loaded.record).toEqual(rec(1));
      loaded.record[0] = 42;
      expect((await store.load('x'))!.record).toEqual(rec(1));
    });
  });

  describe('PrekeyStore', () => {
    it('save, load, overwrite; unknown keys are undefined', async () => {
      const { prekeyStore: store } = make();
      expect(await store.load('00')).toBeUndefined();
      await store.save([prekey('01', 'one-time'), prekey('02', 'signed')]);
      expect(await store.load('01')).toEqual(prekey('01', 'one-time'));
      await store.save([prekey('01', 'one-time', { expires: T0 + 5, secret: utf8('other') })]);
      expect(await store.load('01')).toEqual(prekey('01', 'one-time', { expires: T0 + 5, secret: utf8('other') }));
      expect(store.count('one-time')).toBe(1);
      expect(store.count('signed')).toBe(1);
      expect(store.count('one-time-kem')).toBe(0);
    });

    it('consume: all or none; duplicates, unknown, consumed and rotated keys refuse the whole call', async () => {
      const { prekeyStore: store } = make();
      await store.save([prekey('a', 'one-time'), prekey('b', 'one-time-kem'), prekey('c', 'one-time'), prekey('s', 'signed'), prekey('l', 'last-resort-kem')]);
      const all = async (): Promise<(StoredPrekey | undefined)[]> => Promise.all(['a', 'b', 'c', 's', 'l'].map((id) => store.load(id)));
      const before = await all();
      for (const refused of [['a', 'unknown'], ['a', 'a'], ['a', 'b', 'a'], ['a', 's'], ['l'], ['b', 's']]) {
        expect(await store.consume(refused), refused.join()).toBe(false);
        expect(await all()).toEqual(before);
        for (const id of refused) expect(await store.isConsumed(id)).toBe(false);
      }
      expect(await store.consume(['a', 'b'])).toBe(true);
      expect(await store.load('a')).toBeUndefined(); // the secret is gone
      expect(await store.load('b')).toBeUndefined();
      expect(await store.isConsumed('a')).toBe(true);
      expect(await store.isConsumed('b')).toBe(true);
      expect(await store.isConsumed('c')).toBe(false);
      expect(await store.isConsumed('nothing')).toBe(false);
      expect(await store.consume(['a'])).toBe(false); // a replay
      expect(await store.consume(['c', 'b'])).toBe(false); // one consumed: none
      expect(await store.load('c')).toEqual(prekey('c', 'one-time'));
      expect(await store.consume([])).toBe(true); // nothing to consume
      expect(store.count('one-time')).toBe(1);
    });

    it('current: the newest of a rotated kind, the last saved among equally new ones', async () => {
      const { prekeyStore: store } = make();
      expect(await store.current('signed')).toBeUndefined();
      await store.save([prekey('s1', 'signed', { created: T0 }), prekey('s2', 'signed', { created: T0 + 10 }), prekey('l1', 'last-resort-kem', { created: T0 + 50 })]);
      expect((await store.current('signed'))?.keyId).toBe('s2');
      expect((await store.current('last-resort-kem'))?.keyId).toBe('l1');
      await store.save([prekey('s3', 'signed', { created: T0 + 10 })]);
      expect((await store.current('signed'))?.keyId).toBe('s3');
      await store.save([prekey('s2', 'signed', { created: T0 + 10, uses: 3 })]); // an update keeps its place
      expect((await store.current('signed'))?.keyId).toBe('s3');
      await store.save([prekey('o1', 'one-time', { created: T0 + 999 })]);
      expect((await store.current('signed'))?.keyId).toBe('s3');
    });

    it('countUse counts each use of a stored key; unknown ids are ignored', async () => {
      const { prekeyStore: store } = make();
      await store.save([prekey('s', 'signed'), prekey('l', 'last-resort-kem', { uses: 2 })]);
      await store.countUse(['s', 'l', 'unknown']);
      await store.countUse(['s', 's']);
      expect((await store.load('s'))?.uses).toBe(3);
      expect((await store.load('l'))?.uses).toBe(3);
      expect(await store.load('unknown')).toBeUndefined();
    });

    it('rememberHandshake: an atomic insert-if-absent, forgotten once its keys expired', async () => {
      const { prekeyStore: store } = make();
      expect(await store.rememberHandshake('ab', T0 + 10)).toBe(true);
      expect(await store.rememberHandshake('ab', T0 + 10)).toBe(false);
      expect(await store.rememberHandshake('ab', T0 + 99)).toBe(false);
      expect(await store.rememberHandshake('cd', T0 + 20)).toBe(true);
      expect(await store.removeExpired(T0 + 9)).toBe(0);
      expect(await store.rememberHandshake('ab', T0 + 10)).toBe(false);
      await store.removeExpired(T0 + 10);
      expect(await store.rememberHandshake('ab', T0 + 10)).toBe(true);
      expect(await store.rememberHandshake('cd', T0 + 20)).toBe(false);
    });

    it('removeExpired deletes every prekey whose validity ended (expires <= now), secrets included, and counts them', async () => {
      const { prekeyStore: store } = make();
      await store.save([
        prekey('o1', 'one-time', { expires: T0 + 10 }),
        prekey('s1', 'signed', { expires: T0 + 10 }),
        prekey('s2', 'signed', { expires: T0 + 11, created: T0 - 1 }),
        prekey('c1', 'one-time', { expires: T0 + 5 }),
      ]);
      expect(await store.consume(['c1'])).toBe(true);
      expect(await store.removeExpired(T0 + 9)).toBe(0);
      expect(await store.removeExpired(T0 + 10)).toBe(2);
      expect(await store.load('o1')).toBeUndefined();
      expect(await store.load('s1')).toBeUndefined();
      expect((await store.current('signed'))?.keyId).toBe('s2');
      expect(await store.isConsumed('c1')).toBe(true); // consumed ids stay remembered
      expect(await store.removeExpired(T0 + 10)).toBe(0);
      expect(await store.removeExpired(T0 + 1000)).toBe(1);
      expect(await store.current('signed')).toBeUndefined();
    });
  });

  describe('IdentityStore', () => {
    it('keeps the local identity record, and pins peers: trust on first use, a change refused until trusted', async () => {
      const { identityStore: store } = make();
      const me = createIdentity({ created: T0 });
      expect(await store.getLocalIdentity()).toBeUndefined();
      await saveLocalIdentity(store, me);
      const record = (await store.getLocalIdentity())!;
      expect(record).toEqual(me.export());
      expect(Identity.import(record).publicIdentity.equals(me.publicIdentity)).toBe(true);
      await store.saveLocalIdentity(utf8('replaced'));
      expect(await store.getLocalIdentity()).toEqual(utf8('replaced'));

      const bob = createIdentity({ created: T0 }).publicIdentity;
      const mallory = createIdentity({ created: T0 }).publicIdentity;
      expect(await store.getPeerIdentity('bob')).toBeUndefined();
      expect(await checkPeerIdentity(store, 'bob', bob)).toBe('pinned');
      expect(await checkPeerIdentity(store, 'bob', bob)).toBe('known');
      const pinned = (await store.getPeerIdentity('bob'))!;
      expect(pinned.equals(bob)).toBe(true);
      expect(pinned.fingerprint).toBe(bob.fingerprint);
      const e = await expectReject<IdentityChangedError>(() => checkPeerIdentity(store, 'bob', mallory), IdentityChangedError, 'IDENTITY_CHANGED');
      expect(e.pinned.equals(bob)).toBe(true);
      expect((await store.getPeerIdentity('bob'))!.equals(bob)).toBe(true); // nothing changed
      await trustIdentity(store, 'bob', mallory);
      expect((await store.getPeerIdentity('bob'))!.equals(mallory)).toBe(true);
      expect(await store.getPeerIdentity('carol')).toBeUndefined();
    });
  });
});

describe('SQLite stores: the file', () => {
  it('persists every store across close and reopen, in a file created 0600 in a new directory', async () => {
    const file = newFile();
    const me = createIdentity({ created: T0 });
    const bob = createIdentity({ created: T0 }).publicIdentity;
    {
      const s = openSqliteStores(file);
      await saveLocalIdentity(s.identityStore, me);
      await s.identityStore.savePeerIdentity('bob', bob);
      await s.prekeyStore.save([prekey('o1', 'one-time'), prekey('o2', 'one-time'), prekey('s1', 'signed')]);
      await s.prekeyStore.consume(['o1']);
      await s.prekeyStore.countUse(['s1']);
      await s.prekeyStore.rememberHandshake('hh', T0 + 10);
      await s.sessionStore.save('bob', saving({ sessionId: 'a1', epoch: 3 }));
      await s.sessionStore.save('bob', saving({ sessionId: 'b2', epoch: 1, replace: true, supersede: true }));
      await s.sessionStore.save('gone', saving({ sessionId: 'g1', epoch: 9 }));
      await s.sessionStore.delete('gone');
      s.close();
      s.close(); // twice is fine
    }
    if (process.platform !== 'win32') {
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    }
    const s = openSqliteStores(file);
    expect(await s.identityStore.getLocalIdentity()).toEqual(me.export());
    expect((await s.identityStore.getPeerIdentity('bob'))!.equals(bob)).toBe(true);
    expect(await s.prekeyStore.load('o1')).toBeUndefined();
    expect(await s.prekeyStore.isConsumed('o1')).toBe(true);
    expect(await s.prekeyStore.consume(['o1'])).toBe(false);
    expect(await s.prekeyStore.load('o2')).toEqual(prekey('o2', 'one-time'));
    expect((await s.prekeyStore.current('signed'))?.uses).toBe(1);
    expect(await s.prekeyStore.rememberHandshake('hh', T0 + 10)).toBe(false);
    expect(await s.sessionStore.load('bob')).toMatchObject({ sessionId: 'b2', epoch: 1 });
    expect(ids(await s.sessionStore.loadPrevious('bob'))).toEqual(['a1@3>b2']);
    expect(await s.sessionStore.addresses()).toEqual(['bob']);
    expect(await s.sessionStore.save('gone', saving({ sessionId: 'g1', epoch: 9 }))).toBe(false); // its highest epoch survived
    if (process.platform !== 'win32') expect(statSync(`${file}-wal`).mode & 0o777).toBe(0o600);
    s.close();
  });

  it('a consumed prekey secret, a removed one and an overwritten session state are gone from the file, not left in free pages', async () => {
    const file = newFile();
    const secrets = Array.from({ length: 7 }, () => new Uint8Array(randomBytes(3000)));
    const secret = (tag: number): Uint8Array => secrets[tag]!;
    const contains = (haystack: Buffer, needle: Uint8Array): boolean => haystack.includes(Buffer.from(needle.subarray(100, 164)));
    const s = openSqliteStores(file);
    await s.prekeyStore.save([prekey('o', 'one-time', { secret: secret(1) }), prekey('e', 'signed', { secret: secret(2), expires: T0 }), prekey('k', 'one-time', { secret: secret(3) })]);
    await s.sessionStore.save('x', saving({ record: secret(4), epoch: 1 }));
    await s.sessionStore.save('x', saving({ record: secret(5), epoch: 2, expectedEpoch: 1 }));
    await s.sessionStore.save('y', saving({ sessionId: 'bb', record: secret(6), epoch: 1 }));
    expect(await s.prekeyStore.consume(['o'])).toBe(true);
    expect(await s.prekeyStore.removeExpired(T0)).toBe(1);
    await s.sessionStore.delete('y');
    s.close(); // the last connection: the WAL is checkpointed into the file and removed
    expect(existsSync(`${file}-wal`)).toBe(false);
    const bytes = readFileSync(file);
    expect(contains(bytes, secret(3))).toBe(true); // the search finds what is stored
    expect(contains(bytes, secret(5))).toBe(true);
    for (const gone of [1, 2, 4, 6]) expect(contains(bytes, secret(gone)), `secret ${gone}`).toBe(false);
  });

  it('an existing file keeps its mode; a fresh SQLite database of no application is adopted', async () => {
    const file = newFile();
    mkdirSync(path.dirname(file), { mode: 0o755 });
    writeFileSync(file, '', { mode: 0o640 });
    const raw = new Database(file);
    raw.exec('CREATE TABLE app_data (x INTEGER)');
    raw.close();
    const s = openSqliteStores(file);
    expect(await s.sessionStore.save('x', saving())).toBe(true);
    s.close();
    if (process.platform !== 'win32') {
      expect(statSync(file).mode & 0o777).toBe(0o640);
      expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o755);
    }
    const check = new Database(file, { readonly: true });
    expect(check.pragma('application_id', { simple: true })).toBe(SQLITE_STORE_APPLICATION_ID);
    expect(check.pragma('user_version', { simple: true })).toBe(SQLITE_STORE_SCHEMA_VERSION);
    expect(check.pragma('journal_mode', { simple: true })).toBe('wal');
    check.close();
  });

  it('the client state store: put, get, replace, delete, persisted; a schema-1 file is migrated to it', async () => {
    const file = newFile();
    const s = openSqliteStores(file);
    expect(Object.keys(s)).toEqual(['identityStore', 'prekeyStore', 'sessionStore']);
    await s.stateStore.put('a', new Uint8Array([1, 2]));
    await s.stateStore.put('a', new Uint8Array([3]));
    await s.stateStore.put('b', new Uint8Array([4]));
    await s.stateStore.delete('b');
    expect(await s.stateStore.get('b')).toBeUndefined();
    s.close();
    await expectReject(() => s.stateStore.get('a'), DisposedError, 'DISPOSED');
    // Back to schema 1: the table gone, the version lowered, as a file of the previous release.
    const raw = new Database(file);
    raw.exec('DROP TABLE client_state');
    raw.pragma('user_version = 1');
    raw.close();
    const again = new SqliteStateStore(file);
    expect(await again.get('a')).toBeUndefined();
    await again.put('a', new Uint8Array([5]));
    expect(await again.get('a')).toEqual(new Uint8Array([5]));
    again.close();
    const check = new Database(file, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(2);
    check.close();
  });

  it('stores on a shared SqliteStoreFile, or each on its own path; closing one store leaves the others', async () => {
    const path1 = newFile();
    const file = new SqliteStoreFile(path1);
    const sessions = new SqliteSessionStore(file);
    const prekeys = new SqlitePrekeyStore(file);
    const identities = new SqliteIdentityStore(path1); // its own connection
    expect(sessions.file).toBe(file);
    await sessions.save('x', saving());
    sessions.close();
    await expectReject(() => sessions.load('x'), DisposedError, 'DISPOSED');
    expect(file.closed).toBe(false);
    expect(await prekeys.rememberHandshake('h', T0)).toBe(true);
    identities.close();
    expect(identities.file.closed).toBe(true);
    expect(file.closed).toBe(false);
    file.close();
    expect(file.closed).toBe(true);
    await expectReject(() => prekeys.rememberHandshake('h', T0), DisposedError, 'DISPOSED');
    const again = new SqliteSessionStore(path1);
    expect(await again.load('x')).toMatchObject({ sessionId: 'aa' });
    again.close();
  });

  it('a closed store refuses every method with DISPOSED', async () => {
    const s = openSqliteStores(newFile());
    s.close();
    const calls: Array<() => Promise<unknown>> = [
      () => s.identityStore.getLocalIdentity(),
      () => s.identityStore.saveLocalIdentity(utf8('x')),
      () => s.identityStore.getPeerIdentity('bob'),
      () => s.identityStore.savePeerIdentity('bob', createIdentity().publicIdentity),
      () => s.prekeyStore.save([prekey('a', 'one-time')]),
      () => s.prekeyStore.load('a'),
      () => s.prekeyStore.isConsumed('a'),
      () => s.prekeyStore.consume(['a']),
      () => s.prekeyStore.current('signed'),
      () => s.prekeyStore.countUse(['a']),
      () => s.prekeyStore.rememberHandshake('h', T0),
      () => s.prekeyStore.removeExpired(T0),
      () => s.sessionStore.load('x'),
      () => s.sessionStore.loadPrevious('x'),
      () => s.sessionStore.save('x', saving()),
      () => s.sessionStore.delete('x'),
      () => s.sessionStore.addresses(),
    ];
    for (const call of calls) await expectReject(call, DisposedError, 'DISPOSED');
    expectThrow(() => s.prekeyStore.count('one-time'), DisposedError, 'DISPOSED');
  });

  it('refuses bad arguments with typed errors', async () => {
    expectThrow(() => openSqliteStores(''), InvalidTypeError, 'INVALID_TYPE');
    expectThrow(() => openSqliteStores(42 as unknown as string), InvalidTypeError, 'INVALID_TYPE');
    expectThrow(() => openSqliteStores(newFile(), { busyTimeout: -1 }), InvalidArgumentError, 'INVALID_ARGUMENT');
    expectThrow(() => openSqliteStores(newFile(), { busyTimeout: 1.5 }), InvalidArgumentError, 'INVALID_ARGUMENT');
    expectThrow(() => openSqliteStores(newFile(), { busyTimeot: 10 } as never), InvalidArgumentError, 'INVALID_ARGUMENT');
    expectThrow(() => openSqliteStores(newFile(), 'fast' as never), InvalidTypeError, 'INVALID_TYPE');
    const s = openSqliteStores(newFile());
    await expectReject(() => s.identityStore.savePeerIdentity('bob', { fingerprint: 'ab' } as never), InvalidTypeError, 'INVALID_TYPE');
    await expectReject(() => s.sessionStore.save('x', saving({ record: 'abc' as never })), InvalidTypeError, 'INVALID_TYPE');
    await expectReject(() => s.prekeyStore.save([prekey('a', 'one-time', { secret: [1, 2] as never })]), InvalidTypeError, 'INVALID_TYPE');
    expect(await s.prekeyStore.load('a')).toBeUndefined();
    s.close();
  });

  it('without better-sqlite3 installed, opening a store is UnsupportedError (UNSUPPORTED); requiring pqwire/stores/sqlite is not', () => {
    const entry = path.resolve(__dirname, '../ts/dist/stores/sqlite.js');
    expect(existsSync(entry), 'ts/dist is built (npm run build:ts)').toBe(true);
    // A fresh node in which better-sqlite3 cannot be found.
    const script = `const Module = require('node:module');
      const resolve = Module._resolveFilename;
      Module._resolveFilename = function (request, ...rest) {
        if (request === 'better-sqlite3') { const e = new Error("Cannot find module 'better-sqlite3'"); e.code = 'MODULE_NOT_FOUND'; throw e; }
        return resolve.call(this, request, ...rest);
      };
      const { openSqliteStores } = require(${JSON.stringify(entry)});
      const { UnsupportedError } = require(${JSON.stringify(path.resolve(__dirname, '../ts/dist/index.js'))});
      try { openSqliteStores(':memory:'); process.stdout.write('null'); }
      catch (e) { process.stdout.write(JSON.stringify({ typed: e instanceof UnsupportedError, code: e.code, message: e.message })); }`;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ typed: true, code: 'UNSUPPORTED' });
    expect(out.message).toMatch(/npm install better-sqlite3/);
  });

  it('a file that is not a pqwire store is refused with a typed error, and left as it was', () => {
    const garbage = newFile();
    openSqliteStores(garbage).close();
    writeFileSync(garbage, Buffer.alloc(8192, 0x5a));
    rmSync(`${garbage}-wal`, { force: true });
    rmSync(`${garbage}-shm`, { force: true });
    expectThrow(() => openSqliteStores(garbage), WireFormatError, 'BAD_MAGIC');
    expect(readFileSync(garbage)).toEqual(Buffer.alloc(8192, 0x5a));

    const foreign = newFile();
    openSqliteStores(foreign).close();
    const other = new Database(foreign);
    other.pragma('application_id = 12345');
    other.close();
    expectThrow(() => openSqliteStores(foreign), WireFormatError, 'BAD_MAGIC');

    const versioned = newFile(); // another application's database that keeps a user_version
    openSqliteStores(versioned).close();
    const v = new Database(versioned);
    v.pragma('application_id = 0');
    v.pragma('user_version = 7');
    v.close();
    expectThrow(() => openSqliteStores(versioned), WireFormatError, 'BAD_MAGIC');

    const newer = newFile();
    openSqliteStores(newer).close();
    const n = new Database(newer);
    n.pragma(`user_version = ${SQLITE_STORE_SCHEMA_VERSION + 1}`);
    n.close();
    expectThrow(() => openSqliteStores(newer), WireFormatError, 'UNSUPPORTED_VERSION');
  });

  it('a corrupt file is INVALID_FIELD, at opening or at the first read of a damaged page', async () => {
    const file = newFile();
    const s = openSqliteStores(file);
    for (let i = 0; i < 20; i++) await s.sessionStore.save(`peer${i}`, saving({ sessionId: `id${i}`, record: new Uint8Array(2000).fill(i) }));
    s.close();
    const bytes = readFileSync(file);
    expect(bytes.length).toBeGreaterThan(3 * 4096);
    bytes.fill(0xa5, 4096); // every page after the first (the header and the schema)
    writeFileSync(file, bytes);
    let thrown: unknown;
    try {
      const damaged = openSqliteStores(file);
      try {
        await damaged.sessionStore.load('peer3');
        await damaged.sessionStore.addresses();
      } finally {
        damaged.close();
      }
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(WireFormatError);
    expect((thrown as WireFormatError).code).toBe('INVALID_FIELD');
  });

  it('a pinned identity altered in the file no longer verifies: INVALID_FIELD, never a wrong identity', async () => {
    const file = newFile();
    const s = openSqliteStores(file);
    const bob = createIdentity({ created: T0 }).publicIdentity;
    await s.identityStore.savePeerIdentity('bob', bob);
    const raw = new Database(file);
    const key = Buffer.from(bob.signingKey);
    key[key.length - 1]! ^= 1;
    raw.prepare('UPDATE peer_identities SET signing_key = ? WHERE address = ?').run(key, 'bob');
    raw.close();
    await expectReject(() => s.identityStore.getPeerIdentity('bob'), WireFormatError, 'INVALID_FIELD');
    s.close();
  });
});

describe('SQLite stores: two connections, and processes, on one file', () => {
  it('a second connection sees every write at once; of two copies racing a save, one wins', async () => {
    const file = newFile();
    const one = openSqliteStores(file);
    const two = openSqliteStores(file);
    await one.sessionStore.save('x', saving({ epoch: 1 }));
    expect(await two.sessionStore.load('x')).toMatchObject({ sessionId: 'aa', epoch: 1 });
    const a = (await one.sessionStore.load('x'))!;
    const b = (await two.sessionStore.load('x'))!;
    const results = await Promise.all([
      one.sessionStore.save('x', saving({ record: rec(10), epoch: a.epoch + 1, expectedEpoch: a.epoch })),
      two.sessionStore.save('x', saving({ record: rec(20), epoch: b.epoch + 1, expectedEpoch: b.epoch })),
    ]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect((await two.sessionStore.load('x'))!.record).toEqual(results[0] ? rec(10) : rec(20));
    // One-time prekeys and the replay cache, across the two connections.
    await one.prekeyStore.save([prekey('o', 'one-time')]);
    expect(await two.prekeyStore.consume(['o'])).toBe(true);
    expect(await one.prekeyStore.consume(['o'])).toBe(false);
    expect(await one.prekeyStore.isConsumed('o')).toBe(true);
    expect(await one.prekeyStore.rememberHandshake('h', T0)).toBe(true);
    expect(await two.prekeyStore.rememberHandshake('h', T0)).toBe(false);
    one.close();
    two.close();
  });

  it('a write lock held elsewhere beyond busyTimeout: the save rejects (SQLITE_BUSY) and changes nothing; then it goes through', async () => {
    const file = newFile();
    const s = openSqliteStores(file, { busyTimeout: 50 });
    await s.sessionStore.save('x', saving({ epoch: 1 }));
    const other = new Database(file);
    other.exec('BEGIN IMMEDIATE'); // another process's transaction, holding the write lock
    const started = Date.now();
    const e = await s.sessionStore.save('x', saving({ epoch: 2, expectedEpoch: 1 })).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(40);
    expect((e as { code?: string }).code).toBe('SQLITE_BUSY');
    expect(await s.sessionStore.load('x')).toMatchObject({ epoch: 1 }); // readers do not wait (WAL)
    other.exec('ROLLBACK');
    other.close();
    expect(await s.sessionStore.save('x', saving({ epoch: 2, expectedEpoch: 1 }))).toBe(true);
    s.close();
  });

  it('four processes racing on one file: every epoch is won once, every one-time key consumed once, every handshake remembered once', async () => {
    const entry = path.resolve(__dirname, '../ts/dist/stores/sqlite.js');
    expect(existsSync(entry), 'ts/dist is built (npm run build:ts)').toBe(true);
    const file = newFile();
    const KEYS = 40;
    const ROUNDS = 60;
    const setup = openSqliteStores(file);
    await setup.sessionStore.save('peer', saving({ epoch: 1 }));
    await setup.prekeyStore.save(Array.from({ length: KEYS }, (_, i) => prekey(`k${i}`, 'one-time')));
    setup.close();
    const script = `
      const { openSqliteStores } = require(${JSON.stringify(entry)});
      const [file, go, name, keys, rounds] = process.argv.slice(1);
      const s = openSqliteStores(file, { busyTimeout: 30000 });
      const out = { epochs: [], keys: [], handshakes: [], refused: 0 };
      (async () => {
        while (Date.now() < Number(go)) {}
        for (let i = 0; i < Number(rounds); i++) {
          const cur = await s.sessionStore.load('peer');
          const won = await s.sessionStore.save('peer', { record: Buffer.from(name), sessionId: 'aa', epoch: cur.epoch + 1, expectedEpoch: cur.epoch });
          if (won) out.epochs.push(cur.epoch + 1); else out.refused += 1;
          if (i < Number(keys) && (await s.prekeyStore.consume(['k' + i]))) out.keys.push(i);
          if (await s.prekeyStore.rememberHandshake('h' + i, 2e9)) out.handshakes.push(i);
        }
        s.close();
        process.stdout.write(JSON.stringify(out));
      })().catch((e) => { console.error(e); process.exit(1); });`;
    const go = Date.now() + 1500;
    const run = (name: string): Promise<{ epochs: number[]; keys: number[]; handshakes: number[]; refused: number }> =>
      new Promise((resolve, reject) => {
        const child = spawn(process.execPath, ['-e', script, file, String(go), name, String(KEYS), String(ROUNDS)], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        child.stdout.on('data', (d: Buffer) => (out += d));
        child.stderr.on('data', (d: Buffer) => (err += d));
        child.on('error', reject);
        child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`child ${name} exited ${code}: ${err}`))));
      });
    const results = await Promise.all(['p1', 'p2', 'p3', 'p4'].map(run));
    const epochs = results.flatMap((r) => r.epochs).sort((x, y) => x - y);
    const check = openSqliteStores(file);
    const final = (await check.sessionStore.load('peer'))!;
    check.close();
    // Each epoch 2..final won by exactly one process: no claim was ever granted twice.
    expect(epochs).toEqual(Array.from({ length: final.epoch - 1 }, (_, i) => i + 2));
    expect(epochs.length + results.reduce((n, r) => n + r.refused, 0)).toBe(4 * ROUNDS);
    expect(results.flatMap((r) => r.keys).sort((x, y) => x - y)).toEqual(Array.from({ length: KEYS }, (_, i) => i));
    expect(results.flatMap((r) => r.handshakes).sort((x, y) => x - y)).toEqual(Array.from({ length: ROUNDS }, (_, i) => i));
  });
});

describe('SQLite stores: sessions between two parties', () => {
  interface Party {
    identity: Identity;
    file: string;
  }
  const party = (): Party => ({ identity: createIdentity({ created: T0 - 10 }), file: newFile() });

  /** Alice initiates with Bob's bundle; Bob accepts; both on their own SQLite files. */
  async function start(alice: Party, bob: Party, bundleOptions: { oneTimePrekey?: boolean; oneTimeKemPrekey?: boolean } = {}) {
    const a = openSqliteStores(alice.file);
    const b = openSqliteStores(bob.file);
    await saveLocalIdentity(b.identityStore, bob.identity);
    const bundle = await createPrekeyBundle(bob.identity, { prekeyStore: b.prekeyStore, now: T0, ...bundleOptions });
    const init = await initiateSession(bundle, {
      identity: alice.identity,
      address: 'bob',
      identityStore: a.identityStore,
      sessionStore: a.sessionStore,
      plaintext: utf8('hello Bob'),
      now: T0,
    });
    // The stores spread straight into the options: only they are enumerable.
    expect(Object.keys(b).sort()).toEqual(['identityStore', 'prekeyStore', 'sessionStore']);
    const accepted = await acceptSession(init.initialMessage, { identity: bob.identity, ...b, address: 'alice', now: T0 });
    expect(text(accepted.plaintext!)).toBe('hello Bob');
    return { a, b, initialMessage: init.initialMessage, sa: init.session, sb: accepted.session };
  }

  it('a session stored on SQLite, closed, reopened and continued both ways; the identities and prekeys persist', async () => {
    const alice = party();
    const bob = party();
    const { a, b, initialMessage, sa, sb } = await start(alice, bob);
    for (let i = 0; i < 3; i++) {
      expect(text((await sa.decryptAsync(await sb.encryptAsync(utf8(`b${i}`), { now: T0 + i }), { now: T0 + i })).plaintext)).toBe(`b${i}`);
      expect(text((await sb.decryptAsync(await sa.encryptAsync(utf8(`a${i}`), { now: T0 + i }), { now: T0 + i })).plaintext)).toBe(`a${i}`);
    }
    const epochs = { a: sa.epoch, b: sb.epoch, id: sa.id };
    sa.dispose();
    sb.dispose();
    a.close();
    b.close();

    const a2 = openSqliteStores(alice.file);
    const b2 = openSqliteStores(bob.file);
    const me = Identity.import((await b2.identityStore.getLocalIdentity())!);
    expect(me.publicIdentity.equals(bob.identity.publicIdentity)).toBe(true);
    expect((await a2.identityStore.getPeerIdentity('bob'))!.equals(bob.identity.publicIdentity)).toBe(true);
    expect((await b2.identityStore.getPeerIdentity('alice'))!.equals(alice.identity.publicIdentity)).toBe(true);
    const ra = (await Session.load(a2.sessionStore, 'bob'))!;
    const rb = (await Session.load(b2.sessionStore, 'alice'))!;
    expect(ra.id).toBe(epochs.id);
    expect(rb.id).toBe(epochs.id);
    expect(ra.epoch).toBe(epochs.a);
    expect(rb.epoch).toBe(epochs.b);
    for (let i = 3; i < 6; i++) {
      expect(text((await rb.decryptAsync(await ra.encryptAsync(utf8(`a${i}`), { now: T0 + i }), { now: T0 + i })).plaintext)).toBe(`a${i}`);
      expect(text((await ra.decryptAsync(await rb.encryptAsync(utf8(`b${i}`), { now: T0 + i }), { now: T0 + i })).plaintext)).toBe(`b${i}`);
    }
    expect((await b2.sessionStore.load('alice'))!.epoch).toBe(rb.epoch);
    // The initial message again, after the restart: its one-time prekeys were consumed for good.
    await expectReject(() => acceptSession(initialMessage, { identity: me, prekeyStore: b2.prekeyStore, sessionStore: b2.sessionStore, address: 'alice2', now: T0 + 10 }), KeyManagementError, 'PREKEY_REUSED');
    ra.dispose();
    rb.dispose();
    a2.close();
    b2.close();
  });

  it('a handshake without one-time prekeys: its replay after a restart is REPLAYED (the replay cache is in the file)', async () => {
    const alice = party();
    const bob = party();
    const { a, b, initialMessage, sa, sb } = await start(alice, bob, { oneTimePrekey: false, oneTimeKemPrekey: false });
    sa.dispose();
    sb.dispose();
    a.close();
    b.close();
    const b2 = openSqliteStores(bob.file);
    await expectReject(() => acceptSession(initialMessage, { identity: bob.identity, prekeyStore: b2.prekeyStore, now: T0 + 1 }), ReplayError, 'REPLAYED');
    b2.close();
  });

  it('two stores on one file, two loaded copies: the second to encrypt is SESSION_CONFLICT, with no ciphertext', async () => {
    const alice = party();
    const bob = party();
    const { a, b, sa, sb } = await start(alice, bob);
    await sa.decryptAsync(await sb.encryptAsync(utf8('ready'), { now: T0 }), { now: T0 });
    sb.dispose();
    const other = new SqliteSessionStore(bob.file); // another connection, as another process would have
    const one = (await Session.load(b.sessionStore, 'alice'))!;
    const two = (await Session.load(other, 'alice'))!;
    const m1 = await one.encryptAsync(utf8('first'), { now: T0 + 1 });
    await expectReject(() => two.encryptAsync(utf8('second'), { now: T0 + 1 }), SessionConflictError, 'SESSION_CONFLICT');
    const three = (await Session.load(other, 'alice'))!;
    const m3 = await three.encryptAsync(utf8('third'), { now: T0 + 2 });
    expect(text((await sa.decryptAsync(m1, { now: T0 + 2 })).plaintext)).toBe('first');
    expect(text((await sa.decryptAsync(m3, { now: T0 + 2 })).plaintext)).toBe('third');
    for (const s of [one, two, three, sa]) s.dispose();
    other.close();
    a.close();
    b.close();
  });

  it('rollback: records restored from an old copy are SESSION_ROLLBACK; re-saving them is refused; a whole-file restore is not detectable', async () => {
    const alice = party();
    const bob = party();
    const { a, b, sa, sb } = await start(alice, bob, { oneTimePrekey: false, oneTimeKemPrekey: false });
    await sa.decryptAsync(await sb.encryptAsync(utf8('m0'), { now: T0 }), { now: T0 });
    sb.dispose();
    b.close();
    const backup = `${bob.file}.backup`;
    copyFileSync(bob.file, backup); // closed: the WAL was checkpointed into the file
    const oldRow = new Database(backup, { readonly: true }).prepare("SELECT record, epoch FROM sessions WHERE address = 'alice'").get() as { record: Buffer; epoch: number };

    // Bob goes on: the stored session moves past the backup.
    let b2 = openSqliteStores(bob.file);
    let live = (await Session.load(b2.sessionStore, 'alice'))!;
    const sent: Uint8Array[] = [];
    for (let i = 1; i <= 3; i++) sent.push(await live.encryptAsync(utf8(`m${i}`), { now: T0 + i }));
    for (const m of sent) await sa.decryptAsync(m, { now: T0 + 5 });
    const liveEpoch = live.epoch;
    expect(liveEpoch).toBeGreaterThan(oldRow.epoch);
    live.dispose();

    // 1. The records alone go back (rows copied from the old file; the highest epochs stay).
    const raw = new Database(bob.file);
    raw.prepare("UPDATE sessions SET record = ?, epoch = ? WHERE address = 'alice'").run(oldRow.record, oldRow.epoch);
    raw.close();
    expect(await b2.sessionStore.load('alice')).toMatchObject({ epoch: oldRow.epoch, highestEpoch: liveEpoch });
    await expectReject(() => Session.load(b2.sessionStore, 'alice'), SessionRollbackError, 'SESSION_ROLLBACK');

    // 2. Through the store, an old record cannot be put back: not over the session, not after a delete.
    const old = { record: new Uint8Array(oldRow.record), sessionId: sa.id, epoch: oldRow.epoch };
    expect(await b2.sessionStore.save('alice', { ...old, expectedEpoch: oldRow.epoch })).toBe(false); // below the highest epoch
    await b2.sessionStore.delete('alice');
    expect(await b2.sessionStore.save('alice', { ...old, expectedEpoch: undefined })).toBe(false);
    expect(await b2.sessionStore.save('alice', { ...old, expectedEpoch: undefined, replace: true })).toBe(false);
    expect(await b2.sessionStore.load('alice')).toBeUndefined();
    b2.close();

    // 3. The whole file restored: the highest epochs go back with the records, so the store
    // cannot tell (docs/protocol.md §9). Only the peer can: the old state's next message
    // reuses a message key it already used, and the peer refuses it as a replay.
    copyFileSync(backup, bob.file);
    rmSync(`${bob.file}-wal`, { force: true });
    rmSync(`${bob.file}-shm`, { force: true });
    b2 = openSqliteStores(bob.file);
    live = (await Session.load(b2.sessionStore, 'alice'))!;
    expect(live.epoch).toBe(oldRow.epoch);
    const again = await live.encryptAsync(utf8('m1 again'), { now: T0 + 6 });
    await expectReject(() => sa.decryptAsync(again, { now: T0 + 6 }), ReplayError, 'REPLAYED');
    live.dispose();
    sa.dispose();
    b2.close();
    a.close();
  });
});
