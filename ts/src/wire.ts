/**
 * The wire format: typed messages to and from bytes, and a readable rendering of any
 * bytes for logs. Every rule lives in the native core; a broken rule is a
 * {@link WireFormatError} whose `code` names it and whose `offset`, `tag` and `field`
 * say where. See docs/wire-format.md for the byte layout.
 *
 * @example
 * ```ts
 * import { wire } from 'pqwire';
 * const bytes = wire.encode({ type: 'envelope', contentType: 0x8001, payload: new Uint8Array([1, 2]) });
 * const msg = wire.decode(bytes);            // { type: 'envelope', contentType: 32769, payload, extensions: [] }
 * console.log(wire.inspect(bytes));          // field-by-field rendering
 * wire.decode(bytes.subarray(0, 9));         // throws WireFormatError, code 'TRAILING_BYTES', offset 4 (5 bytes cannot hold a field header)
 * wire.decode(bytes.subarray(0, 19));        // throws WireFormatError, code 'TRUNCATED', offset 12, field 'payload'
 * ```
 */
import native from './native';
import type { WireField } from './native';
import { bytes as requireBytes, describe } from './bytes';
import { fromNative, makeError, WireFormatError } from './errors';
import type { AeadSuiteName, KemSuiteName, SigSuiteName } from './suites';
import type { MlsSuiteName } from './groups';

/**
 * Feature flags of wire version 2. Unknown bits appear as their bit number. `mls` (bit 4)
 * says the party has MLS groups; it comes with the `mlsSuites` list of
 * {@link CapabilitiesMessage}.
 *
 * @example
 * ```ts
 * const features: FeatureName[] = ['hybrid-auth', 'kem-ratchet', 'mls'];
 * wire.decode(peerBytes, 'capabilities').features.includes('mls'); // the peer has MLS groups
 * ```
 */
export type FeatureName = 'hybrid-auth' | 'kem-ratchet' | 'channel-simplex' | 'channel-duplex' | 'mls';

/** A field in the extension range (tags 0xF000 to 0xFFFF), carried as opaque bytes. */
export interface Extension {
  tag: number;
  value: Uint8Array;
}

/** What every message may carry besides its own fields. */
interface MessageBase {
  /** Extension fields, in ascending tag order; decoded messages always have the array. */
  extensions?: Extension[];
}

/**
 * A party's offer: wire versions, suites (most preferred first) and features. Suite
 * codes this library does not know are kept as numbers and never chosen.
 */
export interface CapabilitiesMessage extends MessageBase {
  type: 'capabilities';
  versions: number[];
  kexSuites: (KemSuiteName | number)[];
  sigSuites: (SigSuiteName | number)[];
  aeadSuites: (AeadSuiteName | number)[];
  features: (FeatureName | number)[];
  /**
   * The MLS cipher suites for groups (tag `0x0006`), most preferred first, by their full
   * names (unknown codes as numbers, kept, never chosen). Present exactly when `features`
   * has `mls`: one without the other is refused (`MISSING_FIELD` / `INVALID_FIELD`).
   *
   * @example
   * ```ts
   * wire.decode(peerBytes, 'capabilities').mlsSuites?.[0]; // 'MLS_256_XWING_CHACHA20POLY1305_SHA256_Ed25519'
   * ```
   */
  mlsSuites?: (MlsSuiteName | number)[];
}

/** One public key with its suite (KEM or signature), 16-byte key id and validity (unix seconds). */
export interface KeyPackageMessage extends MessageBase {
  type: 'key-package';
  keyId: Uint8Array;
  kemSuite?: KemSuiteName;
  sigSuite?: SigSuiteName;
  publicKey: Uint8Array;
  created: number;
  expires: number;
}

/** A payload with its content type and optional routing fields. */
export interface EnvelopeMessage extends MessageBase {
  type: 'envelope';
  /** 0x0000 to 0x7FFF are pqwire's, 0x8000 to 0xFFFF the application's. */
  contentType: number;
  senderKeyId?: Uint8Array;
  recipientKeyId?: Uint8Array;
  /** Unix seconds. */
  sentAt?: number;
  payload: Uint8Array;
}

