/**
 * Interoperability with @noble/post-quantum (a dev dependency): keys, ciphertexts and
 * signatures cross between the two libraries in both directions, and seeded operations give
 * byte-identical results.
 */
import { describe, expect, it } from 'vitest';
import { ml_kem512, ml_kem768, ml_kem1024 } from '@noble/post-quantum/ml-kem.js';
import { ml_dsa44, ml_dsa65, ml_dsa87 } from '@noble/post-quantum/ml-dsa.js';
import { ml_kem768_x25519 } from '@noble/post-quantum/hybrid.js';
import { kem, mlKem512, mlKem768, mlKem1024, mlDsa44, mlDsa65, mlDsa87, sig, xWing } from '../ts/src/index';
import { bytes, flip, hex, utf8 } from './helpers';

const KEMS = [
  ['ML-KEM-512', ml_kem512, mlKem512],
  ['ML-KEM-768', ml_kem768, mlKem768],
  ['ML-KEM-1024', ml_kem1024, mlKem1024],
] as const;

const DSAS = [
  ['ML-DSA-44', ml_dsa44, mlDsa44],
  ['ML-DSA-65', ml_dsa65, mlDsa65],
  ['ML-DSA-87', ml_dsa87, mlDsa87],
] as const;

const msg = utf8('interop message');
const ctx = utf8('interop context');

describe.each(KEMS)('%s: noble ↔ pqwire', (name, noble, pq) => {
  it('seeded key generation gives identical keys', () => {
    for (const fill of [0, 0x5c]) {
      const seed = bytes(64, fill);
      const a = noble.keygen(seed);
      const b = pq.keygen(seed);
      expect(hex(b.publicKey)).toBe(hex(a.publicKey));
      expect(hex(b.secretKey)).toBe(hex(a.secretKey));
    }
    expect(pq.lengths.keygenSeed).toBe(noble.lengths.seed);
  });

  it('noble keys: pqwire encapsulates, noble decapsulates; noble encapsulates, pqwire decapsulates', async () => {
    const keys = noble.keygen();
    const e1 = pq.encapsulate(keys.publicKey);
    expect(hex(noble.decapsulate(e1.cipherText, keys.secretKey))).toBe(hex(e1.sharedSecret));
    const e2 = noble.encapsulate(keys.publicKey);
    expect(hex(pq.decapsulate(e2.cipherText, keys.secretKey))).toBe(hex(e2.sharedSecret));
    expect(hex(await pq.decapsulateAsync(e2.cipherText, keys.secretKey))).toBe(hex(e2.sharedSecret));
    const handle = pq.importKeyPair(keys.secretKey, keys.publicKey);
    expect(hex(handle.decapsulate(e2.cipherText))).toBe(hex(e2.sharedSecret));
  });

  it('pqwire keys: noble encapsulates, pqwire decapsulates; pqwire encapsulates, noble decapsulates', () => {
    const keys = pq.keygen();
    const e1 = noble.encapsulate(keys.publicKey);
    expect(hex(pq.decapsulate(e1.cipherText, keys.secretKey))).toBe(hex(e1.sharedSecret));
    const e2 = pq.encapsulate(keys.publicKey);
    expect(hex(noble.decapsulate(e2.cipherText, keys.secretKey))).toBe(hex(e2.sharedSecret));
    const kp = pq.generateKeyPair();
    const e3 = noble.encapsulate(kp.publicKey);
    expect(hex(kp.decapsulate(e3.cipherText))).toBe(hex(e3.sharedSecret));
    expect(hex(noble.getPublicKey(kp.exportSecretKey()))).toBe(hex(kp.publicKey));
  });

  it('the same encapsulation randomness gives the same ciphertext and secret', () => {
    const { publicKey } = pq.keygen(bytes(64, 1));
    const m = bytes(32, 0xee);
    const a = noble.encapsulate(publicKey, m);
    const b = pq.encapsulate(publicKey, m);
    expect(hex(b.cipherText)).toBe(hex(a.cipherText));
    expect(hex(b.sharedSecret)).toBe(hex(a.sharedSecret));
  });

  it('both libraries give the same implicit-rejection secret for a tampered ciphertext', () => {
    const keys = pq.keygen(bytes(64, 2));
    const { cipherText, sharedSecret } = noble.encapsulate(keys.publicKey);
    for (const index of [0, -1]) {
      const tampered = flip(cipherText, index);
      const fromNoble = noble.decapsulate(tampered, keys.secretKey);
      expect(hex(fromNoble)).not.toBe(hex(sharedSecret));
      expect(hex(pq.decapsulate(tampered, keys.secretKey))).toBe(hex(fromNoble));
    }
  });

  it('the PQClean backend interoperates with noble too', () => {
    const pqclean = kem(name, { backend: 'pqclean' });
    const keys = noble.keygen();
    const e1 = pqclean.encapsulate(keys.publicKey);
    expect(hex(noble.decapsulate(e1.cipherText, keys.secretKey))).toBe(hex(e1.sharedSecret));
    const own = pqclean.keygen();
    const e2 = noble.encapsulate(own.publicKey);
    expect(hex(pqclean.decapsulate(e2.cipherText, own.secretKey))).toBe(hex(e2.sharedSecret));
  });
});

