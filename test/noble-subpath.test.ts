/**
 * `pqwire/noble` used the way @noble/post-quantum's own users call it (patterns from noble's
 * README and TSDoc examples), checked against real noble: same shapes, same bytes, and the same
 * errors (class and message) where noble throws.
 */
import { describe, expect, it } from 'vitest';
import { runInNewContext } from 'node:vm';
import * as nobleKem from '@noble/post-quantum/ml-kem.js';
import * as nobleDsa from '@noble/post-quantum/ml-dsa.js';
import * as nobleHybrid from '@noble/post-quantum/hybrid.js';
import { equalBytes, randomBytes } from '@noble/post-quantum/utils.js';
import type { KEM, Signer } from '@noble/post-quantum/utils.js';
import type { MLKEM } from '@noble/post-quantum/ml-kem.js';
import * as compat from '../ts/src/noble';
import { InvalidKeyError, UnsupportedError, PqwireError, sha3_256 } from '../ts/src/index';
import { bad, bytes, expectThrow, flip, fromHex, hex, thrownBy } from './helpers';

// Compile-time check: the objects fit noble's own types, so typed code keeps compiling.
const typed: { kem: MLKEM; xwing: KEM; dsa: Signer } = {
  kem: compat.ml_kem768,
  xwing: compat.ml_kem768_x25519,
  dsa: compat.ml_dsa65,
};

const KEMS = [
  ['ml_kem512', nobleKem.ml_kem512, compat.ml_kem512],
  ['ml_kem768', nobleKem.ml_kem768, compat.ml_kem768],
  ['ml_kem1024', nobleKem.ml_kem1024, compat.ml_kem1024],
] as const;
const DSAS = [
  ['ml_dsa44', nobleDsa.ml_dsa44, compat.ml_dsa44],
  ['ml_dsa65', nobleDsa.ml_dsa65, compat.ml_dsa65],
  ['ml_dsa87', nobleDsa.ml_dsa87, compat.ml_dsa87],
] as const;
const realXWing = nobleHybrid.ml_kem768_x25519;
const ourXWing = compat.ml_kem768_x25519;

/**
 * Runs the same call against real noble and against pqwire/noble: both must throw, with the same
 * message. Where noble throws a TypeError or RangeError, ours must be of the same class and carry
 * `code`; where noble throws a plain Error, ours must be the pqwire error class given.
 */
/** Both libraries are driven through one untyped call, so each case is written once. */
type AnyLib = any; // eslint-disable-line @typescript-eslint/no-explicit-any
function sameError(real: AnyLib, ours: AnyLib, call: (lib: AnyLib) => unknown, plainErrorAs = InvalidKeyError): Error {
  const a = thrownBy(() => call(real));
  const b = thrownBy(() => call(ours));
  expect(a, 'noble should throw').toBeInstanceOf(Error);
  expect(b, `pqwire/noble should throw like noble (${String(a)})`).toBeInstanceOf(Error);
  const ea = a as Error;
  const eb = b as Error & { code?: string };
  expect(eb.message).toBe(ea.message);
  if (ea.constructor === Error) {
    expect(eb).toBeInstanceOf(plainErrorAs);
  } else {
    expect(eb.constructor).toBe(ea.constructor);
    const codes = ea instanceof RangeError ? ['BAD_LENGTH', 'INVALID_ARGUMENT'] : ['INVALID_TYPE', 'INVALID_ARGUMENT'];
    expect(codes).toContain(eb.code);
  }
  return eb;
}

/** Low-order X25519 u encodings noble refuses (see x25519.test.ts), with the top bit clear and set. */
const LOW_ORDER_U = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
  '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
].flatMap((h) => [fromHex(h), flip(fromHex(h), 31, 7)]);

