/**
 * MLS in negotiation (issue 21, "Negotiation"): `capabilities()` offers MLS by default
 * (the `mls` feature and every MLS suite, X-Wing first), `negotiate` picks an MLS suite by
 * the same rules as the session's suites but never fails over MLS (`mlsSuite` is then
 * absent), and `negotiateMls` is the strict form that refuses with a `DowngradeError` and
 * a `negotiation-refused` event. Every rule has its refusal here too: the wire rule that
 * the `mls` feature and `mlsSuites` come together, `pq-required` refusing classical MLS
 * suites, a peer without MLS.
 */
import { describe, expect, it } from 'vitest';
import {
  DowngradeError,
  FEATURES,
  InMemoryPrekeyStore,
  InvalidTypeError,
  Negotiator,
  PolicyStore,
  WireFormatError,
  acceptSession,
  capabilities,
  createIdentity,
  createPrekeyBundle,
  initiateSession,
  mlsSuites,
  negotiate,
  negotiateMls,
  wire,
  type MlsSuiteName,
  type SecurityEvent,
} from '../ts/src/index';
import { bad, expectThrow } from './helpers';

const XWING: MlsSuiteName = 'MLS_256_XWING_CHACHA20POLY1305_SHA256_Ed25519';
const MLKEM768: MlsSuiteName = 'MLS_128_MLKEM768_AES256GCM_SHA384_Ed25519';
const RFC_1: MlsSuiteName = 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519';
const RFC_2: MlsSuiteName = 'MLS_128_DHKEMP256_AES128GCM_SHA256_P256';
const RFC_3: MlsSuiteName = 'MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519';

/** pqwire's default order: X-Wing, the other post-quantum suites, then RFC 9420's 1, 3, 2. */
const DEFAULT_ORDER: MlsSuiteName[] = [
  XWING,
  'MLS_128_MLKEM768X25519_AES128GCM_SHA256_Ed25519',
  'MLS_128_MLKEM768X25519_AES256GCM_SHA384_Ed25519',
  'MLS_128_MLKEM768X25519_CHACHA20POLY1305_SHA384_MLDSA44',
  MLKEM768,
  'MLS_128_MLKEM768_AES256GCM_SHA384_P256',
  'MLS_192_MLKEM768_AES256GCM_SHA384_MLDSA65',
  'MLS_192_MLKEM1024_AES256GCM_SHA384_P384',
  'MLS_256_MLKEM1024_AES256GCM_SHA384_MLDSA87',
  'MLS_256_MLKEM1024_AES256GCM_SHA512_MLDSA87',
  RFC_1,
  RFC_3,
  RFC_2,
];

const I = wire.encode(capabilities());
/** A peer whose only MLS suite is RFC 9420's suite 1 (classical). */
const ONLY_RFC_1 = wire.encode(capabilities({ mlsSuites: [RFC_1] }));
/** A peer without MLS. */
const NO_MLS = wire.encode(capabilities({ mlsSuites: [] }));
const POLICIES = ['pq-required', 'pq-preferred', 'classical-allowed'] as const;

function recorder(): { events: SecurityEvent[]; listener: (e: SecurityEvent) => void } {
  const events: SecurityEvent[] = [];
  return { events, listener: (e) => events.push(e) };
}

