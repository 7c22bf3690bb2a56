/**
 * Downgrade matrix: what an active attacker on the capability exchange can achieve, under
 * each policy. Table 1 looks at the initiator alone: every tampering either fails with a
 * typed error and a `negotiation-refused` event, or yields an agreement whose classical
 * part, if any, is reported with a `classical-accepted` event. Table 2 runs both sides:
 * every alteration that either side hashed ends in an error with a code (a refusal or
 * TRANSCRIPT_MISMATCH when the two transcripts are compared), never in a silent agreement.
 */
import { describe, expect, it } from 'vitest';
import {
  DowngradeError,
  Negotiator,
  PqwireError,
  WireFormatError,
  capabilities,
  negotiate,
  negotiateMls,
  wire,
  type ErrorCode,
  type KemSuiteName,
  type Negotiated,
  type PolicyName,
  type SecurityEvent,
  type SigSuiteName,
} from '../ts/src/index';
import { VERSION } from '../ts/src/wire';
import { hex } from './helpers';
import {
  CAPS,
  CODE,
  appendField,
  concat,
  dropField,
  duplicateField,
  equalBytes,
  filterCodes,
  mapCodes,
  replaceCode,
  reverseCodes,
  setField,
  u32,
  u8,
} from './wire-bytes';

const MODES: readonly PolicyName[] = ['pq-required', 'pq-preferred', 'classical-allowed'];
const CLASSICAL_KEX = new Set<string>(['X25519']);
const CLASSICAL_SIG = new Set<string>(['Ed25519']);
const isClassical = (kex: string, sig: string): boolean => CLASSICAL_KEX.has(kex) || CLASSICAL_SIG.has(sig);

type Attack = (b: Uint8Array) => Uint8Array;
type Event = readonly ['negotiation-refused', ErrorCode] | readonly ['classical-accepted'] | null;
type ErrorClass = typeof WireFormatError | typeof DowngradeError;
interface Where {
  offset: number;
  tag?: number;
  field?: string;
}
type Outcome =
  | { chosen: readonly [KemSuiteName, SigSuiteName]; event: Event }
  | { error: readonly [ErrorClass, ErrorCode]; where?: Where; event: Event };

const same = (o: Outcome): Record<PolicyName, Outcome> => ({ 'pq-required': o, 'pq-preferred': o, 'classical-allowed': o });

// Byte-level attacker actions on an encoded capabilities message.
const stripPqKex: Attack = (b) => filterCodes(b, CAPS.kexSuites, (c) => c === CODE.X25519);
const stripPqSig: Attack = (b) => filterCodes(b, CAPS.sigSuites, (c) => c === CODE.Ed25519);
const onlyClassical: Attack = (b) => stripPqSig(stripPqKex(b));
const classicalFirst: Attack = (b) => reverseCodes(reverseCodes(b, CAPS.kexSuites), CAPS.sigSuites);
const lowerVersion: Attack = (b) => setField(b, CAPS.versions, u8(0));
const injectExtension: Attack = (b) => appendField(b, 0xf000, u8(0x41));
/** The MLS offer taken away whole: the list and the `mls` bit (which the wire rules tie together). */
const stripMls: Attack = (b) => dropField(setField(b, CAPS.features, u32(0x0f)), CAPS.mlsSuites);
/** Only RFC 9420's classical MLS suites left (0x0001-0x0003). */
const onlyClassicalMls: Attack = (b) => filterCodes(b, CAPS.mlsSuites, (c) => c <= 0x0003);

/** The peer (responder) as the initiator would normally see it: pqwire's default offer. */
const PEER = wire.encode(capabilities());
/** Our (initiator's) offer. */
const OURS = wire.encode(capabilities());

interface MatrixRow {
  action: string;
  /** The peer's honest capabilities, when not the default. */
  peer?: Uint8Array;
  attack: Attack;
  expect: Record<PolicyName, Outcome>;
}

const XWING_ED65 = ['X25519+ML-KEM-768', 'Ed25519+ML-DSA-65'] as const;
const MLS_XWING = 'MLS_256_XWING_CHACHA20POLY1305_SHA256_Ed25519';
const MLS_1 = 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519';

