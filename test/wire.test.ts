import { describe, expect, it } from 'vitest';
import {
  InvalidArgumentError,
  InvalidTypeError,
  PqwireError,
  UnknownSuiteError,
  WireFormatError,
  capabilities,
  ed25519,
  mlDsa65,
  mlKem512,
  mlKem768,
  wire,
  xWing,
  channel,
  type CapabilitiesMessage,
  type ChannelServerKeyMessage,
  type ConnectRequestMessage,
  type ConnectResponseMessage,
  type EnvelopeMessage,
  type ExchangeRequestMessage,
  type ExchangeResponseMessage,
  type KeyPackageMessage,
  type RatchetMessage,
  type WireErrorCode,
  type WireMessage,
} from '../ts/src/index';
import { NOT_BYTES, bad, bytes, expectThrow, hex, utf8 } from './helpers';
import { closed, duplexPair, secure } from './channel-helpers';
import {
  CAPS,
  CODE,
  CONNECT_REQUEST,
  CONNECT_RESPONSE,
  ENVELOPE,
  EXCHANGE_REQUEST,
  EXCHANGE_RESPONSE,
  KEY_PACKAGE,
  RATCHET,
  SERVER_KEY,
  TYPE,
  capsBytes,
  concat,
  dropField,
  duplicateField,
  field,
  header,
  message,
  offsetOf,
  setField,
  u16,
  u32,
  u64,
  u8,
} from './wire-bytes';

interface Where {
  offset?: number;
  tag?: number;
  field?: string;
}

/** `f` must throw a WireFormatError with `code` exactly at `where` (absent parts must be absent). */
function expectWire(f: () => unknown, code: WireErrorCode, where: Where): WireFormatError {
  const e = expectThrow<WireFormatError>(f, WireFormatError, code);
  expect(e.name).toBe('WireFormatError');
  expect({ offset: e.offset, tag: e.tag, field: e.field }).toStrictEqual({ offset: where.offset, tag: where.tag, field: where.field });
  return e;
}

const roundTrip = (m: WireMessage): { bytes: Uint8Array; decoded: WireMessage } => {
  const b = wire.encode(m);
  const decoded = wire.decode(b);
  expect(hex(wire.encode(decoded))).toBe(hex(b));
  return { bytes: b, decoded };
};

const T0 = 1_700_000_000;
const T1 = 1_800_000_000;
const KEY_ID = bytes(16, 0x07);
const OTHER_KEY_ID = bytes(16);

const kem768 = mlKem768.keygen();
const dsa65 = mlDsa65.keygen();

