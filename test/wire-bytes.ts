/**
 * A tiny, independent writer and reader of pqwire's byte layout for the wire, negotiation
 * and fuzz suites (not a test file itself): `magic(2) | version(1) | type(1)` then fields
 * `tag u16 | length u32 | value`, big-endian. It knows nothing of the rules, so tests can
 * build exactly the broken bytes they want and edit valid messages the way an attacker would.
 */

/** Message type bytes of wire version 2. */
export const TYPE = {
  capabilities: 0x01,
  keyPackage: 0x02,
  envelope: 0x03,
  initialMessage: 0x11,
  ratchetMessage: 0x12,
  channelServerKey: 0x20,
  connectRequest: 0x21,
  connectResponse: 0x22,
  exchangeRequest: 0x23,
  exchangeResponse: 0x24,
} as const;

/** Field tags of wire version 2. */
export const CAPS = { versions: 0x0001, kexSuites: 0x0002, sigSuites: 0x0003, aeadSuites: 0x0004, features: 0x0005, mlsSuites: 0x0006 } as const;
export const KEY_PACKAGE = { keyId: 0x0001, kemSuite: 0x0002, sigSuite: 0x0003, publicKey: 0x0004, created: 0x0005, expires: 0x0006 } as const;
export const ENVELOPE = { contentType: 0x0001, senderKeyId: 0x0002, recipientKeyId: 0x0003, sentAt: 0x0004, payload: 0x0005 } as const;
export const RATCHET = {
  ratchetKey: 0x0001,
  previousChainLength: 0x0002,
  counter: 0x0003,
  pqChunk: 0x0004,
  pqMix: 0x0005,
  associatedData: 0x0007,
  ciphertext: 0x0008,
} as const;

/** Field tags of the channel's messages (docs/channel.md §3.2, §5.1). */
export const SERVER_KEY = { keyId: 0x0001, config: 0x0002, sigSuite: 0x0003, verificationKey: 0x0004, created: 0x0005, expires: 0x0006 } as const;
export const CONNECT_REQUEST = { serverKeyId: 0x0001, capabilities: 0x0002, mode: 0x0003, clientRandom: 0x0004, clientKeyId: 0x0005 } as const;
export const CONNECT_RESPONSE = { capabilities: 0x0001, ephemeralKey: 0x0002, signature: 0x0003 } as const;
export const EXCHANGE_REQUEST = { kemCiphertext: 0x0001, ephemeralKey: 0x0002, signature: 0x0003 } as const;
export const EXCHANGE_RESPONSE = { kemCiphertext: 0x0001, confirmation: 0x0002 } as const;

/** Suite codes (TLS code points where they exist). */
export const CODE = {
  'X25519+ML-KEM-768': 0x647a,
  'X25519+ML-KEM-1024': 0x647b,
  'X25519+ML-KEM-512': 0x647c,
  'ML-KEM-512': 0x0200,
  'ML-KEM-768': 0x0201,
  'ML-KEM-1024': 0x0202,
  X25519: 0x001d,
  'Ed25519+ML-DSA-65': 0x6460,
  'Ed25519+ML-DSA-87': 0x6461,
  'ML-DSA-44': 0x0904,
  'ML-DSA-65': 0x0905,
  'ML-DSA-87': 0x0906,
  Ed25519: 0x0807,
  'AES-256-GCM': 0x0002,
  'ChaCha20-Poly1305': 0x0003,
} as const;

export const concat = (...parts: ArrayLike<number>[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let i = 0;
  for (const p of parts) {
    out.set(p, i);
    i += p.length;
  }
  return out;
};

export const u8 = (...v: number[]): Uint8Array => Uint8Array.from(v);
export const u16 = (...v: number[]): Uint8Array => {
  const b = new Uint8Array(2 * v.length);
  v.forEach((x, i) => new DataView(b.buffer).setUint16(2 * i, x));
  return b;
};
export const u32 = (v: number): Uint8Array => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v);
  return b;
};
export const u64 = (v: number | bigint): Uint8Array => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(v));
  return b;
};

/** The 4-byte header; defaults give a valid version-2 header of `type`. */
export const header = (type: number, version = 2, magic: ArrayLike<number> = [0x50, 0x57]): Uint8Array => concat(magic, [version, type]);

/** One field: tag, then the declared length (the value's own length unless given), then the value. */
export const field = (tag: number, value: ArrayLike<number>, declaredLength = value.length): Uint8Array =>
  concat(u16(tag), u32(declaredLength), value);

/** A message of `type` with `fields` (each `[tag, value, declaredLength?]`) in the order given. */
export function message(type: number, fields: ReadonlyArray<readonly [number, ArrayLike<number>, number?]>, head = header(type)): Uint8Array {
  return concat(head, ...fields.map(([tag, value, len]) => field(tag, value, len)));
}