describe('module shape', () => {
  it('exports noble names only (X-Wing as ml_kem768_x25519; noble has no XWing alias)', () => {
    expect(typed.kem).toBe(compat.ml_kem768);
    for (const name of ['ml_kem512', 'ml_kem768', 'ml_kem1024', 'ml_dsa44', 'ml_dsa65', 'ml_dsa87', 'ml_kem768_x25519'] as const) {
      expect(compat[name], name).toBeTypeOf('object');
    }
    expect('XWing' in nobleHybrid).toBe(false);
    expect('XWing' in compat).toBe(false);
  });

  it.each(KEMS)('%s: same keys, lengths (in order), info; frozen', (_, real, ours) => {
    expect(Object.keys(ours)).toEqual(Object.keys(real));
    expect(ours.lengths).toEqual(real.lengths);
    expect(Object.keys(ours.lengths)).toEqual(Object.keys(real.lengths));
    expect(ours.info).toEqual(real.info);
    expect(Object.isFrozen(ours)).toBe(Object.isFrozen(real));
    expect(Object.isFrozen(ours.lengths)).toBe(true);
  });

  it.each(DSAS)('%s: same keys except internal/prehash, same lengths, info, securityLevel', (_, real, ours) => {
    expect(Object.keys(ours).sort()).toEqual(Object.keys(real).filter((k) => k !== 'internal' && k !== 'prehash').sort());
    expect('internal' in ours).toBe(false);
    expect('prehash' in ours).toBe(false);
    expect(ours.lengths).toEqual(real.lengths);
    expect(Object.keys(ours.lengths)).toEqual(Object.keys(real.lengths));
    expect(ours.info).toEqual(real.info);
    expect(ours.securityLevel).toBe(real.securityLevel);
    expect(Object.isFrozen(ours)).toBe(Object.isFrozen(real));
  });

  it('ml_kem768_x25519: same keys, lengths (in order); no info, like noble', () => {
    expect(Object.keys(ourXWing).sort()).toEqual(Object.keys(realXWing).sort());
    expect(ourXWing.lengths).toEqual(realXWing.lengths);
    expect(Object.keys(ourXWing.lengths)).toEqual(Object.keys(realXWing.lengths));
    expect('info' in ourXWing).toBe('info' in realXWing);
    expect(Object.isFrozen(ourXWing)).toBe(Object.isFrozen(realXWing));
  });

  it('returns plain Uint8Arrays (not Buffers), like noble', () => {
    const keys = compat.ml_kem768.keygen();
    const { cipherText, sharedSecret } = compat.ml_kem768.encapsulate(keys.publicKey);
    const signature = compat.ml_dsa44.sign(new Uint8Array(1), compat.ml_dsa44.keygen().secretKey);
    for (const b of [keys.publicKey, keys.secretKey, cipherText, sharedSecret, signature, ourXWing.keygen().publicKey]) {
      expect(Object.getPrototypeOf(b)).toBe(Uint8Array.prototype);
      expect(Buffer.isBuffer(b)).toBe(false);
    }
  });
});