/** Table 1: attacker actions on the peer's capabilities as seen by the initiator × policy. */
const MATRIX: MatrixRow[] = [
  { action: 'none', attack: (b) => b, expect: same({ chosen: XWING_ED65, event: null }) },
  {
    action: 'strip all PQ key-exchange suites',
    attack: stripPqKex,
    expect: {
      'pq-required': { error: [DowngradeError, 'PQ_REQUIRED'], event: ['negotiation-refused', 'PQ_REQUIRED'] },
      'pq-preferred': { chosen: ['X25519', 'Ed25519+ML-DSA-65'], event: ['classical-accepted'] },
      'classical-allowed': { chosen: ['X25519', 'Ed25519+ML-DSA-65'], event: ['classical-accepted'] },
    },
  },
  {
    action: 'strip all PQ signature suites',
    attack: stripPqSig,
    expect: {
      'pq-required': { error: [DowngradeError, 'PQ_REQUIRED'], event: ['negotiation-refused', 'PQ_REQUIRED'] },
      'pq-preferred': { chosen: ['X25519+ML-KEM-768', 'Ed25519'], event: ['classical-accepted'] },
      'classical-allowed': { chosen: ['X25519+ML-KEM-768', 'Ed25519'], event: ['classical-accepted'] },
    },
  },
  {
    action: 'strip everything but X25519 / Ed25519',
    attack: onlyClassical,
    expect: {
      'pq-required': { error: [DowngradeError, 'PQ_REQUIRED'], event: ['negotiation-refused', 'PQ_REQUIRED'] },
      'pq-preferred': { chosen: ['X25519', 'Ed25519'], event: ['classical-accepted'] },
      'classical-allowed': { chosen: ['X25519', 'Ed25519'], event: ['classical-accepted'] },
    },
  },
  { action: 'reorder: classical first', attack: classicalFirst, expect: same({ chosen: XWING_ED65, event: null }) },
  {
    action: "replace X-Wing's code 0x647A by the unknown 0x647F",
    attack: (b) => replaceCode(b, CAPS.kexSuites, CODE['X25519+ML-KEM-768'], 0x647f),
    expect: same({ chosen: ['X25519+ML-KEM-1024', 'Ed25519+ML-DSA-65'], event: null }),
  },
  {
    action: "replace X-Wing's code by X25519's (a duplicate)",
    attack: (b) => replaceCode(b, CAPS.kexSuites, CODE['X25519+ML-KEM-768'], CODE.X25519),
    expect: same({ error: [WireFormatError, 'DUPLICATE_ENTRY'], where: { offset: 11, tag: CAPS.kexSuites, field: 'kexSuites' }, event: ['negotiation-refused', 'DUPLICATE_ENTRY'] }),
  },
  {
    action: "replace X-Wing's code by X25519's where the peer offers only X-Wing",
    peer: wire.encode(capabilities({ kexSuites: ['X25519+ML-KEM-768'] })),
    attack: (b) => replaceCode(b, CAPS.kexSuites, CODE['X25519+ML-KEM-768'], CODE.X25519),
    expect: {
      'pq-required': { error: [DowngradeError, 'PQ_REQUIRED'], event: ['negotiation-refused', 'PQ_REQUIRED'] },
      'pq-preferred': { chosen: ['X25519', 'Ed25519+ML-DSA-65'], event: ['classical-accepted'] },
      'classical-allowed': { chosen: ['X25519', 'Ed25519+ML-DSA-65'], event: ['classical-accepted'] },
    },
  },
  {
    action: "replace Ed25519+ML-DSA-65's code by X25519's (not a signature suite)",
    attack: (b) => replaceCode(b, CAPS.sigSuites, CODE['Ed25519+ML-DSA-65'], CODE.X25519),
    expect: same({ chosen: ['X25519+ML-KEM-768', 'Ed25519+ML-DSA-87'], event: null }),
  },
  {
    action: 'replace every key-exchange code by unknown ones',
    attack: (b) => mapCodes(b, CAPS.kexSuites, (c) => c ^ 0xee00),
    expect: same({ error: [DowngradeError, 'NO_COMMON_SUITE'], event: ['negotiation-refused', 'NO_COMMON_SUITE'] }),
  },
  {
    action: 'empty the key-exchange list',
    attack: (b) => filterCodes(b, CAPS.kexSuites, () => false),
    expect: same({ error: [WireFormatError, 'BAD_LENGTH'], where: { offset: 11, tag: CAPS.kexSuites, field: 'kexSuites' }, event: ['negotiation-refused', 'BAD_LENGTH'] }),
  },
  {
    action: 'lower the version (versions [0])',
    attack: lowerVersion,
    expect: same({ error: [DowngradeError, 'VERSION_ROLLBACK'], event: ['negotiation-refused', 'VERSION_ROLLBACK'] }),
  },
  {
    action: `replace the version by a future one (versions [${VERSION + 1}])`,
    attack: (b) => setField(b, CAPS.versions, u8(VERSION + 1)),
    expect: same({ error: [DowngradeError, 'NO_COMMON_VERSION'], event: ['negotiation-refused', 'NO_COMMON_VERSION'] }),
  },
  {
    action: 'truncate the message by one byte',
    attack: (b) => b.subarray(0, b.length - 1),
    expect: same({ error: [WireFormatError, 'TRUNCATED'], where: { offset: 69, tag: CAPS.mlsSuites, field: 'mlsSuites' }, event: ['negotiation-refused', 'TRUNCATED'] }),
  },
  {
    action: 'truncate the message inside a field header',
    attack: (b) => b.subarray(0, 9),
    expect: same({ error: [WireFormatError, 'TRAILING_BYTES'], where: { offset: 4 }, event: ['negotiation-refused', 'TRAILING_BYTES'] }),
  },
  {
    action: 'truncate the message at a field boundary (features lost)',
    attack: (b) => b.subarray(0, 59),
    expect: same({ error: [WireFormatError, 'MISSING_FIELD'], where: { offset: 59, tag: CAPS.features, field: 'features' }, event: ['negotiation-refused', 'MISSING_FIELD'] }),
  },
  {
    action: 'duplicate a field (versions)',
    attack: (b) => duplicateField(b, CAPS.versions),
    expect: same({ error: [WireFormatError, 'DUPLICATE_TAG'], where: { offset: 11, tag: CAPS.versions, field: 'versions' }, event: ['negotiation-refused', 'DUPLICATE_TAG'] }),
  },
  {
    action: 'duplicate a field (kexSuites, the second copy classical-only)',
    attack: (b) => {
      const kex = stripPqKex(b).subarray(11, 11 + 8);
      const at = 11 + 6 + 14;
      return concat(b.subarray(0, at), kex, b.subarray(at));
    },
    expect: same({ error: [WireFormatError, 'DUPLICATE_TAG'], where: { offset: 31, tag: CAPS.kexSuites, field: 'kexSuites' }, event: ['negotiation-refused', 'DUPLICATE_TAG'] }),
  },
  {
    action: 'delete a required field (kexSuites)',
    attack: (b) => dropField(b, CAPS.kexSuites),
    expect: same({ error: [WireFormatError, 'MISSING_FIELD'], where: { offset: 101 - 20, tag: CAPS.kexSuites, field: 'kexSuites' }, event: ['negotiation-refused', 'MISSING_FIELD'] }),
  },
  {
    action: 'delete a required field (versions)',
    attack: (b) => dropField(b, CAPS.versions),
    expect: same({ error: [WireFormatError, 'MISSING_FIELD'], where: { offset: 101 - 7, tag: CAPS.versions, field: 'versions' }, event: ['negotiation-refused', 'MISSING_FIELD'] }),
  },
  {
    action: 'change the magic',
    attack: (b) => b.map((x, i) => (i === 1 ? 0x58 : x)),
    expect: same({ error: [WireFormatError, 'BAD_MAGIC'], where: { offset: 0 }, event: ['negotiation-refused', 'BAD_MAGIC'] }),
  },
  {
    action: 'change the message type to envelope',
    attack: (b) => b.map((x, i) => (i === 3 ? 0x03 : x)),
    expect: same({ error: [WireFormatError, 'BAD_LENGTH'], where: { offset: 4, tag: 1, field: 'contentType' }, event: ['negotiation-refused', 'BAD_LENGTH'] }),
  },
  { action: 'inject an extension field', attack: injectExtension, expect: same({ chosen: XWING_ED65, event: null }) },
  // The mls bit goes with the MLS suite list: cleared alone, the message is malformed.
  {
    action: 'clear every feature bit',
    attack: (b) => setField(b, CAPS.features, u32(0)),
    expect: same({ error: [WireFormatError, 'INVALID_FIELD'], where: { offset: 69, tag: CAPS.mlsSuites, field: 'mlsSuites' }, event: ['negotiation-refused', 'INVALID_FIELD'] }),
  },
  { action: 'clear every feature bit but mls', attack: (b) => setField(b, CAPS.features, u32(0x10)), expect: same({ chosen: XWING_ED65, event: null }) },
  {
    action: 'drop the MLS suites, keep the mls bit',
    attack: (b) => dropField(b, CAPS.mlsSuites),
    expect: same({ error: [WireFormatError, 'MISSING_FIELD'], where: { offset: 69, tag: CAPS.mlsSuites, field: 'mlsSuites' }, event: ['negotiation-refused', 'MISSING_FIELD'] }),
  },
  // MLS never decides the session: stripped or classical-only, the session suites stand
  // (what becomes of the MLS suite itself is the test "MLS under attack" below).
  { action: 'strip the MLS offer (list and bit)', attack: stripMls, expect: same({ chosen: XWING_ED65, event: null }) },
  { action: "strip the MLS suites to RFC 9420's classical ones", attack: onlyClassicalMls, expect: same({ chosen: XWING_ED65, event: null }) },
];

