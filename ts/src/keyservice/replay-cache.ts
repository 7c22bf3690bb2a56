/**
 * Request ids seen within the replay window. Every id lives the same time, so the Map's
 * insertion order is also expiry order: expired ids are swept from the front on each use,
 * without a timer.
 */
import { KeyServiceError } from './errors';

/** How long a request id is remembered: a replay within it is refused. */
export const REPLAY_WINDOW_MS = 15 * 60 * 1000;

/** What a request id may look like: 8 to 128 characters of a URL-safe alphabet (a UUID fits). */
const REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

export class ReplayCache {
  readonly #expiry = new Map<string, number>();
  readonly #capacity: number;
  readonly #windowMs: number;
  readonly #now: () => number;

  constructor(options: { capacity?: number; windowMs?: number; now?: () => number } = {}) {
    this.#capacity = options.capacity ?? 1_000_000;
    this.#windowMs = options.windowMs ?? REPLAY_WINDOW_MS;
    // A monotonic clock: a wall clock stepped forward would forget every id at once.
    this.#now = options.now ?? (() => performance.now());
  }

  /** Records `id`, or throws `REQUEST_ID_REQUIRED`, `REPLAYED_REQUEST` or `REPLAY_CACHE_FULL`. */
  admit(id: string | undefined): void {
    if (id === undefined || !REQUEST_ID.test(id)) {
      throw new KeyServiceError('REQUEST_ID_REQUIRED', 'a POST needs an X-Request-Id header of 8 to 128 characters [A-Za-z0-9._:-]');
    }
    const now = this.#now();
    this.#sweep(now);
    if (this.#expiry.has(id)) throw new KeyServiceError('REPLAYED_REQUEST', 'this request id was used within the last 15 minutes');
    if (this.#expiry.size >= this.#capacity) throw new KeyServiceError('REPLAY_CACHE_FULL', 'too many distinct request ids within the replay window');
    this.#expiry.set(id, now + this.#windowMs);
  }

  /** How many ids are remembered. */
  get size(): number {
    return this.#expiry.size;
  }

  #sweep(now: number): void {
    for (const [id, expires] of this.#expiry) {
      if (expires > now) return;
      this.#expiry.delete(id);
    }
  }
}
