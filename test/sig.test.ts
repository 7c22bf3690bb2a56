import { beforeAll, describe, expect, it } from 'vitest';
import { inspect } from 'node:util';
import {
  InvalidArgumentError,
  InvalidKeyError,
  InvalidLengthError,
  InvalidTypeError,
  SigKeyPair,
  Signature,
  UnknownSuiteError,
  UnsupportedError,
  ed25519,
  mlDsa44,
  mlDsa65,
  mlDsa87,
  sig,
  sigSuites,
  type Backend,
  type SigSuiteInput,
  type SigSuiteName,
} from '../ts/src/index';
import { NOT_BYTES, NOT_BYTES_OPTIONAL, bad, bytes, expectReject, expectThrow, flip, fromHex, hex, utf8, wrongLengths } from './helpers';

const ML_DSA: readonly SigSuiteName[] = ['ML-DSA-44', 'ML-DSA-65', 'ML-DSA-87'];
const HYBRID: readonly SigSuiteName[] = ['Ed25519+ML-DSA-65', 'Ed25519+ML-DSA-87'];
const WITH_CONTEXT: readonly SigSuiteName[] = [...ML_DSA, ...HYBRID];

/** Sizes every suite must report (FIPS 204 table 2, RFC 8032, docs/primitives.md). */
const EXPECTED_LENGTHS: Record<SigSuiteName, [pk: number, sk: number, sig: number, rand: number]> = {
  'ML-DSA-44': [1312, 2560, 2420, 32],
  'ML-DSA-65': [1952, 4032, 3309, 32],
  'ML-DSA-87': [2592, 4896, 4627, 32],
  Ed25519: [32, 32, 64, 0],
  'Ed25519+ML-DSA-65': [32 + 1952, 32 + 4032, 64 + 3309, 32],
  'Ed25519+ML-DSA-87': [32 + 2592, 32 + 4896, 64 + 4627, 32],
};

const msg = utf8('the quick brown fox');
const ctx = utf8('app v1');

describe('suite list and lookup', () => {
  it('lists every signature suite, the hybrid first', () => {
    expect([...sigSuites].sort()).toEqual(Object.keys(EXPECTED_LENGTHS).sort());
    expect(sigSuites[0]).toBe('Ed25519+ML-DSA-65');
    expect(mlDsa44.name).toBe('ML-DSA-44');
    expect(mlDsa65.name).toBe('ML-DSA-65');
    expect(mlDsa87.name).toBe('ML-DSA-87');
    expect(ed25519.name).toBe('Ed25519');
    expect(mlDsa65).toBeInstanceOf(Signature);
  });

  it.each([
    ['Dilithium2', 'ML-DSA-44'],
    ['Dilithium3', 'ML-DSA-65'],
    ['dilithium5', 'ML-DSA-87'],
    ['MLDSA65', 'ML-DSA-65'],
    ['Ed25519+Dilithium3', 'Ed25519+ML-DSA-65'],
    ['Ed25519+Dilithium5', 'Ed25519+ML-DSA-87'],
    ['ed25519', 'Ed25519'],
  ])('legacy alias %s resolves to %s', (alias, canonical) => {
    expect(sig(alias as SigSuiteInput).name).toBe(canonical); // any case at run time
    expect(sig(alias as SigSuiteInput)).toBe(sig(canonical as SigSuiteName));
  });

  it('refuses an unknown suite, a non-string name, an unknown backend', () => {
    // @ts-expect-error not a suite pqwire offers: refused at compile time, and at run time
    expectThrow(() => sig('Falcon-512'), UnknownSuiteError, 'UNKNOWN_SUITE');
    // @ts-expect-error a KEM suite is no signature suite
    expectThrow(() => sig('ML-KEM-768'), UnknownSuiteError, 'UNKNOWN_SUITE');
    expectThrow(() => sig(bad<SigSuiteInput>(65)), InvalidTypeError, 'INVALID_TYPE');
    expectThrow(() => sig('ML-DSA-65', { backend: bad('openssl') }), InvalidArgumentError, 'INVALID_ARGUMENT');
    for (const name of ['Ed25519', ...HYBRID] as const) {
      expectThrow(() => sig(name, { backend: 'pqclean' }), UnsupportedError, 'UNSUPPORTED');
    }
  });
});