describe.each(DSAS)('%s: noble ↔ pqwire', (name, noble, pq) => {
  const seed = bytes(32, 0x44);
  const keys = pq.keygen(seed);

  it('seeded key generation gives identical keys', () => {
    const n = noble.keygen(seed);
    expect(hex(keys.publicKey)).toBe(hex(n.publicKey));
    expect(hex(keys.secretKey)).toBe(hex(n.secretKey));
  });

  it('pqwire signs, noble verifies (with and without context)', () => {
    const plain = pq.sign(msg, keys.secretKey);
    expect(noble.verify(plain, msg, keys.publicKey)).toBe(true);
    const withCtx = pq.sign(msg, keys.secretKey, { context: ctx });
    expect(noble.verify(withCtx, msg, keys.publicKey, { context: ctx })).toBe(true);
    expect(noble.verify(withCtx, msg, keys.publicKey)).toBe(false);
    expect(noble.verify(plain, msg, keys.publicKey, { context: ctx })).toBe(false);
    expect(noble.verify(flip(plain, 100), msg, keys.publicKey)).toBe(false);
  });

  it('noble signs, pqwire verifies (with and without context)', async () => {
    const n = noble.keygen(); // noble's own keys, signed by noble
    const plain = noble.sign(msg, n.secretKey);
    expect(pq.verify(plain, msg, n.publicKey).valid).toBe(true);
    const withCtx = noble.sign(msg, n.secretKey, { context: ctx });
    expect(pq.verify(withCtx, msg, n.publicKey, { context: ctx }).valid).toBe(true);
    expect((await pq.verifyAsync(withCtx, msg, n.publicKey, { context: ctx })).valid).toBe(true);
    expect(pq.verify(withCtx, msg, n.publicKey).valid).toBe(false);
    expect(pq.verify(withCtx, flip(msg, 0), n.publicKey, { context: ctx }).valid).toBe(false);
    // noble's secret key signs in pqwire, and noble verifies that.
    const fromPq = pq.sign(msg, n.secretKey, { context: ctx });
    expect(noble.verify(fromPq, msg, n.publicKey, { context: ctx })).toBe(true);
  });

  it('deterministic and given-randomness signatures are byte-identical', () => {
    const det = noble.sign(msg, keys.secretKey, { extraEntropy: false, context: ctx });
    expect(hex(pq.sign(msg, keys.secretKey, { deterministic: true, context: ctx }))).toBe(hex(det));
    const rnd = bytes(32, 0x99);
    const given = noble.sign(msg, keys.secretKey, { extraEntropy: rnd });
    expect(hex(pq.sign(msg, keys.secretKey, { randomness: rnd }))).toBe(hex(given));
    expect(hex(given)).not.toBe(hex(noble.sign(msg, keys.secretKey, { extraEntropy: false })));
  });

  it('the PQClean backend signs for noble', () => {
    const pqclean = sig(name, { backend: 'pqclean' });
    const s = pqclean.sign(msg, keys.secretKey, { context: ctx });
    expect(noble.verify(s, msg, keys.publicKey, { context: ctx })).toBe(true);
  });
});

describe('X-Wing: noble ml_kem768_x25519 ↔ pqwire xWing', () => {
  it('the same seed gives the same public key (and the seed is the secret key)', () => {
    for (const fill of [0, 7, 0xff]) {
      const seed = bytes(32, fill);
      const a = ml_kem768_x25519.keygen(seed);
      const b = xWing.keygen(seed);
      expect(hex(b.publicKey)).toBe(hex(a.publicKey));
      expect(hex(b.secretKey)).toBe(hex(a.secretKey));
    }
    expect(xWing.lengths.publicKey).toBe(ml_kem768_x25519.lengths.publicKey);
    expect(xWing.lengths.cipherText).toBe(ml_kem768_x25519.lengths.cipherText);
    expect(xWing.lengths.encapsulationRandomness).toBe(ml_kem768_x25519.lengths.msgRand);
  });

  it('noble encapsulates, pqwire decapsulates; pqwire encapsulates, noble decapsulates', async () => {
    const n = ml_kem768_x25519.keygen();
    const e1 = ml_kem768_x25519.encapsulate(n.publicKey);
    expect(hex(xWing.decapsulate(e1.cipherText, n.secretKey))).toBe(hex(e1.sharedSecret));
    expect(hex(await xWing.decapsulateAsync(e1.cipherText, n.secretKey))).toBe(hex(e1.sharedSecret));
    const p = xWing.generateKeyPair();
    const e2 = xWing.encapsulate(p.publicKey);
    expect(hex(ml_kem768_x25519.decapsulate(e2.cipherText, p.exportSecretKey()))).toBe(hex(e2.sharedSecret));
    const e3 = ml_kem768_x25519.encapsulate(p.publicKey);
    expect(hex(p.decapsulate(e3.cipherText))).toBe(hex(e3.sharedSecret));
  });

  it('the same encapsulation randomness gives the same ciphertext and secret', () => {
    const { publicKey } = xWing.keygen(bytes(32, 3));
    const r = bytes(64);
    const a = ml_kem768_x25519.encapsulate(publicKey, r);
    const b = xWing.encapsulate(publicKey, r);
    expect(hex(b.cipherText)).toBe(hex(a.cipherText));
    expect(hex(b.sharedSecret)).toBe(hex(a.sharedSecret));
  });

  it('a tampered ciphertext gives the same (wrong) secret in both', () => {
    const keys = xWing.keygen(bytes(32, 4));
    const { cipherText, sharedSecret } = xWing.encapsulate(keys.publicKey);
    for (const index of [0, 1088, -2]) {
      const tampered = flip(cipherText, index);
      const fromNoble = ml_kem768_x25519.decapsulate(tampered, keys.secretKey);
      expect(hex(fromNoble)).not.toBe(hex(sharedSecret));
      expect(hex(xWing.decapsulate(tampered, keys.secretKey))).toBe(hex(fromNoble));
    }
  });
});
