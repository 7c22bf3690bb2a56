/**
 * {@link ServerStore} on PostgreSQL (pg): several stateless `pqwire serve` processes can
 * share one database. Migrations run under an advisory lock, so processes starting
 * together apply each migration once.
 *
 * @example
 * ```ts
 * const store = new PostgresStore('postgres://pqwire@db.internal/pqwire');
 * await store.migrate();
 * ```
 */
import { Pool } from 'pg';
import { makeError } from '../errors';
import { pendingMigrations } from './store';
import type { ServerStore } from './store';

/** The advisory lock key that serializes migrations across processes ("pqwire" in ASCII). */
const MIGRATION_LOCK = 0x707177697265;

export class PostgresStore implements ServerStore {
  readonly database = 'postgres' as const;
  readonly #pool: Pool;
  #closed = false;

  /** A connection pool to `url` (connections open on first use). */
  constructor(url: string) {
    this.#pool = new Pool({ connectionString: url, max: 10 });
    // An idle client's error (the server restarting) must not crash the process: the next
    // query gets a fresh connection or fails with its own error.
    this.#pool.on('error', () => undefined);
  }

  async schemaVersion(): Promise<number> {
    this.#open();
    await this.#pool.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied BIGINT NOT NULL)');
    const r = await this.#pool.query<{ v: number | null }>('SELECT MAX(version) AS v FROM schema_migrations');
    return r.rows[0]?.v ?? 0;
  }

  async migrate(): Promise<void> {
    this.#open();
    const client = await this.#pool.connect();
    try {
      await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
      try {
        await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied BIGINT NOT NULL)');
        const r = await client.query<{ v: number | null }>('SELECT MAX(version) AS v FROM schema_migrations');
        for (const m of pendingMigrations(r.rows[0]?.v ?? 0)) {
          await client.query('BEGIN');
          try {
            await client.query(m.postgres);
            await client.query('INSERT INTO schema_migrations (version, applied) VALUES ($1, $2)', [m.version, Math.floor(Date.now() / 1000)]);
            await client.query('COMMIT');
          } catch (e) {
            await client.query('ROLLBACK');
            throw e;
          }
        }
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
      }
    } finally {
      client.release();
    }
  }

  async ping(): Promise<void> {
    this.#open();
    await this.#pool.query('SELECT 1');
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end();
  }

  #open(): void {
    if (this.#closed) throw makeError('DISPOSED', 'the store is closed');
  }
}
