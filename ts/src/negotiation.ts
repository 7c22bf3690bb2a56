/**
 * Suite negotiation that never falls back silently. Each side publishes capabilities;
 * the initiator's order decides, the policy filters, and the result carries a
 * transcript hash over both capability encodings that the handshake and the channel
 * bind into their keys and signatures. Refusals throw {@link DowngradeError}; every
 * refusal and every accepted classical-only choice is reported as a security event.
 *
 * @example
 * ```ts
 * import { capabilities, negotiate, wire } from 'pqwire';
 * const mine = capabilities({ kexSuites: ['X25519+ML-KEM-768', 'ML-KEM-1024'] });
 * const theirs = wire.encode(capabilities());                 // what the peer sent
 * const agreed = negotiate(mine, theirs, {
 *   policy: 'pq-required',
 *   peer: 'alice@example.org',
 *   onSecurityEvent: (e) => console.warn(e.type, e.code, e.message),
 * });
 * agreed.kexSuite;        // 'X25519+ML-KEM-768'
 * agreed.mlsSuite;        // 'MLS_256_XWING_CHACHA20POLY1305_SHA256_Ed25519' (both offer MLS)
 * agreed.transcriptHash;  // 32 bytes to bind into the handshake
 * ```
 */
import { EventEmitter } from 'node:events';
import native from './native';
import type { NativeAgreement } from './native';
import { fromNative, PqwireError } from './errors';
import { bytes as requireBytes, describe } from './bytes';
import { makeError } from './errors';
import { decode, encode, VERSION } from './wire';
import type { CapabilitiesMessage, FeatureName } from './wire';
import { normalizePolicy, PolicyStore } from './policy';
import type { Policy, PolicyInput } from './policy';
import { deliver } from './security-events';
import type { Choice, Offer, SecurityEvent, SecurityEventListener } from './security-events';
import type { AeadSuiteInput, AeadSuiteName, KemSuiteInput, KemSuiteName, SigSuiteInput, SigSuiteName } from './suites';
import type { MlsSuiteName } from './groups';

/**
 * Capabilities as given by the application: any list left out gets pqwire's default.
 * Suite lists also take legacy alias names (for example `X25519+Kyber768`), as `kem()` does.
 * `mlsSuites: []` offers no MLS (no list, no `mls` feature).
 *
 * @example
 * ```ts
 * const input: CapabilitiesInput = { kexSuites: ['X25519+Kyber768'], mlsSuites: [] };
 * capabilities(input).features.includes('mls'); // false
 * ```
 */
export type CapabilitiesInput = Partial<Omit<CapabilitiesMessage, 'type' | 'kexSuites' | 'sigSuites' | 'aeadSuites'>> & {
  type?: 'capabilities';
  kexSuites?: (KemSuiteInput | number)[];
  sigSuites?: (SigSuiteInput | number)[];
  aeadSuites?: (AeadSuiteInput | number)[];
};

/**
 * Every feature flag of wire version 2, by bit: `hybrid-auth` (0), `kem-ratchet` (1),
 * `channel-simplex` (2), `channel-duplex` (3), `mls` (4, "supports MLS": the party has MLS
 * groups and lists their suites in `mlsSuites`).
 *
 * @example
 * ```ts
 * FEATURES.indexOf('mls'); // 4, its bit
 * ```
 */
export const FEATURES: readonly FeatureName[] = ['hybrid-auth', 'kem-ratchet', 'channel-simplex', 'channel-duplex', 'mls'];

/** The `mls` feature, by name or bit number. */
const hasMls = (features: readonly (FeatureName | number)[]): boolean => features.includes('mls') || features.includes(4);

