/**
 * Several sessions per peer (docs/protocol.md §7): a session store keeps the current
 * session of an address and up to MAX_PREVIOUS_SESSIONS previous ones; an attached
 * session's decryption falls back to them; a message decrypting under a previous session
 * makes it current, unless that session lost a simultaneous initiation; and two parties
 * that initiate at once converge on the session with the smaller id.
 */
import { describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  InMemoryPrekeyStore,
  InMemorySessionStore,
  MAX_PREVIOUS_SESSIONS,
  ReplayError,
  Session,
  acceptSession,
  createIdentity,
  createPrekeyBundle,
  initiateSession,
  sessionSaveAllowed,
  type Identity,
  type SessionSecurityEvent,
} from '../ts/src/index';
import { expectReject, utf8 } from './helpers';

const T0 = 1_700_000_000;
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

interface Party {
  identity: Identity;
  prekeyStore: InMemoryPrekeyStore;
  sessionStore: InMemorySessionStore;
}

const party = (): Party => ({ identity: createIdentity({ created: T0 - 10 }), prekeyStore: new InMemoryPrekeyStore(), sessionStore: new InMemorySessionStore() });
const bundleOf = (p: Party): Promise<Uint8Array> => createPrekeyBundle(p.identity, { prekeyStore: p.prekeyStore, now: T0 });

/** `from` starts a session with `to` (stored under `address`s of both), `to` accepts it. */
async function handshake(from: Party, fromName: string, to: Party, toName: string, replaceSession = false): Promise<[Session, Session]> {
  const { session: a, initialMessage } = await initiateSession(await bundleOf(to), { identity: from.identity, sessionStore: from.sessionStore, address: toName, replaceSession, now: T0 });
  const { session: b } = await acceptSession(initialMessage, { identity: to.identity, prekeyStore: to.prekeyStore, sessionStore: to.sessionStore, address: fromName, replaceSession, now: T0 });
  return [a, b];
}

describe('simultaneous initiation', () => {
  it('both sides initiate at once, both converge on the smaller session id, and the conversation continues both ways', async () => {
    const alice = party();
    const bob = party();
    const [bundleA, bundleB] = await Promise.all([bundleOf(alice), bundleOf(bob)]);
    // Each starts a session with the other before hearing from them.
    const [fromA, fromB] = await Promise.all([
      initiateSession(bundleB, { identity: alice.identity, sessionStore: alice.sessionStore, address: 'bob', plaintext: utf8('hi Bob'), now: T0 }),
      initiateSession(bundleA, { identity: bob.identity, sessionStore: bob.sessionStore, address: 'alice', plaintext: utf8('hi Alice'), now: T0 }),
    ]);
    expect(fromA.session.id).not.toBe(fromB.session.id);
    // Bob's second message in his own session, sent before he saw Alice's.
    const lateFromB = await fromB.session.encryptAsync(utf8('are you there?'), { now: T0 + 1 });
    // Both initial messages cross: each side accepts the other's, no replaceSession needed.
    const [atA, atB] = await Promise.all([
      acceptSession(fromB.initialMessage, { identity: alice.identity, prekeyStore: alice.prekeyStore, sessionStore: alice.sessionStore, address: 'bob', now: T0 + 2 }),
      acceptSession(fromA.initialMessage, { identity: bob.identity, prekeyStore: bob.prekeyStore, sessionStore: bob.sessionStore, address: 'alice', now: T0 + 2 }),
    ]);
    expect(text(atA.plaintext)).toBe('hi Alice');
    expect(text(atB.plaintext)).toBe('hi Bob');

    const winner = [fromA.session.id, fromB.session.id].sort()[0]!;
    const loser = winner === fromA.session.id ? fromB.session.id : fromA.session.id;
    for (const store of [alice.sessionStore, bob.sessionStore]) {
      expect((await store.load(store === alice.sessionStore ? 'bob' : 'alice'))!.sessionId).toBe(winner);
      const previous = await store.loadPrevious(store === alice.sessionStore ? 'bob' : 'alice');
      expect(previous.map((p) => [p.sessionId, p.supersededBy])).toEqual([[loser, winner]]);
    }

    // Each side loads its current session for the other: the same one.
    const a = (await Session.load(alice.sessionStore, 'bob'))!;
    const b = (await Session.load(bob.sessionStore, 'alice'))!;
    expect(a.id).toBe(winner);
    expect(b.id).toBe(winner);
    // Bob's late message of his own session still decrypts at Alice (a previous session),
    // and does not pull her back to the losing session.
    expect(text((await a.decryptAsync(lateFromB, { now: T0 + 3 })).plaintext)).toBe('are you there?');
    expect(a.id).toBe(winner);
    expect((await alice.sessionStore.load('bob'))!.sessionId).toBe(winner);
    for (let round = 0; round < 4; round++) {
      const t = T0 + 10 + round;
      expect(text((await b.decryptAsync(await a.encryptAsync(utf8(`a${round}`), { now: t }), { now: t })).plaintext)).toBe(`a${round}`);
      expect(text((await a.decryptAsync(await b.encryptAsync(utf8(`b${round}`), { now: t }), { now: t })).plaintext)).toBe(`b${round}`);
    }
    expect(a.id).toBe(winner);
    expect(b.id).toBe(winner);
  });

  it('a stored session that heard back from the peer is no simultaneous initiation: a new one needs replaceSession', async () => {
    const alice = party();
    const bob = party();
    const [a] = await handshake(alice, 'alice', bob, 'bob');
    const b = (await Session.load(bob.sessionStore, 'alice'))!;
    await a.decryptAsync(await b.encryptAsync(utf8('reply'), { now: T0 + 1 }), { now: T0 + 1 });
    const { initialMessage } = await initiateSession(await bundleOf(alice), { identity: bob.identity, now: T0 + 2 });
    await expectReject(
      () => acceptSession(initialMessage, { identity: alice.identity, prekeyStore: alice.prekeyStore, sessionStore: alice.sessionStore, address: 'bob', now: T0 + 2 }),
      Error,
      'SESSION_EXISTS',
    );
  });
});

