/**
 * Bearer token lookups remembered for a few seconds per process: every authenticated
 * request looked its token up in the database, which under load was a tenth of a relayed
 * message's server time. A remembered token is still refused the moment it expires (its
 * expiry is checked at every use, as the database query does). An identity rotation
 * revokes the device's tokens: the process that rotated forgets them here at once
 * ({@link forgetDeviceTokens}), another process within {@link TOKEN_CACHE_MS}.
 * Only valid tokens are remembered (random guesses cannot fill the cache), by their
 * SHA-256 as in the store.
 *
 * @example
 * ```ts
 * const holder = await tokenHolder(store, token); // undefined: unknown or expired
 * ```
 */
import { nowSeconds } from '../identity';
import { tokenHash } from './auth';
import type { ServerStore, TokenHolder } from './store';

/** Milliseconds a looked-up token is remembered. */
export const TOKEN_CACHE_MS = 10_000;
/** Tokens remembered at most per store; the oldest go first. */
const TOKEN_CACHE_SIZE = 10_000;

const caches = new WeakMap<ServerStore, Map<string, { holder: TokenHolder; until: number }>>();

/** The device `token` belongs to and its expiry, unless the token is unknown or expired. @internal */
export async function tokenHolder(store: ServerStore, token: string): Promise<TokenHolder | undefined> {
  const hash = tokenHash(token);
  let cache = caches.get(store);
  if (cache === undefined) caches.set(store, (cache = new Map()));
  const now = Date.now();
  const hit = cache.get(hash);
  if (hit !== undefined && hit.until > now && hit.holder.expires > nowSeconds()) return hit.holder;
  const holder = await store.tokenDevice(hash, nowSeconds());
  cache.delete(hash);
  if (holder !== undefined) {
    cache.set(hash, { holder, until: now + TOKEN_CACHE_MS });
    if (cache.size > TOKEN_CACHE_SIZE) cache.delete(cache.keys().next().value!);
  }
  return holder;
}

/** Forgets the remembered tokens of `device` (its tokens were revoked). @internal */
export function forgetDeviceTokens(store: ServerStore, device: { account: string; device: number }): void {
  const cache = caches.get(store);
  if (cache === undefined) return;
  for (const [hash, hit] of cache) {
    if (hit.holder.account === device.account && hit.holder.device === device.device) cache.delete(hash);
  }
}