/**
 * The statement a prekey owner signs once per upload (docs/protocol.md §3.1): its
 * capabilities (nested, encoded), identity, signed X25519 prekey, which prekeys the batch
 * holds, their validity and the Merkle root over the KEM and one-time prekeys.
 */
export interface PrekeyBatchMessage extends MessageBase {
  type: 'prekey-batch';
  capabilities: Uint8Array;
  /** Key id of the owner's identity signing key, 16 bytes. */
  identitySigKeyId: Uint8Array;
  /** The owner's X25519 identity key, 32 bytes. */
  identityDhKey: Uint8Array;
  /** The signed X25519 prekey, 32 bytes. */
  signedPrekey: Uint8Array;
  /** Absent only for an owner offering no ML-KEM. */
  kemSuite?: KemSuiteName;
  oneTimeKemCount: number;
  oneTimeCount: number;
  created: number;
  signedExpires: number;
  oneTimeExpires: number;
  merkleRoot: Uint8Array;
}

/**
 * What a prekey owner gives a server (docs/protocol.md §3.3): the signed statement and
 * the public keys it commits to. Anyone holding it assembles bundles
 * (`assemblePrekeyBundle`).
 */
export interface PrekeyUploadMessage extends MessageBase {
  type: 'prekey-upload';
  identitySigKey: Uint8Array;
  /** The nested, encoded `prekey-batch` statement. */
  batch: Uint8Array;
  batchSignature: Uint8Array;
  lastResortKemKey?: Uint8Array;
  /** The one-time ML-KEM prekeys, concatenated. */
  oneTimeKemKeys?: Uint8Array;
  /** The one-time X25519 prekeys, concatenated (32 bytes each). */
  oneTimeKeys?: Uint8Array;
}

/**
 * What an initiator fetches to start a session (docs/protocol.md §3.4): the owner's
 * identity signing key, its signed batch statement (`wire.decode(bundle.batch,
 * 'prekey-batch')`), and at most one KEM prekey and one one-time X25519 prekey, each
 * `u32 leaf index ‖ public key` with its Merkle proof (32-byte hashes, bottom-up).
 */
export interface PrekeyBundleMessage extends MessageBase {
  type: 'prekey-bundle';
  identitySigKey: Uint8Array;
  batch: Uint8Array;
  batchSignature: Uint8Array;
  /** Leaf 0: the last-resort key; 1..=m: a one-time KEM prekey. */
  kemPrekey?: Uint8Array;
  kemPrekeyProof?: Uint8Array;
  oneTimePrekey?: Uint8Array;
  oneTimePrekeyProof?: Uint8Array;
}

/**
 * The first message of an asynchronous session (docs/protocol.md §4.2). Nested messages
 * stay encoded; the first ratchet message is `message`, a nested `ratchet-message`
 * (`wire.decode(initial.message, 'ratchet-message')`).
 */
export interface InitialMessage extends MessageBase {
  type: 'initial-message';
  capabilities: Uint8Array;
  identitySigKey: Uint8Array;
  /** The initiator's X25519 identity key, 32 bytes (the transcript signature binds it). */
  identityDhKey: Uint8Array;
  signedPrekeyId: Uint8Array;
  kemPrekeyId?: Uint8Array;
  oneTimePrekeyId?: Uint8Array;
  ephemeralKey: Uint8Array;
  kemCiphertext?: Uint8Array;
  /** The initiator's hybrid signature over the transcript: required in wire version 2. */
  transcriptSignature: Uint8Array;
  message: Uint8Array;
}

/**
 * One message of a ratchet session (docs/protocol.md §5.4): the header, authenticated as
 * the AEAD's associated data but not encrypted, and the AEAD ciphertext. The decoder
 * checks structure only (lengths, which fields come together); the session checks the
 * rest when it decrypts. Extensions are not authenticated.
 */
