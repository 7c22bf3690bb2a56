/**
 * Prekey batches and bundles from JavaScript: the owner signs a batch once, a party
 * holding only the upload's bytes assembles bundles that work end to end, and the
 * structure rules fire with typed errors (the full rule set is tested in
 * crates/pqwire-core/tests/prekey_bundle.rs and handshake_batch.rs).
 */
import { describe, expect, it } from 'vitest';
import {
  DowngradeError,
  InMemoryPrekeyStore,
  WireFormatError,
  acceptSession,
  assemblePrekeyBundle,
  createIdentity,
  createPrekeyBatch,
  createPrekeyBundle,
  DEFAULT_BATCH_SIZE,
  PrekeyBundleAssembler,
  initiateSession,
  wire,
} from '../ts/src/index';
import { expectReject } from './helpers';

const T0 = 1_700_000_000;
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

async function owner(oneTimeCount = 3, oneTimeKemCount = 2): Promise<{ bob: ReturnType<typeof createIdentity>; prekeyStore: InMemoryPrekeyStore; upload: Uint8Array }> {
  const bob = createIdentity({ created: T0 - 10 });
  const prekeyStore = new InMemoryPrekeyStore();
  const upload = await createPrekeyBatch(bob, { prekeyStore, oneTimeCount, oneTimeKemCount, now: T0 });
  return { bob, prekeyStore, upload };
}

