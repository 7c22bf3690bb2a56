/**
 * One list of API cases, run against `pqwire` (test/api-cases.test.ts) and against
 * `pqwire-react-native` on the C ABI of its JSI module
 * (packages/pqwire-react-native/test/api.test.ts): the same calls, the same results and
 * the same typed errors, for the subset the React Native package offers (docs/react-native.md).
 */
import { expect } from 'vitest';
import type * as Pqwire from '../ts/src/index';

/** What the cases use of the API, typed by `pqwire`'s own declarations. */
export type Api = Pick<
  typeof Pqwire,
  | 'kem'
  | 'kemSuites'
  | 'mlKem768'
  | 'xWing'
  | 'sig'
  | 'sigSuites'
  | 'mlDsa65'
  | 'ed25519'
  | 'aead'
  | 'aeadSuites'
  | 'hkdf'
  | 'sha3_256'
  | 'shake256'
  | 'createIdentity'
  | 'Identity'
  | 'InMemoryPrekeyStore'
  | 'createPrekeyBundle'
  | 'initiateSession'
  | 'acceptSession'
  | 'Session'
  | 'PqwireError'
>;

/** One case: a name and what it checks. */
export interface ApiCase {
  name: string;
  run(api: Api): void | Promise<void>;
}

const T0 = 1_700_000_000;
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const flip = (b: Uint8Array, i: number): Uint8Array => {
  const c = b.slice();
  c[i < 0 ? c.length + i : i]! ^= 1;
  return c;
};

/** `f` throws a pqwire error of class `className` with `code`. */
async function rejects(api: Api, f: () => unknown, className: string, code: string): Promise<void> {
  let thrown: unknown;
  try {
    await f();
  } catch (e) {
    thrown = e;
  }
  expect(thrown, `expected ${className} ${code}`).toBeInstanceOf(api.PqwireError);
  const e = thrown as { name: string; code: string };
  expect([e.name, e.code]).toEqual([className, code]);
}

async function pair(api: Api, options: { oneTime?: boolean } = {}) {
  const alice = api.createIdentity({ created: T0 - 10 });
  const bob = api.createIdentity({ created: T0 - 10 });
  const prekeyStore = new api.InMemoryPrekeyStore();
  const oneTime = options.oneTime ?? true;
  const bundle = await api.createPrekeyBundle(bob, { prekeyStore, oneTimePrekey: oneTime, oneTimeKemPrekey: oneTime, now: T0 });
  const { session: a, initialMessage, peer } = await api.initiateSession(bundle, { identity: alice, plaintext: utf8('hello Bob'), now: T0 });
  const accepted = await api.acceptSession(initialMessage, { identity: bob, prekeyStore, now: T0 + 1 });
  return { alice, bob, prekeyStore, a, b: accepted.session, initialMessage, peer, accepted };
}

