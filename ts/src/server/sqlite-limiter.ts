/**
 * A rate limiter counted in a SQLite table, for {@link SqliteStore}: rate-limiter-flexible's
 * fixed window (its table layout `rl_<name>` and keys, so every process on the file counts
 * together, as before), with one statement prepared once. rate-limiter-flexible's own
 * SQLite limiter prepared the statement and built a transaction on every request, which
 * cost more than the rest of a bundle fetch's database work.
 *
 * @example
 * ```ts
 * const limiter = sqliteRateLimiter(db, new WriteBatch(db), 'rl_bundle', 120, 60);
 * const { allowed, retryAfter } = await limiter.consume('alice/1');
 * ```
 */
import type { RateLimiter } from './store';
import type { WriteBatch } from './sqlite-batch';

type Database = import('better-sqlite3').Database;

/** rate-limiter-flexible's key prefix, kept so that the rows of earlier versions still count. */
const KEY_PREFIX = 'rlflx:';

/** `points` per `duration` seconds per key, counted in `table` (created if missing). @internal */
export function sqliteRateLimiter(db: Database, writes: WriteBatch, table: string, points: number, duration: number): RateLimiter {
  db.exec(`CREATE TABLE IF NOT EXISTS ${table} (key TEXT PRIMARY KEY, points INTEGER NOT NULL DEFAULT 0, expire INTEGER)`);
  // One statement, atomic under SQLite's write lock: a point more in the current window,
  // or a new window of one point once the old one expired.
  const upsert = db.prepare(
    `INSERT INTO ${table} (key, points, expire) VALUES (?, 1, ?)
     ON CONFLICT (key) DO UPDATE SET
       points = CASE WHEN expire IS NULL OR expire > ? THEN points + 1 ELSE 1 END,
       expire = CASE WHEN expire IS NULL OR expire > ? THEN expire ELSE excluded.expire END
     RETURNING points, expire`,
  );
  return {
    async consume(key) {
      const now = Date.now();
      const row = (await writes.run(() => upsert.get(KEY_PREFIX + key, now + duration * 1000, now, now))) as { points: number; expire: number | null };
      if (row.points <= points) return { allowed: true, retryAfter: 0 };
      const ms = row.expire === null ? 1000 : row.expire - now;
      return { allowed: false, retryAfter: Math.max(1, Math.ceil(ms / 1000)) };
    },
  };
}

/** Deletes the rows of `table` whose window ended before `nowMs`; returns how many. @internal */
export function clearExpiredLimits(db: Database, table: string, nowMs: number): number {
  return db.prepare(`DELETE FROM ${table} WHERE expire < ?`).run(nowMs).changes;
}
