/** The channel's messages (0x20-0x24) on the wire (docs/channel.md §3, §5). */
import { describe, expect, it } from 'vitest';
import {
  capabilities,
  mlDsa65,
  mlKem512,
  mlKem768,
  wire,
  xWing,
  channel,
  type ChannelServerKeyMessage,
  type ConnectRequestMessage,
  type ConnectResponseMessage,
  type ExchangeRequestMessage,
  type ExchangeResponseMessage,
  type WireErrorCode,
} from '../ts/src/index';
import { bytes, hex, utf8 } from './helpers';
import { closed, duplexPair, secure } from './channel-helpers';
import {
  CAPS,
  CODE,
  CONNECT_REQUEST,
  CONNECT_RESPONSE,
  EXCHANGE_REQUEST,
  EXCHANGE_RESPONSE,
  SERVER_KEY,
  TYPE,
  capsBytes,
  dropField,
  duplicateField,
  message,
  offsetOf,
  setField,
  u16,
  u64,
  u8,
} from './wire-bytes';
import { type Where, expectWire, roundTrip, T0, KEY_ID, OTHER_KEY_ID } from './wire-expect';

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

