// Batch operations (issue 19): Kem.encapsulateBatch / decapsulateBatch,
// KemKeyPair.decapsulateBatch, Signature.signBatch / verifyBatch, SigKeyPair.signBatch.
// Every result must be byte-identical to the single-item operation; every bad input is
// refused whole, before any work, with the item's index in the message.
import { describe, expect, it } from 'vitest';
import { availableParallelism } from 'node:os';
import {
  DisposedError,
  InternalError,
  InvalidArgumentError,
  InvalidKeyError,
  InvalidLengthError,
  InvalidTypeError,
  MAX_BATCH_ITEMS,
  kem,
  kemSuites,
  sig,
  sigSuites,
  type Verification,
  type VerifyBatchItem,
} from '../ts/src/index';
import native from '../ts/src/native';
import { fromNative } from '../ts/src/errors';
import { NOT_BYTES, bad, bytes, expectReject, flip, hex, utf8 } from './helpers';

/**
 * Enough items for the multi-threaded path on this machine: parallel.rs runs fewer than 8
 * inline, and starts a helper thread only for at least 300 µs of estimated work (64
 * ML-KEM-768 decapsulations take about 1 ms here). The test that each kind of batch is
 * threaded uses 256 slower items, for faster machines.
 */
const MANY = 64;

/**
 * Runs `f` and expects it to have started helper threads (the multi-threaded path), on a
 * machine with more than one core.
 */
async function threaded(f: () => Promise<void>): Promise<void> {
  const before = native.batchHelpersStarted();
  await f();
  if (availableParallelism() > 1) expect(native.batchHelpersStarted()).toBeGreaterThan(before);
}

const messages = (n: number, salt = 0): Uint8Array[] => Array.from({ length: n }, (_, i) => utf8(`message ${salt}/${i} `.repeat(1 + (i % 5))));
const hexes = (xs: readonly Uint8Array[]): string[] => xs.map(hex);

/** The typed error `f` rejects with, of `cls` and `code`, whose message names `item`. */
async function rejectsNaming(f: () => Promise<unknown>, cls: Parameters<typeof expectReject>[1], code: Parameters<typeof expectReject>[2], item: string): Promise<void> {
  const e = await expectReject<Error>(f, cls, code);
  expect(e.message).toContain(item);
}

describe.each(kemSuites.map((n) => [n] as const))('%s batches', (name) => {
  const k = kem(name);
  const keys = k.keygen(bytes(k.lengths.keygenSeed, 0x11));
  const other = k.keygen(bytes(k.lengths.keygenSeed, 0x22));

  it('encapsulateBatch: item i opens with the key it was made for, in order', async () => {
    const pks = [keys.publicKey, keys.publicKey, other.publicKey, keys.publicKey, other.publicKey];
    const sks = [keys.secretKey, keys.secretKey, other.secretKey, keys.secretKey, other.secretKey];
    const out = await k.encapsulateBatch(pks);
    expect(out).toHaveLength(pks.length);
    out.forEach((e, i) => {
      expect(e.cipherText).toBeInstanceOf(Uint8Array);
      expect(e.cipherText.length).toBe(k.lengths.cipherText);
      expect(e.sharedSecret.length).toBe(k.lengths.sharedSecret);
      expect(hex(k.decapsulate(e.cipherText, sks[i]!))).toBe(hex(e.sharedSecret));
    });
    // Fresh randomness per item: no two ciphertexts alike.
    expect(new Set(hexes(out.map((e) => e.cipherText))).size).toBe(pks.length);
  });

  it('decapsulateBatch equals decapsulate, item by item (a tampered ciphertext too)', async () => {
    const cts = (await k.encapsulateBatch([keys.publicKey, keys.publicKey, keys.publicKey])).map((e) => e.cipherText);
    cts.push(flip(cts[0]!, 5));
    const out = await k.decapsulateBatch(cts, keys.secretKey);
    expect(hexes(out)).toEqual(cts.map((ct) => hex(k.decapsulate(ct, keys.secretKey))));
  });

  it('KemKeyPair.decapsulateBatch equals KemKeyPair.decapsulate', async () => {
    const kp = k.importKeyPair(keys.secretKey, keys.publicKey);
    const cts = [k.encapsulate(keys.publicKey).cipherText, k.encapsulate(keys.publicKey).cipherText];
    expect(hexes(await kp.decapsulateBatch(cts))).toEqual(cts.map((ct) => hex(kp.decapsulate(ct))));
    kp.dispose();
  });

  it('empty batches give []', async () => {
    expect(await k.encapsulateBatch([])).toEqual([]);
    expect(await k.decapsulateBatch([], keys.secretKey)).toEqual([]);
    const kp = k.generateKeyPair();
    expect(await kp.decapsulateBatch([])).toEqual([]);
    kp.dispose();
  });

  it('a wrong length at index k rejects the whole batch naming k', async () => {
    const pk = keys.publicKey;
    await rejectsNaming(() => k.encapsulateBatch([pk, pk, pk.subarray(1)]), InvalidLengthError, 'BAD_LENGTH', 'publicKeys[2]');
    const ct = k.encapsulate(pk).cipherText;
    const short = ct.subarray(0, ct.length - 1);
    await rejectsNaming(() => k.decapsulateBatch([ct, short], keys.secretKey), InvalidLengthError, 'BAD_LENGTH', 'cipherTexts[1]');
    await expectReject(() => k.decapsulateBatch([ct], keys.secretKey.subarray(1)), InvalidLengthError, 'BAD_LENGTH');
    const kp = k.generateKeyPair();
    await rejectsNaming(() => kp.decapsulateBatch([ct, ct, ct, short]), InvalidLengthError, 'BAD_LENGTH', 'cipherTexts[3]');
    kp.dispose();
  });
});

