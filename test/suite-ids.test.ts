// Numeric suite ids between the facade and the addon (crates/pqwire-node/src/suite_id.rs):
// `wire code | backend << 16` for KEMs and signatures, the bare wire code for AEADs. The
// addon reads them strictly: an id with bits the encoding does not define, or a number that
// is not an integer from 0 to 2^32 - 1 (which N-API's u32 conversion would wrap or
// truncate), is `UNKNOWN_SUITE`, never another suite.
import { describe, expect, it } from 'vitest';
import native from '../ts/src/native';
import { call } from '../ts/src/errors';
import { UnknownSuiteError, aead, kem, mlKem768, sig } from '../ts/src/index';
import { bytes, expectThrow } from './helpers';

const ML_KEM_768 = 0x0201;
const ML_DSA_65 = 0x0905;
const CHACHA = 0x0003;

/** Ids that name no suite although their low 16 bits are a valid code `code`. */
function forged(code: number): Array<[string, number]> {
  return [
    ['an undefined backend (4)', code | (4 << 16)],
    ['the highest backend bits', code | 0xffff0000],
    ['a bit above the backend range', code | (1 << 24)],
    ['2^32 + code (N-API would wrap it)', 2 ** 32 + code],
    ['code + 0.5 (N-API would truncate it)', code + 0.5],
    ['a negative number', -(2 ** 32) + code],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
  ];
}

describe('native suite ids', () => {
  it('the ids handed out still work: code | backend << 16', () => {
    const pqclean = call(() => native.kemSuiteId('ML-KEM-768', 'pqclean'));
    expect(pqclean).toBe(0x10201);
    expect(call(() => native.kemSuiteName(pqclean))).toBe('ML-KEM-768');
    expect(call(() => native.sigSuiteName(call(() => native.sigSuiteId('ML-DSA-65', 'libcrux'))))).toBe('ML-DSA-65');
    expect(call(() => native.aeadSuiteId('ChaCha20-Poly1305'))).toBe(CHACHA);
    const pq = kem('ML-KEM-768', { backend: 'pqclean' });
    const { publicKey, secretKey } = pq.keygen();
    const { cipherText, sharedSecret } = mlKem768.encapsulate(publicKey);
    expect(pq.decapsulate(cipherText, secretKey)).toEqual(sharedSecret);
    expect(sig('ML-DSA-65', { backend: 'rustcrypto' }).name).toBe('ML-DSA-65');
    expect(aead('AES-256-GCM').seal(bytes(32), bytes(12), bytes(3)).length).toBe(19);
  });

  it.each(forged(ML_KEM_768))('a KEM id with %s is UNKNOWN_SUITE, not ML-KEM-768', (_, id) => {
    expectThrow(() => call(() => native.kemSuiteName(id)), UnknownSuiteError, 'UNKNOWN_SUITE');
    expectThrow(() => call(() => native.kemLengths(id)), UnknownSuiteError, 'UNKNOWN_SUITE');
    const pk = new Uint8Array(1184);
    expectThrow(
      () => call(() => native.kemEncapsulate(id, pk, undefined, new Uint8Array(1088), new Uint8Array(32))),
      UnknownSuiteError,
      'UNKNOWN_SUITE',
    );
    expectThrow(() => call(() => native.KemKeyPair.generate(id, undefined)), UnknownSuiteError, 'UNKNOWN_SUITE');
  });

  it.each(forged(ML_DSA_65))('a signature id with %s is UNKNOWN_SUITE, not ML-DSA-65', (_, id) => {
    expectThrow(() => call(() => native.sigSuiteName(id)), UnknownSuiteError, 'UNKNOWN_SUITE');
    expectThrow(() => call(() => native.sigLengths(id)), UnknownSuiteError, 'UNKNOWN_SUITE');
    expectThrow(() => call(() => native.SigKeyPair.generate(id, undefined)), UnknownSuiteError, 'UNKNOWN_SUITE');
  });

  it.each([['a backend (AEAD ids have none)', CHACHA | (1 << 16)] as [string, number], ...forged(CHACHA)])(
    'an AEAD id with %s is UNKNOWN_SUITE, not ChaCha20-Poly1305',
    (_, id) => {
      const out = new Uint8Array(19).fill(0xaa);
      expectThrow(() => call(() => native.aeadSeal(id, bytes(32), bytes(12), bytes(3), undefined, out)), UnknownSuiteError, 'UNKNOWN_SUITE');
      expect(out.every((b) => b === 0xaa)).toBe(true);
      const sealed = aead('ChaCha20-Poly1305').seal(bytes(32), bytes(12), bytes(3));
      expectThrow(
        () => call(() => native.aeadOpen(id, bytes(32), bytes(12), sealed, undefined, new Uint8Array(3))),
        UnknownSuiteError,
        'UNKNOWN_SUITE',
      );
    },
  );

  it('async entry points refuse the same ids before queueing any work', () => {
    const id = 2 ** 32 + ML_KEM_768;
    expectThrow(() => call(() => native.kemKeygenAsync(id, undefined)), UnknownSuiteError, 'UNKNOWN_SUITE');
    expectThrow(() => call(() => native.aeadSealAsync(CHACHA | (1 << 16), bytes(32), bytes(12), bytes(1), undefined)), UnknownSuiteError, 'UNKNOWN_SUITE');
  });
});
