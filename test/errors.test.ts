import { describe, expect, it } from 'vitest';
import { once } from 'node:events';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  AuthenticationError,
  InternalError,
  InvalidArgumentError,
  InvalidKeyError,
  InvalidLengthError,
  InvalidTypeError,
  OutputTooLongError,
  PqwireError,
  RandomnessError,
  UnknownSuiteError,
  UnsupportedError,
  WireFormatError,
  DowngradeError,
  ReplayError,
  KeyManagementError,
  DisposedError,
  ChannelError as PublicChannelError,
  aead,
  ed25519,
  hkdf,
  kem,
  mlDsa65,
  mlKem768,
  shake256,
  sig,
  x25519,
  xWing,
  Session,
  type ChannelCode,
  type KemSuiteInput,
  type ErrorCode,
} from '../ts/src/index';
import { ChannelError, ERROR_CODES, fromNative, isErrorCode, makeError, SHARED_WIRE_CODES } from '../ts/src/errors';
import native from '../ts/src/native';
import { VERSION } from '../ts/src/wire';
import * as compat from '../ts/src/noble';
import { bad, bytes, expectReject, expectThrow, flip, hex, thrownBy } from './helpers';

type ErrorClass = new (code: ErrorCode, message: string) => PqwireError;

/** Every code and the class it maps to (NON_CONTRIBUTORY is a kind of invalid key). */
const CLASSES: ReadonlyArray<readonly [ErrorCode, ErrorClass]> = [
  ['BAD_LENGTH', InvalidLengthError],
  ['INVALID_TYPE', InvalidTypeError],
  ['INVALID_ARGUMENT', InvalidArgumentError],
  ['UNKNOWN_SUITE', UnknownSuiteError],
  ['INVALID_KEY', InvalidKeyError],
  ['NON_CONTRIBUTORY', InvalidKeyError],
  ['AUTH_FAILED', AuthenticationError],
  ['UNSUPPORTED', UnsupportedError],
  ['RANDOMNESS_UNAVAILABLE', RandomnessError],
  ['OUTPUT_TOO_LONG', OutputTooLongError],
  ['INTERNAL', InternalError],
  ['TRUNCATED', WireFormatError],
  ['TAG_ORDER', WireFormatError],
  ['DUPLICATE_ENTRY', WireFormatError],
  ['PQ_REQUIRED', DowngradeError],
  ['TRANSCRIPT_MISMATCH', DowngradeError],
  ['REPLAYED', ReplayError],
  ['TOO_MANY_SKIPPED', ReplayError],
  ['STALE_MESSAGE', ReplayError],
  ['KEY_EXPIRED', KeyManagementError],
  ['UNKNOWN_KEY', KeyManagementError],
  ['PREKEY_REUSED', KeyManagementError],
  ['DISPOSED', DisposedError],
];

describe('error classes and codes', () => {
  it.each(CLASSES)('%s → %o: a PqwireError and an Error, named after its class', (code, cls) => {
    const e = makeError(code, 'detail');
    expect(e).toBeInstanceOf(cls);
    expect(e).toBeInstanceOf(PqwireError);
    expect(e).toBeInstanceOf(Error);
    expect(e.code).toBe(code);
    expect(e.name).toBe(cls.name);
    expect(e.message).toBe('detail');
    expect(e.stack).toContain(cls.name);
  });

  it.each(CLASSES)('a native error with code %s becomes the typed error, message unchanged', (code, cls) => {
    const e = fromNative(Object.assign(new Error('something went wrong'), { code }));
    expect(e).toBeInstanceOf(cls);
    expect(e.code).toBe(code);
    expect(e.message).toBe('something went wrong');
  });

  it('anything else from the native layer (a caught panic, an unknown code) is INTERNAL', () => {
    const unknownCode = Object.assign(new Error('x'), { code: 'NOT_A_CODE' });
    const napiStatus = Object.assign(new Error('Failed to convert napi value'), { code: 'InvalidArg' });
    for (const raw of [new Error('panicked at src/lib.rs'), new Error('AUTH_FAILED: x'), unknownCode, napiStatus, 'a string', 42, undefined]) {
      const e = fromNative(raw);
      expect(e).toBeInstanceOf(InternalError);
      expect(e.code).toBe('INTERNAL');
    }
    const typed = makeError('AUTH_FAILED', 'x');
    expect(fromNative(typed)).toBe(typed);
  });

  it('a native error is structured: code, message, and offset/tag/field for a wire rule (no text to parse)', () => {
    const e = thrownBy(() => native.wireDecode(Uint8Array.of(0x50, 0x57, VERSION, 3, 0, 1))) as Error & Record<string, unknown>;
    expect(e).toBeInstanceOf(Error);
    expect([e.code, e.offset, e.tag, e.field]).toEqual(['TRAILING_BYTES', 4, undefined, undefined]);
    expect(e.message).toBe('at offset 4: 2 bytes left, too few for a field header');
    const plain = thrownBy(() => native.kemSuiteId('NTRU')) as Error & Record<string, unknown>;
    expect([plain.code, plain.message, 'offset' in plain]).toEqual(['UNKNOWN_SUITE', 'unknown suite: "NTRU"', false]);
  });

  it('structured in worker threads too (each thread has its own Node-API environment)', async () => {
    const loader = JSON.stringify(join(__dirname, '..', 'native', 'index.js'));
    const code = `const b = require(${loader});
      try { b.wireDecode(Uint8Array.of(0x50, 0x57, ${VERSION}, 3, 0, 1)); } catch (e) {
        require('node:worker_threads').parentPort.postMessage([e.code, e.offset, e.message]);
      }`;
    const worker = new Worker(code, { eval: true });
    const [message] = (await once(worker, 'message')) as [unknown];
    await worker.terminate();
    expect(message).toEqual(['TRAILING_BYTES', 4, 'at offset 4: 2 bytes left, too few for a field header']);
  });

  it('a wire rule broken outside wire.decode keeps its location on the WireFormatError', () => {
    const record = Uint8Array.of(0x50, 0x57, VERSION, 0x13, 0x00, 0x01, 0, 0, 0, 9, 1);
    const e = expectThrow<WireFormatError>(() => Session.deserialize(record), WireFormatError, 'TRUNCATED');
    expect([e.offset, e.tag, e.field]).toEqual([4, 1, undefined]);
  });
});

