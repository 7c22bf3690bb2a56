import { beforeAll, describe, expect, it } from 'vitest';
import { inspect } from 'node:util';
import {
  InvalidArgumentError,
  InvalidKeyError,
  InvalidLengthError,
  InvalidTypeError,
  Kem,
  KemKeyPair,
  UnknownSuiteError,
  UnsupportedError,
  kem,
  kemSuites,
  mlKem1024,
  mlKem512,
  mlKem768,
  xWing,
  type Backend,
  type KemSuiteInput,
  type KemSuiteName,
} from '../ts/src/index';
import { NOT_BYTES, NOT_BYTES_OPTIONAL, bad, bytes, expectReject, expectThrow, flip, hex, wrongLengths } from './helpers';

const ML_KEM: readonly KemSuiteName[] = ['ML-KEM-512', 'ML-KEM-768', 'ML-KEM-1024'];
const HYBRID: readonly KemSuiteName[] = ['X25519+ML-KEM-512', 'X25519+ML-KEM-768', 'X25519+ML-KEM-1024'];

/** Sizes every suite must report (FIPS 203 table 3; X-Wing draft; docs/primitives.md). */
const EXPECTED_LENGTHS: Record<KemSuiteName, [pk: number, sk: number, ct: number, seed: number, rand: number]> = {
  'ML-KEM-512': [800, 1632, 768, 64, 32],
  'ML-KEM-768': [1184, 2400, 1088, 64, 32],
  'ML-KEM-1024': [1568, 3168, 1568, 64, 32],
  'X25519+ML-KEM-512': [832, 32, 800, 32, 64],
  'X25519+ML-KEM-768': [1216, 32, 1120, 32, 64],
  'X25519+ML-KEM-1024': [1600, 32, 1600, 32, 64],
  X25519: [32, 32, 32, 32, 32],
};

/** Breaks the FIPS 203 modulus check: the first 12-bit coefficient becomes 0xFFF (≥ q = 3329). */
function breakModulus(publicKey: Uint8Array): Uint8Array {
  const pk = Uint8Array.from(publicKey);
  pk[0] = 0xff;
  pk[1] = (pk[1] as number) | 0x0f;
  return pk;
}

describe('suite list and lookup', () => {
  it('lists every KEM suite, X-Wing first', () => {
    expect([...kemSuites].sort()).toEqual(Object.keys(EXPECTED_LENGTHS).sort());
    expect(kemSuites[0]).toBe('X25519+ML-KEM-768');
    expect(Object.isFrozen(kemSuites)).toBe(true);
  });

  it('named constants are the suites they claim', () => {
    expect(mlKem512.name).toBe('ML-KEM-512');
    expect(mlKem768.name).toBe('ML-KEM-768');
    expect(mlKem1024.name).toBe('ML-KEM-1024');
    expect(xWing.name).toBe('X25519+ML-KEM-768');
    expect(xWing).toBeInstanceOf(Kem);
  });

  it.each([
    ['X25519+Kyber768', 'X25519+ML-KEM-768'],
    ['X25519Kyber768', 'X25519+ML-KEM-768'],
    ['X-Wing', 'X25519+ML-KEM-768'],
    ['xwing', 'X25519+ML-KEM-768'],
    ['X25519+Kyber512', 'X25519+ML-KEM-512'],
    ['X25519+Kyber1024', 'X25519+ML-KEM-1024'],
    ['Kyber512', 'ML-KEM-512'],
    ['Kyber768', 'ML-KEM-768'],
    ['MLKEM768', 'ML-KEM-768'],
    ['kyber1024', 'ML-KEM-1024'],
    ['ml-kem-768', 'ML-KEM-768'],
    ['Curve25519', 'X25519'],
  ])('legacy alias %s resolves to %s', (alias, canonical) => {
    const k = kem(alias as KemSuiteInput); // the types take the listed spellings; any case at run time
    expect(k.name).toBe(canonical);
    expect(k).toBe(kem(canonical as KemSuiteName)); // one cached instance per suite
  });

  it('refuses an unknown suite with UNKNOWN_SUITE', () => {
    // @ts-expect-error a typo fails at compile time, and at run time
    expectThrow(() => kem('Kyber9000'), UnknownSuiteError, 'UNKNOWN_SUITE');
    // @ts-expect-error
    expectThrow(() => kem(''), UnknownSuiteError, 'UNKNOWN_SUITE');
    // @ts-expect-error a signature suite is no KEM suite
    expectThrow(() => kem('ML-DSA-65'), UnknownSuiteError, 'UNKNOWN_SUITE');
  });

  it('refuses a suite name that is not a string', () => {
    for (const v of [42, null, undefined, ['ML-KEM-768'], { name: 'ML-KEM-768' }]) {
      expectThrow(() => kem(bad<KemSuiteInput>(v)), InvalidTypeError, 'INVALID_TYPE');
    }
  });

  it('refuses an unknown backend, and PQClean for suites it does not implement', () => {
    expectThrow(() => kem('ML-KEM-768', { backend: bad('liboqs') }), InvalidArgumentError, 'INVALID_ARGUMENT');
    for (const name of [...HYBRID, 'X25519'] as const) {
      expectThrow(() => kem(name, { backend: 'pqclean' }), UnsupportedError, 'UNSUPPORTED');
    }
  });
});

