/** The ratchet message (0x12) on the wire (docs/protocol.md §5.4). */
import { describe, expect, it } from 'vitest';
import { InvalidTypeError, capabilities, ed25519, wire, type RatchetMessage, type WireErrorCode } from '../ts/src/index';
import { bytes, expectThrow, hex, utf8 } from './helpers';
import { RATCHET, TYPE, concat, dropField, field, message, offsetOf, setField, u32, u8 } from './wire-bytes';
import { type Where, expectWire, roundTrip } from './wire-expect';

describe('ratchet message (0x12)', () => {
  /** The default chunk size D. */
  const D = 80;
  /** A pqChunk value: kind, seq, index, data. */
  const chunk = (kind: number, seq: number, index: number, data: Uint8Array): Uint8Array => concat(u8(kind), u32(seq), u8(index), data);
  const full = (): RatchetMessage => ({
    type: 'ratchet-message',
    ratchetKey: bytes(32, 0x31),
    previousChainLength: 2,
    counter: 3,
    pqChunk: chunk(1, 0x34, 5, bytes(D, 0x35)),
    pqMix: 0x36,
    associatedData: utf8('meta'),
    ciphertext: bytes(21, 0x38),
  });
  /** The same message written by hand. */
  const fullBytes = (): Uint8Array =>
    message(TYPE.ratchetMessage, [
      [RATCHET.ratchetKey, bytes(32, 0x31)],
      [RATCHET.previousChainLength, u32(2)],
      [RATCHET.counter, u32(3)],
      [RATCHET.pqChunk, chunk(1, 0x34, 5, bytes(D, 0x35))],
      [RATCHET.pqMix, u32(0x36)],
      [RATCHET.associatedData, utf8('meta')],
      [RATCHET.ciphertext, bytes(21, 0x38)],
    ]);
  /** `m` refused by the encoder and `b` (the same mistake, by hand) by the decoder, both exactly at `where`. */
  const bothRefuse = (m: Record<string, unknown>, b: Uint8Array, code: WireErrorCode, where: Where): void => {
    expectWire(() => wire.encode(m as never), code, where);
    expectWire(() => wire.decode(b), code, where);
  };
  const CHUNK_AT = 4 + 38 + 10 + 10;

  it('round-trips every field; the bytes are the documented layout; numbers stay numbers', () => {
    const { bytes: b, decoded } = roundTrip(full());
    expect(hex(b)).toBe(hex(fullBytes()));
    expect(b[3]).toBe(0x12);
    expect(decoded).toStrictEqual({ ...full(), extensions: [] });
    const typed = wire.decode(b, 'ratchet-message');
    expect(typed.counter).toBe(3);
    expect(typed.pqChunk?.length).toBe(6 + D);
    expect(typed.pqMix).toBe(0x36);
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

  it('pqChunk holds 16 to 1,024 data bytes of either kind', () => {
    for (const kind of [1, 2]) {
      for (const d of [16, 80, 1024]) roundTrip({ ...full(), pqChunk: chunk(kind, 1, 255, bytes(d, 7)) });
    }
    for (const len of [0, 6, 6 + 15]) {
      const b = setField(fullBytes(), RATCHET.pqChunk, bytes(len));
      bothRefuse({ ...full(), pqChunk: bytes(len) }, b, 'BAD_LENGTH', { offset: CHUNK_AT, tag: RATCHET.pqChunk, field: 'pqChunk' });
    }
  });

  it('fixed lengths: ratchetKey 32, pqMix 4 (BAD_LENGTH)', () => {
    bothRefuse({ ...full(), ratchetKey: bytes(31) }, setField(fullBytes(), RATCHET.ratchetKey, bytes(31)), 'BAD_LENGTH', {
      offset: 4,
      tag: RATCHET.ratchetKey,
      field: 'ratchetKey',
    });
    const b = setField(fullBytes(), RATCHET.pqMix, bytes(5));
    expectWire(() => wire.decode(b), 'BAD_LENGTH', { offset: offsetOf(b, RATCHET.pqMix), tag: RATCHET.pqMix, field: 'pqMix' });
    expectWire(() => wire.decode(setField(fullBytes(), RATCHET.counter, u8(1, 2))), 'BAD_LENGTH', { offset: 52, tag: RATCHET.counter, field: 'counter' });
  });

  it('an unknown chunk kind, a chunk sequence number 0 and a pqMix of 0 are INVALID_FIELD', () => {
    for (const c of [chunk(0, 1, 0, bytes(D)), chunk(3, 1, 0, bytes(D)), chunk(1, 0, 0, bytes(D))]) {
      const b = setField(fullBytes(), RATCHET.pqChunk, c);
      bothRefuse({ ...full(), pqChunk: c }, b, 'INVALID_FIELD', { offset: CHUNK_AT, tag: RATCHET.pqChunk, field: 'pqChunk' });
    }
    const b = setField(fullBytes(), RATCHET.pqMix, u32(0));
    bothRefuse({ ...full(), pqMix: 0 }, b, 'INVALID_FIELD', { offset: offsetOf(b, RATCHET.pqMix), tag: RATCHET.pqMix, field: 'pqMix' });
    // Each optional alone is fine.
    roundTrip({ ...full(), pqMix: undefined });
    roundTrip({ ...full(), pqChunk: undefined });
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
    // v1's kemCiphertextKeyId (0x0006) is gone.
    const v1 = message(TYPE.ratchetMessage, [
      [RATCHET.ratchetKey, bytes(32, 0x31)],
      [RATCHET.previousChainLength, u32(2)],
      [RATCHET.counter, u32(3)],
      [0x0006, bytes(16)],
      [RATCHET.ciphertext, bytes(21, 0x38)],
    ]);
    expectWire(() => wire.decode(v1), 'UNKNOWN_TAG', { offset: 4 + 38 + 20, tag: 6 });
    expectWire(() => wire.encode({ ...full(), counter: 2 ** 32 }), 'INVALID_FIELD', { offset: 52, tag: RATCHET.counter, field: 'counter' });
    expectThrow(() => wire.encode({ ...full(), counter: '3' } as never), InvalidTypeError, 'INVALID_TYPE');
    expectWire(() => wire.decode(fullBytes(), 'initial-message'), 'UNEXPECTED_TYPE', { offset: 3 });
  });

  it('inspect renders every field of a ratchet message', () => {
    const text = wire.inspect(fullBytes());
    for (const name of ['ratchet-message', 'ratchetKey', 'previousChainLength', 'counter', 'pqChunk', 'pqMix', 'associatedData', 'ciphertext']) {
      expect(text).toContain(name);
    }
    expect(text.trimEnd().split('\n').at(-1)).toBe('valid ratchet-message message, canonical');
    // pqChunk in its parts: kind, seq, index, the data's length, then the data.
    expect(text).toMatch(new RegExp(`pqChunk +${6 + D} B  kind key, seq 52, index 5, data ${D} B ${'35'.repeat(32)}…\n`));
    const ct = wire.inspect(wire.encode({ ...full(), pqChunk: chunk(2, 7, 0, bytes(16, 0x0c)) }));
    expect(ct).toContain(`kind ciphertext, seq 7, index 0, data 16 B ${'0c'.repeat(16)}\n`);
  });

  it('nested in an initial message: its errors carry the nested offset and the field message', () => {
    const kp = (id: number, suite: Record<string, string>, publicKey: Uint8Array): Uint8Array =>
      wire.encode({ type: 'key-package', keyId: bytes(16, id), ...suite, publicKey, created: 1, expires: 2 } as never);
    const first = wire.encode({ ...full(), pqChunk: undefined, pqMix: undefined, previousChainLength: 0 });
    const initial = {
      type: 'initial-message',
      capabilities: wire.encode(capabilities()),
      identitySigKey: kp(1, { sigSuite: 'Ed25519' }, ed25519.keygen().publicKey),
      identityDhKey: bytes(32, 9),
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
    // The first message's rule: no pqChunk and no pqMix in an initial message's ratchet message.
    expectWire(() => wire.encode({ ...initial, message: fullBytes() } as never), 'INVALID_FIELD', {
      offset: offsetOf(b, 0x000b),
      tag: 0x000b,
      field: 'message',
    });
  });
});