describe('one list of codes: the native errorCodes() and the TypeScript classes', () => {
  const nativeCodes = native.errorCodes();

  it('the same codes, each once', () => {
    const codes = nativeCodes.map((c) => c.code);
    expect(new Set(codes).size).toBe(codes.length);
    expect([...codes].sort()).toEqual([...ERROR_CODES].sort());
  });

  it('every code makes an error of its class, and a native error with it becomes that class', () => {
    for (const { code } of nativeCodes) {
      if (!isErrorCode(code)) throw new Error(`${code} is not a TypeScript ErrorCode`);
      const made = makeError(code, 'x');
      expect(made.code).toBe(code);
      expect(fromNative(Object.assign(new Error('x'), { code })).constructor).toBe(made.constructor);
    }
  });

  it('policy refusals are DowngradeErrors and nothing else is; authentication is AuthenticationError', () => {
    for (const { code, kind } of nativeCodes) {
      if (!isErrorCode(code)) continue;
      expect(makeError(code, 'x') instanceof DowngradeError, code).toBe(kind === 'policy');
      if (kind === 'authentication') expect(makeError(code, 'x')).toBeInstanceOf(AuthenticationError);
      if (kind === 'internal') expect(makeError(code, 'x')).toBeInstanceOf(InternalError);
    }
  });

  it('the wire rules are the WireFormatError codes and the shared BAD_LENGTH / UNKNOWN_SUITE', () => {
    const rules = nativeCodes.filter((c) => c.wireRule).map((c) => c.code).sort();
    const ours = ERROR_CODES.filter((c) => makeError(c, 'x') instanceof WireFormatError || (SHARED_WIRE_CODES as readonly string[]).includes(c));
    expect(rules).toEqual([...ours].sort());
  });
});

