/**
 * Graceful close without the keep-alive wait. Node's `server.close()` closes the
 * keep-alive connections that are idle at that moment, but a connection whose request is
 * still in flight stays open after its response until the keep-alive timeout (72 s in
 * fastify) runs out, and `app.close()` waits for it. Once the server is closing, each
 * response is therefore sent with `Connection: close` when its headers are still unsent,
 * and the connection is closed as soon as it is idle again.
 *
 * @example
 * ```ts
 * const app = fastify();
 * closeConnectionsWhenDone(app);
 * ```
 */
import type { FastifyInstance } from 'fastify';

/** Makes `app.close()` end each connection when its last response is out. */
export function closeConnectionsWhenDone(app: FastifyInstance): void {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_request, reply) => {
    if (closing) void reply.header('connection', 'close');
  });
  app.addHook('onResponse', async () => {
    // After Node's own finish handler has marked the connection idle.
    if (closing) setImmediate(() => app.server.closeIdleConnections());
  });
}