describe('capabilities(): MLS by default', () => {
  it("offers the mls feature and the 13 MLS suites in the core's default order", () => {
    const caps = capabilities();
    expect(FEATURES).toStrictEqual(['hybrid-auth', 'kem-ratchet', 'channel-simplex', 'channel-duplex', 'mls']);
    expect(caps.features).toContain('mls');
    expect(caps.mlsSuites).toStrictEqual(DEFAULT_ORDER);
    // The same suites mlsSuites() lists (RFC 9420's first there): only the order differs.
    expect([...(caps.mlsSuites ?? [])].sort()).toStrictEqual(mlsSuites().map((s) => s.name).sort());
    const post = new Set(mlsSuites().filter((s) => s.postQuantum).map((s) => s.name));
    expect(DEFAULT_ORDER.slice(0, 10).every((s) => post.has(s))).toBe(true);
    expect(DEFAULT_ORDER.slice(10).some((s) => post.has(s))).toBe(false);
    // Round trip: tag 0x0006, the codes, names back.
    const decoded = wire.decode(wire.encode(caps), 'capabilities');
    expect(decoded.mlsSuites).toStrictEqual(DEFAULT_ORDER);
    expect(decoded.features).toStrictEqual([...FEATURES]);
    expect(wire.inspect(wire.encode(caps))).toContain('MLS_256_XWING_CHACHA20POLY1305_SHA256_Ed25519');
  });

  it('mlsSuites: [] offers no MLS: neither the list nor the feature; features without mls leave the list out', () => {
    const none = capabilities({ mlsSuites: [] });
    expect('mlsSuites' in none).toBe(false);
    expect(none.features).toStrictEqual(['hybrid-auth', 'kem-ratchet', 'channel-simplex', 'channel-duplex']);
    expect(wire.decode(NO_MLS, 'capabilities').mlsSuites).toBeUndefined();
    const noFeature = capabilities({ features: ['hybrid-auth'] });
    expect('mlsSuites' in noFeature).toBe(false);
    // The feature by bit number counts as the feature.
    expect(capabilities({ features: ['hybrid-auth', 4] }).mlsSuites).toStrictEqual(DEFAULT_ORDER);
    // A list given keeps the default features, which include mls; unknown codes are kept.
    const mine = capabilities({ mlsSuites: [RFC_1, 0xabcd] });
    expect(mine.features).toContain('mls');
    expect(wire.decode(wire.encode(mine), 'capabilities').mlsSuites).toStrictEqual([RFC_1, 0xabcd]);
  });

  it('the feature without the suites, or the suites without the feature, is refused by encode and decode', () => {
    const featureOnly = expectThrow<WireFormatError>(
      () => wire.encode({ ...capabilities({ mlsSuites: [] }), features: ['mls'] }),
      WireFormatError,
      'MISSING_FIELD',
    );
    expect(featureOnly.field).toBe('mlsSuites');
    const suitesOnly = expectThrow<WireFormatError>(
      () => wire.encode(capabilities({ features: ['hybrid-auth'], mlsSuites: [XWING] })),
      WireFormatError,
      'INVALID_FIELD',
    );
    expect(suitesOnly.field).toBe('mlsSuites');
    expect(suitesOnly.tag).toBe(0x0006);
    // Bytes from elsewhere: the default encoding without MLS ends with the features; set bit 4.
    const bitOnly = NO_MLS.slice();
    bitOnly[bitOnly.length - 1]! |= 0x10;
    expectThrow(() => wire.decode(bitOnly), WireFormatError, 'MISSING_FIELD');
    expectThrow(() => negotiate(I, bitOnly), WireFormatError, 'MISSING_FIELD');
    expectThrow(() => negotiateMls(I, bitOnly), WireFormatError, 'MISSING_FIELD');
  });

  it('an MLS suite name that does not exist is refused', () => {
    expect(() => wire.encode(capabilities({ mlsSuites: [bad('MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448')] }))).toThrow(/MLS_256_DHKEMX448/);
  });
});