describe('errors thrown by the API are typed', () => {
  const { publicKey, secretKey } = mlKem768.keygen();
  const { cipherText } = mlKem768.encapsulate(publicKey);
  const a = aead('ChaCha20-Poly1305');

  it.each<readonly [string, ErrorClass, ErrorCode, () => unknown]>([
    ['a wrong length', InvalidLengthError, 'BAD_LENGTH', () => mlKem768.encapsulate(bytes(3))],
    ['a wrong length found natively (key pair handle)', InvalidLengthError, 'BAD_LENGTH', () => xWing.generateKeyPair().decapsulate(bytes(3))],
    ['a wrong type', InvalidTypeError, 'INVALID_TYPE', () => mlKem768.encapsulate(bad('pk'))],
    ['a bad argument', InvalidArgumentError, 'INVALID_ARGUMENT', () => ed25519.sign(bytes(1), ed25519.keygen().secretKey, { context: bytes(1) })],
    ['an unknown suite', UnknownSuiteError, 'UNKNOWN_SUITE', () => kem(bad<KemSuiteInput>('NTRU'))],
    ['an invalid key', InvalidKeyError, 'INVALID_KEY', () => mlKem768.decapsulate(cipherText, flip(secretKey, -64))],
    ['a low-order key', InvalidKeyError, 'NON_CONTRIBUTORY', () => x25519.sharedSecret(bytes(32), bytes(32, 0))],
    ['an authentication failure', AuthenticationError, 'AUTH_FAILED', () => a.open(bytes(32), bytes(12), bytes(16))],
    ['an unsupported operation', UnsupportedError, 'UNSUPPORTED', () => kem('ML-KEM-512', { backend: 'pqclean' }).keygen(bytes(64))],
    ['too much output', OutputTooLongError, 'OUTPUT_TOO_LONG', () => hkdf('SHA-512', bytes(1), { length: 255 * 64 + 1 })],
  ])('%s → %o', (_, cls, code, f) => {
    expectThrow(f, cls, code);
  });

  it('async variants reject with the same typed errors, never throw synchronously, never leak raw native errors', async () => {
    const pq = sig('ML-DSA-44', { backend: 'pqclean' });
    const kp = mlKem768.generateKeyPair();
    const cases: ReadonlyArray<readonly [ErrorClass, ErrorCode, () => Promise<unknown>]> = [
      // Found by the facade before the native call.
      [InvalidLengthError, 'BAD_LENGTH', () => mlKem768.encapsulateAsync(bytes(3))],
      [InvalidTypeError, 'INVALID_TYPE', () => mlKem768.decapsulateAsync(bad(null), secretKey)],
      [InvalidArgumentError, 'INVALID_ARGUMENT', () => mlDsa65.signAsync(bytes(1), mlDsa65.keygen().secretKey, { context: bytes(256) })],
      // Found by the native layer (the rejection is mapped, not passed through).
      [InvalidLengthError, 'BAD_LENGTH', () => kp.decapsulateAsync(bytes(5))],
      [InvalidKeyError, 'INVALID_KEY', () => mlKem768.decapsulateAsync(cipherText, flip(secretKey, -64))],
      [InvalidKeyError, 'INVALID_KEY', () => mlKem768.encapsulateAsync(Uint8Array.from(publicKey).fill(0xff, 0, 2))],
      [InvalidKeyError, 'NON_CONTRIBUTORY', () => kem('X25519').decapsulateAsync(bytes(32, 0), bytes(32, 1))],
      [AuthenticationError, 'AUTH_FAILED', () => a.openAsync(bytes(32), bytes(12), bytes(40))],
      [UnsupportedError, 'UNSUPPORTED', () => pq.signAsync(bytes(1), pq.keygen().secretKey, { deterministic: true })],
      [UnsupportedError, 'UNSUPPORTED', () => pq.keygenAsync(bytes(32))],
      [InvalidArgumentError, 'INVALID_ARGUMENT', () => ed25519.verifyAsync(bytes(64), bytes(1), ed25519.keygen().publicKey, { context: bytes(2) })],
      [InvalidKeyError, 'INVALID_KEY', () => mlDsa65.signAsync(bytes(1), Uint8Array.from(mlDsa65.keygen().secretKey).fill(0xff, 128, 129))],
    ];
    for (const [cls, code, f] of cases) {
      const sync = await expectReject(f, cls, code);
      expect(sync.constructor).toBe(cls);
    }
  });

  it('an async rejection equals the sync error for the same input', async () => {
    const tampered = flip(secretKey, -64);
    const e1 = thrownBy(() => mlKem768.decapsulate(cipherText, tampered)) as PqwireError;
    const e2 = await mlKem768.decapsulateAsync(cipherText, tampered).then(
      () => undefined,
      (e: unknown) => e as PqwireError,
    );
    expect(e2?.constructor).toBe(e1.constructor);
    expect(e2?.code).toBe(e1.code);
    expect(e2?.message).toBe(e1.message);
  });
});