export interface RatchetMessage extends MessageBase {
  type: 'ratchet-message';
  /** The sender's current X25519 ratchet public key, 32 bytes. */
  ratchetKey: Uint8Array;
  /** Number of messages in the sender's previous sending chain. */
  previousChainLength: number;
  /** Number of this message in its sending chain, from 0. */
  counter: number;
  /**
   * One erasure-coded shard of a post-quantum ratchet key or ciphertext
   * (docs/protocol.md §5.6): `u8 kind (1 key, 2 ciphertext) ‖ u32 seq ‖ u8 index ‖
   * data`, with 16 to 1,024 data bytes (80 in sessions). The decoder refuses an unknown
   * kind or sequence number 0; the session checks the index and the data length.
   */
  pqChunk?: Uint8Array;
  /** The sequence number (from 1) of the post-quantum step this message's chain mixed. */
  pqMix?: number;
  /** Application metadata, authenticated, not encrypted; absent when empty (an empty array is refused). */
  associatedData?: Uint8Array;
  /** The AEAD output: plaintext plus the 16-byte tag. */
  ciphertext: Uint8Array;
}

/**
 * The public part of an online-channel server key (type `0x20`, docs/channel.md §3.2):
 * what clients pin, and what a duplex server lists as trusted client keys
 * (`ServerKey.publicKey` gives these bytes; `channel.serverKeyInfo` reads them with
 * the suites parsed). The decoder checks that `config` is a canonical configuration
 * string whose signature suite is `sigSuite`, the verification key's length, and
 * `expires > created`; the key id is checked when the key is used.
 *
 * @example
 * ```ts
 * const pinned = wire.decode(key.publicKey, 'channel-server-key');
 * new TextDecoder().decode(pinned.config); // 'pqwire-channel/v1 X25519+ML-KEM-768 Ed25519+ML-DSA-65 ChaCha20-Poly1305'
 * ```
 */
export interface ChannelServerKeyMessage extends MessageBase {
  type: 'channel-server-key';
  /** 16 bytes, derived from the suite and the verification key. */
  keyId: Uint8Array;
  /** The canonical configuration string `pqwire-channel/v1 <KEM> <SIG> <AEAD>`, ASCII bytes (1 to 256). */
  config: Uint8Array;
  /** The configuration's signature suite, repeated for readers that do not parse `config`. */
  sigSuite: SigSuiteName;
  /** The signature public key, the suite's exact length. */
  verificationKey: Uint8Array;
  /** Start of validity (unix seconds). */
  created: number;
  /** End of validity (unix seconds), after `created`. */
  expires: number;
}

/**
 * The first handshake message of a channel, client to server (type `0x21`, packet flag
 * `0x01`, docs/channel.md §5.1). The client's capabilities stay encoded (the negotiation
 * transcript hashes those bytes): `wire.decode(request.capabilities, 'capabilities')`.
 * The decoder checks that `mode` is 1 or 2 and that `clientKeyId` comes exactly with mode 2.
 *
 * @example
 * ```ts
 * const request = wire.decode(packet.subarray(21), 'connect-request');
 * request.mode === 2 ? 'duplex' : 'simplex';
 * ```
 */
export interface ConnectRequestMessage extends MessageBase {
  type: 'connect-request';
  /** The key id of the server key the client pinned. */
  serverKeyId: Uint8Array;
  /** The client's encoded capabilities. */
  capabilities: Uint8Array;
  /** 1 simplex, 2 duplex. */
  mode: 1 | 2;
  /** 32 fresh random bytes. */
  clientRandom: Uint8Array;
  /** The client's key id: present exactly in duplex mode. */
  clientKeyId?: Uint8Array;
}

/**
 * The server's answer (type `0x22`, flag `0x02`): its capabilities (encoded, exactly one
 * suite per list: its key's), its ephemeral KEM public key `EKs` and its signature over
 * the transcript.
 *
 * @example
 * ```ts
 * const response = wire.decode(packet.subarray(21), 'connect-response');
 * wire.decode(response.capabilities, 'capabilities').kexSuites; // ['X25519+ML-KEM-768']
 * ```
 */
export interface ConnectResponseMessage extends MessageBase {
  type: 'connect-response';
  /** The server's encoded capabilities. */
  capabilities: Uint8Array;
  /** `EKs`: a KEM public key of one of pqwire's KEM lengths. */
  ephemeralKey: Uint8Array;
  /** `SIGs`: 1 to 8,192 bytes. */
  signature: Uint8Array;
}

