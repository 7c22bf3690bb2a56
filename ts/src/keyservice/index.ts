/**
 * `pqwire/keyservice`: the key service (`npx pqwire keyservice`) and its hybrid
 * encryption construction, for Node programs that decrypt without the service.
 * docs/keyservice.md is the reference.
 *
 * @example
 * ```ts
 * import { startKeyService } from 'pqwire/keyservice';
 * const running = await startKeyService({ socket: './ks.sock', tokenFile: './ks.token', kekFile: './kek' });
 * await running.close();
 * ```
 */
export { startKeyService } from './service';
export type { KeyServiceOptions, RunningKeyService } from './service';
export { seal, sealBatch, open, openBatch, keyFingerprint } from './construction';
export type { Sealed } from './construction';
export { KeyServiceError, KEY_SERVICE_CODES } from './errors';
export type { KeyServiceCode } from './errors';
export { DEFAULT_SUITES, KEM_SUITES, SIGN_SUITES } from './suites';
export { ENVELOPE_FORMAT } from './envelope';
export type { KeyEnvelope } from './envelope';
export { KEK_ENV } from './keyset-file';
export { REPLAY_WINDOW_MS } from './replay-cache';
