/**
 * The reference server's HTTP application (fastify): its routes over a
 * {@link ServerStore}. Built without listening, so tests drive it with `inject`.
 *
 * @example
 * ```ts
 * const app = await buildServer({ store: await openServerStore(':memory:') });
 * const res = await app.inject({ method: 'GET', url: '/v1/health' });
 * // res.statusCode === 200, res.json() → { status: 'ok', db: 'sqlite' }
 * ```
 */
import fastify from 'fastify';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import type { ServerStore } from './store';
import { registerDeviceRoutes } from './devices';
import { registerPrekeyRoutes } from './prekeys';
import { registerRelayRoutes } from './relay';
import { registerGroupRoutes } from './groups';
import { registerLiveRoute } from './live';
import { registerMetrics } from './metrics';
import { createLimits } from './limits';
import type { LimitName, LimitSetting } from './limits';
import { registerSessionInitRoute } from './session-init';
import type { SessionInitOptions } from './session-init';
import { installErrorHandling } from './errors';
import { closeConnectionsWhenDone } from './close-connections';
import { registerRotationRoute } from './identity-rotation';
import { CERTIFICATE_KEY, registerSealedSenderRoutes } from './sealed-sender';
import { createIdentity, Identity, nowSeconds } from '../identity';

/** Options of {@link buildServer}. */
export interface ServerOptions {
  store: ServerStore;
  /** fastify's logger option (pino): `false` for none; default info-level JSON lines with request metadata only. */
  logger?: FastifyServerOptions['logger'];
  /**
   * fastify's `trustProxy`: set it to the proxy in front (an address, a count of hops or
   * `true`) so that `request.ip`, which the `challenge` rate limit and the logs use, is the
   * client's, not the proxy's. Default: no proxy trusted.
   */
  trustProxy?: FastifyServerOptions['trustProxy'];
  /** Rate limits replacing the defaults ({@link DEFAULT_LIMITS}). */
  limits?: Partial<Record<LimitName, LimitSetting>>;
  /** The trust policy and capabilities of `POST /v1/session/init` (default `pq-required`, every pqwire suite). */
  negotiation?: SessionInitOptions;
}

/**
 * The default logger: info-level JSON lines with metadata only. A request is logged as its
 * method, its route's pattern (not its URL, which holds account names and, for a
 * browser's WebSocket, `?token=`), its id and the client's address; never a header or a
 * body.
 */
export const DEFAULT_LOGGER = {
  level: 'info',
  serializers: {
    req(request: { method: string; url: string; routeOptions?: { url?: string }; id?: string; ip?: string }) {
      return { method: request.method, route: request.routeOptions?.url ?? request.url.split('?')[0]!.split('/').slice(0, 3).join('/'), id: request.id, remoteAddress: request.ip };
    },
    res(reply: { statusCode: number }) {
      return { statusCode: reply.statusCode };
    },
  },
};

/** Seconds between two sweeps of expired challenges, tokens and messages. */
export const SWEEP_SECONDS = 600;

/** The largest request body accepted (a prekey upload of ~880 + 880 keys fits; protocol.md §3). */
export const MAX_BODY_BYTES = 1_100_000;

/** The application with every route, not listening yet. */
export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const { store } = options;
  const app = fastify({
    logger: options.logger ?? DEFAULT_LOGGER,
    bodyLimit: MAX_BODY_BYTES,
    trustProxy: options.trustProxy ?? false,
    // Strict bodies: fastify's defaults would drop unknown properties and coerce types
    // ("4" to 4) instead of refusing them.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false } },
  });
  installErrorHandling(app);
  closeConnectionsWhenDone(app);
  const metrics = registerMetrics(app, store);
  const limits = await createLimits(store, metrics, options.limits);

  app.get('/v1/health', async (_request, reply) => {
    try {
      await store.ping();
      return { status: 'ok', db: store.database };
    } catch {
      return reply.code(503).send({ status: 'unavailable', db: store.database });
    }
  });

  // Expired challenges, tokens and messages go every SWEEP_SECONDS (and with the server).
  const sweeper = setInterval(() => {
    store.sweep(nowSeconds()).catch((e: unknown) => app.log.warn({ err: { message: (e as Error).message } }, 'sweep failed'));
  }, SWEEP_SECONDS * 1000);
  sweeper.unref();
  app.addHook('onClose', async () => clearInterval(sweeper));
  registerDeviceRoutes(app, store, limits);
  registerPrekeyRoutes(app, store, limits);
  registerSessionInitRoute(app, options.negotiation, metrics);
  registerRelayRoutes(app, store, limits);
  registerGroupRoutes(app, store, limits);
  registerRotationRoute(app, store);
  // The certificate-signing identity: made by the first server on the database, shared by all.
  const certificateIdentity = Identity.import(await store.serverKey(CERTIFICATE_KEY, () => createIdentity().export()));
  app.addHook('onClose', async () => certificateIdentity.dispose());
  registerSealedSenderRoutes(app, store, limits, certificateIdentity);
  await registerLiveRoute(app, store);
  return app;
}
