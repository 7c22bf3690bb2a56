/**
 * Prometheus metrics (docs/server.md, "Operations"): `GET /metrics` in the text format,
 * from a registry of the application's own (several servers in one process do not mix):
 *
 * - `pqwire_requests_total{method,route,status}`: the route's pattern, never the URL
 *   (which holds account names);
 * - `pqwire_negotiations_total{kex,result}`: negotiated suites (`result="ok"`) and
 *   downgrade refusals (`result` the code);
 * - `pqwire_anomalies_total{kind}`: rate limits hit, by what they guard;
 * - gauges read from the database at each scrape: devices, queued messages, unclaimed
 *   one-time prekeys of each kind.
 *
 * @example
 * ```ts
 * const metrics = registerMetrics(app, store);
 * metrics.negotiations.inc({ kex: 'X25519+ML-KEM-768', result: 'ok' });
 * ```
 */
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Registry } from 'prom-client';
import type { ServerStore } from './store';

/** The counters the routes update. */
export interface ServerMetrics {
  registry: Registry;
  negotiations: Counter<'kex' | 'result'>;
  anomalies: Counter<'kind'>;
}

/** Adds `GET /metrics` and the request counter to `app`; returns the counters for the routes. */
export function registerMetrics(app: FastifyInstance, store: ServerStore): ServerMetrics {
  const registry = new Registry();
  const requests = new Counter({ name: 'pqwire_requests_total', help: 'HTTP requests by route pattern and status', labelNames: ['method', 'route', 'status'], registers: [registry] });
  const negotiations = new Counter({ name: 'pqwire_negotiations_total', help: 'Capability negotiations by key exchange and result (ok or the downgrade code)', labelNames: ['kex', 'result'], registers: [registry] });
  const anomalies = new Counter({ name: 'pqwire_anomalies_total', help: 'Rate limits hit, by what they guard', labelNames: ['kind'], registers: [registry] });
  // One read of the database per scrape (the four gauges share it for a second).
  let stats: { at: number; value: ReturnType<ServerStore['stats']> } | undefined;
  const current = () => {
    if (stats === undefined || Date.now() - stats.at > 1000) stats = { at: Date.now(), value: store.stats() };
    return stats.value;
  };
  const gauge = (name: string, help: string, read: (s: Awaited<ReturnType<ServerStore['stats']>>) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        this.set(read(await current()));
      },
    });
  gauge('pqwire_devices', 'Devices bound to an identity', (s) => s.devices);
  gauge('pqwire_queued_messages', 'Messages waiting in device queues', (s) => s.queuedMessages);
  gauge('pqwire_one_time_kem_prekeys', 'Unclaimed one-time ML-KEM prekeys, all devices', (s) => s.oneTimeKemPrekeys);
  gauge('pqwire_one_time_prekeys', 'Unclaimed one-time X25519 prekeys, all devices', (s) => s.oneTimePrekeys);

  app.addHook('onResponse', async (request, reply) => {
    requests.inc({ method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) });
  });
  app.get('/metrics', async (_request, reply) => {
    const body = await registry.metrics();
    return reply.type(registry.contentType).send(body);
  });
  return { registry, negotiations, anomalies };
}