describe.each(sigSuites.map((name) => [name] as const))('%s', (name) => {
  const s = sig(name);
  const [pkLen, skLen, sigLen, randLen] = EXPECTED_LENGTHS[name];
  const keys = s.keygen(bytes(32, 0x11));
  const isEd = name === 'Ed25519';
  const quantum = name !== 'Ed25519';
  const classic = name.startsWith('Ed25519');

  it('reports its lengths (frozen) and flags', () => {
    expect(s.lengths).toEqual({ publicKey: pkLen, secretKey: skLen, signature: sigLen, keygenSeed: 32, signingRandomness: randLen });
    expect(Object.isFrozen(s.lengths)).toBe(true);
    expect(s.postQuantum).toBe(quantum);
    expect(s.hybrid).toBe(classic && quantum);
  });

  it('signs and verifies (sync) with outputs of the advertised lengths; the report names each half', () => {
    expect(keys.publicKey.length).toBe(pkLen);
    expect(keys.secretKey.length).toBe(skLen);
    const signature = s.sign(msg, keys.secretKey);
    expect(signature.length).toBe(sigLen);
    expect(s.verify(signature, msg, keys.publicKey)).toEqual({
      valid: true,
      classicValid: classic,
      quantumValid: quantum,
      algorithm: name,
    });
  });

  it('signs and verifies (async), and async agrees with sync', async () => {
    const k = await s.keygenAsync();
    const signature = await s.signAsync(msg, k.secretKey);
    expect((await s.verifyAsync(signature, msg, k.publicKey)).valid).toBe(true);
    expect(s.verify(signature, msg, k.publicKey).valid).toBe(true);
    expect((await s.verifyAsync(flip(signature, 7), msg, k.publicKey)).valid).toBe(false);
    expect(hex((await s.keygenAsync(bytes(32, 0x11))).publicKey)).toBe(hex(keys.publicKey));
    expect(hex(await s.signAsync(msg, k.secretKey, { deterministic: true }))).toBe(hex(s.sign(msg, k.secretKey, { deterministic: true })));
  });

  it('seeded key generation is deterministic; fresh keys differ', () => {
    const again = s.keygen(bytes(32, 0x11));
    expect(hex(again.publicKey)).toBe(hex(keys.publicKey));
    expect(hex(again.secretKey)).toBe(hex(keys.secretKey));
    expect(hex(s.keygen(bytes(32, 0x12)).publicKey)).not.toBe(hex(keys.publicKey));
    expect(hex(s.keygen().publicKey)).not.toBe(hex(s.keygen().publicKey));
  });

  it('a tampered message or signature, or another key, does not verify', () => {
    const signature = s.sign(msg, keys.secretKey);
    expect(s.verify(signature, flip(msg, 0), keys.publicKey).valid).toBe(false);
    expect(s.verify(signature, new Uint8Array(0), keys.publicKey).valid).toBe(false);
    for (const index of [0, 40, Math.floor(sigLen / 2), -2]) {
      expect(s.verify(flip(signature, index, 2), msg, keys.publicKey).valid, `byte ${index}`).toBe(false);
    }
    expect(s.verify(signature, msg, s.keygen().publicKey).valid).toBe(false);
  });

  it('the empty message and a large message sign and verify', () => {
    for (const m of [new Uint8Array(0), bytes(100_000)]) {
      expect(s.verify(s.sign(m, keys.secretKey), m, keys.publicKey).valid).toBe(true);
    }
  });

  it('a signature of the wrong length is invalid, not an error (sync and async)', async () => {
    const signature = s.sign(msg, keys.secretKey);
    // A valid signature cut short or extended by one byte, and the empty signature.
    const extended = new Uint8Array(sigLen + 1);
    extended.set(signature);
    for (const wrong of [signature.subarray(0, sigLen - 1), extended, new Uint8Array(0)]) {
      const v = s.verify(wrong, msg, keys.publicKey);
      expect(v).toEqual({ valid: false, classicValid: false, quantumValid: false, algorithm: name });
      expect((await s.verifyAsync(wrong, msg, keys.publicKey)).valid).toBe(false);
    }
  });

  it('deterministic signing is reproducible', () => {
    const a = s.sign(msg, keys.secretKey, { deterministic: true });
    const b = s.sign(msg, keys.secretKey, { deterministic: true });
    expect(hex(a)).toBe(hex(b));
    expect(hex(s.sign(flip(msg, 1), keys.secretKey, { deterministic: true }))).not.toBe(hex(a));
    expect(s.verify(a, msg, keys.publicKey).valid).toBe(true);
  });

  if (isEd) {
    it('Ed25519 is always deterministic, so default signing is reproducible too', () => {
      expect(hex(s.sign(msg, keys.secretKey))).toBe(hex(s.sign(msg, keys.secretKey)));
      expect(hex(s.sign(msg, keys.secretKey, { deterministic: true }))).toBe(hex(s.sign(msg, keys.secretKey)));
    });

    it('Ed25519 refuses a context or randomness with INVALID_ARGUMENT (empty context is no context)', async () => {
      expectThrow(() => s.sign(msg, keys.secretKey, { context: ctx }), InvalidArgumentError, 'INVALID_ARGUMENT');
      expectThrow(() => s.sign(msg, keys.secretKey, { randomness: bytes(32) }), InvalidArgumentError, 'INVALID_ARGUMENT');
      expectThrow(() => s.verify(s.sign(msg, keys.secretKey), msg, keys.publicKey, { context: ctx }), InvalidArgumentError, 'INVALID_ARGUMENT');
      await expectReject(() => s.signAsync(msg, keys.secretKey, { context: ctx }), InvalidArgumentError, 'INVALID_ARGUMENT');
      await expectReject(() => s.verifyAsync(bytes(64), msg, keys.publicKey, { context: ctx }), InvalidArgumentError, 'INVALID_ARGUMENT');
      const kp = s.generateKeyPair();
      expectThrow(() => kp.sign(msg, { context: ctx }), InvalidArgumentError, 'INVALID_ARGUMENT');
      expectThrow(() => kp.sign(msg, { randomness: bytes(32) }), InvalidArgumentError, 'INVALID_ARGUMENT');
      const signature = s.sign(msg, keys.secretKey, { context: new Uint8Array(0) });
      expect(s.verify(signature, msg, keys.publicKey, { context: new Uint8Array(0) }).valid).toBe(true);
    });
  } else {
    it('given randomness is reproducible and differs from other randomness and from deterministic', () => {
      const r1 = bytes(32, 1);
      const a = s.sign(msg, keys.secretKey, { randomness: r1 });
      expect(hex(s.sign(msg, keys.secretKey, { randomness: Uint8Array.from(r1) }))).toBe(hex(a));
      const b = s.sign(msg, keys.secretKey, { randomness: bytes(32, 2) });
      expect(hex(b)).not.toBe(hex(a));
      expect(hex(a)).not.toBe(hex(s.sign(msg, keys.secretKey, { deterministic: true })));
      expect(s.verify(a, msg, keys.publicKey).valid).toBe(true);
      expect(s.verify(b, msg, keys.publicKey).valid).toBe(true);
    });

    it('all-zero randomness is the deterministic variant (FIPS 204 rnd = 0^32)', () => {
      expect(hex(s.sign(msg, keys.secretKey, { randomness: new Uint8Array(32) }))).toBe(
        hex(s.sign(msg, keys.secretKey, { deterministic: true })),
      );
    });

    it('hedged signing (the default) differs per call and verifies', () => {
      const a = s.sign(msg, keys.secretKey);
      const b = s.sign(msg, keys.secretKey);
      expect(hex(a)).not.toBe(hex(b));
      expect(s.verify(a, msg, keys.publicKey).valid).toBe(true);
      expect(s.verify(b, msg, keys.publicKey).valid).toBe(true);
    });

    it('randomness and deterministic together → INVALID_ARGUMENT', async () => {
      expectThrow(() => s.sign(msg, keys.secretKey, { randomness: bytes(32), deterministic: true }), InvalidArgumentError, 'INVALID_ARGUMENT');
      await expectReject(() => s.signAsync(msg, keys.secretKey, { randomness: bytes(32), deterministic: true }), InvalidArgumentError, 'INVALID_ARGUMENT');
    });
  }

  describe('length and type checks', () => {
    const signature = s.sign(msg, keys.secretKey);

    it.each(wrongLengths(pkLen))('publicKey of %i bytes → BAD_LENGTH (verify, verifyAsync, importKeyPair)', async (n) => {
      expectThrow(() => s.verify(signature, msg, bytes(n)), InvalidLengthError, 'BAD_LENGTH');
      await expectReject(() => s.verifyAsync(signature, msg, bytes(n)), InvalidLengthError, 'BAD_LENGTH');
      expectThrow(() => s.importKeyPair(keys.secretKey, bytes(n)), InvalidLengthError, 'BAD_LENGTH');
    });

    it.each(wrongLengths(skLen))('secretKey of %i bytes → BAD_LENGTH (sign, signAsync, importKeyPair)', async (n) => {
      expectThrow(() => s.sign(msg, bytes(n)), InvalidLengthError, 'BAD_LENGTH');
      await expectReject(() => s.signAsync(msg, bytes(n)), InvalidLengthError, 'BAD_LENGTH');
      expectThrow(() => s.importKeyPair(bytes(n), keys.publicKey), InvalidLengthError, 'BAD_LENGTH');
    });

    it.each(wrongLengths(32))('seed of %i bytes → BAD_LENGTH', async (n) => {
      expectThrow(() => s.keygen(bytes(n)), InvalidLengthError, 'BAD_LENGTH');
      expectThrow(() => s.generateKeyPair(bytes(n)), InvalidLengthError, 'BAD_LENGTH');
      await expectReject(() => s.keygenAsync(bytes(n)), InvalidLengthError, 'BAD_LENGTH');
    });

    it.each([0, 31, 33, 64])('randomness of %i bytes → BAD_LENGTH', async (n) => {
      expectThrow(() => s.sign(msg, keys.secretKey, { randomness: bytes(n) }), InvalidLengthError, 'BAD_LENGTH');
      await expectReject(() => s.signAsync(msg, keys.secretKey, { randomness: bytes(n) }), InvalidLengthError, 'BAD_LENGTH');
    });

    it.each(NOT_BYTES)('%s where bytes are required → INVALID_TYPE', async (_, v) => {
      const u = bad<Uint8Array>(v);
      expectThrow(() => s.sign(u, keys.secretKey), InvalidTypeError, 'INVALID_TYPE');
      expectThrow(() => s.sign(msg, u), InvalidTypeError, 'INVALID_TYPE');
      expectThrow(() => s.verify(u, msg, keys.publicKey), InvalidTypeError, 'INVALID_TYPE');
      expectThrow(() => s.verify(signature, u, keys.publicKey), InvalidTypeError, 'INVALID_TYPE');
      expectThrow(() => s.verify(signature, msg, u), InvalidTypeError, 'INVALID_TYPE');
      expectThrow(() => s.importKeyPair(u, keys.publicKey), InvalidTypeError, 'INVALID_TYPE');
      await expectReject(() => s.signAsync(u, keys.secretKey), InvalidTypeError, 'INVALID_TYPE');
      await expectReject(() => s.verifyAsync(signature, msg, u), InvalidTypeError, 'INVALID_TYPE');
      const kp = s.generateKeyPair();
      expectThrow(() => kp.sign(u), InvalidTypeError, 'INVALID_TYPE');
      await expectReject(() => kp.signAsync(u), InvalidTypeError, 'INVALID_TYPE');
    });

    it.each(NOT_BYTES_OPTIONAL)('%s as seed, randomness or context → INVALID_TYPE', (_, v) => {
      const u = bad<Uint8Array>(v);
      expectThrow(() => s.keygen(u), InvalidTypeError, 'INVALID_TYPE');
      expectThrow(() => s.sign(msg, keys.secretKey, { randomness: u }), InvalidTypeError, 'INVALID_TYPE');
      expectThrow(() => s.sign(msg, keys.secretKey, { context: u }), InvalidTypeError, 'INVALID_TYPE');
      expectThrow(() => s.verify(signature, msg, keys.publicKey, { context: u }), InvalidTypeError, 'INVALID_TYPE');
    });

    it('options that are not an object, or carry an unknown key, are refused (never silently ignored)', async () => {
      for (const o of [null, ctx, 'ctx', 1, [ctx]]) {
        expectThrow(() => s.sign(msg, keys.secretKey, bad(o)), InvalidTypeError, 'INVALID_TYPE');
        expectThrow(() => s.verify(signature, msg, keys.publicKey, bad(o)), InvalidTypeError, 'INVALID_TYPE');
        await expectReject(() => s.signAsync(msg, keys.secretKey, bad(o)), InvalidTypeError, 'INVALID_TYPE');
        await expectReject(() => s.verifyAsync(signature, msg, keys.publicKey, bad(o)), InvalidTypeError, 'INVALID_TYPE');
      }
      for (const o of [{ ctx }, { extraEntropy: false }, { random: bytes(32) }]) {
        expectThrow(() => s.sign(msg, keys.secretKey, bad(o)), InvalidArgumentError, 'INVALID_ARGUMENT');
        expectThrow(() => s.generateKeyPair().sign(msg, bad(o)), InvalidArgumentError, 'INVALID_ARGUMENT');
        expectThrow(() => s.verify(signature, msg, keys.publicKey, bad(o)), InvalidArgumentError, 'INVALID_ARGUMENT');
      }
      expectThrow(() => s.verify(signature, msg, keys.publicKey, bad({ deterministic: true })), InvalidArgumentError, 'INVALID_ARGUMENT');
      expectThrow(() => s.sign(msg, keys.secretKey, bad({ deterministic: 'yes' })), InvalidTypeError, 'INVALID_TYPE');
      // Keys explicitly set to undefined are treated as absent (option objects built by spreading).
      expect(s.verify(s.sign(msg, keys.secretKey, { randomness: undefined, context: undefined }), msg, keys.publicKey, { context: undefined }).valid).toBe(true);
    });
  });

  describe('key-pair handles', () => {
    it('generate → sign (sync and async) → verify; export → import round trip', async () => {
      const kp = s.generateKeyPair();
      expect(kp).toBeInstanceOf(SigKeyPair);
      expect(kp.suite).toBe(name);
      expect(kp.publicKey.length).toBe(pkLen);
      expect(s.verify(kp.sign(msg), msg, kp.publicKey).valid).toBe(true);
      expect(s.verify(await kp.signAsync(msg), msg, kp.publicKey).valid).toBe(true);
      const sk = kp.exportSecretKey();
      expect(sk.length).toBe(skLen);
      const again = s.importKeyPair(sk, kp.publicKey);
      expect(hex(again.sign(msg, { deterministic: true }))).toBe(hex(kp.sign(msg, { deterministic: true })));
      expect(hex(again.sign(msg, { deterministic: true }))).toBe(hex(s.sign(msg, sk, { deterministic: true })));
    });

    it('seeded generation matches byte-level keygen', () => {
      const kp = s.generateKeyPair(bytes(32, 0x11));
      expect(hex(kp.publicKey)).toBe(hex(keys.publicKey));
      expect(hex(kp.exportSecretKey())).toBe(hex(keys.secretKey));
    });

    it('refuses to import halves that do not belong together', () => {
      expectThrow(() => s.importKeyPair(keys.secretKey, s.keygen().publicKey), InvalidKeyError, 'INVALID_KEY');
    });

    it('JSON.stringify and util.inspect show no secret', () => {
      const kp = s.generateKeyPair(bytes(32, 0x77));
      const sk = kp.exportSecretKey();
      const json = JSON.stringify(kp);
      expect(JSON.parse(json)).toEqual({ suite: name, publicKeyLength: pkLen });
      const shown = `${json}\n${inspect(kp, { depth: 10, showHidden: true })}`;
      expect(shown).not.toContain(hex(sk).slice(0, 16));
      expect(shown).not.toContain(Array.from(sk.subarray(0, 6)).join(', '));
    });
  });
});