/** Capability fields with sensible values; `over` replaces (or with `null` drops) some. */
export function capsBytes(over: Partial<Record<number, ArrayLike<number> | null>> = {}): Uint8Array {
  const fields: Record<number, ArrayLike<number> | null> = {
    [CAPS.versions]: u8(2),
    [CAPS.kexSuites]: u16(CODE['X25519+ML-KEM-768'], CODE.X25519),
    [CAPS.sigSuites]: u16(CODE['Ed25519+ML-DSA-65'], CODE.Ed25519),
    [CAPS.aeadSuites]: u16(CODE['ChaCha20-Poly1305'], CODE['AES-256-GCM']),
    [CAPS.features]: u32(0x0f),
    ...over,
  };
  const list = Object.entries(fields)
    .filter((e): e is [string, ArrayLike<number>] => e[1] !== null)
    .map(([tag, value]) => [Number(tag), value] as const)
    .sort((a, b) => a[0] - b[0]);
  return message(TYPE.capabilities, list);
}

/** A field of a well-formed message, as the reader below found it. */
export interface Tlv {
  tag: number;
  /** Offset of the field header. */
  offset: number;
  value: Uint8Array;
}

/** The fields of a message whose TLV framing is intact (the rules are not checked). */
export function fields(msg: Uint8Array): Tlv[] {
  const view = new DataView(msg.buffer, msg.byteOffset, msg.byteLength);
  const out: Tlv[] = [];
  let i = 4;
  while (i < msg.length) {
    if (i + 6 > msg.length) throw new Error(`test reader: partial field header at ${i}`);
    const tag = view.getUint16(i);
    const len = view.getUint32(i + 2);
    if (i + 6 + len > msg.length) throw new Error(`test reader: field at ${i} runs past the end`);
    out.push({ tag, offset: i, value: msg.slice(i + 6, i + 6 + len) });
    i += 6 + len;
  }
  return out;
}

/** Rebuilds a message from its header and a list of fields. */
export const rebuild = (msg: Uint8Array, list: ReadonlyArray<Pick<Tlv, 'tag' | 'value'>>): Uint8Array =>
  concat(msg.subarray(0, 4), ...list.map((f) => field(f.tag, f.value)));

/** The value of field `tag` (throws when absent). */
export function valueOf(msg: Uint8Array, tag: number): Uint8Array {
  const f = fields(msg).find((x) => x.tag === tag);
  if (!f) throw new Error(`test reader: no field 0x${tag.toString(16)}`);
  return f.value;
}

/** The offset of field `tag` (throws when absent). */
export function offsetOf(msg: Uint8Array, tag: number): number {
  const f = fields(msg).find((x) => x.tag === tag);
  if (!f) throw new Error(`test reader: no field 0x${tag.toString(16)}`);
  return f.offset;
}

/** `msg` with the value of field `tag` replaced (the length follows). */
export const setField = (msg: Uint8Array, tag: number, value: ArrayLike<number>): Uint8Array =>
  rebuild(msg, fields(msg).map((f) => (f.tag === tag ? { tag, value: Uint8Array.from(value) } : f)));

/** `msg` without field `tag`. */
export const dropField = (msg: Uint8Array, tag: number): Uint8Array => rebuild(msg, fields(msg).filter((f) => f.tag !== tag));

/** `msg` with field `tag` written twice in a row. */
export const duplicateField = (msg: Uint8Array, tag: number): Uint8Array =>
  rebuild(msg, fields(msg).flatMap((f) => (f.tag === tag ? [f, f] : [f])));

/** `msg` with a field appended after all others (an extension when `tag` >= 0xF000). */
export const appendField = (msg: Uint8Array, tag: number, value: ArrayLike<number>): Uint8Array => concat(msg, field(tag, value));

/** The u16 codes of a suite-list value. */
export const codes = (value: Uint8Array): number[] =>
  Array.from({ length: value.length / 2 }, (_, i) => ((value[2 * i] as number) << 8) | (value[2 * i + 1] as number));

/** `msg` with every u16 `from` in list field `tag` replaced by `to`, editing bytes in place of the value. */
export const replaceCode = (msg: Uint8Array, tag: number, from: number, to: number): Uint8Array =>
  setField(msg, tag, u16(...codes(valueOf(msg, tag)).map((c) => (c === from ? to : c))));

/** `msg` with every u16 code in list field `tag` mapped by `f`. */
export const mapCodes = (msg: Uint8Array, tag: number, f: (code: number) => number): Uint8Array =>
  setField(msg, tag, u16(...codes(valueOf(msg, tag)).map(f)));

/** `msg` with list field `tag` keeping only the codes `keep` says to keep, in their order. */
export const filterCodes = (msg: Uint8Array, tag: number, keep: (code: number) => boolean): Uint8Array =>
  setField(msg, tag, u16(...codes(valueOf(msg, tag)).filter(keep)));

/** `msg` with list field `tag` reversed. */
export const reverseCodes = (msg: Uint8Array, tag: number): Uint8Array => setField(msg, tag, u16(...codes(valueOf(msg, tag)).reverse()));

export const equalBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);
