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
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { makeError } from '../errors';
import { nowSeconds } from '../identity';
import { byDevice, claimFrom, pendingMigrations } from './store';
import { clearExpiredLimits, sqliteRateLimiter } from './sqlite-limiter';
import { WriteBatch } from './sqlite-batch';
import { FALLBACK_AUTOCHECKPOINT, startCheckpointer } from './sqlite-checkpointer';
import { decideCommit, decidePost, isMember, readable } from './group-rules';
import type { Membership } from './group-rules';
import type {
  BindResult,
  DeviceAddress,
  DirectoryEntry,
  GroupCommit,
  GroupLogEntry,
  GroupPost,
  GroupWrite,
  PendingWelcome,
  RotateResult,
  PrekeyClaim,
  QueuedEnvelope,
  QueueListener,
  RateLimiter,
  ServerStore,
  StoredKeyPackage,
  StoreStats,
  TokenHolder,
  UploadCounts,
} from './store';

type Database = import('better-sqlite3').Database;
type Statement = import('better-sqlite3').Statement;

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
  /** New messages, for live delivery: this process only (a SQLite file has one server). */
  readonly #queued = new EventEmitter().setMaxListeners(0);
  #closed = false;
  /** Prepared statements by their SQL (see #sql). */
  readonly #statements = new Map<string, Statement>();
  /** The hot writes (claims, queueing, acks, rate-limit points), committed together per event-loop turn. */
  readonly #writes: WriteBatch;
  /** The thread that checkpoints the WAL (a file database only). */
  readonly #checkpointer: { stop(): Promise<void> } | undefined;
  /** The rate limiters' tables, whose expired windows the sweep deletes. */
  readonly #limitTables = new Set<string>();

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
    this.#writes = new WriteBatch(this.#db);
    if (path !== ':memory:') {
      this.#db.pragma(`wal_autocheckpoint = ${FALLBACK_AUTOCHECKPOINT}`);
      this.#checkpointer = startCheckpointer(path);
    }
  }

  async schemaVersion(): Promise<number> {
    this.#open();
    this.#db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied INTEGER NOT NULL)');
    const row = this.#sql('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null };
    return row.v ?? 0;
  }

  async migrate(): Promise<void> {
    const current = await this.schemaVersion();
    for (const m of pendingMigrations(current)) {
      this.#db.transaction(() => {
        this.#db.exec(m.sqlite);
        this.#sql('INSERT INTO schema_migrations (version, applied) VALUES (?, ?)').run(m.version, nowSeconds());
      })();
    }
  }

  async ping(): Promise<void> {
    this.#open();
    this.#sql('SELECT 1').get();
  }

  async bindDevice(d: DeviceAddress, identity: string, fingerprint: string, now: number): Promise<BindResult> {
    this.#open();
    // One synchronous transaction: nothing else runs between the check and the insert.
    return this.#db.transaction((): BindResult => {
      const row = this.#sql('SELECT fingerprint FROM devices WHERE account = ? AND device = ?').get(d.account, d.device) as { fingerprint: string } | undefined;
      if (row !== undefined) return row.fingerprint === fingerprint ? 'same' : 'conflict';
      if (this.#sql('SELECT 1 FROM devices WHERE fingerprint = ?').get(fingerprint) !== undefined) return 'conflict';
      this.#sql('INSERT INTO devices (account, device, identity, fingerprint, created) VALUES (?, ?, ?, ?, ?)').run(d.account, d.device, Buffer.from(identity), fingerprint, now);
      return 'bound';
    })();
  }

  async deviceIdentity(d: DeviceAddress): Promise<string | undefined> {
    this.#open();
    const row = this.#sql('SELECT identity FROM devices WHERE account = ? AND device = ?').get(d.account, d.device) as { identity: Buffer } | undefined;
    return row?.identity.toString();
  }

  async rotateIdentity(d: DeviceAddress, oldFingerprint: string, identity: string, fingerprint: string): Promise<RotateResult> {
    this.#open();
    return this.#db.transaction((): RotateResult => {
      const row = this.#sql('SELECT fingerprint FROM devices WHERE account = ? AND device = ?').get(d.account, d.device) as { fingerprint: string } | undefined;
      if (row?.fingerprint !== oldFingerprint) return 'changed';
      if (this.#sql('SELECT 1 FROM devices WHERE fingerprint = ?').get(fingerprint) !== undefined) return 'conflict';
      this.#sql('UPDATE devices SET identity = ?, fingerprint = ?, sealing_key = NULL WHERE account = ? AND device = ?').run(Buffer.from(identity), fingerprint, d.account, d.device);
      this.#sql('DELETE FROM prekey_uploads WHERE account = ? AND device = ?').run(d.account, d.device);
      this.#sql('DELETE FROM prekey_upload_bytes WHERE account = ? AND device = ?').run(d.account, d.device);
      this.#sql('DELETE FROM tokens WHERE account = ? AND device = ?').run(d.account, d.device);
      return 'rotated';
    })();
  }

  async putSealingKey(d: DeviceAddress, fingerprint: string, key: string): Promise<boolean> {
    this.#open();
    return this.#sql('UPDATE devices SET sealing_key = ? WHERE account = ? AND device = ? AND fingerprint = ?').run(Buffer.from(key), d.account, d.device, fingerprint).changes === 1;
  }

  async directory(account: string): Promise<DirectoryEntry[]> {
    this.#open();
    const rows = this.#sql('SELECT device, fingerprint, sealing_key FROM devices WHERE account = ? ORDER BY device').all(account) as { device: number; fingerprint: string; sealing_key: Buffer | null }[];
    return rows.map((r) => ({ device: r.device, fingerprint: r.fingerprint, ...(r.sealing_key && { sealingKey: r.sealing_key.toString() }) }));
  }

  async serverKey(name: string, make: () => Uint8Array): Promise<Uint8Array> {
    this.#open();
    const read = () => this.#sql('SELECT record FROM server_keys WHERE name = ?').get(name) as { record: Buffer } | undefined;
    const found = read();
    if (found) return new Uint8Array(found.record);
    this.#sql('INSERT INTO server_keys (name, record) VALUES (?, ?) ON CONFLICT (name) DO NOTHING').run(name, Buffer.from(make()));
    return new Uint8Array(read()!.record);
  }

  async putChallenge(id: string, d: DeviceAddress, expires: number): Promise<void> {
    this.#open();
    this.#sql('INSERT INTO challenges (id, account, device, expires) VALUES (?, ?, ?, ?)').run(id, d.account, d.device, expires);
  }

  async takeChallenge(id: string, d: DeviceAddress, now: number): Promise<boolean> {
    this.#open();
    const row = this.#sql('DELETE FROM challenges WHERE id = ? RETURNING account, device, expires').get(id) as { account: string; device: number; expires: number } | undefined;
    return row !== undefined && row.account === d.account && row.device === d.device && row.expires > now;
  }

  async putToken(hash: string, d: DeviceAddress, expires: number): Promise<void> {
    this.#open();
    this.#sql('INSERT INTO tokens (hash, account, device, expires) VALUES (?, ?, ?, ?)').run(hash, d.account, d.device, expires);
  }

  async tokenDevice(hash: string, now: number): Promise<TokenHolder | undefined> {
    this.#open();
    const row = this.#sql('SELECT account, device, expires FROM tokens WHERE hash = ? AND expires > ?').get(hash, now) as TokenHolder | undefined;
    return row && { account: row.account, device: row.device, expires: row.expires };
  }

  async sweep(now: number): Promise<number> {
    this.#open();
    return this.#db.transaction(() => {
      let n = 0;
      for (const table of ['challenges', 'tokens', 'messages']) n += this.#sql(`DELETE FROM ${table} WHERE expires <= ?`).run(now).changes;
      for (const table of this.#limitTables) n += clearExpiredLimits(this.#db, table, now * 1000);
      return n;
    })();
  }

  async putUpload(d: DeviceAddress, uploadId: string, upload: Uint8Array, f: UploadCounts, now: number): Promise<void> {
    this.#open();
    this.#db.transaction(() => {
      this.#sql(
        `INSERT INTO prekey_uploads (account, device, upload_id, one_time_kem_count, one_time_count, has_kem, signed_expires, next_kem, next_one_time, uploaded)
         VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0, ?)
         ON CONFLICT (account, device) DO UPDATE SET upload_id = excluded.upload_id,
           one_time_kem_count = excluded.one_time_kem_count, one_time_count = excluded.one_time_count, has_kem = excluded.has_kem,
           signed_expires = excluded.signed_expires, next_kem = 0, next_one_time = 0, uploaded = excluded.uploaded`,
      ).run(d.account, d.device, uploadId, f.oneTimeKemCount, f.oneTimeCount, f.hasKem ? 1 : 0, f.signedExpires, now);
      this.#sql(
        `INSERT INTO prekey_upload_bytes (account, device, upload_id, upload) VALUES (?, ?, ?, ?)
         ON CONFLICT (account, device) DO UPDATE SET upload_id = excluded.upload_id, upload = excluded.upload`,
      ).run(d.account, d.device, uploadId, Buffer.from(upload));
    })();
  }

  async claimPrekeys(d: DeviceAddress): Promise<PrekeyClaim | undefined> {
    this.#open();
    // One UPDATE: SQLite runs it under the database's write lock, so each claim sees the
    // counters the previous one left.
    const claim = this.#sql(
      `UPDATE prekey_uploads SET next_kem = next_kem + 1, next_one_time = next_one_time + 1
       WHERE account = ? AND device = ?
       RETURNING upload_id, next_kem, next_one_time, one_time_kem_count, one_time_count`,
    );
    const row = (await this.#writes.run(() => claim.get(d.account, d.device))) as
      | { upload_id: string; next_kem: number; next_one_time: number; one_time_kem_count: number; one_time_count: number }
      | undefined;
    return row && claimFrom(row.upload_id, row.next_kem, row.next_one_time, row.one_time_kem_count, row.one_time_count);
  }

  async uploadBytes(d: DeviceAddress, uploadId: string): Promise<Uint8Array | undefined> {
    this.#open();
    const row = this.#sql('SELECT upload FROM prekey_upload_bytes WHERE account = ? AND device = ? AND upload_id = ?').get(d.account, d.device, uploadId) as { upload: Buffer } | undefined;
    return row && new Uint8Array(row.upload);
  }

  async prekeyCounts(d: DeviceAddress): Promise<{ oneTimeKem: number; oneTime: number; signedExpires: number } | undefined> {
    this.#open();
    const row = this.#sql(
      'SELECT one_time_kem_count - MIN(next_kem, one_time_kem_count) AS k, one_time_count - MIN(next_one_time, one_time_count) AS o, signed_expires AS e FROM prekey_uploads WHERE account = ? AND device = ?',
    ).get(d.account, d.device) as { k: number | null; o: number | null; e: number | null } | undefined;
    return row && row.e !== null ? { oneTimeKem: row.k!, oneTime: row.o!, signedExpires: row.e } : undefined;
  }

  async accountDevices(account: string): Promise<Map<number, string>> {
    this.#open();
    const rows = this.#sql('SELECT device, fingerprint FROM devices WHERE account = ?').all(account) as { device: number; fingerprint: string }[];
    return new Map(rows.map((r) => [r.device, r.fingerprint]));
  }

  async enqueue(envelopes: QueuedEnvelope[], limit: number): Promise<'queued' | 'full'> {
    this.#open();
    const sent = envelopes[0]?.sent ?? 0;
    // Expired messages are gone: swept here, so that they never fill a queue.
    const sweep = this.#sql('DELETE FROM messages WHERE account = ? AND device = ? AND expires <= ?');
    const count = this.#sql('SELECT COUNT(*) AS n FROM messages WHERE account = ? AND device = ?');
    const insert = this.#sql('INSERT INTO messages (id, account, device, envelope, sender, sent, expires) VALUES (?, ?, ?, ?, ?, ?, ?)');
    const result = await this.#writes.run((): 'queued' | 'full' => {
      for (const e of envelopes) {
        sweep.run(e.account, e.device, sent);
        if ((count.get(e.account, e.device) as { n: number }).n >= limit) return 'full';
      }
      for (const e of envelopes) insert.run(e.id, e.account, e.device, Buffer.from(e.envelope), e.sender, e.sent, e.expires);
      return 'queued';
    });
    // One notice per device, with its messages: live delivery sends them as they are.
    if (result === 'queued') for (const group of byDevice(envelopes)) this.#queued.emit('queued', { account: group[0]!.account, device: group[0]!.device }, group);
    return result;
  }

  async onQueued(listener: QueueListener): Promise<() => void> {
    this.#open();
    this.#queued.on('queued', listener);
    return () => this.#queued.off('queued', listener);
  }

  async pending(d: DeviceAddress, now: number, max: number): Promise<QueuedEnvelope[]> {
    this.#open();
    const rows = this.#sql('SELECT id, account, device, envelope, sender, sent, expires FROM messages WHERE account = ? AND device = ? AND expires > ? ORDER BY seq LIMIT ?').all(d.account, d.device, now, max) as (Omit<QueuedEnvelope, 'envelope'> & { envelope: Buffer })[];
    return rows.map((r) => ({ ...r, envelope: new Uint8Array(r.envelope) }));
  }

  async acknowledge(d: DeviceAddress, ids: readonly string[]): Promise<number> {
    this.#open();
    const del = this.#sql('DELETE FROM messages WHERE account = ? AND device = ? AND id = ?');
    return this.#writes.run(() => ids.reduce((n, id) => n + del.run(d.account, d.device, id).changes, 0));
  }

  async putKeyPackages(d: DeviceAddress, packages: readonly StoredKeyPackage[], now: number): Promise<void> {
    this.#open();
    this.#db.transaction(() => {
      this.#sql('DELETE FROM mls_key_packages WHERE account = ? AND device = ?').run(d.account, d.device);
      const insert = this.#sql('INSERT INTO mls_key_packages (account, device, suite, last_resort, key_package, uploaded) VALUES (?, ?, ?, ?, ?, ?)');
      for (const k of packages) insert.run(d.account, d.device, k.suite, k.lastResort ? 1 : 0, Buffer.from(k.keyPackage), now);
    })();
  }

  async claimKeyPackage(d: DeviceAddress, suite: string): Promise<{ keyPackage: Uint8Array; lastResort: boolean } | undefined> {
    this.#open();
    // One synchronous transaction: the one-time key package read is the one deleted.
    const row = this.#db.transaction(() => {
      const oneTime = this.#sql('SELECT id, key_package FROM mls_key_packages WHERE account = ? AND device = ? AND suite = ? AND last_resort = 0 ORDER BY id LIMIT 1').get(d.account, d.device, suite) as { id: number; key_package: Buffer } | undefined;
      if (oneTime) {
        this.#sql('DELETE FROM mls_key_packages WHERE id = ?').run(oneTime.id);
        return { keyPackage: oneTime.key_package, lastResort: false };
      }
      const last = this.#sql('SELECT key_package FROM mls_key_packages WHERE account = ? AND device = ? AND suite = ? AND last_resort = 1 ORDER BY id DESC LIMIT 1').get(d.account, d.device, suite) as { key_package: Buffer } | undefined;
      return last && { keyPackage: last.key_package, lastResort: true };
    }).immediate();
    return row && { keyPackage: new Uint8Array(row.keyPackage), lastResort: row.lastResort };
  }

  async keyPackageCounts(d: DeviceAddress): Promise<Record<string, { oneTime: number; lastResort: boolean }>> {
    this.#open();
    const rows = this.#sql('SELECT suite, SUM(1 - last_resort) AS one_time, MAX(last_resort) AS last_resort FROM mls_key_packages WHERE account = ? AND device = ? GROUP BY suite').all(d.account, d.device) as { suite: string; one_time: number; last_resort: number }[];
    return Object.fromEntries(rows.map((r) => [r.suite, { oneTime: r.one_time, lastResort: r.last_resort === 1 }]));
  }

  async createGroup(group: string, creator: DeviceAddress, now: number): Promise<boolean> {
    this.#open();
    return this.#db.transaction(() => {
      if (this.#sql('INSERT INTO mls_groups (group_id, epoch, last_seq, created) VALUES (?, 0, 0, ?) ON CONFLICT (group_id) DO NOTHING').run(group, now).changes === 0) return false;
      this.#sql('INSERT INTO mls_group_members (group_id, account, device, joined_seq, removed_seq) VALUES (?, ?, ?, 0, NULL)').run(group, creator.account, creator.device);
      return true;
    }).immediate();
  }

  async commitToGroup(c: GroupCommit): Promise<GroupWrite> {
    this.#open();
    return this.#db.transaction((): GroupWrite => {
      const facts = {
        group: this.#groupRow(c.group),
        sender: this.#membership(c.group, c.sender),
        add: c.add.map((d) => ({ registered: this.#sql('SELECT 1 FROM devices WHERE account = ? AND device = ?').get(d.account, d.device) !== undefined, membership: this.#membership(c.group, d) })),
        remove: c.remove.map((d) => this.#membership(c.group, d)),
      };
      const verdict = decideCommit(facts, c.epoch, c.seen);
      if (verdict.result !== 'accepted') return verdict;
      this.#append(c.group, verdict.seq, c.epoch, 'commit', c.sender, c.commit, c.now, verdict.epoch);
      const join = this.#sql(
        `INSERT INTO mls_group_members (group_id, account, device, joined_seq, removed_seq) VALUES (?, ?, ?, ?, NULL)
         ON CONFLICT (group_id, account, device) DO UPDATE SET joined_seq = excluded.joined_seq, removed_seq = NULL`,
      );
      const welcome = this.#sql('INSERT INTO mls_welcomes (id, account, device, group_id, seq, welcome, ratchet_tree) VALUES (?, ?, ?, ?, ?, ?, ?)');
      for (const d of c.add) {
        join.run(c.group, d.account, d.device, verdict.seq);
        welcome.run(randomBytes(16).toString('hex'), d.account, d.device, c.group, verdict.seq, Buffer.from(c.welcome ?? new Uint8Array(0)), c.ratchetTree ? Buffer.from(c.ratchetTree) : null);
      }
      const leave = this.#sql('UPDATE mls_group_members SET removed_seq = ? WHERE group_id = ? AND account = ? AND device = ?');
      for (const d of c.remove) leave.run(verdict.seq, c.group, d.account, d.device);
      return verdict;
    }).immediate();
  }

  async postToGroup(p: GroupPost): Promise<GroupWrite> {
    this.#open();
    return this.#db.transaction((): GroupWrite => {
      const verdict = decidePost({ group: this.#groupRow(p.group), sender: this.#membership(p.group, p.sender) }, p.epoch);
      if (verdict.result === 'accepted') this.#append(p.group, verdict.seq, p.epoch, p.kind, p.sender, p.message, p.now, verdict.epoch);
      return verdict;
    }).immediate();
  }

  async groupLog(group: string, d: DeviceAddress, after: number, max: number): Promise<{ epoch?: number; entries: GroupLogEntry[] } | 'unknown' | 'not-member'> {
    this.#open();
    const row = this.#groupRow(group);
    if (row === undefined) return 'unknown';
    const m = this.#membership(group, d);
    if (m === undefined) return 'not-member';
    const window = readable(m);
    const rows = this.#sql('SELECT seq, epoch, kind, sender, message, sent FROM mls_group_log WHERE group_id = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?').all(group, Math.max(after, window.after), window.upTo, max) as (Omit<GroupLogEntry, 'message'> & { message: Buffer })[];
    const entries = rows.map((r) => ({ ...r, message: new Uint8Array(r.message) }));
    return isMember(m) ? { epoch: row.epoch, entries } : { entries };
  }

  async pendingWelcomes(d: DeviceAddress, max: number): Promise<PendingWelcome[]> {
    this.#open();
    const rows = this.#sql('SELECT id, group_id, seq, welcome, ratchet_tree FROM mls_welcomes WHERE account = ? AND device = ? ORDER BY seq LIMIT ?').all(d.account, d.device, max) as { id: string; group_id: string; seq: number; welcome: Buffer; ratchet_tree: Buffer | null }[];
    return rows.map((r) => ({ id: r.id, group: r.group_id, seq: r.seq, welcome: new Uint8Array(r.welcome), ...(r.ratchet_tree && { ratchetTree: new Uint8Array(r.ratchet_tree) }) }));
  }

  async acknowledgeWelcomes(d: DeviceAddress, ids: readonly string[]): Promise<number> {
    this.#open();
    const del = this.#sql('DELETE FROM mls_welcomes WHERE account = ? AND device = ? AND id = ?');
    return this.#db.transaction(() => ids.reduce((n, id) => n + del.run(d.account, d.device, id).changes, 0))();
  }

  #groupRow(group: string): { epoch: number; lastSeq: number } | undefined {
    const row = this.#sql('SELECT epoch, last_seq FROM mls_groups WHERE group_id = ?').get(group) as { epoch: number; last_seq: number } | undefined;
    return row && { epoch: row.epoch, lastSeq: row.last_seq };
  }

  #membership(group: string, d: DeviceAddress): Membership | undefined {
    const row = this.#sql('SELECT joined_seq, removed_seq FROM mls_group_members WHERE group_id = ? AND account = ? AND device = ?').get(group, d.account, d.device) as { joined_seq: number; removed_seq: number | null } | undefined;
    return row && { joinedSeq: row.joined_seq, removedSeq: row.removed_seq };
  }

  #append(group: string, seq: number, epoch: number, kind: GroupLogEntry['kind'], sender: DeviceAddress, message: Uint8Array, now: number, nextEpoch: number): void {
    this.#sql('INSERT INTO mls_group_log (group_id, seq, epoch, kind, sender, message, sent) VALUES (?, ?, ?, ?, ?, ?, ?)').run(group, seq, epoch, kind, `${sender.account}/${sender.device}`, Buffer.from(message), now);
    this.#sql('UPDATE mls_groups SET epoch = ?, last_seq = ? WHERE group_id = ?').run(nextEpoch, seq, group);
  }

  async stats(): Promise<StoreStats> {
    this.#open();
    const one = (sql: string) => (this.#sql(sql).get() as { n: number | null }).n ?? 0;
    return {
      devices: one('SELECT COUNT(*) AS n FROM devices'),
      queuedMessages: one('SELECT COUNT(*) AS n FROM messages'),
      oneTimeKemPrekeys: one('SELECT SUM(one_time_kem_count - MIN(next_kem, one_time_kem_count)) AS n FROM prekey_uploads'),
      oneTimePrekeys: one('SELECT SUM(one_time_count - MIN(next_one_time, one_time_count)) AS n FROM prekey_uploads'),
    };
  }

  async rateLimiter(name: string, points: number, duration: number): Promise<RateLimiter> {
    this.#open();
    const table = `rl_${name}`;
    this.#limitTables.add(table);
    return sqliteRateLimiter(this.#db, this.#writes, table, points, duration);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#queued.removeAllListeners();
    await this.#checkpointer?.stop();
    this.#db.close();
  }

  /** `sql` prepared once: preparing compiles the statement, which cost more than running it. */
  #sql(sql: string): Statement {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  #open(): void {
    if (this.#closed) throw makeError('DISPOSED', 'the store is closed');
  }
}
