/** The ratchet message (0x12) on the wire (docs/protocol.md §5.4). */
import { describe, expect, it } from 'vitest';
import { InvalidTypeError, capabilities, ed25519, mlKem512, mlKem768, wire, xWing, type RatchetMessage, type WireErrorCode } from '../ts/src/index';
import { bytes, expectThrow, hex, utf8 } from './helpers';
import { RATCHET, TYPE, concat, dropField, field, message, offsetOf, setField, u32, u8 } from './wire-bytes';
import { type Where, expectWire, roundTrip, KEY_ID } from './wire-expect';

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
    // The first chain's rule: no KEM ciphertext in an initial message's ratchet message.
    expectWire(() => wire.encode({ ...initial, message: fullBytes() } as never), 'INVALID_FIELD', {
      offset: offsetOf(b, 0x000b),
      tag: 0x000b,
      field: 'message',
    });
  });
});