describe.each(WITH_CONTEXT.map((n) => [n] as const))('%s contexts', (name) => {
  const s = sig(name);
  const keys = s.keygen(bytes(32, 0x21));

  it('verifies only under the context it was signed with', async () => {
    const signature = s.sign(msg, keys.secretKey, { context: ctx });
    expect(s.verify(signature, msg, keys.publicKey, { context: ctx }).valid).toBe(true);
    expect((await s.verifyAsync(signature, msg, keys.publicKey, { context: ctx })).valid).toBe(true);
    expect(s.verify(signature, msg, keys.publicKey, { context: utf8('app v2') }).valid).toBe(false);
    expect(s.verify(signature, msg, keys.publicKey).valid).toBe(false);
    const plain = s.sign(msg, keys.secretKey);
    expect(s.verify(plain, msg, keys.publicKey, { context: ctx }).valid).toBe(false);
    // No context and an empty context are the same thing.
    expect(s.verify(plain, msg, keys.publicKey, { context: new Uint8Array(0) }).valid).toBe(true);
  });

  it('a context of 255 bytes works; 256 bytes → INVALID_ARGUMENT', async () => {
    const long = bytes(255);
    const signature = s.sign(msg, keys.secretKey, { context: long });
    expect(s.verify(signature, msg, keys.publicKey, { context: long }).valid).toBe(true);
    const tooLong = bytes(256);
    expectThrow(() => s.sign(msg, keys.secretKey, { context: tooLong }), InvalidArgumentError, 'INVALID_ARGUMENT');
    expectThrow(() => s.verify(signature, msg, keys.publicKey, { context: tooLong }), InvalidArgumentError, 'INVALID_ARGUMENT');
    await expectReject(() => s.signAsync(msg, keys.secretKey, { context: tooLong }), InvalidArgumentError, 'INVALID_ARGUMENT');
    await expectReject(() => s.verifyAsync(signature, msg, keys.publicKey, { context: tooLong }), InvalidArgumentError, 'INVALID_ARGUMENT');
    expectThrow(() => s.generateKeyPair().sign(msg, { context: tooLong }), InvalidArgumentError, 'INVALID_ARGUMENT');
  });

  it('key-pair handles sign under a context', async () => {
    const kp = s.generateKeyPair();
    expect(s.verify(kp.sign(msg, { context: ctx }), msg, kp.publicKey, { context: ctx }).valid).toBe(true);
    const a = await kp.signAsync(msg, { context: ctx, randomness: bytes(32, 4) });
    expect(hex(a)).toBe(hex(kp.sign(msg, { context: ctx, randomness: bytes(32, 4) })));
    expect(s.verify(a, msg, kp.publicKey).valid).toBe(false);
  });
});