const CASES = MATRIX.flatMap((row) => MODES.map((mode) => [`${row.action} × ${mode}`, row, mode] as const));

const describeEvent = (e: SecurityEvent): Event => (e.type === 'classical-accepted' ? ['classical-accepted'] : ['negotiation-refused', e.code as ErrorCode]);

describe('table 1: attacker actions on the peer capabilities × policy (initiator side)', () => {
  it('every attacker action changes the bytes (except "none"), and decodes or not as the table says', () => {
    for (const row of MATRIX) {
      const attacked = row.attack(row.peer ?? PEER);
      expect(equalBytes(attacked, row.peer ?? PEER), row.action).toBe(row.action === 'none');
    }
    expect(hex(PEER.subarray(0, 4))).toBe('50570201');
    expect(PEER.length).toBe(101); // 69 bytes and the MLS suites (tag, length, 13 codes)
  });

  it('MLS under attack: never a refusal from negotiate, never a classical MLS suite under pq-required', () => {
    const rows: [string, Attack, Record<PolicyName, string | undefined>][] = [
      ['none', (b) => b, { 'pq-required': MLS_XWING, 'pq-preferred': MLS_XWING, 'classical-allowed': MLS_XWING }],
      ['strip the MLS offer', stripMls, { 'pq-required': undefined, 'pq-preferred': undefined, 'classical-allowed': undefined }],
      ['only classical MLS suites', onlyClassicalMls, { 'pq-required': undefined, 'pq-preferred': MLS_1, 'classical-allowed': MLS_1 }],
    ];
    for (const [action, attack, expected] of rows) {
      for (const mode of MODES) {
        expect(negotiate(OURS, attack(PEER), mode).mlsSuite, `${action} × ${mode}`).toBe(expected[mode]);
        const strict = () => negotiateMls(OURS, attack(PEER), mode);
        if (expected[mode] !== undefined) expect(strict()).toBe(expected[mode]);
        else expect(strict).toThrow(expect.objectContaining({ code: action === 'strip the MLS offer' ? 'NO_COMMON_SUITE' : 'PQ_REQUIRED' }));
      }
    }
  });

  it('the table itself never lets a classical choice go unreported', () => {
    for (const row of MATRIX) {
      for (const mode of MODES) {
        const o = row.expect[mode];
        if ('chosen' in o) expect(o.event, `${row.action} × ${mode}`).toStrictEqual(isClassical(...o.chosen) ? ['classical-accepted'] : null);
        else expect(o.event, `${row.action} × ${mode}`).toStrictEqual(['negotiation-refused', o.error[1]]);
        if (mode === 'pq-required' && 'chosen' in o) expect(isClassical(...o.chosen)).toBe(false);
      }
    }
  });

  it.each(CASES)('%s', (_label, row, mode) => {
    const remote = row.attack(row.peer ?? PEER);
    const expected = row.expect[mode];
    const viaCallback: SecurityEvent[] = [];
    const viaEmitter: SecurityEvent[] = [];
    const negotiator = new Negotiator({ onSecurityEvent: (e) => viaCallback.push(e) });
    negotiator.on('security', (e) => viaEmitter.push(e));

    let result: Negotiated | undefined;
    let error: unknown;
    try {
      result = negotiator.negotiate(OURS, remote, { policy: mode, peer: 'peer-1', tenant: 'tenant-1' });
    } catch (e) {
      error = e;
    }

    // The exact outcome.
    if ('chosen' in expected) {
      expect(error).toBeUndefined();
      expect([result?.kexSuite, result?.sigSuite]).toStrictEqual([...expected.chosen]);
    } else {
      expect(result).toBeUndefined();
      expect(error).toBeInstanceOf(expected.error[0]);
      expect(error).toBeInstanceOf(PqwireError);
      expect((error as PqwireError).code).toBe(expected.error[1]);
      if (expected.where) {
        const w = error as WireFormatError;
        expect({ offset: w.offset, tag: w.tag, field: w.field }).toStrictEqual({ offset: expected.where.offset, tag: expected.where.tag, field: expected.where.field });
      }
    }
    // Exactly the event the table names, delivered to every listener.
    expect(viaCallback.map(describeEvent)).toStrictEqual(expected.event ? [expected.event] : []);
    expect(viaEmitter).toStrictEqual(viaCallback);

    // Nothing falls back silently.
    const ev = viaCallback[0];
    if (result) {
      expect(result.classical).toBe(isClassical(result.kexSuite, result.sigSuite));
      if (result.classical) {
        expect(ev?.type).toBe('classical-accepted');
        expect(ev?.chosen).toStrictEqual({ version: result.version, kexSuite: result.kexSuite, sigSuite: result.sigSuite, aeadSuite: result.aeadSuite });
        expect(mode).not.toBe('pq-required');
      } else {
        expect(viaCallback).toHaveLength(0);
      }
    } else {
      expect(ev).toMatchObject({ type: 'negotiation-refused', code: (error as PqwireError).code, peer: 'peer-1', tenant: 'tenant-1', policy: mode, role: 'initiator' });
      // A refusal of well-formed capabilities shows what the peer offered; malformed ones have no offer.
      expect('remote' in (ev as SecurityEvent).offered).toBe(error instanceof DowngradeError);
    }
  });
});

