/**
 * Sessions from the TypeScript API (issue 5): identities, bundles, the handshake, the
 * hybrid ratchet, stores, serialization, security events and every bad path the issue
 * names — each refusal typed, with a stable code, and changing no stored state.
 */
import { describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  DowngradeError,
  IdentityChangedError,
  InMemoryIdentityStore,
  InMemoryPrekeyStore,
  InMemorySessionStore,
  InvalidArgumentError,
  InvalidTypeError,
  KeyManagementError,
  PqwireError,
  ReplayError,
  Session,
  SessionRollbackError,
  acceptSession,
  assemblePrekeyBundle,
  createPrekeyBatch,
  createIdentity,
  createPrekeyBundle,
  generatePrekeys,
  initiateSession,
  trustIdentity,
  Identity,
  type Identity as IdentityT,
  type IdentitySuite,
  type PrekeyKemSuite,
  type RatchetOptions,
  type SessionSecurityEvent,
  wire,
  capabilities,
} from '../ts/src/index';
import { initialMessagePrekeyIds } from '../ts/src/wire';
import { BackupRestoringStore, expectReject, expectThrow, utf8, timeLimit } from './helpers';

const T0 = 1_700_000_000;
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

interface Pair {
  a: Session;
  b: Session;
  alice: IdentityT;
  bob: IdentityT;
  initialMessage: Uint8Array;
  prekeyStore: InMemoryPrekeyStore;
}

async function pair(
  options: {
    kem?: PrekeyKemSuite;
    suite?: IdentitySuite;
    aead?: 'ChaCha20-Poly1305' | 'AES-256-GCM';
    ratchet?: RatchetOptions;
    oneTime?: boolean;
  } = {},
): Promise<Pair> {
  const alice = createIdentity({ suite: options.suite, created: T0 - 10 });
  const bob = createIdentity({ suite: options.suite, created: T0 - 10 });
  const prekeyStore = new InMemoryPrekeyStore();
  const capabilities = options.aead ? { aeadSuites: [options.aead] } : undefined;
  const bundle = await createPrekeyBundle(bob, {
    prekeyStore,
    kem: options.kem,
    capabilities,
    oneTimePrekey: options.oneTime ?? true,
    oneTimeKemPrekey: options.oneTime ?? true,
    now: T0,
  });
  const { session: a, initialMessage } = await initiateSession(bundle, {
    identity: alice,
    plaintext: utf8('hello Bob'),
    capabilities,
    ratchet: options.ratchet,
    now: T0,
  });
  const accepted = await acceptSession(initialMessage, { identity: bob, prekeyStore, capabilities, ratchet: options.ratchet, now: T0 });
  expect(text(accepted.plaintext)).toBe('hello Bob');
  return { a, b: accepted.session, alice, bob, initialMessage, prekeyStore };
}

/** Whether a ratchet message carries an ML-KEM ciphertext (a hybrid step). */
/** The post-quantum chunk a ratchet message carries, if any: kind (1 key, 2 ciphertext), seq, index. */
function chunkOf(m: Uint8Array): { kind: number; seq: number; index: number } | undefined {
  const c = wire.decode(m, 'ratchet-message').pqChunk;
  if (c === undefined) return undefined;
  return { kind: c[0]!, seq: new DataView(c.buffer, c.byteOffset + 1, 4).getUint32(0), index: c[5]! };
}
/** Whether `m` carries the first shard of a new key of the sender's pipeline. */
const keyStarts = (m: Uint8Array): boolean => {
  const c = chunkOf(m);
  return c !== undefined && c.kind === 1 && c.index === 0;
};