/**
 * A capabilities message: what pqwire offers (every suite, post-quantum first, wire
 * version 2, every feature, and MLS groups with every MLS suite, X-Wing first), with the
 * lists in `overrides` replacing the defaults. Legacy suite names such as
 * `X25519+Kyber768` are accepted and become standard names when encoded.
 *
 * The `mls` feature and `mlsSuites` go together (the wire format refuses one without
 * the other), so their defaults follow each other: `mlsSuites: []` offers no MLS and
 * leaves `mls` out of the default features, and `features` given without `mls` leaves the
 * MLS suites out. Both given and at odds (`mls` without suites, or suites without `mls`)
 * is for `wire.encode` to refuse.
 *
 * @example
 * ```ts
 * capabilities().mlsSuites?.[0];                          // 'MLS_256_XWING_CHACHA20POLY1305_SHA256_Ed25519'
 * capabilities({ mlsSuites: [] }).mlsSuites;              // undefined: no MLS, no 'mls' feature
 * capabilities({ features: ['hybrid-auth'] }).mlsSuites;  // undefined: the features say no MLS
 * capabilities({ mlsSuites: ['MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519'] }).features; // every feature, 'mls' too
 * ```
 */
export function capabilities(overrides: CapabilitiesInput = {}): CapabilitiesMessage {
  if (typeof overrides !== 'object' || overrides === null) {
    throw makeError('INVALID_TYPE', `capabilities must be an object, got ${describe(overrides)}`);
  }
  // A list given as `undefined` is a list left out: it keeps its default.
  const given: CapabilitiesInput = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  const { features: givenFeatures, mlsSuites: givenMls, ...rest } = given;
  const noMls = Array.isArray(givenMls) && givenMls.length === 0;
  const features = givenFeatures ?? FEATURES.filter((f) => f !== 'mls' || !noMls);
  let mlsSuites = givenMls;
  if (noMls) mlsSuites = undefined;
  else if (mlsSuites === undefined && (!Array.isArray(features) || hasMls(features))) {
    mlsSuites = native.mlsSuiteNames() as MlsSuiteName[];
  }
  return {
    type: 'capabilities',
    versions: [VERSION],
    kexSuites: native.kemSuiteNames() as KemSuiteName[],
    sigSuites: native.sigSuiteNames() as SigSuiteName[],
    aeadSuites: native.aeadSuiteNames() as AeadSuiteName[],
    extensions: [],
    ...rest,
    features,
    ...(mlsSuites === undefined ? {} : { mlsSuites }),
  } as CapabilitiesMessage;
}

/**
 * The capabilities of a one-to-one session (a prekey batch, a handshake) or a channel:
 * `capabilities(input)` without MLS unless `input` asks for it (gives `mlsSuites`, or
 * `features`). A bundle carries its owner's capabilities and the first message the
 * initiator's, and the MLS suites would add 32 bytes to each, taking the default bundle
 * over its 7,500-byte target (docs/protocol.md §3.4); neither a session nor a channel uses
 * them (a channel given no capabilities offers the core's default, which has no MLS
 * either). The batch and the responder must use the same capabilities, so both take
 * these defaults.
 * @internal For prekeys.ts, session-options.ts and channel/options.ts.
 */
export function sessionCapabilities(input: CapabilitiesInput = {}): CapabilitiesMessage {
  if (typeof input === 'object' && input !== null && input.mlsSuites === undefined && input.features === undefined) {
    return capabilities({ ...input, mlsSuites: [] });
  }
  return capabilities(input);
}

/** The options of a negotiation. */
export interface NegotiateOptions {
  /** The policy; when omitted it comes from `policies` (or is `pq-required`). */
  policy?: PolicyInput;
  /** Where to look the policy up by `tenant` and `peer`. */
  policies?: PolicyStore;
  /** Our side: the initiator's order decides. Default `initiator`. */
  role?: 'initiator' | 'responder';
  /** Who the peer is (for the policy lookup and the events). */
  peer?: string;
  /** Which tenant this is for (for the policy lookup and the events). */
  tenant?: string;
  /** Called with every security event of this negotiation. */
  onSecurityEvent?: SecurityEventListener;
}

