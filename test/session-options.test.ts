/**
 * The session calls as an application meets them: unknown options are refused like the
 * channel's, and a tampered or corrupted message is a security event like a replay.
 */
import { describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  InMemoryPrekeyStore,
  InMemorySessionStore,
  InvalidArgumentError,
  InvalidTypeError,
  Session,
  WireFormatError,
  acceptSession,
  createIdentity,
  createPrekeyBundle,
  initiateSession,
  type InitiateOptions,
  type SessionSecurityEvent,
} from '../ts/src/index';
import { bad, expectReject, expectThrow, flip, utf8 } from './helpers';

const T0 = 1_700_000_000;

async function pair(): Promise<{ a: Session; b: Session; initialMessage: Uint8Array; accept: () => Promise<unknown> }> {
  const alice = createIdentity({ created: T0 - 10 });
  const bob = createIdentity({ created: T0 - 10 });
  const prekeyStore = new InMemoryPrekeyStore();
  const bundle = await createPrekeyBundle(bob, { prekeyStore, now: T0 });
  const { session: a, initialMessage } = await initiateSession(bundle, { identity: alice, now: T0 });
  const { session: b } = await acceptSession(initialMessage, { identity: bob, prekeyStore, now: T0 });
  return { a, b, initialMessage, accept: () => acceptSession(initialMessage, { identity: bob, prekeyStore, now: T0 }) };
}

describe('session calls refuse unknown options (INVALID_ARGUMENT), as channel calls do', () => {
  it('initiateSession and acceptSession: a misspelt policy is not a silent default', async () => {
    const alice = createIdentity({ created: T0 - 10 });
    const bob = createIdentity({ created: T0 - 10 });
    const prekeyStore = new InMemoryPrekeyStore();
    const bundle = await createPrekeyBundle(bob, { prekeyStore, now: T0 });
    const typo = { identity: alice, polcy: 'classical-allowed', now: T0 } as unknown as InitiateOptions;
    const e = await expectReject(() => initiateSession(bundle, typo), InvalidArgumentError, 'INVALID_ARGUMENT');
    expect(e.message).toBe('unknown initiateSession option "polcy"');
    // prekeyStore belongs to acceptSession only.
    await expectReject(() => initiateSession(bundle, { identity: alice, now: T0, prekeyStore } as InitiateOptions), InvalidArgumentError, 'INVALID_ARGUMENT');
    const { initialMessage } = await initiateSession(bundle, { identity: alice, now: T0 });
    // @ts-expect-error plaintext belongs to initiateSession only
    await expectReject(() => acceptSession(initialMessage, { identity: bob, prekeyStore, plaintext: utf8('x') }), InvalidArgumentError, 'INVALID_ARGUMENT');
    // @ts-expect-error a misspelt ratchet option
    await expectReject(() => initiateSession(bundle, { identity: alice, ratchet: { maxSkips: 5 } }), InvalidArgumentError, 'INVALID_ARGUMENT');
    await expectReject(() => initiateSession(bundle, bad(null)), InvalidTypeError, 'INVALID_TYPE');
  });

  it('encrypt, decrypt, their async forms, Session.deserialize and Session.load', async () => {
    const { a, b } = await pair();
    // @ts-expect-error `ad` is not an option: associatedData would be silently dropped
    expectThrow(() => a.encrypt(utf8('x'), { ad: utf8('meta') }), InvalidArgumentError, 'INVALID_ARGUMENT');
    // @ts-expect-error
    await expectReject(() => a.encryptAsync(utf8('x'), { time: T0 }), InvalidArgumentError, 'INVALID_ARGUMENT');
    const m = a.encrypt(utf8('x'), { now: T0 });
    // @ts-expect-error decrypt takes only `now`
    expectThrow(() => b.decrypt(m, { associatedData: utf8('meta') }), InvalidArgumentError, 'INVALID_ARGUMENT');
    // @ts-expect-error
    await expectReject(() => b.decryptAsync(m, { nowt: T0 }), InvalidArgumentError, 'INVALID_ARGUMENT');
    expectThrow(() => a.encrypt(utf8('x'), bad(null)), InvalidTypeError, 'INVALID_TYPE');
    expect(b.decrypt(m, { now: T0 }).plaintext).toEqual(utf8('x'));
    const record = a.serialize();
    // @ts-expect-error minimumEpoch, not minEpoch
    expectThrow(() => Session.deserialize(record, { minEpoch: 1 }), InvalidArgumentError, 'INVALID_ARGUMENT');
    expect(Session.deserialize(record, { minimumEpoch: 0 }).id).toBe(a.id);
    const store = new InMemorySessionStore();
    await Session.deserialize(record).save(store, 'bob');
    // @ts-expect-error
    await expectReject(() => Session.load(store, 'bob', { onSecurity: () => undefined }), InvalidArgumentError, 'INVALID_ARGUMENT');
    expect((await Session.load(store, 'bob', {}))!.id).toBe(a.id);
  });
});

describe('a tampered or corrupted message is a security event, never authenticated', () => {
  it('decrypt: AUTH_FAILED reports tampered-message; the session is unchanged and still works', async () => {
    const { a, b } = await pair();
    const events: SessionSecurityEvent[] = [];
    b.on('security', (e) => events.push(e));
    const m = a.encrypt(utf8('pay 10 EUR'), { now: T0 });
    const epoch = b.epoch;
    expectThrow(() => b.decrypt(flip(m, -1), { now: T0 }), AuthenticationError, 'AUTH_FAILED');
    expect(events).toMatchObject([{ type: 'tampered-message', code: 'AUTH_FAILED', authenticated: false, sessionId: b.id }]);
    expect(b.epoch).toBe(epoch);
    expect(b.decrypt(m, { now: T0 }).plaintext).toEqual(utf8('pay 10 EUR'));
  });

  it('decryptAsync: a message that breaks the wire format too, with its code', async () => {
    const { a, b } = await pair();
    const events: SessionSecurityEvent[] = [];
    b.on('security', (e) => events.push(e));
    const m = a.encrypt(utf8('x'), { now: T0 });
    await expectReject(() => b.decryptAsync(m.subarray(0, m.length - 3), { now: T0 }), WireFormatError, 'TRUNCATED');
    expect(events).toMatchObject([{ type: 'tampered-message', code: 'TRUNCATED', authenticated: false }]);
    // A replay stays a replay-refused event, not a tampered one.
    b.decrypt(m, { now: T0 });
    expect(() => b.decrypt(m, { now: T0 })).toThrow();
    expect(events.map((e) => e.type)).toEqual(['tampered-message', 'replay-refused']);
  });

  it('acceptSession: a tampered initial message is reported to onSecurityEvent', async () => {
    const alice = createIdentity({ created: T0 - 10 });
    const bob = createIdentity({ created: T0 - 10 });
    const prekeyStore = new InMemoryPrekeyStore();
    const bundle = await createPrekeyBundle(bob, { prekeyStore, now: T0 });
    const { initialMessage } = await initiateSession(bundle, { identity: alice, now: T0 });
    const events: SessionSecurityEvent[] = [];
    await expectReject(
      () => acceptSession(flip(initialMessage, -1), { identity: bob, prekeyStore, now: T0, onSecurityEvent: (e) => events.push(e) }),
      AuthenticationError,
      'AUTH_FAILED',
    );
    expect(events).toMatchObject([{ type: 'tampered-message', code: 'AUTH_FAILED', authenticated: false }]);
  });
});