describe('full conversations', () => {
  const kems: PrekeyKemSuite[] = ['ML-KEM-512', 'ML-KEM-768', 'ML-KEM-1024'];
  const suites: IdentitySuite[] = ['Ed25519+ML-DSA-65', 'Ed25519+ML-DSA-87'];
  const aeads = ['ChaCha20-Poly1305', 'AES-256-GCM'] as const;
  for (const kem of kems)
    for (const suite of suites)
      for (const aead of aeads) {
        it(`${kem}, ${suite}, ${aead}: sync and async interoperate`, async () => {
          const { a, b } = await pair({ kem, suite, aead });
          expect(a.info).toMatchObject({ role: 'initiator', kemSuite: kem, aeadSuite: aead, hybridAuth: true, postQuantum: true });
          expect(b.info).toMatchObject({ role: 'responder', kemSuite: kem, sigSuite: a.info.sigSuite });
          expect(a.id).toBe(b.id);
          expect(a.info.peerFingerprint).toBe(b.info.localFingerprint);
          for (let round = 0; round < 3; round++) {
            const t = T0 + 10 * round;
            const fromB = round % 2 ? b.encrypt(utf8(`b${round}`), { now: t, associatedData: utf8('ad') }) : await b.encryptAsync(utf8(`b${round}`), { now: t, associatedData: utf8('ad') });
            const got = round % 2 ? await a.decryptAsync(fromB, { now: t }) : a.decrypt(fromB, { now: t });
            expect(text(got.plaintext)).toBe(`b${round}`);
            expect(text(got.associatedData)).toBe('ad');
            const fromA = await a.encryptAsync(utf8(`a${round}`), { now: t + 1 });
            expect(text(b.decrypt(fromA, { now: t + 1 }).plaintext)).toBe(`a${round}`);
          }
        });
      }
});

describe('handshake variants', () => {
  it('capabilities without hybrid-auth, no one-time prekeys (last-resort KEM prekey only): still signed', async () => {
    const caps = { features: ['kem-ratchet' as const] };
    const alice = createIdentity({ created: T0 - 10 });
    const bob = createIdentity({ created: T0 - 10 });
    const prekeyStore = new InMemoryPrekeyStore();
    const bundle = await createPrekeyBundle(bob, { prekeyStore, capabilities: caps, oneTimePrekey: false, oneTimeKemPrekey: false, now: T0 });
    // Leaf 0 of the batch's tree is the last-resort KEM prekey; its proof is empty (one leaf).
    const kemPrekey = wire.decode(bundle, 'prekey-bundle').kemPrekey!;
    expect(new DataView(kemPrekey.buffer, kemPrekey.byteOffset).getUint32(0)).toBe(0);
    const { session: a, initialMessage } = await initiateSession(bundle, { identity: alice, capabilities: caps, now: T0 });
    // The transcript signature is mandatory in wire version 2: the feature bit cannot turn it off.
    expect(wire.decode(initialMessage, 'initial-message').transcriptSignature).toBeInstanceOf(Uint8Array);
    const { session: b } = await acceptSession(initialMessage, { identity: bob, prekeyStore, capabilities: caps, now: T0 });
    expect([a.info.hybridAuth, b.info.hybridAuth]).toEqual([true, true]);
    expect(text(a.decrypt(b.encrypt(utf8('ok'), { now: T0 }), { now: T0 }).plaintext)).toBe('ok');
    // Bob accepting with other capabilities than his bundle published: the transcripts differ.
    const second = await initiateSession(bundle, { identity: alice, capabilities: caps, now: T0 });
    await expectReject(() => acceptSession(second.initialMessage, { identity: bob, prekeyStore, now: T0 }), AuthenticationError, 'AUTH_FAILED');
  });
});