/** The outcome of a negotiation. */
export interface Negotiated extends Choice {
  /** Features both sides offer. */
  features: (FeatureName | number)[];
  /** Whether the key exchange or the signature suite is classical-only (the MLS suite does not count). */
  classical: boolean;
  /**
   * The MLS cipher suite for groups with this peer: the first in the initiator's
   * `mlsSuites` that the other side also offers and the policy allows (`pq-required`:
   * post-quantum ones only). Absent when a side does not offer MLS or nothing allowed is
   * common: MLS never makes `negotiate` fail ({@link negotiateMls} refuses instead).
   *
   * @example
   * ```ts
   * const { mlsSuite } = negotiate(capabilities(), peerBytes);
   * if (mlsSuite) await GroupMember.create({ id, suite: mlsSuite, identity, name, store });
   * ```
   */
  mlsSuite?: MlsSuiteName;
  /** SHA3-256 over both capability encodings and the choice: bind it into the handshake. */
  transcriptHash: Uint8Array;
  /** The policy that was applied. */
  policy: Required<Policy>;
  role: 'initiator' | 'responder';
  /** Our capabilities, as encoded (hashed into the transcript). */
  localCapabilities: Uint8Array;
  /** The peer's capabilities, as received (hashed into the transcript). */
  remoteCapabilities: Uint8Array;
}

const DEFAULT_STORE = new PolicyStore('pq-required');

/**
 * Negotiates version and suites between our capabilities and the peer's. `policy` may
 * be a policy name, a policy, or the full options.
 * @throws {DowngradeError} `NO_COMMON_SUITE`, `NO_COMMON_VERSION`, `PQ_REQUIRED`, `VERSION_ROLLBACK`.
 * @throws {WireFormatError} when the peer's capability bytes break the wire format.
 */
export function negotiate(
  local: CapabilitiesInput | Uint8Array,
  remote: CapabilitiesInput | Uint8Array,
  policy?: PolicyInput | NegotiateOptions,
): Negotiated {
  const options = toOptions(policy);
  return run(local, remote, options, [options.onSecurityEvent]);
}

/**
 * Negotiates the MLS cipher suite for groups with a peer, strictly: the suite
 * `negotiate(...).mlsSuite` would be, or a refusal saying why there is none. Arguments
 * and options are `negotiate`'s (the initiator's order decides; only the policy's mode
 * applies). A refusal is reported as a `negotiation-refused` security event, as
 * `negotiate` reports its own.
 * @throws {DowngradeError} `NO_COMMON_SUITE` (also when a side does not support MLS) or
 *   `PQ_REQUIRED` (policy `pq-required` and only classical MLS suites in common, or a side
 *   offering only classical ones).
 * @throws {WireFormatError} when the peer's capability bytes break the wire format.
 *
 * @example
 * ```ts
 * import { capabilities, negotiateMls, DowngradeError } from 'pqwire';
 * try {
 *   const suite = negotiateMls(capabilities(), peerBytes, { policy: 'pq-required', peer: 'bob' });
 *   // suite: 'MLS_256_XWING_CHACHA20POLY1305_SHA256_Ed25519' with a default peer
 * } catch (e) {
 *   if (e instanceof DowngradeError && e.code === 'PQ_REQUIRED') {
 *     // the peer offers only RFC 9420's classical MLS suites
 *   }
 * }
 * ```
 */
export function negotiateMls(
  local: CapabilitiesInput | Uint8Array,
  remote: CapabilitiesInput | Uint8Array,
  policy?: PolicyInput | NegotiateOptions,
): MlsSuiteName {
  const options = toOptions(policy);
  return runMls(local, remote, options, [options.onSecurityEvent]);
}

/**
 * Checks the transcript hash the peer committed to (in its handshake message or
 * signature) against ours, in constant time.
 * @throws {DowngradeError} `TRANSCRIPT_MISMATCH` when they differ: the capability exchange was altered.
 */
export function verifyTranscript(
  negotiated: Negotiated,
  peerTranscriptHash: Uint8Array,
  options: Pick<NegotiateOptions, 'peer' | 'tenant' | 'onSecurityEvent'> = {},
): void {
  checkOptionTypes(options);
  checkTranscript(negotiated, peerTranscriptHash, options, [options.onSecurityEvent]);
}