describe('negotiate: mlsSuite', () => {
  it('default capabilities on both sides pick X-Wing under every policy, from both roles', () => {
    for (const policy of POLICIES) {
      expect(negotiate(I, I, policy).mlsSuite).toBe(XWING);
      expect(negotiate(I, I, { policy, role: 'responder' }).mlsSuite).toBe(XWING);
      expect(negotiateMls(I, I, policy)).toBe(XWING);
    }
    const n = negotiate(I, I);
    expect(n.features).toContain('mls');
    expect(n.classical).toBe(false);
  });

  it('pq-required with a peer offering only MLS suite 1: no mlsSuite from negotiate, PQ_REQUIRED from negotiateMls', () => {
    const n = negotiate(I, ONLY_RFC_1, 'pq-required');
    expect(n.mlsSuite).toBeUndefined();
    expect('mlsSuite' in n).toBe(false);
    expect(n.kexSuite).toBe('X25519+ML-KEM-768'); // the session itself is unaffected
    const e = expectThrow<DowngradeError>(() => negotiateMls(I, ONLY_RFC_1, 'pq-required'), DowngradeError, 'PQ_REQUIRED');
    expect(e.message).toContain('MLS');
    expect(e.message).toContain(RFC_1);
    // pq-preferred and classical-allowed take it, and it does not make the session classical.
    for (const policy of ['pq-preferred', 'classical-allowed'] as const) {
      const m = negotiate(I, ONLY_RFC_1, policy);
      expect(m.mlsSuite).toBe(RFC_1);
      expect(m.classical).toBe(false);
      expect(negotiateMls(I, ONLY_RFC_1, policy)).toBe(RFC_1);
    }
  });

  it('pq-required with only a classical MLS suite in common (post-quantum ones on both sides) is PQ_REQUIRED', () => {
    const a = wire.encode(capabilities({ mlsSuites: [XWING, RFC_1] }));
    const b = wire.encode(capabilities({ mlsSuites: [MLKEM768, RFC_1] }));
    expect(negotiate(a, b, 'pq-required').mlsSuite).toBeUndefined();
    expectThrow(() => negotiateMls(a, b, 'pq-required'), DowngradeError, 'PQ_REQUIRED');
    expect(negotiateMls(a, b, 'pq-preferred')).toBe(RFC_1);
  });

  it('no MLS on the peer (or on our side): mlsSuite absent, NO_COMMON_SUITE from negotiateMls under every policy', () => {
    for (const policy of POLICIES) {
      expect(negotiate(I, NO_MLS, policy).mlsSuite).toBeUndefined();
      expect(negotiate(NO_MLS, I, policy).mlsSuite).toBeUndefined();
      const theirs = expectThrow<DowngradeError>(() => negotiateMls(I, NO_MLS, policy), DowngradeError, 'NO_COMMON_SUITE');
      expect(theirs.message).toContain('the peer does not support MLS');
      const ours = expectThrow<DowngradeError>(() => negotiateMls(NO_MLS, I, policy), DowngradeError, 'NO_COMMON_SUITE');
      expect(ours.message).toContain('we do not support MLS');
    }
    // Post-quantum suites on both sides but none in common: NO_COMMON_SUITE as well.
    const a = wire.encode(capabilities({ mlsSuites: [XWING] }));
    const b = wire.encode(capabilities({ mlsSuites: [MLKEM768] }));
    expectThrow(() => negotiateMls(a, b, 'classical-allowed'), DowngradeError, 'NO_COMMON_SUITE');
  });

  it("classical-allowed picks the initiator's first; pq-preferred a post-quantum one even when listed later", () => {
    const mine = capabilities({ mlsSuites: [RFC_3, MLKEM768, XWING] });
    const theirs = wire.encode(capabilities({ mlsSuites: [XWING, MLKEM768, RFC_3] }));
    expect(negotiate(mine, theirs, 'classical-allowed').mlsSuite).toBe(RFC_3);
    expect(negotiateMls(mine, theirs, 'classical-allowed')).toBe(RFC_3);
    expect(negotiateMls(mine, theirs, 'pq-preferred')).toBe(MLKEM768);
    expect(negotiateMls(mine, theirs, 'pq-required')).toBe(MLKEM768);
    // As responder, the peer's order decides.
    expect(negotiateMls(mine, theirs, { policy: 'classical-allowed', role: 'responder' })).toBe(XWING);
    expect(negotiate(mine, theirs, { policy: 'classical-allowed', role: 'responder' }).mlsSuite).toBe(XWING);
  });
});