describe('ML-KEM, as in noble’s README', () => {
  it('Alice, Bob and Mallory (ml_kem768)', () => {
    const { ml_kem768 } = compat; // the only line that changes
    const seed = randomBytes(64); // seed is optional
    const aliceKeys = ml_kem768.keygen(seed);
    const { cipherText, sharedSecret: bobShared } = ml_kem768.encapsulate(aliceKeys.publicKey);
    const aliceShared = ml_kem768.decapsulate(cipherText, aliceKeys.secretKey);
    expect(equalBytes(aliceShared, bobShared)).toBe(true);

    // Warning: Can be MITM-ed
    const malloryKeys = ml_kem768.keygen();
    const malloryShared = ml_kem768.decapsulate(cipherText, malloryKeys.secretKey); // No error!
    expect(equalBytes(aliceShared, malloryShared)).toBe(false);

    // Real noble agrees on every byte.
    const real = nobleKem.ml_kem768.keygen(seed);
    expect(hex(aliceKeys.publicKey)).toBe(hex(real.publicKey));
    expect(hex(aliceKeys.secretKey)).toBe(hex(real.secretKey));
    expect(hex(nobleKem.ml_kem768.decapsulate(cipherText, real.secretKey))).toBe(hex(bobShared));
    expect(hex(nobleKem.ml_kem768.decapsulate(cipherText, malloryKeys.secretKey))).toBe(hex(malloryShared));
  });

  it.each(KEMS)('%s: the TSDoc example (seeded keygen, msgRand, getPublicKey) gives noble’s bytes', (_, real, ours) => {
    const seed = new Uint8Array(ours.lengths.seed);
    const { secretKey, publicKey } = ours.keygen(seed);
    const msg = new Uint8Array(ours.lengths.msgRand);
    const { cipherText, sharedSecret } = ours.encapsulate(publicKey, msg);
    const recovered = ours.decapsulate(cipherText, secretKey);
    const publicKey2 = ours.getPublicKey(secretKey);
    expect(hex(recovered)).toBe(hex(sharedSecret));
    expect(hex(publicKey2)).toBe(hex(publicKey));

    const r = real.keygen(seed);
    expect(hex(secretKey)).toBe(hex(r.secretKey));
    const re = real.encapsulate(r.publicKey, msg);
    expect(hex(cipherText)).toBe(hex(re.cipherText));
    expect(hex(sharedSecret)).toBe(hex(re.sharedSecret));
    expect(hex(real.getPublicKey(secretKey))).toBe(hex(publicKey2));
  });

  it.each(KEMS)('%s: methods work destructured, and random keys cross to noble', (_, real, ours) => {
    const { keygen, encapsulate, decapsulate } = ours;
    const keys = keygen();
    const e = encapsulate(keys.publicKey);
    expect(hex(decapsulate(e.cipherText, keys.secretKey))).toBe(hex(e.sharedSecret));
    expect(hex(real.decapsulate(e.cipherText, keys.secretKey))).toBe(hex(e.sharedSecret));
    const n = real.keygen();
    const e2 = real.encapsulate(n.publicKey);
    expect(hex(decapsulate(e2.cipherText, n.secretKey))).toBe(hex(e2.sharedSecret));
  });

  it('accepts a Uint8Array from another realm, as noble does', () => {
    const foreign = runInNewContext('new Uint8Array(64).fill(9)') as Uint8Array;
    expect(foreign instanceof Uint8Array).toBe(false);
    expect(hex(compat.ml_kem768.keygen(foreign).publicKey)).toBe(hex(nobleKem.ml_kem768.keygen(foreign).publicKey));
  });

  it.each(KEMS)('%s: prepare() binds a public key like noble’s', (_, real, ours) => {
    const keys = ours.keygen(bytes(64, 1));
    const original = Uint8Array.from(keys.publicKey);
    const prepared = ours.prepare(keys.publicKey);
    keys.publicKey.fill(0); // the prepared key is a detached copy
    expect(hex(prepared.publicKey)).toBe(hex(original));
    const m = bytes(32, 6);
    const e = prepared.encapsulate(m);
    const re = real.prepare(original).encapsulate(m);
    expect(hex(e.cipherText)).toBe(hex(re.cipherText));
    expect(hex(prepared.decapsulate(e.cipherText, keys.secretKey))).toBe(hex(e.sharedSecret));
    const other = ours.keygen(bytes(64, 2));
    sameError(real.prepare(original), prepared, (p) => p.decapsulate(e.cipherText, other.secretKey));
    sameError(real.prepare(original), prepared, (p) => p.encapsulate(bytes(31)));
    prepared.clean();
  });
});