describe.each(kemSuites.map((name) => [name] as const))('%s', (name) => {
  const k = kem(name);
  const [pkLen, skLen, ctLen, seedLen, randLen] = EXPECTED_LENGTHS[name];

  it('reports its lengths (frozen) and flags', () => {
    expect(k.lengths).toEqual({
      publicKey: pkLen,
      secretKey: skLen,
      cipherText: ctLen,
      sharedSecret: 32,
      keygenSeed: seedLen,
      encapsulationRandomness: randLen,
    });
    expect(Object.isFrozen(k.lengths)).toBe(true);
    expect(k.postQuantum).toBe(name !== 'X25519');
    expect(k.hybrid).toBe(name.startsWith('X25519+'));
    expect(k.backend).toBe('default');
  });

  it('round trips (sync) with outputs of the advertised lengths', () => {
    const { publicKey, secretKey } = k.keygen();
    expect(publicKey.length).toBe(pkLen);
    expect(secretKey.length).toBe(skLen);
    const { cipherText, sharedSecret } = k.encapsulate(publicKey);
    expect(cipherText.length).toBe(ctLen);
    expect(sharedSecret.length).toBe(32);
    expect(hex(k.decapsulate(cipherText, secretKey))).toBe(hex(sharedSecret));
  });

  it('round trips (async), and async agrees with sync', async () => {
    const { publicKey, secretKey } = await k.keygenAsync();
    const { cipherText, sharedSecret } = await k.encapsulateAsync(publicKey);
    expect(hex(await k.decapsulateAsync(cipherText, secretKey))).toBe(hex(sharedSecret));
    expect(hex(k.decapsulate(cipherText, secretKey))).toBe(hex(sharedSecret));
    const seed = bytes(seedLen, 7);
    expect(hex((await k.keygenAsync(seed)).publicKey)).toBe(hex(k.keygen(seed).publicKey));
    const r = bytes(randLen, 9);
    expect(hex((await k.encapsulateAsync(publicKey, r)).cipherText)).toBe(hex(k.encapsulate(publicKey, r).cipherText));
  });

  it('fresh keys and encapsulations differ between calls', () => {
    const a = k.keygen();
    const b = k.keygen();
    expect(hex(a.publicKey)).not.toBe(hex(b.publicKey));
    const e1 = k.encapsulate(a.publicKey);
    const e2 = k.encapsulate(a.publicKey);
    expect(hex(e1.cipherText)).not.toBe(hex(e2.cipherText));
    expect(hex(e1.sharedSecret)).not.toBe(hex(e2.sharedSecret));
  });

  it('is deterministic given a seed and encapsulation randomness', () => {
    const seed = bytes(seedLen);
    const a = k.keygen(seed);
    const b = k.keygen(Uint8Array.from(seed));
    expect(hex(a.publicKey)).toBe(hex(b.publicKey));
    expect(hex(a.secretKey)).toBe(hex(b.secretKey));
    // Byte 1: X25519 clamps low bits of byte 0, so flipping those would not change the key.
    expect(hex(k.keygen(flip(seed, 1)).publicKey)).not.toBe(hex(a.publicKey));

    const r = bytes(randLen, 0x5a);
    const e1 = k.encapsulate(a.publicKey, r);
    const e2 = k.encapsulate(a.publicKey, Uint8Array.from(r));
    expect(hex(e1.cipherText)).toBe(hex(e2.cipherText));
    expect(hex(e1.sharedSecret)).toBe(hex(e2.sharedSecret));
    const e3 = k.encapsulate(a.publicKey, flip(r, -1));
    expect(hex(e3.cipherText)).not.toBe(hex(e1.cipherText));
    expect(hex(k.decapsulate(e1.cipherText, a.secretKey))).toBe(hex(e1.sharedSecret));
  });

  it('a secret key decapsulates only its own ciphertexts', () => {
    const a = k.keygen();
    const b = k.keygen();
    const { cipherText, sharedSecret } = k.encapsulate(a.publicKey);
    let other: Uint8Array | undefined;
    try {
      other = k.decapsulate(cipherText, b.secretKey);
    } catch {
      other = undefined; // X25519 never throws here either, but a throw is also not a match
    }
    expect(other && hex(other)).not.toBe(hex(sharedSecret));
  });

  describe('length checks', () => {
    const { publicKey, secretKey } = k.keygen();
    const { cipherText } = k.encapsulate(publicKey);

    it.each(wrongLengths(pkLen))('publicKey of %i bytes → BAD_LENGTH (sync and async)', async (n) => {
      expectThrow(() => k.encapsulate(bytes(n)), InvalidLengthError, 'BAD_LENGTH');
      expectThrow(() => k.importKeyPair(secretKey, bytes(n)), InvalidLengthError, 'BAD_LENGTH');
      await expectReject(() => k.encapsulateAsync(bytes(n)), InvalidLengthError, 'BAD_LENGTH');
    });

    it.each(wrongLengths(skLen))('secretKey of %i bytes → BAD_LENGTH (sync and async)', async (n) => {
      expectThrow(() => k.decapsulate(cipherText, bytes(n)), InvalidLengthError, 'BAD_LENGTH');
      expectThrow(() => k.importKeyPair(bytes(n), publicKey), InvalidLengthError, 'BAD_LENGTH');
      await expectReject(() => k.decapsulateAsync(cipherText, bytes(n)), InvalidLengthError, 'BAD_LENGTH');
    });

    it.each(wrongLengths(ctLen))('cipherText of %i bytes → BAD_LENGTH (sync, async, key pair)', async (n) => {
      expectThrow(() => k.decapsulate(bytes(n), secretKey), InvalidLengthError, 'BAD_LENGTH');
      await expectReject(() => k.decapsulateAsync(bytes(n), secretKey), InvalidLengthError, 'BAD_LENGTH');
      const kp = k.generateKeyPair();
      expectThrow(() => kp.decapsulate(bytes(n)), InvalidLengthError, 'BAD_LENGTH');
      await expectReject(() => kp.decapsulateAsync(bytes(n)), InvalidLengthError, 'BAD_LENGTH');
    });

    it.each(wrongLengths(seedLen))('seed of %i bytes → BAD_LENGTH (sync, async, key pair)', async (n) => {
      expectThrow(() => k.keygen(bytes(n)), InvalidLengthError, 'BAD_LENGTH');
      expectThrow(() => k.generateKeyPair(bytes(n)), InvalidLengthError, 'BAD_LENGTH');
      await expectReject(() => k.keygenAsync(bytes(n)), InvalidLengthError, 'BAD_LENGTH');
    });

    it.each(wrongLengths(randLen))('randomness of %i bytes → BAD_LENGTH (sync and async)', async (n) => {
      expectThrow(() => k.encapsulate(publicKey, bytes(n)), InvalidLengthError, 'BAD_LENGTH');
      await expectReject(() => k.encapsulateAsync(publicKey, bytes(n)), InvalidLengthError, 'BAD_LENGTH');
    });
  });

  describe('type checks', () => {
    const { publicKey, secretKey } = k.keygen();
    const { cipherText } = k.encapsulate(publicKey);

    it.each(NOT_BYTES)('%s where bytes are required → INVALID_TYPE (sync, async, key pair)', async (_, v) => {
      const u = bad<Uint8Array>(v);
      expectThrow(() => k.encapsulate(u), InvalidTypeError, 'INVALID_TYPE');
      expectThrow(() => k.decapsulate(u, secretKey), InvalidTypeError, 'INVALID_TYPE');
      expectThrow(() => k.decapsulate(cipherText, u), InvalidTypeError, 'INVALID_TYPE');
      expectThrow(() => k.importKeyPair(u, publicKey), InvalidTypeError, 'INVALID_TYPE');
      expectThrow(() => k.importKeyPair(secretKey, u), InvalidTypeError, 'INVALID_TYPE');
      await expectReject(() => k.encapsulateAsync(u), InvalidTypeError, 'INVALID_TYPE');
      await expectReject(() => k.decapsulateAsync(u, secretKey), InvalidTypeError, 'INVALID_TYPE');
      await expectReject(() => k.decapsulateAsync(cipherText, u), InvalidTypeError, 'INVALID_TYPE');
      const kp = k.generateKeyPair();
      expectThrow(() => kp.decapsulate(u), InvalidTypeError, 'INVALID_TYPE');
      await expectReject(() => kp.decapsulateAsync(u), InvalidTypeError, 'INVALID_TYPE');
    });

    it.each(NOT_BYTES_OPTIONAL)('%s as seed or randomness → INVALID_TYPE', async (_, v) => {
      const u = bad<Uint8Array>(v);
      expectThrow(() => k.keygen(u), InvalidTypeError, 'INVALID_TYPE');
      expectThrow(() => k.generateKeyPair(u), InvalidTypeError, 'INVALID_TYPE');
      expectThrow(() => k.encapsulate(publicKey, u), InvalidTypeError, 'INVALID_TYPE');
      await expectReject(() => k.keygenAsync(u), InvalidTypeError, 'INVALID_TYPE');
      await expectReject(() => k.encapsulateAsync(publicKey, u), InvalidTypeError, 'INVALID_TYPE');
    });

    it('accepts a Buffer (a Uint8Array) and a subarray view', () => {
      const big = new Uint8Array(publicKey.length + 8);
      big.set(publicKey, 3);
      const { cipherText: ct, sharedSecret } = k.encapsulate(big.subarray(3, 3 + publicKey.length));
      expect(hex(k.decapsulate(Buffer.from(ct), Buffer.from(secretKey)))).toBe(hex(sharedSecret));
    });
  });

  describe('key-pair handles', () => {
    it('generate → decapsulate (sync and async), export → import round trip', async () => {
      const kp = k.generateKeyPair();
      expect(kp).toBeInstanceOf(KemKeyPair);
      expect(kp.suite).toBe(name);
      expect(kp.publicKey.length).toBe(pkLen);
      const { cipherText, sharedSecret } = k.encapsulate(kp.publicKey);
      expect(hex(kp.decapsulate(cipherText))).toBe(hex(sharedSecret));
      expect(hex(await kp.decapsulateAsync(cipherText))).toBe(hex(sharedSecret));

      const sk = kp.exportSecretKey();
      expect(sk.length).toBe(skLen);
      expect(hex(k.decapsulate(cipherText, sk))).toBe(hex(sharedSecret));
      const again = k.importKeyPair(sk, kp.publicKey);
      expect(hex(again.publicKey)).toBe(hex(kp.publicKey));
      expect(hex(again.decapsulate(cipherText))).toBe(hex(sharedSecret));
      expect(hex(again.exportSecretKey())).toBe(hex(sk));
    });

    it('seeded generation matches byte-level keygen', () => {
      const seed = bytes(seedLen, 3);
      const kp = k.generateKeyPair(seed);
      const keys = k.keygen(seed);
      expect(hex(kp.publicKey)).toBe(hex(keys.publicKey));
      expect(hex(kp.exportSecretKey())).toBe(hex(keys.secretKey));
    });

    it('refuses to import halves that do not belong together', () => {
      const a = k.keygen();
      const b = k.keygen();
      expectThrow(() => k.importKeyPair(a.secretKey, b.publicKey), InvalidKeyError, 'INVALID_KEY');
    });

    it('JSON.stringify and util.inspect show no secret', () => {
      const seed = bytes(seedLen, 0xab);
      const kp = k.generateKeyPair(seed);
      const sk = kp.exportSecretKey();
      const json = JSON.stringify(kp);
      expect(JSON.parse(json)).toEqual({ suite: name, publicKeyLength: pkLen });
      const shown = `${json}\n${inspect(kp, { depth: 10, showHidden: true })}\n${String(kp)}`;
      expect(shown).not.toContain(hex(sk).slice(0, 16));
      expect(shown).not.toContain(Buffer.from(sk).toString('base64').slice(0, 16));
      expect(shown).not.toContain(Array.from(sk.subarray(0, 6)).join(', '));
    });
  });
});

