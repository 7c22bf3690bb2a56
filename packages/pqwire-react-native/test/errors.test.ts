/**
 * The error classes are `pqwire`'s: the same codes, each mapped to the class of the same
 * name; and the native library reports no code this package does not know.
 */
import { describe, expect, it } from 'vitest';
import * as rn from '../src/index';
import { ERROR_CODES, fromNative, makeError } from '../src/errors';
import { native } from '../src/native';
import { ERROR_CODES as MAIN_CODES, makeError as mainMakeError } from '../../../ts/src/errors';

describe('errors', () => {
  it('has exactly pqwire’s codes, each with the class of the same name', () => {
    expect([...ERROR_CODES].sort()).toEqual([...MAIN_CODES].sort());
    for (const code of ERROR_CODES) {
      const e = makeError(code, 'm');
      expect([e.name, e.code], code).toEqual([mainMakeError(code, 'm').name, code]);
      expect(e).toBeInstanceOf(rn.PqwireError);
      expect((rn as Record<string, unknown>)[e.name], e.name).toBe(e.constructor);
    }
  });

  it('knows every code the native library reports', () => {
    const lines = native().errorCodes().split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(40);
    for (const line of lines) expect(ERROR_CODES, line).toContain(line.split(' ')[0]);
  });

  it('turns what the native module throws into the typed class, and anything else into INTERNAL', () => {
    const thrown = Object.assign(new Error('authentication failed'), { code: 'AUTH_FAILED' });
    expect(fromNative(thrown)).toBeInstanceOf(rn.AuthenticationError);
    expect(fromNative(new Error('odd')).code).toBe('INTERNAL');
    expect(fromNative(Object.assign(new Error('x'), { code: 'NOT_A_CODE' })).code).toBe('INTERNAL');
    expect(fromNative('string').code).toBe('INTERNAL');
  });

  it('refuses backends the pure-Rust build lacks, and options the subset does not offer', () => {
    expect(() => rn.kem('ML-KEM-768', { backend: 'pqclean' as never })).toThrow(rn.UnsupportedError);
    expect(() => rn.kem('ML-KEM-768', { backend: 'default' })).not.toThrow();
    expect(() => rn.createIdentity({ identityStore: {} } as never)).toThrow(rn.InvalidArgumentError);
  });

  it('every native byte output is a fresh Uint8Array', () => {
    const a = rn.sha3_256(new Uint8Array(1));
    const b = rn.sha3_256(new Uint8Array(1));
    expect(a).toBeInstanceOf(Uint8Array);
    expect(a.buffer).not.toBe(b.buffer);
  });
});