describe('ML-KEM errors match noble', () => {
  describe.each(KEMS)('%s', (_, real, ours) => {
    const keys = real.keygen(bytes(64, 3));
    const { cipherText } = real.encapsulate(keys.publicKey);
    const L = ours.lengths; // equal to noble's (checked above), without noble's optional fields
    const badModulus = Uint8Array.from(keys.publicKey);
    badModulus[0] = 0xff;
    badModulus[1] = (badModulus[1] as number) | 0x0f;

    it.each([
      ['keygen: short seed', (k: AnyLib) => k.keygen(bytes(L.seed - 1))],
      ['keygen: long seed', (k: AnyLib) => k.keygen(bytes(L.seed + 1))],
      ['keygen: string seed', (k: AnyLib) => k.keygen('seed')],
      ['keygen: null seed', (k: AnyLib) => k.keygen(null)],
      ['keygen: array seed', (k: AnyLib) => k.keygen(Array.from(bytes(L.seed)))],
      ['encapsulate: short publicKey', (k: AnyLib) => k.encapsulate(keys.publicKey.subarray(1))],
      ['encapsulate: string publicKey', (k: AnyLib) => k.encapsulate('pk')],
      ['encapsulate: short msg', (k: AnyLib) => k.encapsulate(keys.publicKey, bytes(31))],
      ['encapsulate: null msg', (k: AnyLib) => k.encapsulate(keys.publicKey, null)],
      ['encapsulate: modulus check fails', (k: AnyLib) => k.encapsulate(badModulus)],
      ['decapsulate: short cipherText', (k: AnyLib) => k.decapsulate(cipherText.subarray(1), keys.secretKey)],
      ['decapsulate: string cipherText', (k: AnyLib) => k.decapsulate('ct', keys.secretKey)],
      ['decapsulate: short secretKey', (k: AnyLib) => k.decapsulate(cipherText, keys.secretKey.subarray(1))],
      ['decapsulate: both wrong, secretKey reported first', (k: AnyLib) => k.decapsulate(bytes(1), bytes(1))],
      ['decapsulate: hash check fails', (k: AnyLib) => k.decapsulate(cipherText, flip(keys.secretKey, -64))],
      ['getPublicKey: short secretKey', (k: AnyLib) => k.getPublicKey(bytes(10))],
      ['getPublicKey: number', (k: AnyLib) => k.getPublicKey(5)],
      ['prepare: short publicKey', (k: AnyLib) => k.prepare(bytes(3))],
      ['prepare: modulus check fails', (k: AnyLib) => k.prepare(badModulus)],
    ])('%s', (_, call) => {
      sameError(real, ours, call);
    });

    it('length and type errors carry pqwire codes', () => {
      expect((thrownBy(() => ours.encapsulate(bytes(3))) as PqwireError).code).toBe('BAD_LENGTH');
      expect((thrownBy(() => ours.encapsulate(bad('x'))) as PqwireError).code).toBe('INVALID_TYPE');
      expect((thrownBy(() => ours.encapsulate(badModulus)) as PqwireError).code).toBe('INVALID_KEY');
    });
  });

  it('a secret key whose embedded public key fails the modulus check is refused (noble accepts it; documented)', () => {
    const { secretKey, publicKey } = compat.ml_kem768.keygen(bytes(64, 4));
    const { cipherText } = compat.ml_kem768.encapsulate(publicKey);
    const sk = Uint8Array.from(secretKey);
    const ekStart = 1152;
    sk[ekStart] = 0xff;
    sk[ekStart + 1] = (sk[ekStart + 1] as number) | 0x0f;
    sk.set(sha3_256(sk.subarray(ekStart, ekStart + 1184)), 2400 - 64); // keep the hash check passing
    expect(nobleKem.ml_kem768.decapsulate(cipherText, sk).length).toBe(32);
    const e = expectThrow(() => compat.ml_kem768.decapsulate(cipherText, sk), InvalidKeyError, 'INVALID_KEY');
    expect(e.message).toBe('invalid secretKey: embedded publicKey fails the modulus check');
  });
});