describe('ML-KEM specifics', () => {
  it.each(ML_KEM)('%s: a tampered ciphertext decapsulates to a different secret without throwing (implicit rejection)', (name) => {
    const k = kem(name);
    const { publicKey, secretKey } = k.keygen();
    const { cipherText, sharedSecret } = k.encapsulate(publicKey);
    for (const index of [0, Math.floor(cipherText.length / 2), -1]) {
      const tampered = flip(cipherText, index, 3);
      const rejected = k.decapsulate(tampered, secretKey);
      expect(rejected.length).toBe(32);
      expect(hex(rejected)).not.toBe(hex(sharedSecret));
      // The rejection secret is a function of z and the ciphertext: stable across calls.
      expect(hex(k.decapsulate(tampered, secretKey))).toBe(hex(rejected));
    }
  });

  it.each(ML_KEM)('%s: a public key failing the modulus check → INVALID_KEY', async (name) => {
    const k = kem(name);
    const broken = breakModulus(k.keygen().publicKey);
    expectThrow(() => k.encapsulate(broken), InvalidKeyError, 'INVALID_KEY');
    expectThrow(() => k.encapsulate(broken, bytes(32)), InvalidKeyError, 'INVALID_KEY');
    await expectReject(() => k.encapsulateAsync(broken), InvalidKeyError, 'INVALID_KEY');
    const other = k.keygen();
    expectThrow(() => k.importKeyPair(other.secretKey, broken), InvalidKeyError, 'INVALID_KEY');
    // The largest valid coefficient, q - 1 = 3328 = 0xD00, passes.
    const edge = Uint8Array.from(other.publicKey);
    edge[0] = 0x00;
    edge[1] = ((edge[1] as number) & 0xf0) | 0x0d;
    expect(k.encapsulate(edge).cipherText.length).toBe(k.lengths.cipherText);
  });

  it.each(ML_KEM)('%s: a secret key failing the FIPS 203 hash check → INVALID_KEY', (name) => {
    const k = kem(name);
    const { publicKey, secretKey } = k.keygen();
    const { cipherText } = k.encapsulate(publicKey);
    const tampered = flip(secretKey, secretKey.length - 64); // first byte of H(ek)
    expectThrow(() => k.decapsulate(cipherText, tampered), InvalidKeyError, 'INVALID_KEY');
    expectThrow(() => k.importKeyPair(tampered, publicKey), InvalidKeyError, 'INVALID_KEY');
  });

  it.each(ML_KEM)('%s: the PQClean backend runs the same modulus check on public keys', (name) => {
    expectThrow(() => kem(name, { backend: 'pqclean' }).encapsulate(breakModulus(kem(name).keygen().publicKey)), InvalidKeyError, 'INVALID_KEY');
  });

  it.each(ML_KEM)('%s: the PQClean backend runs the same FIPS 203 hash check on byte secret keys', (name) => {
    const pq = kem(name, { backend: 'pqclean' });
    const { publicKey, secretKey } = pq.keygen();
    const { cipherText } = pq.encapsulate(publicKey);
    expect(pq.decapsulate(cipherText, secretKey).length).toBe(32);
    const tampered = flip(secretKey, secretKey.length - 64); // first byte of H(ek)
    expectThrow(() => pq.decapsulate(cipherText, tampered), InvalidKeyError, 'INVALID_KEY');
  });

  describe.each(ML_KEM)('%s: PQClean backend', (name) => {
    const def = kem(name);
    // Made in beforeAll, not while the tests are collected: a build without this backend
    // (the pure-Rust one: docs/primitives.md) then fails these tests by name, not the file.
    let pq!: Kem;
    beforeAll(() => {
      pq = kem(name, { backend: 'pqclean' });
    });

    it('is a separate instance with the same lengths', () => {
      expect(pq).not.toBe(def);
      expect(pq.name).toBe(name);
      expect(pq.backend).toBe('pqclean');
      expect(pq.lengths).toEqual(def.lengths);
    });

    it('encapsulates to default-backend keys, and the default backend to PQClean keys', async () => {
      const d = def.keygen();
      const e1 = pq.encapsulate(d.publicKey);
      expect(hex(def.decapsulate(e1.cipherText, d.secretKey))).toBe(hex(e1.sharedSecret));
      expect(hex(pq.decapsulate(e1.cipherText, d.secretKey))).toBe(hex(e1.sharedSecret));

      const p = await pq.keygenAsync();
      const e2 = def.encapsulate(p.publicKey);
      expect(hex(pq.decapsulate(e2.cipherText, p.secretKey))).toBe(hex(e2.sharedSecret));
      expect(hex(await pq.decapsulateAsync(e2.cipherText, p.secretKey))).toBe(hex(e2.sharedSecret));
      expect(hex(def.importKeyPair(p.secretKey, p.publicKey).decapsulate(e2.cipherText))).toBe(hex(e2.sharedSecret));
    });

    it('agrees with the default backend on implicit rejection', () => {
      const d = def.keygen();
      const tampered = flip(def.encapsulate(d.publicKey).cipherText, 5);
      expect(hex(pq.decapsulate(tampered, d.secretKey))).toBe(hex(def.decapsulate(tampered, d.secretKey)));
    });

    it('refuses seeded key generation and seeded encapsulation with UNSUPPORTED', async () => {
      expectThrow(() => pq.keygen(bytes(64)), UnsupportedError, 'UNSUPPORTED');
      await expectReject(() => pq.keygenAsync(bytes(64)), UnsupportedError, 'UNSUPPORTED');
      const { publicKey } = def.keygen();
      expectThrow(() => pq.encapsulate(publicKey, bytes(32)), UnsupportedError, 'UNSUPPORTED');
      await expectReject(() => pq.encapsulateAsync(publicKey, bytes(32)), UnsupportedError, 'UNSUPPORTED');
    });

    it('makes key-pair handles with PQClean: a seed is refused there too, unlike with the default backend', () => {
      expectThrow(() => pq.generateKeyPair(bytes(64)), UnsupportedError, 'UNSUPPORTED');
      expect(def.generateKeyPair(bytes(64)).suite).toBe(name);
      using kp = pq.generateKeyPair();
      const e = def.encapsulate(kp.publicKey);
      expect(hex(kp.decapsulate(e.cipherText))).toBe(hex(e.sharedSecret));
      using again = pq.importKeyPair(kp.exportSecretKey(), kp.publicKey);
      expect(hex(again.decapsulate(e.cipherText))).toBe(hex(e.sharedSecret));
    });
  });
});