describe.each(HYBRID.map((n) => [n] as const))('%s verification report', (name) => {
  const s = sig(name);
  const keys = s.keygen(bytes(32, 0x31));
  const signature = s.sign(msg, keys.secretKey, { context: ctx });
  const verify = (sg: Uint8Array, pk = keys.publicKey) => s.verify(sg, msg, pk, { context: ctx });

  it('both halves valid → valid', () => {
    expect(verify(signature)).toEqual({ valid: true, classicValid: true, quantumValid: true, algorithm: name });
  });

  it('tampered Ed25519 half → classicValid false, quantumValid true, valid false', () => {
    for (const index of [0, 33, 63]) {
      expect(verify(flip(signature, index))).toEqual({ valid: false, classicValid: false, quantumValid: true, algorithm: name });
    }
  });

  it('tampered ML-DSA half → classicValid true, quantumValid false, valid false', () => {
    for (const index of [64, 64 + 100, -1]) {
      expect(verify(flip(signature, index))).toEqual({ valid: false, classicValid: true, quantumValid: false, algorithm: name });
    }
  });

  it('another key in either half fails that half only', () => {
    const other = s.keygen(bytes(32, 0x32)).publicKey;
    const edSwapped = Uint8Array.from(keys.publicKey);
    edSwapped.set(other.subarray(0, 32), 0);
    expect(verify(signature, edSwapped)).toMatchObject({ valid: false, classicValid: false, quantumValid: true });
    const mlSwapped = Uint8Array.from(other);
    mlSwapped.set(keys.publicKey.subarray(0, 32), 0);
    expect(verify(signature, mlSwapped)).toMatchObject({ valid: false, classicValid: true, quantumValid: false });
  });

  it('neither half verifies as a stand-alone signature over the message', () => {
    const ml = sig(name.slice('Ed25519+'.length) as SigSuiteName);
    const mlSig = signature.subarray(64);
    expect(ml.verify(mlSig, msg, keys.publicKey.subarray(32), { context: ctx }).valid).toBe(false);
    expect(ed25519.verify(signature.subarray(0, 64), msg, keys.publicKey.subarray(0, 32)).valid).toBe(false);
  });

  it('a signature cannot move between the two hybrid suites', () => {
    const [a, b] = HYBRID as [SigSuiteName, SigSuiteName];
    const other = name === a ? sig(b) : sig(a);
    expect(other.name).not.toBe(name);
    // Different lengths, so the other suite reports it invalid rather than throwing.
    expect(other.verify(signature, msg, other.keygen().publicKey, { context: ctx }).valid).toBe(false);
  });
});

