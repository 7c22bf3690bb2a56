import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  DowngradeError,
  InvalidArgumentError,
  InvalidTypeError,
  Negotiator,
  PolicyStore,
  UnknownSuiteError,
  UnsupportedError,
  WireFormatError,
  capabilities,
  negotiate,
  sha3_256,
  verifyTranscript,
  wire,
  type Negotiated,
  type Offer,
  type Policy,
  type SecurityEvent,
} from '../ts/src/index';
import { VERSION } from '../ts/src/wire';
import { NOT_BYTES, bad, expectThrow, hex, utf8 } from './helpers';
import { CAPS, CODE, concat, setField, u16, u32, u8 } from './wire-bytes';

const I_CAPS = capabilities();
const I = wire.encode(I_CAPS);
/** A responder that prefers other suites and lacks some: the initiator's order must still decide. */
const R_CAPS = capabilities({
  kexSuites: ['ML-KEM-1024', 'X25519+ML-KEM-768', 'X25519'],
  sigSuites: ['ML-DSA-87', 'Ed25519+ML-DSA-65', 'Ed25519'],
  aeadSuites: ['AES-256-GCM', 'ChaCha20-Poly1305'],
  features: ['hybrid-auth', 'channel-duplex', 9],
});
const R = wire.encode(R_CAPS);
const CLASSICAL = wire.encode(capabilities({ kexSuites: ['X25519'], sigSuites: ['Ed25519'] }));

const offerOf = (b: Uint8Array): Offer => {
  const c = wire.decode(b, 'capabilities');
  return { versions: c.versions, kexSuites: c.kexSuites, sigSuites: c.sigSuites, aeadSuites: c.aeadSuites };
};

/** A listener that records, and the events it saw. */
function recorder(): { events: SecurityEvent[]; listener: (e: SecurityEvent) => void } {
  const events: SecurityEvent[] = [];
  return { events, listener: (e) => events.push(e) };
}

