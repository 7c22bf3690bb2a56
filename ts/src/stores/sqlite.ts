/**
 * `pqwire/stores/sqlite`: the three stores ({@link IdentityStore}, {@link PrekeyStore},
 * {@link SessionStore}) on one SQLite file, through the optional dependency better-sqlite3
 * (`npm install better-sqlite3@12`; without it opening a store is `UNSUPPORTED`). Same
 * semantics as the in-memory stores of `pqwire`, the reference (test/sqlite-stores.test.ts
 * runs one contract suite against both), but persistent, and shared safely by several
 * connections and processes: each check-and-write is one SQLite transaction taken with
 * `BEGIN IMMEDIATE`, so the compare-and-swap of {@link SessionStore.save} and the all-or-none
 * of {@link PrekeyStore.consume} hold across processes too.
 *
 * **The file holds secrets** (the local identity's record, prekey secrets, session records):
 * whoever reads it is the identity and reads its sessions. Protect it like a keychain. A new
 * file is created with mode 0600 (its `-wal` and `-shm` files take the same mode), in a new
 * directory with mode 0700; an existing file keeps its mode. Nothing is encrypted by the
 * store itself (docs/protocol.md §6, §9).
 *
 * The file runs in WAL mode with `synchronous = FULL`: a save that returned is on disk even
 * after a power loss, so a session cannot come back below a message it already sent.
 * Rollback detection keeps each session id's highest epoch in the same file, so it catches
 * a rollback of the session records alone, not a restore of the whole file (docs/protocol.md §9).
 *
 * @example
 * ```ts
 * import { openSqliteStores } from 'pqwire/stores/sqlite';
 * import { acceptSession, createPrekeyBundle, Session } from 'pqwire';
 * const stores = openSqliteStores('./data/pqwire.db');
 * const bundle = await createPrekeyBundle(identity, { prekeyStore: stores.prekeyStore });
 * const { session } = await acceptSession(initialMessage, { identity, ...stores, address: 'alice' });
 * // later, in this or another process:
 * const again = await Session.load(stores.sessionStore, 'alice');
 * stores.close();
 * ```
 */
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { DISPOSE } from '../dispose';
import { makeError } from '../errors';
import { PublicIdentity } from '../identity';
import { options as checkOptions } from '../options';
import type { StateStore } from '../client/state-store';
import { MAX_PREVIOUS_SESSIONS, sessionSaveAllowed, sessionSavePlacement } from '../stores';
import type {
  IdentityStore,
  PrekeyKind,
  PrekeyStore,
  SessionSave,
  SessionStore,
  StoredPrekey,
  StoredPreviousSession,
  StoredSession,
} from '../stores';

type Database = import('better-sqlite3').Database;
type Statement = import('better-sqlite3').Statement;

/** `PRAGMA application_id` of a pqwire store file: "pqws". */
export const SQLITE_STORE_APPLICATION_ID = 0x70717773;

/** The schema version this code writes (`PRAGMA user_version`). */
export const SQLITE_STORE_SCHEMA_VERSION = 2;

