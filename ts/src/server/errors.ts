/**
 * The server's error answers: `{ "error": CODE, "message": … }` with a 4xx status, one
 * code per refusal (docs/server.md, "Errors"). Validation failures of fastify's JSON
 * schemas, unreadable JSON and oversized bodies map onto the same shape.
 *
 * @example
 * ```ts
 * throw new ServerError(409, 'IDENTITY_BOUND', 'this device is bound to another identity');
 * ```
 */
import type { FastifyError, FastifyInstance } from 'fastify';

/** Every error code the server answers with. */
export type ServerErrorCode =
  | 'INVALID_REQUEST'
  | 'INVALID_UPLOAD'
  | 'TOO_LARGE'
  | 'UNAUTHORIZED'
  | 'WRONG_IDENTITY'
  | 'NOT_AUTHORIZED'
  | 'NOT_FOUND'
  | 'IDENTITY_BOUND'
  | 'MISMATCHED_DEVICES'
  | 'STALE_DEVICES'
  | 'QUEUE_FULL'
  | 'STALE_EPOCH'
  | 'GROUP_EXISTS'
  | 'ALREADY_MEMBER'
  | 'NOT_A_MEMBER'
  | 'RATE_LIMITED'
  | 'INTERNAL';

/** A refusal with its status and stable code. */
export class ServerError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: ServerErrorCode,
    message: string,
    /** More fields of the answer (the devices a 409 or 410 names). */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ServerError';
  }
}

/** Installs the one error handler and the 404 answer on `app`. @internal */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | ServerError, request, reply) => {
    if (error instanceof ServerError) {
      if (typeof error.details.retryAfter === 'number') void reply.header('retry-after', String(error.details.retryAfter));
      return reply.code(error.statusCode).send({ error: error.code, message: error.message, ...error.details });
    }
    if (error.validation) {
      return reply.code(400).send({ error: 'INVALID_REQUEST', message: error.message });
    }
    if (error.statusCode === 413) {
      return reply.code(413).send({ error: 'TOO_LARGE', message: 'request body too large' });
    }
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      return reply.code(400).send({ error: 'INVALID_REQUEST', message: error.message });
    }
    request.log.error({ err: { message: error.message, code: error.code } }, 'request failed');
    return reply.code(500).send({ error: 'INTERNAL', message: 'internal error' });
  });
  app.setNotFoundHandler((_request, reply) => reply.code(404).send({ error: 'NOT_FOUND', message: 'no such route' }));
}
