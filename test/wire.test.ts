/**
 * The wire format from JavaScript (docs/wire-format.md): round trips of every message type,
 * every error code with where it fired, the encoder's refusals, and what error messages
 * never show. Inspection, ratchet messages and channel messages have their own suites.
 */
import { describe, expect, it } from 'vitest';
import {
  InvalidArgumentError,
  InvalidTypeError,
  PqwireError,
  UnknownSuiteError,
  WireFormatError,
  capabilities,
  ed25519,
  mlKem512,
  wire,
  xWing,
  type CapabilitiesMessage,
  type EnvelopeMessage,
  type KeyPackageMessage,
  type WireErrorCode,
} from '../ts/src/index';
import { NOT_BYTES, bad, bytes, expectThrow, hex, utf8 } from './helpers';
import { CAPS, CODE, ENVELOPE, KEY_PACKAGE, TYPE, capsBytes, concat, field, message, offsetOf, u16, u32, u64, u8 } from './wire-bytes';
import { expectWire, roundTrip, T0, T1, KEY_ID, OTHER_KEY_ID, kem768, dsa65, kpBytes, envBytes, DEFAULT_KEX, DEFAULT_MLS, DEFAULT_SIG } from './wire-expect';
import { CAPS_LEN, ERRORS, KP_LEN } from './wire-errors';

describe('round trips', () => {
  it('capabilities(): every suite post-quantum first, version 2, every feature, the MLS suites, laid out big-endian', () => {
    const caps = capabilities();
    expect(caps).toStrictEqual({
      type: 'capabilities',
      versions: [2],
      kexSuites: [...DEFAULT_KEX],
      sigSuites: [...DEFAULT_SIG],
      aeadSuites: ['ChaCha20-Poly1305', 'AES-256-GCM'],
      features: ['hybrid-auth', 'kem-ratchet', 'channel-simplex', 'channel-duplex', 'mls'],
      mlsSuites: DEFAULT_MLS.map(([name]) => name),
      extensions: [],
    });
    const { bytes: b, decoded } = roundTrip(caps);
    expect(decoded).toStrictEqual(caps);
    const byHand = message(TYPE.capabilities, [
      [CAPS.versions, u8(2)],
      [CAPS.kexSuites, u16(...DEFAULT_KEX.map((n) => CODE[n]))],
      [CAPS.sigSuites, u16(...DEFAULT_SIG.map((n) => CODE[n]))],
      [CAPS.aeadSuites, u16(0x0003, 0x0002)],
      [CAPS.features, u32(0x0000001f)],
      [CAPS.mlsSuites, u16(...DEFAULT_MLS.map(([, code]) => code))],
    ]);
    expect(hex(b)).toBe(hex(byHand));
    expect(b.length).toBe(101); // docs/wire-format.md's example
    // Without MLS: the encoding from before the field existed (69 bytes, four feature bits).
    const plain = wire.encode(capabilities({ mlsSuites: [] }));
    expect(plain.length).toBe(69);
    expect(hex(plain)).toBe(hex(byHand.subarray(0, 69 - 4)) + '0000000f');
    expect(hex(b.subarray(0, 4))).toBe('50570201');
    expect(wire.MAGIC).toStrictEqual(new Uint8Array([0x50, 0x57]));
    expect(wire.VERSION).toBe(2);
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