describe('ML-DSA, as in noble’s README', () => {
  it('sign / verify, with context and deterministic, agree with noble (ml_dsa65)', () => {
    const { ml_dsa65 } = compat; // the only line that changes
    const seed = randomBytes(32); // seed is optional
    const keys = ml_dsa65.keygen(seed);
    const msg = new TextEncoder().encode('hello noble');
    const sig = ml_dsa65.sign(msg, keys.secretKey);
    const isValid = ml_dsa65.verify(sig, msg, keys.publicKey);
    expect(isValid).toBe(true);

    const ctx = new Uint8Array([1, 2, 3]);
    const sigCtx = ml_dsa65.sign(msg, keys.secretKey, { context: ctx }); // verify needs same context
    const sigDet = ml_dsa65.sign(msg, keys.secretKey, { extraEntropy: false }); // deterministic
    expect(ml_dsa65.verify(sigCtx, msg, keys.publicKey, { context: ctx })).toBe(true);
    expect(ml_dsa65.verify(sigCtx, msg, keys.publicKey)).toBe(false);

    const real = nobleDsa.ml_dsa65;
    const rk = real.keygen(seed);
    expect(hex(keys.publicKey)).toBe(hex(rk.publicKey));
    expect(hex(keys.secretKey)).toBe(hex(rk.secretKey));
    expect(real.verify(sig, msg, keys.publicKey)).toBe(true);
    expect(real.verify(sigCtx, msg, keys.publicKey, { context: ctx })).toBe(true);
    expect(hex(sigDet)).toBe(hex(real.sign(msg, keys.secretKey, { extraEntropy: false })));
    expect(ml_dsa65.verify(real.sign(msg, rk.secretKey, { context: ctx }), msg, rk.publicKey, { context: ctx })).toBe(true);
  });

  it.each(DSAS)('%s: extraEntropy — random by default, false is deterministic, 32 bytes are used as given', (_, real, ours) => {
    const { secretKey, publicKey } = ours.keygen(new Uint8Array(ours.lengths.seed));
    const msg = bytes(50);
    const a = ours.sign(msg, secretKey);
    const b = ours.sign(msg, secretKey);
    expect(hex(a)).not.toBe(hex(b));
    expect(real.verify(a, msg, publicKey) && real.verify(b, msg, publicKey)).toBe(true);
    expect(hex(ours.sign(msg, secretKey, { extraEntropy: false }))).toBe(hex(real.sign(msg, secretKey, { extraEntropy: false })));
    const rnd = bytes(ours.lengths.signRand, 0x3c);
    const given = ours.sign(msg, secretKey, { extraEntropy: rnd, context: bytes(255) });
    expect(hex(given)).toBe(hex(real.sign(msg, secretKey, { extraEntropy: rnd, context: bytes(255) })));
    // Options built by spreading may carry undefined keys: they mean "absent", as in noble.
    expect(ours.verify(ours.sign(msg, secretKey, { context: undefined, extraEntropy: undefined }), msg, publicKey, { context: undefined })).toBe(true);
    // Destructured use.
    const { sign, verify } = ours;
    expect(verify(sign(msg, secretKey), msg, publicKey)).toBe(true);
  });

  it.each(DSAS)('%s: getPublicKey derives the same public key as noble, with noble’s length check', (_, real, ours) => {
    const { secretKey, publicKey } = ours.keygen(bytes(32, 8));
    expect(hex(real.getPublicKey(secretKey))).toBe(hex(publicKey));
    expect(hex(ours.getPublicKey(secretKey))).toBe(hex(publicKey));
    sameError(real, ours, (k) => k.getPublicKey(bytes(7)));
  });
});

