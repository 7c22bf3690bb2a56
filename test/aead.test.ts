import { describe, expect, it } from 'vitest';
import { createCipheriv } from 'node:crypto';
import {
  Aead,
  AuthenticationError,
  InvalidLengthError,
  InvalidTypeError,
  UnknownSuiteError,
  aead,
  aeadSuites,
  type AeadSuiteName,
  type AeadSuiteInput,
} from '../ts/src/index';
import { NOT_BYTES, NOT_BYTES_OPTIONAL, bad, bytes, expectReject, expectThrow, flip, fromHex, hex, utf8 } from './helpers';

const NODE_CIPHER: Record<AeadSuiteName, 'chacha20-poly1305' | 'aes-256-gcm'> = {
  'ChaCha20-Poly1305': 'chacha20-poly1305',
  'AES-256-GCM': 'aes-256-gcm',
};

/** The same encryption by OpenSSL through node:crypto, an independent implementation. */
function nodeSeal(name: AeadSuiteName, key: Uint8Array, nonce: Uint8Array, pt: Uint8Array, aad?: Uint8Array): string {
  const c = createCipheriv(NODE_CIPHER[name] as 'aes-256-gcm', key, nonce, { authTagLength: 16 });
  if (aad) c.setAAD(aad, { plaintextLength: pt.length });
  return hex(Buffer.concat([c.update(pt), c.final(), c.getAuthTag()]));
}

describe('suite list and lookup', () => {
  it('lists both AEADs and resolves aliases', () => {
    expect([...aeadSuites].sort()).toEqual(['AES-256-GCM', 'ChaCha20-Poly1305']);
    expect(aead('ChaCha20Poly1305').name).toBe('ChaCha20-Poly1305');
    expect(aead('aes256gcm' as AeadSuiteInput).name).toBe('AES-256-GCM'); // any case at run time
    expect(aead('AES256-GCM')).toBe(aead('AES-256-GCM'));
    expect(aead('AES-256-GCM')).toBeInstanceOf(Aead);
  });

  it('refuses an unknown suite or a non-string name', () => {
    // @ts-expect-error not a suite name: refused at compile time, and at run time
    expectThrow(() => aead('AES-128-GCM'), UnknownSuiteError, 'UNKNOWN_SUITE');
    // @ts-expect-error not a suite name
    expectThrow(() => aead('ChaCha20'), UnknownSuiteError, 'UNKNOWN_SUITE');
    expectThrow(() => aead(bad<AeadSuiteInput>(null)), InvalidTypeError, 'INVALID_TYPE');
  });
});

describe('known answers', () => {
  it('ChaCha20-Poly1305: RFC 8439 §2.8.2', () => {
    const key = Uint8Array.from({ length: 32 }, (_, i) => 0x80 + i);
    const nonce = fromHex('070000004041424344454647');
    const aad = fromHex('50515253c0c1c2c3c4c5c6c7');
    const pt = utf8("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.");
    const expected =
      'd31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc3ff4def08e4b7a9de576d26586cec64b6116' +
      '1ae10b594f09e26a7e902ecbd0600691';
    const a = aead('ChaCha20-Poly1305');
    expect(hex(a.seal(key, nonce, pt, aad))).toBe(expected);
    expect(hex(a.open(key, nonce, fromHex(expected), aad))).toBe(hex(pt));
  });

  it('AES-256-GCM: GCM spec test case 16', () => {
    const key = fromHex('feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308');
    const nonce = fromHex('cafebabefacedbaddecaf888');
    const pt = fromHex('d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39');
    const aad = fromHex('feedfacedeadbeeffeedfacedeadbeefabaddad2');
    const expected =
      '522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662' +
      '76fc6ece0f4e1768cddf8853bb2d551b';
    const a = aead('AES-256-GCM');
    expect(hex(a.seal(key, nonce, pt, aad))).toBe(expected);
    expect(hex(a.open(key, nonce, fromHex(expected), aad))).toBe(hex(pt));
  });
});