describe('Ed25519 known answers (RFC 8032 §7.1)', () => {
  it.each([
    [
      '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
      'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
      '',
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
    ],
    [
      '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
      '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
      '72',
      '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
    ],
  ])('test %#', (sk, pk, m, signature) => {
    const keys = ed25519.keygen(fromHex(sk));
    expect(hex(keys.publicKey)).toBe(pk);
    expect(hex(keys.secretKey)).toBe(sk);
    expect(hex(ed25519.sign(fromHex(m), fromHex(sk)))).toBe(signature);
    expect(ed25519.verify(fromHex(signature), fromHex(m), fromHex(pk)).valid).toBe(true);
  });

  it('strict verification refuses a small-order public key and a non-canonical S', () => {
    const keys = ed25519.keygen(bytes(32, 5));
    const signature = ed25519.sign(msg, keys.secretKey);
    // S + L (L = group order) is a non-canonical encoding of the same S.
    const L = fromHex('edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010');
    const s = signature.subarray(32);
    const sPlusL = new Uint8Array(32);
    let carry = 0;
    for (let i = 0; i < 32; i++) {
      const v = (s[i] as number) + (L[i] as number) + carry;
      sPlusL[i] = v & 0xff;
      carry = v >> 8;
    }
    const nonCanonical = new Uint8Array(64);
    nonCanonical.set(signature.subarray(0, 32));
    nonCanonical.set(sPlusL, 32);
    expect(ed25519.verify(nonCanonical, msg, keys.publicKey).valid).toBe(false);
    // The identity point (small order) as a public key.
    const identity = bytes(32, 0);
    identity[0] = 1;
    expect(ed25519.verify(signature, msg, identity).valid).toBe(false);
  });
});

