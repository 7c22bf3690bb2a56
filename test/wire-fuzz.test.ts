/**
 * Deterministic fuzzing of the wire decoder, `inspect` and `negotiate` from JavaScript: a
 * seeded PRNG produces random buffers, well-framed random messages and mutations of valid
 * messages (bit flips, byte replacements, insertions, deletions, truncations, length and
 * tag rewrites, splices of two messages). Every input must either decode to a message that
 * re-encodes to the identical bytes, or fail with a typed error carrying a known code; the
 * process must never crash and nothing may come back as INTERNAL (a caught panic).
 */
import { describe, expect, it } from 'vitest';
import {
  DowngradeError,
  PqwireError,
  UnsupportedError,
  WireFormatError,
  capabilities,
  ed25519,
  mlDsa44,
  mlKem512,
  negotiate,
  wire,
  xWing,
  type DowngradeCode,
  type PolicyName,
  type SecurityEvent,
  type WireErrorCode,
  type WireMessage,
} from '../ts/src/index';
import { VERSION } from '../ts/src/wire';
import { hex } from './helpers';
import { CAPS, concat, equalBytes, field, fields, header, u32 } from './wire-bytes';

/** mulberry32: a tiny seeded PRNG, so every run tests the same inputs. */
class Rng {
  #s: number;
  constructor(seed: number) {
    this.#s = seed >>> 0;
  }
  next(): number {
    this.#s = (this.#s + 0x6d2b79f5) >>> 0;
    let t = this.#s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** An integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }
  bytes(n: number): Uint8Array {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }
}

const WIRE_CODES = new Set<WireErrorCode>([
  'TRUNCATED', 'TRAILING_BYTES', 'UNKNOWN_TAG', 'DUPLICATE_TAG', 'TAG_ORDER', 'BAD_LENGTH', 'TOO_LARGE', 'BAD_MAGIC',
  'UNSUPPORTED_VERSION', 'UNKNOWN_TYPE', 'UNEXPECTED_TYPE', 'UNKNOWN_SUITE', 'MISSING_FIELD', 'INVALID_FIELD', 'DUPLICATE_ENTRY',
]);
/** What negotiation may refuse with (TRANSCRIPT_MISMATCH only comes from verifyTranscript). */
const NEGOTIATION_CODES = new Set<DowngradeCode>(['NO_COMMON_SUITE', 'NO_COMMON_VERSION', 'PQ_REQUIRED', 'VERSION_ROLLBACK']);
const MODES: readonly PolicyName[] = ['pq-required', 'pq-preferred', 'classical-allowed'];
const INTERESTING_BYTES = [0x00, 0x01, 0x02, 0x7f, 0x80, 0xef, 0xf0, 0xfe, 0xff];
const INTERESTING_LENGTHS = [0, 1, 2, 3, 4, 8, 15, 16, 17, 32, 64, 65, 1024, 1025, 4096, 4097, 0x7fffffff, 0xffffffff];
const INTERESTING_TAGS = [0x0000, 0x0001, 0x0002, 0x0003, 0x0004, 0x0005, 0x0006, 0x0007, 0x00ff, 0xefff, 0xf000, 0xf001, 0xffff];

/** Valid messages of every type, kept small so that many mutations run quickly. */
const CORPUS: Uint8Array[] = [
  wire.encode(capabilities()),
  wire.encode(capabilities({ kexSuites: ['X25519'], sigSuites: ['Ed25519'] })),
  wire.encode(capabilities({ kexSuites: ['ML-KEM-1024', 'X25519+ML-KEM-768', 'X25519'], sigSuites: ['ML-DSA-87', 'Ed25519+ML-DSA-65'], aeadSuites: ['AES-256-GCM'], features: ['hybrid-auth', 9] })),
  wire.encode(capabilities({ versions: [VERSION, 9, 0], kexSuites: [0x647f, 'X25519+ML-KEM-768'], sigSuites: [0x1234, 'Ed25519'], extensions: [{ tag: 0xf000, value: new Uint8Array([1, 2, 3]) }] })),
  wire.encode({ type: 'key-package', keyId: new Uint8Array(16).fill(3), sigSuite: 'Ed25519', publicKey: ed25519.keygen().publicKey, created: 1, expires: 2 ** 40 }),
  wire.encode({ type: 'key-package', keyId: new Uint8Array(16), kemSuite: 'ML-KEM-512', publicKey: mlKem512.keygen().publicKey, created: 1_700_000_000, expires: 1_800_000_000 }),
  wire.encode({ type: 'key-package', keyId: new Uint8Array(16).fill(9), kemSuite: 'X25519+ML-KEM-768', publicKey: xWing.keygen().publicKey, created: 5, expires: 6, extensions: [{ tag: 0xfffe, value: new Uint8Array(0) }] }),
  wire.encode({ type: 'key-package', keyId: new Uint8Array(16).fill(1), sigSuite: 'ML-DSA-44', publicKey: mlDsa44.keygen().publicKey, created: 0, expires: Number.MAX_SAFE_INTEGER }),
  wire.encode({ type: 'envelope', contentType: 0x8001, payload: new Uint8Array([1, 2, 3]) }),
  wire.encode({ type: 'envelope', contentType: 0, payload: new Uint8Array(0) }),
  wire.encode({
    type: 'envelope',
    contentType: 0x0002,
    senderKeyId: new Uint8Array(16).fill(0xaa),
    recipientKeyId: new Uint8Array(16).fill(0xbb),
    sentAt: 1_700_000_000,
    payload: new Uint8Array(40).fill(0x5a),
    extensions: [
      { tag: 0xf000, value: new Uint8Array([7]) },
      { tag: 0xf00f, value: new Uint8Array(20) },
    ],
  }),
];
const CAPS_CORPUS = CORPUS.filter((b) => b[3] === 0x01);
const OURS = wire.encode(capabilities());

const shortHex = (b: Uint8Array): string => (b.length <= 48 ? hex(b) : `${hex(b.subarray(0, 48))}… (${b.length} bytes)`);

/** Results over one run, and every broken expectation (reported all at once at the end). */
class Tally {
  problems: string[] = [];
  decodeOk = 0;
  negotiateOk = 0;
  classical = 0;
  codes = new Map<string, number>();
  inputs = 0;