const BACKENDS: readonly Backend[] = ['default', 'libcrux', 'rustcrypto', 'pqclean'];

/** Whether `backend` implements `name` (docs/primitives.md, "Backends"); the rest are UNSUPPORTED. */
function offers(backend: Backend, name: KemSuiteName): boolean {
  if (backend === 'rustcrypto' || backend === 'libcrux') return name !== 'X25519';
  if (backend === 'pqclean') return ML_KEM.includes(name);
  return true;
}

describe.each(kemSuites.flatMap((name) => BACKENDS.map((backend) => [name, backend] as const)))('%s through the %s backend', (name, backend) => {
  if (!offers(backend, name)) {
    it('is refused with UNSUPPORTED', () => {
      expectThrow(() => kem(name, { backend }), UnsupportedError, 'UNSUPPORTED');
    });
    return;
  }
  const def = kem(name);
  // Made in beforeAll, not while the tests are collected: a build without this backend
  // (the pure-Rust one: docs/primitives.md) then fails these tests by name, not the file.
  let k!: Kem;
  beforeAll(() => {
    k = kem(name, { backend });
  });

  it('reports its backend and the lengths of the default one', () => {
    expect(k.backend).toBe(backend);
    expect(k.name).toBe(name);
    expect(k.lengths).toEqual(def.lengths);
    expect(kem(name, { backend })).toBe(k);
  });

  it('round trips, sync and async, and interoperates with the default backend both ways', async () => {
    const own = await k.keygenAsync();
    const e1 = def.encapsulate(own.publicKey);
    expect(hex(k.decapsulate(e1.cipherText, own.secretKey))).toBe(hex(e1.sharedSecret));
    expect(hex(await k.decapsulateAsync(e1.cipherText, own.secretKey))).toBe(hex(e1.sharedSecret));
    const theirs = def.keygen();
    const e2 = await k.encapsulateAsync(theirs.publicKey);
    expect(hex(def.decapsulate(e2.cipherText, theirs.secretKey))).toBe(hex(e2.sharedSecret));
    const e3 = k.encapsulate(theirs.publicKey);
    expect(hex(k.decapsulate(e3.cipherText, theirs.secretKey))).toBe(hex(e3.sharedSecret));
  });

  it('makes key-pair handles that work with the default backend both ways', () => {
    using kp = k.generateKeyPair();
    const e = def.encapsulate(kp.publicKey);
    expect(hex(kp.decapsulate(e.cipherText))).toBe(hex(e.sharedSecret));
    const theirs = def.keygen();
    using imported = k.importKeyPair(theirs.secretKey, theirs.publicKey);
    const f = k.encapsulate(theirs.publicKey);
    expect(hex(imported.decapsulate(f.cipherText))).toBe(hex(f.sharedSecret));
    if (backend !== 'pqclean') {
      using seeded = k.generateKeyPair(bytes(k.lengths.keygenSeed, 3));
      expect(hex(seeded.publicKey)).toBe(hex(def.keygen(bytes(k.lengths.keygenSeed, 3)).publicKey));
    }
  });

  if (backend !== 'pqclean') {
    it('gives the bytes of the default backend from the same seed and randomness', async () => {
      const seed = bytes(k.lengths.keygenSeed, 3);
      const a = k.keygen(seed);
      const b = def.keygen(seed);
      expect(hex(a.publicKey)).toBe(hex(b.publicKey));
      expect(hex(a.secretKey)).toBe(hex(b.secretKey));
      const r = bytes(k.lengths.encapsulationRandomness, 4);
      const e = await k.encapsulateAsync(a.publicKey, r);
      const f = def.encapsulate(a.publicKey, r);
      expect(hex(e.cipherText)).toBe(hex(f.cipherText));
      expect(hex(e.sharedSecret)).toBe(hex(f.sharedSecret));
    });
  }

  if (name !== 'X25519') {
    it('runs the FIPS 203 modulus check on public keys', () => {
      const pk = k.keygen().publicKey;
      expectThrow(() => k.encapsulate(breakModulus(pk)), InvalidKeyError, 'INVALID_KEY');
    });
  }
});