/**
 * Negotiation with a policy store and an event emitter: `on('security', listener)`
 * receives every refusal and every accepted classical-only choice.
 *
 * @example
 * ```ts
 * const negotiator = new Negotiator({ policies: new PolicyStore('pq-preferred') });
 * negotiator.on('security', (e) => alerts.send(e));
 * const agreed = negotiator.negotiate(capabilities(), peerBytes, { peer: 'bob', tenant: 'acme' });
 * ```
 */
export class Negotiator extends EventEmitter {
  /** The store this negotiator resolves policies from. */
  readonly policies: PolicyStore;
  readonly #onSecurityEvent: SecurityEventListener | undefined;

  constructor(options: { policies?: PolicyStore; onSecurityEvent?: SecurityEventListener } = {}) {
    super();
    if (typeof options !== 'object' || options === null) {
      throw makeError('INVALID_TYPE', `Negotiator options must be an object, got ${describe(options)}`);
    }
    checkOptionTypes(options);
    this.policies = options.policies ?? new PolicyStore('pq-required');
    this.#onSecurityEvent = options.onSecurityEvent;
  }

  /** Like {@link negotiate}, with this negotiator's store and listeners. */
  negotiate(
    local: CapabilitiesInput | Uint8Array,
    remote: CapabilitiesInput | Uint8Array,
    options: NegotiateOptions = {},
  ): Negotiated {
    const opts = { policies: this.policies, ...toOptions(options) };
    return run(local, remote, opts, this.#listeners(opts.onSecurityEvent));
  }

  /**
   * Like {@link negotiateMls}, with this negotiator's store and listeners.
   *
   * @example
   * ```ts
   * const suite = negotiator.negotiateMls(capabilities(), peerBytes, { peer: 'bob', tenant: 'acme' });
   * ```
   */
  negotiateMls(
    local: CapabilitiesInput | Uint8Array,
    remote: CapabilitiesInput | Uint8Array,
    options: NegotiateOptions = {},
  ): MlsSuiteName {
    const opts = { policies: this.policies, ...toOptions(options) };
    return runMls(local, remote, opts, this.#listeners(opts.onSecurityEvent));
  }

  /** Like {@link verifyTranscript}, with this negotiator's listeners. */
  verifyTranscript(
    negotiated: Negotiated,
    peerTranscriptHash: Uint8Array,
    options: Pick<NegotiateOptions, 'peer' | 'tenant' | 'onSecurityEvent'> = {},
  ): void {
    checkOptionTypes(options);
    checkTranscript(negotiated, peerTranscriptHash, options, this.#listeners(options.onSecurityEvent));
  }

  #listeners(extra: SecurityEventListener | undefined): (SecurityEventListener | undefined)[] {
    return [this.#onSecurityEvent, extra, (e) => this.emit('security', e)];
  }

  override on(event: 'security', listener: SecurityEventListener): this;
  override on(event: string | symbol, listener: (...args: any[]) => void): this;
  override on(event: string | symbol, listener: (...args: any[]) => void): this {
    return super.on(event, listener);
  }
}

function toOptions(policy: PolicyInput | NegotiateOptions | undefined): NegotiateOptions {
  if (policy === undefined) return {};
  if (typeof policy === 'string' || (typeof policy === 'object' && policy !== null && 'mode' in policy)) {
    return { policy: policy as PolicyInput };
  }
  if (typeof policy !== 'object' || policy === null) {
    throw makeError('INVALID_TYPE', `policy must be a policy name, a policy or options, got ${describe(policy)}`);
  }
  const known = ['policy', 'policies', 'role', 'peer', 'tenant', 'onSecurityEvent'];
  const unknown = Object.keys(policy).find((k) => !known.includes(k));
  if (unknown !== undefined) throw makeError('INVALID_ARGUMENT', `unknown negotiate option ${JSON.stringify(unknown)}`);
  checkOptionTypes(policy as NegotiateOptions);
  return policy as NegotiateOptions;
}

/** Types of the options that are only stored or called later, so that a wrong one fails now and typed. */
function checkOptionTypes(o: Pick<NegotiateOptions, 'policies' | 'peer' | 'tenant' | 'onSecurityEvent'>): void {
  if (o.policies !== undefined && !(o.policies instanceof PolicyStore)) {
    throw makeError('INVALID_TYPE', `policies must be a PolicyStore, got ${describe(o.policies)}`);
  }
  if (o.onSecurityEvent !== undefined && typeof o.onSecurityEvent !== 'function') {
    throw makeError('INVALID_TYPE', `onSecurityEvent must be a function, got ${describe(o.onSecurityEvent)}`);
  }
  for (const k of ['peer', 'tenant'] as const) {
    if (o[k] !== undefined && typeof o[k] !== 'string') {
      throw makeError('INVALID_TYPE', `${k} must be a string, got ${describe(o[k])}`);
    }
  }
}

/** Our capabilities: encoded from an object, or checked when given as bytes. */
function encodeLocal(local: CapabilitiesInput | Uint8Array): { bytes: Uint8Array; offer: Offer } {
  const bytes = local instanceof Uint8Array ? local : encode(capabilities(local));
  return { bytes, offer: offerOf(decode(bytes, 'capabilities')) };
}

function offerOf(c: CapabilitiesMessage): Offer {
  return { versions: c.versions, kexSuites: c.kexSuites, sigSuites: c.sigSuites, aeadSuites: c.aeadSuites };
}

/** What both negotiations start from: the role, the policy, both capability encodings, and how to refuse. */
interface Prepared {
  role: 'initiator' | 'responder';
  policy: Required<Policy>;
  base: { tenant?: string; peer?: string; policy: Policy['mode']; role: 'initiator' | 'responder' };
  ours: { bytes: Uint8Array; offer: Offer };
  theirs: { bytes: Uint8Array; offer: Offer };
  /** Reports `error` as a `negotiation-refused` event, then throws it. */
  refuse: (error: PqwireError, remoteOffer: Offer | undefined) => never;
}

function prepare(
  local: CapabilitiesInput | Uint8Array,
  remote: CapabilitiesInput | Uint8Array,
  options: NegotiateOptions,
  listeners: (SecurityEventListener | undefined)[],
): Prepared {
  const role = options.role ?? 'initiator';
  if (role !== 'initiator' && role !== 'responder') {
    throw makeError('INVALID_ARGUMENT', `role must be initiator or responder, got ${describe(role)}`);
  }
  const scope = { ...(options.tenant === undefined ? {} : { tenant: options.tenant }), ...(options.peer === undefined ? {} : { peer: options.peer }) };
  const policy =
    options.policy !== undefined ? normalizePolicy(options.policy) : (options.policies ?? DEFAULT_STORE).resolve(scope);
  const ours = encodeLocal(local);
  const base = { ...scope, policy: policy.mode, role } as const;
  const refuse = (error: PqwireError, remoteOffer: Offer | undefined): never => {
    const offered = remoteOffer ? { local: ours.offer, remote: remoteOffer } : { local: ours.offer };
    deliver({ type: 'negotiation-refused', code: error.code, message: error.message, ...base, offered, time: Date.now() }, listeners);
    throw error;
  };

  let theirs: { bytes: Uint8Array; offer: Offer };
  try {
    const bytes = remote instanceof Uint8Array ? requireBytes('remote', remote) : encode(capabilities(remote));
    theirs = { bytes, offer: offerOf(decode(bytes, 'capabilities')) };
  } catch (e) {
    return refuse(fromNative(e), undefined);
  }
  return { role, policy, base, ours, theirs, refuse };
}

function runMls(
  local: CapabilitiesInput | Uint8Array,
  remote: CapabilitiesInput | Uint8Array,
  options: NegotiateOptions,
  listeners: (SecurityEventListener | undefined)[],
): MlsSuiteName {
  const { role, policy, ours, theirs, refuse } = prepare(local, remote, options, listeners);
  try {
    return native.negotiateMls(ours.bytes, theirs.bytes, role, policy.mode, policy.minVersion) as MlsSuiteName;
  } catch (e) {
    return refuse(fromNative(e), theirs.offer);
  }
}

function run(
  local: CapabilitiesInput | Uint8Array,
  remote: CapabilitiesInput | Uint8Array,
  options: NegotiateOptions,
  listeners: (SecurityEventListener | undefined)[],
): Negotiated {
  const { role, policy, base, ours, theirs, refuse } = prepare(local, remote, options, listeners);
  let agreement: NativeAgreement;
  try {
    agreement = native.negotiate(ours.bytes, theirs.bytes, role, policy.mode, policy.minVersion);
  } catch (e) {
    return refuse(fromNative(e), theirs.offer);
  }
  const result: Negotiated = {
    version: agreement.version,
    kexSuite: agreement.kexSuite as KemSuiteName,
    sigSuite: agreement.sigSuite as SigSuiteName,
    aeadSuite: agreement.aeadSuite as AeadSuiteName,
    features: agreement.features as (FeatureName | number)[],
    classical: agreement.classical,
    transcriptHash: agreement.transcriptHash,
    ...(agreement.mlsSuite == null ? {} : { mlsSuite: agreement.mlsSuite as MlsSuiteName }),
    policy,
    role,
    localCapabilities: ours.bytes,
    remoteCapabilities: theirs.bytes,
  };
  if (result.classical) {
    const chosen: Choice = { version: result.version, kexSuite: result.kexSuite, sigSuite: result.sigSuite, aeadSuite: result.aeadSuite };
    deliver(
      {
        type: 'classical-accepted',
        message: `policy ${policy.mode} accepted classical-only suites: key exchange ${chosen.kexSuite}, signature ${chosen.sigSuite}`,
        ...base,
        offered: { local: ours.offer, remote: theirs.offer },
        chosen,
        time: Date.now(),
      },
      listeners,
    );
  }
  return result;
}

function checkTranscript(
  negotiated: Negotiated,
  peerTranscriptHash: Uint8Array,
  options: Pick<NegotiateOptions, 'peer' | 'tenant'>,
  listeners: (SecurityEventListener | undefined)[],
): void {
  checkNegotiated(negotiated);
  requireBytes('peerTranscriptHash', peerTranscriptHash);
  try {
    native.verifyTranscript(negotiated.transcriptHash, peerTranscriptHash);
  } catch (e) {
    const error = fromNative(e);
    const event: SecurityEvent = {
      type: 'negotiation-refused',
      code: error.code,
      message: error.message,
      ...(options.tenant === undefined ? {} : { tenant: options.tenant }),
      ...(options.peer === undefined ? {} : { peer: options.peer }),
      policy: negotiated.policy.mode,
      role: negotiated.role,
      offered: {
        local: offerOf(decode(negotiated.localCapabilities, 'capabilities')),
        remote: offerOf(decode(negotiated.remoteCapabilities, 'capabilities')),
      },
      time: Date.now(),
    };
    deliver(event, listeners);
    throw error;
  }
}

/** A {@link Negotiated} as `negotiate` returns it: the parts a transcript check and its event read. */
function checkNegotiated(n: unknown): void {
  if (typeof n !== 'object' || n === null) {
    throw makeError('INVALID_TYPE', `negotiated must be the result of negotiate(), got ${describe(n)}`);
  }
  const { transcriptHash, localCapabilities, remoteCapabilities, policy, role } = n as Partial<Negotiated>;
  requireBytes('negotiated.transcriptHash', transcriptHash);
  requireBytes('negotiated.localCapabilities', localCapabilities);
  requireBytes('negotiated.remoteCapabilities', remoteCapabilities);
  normalizePolicy(policy);
  if (role !== 'initiator' && role !== 'responder') {
    throw makeError('INVALID_ARGUMENT', `negotiated.role must be initiator or responder, got ${describe(role)}`);
  }
}