/** Table 2: what each side sees, both negotiating on their own. */
type Side = readonly [KemSuiteName, SigSuiteName] | ErrorCode;
interface TwoSided {
  initiator: Side;
  responder: Side;
  /** The cross-check of transcript hashes when both sides agreed; `null` when one refused. */
  transcripts: 'match' | 'TRANSCRIPT_MISMATCH' | null;
}

/** The initiator: pqwire's default offer. */
const I0 = wire.encode(capabilities());
/** The responder: its own preferences, which the initiator's order overrides. */
const R0 = wire.encode(
  capabilities({
    kexSuites: ['ML-KEM-1024', 'X25519+ML-KEM-768', 'X25519'],
    sigSuites: ['ML-DSA-87', 'Ed25519+ML-DSA-65', 'Ed25519'],
    aeadSuites: ['AES-256-GCM', 'ChaCha20-Poly1305'],
  }),
);

interface ExchangeRow {
  name: string;
  /** Applied to R0: what the initiator receives. */
  toInitiator?: Attack;
  /** Applied to I0: what the responder receives. */
  toResponder?: Attack;
  expect: Record<PolicyName, TwoSided>;
}

const sameAll = (t: TwoSided): Record<PolicyName, TwoSided> => ({ 'pq-required': t, 'pq-preferred': t, 'classical-allowed': t });
const AGREED = XWING_ED65;