describe('no secret bytes in error messages', () => {
  /** Forms in which a secret could leak into a message. */
  function renderings(secret: Uint8Array): string[] {
    const head = secret.subarray(0, 12);
    return [
      hex(head),
      hex(head).toUpperCase(),
      Buffer.from(head).toString('base64').slice(0, 12),
      Array.from(head).join(','),
      Array.from(head).join(', '),
    ];
  }

  function expectClean(e: unknown, secret: Uint8Array): void {
    expect(e).toBeInstanceOf(Error);
    const err = e as Error & { cause?: unknown };
    const text = [err.message, String(err), JSON.stringify(err), err.stack ?? '', String(err.cause ?? '')].join('\n');
    for (const r of renderings(secret)) expect(text).not.toContain(r);
    expect(text).not.toMatch(/[0-9a-f]{24,}/i); // no long hex run of anything
  }

  const secretLike = (n: number): Uint8Array => {
    const b = bytes(n);
    for (let i = 0; i < n; i++) b[i] = (i * 37 + 11) & 0xff; // distinctive, no long zero runs
    return b;
  };

  it('a secret key of the wrong length (KEM, signature, AEAD key, X25519)', async () => {
    const sk = secretLike(2399);
    const { cipherText } = mlKem768.encapsulate(mlKem768.keygen().publicKey);
    expectClean(thrownBy(() => mlKem768.decapsulate(cipherText, sk)), sk);
    expectClean(await mlKem768.decapsulateAsync(cipherText, sk).catch((e: unknown) => e), sk);
    const dsk = secretLike(4031);
    expectClean(thrownBy(() => mlDsa65.sign(bytes(1), dsk)), dsk);
    const key = secretLike(31);
    expectClean(thrownBy(() => aead('AES-256-GCM').seal(key, bytes(12), bytes(1))), key);
    expectClean(thrownBy(() => x25519.sharedSecret(key, bytes(32, 9))), key);
  });

  it('a secret key of the right length that the native layer refuses', () => {
    const { publicKey, secretKey } = mlKem768.keygen();
    const { cipherText } = mlKem768.encapsulate(publicKey);
    const tampered = flip(secretKey, -64);
    expectClean(thrownBy(() => mlKem768.decapsulate(cipherText, tampered)), tampered);
    expectClean(thrownBy(() => mlKem768.importKeyPair(secretKey, mlKem768.keygen().publicKey)), secretKey);
    const dsk = Uint8Array.from(mlDsa65.keygen().secretKey);
    dsk[128] = 0xff;
    expectClean(thrownBy(() => mlDsa65.sign(bytes(1), dsk)), dsk);
    const hyb = sig('Ed25519+ML-DSA-65');
    const hsk = Uint8Array.from(hyb.keygen().secretKey);
    hsk[32 + 128] = 0xff;
    expectClean(thrownBy(() => hyb.sign(bytes(1), hsk)), hsk);
  });

  it('keys and plaintext do not appear in authentication failures', () => {
    const key = secretLike(32);
    const pt = secretLike(40);
    const a = aead('ChaCha20-Poly1305');
    const sealed = a.seal(key, bytes(12), pt);
    const e = thrownBy(() => a.open(key, bytes(12), flip(sealed, 0)));
    expectClean(e, key);
    expectClean(e, pt);
    expect((e as Error).message).toBe('authentication failed');
  });

  it('pqwire/noble errors neither', () => {
    const sk = secretLike(2401);
    expectClean(thrownBy(() => compat.ml_kem768.decapsulate(bytes(1088), sk)), sk);
    const { publicKey, secretKey } = compat.ml_kem768.keygen();
    const { cipherText } = compat.ml_kem768.encapsulate(publicKey);
    const tampered = flip(secretKey, -64);
    expectClean(thrownBy(() => compat.ml_kem768.decapsulate(cipherText, tampered)), tampered);
    const dsk = secretLike(4033);
    expectClean(thrownBy(() => compat.ml_dsa65.sign(bytes(1), dsk)), dsk);
    const shortSk = secretLike(4031);
    expectClean(thrownBy(() => compat.ml_dsa65.getPublicKey(shortSk)), shortSk);
    const seed = secretLike(33);
    expectClean(thrownBy(() => compat.ml_kem768_x25519.decapsulate(bytes(1120), seed)), seed);
  });

  it('shake256 and hkdf errors do not echo their input', () => {
    const ikm = secretLike(64);
    expectClean(thrownBy(() => hkdf('SHA-256', ikm, { length: 1e9 })), ikm);
    expectClean(thrownBy(() => shake256(ikm, -1)), ikm);
  });
});

describe('channel errors', () => {
  it.each(['OUT_OF_ORDER', 'STALE_PACKET', 'PACKET_TOO_LARGE', 'DEAD_PEER', 'PROTOCOL_ERROR'] as const)('%s is a ChannelError, from the native layer too', (code) => {
    const e = fromNative(Object.assign(new Error('detail'), { code }));
    expect(e).toBeInstanceOf(ChannelError);
    expect(e).toBeInstanceOf(PqwireError);
    expect(e.code).toBe(code);
    expect(e.name).toBe('ChannelError');
  });

  it('ChannelError and the ChannelCode type are exported from the package entry', () => {
    expect(PublicChannelError).toBe(ChannelError);
    const codes: ChannelCode[] = ['OUT_OF_ORDER', 'STALE_PACKET', 'PACKET_TOO_LARGE', 'DEAD_PEER', 'PROTOCOL_ERROR'];
    for (const code of codes) {
      const e: ErrorCode = code; // every channel code is an ErrorCode
      expect(makeError(e, 'x')).toBeInstanceOf(PublicChannelError);
    }
  });

  it('reads like "ChannelError [STALE_PACKET]: packet outside the 60-second window"', () => {
    const e = makeError('STALE_PACKET', 'packet outside the 60-second window');
    expect(String(e)).toBe('ChannelError [STALE_PACKET]: packet outside the 60-second window');
    expect(`${e}`).toBe(e.toString());
  });
});