describe.each(ML_DSA.map((n) => [n] as const))('%s PQClean backend', (name) => {
  const def = sig(name);
  // Made in beforeAll, not while the tests are collected: a build without this backend
  // (the pure-Rust one: docs/primitives.md) then fails these tests by name, not the file.
  let pq!: Signature;
  beforeAll(() => {
    pq = sig(name, { backend: 'pqclean' });
  });

  it('is a separate instance with the same lengths', () => {
    expect(pq).not.toBe(def);
    expect(pq.backend).toBe('pqclean');
    expect(pq.lengths).toEqual(def.lengths);
  });

  it('verifies default-backend signatures and the default backend verifies its own (with context)', async () => {
    const d = def.keygen();
    for (const options of [{}, { context: ctx }]) {
      const s1 = def.sign(msg, d.secretKey, options);
      expect(pq.verify(s1, msg, d.publicKey, options).valid).toBe(true);
      expect(pq.verify(s1, msg, d.publicKey, { context: utf8('other') }).valid).toBe(false);
      const s2 = pq.sign(msg, d.secretKey, options);
      expect(def.verify(s2, msg, d.publicKey, options).valid).toBe(true);
    }
    const p = await pq.keygenAsync();
    const s3 = await pq.signAsync(msg, p.secretKey, { context: ctx });
    expect(def.verify(s3, msg, p.publicKey, { context: ctx }).valid).toBe(true);
    expect((await pq.verifyAsync(s3, msg, p.publicKey, { context: ctx })).valid).toBe(true);
    expect(hex(def.sign(msg, p.secretKey, { deterministic: true }))).toBe(hex(def.sign(msg, p.secretKey, { deterministic: true })));
    expect(def.importKeyPair(p.secretKey, p.publicKey).suite).toBe(name);
  });

  it('refuses deterministic or given-randomness signing and seeded keygen with UNSUPPORTED', async () => {
    const { secretKey } = def.keygen();
    expectThrow(() => pq.sign(msg, secretKey, { deterministic: true }), UnsupportedError, 'UNSUPPORTED');
    expectThrow(() => pq.sign(msg, secretKey, { randomness: bytes(32) }), UnsupportedError, 'UNSUPPORTED');
    expectThrow(() => pq.keygen(bytes(32)), UnsupportedError, 'UNSUPPORTED');
    await expectReject(() => pq.signAsync(msg, secretKey, { deterministic: true }), UnsupportedError, 'UNSUPPORTED');
    await expectReject(() => pq.keygenAsync(bytes(32)), UnsupportedError, 'UNSUPPORTED');
  });

  it('makes key-pair handles with PQClean: a seed and deterministic signing are refused there too', () => {
    expectThrow(() => pq.generateKeyPair(bytes(32)), UnsupportedError, 'UNSUPPORTED');
    using kp = pq.generateKeyPair();
    expectThrow(() => kp.sign(msg, { deterministic: true }), UnsupportedError, 'UNSUPPORTED');
    expect(def.verify(kp.sign(msg, { context: ctx }), msg, kp.publicKey, { context: ctx }).valid).toBe(true);
    const d = def.keygen();
    using imported = pq.importKeyPair(d.secretKey, d.publicKey);
    expectThrow(() => imported.sign(msg, { deterministic: true }), UnsupportedError, 'UNSUPPORTED');
    using withDefault = def.importKeyPair(d.secretKey, d.publicKey);
    expect(hex(withDefault.sign(msg, { deterministic: true }))).toBe(hex(def.sign(msg, d.secretKey, { deterministic: true })));
  });
});