describe('ML-DSA errors match noble', () => {
  describe.each(DSAS)('%s', (_, real, ours) => {
    const keys = real.keygen(bytes(32, 5));
    const msg = bytes(20);
    const signature = real.sign(msg, keys.secretKey, { extraEntropy: false });
    const L = ours.lengths;

    it.each([
      ['keygen: short seed', (k: AnyLib) => k.keygen(bytes(31))],
      ['keygen: string seed', (k: AnyLib) => k.keygen('seed')],
      ['keygen: null seed', (k: AnyLib) => k.keygen(null)],
      ['sign: short secretKey', (k: AnyLib) => k.sign(msg, bytes(L.secretKey - 1))],
      ['sign: old argument order (secretKey, msg)', (k: AnyLib) => k.sign(keys.secretKey, msg)],
      ['sign: string message', (k: AnyLib) => k.sign('hello', keys.secretKey)],
      ['sign: message checked before secretKey', (k: AnyLib) => k.sign('hello', bytes(1))],
      ['sign: short extraEntropy', (k: AnyLib) => k.sign(msg, keys.secretKey, { extraEntropy: bytes(31) })],
      ['sign: extraEntropy checked before secretKey', (k: AnyLib) => k.sign(msg, bytes(1), { extraEntropy: bytes(33) })],
      ['sign: extraEntropy true', (k: AnyLib) => k.sign(msg, keys.secretKey, { extraEntropy: true })],
      ['sign: extraEntropy string', (k: AnyLib) => k.sign(msg, keys.secretKey, { extraEntropy: 'abc' })],
      ['sign: context string', (k: AnyLib) => k.sign(msg, keys.secretKey, { context: 'ctx' })],
      ['sign: context of 256 bytes', (k: AnyLib) => k.sign(msg, keys.secretKey, { context: bytes(256) })],
      ['sign: misspelt option ctx', (k: AnyLib) => k.sign(msg, keys.secretKey, { ctx: bytes(3) })],
      ['sign: pqwire option name', (k: AnyLib) => k.sign(msg, keys.secretKey, { deterministic: true })],
      ['sign: null options', (k: AnyLib) => k.sign(msg, keys.secretKey, null)],
      ['sign: bytes as options', (k: AnyLib) => k.sign(msg, keys.secretKey, bytes(3))],
      ['sign: array as options', (k: AnyLib) => k.sign(msg, keys.secretKey, [])],
      ['sign: class instance as options', (k: AnyLib) => k.sign(msg, keys.secretKey, new Date())],
      ['sign: string as options', (k: AnyLib) => k.sign(msg, keys.secretKey, 'opts')],
      ['verify: short publicKey', (k: AnyLib) => k.verify(signature, msg, bytes(L.publicKey - 1))],
      ['verify: string signature', (k: AnyLib) => k.verify('sig', msg, keys.publicKey)],
      ['verify: string message', (k: AnyLib) => k.verify(signature, 'msg', keys.publicKey)],
      ['verify: extraEntropy is not a verify option', (k: AnyLib) => k.verify(signature, msg, keys.publicKey, { extraEntropy: false })],
      ['verify: context of 256 bytes', (k: AnyLib) => k.verify(signature, msg, keys.publicKey, { context: bytes(256) })],
      ['verify: null options', (k: AnyLib) => k.verify(signature, msg, keys.publicKey, null)],
      ['verify: old argument order (publicKey, msg, sig)', (k: AnyLib) => k.verify(keys.publicKey, msg, signature)],
    ])('%s', (_, call) => {
      sameError(real, ours, call);
    });

    it('a signature of the wrong length is false in both, not an error', () => {
      const extended = new Uint8Array(signature.length + 1);
      extended.set(signature);
      for (const s of [signature.subarray(1), extended, new Uint8Array(0)]) {
        expect(real.verify(s, msg, keys.publicKey)).toBe(false);
        expect(ours.verify(s, msg, keys.publicKey)).toBe(false);
      }
      expect(ours.verify(signature, msg, keys.publicKey)).toBe(true);
    });

    it('errors carry pqwire codes', () => {
      expect((thrownBy(() => ours.sign(msg, bytes(3))) as PqwireError).code).toBe('BAD_LENGTH');
      expect((thrownBy(() => ours.sign(bad('m'), keys.secretKey)) as PqwireError).code).toBe('INVALID_TYPE');
      expect((thrownBy(() => ours.sign(msg, keys.secretKey, bad({ ctx: msg }))) as PqwireError).code).toBe('INVALID_ARGUMENT');
      expect((thrownBy(() => ours.sign(msg, keys.secretKey, { context: bytes(256) })) as PqwireError).code).toBe('INVALID_ARGUMENT');
    });
  });
});