describe.each(sigSuites.map((n) => [n] as const))('%s batches', (name) => {
  const s = sig(name);
  const keys = s.keygen(bytes(s.lengths.keygenSeed, 0x33));
  const other = s.keygen(bytes(s.lengths.keygenSeed, 0x44));
  const msgs = messages(5);
  const context = name === 'Ed25519' ? undefined : utf8('batch v1');

  it('signBatch (deterministic, given randomness) equals sign, item by item', async () => {
    for (const options of [{ deterministic: true, context }, ...(s.lengths.signingRandomness ? [{ randomness: bytes(32, 7), context }] : [])]) {
      const out = await s.signBatch(msgs, keys.secretKey, options);
      expect(hexes(out)).toEqual(msgs.map((m) => hex(s.sign(m, keys.secretKey, options))));
    }
  });

  it('signBatch (hedged, the default): every signature verifies over its own message', async () => {
    const out = await s.signBatch(msgs, keys.secretKey, context ? { context } : {});
    out.forEach((signature, i) => {
      expect(signature.length).toBe(s.lengths.signature);
      expect(s.verify(signature, msgs[i]!, keys.publicKey, { context }).valid).toBe(true);
    });
  });

  it('SigKeyPair.signBatch equals SigKeyPair.sign (deterministic)', async () => {
    const kp = s.importKeyPair(keys.secretKey, keys.publicKey);
    const out = await kp.signBatch(msgs, { deterministic: true, context });
    expect(hexes(out)).toEqual(msgs.map((m) => hex(kp.sign(m, { deterministic: true, context }))));
    kp.dispose();
  });

  it('verifyBatch equals verify, item by item: valid, wrong key, tampered, wrong-length signature', async () => {
    const signatures = msgs.map((m) => s.sign(m, keys.secretKey, { context }));
    const items: VerifyBatchItem[] = [
      { signature: signatures[0]!, message: msgs[0]!, publicKey: keys.publicKey, context },
      { signature: signatures[1]!, message: msgs[1]!, publicKey: other.publicKey, context },
      { signature: flip(signatures[2]!, -1), message: msgs[2]!, publicKey: keys.publicKey, context },
      { signature: signatures[3]!.subarray(1), message: msgs[3]!, publicKey: keys.publicKey, context },
      { signature: signatures[4]!, message: msgs[4]!, publicKey: keys.publicKey, ...(context ? { context } : {}) },
      { signature: signatures[0]!, message: msgs[1]!, publicKey: keys.publicKey, context },
    ];
    const out = await s.verifyBatch(items);
    expect(out).toEqual(items.map((x) => s.verify(x.signature, x.message, x.publicKey, { context: x.context })));
    expect(out.map((v) => v.valid)).toEqual([true, false, false, false, true, false]);
    expect(out.every((v) => v.algorithm === name)).toBe(true);
  });

  it('empty batches give []', async () => {
    expect(await s.signBatch([], keys.secretKey)).toEqual([]);
    expect(await s.verifyBatch([])).toEqual([]);
    const kp = s.generateKeyPair();
    expect(await kp.signBatch([])).toEqual([]);
    kp.dispose();
  });

  it('verifyBatch: a public key of the wrong length at index k rejects the whole batch naming k', async () => {
    const signature = s.sign(msgs[0]!, keys.secretKey, { context });
    const good: VerifyBatchItem = { signature, message: msgs[0]!, publicKey: keys.publicKey, context };
    const bad: VerifyBatchItem = { ...good, publicKey: keys.publicKey.subarray(1) };
    await rejectsNaming(() => s.verifyBatch([good, good, good, bad]), InvalidLengthError, 'BAD_LENGTH', 'items[3].publicKey');
  });

  it('signBatch: a secret key of the wrong length rejects', async () => {
    await expectReject(() => s.signBatch(msgs, keys.secretKey.subarray(1)), InvalidLengthError, 'BAD_LENGTH');
  });
});