const BACKENDS: readonly Backend[] = ['default', 'libcrux', 'rustcrypto', 'pqclean'];

/** Whether `backend` implements `name` (docs/primitives.md, "Backends"); the rest are UNSUPPORTED. */
function offers(backend: Backend, name: SigSuiteName): boolean {
  if (backend === 'rustcrypto' || backend === 'libcrux') return name !== 'Ed25519';
  if (backend === 'pqclean') return ML_DSA.includes(name);
  return true;
}

describe.each(sigSuites.flatMap((name) => BACKENDS.map((backend) => [name, backend] as const)))('%s through the %s backend', (name, backend) => {
  if (!offers(backend, name)) {
    it('is refused with UNSUPPORTED', () => {
      expectThrow(() => sig(name, { backend }), UnsupportedError, 'UNSUPPORTED');
    });
    return;
  }
  const def = sig(name);
  // Made in beforeAll, not while the tests are collected: a build without this backend
  // (the pure-Rust one: docs/primitives.md) then fails these tests by name, not the file.
  let s!: Signature;
  beforeAll(() => {
    s = sig(name, { backend });
  });
  const options = WITH_CONTEXT.includes(name) ? { context: ctx } : {};

  it('reports its backend and the lengths of the default one', () => {
    expect(s.backend).toBe(backend);
    expect(s.name).toBe(name);
    expect(s.lengths).toEqual(def.lengths);
    expect(sig(name, { backend })).toBe(s);
  });

  it('signs and verifies, sync and async, and interoperates with the default backend both ways', async () => {
    const own = await s.keygenAsync();
    const s1 = await s.signAsync(msg, own.secretKey, options);
    expect(def.verify(s1, msg, own.publicKey, options).valid).toBe(true);
    expect((await s.verifyAsync(s1, msg, own.publicKey, options)).valid).toBe(true);
    expect(s.verify(flip(s1, 10), msg, own.publicKey, options).valid).toBe(false);
    const theirs = def.keygen();
    const s2 = def.sign(msg, theirs.secretKey, options);
    expect(s.verify(s2, msg, theirs.publicKey, options).valid).toBe(true);
    const s3 = s.sign(msg, theirs.secretKey, options);
    expect(def.verify(s3, msg, theirs.publicKey, options).valid).toBe(true);
    expect(hex(s.getPublicKey(theirs.secretKey))).toBe(hex(theirs.publicKey));
  });

  it('makes key-pair handles that work with the default backend both ways', () => {
    using kp = s.generateKeyPair();
    expect(def.verify(kp.sign(msg, options), msg, kp.publicKey, options).valid).toBe(true);
    const theirs = def.keygen();
    using imported = s.importKeyPair(theirs.secretKey, theirs.publicKey);
    expect(def.verify(imported.sign(msg, options), msg, theirs.publicKey, options).valid).toBe(true);
    if (backend !== 'pqclean') {
      using seeded = s.generateKeyPair(bytes(32, 5));
      expect(hex(seeded.publicKey)).toBe(hex(def.keygen(bytes(32, 5)).publicKey));
      expect(hex(seeded.sign(msg, { ...options, deterministic: true }))).toBe(hex(def.sign(msg, def.keygen(bytes(32, 5)).secretKey, { ...options, deterministic: true })));
    }
  });

  if (backend !== 'pqclean' && WITH_CONTEXT.includes(name)) {
    it('gives the bytes of the default backend from the same seed, deterministic or with given randomness', () => {
      const seed = bytes(32, 5);
      const a = s.keygen(seed);
      const b = def.keygen(seed);
      expect(hex(a.publicKey)).toBe(hex(b.publicKey));
      expect(hex(a.secretKey)).toBe(hex(b.secretKey));
      for (const extra of [{ deterministic: true }, { randomness: bytes(32, 6) }]) {
        const o = { ...options, ...extra };
        expect(hex(s.sign(msg, a.secretKey, o))).toBe(hex(def.sign(msg, a.secretKey, o)));
      }
    });
  }
});