describe("the peer's identity", () => {
  it('the handshakes give the whole verified identity once; the session keeps its fingerprint, also restored', async () => {
    const alice = party();
    const bob = party();
    const { session: a, initialMessage, peer: bobSeen } = await initiateSession(await bundleOf(bob), { identity: alice.identity, now: T0 });
    const { session: b, peer: aliceSeen } = await acceptSession(initialMessage, { identity: bob.identity, prekeyStore: bob.prekeyStore, now: T0 });
    expect(bobSeen.equals(bob.identity.publicIdentity)).toBe(true);
    expect(aliceSeen.equals(alice.identity.publicIdentity)).toBe(true);
    expect(a.info.peerFingerprint).toBe(bob.identity.fingerprint);
    expect(b.info.peerFingerprint).toBe(alice.identity.fingerprint);
    expect(Session.deserialize(b.serialize()).info.peerFingerprint).toBe(alice.identity.fingerprint);
    expect(b.info).not.toHaveProperty('peer');
    // The id stays readable after dispose; the facts are gone with the secrets.
    const id = b.id;
    b.dispose();
    expect(b.id).toBe(id);
    expect(() => b.info).toThrow(/dispos/i);
  });
});

describe('previous sessions', () => {
  it('a message of a replaced session still decrypts and makes that session current again', async () => {
    const alice = party();
    const bob = party();
    const [a1] = await handshake(alice, 'alice', bob, 'bob');
    const late = await a1.encryptAsync(utf8('sent under the first session'), { now: T0 + 1 });
    // Alice starts over; Bob accepts the new session, the first one becomes previous.
    const events: SessionSecurityEvent[] = [];
    const { session: a2, initialMessage } = await initiateSession(await bundleOf(bob), { identity: alice.identity, sessionStore: alice.sessionStore, address: 'bob', replaceSession: true, now: T0 + 2 });
    await acceptSession(initialMessage, { identity: bob.identity, prekeyStore: bob.prekeyStore, sessionStore: bob.sessionStore, address: 'alice', replaceSession: true, now: T0 + 2, onSecurityEvent: (e) => events.push(e) });
    expect(events.map((e) => e.type)).toEqual(['session-replaced']);
    const b = (await Session.load(bob.sessionStore, 'alice'))!;
    expect(b.id).toBe(a2.id);
    expect((await bob.sessionStore.loadPrevious('alice')).map((p) => p.sessionId)).toEqual([a1.id]);

    expect(text((await b.decryptAsync(late, { now: T0 + 3 })).plaintext)).toBe('sent under the first session');
    // The first session is current again, at Bob's store and in this object.
    expect(b.id).toBe(a1.id);
    expect((await bob.sessionStore.load('alice'))!.sessionId).toBe(a1.id);
    expect((await bob.sessionStore.loadPrevious('alice')).map((p) => p.sessionId)).toEqual([a2.id]);
    // Its replay is refused as a replay (the previous session recognised it), and nothing changes.
    await expectReject(() => b.decryptAsync(late, { now: T0 + 4 }), ReplayError, 'REPLAYED');
    // A message of the second session, now previous, decrypts too and switches back.
    const fromA2 = await a2.encryptAsync(utf8('second session'), { now: T0 + 5 });
    expect(text((await b.decryptAsync(fromA2, { now: T0 + 5 })).plaintext)).toBe('second session');
    expect(b.id).toBe(a2.id);
    // A message of no session of Bob's is still AUTH_FAILED.
    const stranger = party();
    const [s] = await handshake(stranger, 'stranger', party(), 'x');
    await expectReject(async () => b.decryptAsync(await s.encryptAsync(utf8('?'), { now: T0 + 6 }), { now: T0 + 6 }), AuthenticationError, 'AUTH_FAILED');
    expect(b.id).toBe(a2.id);
  });

  it(`keeps at most MAX_PREVIOUS_SESSIONS (${MAX_PREVIOUS_SESSIONS}) previous sessions; the oldest one's messages are then refused`, async () => {
    const alice = party();
    const bob = party();
    const firsts: { id: string; late: Uint8Array }[] = [];
    for (let i = 0; i < MAX_PREVIOUS_SESSIONS + 2; i++) {
      const [a] = await handshake(alice, 'alice', bob, 'bob', i > 0);
      firsts.push({ id: a.id, late: await a.encryptAsync(utf8(`late ${i}`), { now: T0 + 1 }) });
    }
    const previous = await bob.sessionStore.loadPrevious('alice');
    expect(previous).toHaveLength(MAX_PREVIOUS_SESSIONS);
    expect(previous.map((p) => p.sessionId)).toEqual(firsts.slice(1, -1).map((f) => f.id).reverse());
    const b = (await Session.load(bob.sessionStore, 'alice'))!;
    expect(b.id).toBe(firsts.at(-1)!.id);
    // The oldest session was dropped: its message authenticates under none.
    await expectReject(() => b.decryptAsync(firsts[0]!.late, { now: T0 + 2 }), AuthenticationError, 'AUTH_FAILED');
    // The oldest one kept still decrypts.
    expect(text((await b.decryptAsync(firsts[1]!.late, { now: T0 + 2 })).plaintext)).toBe('late 1');
  });
});