describe('hybrid verifyBatch reports the failing half of a tampered item only', () => {
  it.each(sigSuites.filter((n) => n.startsWith('Ed25519+')).map((n) => [n] as const))('%s', async (name) => {
    const s = sig(name);
    const keys = s.keygen(bytes(32, 0x55));
    const msgs = messages(10, 1);
    const items: VerifyBatchItem[] = msgs.map((m) => ({ signature: s.sign(m, keys.secretKey), message: m, publicKey: keys.publicKey }));
    items[3] = { ...items[3]!, signature: flip(items[3]!.signature, 10) }; // the Ed25519 half
    items[7] = { ...items[7]!, signature: flip(items[7]!.signature, 64 + 100) }; // the ML-DSA half
    const out = await s.verifyBatch(items);
    const ok: Verification = { valid: true, classicValid: true, quantumValid: true, algorithm: name };
    out.forEach((v, i) => {
      if (i === 3) expect(v).toEqual({ valid: false, classicValid: false, quantumValid: true, algorithm: name });
      else if (i === 7) expect(v).toEqual({ valid: false, classicValid: true, quantumValid: false, algorithm: name });
      else expect(v).toEqual(ok);
    });
  });
});

describe(`batches of ${MANY} items (split across threads) equal the single calls`, () => {
  it('ML-KEM-768 and X25519+ML-KEM-1024: decapsulateBatch, KemKeyPair.decapsulateBatch, encapsulateBatch', async () => {
    for (const name of ['ML-KEM-768', 'X25519+ML-KEM-1024'] as const) {
      const k = kem(name);
      const a = k.keygen();
      const b = k.keygen();
      const pks = Array.from({ length: MANY }, (_, i) => (i % 3 === 0 ? b.publicKey : a.publicKey));
      const sealed = await k.encapsulateBatch(pks);
      sealed.forEach((e, i) => expect(hex(k.decapsulate(e.cipherText, i % 3 === 0 ? b.secretKey : a.secretKey))).toBe(hex(e.sharedSecret)));
      const cts = sealed.map((e, i) => (i % 3 === 0 ? flip(e.cipherText, 3) : e.cipherText)); // 1 in 3 foreign to `a`
      expect(hexes(await k.decapsulateBatch(cts, a.secretKey))).toEqual(cts.map((ct) => hex(k.decapsulate(ct, a.secretKey))));
      const kp = k.importKeyPair(a.secretKey, a.publicKey);
      expect(hexes(await kp.decapsulateBatch(cts))).toEqual(cts.map((ct) => hex(kp.decapsulate(ct))));
      kp.dispose();
    }
  });

  it('Ed25519+ML-DSA-87 and ML-DSA-65: signBatch (deterministic), SigKeyPair.signBatch, verifyBatch', async () => {
    for (const name of ['Ed25519+ML-DSA-87', 'ML-DSA-65'] as const) {
      const s = sig(name);
      const keys = s.keygen();
      const msgs = messages(MANY, 2);
      const context = utf8('many');
      const signatures = await s.signBatch(msgs, keys.secretKey, { deterministic: true, context });
      expect(hexes(signatures)).toEqual(msgs.map((m) => hex(s.sign(m, keys.secretKey, { deterministic: true, context }))));
      const kp = s.importKeyPair(keys.secretKey, keys.publicKey);
      expect(hexes(await kp.signBatch(msgs, { deterministic: true, context }))).toEqual(hexes(signatures));
      kp.dispose();
      // Every fifth item is tampered (valid: false), the rest verify; in order.
      const items = msgs.map((m, i) => ({ signature: i % 5 === 4 ? flip(signatures[i]!, -2) : signatures[i]!, message: m, publicKey: keys.publicKey, context }));
      const out = await s.verifyBatch(items);
      expect(out).toEqual(items.map((x) => s.verify(x.signature, x.message, x.publicKey, { context })));
      expect(out.map((v) => v.valid)).toEqual(items.map((_, i) => i % 5 !== 4));
    }
  });

  it('each kind of batch takes the multi-threaded path on its own', async () => {
    // 256 items: well over the threshold even on a machine several times faster than this one.
    const n = 256;
    const k = kem('X25519+ML-KEM-1024');
    const keys = k.keygen();
    const pks = new Array<Uint8Array>(n).fill(keys.publicKey);
    const cts = (await k.encapsulateBatch(pks)).map((e) => e.cipherText);
    const kp = k.importKeyPair(keys.secretKey, keys.publicKey);
    const s = sig('ML-DSA-44');
    const sk = s.keygen();
    const skp = s.importKeyPair(sk.secretKey, sk.publicKey);
    const msgs = messages(n, 3);
    const signatures = await s.signBatch(msgs, sk.secretKey);
    const items = msgs.map((message, i) => ({ signature: signatures[i]!, message, publicKey: sk.publicKey }));
    await threaded(async () => void (await k.encapsulateBatch(pks)));
    await threaded(async () => void (await k.decapsulateBatch(cts, keys.secretKey)));
    await threaded(async () => void (await kp.decapsulateBatch(cts)));
    await threaded(async () => void (await s.signBatch(msgs, sk.secretKey)));
    await threaded(async () => void (await skp.signBatch(msgs)));
    await threaded(async () => expect((await s.verifyBatch(items)).every((v) => v.valid)).toBe(true));
    kp.dispose();
    skp.dispose();
  });

  it('a bad item late in a large batch is reported by its index (native check, INVALID_KEY)', async () => {
    const k = kem('ML-KEM-768');
    const pk = k.keygen().publicKey;
    const broken = Uint8Array.from(pk);
    broken[0] = 0xff;
    broken[1] = (broken[1] as number) | 0x0f; // the first coefficient is 0xFFF >= q: FIPS 203 modulus check
    const pks = Array.from({ length: MANY }, (_, i) => (i === 50 ? broken : pk));
    await rejectsNaming(() => k.encapsulateBatch(pks), InvalidKeyError, 'INVALID_KEY', 'publicKeys[50]');
  });
});

