/**
 * MLS groups through the TypeScript API (docs/groups.md): members saved to their
 * GroupStore after every change, groups on every offered suite, commits confirmed and
 * discarded, typed errors with nothing changed (neither the member nor its stored record),
 * the store's compare-and-swap, persistence mid-conversation, and the error codes.
 */
import { describe, expect, it } from 'vitest';
import {
  GroupError,
  GroupMember,
  InMemoryGroupStore,
  InvalidTypeError,
  ReplayError,
  AuthenticationError,
  UnknownSuiteError,
  UnsupportedError,
  createIdentity,
  mlsSuites,
} from '../ts/src/index';
import type { GroupStore, Identity, MlsSuiteName } from '../ts/src/index';
import { utf8 } from './helpers';

const XWING: MlsSuiteName = 'MLS_256_XWING_CHACHA20POLY1305_SHA256_Ed25519';
const read = (b: Uint8Array): string => new TextDecoder().decode(b);

async function member(name: string, suite: MlsSuiteName = XWING, store: GroupStore = new InMemoryGroupStore()): Promise<GroupMember> {
  return GroupMember.create({ id: name, suite, identity: createIdentity(), name: utf8(name), store });
}

/** A group of `names.length` members made by the first, who adds the others in one commit. */
async function groupOf(names: string[], suite: MlsSuiteName = XWING) {
  const members = await Promise.all(names.map((n) => member(n, suite)));
  const [creator, ...rest] = members;
  const group = await creator!.createGroup();
  if (rest.length > 0) {
    const { welcome, ratchetTree } = await creator!.addMembers(group, await Promise.all(rest.map((m) => m.keyPackage())));
    await creator!.confirmCommit(group);
    for (const m of rest) expect(await m.join(welcome!, ratchetTree)).toEqual(group);
  }
  return { group, members };
}

/** Alice and Bob in a group, Bob's state in a store of his own (returned). */
async function pairWithStoredB() {
  const store = new InMemoryGroupStore();
  const a = await member('a');
  const b = await member('b', XWING, store);
  const group = await a.createGroup();
  const { welcome, ratchetTree } = await a.addMembers(group, [await b.keyPackage()]);
  await a.confirmCommit(group);
  await b.join(welcome!, ratchetTree);
  return { store, a, b, group };
}

async function expectGroupError(p: Promise<unknown>, code: string, cls: Function = GroupError): Promise<void> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e, `expected ${code}`).toBeInstanceOf(cls);
  expect((e as { code: string }).code).toBe(code);
}