describe('negotiateMls: events and options', () => {
  it('a refusal is a negotiation-refused event, as from negotiate', () => {
    const { events, listener } = recorder();
    const e = expectThrow(
      () => negotiateMls(I, ONLY_RFC_1, { policy: 'pq-required', peer: 'bob', tenant: 'acme', onSecurityEvent: listener }),
      DowngradeError,
      'PQ_REQUIRED',
    );
    expect(events).toHaveLength(1);
    const ev = events[0] as SecurityEvent;
    expect(ev).toMatchObject({ type: 'negotiation-refused', code: 'PQ_REQUIRED', message: e.message, peer: 'bob', tenant: 'acme', policy: 'pq-required', role: 'initiator' });
    expect('remote' in ev.offered).toBe(true);
    // Malformed peer bytes: the wire error, and an event without the remote offer.
    const malformed = recorder();
    expectThrow(() => negotiateMls(I, I.subarray(0, 9), { onSecurityEvent: malformed.listener }), WireFormatError, 'TRAILING_BYTES');
    expect(malformed.events.map((x) => [x.type, 'remote' in x.offered])).toStrictEqual([['negotiation-refused', false]]);
    // An agreement is no event (negotiate reports classical session suites, not MLS ones).
    const quiet = recorder();
    negotiateMls(I, ONLY_RFC_1, { policy: 'classical-allowed', onSecurityEvent: quiet.listener });
    expect(quiet.events).toHaveLength(0);
  });

  it('a Negotiator resolves the policy from its store and emits its events', () => {
    const negotiator = new Negotiator({ policies: new PolicyStore('pq-required').setPeerPolicy('legacy', 'classical-allowed') });
    const seen: SecurityEvent[] = [];
    negotiator.on('security', (e) => seen.push(e));
    expect(negotiator.negotiateMls(I, ONLY_RFC_1, { peer: 'legacy' })).toBe(RFC_1);
    expectThrow(() => negotiator.negotiateMls(I, ONLY_RFC_1, { peer: 'bob' }), DowngradeError, 'PQ_REQUIRED');
    expect(seen.map((e) => [e.type, e.code, e.peer])).toStrictEqual([['negotiation-refused', 'PQ_REQUIRED', 'bob']]);
  });

  it('checks its options as negotiate does', () => {
    expectThrow(() => negotiateMls(I, I, { peer: bad(7) }), InvalidTypeError, 'INVALID_TYPE');
    expect(() => negotiateMls(I, I, bad({ nope: 1 }))).toThrow(/unknown negotiate option/);
    expect(() => negotiateMls(I, I, { role: bad('bystander') })).toThrow(/role must be initiator or responder/);
  });
});

describe('sessions', () => {
  const T0 = 1_700_000_000;
  const statementCaps = (bundle: Uint8Array) => wire.decode(wire.decode(wire.decode(bundle, 'prekey-bundle').batch, 'prekey-batch').capabilities, 'capabilities');

  it('a default prekey bundle states no MLS (its size target); asked for, MLS rides along and the handshake works', async () => {
    const bob = createIdentity({ created: T0 - 10 });
    const plain = await createPrekeyBundle(bob, { prekeyStore: new InMemoryPrekeyStore(), now: T0 });
    expect(statementCaps(plain).mlsSuites).toBeUndefined();
    expect(statementCaps(plain).features).not.toContain('mls');
    // Other lists given, MLS still left out; features given say it themselves.
    const mine = await createPrekeyBundle(bob, { prekeyStore: new InMemoryPrekeyStore(), capabilities: { aeadSuites: ['AES-256-GCM'] }, now: T0 });
    expect(statementCaps(mine).mlsSuites).toBeUndefined();

    const withMls = { mlsSuites: [XWING, RFC_1] };
    const prekeyStore = new InMemoryPrekeyStore();
    const bundle = await createPrekeyBundle(bob, { prekeyStore, capabilities: withMls, now: T0 });
    expect(statementCaps(bundle).mlsSuites).toStrictEqual([XWING, RFC_1]);
    expect(statementCaps(bundle).features).toContain('mls');
    const alice = createIdentity({ created: T0 - 10 });
    const { initialMessage, session } = await initiateSession(bundle, { identity: alice, capabilities: withMls, now: T0 });
    const got = await acceptSession(initialMessage, { identity: bob, prekeyStore, capabilities: withMls, now: T0 });
    expect(got.session.id).toBe(session.id);
  });
});