/**
 * The migrations, in order: `MIGRATIONS[v - 1]` takes the schema from version `v - 1` to
 * `v`. A later change appends one; never edit a released one.
 */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE local_identity (id INTEGER PRIMARY KEY CHECK (id = 1), record BLOB NOT NULL) STRICT;
   CREATE TABLE peer_identities (address TEXT PRIMARY KEY, signing_key BLOB NOT NULL, dh_key BLOB NOT NULL, dh_signature BLOB NOT NULL) STRICT;
   CREATE TABLE prekeys (
     seq INTEGER PRIMARY KEY,
     key_id TEXT NOT NULL UNIQUE,
     kind TEXT NOT NULL CHECK (kind IN ('signed', 'last-resort-kem', 'one-time', 'one-time-kem')),
     suite TEXT NOT NULL,
     created INTEGER NOT NULL,
     expires INTEGER NOT NULL,
     package BLOB NOT NULL,
     secret BLOB NOT NULL,
     uses INTEGER NOT NULL
   ) STRICT;
   CREATE INDEX prekeys_by_kind ON prekeys (kind, created);
   CREATE INDEX prekeys_by_expiry ON prekeys (expires);
   CREATE TABLE consumed_prekeys (key_id TEXT PRIMARY KEY) STRICT;
   CREATE TABLE handshakes (session_id TEXT PRIMARY KEY, until INTEGER NOT NULL) STRICT;
   CREATE INDEX handshakes_by_until ON handshakes (until);
   CREATE TABLE sessions (
     session_id TEXT PRIMARY KEY,
     address TEXT NOT NULL,
     current INTEGER NOT NULL CHECK (current IN (0, 1)),
     seq INTEGER NOT NULL,
     record BLOB NOT NULL,
     epoch INTEGER NOT NULL,
     superseded_by TEXT
   ) STRICT;
   CREATE UNIQUE INDEX sessions_current ON sessions (address) WHERE current = 1;
   CREATE INDEX sessions_by_address ON sessions (address, current, seq);
   CREATE TABLE session_epochs (session_id TEXT PRIMARY KEY, highest INTEGER NOT NULL) STRICT;`,
  // 2: the state of pqwire/client (its sealing keys, the pinned server identity, …).
  `CREATE TABLE client_state (name TEXT PRIMARY KEY, value BLOB NOT NULL) STRICT;`,
];

/** Options of {@link openSqliteStores} and {@link SqliteStoreFile}. */
export interface SqliteStoreOptions {
  /**
   * How long a statement waits for another connection's lock before it fails with
   * `SQLITE_BUSY`, in milliseconds. Default 5000.
   */
  busyTimeout?: number;
}

/** better-sqlite3, loaded on the first opening, or `UNSUPPORTED` naming the optional dependency. */
function loadDriver(): typeof import('better-sqlite3') {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('better-sqlite3') as typeof import('better-sqlite3');
  } catch (e) {
    throw makeError('UNSUPPORTED', `pqwire/stores/sqlite needs the optional dependency better-sqlite3 (npm install better-sqlite3@12): ${(e as Error).message}`);
  }
}

/**
 * SQLite's errors for a file that is no database or a damaged one, as pqwire's typed errors
 * (`BAD_MAGIC`, `INVALID_FIELD`); any other error (`SQLITE_BUSY` after the busy timeout,
 * `SQLITE_FULL`, an I/O error) as thrown.
 */
function typed(e: unknown, path: string): unknown {
  const code = (e as { code?: unknown } | null)?.code;
  if (code === 'SQLITE_NOTADB') return makeError('BAD_MAGIC', `${path} is not a SQLite database, so not a pqwire store file`);
  if (typeof code === 'string' && code.startsWith('SQLITE_CORRUPT')) {
    return makeError('INVALID_FIELD', `the pqwire store file ${path} is corrupt (${code}: ${(e as Error).message})`);
  }
  return e;
}

/** An open connection: the database and its prepared statements. */
class Connection {
  readonly #statements = new Map<string, Statement>();
  closed = false;
  constructor(
    readonly db: Database,
    readonly path: string,
  ) {}

  /** `sql`, prepared once per connection. */
  statement(sql: string): Statement {
    let s = this.#statements.get(sql);
    if (s === undefined) {
      s = this.db.prepare(sql);
      this.#statements.set(sql, s);
    }
    return s;
  }

  /** Runs `f` on the open database, with SQLite's corruption errors typed. */
  run<T>(f: () => T): T {
    if (this.closed) throw makeError('DISPOSED', `the SQLite store ${this.path} is closed`);
    try {
      return f();
    } catch (e) {
      throw typed(e, this.path);
    }
  }

  /**
   * Runs `f` in one `BEGIN IMMEDIATE` transaction: it takes the file's write lock before
   * its first read, so no other connection or process writes between its checks and its
   * writes. A throw rolls everything back.
   */
  transaction<T>(f: () => T): T {
    return this.run(() => this.db.transaction(f).immediate());
  }
}

/** The connection behind each {@link SqliteStoreFile}, out of its public type. */
const connections = new WeakMap<SqliteStoreFile, Connection>();

/**
 * One open pqwire store file: a SQLite database in WAL mode, its schema created or migrated
 * on opening. Pass it to the store classes so that they share one connection (what
 * {@link openSqliteStores} does); {@link SqliteStoreFile.close} closes it for all of them.
 *
 * Opening creates the file (mode 0600) and its directory (0700) if needed, and fails with a
 * typed error for a file that is not a pqwire store: `BAD_MAGIC` for a file that is no
 * SQLite database or another application's (`PRAGMA application_id`), `UNSUPPORTED_VERSION`
 * for a schema newer than this version of pqwire writes, `INVALID_FIELD` for a corrupt
 * file (also on any later operation that meets a damaged page), `UNSUPPORTED` without
 * better-sqlite3.
 *
 * @example
 * ```ts
 * import { SqliteStoreFile, SqliteSessionStore, SqlitePrekeyStore } from 'pqwire/stores/sqlite';
 * const file = new SqliteStoreFile('./data/pqwire.db', { busyTimeout: 10_000 });
 * const sessionStore = new SqliteSessionStore(file);
 * const prekeyStore = new SqlitePrekeyStore(file);
 * // ...
 * file.close();
 * ```
 */
export class SqliteStoreFile {
  /** The file's path (`':memory:'` for a private in-memory database). */
  readonly path: string;

  constructor(path: string, options?: SqliteStoreOptions) {
    if (typeof path !== 'string' || path === '') throw makeError('INVALID_TYPE', 'the SQLite store needs a file path');
    const busyTimeout = checkOptions('SQLite store', options, ['busyTimeout']).busyTimeout ?? 5000;
    if (!Number.isSafeInteger(busyTimeout) || busyTimeout < 0) throw makeError('INVALID_ARGUMENT', `busyTimeout must be a whole number of milliseconds, got ${String(busyTimeout)}`);
    const Driver = loadDriver();
    this.path = path;
    if (path !== ':memory:') {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      // Created here, before SQLite opens it, so that it never exists with a wider mode.
      closeSync(openSync(path, 'a', 0o600));
    }
    const db = new Driver(path, { timeout: busyTimeout });
    try {
      db.pragma('journal_mode = WAL');
      // FULL: a committed save survives a power loss too. With NORMAL the last commits
      // could vanish, and a session would come back below a message it already sent.
      db.pragma('synchronous = FULL');
      // A deleted or overwritten secret (a consumed prekey, a session's older state) is
      // zeroed in the file, not left in a free page (forward secrecy, docs/protocol.md §9).
      db.pragma('secure_delete = ON');
      migrate(db, path);
    } catch (e) {
      db.close();
      throw typed(e, path);
    }
    connections.set(this, new Connection(db, path));
  }

  /** Whether {@link SqliteStoreFile.close} was called. */
  get closed(): boolean {
    return connectionOf(this).closed;
  }

  /** Closes the connection; every store on it then refuses with `DISPOSED`. Twice is fine. */
  close(): void {
    const c = connectionOf(this);
    if (c.closed) return;
    c.closed = true;
    c.db.close();
  }

  /** {@link SqliteStoreFile.close}, for `using`. */
  [DISPOSE](): void {
    this.close();
  }
}

function connectionOf(file: SqliteStoreFile): Connection {
  const c = connections.get(file);
  if (c === undefined) throw makeError('INVALID_TYPE', 'expected a SqliteStoreFile');
  return c;
}

/** Creates or migrates the schema, in one transaction; refuses a file that is not ours. */
function migrate(db: Database, path: string): void {
  db.transaction(() => {
    const applicationId = db.pragma('application_id', { simple: true }) as number;
    const version = db.pragma('user_version', { simple: true }) as number;
    const fresh = applicationId === 0 && version === 0;
    if (applicationId !== SQLITE_STORE_APPLICATION_ID && !fresh) {
      throw makeError('BAD_MAGIC', `${path} is another application's SQLite database (application_id ${applicationId}), not a pqwire store file`);
    }
    if (version > SQLITE_STORE_SCHEMA_VERSION) {
      throw makeError('UNSUPPORTED_VERSION', `${path} has store schema ${version}; this version of pqwire knows up to ${SQLITE_STORE_SCHEMA_VERSION}`);
    }
    for (let v = version + 1; v <= SQLITE_STORE_SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v - 1]!);
    if (fresh) db.pragma(`application_id = ${SQLITE_STORE_APPLICATION_ID}`);
    if (version < SQLITE_STORE_SCHEMA_VERSION) db.pragma(`user_version = ${SQLITE_STORE_SCHEMA_VERSION}`);
  }).immediate();
}