describe('hybrid specifics', () => {
  describe.each(HYBRID)('%s', (name) => {
    const k = kem(name);
    const mlCt = k.lengths.cipherText - 32;
    const { publicKey, secretKey } = k.keygen(bytes(32, 1));
    const { cipherText, sharedSecret } = k.encapsulate(publicKey, bytes(64, 2));

    it('the secret key is the seed', () => {
      expect(hex(secretKey)).toBe(hex(bytes(32, 1)));
    });

    it('flipping a bit in the ML-KEM part gives a different secret', () => {
      for (const index of [0, mlCt - 1]) {
        const s = k.decapsulate(flip(cipherText, index), secretKey);
        expect(hex(s)).not.toBe(hex(sharedSecret));
      }
    });

    it('flipping a bit in the X25519 part gives a different secret', () => {
      for (const [index, bit] of [[mlCt, 0], [mlCt + 16, 4], [cipherText.length - 1, 7]] as const) {
        // Bit 7 of the last byte is ignored by X25519 itself but the combiner hashes ct_X.
        const s = k.decapsulate(flip(cipherText, index, bit), secretKey);
        expect(hex(s)).not.toBe(hex(sharedSecret));
      }
    });

    it('an ML-KEM half failing the modulus check → INVALID_KEY', () => {
      expectThrow(() => k.encapsulate(breakModulus(publicKey)), InvalidKeyError, 'INVALID_KEY');
    });

    it('does not check the X25519 half for contributory behaviour (as the X-Wing draft)', () => {
      const zeroX = Uint8Array.from(publicKey);
      zeroX.fill(0, zeroX.length - 32);
      expect(k.encapsulate(zeroX).sharedSecret.length).toBe(32);
      const zeroCt = Uint8Array.from(cipherText);
      zeroCt.fill(0, mlCt);
      expect(k.decapsulate(zeroCt, secretKey).length).toBe(32);
    });
  });

  it('the three hybrids use different labels: the same seeds never give the same secret', () => {
    const secrets = HYBRID.map((name) => {
      const k = kem(name);
      return hex(k.encapsulate(k.keygen(bytes(32, 1)).publicKey, bytes(64, 2)).sharedSecret);
    });
    expect(new Set(secrets).size).toBe(3);
  });
});

describe('X25519 as a KEM', () => {
  const k = kem('X25519');

  it('refuses a low-order (all-zero) public key or ciphertext with NON_CONTRIBUTORY', async () => {
    expectThrow(() => k.encapsulate(new Uint8Array(32)), InvalidKeyError, 'NON_CONTRIBUTORY');
    await expectReject(() => k.encapsulateAsync(new Uint8Array(32)), InvalidKeyError, 'NON_CONTRIBUTORY');
    const { secretKey } = k.keygen();
    expectThrow(() => k.decapsulate(new Uint8Array(32), secretKey), InvalidKeyError, 'NON_CONTRIBUTORY');
    await expectReject(() => k.decapsulateAsync(new Uint8Array(32), secretKey), InvalidKeyError, 'NON_CONTRIBUTORY');
  });

  it('the ciphertext is the ephemeral public key of the randomness', () => {
    const { publicKey } = k.keygen();
    const r = bytes(32, 0x33);
    expect(hex(k.encapsulate(publicKey, r).cipherText)).toBe(hex(k.keygen(r).publicKey));
  });
});