/** The transcript hash computed independently: label, both encodings with u32 lengths, the choice. */
function expectedTranscript(initiator: Uint8Array, responder: Uint8Array, n: Negotiated, featureBits: number): Uint8Array {
  return sha3_256(
    concat(
      utf8('pqwire/v2 negotiation transcript'),
      u32(initiator.length),
      initiator,
      u32(responder.length),
      responder,
      u8(n.version),
      u16(CODE[n.kexSuite], CODE[n.sigSuite], CODE[n.aeadSuite]),
      u32(featureBits),
    ),
  );
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('negotiate: success paths', () => {
  it('default capabilities on both sides: X-Wing, Ed25519+ML-DSA-65, ChaCha20-Poly1305, MLS over X-Wing, the current version, no event', () => {
    const { events, listener } = recorder();
    const n = negotiate(capabilities(), capabilities(), { onSecurityEvent: listener });
    expect(n).toMatchObject({
      version: VERSION,
      kexSuite: 'X25519+ML-KEM-768',
      sigSuite: 'Ed25519+ML-DSA-65',
      aeadSuite: 'ChaCha20-Poly1305',
      features: ['hybrid-auth', 'kem-ratchet', 'channel-simplex', 'channel-duplex', 'mls'],
      mlsSuite: 'MLS_256_XWING_CHACHA20POLY1305_SHA256_Ed25519',
      classical: false,
      policy: { mode: 'pq-required', minVersion: VERSION },
      role: 'initiator',
    });
    expect(n.transcriptHash).toBeInstanceOf(Uint8Array);
    expect(n.transcriptHash.length).toBe(32);
    expect(hex(n.localCapabilities)).toBe(hex(I));
    expect(hex(n.remoteCapabilities)).toBe(hex(I));
    expect(events).toStrictEqual([]);
    // Objects and their encodings negotiate the same way.
    expect(negotiate(I, I)).toStrictEqual(n);
    expect(negotiate(capabilities(), I)).toStrictEqual(n);
  });

  it('the initiator order decides; features are those both offer', () => {
    const n = negotiate(I, R);
    expect([n.kexSuite, n.sigSuite, n.aeadSuite]).toStrictEqual(['X25519+ML-KEM-768', 'Ed25519+ML-DSA-65', 'ChaCha20-Poly1305']);
    expect(n.features).toStrictEqual(['hybrid-auth', 'channel-duplex']);
    // With the roles of the two offers swapped, R's order decides.
    const m = negotiate(R, I);
    expect([m.kexSuite, m.sigSuite, m.aeadSuite]).toStrictEqual(['ML-KEM-1024', 'ML-DSA-87', 'AES-256-GCM']);
  });

  it('initiator and responder compute the same transcript hash from the same two encodings', () => {
    const init = negotiate(I, R);
    const resp = negotiate(R, I, { role: 'responder' });
    expect(resp.role).toBe('responder');
    expect([resp.kexSuite, resp.sigSuite, resp.aeadSuite, resp.version]).toStrictEqual([init.kexSuite, init.sigSuite, init.aeadSuite, init.version]);
    expect(resp.features).toStrictEqual(init.features);
    expect(hex(resp.transcriptHash)).toBe(hex(init.transcriptHash));
    expect(hex(resp.localCapabilities)).toBe(hex(R));
    expect(hex(resp.remoteCapabilities)).toBe(hex(I));
    verifyTranscript(init, resp.transcriptHash);
    verifyTranscript(resp, init.transcriptHash);
    // The hash is SHA3-256 over the label, the initiator's bytes, the responder's bytes and the choice.
    expect(hex(init.transcriptHash)).toBe(hex(expectedTranscript(I, R, init, 0b1001)));
    // Swapping who initiated changes the hash even for the same two encodings.
    expect(hex(negotiate(R, I).transcriptHash)).not.toBe(hex(init.transcriptHash));
  });

  it('the two sides under different policies may choose differently: the transcript check catches it', () => {
    // The initiator lists X25519 first; a classical-allowed initiator takes it, a pq-preferred responder does not.
    const classicalFirst = wire.encode(capabilities({ kexSuites: ['X25519', 'X25519+ML-KEM-768'] }));
    const { events, listener } = recorder();
    const init = negotiate(classicalFirst, I, { policy: 'classical-allowed', onSecurityEvent: listener });
    const resp = negotiate(I, classicalFirst, { policy: 'pq-preferred', role: 'responder', onSecurityEvent: listener });
    expect([init.kexSuite, resp.kexSuite]).toStrictEqual(['X25519', 'X25519+ML-KEM-768']);
    expect(events.map((e) => [e.type, e.role])).toStrictEqual([['classical-accepted', 'initiator']]);
    expectThrow(() => verifyTranscript(init, resp.transcriptHash), DowngradeError, 'TRANSCRIPT_MISMATCH');
    expectThrow(() => verifyTranscript(resp, init.transcriptHash), DowngradeError, 'TRANSCRIPT_MISMATCH');
    // Under the same policy they agree.
    const resp2 = negotiate(I, classicalFirst, { policy: 'classical-allowed', role: 'responder' });
    expect(hex(resp2.transcriptHash)).toBe(hex(init.transcriptHash));
  });

  it('the transcript hash is deterministic and covers the exact bytes', () => {
    expect(hex(negotiate(I, R).transcriptHash)).toBe(hex(negotiate(I, R).transcriptHash));
    const withExtension = wire.encode({ ...R_CAPS, extensions: [{ tag: 0xf000, value: u8(1) }] });
    const n = negotiate(I, withExtension);
    expect(n.kexSuite).toBe('X25519+ML-KEM-768');
    expect(hex(n.transcriptHash)).not.toBe(hex(negotiate(I, R).transcriptHash));
  });

  it('policy as a name, as a policy object and inside options give the same result', () => {
    const forms: unknown[] = ['pq-preferred', { mode: 'pq-preferred' }, { mode: 'pq-preferred', minVersion: VERSION }, { policy: 'pq-preferred' }, { policy: { mode: 'pq-preferred', minVersion: VERSION } }];
    const results = forms.map((p) => negotiate(I, CLASSICAL, bad(p)));
    for (const r of results) {
      expect(r.policy).toStrictEqual({ mode: 'pq-preferred', minVersion: VERSION });
      expect(r).toStrictEqual(results[0]);
    }
    expect(results[0]?.kexSuite).toBe('X25519');
    // pq-required is the default.
    expectThrow(() => negotiate(I, CLASSICAL), DowngradeError, 'PQ_REQUIRED');
    expectThrow(() => negotiate(I, CLASSICAL, {}), DowngradeError, 'PQ_REQUIRED');
  });

  it('minVersion: above the agreed version is VERSION_ROLLBACK; 0 is allowed', () => {
    expectThrow(() => negotiate(I, I, { mode: 'pq-required', minVersion: VERSION + 1 }), DowngradeError, 'VERSION_ROLLBACK');
    expect(negotiate(I, I, { mode: 'pq-required', minVersion: 0 }).policy).toStrictEqual({ mode: 'pq-required', minVersion: 0 });
  });

  it('the peer may offer versions this library does not know, as long as one is common', () => {
    expect(negotiate(I, wire.encode(capabilities({ versions: [9, VERSION] }))).version).toBe(VERSION);
    expectThrow(() => negotiate(I, wire.encode(capabilities({ versions: [9] }))), DowngradeError, 'NO_COMMON_VERSION');
    expectThrow(() => negotiate(I, wire.encode(capabilities({ versions: [0] }))), DowngradeError, 'VERSION_ROLLBACK');
  });

  it('no common suite of a role: NO_COMMON_SUITE, whatever the policy', () => {
    for (const mode of ['pq-required', 'pq-preferred', 'classical-allowed'] as const) {
      expectThrow(() => negotiate(I, wire.encode(capabilities({ aeadSuites: [0x9999] })), mode), DowngradeError, 'NO_COMMON_SUITE');
      expectThrow(() => negotiate(I, wire.encode(capabilities({ kexSuites: [0x647f] })), mode), DowngradeError, 'NO_COMMON_SUITE');
      expectThrow(() => negotiate(I, wire.encode(capabilities({ sigSuites: [0x0807 + 1] })), mode), DowngradeError, 'NO_COMMON_SUITE');
    }
  });

  it('our own capabilities naming a version this library cannot speak: UnsupportedError', () => {
    expectThrow(() => negotiate(capabilities({ versions: [VERSION, VERSION + 1] }), I), UnsupportedError, 'UNSUPPORTED');
  });

  it('our own malformed capability bytes: WireFormatError', () => {
    expectThrow(() => negotiate(I.subarray(0, 10), I), WireFormatError, 'TRUNCATED');
    expectThrow(() => negotiate(wire.encode({ type: 'envelope', contentType: 1, payload: u8() }), I), WireFormatError, 'UNEXPECTED_TYPE');
  });

  it('refuses bad arguments with typed errors', () => {
    expectThrow(() => negotiate(I, I, bad('pq-maybe')), InvalidArgumentError, 'INVALID_ARGUMENT');
    expectThrow(() => negotiate(I, I, bad(42)), InvalidTypeError, 'INVALID_TYPE');
    expectThrow(() => negotiate(I, I, bad(null)), InvalidTypeError, 'INVALID_TYPE');
    expectThrow(() => negotiate(I, I, bad({ mode: 'pq-required', strict: true })), InvalidArgumentError, 'INVALID_ARGUMENT');
    for (const minVersion of [256, -1, 1.5, '1']) expectThrow(() => negotiate(I, I, bad({ mode: 'pq-required', minVersion })), InvalidArgumentError, 'INVALID_ARGUMENT');
    expectThrow(() => negotiate(I, I, bad({ role: 'observer' })), InvalidArgumentError, 'INVALID_ARGUMENT');
    expectThrow(() => negotiate(I, I, bad({ peer: 42 })), InvalidTypeError, 'INVALID_TYPE');
    expectThrow(() => negotiate(I, I, bad({ tenant: {} })), InvalidTypeError, 'INVALID_TYPE');
    expectThrow(() => negotiate(I, I, bad({ onSecurityEvent: 'log' })), InvalidTypeError, 'INVALID_TYPE');
    expectThrow(() => negotiate(I, I, bad({ policies: { resolve: () => ({ mode: 'classical-allowed' }) } })), InvalidTypeError, 'INVALID_TYPE');
    expectThrow(() => negotiate(bad('caps'), I), InvalidTypeError, 'INVALID_TYPE');
    expectThrow(() => negotiate(capabilities({ kexSuites: [bad('Kyber9000')] }), I), UnknownSuiteError, 'UNKNOWN_SUITE');
  });

  it('unknown option names are refused, naming the option, with no event', () => {
    const { events, listener } = recorder();
    const e = expectThrow(() => negotiate(I, CLASSICAL, bad({ polcy: 'classical-allowed', onSecurityEvent: listener })), InvalidArgumentError, 'INVALID_ARGUMENT');
    expect(e.message).toContain('"polcy"');
    const negotiator = new Negotiator({ onSecurityEvent: listener });
    expect(expectThrow(() => negotiator.negotiate(I, CLASSICAL, bad({ teant: 'acme' })), InvalidArgumentError, 'INVALID_ARGUMENT').message).toContain('"teant"');
    expect(events).toStrictEqual([]);
  });
});

describe('PolicyStore', () => {
  const DEFAULT: Required<Policy> = { mode: 'pq-required', minVersion: VERSION };
  const TENANT: Required<Policy> = { mode: 'pq-preferred', minVersion: VERSION };
  const PEER_ANY: Required<Policy> = { mode: 'classical-allowed', minVersion: VERSION };
  const PEER_IN_TENANT: Required<Policy> = { mode: 'classical-allowed', minVersion: 0 };
  const store = (): PolicyStore =>
    new PolicyStore(DEFAULT).setTenantPolicy('acme', TENANT).setPeerPolicy('bob', PEER_ANY).setPeerPolicy('bob', PEER_IN_TENANT, { tenant: 'acme' }).setPeerPolicy('dave', 'pq-preferred', { tenant: 'acme' });

  it('defaults to pq-required at the current wire version', () => {
    expect(new PolicyStore().resolve()).toStrictEqual(DEFAULT);
    expect(new PolicyStore('classical-allowed').resolve({ tenant: 'x', peer: 'y' })).toStrictEqual({ mode: 'classical-allowed', minVersion: VERSION });
  });

  it.each([
    ['the peer within the tenant', { tenant: 'acme', peer: 'bob' }, PEER_IN_TENANT],
    ['the peer in any tenant (another tenant)', { tenant: 'other', peer: 'bob' }, PEER_ANY],
    ['the peer in any tenant (no tenant)', { peer: 'bob' }, PEER_ANY],
    ['the tenant (peer without a policy)', { tenant: 'acme', peer: 'carol' }, TENANT],
    ['the tenant (no peer)', { tenant: 'acme' }, TENANT],
    ['the default (nothing matches)', { tenant: 'other', peer: 'carol' }, DEFAULT],
    ['the default (empty scope)', {}, DEFAULT],
    ['a peer set only within a tenant does not apply outside it', { peer: 'dave' }, DEFAULT],
    ['... nor in another tenant', { tenant: 'other', peer: 'dave' }, DEFAULT],
    ['... and applies within it', { tenant: 'acme', peer: 'dave' }, { mode: 'pq-preferred', minVersion: VERSION }],
    ['tenant "null" is not "no tenant"', { tenant: 'null', peer: 'dave' }, DEFAULT],
  ] as const)('resolves %s', (_label, scope, expected) => {
    expect(store().resolve(scope)).toStrictEqual(expected);
  });

  it('deleting policies falls back one level at a time', () => {
    const s = store();
    const scope = { tenant: 'acme', peer: 'bob' };
    expect(s.resolve(scope)).toStrictEqual(PEER_IN_TENANT);
    expect(s.deletePeerPolicy('bob', { tenant: 'acme' })).toBe(true);
    expect(s.resolve(scope)).toStrictEqual(PEER_ANY);
    expect(s.deletePeerPolicy('bob')).toBe(true);
    expect(s.resolve(scope)).toStrictEqual(TENANT);
    expect(s.deleteTenantPolicy('acme')).toBe(true);
    expect(s.resolve(scope)).toStrictEqual(DEFAULT);
    expect(s.deletePeerPolicy('bob')).toBe(false);
    expect(s.deleteTenantPolicy('acme')).toBe(false);
    expect(s.deletePeerPolicy('dave')).toBe(false); // only set within acme
    expect(s.setDefault('pq-preferred').resolve(scope)).toStrictEqual({ mode: 'pq-preferred', minVersion: VERSION });
  });

  it('resolve returns a copy; a policy name is completed', () => {
    const s = new PolicyStore('pq-preferred');
    const p = s.resolve();
    p.mode = 'classical-allowed';
    expect(s.resolve()).toStrictEqual({ mode: 'pq-preferred', minVersion: VERSION });
  });

  it('bad inputs are typed errors and leave the store unchanged', () => {
    const s = store();
    expectThrow(() => new PolicyStore(bad('pq-maybe')), InvalidArgumentError, 'INVALID_ARGUMENT');
    expectThrow(() => new PolicyStore(bad(42)), InvalidTypeError, 'INVALID_TYPE');
    expectThrow(() => new PolicyStore(bad({ mode: 'pq-required', minVersion: 300 })), InvalidArgumentError, 'INVALID_ARGUMENT');
    expectThrow(() => new PolicyStore(bad({ mode: 'pq-required', extra: 1 })), InvalidArgumentError, 'INVALID_ARGUMENT');
    expectThrow(() => s.setDefault(bad(null)), InvalidTypeError, 'INVALID_TYPE');
    expectThrow(() => s.setTenantPolicy(bad(42), 'pq-required'), InvalidTypeError, 'INVALID_TYPE');
    expectThrow(() => s.setTenantPolicy('acme', bad('none')), InvalidArgumentError, 'INVALID_ARGUMENT');
    expectThrow(() => s.setPeerPolicy(bad(null), 'pq-required'), InvalidTypeError, 'INVALID_TYPE');
    expectThrow(() => s.setPeerPolicy('bob', bad({ mode: 'classical-allowed', minVersion: -1 })), InvalidArgumentError, 'INVALID_ARGUMENT');
    expectThrow(() => s.setPeerPolicy('bob', 'pq-required', bad({ tenant: 5 })), InvalidTypeError, 'INVALID_TYPE');
    expectThrow(() => s.deleteTenantPolicy(bad(5)), InvalidTypeError, 'INVALID_TYPE');
    expectThrow(() => s.deletePeerPolicy('bob', bad({ tenant: [] })), InvalidTypeError, 'INVALID_TYPE');
    expectThrow(() => s.resolve(bad({ peer: 5 })), InvalidTypeError, 'INVALID_TYPE');
    expectThrow(() => s.resolve(bad({ tenant: 5 })), InvalidTypeError, 'INVALID_TYPE');
    expect(s.resolve({ tenant: 'acme', peer: 'bob' })).toStrictEqual(PEER_IN_TENANT);
    expect(s.resolve({ tenant: 'acme' })).toStrictEqual(TENANT);
    expect(s.resolve()).toStrictEqual(DEFAULT);
  });

  it('negotiate resolves the policy from the store by tenant and peer; an explicit policy wins', () => {
    const s = store();
    expect(negotiate(I, CLASSICAL, { policies: s, tenant: 'acme', peer: 'bob' }).policy).toStrictEqual(PEER_IN_TENANT);
    expect(negotiate(I, CLASSICAL, { policies: s, peer: 'bob' }).kexSuite).toBe('X25519');
    expect(negotiate(I, CLASSICAL, { policies: s, tenant: 'acme' }).policy).toStrictEqual(TENANT);
    expectThrow(() => negotiate(I, CLASSICAL, { policies: s, tenant: 'other', peer: 'carol' }), DowngradeError, 'PQ_REQUIRED');
    expectThrow(() => negotiate(I, CLASSICAL, { policies: s, tenant: 'acme', peer: 'bob', policy: 'pq-required' }), DowngradeError, 'PQ_REQUIRED');
    expectThrow(() => negotiate(I, I, { policies: s, peer: bad(7) }), InvalidTypeError, 'INVALID_TYPE');
  });
});

describe('security events', () => {
  it('a refusal: negotiation-refused with code, message, peer, tenant, policy, role, both offers and time', () => {
    const { events, listener } = recorder();
    const before = Date.now();
    const e = expectThrow(() => negotiate(I, CLASSICAL, { policy: 'pq-required', peer: 'bob', tenant: 'acme', onSecurityEvent: listener }), DowngradeError, 'PQ_REQUIRED');
    const after = Date.now();
    expect(events).toHaveLength(1);
    const ev = events[0] as SecurityEvent;
    expect(ev).toStrictEqual({
      type: 'negotiation-refused',
      code: 'PQ_REQUIRED',
      message: e.message,
      peer: 'bob',
      tenant: 'acme',
      policy: 'pq-required',
      role: 'initiator',
      offered: { local: offerOf(I), remote: offerOf(CLASSICAL) },
      time: ev.time,
    });
    expect(ev.time).toBeGreaterThanOrEqual(before);
    expect(ev.time).toBeLessThanOrEqual(after);
    expect(ev.message).toContain('X25519');
  });

  it('classical-accepted carries the choice and no code; nothing is reported for a post-quantum agreement', () => {
    const { events, listener } = recorder();
    const n = negotiate(I, CLASSICAL, { policy: 'classical-allowed', peer: 'legacy', onSecurityEvent: listener });
    expect(n.classical).toBe(true);
    expect(events).toHaveLength(1);
    const ev = events[0] as SecurityEvent;
    expect(ev.type).toBe('classical-accepted');
    expect('code' in ev).toBe(false);
    expect(ev.chosen).toStrictEqual({ version: VERSION, kexSuite: 'X25519', sigSuite: 'Ed25519', aeadSuite: 'ChaCha20-Poly1305' });
    expect(ev).toMatchObject({ peer: 'legacy', policy: 'classical-allowed', role: 'initiator', offered: { local: offerOf(I), remote: offerOf(CLASSICAL) } });
    expect('tenant' in ev).toBe(false);
    expect(ev.message).toContain('X25519');
    expect(ev.message).toContain('Ed25519');
    negotiate(I, R, { policy: 'classical-allowed', onSecurityEvent: listener });
    expect(events).toHaveLength(1);
  });

  it('a classical signature suite alone is classical too', () => {
    const { events, listener } = recorder();
    const n = negotiate(I, wire.encode(capabilities({ sigSuites: ['Ed25519'] })), { policy: 'pq-preferred', onSecurityEvent: listener });
    expect([n.kexSuite, n.sigSuite, n.classical]).toStrictEqual(['X25519+ML-KEM-768', 'Ed25519', true]);
    expect(events.map((e) => [e.type, e.chosen?.sigSuite])).toStrictEqual([['classical-accepted', 'Ed25519']]);
  });

  it('the responder role is reported as such', () => {
    const { events, listener } = recorder();
    expectThrow(() => negotiate(I, CLASSICAL, { role: 'responder', onSecurityEvent: listener }), DowngradeError, 'PQ_REQUIRED');
    expect(events.map((e) => [e.type, e.code, e.role])).toStrictEqual([['negotiation-refused', 'PQ_REQUIRED', 'responder']]);
  });

  it('Negotiator: the constructor callback, the per-call callback and "security" listeners all get the same event, in that order', () => {
    const order: string[] = [];
    const seen: SecurityEvent[] = [];
    const negotiator = new Negotiator({
      policies: new PolicyStore('pq-required').setPeerPolicy('legacy', 'pq-preferred'),
      onSecurityEvent: (e) => (order.push('constructor'), seen.push(e)),
    });
    negotiator.on('security', (e) => (order.push('emitter'), seen.push(e)));
    expectThrow(() => negotiator.negotiate(I, CLASSICAL, { peer: 'bob', tenant: 't', onSecurityEvent: (e) => (order.push('call'), seen.push(e)) }), DowngradeError, 'PQ_REQUIRED');
    expect(order).toStrictEqual(['constructor', 'call', 'emitter']);
    expect(seen[0]).toMatchObject({ type: 'negotiation-refused', code: 'PQ_REQUIRED', peer: 'bob', tenant: 't', policy: 'pq-required' });
    expect(seen[1]).toBe(seen[0]);
    expect(seen[2]).toBe(seen[0]);

    order.length = 0;
    const n = negotiator.negotiate(I, CLASSICAL, { peer: 'legacy' });
    expect(n.policy.mode).toBe('pq-preferred');
    expect(order).toStrictEqual(['constructor', 'emitter']);
    expect(seen.at(-1)).toMatchObject({ type: 'classical-accepted', peer: 'legacy', policy: 'pq-preferred', chosen: { kexSuite: 'X25519', sigSuite: 'Ed25519' } });
  });

  it('Negotiator defaults to pq-required and refuses bad construction options', () => {
    const negotiator = new Negotiator();
    expect(negotiator.policies.resolve()).toStrictEqual({ mode: 'pq-required', minVersion: VERSION });
    const events: SecurityEvent[] = [];
    negotiator.on('security', (e) => events.push(e));
    expectThrow(() => negotiator.negotiate(I, CLASSICAL), DowngradeError, 'PQ_REQUIRED');
    expect(events).toHaveLength(1);
    expectThrow(() => new Negotiator(bad({ policies: 'pq-preferred' })), InvalidTypeError, 'INVALID_TYPE');
    expectThrow(() => new Negotiator(bad({ onSecurityEvent: 1 })), InvalidTypeError, 'INVALID_TYPE');
    expectThrow(() => new Negotiator(bad(null)), InvalidTypeError, 'INVALID_TYPE');
  });

  it('a throwing listener does not hide the DowngradeError: it becomes a process warning, and later listeners still run', () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const { events, listener } = recorder();
    const negotiator = new Negotiator({
      onSecurityEvent: () => {
        throw new Error('alert pipeline down');
      },
    });
    negotiator.on('security', () => {
      throw new Error('emitter listener broke');
    });
    const e = expectThrow(() => negotiator.negotiate(I, CLASSICAL, { onSecurityEvent: listener }), DowngradeError, 'PQ_REQUIRED');
    expect(e.message).not.toContain('alert pipeline');
    expect(events).toHaveLength(1);
    expect(warn).toHaveBeenCalledTimes(2);
    expect(warn.mock.calls[0]).toStrictEqual(['pqwire security-event listener threw: alert pipeline down', 'PqwireWarning']);
    expect(warn.mock.calls[1]).toStrictEqual(['pqwire security-event listener threw: emitter listener broke', 'PqwireWarning']);

    // On success a throwing listener does not turn the agreement into a failure either.
    warn.mockClear();
    const n = negotiate(I, CLASSICAL, {
      policy: 'classical-allowed',
      onSecurityEvent: () => {
        throw 'a string';
      },
    });
    expect(n.kexSuite).toBe('X25519');
    expect(warn).toHaveBeenCalledWith('pqwire security-event listener threw: a string', 'PqwireWarning');
  });

  it('malformed remote bytes: WireFormatError and a negotiation-refused event with its code and no remote offer', () => {
    const cases: ReadonlyArray<readonly [Uint8Array, string]> = [
      [I.subarray(0, I.length - 1), 'TRUNCATED'],
      [concat(I, [0]), 'TRAILING_BYTES'],
      [setField(I, CAPS.kexSuites, u16(0x647a, 0x647a)), 'DUPLICATE_ENTRY'],
      [wire.encode({ type: 'envelope', contentType: 1, payload: u8() }), 'UNEXPECTED_TYPE'],
      [new Uint8Array(0), 'TRUNCATED'],
      [utf8('{"kexSuites":["X25519"]}'), 'BAD_MAGIC'],
    ];
    for (const [remote, code] of cases) {
      const { events, listener } = recorder();
      const e = expectThrow(() => negotiate(I, remote, { peer: 'mallory', onSecurityEvent: listener }), WireFormatError, bad(code));
      expect(events).toHaveLength(1);
      const ev = events[0] as SecurityEvent;
      expect(ev).toMatchObject({ type: 'negotiation-refused', code, message: e.message, peer: 'mallory', policy: 'pq-required', role: 'initiator' });
      expect(ev.offered.local).toStrictEqual(offerOf(I));
      expect('remote' in ev.offered).toBe(false);
    }
  });

  it('remote capabilities given as an object with an unknown suite name: UnknownSuiteError, reported without a remote offer', () => {
    const { events, listener } = recorder();
    expectThrow(() => negotiate(I, { kexSuites: [bad('Kyber9000')] }, { onSecurityEvent: listener }), UnknownSuiteError, 'UNKNOWN_SUITE');
    expect(events.map((e) => [e.type, e.code, 'remote' in e.offered])).toStrictEqual([['negotiation-refused', 'UNKNOWN_SUITE', false]]);
  });
});