/** A valid ML-KEM-768 key package written by hand; `over` replaces (or with `null` drops) fields. */
function kpBytes(over: Partial<Record<number, ArrayLike<number> | null>> = {}): Uint8Array {
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
const envBytes = (payload: ArrayLike<number> = [1, 2], ...more: Uint8Array[]): Uint8Array =>
  concat(header(TYPE.envelope), field(ENVELOPE.contentType, u16(0x8001)), field(ENVELOPE.payload, payload), ...more);

const DEFAULT_KEX = ['X25519+ML-KEM-768', 'X25519+ML-KEM-1024', 'X25519+ML-KEM-512', 'ML-KEM-768', 'ML-KEM-1024', 'ML-KEM-512', 'X25519'] as const;
const DEFAULT_SIG = ['Ed25519+ML-DSA-65', 'Ed25519+ML-DSA-87', 'ML-DSA-65', 'ML-DSA-87', 'ML-DSA-44', 'Ed25519'] as const;

describe('round trips', () => {
  it('capabilities(): every suite post-quantum first, version 1, every feature, laid out big-endian', () => {
    const caps = capabilities();
    expect(caps).toStrictEqual({
      type: 'capabilities',
      versions: [1],
      kexSuites: [...DEFAULT_KEX],
      sigSuites: [...DEFAULT_SIG],
      aeadSuites: ['ChaCha20-Poly1305', 'AES-256-GCM'],
      features: ['hybrid-auth', 'kem-ratchet', 'channel-simplex', 'channel-duplex'],
      extensions: [],
    });
    const { bytes: b, decoded } = roundTrip(caps);
    expect(decoded).toStrictEqual(caps);
    const byHand = message(TYPE.capabilities, [
      [CAPS.versions, u8(1)],
      [CAPS.kexSuites, u16(...DEFAULT_KEX.map((n) => CODE[n]))],
      [CAPS.sigSuites, u16(...DEFAULT_SIG.map((n) => CODE[n]))],
      [CAPS.aeadSuites, u16(0x0003, 0x0002)],
      [CAPS.features, u32(0x0000000f)],
    ]);
    expect(hex(b)).toBe(hex(byHand));
    expect(hex(b.subarray(0, 4))).toBe('50570101');
    expect(wire.MAGIC).toStrictEqual(new Uint8Array([0x50, 0x57]));
    expect(wire.VERSION).toBe(1);
    expect(wire.MAX_MESSAGE_LEN).toBe(1 << 20);
  });

  it('capabilities with several versions, unknown feature bits and extensions', () => {
    const caps = capabilities({
      versions: [1, 7, 0],
      kexSuites: ['ML-KEM-1024'],
      sigSuites: ['Ed25519'],
      aeadSuites: ['AES-256-GCM'],
      features: ['kem-ratchet', 5, 31],
      extensions: [
        { tag: 0xf000, value: bytes(3) },
        { tag: 0xf123, value: new Uint8Array(0) },
        { tag: 0xffff, value: bytes(1024, 0xaa) },
      ],
    });
    const { bytes: b, decoded } = roundTrip(caps);
    expect(decoded).toStrictEqual(caps);
    expect(hex(b.subarray(-1030 - 6, -1030))).toBe(hex(concat(u16(0xf123), u32(0))));
  });

  it('capability lists given as undefined keep their defaults (a list left out)', () => {
    const caps = capabilities({ kexSuites: undefined, sigSuites: ['ML-DSA-87'] });
    expect(caps.kexSuites).toStrictEqual([...DEFAULT_KEX]);
    expect(wire.decode(wire.encode(caps))).toStrictEqual(caps);
  });

  it('feature flags: an empty set encodes as 0 and round-trips', () => {
    const { bytes: b, decoded } = roundTrip(capabilities({ features: [] }));
    expect((decoded as CapabilitiesMessage).features).toStrictEqual([]);
    expect(hex(b.subarray(-4))).toBe('00000000');
  });

  it.each([
    ['a KEM key (ML-KEM-768)', { kemSuite: 'ML-KEM-768', publicKey: kem768.publicKey }],
    ['a KEM key (X-Wing)', { kemSuite: 'X25519+ML-KEM-768', publicKey: xWing.keygen().publicKey }],
    ['a signature key (ML-DSA-65)', { sigSuite: 'ML-DSA-65', publicKey: dsa65.publicKey }],
    ['a signature key (Ed25519)', { sigSuite: 'Ed25519', publicKey: ed25519.keygen().publicKey }],
  ] as const)('key package holding %s', (_label, part) => {
    const kp: KeyPackageMessage = { type: 'key-package', keyId: KEY_ID, ...part, created: T0, expires: T1, extensions: [] };
    const { bytes: b, decoded } = roundTrip(kp);
    expect(decoded).toStrictEqual(kp);
    // Exactly one suite field is present in the bytes and in the decoded object.
    expect('kemSuite' in decoded).toBe('kemSuite' in part);
    expect('sigSuite' in decoded).toBe('sigSuite' in part);
    expect(b[3]).toBe(TYPE.keyPackage);
  });

  it('key package times up to 2^53 - 1 survive as exact numbers', () => {
    const kp: KeyPackageMessage = { type: 'key-package', keyId: KEY_ID, kemSuite: 'ML-KEM-512', publicKey: mlKem512.keygen().publicKey, created: 0, expires: Number.MAX_SAFE_INTEGER };
    const decoded = roundTrip(kp).decoded as KeyPackageMessage;
    expect(decoded.created).toBe(0);
    expect(decoded.expires).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('envelope without optional fields: they are absent after decoding', () => {
    const env: EnvelopeMessage = { type: 'envelope', contentType: 0x8001, payload: utf8('hello') };
    const { bytes: b, decoded } = roundTrip(env);
    expect(decoded).toStrictEqual({ ...env, extensions: [] });
    expect(Object.keys(decoded).sort()).toStrictEqual(['contentType', 'extensions', 'payload', 'type']);
    expect(hex(b)).toBe(hex(envBytes(utf8('hello'))));
  });

  it('envelope with every optional field and extensions', () => {
    const env: EnvelopeMessage = {
      type: 'envelope',
      contentType: 0x0001,
      senderKeyId: KEY_ID,
      recipientKeyId: OTHER_KEY_ID,
      sentAt: T0,
      payload: bytes(300),
      extensions: [
        { tag: 0xf001, value: u8(9) },
        { tag: 0xfffe, value: bytes(16) },
      ],
    };
    const { bytes: b, decoded } = roundTrip(env);
    expect(decoded).toStrictEqual(env);
    const byHand = message(TYPE.envelope, [
      [ENVELOPE.contentType, u16(1)],
      [ENVELOPE.senderKeyId, KEY_ID],
      [ENVELOPE.recipientKeyId, OTHER_KEY_ID],
      [ENVELOPE.sentAt, u64(T0)],
      [ENVELOPE.payload, bytes(300)],
      [0xf001, u8(9)],
      [0xfffe, bytes(16)],
    ]);
    expect(hex(b)).toBe(hex(byHand));
  });

  it('an empty payload and the largest content type', () => {
    const env: EnvelopeMessage = { type: 'envelope', contentType: 0xffff, payload: new Uint8Array(0), extensions: [] };
    expect(roundTrip(env).decoded).toStrictEqual(env);
  });

  it('encode(decode(b)) equals b for hand-written messages', () => {
    for (const b of [capsBytes(), kpBytes(), kpBytes({ [KEY_PACKAGE.kemSuite]: null, [KEY_PACKAGE.sigSuite]: u16(CODE['ML-DSA-65']), [KEY_PACKAGE.publicKey]: dsa65.publicKey }), envBytes(), envBytes(bytes(0), field(0xf000, bytes(5)))]) {
      expect(hex(wire.encode(wire.decode(b)))).toBe(hex(b));
    }
  });

  it('decodes a Buffer and a subarray at a non-zero byte offset; decoded bytes are copies', () => {
    const b = envBytes(utf8('abc'));
    const padded = concat([9, 9, 9], b, [9]);
    const view = padded.subarray(3, 3 + b.length);
    expect(wire.decode(view)).toStrictEqual(wire.decode(Buffer.from(b)));
    const decoded = wire.decode(view, 'envelope');
    padded.fill(0);
    expect(decoded.payload).toStrictEqual(utf8('abc'));
  });

  it('legacy alias names encode to the standard names and codes', () => {
    const legacy = capabilities({ kexSuites: ['X25519+Kyber768', 'Kyber768'], sigSuites: ['Dilithium3'] });
    const standard = capabilities({ kexSuites: ['X25519+ML-KEM-768', 'ML-KEM-768'], sigSuites: ['ML-DSA-65'] });
    const b = wire.encode(legacy);
    expect(hex(b)).toBe(hex(wire.encode(standard)));
    expect(wire.decode(b)).toStrictEqual(standard);
    expect(hex(b)).toContain(hex(concat(u16(CAPS.kexSuites), u32(4), u16(0x647a, 0x0201))));
    expect(hex(b)).toContain(hex(concat(u16(CAPS.sigSuites), u32(2), u16(0x0905))));

    const kp = wire.decode(wire.encode({ type: 'key-package', keyId: KEY_ID, kemSuite: bad('Kyber768'), publicKey: kem768.publicKey, created: T0, expires: T1 }));
    expect((kp as KeyPackageMessage).kemSuite).toBe('ML-KEM-768');
    const kpSig = wire.decode(wire.encode({ type: 'key-package', keyId: KEY_ID, sigSuite: bad('Dilithium3'), publicKey: dsa65.publicKey, created: T0, expires: T1 }));
    expect((kpSig as KeyPackageMessage).sigSuite).toBe('ML-DSA-65');
  });

  it('unknown suite codes given as numbers are kept in order; known codes as numbers become names', () => {
    const caps = capabilities({ kexSuites: [0x647f, 'X25519', 0xffff], sigSuites: [0x1234, 0x0905], aeadSuites: [0x9999, 0x0003] });
    const b = wire.encode(caps);
    const decoded = wire.decode(b, 'capabilities');
    expect(decoded.kexSuites).toStrictEqual([0x647f, 'X25519', 0xffff]);
    expect(decoded.sigSuites).toStrictEqual([0x1234, 'ML-DSA-65']);
    expect(decoded.aeadSuites).toStrictEqual([0x9999, 'ChaCha20-Poly1305']);
    expect(hex(wire.encode(decoded))).toBe(hex(b));
    // A known code given as a number is the same bytes as its name.
    expect(hex(wire.encode(capabilities({ kexSuites: [0x647a] })))).toBe(hex(wire.encode(capabilities({ kexSuites: ['X25519+ML-KEM-768'] }))));
    // A KEM code in the signature list is just an unknown signature code.
    expect(wire.decode(wire.encode(capabilities({ sigSuites: [CODE.X25519] })), 'capabilities').sigSuites).toStrictEqual([CODE.X25519]);
  });
});

interface ErrorRow extends Where {
  name: string;
  bytes: Uint8Array;
  code: WireErrorCode;
  expected?: 'capabilities' | 'key-package' | 'envelope';
}

const CAPS_LEN = capsBytes().length; // 51
const KP_LEN = kpBytes().length;
const docEnvelope = wire.encode({ type: 'envelope', contentType: 0x8001, payload: new Uint8Array([1, 2]) });
const kpNoKeyId = kpBytes({ [KEY_PACKAGE.keyId]: null });
const kpNoSuite = kpBytes({ [KEY_PACKAGE.kemSuite]: null });

/** Every wire error code, reached from JavaScript with hand-built bytes, with where it must point. */
const ERRORS: ErrorRow[] = [
  { name: 'empty input', bytes: new Uint8Array(0), code: 'TRUNCATED', offset: 0 },
  { name: 'header cut after the version', bytes: u8(0x50, 0x57, 1), code: 'TRUNCATED', offset: 3 },
  { name: 'a field value cut short', bytes: capsBytes().subarray(0, CAPS_LEN - 1), code: 'TRUNCATED', offset: 41, tag: CAPS.features, field: 'features' },
  { name: 'declared length past the end', bytes: envBytes([1, 2]).map((x, i) => (i === 17 ? 3 : x)), code: 'TRUNCATED', offset: 12, tag: ENVELOPE.payload, field: 'payload' },
  { name: 'the doc example cut inside the payload', bytes: docEnvelope.subarray(0, 19), code: 'TRUNCATED', offset: 12, tag: ENVELOPE.payload, field: 'payload' },
  { name: 'unknown extension cut short', bytes: concat(capsBytes(), field(0xf000, [1, 2, 3], 4)), code: 'TRUNCATED', offset: CAPS_LEN, tag: 0xf000 },
  { name: '1 byte after the last field', bytes: concat(capsBytes(), [0]), code: 'TRAILING_BYTES', offset: CAPS_LEN },
  { name: '5 bytes after the last field', bytes: concat(capsBytes(), [0, 6, 0, 0, 0]), code: 'TRAILING_BYTES', offset: CAPS_LEN },
  { name: 'the doc example cut inside a field header', bytes: docEnvelope.subarray(0, 9), code: 'TRAILING_BYTES', offset: 4 },
  { name: 'an undefined tag', bytes: concat(capsBytes(), field(0x0006, [1])), code: 'UNKNOWN_TAG', offset: CAPS_LEN, tag: 0x0006 },
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
  { name: 'magic "PX"', bytes: u8(0x50, 0x58, 1, 1), code: 'BAD_MAGIC', offset: 0 },
  { name: 'two bytes of something else', bytes: u8(0x7b, 0x22), code: 'BAD_MAGIC', offset: 0 },
  { name: 'version 2', bytes: capsBytes().map((x, i) => (i === 2 ? 2 : x)), code: 'UNSUPPORTED_VERSION', offset: 2 },
  { name: 'version 0', bytes: u8(0x50, 0x57, 0, 1), code: 'UNSUPPORTED_VERSION', offset: 2 },
  { name: 'type 0x00', bytes: u8(0x50, 0x57, 1, 0), code: 'UNKNOWN_TYPE', offset: 3 },
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

describe('every wire error code is reachable from JavaScript, with where it fired', () => {
  it('the table covers all 15 codes', () => {
    const all: WireErrorCode[] = [
      'TRUNCATED', 'TRAILING_BYTES', 'UNKNOWN_TAG', 'DUPLICATE_TAG', 'TAG_ORDER', 'BAD_LENGTH', 'TOO_LARGE', 'BAD_MAGIC',
      'UNSUPPORTED_VERSION', 'UNKNOWN_TYPE', 'UNEXPECTED_TYPE', 'UNKNOWN_SUITE', 'MISSING_FIELD', 'INVALID_FIELD', 'DUPLICATE_ENTRY',
    ];
    expect(new Set(ERRORS.map((r) => r.code))).toStrictEqual(new Set(all));
  });

  it.each(ERRORS.map((r) => [`${r.code}: ${r.name}`, r] as const))('%s', (_label, row) => {
    const e = expectWire(() => (row.expected ? wire.decode(row.bytes, row.expected) : wire.decode(row.bytes)), row.code, row);
    // The message says where, in the same words inspect uses.
    expect(e.message).toMatch(new RegExp(`^at offset ${row.offset}\\b`));
    if (row.field !== undefined) expect(e.message).toContain(`field ${row.field}`);
  });

  it('the header is checked before any field: size, then magic, then length, version and type', () => {
    expectWire(() => wire.decode(concat(u8(0, 0, 9, 9), new Uint8Array(1 << 20))), 'TOO_LARGE', { offset: 0 });
    expectWire(() => wire.decode(u8(0x00, 0x57, 1)), 'BAD_MAGIC', { offset: 0 });
    expectWire(() => wire.decode(u8(0x50)), 'TRUNCATED', { offset: 1 });
    expectWire(() => wire.decode(u8(0x50, 0x57, 9, 0xee)), 'UNSUPPORTED_VERSION', { offset: 2 });
  });

  it('the first broken rule wins: a field error before a later missing field', () => {
    expectWire(() => wire.decode(message(TYPE.capabilities, [[1, u8(1, 1)]])), 'DUPLICATE_ENTRY', { offset: 4, tag: 1, field: 'versions' });
  });

  // A cross-field MISSING_FIELD (found by the key package's own rule) points at the message
  // end like every other missing field. (It pointed at offset 0 until core commit 00659dd.)
  it('MISSING_FIELD for a key package with neither suite points at the message end', () => {
    const b = kpBytes({ [KEY_PACKAGE.kemSuite]: null });
    expectWire(() => wire.decode(b), 'MISSING_FIELD', { offset: b.length, tag: KEY_PACKAGE.kemSuite, field: 'kemSuite' });
    expect(wire.inspect(b)).toContain(`error MISSING_FIELD: at offset ${b.length} (field kemSuite, tag 0x0002)`);
  });

  it('extensions are the only unknown tags accepted, kept in order as opaque bytes', () => {
    const b = concat(capsBytes(), field(0xf000, []), field(0xf7ff, [1, 2]), field(0xffff, bytes(1024)));
    const m = wire.decode(b);
    expect(m.extensions).toStrictEqual([
      { tag: 0xf000, value: new Uint8Array(0) },
      { tag: 0xf7ff, value: u8(1, 2) },
      { tag: 0xffff, value: bytes(1024) },
    ]);
    expect(hex(wire.encode(m))).toBe(hex(b));
  });

  it('decode refuses non-bytes with InvalidTypeError and an unknown expected type with InvalidArgumentError', () => {
    for (const [, v] of NOT_BYTES) expectThrow(() => wire.decode(bad(v)), InvalidTypeError, 'INVALID_TYPE');
    expectThrow(() => wire.decode(capsBytes(), bad<'capabilities'>('bogus')), InvalidArgumentError, 'INVALID_ARGUMENT');
    expectThrow(() => wire.decode(capsBytes(), bad<'capabilities'>(1)), InvalidArgumentError, 'INVALID_ARGUMENT');
    expect(wire.decode(capsBytes(), 'capabilities').type).toBe('capabilities');
  });
});

describe('encoder refusals', () => {
  const env: EnvelopeMessage = { type: 'envelope', contentType: 0x8001, payload: u8(1, 2) };
  const kp: KeyPackageMessage = { type: 'key-package', keyId: KEY_ID, kemSuite: 'ML-KEM-768', publicKey: kem768.publicKey, created: T0, expires: T1 };

  it('an unknown field name: InvalidArgumentError naming it', () => {
    const e = expectThrow(() => wire.encode(bad({ ...env, bogusField: 1 })), InvalidArgumentError, 'INVALID_ARGUMENT');
    expect(e.message).toContain('bogusField');
    expect(e.message).toContain('envelope');
    // A field of another message type is unknown here too.
    expect(expectThrow(() => wire.encode(bad({ ...env, kexSuites: ['X25519'] })), InvalidArgumentError, 'INVALID_ARGUMENT').message).toContain('kexSuites');
    // A very long name is cut in the message.
    const long = `x${'y'.repeat(500)}`;
    const m = expectThrow(() => wire.encode(bad({ ...env, [long]: 1 })), InvalidArgumentError, 'INVALID_ARGUMENT').message;
    expect(m).toContain(long.slice(0, 64));
    expect(m).not.toContain(long.slice(0, 65));
  });

  it('an unknown message type: InvalidArgumentError; a missing or non-string type: InvalidTypeError', () => {
    expectThrow(() => wire.encode(bad({ ...env, type: 'handshake' })), InvalidArgumentError, 'INVALID_ARGUMENT');
    expectThrow(() => wire.encode(bad({ contentType: 1, payload: u8() })), InvalidTypeError, 'INVALID_TYPE');
    expectThrow(() => wire.encode(bad({ ...env, type: 3 })), InvalidTypeError, 'INVALID_TYPE');
    for (const v of [null, undefined, 'envelope', 42, true]) expectThrow(() => wire.encode(bad(v)), InvalidTypeError, 'INVALID_TYPE');
  });

  it.each([
    ['payload: true', { ...env, payload: true }],
    ['payload: null', { ...env, payload: null }],
    ['payload: a plain object', { ...env, payload: { length: 2 } }],
    ['payload: a bigint', { ...env, payload: 1n }],
    ['kexSuites entry: a boolean', capabilities({ kexSuites: [bad(true)] })],
    ['kexSuites entry: an object', capabilities({ kexSuites: [bad({})] })],
    ['kexSuites entry: 1.5', capabilities({ kexSuites: [1.5] })],
    ['kexSuites entry: -1', capabilities({ kexSuites: [-1] })],
    ['features entry: null', capabilities({ features: [bad(null)] })],
    ['extensions: an object', { ...env, extensions: {} }],
    ['extensions: a string', { ...env, extensions: 'f000' }],
    ['extensions entry: null', { ...env, extensions: [null] }],
    ['extensions entry: tag as a string', { ...env, extensions: [{ tag: '61440', value: u8() }] }],
    ['extensions entry: value as a string', { ...env, extensions: [{ tag: 0xf000, value: '00' }] }],
    ['extensions entry: value as an array', { ...env, extensions: [{ tag: 0xf000, value: [0] }] }],
  ])('wrong JavaScript type (%s): InvalidTypeError', (_label, m) => {
    expectThrow(() => wire.encode(bad(m)), InvalidTypeError, 'INVALID_TYPE');
  });

  // A value whose JavaScript type does not fit the field's kind reaches the native binding
  // (crates/pqwire-node/src/wire.rs, `from_js_message`), which refuses it as INVALID_TYPE
  // like the facade does everywhere else; out-of-range numbers are INVALID_ARGUMENT.
  const KIND_MISMATCH: ReadonlyArray<readonly [string, unknown]> = [
    ['payload: a string', { ...env, payload: 'abc' }],
    ['payload: a number', { ...env, payload: 5 }],
    ['contentType: a string', { ...env, contentType: '1' }],
    ['contentType: an array', { ...env, contentType: [1] }],
    ['kemSuite: an array', { ...kp, kemSuite: ['ML-KEM-768'] }],
    ['versions: a number', capabilities({ versions: bad(1) })],
    ['versions entry: a string', capabilities({ versions: bad(['1']) })],
  ];
  it.each(KIND_MISMATCH)('a value of the wrong kind (%s) is an InvalidTypeError', (_label, m) => {
    expectThrow(() => wire.encode(bad(m)), InvalidTypeError, 'INVALID_TYPE');
  });

  it.each([
    ['contentType: 1.5', { ...env, contentType: 1.5 }],
    ['contentType: -1', { ...env, contentType: -1 }],
    ['contentType: NaN', { ...env, contentType: NaN }],
    ['contentType: Infinity', { ...env, contentType: Infinity }],
    ['sentAt: 2^53 (not a safe integer)', { ...env, sentAt: 2 ** 53 }],
    ['created: 0.1', { ...kp, created: 0.1 }],
    ['kemSuite: 70000', { ...kp, kemSuite: 70000 }],
    ['kexSuites entry: 70000', capabilities({ kexSuites: [70000] })],
    ['versions entry: 256', capabilities({ versions: [256] })],
    ['features entry: bit 32', capabilities({ features: [32] })],
    ['features entry: an unknown name', capabilities({ features: [bad('telepathy')] })],
    ['extensions entry: tag 0xF000.5', { ...env, extensions: [{ tag: 0xf000 + 0.5, value: u8() }] }],
    ['extensions entry: tag 2^32 (would wrap to 0)', { ...env, extensions: [{ tag: 2 ** 32, value: u8() }] }],
    ['extensions entry: tag 70000', { ...env, extensions: [{ tag: 70000, value: u8() }] }],
    ['extensions entry: tag -1', { ...env, extensions: [{ tag: -1, value: u8() }] }],
  ])('a number that is not allowed (%s): InvalidArgumentError', (_label, m) => {
    expectThrow(() => wire.encode(bad(m)), InvalidArgumentError, 'INVALID_ARGUMENT');
  });

  it('duplicate suites, also through an alias or a number: WireFormatError DUPLICATE_ENTRY', () => {
    for (const kexSuites of [['X25519', 'X25519'], ['X25519+ML-KEM-768', 'X-Wing'], ['X25519', CODE.X25519], [0x7777, 0x7777]] as const) {
      expectWire(() => wire.encode(capabilities({ kexSuites: bad(kexSuites) })), 'DUPLICATE_ENTRY', { offset: 11, tag: CAPS.kexSuites, field: 'kexSuites' });
    }
    expectWire(() => wire.encode(capabilities({ aeadSuites: ['AES-256-GCM', 'AES256GCM'] as never })), 'DUPLICATE_ENTRY', { offset: 49, tag: CAPS.aeadSuites, field: 'aeadSuites' }); // after the 7 default kex and 6 sig suites
    expectWire(() => wire.encode(capabilities({ versions: [1, 1] })), 'DUPLICATE_ENTRY', { offset: 4, tag: CAPS.versions, field: 'versions' });
  });

  it('an unknown suite name, or a name from another role: UnknownSuiteError', () => {
    const e = expectThrow(() => wire.encode(capabilities({ kexSuites: [bad('Kyber9000')] })), UnknownSuiteError, 'UNKNOWN_SUITE');
    expect(e.message).toContain('Kyber9000');
    expectThrow(() => wire.encode(capabilities({ kexSuites: [bad('Ed25519')] })), UnknownSuiteError, 'UNKNOWN_SUITE');
    expectThrow(() => wire.encode(capabilities({ sigSuites: [bad('X25519')] })), UnknownSuiteError, 'UNKNOWN_SUITE');
    expectThrow(() => wire.encode({ ...kp, kemSuite: bad('ML-DSA-65') }), UnknownSuiteError, 'UNKNOWN_SUITE');
    // An unknown code in a single-suite field is a wire rule, found at the field.
    expectWire(() => wire.encode({ ...kp, kemSuite: bad(0x0299) }), 'UNKNOWN_SUITE', { offset: 26, tag: KEY_PACKAGE.kemSuite, field: 'kemSuite' });
  });

  it('the encoder runs the decoder rules: lengths, ranges, cross-field rules, extension rules', () => {
    expectWire(() => wire.encode(capabilities({ kexSuites: [] })), 'BAD_LENGTH', { offset: 11, tag: CAPS.kexSuites, field: 'kexSuites' });
    expectWire(() => wire.encode(capabilities({ kexSuites: Array.from({ length: 33 }, (_, i) => 0x7000 + i) })), 'TOO_LARGE', { offset: 11, tag: CAPS.kexSuites, field: 'kexSuites' });
    expectWire(() => wire.encode({ ...env, contentType: 0x10000 }), 'INVALID_FIELD', { offset: 4, tag: ENVELOPE.contentType, field: 'contentType' });
    expectWire(() => wire.encode({ ...env, senderKeyId: bytes(15) }), 'BAD_LENGTH', { offset: 12, tag: ENVELOPE.senderKeyId, field: 'senderKeyId' });
    // A fixed-size field of the wrong length is BAD_LENGTH, too long or too short, as in the decoder.
    expectWire(() => wire.encode({ ...kp, keyId: bytes(17) }), 'BAD_LENGTH', { offset: 4, tag: KEY_PACKAGE.keyId, field: 'keyId' });
    expectWire(() => wire.decode(kpBytes({ [KEY_PACKAGE.keyId]: bytes(17) })), 'BAD_LENGTH', { offset: 4, tag: KEY_PACKAGE.keyId, field: 'keyId' });
    expectWire(() => wire.encode({ ...kp, publicKey: kem768.publicKey.subarray(1) }), 'BAD_LENGTH', { offset: 34, tag: KEY_PACKAGE.publicKey, field: 'publicKey' });
    expectWire(() => wire.encode({ ...kp, expires: T0 }), 'INVALID_FIELD', { offset: KP_LEN - 14, tag: KEY_PACKAGE.expires, field: 'expires' });
    expectWire(() => wire.encode({ ...kp, sigSuite: 'ML-DSA-65' }), 'INVALID_FIELD', { offset: 34, tag: KEY_PACKAGE.sigSuite, field: 'sigSuite' });
    const noSuite = kpBytes({ [KEY_PACKAGE.kemSuite]: null }).length;
    expectWire(() => wire.encode({ ...kp, kemSuite: undefined }), 'MISSING_FIELD', { offset: noSuite, tag: KEY_PACKAGE.kemSuite, field: 'kemSuite' });
    expectWire(() => wire.encode(bad({ type: 'capabilities', versions: [1] })), 'MISSING_FIELD', { offset: 11, tag: CAPS.kexSuites, field: 'kexSuites' });
    expectWire(() => wire.encode(bad({ type: 'envelope', payload: u8() })), 'MISSING_FIELD', { offset: 10, tag: ENVELOPE.contentType, field: 'contentType' });
    expectWire(() => wire.encode({ ...env, extensions: [{ tag: 0x0006, value: u8() }] }), 'UNKNOWN_TAG', { offset: 20, tag: 0x0006 });
    expectWire(() => wire.encode({ ...env, extensions: [{ tag: 0xf002, value: u8() }, { tag: 0xf001, value: u8() }] }), 'TAG_ORDER', { offset: 26, tag: 0xf001 });
    expectWire(() => wire.encode({ ...env, extensions: [{ tag: 0xf002, value: u8() }, { tag: 0xf002, value: u8() }] }), 'DUPLICATE_TAG', { offset: 26, tag: 0xf002 });
    expectWire(() => wire.encode({ ...env, extensions: [{ tag: 0xf000, value: bytes(1025) }] }), 'TOO_LARGE', { offset: 20, tag: 0xf000 });
    expectWire(() => wire.encode({ ...env, extensions: Array.from({ length: 17 }, (_, i) => ({ tag: 0xf000 + i, value: u8() })) }), 'TOO_LARGE', { offset: 20 });
    expectWire(() => wire.encode({ ...env, payload: new Uint8Array(1 << 20) }), 'TOO_LARGE', { offset: 12, tag: ENVELOPE.payload, field: 'payload' });
  });
});

describe('inspect', () => {
  it('renders a valid capabilities message: header, field names, offsets, suite and feature names, "canonical"', () => {
    const text = wire.inspect(wire.encode(capabilities({ kexSuites: ['X25519+ML-KEM-768', 0x647f, 'X25519'], versions: [1, 3] })));
    expect(text).toMatch(/^pqwire message, \d+ bytes\n/);
    expect(text).toContain('magic "PW", version 1, type 0x01 (capabilities)');
    for (const s of ['versions', 'kexSuites', 'sigSuites', 'aeadSuites', 'features', '@4 ', '@12 ', 'X25519+ML-KEM-768', '0x647F (unknown)', 'Ed25519+ML-DSA-65', 'ChaCha20-Poly1305', 'AES-256-GCM', 'hybrid-auth', 'channel-duplex', '[1, 3]']) {
      expect(text).toContain(s);
    }
    expect(text.trimEnd().split('\n').at(-1)).toBe('valid capabilities message, canonical');
  });

  it('renders a key package and an envelope with extensions', () => {
    const kpText = wire.inspect(kpBytes());
    for (const s of ['(key-package)', 'keyId', 'kemSuite', 'ML-KEM-768', 'publicKey', '1184 B', `${T0} (unix seconds)`, 'valid key-package message, canonical']) expect(kpText).toContain(s);
    const envText = wire.inspect(envBytes(u8(1), field(0xf00d, u8(0xab, 0xcd))));
    for (const s of ['(envelope)', 'contentType', '32769', 'payload', 'extension', '0xF00D', 'abcd', 'valid envelope message, canonical']) expect(envText).toContain(s);
  });

  it.each(ERRORS.filter((r) => r.expected === undefined).map((r) => [`${r.code}: ${r.name}`, r] as const))('names the rule and the offset: %s', (_label, row) => {
    const text = wire.inspect(row.bytes);
    expect(text).toContain(`error ${row.code}: at offset ${row.offset}`);
    expect(text).toContain(`decoding stopped at offset ${row.offset}; `);
    expect(text).not.toMatch(/^valid /m);
  });

  it('a message of an unexpected type is still a valid message to inspect', () => {
    expect(wire.inspect(envBytes())).toContain('valid envelope message, canonical');
  });

  it('never throws for any Uint8Array', () => {
    const inputs = [
      new Uint8Array(0),
      u8(0x50),
      u8(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff),
      Buffer.from('not a pqwire message at all'),
      concat(header(TYPE.capabilities), field(2, [1], 0xffffffff)),
      concat(header(TYPE.keyPackage), field(2, [0xff, 0xff, 0xff])),
      concat(header(TYPE.envelope), field(4, bytes(9))),
      concat(header(TYPE.capabilities), field(5, bytes(9, 0xff))),
      concat(header(TYPE.capabilities), ...Array.from({ length: 2000 }, (_, i) => field(0xf000 + i, []))),
      new Uint8Array((1 << 20) + 10),
      capsBytes().subarray(1),
    ];
    for (const b of inputs) {
      const text = wire.inspect(b);
      expect(text.startsWith(`pqwire message, ${b.length} bytes\n`)).toBe(true);
      expect(text).toMatch(/\n(valid [a-z-]+ message|error [A-Z_]+: )/);
    }
  });

  it('throws InvalidTypeError for anything but bytes', () => {
    for (const [, v] of [...NOT_BYTES, ['undefined', undefined] as const]) expectThrow(() => wire.inspect(bad(v)), InvalidTypeError, 'INVALID_TYPE');
  });
});

describe('error messages never contain payload bytes', () => {
  const secret = concat(utf8('TOP-SECRET-PAYLOAD'), [0xde, 0xad, 0xbe, 0xef, 0x01, 0x23, 0x45, 0x67]);
  const secretHex = hex(secret);
  const forms = [utf8('TOP-SECRET').toString(), 'TOP-SECRET', secretHex, secretHex.toUpperCase(), 'deadbeef', 'DEADBEEF', 'de ad be ef', '222,173,190,239'];

  const cases: ReadonlyArray<readonly [string, () => unknown]> = [
    ['trailing bytes after the payload', () => wire.decode(concat(envBytes(secret), [0]))],
    ['an unknown tag after the payload', () => wire.decode(envBytes(secret, field(0x0006, secret)))],
    ['a payload cut short', () => wire.decode(envBytes(secret).subarray(0, -3))],
    ['a repeated payload', () => wire.decode(envBytes(secret, field(ENVELOPE.payload, secret)))],
    ['a field out of order after the payload', () => wire.decode(envBytes(secret, field(ENVELOPE.sentAt, u64(1))))],
    ['an oversized extension holding the secret', () => wire.decode(envBytes(secret, field(0xf000, concat(secret, new Uint8Array(1100)))))],
    ['a public key of the wrong length', () => wire.decode(kpBytes({ [KEY_PACKAGE.publicKey]: concat(secret, kem768.publicKey) }))],
    ['an unexpected type', () => wire.decode(envBytes(secret), 'key-package')],
    ['encode: an unknown field beside the payload', () => wire.encode(bad({ type: 'envelope', contentType: 1, payload: secret, nope: secret }))],
    ['encode: contentType out of range beside the payload', () => wire.encode({ type: 'envelope', contentType: 0x10000, payload: secret })],
    ['encode: an extension too large', () => wire.encode({ type: 'envelope', contentType: 1, payload: secret, extensions: [{ tag: 0xf000, value: concat(secret, new Uint8Array(1100)) }] })],
  ];

  it.each(cases)('%s', (_label, f) => {
    let thrown: unknown;
    try {
      f();
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(PqwireError);
    const text = `${(thrown as Error).message}\n${String(thrown)}`;
    for (const form of forms) expect(text).not.toContain(form);
  });

  it('the public key value does not appear in its BAD_LENGTH message', () => {
    const e = expectThrow(() => wire.decode(kpBytes({ [KEY_PACKAGE.publicKey]: kem768.publicKey.subarray(1) })), WireFormatError, 'BAD_LENGTH');
    expect(e.message).not.toContain(hex(kem768.publicKey.subarray(1, 9)));
    expect(e.message).toContain('1183');
  });
});

// Keep offsetOf used (it documents the layout the table relies on).
describe('layout the tables rely on', () => {
  it('field offsets of the hand-built messages', () => {
    expect([CAPS.versions, CAPS.kexSuites, CAPS.sigSuites, CAPS.aeadSuites, CAPS.features].map((t) => offsetOf(capsBytes(), t))).toStrictEqual([4, 11, 21, 31, 41]);
    expect(CAPS_LEN).toBe(51);
    expect([KEY_PACKAGE.keyId, KEY_PACKAGE.kemSuite, KEY_PACKAGE.publicKey, KEY_PACKAGE.created, KEY_PACKAGE.expires].map((t) => offsetOf(kpBytes(), t))).toStrictEqual([4, 26, 34, 1224, 1238]);
  });
});

describe('ratchet message (0x12)', () => {
  const PK = mlKem768.lengths.publicKey;
  const CT = mlKem768.lengths.cipherText;
  const full = (): RatchetMessage => ({
    type: 'ratchet-message',
    ratchetKey: bytes(32, 0x31),
    previousChainLength: 2,
    counter: 3,
    kemKey: concat(bytes(16, 0x34), bytes(PK, 0x35)),
    kemCiphertext: bytes(CT, 0x36),
    kemCiphertextKeyId: bytes(16, 0x37),
    associatedData: utf8('meta'),
    ciphertext: bytes(21, 0x38),
  });
  /** The same message written by hand. */
  const fullBytes = (): Uint8Array =>
    message(TYPE.ratchetMessage, [
      [RATCHET.ratchetKey, bytes(32, 0x31)],
      [RATCHET.previousChainLength, u32(2)],
      [RATCHET.counter, u32(3)],
      [RATCHET.kemKey, concat(bytes(16, 0x34), bytes(PK, 0x35))],
      [RATCHET.kemCiphertext, bytes(CT, 0x36)],
      [RATCHET.kemCiphertextKeyId, bytes(16, 0x37)],
      [RATCHET.associatedData, utf8('meta')],
      [RATCHET.ciphertext, bytes(21, 0x38)],
    ]);
  /** `m` refused by the encoder and `b` (the same mistake, by hand) by the decoder, both exactly at `where`. */
  const bothRefuse = (m: Record<string, unknown>, b: Uint8Array, code: WireErrorCode, where: Where): void => {
    expectWire(() => wire.encode(m as never), code, where);
    expectWire(() => wire.decode(b), code, where);
  };
  const KEM_KEY_AT = 4 + 38 + 10 + 10;

  it('round-trips every field; the bytes are the documented layout; numbers stay numbers', () => {
    const { bytes: b, decoded } = roundTrip(full());
    expect(hex(b)).toBe(hex(fullBytes()));
    expect(b[3]).toBe(0x12);
    expect(decoded).toStrictEqual({ ...full(), extensions: [] });
    const typed = wire.decode(b, 'ratchet-message');
    expect(typed.counter).toBe(3);
    expect(typed.kemKey?.length).toBe(16 + PK);
  });

  it('optional fields may be absent; extensions follow the ciphertext', () => {
    const m: RatchetMessage = {
      type: 'ratchet-message',
      ratchetKey: bytes(32, 1),
      previousChainLength: 0,
      counter: 0xffffffff,
      ciphertext: bytes(16),
      extensions: [{ tag: 0xf000, value: u8(9) }],
    };
    const { bytes: b, decoded } = roundTrip(m);
    expect(decoded).toStrictEqual(m);
    expect(b.length).toBe(4 + 38 + 10 + 10 + 22 + 7);
  });

  it('kemKey and kemCiphertext of every KEM suite fit (X25519 and hybrids too: classical-only sessions)', () => {
    for (const s of [mlKem512, mlKem768, xWing]) {
      const m = { ...full(), kemKey: concat(KEY_ID, bytes(s.lengths.publicKey)), kemCiphertext: bytes(s.lengths.cipherText) };
      roundTrip(m);
    }
    roundTrip({ ...full(), kemKey: concat(KEY_ID, bytes(32)), kemCiphertext: bytes(32) });
  });

  it('fixed lengths: ratchetKey 32, kemCiphertextKeyId 16 (BAD_LENGTH)', () => {
    bothRefuse({ ...full(), ratchetKey: bytes(31) }, setField(fullBytes(), RATCHET.ratchetKey, bytes(31)), 'BAD_LENGTH', {
      offset: 4,
      tag: RATCHET.ratchetKey,
      field: 'ratchetKey',
    });
    const b = setField(fullBytes(), RATCHET.kemCiphertextKeyId, bytes(17));
    bothRefuse({ ...full(), kemCiphertextKeyId: bytes(17) }, b, 'BAD_LENGTH', {
      offset: offsetOf(b, RATCHET.kemCiphertextKeyId),
      tag: RATCHET.kemCiphertextKeyId,
      field: 'kemCiphertextKeyId',
    });
    expectWire(() => wire.decode(setField(fullBytes(), RATCHET.counter, u8(1, 2))), 'BAD_LENGTH', { offset: 52, tag: RATCHET.counter, field: 'counter' });
  });

  it('kemKey is a key id and a KEM public key: any other length is BAD_LENGTH', () => {
    for (const len of [PK, 16 + PK - 1, 16 + PK + 1, 16]) {
      const b = setField(fullBytes(), RATCHET.kemKey, bytes(len));
      bothRefuse({ ...full(), kemKey: bytes(len) }, b, 'BAD_LENGTH', { offset: KEM_KEY_AT, tag: RATCHET.kemKey, field: 'kemKey' });
    }
  });

  it('kemCiphertext has a KEM ciphertext length (BAD_LENGTH)', () => {
    const b = setField(fullBytes(), RATCHET.kemCiphertext, bytes(CT - 1));
    bothRefuse({ ...full(), kemCiphertext: bytes(CT - 1) }, b, 'BAD_LENGTH', {
      offset: offsetOf(b, RATCHET.kemCiphertext),
      tag: RATCHET.kemCiphertext,
      field: 'kemCiphertext',
    });
  });

  it('kemCiphertext and kemCiphertextKeyId come together (MISSING_FIELD at the end / INVALID_FIELD at the id)', () => {
    const noId = dropField(fullBytes(), RATCHET.kemCiphertextKeyId);
    bothRefuse({ ...full(), kemCiphertextKeyId: undefined }, noId, 'MISSING_FIELD', {
      offset: noId.length,
      tag: RATCHET.kemCiphertextKeyId,
      field: 'kemCiphertextKeyId',
    });
    const idAlone = dropField(fullBytes(), RATCHET.kemCiphertext);
    bothRefuse({ ...full(), kemCiphertext: undefined }, idAlone, 'INVALID_FIELD', {
      offset: offsetOf(idAlone, RATCHET.kemCiphertextKeyId),
      tag: RATCHET.kemCiphertextKeyId,
      field: 'kemCiphertextKeyId',
    });
  });

  it('associatedData is absent when empty, and the ciphertext holds at least the AEAD tag (BAD_LENGTH)', () => {
    const emptyAd = setField(fullBytes(), RATCHET.associatedData, []);
    bothRefuse({ ...full(), associatedData: new Uint8Array(0) }, emptyAd, 'BAD_LENGTH', {
      offset: offsetOf(emptyAd, RATCHET.associatedData),
      tag: RATCHET.associatedData,
      field: 'associatedData',
    });
    const short = setField(fullBytes(), RATCHET.ciphertext, bytes(15));
    bothRefuse({ ...full(), ciphertext: bytes(15) }, short, 'BAD_LENGTH', {
      offset: offsetOf(short, RATCHET.ciphertext),
      tag: RATCHET.ciphertext,
      field: 'ciphertext',
    });
  });

  it('required fields, unknown tags, counters over 2^32 - 1', () => {
    for (const [name, tag] of [
      ['ratchetKey', RATCHET.ratchetKey],
      ['previousChainLength', RATCHET.previousChainLength],
      ['counter', RATCHET.counter],
      ['ciphertext', RATCHET.ciphertext],
    ] as const) {
      const b = dropField(fullBytes(), tag);
      bothRefuse({ ...full(), [name]: undefined }, b, 'MISSING_FIELD', { offset: b.length, tag, field: name });
    }
    const b = concat(fullBytes(), field(0x0009, [1]));
    expectWire(() => wire.decode(b), 'UNKNOWN_TAG', { offset: fullBytes().length, tag: 9 });
    expectWire(() => wire.encode({ ...full(), counter: 2 ** 32 }), 'INVALID_FIELD', { offset: 52, tag: RATCHET.counter, field: 'counter' });
    expectThrow(() => wire.encode({ ...full(), counter: '3' } as never), InvalidTypeError, 'INVALID_TYPE');
    expectWire(() => wire.decode(fullBytes(), 'initial-message'), 'UNEXPECTED_TYPE', { offset: 3 });
  });

  it('inspect renders every field of a ratchet message', () => {
    const text = wire.inspect(fullBytes());
    for (const name of ['ratchet-message', 'ratchetKey', 'previousChainLength', 'counter', 'kemKey', 'kemCiphertextKeyId', 'associatedData', 'ciphertext']) {
      expect(text).toContain(name);
    }
    expect(text.trimEnd().split('\n').at(-1)).toBe('valid ratchet-message message, canonical');
  });

  it('nested in an initial message: its errors carry the nested offset and the field message', () => {
    const kp = (id: number, suite: Record<string, string>, publicKey: Uint8Array): Uint8Array =>
      wire.encode({ type: 'key-package', keyId: bytes(16, id), ...suite, publicKey, created: 1, expires: 2 } as never);
    const first = wire.encode({ ...full(), kemCiphertext: undefined, kemCiphertextKeyId: undefined, previousChainLength: 0 });
    const initial = {
      type: 'initial-message',
      capabilities: wire.encode(capabilities()),
      identitySigKey: kp(1, { sigSuite: 'Ed25519' }, ed25519.keygen().publicKey),
      identityDhKey: kp(2, { kemSuite: 'X25519' }, bytes(32, 9)),
      identityDhSignature: bytes(64),
      signedPrekeyId: bytes(16, 3),
      ephemeralKey: bytes(32, 4),
      transcriptSignature: bytes(64, 5),
      message: first,
    } as const;
    const b = wire.encode(initial as never);
    const decoded = wire.decode(b, 'initial-message');
    expect(wire.decode(decoded.message, 'ratchet-message').counter).toBe(3);
    expect(wire.inspect(b)).toContain('nested ratchet-message message');
    // A ratchet message whose ciphertext is shorter than the AEAD tag, nested.
    const bad = setField(first, RATCHET.ciphertext, bytes(15));
    const at = offsetOf(b, 0x000b) + 6 + offsetOf(bad, RATCHET.ciphertext);
    const broken = setField(b, 0x000b, bad);
    expectWire(() => wire.decode(broken), 'BAD_LENGTH', { offset: at, tag: 0x000b, field: 'message' });
    expectWire(() => wire.encode({ ...initial, message: bad } as never), 'BAD_LENGTH', { offset: at, tag: 0x000b, field: 'message' });
    // The first chain's rule: no KEM ciphertext in an initial message's ratchet message.
    expectWire(() => wire.encode({ ...initial, message: fullBytes() } as never), 'INVALID_FIELD', {
      offset: offsetOf(b, 0x000b),
      tag: 0x000b,
      field: 'message',
    });
  });
});

describe('channel messages (0x20-0x24)', () => {
  const CONFIG = 'pqwire-channel/v1 X25519+ML-KEM-768 Ed25519+ML-DSA-65 ChaCha20-Poly1305';
  const key = channel.generateServerKey({ created: T0, lifetime: 3600, seed: bytes(32, 0x42) });
  const clientKey = channel.generateServerKey({ created: T0, lifetime: 3600, seed: bytes(32, 0x43) });
  const XW_PK = xWing.lengths.publicKey;
  const XW_CT = xWing.lengths.cipherText;
  const caps = wire.encode(capabilities());
  /** `m` refused by the encoder and `b` (the same mistake, by hand) by the decoder, both exactly at `where`. */
  const bothRefuse = (m: Record<string, unknown>, b: Uint8Array, code: WireErrorCode, where: Where): void => {
    expectWire(() => wire.encode(m as never), code, where);
    expectWire(() => wire.decode(b), code, where);
  };

  describe('channel-server-key (0x20)', () => {
    const pinned = (): ChannelServerKeyMessage => wire.decode(key.publicKey, 'channel-server-key');

    it("decodes a server key's public part with decode(bytes, 'channel-server-key'), and round-trips it byte for byte", () => {
      const pk = pinned();
      expect(pk.type).toBe('channel-server-key');
      expect(hex(pk.keyId)).toBe(key.keyId);
      expect(new TextDecoder().decode(pk.config)).toBe(CONFIG);
      expect(pk.sigSuite).toBe('Ed25519+ML-DSA-65');
      expect(pk.verificationKey.length).toBe(32 + mlDsa65.lengths.publicKey);
      expect([pk.created, pk.expires]).toEqual([T0, T0 + 3600]);
      expect(pk.extensions).toEqual([]);
      expect(hex(wire.encode(pk))).toBe(hex(key.publicKey));
      const byHand = message(TYPE.channelServerKey, [
        [SERVER_KEY.keyId, pk.keyId],
        [SERVER_KEY.config, utf8(CONFIG)],
        [SERVER_KEY.sigSuite, u16(CODE['Ed25519+ML-DSA-65'])],
        [SERVER_KEY.verificationKey, pk.verificationKey],
        [SERVER_KEY.created, u64(T0)],
        [SERVER_KEY.expires, u64(T0 + 3600)],
      ]);
      expect(hex(byHand)).toBe(hex(key.publicKey));
      // What the typed view says is what the channel reads from the key.
      expect(channel.serverKeyInfo(wire.encode(pk))).toMatchObject({ keyId: key.keyId, config: CONFIG, sigSuite: pk.sigSuite, created: pk.created, expires: pk.expires });
    });

    it('refuses the wrong type both ways, and the secret key file (a record, not a message)', () => {
      expectWire(() => wire.decode(key.publicKey, 'key-package'), 'UNEXPECTED_TYPE', { offset: 3 });
      expectWire(() => wire.decode(wire.encode(capabilities()), 'channel-server-key'), 'UNEXPECTED_TYPE', { offset: 3 });
      expectWire(() => wire.decode(key.toFile()), 'UNKNOWN_TYPE', { offset: 3 });
    });

    it('rules: a canonical configuration, its signature suite, the key length, expiry after creation', () => {
      const pk = pinned();
      const b = key.publicKey;
      const aliased = utf8('pqwire-channel/v1 X-Wing Ed25519+ML-DSA-65 ChaCha20-Poly1305');
      const at = (tag: number): number => offsetOf(b, tag);
      bothRefuse({ ...pk, config: aliased }, setField(b, SERVER_KEY.config, aliased), 'INVALID_FIELD', {
        offset: at(SERVER_KEY.config),
        tag: SERVER_KEY.config,
        field: 'config',
      });
      const otherSig = setField(b, SERVER_KEY.sigSuite, u16(CODE['Ed25519+ML-DSA-87']));
      bothRefuse({ ...pk, sigSuite: 'Ed25519+ML-DSA-87' }, otherSig, 'INVALID_FIELD', { offset: at(SERVER_KEY.sigSuite), tag: SERVER_KEY.sigSuite, field: 'sigSuite' });
      const shortKey = pk.verificationKey.subarray(1);
      const shortKeyBytes = setField(b, SERVER_KEY.verificationKey, shortKey);
      bothRefuse({ ...pk, verificationKey: shortKey }, shortKeyBytes, 'BAD_LENGTH', {
        offset: at(SERVER_KEY.verificationKey),
        tag: SERVER_KEY.verificationKey,
        field: 'verificationKey',
      });
      bothRefuse({ ...pk, expires: T0 }, setField(b, SERVER_KEY.expires, u64(T0)), 'INVALID_FIELD', { offset: at(SERVER_KEY.expires), tag: SERVER_KEY.expires, field: 'expires' });
      const noConfig = dropField(b, SERVER_KEY.config);
      bothRefuse({ ...pk, config: undefined }, noConfig, 'MISSING_FIELD', { offset: noConfig.length, tag: SERVER_KEY.config, field: 'config' });
    });

    it('inspect shows the configuration as text', () => {
      const text = wire.inspect(key.publicKey);
      expect(text).toContain(CONFIG);
      expect(text.trimEnd().split('\n').at(-1)).toBe('valid channel-server-key message, canonical');
    });
  });

  describe('connect-request (0x21)', () => {
    const simplex = (): ConnectRequestMessage => ({ type: 'connect-request', serverKeyId: KEY_ID, capabilities: caps, mode: 1, clientRandom: bytes(32, 0x51) });
    const duplexBytes = (): Uint8Array =>
      message(TYPE.connectRequest, [
        [CONNECT_REQUEST.serverKeyId, KEY_ID],
        [CONNECT_REQUEST.capabilities, caps],
        [CONNECT_REQUEST.mode, u8(2)],
        [CONNECT_REQUEST.clientRandom, bytes(32, 0x51)],
        [CONNECT_REQUEST.clientKeyId, OTHER_KEY_ID],
      ]);

    it('round-trips both modes; the bytes are the documented layout; capabilities stay encoded', () => {
      const s = roundTrip(simplex());
      expect(s.decoded).toStrictEqual({ ...simplex(), extensions: [] });
      expect(hex(s.bytes)).toBe(hex(dropField(setField(duplexBytes(), CONNECT_REQUEST.mode, u8(1)), CONNECT_REQUEST.clientKeyId)));
      const duplex: ConnectRequestMessage = { ...simplex(), mode: 2, clientKeyId: OTHER_KEY_ID };
      const d = roundTrip(duplex);
      expect(hex(d.bytes)).toBe(hex(duplexBytes()));
      const typed = wire.decode(d.bytes, 'connect-request');
      expect(typed.mode).toBe(2);
      expect(typed.clientKeyId).toStrictEqual(OTHER_KEY_ID);
      expect(wire.decode(typed.capabilities, 'capabilities')).toStrictEqual(capabilities());
      expect(wire.inspect(d.bytes)).toContain('nested capabilities message');
    });

    it('rules: mode 1 or 2, clientKeyId exactly with mode 2, a 32-byte clientRandom, nested capabilities', () => {
      const b = duplexBytes();
      const modeAt = offsetOf(b, CONNECT_REQUEST.mode);
      bothRefuse({ ...simplex(), mode: 3 }, dropField(setField(b, CONNECT_REQUEST.mode, u8(3)), CONNECT_REQUEST.clientKeyId), 'INVALID_FIELD', {
        offset: modeAt,
        tag: CONNECT_REQUEST.mode,
        field: 'mode',
      });
      const noClientKey = dropField(b, CONNECT_REQUEST.clientKeyId);
      bothRefuse({ ...simplex(), mode: 2 }, noClientKey, 'MISSING_FIELD', { offset: noClientKey.length, tag: CONNECT_REQUEST.clientKeyId, field: 'clientKeyId' });
      bothRefuse({ ...simplex(), clientKeyId: OTHER_KEY_ID }, setField(b, CONNECT_REQUEST.mode, u8(1)), 'INVALID_FIELD', {
        offset: offsetOf(b, CONNECT_REQUEST.clientKeyId),
        tag: CONNECT_REQUEST.clientKeyId,
        field: 'clientKeyId',
      });
      const shortRandom = setField(b, CONNECT_REQUEST.clientRandom, bytes(31));
      bothRefuse({ ...simplex(), mode: 2, clientKeyId: OTHER_KEY_ID, clientRandom: bytes(31) }, shortRandom, 'BAD_LENGTH', {
        offset: offsetOf(shortRandom, CONNECT_REQUEST.clientRandom),
        tag: CONNECT_REQUEST.clientRandom,
        field: 'clientRandom',
      });
      // Nested capabilities are checked where they sit (a version list with a duplicate).
      const dupVersions = capsBytes({ [CAPS.versions]: u8(1, 1) });
      const nested = setField(b, CONNECT_REQUEST.capabilities, dupVersions);
      expectWire(() => wire.decode(nested), 'DUPLICATE_ENTRY', { offset: offsetOf(nested, CONNECT_REQUEST.capabilities) + 6 + 4, tag: CONNECT_REQUEST.capabilities, field: 'capabilities' });
      expectWire(() => wire.decode(b, 'connect-response'), 'UNEXPECTED_TYPE', { offset: 3 });
    });
  });

  describe('connect-response (0x22)', () => {
    const response = (): ConnectResponseMessage => ({ type: 'connect-response', capabilities: caps, ephemeralKey: bytes(XW_PK, 0x61), signature: bytes(3373, 0x62) });

    it('round-trips; the layout; every KEM public-key length fits ephemeralKey', () => {
      const { bytes: b, decoded } = roundTrip(response());
      expect(decoded).toStrictEqual({ ...response(), extensions: [] });
      expect(hex(b)).toBe(
        hex(
          message(TYPE.connectResponse, [
            [CONNECT_RESPONSE.capabilities, caps],
            [CONNECT_RESPONSE.ephemeralKey, bytes(XW_PK, 0x61)],
            [CONNECT_RESPONSE.signature, bytes(3373, 0x62)],
          ]),
        ),
      );
      for (const s of [mlKem512, mlKem768, xWing]) roundTrip({ ...response(), ephemeralKey: bytes(s.lengths.publicKey) });
      expect(wire.decode(b, 'connect-response').signature.length).toBe(3373);
    });

    it('rules: ephemeralKey of a KEM length, a signature of 1 to 8,192 bytes, all fields required', () => {
      const b = wire.encode(response());
      const oddKey = setField(b, CONNECT_RESPONSE.ephemeralKey, bytes(XW_PK - 1));
      bothRefuse({ ...response(), ephemeralKey: bytes(XW_PK - 1) }, oddKey, 'BAD_LENGTH', {
        offset: offsetOf(b, CONNECT_RESPONSE.ephemeralKey),
        tag: CONNECT_RESPONSE.ephemeralKey,
        field: 'ephemeralKey',
      });
      for (const [len, code] of [
        [0, 'BAD_LENGTH'],
        [8193, 'TOO_LARGE'],
      ] as const) {
        const sig = setField(b, CONNECT_RESPONSE.signature, bytes(len));
        bothRefuse({ ...response(), signature: bytes(len) }, sig, code, { offset: offsetOf(b, CONNECT_RESPONSE.signature), tag: CONNECT_RESPONSE.signature, field: 'signature' });
      }
      const noSig = dropField(b, CONNECT_RESPONSE.signature);
      bothRefuse({ ...response(), signature: undefined }, noSig, 'MISSING_FIELD', { offset: noSig.length, tag: CONNECT_RESPONSE.signature, field: 'signature' });
    });
  });

  describe('exchange-request (0x23)', () => {
    const simplex = (): ExchangeRequestMessage => ({ type: 'exchange-request', kemCiphertext: bytes(XW_CT, 0x71) });
    const duplex = (): ExchangeRequestMessage => ({ ...simplex(), ephemeralKey: bytes(XW_PK, 0x72), signature: bytes(3373, 0x73) });

    it('round-trips simplex (the ciphertext alone) and duplex (with key and signature)', () => {
      const s = roundTrip(simplex());
      expect(s.decoded).toStrictEqual({ ...simplex(), extensions: [] });
      expect(hex(s.bytes)).toBe(hex(message(TYPE.exchangeRequest, [[EXCHANGE_REQUEST.kemCiphertext, bytes(XW_CT, 0x71)]])));
      const d = roundTrip(duplex());
      expect(d.decoded).toStrictEqual({ ...duplex(), extensions: [] });
      const typed = wire.decode(d.bytes, 'exchange-request');
      expect(typed.ephemeralKey?.length).toBe(XW_PK);
    });

    it('rules: ephemeralKey and signature come together (MISSING_FIELD for the one absent), a KEM ciphertext length', () => {
      const b = wire.encode(duplex());
      const noSig = dropField(b, EXCHANGE_REQUEST.signature);
      bothRefuse({ ...duplex(), signature: undefined }, noSig, 'MISSING_FIELD', { offset: noSig.length, tag: EXCHANGE_REQUEST.signature, field: 'signature' });
      const noKey = dropField(b, EXCHANGE_REQUEST.ephemeralKey);
      bothRefuse({ ...duplex(), ephemeralKey: undefined }, noKey, 'MISSING_FIELD', { offset: noKey.length, tag: EXCHANGE_REQUEST.ephemeralKey, field: 'ephemeralKey' });
      const oddCt = setField(b, EXCHANGE_REQUEST.kemCiphertext, bytes(XW_CT + 1));
      bothRefuse({ ...duplex(), kemCiphertext: bytes(XW_CT + 1) }, oddCt, 'BAD_LENGTH', { offset: 4, tag: EXCHANGE_REQUEST.kemCiphertext, field: 'kemCiphertext' });
    });
  });

  describe('exchange-response (0x24)', () => {
    const simplex = (): ExchangeResponseMessage => ({ type: 'exchange-response', confirmation: bytes(48, 0x81) });

    it('round-trips simplex (the confirmation alone) and duplex (with CT2)', () => {
      const s = roundTrip(simplex());
      expect(s.decoded).toStrictEqual({ ...simplex(), extensions: [] });
      expect(hex(s.bytes)).toBe(hex(message(TYPE.exchangeResponse, [[EXCHANGE_RESPONSE.confirmation, bytes(48, 0x81)]])));
      const duplex: ExchangeResponseMessage = { ...simplex(), kemCiphertext: bytes(XW_CT, 0x82) };
      expect(roundTrip(duplex).decoded).toStrictEqual({ ...duplex, extensions: [] });
    });

    it('rules: a 48-byte confirmation, required', () => {
      const b = wire.encode(simplex());
      for (const len of [47, 49]) {
        bothRefuse({ ...simplex(), confirmation: bytes(len) }, setField(b, EXCHANGE_RESPONSE.confirmation, bytes(len)), 'BAD_LENGTH', {
          offset: 4,
          tag: EXCHANGE_RESPONSE.confirmation,
          field: 'confirmation',
        });
      }
      const none = dropField(b, EXCHANGE_RESPONSE.confirmation);
      expectWire(() => wire.decode(none), 'MISSING_FIELD', { offset: none.length, tag: EXCHANGE_RESPONSE.confirmation, field: 'confirmation' });
      expectWire(() => wire.decode(duplicateField(b, EXCHANGE_RESPONSE.confirmation)), 'DUPLICATE_TAG', { offset: 4 + 6 + 48, tag: EXCHANGE_RESPONSE.confirmation, field: 'confirmation' });
    });
  });

  it('a real duplex handshake: every handshake packet carries one of these messages, canonical, with the typed fields', async () => {
    const payloads: Uint8Array[] = [];
    const [a, b] = duplexPair({
      intercept: (chunk) => {
        if (chunk[0]! >= 0x01 && chunk[0]! <= 0x04) payloads.push(chunk.subarray(21));
        return undefined;
      },
    });
    const now = T0 + 10;
    const s = channel.wrap(b, { role: 'server', keys: [key], mode: 'duplex', trustedClients: [clientKey.publicKey], clock: () => now });
    const c = channel.wrap(a, { role: 'client', serverPublicKey: key.publicKey, mode: 'duplex', clientKey, clock: () => now });
    await Promise.all([secure(c), secure(s)]);
    expect(payloads.map((p) => wire.decode(p).type)).toEqual(['connect-request', 'connect-response', 'exchange-request', 'exchange-response']);
    for (const p of payloads) expect(hex(wire.encode(wire.decode(p)))).toBe(hex(p));
    const request = wire.decode(payloads[0]!, 'connect-request');
    expect([hex(request.serverKeyId), request.mode, hex(request.clientKeyId!)]).toEqual([key.keyId, 2, clientKey.keyId]);
    const response = wire.decode(payloads[1]!, 'connect-response');
    expect(wire.decode(response.capabilities, 'capabilities')).toMatchObject({ kexSuites: ['X25519+ML-KEM-768'], sigSuites: ['Ed25519+ML-DSA-65'], aeadSuites: ['ChaCha20-Poly1305'] });
    expect(response.ephemeralKey.length).toBe(XW_PK);
    const exchange = wire.decode(payloads[2]!, 'exchange-request');
    expect([exchange.kemCiphertext.length, exchange.ephemeralKey?.length]).toEqual([XW_CT, XW_PK]);
    const done = wire.decode(payloads[3]!, 'exchange-response');
    expect([done.kemCiphertext?.length, done.confirmation.length]).toEqual([XW_CT, 48]);
    for (const p of payloads) expect(wire.inspect(p)).toMatch(/valid [a-z-]+ message, canonical\s*$/);
    c.end();
    s.resume();
    c.resume();
    await Promise.all([closed(c), closed(s)]);
  });
});
