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
import type { BindResult, DeviceAddress, ServerStore } from './store';

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

  async bindDevice(d: DeviceAddress, identity: string, fingerprint: string, now: number): Promise<BindResult> {
    this.#open();
    // Insert-if-absent on both keys, then read back what holds the device: concurrent
    // binds of one device settle on the first.
    const inserted = await this.#pool.query(
      'INSERT INTO devices (account, device, identity, fingerprint, created) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING',
      [d.account, d.device, Buffer.from(identity), fingerprint, now],
    );
    if (inserted.rowCount === 1) return 'bound';
    const r = await this.#pool.query<{ fingerprint: string }>('SELECT fingerprint FROM devices WHERE account = $1 AND device = $2', [d.account, d.device]);
    return r.rows[0]?.fingerprint === fingerprint ? 'same' : 'conflict';
  }

  async deviceIdentity(d: DeviceAddress): Promise<string | undefined> {
    this.#open();
    const r = await this.#pool.query<{ identity: Buffer }>('SELECT identity FROM devices WHERE account = $1 AND device = $2', [d.account, d.device]);
    return r.rows[0]?.identity.toString();
  }

  async putChallenge(id: string, d: DeviceAddress, expires: number): Promise<void> {
    this.#open();
    await this.#pool.query('INSERT INTO challenges (id, account, device, expires) VALUES ($1, $2, $3, $4)', [id, d.account, d.device, expires]);
  }

  async takeChallenge(id: string, d: DeviceAddress, now: number): Promise<boolean> {
    this.#open();
    const r = await this.#pool.query<{ account: string; device: number; expires: string }>('DELETE FROM challenges WHERE id = $1 RETURNING account, device, expires', [id]);
    const row = r.rows[0];
    return row !== undefined && row.account === d.account && row.device === d.device && Number(row.expires) > now;
  }

  async putToken(hash: string, d: DeviceAddress, expires: number): Promise<void> {
    this.#open();
    await this.#pool.query('INSERT INTO tokens (hash, account, device, expires) VALUES ($1, $2, $3, $4)', [hash, d.account, d.device, expires]);
  }

  async tokenDevice(hash: string, now: number): Promise<DeviceAddress | undefined> {
    this.#open();
    const r = await this.#pool.query<DeviceAddress>('SELECT account, device FROM tokens WHERE hash = $1 AND expires > $2', [hash, now]);
    const row = r.rows[0];
    return row && { account: row.account, device: row.device };
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