const EXCHANGE: ExchangeRow[] = [
  { name: 'no alteration', expect: sameAll({ initiator: AGREED, responder: AGREED, transcripts: 'match' }) },
  {
    name: 'both messages re-encoded by the attacker (canonical: identical bytes)',
    toInitiator: (b) => wire.encode(wire.decode(b)),
    toResponder: (b) => wire.encode(wire.decode(b)),
    expect: sameAll({ initiator: AGREED, responder: AGREED, transcripts: 'match' }),
  },
  {
    name: "initiator sees the responder's PQ key exchange stripped",
    toInitiator: stripPqKex,
    expect: {
      'pq-required': { initiator: 'PQ_REQUIRED', responder: AGREED, transcripts: null },
      'pq-preferred': { initiator: ['X25519', 'Ed25519+ML-DSA-65'], responder: AGREED, transcripts: 'TRANSCRIPT_MISMATCH' },
      'classical-allowed': { initiator: ['X25519', 'Ed25519+ML-DSA-65'], responder: AGREED, transcripts: 'TRANSCRIPT_MISMATCH' },
    },
  },
  {
    name: "initiator sees the responder's PQ signatures stripped",
    toInitiator: stripPqSig,
    expect: {
      'pq-required': { initiator: 'PQ_REQUIRED', responder: AGREED, transcripts: null },
      'pq-preferred': { initiator: ['X25519+ML-KEM-768', 'Ed25519'], responder: AGREED, transcripts: 'TRANSCRIPT_MISMATCH' },
      'classical-allowed': { initiator: ['X25519+ML-KEM-768', 'Ed25519'], responder: AGREED, transcripts: 'TRANSCRIPT_MISMATCH' },
    },
  },
  {
    name: "responder sees the initiator's PQ key exchange stripped",
    toResponder: stripPqKex,
    expect: {
      'pq-required': { initiator: AGREED, responder: 'PQ_REQUIRED', transcripts: null },
      'pq-preferred': { initiator: AGREED, responder: ['X25519', 'Ed25519+ML-DSA-65'], transcripts: 'TRANSCRIPT_MISMATCH' },
      'classical-allowed': { initiator: AGREED, responder: ['X25519', 'Ed25519+ML-DSA-65'], transcripts: 'TRANSCRIPT_MISMATCH' },
    },
  },
  {
    name: 'both directions stripped to X25519 / Ed25519 (the two sides agree on suites)',
    toInitiator: onlyClassical,
    toResponder: onlyClassical,
    expect: {
      'pq-required': { initiator: 'PQ_REQUIRED', responder: 'PQ_REQUIRED', transcripts: null },
      'pq-preferred': { initiator: ['X25519', 'Ed25519'], responder: ['X25519', 'Ed25519'], transcripts: 'TRANSCRIPT_MISMATCH' },
      'classical-allowed': { initiator: ['X25519', 'Ed25519'], responder: ['X25519', 'Ed25519'], transcripts: 'TRANSCRIPT_MISMATCH' },
    },
  },
  {
    name: "initiator sees the responder's lists reordered, classical first (same choice)",
    toInitiator: classicalFirst,
    expect: sameAll({ initiator: AGREED, responder: AGREED, transcripts: 'TRANSCRIPT_MISMATCH' }),
  },
  {
    name: "responder sees the initiator's lists reordered, classical first",
    toResponder: classicalFirst,
    expect: {
      'pq-required': { initiator: AGREED, responder: ['ML-KEM-1024', 'ML-DSA-87'], transcripts: 'TRANSCRIPT_MISMATCH' },
      'pq-preferred': { initiator: AGREED, responder: ['ML-KEM-1024', 'ML-DSA-87'], transcripts: 'TRANSCRIPT_MISMATCH' },
      'classical-allowed': { initiator: AGREED, responder: ['X25519', 'Ed25519'], transcripts: 'TRANSCRIPT_MISMATCH' },
    },
  },
  {
    name: "initiator sees X-Wing replaced by an unknown code in the responder's offer",
    toInitiator: (b) => replaceCode(b, CAPS.kexSuites, CODE['X25519+ML-KEM-768'], 0x647f),
    expect: sameAll({ initiator: ['ML-KEM-1024', 'Ed25519+ML-DSA-65'], responder: AGREED, transcripts: 'TRANSCRIPT_MISMATCH' }),
  },
  {
    name: "initiator sees X-Wing replaced by X25519's code (a duplicate)",
    toInitiator: (b) => replaceCode(b, CAPS.kexSuites, CODE['X25519+ML-KEM-768'], CODE.X25519),
    expect: sameAll({ initiator: 'DUPLICATE_ENTRY', responder: AGREED, transcripts: null }),
  },
  {
    name: 'responder sees an injected extension (same choice)',
    toResponder: injectExtension,
    expect: sameAll({ initiator: AGREED, responder: AGREED, transcripts: 'TRANSCRIPT_MISMATCH' }),
  },
  {
    name: "initiator sees the responder's MLS offer stripped (same session suites)",
    toInitiator: stripMls,
    expect: sameAll({ initiator: AGREED, responder: AGREED, transcripts: 'TRANSCRIPT_MISMATCH' }),
  },
  {
    name: "responder sees the initiator's MLS suites cut to the classical ones",
    toResponder: onlyClassicalMls,
    expect: sameAll({ initiator: AGREED, responder: AGREED, transcripts: 'TRANSCRIPT_MISMATCH' }),
  },
  {
    name: "initiator sees the responder's feature bits but mls cleared (same suites)",
    toInitiator: (b) => setField(b, CAPS.features, u32(0x10)),
    expect: sameAll({ initiator: AGREED, responder: AGREED, transcripts: 'TRANSCRIPT_MISMATCH' }),
  },
  {
    name: "initiator receives its own capabilities reflected instead of the responder's",
    toInitiator: () => I0,
    expect: sameAll({ initiator: AGREED, responder: AGREED, transcripts: 'TRANSCRIPT_MISMATCH' }),
  },
  {
    name: 'the two messages swapped (each side receives the other side its own offer)',
    toInitiator: () => I0,
    toResponder: () => R0,
    expect: {
      'pq-required': { initiator: AGREED, responder: ['ML-KEM-1024', 'ML-DSA-87'], transcripts: 'TRANSCRIPT_MISMATCH' },
      'pq-preferred': { initiator: AGREED, responder: ['ML-KEM-1024', 'ML-DSA-87'], transcripts: 'TRANSCRIPT_MISMATCH' },
      'classical-allowed': { initiator: AGREED, responder: ['ML-KEM-1024', 'ML-DSA-87'], transcripts: 'TRANSCRIPT_MISMATCH' },
    },
  },
  {
    name: "initiator sees the responder's version lowered",
    toInitiator: lowerVersion,
    expect: sameAll({ initiator: 'VERSION_ROLLBACK', responder: AGREED, transcripts: null }),
  },
  {
    name: 'both versions lowered',
    toInitiator: lowerVersion,
    toResponder: lowerVersion,
    expect: sameAll({ initiator: 'VERSION_ROLLBACK', responder: 'VERSION_ROLLBACK', transcripts: null }),
  },
  {
    name: "responder sees the initiator's message truncated",
    toResponder: (b) => b.subarray(0, b.length - 2),
    expect: sameAll({ initiator: AGREED, responder: 'TRUNCATED', transcripts: null }),
  },
  {
    name: "initiator sees a field of the responder's message duplicated",
    toInitiator: (b) => duplicateField(b, CAPS.versions),
    expect: sameAll({ initiator: 'DUPLICATE_TAG', responder: AGREED, transcripts: null }),
  },
  {
    name: 'both see a required field deleted',
    toInitiator: (b) => dropField(b, CAPS.kexSuites),
    toResponder: (b) => dropField(b, CAPS.kexSuites),
    expect: sameAll({ initiator: 'MISSING_FIELD', responder: 'MISSING_FIELD', transcripts: null }),
  },
];