/**
 * The client's key exchange (type `0x23`, flag `0x03`): `CT1` to the server's ephemeral
 * key and, in duplex mode, the client's own ephemeral key `EKc` and signature `SIGc`
 * (those two come together: `MISSING_FIELD` for the one absent).
 *
 * @example
 * ```ts
 * const exchange = wire.decode(packet.subarray(21), 'exchange-request');
 * const duplex = exchange.signature !== undefined;
 * ```
 */
export interface ExchangeRequestMessage extends MessageBase {
  type: 'exchange-request';
  /** `CT1`: a KEM ciphertext of one of pqwire's KEM lengths. */
  kemCiphertext: Uint8Array;
  /** `EKc` (duplex). */
  ephemeralKey?: Uint8Array;
  /** `SIGc` (duplex), 1 to 8,192 bytes. */
  signature?: Uint8Array;
}

/**
 * The server's last handshake message (type `0x24`, flag `0x04`): the key confirmation
 * and, in duplex mode, `CT2` to the client's ephemeral key.
 *
 * @example
 * ```ts
 * const done = wire.decode(packet.subarray(21), 'exchange-response');
 * done.confirmation.length; // 48: AEAD of the 32-byte transcript hash
 * ```
 */
export interface ExchangeResponseMessage extends MessageBase {
  type: 'exchange-response';
  /** `CT2` (duplex). */
  kemCiphertext?: Uint8Array;
  /** AEAD output over the transcript hash under the server's first key: exactly 48 bytes. */
  confirmation: Uint8Array;
}

/** Every message type, discriminated on `type`. */
export type WireMessage =
  | CapabilitiesMessage
  | KeyPackageMessage
  | EnvelopeMessage
  | PrekeyBundleMessage
  | InitialMessage
  | RatchetMessage
  | PrekeyBatchMessage
  | PrekeyUploadMessage
  | ChannelServerKeyMessage
  | ConnectRequestMessage
  | ConnectResponseMessage
  | ExchangeRequestMessage
  | ExchangeResponseMessage;
/** The `type` names. */
export type WireMessageType = WireMessage['type'];

/** The message types of wire version 2. */
const MESSAGE_TYPES: readonly WireMessageType[] = [
  'capabilities',
  'key-package',
  'envelope',
  'prekey-bundle',
  'initial-message',
  'ratchet-message',
  'prekey-batch',
  'prekey-upload',
  'channel-server-key',
  'connect-request',
  'connect-response',
  'exchange-request',
  'exchange-response',
];

/** The two bytes every message starts with (`"PW"`). */
export const MAGIC = new Uint8Array([0x50, 0x57]);
/** The wire version this library writes and reads. */
export const VERSION = 2;
/** The largest message accepted or produced. */
export const MAX_MESSAGE_LEN = 1 << 20;

/** Runs a native wire call: a broken rule is a {@link WireFormatError} whatever its code. */
function wireCall<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw fromNative(e, { wire: true });
  }
}

/**
 * The ids of the responder's prekeys an initial message names (signed prekey, KEM prekey,
 * one-time prekey, those present), after the same checks as
 * `decode(bytes, 'initial-message')`, without making the whole message JavaScript values.
 * @internal For acceptSession.
 */
export function initialMessagePrekeyIds(bytes: Uint8Array): Uint8Array[] {
  requireBytes('initialMessage', bytes);
  const result = wireCall(() => native.wireInitialMessagePrekeyIds(bytes));
  return [result.signedPrekeyId, result.kemPrekeyId, result.oneTimePrekeyId].filter((id): id is Uint8Array => id !== undefined);
}

/**
 * Decodes any pqwire message. With `expected`, a message of another type is refused
 * with `UNEXPECTED_TYPE`.
 * @throws {WireFormatError} when a rule of the format fires.
 * @throws {InvalidTypeError} when `bytes` is not a `Uint8Array`.
 * @throws {InvalidArgumentError} when `expected` is not a message type.
 */
