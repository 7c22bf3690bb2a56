/**
 * Helpers of the wire suites: expectations on WireFormatErrors, round trips, and valid
 * messages written by hand.
 */
import { expect } from 'vitest';
import { WireFormatError, mlDsa65, mlKem768, wire, type WireErrorCode, type WireMessage } from '../ts/src/index';
import { bytes, expectThrow, hex } from './helpers';
import { CODE, ENVELOPE, KEY_PACKAGE, TYPE, concat, field, header, message, u16, u64 } from './wire-bytes';


export interface Where {
  offset?: number;
  tag?: number;
  field?: string;
}

/** `f` must throw a WireFormatError with `code` exactly at `where` (absent parts must be absent). */
export function expectWire(f: () => unknown, code: WireErrorCode, where: Where): WireFormatError {
  const e = expectThrow<WireFormatError>(f, WireFormatError, code);
  expect(e.name).toBe('WireFormatError');
  expect({ offset: e.offset, tag: e.tag, field: e.field }).toStrictEqual({ offset: where.offset, tag: where.tag, field: where.field });
  return e;
}

export const roundTrip = (m: WireMessage): { bytes: Uint8Array; decoded: WireMessage } => {
  const b = wire.encode(m);
  const decoded = wire.decode(b);
  expect(hex(wire.encode(decoded))).toBe(hex(b));
  return { bytes: b, decoded };
};

export const T0 = 1_700_000_000;
export const T1 = 1_800_000_000;
export const KEY_ID = bytes(16, 0x07);
export const OTHER_KEY_ID = bytes(16);

export const kem768 = mlKem768.keygen();
export const dsa65 = mlDsa65.keygen();

/** A valid ML-KEM-768 key package written by hand; `over` replaces (or with `null` drops) fields. */
export function kpBytes(over: Partial<Record<number, ArrayLike<number> | null>> = {}): Uint8Array {
  const f: Record<number, ArrayLike<number> | null> = {
    [KEY_PACKAGE.keyId]: KEY_ID,
    [KEY_PACKAGE.kemSuite]: u16(CODE['ML-KEM-768']),
    [KEY_PACKAGE.publicKey]: kem768.publicKey,
    [KEY_PACKAGE.created]: u64(T0),
    [KEY_PACKAGE.expires]: u64(T1),
    ...over,
  };
  const list = Object.entries(f)
    .filter((e): e is [string, ArrayLike<number>] => e[1] !== null)
    .map(([tag, v]) => [Number(tag), v] as const)
    .sort((a, b) => a[0] - b[0]);
  return message(TYPE.keyPackage, list);
}

/** A valid envelope written by hand. */
export const envBytes = (payload: ArrayLike<number> = [1, 2], ...more: Uint8Array[]): Uint8Array =>
  concat(header(TYPE.envelope), field(ENVELOPE.contentType, u16(0x8001)), field(ENVELOPE.payload, payload), ...more);

export const DEFAULT_KEX = ['X25519+ML-KEM-768', 'X25519+ML-KEM-1024', 'X25519+ML-KEM-512', 'ML-KEM-768', 'ML-KEM-1024', 'ML-KEM-512', 'X25519'] as const;
export const DEFAULT_SIG = ['Ed25519+ML-DSA-65', 'Ed25519+ML-DSA-87', 'ML-DSA-65', 'ML-DSA-87', 'ML-DSA-44', 'Ed25519'] as const;
/** The MLS suites `capabilities()` offers, in pqwire's default order, with their MLS code points. */
export const DEFAULT_MLS = [
  ['MLS_256_XWING_CHACHA20POLY1305_SHA256_Ed25519', 0x004d],
  ['MLS_128_MLKEM768X25519_AES128GCM_SHA256_Ed25519', 0x004f],
  ['MLS_128_MLKEM768X25519_AES256GCM_SHA384_Ed25519', 0x004e],
  ['MLS_128_MLKEM768X25519_CHACHA20POLY1305_SHA384_MLDSA44', 0x0052],
  ['MLS_128_MLKEM768_AES256GCM_SHA384_Ed25519', 0xf042],
  ['MLS_128_MLKEM768_AES256GCM_SHA384_P256', 0x0050],
  ['MLS_192_MLKEM768_AES256GCM_SHA384_MLDSA65', 0x0051],
  ['MLS_192_MLKEM1024_AES256GCM_SHA384_P384', 0x0042],
  ['MLS_256_MLKEM1024_AES256GCM_SHA384_MLDSA87', 0x0907],
  ['MLS_256_MLKEM1024_AES256GCM_SHA512_MLDSA87', 0x0906],
  ['MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519', 0x0001],
  ['MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519', 0x0003],
  ['MLS_128_DHKEMP256_AES128GCM_SHA256_P256', 0x0002],
] as const;
