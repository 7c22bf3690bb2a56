import { describe, expect, it } from 'vitest';
import { createHash, hkdfSync } from 'node:crypto';
import {
  InvalidArgumentError,
  InvalidTypeError,
  OutputTooLongError,
  SHAKE256_MAX_OUTPUT,
  UnknownSuiteError,
  hkdf,
  sha3_256,
  shake256,
  type HkdfHash,
} from '../ts/src/index';
import { NOT_BYTES, NOT_BYTES_OPTIONAL, bad, bytes, expectThrow, fromHex, hex, utf8 } from './helpers';

describe('HKDF (RFC 5869)', () => {
  const ikm = bytes(22, 0x0b);

  it('test case 1 (SHA-256): PRK and OKM', () => {
    const salt = fromHex('000102030405060708090a0b0c');
    const info = fromHex('f0f1f2f3f4f5f6f7f8f9');
    const prk = hkdf.extract('SHA-256', ikm, salt);
    expect(hex(prk)).toBe('077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5');
    const okm = '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865';
    expect(hex(hkdf.expand('SHA-256', prk, info, 42))).toBe(okm);
    expect(hex(hkdf('SHA-256', ikm, { salt, info, length: 42 }))).toBe(okm);
  });

  it('test case 3 (SHA-256, no salt, no info)', () => {
    const okm = '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8';
    expect(hex(hkdf.extract('SHA-256', ikm))).toBe('19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04');
    expect(hex(hkdf('SHA-256', ikm, { length: 42 }))).toBe(okm);
    expect(hex(hkdf('SHA-256', ikm, { salt: new Uint8Array(0), info: new Uint8Array(0), length: 42 }))).toBe(okm);
  });

  it.each([
    ['SHA-256', 'sha256', 32],
    ['SHA-384', 'sha384', 48],
    ['SHA-512', 'sha512', 64],
  ] as const)('%s agrees with OpenSSL (node:crypto) and defaults to the hash size', (hash, nodeName, size) => {
    const salt = bytes(17, 3);
    const info = utf8('pqwire test');
    for (const length of [1, size, 100, 255 * size]) {
      const expected = Buffer.from(hkdfSync(nodeName, ikm, salt, info, length));
      expect(hex(hkdf(hash, ikm, { salt, info, length }))).toBe(hex(expected));
    }
    expect(hkdf(hash, ikm).length).toBe(size);
    expect(hex(hkdf(hash, ikm))).toBe(hex(Buffer.from(hkdfSync(nodeName, ikm, new Uint8Array(0), new Uint8Array(0), size))));
  });

  it('info separates outputs', () => {
    expect(hex(hkdf('SHA-256', ikm, { info: utf8('a') }))).not.toBe(hex(hkdf('SHA-256', ikm, { info: utf8('b') })));
  });

  it.each([
    ['SHA-256', 32],
    ['SHA-384', 48],
    ['SHA-512', 64],
  ] as const)('%s: more than 255 blocks → OutputTooLongError', (hash, size) => {
    expect(hkdf(hash, ikm, { length: 255 * size }).length).toBe(255 * size);
    expectThrow(() => hkdf(hash, ikm, { length: 255 * size + 1 }), OutputTooLongError, 'OUTPUT_TOO_LONG');
    const prk = hkdf.extract(hash, ikm);
    expect(hkdf.expand(hash, prk, undefined, 255 * size).length).toBe(255 * size);
    expectThrow(() => hkdf.expand(hash, prk, undefined, 255 * size + 1), OutputTooLongError, 'OUTPUT_TOO_LONG');
  });

  it('an unknown hash → UNKNOWN_SUITE', () => {
    for (const h of ['MD5', 'SHA-1', 'SHA3-256', '']) {
      expectThrow(() => hkdf(bad<HkdfHash>(h), ikm), UnknownSuiteError, 'UNKNOWN_SUITE');
      expectThrow(() => hkdf.extract(bad<HkdfHash>(h), ikm), UnknownSuiteError, 'UNKNOWN_SUITE');
      expectThrow(() => hkdf.expand(bad<HkdfHash>(h), bytes(64), undefined, 32), UnknownSuiteError, 'UNKNOWN_SUITE');
    }
    expectThrow(() => hkdf(bad<HkdfHash>(256), ikm), InvalidTypeError, 'INVALID_TYPE');
  });

  it('a length that is not a non-negative integer → INVALID_TYPE', () => {
    for (const length of [-1, 1.5, '32', Number.NaN, Infinity]) {
      expectThrow(() => hkdf('SHA-256', ikm, { length: bad<number>(length) }), InvalidTypeError, 'INVALID_TYPE');
      expectThrow(() => hkdf.expand('SHA-256', bytes(32), undefined, bad<number>(length)), InvalidTypeError, 'INVALID_TYPE');
    }
  });

  it('a pseudorandom key shorter than the hash output → INVALID_ARGUMENT', () => {
    expectThrow(() => hkdf.expand('SHA-256', bytes(31), undefined, 32), InvalidArgumentError, 'INVALID_ARGUMENT');
    expectThrow(() => hkdf.expand('SHA-512', bytes(32), undefined, 32), InvalidArgumentError, 'INVALID_ARGUMENT');
    expect(hkdf.expand('SHA-256', bytes(32), undefined, 32).length).toBe(32);
  });

  it.each(NOT_BYTES)('%s as input key material or PRK → INVALID_TYPE', (_, v) => {
    expectThrow(() => hkdf('SHA-256', bad(v)), InvalidTypeError, 'INVALID_TYPE');
    expectThrow(() => hkdf.extract('SHA-256', bad(v)), InvalidTypeError, 'INVALID_TYPE');
    expectThrow(() => hkdf.expand('SHA-256', bad(v), undefined, 32), InvalidTypeError, 'INVALID_TYPE');
  });

  it.each(NOT_BYTES_OPTIONAL)('%s as salt or info → INVALID_TYPE', (_, v) => {
    expectThrow(() => hkdf('SHA-256', ikm, { salt: bad(v) }), InvalidTypeError, 'INVALID_TYPE');
    expectThrow(() => hkdf('SHA-256', ikm, { info: bad(v) }), InvalidTypeError, 'INVALID_TYPE');
    expectThrow(() => hkdf.extract('SHA-256', ikm, bad(v)), InvalidTypeError, 'INVALID_TYPE');
    expectThrow(() => hkdf.expand('SHA-256', bytes(32), bad(v), 32), InvalidTypeError, 'INVALID_TYPE');
  });
});