describe('the store rule with previous sessions', () => {
  const save = { sessionId: 'p', epoch: 5, expectedEpoch: 4 };
  it('a previous session saves under its claim; as current only from there', () => {
    const current = { sessionId: 'c', epoch: 9 };
    const previous = { sessionId: 'p', epoch: 4 };
    expect(sessionSaveAllowed(current, 4, save, false, previous)).toBe(true);
    expect(sessionSaveAllowed(current, 4, { ...save, as: 'current' }, false, previous)).toBe(true);
    expect(sessionSaveAllowed(current, 4, { ...save, expectedEpoch: 3 }, false, previous)).toBe(false);
    expect(sessionSaveAllowed(current, 6, save, false, previous)).toBe(false);
    expect(sessionSaveAllowed(current, 4, save, true, previous)).toBe(false);
    // Not stored at all: a claim on nothing.
    expect(sessionSaveAllowed(current, 4, save)).toBe(false);
  });
  it('a new session goes in as previous only beside a current one, and never both replace and previous', () => {
    const fresh = { sessionId: 'n', epoch: 1, expectedEpoch: undefined };
    expect(sessionSaveAllowed({ sessionId: 'c', epoch: 9 }, undefined, { ...fresh, as: 'previous' })).toBe(true);
    expect(sessionSaveAllowed(undefined, undefined, { ...fresh, as: 'previous' })).toBe(false);
    expect(sessionSaveAllowed({ sessionId: 'c', epoch: 9 }, undefined, { ...fresh, as: 'previous', replace: true })).toBe(false);
    expect(sessionSaveAllowed({ sessionId: 'c', epoch: 9 }, undefined, fresh)).toBe(false);
    // The current session cannot be saved as previous.
    expect(sessionSaveAllowed({ sessionId: 'c', epoch: 9 }, 9, { sessionId: 'c', epoch: 10, expectedEpoch: 9, as: 'previous' })).toBe(false);
  });
});
