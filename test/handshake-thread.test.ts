/**
 * Where a handshake's cryptography runs (`thread`, docs/protocol.md §9): `auto` runs a
 * lone handshake on the calling thread and concurrent ones on the thread pool; `pool`
 * and `inline` force one place. Both places give the same sessions and the same typed
 * refusals, and the count of handshakes in flight comes back down after a failure.
 */
import { describe, expect, it } from 'vitest';
import {
  InMemoryPrekeyStore,
  InvalidArgumentError,
  PqwireError,
  KeyManagementError,
  acceptSession,
  createIdentity,
  createPrekeyBundle,
  initiateSession,
} from '../ts/src/index';
import { handshakePlaces } from '../ts/src/handshake';
import { bad, expectReject, flip, utf8 } from './helpers';

const T0 = 1_700_000_000;

/** From now on, how many handshakes ran inline and how many on the pool. */
function places(): () => { inline: number; pool: number } {
  const start = { ...handshakePlaces };
  return () => ({ inline: handshakePlaces.inline - start.inline, pool: handshakePlaces.pool - start.pool });
}

async function parties() {
  const alice = createIdentity({ created: T0 - 10 });
  const bob = createIdentity({ created: T0 - 10 });
  const prekeyStore = new InMemoryPrekeyStore();
  return { alice, bob, prekeyStore, bundle: await createPrekeyBundle(bob, { prekeyStore, now: T0 }) };
}

describe('thread: where the handshake runs', () => {
  it('auto (the default) runs a lone handshake inline, on the calling thread', async () => {
    const { alice, bob, prekeyStore, bundle } = await parties();
    const counts = places();
    const { initialMessage } = await initiateSession(bundle, { identity: alice, now: T0 });
    await acceptSession(initialMessage, { identity: bob, prekeyStore, now: T0 });
    expect(counts()).toEqual({ inline: 2, pool: 0 });
  });

  it('auto sends a handshake to the thread pool while another one is in flight', async () => {
    const { alice, bob, prekeyStore } = await parties();
    const bundles = [await createPrekeyBundle(bob, { prekeyStore, now: T0 }), await createPrekeyBundle(bob, { prekeyStore, now: T0 })];
    const counts = places();
    const started = await Promise.all(bundles.map((b) => initiateSession(b, { identity: alice, now: T0 })));
    // The first ran inline before the second started; the second found it still in flight.
    expect(counts()).toEqual({ inline: 1, pool: 1 });
    const accepted = await Promise.all(started.map((s) => acceptSession(s.initialMessage, { identity: bob, prekeyStore, now: T0 })));
    expect(counts()).toEqual({ inline: 1, pool: 3 }); // both looked their prekeys up first
    for (const [i, { session }] of started.entries()) {
      expect(accepted[i]!.session.decrypt(session.encrypt(utf8('hi'))).plaintext).toEqual(utf8('hi'));
    }
  });

  it('pool and inline force the place, and give the same working sessions', async () => {
    for (const thread of ['pool', 'inline'] as const) {
      const { alice, bob, prekeyStore, bundle } = await parties();
      const counts = places();
      const { session: a, initialMessage } = await initiateSession(bundle, { identity: alice, now: T0, plaintext: utf8('first'), thread });
      const { session: b, plaintext } = await acceptSession(initialMessage, { identity: bob, prekeyStore, now: T0, thread });
      expect(counts()).toEqual(thread === 'pool' ? { inline: 0, pool: 2 } : { inline: 2, pool: 0 });
      expect(plaintext).toEqual(utf8('first'));
      expect(a.decrypt(b.encrypt(utf8('back'))).plaintext).toEqual(utf8('back'));
    }
  });

  it('both places refuse the same bad input with the same typed error, and recover', async () => {
    const { alice, bob, prekeyStore, bundle } = await parties();
    const { initialMessage } = await initiateSession(bundle, { identity: alice, now: T0 });
    const refusal = async (f: () => Promise<unknown>): Promise<string> => {
      try {
        await f();
        return 'accepted';
      } catch (e) {
        return `${(e as Error).constructor.name} ${(e as PqwireError).code}`;
      }
    };
    // Bytes changed across each message (framing, keys, signatures, the first message's
    // ciphertext): whatever the refusal, the pool's is the same as inline's.
    const spots = (m: Uint8Array) => [0, 7, 100, 2_000, m.length >> 1, m.length - 200, m.length - 40, m.length - 1];
    const seen = new Set<string>();
    for (const at of spots(initialMessage)) {
      const tampered = flip(initialMessage, at);
      const inline = await refusal(() => acceptSession(tampered, { identity: bob, prekeyStore, now: T0, thread: 'inline' }));
      const pool = await refusal(() => acceptSession(tampered, { identity: bob, prekeyStore, now: T0, thread: 'pool' }));
      expect(pool, `initial message, byte ${at}`).toBe(inline);
      expect(inline).not.toBe('accepted');
      seen.add(inline);
    }
    for (const at of spots(bundle)) {
      const tampered = flip(bundle, at);
      const inline = await refusal(() => initiateSession(tampered, { identity: alice, now: T0, thread: 'inline' }));
      const pool = await refusal(() => initiateSession(tampered, { identity: alice, now: T0, thread: 'pool' }));
      expect(pool, `bundle, byte ${at}`).toBe(inline);
      expect(inline).not.toBe('accepted');
      seen.add(inline);
    }
    expect(seen).toContain('AuthenticationError AUTH_FAILED');
    // Nothing was consumed: the untouched message opens once, then is PREKEY_REUSED.
    await acceptSession(initialMessage, { identity: bob, prekeyStore, now: T0, thread: 'pool' });
    await expectReject(() => acceptSession(initialMessage, { identity: bob, prekeyStore, now: T0, thread: 'inline' }), KeyManagementError, 'PREKEY_REUSED');
    // Every failure above left the in-flight count at zero: a lone handshake runs inline again.
    const counts = places();
    await initiateSession(bundle, { identity: alice, now: T0 });
    expect(counts()).toEqual({ inline: 1, pool: 0 });
  });

  it('an unknown place is INVALID_ARGUMENT, before any work', async () => {
    const { alice, bob, prekeyStore, bundle } = await parties();
    const counts = places();
    for (const thread of ['worker', 'Pool', 1, null]) {
      await expectReject(() => initiateSession(bundle, { identity: alice, now: T0, thread: bad(thread) }), InvalidArgumentError, 'INVALID_ARGUMENT');
      await expectReject(() => acceptSession(bundle, { identity: bob, prekeyStore, now: T0, thread: bad(thread) }), InvalidArgumentError, 'INVALID_ARGUMENT');
    }
    expect(counts()).toEqual({ inline: 0, pool: 0 });
  });
});