describe('MLS groups', () => {
  it('lists the offered suites, RFC 9420 ones classical, the drafts post-quantum and provisional', () => {
    const suites = mlsSuites();
    expect(suites).toHaveLength(13);
    expect(suites.filter((s) => !s.postQuantum).map((s) => s.code)).toEqual([1, 2, 3]);
    expect(suites.every((s) => s.provisional === s.postQuantum)).toBe(true);
    expect(suites.map((s) => s.name)).toContain(XWING);
  });

  it.each(mlsSuites().map((s) => s.name))('a group of three on %s: messages with AAD, an update, an export all agree', async (suite) => {
    const { group, members } = await groupOf(['a', 'b', 'c'], suite);
    const [a, b, c] = members as [GroupMember, GroupMember, GroupMember];
    const sealed = await c.encrypt(group, utf8('hi all'), { aad: utf8('hdr') });
    for (const m of [a, b]) {
      const got = await m.process(group, sealed);
      expect(got.kind).toBe('application');
      if (got.kind === 'application') expect([read(got.sender), read(got.plaintext), read(got.aad)]).toEqual(['c', 'hi all', 'hdr']);
    }
    const { commit } = await b.selfUpdate(group);
    await b.confirmCommit(group);
    for (const m of [a, c]) expect(await m.process(group, commit)).toMatchObject({ kind: 'commit', epoch: 2, removedSelf: false });
    const secrets = [a, b, c].map((m) => Buffer.from(m.exportSecret(group, 'app', new Uint8Array(0), 32)).toString('hex'));
    expect(new Set(secrets).size).toBe(1);
    expect(a.members(group).map((x) => read(x.name))).toEqual(['a', 'b', 'c']);
  });

  it('removes a member, who is then locked out with GROUP_REMOVED', async () => {
    const { group, members } = await groupOf(['a', 'b', 'c']);
    const [a, b, c] = members as [GroupMember, GroupMember, GroupMember];
    const { commit } = await a.removeMembers(group, [utf8('b')]);
    await a.confirmCommit(group);
    expect(await c.process(group, commit)).toMatchObject({ kind: 'commit', removedSelf: false });
    const seen = await b.process(group, commit);
    expect(seen).toMatchObject({ kind: 'commit', removedSelf: true });
    expect(b.isActive(group)).toBe(false);
    const after = await a.encrypt(group, utf8('b is gone'));
    expect(read(((await c.process(group, after)) as { plaintext: Uint8Array }).plaintext)).toBe('b is gone');
    await expectGroupError(b.process(group, after), 'GROUP_REMOVED');
    await expectGroupError(b.encrypt(group, utf8('x')), 'GROUP_REMOVED');
    await expectGroupError(a.removeMembers(group, [utf8('nobody')]), 'GROUP_UNKNOWN_MEMBER');
  });

  it('concurrent commits: the one the delivery service took wins, the other is discarded and retried', async () => {
    const { group, members } = await groupOf(['a', 'b', 'c']);
    const [a, b, c] = members as [GroupMember, GroupMember, GroupMember];
    const first = await a.selfUpdate(group);
    const second = await b.selfUpdate(group);
    await a.confirmCommit(group);
    await expectGroupError(b.encrypt(group, utf8('busy')), 'GROUP_PENDING_COMMIT');
    await b.discardCommit(group);
    await expectGroupError(b.discardCommit(group), 'GROUP_NO_PENDING_COMMIT');
    await b.process(group, first.commit);
    await c.process(group, first.commit);
    await expectGroupError(c.process(group, second.commit), 'GROUP_WRONG_EPOCH');
    const retry = await b.selfUpdate(group);
    await b.confirmCommit(group);
    await a.process(group, retry.commit);
    await c.process(group, retry.commit);
    expect([a, b, c].map((m) => m.epoch(group))).toEqual([3, 3, 3]);
  });

  it('refused messages throw typed errors and change neither the member nor its stored record', async () => {
    const { store, a, b, group } = await pairWithStoredB();
    const sealed = await a.encrypt(group, utf8('once'));
    const before = await store.load('b');
    const tampered = sealed.slice();
    tampered[tampered.length - 1]! ^= 1;
    await expectGroupError(b.process(group, utf8('not mls')), 'GROUP_MALFORMED');
    await expectGroupError(b.process(group, sealed.subarray(0, sealed.length - 1)), 'GROUP_MALFORMED');
    await expectGroupError(b.process(group, tampered), 'AUTH_FAILED', AuthenticationError);
    await expectGroupError(b.process(utf8('no such group'), sealed), 'GROUP_UNKNOWN');
    expect(await store.load('b')).toEqual(before);
    expect(read(((await b.process(group, sealed)) as { plaintext: Uint8Array }).plaintext)).toBe('once');
    const afterOnce = await store.load('b');
    expect(afterOnce!.version).toBe(before!.version + 1);
    await expectGroupError(b.process(group, sealed), 'REPLAYED', ReplayError);
    expect(await store.load('b')).toEqual(afterOnce);
  });

  it('a member opened from its store carries on mid-conversation', async () => {
    const { store, a, b, group } = await pairWithStoredB();
    await b.process(group, await a.encrypt(group, utf8('one')));
    b.dispose();
    const again = await GroupMember.open({ id: 'b', store });
    expect(read(again.name)).toBe('b');
    expect(again.suite).toBe(XWING);
    const got = await again.process(group, await a.encrypt(group, utf8('two')));
    expect(read((got as { plaintext: Uint8Array }).plaintext)).toBe('two');
    await expectGroupError(GroupMember.open({ id: 'nobody', store }), 'GROUP_UNKNOWN');
  });

  it('the store is compare-and-swap: a stale copy is refused with GROUP_CONFLICT and rolled back', async () => {
    const store = new InMemoryGroupStore();
    const a = await member('a', XWING, store);
    await expectGroupError(member('a', XWING, store), 'GROUP_CONFLICT');
    const copy = await GroupMember.open({ id: 'a', store });
    const group = await a.createGroup(); // the first copy moves the record on
    await expectGroupError(copy.createGroup(), 'GROUP_CONFLICT');
    // The stale copy holds what it held before the refused change, and so does the store.
    expect((await store.load('a'))!.version).toBe(2);
    const fresh = await GroupMember.open({ id: 'a', store });
    expect(fresh.epoch(group)).toBe(0);
    await expectGroupError(Promise.resolve().then(() => copy.epoch(group)), 'GROUP_UNKNOWN');
  });

  it('a store that fails leaves the member as it was, and the error is the store\'s', async () => {
    const store = new InMemoryGroupStore();
    const a = await member('a', XWING, store);
    const group = await a.createGroup();
    const [save, append] = [store.save.bind(store), store.append.bind(store)];
    store.save = store.append = async () => {
      throw new Error('disk full');
    };
    await expect(a.selfUpdate(group)).rejects.toThrow('disk full');
    [store.save, store.append] = [save, append];
    expect(a.epoch(group)).toBe(0);
    await a.selfUpdate(group); // no pending commit was left behind
    await a.confirmCommit(group);
    expect(a.epoch(group)).toBe(1);
  });

  it('messages are saved as small change sets, compacted into a whole record now and then, and replayed on open', async () => {
    const { store, a, b, group } = await pairWithStoredB();
    const start = (await store.load('b'))!;
    for (let i = 0; i < 3; i++) await b.process(group, await a.encrypt(group, utf8(`m${i}`)));
    const after = (await store.load('b'))!;
    expect(after.record).toEqual(start.record);
    expect(after.changes.length).toBe(start.changes.length + 3);
    const last = after.changes[after.changes.length - 1]!;
    expect(last.length * 4).toBeLessThan(after.record.length);
    // Change sets never outweigh the record they follow: enough of them make a new record.
    let compacted = false;
    for (let i = 0; i < 200 && !compacted; i++) {
      await b.process(group, await a.encrypt(group, utf8(`n${i}`)));
      const now = (await store.load('b'))!;
      compacted = now.changes.length === 0;
      expect(now.changes.reduce((n, c) => n + c.length, 0)).toBeLessThanOrEqual(now.record.length);
    }
    expect(compacted).toBe(true);
    await b.process(group, await a.encrypt(group, utf8('before reopen')));
    b.dispose();
    const again = await GroupMember.open({ id: 'b', store });
    const got = await again.process(group, await a.encrypt(group, utf8('after reopen')));
    expect(read((got as { plaintext: Uint8Array }).plaintext)).toBe('after reopen');
  });

  it('a refused append undoes the change; a stored change set that is not the member\'s fails open() with GROUP_BAD_RECORD', async () => {
    const { store, a, b, group } = await pairWithStoredB();
    const sealed = await a.encrypt(group, utf8('kept'));
    const append = store.append.bind(store);
    store.append = async () => false;
    await expectGroupError(b.process(group, sealed), 'GROUP_CONFLICT');
    store.append = append;
    // Undone: the same message reads again (it is not a replay).
    expect(read(((await b.process(group, sealed)) as { plaintext: Uint8Array }).plaintext)).toBe('kept');

    const stored = (await store.load('b'))!;
    const other = await pairWithStoredB();
    await other.b.process(other.group, await other.a.encrypt(other.group, utf8('theirs')));
    const foreign = (await other.store.load('b'))!.changes.at(-1)!;
    const bad = new InMemoryGroupStore();
    await bad.save('b', stored.record, undefined);
    await bad.append('b', foreign, 1);
    await expectGroupError(GroupMember.open({ id: 'b', store: bad }), 'GROUP_BAD_RECORD');
  });

  it('each member\'s credential is bound to its pqwire identity, which the others read back', async () => {
    const identity = createIdentity();
    const store = new InMemoryGroupStore();
    const a = await GroupMember.create({ id: 'a', suite: XWING, identity, name: utf8('alice'), store });
    const b = await member('b');
    const group = await a.createGroup();
    const { welcome, ratchetTree } = await a.addMembers(group, [await b.keyPackage()]);
    await a.confirmCommit(group);
    await expectGroupError(b.join(welcome!), 'GROUP_INVALID'); // the tree travels beside the welcome
    await b.join(welcome!, ratchetTree);
    const seen = b.members(group)[0]!;
    expect(read(seen.name)).toBe('alice');
    expect(seen.identityKey).toEqual(identity.publicIdentity.signingKey);
    expect(seen.signatureKey).toEqual(a.signatureKey);
    expect(b.members(group)[1]!.identityKey).not.toEqual(identity.publicIdentity.signingKey);
    // The binding is signed once, at creation: the identity may be disposed afterwards.
    identity.dispose();
    expect(read((await GroupMember.open({ id: 'a', store })).name)).toBe('alice');
  });

  it('a first save that throws fails create() with the store\'s error and stores nothing', async () => {
    const store = new InMemoryGroupStore();
    store.save = async () => {
      throw new Error('store offline');
    };
    await expect(member('a', XWING, store)).rejects.toThrow('store offline');
    expect(await store.load('a')).toBeUndefined();
  });

  it('bad arguments are typed errors before anything runs', async () => {
    await expect(GroupMember.create({ id: 'x', suite: 'MLS_NOPE' as MlsSuiteName, identity: createIdentity(), name: utf8('x'), store: new InMemoryGroupStore() })).rejects.toBeInstanceOf(UnknownSuiteError);
    await expectGroupError(GroupMember.create({ id: 'x', suite: 'MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448' as MlsSuiteName, identity: createIdentity(), name: utf8('x'), store: new InMemoryGroupStore() }), 'UNKNOWN_SUITE', UnknownSuiteError);
    await expect(GroupMember.create({ id: 'x', suite: XWING, identity: createIdentity(), name: 'x' as unknown as Uint8Array, store: new InMemoryGroupStore() })).rejects.toBeInstanceOf(InvalidTypeError);
    await expect(GroupMember.create({ id: 'x', suite: XWING, identity: utf8('x') as unknown as Identity, name: utf8('x'), store: new InMemoryGroupStore() })).rejects.toBeInstanceOf(InvalidTypeError);
    await expect(GroupMember.create({ id: 'x', suite: XWING, identity: createIdentity(), name: utf8('x'), store: {} as GroupStore })).rejects.toBeInstanceOf(InvalidTypeError);
    const a = await member('a');
    const group = await a.createGroup();
    expect(() => a.encrypt(group, 'text' as unknown as Uint8Array)).toThrow(InvalidTypeError);
    const classical = await member('c', 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519');
    await expectGroupError(a.addMembers(group, [await classical.keyPackage()]), 'UNSUPPORTED', UnsupportedError);
  });
});
