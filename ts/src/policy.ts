/**
 * Negotiation policies and the store that resolves them per tenant and per peer.
 *
 * @example
 * ```ts
 * import { PolicyStore } from 'pqwire';
 * const policies = new PolicyStore('pq-required');
 * policies.setTenantPolicy('legacy-partner', 'pq-preferred');
 * policies.setPeerPolicy('old-device-17', 'classical-allowed', { tenant: 'legacy-partner' });
 * policies.resolve({ tenant: 'legacy-partner', peer: 'old-device-17' }); // { mode: 'classical-allowed', minVersion: 2 }
 * ```
 */
import { makeError } from './errors';
import { describe } from './bytes';
import { VERSION } from './wire';

/**
 * - `pq-required`: never a classical-only key exchange or signature suite.
 * - `pq-preferred`: a post-quantum suite whenever both sides have one; classical only
 *   when none is common, and then reported as a security event.
 * - `classical-allowed`: the initiator's order as it is; a classical choice is reported.
 */
export type PolicyName = 'pq-required' | 'pq-preferred' | 'classical-allowed';

/** A policy in full. */
export interface Policy {
  mode: PolicyName;
  /** The lowest wire version accepted (default: the current one, `wire.VERSION`); a lower agreement is `VERSION_ROLLBACK`. */
  minVersion?: number;
}

/** A policy name or a policy. */
export type PolicyInput = PolicyName | Policy;

const MODES: readonly PolicyName[] = ['pq-required', 'pq-preferred', 'classical-allowed'];

/** Checks and completes a policy. @internal */
export function normalizePolicy(input: unknown): Required<Policy> {
  const policy = typeof input === 'string' ? { mode: input } : input;
  if (typeof policy !== 'object' || policy === null) {
    throw makeError('INVALID_TYPE', `policy must be a policy name or { mode, minVersion }, got ${describe(input)}`);
  }
  const { mode, minVersion = VERSION, ...rest } = policy as { mode?: unknown; minVersion?: unknown };
  const extra = Object.keys(rest);
  if (extra.length > 0) throw makeError('INVALID_ARGUMENT', `unknown policy option ${JSON.stringify(extra[0])}`);
  if (typeof mode !== 'string' || !MODES.includes(mode as PolicyName)) {
    throw makeError('INVALID_ARGUMENT', `policy mode must be one of ${MODES.join(', ')}, got ${describe(mode)}`);
  }
  if (typeof minVersion !== 'number' || !Number.isInteger(minVersion) || minVersion < 0 || minVersion > 255) {
    throw makeError('INVALID_ARGUMENT', `minVersion must be an integer from 0 to 255, got ${describe(minVersion)}`);
  }
  return { mode: mode as PolicyName, minVersion };
}

/** Who a negotiation is with: both optional. */
export interface PolicyScope {
  tenant?: string;
  peer?: string;
}

/**
 * Policies by tenant and by peer. Resolution, most specific first: the peer within the
 * tenant, the peer in any tenant, the tenant, the default.
 */
export class PolicyStore {
  #default: Required<Policy>;
  readonly #tenants = new Map<string, Required<Policy>>();
  readonly #peers = new Map<string, Required<Policy>>();

  /** A store whose default is `defaultPolicy` (`pq-required` when omitted). */
  constructor(defaultPolicy: PolicyInput = 'pq-required') {
    this.#default = normalizePolicy(defaultPolicy);
  }

  /** Replaces the default policy. */
  setDefault(policy: PolicyInput): this {
    this.#default = normalizePolicy(policy);
    return this;
  }

  /** Sets the policy of every peer in `tenant` that has no policy of its own. */
  setTenantPolicy(tenant: string, policy: PolicyInput): this {
    this.#tenants.set(key('tenant', tenant), normalizePolicy(policy));
    return this;
  }

  /** Sets the policy of `peer`, within one tenant when `scope.tenant` is given. */
  setPeerPolicy(peer: string, policy: PolicyInput, scope: { tenant?: string } = {}): this {
    this.#peers.set(peerKey(peer, scope.tenant), normalizePolicy(policy));
    return this;
  }

  /** Removes a tenant's policy. */
  deleteTenantPolicy(tenant: string): boolean {
    return this.#tenants.delete(key('tenant', tenant));
  }

  /** Removes a peer's policy (within `scope.tenant` when given). */
  deletePeerPolicy(peer: string, scope: { tenant?: string } = {}): boolean {
    return this.#peers.delete(peerKey(peer, scope.tenant));
  }

  /** The policy that applies to `scope`. */
  resolve(scope: PolicyScope = {}): Required<Policy> {
    const { tenant, peer } = scope;
    const found =
      (peer !== undefined && tenant !== undefined ? this.#peers.get(peerKey(peer, tenant)) : undefined) ??
      (peer !== undefined ? this.#peers.get(peerKey(peer, undefined)) : undefined) ??
      (tenant !== undefined ? this.#tenants.get(key('tenant', tenant)) : undefined) ??
      this.#default;
    return { ...found };
  }
}

function key(kind: string, name: unknown): string {
  if (typeof name !== 'string') throw makeError('INVALID_TYPE', `${kind} must be a string, got ${describe(name)}`);
  return name;
}

function peerKey(peer: unknown, tenant: unknown): string {
  return JSON.stringify([tenant === undefined ? null : key('tenant', tenant), key('peer', peer)]);
}