describe('delivery', () => {
  it('reordering and loss within bounds work; duplicates are refused as replays', async () => {
    const { a, b } = await pair();
    const events: SessionSecurityEvent[] = [];
    a.on('security', (e: SessionSecurityEvent) => events.push(e));
    const ms = [0, 1, 2, 3, 4].map((i) => b.encrypt(utf8(`m${i}`), { now: T0 + i }));
    // 4, then 1, 3, 0; 2 is lost.
    for (const i of [4, 1, 3, 0]) expect(text(a.decrypt(ms[i]!, { now: T0 + 10 }).plaintext)).toBe(`m${i}`);
    expect(a.skippedKeys).toBe(1);
    const before = a.serialize();
    expectThrow(() => a.decrypt(ms[3]!, { now: T0 + 11 }), ReplayError, 'REPLAYED');
    expect(a.serialize()).toEqual(before);
    expect(events).toMatchObject([{ type: 'replay-refused', code: 'REPLAYED', authenticated: false, sessionId: a.id }]);
    // A later chain after a reply still reaches the lost message's key.
    const reply = a.encrypt(utf8('ack'), { now: T0 + 12 });
    expect(text(b.decrypt(reply, { now: T0 + 12 }).plaintext)).toBe('ack');
    expect(text(a.decrypt(ms[2]!, { now: T0 + 13 }).plaintext)).toBe('m2');
  });

  it('a message too far ahead is TOO_MANY_SKIPPED and reported; an expired skipped key is STALE_MESSAGE', async () => {
    const { a, b } = await pair({ ratchet: { maxSkip: 3, maxSkippedAge: 60 } });
    const events: SessionSecurityEvent[] = [];
    a.on('security', (e: SessionSecurityEvent) => events.push(e));
    const ms = Array.from({ length: 6 }, (_, i) => b.encrypt(utf8(`m${i}`), { now: T0 }));
    const before = a.serialize();
    expectThrow(() => a.decrypt(ms[5]!, { now: T0 }), ReplayError, 'TOO_MANY_SKIPPED');
    expect(a.serialize()).toEqual(before);
    a.decrypt(ms[1]!, { now: T0 }); // stores the key of m0
    expectThrow(() => a.decrypt(ms[0]!, { now: T0 + 61 }), ReplayError, 'STALE_MESSAGE');
    expect(events.map((e) => [e.type, e.code])).toEqual([
      ['skipped-keys-exhausted', 'TOO_MANY_SKIPPED'],
      ['skipped-keys-exhausted', 'STALE_MESSAGE'],
    ]);
  });
});

describe('tampering', () => {
  it('every flipped byte of a ratchet message is a typed error and leaves the session unchanged', async () => {
    const { a, b } = await pair();
    const m = b.encrypt(utf8('with a KEM key and ciphertext'), { now: T0 + 1, associatedData: utf8('meta') });
    // Bob's first message starts his post-quantum pipeline: it carries a key chunk.
    expect(keyStarts(m)).toBe(true);
    const before = a.serialize();
    const codes = new Set<string>();
    for (let i = 0; i < m.length; i++) {
      const bad = Uint8Array.from(m);
      bad[i]! ^= 0x01;
      let thrown: unknown;
      try {
        a.decrypt(bad, { now: T0 + 2 });
      } catch (e) {
        thrown = e;
      }
      expect(thrown, `byte ${i}`).toBeInstanceOf(PqwireError);
      codes.add((thrown as PqwireError).code);
    }
    expect(a.serialize()).toEqual(before);
    expect([...codes].sort()).toContain('AUTH_FAILED');
    expect(text(a.decrypt(m, { now: T0 + 2 }).plaintext)).toBe('with a KEM key and ciphertext');
  });

  it('every flipped byte of an initial message is a typed error that consumes no prekey and pins nothing', async () => {
    const alice = createIdentity({ created: T0 - 10 });
    const bob = createIdentity({ created: T0 - 10 });
    const prekeyStore = new InMemoryPrekeyStore();
    const bundle = await createPrekeyBundle(bob, { prekeyStore, now: T0 });
    const { initialMessage } = await initiateSession(bundle, { identity: alice, plaintext: utf8('hi'), now: T0 });
    const identityStore = new InMemoryIdentityStore();
    const counts = (): number[] => (['signed', 'last-resort-kem', 'one-time', 'one-time-kem'] as const).map((k) => prekeyStore.count(k));
    const before = counts();
    for (let i = 0; i < initialMessage.length; i++) {
      const bad = Uint8Array.from(initialMessage);
      bad[i]! ^= 0x01;
      const e = await acceptSession(bad, { identity: bob, prekeyStore, identityStore, address: 'alice', now: T0 }).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(e, `byte ${i}`).toBeInstanceOf(PqwireError);
    }
    expect(counts()).toEqual(before);
    expect(await identityStore.getPeerIdentity('alice')).toBeUndefined();
    const ok = await acceptSession(initialMessage, { identity: bob, prekeyStore, identityStore, address: 'alice', now: T0 });
    expect(text(ok.plaintext)).toBe('hi');
  }, timeLimit(180_000));
});

