/**
 * Migration helpers (issue 5 §6): legacy X25519 / Ed25519 keys imported from raw bytes
 * and JWK, promoted into a hybrid identity that keeps them and proves continuity, used
 * in a session; and rekeyAllSessions forcing an ML-KEM ratchet step.
 */
import { describe, expect, it } from 'vitest';
import {
  InMemoryPrekeyStore,
  InMemorySessionStore,
  InvalidArgumentError,
  InvalidKeyError,
  InvalidLengthError,
  InvalidTypeError,
  DisposedError,
  LegacyKeypair,
  Session,
  acceptSession,
  createIdentity,
  createPrekeyBundle,
  ed25519,
  importLegacyKeypair,
  initiateSession,
  promoteToHybrid,
  rekeyAllSessions,
  verifyContinuity,
  wire,
  x25519,
} from '../ts/src/index';
import { expectThrow, utf8 } from './helpers';

const T0 = 1_700_000_000;
const b64u = (b: Uint8Array): string => Buffer.from(b).toString('base64url');
const seed = (n: number): Uint8Array => new Uint8Array(32).fill(n);

describe('importLegacyKeypair', () => {
  it('imports raw and JWK X25519 and Ed25519 keys, deriving and checking the public key', () => {
    const ed = ed25519.keygen(seed(1));
    const x = x25519.keygen(seed(2));
    const raw = importLegacyKeypair({ type: 'Ed25519', secretKey: ed.secretKey });
    expect(raw.publicKey).toEqual(ed.publicKey);
    const jwk = importLegacyKeypair({ kty: 'OKP', crv: 'Ed25519', d: b64u(ed.secretKey), x: b64u(ed.publicKey) });
    expect(jwk.publicKey).toEqual(ed.publicKey);
    const xr = importLegacyKeypair({ type: 'X25519', secretKey: x.secretKey, publicKey: x.publicKey });
    expect(xr.publicKey).toEqual(x.publicKey);
    expect(importLegacyKeypair({ kty: 'OKP', crv: 'X25519', d: b64u(x.secretKey) }).publicKey).toEqual(x.publicKey);
    expect(JSON.stringify(raw)).not.toContain(Buffer.from(ed.secretKey).toString('hex'));
  });

  it('refuses a mismatched public key, wrong lengths, curves and types', () => {
    const ed = ed25519.keygen(seed(1));
    const other = ed25519.keygen(seed(3));
    expectThrow(() => importLegacyKeypair({ type: 'Ed25519', secretKey: ed.secretKey, publicKey: other.publicKey }), InvalidKeyError, 'INVALID_KEY');
    expectThrow(() => importLegacyKeypair({ kty: 'OKP', crv: 'Ed25519', d: b64u(ed.secretKey), x: b64u(other.publicKey) }), InvalidKeyError, 'INVALID_KEY');
    expectThrow(() => importLegacyKeypair({ type: 'Ed25519', secretKey: new Uint8Array(31) }), InvalidLengthError, 'BAD_LENGTH');
    expectThrow(() => importLegacyKeypair({ kty: 'OKP', crv: 'Ed448' as 'Ed25519', d: 'AA' }), InvalidArgumentError, 'INVALID_ARGUMENT');
    expectThrow(() => importLegacyKeypair({ kty: 'EC' as 'OKP', crv: 'Ed25519', d: 'AA' }), InvalidArgumentError, 'INVALID_ARGUMENT');
    expectThrow(() => importLegacyKeypair({ kty: 'OKP', crv: 'Ed25519', d: 'not base64url!' }), InvalidArgumentError, 'INVALID_ARGUMENT');
    expectThrow(() => importLegacyKeypair(null as never), InvalidTypeError, 'INVALID_TYPE');
  });
});