describe('X-Wing (ml_kem768_x25519), as noble’s users call it', () => {
  it('keygen / encapsulate / decapsulate / getPublicKey agree with noble', () => {
    const { ml_kem768_x25519 } = compat; // the only line that changes
    const seed = randomBytes(32);
    const { publicKey, secretKey } = ml_kem768_x25519.keygen(seed);
    const { cipherText, sharedSecret } = ml_kem768_x25519.encapsulate(publicKey);
    expect(hex(ml_kem768_x25519.decapsulate(cipherText, secretKey))).toBe(hex(sharedSecret));
    expect(hex(ml_kem768_x25519.getPublicKey(secretKey))).toBe(hex(publicKey));
    expect(hex(secretKey)).toBe(hex(seed));
    seed.fill(0); // the secret key is a copy, not the caller's buffer (as in noble)
    expect(hex(secretKey)).not.toBe(hex(seed));

    const real = realXWing.keygen(Uint8Array.from(secretKey));
    expect(hex(real.publicKey)).toBe(hex(publicKey));
    expect(hex(realXWing.decapsulate(cipherText, secretKey))).toBe(hex(sharedSecret));
    const e = realXWing.encapsulate(publicKey, bytes(64, 1));
    expect(hex(ml_kem768_x25519.encapsulate(publicKey, bytes(64, 1)).cipherText)).toBe(hex(e.cipherText));
    expect(hex(ml_kem768_x25519.decapsulate(e.cipherText, secretKey))).toBe(hex(e.sharedSecret));
  });

  const keys = realXWing.keygen(bytes(32, 6));
  const { cipherText } = realXWing.encapsulate(keys.publicKey, bytes(64, 2));
  const badModulus = Uint8Array.from(keys.publicKey);
  badModulus[0] = 0xff;
  badModulus[1] = (badModulus[1] as number) | 0x0f;

  it.each([
    ['keygen: short seed', (k: AnyLib) => k.keygen(bytes(31))],
    ['keygen: string seed', (k: AnyLib) => k.keygen('seed')],
    ['keygen: null seed', (k: AnyLib) => k.keygen(null)],
    ['getPublicKey: long secretKey', (k: AnyLib) => k.getPublicKey(bytes(33))],
    ['encapsulate: short publicKey', (k: AnyLib) => k.encapsulate(bytes(1215))],
    ['encapsulate: string publicKey', (k: AnyLib) => k.encapsulate('pk')],
    ['encapsulate: short randomness', (k: AnyLib) => k.encapsulate(keys.publicKey, bytes(32))],
    ['encapsulate: null randomness', (k: AnyLib) => k.encapsulate(keys.publicKey, null)],
    ['encapsulate: ML-KEM modulus check fails', (k: AnyLib) => k.encapsulate(badModulus)],
    ['decapsulate: short cipherText', (k: AnyLib) => k.decapsulate(bytes(1119), keys.secretKey)],
    ['decapsulate: short secretKey', (k: AnyLib) => k.decapsulate(cipherText, bytes(31))],
    ['decapsulate: string secretKey', (k: AnyLib) => k.decapsulate(cipherText, 'sk')],
    ['decapsulate: both wrong, cipherText reported first', (k: AnyLib) => k.decapsulate(bytes(1), bytes(1))],
  ])('%s → same error as noble', (_, call) => {
    sameError(realXWing, ourXWing, call);
  });

  it.each(LOW_ORDER_U.map((u, i) => [i, u] as const))(
    'low-order X25519 half #%i in a public key or ciphertext is refused like noble (NON_CONTRIBUTORY)',
    (_, u) => {
      const pk = Uint8Array.from(keys.publicKey);
      pk.set(u, 1184);
      const e1 = sameError(realXWing, ourXWing, (k) => k.encapsulate(pk)) as PqwireError;
      expect(e1.code).toBe('NON_CONTRIBUTORY');
      const ct = Uint8Array.from(cipherText);
      ct.set(u, 1088);
      const e2 = sameError(realXWing, ourXWing, (k) => k.decapsulate(ct, keys.secretKey)) as PqwireError;
      expect(e2.code).toBe('NON_CONTRIBUTORY');
    },
  );

  it('near misses of the low-order list are accepted by both', () => {
    const near = [
      fromHex('0200000000000000000000000000000000000000000000000000000000000000'), // 2
      fromHex('ebffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f'), // p - 2
      flip(fromHex('e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800'), 0), // order-8 point ± 1
      flip(fromHex('5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157'), 30, 0),
    ];
    for (const u of near) {
      const ct = Uint8Array.from(cipherText);
      ct.set(u, 1088);
      expect(hex(ourXWing.decapsulate(ct, keys.secretKey))).toBe(hex(realXWing.decapsulate(ct, keys.secretKey)));
      const pk = Uint8Array.from(keys.publicKey);
      pk.set(u, 1184);
      const r = bytes(64, 9);
      expect(hex(ourXWing.encapsulate(pk, r).sharedSecret)).toBe(hex(realXWing.encapsulate(pk, r).sharedSecret));
    }
  });
});