export function decode(bytes: Uint8Array): WireMessage;
export function decode<T extends WireMessageType>(bytes: Uint8Array, expected: T): Extract<WireMessage, { type: T }>;
export function decode(bytes: Uint8Array, expected?: WireMessageType): WireMessage {
  requireBytes('bytes', bytes);
  if (expected !== undefined && !MESSAGE_TYPES.includes(expected)) {
    throw makeError('INVALID_ARGUMENT', `expected must be one of ${MESSAGE_TYPES.join(', ')}, got ${describe(expected)}`);
  }
  const m = wireCall(() => native.wireDecode(bytes));
  if (expected !== undefined && m.type !== expected) {
    throw new WireFormatError('UNEXPECTED_TYPE', `at offset 3: expected a message of type ${expected}, got ${m.type}`, { offset: 3 });
  }
  const out: Record<string, unknown> = { type: m.type };
  for (const f of m.fields) out[f.name] = f.number ?? f.bytes ?? f.text ?? f.list;
  out.extensions = m.extensions.map((e) => ({ tag: e.tag, value: e.value }));
  return out as unknown as WireMessage;
}

/**
 * Encodes a message canonically. The encoder checks every rule the decoder checks, so
 * it never produces bytes another pqwire would refuse.
 * @throws {WireFormatError} when the message breaks a rule (with the rule's code).
 * @throws {InvalidArgumentError} for an unknown `type` or field name, or an out-of-range number or extension tag.
 * @throws {InvalidTypeError} for a value of the wrong JavaScript type (for example `extensions` that is not an array).
 */
export function encode(message: WireMessage): Uint8Array {
  if (typeof message !== 'object' || message === null) {
    throw makeError('INVALID_TYPE', `message must be an object, got ${describe(message)}`);
  }
  const fields: WireField[] = [];
  for (const [name, value] of Object.entries(message)) {
    if (name === 'type' || name === 'extensions' || value === undefined) continue;
    fields.push(toNativeField(name, value));
  }
  const given: unknown = message.extensions ?? [];
  if (!Array.isArray(given)) {
    throw makeError('INVALID_TYPE', `extensions must be an array, got ${describe(given)}`);
  }
  const extensions = (given as unknown[]).map((e, i) => {
    if (typeof e !== 'object' || e === null || typeof (e as Extension).tag !== 'number') {
      throw makeError('INVALID_TYPE', `extensions[${i}] must be { tag: number, value: Uint8Array }`);
    }
    const { tag, value } = e as Extension;
    // The binding converts to u32, which would silently truncate 0xF000.5 or wrap 2^32.
    if (!Number.isInteger(tag) || tag < 0 || tag > 0xffff) {
      throw makeError('INVALID_ARGUMENT', `extensions[${i}].tag must be an integer from 0 to 65535, got ${tag}`);
    }
    return { tag, value: requireBytes(`extensions[${i}].value`, value) };
  });
  const type: unknown = (message as { type?: unknown }).type;
  if (typeof type !== 'string') {
    throw makeError('INVALID_TYPE', `message.type must be a string, got ${describe(type)}`);
  }
  return wireCall(() => native.wireEncode(type, fields, extensions));
}

/** Converts one property by its JavaScript type; the native side checks it against the field's kind. */
function toNativeField(name: string, value: unknown): WireField {
  const field: WireField = { name, tag: 0, offset: 0 };
  if (typeof value === 'number') field.number = value;
  else if (value instanceof Uint8Array) field.bytes = value;
  else if (typeof value === 'string') field.text = value;
  else if (Array.isArray(value)) {
    field.list = value.map((entry, i) => {
      if (typeof entry === 'string') return entry;
      if (typeof entry === 'number' && Number.isSafeInteger(entry) && entry >= 0 && entry <= 0xffffffff) return entry;
      throw makeError('INVALID_TYPE', `${name}[${i}] must be a name or a non-negative integer, got ${describe(entry)}`);
    });
  } else {
    throw makeError('INVALID_TYPE', `${name} must be a number, string, array or Uint8Array, got ${describe(value)}`);
  }
  return field;
}

/**
 * Renders any bytes, a valid message or not, as readable text: header, each field
 * with offset, tag, name, size and value (suite and feature names), then either
 * `valid <type> message, canonical` or the rule that stopped decoding and where.
 * Never throws for a `Uint8Array`.
 */
export function inspect(bytes: Uint8Array): string {
  requireBytes('bytes', bytes);
  return wireCall(() => native.wireInspect(bytes));
}

/** The wire-format API as one object: `wire.decode`, `wire.encode`, `wire.inspect`. */
export const wire = { decode, encode, inspect, MAGIC, VERSION, MAX_MESSAGE_LEN } as const;