describe('ML-DSA secret key checks', () => {
  it.each(ML_DSA)('%s: an expanded secret key with an out-of-range s1 coefficient → INVALID_KEY', (name) => {
    const s = sig(name);
    const { secretKey, publicKey } = s.keygen();
    const bad = Uint8Array.from(secretKey);
    bad[128] = 0xff; // first packed s1 coefficient: all ones is above 2η in both encodings
    expectThrow(() => s.sign(msg, bad), InvalidKeyError, 'INVALID_KEY');
    expectThrow(() => s.importKeyPair(bad, publicKey), InvalidKeyError, 'INVALID_KEY');
  });
});

describe("Ed25519's 64-byte seed ‖ publicKey secret key", () => {
  it('signs like the seed, sync and async, and gives its public key', async () => {
    const ed = sig('Ed25519');
    const { publicKey, secretKey } = ed.keygen(new Uint8Array(32).fill(3));
    const pair = new Uint8Array([...secretKey, ...publicKey]);
    const msg = utf8('message');
    const s = ed.sign(msg, secretKey);
    expect(hex(ed.sign(msg, pair))).toBe(hex(s));
    expect(hex(await ed.signAsync(msg, pair))).toBe(hex(s));
    expect(hex(ed.getPublicKey(pair))).toBe(hex(publicKey));
    expect(ed.verify(s, msg, publicKey).valid).toBe(true);
  });

  it('a public half that is not the seed\'s is INVALID_KEY; other lengths stay refused', async () => {
    const ed = sig('Ed25519');
    const { publicKey, secretKey } = ed.keygen(new Uint8Array(32).fill(3));
    const other = ed.keygen(new Uint8Array(32).fill(4)).publicKey;
    for (const bad of [new Uint8Array([...secretKey, ...other]), new Uint8Array([...secretKey, ...flip(publicKey, 31)])]) {
      expectThrow(() => ed.sign(utf8('m'), bad), InvalidKeyError, 'INVALID_KEY');
      expectThrow(() => ed.getPublicKey(bad), InvalidKeyError, 'INVALID_KEY');
      await expectReject(() => ed.signAsync(utf8('m'), bad), InvalidKeyError, 'INVALID_KEY');
    }
    for (const n of [31, 33, 63, 65]) expectThrow(() => ed.sign(utf8('m'), new Uint8Array(n)), InvalidLengthError, 'BAD_LENGTH');
    // The hybrids take no such form.
    const h = sig('Ed25519+ML-DSA-65');
    expectThrow(() => h.sign(utf8('m'), new Uint8Array(64)), InvalidLengthError, 'BAD_LENGTH');
  });
});