  problem(what: string, input: Uint8Array): void {
    if (this.problems.length < 25) this.problems.push(`${what} — input ${shortHex(input)}`);
  }
  count(code: string): void {
    this.codes.set(code, (this.codes.get(code) ?? 0) + 1);
  }
}

/** The record types (docs/protocol.md §6): session-state, identity-secret, prekey-secret, channel-server-key, group-member, group-member-changes. */
const RECORD_TYPES = [0x13, 0x14, 0x15, 0x16, 0x19, 0x1a];

/** Whether `input` starts like a record (magic, then a record type), which inspect renders as one. */
function isRecord(input: Uint8Array): boolean {
  return input.length >= 4 && input[0] === 0x50 && input[1] === 0x57 && RECORD_TYPES.includes(input[3]!);
}

/** Runs one input through decode, inspect and negotiate, and records anything unexpected. */
function check(input: Uint8Array, rng: Rng, t: Tally): void {
  t.inputs++;
  // 1. decode: a message that re-encodes to the identical bytes, or a WireFormatError with a known code and location.
  let decoded: WireMessage | undefined;
  let decodeError: WireFormatError | undefined;
  try {
    decoded = wire.decode(input);
  } catch (e) {
    if (!(e instanceof WireFormatError) || !WIRE_CODES.has(e.code as WireErrorCode)) {
      t.problem(`decode threw ${String(e)} (${(e as PqwireError).code})`, input);
      return;
    }
    decodeError = e;
    t.count(e.code);
    const { offset, tag, field: name } = e;
    if (offset === undefined || !Number.isInteger(offset) || offset < 0 || offset > input.length) t.problem(`${e.code} offset ${offset} outside the input`, input);
    if (tag !== undefined && (!Number.isInteger(tag) || tag < 0 || tag > 0xffff)) t.problem(`${e.code} tag ${tag}`, input);
    if (name !== undefined && typeof name !== 'string') t.problem(`${e.code} field ${String(name)}`, input);
    if (!e.message.startsWith(`at offset ${offset}`)) t.problem(`${e.code} message ${JSON.stringify(e.message)}`, input);
  }
  if (decoded) {
    t.decodeOk++;
    try {
      const again = wire.encode(decoded);
      if (!equalBytes(again, input)) t.problem(`re-encoding differs: ${shortHex(again)}`, input);
    } catch (e) {
      t.problem(`re-encoding threw ${String(e)}`, input);
    }
  }

  // 2. inspect: never throws, and agrees with decode; a record shows its type, never its fields.
  try {
    const text = wire.inspect(input);
    if (isRecord(input)) {
      // decode refuses a record: its type is no message type (or, first, its version is unknown)
      const refused = decodeError?.code === 'UNKNOWN_TYPE' || decodeError?.code === 'UNSUPPORTED_VERSION';
      if (!text.startsWith(`pqwire record, ${input.length} bytes\n`) || !refused) t.problem('inspect of a record', input);
      if (!/\n(error [A-Z_]+: at offset \d+|[a-z-]+ record, framing and checksum intact)/.test(text)) t.problem('inspect record verdict', input);
    } else {
      if (!text.startsWith(`pqwire message, ${input.length} bytes\n`)) t.problem('inspect header line', input);
      if (decoded && !text.endsWith(`valid ${decoded.type} message, canonical\n`)) t.problem(`inspect of a valid message: ${text.slice(-80)}`, input);
      if (decodeError && !text.includes(`error ${decodeError.code}: at offset ${decodeError.offset}`)) t.problem(`inspect does not show ${decodeError.code}`, input);
    }
  } catch (e) {
    t.problem(`inspect threw ${String(e)}`, input);
  }

  // 3. negotiate with the input as the peer's capabilities.
  const mode = rng.pick(MODES);
  const role = rng.chance(0.5) ? 'initiator' : 'responder';
  const events: SecurityEvent[] = [];
  try {
    const n = negotiate(OURS, input, { policy: mode, role, onSecurityEvent: (e) => events.push(e) });
    t.negotiateOk++;
    if (decoded?.type !== 'capabilities') t.problem('negotiate accepted what decode refused', input);
    if (n.transcriptHash.length !== 32 || n.version !== VERSION) t.problem('odd agreement', input);
    const classical = n.kexSuite === 'X25519' || n.sigSuite === 'Ed25519';
    if (n.classical !== classical) t.problem(`classical flag ${n.classical} for ${n.kexSuite}/${n.sigSuite}`, input);
    // The MLS suite: only with the mls feature on both sides, post-quantum under pq-required.
    if (n.mlsSuite !== undefined && !n.features.includes('mls')) t.problem(`MLS suite ${n.mlsSuite} without the mls feature`, input);
    if (n.mlsSuite !== undefined && mode === 'pq-required' && /_DHKEM/.test(n.mlsSuite)) t.problem(`pq-required agreed on MLS suite ${n.mlsSuite}`, input);
    if (classical) {
      t.classical++;
      if (mode === 'pq-required') t.problem('pq-required agreed on a classical suite', input);
      if (events.length !== 1 || events[0]?.type !== 'classical-accepted') t.problem('classical choice without exactly one classical-accepted event', input);
    } else if (events.length !== 0) {
      t.problem('event for a post-quantum agreement', input);
    }
  } catch (e) {
    const ok =
      (e instanceof WireFormatError && WIRE_CODES.has(e.code as WireErrorCode)) ||
      (e instanceof DowngradeError && NEGOTIATION_CODES.has(e.code as DowngradeCode));
    if (!ok) {
      t.problem(`negotiate threw ${String(e)} (${(e as PqwireError).code})`, input);
      return;
    }
    const err = e as PqwireError;
    if (e instanceof WireFormatError) {
      const expectedCode = decodeError ? decodeError.code : 'UNEXPECTED_TYPE';
      if (err.code !== expectedCode) t.problem(`negotiate says ${err.code}, decode says ${expectedCode}`, input);
    } else if (decoded?.type !== 'capabilities') {
      t.problem(`${err.code} for capabilities that do not decode`, input);
    }
    t.count(`negotiate:${err.code}`);
    const ev = events[0];
    if (events.length !== 1 || ev?.type !== 'negotiation-refused' || ev.code !== err.code) t.problem(`refusal ${err.code} without its event`, input);
    else if ('remote' in ev.offered !== e instanceof DowngradeError) t.problem('remote offer presence', input);
  }
}

// --- input generators -------------------------------------------------------------------

function randomBuffer(rng: Rng): Uint8Array {
  return rng.bytes(rng.chance(0.1) ? rng.int(8) : rng.int(96));
}

function randomAfterHeader(rng: Rng): Uint8Array {
  const type = rng.chance(0.9) ? rng.range(1, 3) : rng.int(256);
  const version = rng.chance(0.9) ? VERSION : rng.int(256);
  return concat(header(type, version), rng.bytes(rng.int(80)));
}

/** Right-sized values for each defined tag (bias towards valid lengths), else random. */
function randomValue(rng: Rng, type: number, tag: number): Uint8Array {
  if (rng.chance(0.2)) return rng.bytes(rng.pick([0, 1, 2, 3, 4, 7, 8, 9, 15, 16, 17, 33]));
  const suiteCodes = [0x647a, 0x647b, 0x647c, 0x0200, 0x0201, 0x0202, 0x001d, 0x6460, 0x6461, 0x0904, 0x0905, 0x0906, 0x0807, 0x0002, 0x0003, 0x647f, 0x1234];
  // MLS suite codes: X-Wing, ML-KEM, RFC 9420's classical 1-3, X448 (not offered), unknown.
  const mlsCodes = [0x004d, 0x004e, 0x004f, 0x0052, 0xf042, 0x0050, 0x0051, 0x0042, 0x0907, 0x0906, 0x0001, 0x0002, 0x0003, 0x0004, 0x1234];
  const suiteList = (pool: readonly number[] = suiteCodes): Uint8Array => {
    const n = rng.range(1, 5);
    const b = new Uint8Array(2 * n);
    for (let i = 0; i < n; i++) {
      const c = rng.pick(pool);
      b[2 * i] = c >> 8;
      b[2 * i + 1] = c & 0xff;
    }
    return b;
  };
  if (type === 0x01) {
    if (tag === 0x0001) return rng.chance(0.7) ? new Uint8Array([VERSION]) : rng.bytes(rng.range(1, 4));
    if (tag >= 0x0002 && tag <= 0x0004) return suiteList();
    if (tag === 0x0005) return u32(rng.chance(0.5) ? rng.pick([0x0f, 0x1f]) : rng.int(2 ** 32));
    if (tag === 0x0006) return suiteList(mlsCodes);
  }
  if (type === 0x02) {
    if (tag === 0x0001) return rng.bytes(16);
    if (tag === 0x0002 || tag === 0x0003) return suiteList().subarray(0, 2);
    if (tag === 0x0004) return rng.bytes(rng.pick([32, 800, 1184, 1216, 1312]));
    if (tag === 0x0005 || tag === 0x0006) return concat(rng.chance(0.8) ? [0, 0] : rng.bytes(2), rng.bytes(6));
  }
  if (type === 0x03) {
    if (tag === 0x0001) return rng.bytes(2);
    if (tag === 0x0002 || tag === 0x0003) return rng.bytes(16);
    if (tag === 0x0004) return concat([0, 0, 0], rng.bytes(5));
    if (tag === 0x0005) return rng.bytes(rng.int(40));
  }
  return rng.bytes(rng.int(12));
}

/** A message with intact framing but random fields: reaches the value and cross-field rules. */
function randomFramed(rng: Rng): Uint8Array {
  const type = rng.chance(0.95) ? rng.range(1, 3) : rng.int(256);
  const parts: Uint8Array[] = [header(type)];
  let tag = 0;
  const n = rng.int(8);
  for (let i = 0; i < n; i++) {
    if (rng.chance(0.85)) tag += rng.range(1, 2);
    else tag = rng.chance(0.5) ? rng.pick(INTERESTING_TAGS) : tag; // out of order, repeated or an extension
    if (tag > 0xffff) break;
    const value = randomValue(rng, type, tag);
    parts.push(rng.chance(0.05) ? field(tag, value, rng.pick(INTERESTING_LENGTHS)) : field(tag, value));
  }
  if (rng.chance(0.2)) parts.push(field(rng.range(0xf000, 0xffff), rng.bytes(rng.int(8))));
  return concat(...parts);
}

type Mutator = (b: Uint8Array, rng: Rng) => Uint8Array;

const MUTATORS: ReadonlyArray<readonly [string, Mutator]> = [
  [
    'bit flips',
    (b, rng) => {
      const c = Uint8Array.from(b);
      for (let k = rng.range(1, 4); k > 0 && c.length > 0; k--) {
        const i = rng.int(c.length);
        c[i] = (c[i] as number) ^ (1 << rng.int(8));
      }
      return c;
    },
  ],
  [
    'byte replacements',
    (b, rng) => {
      const c = Uint8Array.from(b);
      for (let k = rng.range(1, 4); k > 0 && c.length > 0; k--) c[rng.int(c.length)] = rng.chance(0.5) ? rng.pick(INTERESTING_BYTES) : rng.int(256);
      return c;
    },
  ],
  [
    'insertions',
    (b, rng) => {
      const at = rng.int(b.length + 1);
      return concat(b.subarray(0, at), rng.bytes(rng.range(1, 8)), b.subarray(at));
    },
  ],
  [
    'deletions',
    (b, rng) => {
      const at = rng.int(b.length + 1);
      return concat(b.subarray(0, at), b.subarray(Math.min(b.length, at + rng.range(1, 8))));
    },
  ],
  ['truncations', (b, rng) => b.subarray(0, rng.int(b.length))],
  [
    'length rewrites',
    (b, rng) => {
      const fs = fields(b);
      if (fs.length === 0) return b;
      const f = rng.pick(fs);
      const len = rng.chance(0.5) ? rng.pick(INTERESTING_LENGTHS) : Math.max(0, f.value.length + rng.range(-2, 2));
      return concat(b.subarray(0, f.offset + 2), u32(len >>> 0), b.subarray(f.offset + 6));
    },
  ],
  [
    'tag rewrites',
    (b, rng) => {
      const fs = fields(b);
      if (fs.length === 0) return b;
      const f = rng.pick(fs);
      const tag = rng.chance(0.7) ? rng.pick(INTERESTING_TAGS) : rng.int(0x10000);
      const c = Uint8Array.from(b);
      c[f.offset] = tag >> 8;
      c[f.offset + 1] = tag & 0xff;
      return c;
    },
  ],
  [
    'field moves (drop, repeat, swap)',
    (b, rng) => {
      const fs = fields(b);
      if (fs.length === 0) return b;
      const i = rng.int(fs.length);
      const j = rng.int(fs.length);
      const list = fs.map((f) => field(f.tag, f.value));
      const what = rng.int(3);
      if (what === 0) list.splice(i, 1);
      else if (what === 1) list.splice(j, 0, list[i] as Uint8Array);
      else [list[i], list[j]] = [list[j] as Uint8Array, list[i] as Uint8Array];
      return concat(b.subarray(0, 4), ...list);
    },
  ],
  [
    'header changes',
    (b, rng) => {
      const c = Uint8Array.from(b);
      const i = rng.int(Math.min(4, c.length));
      c[i] = i >= 2 && rng.chance(0.6) ? rng.range(0, 4) : rng.int(256);
      return c;
    },
  ],
];

/** The prefix of one valid message followed by the suffix of another. */
function splice(rng: Rng): Uint8Array {
  const a = rng.pick(CORPUS);
  const b = rng.pick(CORPUS);
  const atFieldBoundary = rng.chance(0.5);
  const cutA = atFieldBoundary ? (rng.pick([...fields(a).map((f) => f.offset), a.length])) : rng.int(a.length + 1);
  const cutB = atFieldBoundary ? (rng.pick([4, ...fields(b).map((f) => f.offset)])) : rng.int(b.length + 1);
  return concat(a.subarray(0, cutA), b.subarray(cutB));
}

function mutate(rng: Rng): Uint8Array {
  let b = rng.chance(0.5) ? rng.pick(CAPS_CORPUS) : rng.pick(CORPUS);
  // Structural mutators need intact framing, so they go first.
  const steps = rng.range(1, 3);
  for (let s = 0; s < steps; s++) {
    const [, m] = rng.pick(MUTATORS);
    try {
      b = m(b, rng);
    } catch {
      // A structural mutator met bytes whose framing an earlier step broke: keep what we have.
    }
  }
  return b;
}

function report(t: Tally): void {
  expect(t.problems, t.problems.join('\n')).toStrictEqual([]);
}

describe('wire fuzzing (seeded, deterministic)', () => {
  it('3,000 random buffers and 3,000 random bodies after a plausible header', () => {
    const rng = new Rng(0x5eed0001);
    const t = new Tally();
    for (let i = 0; i < 3000; i++) check(randomBuffer(rng), rng, t);
    for (let i = 0; i < 3000; i++) check(randomAfterHeader(rng), rng, t);
    report(t);
    expect(t.inputs).toBe(6000);
    for (const code of ['BAD_MAGIC', 'TRUNCATED', 'TRAILING_BYTES', 'UNSUPPORTED_VERSION', 'UNKNOWN_TYPE']) expect(t.codes.get(code), code).toBeGreaterThan(0);
  });

  it('4,000 well-framed messages with random fields', () => {
    const rng = new Rng(0x5eed0002);
    const t = new Tally();
    for (let i = 0; i < 4000; i++) check(randomFramed(rng), rng, t);
    report(t);
    expect(t.decodeOk).toBeGreaterThan(0);
    for (const code of ['UNKNOWN_TAG', 'DUPLICATE_TAG', 'TAG_ORDER', 'BAD_LENGTH', 'MISSING_FIELD', 'UNKNOWN_SUITE', 'DUPLICATE_ENTRY', 'INVALID_FIELD']) {
      expect(t.codes.get(code), code).toBeGreaterThan(0);
    }
  });

  it('10,000 mutations of valid messages (bit flips, replacements, insertions, deletions, truncations, length/tag rewrites, field moves)', () => {
    const rng = new Rng(0x5eed0003);
    const t = new Tally();
    for (let i = 0; i < 10000; i++) check(mutate(rng), rng, t);
    report(t);
    // Mutations that keep a message valid re-encode identically (checked above); some must occur.
    expect(t.decodeOk).toBeGreaterThan(100);
    expect(t.negotiateOk).toBeGreaterThan(100);
    expect(t.classical).toBeGreaterThan(0);
    // Between them, the mutations reach every rule a decoder without an expected type can break.
    const reached = [...WIRE_CODES].filter((c) => c !== 'UNEXPECTED_TYPE' && (t.codes.get(c) ?? 0) > 0);
    expect(reached.length, [...t.codes.keys()].join(', ')).toBeGreaterThanOrEqual(13);
    for (const code of ['negotiate:UNEXPECTED_TYPE', 'negotiate:PQ_REQUIRED', 'negotiate:NO_COMMON_SUITE']) expect(t.codes.get(code), code).toBeGreaterThan(0);
    expect((t.codes.get('negotiate:NO_COMMON_VERSION') ?? 0) + (t.codes.get('negotiate:VERSION_ROLLBACK') ?? 0)).toBeGreaterThan(0);
  });

  it('3,000 splices of two valid messages', () => {
    const rng = new Rng(0x5eed0004);
    const t = new Tally();
    for (let i = 0; i < 3000; i++) check(splice(rng), rng, t);
    report(t);
    expect(t.decodeOk).toBeGreaterThan(0);
  });

  it('mutated capabilities as our own side: typed errors only (UNSUPPORTED for a version we cannot speak)', () => {
    const rng = new Rng(0x5eed0005);
    const problems: string[] = [];
    const codes = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const local = mutate(rng);
      const events: SecurityEvent[] = [];
      try {
        const n = negotiate(local, OURS, { policy: rng.pick(MODES), onSecurityEvent: (e) => events.push(e) });
        if (!equalBytes(wire.encode(wire.decode(local)), local)) problems.push(`accepted non-canonical local ${shortHex(local)}`);
        if (n.classical !== (events.length === 1 && events[0]?.type === 'classical-accepted')) problems.push(`classical without event ${shortHex(local)}`);
      } catch (e) {
        const ok =
          (e instanceof WireFormatError && WIRE_CODES.has(e.code as WireErrorCode)) ||
          (e instanceof DowngradeError && NEGOTIATION_CODES.has(e.code as DowngradeCode)) ||
          (e instanceof UnsupportedError && e.code === 'UNSUPPORTED');
        if (!ok) problems.push(`negotiate threw ${String(e)} for local ${shortHex(local)}`);
        else codes.add((e as PqwireError).code);
      }
    }
    expect(problems, problems.slice(0, 20).join('\n')).toStrictEqual([]);
    expect(codes.size).toBeGreaterThan(3);
  });
});

// The corpus is what the mutators start from: every entry must be valid and canonical.
describe('fuzz corpus', () => {
  it('every seed message decodes and re-encodes identically', () => {
    for (const b of CORPUS) expect(hex(wire.encode(wire.decode(b)))).toBe(hex(b));
    expect(CAPS_CORPUS.length).toBe(4);
    expect(fields(CORPUS[0] as Uint8Array).map((f) => f.tag)).toStrictEqual([CAPS.versions, CAPS.kexSuites, CAPS.sigSuites, CAPS.aeadSuites, CAPS.features, CAPS.mlsSuites]);
  });
});
