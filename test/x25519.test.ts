import { describe, expect, it } from 'vitest';
import { createPrivateKey, createPublicKey, diffieHellman } from 'node:crypto';
import { InvalidKeyError, InvalidLengthError, InvalidTypeError, x25519 } from '../ts/src/index';
import { NOT_BYTES, NOT_BYTES_OPTIONAL, bad, bytes, expectThrow, flip, fromHex, hex, wrongLengths } from './helpers';

/** X25519 through OpenSSL (node:crypto), an independent implementation. */
function nodeX25519(secretKey: Uint8Array, publicKey: Uint8Array): string {
  const privateKey = createPrivateKey({
    key: Buffer.concat([fromHex('302e020100300506032b656e04220420'), secretKey]),
    format: 'der',
    type: 'pkcs8',
  });
  const peer = createPublicKey({ key: Buffer.concat([fromHex('302a300506032b656e032100'), publicKey]), format: 'der', type: 'spki' });
  return hex(diffieHellman({ privateKey, publicKey: peer }));
}

/** Every encoding (top bit clear) of a u-coordinate of small order, including non-canonical p and p + 1. */
const LOW_ORDER = [
  '0000000000000000000000000000000000000000000000000000000000000000', // 0
  '0100000000000000000000000000000000000000000000000000000000000000', // 1
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // p - 1
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // p (≡ 0)
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // p + 1 (≡ 1)
  'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800', // order 8
  '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157', // order 8
];

describe('X25519 (RFC 7748)', () => {
  it('§6.1 Alice and Bob known answer', () => {
    const aliceSk = fromHex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
    const bobSk = fromHex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb');
    const alicePk = x25519.publicKey(aliceSk);
    const bobPk = x25519.publicKey(bobSk);
    expect(hex(alicePk)).toBe('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a');
    expect(hex(bobPk)).toBe('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f');
    const shared = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742';
    expect(hex(x25519.sharedSecret(aliceSk, bobPk))).toBe(shared);
    expect(hex(x25519.sharedSecret(bobSk, alicePk))).toBe(shared);
    expect(hex(x25519.keygen(aliceSk).publicKey)).toBe(hex(alicePk));
  });

  it('§5.2 first scalar multiplication vector', () => {
    const k = fromHex('a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4');
    const u = fromHex('e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c');
    expect(hex(x25519.sharedSecret(k, u))).toBe('c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552');
  });

  it('agrees with OpenSSL (node:crypto) on random keys, and ignores the top bit of u', () => {
    for (let i = 0; i < 5; i++) {
      const a = x25519.keygen();
      const b = x25519.keygen();
      const s = x25519.sharedSecret(a.secretKey, b.publicKey);
      expect(hex(s)).toBe(nodeX25519(a.secretKey, b.publicKey));
      expect(hex(s)).toBe(hex(x25519.sharedSecret(b.secretKey, a.publicKey)));
      expect(hex(x25519.sharedSecret(a.secretKey, flip(b.publicKey, 31, 7)))).toBe(hex(s));
    }
  });

  it('keygen: the secret key is the seed; random keys differ', () => {
    const seed = bytes(32, 9);
    const k = x25519.keygen(seed);
    expect(hex(k.secretKey)).toBe(hex(seed));
    expect(hex(k.publicKey)).toBe(hex(x25519.publicKey(seed)));
    expect(hex(x25519.keygen().secretKey)).not.toBe(hex(x25519.keygen().secretKey));
    expect(x25519.lengths).toEqual({ secretKey: 32, publicKey: 32, sharedSecret: 32, keygenSeed: 32 });
  });

  it('a low-order public key (all-zero u) → InvalidKeyError NON_CONTRIBUTORY', () => {
    const { secretKey } = x25519.keygen();
    expectThrow(() => x25519.sharedSecret(secretKey, new Uint8Array(32)), InvalidKeyError, 'NON_CONTRIBUTORY');
  });

  it.each(LOW_ORDER)('every small-order encoding, with and without the top bit, is refused: %s', (u) => {
    const { secretKey } = x25519.keygen();
    expectThrow(() => x25519.sharedSecret(secretKey, fromHex(u)), InvalidKeyError, 'NON_CONTRIBUTORY');
    expectThrow(() => x25519.sharedSecret(secretKey, flip(fromHex(u), 31, 7)), InvalidKeyError, 'NON_CONTRIBUTORY');
  });

  it.each(wrongLengths(32))('keys of %i bytes → BAD_LENGTH', (n) => {
    const k = x25519.keygen();
    expectThrow(() => x25519.keygen(bytes(n)), InvalidLengthError, 'BAD_LENGTH');
    expectThrow(() => x25519.publicKey(bytes(n)), InvalidLengthError, 'BAD_LENGTH');
    expectThrow(() => x25519.sharedSecret(bytes(n), k.publicKey), InvalidLengthError, 'BAD_LENGTH');
    expectThrow(() => x25519.sharedSecret(k.secretKey, bytes(n)), InvalidLengthError, 'BAD_LENGTH');
  });

  it.each(NOT_BYTES)('%s where a key is required → INVALID_TYPE', (_, v) => {
    const k = x25519.keygen();
    expectThrow(() => x25519.publicKey(bad(v)), InvalidTypeError, 'INVALID_TYPE');
    expectThrow(() => x25519.sharedSecret(bad(v), k.publicKey), InvalidTypeError, 'INVALID_TYPE');
    expectThrow(() => x25519.sharedSecret(k.secretKey, bad(v)), InvalidTypeError, 'INVALID_TYPE');
  });

  it.each(NOT_BYTES_OPTIONAL)('%s as keygen seed → INVALID_TYPE', (_, v) => {
    expectThrow(() => x25519.keygen(bad(v)), InvalidTypeError, 'INVALID_TYPE');
  });
});