describe('batch refusals', () => {
  const k = kem('X25519+ML-KEM-768');
  const keys = k.keygen();
  const ct = k.encapsulate(keys.publicKey).cipherText;
  const s = sig('ML-DSA-44');
  const sk = s.keygen();
  const signature = s.sign(utf8('m'), sk.secretKey);
  const item: VerifyBatchItem = { signature, message: utf8('m'), publicKey: sk.publicKey };

  it.each(NOT_BYTES)('%s as item 1 → InvalidTypeError naming the item', async (_, v) => {
    const kp = k.generateKeyPair();
    const skp = s.generateKeyPair();
    await rejectsNaming(() => k.encapsulateBatch(bad([keys.publicKey, v])), InvalidTypeError, 'INVALID_TYPE', 'publicKeys[1]');
    await rejectsNaming(() => k.decapsulateBatch(bad([ct, v]), keys.secretKey), InvalidTypeError, 'INVALID_TYPE', 'cipherTexts[1]');
    await rejectsNaming(() => kp.decapsulateBatch(bad([ct, v])), InvalidTypeError, 'INVALID_TYPE', 'cipherTexts[1]');
    await rejectsNaming(() => s.signBatch(bad([utf8('a'), v]), sk.secretKey), InvalidTypeError, 'INVALID_TYPE', 'messages[1]');
    await rejectsNaming(() => skp.signBatch(bad([utf8('a'), v])), InvalidTypeError, 'INVALID_TYPE', 'messages[1]');
    for (const field of ['signature', 'message', 'publicKey'] as const) {
      await rejectsNaming(() => s.verifyBatch([item, { ...item, [field]: bad(v) }]), InvalidTypeError, 'INVALID_TYPE', `items[1].${field}`);
    }
    if (v !== null) {
      await rejectsNaming(() => s.verifyBatch([item, { ...item, context: bad(v) }]), InvalidTypeError, 'INVALID_TYPE', 'items[1].context');
    }
    kp.dispose();
    skp.dispose();
  });

  it('a verifyBatch item that is not an object, or a context over 255 bytes, rejects naming it', async () => {
    for (const v of [null, 'x', 7, new Uint8Array(3)]) {
      await rejectsNaming(() => s.verifyBatch(bad([item, item, v])), InvalidTypeError, 'INVALID_TYPE', 'items[2]');
    }
    await rejectsNaming(() => s.verifyBatch([item, { ...item, context: bytes(256) }]), InvalidArgumentError, 'INVALID_ARGUMENT', 'items[1].context');
  });

  it('Ed25519: a context in a verifyBatch item rejects like verify (INVALID_ARGUMENT), naming the item', async () => {
    const ed = sig('Ed25519');
    const edKeys = ed.keygen();
    const m = utf8('m');
    const good = { signature: ed.sign(m, edKeys.secretKey), message: m, publicKey: edKeys.publicKey };
    await rejectsNaming(() => ed.verifyBatch([good, { ...good, context: utf8('c') }]), InvalidArgumentError, 'INVALID_ARGUMENT', 'items[1]');
    expect((await ed.verifyBatch([{ ...good, context: new Uint8Array(0) }]))[0]!.valid).toBe(true);
  });

  it("Ed25519 signBatch takes the 64-byte seed ‖ publicKey form as sign does (INVALID_KEY for a foreign public half)", async () => {
    const ed = sig('Ed25519');
    const edKeys = ed.keygen();
    const msgs = messages(3, 4);
    const pair = Uint8Array.from([...edKeys.secretKey, ...edKeys.publicKey]);
    expect(hexes(await ed.signBatch(msgs, pair))).toEqual(msgs.map((m) => hex(ed.sign(m, edKeys.secretKey))));
    const foreign = Uint8Array.from([...edKeys.secretKey, ...ed.keygen().publicKey]);
    await expectReject(() => ed.signBatch(msgs, foreign), InvalidKeyError, 'INVALID_KEY');
  });

  it('a list that is not an array → InvalidTypeError', async () => {
    for (const v of [undefined, null, ct, 'abc', { length: 1, 0: ct }]) {
      await expectReject(() => k.encapsulateBatch(bad(v)), InvalidTypeError, 'INVALID_TYPE');
      await expectReject(() => k.decapsulateBatch(bad(v), keys.secretKey), InvalidTypeError, 'INVALID_TYPE');
      await expectReject(() => s.signBatch(bad(v), sk.secretKey), InvalidTypeError, 'INVALID_TYPE');
      await expectReject(() => s.verifyBatch(bad(v)), InvalidTypeError, 'INVALID_TYPE');
    }
  });

  it(`more than MAX_BATCH_ITEMS (${MAX_BATCH_ITEMS}) items → InvalidArgumentError, before any work`, async () => {
    expect(MAX_BATCH_ITEMS).toBe(65_536);
    const kp = k.generateKeyPair();
    const skp = s.generateKeyPair();
    const over = <T>(x: T): T[] => new Array<T>(MAX_BATCH_ITEMS + 1).fill(x);
    await rejectsNaming(() => k.encapsulateBatch(over(keys.publicKey)), InvalidArgumentError, 'INVALID_ARGUMENT', '65536');
    await expectReject(() => k.decapsulateBatch(over(ct), keys.secretKey), InvalidArgumentError, 'INVALID_ARGUMENT');
    await expectReject(() => kp.decapsulateBatch(over(ct)), InvalidArgumentError, 'INVALID_ARGUMENT');
    await expectReject(() => s.signBatch(over(utf8('m')), sk.secretKey), InvalidArgumentError, 'INVALID_ARGUMENT');
    await expectReject(() => skp.signBatch(over(utf8('m'))), InvalidArgumentError, 'INVALID_ARGUMENT');
    await expectReject(() => s.verifyBatch(over(item)), InvalidArgumentError, 'INVALID_ARGUMENT');
    kp.dispose();
    skp.dispose();
  });

  it('the addon refuses an over-long batch itself (INVALID_ARGUMENT), and lists of unequal lengths', () => {
    const id = native.kemSuiteId('X25519+ML-KEM-768');
    const tooMany = new Array<Uint8Array>(MAX_BATCH_ITEMS + 1).fill(ct);
    expect(() => native.kemDecapsulateBatch(id, tooMany, keys.secretKey)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    const sid = native.sigSuiteId('ML-DSA-44');
    expect(() => native.sigVerifyBatch(sid, [signature], [], [sk.publicKey], [new Uint8Array(0)])).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('a panic in a helper thread or in the thread-pool thread rejects with InternalError, and the process goes on', async () => {
    for (const inHelper of availableParallelism() > 1 ? [false, true] : [false]) {
      const before = native.batchHelpersStarted();
      const err = await native.batchPanicProbe(64, inHelper).then(
        () => null,
        (x: unknown) => fromNative(x),
      );
      expect(err).toBeInstanceOf(InternalError);
      expect(err?.message).toContain('panicked');
      if (inHelper) expect(native.batchHelpersStarted()).toBeGreaterThan(before);
    }
    // Still working afterwards.
    expect(await k.decapsulateBatch([ct], keys.secretKey)).toHaveLength(1);
  });

  it('a disposed key pair → DisposedError; one disposed while its batch runs still finishes that batch', async () => {
    const kp = k.importKeyPair(keys.secretKey, keys.publicKey);
    const skp = s.importKeyPair(sk.secretKey, sk.publicKey);
    const expected = hex(k.decapsulate(ct, keys.secretKey));
    const running = kp.decapsulateBatch(new Array<Uint8Array>(16).fill(ct));
    const signing = skp.signBatch([utf8('a'), utf8('b')], { deterministic: true });
    kp.dispose();
    skp.dispose();
    expect(hexes(await running)).toEqual(new Array<string>(16).fill(expected));
    expect(hexes(await signing)).toEqual([utf8('a'), utf8('b')].map((m) => hex(s.sign(m, sk.secretKey, { deterministic: true }))));
    await expectReject(() => kp.decapsulateBatch([ct]), DisposedError, 'DISPOSED');
    await expectReject(() => kp.decapsulateBatch([]), DisposedError, 'DISPOSED');
    await expectReject(() => skp.signBatch([utf8('a')]), DisposedError, 'DISPOSED');
  });

  it('each result is its own array (no shared buffer between items)', async () => {
    const out = await k.decapsulateBatch([ct, ct, ct], keys.secretKey);
    expect(new Set(out.map((x) => x.buffer)).size).toBe(3);
    out.forEach((x) => expect(x.byteLength).toBe(x.buffer.byteLength));
  });
});