describe('prekey batch', () => {
  it('a party holding only the upload assembles bundles that work end to end', async () => {
    const { bob, prekeyStore, upload } = await owner();
    const server = Uint8Array.from(upload); // public bytes only
    const batch = wire.decode(wire.decode(server, 'prekey-upload').batch, 'prekey-batch');
    expect(batch).toMatchObject({ kemSuite: 'ML-KEM-768', oneTimeKemCount: 2, oneTimeCount: 3 });
    for (const [kemIndex, oneTimeIndex] of [
      [0, 0],
      [1, 2],
      [undefined, 1],
    ] as const) {
      const bundle = assemblePrekeyBundle(server, { kemIndex, oneTimeIndex });
      const alice = createIdentity({ created: T0 - 10 });
      const { initialMessage, session } = await initiateSession(bundle, { identity: alice, now: T0 });
      const got = await acceptSession(initialMessage, { identity: bob, prekeyStore, now: T0 });
      expect(got.session.id).toBe(session.id);
      expect(got.session.decrypt(session.encrypt(utf8('hi'), { now: T0 }), { now: T0 }).plaintext).toEqual(utf8('hi'));
    }
    // A one-time index handed out twice: the owner refuses the second session.
    const again = assemblePrekeyBundle(server, { kemIndex: 0, oneTimeIndex: 0 });
    const { initialMessage } = await initiateSession(again, { identity: createIdentity({ created: T0 - 10 }), now: T0 });
    await expect(acceptSession(initialMessage, { identity: bob, prekeyStore, now: T0 })).rejects.toMatchObject({ code: 'PREKEY_REUSED' });
    expect(() => assemblePrekeyBundle(server, { oneTimeIndex: 3 })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => assemblePrekeyBundle(server, { kemIndex: 2 })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('a bundle from a default batch stays under 7,500 bytes', async () => {
    const bob = createIdentity({ created: T0 - 10 });
    const upload = await createPrekeyBatch(bob, { prekeyStore: new InMemoryPrekeyStore(), now: T0 });
    const bundle = assemblePrekeyBundle(upload, { kemIndex: DEFAULT_BATCH_SIZE - 1, oneTimeIndex: 0 });
    expect(bundle.length).toBeLessThanOrEqual(7_500);
    const one = await createPrekeyBundle(bob, { prekeyStore: new InMemoryPrekeyStore(), now: T0 });
    expect(one.length).toBeLessThan(bundle.length);
  });

  it('a stripped KEM prekey is refused under every policy', async () => {
    const { upload } = await owner(1, 1);
    const full = wire.decode(assemblePrekeyBundle(upload, { kemIndex: 0, oneTimeIndex: 0 }), 'prekey-bundle');
    delete full.kemPrekey;
    delete full.kemPrekeyProof;
    const stripped = wire.encode(full);
    for (const policy of ['pq-required', 'pq-preferred', 'classical-allowed'] as const) {
      await expectReject(() => initiateSession(stripped, { identity: createIdentity({ created: T0 - 10 }), policy, now: T0 }), DowngradeError, 'PQ_REQUIRED');
    }
  });

  it('a tampered proof or signature is AUTH_FAILED', async () => {
    const { upload } = await owner();
    const good = wire.decode(assemblePrekeyBundle(upload, { kemIndex: 1, oneTimeIndex: 1 }), 'prekey-bundle');
    for (const field of ['kemPrekeyProof', 'oneTimePrekeyProof', 'batchSignature'] as const) {
      const tampered = Uint8Array.from(good[field]!);
      tampered[5]! ^= 1;
      const b = { ...good, [field]: tampered };
      await expect(initiateSession(wire.encode(b), { identity: createIdentity({ created: T0 - 10 }), now: T0 })).rejects.toMatchObject({
        code: 'AUTH_FAILED',
      });
    }
  });
});

describe('prekey bundle wire rules', () => {
  it('round-trips, with the statement nested and each prekey as index ‖ key', async () => {
    const { upload } = await owner();
    const bytes = assemblePrekeyBundle(upload, { kemIndex: 1, oneTimeIndex: 2 });
    const decoded = wire.decode(bytes, 'prekey-bundle');
    const index = (b: Uint8Array): number => new DataView(b.buffer, b.byteOffset).getUint32(0);
    expect(index(decoded.kemPrekey!)).toBe(2); // leaf 0 is the last-resort key
    expect(index(decoded.oneTimePrekey!)).toBe(1 + 2 + 2);
    expect(decoded.kemPrekey!.length).toBe(4 + 1184);
    expect(wire.encode(decoded)).toEqual(bytes);
    expect(wire.inspect(bytes)).toContain('nested prekey-batch message');
  });

  it('refuses a proof of partial hashes and a signature of the wrong length', async () => {
    const { upload } = await owner();
    const good = wire.decode(assemblePrekeyBundle(upload, { kemIndex: 0, oneTimeIndex: 0 }), 'prekey-bundle');
    const e = (() => {
      try {
        wire.encode({ ...good, kemPrekeyProof: new Uint8Array(33) });
      } catch (err) {
        return err;
      }
    })();
    expect(e).toBeInstanceOf(WireFormatError);
    expect(e).toMatchObject({ code: 'BAD_LENGTH', field: 'kemPrekeyProof', tag: 5 });
    expect(() => wire.encode({ ...good, batchSignature: new Uint8Array(64) })).toThrow(expect.objectContaining({ code: 'BAD_LENGTH', field: 'batchSignature' }));
  });

  it('reports an error inside a nested message at its offset in the outer one', async () => {
    const { upload } = await owner();
    const broken = Uint8Array.from(assemblePrekeyBundle(upload));
    broken[4 + 6 + 2] = 9; // the nested identity key package's version byte
    try {
      wire.decode(broken);
      expect.unreachable();
    } catch (e) {
      expect(e).toMatchObject({ code: 'UNSUPPORTED_VERSION', offset: 12, field: 'identitySigKey' });
    }
  });
});

describe('PrekeyBundleAssembler', () => {
  it('gives the same bundles as assemblePrekeyBundle, and the cache notices changed bytes', async () => {
    const { upload } = await owner();
    const server = new PrekeyBundleAssembler(upload);
    expect(server.bundle({ kemIndex: 1, oneTimeIndex: 2 })).toEqual(assemblePrekeyBundle(upload, { kemIndex: 1, oneTimeIndex: 2 }));
    expect(() => server.bundle({ oneTimeIndex: 3 })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    // The same Uint8Array changed in place: the cached decoding is not reused.
    const other = (await owner()).upload;
    const buf = Uint8Array.from(upload);
    const before = assemblePrekeyBundle(buf, { oneTimeIndex: 0 });
    buf.set(other.subarray(0, buf.length));
    const after = assemblePrekeyBundle(buf, { oneTimeIndex: 0 });
    expect(after).not.toEqual(before);
    expect(after).toEqual(assemblePrekeyBundle(other, { oneTimeIndex: 0 }));
    expect(() => new PrekeyBundleAssembler(new Uint8Array(3))).toThrow(WireFormatError);
  });
});
