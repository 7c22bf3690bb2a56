/**
 * Rate limits per requester and per target (docs/server.md, "Rate limits"), counted in
 * the server's own database so that every process on it shares them. A request over a
 * limit gets `429 RATE_LIMITED` with `Retry-After`, is counted as an anomaly
 * (`pqwire_anomalies_total{kind}`) and logged with its metadata only.
 *
 * @example
 * ```ts
 * const limits = await createLimits(store, metrics, { bundle: { points: 3, duration: 60 } });
 * await limits.check(request, 'bundle', 'alice/1');
 * ```
 */
import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { ServerError } from './errors';
import type { ServerMetrics } from './metrics';
import type { RateLimiter, ServerStore } from './store';

/** What each limit guards. */
export type LimitName = 'challenge' | 'bundle' | 'bundleTarget' | 'send' | 'sealed' | 'sealedTarget' | 'upload';

/** A limit: `points` requests per `duration` seconds per key. */
export interface LimitSetting {
  points: number;
  duration: number;
}

/**
 * The defaults: login challenges per client address; bundle fetches per requesting
 * device and per target device (fetching many bundles of one device, or many devices'
 * bundles, is how prekeys are drained or an address book scraped); sends per device;
 * sealed sends, which name no sender, per client address and per recipient account;
 * prekey uploads per device (each is up to 1.1 MB to verify and store).
 */
export const DEFAULT_LIMITS: Readonly<Record<LimitName, LimitSetting>> = {
  challenge: { points: 300, duration: 60 },
  bundle: { points: 120, duration: 60 },
  bundleTarget: { points: 600, duration: 60 },
  send: { points: 1_200, duration: 60 },
  sealed: { points: 1_200, duration: 60 },
  sealedTarget: { points: 3_000, duration: 60 },
  upload: { points: 60, duration: 3600 },
};

/** The limits of one application. */
export interface Limits {
  /** Spends a point of `key` under `name`, or throws `429 RATE_LIMITED`. */
  check(request: FastifyRequest, name: LimitName, key: string): Promise<void>;
}

/** Builds the limiters (their tables created now). */
export async function createLimits(store: ServerStore, metrics: ServerMetrics, overrides: Partial<Record<LimitName, LimitSetting>> = {}): Promise<Limits> {
  const limiters = new Map<LimitName, RateLimiter>();
  for (const name of Object.keys(DEFAULT_LIMITS) as LimitName[]) {
    const { points, duration } = overrides[name] ?? DEFAULT_LIMITS[name];
    limiters.set(name, await store.rateLimiter(name.toLowerCase(), points, duration));
  }
  return {
    async check(request, name, key) {
      const r = await limiters.get(name)!.consume(key);
      if (r.allowed) return;
      metrics.anomalies.inc({ kind: name });
      // The key hashed: a device address names its account, which the logs never hold.
      request.log.warn({ anomaly: name, key: createHash('sha256').update(key).digest('hex').slice(0, 16) }, 'rate limit hit');
      throw new ServerError(429, 'RATE_LIMITED', `too many requests (${name}): retry in ${r.retryAfter} s`, { retryAfter: r.retryAfter });
    },
  };
}