interface SideRun {
  result?: Negotiated;
  error?: PqwireError;
  events: SecurityEvent[];
  negotiator: Negotiator;
}

function runSide(local: Uint8Array, remote: Uint8Array, mode: PolicyName, role: 'initiator' | 'responder'): SideRun {
  const events: SecurityEvent[] = [];
  const negotiator = new Negotiator({ onSecurityEvent: (e) => events.push(e) });
  try {
    return { result: negotiator.negotiate(local, remote, { policy: mode, role }), events, negotiator };
  } catch (e) {
    expect(e).toBeInstanceOf(PqwireError);
    return { error: e as PqwireError, events, negotiator };
  }
}

const sideOf = (run: SideRun): Side => (run.result ? [run.result.kexSuite, run.result.sigSuite] : (run.error?.code as ErrorCode));

/** Checks one side's events against its outcome: nothing silent. */
function checkSideEvents(run: SideRun, mode: PolicyName): void {
  if (run.result) {
    if (run.result.classical) {
      expect(run.events.map(describeEvent)).toStrictEqual([['classical-accepted']]);
      expect(mode).not.toBe('pq-required');
    } else {
      expect(run.events).toHaveLength(0);
    }
  } else {
    expect(run.events.map(describeEvent)).toStrictEqual([['negotiation-refused', run.error?.code as ErrorCode]]);
  }
}