describe('verifyTranscript', () => {
  const init = negotiate(I, R, { policy: 'pq-preferred' });
  const resp = negotiate(R, I, { policy: 'pq-preferred', role: 'responder' });

  it('passes on equal hashes (also as a Buffer)', () => {
    expect(() => verifyTranscript(init, resp.transcriptHash)).not.toThrow();
    expect(() => verifyTranscript(resp, Buffer.from(init.transcriptHash))).not.toThrow();
  });

  it('a different hash: DowngradeError TRANSCRIPT_MISMATCH and a negotiation-refused event with both offers', () => {
    const { events, listener } = recorder();
    for (const other of [Uint8Array.from(init.transcriptHash).map((x, i) => (i === 31 ? x ^ 1 : x)), new Uint8Array(32), init.transcriptHash.subarray(0, 31), new Uint8Array(0), concat(init.transcriptHash, [0])]) {
      expectThrow(() => verifyTranscript(init, other, { peer: 'bob', tenant: 'acme', onSecurityEvent: listener }), DowngradeError, 'TRANSCRIPT_MISMATCH');
    }
    expect(events).toHaveLength(5);
    const ev = events[0] as SecurityEvent;
    expect(ev).toMatchObject({ type: 'negotiation-refused', code: 'TRANSCRIPT_MISMATCH', peer: 'bob', tenant: 'acme', policy: 'pq-preferred', role: 'initiator' });
    expect(ev.offered).toStrictEqual({ local: offerOf(I), remote: offerOf(R) });
    expect(typeof ev.time).toBe('number');
  });

  it('Negotiator.verifyTranscript emits "security" too', () => {
    const negotiator = new Negotiator();
    const events: SecurityEvent[] = [];
    negotiator.on('security', (e) => events.push(e));
    negotiator.verifyTranscript(resp, init.transcriptHash);
    expect(events).toHaveLength(0);
    expectThrow(() => negotiator.verifyTranscript(resp, new Uint8Array(32)), DowngradeError, 'TRANSCRIPT_MISMATCH');
    expect(events.map((e) => [e.type, e.code, e.role])).toStrictEqual([['negotiation-refused', 'TRANSCRIPT_MISMATCH', 'responder']]);
  });

  it('refuses non-bytes and things that are not a negotiation result with typed errors', () => {
    for (const [, v] of NOT_BYTES) expectThrow(() => verifyTranscript(init, bad(v)), InvalidTypeError, 'INVALID_TYPE');
    for (const n of [null, {}, 'x', { ...init, policy: undefined }, { ...init, localCapabilities: 'x' }]) {
      expectThrow(() => verifyTranscript(bad(n), init.transcriptHash), InvalidTypeError, 'INVALID_TYPE');
    }
    expectThrow(() => verifyTranscript(bad({ ...init, role: 'observer' }), init.transcriptHash), InvalidArgumentError, 'INVALID_ARGUMENT');
    expectThrow(() => verifyTranscript(init, init.transcriptHash, bad({ onSecurityEvent: 'x' })), InvalidTypeError, 'INVALID_TYPE');
  });
});
