/**
 * The capability negotiation endpoint (docs/server.md, "Capability negotiation"):
 * `POST /v1/session/init {kex_suites, signatures, supports_mls, mls_suites}` negotiates the
 * client's ordered suites against the server's capabilities under the server's trust
 * policy, with the library's own negotiation ({@link negotiate}) and its typed downgrade
 * refusals (`422` with `NO_COMMON_SUITE`, `PQ_REQUIRED`, …), and answers the suite, a
 * session id, the policy, and the MLS suite for groups when the client supports MLS and
 * the policy allows one both offer.
 *
 * @example
 * ```ts
 * registerSessionInitRoute(app, { policy: 'pq-required' });
 * ```
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { DowngradeError, PqwireError } from '../errors';
import { capabilities, negotiate } from '../negotiation';
import type { CapabilitiesInput } from '../negotiation';
import { normalizePolicy } from '../policy';
import type { PolicyInput } from '../policy';
import { ServerError } from './errors';
import type { ServerMetrics } from './metrics';

/** What the negotiation endpoint runs with. */
export interface SessionInitOptions {
  /** The server's trust policy (default `pq-required`: post-quantum suites only). */
  policy?: PolicyInput;
  /** The server's capabilities (default: everything pqwire offers). */
  capabilities?: CapabilitiesInput;
}

const SUITE_LIST = { type: 'array', minItems: 1, maxItems: 32, items: { type: 'string', minLength: 1, maxLength: 64 } } as const;
const body = {
  type: 'object',
  additionalProperties: false,
  required: ['kex_suites', 'signatures'],
  properties: { kex_suites: SUITE_LIST, signatures: SUITE_LIST, supports_mls: { type: 'boolean' }, mls_suites: SUITE_LIST },
} as const;

interface InitBody {
  kex_suites: string[];
  signatures: string[];
  supports_mls?: boolean;
  /** The client's MLS suites in its order (default: pqwire's, when `supports_mls`). */
  mls_suites?: string[];
}

/** Adds `POST /v1/session/init` to `app`. */
export function registerSessionInitRoute(app: FastifyInstance, options: SessionInitOptions = {}, metrics?: ServerMetrics): void {
  const policy = normalizePolicy(options.policy ?? 'pq-required');
  const local = capabilities(options.capabilities ?? {});
  app.post<{ Body: InitBody }>('/v1/session/init', { schema: { body } }, async (request, reply) => {
    let client;
    try {
      if (request.body.mls_suites !== undefined && request.body.supports_mls !== true) throw new ServerError(400, 'INVALID_REQUEST', 'mls_suites without supports_mls');
      client = capabilities({
        kexSuites: request.body.kex_suites as CapabilitiesInput['kexSuites'],
        sigSuites: request.body.signatures as CapabilitiesInput['sigSuites'],
        ...(request.body.supports_mls === true ? request.body.mls_suites !== undefined && { mlsSuites: request.body.mls_suites as CapabilitiesInput['mlsSuites'] } : { mlsSuites: [] }),
      });
    } catch (e) {
      if (e instanceof PqwireError) throw new ServerError(400, 'INVALID_REQUEST', `capabilities: ${e.message}`);
      throw e;
    }
    let agreed;
    try {
      agreed = negotiate(local, client, { policy, role: 'responder' });
    } catch (e) {
      if (e instanceof DowngradeError) {
        metrics?.negotiations.inc({ kex: 'none', result: e.code });
        return reply.code(422).send({ error: e.code, message: e.message, policy: { mode: policy.mode, postQuantumRequired: policy.mode === 'pq-required' } });
      }
      // An unknown suite name, or a list the wire format refuses: the client's document.
      if (e instanceof PqwireError) throw new ServerError(400, 'INVALID_REQUEST', `capabilities: ${e.message}`);
      throw e;
    }
    metrics?.negotiations.inc({ kex: agreed.kexSuite, result: 'ok' });
    return {
      sessionId: randomBytes(16).toString('hex'),
      version: agreed.version,
      suite: { kex: agreed.kexSuite, signature: agreed.sigSuite, aead: agreed.aeadSuite },
      classical: agreed.classical,
      // The MLS suite for groups, when both offer one the policy allows (docs/groups.md).
      mls: agreed.mlsSuite !== undefined,
      ...(agreed.mlsSuite !== undefined && { mlsSuite: agreed.mlsSuite }),
      policy: { mode: policy.mode, postQuantumRequired: policy.mode === 'pq-required' },
      transcriptHash: Buffer.from(agreed.transcriptHash).toString('hex'),
    };
  });
}
