/**
 * The reference server's storage (docs/server.md): one interface, {@link ServerStore},
 * with an embedded SQLite implementation (better-sqlite3, WAL mode; the default) and a
 * PostgreSQL one (pg) for several server processes on one database. Both run the same
 * schema migrations ({@link MIGRATIONS}) and pass the same tests.
 *
 * @example
 * ```ts
 * import { openServerStore } from 'pqwire/server';
 * const store = await openServerStore('./pqwire-data/pqwire.db'); // or 'postgres://…'
 * await store.ping();
 * await store.close();
 * ```
 */
import { makeError } from '../errors';

/** Which database a store runs on (reported by `GET /v1/health`). */
export type ServerDatabase = 'sqlite' | 'postgres';

/** A device: an account's numbered device, bound to one public identity. */
export interface DeviceAddress {
  account: string;
  device: number;
}

/** What binding a device to an identity did. */
export type BindResult = 'bound' | 'same' | 'conflict';

/** What the server keeps: accounts, devices, prekeys and queues (growing with the server's routes). */
export interface ServerStore {
  readonly database: ServerDatabase;
  /**
   * Binds `device` to `identity` (its JSON form) once: `bound` the first time, `same` when
   * the device is already bound to this identity, `conflict` when it is bound to another
   * one or the identity (its `fingerprint`) to another device. Atomic.
   */
  bindDevice(device: DeviceAddress, identity: string, fingerprint: string, now: number): Promise<BindResult>;
  /** The identity (JSON form) `device` is bound to, if any. */
  deviceIdentity(device: DeviceAddress): Promise<string | undefined>;
  /** Stores a login challenge (`id`: its hex) for `device` until `expires`. */
  putChallenge(id: string, device: DeviceAddress, expires: number): Promise<void>;
  /** Removes the challenge and says whether it was there for `device` and not expired at `now`: single use, atomic. */
  takeChallenge(id: string, device: DeviceAddress, now: number): Promise<boolean>;
  /** Stores a session token (`hash`: SHA-256 of the token, hex) for `device` until `expires`. */
  putToken(hash: string, device: DeviceAddress, expires: number): Promise<void>;
  /** The device a token (by its hash) belongs to, unless expired at `now`. */
  tokenDevice(hash: string, now: number): Promise<DeviceAddress | undefined>;
  /** The schema version after {@link ServerStore.migrate}: the last migration applied. */
  schemaVersion(): Promise<number>;
  /** Applies the migrations not applied yet, in order, each in its own transaction. */
  migrate(): Promise<void>;
  /** Resolves when the database answers a trivial query; rejects otherwise. */
  ping(): Promise<void>;
  /** Closes the connections; later calls reject. */
  close(): Promise<void>;
}

/** One schema migration: its version and its SQL for each database. */
export interface Migration {
  version: number;
  description: string;
  sqlite: string;
  postgres: string;
}

/**
 * The schema, one migration per change, never edited once released: a new change is a
 * new migration. Version 1 holds the accounts and devices (a device is bound to its
 * public hybrid identity once, immutably) and the prekey uploads with their one-time
 * prekey claims.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'devices bound to identities; prekey uploads and one-time claims',
    sqlite: `
      CREATE TABLE devices (
        account TEXT NOT NULL,
        device INTEGER NOT NULL,
        identity BLOB NOT NULL,
        fingerprint TEXT NOT NULL UNIQUE,
        created INTEGER NOT NULL,
        PRIMARY KEY (account, device)
      );
      CREATE TABLE prekey_uploads (
        account TEXT NOT NULL,
        device INTEGER NOT NULL,
        upload BLOB NOT NULL,
        one_time_kem_count INTEGER NOT NULL,
        one_time_count INTEGER NOT NULL,
        has_kem INTEGER NOT NULL,
        next_kem INTEGER NOT NULL DEFAULT 0,
        next_one_time INTEGER NOT NULL DEFAULT 0,
        uploaded INTEGER NOT NULL,
        PRIMARY KEY (account, device)
      );`,
    postgres: `
      CREATE TABLE devices (
        account TEXT NOT NULL,
        device INTEGER NOT NULL,
        identity BYTEA NOT NULL,
        fingerprint TEXT NOT NULL UNIQUE,
        created BIGINT NOT NULL,
        PRIMARY KEY (account, device)
      );
      CREATE TABLE prekey_uploads (
        account TEXT NOT NULL,
        device INTEGER NOT NULL,
        upload BYTEA NOT NULL,
        one_time_kem_count INTEGER NOT NULL,
        one_time_count INTEGER NOT NULL,
        has_kem BOOLEAN NOT NULL,
        next_kem INTEGER NOT NULL DEFAULT 0,
        next_one_time INTEGER NOT NULL DEFAULT 0,
        uploaded BIGINT NOT NULL,
        PRIMARY KEY (account, device)
      );`,
  },
  {
    version: 2,
    description: 'login challenges and session tokens',
    sqlite: `
      CREATE TABLE challenges (
        id TEXT PRIMARY KEY,
        account TEXT NOT NULL,
        device INTEGER NOT NULL,
        expires INTEGER NOT NULL
      );
      CREATE TABLE tokens (
        hash TEXT PRIMARY KEY,
        account TEXT NOT NULL,
        device INTEGER NOT NULL,
        expires INTEGER NOT NULL
      );`,
    postgres: `
      CREATE TABLE challenges (
        id TEXT PRIMARY KEY,
        account TEXT NOT NULL,
        device INTEGER NOT NULL,
        expires BIGINT NOT NULL
      );
      CREATE TABLE tokens (
        hash TEXT PRIMARY KEY,
        account TEXT NOT NULL,
        device INTEGER NOT NULL,
        expires BIGINT NOT NULL
      );`,
  },
];

/** The migrations after `version`, in order. @internal */
export function pendingMigrations(version: number): Migration[] {
  return MIGRATIONS.filter((m) => m.version > version).sort((a, b) => a.version - b.version);
}

/**
 * Opens the store `db` names: a `postgres://` or `postgresql://` URL is PostgreSQL,
 * anything else a SQLite file (created with its directory). Runs the pending migrations.
 * `UNSUPPORTED` when SQLite is asked for and better-sqlite3 (an optional dependency,
 * built from source where no prebuilt binary matches) is not installed.
 */
export async function openServerStore(db: string): Promise<ServerStore> {
  if (typeof db !== 'string' || db.length === 0) throw makeError('INVALID_ARGUMENT', 'db must be a SQLite file path or a postgres:// URL');
  const store = /^postgres(ql)?:\/\//.test(db)
    ? new (await import('./postgres-store')).PostgresStore(db)
    : new (await import('./sqlite-store')).SqliteStore(db);
  try {
    await store.migrate();
  } catch (e) {
    await store.close().catch(() => undefined);
    throw e;
  }
  return store;
}
