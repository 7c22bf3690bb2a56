/**
 * {@link ServerStore} on an embedded SQLite file (better-sqlite3, WAL mode): the default
 * of `pqwire serve`. better-sqlite3 is synchronous and each statement is short, so the
 * store runs them on the event loop; a transaction is one synchronous call, hence atomic
 * within the process, and SQLite's own locking makes it atomic across processes.
 *
 * @example
 * ```ts
 * const store = new SqliteStore('./pqwire-data/pqwire.db');
 * await store.migrate();
 * ```
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { makeError } from '../errors';
import { pendingMigrations } from './store';
import type { ServerStore } from './store';

type Database = import('better-sqlite3').Database;

/** better-sqlite3, or `UNSUPPORTED` naming the optional dependency. */
function loadDriver(): typeof import('better-sqlite3') {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('better-sqlite3') as typeof import('better-sqlite3');
  } catch (e) {
    throw makeError('UNSUPPORTED', `SQLite needs the optional dependency better-sqlite3 (npm install better-sqlite3@12): ${(e as Error).message}`);
  }
}

export class SqliteStore implements ServerStore {
  readonly database = 'sqlite' as const;
  readonly #db: Database;
  #closed = false;

  /** Opens (creating it and its directory if needed) the SQLite file at `path`. */
  constructor(path: string) {
    const Driver = loadDriver();
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.#db = new Driver(path);
    // WAL: readers never block the writer; NORMAL sync is durable at every checkpoint and
    // loses no committed transaction on a process crash (only on an OS crash).
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = NORMAL');
    this.#db.pragma('foreign_keys = ON');
    this.#db.pragma('busy_timeout = 5000');
  }

  async schemaVersion(): Promise<number> {
    this.#open();
    this.#db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied INTEGER NOT NULL)');
    const row = this.#db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null };
    return row.v ?? 0;
  }

  async migrate(): Promise<void> {
    const current = await this.schemaVersion();
    for (const m of pendingMigrations(current)) {
      this.#db.transaction(() => {
        this.#db.exec(m.sqlite);
        this.#db.prepare('INSERT INTO schema_migrations (version, applied) VALUES (?, ?)').run(m.version, Math.floor(Date.now() / 1000));
      })();
    }
  }

  async ping(): Promise<void> {
    this.#open();
    this.#db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#db.close();
  }

  #open(): void {
    if (this.#closed) throw makeError('DISPOSED', 'the store is closed');
  }
}