describe.each(aeadSuites.map((n) => [n] as const))('%s', (name) => {
  const a = aead(name);
  const key = bytes(32, 0x42);
  const nonce = bytes(12, 0x24);
  const pt = utf8('attack at dawn');
  const aad = utf8('header v1');
  const sealed = a.seal(key, nonce, pt, aad);

  it('reports 32-byte keys, 12-byte nonces and 16-byte tags', () => {
    expect(a.lengths).toEqual({ key: 32, nonce: 12, tag: 16 });
    expect(sealed.length).toBe(pt.length + 16);
  });

  it('round trips (sync and async), with and without associated data, empty and large plaintexts', async () => {
    for (const p of [pt, new Uint8Array(0), bytes(1 << 20)]) {
      for (const ad of [aad, undefined, new Uint8Array(0)]) {
        const s = a.seal(key, nonce, p, ad);
        expect(hex(a.open(key, nonce, s, ad))).toBe(hex(p));
        expect(hex(await a.openAsync(key, nonce, s, ad))).toBe(hex(p));
        expect(hex(await a.sealAsync(key, nonce, p, ad))).toBe(hex(s));
      }
    }
    // Absent and empty associated data are the same.
    expect(hex(a.seal(key, nonce, pt))).toBe(hex(a.seal(key, nonce, pt, new Uint8Array(0))));
  });

  it('matches OpenSSL (node:crypto) byte for byte', () => {
    for (const [k, n, p, ad] of [
      [key, nonce, pt, aad],
      [bytes(32), bytes(12), bytes(1000), undefined],
      [bytes(32, 0xff), bytes(12, 0), new Uint8Array(0), bytes(77)],
    ] as const) {
      expect(hex(a.seal(k, n, p, ad))).toBe(nodeSeal(name, k, n, p, ad));
    }
  });

  it('is deterministic for one key and nonce; another nonce or key changes everything', () => {
    expect(hex(a.seal(key, nonce, pt, aad))).toBe(hex(sealed));
    expect(hex(a.seal(key, flip(nonce, 11), pt, aad))).not.toBe(hex(sealed));
    expect(hex(a.seal(flip(key, 0), nonce, pt, aad))).not.toBe(hex(sealed));
  });

  describe('tampering → AUTH_FAILED (sync and async), with one message for every cause', () => {
    const cases: ReadonlyArray<readonly [string, () => [Uint8Array, Uint8Array, Uint8Array, Uint8Array | undefined]]> = [
      ['a ciphertext byte', () => [key, nonce, flip(sealed, 0), aad]],
      ['the last ciphertext byte', () => [key, nonce, flip(sealed, pt.length - 1, 7), aad]],
      ['a tag byte', () => [key, nonce, flip(sealed, -1), aad]],
      ['the first tag byte', () => [key, nonce, flip(sealed, pt.length), aad]],
      ['the associated data', () => [key, nonce, sealed, flip(aad, 2)]],
      ['missing associated data', () => [key, nonce, sealed, undefined]],
      ['the nonce', () => [key, flip(nonce, 5), sealed, aad]],
      ['the key', () => [flip(key, 31), nonce, sealed, aad]],
      ['a truncated ciphertext', () => [key, nonce, sealed.subarray(1), aad]],
    ];
    const messages = new Set<string>();

    it.each(cases)('%s', async (_, make) => {
      const [k, n, c, ad] = make();
      const e = expectThrow(() => a.open(k, n, c, ad), AuthenticationError, 'AUTH_FAILED');
      await expectReject(() => a.openAsync(k, n, c, ad), AuthenticationError, 'AUTH_FAILED');
      messages.add(e.message);
      expect(messages.size).toBe(1);
    });
  });

  it.each([0, 11, 13, 24])('nonce of %i bytes → BAD_LENGTH', async (n) => {
    expectThrow(() => a.seal(key, bytes(n), pt), InvalidLengthError, 'BAD_LENGTH');
    expectThrow(() => a.open(key, bytes(n), sealed), InvalidLengthError, 'BAD_LENGTH');
    await expectReject(() => a.sealAsync(key, bytes(n), pt), InvalidLengthError, 'BAD_LENGTH');
    await expectReject(() => a.openAsync(key, bytes(n), sealed), InvalidLengthError, 'BAD_LENGTH');
  });

  it.each([0, 16, 31, 33, 64])('key of %i bytes → BAD_LENGTH', async (n) => {
    expectThrow(() => a.seal(bytes(n), nonce, pt), InvalidLengthError, 'BAD_LENGTH');
    expectThrow(() => a.open(bytes(n), nonce, sealed), InvalidLengthError, 'BAD_LENGTH');
    await expectReject(() => a.sealAsync(bytes(n), nonce, pt), InvalidLengthError, 'BAD_LENGTH');
    await expectReject(() => a.openAsync(bytes(n), nonce, sealed), InvalidLengthError, 'BAD_LENGTH');
  });

  it.each([0, 1, 15])('sealed input of %i bytes (shorter than the tag) → BAD_LENGTH (sync and async alike)', async (n) => {
    const e1 = expectThrow(() => a.open(key, nonce, bytes(n)), InvalidLengthError, 'BAD_LENGTH');
    const e2 = await expectReject(() => a.openAsync(key, nonce, bytes(n)), InvalidLengthError, 'BAD_LENGTH');
    expect(e2.message).toBe(e1.message);
  });

  it('a sealed input of exactly the tag length is checked, not refused for its length', () => {
    const tagOnly = a.seal(key, nonce, new Uint8Array(0));
    expect(tagOnly.length).toBe(16);
    expect(a.open(key, nonce, tagOnly).length).toBe(0);
    expectThrow(() => a.open(key, nonce, flip(tagOnly, 3)), AuthenticationError, 'AUTH_FAILED');
  });

  it.each(NOT_BYTES)('%s where bytes are required → INVALID_TYPE', async (_, v) => {
    const u = bad<Uint8Array>(v);
    for (const f of [
      () => a.seal(u, nonce, pt),
      () => a.seal(key, u, pt),
      () => a.seal(key, nonce, u),
      () => a.open(u, nonce, sealed),
      () => a.open(key, u, sealed),
      () => a.open(key, nonce, u),
    ]) {
      expectThrow(f, InvalidTypeError, 'INVALID_TYPE');
    }
    await expectReject(() => a.sealAsync(key, nonce, u), InvalidTypeError, 'INVALID_TYPE');
    await expectReject(() => a.openAsync(key, u, sealed), InvalidTypeError, 'INVALID_TYPE');
  });

  it.each(NOT_BYTES_OPTIONAL)('%s as associated data → INVALID_TYPE', (_, v) => {
    expectThrow(() => a.seal(key, nonce, pt, bad(v)), InvalidTypeError, 'INVALID_TYPE');
    expectThrow(() => a.open(key, nonce, sealed, bad(v)), InvalidTypeError, 'INVALID_TYPE');
  });

  it('the two AEADs give different ciphertexts for the same inputs', () => {
    const other = aeadSuites.find((n) => n !== name) as AeadSuiteName;
    expect(hex(aead(other).seal(key, nonce, pt, aad))).not.toBe(hex(sealed));
    expectThrow(() => aead(other).open(key, nonce, sealed, aad), AuthenticationError, 'AUTH_FAILED');
  });
});
