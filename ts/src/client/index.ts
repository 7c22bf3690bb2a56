/**
 * `pqwire/client`: the client of the reference server (`pqwire/server`): a {@link Client}
 * per device, with the stores it needs. See docs/server.md, "Client".
 *
 * @example
 * ```ts
 * import { Client } from 'pqwire/client';
 * const bob = await Client.open({ url: 'http://127.0.0.1:8080', account: 'bob' });
 * await bob.connect();
 * for await (const m of bob.messages()) console.log(m.from.account, new TextDecoder().decode(m.plaintext));
 * ```
 */
export { Client } from './client';
export type { ClientOptions, ClientStores, PrekeyCounts, ReceivedMessage, SendOptions } from './client';
export { ClientError } from './errors';
export type { ClientErrorCode } from './errors';
export type { ClientSecurityEvent, FallbackPolicy, FallbackReason } from './fallback';
export { InMemoryStateStore } from './state-store';
export type { StateStore } from './state-store';
export type { DeviceName } from './server-api';
export { ClientGroups, deviceName, GROUP_RETRIES } from './groups';
export type { ReceivedGroupMessage } from './groups';