/** What a store class was constructed from. */
type Source = SqliteStoreFile | string;

/** The shared part of the three store classes: their connection, owned or not. */
abstract class SqliteStoreBase {
  readonly #file: SqliteStoreFile;
  readonly #owned: boolean;
  #closed = false;

  constructor(source: Source, options?: SqliteStoreOptions) {
    this.#owned = !(source instanceof SqliteStoreFile);
    this.#file = source instanceof SqliteStoreFile ? source : new SqliteStoreFile(source, options);
  }

  /** The file this store reads and writes. */
  get file(): SqliteStoreFile {
    return this.#file;
  }

  /**
   * Closes this store: later calls refuse with `DISPOSED`. A store opened from a path
   * closes its own connection; one given a {@link SqliteStoreFile} leaves the file open
   * for the other stores on it. Twice is fine.
   */
  close(): void {
    this.#closed = true;
    if (this.#owned) this.#file.close();
  }

  /** {@link SqliteStoreBase.close}, for `using`. */
  [DISPOSE](): void {
    this.close();
  }

  /** The connection, unless this store or its file is closed (`DISPOSED`). */
  protected connection(): Connection {
    const c = connectionOf(this.#file);
    if (this.#closed) throw makeError('DISPOSED', `the SQLite store ${c.path} is closed`);
    return c;
  }
}

/** Bytes as better-sqlite3 binds them (a view, no copy). */
function blob(b: Uint8Array): Buffer {
  if (!(b instanceof Uint8Array)) throw makeError('INVALID_TYPE', 'a store record must be a Uint8Array');
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

/** A BLOB read back, as a plain Uint8Array of its own. */
const bytesOf = (b: Buffer): Uint8Array => new Uint8Array(b);

/**
 * {@link IdentityStore} on SQLite: the local identity's record (**secret**) and the pinned
 * identities of peers, as their three encodings (signing key, X25519 key, signature); a
 * pinned identity is verified again when read (`PublicIdentity.fromParts`), and one that
 * no longer verifies is `INVALID_FIELD` (the file was altered).
 *
 * Construct it from a path (its own connection; {@link SqliteIdentityStore.close} closes
 * it) or from a {@link SqliteStoreFile} shared with the other stores.
 *
 * @example
 * ```ts
 * import { SqliteIdentityStore } from 'pqwire/stores/sqlite';
 * import { createIdentity, Identity, saveLocalIdentity } from 'pqwire';
 * const identityStore = new SqliteIdentityStore('./data/pqwire.db');
 * const record = await identityStore.getLocalIdentity();
 * const me = record ? Identity.import(record) : createIdentity();
 * if (!record) await saveLocalIdentity(identityStore, me);
 * ```
 */
export class SqliteIdentityStore extends SqliteStoreBase implements IdentityStore {
  constructor(source: SqliteStoreFile | string, options?: SqliteStoreOptions) {
    super(source, options);
  }

  async getLocalIdentity(): Promise<Uint8Array | undefined> {
    const c = this.connection();
    const row = c.run(() => c.statement('SELECT record FROM local_identity WHERE id = 1').get() as { record: Buffer } | undefined);
    return row && bytesOf(row.record);
  }

  async saveLocalIdentity(record: Uint8Array): Promise<void> {
    const c = this.connection();
    const value = blob(record);
    c.run(() => c.statement('INSERT INTO local_identity (id, record) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET record = excluded.record').run(value));
  }

  async getPeerIdentity(address: string): Promise<PublicIdentity | undefined> {
    const c = this.connection();
    const row = c.run(
      () =>
        c.statement('SELECT signing_key, dh_key, dh_signature FROM peer_identities WHERE address = ?').get(address) as
          | { signing_key: Buffer; dh_key: Buffer; dh_signature: Buffer }
          | undefined,
    );
    if (row === undefined) return undefined;
    try {
      return PublicIdentity.fromParts(bytesOf(row.signing_key), bytesOf(row.dh_key), bytesOf(row.dh_signature));
    } catch (e) {
      throw makeError('INVALID_FIELD', `the identity pinned for ${JSON.stringify(address)} in ${c.path} does not verify: the file is corrupt or was altered (${(e as Error).message})`);
    }
  }

  async savePeerIdentity(address: string, identity: PublicIdentity): Promise<void> {
    const c = this.connection();
    if (!(identity instanceof PublicIdentity)) throw makeError('INVALID_TYPE', 'identity must be a PublicIdentity');
    c.run(() =>
      c
        .statement(
          `INSERT INTO peer_identities (address, signing_key, dh_key, dh_signature) VALUES (?, ?, ?, ?)
           ON CONFLICT (address) DO UPDATE SET signing_key = excluded.signing_key, dh_key = excluded.dh_key, dh_signature = excluded.dh_signature`,
        )
        .run(address, blob(identity.signingKey), blob(identity.dhKey), blob(identity.dhSignature)),
    );
  }
}

/** A `prekeys` row. */
interface PrekeyRow {
  key_id: string;
  kind: PrekeyKind;
  suite: string;
  created: number;
  expires: number;
  package: Buffer;
  secret: Buffer;
  uses: number;
}

const PREKEY_COLUMNS = 'key_id, kind, suite, created, expires, package, secret, uses';

function prekeyOf(r: PrekeyRow): StoredPrekey {
  return { keyId: r.key_id, kind: r.kind, suite: r.suite, created: r.created, expires: r.expires, package: bytesOf(r.package), secret: bytesOf(r.secret), uses: r.uses };
}

/**
 * {@link PrekeyStore} on SQLite. Prekey secrets are stored as given (**secret**);
 * {@link SqlitePrekeyStore.consume} deletes the one-time keys' rows, secrets included, and
 * remembers their ids, all or none in one `BEGIN IMMEDIATE` transaction, so a one-time
 * prekey is consumed once even by two processes accepting the same initial message. The
 * replay cache ({@link SqlitePrekeyStore.rememberHandshake}) is an insert-if-absent on the
 * session id's primary key.
 *
 * @example
 * ```ts
 * import { SqlitePrekeyStore } from 'pqwire/stores/sqlite';
 * import { createPrekeyBatch } from 'pqwire';
 * const prekeyStore = new SqlitePrekeyStore('./data/pqwire.db');
 * const upload = await createPrekeyBatch(identity, { prekeyStore }); // secrets saved in the file
 * prekeyStore.count('one-time'); // 100
 * ```
 */
export class SqlitePrekeyStore extends SqliteStoreBase implements PrekeyStore {
  constructor(source: SqliteStoreFile | string, options?: SqliteStoreOptions) {
    super(source, options);
  }

  async save(prekeys: readonly StoredPrekey[]): Promise<void> {
    const c = this.connection();
    const rows = prekeys.map((p) => [p.keyId, p.kind, p.suite, p.created, p.expires, blob(p.package), blob(p.secret), p.uses] as const);
    c.transaction(() => {
      // An existing key id keeps its row (and its place in the order `current` breaks ties by).
      const upsert = c.statement(
        `INSERT INTO prekeys (${PREKEY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (key_id) DO UPDATE SET kind = excluded.kind, suite = excluded.suite, created = excluded.created,
           expires = excluded.expires, package = excluded.package, secret = excluded.secret, uses = excluded.uses`,
      );
      for (const r of rows) upsert.run(...r);
    });
  }

  async load(keyId: string): Promise<StoredPrekey | undefined> {
    const c = this.connection();
    const row = c.run(() => c.statement(`SELECT ${PREKEY_COLUMNS} FROM prekeys WHERE key_id = ?`).get(keyId) as PrekeyRow | undefined);
    return row && prekeyOf(row);
  }

  async isConsumed(keyId: string): Promise<boolean> {
    const c = this.connection();
    return c.run(() => c.statement('SELECT 1 FROM consumed_prekeys WHERE key_id = ?').get(keyId) !== undefined);
  }

  async consume(keyIds: readonly string[]): Promise<boolean> {
    const c = this.connection();
    if (new Set(keyIds).size !== keyIds.length) return false;
    return c.transaction(() => {
      const kind = c.statement('SELECT kind FROM prekeys WHERE key_id = ?');
      const oneTime = (id: string): boolean => {
        const row = kind.get(id) as { kind: PrekeyKind } | undefined;
        return row !== undefined && (row.kind === 'one-time' || row.kind === 'one-time-kem');
      };
      if (!keyIds.every(oneTime)) return false;
      const remove = c.statement('DELETE FROM prekeys WHERE key_id = ?');
      const remember = c.statement('INSERT INTO consumed_prekeys (key_id) VALUES (?) ON CONFLICT DO NOTHING');
      for (const id of keyIds) {
        remove.run(id);
        remember.run(id);
      }
      return true;
    });
  }

  async current(kind: 'signed' | 'last-resort-kem'): Promise<StoredPrekey | undefined> {
    const c = this.connection();
    // The newest; among equally new ones the last saved, as the in-memory store.
    const row = c.run(() => c.statement(`SELECT ${PREKEY_COLUMNS} FROM prekeys WHERE kind = ? ORDER BY created DESC, seq DESC LIMIT 1`).get(kind) as PrekeyRow | undefined);
    return row && prekeyOf(row);
  }

  async countUse(keyIds: readonly string[]): Promise<void> {
    const c = this.connection();
    c.transaction(() => {
      const count = c.statement('UPDATE prekeys SET uses = uses + 1 WHERE key_id = ?');
      for (const id of keyIds) count.run(id);
    });
  }

  async rememberHandshake(sessionId: string, until: number): Promise<boolean> {
    const c = this.connection();
    return c.run(() => c.statement('INSERT INTO handshakes (session_id, until) VALUES (?, ?) ON CONFLICT DO NOTHING').run(sessionId, until).changes === 1);
  }

  async removeExpired(now: number): Promise<number> {
    const c = this.connection();
    return c.transaction(() => {
      const removed = c.statement('DELETE FROM prekeys WHERE expires <= ?').run(now).changes;
      c.statement('DELETE FROM handshakes WHERE until <= ?').run(now);
      return removed;
    });
  }

  /** Number of stored (unconsumed) prekeys of a kind. */
  count(kind: PrekeyKind): number {
    const c = this.connection();
    return c.run(() => (c.statement('SELECT COUNT(*) AS n FROM prekeys WHERE kind = ?').get(kind) as { n: number }).n);
  }
}

/** A `sessions` row with its highest epoch. */
interface SessionRow {
  session_id: string;
  epoch: number;
  record: Buffer;
  superseded_by: string | null;
  highest: number;
}

const SESSION_COLUMNS = 's.session_id, s.epoch, s.record, s.superseded_by, COALESCE(e.highest, s.epoch) AS highest';
const SESSION_FROM = 'sessions s LEFT JOIN session_epochs e ON e.session_id = s.session_id';

function sessionOf(r: SessionRow): StoredPreviousSession {
  const out: StoredPreviousSession = { record: bytesOf(r.record), sessionId: r.session_id, epoch: r.epoch, highestEpoch: r.highest };
  if (r.superseded_by !== null) out.supersededBy = r.superseded_by;
  return out;
}

/**
 * {@link SessionStore} on SQLite: per address the current session and up to
 * {@link MAX_PREVIOUS_SESSIONS} previous ones, and per session id the highest epoch ever
 * saved (a table of its own, never lowered, kept when a session is deleted or dropped).
 * {@link SqliteSessionStore.save} is the compare-and-swap of the contract
 * (`sessionSaveAllowed`), run in one `BEGIN IMMEDIATE` transaction: two connections or
 * processes holding copies of one session, loaded at the same epoch, cannot both save.
 * A session id is the primary key of its record, so it is stored under one address only.
 * Session records are stored as given (**secret**).
 *
 * The highest epochs live in the same file as the records: a restore of the records alone
 * (rows copied back from an old copy) is refused at `Session.load` (`SESSION_ROLLBACK`),
 * a restore of the whole file from a backup is not (docs/protocol.md §9).
 *
 * @example
 * ```ts
 * import { SqliteSessionStore } from 'pqwire/stores/sqlite';
 * import { Session } from 'pqwire';
 * const sessionStore = new SqliteSessionStore('./data/pqwire.db');
 * await session.save(sessionStore, 'bob');            // attaches the session
 * const s = await Session.load(sessionStore, 'bob');  // in another run, or process
 * await s!.encryptAsync(new TextEncoder().encode('stored before it is returned'));
 * ```
 */
export class SqliteSessionStore extends SqliteStoreBase implements SessionStore {
  constructor(source: SqliteStoreFile | string, options?: SqliteStoreOptions) {
    super(source, options);
  }

  async load(address: string): Promise<StoredSession | undefined> {
    const c = this.connection();
    const row = c.run(() => c.statement(`SELECT ${SESSION_COLUMNS} FROM ${SESSION_FROM} WHERE s.address = ? AND s.current = 1`).get(address) as SessionRow | undefined);
    return row && sessionOf(row); // a current session is never superseded
  }

  async loadPrevious(address: string): Promise<StoredPreviousSession[]> {
    const c = this.connection();
    const rows = c.run(() => c.statement(`SELECT ${SESSION_COLUMNS} FROM ${SESSION_FROM} WHERE s.address = ? AND s.current = 0 ORDER BY s.seq DESC`).all(address) as SessionRow[]);
    return rows.map(sessionOf);
  }

  async save(address: string, session: SessionSave): Promise<boolean> {
    const c = this.connection();
    const record = blob(session.record);
    const id = session.sessionId;
    return c.transaction(() => {
      const current = c.statement('SELECT session_id AS sessionId, epoch FROM sessions WHERE address = ? AND current = 1').get(address) as { sessionId: string; epoch: number } | undefined;
      const stored = c.statement('SELECT address, current, epoch FROM sessions WHERE session_id = ?').get(id) as { address: string; current: number; epoch: number } | undefined;
      const highest = c.statement('SELECT highest FROM session_epochs WHERE session_id = ?').get(id) as { highest: number } | undefined;
      const elsewhere = stored !== undefined && stored.address !== address;
      const previous = stored !== undefined && !elsewhere && stored.current === 0 ? { sessionId: id, epoch: stored.epoch } : undefined;
      if (!sessionSaveAllowed(current, highest?.highest, session, elsewhere, previous)) return false;

      const nextSeq = (): number => (c.statement('SELECT COALESCE(MAX(seq), 0) + 1 AS n FROM sessions WHERE address = ?').get(address) as { n: number }).n;
      const insert = (isCurrent: 0 | 1, seq: number, supersededBy: string | null): void => {
        c.statement('INSERT INTO sessions (session_id, address, current, seq, record, epoch, superseded_by) VALUES (?, ?, ?, ?, ?, ?, ?)').run(id, address, isCurrent, seq, record, session.epoch, supersededBy);
      };
      const update = (): void => {
        c.statement('UPDATE sessions SET record = ?, epoch = ? WHERE session_id = ?').run(record, session.epoch, id);
      };
      /** The current session becomes the most recent previous one (superseded by `by`, if given). */
      const demote = (by: string | null): void => {
        c.statement('UPDATE sessions SET current = 0, seq = ?, superseded_by = ? WHERE session_id = ?').run(nextSeq(), by, current!.sessionId);
      };
      switch (sessionSavePlacement(current, session, previous)) {
        case 'new':
          insert(1, 0, null);
          break;
        case 'current':
        case 'previous': // in place: a previous session keeps its place and supersededBy
          update();
          break;
        case 'promote':
          demote(null);
          c.statement('UPDATE sessions SET current = 1, seq = 0, superseded_by = NULL, record = ?, epoch = ? WHERE session_id = ?').run(record, session.epoch, id);
          break;
        case 'new-previous':
          insert(0, nextSeq(), current!.sessionId);
          break;
        case 'replace':
          demote(session.supersede === true ? id : null);
          insert(1, 0, null);
          break;
      }
      // The oldest previous sessions beyond the bound go; their highest epochs stay.
      c.statement(
        `DELETE FROM sessions WHERE address = ? AND current = 0 AND session_id NOT IN
           (SELECT session_id FROM sessions WHERE address = ? AND current = 0 ORDER BY seq DESC LIMIT ?)`,
      ).run(address, address, MAX_PREVIOUS_SESSIONS);
      c.statement('INSERT INTO session_epochs (session_id, highest) VALUES (?, ?) ON CONFLICT (session_id) DO UPDATE SET highest = MAX(highest, excluded.highest)').run(id, session.epoch);
      return true;
    });
  }

  async delete(address: string): Promise<void> {
    const c = this.connection();
    // The highest epochs stay: a deleted session restored from a backup is still a rollback.
    c.run(() => c.statement('DELETE FROM sessions WHERE address = ?').run(address));
  }

  /** The addresses with a stored session, sorted. */
  async addresses(): Promise<string[]> {
    const c = this.connection();
    return c.run(() => (c.statement('SELECT address FROM sessions WHERE current = 1 ORDER BY address').all() as { address: string }[]).map((r) => r.address));
  }
}

/**
 * The {@link StateStore} of `pqwire/client` on SQLite: named records, some secret (the
 * sealing key seeds), in the same file as the other stores.
 *
 * @example
 * ```ts
 * import { SqliteStateStore } from 'pqwire/stores/sqlite';
 * const state = new SqliteStateStore('./data/alice.db');
 * await state.put('note', new Uint8Array([1]));
 * ```
 */
export class SqliteStateStore extends SqliteStoreBase implements StateStore {
  constructor(source: SqliteStoreFile | string, options?: SqliteStoreOptions) {
    super(source, options);
  }

  async get(name: string): Promise<Uint8Array | undefined> {
    const c = this.connection();
    const row = c.run(() => c.statement('SELECT value FROM client_state WHERE name = ?').get(name) as { value: Buffer } | undefined);
    return row && bytesOf(row.value);
  }

  async put(name: string, value: Uint8Array): Promise<void> {
    const c = this.connection();
    const v = blob(value);
    c.run(() => c.statement('INSERT INTO client_state (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value').run(name, v));
  }

  async delete(name: string): Promise<void> {
    const c = this.connection();
    c.run(() => c.statement('DELETE FROM client_state WHERE name = ?').run(name));
  }
}

/**
 * What {@link openSqliteStores} returns: the three stores on one file. Only the stores are
 * enumerable properties, so `{ ...stores }` spreads them alone into `acceptSession`'s options.
 */
export interface SqliteStores {
  identityStore: SqliteIdentityStore;
  prekeyStore: SqlitePrekeyStore;
  sessionStore: SqliteSessionStore;
  /** The state of `pqwire/client` (not enumerable: `Client.open({ stores })` reads it, a spread leaves it out). */
  stateStore: SqliteStateStore;
  /** The file they share. */
  file: SqliteStoreFile;
  /** Closes the file; every store then refuses with `DISPOSED`. Twice is fine. */
  close(): void;
  /** {@link SqliteStores.close}, for `using`. */
  [Symbol.dispose](): void;
}

/**
 * Opens (creating it, mode 0600, if needed) the pqwire store file at `file` and returns the
 * three stores sharing its one connection: spread it into the options of `acceptSession`
 * (only the stores are enumerable), or pass each where it goes (`initiateSession` takes no
 * prekey store). Several processes may open the same file (WAL mode; a writer waits up to
 * `busyTimeout` for another's lock).
 *
 * @example
 * ```ts
 * import { openSqliteStores } from 'pqwire/stores/sqlite';
 * import { createIdentity, initiateSession } from 'pqwire';
 * using stores = openSqliteStores('./data/alice.db');
 * const { session, initialMessage } = await initiateSession(bundle, {
 *   identity: alice, address: 'bob', identityStore: stores.identityStore, sessionStore: stores.sessionStore,
 * });
 * ```
 */
export function openSqliteStores(file: string, options?: SqliteStoreOptions): SqliteStores {
  const opened = new SqliteStoreFile(file, options);
  const close = (): void => opened.close();
  const stores = { identityStore: new SqliteIdentityStore(opened), prekeyStore: new SqlitePrekeyStore(opened), sessionStore: new SqliteSessionStore(opened) };
  // Not enumerable: `...stores` gives the three stores alone, which acceptSession's options
  // accept (an option name it does not know is INVALID_ARGUMENT).
  return Object.defineProperties(stores, {
    stateStore: { value: new SqliteStateStore(opened) },
    file: { value: opened },
    close: { value: close },
    [DISPOSE]: { value: close },
  }) as SqliteStores;
}