describe('prekeys', () => {
  it('a one-time prekey is consumed exactly once: a replayed initial message is PREKEY_REUSED', async () => {
    const { initialMessage, bob, prekeyStore } = await pair();
    const events: SessionSecurityEvent[] = [];
    const sessionStore = new InMemorySessionStore();
    await expectReject(
      () => acceptSession(initialMessage, { identity: bob, prekeyStore, sessionStore, address: 'alice', now: T0, onSecurityEvent: (e) => events.push(e) }),
      KeyManagementError,
      'PREKEY_REUSED',
    );
    expect(events).toMatchObject([{ type: 'replay-refused', code: 'PREKEY_REUSED', address: 'alice' }]);
    expect(await sessionStore.addresses()).toEqual([]);
  });

  it('two initiators racing for the same one-time prekeys: the second is refused', async () => {
    const bob = createIdentity({ created: T0 - 10 });
    const prekeyStore = new InMemoryPrekeyStore();
    const bundle = await createPrekeyBundle(bob, { prekeyStore, now: T0 });
    const m1 = (await initiateSession(bundle, { identity: createIdentity({ created: T0 - 10 }), now: T0 })).initialMessage;
    const m2 = (await initiateSession(bundle, { identity: createIdentity({ created: T0 - 10 }), now: T0 })).initialMessage;
    const results = await Promise.allSettled([
      acceptSession(m1, { identity: bob, prekeyStore, now: T0 }),
      acceptSession(m2, { identity: bob, prekeyStore, now: T0 }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect((rejected.reason as PqwireError).code).toBe('PREKEY_REUSED');
  });

  it('a last-resort KEM prekey serves many sessions; an unknown prekey is UNKNOWN_KEY', async () => {
    const bob = createIdentity({ created: T0 - 10 });
    const prekeyStore = new InMemoryPrekeyStore();
    const bundle = await createPrekeyBundle(bob, { prekeyStore, oneTimeKemPrekey: false, oneTimePrekey: false, now: T0 });
    for (let i = 0; i < 3; i++) {
      const { initialMessage } = await initiateSession(bundle, { identity: createIdentity({ created: T0 - 10 }), now: T0 });
      await acceptSession(initialMessage, { identity: bob, prekeyStore, now: T0 });
    }
    expect((await prekeyStore.current('last-resort-kem'))!.uses).toBe(3);
    const { initialMessage } = await initiateSession(bundle, { identity: createIdentity({ created: T0 - 10 }), now: T0 });
    await expectReject(() => acceptSession(initialMessage, { identity: bob, prekeyStore: new InMemoryPrekeyStore(), now: T0 }), KeyManagementError, 'UNKNOWN_KEY');
  });

  it('signed prekeys rotate after their age; expired keys are KEY_EXPIRED', async () => {
    const bob = createIdentity({ created: T0 - 10 });
    const prekeyStore = new InMemoryPrekeyStore();
    await createPrekeyBundle(bob, { prekeyStore, now: T0 });
    const first = (await prekeyStore.current('signed'))!.keyId;
    await createPrekeyBundle(bob, { prekeyStore, now: T0 + 3600 });
    expect((await prekeyStore.current('signed'))!.keyId).toBe(first);
    await createPrekeyBundle(bob, { prekeyStore, now: T0 + 8 * 86400 });
    expect((await prekeyStore.current('signed'))!.keyId).not.toBe(first);
    const bundle = await createPrekeyBundle(bob, { prekeyStore, now: T0 });
    await expectReject(
      () => initiateSession(bundle, { identity: createIdentity({ created: T0 - 10 }), now: T0 + 400 * 86400 }),
      KeyManagementError,
      'KEY_EXPIRED',
    );
  });
});

describe('policy', () => {
  it('pq-required refuses a bundle without an ML-KEM prekey; classical-allowed accepts a classical peer and reports it', async () => {
    const bob = createIdentity({ created: T0 - 10 });
    const prekeyStore = new InMemoryPrekeyStore();
    // Bob offers no ML-KEM: a classical peer, with a batch of no KEM prekey.
    const classical = { kexSuites: ['X25519+ML-KEM-768' as const, 'X25519' as const] };
    const upload = await createPrekeyBatch(bob, { prekeyStore, kem: null, oneTimeCount: 0, capabilities: classical, now: T0 });
    const bundle = assemblePrekeyBundle(upload);
    const alice = createIdentity({ created: T0 - 10 });
    const events: SessionSecurityEvent[] = [];
    const onSecurityEvent = (e: SessionSecurityEvent): number => events.push(e);
    await expectReject(() => initiateSession(bundle, { identity: alice, now: T0, onSecurityEvent }), DowngradeError, 'PQ_REQUIRED');
    expect(events).toMatchObject([{ type: 'handshake-refused', code: 'PQ_REQUIRED' }]);
    const { initialMessage, session } = await initiateSession(bundle, { identity: alice, policy: 'classical-allowed', now: T0, onSecurityEvent });
    expect(session.info.postQuantum).toBe(false);
    expect(events[1]).toMatchObject({ type: 'classical-session' });
    // Bob under pq-required refuses it too.
    await expectReject(() => acceptSession(initialMessage, { identity: bob, prekeyStore, capabilities: classical, now: T0 }), DowngradeError, 'PQ_REQUIRED');
    const ok = await acceptSession(initialMessage, { identity: bob, prekeyStore, capabilities: classical, policy: 'classical-allowed', now: T0 });
    expect(ok.session.info.postQuantum).toBe(false);
  });
});

describe('identity pinning', () => {
  it('trusts on first use; a changed identity throws IdentityChangedError until trusted', async () => {
    const alice = createIdentity({ created: T0 - 10 });
    const identityStore = new InMemoryIdentityStore();
    const sessionStore = new InMemorySessionStore();
    const bob1 = createIdentity({ created: T0 - 10 });
    const prekeyStore = new InMemoryPrekeyStore();
    const b1 = await createPrekeyBundle(bob1, { prekeyStore, now: T0 });
    const opts = { identity: alice, identityStore, sessionStore, address: 'bob', now: T0 };
    await initiateSession(b1, opts);
    expect((await identityStore.getPeerIdentity('bob'))!.fingerprint).toBe(bob1.fingerprint);
    await initiateSession(await createPrekeyBundle(bob1, { prekeyStore, now: T0 }), { ...opts, replaceSession: true });

    const bob2 = createIdentity({ created: T0 - 10 });
    const b2 = await createPrekeyBundle(bob2, { prekeyStore: new InMemoryPrekeyStore(), now: T0 });
    const events: SessionSecurityEvent[] = [];
    const stored = await sessionStore.load('bob');
    const err = await expectReject<IdentityChangedError>(() => initiateSession(b2, { ...opts, onSecurityEvent: (e) => events.push(e) }), IdentityChangedError, 'IDENTITY_CHANGED');
    expect(err).toMatchObject({ address: 'bob', previousFingerprint: bob1.fingerprint, fingerprint: bob2.fingerprint });
    // The error carries both identities: the app can compare them and trust the new one from it.
    expect(err.pinned.equals(bob1.publicIdentity)).toBe(true);
    expect(err.identity.equals(bob2.publicIdentity)).toBe(true);
    expect(events).toMatchObject([{ type: 'identity-changed', address: 'bob' }]);
    expect((await identityStore.getPeerIdentity('bob'))!.fingerprint).toBe(bob1.fingerprint);
    expect(await sessionStore.load('bob')).toEqual(stored);
    await trustIdentity(identityStore, err.address, err.identity);
    await initiateSession(b2, { ...opts, replaceSession: true });
  });

  it('identities export and import; a tampered record is refused', () => {
    const id = createIdentity({ suite: 'Ed25519+ML-DSA-87', seed: new Uint8Array(32).fill(4), created: T0 });
    const again = Identity.import(id.export());
    expect(again.publicIdentity.equals(id.publicIdentity)).toBe(true);
    expect(createIdentity({ suite: 'Ed25519+ML-DSA-87', seed: new Uint8Array(32).fill(4), created: T0 }).fingerprint).toBe(id.fingerprint);
    expect(JSON.stringify(id)).not.toMatch(/secret/i);
    const rec = id.export();
    expect(() => Identity.import(rec.subarray(0, rec.length - 1))).toThrow(PqwireError);
    expectThrow(() => createIdentity({ suite: 'ML-DSA-65' as IdentitySuite }), InvalidArgumentError, 'INVALID_ARGUMENT');
  });
});

describe('serialization', () => {
  it('round trips mid-conversation, with skipped keys, on both sides', async () => {
    let { a, b } = await pair();
    const m0 = b.encrypt(utf8('zero'), { now: T0 + 1 });
    const m1 = b.encrypt(utf8('one'), { now: T0 + 1 });
    a.decrypt(m1, { now: T0 + 2 });
    a = Session.deserialize(a.serialize(), { minimumEpoch: a.epoch });
    b = Session.deserialize(b.serialize());
    expect(text(a.decrypt(m0, { now: T0 + 3 }).plaintext)).toBe('zero');
    const r = a.encrypt(utf8('two'), { now: T0 + 4 });
    expect(text(b.decrypt(r, { now: T0 + 5 }).plaintext)).toBe('two');
    expect(a.info.peerFingerprint).toBe(b.info.localFingerprint);
  });

  it('a restored older copy is a SessionRollbackError and a security event', async () => {
    const { a, b } = await pair();
    const store = new BackupRestoringStore();
    await a.save(store, 'bob');
    const backup = (await store.load('bob'))!;
    // a is attached now: decryptAsync saves the advanced state before it returns.
    await a.decryptAsync(b.encrypt(utf8('x'), { now: T0 + 1 }), { now: T0 + 1 });
    expect((await store.load('bob'))!.epoch).toBe(a.epoch);
    store.restore('bob', backup); // a backup restored over the newer record
    const events: SessionSecurityEvent[] = [];
    await expectReject(() => Session.load(store, 'bob', { onSecurityEvent: (e) => events.push(e) }), SessionRollbackError, 'SESSION_ROLLBACK');
    expect(events).toMatchObject([{ type: 'session-rollback', code: 'SESSION_ROLLBACK', address: 'bob' }]);
    expectThrow(() => Session.deserialize(backup.record, { minimumEpoch: a.epoch }), SessionRollbackError, 'SESSION_ROLLBACK');
  });

  it('corrupted records are typed errors', async () => {
    const { a } = await pair();
    const rec = a.serialize();
    for (const n of [0, 3, 10, rec.length - 1]) expect(() => Session.deserialize(rec.subarray(0, n))).toThrow(PqwireError);
    expectThrow(() => Session.deserialize('x' as unknown as Uint8Array), InvalidTypeError, 'INVALID_TYPE');
    expect(JSON.stringify(a)).not.toContain(Buffer.from(rec.subarray(40, 60)).toString('hex'));
  });
});

describe('post-quantum ratchet cadence (docs/protocol.md §5.6)', () => {
  /** Alternating 1 KiB messages; returns the messages. */
  const converse = (p: Pair, n: number, t0 = T0): Uint8Array[] => {
    const out: Uint8Array[] = [];
    for (let i = 0; i < n; i++) {
      const [from, to] = i % 2 === 0 ? [p.b, p.a] : [p.a, p.b];
      const m = from.encrypt(new Uint8Array(1024), { now: t0 + i });
      to.decrypt(m, { now: t0 + i });
      out.push(m);
    }
    return out;
  };

  it('continuous by default (every-hop is its old name): steps complete and session.info.pqSteps counts them', async () => {
    const results: number[] = [];
    for (const ratchet of [undefined, { cadence: 'continuous' as const }, { cadence: 'every-hop' as const }]) {
      const p = await pair({ ratchet });
      expect(p.a.info.pqSteps).toBe(0);
      const ms = converse(p, 200);
      expect(keyStarts(ms[0]!)).toBe(true);
      expect(p.a.info.pqSteps).toBe(p.b.info.pqSteps);
      results.push(p.a.info.pqSteps);
      // At most one chunk per message: a 1 KiB message is 1,108 bytes, 1,200 with a chunk.
      for (const m of ms) expect(m.length).toBeLessThanOrEqual(1210);
    }
    expect(results[0]).toBeGreaterThanOrEqual(6);
    expect(new Set(results).size).toBe(1);
  });

  it('limits without a cadence keep the continuous default, for ML-KEM-1024 too', async () => {
    const limited = await pair({ kem: 'ML-KEM-1024', ratchet: { maxSkip: 10 } });
    const mb = limited.b.encrypt(utf8('b'), { now: T0 + 1 });
    expect(keyStarts(mb)).toBe(true);
    limited.a.decrypt(mb, { now: T0 + 1 });
    // The limit applies: a message 11 ahead is refused.
    const ms = Array.from({ length: 12 }, () => limited.b.encrypt(utf8('x'), { now: T0 + 2 }));
    expectThrow(() => limited.a.decrypt(ms[11]!, { now: T0 + 2 }), ReplayError, 'TOO_MANY_SKIPPED');
  });

  it('every N messages and every T seconds, and a forced step (rekeyAllSessions) starts a key now', async () => {
    const { a, b } = await pair({ ratchet: { kemEveryMessages: 1000, kemEverySeconds: 3600 } });
    const exchange = (t: number): boolean[] => {
      const mb = b.encrypt(utf8('b'), { now: t });
      a.decrypt(mb, { now: t });
      const ma = a.encrypt(utf8('a'), { now: t });
      b.decrypt(ma, { now: t });
      return [keyStarts(mb), keyStarts(ma)];
    };
    expect(exchange(T0 + 1)).toEqual([false, false]);
    expect(exchange(T0 + 3601)).toEqual([true, true]);
    const f = await pair({ ratchet: { kemEveryMessages: 1000 } });
    f.b.forceKemStep();
    expect(f.b.kemStepPending).toBe(true);
    const mb = f.b.encrypt(utf8('b'), { now: T0 + 2 });
    expect(keyStarts(mb)).toBe(true);
    expect(f.b.kemStepPending).toBe(false);
    f.a.decrypt(mb, { now: T0 + 2 });
    expect(keyStarts(f.a.encrypt(utf8('a'), { now: T0 + 2 }))).toBe(false);
    const n = await pair({ ratchet: { kemEveryMessages: 3 } });
    const starts: boolean[] = [];
    for (let i = 0; i < 3; i++) {
      const mb = n.b.encrypt(utf8('b'), { now: T0 });
      n.a.decrypt(mb, { now: T0 });
      const ma = n.a.encrypt(utf8('a'), { now: T0 });
      n.b.decrypt(ma, { now: T0 });
      starts.push(keyStarts(mb), keyStarts(ma));
    }
    // Each party counts every message (sent and received) since the handshake: Alice's
    // first message is 1, so each starts its first key once 3 are counted.
    expect(starts).toEqual([false, false, true, true, false, false]);
    await expectReject(() => pair({ ratchet: { kemEveryMessages: 0 } }), InvalidArgumentError, 'INVALID_ARGUMENT');
    await expectReject(() => pair({ ratchet: { cadence: 'sometimes' as never } }), InvalidArgumentError, 'INVALID_ARGUMENT');
  });
});

describe('initial message prekey ids (acceptSession reads only these before the handshake)', () => {
  it('agree with decode(bytes, "initial-message") on every flipped byte and truncation: same ids or same error', async () => {
    const bob = createIdentity({ created: T0 - 10 });
    const bundle = await createPrekeyBundle(bob, { prekeyStore: new InMemoryPrekeyStore(), now: T0 });
    const { initialMessage } = await initiateSession(bundle, { identity: createIdentity({ created: T0 - 10 }), plaintext: utf8('hi'), now: T0 });
    const outcome = (f: () => Uint8Array[]): string => {
      try {
        return f().map((id) => Buffer.from(id).toString('hex')).join(',');
      } catch (e) {
        const w = e as PqwireError & { offset?: number; tag?: number };
        return `${w.constructor.name} ${w.code} ${w.offset} ${w.tag}`;
      }
    };
    const variants = [initialMessage, wire.encode(capabilities()), initialMessage.subarray(0, 5)];
    for (let i = 0; i < initialMessage.length; i += 7) {
      const flipped = Uint8Array.from(initialMessage);
      flipped[i]! ^= 0x01;
      variants.push(flipped, initialMessage.subarray(0, i));
    }
    const codes = new Set<string>();
    for (const v of variants) {
      const fromDecode = outcome(() => {
        const m = wire.decode(v, 'initial-message');
        return [m.signedPrekeyId, m.kemPrekeyId, m.oneTimePrekeyId].filter((id): id is Uint8Array => id !== undefined);
      });
      expect(outcome(() => initialMessagePrekeyIds(v))).toBe(fromDecode);
      codes.add(fromDecode.split(' ')[1] ?? 'ids');
    }
    expect(outcome(() => initialMessagePrekeyIds(initialMessage)).split(',')).toHaveLength(3); // signed, KEM, one-time
    expect(codes).toContain('UNEXPECTED_TYPE');
    expect(codes).toContain('TRUNCATED');
  });

  it('a message of another type is refused before the prekey store is asked anything', async () => {
    const asked: string[] = [];
    const store = new InMemoryPrekeyStore();
    // Records calls (reading a method, as the type check does, asks nothing).
    const spy = new Proxy(store, {
      get: (t, k) => {
        const v = Reflect.get(t, k, t) as unknown;
        return typeof v === 'function' ? (...args: unknown[]) => (asked.push(String(k)), (v as (...a: unknown[]) => unknown).apply(t, args)) : v;
      },
    });
    await expectReject(() => acceptSession(wire.encode(capabilities()), { identity: createIdentity(), prekeyStore: spy }), PqwireError, 'UNEXPECTED_TYPE');
    await expectReject(() => acceptSession('bytes' as unknown as Uint8Array, { identity: createIdentity(), prekeyStore: spy }), InvalidTypeError, 'INVALID_TYPE');
    expect(asked).toEqual([]);
  });
});

describe('bad arguments', () => {
  it('wrong types and options are typed errors', async () => {
    const { a } = await pair();
    expectThrow(() => a.encrypt('text' as unknown as Uint8Array), InvalidTypeError, 'INVALID_TYPE');
    expectThrow(() => a.decrypt(new Uint8Array(3)), PqwireError, 'BAD_MAGIC');
    expectThrow(() => a.decrypt(wire.encode(capabilities())), PqwireError, 'UNEXPECTED_TYPE');
    expectThrow(() => a.encrypt(utf8('x'), { now: -1 }), InvalidTypeError, 'INVALID_TYPE');
    await expectReject(() => initiateSession(new Uint8Array(10), { identity: a as unknown as IdentityT }), InvalidTypeError, 'INVALID_TYPE');
    await expectReject(() => initiateSession(new Uint8Array(10), { identity: createIdentity(), ratchet: { cadence: 'sometimes' as 'every-hop' } }), InvalidArgumentError, 'INVALID_ARGUMENT');
    await expectReject(() => initiateSession(new Uint8Array(10), { identity: createIdentity(), identityStore: new InMemoryIdentityStore() }), InvalidArgumentError, 'INVALID_ARGUMENT');
    await expectReject(() => initiateSession(new Uint8Array(10), { identity: createIdentity() }), PqwireError, 'BAD_MAGIC');
    const tampered = Uint8Array.from(a.encrypt(utf8('x')));
    tampered[tampered.length - 1]! ^= 1;
    expect(() => a.decrypt(tampered)).toThrow(AuthenticationError);
  });
});