export const API_CASES: ApiCase[] = [
  {
    name: 'every KEM suite round-trips with the sizes it states',
    run(api) {
      expect([...api.kemSuites].sort()).toEqual(
        ['ML-KEM-1024', 'ML-KEM-512', 'ML-KEM-768', 'X25519', 'X25519+ML-KEM-1024', 'X25519+ML-KEM-512', 'X25519+ML-KEM-768'],
      );
      for (const name of api.kemSuites) {
        const k = api.kem(name);
        const { publicKey, secretKey } = k.keygen();
        expect([publicKey.length, secretKey.length]).toEqual([k.lengths.publicKey, k.lengths.secretKey]);
        const { cipherText, sharedSecret } = k.encapsulate(publicKey);
        expect(cipherText.length).toBe(k.lengths.cipherText);
        expect(hex(k.decapsulate(cipherText, secretKey))).toBe(hex(sharedSecret));
      }
      expect(api.xWing.lengths).toMatchObject({ publicKey: 1216, cipherText: 1120, secretKey: 32, sharedSecret: 32 });
      expect([api.xWing.hybrid, api.mlKem768.hybrid, api.kem('X25519').postQuantum]).toEqual([true, false, false]);
    },
  },
  {
    name: 'KEM seeds and randomness are deterministic; legacy aliases resolve',
    run(api) {
      const seed = new Uint8Array(api.xWing.lengths.keygenSeed).fill(7);
      expect(hex(api.xWing.keygen(seed).publicKey)).toBe(hex(api.xWing.keygen(seed).publicKey));
      const r = new Uint8Array(api.mlKem768.lengths.encapsulationRandomness).fill(3);
      const { publicKey } = api.mlKem768.keygen();
      expect(hex(api.mlKem768.encapsulate(publicKey, r).cipherText)).toBe(hex(api.mlKem768.encapsulate(publicKey, r).cipherText));
      expect(api.kem('X25519+Kyber768').name).toBe('X25519+ML-KEM-768');
    },
  },
  {
    name: 'KEM bad input: wrong lengths, types and suites are typed errors; a tampered ML-KEM ciphertext gives another secret',
    async run(api) {
      const { publicKey, secretKey } = api.xWing.keygen();
      await rejects(api, () => api.xWing.encapsulate(publicKey.subarray(1)), 'InvalidLengthError', 'BAD_LENGTH');
      await rejects(api, () => api.xWing.keygen(new Uint8Array(5)), 'InvalidLengthError', 'BAD_LENGTH');
      await rejects(api, () => api.xWing.encapsulate('key' as never), 'InvalidTypeError', 'INVALID_TYPE');
      await rejects(api, () => api.kem('RSA-2048' as never), 'UnknownSuiteError', 'UNKNOWN_SUITE');
      const { cipherText, sharedSecret } = api.xWing.encapsulate(publicKey);
      await rejects(api, () => api.xWing.decapsulate(cipherText.subarray(1), secretKey), 'InvalidLengthError', 'BAD_LENGTH');
      expect(hex(api.xWing.decapsulate(flip(cipherText, -1), secretKey))).not.toBe(hex(sharedSecret));
      const bad = api.mlKem768.keygen().publicKey.slice();
      bad[0] = 0xff;
      bad[1] = 0xff;
      await rejects(api, () => api.mlKem768.encapsulate(bad), 'InvalidKeyError', 'INVALID_KEY');
    },
  },
  {
    name: 'every signature suite signs and verifies; tampering is valid: false',
    run(api) {
      for (const name of api.sigSuites) {
        const s = api.sig(name);
        const { publicKey, secretKey } = s.keygen();
        const context = name === 'Ed25519' ? undefined : utf8('app');
        const signature = s.sign(utf8('msg'), secretKey, { context });
        expect(signature.length).toBe(s.lengths.signature);
        const v = s.verify(signature, utf8('msg'), publicKey, { context });
        expect(v).toEqual({ valid: true, classicValid: name.startsWith('Ed25519'), quantumValid: name.includes('ML-DSA'), algorithm: name });
        expect(s.verify(flip(signature, 0), utf8('msg'), publicKey, { context }).valid).toBe(false);
        expect(s.verify(signature, utf8('msh'), publicKey, { context }).valid).toBe(false);
      }
    },
  },
  {
    name: 'signing modes and their refusals',
    async run(api) {
      const { secretKey, publicKey } = api.mlDsa65.keygen();
      const m = utf8('m');
      expect(hex(api.mlDsa65.sign(m, secretKey, { deterministic: true }))).toBe(hex(api.mlDsa65.sign(m, secretKey, { deterministic: true })));
      const randomness = new Uint8Array(32).fill(9);
      expect(hex(api.mlDsa65.sign(m, secretKey, { randomness }))).toBe(hex(api.mlDsa65.sign(m, secretKey, { randomness })));
      await rejects(api, () => api.mlDsa65.sign(m, secretKey, { randomness, deterministic: true }), 'InvalidArgumentError', 'INVALID_ARGUMENT');
      await rejects(api, () => api.mlDsa65.sign(m, secretKey, { context: new Uint8Array(256) }), 'InvalidArgumentError', 'INVALID_ARGUMENT');
      await rejects(api, () => api.mlDsa65.sign(m, secretKey, { ctx: m } as never), 'InvalidArgumentError', 'INVALID_ARGUMENT');
      await rejects(api, () => api.mlDsa65.verify(new Uint8Array(10), m, publicKey.subarray(1)), 'InvalidLengthError', 'BAD_LENGTH');
      expect(api.mlDsa65.verify(new Uint8Array(10), m, publicKey).valid).toBe(false);
      await rejects(api, () => api.ed25519.sign(m, secretKey), 'InvalidLengthError', 'BAD_LENGTH');
    },
  },
  {
    name: 'AEAD seals and opens; any tampering is AuthenticationError',
    async run(api) {
      expect([...api.aeadSuites].sort()).toEqual(['AES-256-GCM', 'ChaCha20-Poly1305']);
      for (const name of api.aeadSuites) {
        const a = api.aead(name);
        const key = new Uint8Array(32).fill(1);
        const nonce = new Uint8Array(12).fill(2);
        const sealed = a.seal(key, nonce, utf8('hello'), utf8('ad'));
        expect(sealed.length).toBe(5 + 16);
        expect(new TextDecoder().decode(a.open(key, nonce, sealed, utf8('ad')))).toBe('hello');
        await rejects(api, () => a.open(key, nonce, flip(sealed, 0), utf8('ad')), 'AuthenticationError', 'AUTH_FAILED');
        await rejects(api, () => a.open(key, nonce, sealed, utf8('AD')), 'AuthenticationError', 'AUTH_FAILED');
        await rejects(api, () => a.open(flip(key, 3), nonce, sealed, utf8('ad')), 'AuthenticationError', 'AUTH_FAILED');
        await rejects(api, () => a.seal(key.subarray(1), nonce, utf8('x')), 'InvalidLengthError', 'BAD_LENGTH');
        await rejects(api, () => a.seal(key, nonce.subarray(1), utf8('x')), 'InvalidLengthError', 'BAD_LENGTH');
      }
    },
  },
  {
    name: 'HKDF matches RFC 5869 test case 1; SHA3-256 and SHAKE256 match their known answers',
    async run(api) {
      const ikm = new Uint8Array(22).fill(0x0b);
      const salt = Uint8Array.from({ length: 13 }, (_, i) => i);
      const info = Uint8Array.from({ length: 10 }, (_, i) => 0xf0 + i);
      expect(hex(api.hkdf('SHA-256', ikm, { salt, info, length: 42 }))).toBe(
        '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865',
      );
      expect(api.hkdf('SHA-512', ikm).length).toBe(64);
      await rejects(api, () => api.hkdf('SHA-256', ikm, { length: 255 * 32 + 1 }), 'OutputTooLongError', 'OUTPUT_TOO_LONG');
      await rejects(api, () => api.hkdf('MD5' as never, ikm), 'UnknownSuiteError', 'UNKNOWN_SUITE');
      expect(hex(api.sha3_256(new Uint8Array(0)))).toBe('a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a');
      expect(hex(api.shake256(new Uint8Array(0), 16))).toBe('46b9dd2b0ba88d13233b3feb743eeb24');
    },
  },
  {
    name: 'identities: fingerprints, seeds, export and import, dispose',
    async run(api) {
      const seed = new Uint8Array(32).fill(5);
      const x = api.createIdentity({ seed, created: T0 });
      const y = api.createIdentity({ seed, created: T0 });
      expect(x.fingerprint).toMatch(/^[0-9a-f]{32}$/);
      expect(x.fingerprint).toBe(y.fingerprint);
      expect(x.suite).toBe('Ed25519+ML-DSA-65');
      expect(api.createIdentity({ suite: 'Ed25519+ML-DSA-87' }).suite).toBe('Ed25519+ML-DSA-87');
      const record = x.export();
      const back = api.Identity.import(record);
      expect(back.fingerprint).toBe(x.fingerprint);
      await rejects(api, () => api.Identity.import(record.subarray(0, record.length - 1)), 'WireFormatError', 'TRUNCATED');
      await rejects(api, () => api.createIdentity({ seed: new Uint8Array(31) }), 'InvalidLengthError', 'BAD_LENGTH');
      await rejects(api, () => api.createIdentity({ suite: 'Ed25519' as never }), 'InvalidArgumentError', 'INVALID_ARGUMENT');
      x.dispose();
      expect(x.disposed).toBe(true);
      await rejects(api, () => x.export(), 'DisposedError', 'DISPOSED');
      for (const i of [y, back]) i.dispose();
    },
  },
  {
    name: 'a session: handshake, messages both ways with associated data, facts agree',
    async run(api) {
      const { alice, bob, a, b, accepted, peer } = await pair(api);
      expect(new TextDecoder().decode(accepted.plaintext)).toBe('hello Bob');
      expect(peer.fingerprint).toBe(bob.fingerprint);
      expect(accepted.peer.fingerprint).toBe(alice.fingerprint);
      expect(a.id).toBe(b.id);
      expect(a.id).toMatch(/^[0-9a-f]{64}$/);
      const [ia, ib] = [a.info, b.info];
      expect([ia.role, ib.role]).toEqual(['initiator', 'responder']);
      expect([ia.peerFingerprint, ib.peerFingerprint]).toEqual([bob.fingerprint, alice.fingerprint]);
      expect([ia.kemSuite, ia.sigSuite, ia.postQuantum, ia.hybridAuth]).toEqual(['ML-KEM-768', 'Ed25519+ML-DSA-65', true, true]);
      for (let i = 0; i < 4; i++) {
        const m = b.encrypt(utf8(`to Alice ${i}`), { associatedData: utf8('thread 7'), now: T0 + 2 });
        const d = a.decrypt(m, { now: T0 + 3 });
        expect(new TextDecoder().decode(d.plaintext)).toBe(`to Alice ${i}`);
        expect(new TextDecoder().decode(d.associatedData)).toBe('thread 7');
        const r = a.encrypt(utf8(`to Bob ${i}`), { now: T0 + 4 });
        expect(new TextDecoder().decode(b.decrypt(r, { now: T0 + 5 }).plaintext)).toBe(`to Bob ${i}`);
      }
      expect(a.peerConfirmed).toBe(true);
      for (const x of [a, b, alice, bob]) x.dispose();
    },
  },
  {
    name: 'session refusals: replay, tampering and truncation are typed and change nothing',
    async run(api) {
      const { a, b } = await pair(api);
      const m1 = b.encrypt(utf8('one'), { now: T0 + 2 });
      const m2 = b.encrypt(utf8('two'), { now: T0 + 2 });
      a.decrypt(m1, { now: T0 + 3 });
      const epoch = a.epoch;
      await rejects(api, () => a.decrypt(m1, { now: T0 + 3 }), 'ReplayError', 'REPLAYED');
      await rejects(api, () => a.decrypt(flip(m2, -1), { now: T0 + 3 }), 'AuthenticationError', 'AUTH_FAILED');
      await rejects(api, () => a.decrypt(m2.subarray(0, 12), { now: T0 + 3 }), 'WireFormatError', 'TRUNCATED');
      expect(a.epoch).toBe(epoch);
      expect(new TextDecoder().decode(a.decrypt(m2, { now: T0 + 3 }).plaintext)).toBe('two');
    },
  },
  {
    name: 'handshake refusals: a replayed initial message; a classical-only bundle is not offered to the initiator',
    async run(api) {
      const { bob, prekeyStore, initialMessage } = await pair(api);
      await rejects(api, () => api.acceptSession(initialMessage, { identity: bob, prekeyStore, now: T0 + 2 }), 'KeyManagementError', 'PREKEY_REUSED');
      const other = await pair(api, { oneTime: false });
      await rejects(
        api,
        () => api.acceptSession(other.initialMessage, { identity: other.bob, prekeyStore: other.prekeyStore, now: T0 + 2 }),
        'ReplayError',
        'REPLAYED',
      );
      const carol = api.createIdentity({ created: T0 - 10 });
      await rejects(
        api,
        () => api.acceptSession(other.initialMessage, { identity: carol, prekeyStore: new api.InMemoryPrekeyStore(), now: T0 + 2 }),
        'KeyManagementError',
        'UNKNOWN_KEY',
      );
    },
  },
  {
    name: 'serialize and deserialize; an older copy is a rollback; dispose wipes',
    async run(api) {
      const { a, b } = await pair(api);
      a.decrypt(b.encrypt(utf8('x'), { now: T0 + 2 }), { now: T0 + 3 });
      const record = a.serialize();
      const epoch = a.epoch;
      const restored = api.Session.deserialize(record, { minimumEpoch: epoch });
      expect(restored.id).toBe(a.id);
      expect(new TextDecoder().decode(restored.decrypt(b.encrypt(utf8('y'), { now: T0 + 4 }), { now: T0 + 5 }).plaintext)).toBe('y');
      await rejects(api, () => api.Session.deserialize(record, { minimumEpoch: restored.epoch }), 'SessionRollbackError', 'SESSION_ROLLBACK');
      await rejects(api, () => api.Session.deserialize(record.subarray(0, 20)), 'WireFormatError', 'TRUNCATED');
      restored.dispose();
      expect(restored.disposed).toBe(true);
      await rejects(api, () => restored.encrypt(utf8('z')), 'DisposedError', 'DISPOSED');
    },
  },
];