const EXCHANGE_CASES = EXCHANGE.flatMap((row) => MODES.map((mode) => [`${row.name} × ${mode}`, row, mode] as const));

describe('table 2: the attacker alters what each side sees; no alteration goes undetected', () => {
  it.each(EXCHANGE_CASES)('%s', (_label, row, mode) => {
    const seenByInitiator = (row.toInitiator ?? ((b) => b))(R0);
    const seenByResponder = (row.toResponder ?? ((b) => b))(I0);
    const altered = !equalBytes(seenByInitiator, R0) || !equalBytes(seenByResponder, I0);

    const init = runSide(I0, seenByInitiator, mode, 'initiator');
    const resp = runSide(R0, seenByResponder, mode, 'responder');
    const expected = row.expect[mode];
    expect([sideOf(init), sideOf(resp)]).toStrictEqual([expected.initiator, expected.responder]);
    checkSideEvents(init, mode);
    checkSideEvents(resp, mode);

    let transcripts: TwoSided['transcripts'] = null;
    if (init.result && resp.result) {
      const results: ('match' | ErrorCode)[] = [];
      for (const [me, peer] of [
        [init, resp],
        [resp, init],
      ] as const) {
        const before = me.events.length;
        try {
          me.negotiator.verifyTranscript(me.result as Negotiated, (peer.result as Negotiated).transcriptHash);
          results.push('match');
          expect(me.events).toHaveLength(before);
        } catch (e) {
          expect(e).toBeInstanceOf(DowngradeError);
          results.push((e as DowngradeError).code);
          expect(me.events.slice(before).map(describeEvent)).toStrictEqual([['negotiation-refused', 'TRANSCRIPT_MISMATCH']]);
        }
      }
      // Both directions see the same thing.
      expect(results[0]).toBe(results[1]);
      transcripts = results[0] as TwoSided['transcripts'];
    }
    expect(transcripts).toBe(expected.transcripts);

    // The invariant the table encodes: an unaltered exchange agrees, and any alteration ends
    // in an error with a code on at least one side, never in a silent (different) agreement.
    if (!altered) {
      expect(transcripts).toBe('match');
      expect(hex((init.result as Negotiated).transcriptHash)).toBe(hex((resp.result as Negotiated).transcriptHash));
    } else {
      const codes = [init.error?.code, resp.error?.code, transcripts === 'TRANSCRIPT_MISMATCH' ? transcripts : undefined].filter((c) => c !== undefined);
      expect(codes.length, 'an alteration must end in an error').toBeGreaterThan(0);
      expect(transcripts).not.toBe('match');
    }
  });

  it('the table covers each direction alone, both directions, and unaltered controls', () => {
    const kinds = new Set(EXCHANGE.map((r) => `${r.toInitiator ? 'I' : '-'}${r.toResponder ? 'R' : '-'}`));
    expect(kinds).toStrictEqual(new Set(['--', 'I-', '-R', 'IR']));
  });
});