describe('SHA3-256 (FIPS 202)', () => {
  it('known answers: "abc" and ""', () => {
    expect(hex(sha3_256(utf8('abc')))).toBe('3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532');
    expect(hex(sha3_256(new Uint8Array(0)))).toBe('a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a');
  });

  it('agrees with OpenSSL (node:crypto) across the rate boundary', () => {
    for (const n of [1, 135, 136, 137, 1000]) {
      const data = bytes(n);
      expect(hex(sha3_256(data))).toBe(createHash('sha3-256').update(data).digest('hex'));
    }
  });

  it.each(NOT_BYTES)('%s → INVALID_TYPE', (_, v) => {
    expectThrow(() => sha3_256(bad(v)), InvalidTypeError, 'INVALID_TYPE');
  });
});

describe('SHAKE256 (FIPS 202)', () => {
  it('known answer: SHAKE256("") for 32 and 64 bytes; 32 is the default', () => {
    const first64 =
      '46b9dd2b0ba88d13233b3feb743eeb243fcd52ea62b81b82b50c27646ed5762fd75dc4ddd8c0f200cb05019d67b592f6fc821c49479ab48640292eacb3b7c4be';
    expect(hex(shake256(new Uint8Array(0), 64))).toBe(first64);
    expect(hex(shake256(new Uint8Array(0), 32))).toBe(first64.slice(0, 64));
    expect(hex(shake256(new Uint8Array(0)))).toBe(first64.slice(0, 64));
  });

  it('agrees with OpenSSL (node:crypto) and is a prefix-consistent XOF', () => {
    const data = utf8('abc');
    for (const n of [0, 1, 32, 136, 137, 1000]) {
      expect(hex(shake256(data, n))).toBe(createHash('shake256', { outputLength: n }).update(data).digest('hex'));
    }
    expect(hex(shake256(data, 1000).subarray(0, 100))).toBe(hex(shake256(data, 100)));
  });

  it('more than SHAKE256_MAX_OUTPUT bytes → OutputTooLongError; bad lengths → INVALID_TYPE', () => {
    expect(SHAKE256_MAX_OUTPUT).toBe(16 * 1024 * 1024);
    expectThrow(() => shake256(new Uint8Array(1), SHAKE256_MAX_OUTPUT + 1), OutputTooLongError, 'OUTPUT_TOO_LONG');
    for (const n of [-1, 2.5, '32', null]) {
      expectThrow(() => shake256(new Uint8Array(1), bad<number>(n)), InvalidTypeError, 'INVALID_TYPE');
    }
  });

  it.each(NOT_BYTES)('%s as data → INVALID_TYPE', (_, v) => {
    expectThrow(() => shake256(bad(v), 32), InvalidTypeError, 'INVALID_TYPE');
  });
});
