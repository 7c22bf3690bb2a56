/**
 * The reference server (`pqwire/server`, `npx pqwire serve`): docs/server.md.
 *
 * @example
 * ```ts
 * import { serve } from 'pqwire/server';
 * const server = await serve({ port: 0, db: '/tmp/pqwire-test.db' });
 * console.log(await (await fetch(`${server.url}/v1/health`)).json()); // { status: 'ok', db: 'sqlite' }
 * await server.close();
 * ```
 */
export { buildServer, MAX_BODY_BYTES, DEFAULT_LOGGER, SWEEP_SECONDS } from './app';
export type { ServerOptions } from './app';
export { serve, readServeConfig, DEFAULT_DB, DEFAULT_HOST, DEFAULT_PORT } from './serve';
export type { ServeOptions, RunningServer } from './serve';
export { openServerStore, MIGRATIONS } from './store';
export type { ServerStore, ServerDatabase, Migration } from './store';
export { challengeData, rotationData, LOGIN_CONTEXT, REGISTER_CONTEXT, ROTATE_CONTEXT, CHALLENGE_SECONDS, TOKEN_SECONDS } from './auth';
export { CERTIFICATE_SECONDS, CERTIFICATE_KEY, SEALED_QUEUE_LIMIT } from './sealed-sender';
export { ServerError } from './errors';
export type { ServerErrorCode } from './errors';
export type { DeviceAddress, BindResult, RotateResult, DirectoryEntry, TokenHolder } from './store';
export type { SessionInitOptions } from './session-init';
export { MESSAGE_TTL_SECONDS, QUEUE_LIMIT, FETCH_LIMIT, MAX_ENVELOPE_BYTES } from './relay';
export type { QueuedEnvelope } from './store';
export { MAX_CLIENT_FRAME_BYTES, MAX_UNACKED, MAX_CONNECTIONS_PER_DEVICE, HEARTBEAT_SECONDS } from './live';
export { registerMetrics } from './metrics';
export type { ServerMetrics } from './metrics';
export type { StoreStats } from './store';
export { DEFAULT_LIMITS } from './limits';
export type { LimitName, LimitSetting } from './limits';
export type { RateLimiter } from './store';
export { MAX_KEY_PACKAGES, MAX_GROUP_MESSAGE_BYTES, GROUP_FETCH_LIMIT, MAX_COMMIT_DEVICES } from './groups';
export type { StoredKeyPackage, GroupCommit, GroupPost, GroupWrite, GroupLogEntry, PendingWelcome } from './store';