describe('promoteToHybrid', () => {
  it('keeps the legacy keys, proves continuity, and works in a session', async () => {
    const oldSig = importLegacyKeypair({ type: 'Ed25519', secretKey: ed25519.keygen(seed(4)).secretKey });
    const oldDh = importLegacyKeypair({ type: 'X25519', secretKey: x25519.keygen(seed(5)).secretKey });
    const { identity, continuityProof } = promoteToHybrid(oldSig, { dh: oldDh, created: T0 - 10 });
    const pub = identity.publicIdentity;
    expect(pub.suite).toBe('Ed25519+ML-DSA-65');
    const sigKey = wire.decode(pub.signingKey, 'key-package');
    expect(sigKey.publicKey.subarray(0, 32)).toEqual(oldSig.publicKey);
    expect(wire.decode(pub.dhKey, 'key-package').publicKey).toEqual(oldDh.publicKey);
    expect(verifyContinuity(oldSig.publicKey, pub, continuityProof)).toBe(true);

    // Refusals: another legacy key, a forged proof, an identity that does not hold the key.
    const stranger = importLegacyKeypair({ type: 'Ed25519', secretKey: ed25519.keygen(seed(6)).secretKey });
    expect(verifyContinuity(stranger.publicKey, pub, continuityProof)).toBe(false);
    const forged = Uint8Array.from(continuityProof);
    forged[5]! ^= 1;
    expect(verifyContinuity(oldSig.publicKey, pub, forged)).toBe(false);
    const other = promoteToHybrid(stranger, { suite: 'Ed25519+ML-DSA-87' });
    expect(other.identity.suite).toBe('Ed25519+ML-DSA-87');
    expect(verifyContinuity(oldSig.publicKey, other.identity.publicIdentity, other.continuityProof)).toBe(false);
    expectThrow(() => promoteToHybrid(oldDh), InvalidTypeError, 'INVALID_TYPE');
    expectThrow(() => promoteToHybrid(oldSig, { dh: oldSig }), InvalidTypeError, 'INVALID_TYPE');
    expect(oldSig).toBeInstanceOf(LegacyKeypair);

    // The promoted identity runs a session like any other.
    const prekeyStore = new InMemoryPrekeyStore();
    const bundle = await createPrekeyBundle(identity, { prekeyStore, now: T0 });
    const alice = createIdentity({ created: T0 - 10 });
    const { initialMessage } = await initiateSession(bundle, { identity: alice, plaintext: utf8('hi'), now: T0 });
    const { session } = await acceptSession(initialMessage, { identity, prekeyStore, now: T0 });
    expect(session.info.localFingerprint).toBe(identity.fingerprint);
  });
});

describe('LegacyKeypair.dispose', () => {
  it('overwrites the JavaScript copy of the secret; promoting it afterwards is DISPOSED', () => {
    const secretKey = ed25519.keygen(seed(6)).secretKey;
    const legacy = importLegacyKeypair({ type: 'Ed25519', secretKey });
    const held = (legacy as unknown as { secretKey(): Uint8Array }).secretKey();
    expect(held).toEqual(secretKey);
    legacy.dispose();
    legacy.dispose();
    expect(legacy.disposed).toBe(true);
    expect(held.every((b) => b === 0)).toBe(true);
    expectThrow(() => promoteToHybrid(legacy), DisposedError, 'DISPOSED');
  });
});

describe('rekeyAllSessions', () => {
  it('makes every stored session start an ML-KEM key at its next send, whatever its cadence', async () => {
    const store = new InMemorySessionStore();
    const bob = createIdentity({ created: T0 - 10 });
    const prekeyStore = new InMemoryPrekeyStore();
    const ratchet = { kemEveryMessages: 10_000 };
    const peers: Session[] = [];
    for (const address of ['alice', 'carol']) {
      const bundle = await createPrekeyBundle(bob, { prekeyStore, now: T0 });
      const { session: a, initialMessage } = await initiateSession(bundle, { identity: createIdentity({ created: T0 - 10 }), ratchet, now: T0 });
      const { session: b } = await acceptSession(initialMessage, { identity: bob, prekeyStore, ratchet, sessionStore: store, address, now: T0 });
      // One exchange so both know each other's KEM key (b is attached: it saves itself).
      a.decrypt(await b.encryptAsync(utf8('x'), { now: T0 }), { now: T0 });
      await b.decryptAsync(a.encrypt(utf8('y'), { now: T0 }), { now: T0 });
      await b.save(store);
      peers.push(a);
    }
    await store.save('broken', { record: new Uint8Array([1, 2, 3]), sessionId: '00'.repeat(32), epoch: 0, expectedEpoch: undefined });
    const result = await rekeyAllSessions(store);
    expect(result.rekeyed.sort()).toEqual(['alice', 'carol']);
    expect(result.failed.map((f) => f.address)).toEqual(['broken']);
    for (const [i, address] of ['alice', 'carol'].entries()) {
      const b = (await Session.load(store, address))!;
      expect(b.kemStepPending).toBe(true);
      // Bob's next message carries the first shard of his new key (docs/protocol.md §5.6).
      const a = peers[i]!;
      await b.decryptAsync(a.encrypt(utf8('z'), { now: T0 + 1 }), { now: T0 + 1 });
      const m = await b.encryptAsync(utf8('rekeyed'), { now: T0 + 1 });
      const chunk = wire.decode(m, 'ratchet-message').pqChunk;
      expect(chunk?.[0]).toBe(1); // a key shard
      expect(chunk?.[5]).toBe(0); // index 0
      expect(b.kemStepPending).toBe(false);
      expect(a.decrypt(m, { now: T0 + 1 }).plaintext).toEqual(utf8('rekeyed'));
    }
  });
});
