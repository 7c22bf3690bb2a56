/** The table of wire-format errors, each written by hand with the code and place it must fire at. */
import { wire, type WireErrorCode } from '../ts/src/index';
import { VERSION } from '../ts/src/wire';
import { bytes } from './helpers';
import { CAPS, CODE, ENVELOPE, KEY_PACKAGE, TYPE, capsBytes, concat, field, header, message, u16, u32, u64, u8 } from './wire-bytes';
import { T0, envBytes, kem768, kpBytes, type Where } from './wire-expect';

export interface ErrorRow extends Where {
  name: string;
  bytes: Uint8Array;
  code: WireErrorCode;
  expected?: 'capabilities' | 'key-package' | 'envelope';
}

export const CAPS_LEN = capsBytes().length; // 51
export const KP_LEN = kpBytes().length;
export const docEnvelope = wire.encode({ type: 'envelope', contentType: 0x8001, payload: new Uint8Array([1, 2]) });
export const kpNoKeyId = kpBytes({ [KEY_PACKAGE.keyId]: null });
export const kpNoSuite = kpBytes({ [KEY_PACKAGE.kemSuite]: null });

/** Every wire error code, reached from JavaScript with hand-built bytes, with where it must point. */
export const ERRORS: ErrorRow[] = [
  { name: 'empty input', bytes: new Uint8Array(0), code: 'TRUNCATED', offset: 0 },
  { name: 'header cut after the version', bytes: u8(0x50, 0x57, VERSION), code: 'TRUNCATED', offset: 3 },
  { name: 'a field value cut short', bytes: capsBytes().subarray(0, CAPS_LEN - 1), code: 'TRUNCATED', offset: 41, tag: CAPS.features, field: 'features' },
  { name: 'declared length past the end', bytes: envBytes([1, 2]).map((x, i) => (i === 17 ? 3 : x)), code: 'TRUNCATED', offset: 12, tag: ENVELOPE.payload, field: 'payload' },
  { name: 'the doc example cut inside the payload', bytes: docEnvelope.subarray(0, 19), code: 'TRUNCATED', offset: 12, tag: ENVELOPE.payload, field: 'payload' },
  { name: 'unknown extension cut short', bytes: concat(capsBytes(), field(0xf000, [1, 2, 3], 4)), code: 'TRUNCATED', offset: CAPS_LEN, tag: 0xf000 },
  { name: '1 byte after the last field', bytes: concat(capsBytes(), [0]), code: 'TRAILING_BYTES', offset: CAPS_LEN },
  { name: '5 bytes after the last field', bytes: concat(capsBytes(), [0, 6, 0, 0, 0]), code: 'TRAILING_BYTES', offset: CAPS_LEN },
  { name: 'the doc example cut inside a field header', bytes: docEnvelope.subarray(0, 9), code: 'TRAILING_BYTES', offset: 4 },
  { name: 'an undefined tag', bytes: concat(capsBytes(), field(0x0007, [1])), code: 'UNKNOWN_TAG', offset: CAPS_LEN, tag: 0x0007 },
  { name: 'the tag just below the extension range', bytes: concat(capsBytes(), field(0xefff, [1])), code: 'UNKNOWN_TAG', offset: CAPS_LEN, tag: 0xefff },
  { name: 'an envelope tag in a key package', bytes: concat(kpBytes(), field(0x0007, [])), code: 'UNKNOWN_TAG', offset: KP_LEN, tag: 0x0007 },
  {
    name: 'a repeated tag',
    bytes: message(TYPE.capabilities, [[1, u8(1)], [1, u8(1)], [2, u16(0x647a)], [3, u16(0x6460)], [4, u16(3)], [5, u32(1)]]),
    code: 'DUPLICATE_TAG',
    offset: 11,
    tag: CAPS.versions,
    field: 'versions',
  },
  { name: 'a repeated extension', bytes: concat(capsBytes(), field(0xf001, []), field(0xf001, [])), code: 'DUPLICATE_TAG', offset: CAPS_LEN + 6, tag: 0xf001 },
  {
    name: 'tags out of order',
    bytes: message(TYPE.capabilities, [[1, u8(1)], [3, u16(0x6460)], [2, u16(0x647a)], [4, u16(3)], [5, u32(1)]]),
    code: 'TAG_ORDER',
    offset: 19,
    tag: CAPS.kexSuites,
    field: 'kexSuites',
  },
  { name: 'a defined field after an extension', bytes: message(TYPE.envelope, [[1, u16(1)], [0xf000, []], [5, []]]), code: 'TAG_ORDER', offset: 18, tag: ENVELOPE.payload, field: 'payload' },
  { name: 'features of 3 bytes', bytes: capsBytes({ [CAPS.features]: [0, 0, 0] }), code: 'BAD_LENGTH', offset: 41, tag: CAPS.features, field: 'features' },
  { name: 'a suite list of odd length', bytes: capsBytes({ [CAPS.kexSuites]: [0x64, 0x7a, 0x00] }), code: 'BAD_LENGTH', offset: 11, tag: CAPS.kexSuites, field: 'kexSuites' },
  { name: 'an empty version list', bytes: capsBytes({ [CAPS.versions]: [] }), code: 'BAD_LENGTH', offset: 4, tag: CAPS.versions, field: 'versions' },
  { name: 'an empty suite list', bytes: capsBytes({ [CAPS.aeadSuites]: [] }), code: 'BAD_LENGTH', offset: 31, tag: CAPS.aeadSuites, field: 'aeadSuites' },
  { name: 'a 15-byte key id', bytes: kpBytes({ [KEY_PACKAGE.keyId]: bytes(15) }), code: 'BAD_LENGTH', offset: 4, tag: KEY_PACKAGE.keyId, field: 'keyId' },
  { name: 'a 1-byte content type', bytes: message(TYPE.envelope, [[1, u8(1)], [5, []]]), code: 'BAD_LENGTH', offset: 4, tag: ENVELOPE.contentType, field: 'contentType' },
  { name: 'a 7-byte send time', bytes: message(TYPE.envelope, [[1, u16(1)], [4, bytes(7)], [5, []]]), code: 'BAD_LENGTH', offset: 12, tag: ENVELOPE.sentAt, field: 'sentAt' },
  { name: 'a public key one byte short for its suite', bytes: kpBytes({ [KEY_PACKAGE.publicKey]: kem768.publicKey.subarray(1) }), code: 'BAD_LENGTH', offset: 34, tag: KEY_PACKAGE.publicKey, field: 'publicKey' },
  { name: 'an empty public key', bytes: kpBytes({ [KEY_PACKAGE.publicKey]: [] }), code: 'BAD_LENGTH', offset: 34, tag: KEY_PACKAGE.publicKey, field: 'publicKey' },
  { name: 'a message over 1 MiB', bytes: new Uint8Array((1 << 20) + 1), code: 'TOO_LARGE', offset: 0 },
  { name: 'a valid header over 1 MiB', bytes: concat(header(TYPE.envelope), new Uint8Array(1 << 20)), code: 'TOO_LARGE', offset: 0 },
  { name: '33 suites', bytes: capsBytes({ [CAPS.kexSuites]: u16(...Array.from({ length: 33 }, (_, i) => 0x7000 + i)) }), code: 'TOO_LARGE', offset: 11, tag: CAPS.kexSuites, field: 'kexSuites' },
  { name: '9 versions', bytes: capsBytes({ [CAPS.versions]: [1, 2, 3, 4, 5, 6, 7, 8, 9] }), code: 'TOO_LARGE', offset: 4, tag: CAPS.versions, field: 'versions' },
  { name: 'an extension of 1025 bytes', bytes: concat(capsBytes(), field(0xf000, bytes(1025))), code: 'TOO_LARGE', offset: CAPS_LEN, tag: 0xf000 },
  { name: 'a 17th extension', bytes: concat(capsBytes(), ...Array.from({ length: 17 }, (_, i) => field(0xf000 + i, []))), code: 'TOO_LARGE', offset: CAPS_LEN + 16 * 6, tag: 0xf010 },
  { name: 'a declared length of 2^32 - 1', bytes: message(TYPE.envelope, [[1, u16(1)], [5, [1, 2], 0xffffffff]]), code: 'TOO_LARGE', offset: 12, tag: ENVELOPE.payload, field: 'payload' },
  { name: 'a public key of 4097 bytes', bytes: kpBytes({ [KEY_PACKAGE.publicKey]: bytes(4097) }), code: 'TOO_LARGE', offset: 34, tag: KEY_PACKAGE.publicKey, field: 'publicKey' },
  { name: 'magic "PX"', bytes: u8(0x50, 0x58, VERSION, 1), code: 'BAD_MAGIC', offset: 0 },
  { name: 'two bytes of something else', bytes: u8(0x7b, 0x22), code: 'BAD_MAGIC', offset: 0 },
  { name: `version ${VERSION + 1}`, bytes: capsBytes().map((x, i) => (i === 2 ? VERSION + 1 : x)), code: 'UNSUPPORTED_VERSION', offset: 2 },
  { name: `version ${VERSION - 1}`, bytes: capsBytes().map((x, i) => (i === 2 ? VERSION - 1 : x)), code: 'UNSUPPORTED_VERSION', offset: 2 },
  { name: 'version 0', bytes: u8(0x50, 0x57, 0, 1), code: 'UNSUPPORTED_VERSION', offset: 2 },
  { name: 'type 0x00', bytes: u8(0x50, 0x57, VERSION, 0), code: 'UNKNOWN_TYPE', offset: 3 },
  { name: 'type 0x04', bytes: concat(header(4), field(1, [1])), code: 'UNKNOWN_TYPE', offset: 3 },
  { name: 'an envelope where capabilities are expected', bytes: envBytes(), code: 'UNEXPECTED_TYPE', offset: 3, expected: 'capabilities' },
  { name: 'capabilities where a key package is expected', bytes: capsBytes(), code: 'UNEXPECTED_TYPE', offset: 3, expected: 'key-package' },
  { name: 'an unknown KEM suite in a key package', bytes: kpBytes({ [KEY_PACKAGE.kemSuite]: u16(0x0299) }), code: 'UNKNOWN_SUITE', offset: 26, tag: KEY_PACKAGE.kemSuite, field: 'kemSuite' },
  {
    name: 'a KEM code as a signature suite',
    bytes: kpBytes({ [KEY_PACKAGE.kemSuite]: null, [KEY_PACKAGE.sigSuite]: u16(CODE['X25519+ML-KEM-768']) }),
    code: 'UNKNOWN_SUITE',
    offset: 26,
    tag: KEY_PACKAGE.sigSuite,
    field: 'sigSuite',
  },
  { name: 'no fields at all', bytes: header(TYPE.capabilities), code: 'MISSING_FIELD', offset: 4, tag: CAPS.versions, field: 'versions' },
  { name: 'no features', bytes: capsBytes({ [CAPS.features]: null }), code: 'MISSING_FIELD', offset: 41, tag: CAPS.features, field: 'features' },
  { name: 'no key-exchange suites', bytes: capsBytes({ [CAPS.kexSuites]: null }), code: 'MISSING_FIELD', offset: 41, tag: CAPS.kexSuites, field: 'kexSuites' },
  { name: 'neither a KEM nor a signature suite', bytes: kpNoSuite, code: 'MISSING_FIELD', offset: kpNoSuite.length, tag: KEY_PACKAGE.kemSuite, field: 'kemSuite' },
  { name: 'no key id', bytes: kpNoKeyId, code: 'MISSING_FIELD', offset: kpNoKeyId.length, tag: KEY_PACKAGE.keyId, field: 'keyId' },
  { name: 'no payload', bytes: message(TYPE.envelope, [[1, u16(1)]]), code: 'MISSING_FIELD', offset: 12, tag: ENVELOPE.payload, field: 'payload' },
  { name: 'a time over 2^53 - 1', bytes: kpBytes({ [KEY_PACKAGE.expires]: u64(2n ** 53n) }), code: 'INVALID_FIELD', offset: KP_LEN - 14, tag: KEY_PACKAGE.expires, field: 'expires' },
  { name: 'expiry equal to creation', bytes: kpBytes({ [KEY_PACKAGE.expires]: u64(T0) }), code: 'INVALID_FIELD', offset: KP_LEN - 14, tag: KEY_PACKAGE.expires, field: 'expires' },
  {
    name: 'both a KEM and a signature suite',
    bytes: kpBytes({ [KEY_PACKAGE.sigSuite]: u16(CODE['ML-DSA-65']) }),
    code: 'INVALID_FIELD',
    offset: 34,
    tag: KEY_PACKAGE.sigSuite,
    field: 'sigSuite',
  },
  { name: 'a suite twice', bytes: capsBytes({ [CAPS.kexSuites]: u16(0x647a, 0x001d, 0x647a) }), code: 'DUPLICATE_ENTRY', offset: 11, tag: CAPS.kexSuites, field: 'kexSuites' },
  { name: 'an unknown code twice', bytes: capsBytes({ [CAPS.sigSuites]: u16(0x1111, 0x1111) }), code: 'DUPLICATE_ENTRY', offset: 21, tag: CAPS.sigSuites, field: 'sigSuites' },
  { name: 'a version twice', bytes: capsBytes({ [CAPS.versions]: [1, 2, 1] }), code: 'DUPLICATE_ENTRY', offset: 4, tag: CAPS.versions, field: 'versions' },
];
